/**
 * SandboxJob phase by phase, on a fake container (no Docker): create, start, collect, remove, the state
 * guards between them, and run() removing the container whatever happened.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ContainerCreateOptions } from 'dockerode';
import type { SandboxJobHooks } from '../src/sandbox/sandbox-job.js';
import { fakeJob } from './fake-job.js';
import { FakeEngine, type FakeScript } from './fake-sandbox-engine.js';

import { compiledPrelude, END, NO_COMPILE, readPlan, trailer } from './supervisor-protocol.js';

const compiled = (status: number, stderr = '') => compiledPrelude(status, { stderr });

/** A supervisor that reads its input, then prints the prelude, the program's output and the trailer. */
const prints =
  (prelude: string, stdout: string, status = 0): FakeScript =>
  async (c) => {
    await c.nextInput();
    c.stdout(prelude);
    c.end(stdout + trailer(status));
    c.exit(0);
  };

const job = fakeJob;

describe('SandboxJob phases', () => {
  test('create: one labelled container with the first step memory; state created', async () => {
    const engine = new FakeEngine(prints(NO_COMPILE, 'hi\n'));
    const seen: [string, boolean][] = [];
    const sandbox = job(
      engine,
      { translator: 'gcc', memoryMb: 64 },
      { onContainer: (id, alive) => seen.push([id, alive]) },
    );
    assert.equal(sandbox.state, 'new');
    await sandbox.create();
    assert.equal(sandbox.state, 'created');
    const spec = engine.last.spec;
    assert.equal(spec.Labels?.['conveyor.task_id'], 'task-1');
    assert.equal(spec.Labels?.['conveyor.worker_id'], 'worker-1');
    assert.equal(spec.Labels?.['conveyor.deployment'], 'test');
    assert.equal(spec.HostConfig?.Memory, 256 * 1024 * 1024, 'the compile limit first');
    assert.deepEqual(seen, [['fake-1', true]]);
    await sandbox.remove();
    assert.deepEqual(seen, [
      ['fake-1', true],
      ['fake-1', false],
    ]);
  });

  test('start: attaches before starting, sends the plan, source then input; state prepared', async () => {
    const engine = new FakeEngine(prints(NO_COMPILE, 'hi\n'));
    const sandbox = job(engine);
    await sandbox.create();
    await sandbox.start();
    assert.equal(sandbox.state, 'prepared');
    assert.deepEqual(engine.last.calls.slice(0, 2), ['attach', 'start']);
    const plan = readPlan(Buffer.concat(engine.last.input));
    assert.equal(plan.env.MODE, 'stream');
    assert.equal(plan.env.FILES, 'main.py:12');
    assert.equal(plan.env.RUNS, '5:');
    assert.deepEqual(plan.argv, ['0', 'python3', '-I', '-S', '-B', 'main.py']);
    assert.equal(plan.rest.toString(), 'print("hi")\ninput');
    await sandbox.collect();
    await sandbox.remove();
  });

  test('collect: the run observation from the prelude, the output and the trailer; state executed', async () => {
    const engine = new FakeEngine(prints(NO_COMPILE, 'hi\n', 3 << 8));
    const sandbox = job(engine);
    await sandbox.create();
    await sandbox.start();
    const observed = await sandbox.collect();
    assert.equal(sandbox.state, 'executed');
    assert.equal(observed.compile, null);
    assert.equal(observed.run?.waitStatus, 3 << 8);
    assert.equal(observed.run?.stdout, 'hi\n');
    assert.equal(observed.run?.timedOut, false);
    assert.equal(observed.run?.oomKilled, false);
    await sandbox.remove();
  });

  test('collect: a failed compile is observed, and nothing runs', async () => {
    const engine = new FakeEngine(async (c) => {
      await c.nextInput();
      c.stdout(compiled(1 << 8, 'main.c:1: error'));
      c.end();
      c.exit(0);
    });
    const sandbox = job(engine, { translator: 'gcc' });
    await sandbox.create();
    await sandbox.start();
    const observed = await sandbox.collect();
    assert.equal(observed.compile?.waitStatus, 1 << 8);
    assert.equal(observed.compile?.stderr, 'main.c:1: error');
    assert.equal(observed.run, null);
    await sandbox.remove();
  });

  test('collect: the engine OOM flag reaches the run observation', async () => {
    const engine = new FakeEngine(async (c) => {
      await c.nextInput();
      c.stdout(NO_COMPILE);
      c.container.facts = { ...c.container.facts, oomKilled: true };
      c.exit(137);
    });
    const sandbox = job(engine);
    await sandbox.create();
    await sandbox.start();
    const observed = await sandbox.collect();
    assert.equal(observed.run?.oomKilled, true);
    assert.equal(observed.run?.waitStatus, null);
    await sandbox.remove();
  });

  test('a different run memory: the limit changes, then the go byte is sent', async () => {
    const engine = new FakeEngine(async (c) => {
      await c.nextInput();
      c.stdout(compiled(0));
      assert.equal((await c.nextInput()).toString(), 'g');
      assert.equal(c.container.memoryBytes, 64 * 1024 * 1024);
      c.end(`ran\n${trailer(0)}`);
      c.exit(0);
    });
    const sandbox = job(engine, { translator: 'gcc', memoryMb: 64 });
    const result = await sandbox.run();
    assert.equal(result.verdict, 'ok');
    assert.equal(result.stdout, 'ran\n');
  });

  test('output past the limit: the container is killed, output_limit', async () => {
    const engine = new FakeEngine(async (c) => {
      await c.nextInput();
      c.stdout(NO_COMPILE);
      c.stdout('x'.repeat(100));
      // The program goes on until it is killed.
    });
    const result = await job(engine, { outputBytes: 10 }).run();
    assert.equal(result.verdict, 'output_limit');
    assert.equal(result.stdout, 'x'.repeat(10));
    assert.ok(engine.last.calls.includes('kill'));
  });

  test('a program that never ends is killed at the run limit: time_limit', async () => {
    const engine = new FakeEngine(async (c) => {
      await c.nextInput();
      c.stdout(NO_COMPILE);
    });
    const result = await job(engine, { timeMs: 100 }).run();
    assert.equal(result.verdict, 'time_limit');
    assert.equal(result.signal, 'SIGKILL');
    assert.ok(engine.last.calls.includes('kill'));
  });

  test('the end marks came and the container has not stopped yet: the result at once, no kill, no engine wait', async () => {
    // Docker reports a container's exit about 0.1 s after its last output; the end marks say the result is whole.
    const engine = new FakeEngine(async (c) => {
      await c.nextInput();
      c.stdout(NO_COMPILE);
      c.end(`done\n${trailer(0, 40)}`);
    });
    const started = performance.now();
    const result = await job(engine, { timeMs: 2_000 }).run();
    assert.ok(performance.now() - started < 1_000, 'not held until a timer');
    assert.equal(result.verdict, 'ok', JSON.stringify(result));
    assert.equal(result.time_ms, 40);
    assert.equal(result.stdout, 'done\n');
    assert.deepEqual(
      engine.last.calls.filter((call) => call === 'kill' || call === 'inspect'),
      [],
    );
    assert.ok(engine.last.wasRemoved);
  });

  test("a trailer with no end mark after it is the program's forgery: the host's view stands (time_limit)", async () => {
    // The program printed a trailer of its own and went on until the host killed it: before the end mark,
    // its last bytes were taken for the supervisor's report, an ok in 40 ms.
    const engine = new FakeEngine(async (c) => {
      await c.nextInput();
      c.stdout(NO_COMPILE);
      c.stdout(`done\n${trailer(0, 40)}`);
    });
    const result = await job(engine, { timeMs: 100 }).run();
    assert.ok(engine.last.calls.includes('kill'));
    assert.equal(result.verdict, 'time_limit', JSON.stringify(result));
    assert.equal(result.stdout, `done\n${trailer(0, 40)}`);
  });

  test('end marks with a nonce other than the plan one end nothing', async () => {
    const engine = new FakeEngine(async (c) => {
      await c.nextInput();
      c.stdout(NO_COMPILE);
      c.stdout(`done\n${trailer(0, 40)}${END}`);
      c.stderr(END);
    });
    const result = await job(engine, { timeMs: 100 }).run();
    assert.ok(engine.last.calls.includes('kill'));
    assert.equal(result.verdict, 'time_limit', JSON.stringify(result));
  });

  test('the supervisor stopped the program at its limit: time_limit with its measured time', async () => {
    const engine = new FakeEngine(async (c) => {
      await c.nextInput();
      c.stdout(NO_COMPILE);
      c.end(`partial\n${trailer(9, 100, true)}`);
      c.exit(0);
    });
    const result = await job(engine, { timeMs: 100 }).run();
    assert.ok(!engine.last.calls.includes('kill'), 'the host did not need its backstop');
    assert.equal(result.verdict, 'time_limit');
    assert.equal(result.signal, 'SIGKILL');
    assert.equal(result.time_ms, 100);
  });

  test('a compile the supervisor stopped at its limit: compile_error that says so', async () => {
    const engine = new FakeEngine(async (c) => {
      await c.nextInput();
      c.stdout(compiledPrelude(9, { timeMs: 10_000, timedOut: true }));
      c.end();
      c.exit(0);
    });
    const result = await job(engine, { translator: 'gcc' }).run();
    assert.equal(result.verdict, 'compile_error');
    assert.match(result.compile?.stderr ?? '', /longer than the 10000 ms limit/);
  });

  test('the attach stream ends but the engine never reports the container stopped: an engine error', async () => {
    const engine = new FakeEngine(async (c) => {
      await c.nextInput();
      c.stdout(NO_COMPILE);
      c.container.endStreamOnly();
    });
    const started = performance.now();
    await assert.rejects(job(engine).run(), { name: 'SandboxEngineError', message: /attach stream ended/ });
    assert.ok(performance.now() - started < 10_000);
    assert.ok(engine.last.wasRemoved);
  });

  test('remove: idempotent, and a failed removal is logged, not thrown', async () => {
    const engine = new FakeEngine(prints(NO_COMPILE, ''));
    const warnings: unknown[] = [];
    const log = { warn: (o: unknown) => warnings.push(o), debug: () => {} } as unknown as SandboxJobHooks['log'];
    const sandbox = job(engine, {}, { log });
    await sandbox.create();
    engine.last.removeError = new Error('engine said no');
    await sandbox.remove();
    await sandbox.remove();
    assert.equal(sandbox.state, 'cleaned_up');
    assert.equal(engine.last.calls.filter((c) => c === 'remove').length, 1);
    assert.equal(warnings.length, 1);
  });
});

describe('SandboxJob state guards', () => {
  test('refuses to start before it was created, and to collect before it was started', async () => {
    const engine = new FakeEngine(prints(NO_COMPILE, ''));
    const sandbox = job(engine);
    await assert.rejects(sandbox.start(), { name: 'SandboxJobStateError', message: /cannot start when new/ });
    await assert.rejects(sandbox.collect(), { name: 'SandboxJobStateError', message: /cannot collect when new/ });
    await sandbox.create();
    await assert.rejects(sandbox.collect(), { name: 'SandboxJobStateError', message: /cannot collect when created/ });
    await assert.rejects(sandbox.create(), { name: 'SandboxJobStateError', message: /cannot create when created/ });
    await sandbox.remove();
    await assert.rejects(sandbox.start(), { name: 'SandboxJobStateError', message: /cannot start when cleaned_up/ });
  });

  test('a job runs once', async () => {
    const engine = new FakeEngine(prints(NO_COMPILE, 'hi\n'));
    const sandbox = job(engine);
    assert.equal((await sandbox.run()).stdout, 'hi\n');
    await assert.rejects(sandbox.run(), { name: 'SandboxJobStateError' });
    assert.equal(engine.containers.length, 1);
  });
});

describe('SandboxJob.run removes the container whatever happened', () => {
  test('a supervisor that fails before the prelude: throws, removed', async () => {
    const engine = new FakeEngine(async (c) => {
      await c.nextInput();
      c.stderr('perl: cannot start');
      c.exit(70);
    });
    const sandbox = job(engine);
    await assert.rejects(
      sandbox.run(),
      /sandbox failed before the program ran \(container exit 70\): perl: cannot start/,
    );
    assert.ok(engine.last.wasRemoved);
    assert.equal(sandbox.state, 'cleaned_up');
  });

  test('a broken protocol: throws, removed', async () => {
    const engine = new FakeEngine(async (c) => {
      await c.nextInput();
      c.stdout('\x1efailed: cannot write main.py\n');
    });
    await assert.rejects(job(engine).run(), /cannot write main\.py/);
    assert.ok(engine.last.wasRemoved);
  });

  test('an abort: the program is stopped, run() throws, removed', async () => {
    const engine = new FakeEngine(async (c) => {
      await c.nextInput();
      c.stdout(NO_COMPILE);
    });
    const controller = new AbortController();
    const running = job(engine, {}, { signal: controller.signal }).run();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(running, /shutting down/);
    assert.ok(engine.last.calls.includes('kill'));
    assert.ok(engine.last.wasRemoved);
  });

  test('an abort before start: nothing starts, removed', async () => {
    const engine = new FakeEngine(prints(NO_COMPILE, ''));
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(job(engine, {}, { signal: controller.signal }).run(), /shutting down/);
    assert.ok(!engine.last.calls.includes('start'));
    assert.ok(engine.last.wasRemoved);
  });

  test('with removeLater, a result goes out before the removal ends; a failure still waits for it', async () => {
    let finishRemoval = () => {};
    class SlowRemoval extends FakeEngine {
      override async createContainer(spec: ContainerCreateOptions) {
        const container = await super.createContainer(spec);
        container.remove = () => {
          container.calls.push('remove');
          return new Promise<void>((resolve) => {
            finishRemoval = resolve;
          });
        };
        return container;
      }
    }
    const handed: Promise<void>[] = [];
    const ok = job(new SlowRemoval(prints(NO_COMPILE, 'hi\n')), {}, { removeLater: (r) => handed.push(r) });
    assert.equal((await ok.run()).stdout, 'hi\n', 'the result, while the removal is still going');
    assert.equal(handed.length, 1);
    assert.equal(ok.state, 'executed');
    finishRemoval();
    await handed[0];
    assert.equal(ok.state, 'cleaned_up');

    const failing = new SlowRemoval(async (c) => {
      await c.nextInput();
      c.exit(70);
    });
    const failed = job(failing, {}, { removeLater: (r) => handed.push(r) }).run();
    let settled = false;
    failed
      .catch(() => {})
      .finally(() => {
        settled = true;
      });
    while (!failing.last?.calls.includes('remove')) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'a failed run waits for its removal');
    finishRemoval();
    await assert.rejects(failed, /sandbox failed before the program ran/);
    assert.equal(handed.length, 1);
  });

  test('create fails: nothing to remove, the error comes through', async () => {
    const engine = new FakeEngine(prints(NO_COMPILE, ''));
    engine.createError = new Error('no such image');
    const sandbox = job(engine);
    await assert.rejects(sandbox.run(), /no such image/);
    assert.equal(sandbox.state, 'new');
  });
});
