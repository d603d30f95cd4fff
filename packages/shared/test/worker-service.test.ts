/**
 * The worker service's readiness gate: while the processor's dependency (Docker, for the code-processor) is
 * down, nothing is taken from the queue and tasks wait there; once it is back, they are worked.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createInProcessTaskQueue, EnvReader, readWorkerSettings, startWorkerService } from '@conveyor/shared';
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
  const settings = readWorkerSettings(new EnvReader({ API_URL: api.url, HEALTH_PORT: '0', CONCURRENCY: '1' }), {
    healthPort: 0,
  });
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
