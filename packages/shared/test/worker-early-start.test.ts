/**
 * A handler that acts on nothing outside its process until it returns (`startsBeforeRunning`, the image
 * filters) is started alongside the worker's `running` commit instead of after its answer; its outcome is
 * committed only once that `running` commit is taken, and thrown away (the handler stopped, and waited for)
 * when it is not. Any other handler still starts only after the answer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CommitClient,
  createInProcessTaskQueue,
  queueMetrics,
  type TaskContext,
  type TaskHandler,
  type TaskMessage,
  type TaskOutcome,
  Worker,
} from '@conveyor/shared';
import { Registry } from 'prom-client';
import { FakeCommitApi } from './support/fake-commit-api.js';
import { testLog } from './support/queue-fixture.js';
import { settledCount } from './support/settled.js';
import { codeMessage } from './support/task-messages.js';
import { waitUntil } from './support/wait.js';

/** What the handler saw: whether `running` had been accepted when it started, and whether it was aborted. */
interface Run {
  runningAcceptedAtStart: boolean;
  aborted: boolean;
  ended: boolean;
}

async function fixture(startsBeforeRunning: boolean, body?: (context: TaskContext) => Promise<void>) {
  const api = await FakeCommitApi.start();
  const registry = new Registry();
  const queue = createInProcessTaskQueue({ deliveryLimit: 5 });
  const runs: Run[] = [];
  const run = async (message: TaskMessage, context: TaskContext): Promise<TaskOutcome> => {
    const seen: Run = {
      runningAcceptedAtStart: api.accepted(message.task_id).some((c) => c.status === 'running'),
      aborted: false,
      ended: false,
    };
    runs.push(seen);
    context.signal.addEventListener('abort', () => {
      seen.aborted = true;
    });
    await body?.(context);
    seen.ended = true;
    return { status: 'ready', result: { verdict: 'ok', stdout: 'done' } };
  };
  const handler: TaskHandler = Object.assign(run, { startsBeforeRunning });
  const worker = new Worker({
    type: 'code',
    queue,
    log: testLog(),
    metrics: queueMetrics(registry),
    committer: new CommitClient({ apiUrl: api.url, retryForMs: 2000, baseDelayMs: 150, maxDelayMs: 150 }),
    handler,
  });
  const settled = (decision: string) => settledCount(registry, decision);
  return {
    api,
    queue,
    worker,
    runs,
    settled,
    close: async () => {
      await worker.close(1000);
      await queue.close();
      await api.close();
    },
  };
}

/** Longer than the worker's running-report delay: a handler still at work when `running` is reported. */
const pastTheDelay = () => new Promise<void>((resolve) => setTimeout(resolve, 300));

for (const early of [true, false]) {
  test(`a handler ${early ? 'with' : 'without'} startsBeforeRunning starts ${early ? 'before' : 'after'} its running commit is answered`, async () => {
    const f = await fixture(early, pastTheDelay);
    try {
      const message = codeMessage();
      f.api.register(message);
      f.api.failNext(503); // the first `running` commit waits 150 ms for its retry
      f.worker.run();
      await f.queue.publisher.publish(message);
      await waitUntil(() => f.api.statusOf(message.task_id) === 'ready', 'the result is committed');
      assert.equal(f.runs.length, 1);
      assert.equal(f.runs[0]!.runningAcceptedAtStart, !early);
      const order = f.api.accepted(message.task_id).map((c) => c.status);
      assert.deepEqual(order, ['running', 'ready'], 'the result follows the accepted running commit');
    } finally {
      await f.close();
    }
  });
}

/**
 * One quick task through a worker whose handler starts early, acked; `cancelled`: the task is made final at
 * the API before the delivery, with no broadcast for the worker to hear. The commits sent for it.
 */
async function quickTask(cancelled: boolean) {
  const f = await fixture(true);
  try {
    const message = codeMessage();
    f.api.register(message);
    if (cancelled) f.api.cancel(message.task_id);
    f.worker.run();
    await f.queue.publisher.publish(message);
    await waitUntil(async () => (await f.settled('ack')) === 1, 'the delivery is acked');
    assert.equal(f.runs.length, 1);
    return {
      sent: f.api.commits.filter((c) => c.task_id === message.task_id).map((c) => c.status),
      status: f.api.statusOf(message.task_id),
    };
  } finally {
    await f.close();
  }
}

test('started early, a handler that ends within the running-report delay has its result committed alone', async () => {
  const { sent, status } = await quickTask(false);
  assert.deepEqual(sent, ['ready'], 'no running commit: the result was the first thing to say');
  assert.equal(status, 'ready');
});

test('ended within the delay, a result for a task cancelled meanwhile is refused and the delivery acked', async () => {
  const { sent, status } = await quickTask(true);
  assert.deepEqual(sent, ['ready'], 'the result was sent, and refused');
  assert.notEqual(status, 'ready', 'the cancel stands');
});

test('started early, a task found final at its running commit is stopped and its result never committed', async () => {
  const f = await fixture(
    true,
    (context) =>
      new Promise<void>((resolve) => {
        // Works until stopped (or 2 s, which would fail the test below).
        const timer = setTimeout(resolve, 2000);
        context.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      }),
  );
  try {
    const message = codeMessage();
    f.api.register(message);
    f.api.cancel(message.task_id); // final before the delivery: the running commit meets a 409
    f.worker.run();
    await f.queue.publisher.publish(message);
    await waitUntil(async () => (await f.settled('ack')) === 1, 'the delivery is acked');
    assert.equal(f.runs.length, 1);
    assert.equal(f.runs[0]!.aborted, true, "the handler's signal was aborted");
    assert.equal(f.runs[0]!.ended, true, 'the handler had ended before the delivery was settled');
    assert.deepEqual(
      f.api.commits.filter((c) => c.task_id === message.task_id).map((c) => c.status),
      ['running'],
      'nothing but the running commit was sent',
    );
  } finally {
    await f.close();
  }
});

test('started early, a handler that fails after an accepted running commit sends the task back to the queue', async () => {
  const f = await fixture(true, async () => {
    throw new Error('no engine');
  });
  try {
    const message = codeMessage();
    f.api.register(message);
    f.worker.run();
    await f.queue.publisher.publish(message);
    await waitUntil(async () => (await f.settled('requeue')) >= 1, 'the task is requeued');
    assert.ok(f.api.accepted(message.task_id).some((c) => c.status === 'running'));
    assert.equal(f.api.finals(message.task_id).length, 0);
  } finally {
    await f.close();
  }
});
