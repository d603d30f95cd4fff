import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeControlMessage, encodeControlMessage, RecentIds } from '@conveyor/shared';
import { controlBusContract } from './support/control-bus-contract.js';
import { inProcessFixture } from './support/queue-fixture.js';

describe('in-process control bus', () => {
  controlBusContract(inProcessFixture);
});

describe('control messages', () => {
  it('round-trip; anything else decodes to undefined', () => {
    const message = { kind: 'cancel' as const, task_id: randomUUID() };
    assert.deepEqual(decodeControlMessage(encodeControlMessage(message)), message);
    assert.deepEqual(decodeControlMessage({ ...message, extra: 1 }), message);
    for (const body of [
      Buffer.from('not json'),
      '{}',
      { kind: 'cancel' },
      { kind: 'cancel', task_id: 'not-a-uuid' },
      { kind: 'pause', task_id: message.task_id },
      null,
      42,
    ]) {
      assert.equal(decodeControlMessage(body), undefined, JSON.stringify(body));
    }
  });
});

describe('RecentIds (the worker’s memory of cancels)', () => {
  it('remembers for ttlMs, and at most `max` ids, forgetting the oldest first', () => {
    let now = 0;
    const recent = new RecentIds({ max: 3, ttlMs: 1000, now: () => now });
    for (const id of ['a', 'b', 'c', 'd']) recent.add(id);
    assert.equal(recent.size, 3);
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((id) => recent.has(id)),
      [false, true, true, true],
    );
    now = 999;
    assert.equal(recent.has('d'), true);
    now = 1000;
    assert.equal(recent.has('d'), false);
    recent.add('e');
    assert.equal(recent.has('e'), true);
  });
});
