/**
 * The contract every TaskQueue keeps, and the worker runtime's behaviour on top of it, as one suite run
 * against each implementation (RabbitMQ and in-process). Commits go to a real HTTP server that follows
 * the API's commit rules.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CommitClient,
  type DeadLetter,
  DeadLetterWorker,
  type Delivery,
  type DeliveryDecision,
  decodeTaskMessage,
  failViaCommit,
  PublishError,
  TASK_LANES,
  type TaskHandler,
  type TaskLane,
  type TaskMessage,
  type TaskQueue,
  Worker,
} from '@conveyor/shared';
import { FakeCommitApi } from './fake-commit-api.js';
import type { QueueFixture, QueueFixtureFactory } from './queue-fixture.js';
import { codeMessage } from './task-messages.js';
import { deferred, waitUntil } from './wait.js';

const taskIdOf = (delivery: Delivery) => {
  const decoded = decodeTaskMessage(delivery.body);
  assert.ok(decoded.ok, 'delivery decodes');
  return decoded.message.task_id;
};

export function queueContract(factory: QueueFixtureFactory): void {
  let fixture: QueueFixture;
  let queue: TaskQueue;

  beforeEach(async () => {
    fixture = await factory();
    queue = await fixture.open();
  });
  afterEach(async () => {
    await fixture.teardown();
  });

  /** A consumer of `code` that notes each delivery's task id in order and the most handlers it ran at once. */
  function recordingConsumer(prefetch: number, handle: (taskId: string) => Promise<DeliveryDecision>) {
    const seen = { order: [] as string[], active: 0, peak: 0 };
    const consumer = queue.consume(
      'code',
      async (delivery) => {
        const taskId = taskIdOf(delivery);
        seen.active++;
        seen.peak = Math.max(seen.peak, seen.active);
        seen.order.push(taskId);
        try {
          return await handle(taskId);
        } finally {
          seen.active--;
        }
      },
      { prefetch },
    );
    return { seen, order: seen.order, consumer };
  }

  /**
   * On RabbitMQ, waits until the broker has handed the consumer all but `ready` of a lane's messages (they
   * wait in the consumer for a slot). The in-process queue hands a message out only into a free slot, so
   * there is nothing to wait for.
   */
  async function untilLaneHolds(lane: TaskLane, ready: number): Promise<void> {
    if (fixture.kind !== 'rabbitmq') return;
    await waitUntil(
      async () => (await fixture.readyCount('code', 'work', lane)) === ready,
      `${lane} lane: ${ready} ready`,
    );
    await sleep(50); // and for the client to take the delivery off the socket
  }

  describe('delivery semantics', () => {
    it('delivers a published message once, with its id, not redelivered, delivery count 1', async () => {
      const message = codeMessage();
      await queue.publisher.publish(message);
      const deliveries: Delivery[] = [];
      const consumer = queue.consume(
        'code',
        async (delivery) => {
          deliveries.push(delivery);
          return 'ack';
        },
        { prefetch: 1 },
      );
      await waitUntil(() => deliveries.length === 1, 'the message is delivered');
      // With prefetch 1, a message published now comes only after the first is settled, and a first that came
      // back (requeued, or delivered twice) would come before it.
      const later = codeMessage();
      await queue.publisher.publish(later);
      await waitUntil(() => deliveries.length === 2, 'the later message is delivered');
      await consumer.close();
      assert.deepEqual(deliveries.map(taskIdOf), [message.task_id, later.task_id]);
      const [delivery] = deliveries;
      assert.equal(delivery?.messageId, message.task_id);
      assert.equal(delivery?.redelivered, false);
      assert.equal(delivery?.deliveryCount, 1);
      assert.deepEqual(decodeTaskMessage(delivery?.body), { ok: true, message });
      assert.equal(await fixture.readyCount('code'), 0);
    });

    it('delivers in publish order and keeps at most `prefetch` deliveries unsettled', async () => {
      const messages = Array.from({ length: 6 }, () => codeMessage());
      for (const message of messages) await queue.publisher.publish(message);
      const { order, seen, consumer } = recordingConsumer(2, async () => {
        await sleep(40);
        return 'ack';
      });
      await waitUntil(() => order.length === messages.length, 'all messages are delivered');
      await consumer.close();
      assert.deepEqual(
        order,
        messages.map((m) => m.task_id),
      );
      assert.equal(seen.peak, 2);
    });

    it('redelivers a requeued message (and one whose handler threw) with a higher delivery count', async () => {
      const message = codeMessage();
      await queue.publisher.publish(message);
      const seen: Delivery[] = [];
      const consumer = queue.consume(
        'code',
        async (delivery) => {
          seen.push(delivery);
          if (seen.length === 1) return 'requeue';
          if (seen.length === 2) throw new Error('handler crashed');
          return 'ack';
        },
        { prefetch: 1 },
      );
      await waitUntil(() => seen.length === 3, 'the message is delivered three times');
      await consumer.close();
      assert.deepEqual(
        seen.map((d) => [d.redelivered, d.deliveryCount]),
        [
          [false, 1],
          [true, 2],
          [true, 3],
        ],
      );
    });

    for (const lane of TASK_LANES) {
      it(`dead-letters a ${lane}-lane message requeued beyond the delivery limit, with reason delivery_limit`, async () => {
        const message = codeMessage();
        await queue.publisher.publish(message, lane);
        let deliveries = 0;
        const dead: DeadLetter[] = [];
        const consumer = queue.consume(
          'code',
          async () => {
            deliveries++;
            return 'requeue';
          },
          { prefetch: 1 },
        );
        const deadConsumer = queue.consumeDeadLetters('code', async (deadLetter) => {
          dead.push(deadLetter);
          return 'ack';
        });
        await waitUntil(() => dead.length === 1, 'the message reaches the dead-letter queue');
        await consumer.close();
        await deadConsumer.close();
        assert.equal(deliveries, fixture.deliveryLimit + 1);
        assert.equal(dead[0]?.reason, 'delivery_limit');
        assert.equal(dead[0]?.type, 'code');
        assert.equal(dead[0]?.messageId, message.task_id);
        assert.equal(taskIdOf(dead[0]!), message.task_id);
        assert.equal(await fixture.readyCount('code'), 0);
      });

      it(`dead-letters a rejected ${lane}-lane message at once, with reason rejected`, async () => {
        await queue.publisher.publish(codeMessage(), lane);
        let deliveries = 0;
        const consumer = queue.consume(
          'code',
          async () => {
            deliveries++;
            return 'dead_letter';
          },
          { prefetch: 1 },
        );
        await waitUntil(async () => (await fixture.readyCount('code', 'dead')) === 1, 'the message is dead-lettered');
        await consumer.close();
        assert.equal(deliveries, 1);
        const reasons: string[] = [];
        const deadConsumer = queue.consumeDeadLetters('code', async (deadLetter) => {
          reasons.push(deadLetter.reason);
          return 'ack';
        });
        await waitUntil(() => reasons.length === 1, 'the dead letter is consumed');
        await deadConsumer.close();
        assert.deepEqual(reasons, ['rejected']);
      });
    }

    it('with a backlog in the rest lane, a first-lane message is handled next', async () => {
      const backlog = Array.from({ length: 5 }, () => codeMessage());
      for (const message of backlog) await queue.publisher.publish(message, 'rest');
      const order: string[] = [];
      const release = deferred<DeliveryDecision>();
      const consumer = queue.consume(
        'code',
        async (delivery) => {
          order.push(taskIdOf(delivery));
          // The first delivery holds the only slot until the first-lane message is queued behind it.
          if (order.length === 1) await release.promise;
          return 'ack';
        },
        { prefetch: 1 },
      );
      await waitUntil(() => order.length === 1, 'a backlog message is being handled');
      const first = codeMessage();
      await queue.publisher.publish(first, 'first');
      await untilLaneHolds('first', 0);
      release.resolve('ack');
      await waitUntil(() => order.length === backlog.length + 1, 'every message is handled');
      await consumer.close();
      assert.deepEqual(order, [backlog[0]!.task_id, first.task_id, ...backlog.slice(1).map((m) => m.task_id)]);
    });

    it('a rest-lane delivery waiting for a slot does not hold back a first-lane one', async () => {
      // Slot 1: a first-lane task; slot 2: a rest-lane task; a second rest-lane message is prefetched (on
      // RabbitMQ) and waits. A first-lane message queued after it still takes the next free slot.
      const held = new Map<string, ReturnType<typeof deferred<DeliveryDecision>>>();
      const { order, seen, consumer } = recordingConsumer(2, async (taskId) => held.get(taskId)?.promise ?? 'ack');
      const firstRunning = codeMessage();
      const restRunning = codeMessage();
      for (const m of [firstRunning, restRunning]) held.set(m.task_id, deferred<DeliveryDecision>());
      try {
        await queue.publisher.publish(firstRunning, 'first');
        await waitUntil(() => order.length === 1, 'the first-lane task runs');
        const backlog = Array.from({ length: 3 }, () => codeMessage());
        await queue.publisher.publish(restRunning, 'rest');
        for (const message of backlog) await queue.publisher.publish(message, 'rest');
        await waitUntil(() => order.length === 2, 'a rest-lane task runs in the second slot');
        await untilLaneHolds('rest', backlog.length - 1); // backlog[0] waits in the consumer for a slot
        const next = codeMessage();
        await queue.publisher.publish(next, 'first');
        await untilLaneHolds('first', 0);
        held.get(restRunning.task_id)!.resolve('ack');
        await waitUntil(() => order.length >= 3, 'the freed slot is taken');
        assert.equal(order[2], next.task_id, 'the first-lane message took the freed slot');
        held.get(firstRunning.task_id)!.resolve('ack');
        await waitUntil(() => order.length === 6, 'every message is handled');
        await consumer.close();
        assert.deepEqual(
          order.slice(3),
          backlog.map((m) => m.task_id),
        );
      } finally {
        // A failed assertion must not leave handlers held (closing would wait for them forever).
        for (const hold of held.values()) hold.resolve('ack');
      }
      assert.equal(seen.peak, 2, 'never more than `prefetch` handlers at once across both lanes');
    });

    it('takes the first lane before the rest lane and keeps `prefetch` across both lanes', async () => {
      const rest = Array.from({ length: 3 }, () => codeMessage());
      const first = Array.from({ length: 3 }, () => codeMessage());
      for (const message of rest) await queue.publisher.publish(message, 'rest');
      for (const message of first) await queue.publisher.publish(message, 'first');
      const { order, seen, consumer } = recordingConsumer(2, async () => {
        await sleep(30);
        return 'ack';
      });
      await waitUntil(() => order.length === 6, 'every message is handled');
      await consumer.close();
      assert.equal(seen.peak, 2);
      // A first-lane message waiting when a slot frees goes before the rest lane's next one; each lane is FIFO.
      const at = (id: string) => order.indexOf(id);
      assert.ok(at(first[0]!.task_id) < at(rest[2]!.task_id), order.join(' '));
      assert.deepEqual(
        order.filter((id) => first.some((m) => m.task_id === id)),
        first.map((m) => m.task_id),
      );
      assert.deepEqual(
        order.filter((id) => rest.some((m) => m.task_id === id)),
        rest.map((m) => m.task_id),
      );
    });

    it("refuses a publish past a lane's bound (PublishError, queueFull); each lane has its own bound", async () => {
      const bounded = await factory({ maxLength: 2 });
      try {
        const on = await bounded.open();
        for (const lane of TASK_LANES) {
          let accepted = 0;
          let refused: unknown;
          // RabbitMQ 3.10's quorum queues take one message past the bound before refusing.
          while (accepted < 5 && refused === undefined) {
            try {
              await on.publisher.publish(codeMessage(), lane);
              accepted++;
            } catch (error) {
              refused = error;
            }
          }
          assert.ok(accepted >= 2 && accepted <= 3, `${lane}: accepted ${accepted}`);
          assert.ok(refused instanceof PublishError && refused.queueFull, `${lane}: ${String(refused)}`);
          assert.equal(await bounded.readyCount('code', 'work', lane), accepted);
        }
      } finally {
        await bounded.teardown();
      }
    });

    it('closing a consumer waits for its running handler; a requeued message goes to the next consumer', async () => {
      await queue.publisher.publish(codeMessage());
      const started = deferred();
      const release = deferred<DeliveryDecision>();
      const first = queue.consume(
        'code',
        async () => {
          started.resolve();
          return release.promise;
        },
        { prefetch: 1 },
      );
      await started.promise;
      let closed = false;
      const closing = first.close().then(() => {
        closed = true;
      });
      // Another consumer opens and works another message while the first handler still runs: time in which a
      // close that did not wait for its handler would have returned.
      const other = await fixture.open();
      const seen: Delivery[] = [];
      const second = other.consume(
        'code',
        async (delivery) => {
          seen.push(delivery);
          return 'ack';
        },
        { prefetch: 1 },
      );
      const another = codeMessage();
      await queue.publisher.publish(another);
      await waitUntil(() => seen.length === 1, 'the other consumer works another message');
      assert.equal(closed, false, 'close waits for the handler');
      release.resolve('requeue');
      await closing;
      await waitUntil(() => seen.length === 2, 'the other consumer gets the requeued message');
      await second.close();
      assert.equal(taskIdOf(seen[0]!), another.task_id);
      assert.equal(seen[1]?.redelivered, true);
      assert.equal(seen[1]?.deliveryCount, 2);
    });
  });

  describe('depths', () => {
    it("counts each type's waiting messages over both lanes, its dead letters and its consumers", async () => {
      const depthOf = async (type: 'code' | 'image') => (await queue.depths()).find((d) => d.type === type);
      assert.deepEqual(await depthOf('code'), { type: 'code', waiting: 0, deadLetters: 0, parked: 0, consumers: 0 });
      await queue.publisher.publish(codeMessage(), 'first');
      for (let i = 0; i < 2; i++) await queue.publisher.publish(codeMessage());
      await waitUntil(async () => (await depthOf('code'))?.waiting === 3, 'three messages wait');
      // A consumer that dead-letters every delivery: nothing waits, three are dead, one consumer. (A consumer
      // that held a delivery would leave a count that depends on which lane's delivery came first.)
      const consumer = queue.consume('code', async () => 'dead_letter', { prefetch: 1 });
      await waitUntil(async () => {
        const depth = await depthOf('code');
        return depth?.waiting === 0 && depth.deadLetters === 3 && depth.consumers === 1;
      }, 'nothing waits, three are dead letters, one consumer');
      assert.deepEqual(await depthOf('image'), { type: 'image', waiting: 0, deadLetters: 0, parked: 0, consumers: 0 });
      await consumer.close();
      await waitUntil(async () => (await depthOf('code'))?.consumers === 0, 'the consumer is gone');
    });
  });

  describe('worker runtime', () => {
    let api: FakeCommitApi;
    const workers: Worker[] = [];

    beforeEach(async () => {
      api = await FakeCommitApi.start();
    });
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((w) => w.close(200)));
      await api.close();
    });

    function startWorker(handler: TaskHandler, on: TaskQueue = queue, concurrency = 1): Worker {
      const worker = new Worker({
        type: 'code',
        queue: on,
        handler,
        committer: new CommitClient({ apiUrl: api.url, attempts: 4, baseDelayMs: 5, maxDelayMs: 40, timeoutMs: 2000 }),
        log: fixture.log,
        concurrency,
        metrics: fixture.metrics,
      });
      workers.push(worker);
      worker.run();
      return worker;
    }

    async function publish(message: TaskMessage): Promise<TaskMessage> {
      api.register(message);
      await queue.publisher.publish(message);
      return message;
    }

    const echo: TaskHandler = async (message) => ({
      status: 'ready',
      result: { echoed: message.type === 'code' ? message.payload.code : '' },
    });

    it('publish -> consume -> commit running, then ready; acked after the commit', async () => {
      const message = await publish(codeMessage('hello'));
      startWorker(echo);
      await waitUntil(() => api.statusOf(message.task_id) === 'ready', 'the task is ready');
      assert.deepEqual(
        api.accepted(message.task_id).map((c) => c.status),
        ['running', 'ready'],
      );
      assert.deepEqual(api.finals(message.task_id)[0]?.body.result, { echoed: 'hello' });
      await waitUntil(async () => (await fixture.readyCount('code')) === 0, 'the queue is empty');
      // The delivery is settled (and counted) just after the final commit returns: wait for it, bounded.
      const settled = /conveyor_task_processing_seconds_count\{type="code",outcome="ready"\} 1/;
      await waitUntil(async () => settled.test(await fixture.registry.metrics()), 'the settlement is counted');
      assert.match(await fixture.registry.metrics(), /conveyor_messages_consumed_total\{type="code"\} 1/);
    });

    it('commits failed with the handler’s error and acks', async () => {
      const message = await publish(codeMessage());
      startWorker(async () => ({ status: 'failed', error: { code: 'compile_error', message: 'nope' } }));
      await waitUntil(() => api.statusOf(message.task_id) === 'failed', 'the task is failed');
      assert.deepEqual(api.finals(message.task_id)[0]?.body.error, { code: 'compile_error', message: 'nope' });
    });

    it('a message with an unknown schema version -> failed invalid_message, acked, handler not run', async () => {
      const message = codeMessage();
      api.register(message);
      await queue.publisher.publish({ ...message, schema_version: 99 } as TaskMessage);
      let ran = false;
      startWorker(async (m) => {
        ran = true;
        return echo(m, undefined as never);
      });
      await waitUntil(() => api.statusOf(message.task_id) === 'failed', 'the task is failed');
      const [final] = api.finals(message.task_id);
      assert.equal(final?.body.error?.code, 'invalid_message');
      assert.match(final?.body.error?.message ?? '', /schema_version 99/);
      assert.equal(ran, false);
    });

    it('a malformed payload -> failed invalid_message naming the field', async () => {
      const message = codeMessage();
      api.register(message);
      const broken = { ...message, payload: { translator: 'cobol', code: 1 } } as unknown as TaskMessage;
      await queue.publisher.publish(broken);
      startWorker(echo);
      await waitUntil(() => api.statusOf(message.task_id) === 'failed', 'the task is failed');
      assert.match(api.finals(message.task_id)[0]?.body.error?.message ?? '', /payload/);
    });

    it('a message naming no task cannot be committed -> dead-lettered', async () => {
      const nameless = { schema_version: 1, type: 'code', payload: {} } as unknown as TaskMessage;
      await queue.publisher.publish(nameless);
      startWorker(echo);
      await waitUntil(async () => (await fixture.readyCount('code', 'dead')) === 1, 'it is dead-lettered');
      assert.equal(api.commits.length, 0);
    });

    it('retries commits answered 5xx/429 with back-off, then succeeds', async () => {
      const message = await publish(codeMessage());
      api.failNext(503, 502, 429);
      startWorker(echo);
      await waitUntil(() => api.statusOf(message.task_id) === 'ready', 'the task is ready');
      assert.deepEqual(
        api.commits.map((c) => c.answer),
        [503, 502, 429, 200, 200],
      );
    });

    it('a handler that throws -> requeued and redone; exactly one final result', async () => {
      const message = await publish(codeMessage());
      let calls = 0;
      const redeliveredFlags: boolean[] = [];
      startWorker(async (m, context) => {
        calls++;
        redeliveredFlags.push(context.redelivered);
        if (calls === 1) throw new Error('docker is unreachable');
        return echo(m, context);
      });
      await waitUntil(() => api.statusOf(message.task_id) === 'ready', 'the task is ready');
      assert.equal(calls, 2);
      assert.deepEqual(redeliveredFlags, [false, true]);
      assert.equal(api.finals(message.task_id).length, 1);
    });

    it('a poison message -> dead-letter queue after the delivery limit -> failed dead_lettered', async () => {
      const message = await publish(codeMessage());
      let calls = 0;
      startWorker(async () => {
        calls++;
        throw new Error('crashes every time');
      });
      const committer = new CommitClient({ apiUrl: api.url, attempts: 2, baseDelayMs: 5 });
      const deadLetters = new DeadLetterWorker({
        type: 'code',
        queue,
        fail: failViaCommit(committer, fixture.log),
        log: fixture.log,
      });
      deadLetters.run();
      try {
        await waitUntil(() => api.statusOf(message.task_id) === 'failed', 'the task is failed');
      } finally {
        await deadLetters.close();
      }
      assert.equal(calls, fixture.deliveryLimit + 1);
      const [final] = api.finals(message.task_id);
      assert.equal(final?.body.error?.code, 'dead_lettered');
      assert.match(final?.body.error?.message ?? '', new RegExp(`${fixture.deliveryLimit + 1} deliveries`));
      assert.match(
        await fixture.registry.metrics(),
        /conveyor_messages_dead_lettered_total\{type="code",reason="delivery_limit"\} 1/,
      );
    });

    it('a redelivered task the API already holds as final is acked without redoing the work', async () => {
      const message = await publish(codeMessage());
      await queue.publisher.publish(message); // the same message again, as after a lost ack
      let calls = 0;
      startWorker(async (m, context) => {
        calls++;
        return echo(m, context);
      });
      await waitUntil(() => api.commits.length === 3, 'both deliveries are handled');
      await waitUntil(async () => (await fixture.readyCount('code')) === 0, 'the queue is empty');
      assert.equal(calls, 1);
      assert.deepEqual(
        api.commits.map((c) => [c.status, c.answer]),
        [
          ['running', 200],
          ['ready', 200],
          ['running', 409],
        ],
      );
    });

    it('404 from the API (withdrawn task) -> acked, work skipped; 403 (token refused) -> dead-lettered', async () => {
      const unknown = codeMessage();
      await queue.publisher.publish(unknown); // never registered: the API answers 404
      const forged = codeMessage();
      api.register(forged);
      await queue.publisher.publish({ ...forged, commit_token: 'forged' });
      let calls = 0;
      startWorker(async (m, context) => {
        calls++;
        return echo(m, context);
      });
      await waitUntil(async () => (await fixture.readyCount('code', 'dead')) === 1, 'the forged one is dead-lettered');
      await waitUntil(async () => (await fixture.readyCount('code')) === 0, 'the work queue is empty');
      assert.equal(calls, 0);
      assert.deepEqual(
        api.commits.map((c) => c.answer),
        [404, 403],
      );
    });

    /** A worker and a dead-letter consumer that reports through /commit, until `count` dead letters are parked. */
    async function workUntilParked(count: number): Promise<void> {
      startWorker(echo);
      const deadLetters = new DeadLetterWorker({
        type: 'code',
        queue,
        fail: failViaCommit(new CommitClient({ apiUrl: api.url, attempts: 2, baseDelayMs: 5 }), fixture.log),
        log: fixture.log,
      });
      deadLetters.run();
      try {
        await waitUntil(async () => (await fixture.readyCount('code', 'parked')) === count, `${count} parked`);
      } finally {
        await deadLetters.close();
      }
    }

    it('a dead letter naming no task is parked for operators and counted, not dropped', async () => {
      await queue.publisher.publish({ ...codeMessage(), task_id: '', commit_token: '' });
      await workUntilParked(1);
      assert.equal(await fixture.readyCount('code', 'dead'), 0);
      assert.match(
        await fixture.registry.metrics(),
        /conveyor_dead_letters_parked_total\{type="code",reason="rejected"\} 1/,
      );
    });

    it('a forged message fails nothing: its dead letter is parked and the real task still takes its result', async () => {
      const real = codeMessage();
      api.register(real);
      await queue.publisher.publish({ ...real, commit_token: 'made-up' });
      await workUntilParked(1);
      assert.equal(api.statusOf(real.task_id), 'in_progress', 'the real task was not failed');
      await publish(real);
      await waitUntil(() => api.statusOf(real.task_id) === 'ready', 'the genuine message still commits');
    });

    it('close(grace) finishes work that ends within the grace period', async () => {
      const message = await publish(codeMessage());
      const started = deferred();
      const worker = startWorker(async (m, context) => {
        started.resolve();
        await sleep(150);
        return echo(m, context);
      });
      await started.promise;
      await worker.close(5000);
      assert.equal(worker.state, 'closed');
      assert.equal(api.statusOf(message.task_id), 'ready');
      assert.equal(await fixture.readyCount('code'), 0);
    });

    it('close(grace) returns unfinished work to the queue; another worker completes it exactly once', async () => {
      const message = await publish(codeMessage());
      const started = deferred();
      let abortedSeen = false;
      const stuck = startWorker(async (_m, context) => {
        started.resolve();
        await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
        abortedSeen = true;
        // A handler that ignores the abort and answers anyway must not get its result committed.
        return { status: 'ready', result: { from: 'abandoned' } };
      });
      await started.promise;
      const before = Date.now();
      await stuck.close(200);
      const took = Date.now() - before;
      assert.ok(took < 2000, `close returned after ${took} ms`);
      assert.equal(abortedSeen, true);
      assert.equal(api.statusOf(message.task_id), 'in_progress');
      const other = await fixture.open();
      startWorker(echo, other);
      await waitUntil(() => api.statusOf(message.task_id) === 'ready', 'the task is ready');
      const finals = api.finals(message.task_id);
      assert.equal(finals.length, 1);
      assert.deepEqual(finals[0]?.body.result, { echoed: 'print(1)' });
    });

    it('pause() stops taking tasks; run() resumes', async () => {
      const worker = startWorker(echo);
      await worker.pause();
      assert.equal(worker.state, 'paused');
      const message = await publish(codeMessage());
      // Another consumer gets the message: the paused worker did not take it.
      const other = await fixture.open();
      const seen: string[] = [];
      const probe = other.consume(
        'code',
        async (delivery) => {
          seen.push(taskIdOf(delivery));
          return 'ack';
        },
        { prefetch: 1 },
      );
      await waitUntil(() => seen.length > 0, 'another consumer gets the message');
      await probe.close();
      assert.deepEqual(seen, [message.task_id]);
      assert.equal(api.commits.length, 0);
      worker.run();
      const next = await publish(codeMessage());
      await waitUntil(() => api.statusOf(next.task_id) === 'ready', 'the next task is ready');
    });

    it('works tasks concurrently up to `concurrency`', async () => {
      const messages = await Promise.all(Array.from({ length: 4 }, () => publish(codeMessage())));
      let active = 0;
      let peak = 0;
      startWorker(
        async (m, context) => {
          active++;
          peak = Math.max(peak, active);
          await sleep(60);
          active--;
          return echo(m, context);
        },
        queue,
        2,
      );
      await waitUntil(() => messages.every((m) => api.statusOf(m.task_id) === 'ready'), 'all tasks are ready');
      assert.equal(peak, 2);
    });
  });
}
