import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertMessageSizeBudget,
  createTopology,
  decodeTaskMessage,
  EnvReader,
  encodeTaskMessage,
  messageSizeBudget,
  readQueueSettings,
} from '@conveyor/shared';
import { codeMessage } from './support/task-messages.js';

const MiB = 1024 * 1024;

describe('task message codec', () => {
  it('round-trips a message from bytes, a string, or a parsed value', () => {
    const message = codeMessage();
    const bytes = encodeTaskMessage(message);
    for (const body of [bytes, bytes.toString('utf8'), JSON.parse(bytes.toString('utf8'))]) {
      assert.deepEqual(decodeTaskMessage(body), { ok: true, message });
    }
  });

  it('names what is wrong, keeping the task id and token when present', () => {
    const message = codeMessage();
    assert.deepEqual(decodeTaskMessage(Buffer.from('nope')).ok, false);
    assert.match((decodeTaskMessage(Buffer.from('nope')) as { problem: string }).problem, /not valid JSON/);
    assert.match((decodeTaskMessage([1]) as { problem: string }).problem, /not a JSON object/);
    const future = decodeTaskMessage({ ...message, schema_version: 2 });
    assert.deepEqual(future, {
      ok: false,
      problem: 'unknown message schema_version 2: this worker reads version 1',
      task_id: message.task_id,
      commit_token: message.commit_token,
    });
    const mismatched = decodeTaskMessage({ ...message, type: 'image' });
    assert.equal(mismatched.ok, false);
    assert.match((mismatched as { problem: string }).problem, /invalid image task payload/);
    const badId = decodeTaskMessage({ ...message, task_id: 'x' });
    assert.equal((badId as { task_id?: string }).task_id, undefined);
  });
});

describe('message size budget', () => {
  it('the default 10 MiB image fits under 16 MiB, with the figures', () => {
    const budget = assertMessageSizeBudget(10 * MiB);
    assert.equal(budget.fits, true);
    assert.ok(budget.largestImageMessageBytes > (10 * MiB * 4) / 3);
    assert.ok(budget.largestImageMessageBytes < 16 * MiB);
    assert.ok(budget.largestCodeMessageBytes < 16 * MiB);
    // The computed largest image that fits really fits, one more base64 quantum does not.
    assert.equal(messageSizeBudget(budget.maxImageBytesThatFit).fits, true);
    assert.equal(messageSizeBudget(budget.maxImageBytesThatFit + 3).fits, false);
    process.stdout.write(`# size budget: ${JSON.stringify(budget)}\n`);
  });

  it('refuses an image cap that cannot fit, saying what fits', () => {
    assert.throws(() => assertMessageSizeBudget(16 * MiB), /at most \d+ fits/);
  });
});

describe('topology', () => {
  it('names everything under the prefix and declares quorum queues with the delivery limit and DLX', () => {
    const topology = createTopology({ prefix: 'p.', deliveryLimit: 3, maxLength: 50 });
    assert.equal(topology.taskExchange, 'p.conveyor.tasks');
    assert.equal(topology.workQueue('image'), 'p.conveyor.tasks.image');
    assert.equal(topology.deadLetterQueue('code'), 'p.conveyor.dead.code');
    assert.deepEqual(topology.workQueueDeclaration('code').arguments, {
      'x-queue-type': 'quorum',
      'x-delivery-limit': 3,
      'x-dead-letter-exchange': 'p.conveyor.dlx',
      'x-dead-letter-routing-key': 'code',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
      'x-max-length': 50,
    });
    assert.equal(topology.parkingQueue('code'), 'p.conveyor.parked.code');
    // Per type: parking, dead-letter, and a work queue per lane; then the code workers' catalogue queue.
    assert.equal(topology.queues.length, 9);
    assert.equal(topology.catalogueQueue('code'), 'p.conveyor.catalogue.code');
    assert.equal(topology.queues.at(-1)?.queue, 'p.conveyor.catalogue.code');
    assert.equal(topology.catalogueQueueDeclaration('code').arguments['x-message-ttl'], 10_000);
    assert.throws(() => createTopology({ deliveryLimit: -1 }), /deliveryLimit/);
  });

  it('gives each type a first lane alike in every argument, bound by `<type>.first`, dead-lettering as the rest lane', () => {
    const topology = createTopology({ prefix: 'p.', deliveryLimit: 3, maxLength: 50 });
    assert.equal(topology.workQueue('code', 'first'), 'p.conveyor.tasks.code.first');
    assert.equal(topology.workQueue('code', 'rest'), 'p.conveyor.tasks.code');
    assert.deepEqual(
      topology.workQueueDeclaration('code', 'first').arguments,
      topology.workQueueDeclaration('code').arguments,
    );
    assert.deepEqual(topology.workQueueBinding('code', 'first'), {
      queue: 'p.conveyor.tasks.code.first',
      exchange: 'p.conveyor.tasks',
      routingKey: 'code.first',
    });
    assert.equal(topology.routingKey('image', 'rest'), 'image');
    assert.deepEqual(
      topology.bindings
        .filter((b) => b.exchange === topology.taskExchange)
        .map((b) => b.routingKey)
        .sort(),
      ['code', 'code.first', 'image', 'image.first'],
    );
    assert.ok(topology.queues.some((q) => q.queue === 'p.conveyor.tasks.image.first'));
    assert.throws(() => createTopology({ deliveryLimit: -1 }), /deliveryLimit/);
  });

  it('joins the prefix with a dot (a trailing dot is the same prefix) and refuses a prefix that is not a name', () => {
    assert.equal(createTopology({ prefix: 'ft' }).workQueue('code'), 'ft.conveyor.tasks.code');
    assert.equal(createTopology({ prefix: 'ft.' }).workQueue('code'), 'ft.conveyor.tasks.code');
    assert.equal(createTopology({ prefix: 'a-1.b_2' }).taskExchange, 'a-1.b_2.conveyor.tasks');
    assert.equal(createTopology({}).workQueue('code'), 'conveyor.tasks.code');
    for (const bad of ['has space', '.lead', 'a..b', 'x'.repeat(64), 'é']) {
      assert.throws(() => createTopology({ prefix: bad }), /prefix/, bad);
    }
    const reader = new EnvReader({ QUEUE_PREFIX: 'bad prefix' });
    readQueueSettings(reader);
    assert.throws(() => reader.done(), /QUEUE_PREFIX/);
  });
});
