/**
 * The contract of the control bus (queue/control-bus.ts) and of the Worker's cancel on top of it, as one suite
 * run against each TaskQueue's bus: RabbitMQ (a fanout, a separate connection per "process") and in-process.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CommitClient,
  type ControlMessage,
  type ControlSubscription,
  type TaskHandler,
  type TaskMessage,
  type TaskQueue,
  Worker,
} from '@conveyor/shared';
import { FakeCommitApi } from './fake-commit-api.js';
import { type QueueFixture, type QueueFixtureFactory, uniquePrefix } from './queue-fixture.js';
import { codeMessage } from './task-messages.js';
import { deferred, waitUntil } from './wait.js';

const cancelOf = (task_id: string): ControlMessage => ({ kind: 'cancel', task_id });

/** The promise's value, or a failure naming `what` after `ms` (a missed cancel must fail, not hang). */
async function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  const timeout = sleep(ms, undefined, { ref: false }).then(() => {
    throw new Error(`timed out after ${ms} ms waiting until ${what}`);
  });
  return Promise.race([promise, timeout]);
}

export function controlBusContract(factory: QueueFixtureFactory): void {
  let fixture: QueueFixture;
  /** The API's side and a worker's side: two connections on RabbitMQ, one queue in-process. */
  let api: TaskQueue;
  let worker: TaskQueue;
  const subscriptions: ControlSubscription[] = [];

  beforeEach(async () => {
    fixture = await factory({ prefix: uniquePrefix('cancel') });
    api = await fixture.open();
    worker = await fixture.open();
  });
  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((s) => s.close()));
    await fixture.teardown();
  });

  async function listen(on: TaskQueue): Promise<ControlMessage[]> {
    const heard: ControlMessage[] = [];
    const subscription = on.control.subscribe((message) => heard.push(message));
    subscriptions.push(subscription);
    await subscription.ready();
    return heard;
  }

  describe('control bus', () => {
    it('a broadcast reaches every subscription of every process once, in order', async () => {
      const first = await listen(worker);
      const second = await listen(worker);
      const third = await listen(await fixture.open());
      const messages = [codeMessage(), codeMessage(), codeMessage()].map((m) => cancelOf(m.task_id));
      for (const message of messages) await api.control.broadcast(message);
      await waitUntil(() => [first, second, third].every((heard) => heard.length === 3), 'all heard all three');
      await sleep(100);
      for (const heard of [first, second, third]) assert.deepEqual(heard, messages);
    });

    it('a closed subscription hears nothing more; the others still do', async () => {
      const kept = await listen(worker);
      const closing = worker.control.subscribe(() => assert.fail('a closed subscription heard a broadcast'));
      await closing.ready();
      await closing.close();
      const message = cancelOf(codeMessage().task_id);
      await api.control.broadcast(message);
      await waitUntil(() => kept.length === 1, 'the open subscription heard it');
      await sleep(100);
    });

    it('a broadcast nobody listens to is taken and dropped (not kept for a later subscriber)', async () => {
      await api.control.broadcast(cancelOf(codeMessage().task_id));
      const late = await listen(worker);
      const next = cancelOf(codeMessage().task_id);
      await api.control.broadcast(next);
      await waitUntil(() => late.length > 0, 'the later broadcast is heard');
      await sleep(100);
      assert.deepEqual(late, [next]);
    });
  });

  describe('worker cancel', () => {
    let commits: FakeCommitApi;
    const workers: Worker[] = [];

    beforeEach(async () => {
      commits = await FakeCommitApi.start();
    });
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((w) => w.close(200)));
      await commits.close();
    });

    async function startWorker(handler: TaskHandler): Promise<Worker> {
      const started = new Worker({
        type: 'code',
        queue: worker,
        handler,
        committer: new CommitClient({
          apiUrl: commits.url,
          attempts: 4,
          baseDelayMs: 5,
          maxDelayMs: 40,
          timeoutMs: 2000,
        }),
        log: fixture.log,
        metrics: fixture.metrics,
      });
      workers.push(started);
      started.run();
      await started.listening();
      return started;
    }

    async function publish(message: TaskMessage = codeMessage()): Promise<TaskMessage> {
      commits.register(message);
      await api.publisher.publish(message);
      return message;
    }

    /** The API's DELETE: the task final first, then the broadcast. */
    async function cancel(taskId: string, broadcast = true): Promise<void> {
      assert.ok(commits.cancel(taskId), 'the task was in progress');
      if (broadcast) await api.control.broadcast(cancelOf(taskId));
    }

    const commitsOf = (message: TaskMessage) =>
      commits.commits.filter((c) => c.task_id === message.task_id).map((c) => [c.status, c.answer, c.body.error?.code]);
    /** What a worker commits for a task cancelled while it ran: `running`, then the cancel's own outcome (a repeat). */
    const CANCEL_REPORTED = [
      ['running', 200, undefined],
      ['failed', 200, 'cancelled'],
    ];

    const settledAs = async (outcome: string) => {
      const pattern = new RegExp(`conveyor_task_processing_seconds_count\\{type="code",outcome="${outcome}"\\} (\\d+)`);
      return Number(pattern.exec(await fixture.registry.metrics())?.[1] ?? 0);
    };

    /** Waits for the running handler's signal, then stops as a sandbox does: with an error. */
    function stoppable() {
      const running = deferred();
      const stopped = deferred<number>();
      let runs = 0;
      const handler: TaskHandler = (_message, { signal }) => {
        runs++;
        running.resolve();
        return new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            stopped.resolve(performance.now());
            reject(new Error('the sandbox was aborted'));
          });
        });
      };
      return { handler, running: running.promise, stopped: stopped.promise, runs: () => runs };
    }

    it('a running task: its handler’s signal aborts at the cancel; the cancel reported (a repeat), acked, not requeued', async () => {
      const task = stoppable();
      await startWorker(task.handler);
      const message = await publish();
      await within(task.running, 'the handler runs');
      const sentAt = performance.now();
      await cancel(message.task_id);
      const stoppedAt = await within(task.stopped, 'the handler’s signal aborts');
      assert.ok(stoppedAt - sentAt < 1000, `aborted ${Math.round(stoppedAt - sentAt)} ms after the broadcast`);
      await waitUntil(async () => (await settledAs('cancelled')) === 1, 'the delivery is settled as cancelled');
      await sleep(200);
      assert.equal(await fixture.readyCount('code'), 0, 'not requeued');
      assert.equal(task.runs(), 1, 'not run again');
      assert.deepEqual(commitsOf(message), CANCEL_REPORTED, 'the worker reports the cancel, nothing else');
      assert.equal(await settledAs('abandoned'), 0);
      assert.equal(await settledAs('handler_error'), 0);
    });

    it('a handler that returns a result anyway after the cancel: the result is not committed', async () => {
      const running = deferred();
      await startWorker(async (_message, { signal }) => {
        running.resolve();
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        return { status: 'ready', result: { verdict: 'ok' } };
      });
      const message = await publish();
      await running.promise;
      await cancel(message.task_id);
      await waitUntil(async () => (await settledAs('cancelled')) === 1, 'the delivery is settled as cancelled');
      assert.deepEqual(commitsOf(message), CANCEL_REPORTED);
    });

    it('a queued task never runs: its `running` commit answers 409 and it is acked', async () => {
      const busy = stoppable();
      await startWorker(busy.handler);
      // The worker is busy with another task (concurrency 1), so the cancelled one waits in the queue.
      const first = await publish();
      await busy.running;
      const queued = await publish();
      await cancel(queued.task_id);
      await cancel(first.task_id);
      await waitUntil(async () => (await settledAs('cancelled')) === 2, 'both settled as cancelled');
      assert.equal(busy.runs(), 1, 'the queued task’s handler never ran');
      assert.deepEqual(commitsOf(queued), [['running', 409, undefined]]);
      assert.equal(await fixture.readyCount('code'), 0);
    });

    it('a cancel heard before its delivery reached the handler: the handler never starts', async () => {
      let ran = false;
      await startWorker(async () => {
        ran = true;
        return { status: 'ready', result: {} };
      });
      const message = codeMessage();
      // The broadcast overtakes the delivery; the commit API here still says in progress, so only the worker's
      // memory of recent cancels can stop it.
      await api.control.broadcast(cancelOf(message.task_id));
      await sleep(100);
      await publish(message);
      await waitUntil(async () => (await settledAs('cancelled')) === 1, 'settled as cancelled');
      assert.equal(ran, false);
      // Ack follows a recorded final commit even here: the task cannot be left in progress with its message gone.
      assert.equal(commits.statusOf(message.task_id), 'failed');
    });

    it('a lost broadcast loses nothing: the work finishes, its final commit is 409, acked once', async () => {
      const release = deferred();
      const running = deferred();
      let runs = 0;
      await startWorker(async () => {
        runs++;
        running.resolve();
        await release.promise;
        return { status: 'ready', result: { verdict: 'ok' } };
      });
      const message = await publish();
      await running.promise;
      await cancel(message.task_id, false);
      release.resolve();
      await waitUntil(async () => (await settledAs('already_final')) === 1, 'settled as already final');
      assert.equal(commits.statusOf(message.task_id), 'failed', 'the cancel stands');
      assert.deepEqual(commitsOf(message), [
        ['running', 200, undefined],
        ['ready', 409, undefined],
      ]);
      await sleep(100);
      assert.equal(runs, 1);
      assert.equal(await fixture.readyCount('code'), 0);
    });

    it('a cancel of another task leaves a running one alone', async () => {
      const release = deferred();
      const running = deferred();
      let aborted = false;
      await startWorker(async (_message, { signal }) => {
        signal.addEventListener('abort', () => {
          aborted = true;
        });
        running.resolve();
        await release.promise;
        return { status: 'ready', result: { verdict: 'ok' } };
      });
      const message = await publish();
      await running.promise;
      await api.control.broadcast(cancelOf(codeMessage().task_id));
      await sleep(200);
      release.resolve();
      await waitUntil(() => commits.statusOf(message.task_id) === 'ready', 'the task is ready');
      assert.equal(aborted, false);
    });
  });
}
