/**
 * A worker that finished a task holds its result while the API is away: the commit is retried with
 * back-off for the hold period, the message stays unacked (no requeue, so no delivery is burned and the
 * task is not run again), and only a hold that runs out hands the task back to the queue.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommitClient, createInProcessTaskQueue, queueMetrics, Worker } from '@conveyor/shared';
import { Registry } from 'prom-client';
import { FakeCommitApi } from './support/fake-commit-api.js';
import { testLog } from './support/queue-fixture.js';
import { settledCount } from './support/settled.js';
import { codeMessage } from './support/task-messages.js';
import { waitUntil } from './support/wait.js';

async function holdFixture(retryForMs: number) {
  const api = await FakeCommitApi.start();
  const registry = new Registry();
  const queue = createInProcessTaskQueue({ deliveryLimit: 5 });
  const runs: string[] = [];
  let outageMs = 0;
  const worker = new Worker({
    type: 'code',
    queue,
    log: testLog(),
    metrics: queueMetrics(registry),
    committer: new CommitClient({ apiUrl: api.url, retryForMs, baseDelayMs: 20, maxDelayMs: 100, timeoutMs: 500 }),
    handler: async (message) => {
      runs.push(message.task_id);
      // The API goes away while the task runs: the final commit meets the outage.
      if (outageMs > 0) api.failFor(outageMs);
      return { status: 'ready', result: { verdict: 'ok', stdout: message.task_id } };
    },
  });
  const settled = (decision: string) => settledCount(registry, decision);
  return {
    api,
    queue,
    worker,
    runs,
    settled,
    outage: (ms: number) => {
      outageMs = ms;
    },
    close: async () => {
      await worker.close(1000);
      await queue.close();
      await api.close();
    },
  };
}

test('a finished result is held through an API outage longer than a few retries: committed once, never re-run, never requeued', async () => {
  const f = await holdFixture(20_000);
  try {
    f.outage(2000);
    const message = codeMessage();
    f.api.register(message);
    f.worker.run();
    await f.queue.publisher.publish(message);
    await waitUntil(() => f.api.statusOf(message.task_id) === 'ready', 'the held result is committed', 15_000);
    assert.deepEqual(f.runs, [message.task_id], 'the task ran once');
    assert.ok(f.api.commits.filter((c) => c.answer === 503).length > 6, 'retried past the old six attempts');
    await waitUntil(async () => (await f.settled('ack')) === 1, 'the delivery is acked');
    assert.equal(await f.settled('requeue'), 0, 'no delivery was burned');
  } finally {
    await f.close();
  }
});

test('a hold that runs out hands the task back to the queue', async () => {
  const f = await holdFixture(300);
  try {
    f.outage(60_000);
    const message = codeMessage();
    f.api.register(message);
    f.worker.run();
    await f.queue.publisher.publish(message);
    await waitUntil(async () => (await f.settled('requeue')) >= 1, 'the task is requeued after the hold');
  } finally {
    await f.close();
  }
});

test('the commit client retries for its period, not a fixed count', async () => {
  const api = await FakeCommitApi.start();
  try {
    const message = codeMessage();
    api.register(message);
    api.failFor(800);
    const client = new CommitClient({ apiUrl: api.url, retryForMs: 5000, baseDelayMs: 10, maxDelayMs: 40 });
    const answer = await client.commit(message.commit_token, { task_id: message.task_id, status: 'running' });
    assert.equal(answer.kind, 'accepted');
    const started = Date.now();
    api.failFor(60_000);
    await assert.rejects(
      new CommitClient({ apiUrl: api.url, retryForMs: 400, baseDelayMs: 10, maxDelayMs: 40 }).commit(
        message.commit_token,
        { task_id: message.task_id, status: 'running' },
      ),
      /within 400 ms/,
    );
    assert.ok(Date.now() - started < 2000, 'gives up once its period is over');
  } finally {
    await api.close();
  }
});
