/**
 * The warm sandbox pool on the fake engine (no Docker): it fills to its size with started, attached
 * containers; take() hands each out once and begins a replacement; an empty pool answers null (the cold
 * path); a container lost while idle is replaced; close() removes all it holds, those still being made too;
 * a job on a pooled container runs as on a cold one, gets its memory applied first, and honours an abort.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ContainerCreateOptions } from 'dockerode';
import { POOLED_LABEL, pooledSandboxSpec, TASK_ID_LABEL } from '../src/sandbox/container-spec.js';
import { DEFAULT_SANDBOX_LIMITS } from '../src/sandbox/limits.js';
import { SandboxPool } from '../src/sandbox/sandbox-pool.js';
import { fakeJob } from './fake-job.js';
import { FakeEngine, type FakeScript } from './fake-sandbox-engine.js';
import { NO_COMPILE, readPlan, trailer } from './supervisor-protocol.js';

const MiB = 1024 * 1024;
const spec = pooledSandboxSpec({
  image: 'conveyor-sandbox:test',
  deployment: 'test',
  workerId: 'worker-1',
  limits: DEFAULT_SANDBOX_LIMITS,
});

/** A supervisor that waits for its plan and input, then prints hello; what it saw is kept. */
function helloScript(seen: { memoryAtPlan?: number | null; input?: Buffer } = {}): FakeScript {
  return async (c) => {
    const input = await c.nextInput();
    seen.memoryAtPlan = c.container.memoryBytes;
    seen.input = input;
    c.stdout(NO_COMPILE);
    c.end(`hi\n${trailer(0)}`);
    c.exit(0);
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
async function until(condition: () => boolean, what: string) {
  for (let i = 0; i < 200 && !condition(); i++) await tick();
  assert.ok(condition(), what);
}

function job(engine: FakeEngine, pool: SandboxPool, options: { memoryMb?: number; signal?: AbortSignal } = {}) {
  return fakeJob(engine, options, { takeWarm: () => pool.take(), signal: options.signal });
}

describe('SandboxPool', () => {
  test('start fills it to its size with pooled containers, attached before started', async () => {
    const engine = new FakeEngine(helloScript());
    const pool = new SandboxPool({ engine, spec, size: 2 });
    assert.equal(pool.state, 'new');
    assert.equal(pool.take(), null, 'nothing before start');
    pool.start();
    await until(() => pool.ready === 2, 'two ready');
    assert.equal(pool.state, 'filling');
    assert.equal(engine.containers.length, 2);
    for (const container of engine.containers) {
      assert.deepEqual(container.calls, ['attach', 'start']);
      assert.equal(container.spec.Labels?.[POOLED_LABEL], '1');
      assert.equal(container.spec.Labels?.[TASK_ID_LABEL], '');
    }
    assert.deepEqual([...pool.containers()].sort(), ['fake-1', 'fake-2']);
    await pool.close();
  });

  test('take hands each container out once, and a replacement is made in the background', async () => {
    const engine = new FakeEngine(helloScript());
    const pool = new SandboxPool({ engine, spec, size: 2 });
    pool.start();
    await until(() => pool.ready === 2, 'two ready');
    const taken = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const warm = pool.take();
      assert.ok(warm, `take ${i}`);
      assert.ok(!taken.has(warm.container.id), 'never handed out twice');
      taken.add(warm.container.id);
      assert.ok(!pool.containers().has(warm.container.id), 'a taken container is no longer the pool’s');
      assert.equal(warm.memoryBytes, DEFAULT_SANDBOX_LIMITS.memoryMb.default * MiB);
      assert.ok(warm.stream.isPaused(), 'handed over paused');
      await until(() => pool.ready === 2, 'refilled');
    }
    assert.equal(engine.containers.length, 7);
    await pool.close();
  });

  test('an empty pool answers null (the cold path), and size 0 makes nothing', async () => {
    const engine = new FakeEngine(helloScript());
    const none = new SandboxPool({ engine, spec, size: 0 });
    none.start();
    await tick();
    assert.equal(none.take(), null);
    assert.equal(engine.containers.length, 0);

    const one = new SandboxPool({ engine, spec, size: 1 });
    one.start();
    await until(() => one.ready === 1, 'one ready');
    assert.ok(one.take());
    assert.equal(one.take(), null, 'the replacement is not ready yet');
    await Promise.all([none.close(), one.close()]);
  });

  test('a job on a pooled container: no create, attach or start of its own; plan sent; removed after', async () => {
    const seen: { input?: Buffer } = {};
    const engine = new FakeEngine(helloScript(seen));
    const pool = new SandboxPool({ engine, spec, size: 1 });
    pool.start();
    await until(() => pool.ready === 1, 'one ready');
    const result = await job(engine, pool).run();
    assert.equal(result.verdict, 'ok');
    assert.equal(result.stdout, 'hi\n');
    const used = engine.containers[0]!;
    assert.deepEqual(used.calls, ['attach', 'start', 'wait', 'remove'], 'the end mark ended it: no inspect');
    assert.equal(readPlan(seen.input!).rest.toString(), 'print("hi")\ninput');
    await until(() => pool.ready === 1, 'replaced');
    assert.notEqual(pool.take()?.container.id, used.id);
    await pool.close();
  });

  test('a task asking for other memory gets it applied before its plan is sent', async () => {
    const seen: { memoryAtPlan?: number | null } = {};
    const engine = new FakeEngine(helloScript(seen));
    const pool = new SandboxPool({ engine, spec, size: 1 });
    pool.start();
    await until(() => pool.ready === 1, 'one ready');
    assert.equal((await job(engine, pool, { memoryMb: 64 }).run()).verdict, 'ok');
    assert.equal(seen.memoryAtPlan, 64 * MiB);
    assert.ok(engine.containers[0]!.calls.includes('setMemory'));

    // The pool's own memory: no update.
    await until(() => pool.ready === 1, 'replaced');
    assert.equal((await job(engine, pool).run()).verdict, 'ok');
    assert.ok(!engine.containers[1]!.calls.includes('setMemory'));
    await pool.close();
  });

  test('an aborted task (cancel, shutdown) on a pooled container: killed, removed, and the run throws', async () => {
    const engine = new FakeEngine(async (c) => {
      await c.nextInput();
      c.stdout(NO_COMPILE);
      // The program never ends on its own.
    });
    const pool = new SandboxPool({ engine, spec, size: 1 });
    pool.start();
    await until(() => pool.ready === 1, 'one ready');
    const abort = new AbortController();
    const running = job(engine, pool, { signal: abort.signal }).run();
    await until(() => engine.containers[0]!.input.length > 0, 'the plan was sent');
    abort.abort();
    await assert.rejects(running, /shutting down/);
    assert.ok(engine.containers[0]!.calls.includes('kill'));
    assert.ok(engine.containers[0]!.wasRemoved);
    await pool.close();
  });

  test('a container that ends or speaks while idle is removed and replaced', async () => {
    let made = 0;
    const engine = new FakeEngine(async (c) => {
      made++;
      if (made === 1) c.exit(70);
      else if (made === 2) c.stdout('\x1efailed: cannot make the supervisor non-dumpable\n');
      else await c.nextInput();
    });
    const pool = new SandboxPool({ engine, spec, size: 2 });
    pool.start();
    await until(() => engine.containers.length === 4 && pool.ready === 2, 'two lost, two replacements ready');
    assert.ok(engine.containers[0]!.wasRemoved);
    assert.ok(engine.containers[1]!.wasRemoved);
    assert.deepEqual([...pool.containers()].sort(), ['fake-3', 'fake-4']);
    await pool.close();
  });

  test('close removes the idle containers and those still being made; nothing is made after', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    class SlowEngine extends FakeEngine {
      override async createContainer(options: ContainerCreateOptions) {
        if (this.containers.length >= 1) await gate;
        return super.createContainer(options);
      }
    }
    const engine = new SlowEngine(helloScript());
    const pool = new SandboxPool({ engine, spec, size: 2 });
    pool.start();
    await until(() => pool.ready === 1, 'one ready, one on its way');
    const closed = pool.close();
    assert.equal(pool.state, 'closed');
    assert.equal(pool.take(), null);
    release();
    await closed;
    assert.equal(engine.containers.length, 2);
    assert.ok(
      engine.containers.every((c) => c.wasRemoved),
      'both removed',
    );
    assert.ok(!engine.containers[1]!.calls.includes('start'), 'the one being made was never started');
    assert.equal(pool.containers().size, 0);
  });

  test('an engine that fails: take answers null, no error; the pool fills once it answers again', async () => {
    const engine = new FakeEngine(helloScript());
    engine.createError = new Error('docker is down');
    const pool = new SandboxPool({ engine, spec, size: 2, retryDelayMs: 5 });
    pool.start();
    await tick();
    assert.equal(pool.take(), null);
    engine.createError = null;
    for (let i = 0; i < 50 && pool.ready < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(pool.ready, 2);
    await pool.close();
  });
});
