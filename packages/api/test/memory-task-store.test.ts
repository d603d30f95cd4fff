import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideCommit, digestOf } from '../src/tasks/commit-rules.js';
import { MemoryTaskStore } from '../src/tasks/memory-task-store.js';
import type { TaskRecord } from '../src/tasks/task-store.js';
import { taskStoreContract } from './support/task-store-contract.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function task(id: string, ownerId = 'owner', createdAt = t0): TaskRecord {
  return {
    id,
    ownerId,
    type: 'image',
    status: 'in_progress',
    stage: 'queued',
    createdAt,
    updatedAt: createdAt,
    commitTokenHash: 'ab',
    result: null,
    error: null,
    outcomeDigest: null,
  };
}

describe('commit rules', () => {
  test('running moves the stage; the first final wins; the same final again repeats; another conflicts', () => {
    const record = task('a');
    assert.deepEqual(decideCommit(record, { status: 'running' }, at(1)), {
      kind: 'apply',
      changes: { stage: 'running', updatedAt: at(1) },
    });
    const ready = { status: 'ready' as const, result: 'cGl4' };
    const decision = decideCommit(record, ready, at(2));
    assert.equal(decision.kind, 'apply');
    const done = { ...record, ...(decision.kind === 'apply' ? decision.changes : {}) };
    assert.equal(done.status, 'ready');
    assert.equal(done.stage, 'done');
    assert.equal(done.outcomeDigest, digestOf(ready));
    assert.deepEqual(decideCommit(done, ready, at(3)), { kind: 'repeated' });
    assert.deepEqual(decideCommit(done, { status: 'ready', result: 'b3RoZXI=' }, at(3)), { kind: 'conflict' });
    assert.deepEqual(decideCommit(done, { status: 'failed', error: { code: 'x', message: 'y' } }, at(3)), {
      kind: 'conflict',
    });
    assert.deepEqual(decideCommit(done, { status: 'running' }, at(3)), { kind: 'conflict' });
  });
});

describe('MemoryTaskStore', () => {
  taskStoreContract(async (options) => ({ store: new MemoryTaskStore(options), teardown: async () => {} }));
});
