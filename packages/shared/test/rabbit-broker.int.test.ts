/**
 * What only a real broker can show: publisher confirms and their failures, recovery after the server closes
 * connections, and a worker process killed mid-task.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  CommitClient,
  createRabbitTaskQueue,
  createTopology,
  type DeliveryDecision,
  deleteTopology,
  PublishError,
  type TaskHandler,
  type TaskMessage,
  type TaskQueue,
  Worker,
} from '@conveyor/shared';
import { Connection } from 'rabbitmq-client';
import { FakeCommitApi } from './support/fake-commit-api.js';
import { AMQP_URL, type QueueFixture, rabbitFixture, testLog, uniquePrefix } from './support/queue-fixture.js';
import { closeConnectionsNamed } from './support/rabbitmqctl.js';
import { codeMessage } from './support/task-messages.js';
import { deferred, waitUntil } from './support/wait.js';

async function rejectsWithin(promise: Promise<unknown>, pattern: RegExp, maxMs: number): Promise<number> {
  const started = Date.now();
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof PublishError, `expected PublishError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
  const took = Date.now() - started;
  assert.ok(took < maxMs, `rejected after ${took} ms, expected under ${maxMs} ms`);
  return took;
}

describe('RabbitMQ publisher', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    const failures: unknown[] = [];
    for (const cleanup of cleanups.splice(0)) await cleanup().catch((error: unknown) => failures.push(error));
    assert.deepEqual(failures, [], 'cleanup succeeded');
  });

  async function openQueue(options: Partial<Parameters<typeof createRabbitTaskQueue>[0]> = {}) {
    const prefix = uniquePrefix();
    const queue = createRabbitTaskQueue({ url: AMQP_URL, prefix, log: testLog(), ...options });
    const admin = new Connection({ url: AMQP_URL });
    // Close the queue (its publisher may still be finishing an abandoned publish) before deleting.
    cleanups.push(
      () => queue.close(),
      () => deleteTopology(admin, queue.topology),
      () => admin.close(),
    );
    await queue.declareTopology();
    return queue;
  }

  it('broker down (nothing listening) -> PublishError at once, isReady() false', async () => {
    const queue = createRabbitTaskQueue({ url: 'amqp://guest:guest@127.0.0.1:1', log: testLog() });
    cleanups.push(() => queue.close());
    assert.equal(queue.isReady(), false);
    assert.equal(queue.publisher.isReady(), false);
    await rejectsWithin(queue.publisher.publish(codeMessage()), /not connected/, 200);
  });

  it('a message no queue is bound for is returned (mandatory) -> PublishError', async () => {
    const queue = await openQueue({ types: ['code'] });
    const image: TaskMessage = {
      ...codeMessage(),
      type: 'image',
      payload: { filters: [{ name: 'Negative', parameters: {} }], image: 'iVBORw0KGgo=' },
    };
    await rejectsWithin(queue.publisher.publish(image), /no queue is bound for task type image/, 2000);
    await queue.publisher.publish(codeMessage()); // the bound type still goes through
  });

  it('no confirm within the confirm timeout -> PublishError', async () => {
    const queue = await openQueue({ confirmTimeoutMs: 1 });
    const large = codeMessage();
    if (large.type === 'code') large.payload.stdin = 'x'.repeat(1024 * 1024);
    await rejectsWithin(queue.publisher.publish(large), /did not confirm .* within 1 ms/, 500);
  });

  it('a message over the maximum message size -> PublishError before sending', async () => {
    const queue = await openQueue({ maxMessageBytes: 2000 });
    const large = codeMessage('x'.repeat(3000));
    await rejectsWithin(queue.publisher.publish(large), /over the broker's maximum message size of 2000 bytes/, 200);
  });

  it('a confirmed message is persistent, carries message id, content type and type', async () => {
    const queue = await openQueue();
    const message = codeMessage();
    await queue.publisher.publish(message);
    const got = await queue.connection.basicGet({ queue: queue.topology.workQueue('code'), noAck: true });
    assert.equal(got?.messageId, message.task_id);
    assert.equal(got?.contentType, 'application/json');
    assert.equal(got?.type, 'code');
    assert.equal(got?.durable, true);
    assert.equal(got?.routingKey, 'code');
    assert.deepEqual(got?.body, message);
  });
});

describe('RabbitMQ recovery', () => {
  let fixture: QueueFixture;
  let api: FakeCommitApi;
  const workers: Worker[] = [];
  const echo: TaskHandler = async (message) => ({ status: 'ready', result: { id: message.task_id } });

  beforeEach(async () => {
    fixture = await rabbitFixture();
    api = await FakeCommitApi.start();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.close(500)));
    await fixture.teardown();
    await api.close();
  });

  function startWorker(queue: TaskQueue, handler: TaskHandler): Worker {
    const worker = new Worker({
      type: 'code',
      queue,
      handler,
      committer: new CommitClient({ apiUrl: api.url, baseDelayMs: 5, maxDelayMs: 50 }),
      log: fixture.log,
      concurrency: 2,
    });
    workers.push(worker);
    worker.run();
    return worker;
  }

  it('connections closed by the server: producer and consumer recover; every accepted task ends once', async () => {
    const producer = await fixture.open();
    const consumerQueue = await fixture.open();
    startWorker(consumerQueue, async (message, context) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return echo(message, context);
    });
    const accepted: string[] = [];
    let refused = 0;
    const publishSome = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const message = codeMessage();
        api.register(message);
        try {
          await producer.publisher.publish(message);
          accepted.push(message.task_id);
        } catch (error) {
          assert.ok(error instanceof PublishError);
          refused++; // the API would answer 503 and withdraw the task
        }
      }
    };
    await publishSome(6);
    const closed = await closeConnectionsNamed(fixture.prefix);
    assert.ok(closed >= 2, `closed ${closed} connections`);
    await publishSome(3); // may be refused while reconnecting: that is a 503, not a loss
    await waitUntil(() => producer.isReady() && consumerQueue.isReady(), 'both connections are back', 15_000);
    await publishSome(6);
    await waitUntil(() => accepted.every((id) => api.statusOf(id) === 'ready'), 'every accepted task is ready', 15_000);
    assert.ok(accepted.length >= 12, `accepted ${accepted.length}, refused ${refused}`);
    for (const id of accepted) assert.equal(api.finals(id).length, 1, `task ${id} has one final result`);
  });

  it('a delivery waiting for a slot when the connection drops never starts on the dead channel', async () => {
    const consumerQueue = await fixture.open();
    const release = deferred<DeliveryDecision>();
    const handled: Array<{ id: string | undefined; redelivered: boolean }> = [];
    const consumer = consumerQueue.consume(
      'code',
      async (delivery) => {
        handled.push({ id: delivery.messageId, redelivered: delivery.redelivered });
        return handled.length === 1 ? release.promise : 'ack';
      },
      { prefetch: 1 },
    );
    try {
      const running = codeMessage();
      await consumerQueue.publisher.publish(running, 'rest');
      await waitUntil(() => handled.length === 1, 'the rest-lane task holds the only slot');
      const waiting = codeMessage();
      await consumerQueue.publisher.publish(waiting, 'first');
      await sleep(200); // delivered to the first lane's consumer, waiting for the slot
      assert.equal(handled.length, 1);
      assert.ok((await closeConnectionsNamed(fixture.prefix)) >= 1);
      await waitUntil(() => consumerQueue.isReady(), 'the connection is back', 15_000);
      release.resolve('ack'); // too late: its channel is gone, so the broker redelivers it
      const count = (id: string) => handled.filter((h) => h.id === id).length;
      await waitUntil(() => count(waiting.task_id) >= 1 && count(running.task_id) >= 2, 'both are redelivered', 15_000);
      await sleep(300);
      const waitingRuns = handled.filter((h) => h.id === waiting.task_id);
      assert.deepEqual(waitingRuns, [{ id: waiting.task_id, redelivered: true }], 'started once, after the reconnect');
    } finally {
      release.resolve('ack');
      await consumer.close();
    }
  });

  it('a worker process killed mid-task: the task is redelivered and completed exactly once', async () => {
    const message = codeMessage();
    api.register(message);
    const producer = await fixture.open();
    await producer.publisher.publish(message);
    const script = fileURLToPath(new URL('./support/dying-worker.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=conveyor-src', '--import', 'tsx', script], {
      env: {
        ...process.env,
        AMQP_URL,
        PREFIX: fixture.prefix,
        DELIVERY_LIMIT: String(fixture.deliveryLimit),
        API_URL: api.url,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      await waitUntil(() => output.includes(`started ${message.task_id}`), 'the child is mid-task', 15_000);
    } finally {
      child.kill('SIGKILL');
    }
    await once(child, 'exit');
    assert.equal(api.statusOf(message.task_id), 'in_progress');
    const redelivered: boolean[] = [];
    startWorker(producer, async (m, context) => {
      redelivered.push(context.redelivered);
      return echo(m, context);
    });
    await waitUntil(() => api.statusOf(message.task_id) === 'ready', 'the task is ready');
    assert.deepEqual(redelivered, [true]);
    assert.deepEqual(
      api.accepted(message.task_id).map((c) => c.status),
      ['running', 'running', 'ready'],
    );
    assert.equal(api.finals(message.task_id).length, 1);
  });

  it('bytes that are not JSON on the wire -> dead-lettered, nothing committed', async () => {
    const queue = await fixture.open();
    const admin = new Connection({ url: AMQP_URL });
    const publisher = admin.createPublisher({ confirm: true });
    const topology = createTopology({ prefix: fixture.prefix, deliveryLimit: fixture.deliveryLimit });
    try {
      await publisher.send(
        { exchange: topology.taskExchange, routingKey: 'code', contentType: 'application/json', durable: true },
        Buffer.from('{"task_id": "not json'),
      );
    } finally {
      await publisher.close();
      await admin.close();
    }
    startWorker(queue, echo);
    await waitUntil(async () => (await fixture.readyCount('code', 'dead')) === 1, 'the message is dead-lettered');
    assert.equal(api.commits.length, 0);
  });

  it('deleteTopology removes what was declared', async () => {
    const prefix = uniquePrefix();
    const topology = createTopology({ prefix });
    const queue = createRabbitTaskQueue({ url: AMQP_URL, prefix, log: testLog() });
    await queue.declareTopology();
    await queue.close();
    const admin = new Connection({ url: AMQP_URL });
    try {
      await deleteTopology(admin, topology);
      await assert.rejects(admin.queueDeclare({ queue: topology.workQueue('code'), passive: true }), /NOT_FOUND/);
    } finally {
      await admin.close();
    }
  });
});
