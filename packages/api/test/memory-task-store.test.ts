import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideCommit, digestOf } from '../src/tasks/commit-rules.js';
import { MemoryTaskStore } from '../src/tasks/memory-task-store.js';
import type { TaskRecord } from '../src/tasks/task-store.js';

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
  test('finished tasks expire after the TTL; unfinished ones stay', async () => {
    const store = new MemoryTaskStore({ finishedTtlMs: 60_000, byteBudget: 1 << 30 });
    await store.create(task('done'));
    await store.create(task('waiting'));
    await store.commit('done', { status: 'ready', result: 'cGl4' }, at(0));
    assert.equal(await store.sweep(at(59)), 0);
    assert.equal(await store.sweep(at(61)), 1);
    assert.equal(await store.get('done'), undefined);
    assert.ok(await store.get('waiting'));
    assert.deepEqual(
      (await store.listByOwner('owner', 10)).tasks.map((t) => t.id),
      ['waiting'],
    );
  });

  test('over the byte budget, the oldest finished results are dropped first', async () => {
    const store = new MemoryTaskStore({ finishedTtlMs: 3_600_000, byteBudget: 3_500 }); // each result counts its 1,000 bytes plus 512 of bookkeeping;
    for (const id of ['a', 'b', 'c']) await store.create(task(id));
    const big = 'x'.repeat(1_000);
    await store.commit('a', { status: 'ready', result: big }, at(1));
    await store.commit('b', { status: 'ready', result: big }, at(2));
    assert.ok(await store.get('a'), 'two results fit');
    await store.commit('c', { status: 'ready', result: big }, at(3));
    assert.equal(await store.get('a'), undefined, 'the oldest finished one went');
    assert.ok(await store.get('b'));
    assert.ok(await store.get('c'));
  });

  test('get returns a copy: callers cannot change the stored task', async () => {
    const store = new MemoryTaskStore({ finishedTtlMs: 1000, byteBudget: 1 << 20 });
    await store.create(task('a'));
    const copy = (await store.get('a'))!;
    copy.status = 'ready';
    assert.equal((await store.get('a'))!.status, 'in_progress');
  });

  test('counts by type and status; delete forgets the task everywhere', async () => {
    const store = new MemoryTaskStore({ finishedTtlMs: 1000, byteBudget: 1 << 20 });
    await store.create(task('a'));
    await store.create({ ...task('b'), type: 'code' });
    await store.commit('b', { status: 'failed', error: { code: 'x', message: 'y' } }, at(1));
    assert.deepEqual(
      (await store.counts()).sort((l, r) => l.type.localeCompare(r.type)),
      [
        { type: 'code', status: 'failed', count: 1 },
        { type: 'image', status: 'in_progress', count: 1 },
      ],
    );
    await store.delete('b');
    assert.deepEqual(
      (await store.listByOwner('owner', 10)).tasks.map((t) => t.id),
      ['a'],
    );
    assert.deepEqual(await store.commit('b', { status: 'running' }, at(2)), { kind: 'not_found' });
  });
});
