/**
 * queue.depths() on RabbitMQ, where its passive declares meet what the conformance suite cannot show: a queue
 * object asked at once, before its topology is declared, and a queue an operator deleted (a 404, which closes
 * the channel it was asked on).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRabbitTaskQueue, within } from '@conveyor/shared';
import { Connection } from 'rabbitmq-client';
import { AMQP_URL, testLog, uniquePrefix } from './support/queue-fixture.js';
import { codeMessage } from './support/task-messages.js';

const withinMs = <T>(promise: Promise<T>, ms: number) => within(promise, ms, () => new Error(`no answer in ${ms} ms`));

test('asked at once after the queue is created, depths() waits for the topology and answers', async () => {
  for (let round = 0; round < 5; round++) {
    const queue = createRabbitTaskQueue({ url: AMQP_URL, prefix: uniquePrefix('depths'), log: testLog() });
    try {
      const depths = await withinMs(queue.depths(), 5000);
      assert.deepEqual(
        depths.map((d) => [d.type, d.waiting, d.consumers]),
        [
          ['code', 0, 0],
          ['image', 0, 0],
        ],
      );
      await withinMs(queue.declareTopology(), 5000);
    } finally {
      await queue.declareTopology().catch(() => {});
      await queue.deleteTopology();
      await queue.close();
    }
  }
});

test('a deleted queue fails depths() and nothing else: publishing still works, and so does the next depths()', async () => {
  const queue = createRabbitTaskQueue({ url: AMQP_URL, prefix: uniquePrefix('depths'), log: testLog() });
  const admin = new Connection(AMQP_URL);
  try {
    await queue.declareTopology();
    await admin.queueDelete({ queue: queue.topology.parkingQueue('image') });
    await assert.rejects(withinMs(queue.depths(), 5000), /NOT_FOUND|no queue/i);
    await withinMs(queue.publisher.publish(codeMessage()), 5000);
    await admin.queueDeclare({
      queue: queue.topology.parkingQueue('image'),
      durable: true,
      arguments: { 'x-queue-type': 'quorum' },
    });
    const code = (await withinMs(queue.depths(), 5000)).find((d) => d.type === 'code');
    assert.equal(code?.waiting, 1);
  } finally {
    await queue.deleteTopology();
    await queue.close();
    await admin.close();
  }
});
