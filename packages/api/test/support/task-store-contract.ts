/**
 * The contract every TaskStore keeps, as one suite run against each implementation (RAM and PostgreSQL),
 * like the queue contract in packages/shared. Ids are UUIDs, as the API makes them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CANCEL_COMMIT } from '../../src/tasks/commit-rules.js';
import type { TaskRecord, TaskStore } from '../../src/tasks/task-store.js';
import { codeResult } from './code-result.js';

export interface TaskStoreFixture {
  store: TaskStore;
  teardown(): Promise<void>;
}
export type TaskStoreFactory = (options: { finishedTtlMs: number; byteBudget: number }) => Promise<TaskStoreFixture>;

const t0 = new Date('2026-01-01T00:00:00Z');
export const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

export function newTask(overrides: Partial<TaskRecord> = {}): TaskRecord {
  const createdAt = overrides.createdAt ?? t0;
  return {
    id: randomUUID(),
    ownerId: randomUUID(),
    type: 'code',
    status: 'in_progress',
    stage: 'queued',
    createdAt,
    updatedAt: createdAt,
    commitTokenHash: 'ab'.repeat(32),
    result: null,
    error: null,
    outcomeDigest: null,
    ...overrides,
  };
}

export function taskStoreContract(factory: TaskStoreFactory): void {
  let fixture: TaskStoreFixture;
  let store: TaskStore;
  let options = { finishedTtlMs: 60_000, byteBudget: 1 << 30 };

  beforeEach(async () => {
    fixture = await factory(options);
    store = fixture.store;
  });
  afterEach(async () => {
    await fixture.teardown();
    options = { finishedTtlMs: 60_000, byteBudget: 1 << 30 };
  });

  describe('records', () => {
    it('stores a task and returns copies of it; an unknown id is undefined', async () => {
      const task = newTask();
      await store.create(task);
      const read = await store.get(task.id);
      assert.deepEqual(read, task);
      read!.status = 'ready';
      assert.equal((await store.get(task.id))!.status, 'in_progress');
      assert.equal(await store.get(randomUUID()), undefined);
    });

    it('delete forgets the task: get, list, counts and commits no longer see it', async () => {
      const task = newTask();
      await store.create(task);
      await store.delete(task.id);
      assert.equal(await store.get(task.id), undefined);
      assert.deepEqual((await store.listByOwner(task.ownerId, 10)).tasks, []);
      assert.equal(await store.countInFlight(task.ownerId), 0);
      assert.deepEqual(await store.commit(task.id, { status: 'running' }, at(1)), { kind: 'not_found' });
    });
  });

  describe('commit rules', () => {
    it('running moves the stage; the first final wins; the same again repeats; another conflicts', async () => {
      const task = newTask();
      await store.create(task);
      const running = await store.commit(task.id, { status: 'running' }, at(1));
      assert.equal(running.kind, 'applied');
      assert.equal((await store.get(task.id))!.stage, 'running');
      const ready = { status: 'ready' as const, result: codeResult('one\n') };
      const applied = await store.commit(task.id, ready, at(2));
      assert.equal(applied.kind, 'applied');
      assert.equal(applied.kind === 'applied' && applied.task.status, 'ready');
      assert.equal((await store.commit(task.id, ready, at(3))).kind, 'repeated');
      assert.equal(
        (await store.commit(task.id, { status: 'ready', result: codeResult('two\n') }, at(3))).kind,
        'conflict',
      );
      const failed = { status: 'failed' as const, error: { code: 'x', message: 'y' } };
      assert.equal((await store.commit(task.id, failed, at(3))).kind, 'conflict');
      assert.equal((await store.commit(task.id, { status: 'running' }, at(3))).kind, 'conflict');
      const stored = (await store.get(task.id))!;
      assert.deepEqual(stored.result, ready.result);
      assert.equal(stored.stage, 'done');
      assert.deepEqual(stored.updatedAt, at(2));
    });

    it('a failed commit keeps its error and no result', async () => {
      const task = newTask();
      await store.create(task);
      const error = { code: 'sandbox_error', message: 'the engine is gone' };
      assert.equal((await store.commit(task.id, { status: 'failed', error }, at(1))).kind, 'applied');
      const stored = (await store.get(task.id))!;
      assert.equal(stored.status, 'failed');
      assert.deepEqual(stored.error, error);
      assert.equal(stored.result, null);
    });

    it('an image result (base64 PNG) comes back byte for byte', async () => {
      const task = newTask({ type: 'image' });
      await store.create(task);
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 254, 255]).toString('base64');
      await store.commit(task.id, { status: 'ready', result: png }, at(1));
      assert.equal((await store.get(task.id))!.result, png);
    });

    it('two different final commits at once: exactly one wins and the stored result is its', async () => {
      for (let round = 0; round < 20; round++) {
        const task = newTask();
        await store.create(task);
        const outcomes = await Promise.all(
          ['a', 'b'].map((who) => store.commit(task.id, { status: 'ready', result: codeResult(who) }, at(1))),
        );
        const winners = outcomes.flatMap((o, i) => (o.kind === 'applied' ? [i] : []));
        assert.equal(winners.length, 1, `round ${round}: ${outcomes.map((o) => o.kind)}`);
        assert.equal(outcomes[1 - winners[0]!]!.kind, 'conflict');
        assert.equal(((await store.get(task.id))!.result as { stdout: string }).stdout, ['a', 'b'][winners[0]!]);
      }
    });
  });

  describe('cancel (the owner’s final commit, CANCEL_COMMIT)', () => {
    it('applies from queued and from running; again repeats; a worker’s final commit afterwards conflicts', async () => {
      const queued = newTask();
      const running = newTask();
      await store.create(queued);
      await store.create(running);
      await store.commit(running.id, { status: 'running' }, at(1));
      for (const task of [queued, running]) {
        const outcome = await store.commit(task.id, CANCEL_COMMIT, at(2));
        assert.equal(outcome.kind, 'applied');
        const stored = (await store.get(task.id))!;
        assert.equal(stored.status, 'failed');
        assert.equal(stored.stage, 'done');
        assert.deepEqual(stored.error, { code: 'cancelled', message: 'cancelled by its owner' });
        assert.equal((await store.commit(task.id, CANCEL_COMMIT, at(3))).kind, 'repeated');
        assert.equal((await store.commit(task.id, { status: 'running' }, at(3))).kind, 'conflict');
        const ready = { status: 'ready' as const, result: codeResult('late\n') };
        assert.equal((await store.commit(task.id, ready, at(3))).kind, 'conflict');
        assert.deepEqual((await store.get(task.id))!.updatedAt, at(2));
      }
      assert.equal(await store.countInFlight(queued.ownerId), 0);
    });

    it('a finished task (ready, or failed otherwise) is not cancelled: conflict, unchanged', async () => {
      const ready = newTask();
      const failed = newTask();
      await store.create(ready);
      await store.create(failed);
      await store.commit(ready.id, { status: 'ready', result: codeResult('done\n') }, at(1));
      await store.commit(failed.id, { status: 'failed', error: { code: 'x', message: 'y' } }, at(1));
      for (const task of [ready, failed]) {
        const before = await store.get(task.id);
        assert.equal((await store.commit(task.id, CANCEL_COMMIT, at(2))).kind, 'conflict');
        assert.deepEqual(await store.get(task.id), before);
      }
    });

    it('a cancel racing a worker’s final commit: exactly one wins, the other conflicts', async () => {
      for (let round = 0; round < 20; round++) {
        const task = newTask();
        await store.create(task);
        const ready = { status: 'ready' as const, result: codeResult('raced\n') };
        const [cancel, worker] = await Promise.all([
          store.commit(task.id, CANCEL_COMMIT, at(1)),
          store.commit(task.id, ready, at(1)),
        ]);
        assert.deepEqual([cancel.kind, worker.kind].sort(), ['applied', 'conflict'], `round ${round}`);
        const stored = (await store.get(task.id))!;
        assert.equal(stored.status, cancel.kind === 'applied' ? 'failed' : 'ready');
      }
    });
  });

  describe('in-flight cap', () => {
    it('counts the owner’s in_progress tasks; a final commit or a delete takes one off', async () => {
      const owner = randomUUID();
      const tasks = [newTask({ ownerId: owner }), newTask({ ownerId: owner }), newTask({ ownerId: owner })];
      for (const task of tasks) await store.create(task);
      await store.create(newTask());
      assert.equal(await store.countInFlight(owner), 3);
      await store.commit(tasks[0]!.id, { status: 'running' }, at(1));
      assert.equal(await store.countInFlight(owner), 3);
      await store.commit(tasks[0]!.id, { status: 'failed', error: { code: 'x', message: 'y' } }, at(2));
      await store.delete(tasks[1]!.id);
      assert.equal(await store.countInFlight(owner), 1);
    });

    it('createWithinCap admits no more than the cap, even when posts arrive at once', async () => {
      const owner = randomUUID();
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () => store.createWithinCap(newTask({ ownerId: owner }), 4)),
      );
      const created = outcomes.flatMap((o) => (o.kind === 'created' ? [o.inFlightBefore] : []));
      // Each admitted one saw the ones admitted before it: 0, 1, 2, 3 (the lane decision rests on this).
      assert.deepEqual(
        created.sort((a, b) => a - b),
        [0, 1, 2, 3],
      );
      assert.equal(outcomes.filter((o) => o.kind === 'too_many_in_flight').length, 6);
      assert.equal(await store.countInFlight(owner), 4);
    });

    it('createWithinCap says how many of the owner’s tasks were in flight before it: 0 again once they end', async () => {
      const owner = randomUUID();
      const first = newTask({ ownerId: owner });
      assert.deepEqual(await store.createWithinCap(first, 20), { kind: 'created', inFlightBefore: 0 });
      assert.deepEqual(await store.createWithinCap(newTask(), 20), { kind: 'created', inFlightBefore: 0 });
      const second = newTask({ ownerId: owner });
      assert.deepEqual(await store.createWithinCap(second, 20), { kind: 'created', inFlightBefore: 1 });
      await store.commit(first.id, { status: 'ready', result: { ok: true } }, at(1));
      await store.commit(second.id, { status: 'failed', error: { code: 'x', message: 'y' } }, at(2));
      assert.deepEqual(await store.createWithinCap(newTask({ ownerId: owner }), 20), {
        kind: 'created',
        inFlightBefore: 0,
      });
    });
  });

  describe('GET /tasks pages (keyset on created_at, id)', () => {
    async function pages(owner: string, limit: number, between?: () => Promise<void>) {
      const seen: string[] = [];
      let page = await store.listByOwner(owner, limit);
      seen.push(...page.tasks.map((t) => t.id));
      while (page.next) {
        await between?.();
        page = await store.listByOwner(owner, limit, page.next);
        seen.push(...page.tasks.map((t) => t.id));
      }
      return seen;
    }

    it('newest first, page by page, the last page says so', async () => {
      const owner = randomUUID();
      const tasks = Array.from({ length: 5 }, (_, i) => newTask({ ownerId: owner, createdAt: at(i) }));
      for (const task of tasks) await store.create(task);
      const first = await store.listByOwner(owner, 2);
      assert.deepEqual(
        first.tasks.map((t) => t.id),
        [tasks[4]!.id, tasks[3]!.id],
      );
      assert.deepEqual(await pages(owner, 2), tasks.map((t) => t.id).reverse());
      assert.deepEqual(await pages(owner, 5), tasks.map((t) => t.id).reverse());
      assert.equal((await store.listByOwner(owner, 5)).next, null);
    });

    it('tasks made in the same millisecond are ordered by id and none is lost between pages', async () => {
      const owner = randomUUID();
      const tasks = Array.from({ length: 7 }, () => newTask({ ownerId: owner, createdAt: at(1) }));
      for (const task of tasks) await store.create(task);
      const expected = tasks
        .map((t) => t.id)
        .sort()
        .reverse();
      assert.deepEqual(await pages(owner, 3), expected);
    });

    it('the sweeper removing older and newer tasks between pages makes no page skip or repeat a task', async () => {
      const owner = randomUUID();
      const tasks = Array.from({ length: 6 }, (_, i) => newTask({ ownerId: owner, createdAt: at(i) }));
      for (const task of tasks) await store.create(task);
      // The oldest and the newest finish and expire while the client pages.
      for (const task of [tasks[0]!, tasks[5]!]) {
        await store.commit(task.id, { status: 'ready', result: codeResult('') }, at(10));
      }
      let swept = false;
      const seen = await pages(owner, 2, async () => {
        if (!swept) swept = (await store.sweep(at(10 + options.finishedTtlMs / 1000 + 1))) > 0;
      });
      assert.ok(swept, 'the sweeper ran between the pages');
      assert.deepEqual(seen, [tasks[5]!.id, tasks[4]!.id, tasks[3]!.id, tasks[2]!.id, tasks[1]!.id]);
    });

    it('a cursor of another owner’s task lists only the caller’s own tasks', async () => {
      const mine = newTask({ createdAt: at(1) });
      const theirs = newTask({ createdAt: at(5) });
      await store.create(mine);
      await store.create(theirs);
      const page = await store.listByOwner(mine.ownerId, 10, { createdAt: at(9), id: theirs.id });
      assert.deepEqual(
        page.tasks.map((t) => t.id),
        [mine.id],
      );
    });
  });

  describe('retention', () => {
    it('finished tasks expire after the TTL; unfinished ones stay', async () => {
      const done = newTask();
      const waiting = newTask({ ownerId: done.ownerId });
      await store.create(done);
      await store.create(waiting);
      await store.commit(done.id, { status: 'ready', result: codeResult('') }, at(0));
      assert.equal(await store.sweep(at(59)), 0);
      assert.equal(await store.sweep(at(61)), 1);
      assert.equal(await store.get(done.id), undefined);
      assert.ok(await store.get(waiting.id));
    });

    it('a TTL sweep of many tasks removes them all (in batches)', async () => {
      const owner = randomUUID();
      const tasks = Array.from({ length: 1200 }, (_, i) => newTask({ ownerId: owner, createdAt: at(i / 1000) }));
      for (const task of tasks) await store.create(task);
      await Promise.all(tasks.map((t) => store.commit(t.id, { status: 'ready', result: codeResult('') }, at(1))));
      assert.equal(await store.sweep(at(100)), tasks.length);
      assert.deepEqual((await store.listByOwner(owner, 10)).tasks, []);
    });

    it('counts by type and status', async () => {
      const owner = randomUUID();
      await store.create(newTask({ ownerId: owner, type: 'image' }));
      const code = newTask({ ownerId: owner });
      await store.create(code);
      await store.commit(code.id, { status: 'failed', error: { code: 'x', message: 'y' } }, at(1));
      assert.deepEqual(
        (await store.counts()).sort((l, r) => l.type.localeCompare(r.type)),
        [
          { type: 'code', status: 'failed', count: 1 },
          { type: 'image', status: 'in_progress', count: 1 },
        ],
      );
    });
  });

  describe('byte budget', () => {
    beforeEach(async () => {
      await fixture.teardown();
      options = { finishedTtlMs: 3_600_000, byteBudget: 5_000 };
      fixture = await factory(options);
      store = fixture.store;
    });

    it('over the budget, the heaviest owner’s oldest finished results go first, nobody else’s', async () => {
      const heavy = randomUUID();
      const light = randomUUID();
      const big = Buffer.alloc(900, 7).toString('base64'); // 1,200 characters; each result counts ~1,700
      const lightTask = newTask({ ownerId: light, type: 'image' });
      await store.create(lightTask);
      await store.commit(lightTask.id, { status: 'ready', result: big }, at(0));
      const heavyTasks = Array.from({ length: 3 }, () => newTask({ ownerId: heavy, type: 'image' }));
      for (const task of heavyTasks) await store.create(task);
      for (const [i, task] of heavyTasks.entries()) {
        await store.commit(task.id, { status: 'ready', result: big }, at(i + 1));
      }
      await store.sweep(at(5));
      assert.equal(await store.get(heavyTasks[0]!.id), undefined, 'the heavy owner’s oldest went');
      assert.ok(await store.get(heavyTasks[2]!.id), 'their newest stays');
      assert.ok(await store.get(lightTask.id), 'the light owner keeps theirs');
    });
  });
}
