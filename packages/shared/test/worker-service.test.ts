/**
 * The worker service's readiness gate: while the processor's dependency (Docker, for the code-processor) is
 * down, nothing is taken from the queue and tasks wait there; once it is back, they are worked.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createInProcessTaskQueue, EnvReader, readWorkerSettings, startWorkerService } from '@conveyor/shared';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { FakeCommitApi } from './support/fake-commit-api.js';
import { testLog } from './support/queue-fixture.js';
import { codeMessage } from './support/task-messages.js';
import { waitUntil } from './support/wait.js';

test('a worker takes nothing while its dependency is down, and works the waiting tasks once it is up', async () => {
  const api = await FakeCommitApi.start();
  const queue = createInProcessTaskQueue({ deliveryLimit: 2 });
  let dockerUp = false;
  // Each readiness check is a moment the worker could have taken a task: waiting for a few of them, rather
  // than for a while, shows that nothing was taken.
  let checks = 0;
  const checksMore = (n: number) => {
    const target = checks + n;
    return waitUntil(() => checks >= target, `${n} more readiness checks`);
  };
  const handled: string[] = [];
  const settings = readWorkerSettings(
    new EnvReader({ API_URL: api.url, HEALTH_PORT: '0', CONCURRENCY: '1' }),
    'image-processor',
  );
  const service = await startWorkerService({
    type: 'code',
    queue,
    settings,
    log: testLog(),
    registry: new Registry(),
    handler: async (message) => {
      handled.push(message.task_id);
      return { status: 'ready', result: { verdict: 'ok' } };
    },
    dependencyReady: async () => {
      checks++;
      return dockerUp;
    },
    readinessIntervalMs: 20,
  });
  try {
    const message = codeMessage();
    api.register(message);
    await queue.publisher.publish(message);
    await checksMore(3);
    assert.deepEqual(handled, [], 'nothing is taken while the dependency is down');
    assert.equal(queue.depth('code', 'work'), 1, 'the task waits in the queue');
    assert.equal(service.isReady(), false);
    const notReady = await fetch(`${service.health!.url}/readyz`);
    assert.equal(notReady.status, 503);

    dockerUp = true;
    await waitUntil(() => api.statusOf(message.task_id) === 'ready', 'the waiting task is worked');
    assert.deepEqual(handled, [message.task_id]);
    assert.equal(service.isReady(), true);
    assert.equal((await fetch(`${service.health!.url}/readyz`)).status, 200);

    dockerUp = false;
    await waitUntil(() => !service.isReady(), 'the worker pauses again');
    const next = codeMessage();
    api.register(next);
    await queue.publisher.publish(next);
    await checksMore(3);
    assert.equal(queue.depth('code', 'work'), 1);
    assert.deepEqual(handled, [message.task_id], 'nothing more is taken once it is down again');
  } finally {
    await service.close();
    await queue.close();
    await api.close();
  }
});

/** A service on the in-process queue and the fake API, with a handler the test controls. */
async function serviceFixture(
  options: {
    env?: Record<string, string>;
    handler?: Parameters<typeof startWorkerService>[0]['handler'];
    dependencyReady?: () => Promise<boolean>;
    stallLimitMs?: number;
    log?: ReturnType<typeof testLog>;
  } = {},
) {
  const api = await FakeCommitApi.start();
  const queue = createInProcessTaskQueue({ deliveryLimit: 2 });
  const settings = readWorkerSettings(
    new EnvReader({ API_URL: api.url, HEALTH_PORT: '0', CONCURRENCY: '1', ...options.env }),
    'code-processor',
  );
  const service = await startWorkerService({
    type: 'code',
    queue,
    settings,
    log: options.log ?? testLog(),
    registry: new Registry(),
    handler: options.handler ?? (async () => ({ status: 'ready', result: { verdict: 'ok' } })),
    dependencyReady: options.dependencyReady,
    readinessIntervalMs: 20,
    stallLimitMs: options.stallLimitMs,
  });
  return {
    api,
    queue,
    service,
    close: async () => {
      await service.close();
      await queue.close();
      await api.close();
    },
  };
}

test('COMMIT_HOLD sets how long a finished result is held; at least 10 minutes by default, under the broker consumer timeout', () => {
  const read = (env: Record<string, string>) => {
    const reader = new EnvReader(env);
    const settings = readWorkerSettings(reader, 'code-processor');
    reader.done();
    return settings;
  };
  assert.ok(read({}).commitHoldMs >= 10 * 60_000);
  assert.equal(read({ COMMIT_HOLD: '90s' }).commitHoldMs, 90_000);
  assert.throws(() => read({ COMMIT_HOLD: '40m' }), /COMMIT_HOLD/);
});

test('a worker that cannot reach the API takes no new tasks; it resumes when the API answers', async () => {
  const f = await serviceFixture();
  try {
    await waitUntil(() => f.service.isReady(), 'the worker is ready');
    f.api.failFor(1500);
    await waitUntil(() => !f.service.isReady(), 'the worker is not ready while the API is down');
    const message = codeMessage();
    f.api.register(message);
    await f.queue.publisher.publish(message);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(f.queue.depth('code', 'work'), 1, 'the task waits in the queue');
    const readyz = (await (await fetch(`${f.service.health!.url}/readyz`)).json()) as { api?: boolean };
    assert.equal(readyz.api, false);
    await waitUntil(() => f.api.statusOf(message.task_id) === 'ready', 'the task is worked once the API is back');
  } finally {
    await f.close();
  }
});

test('the readiness gate never waits for in-flight work: a stuck task does not freeze it', async () => {
  let dockerUp = true;
  let taken = 0;
  const f = await serviceFixture({
    dependencyReady: async () => dockerUp,
    handler: () => {
      taken++;
      return new Promise(() => {}); // never settles
    },
    stallLimitMs: 60_000,
  });
  try {
    const message = codeMessage();
    f.api.register(message);
    await f.queue.publisher.publish(message);
    await waitUntil(() => f.api.statusOf(message.task_id) === 'in_progress' && taken === 1, 'the task is taken');
    dockerUp = false;
    await waitUntil(() => !f.service.isReady(), 'the gate sees the dependency go down');
    dockerUp = true;
    await waitUntil(() => f.service.isReady(), 'the gate sees it come back while the task is still stuck', 2000);
  } finally {
    await f.service.worker.close(0);
    await f.close();
  }
});

test('/healthz answers 503 when a task has been stuck past the stall limit', async () => {
  const f = await serviceFixture({ handler: () => new Promise(() => {}), stallLimitMs: 300 });
  try {
    assert.equal((await fetch(`${f.service.health!.url}/healthz`)).status, 200);
    const message = codeMessage();
    f.api.register(message);
    await f.queue.publisher.publish(message);
    await waitUntil(
      async () => (await fetch(`${f.service.health!.url}/healthz`)).status === 503,
      'liveness fails once the task is stuck',
    );
    const body = await (await fetch(`${f.service.health!.url}/healthz`)).json();
    assert.match(JSON.stringify(body), /stalled/);
  } finally {
    await f.service.worker.close(0);
    await f.close();
  }
});

test('a worker that starts with its dependency down logs "dependency down"', async () => {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const f = await serviceFixture({ dependencyReady: async () => false, log });
  try {
    await waitUntil(() => lines.some((line) => line.includes('dependency down')), 'the log says so');
  } finally {
    await f.close();
  }
});
