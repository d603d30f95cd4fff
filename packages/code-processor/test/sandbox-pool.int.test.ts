/**
 * The warm sandbox pool on the real Docker engine and sandbox image: tasks run in pooled containers (each
 * used once, then removed, and replaced); a pooled container's inspect output equals a cold one's in every
 * security field, with the task's own memory applied; what a program sees of the pool and of the previous
 * task (nothing); the sweeper leaves a live worker's idle pool alone and removes a crashed worker's; close()
 * (SIGTERM) removes the pool. Its containers carry this suite's own deployment and worker ids, so no other
 * suite's sweep touches them, and it sweeps nothing but its own.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type CodeTaskPayload, isFieldError, parseCodeTask } from '@conveyor/shared';
import Docker from 'dockerode';
import {
  DEFAULT_SANDBOX_LIMITS,
  DEPLOYMENT_LABEL,
  DockerSandboxEngine,
  POOLED_LABEL,
  pooledSandboxSpec,
  SANDBOX_LABEL,
  SandboxPool,
  SandboxRunner,
  SandboxSweeper,
} from '../src/index.js';

const docker = new Docker();
const image = process.env.SANDBOX_IMAGE || 'conveyor-sandbox:latest';
const deployment = `test-pool-${randomUUID().slice(0, 8)}`;
const workerId = `test-pool-${randomUUID()}`;
const CHILD = fileURLToPath(new URL('./children/pool-child.ts', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** This suite's containers (its own deployment), whatever worker made them. */
async function ours(all = true) {
  return docker.listContainers({
    all,
    filters: { label: [`${SANDBOX_LABEL}=1`, `${DEPLOYMENT_LABEL}=${deployment}`] },
  });
}

/** Every pool of the suite, closed after it even when a test failed (an open pool keeps the process alive). */
const pools: SandboxPool[] = [];

after(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
  for (const c of await ours())
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => {});
});

const engine = new DockerSandboxEngine(docker);
function newPool(size: number) {
  const pool = new SandboxPool({
    engine,
    spec: pooledSandboxSpec({ image, deployment, workerId, limits: DEFAULT_SANDBOX_LIMITS }),
    size,
  });
  pools.push(pool);
  return pool;
}
const runnerWith = (pool?: SandboxPool) => new SandboxRunner({ docker, engine, pool, deployment, workerId, image });

function task(body: Record<string, unknown>): CodeTaskPayload {
  const parsed = parseCodeTask(body);
  if (isFieldError(parsed)) throw new Error(`${parsed.field}: ${parsed.message}`);
  return parsed;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, withinMs = 30_000) {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > withinMs) assert.fail(`not within ${withinMs} ms: ${what}`);
    await sleep(20);
  }
}

const exists = (id: string) =>
  docker
    .getContainer(id)
    .inspect()
    .then(
      () => true,
      () => false,
    );

/** Runs a sleeping task and inspects its container while it runs. */
async function inspectWhileRunning(runner: SandboxRunner, limits: { memory_mb?: number } = {}) {
  const run = runner.run(task({ translator: 'python3', code: 'import time\ntime.sleep(2)\nprint("done")\n', limits }), {
    taskId: randomUUID(),
  });
  await until(() => runner.workingContainers().size === 1, 'the task has a container');
  const [id] = [...runner.workingContainers()];
  // Once its program runs: a pooled container is the task's before its memory is updated, and the plan (so
  // the program) follows the update; inspecting earlier could see the pool's limit still.
  await until(async () => {
    const top = await docker
      .getContainer(id!)
      .top()
      .catch(() => ({ Processes: [] }));
    return (top.Processes?.length ?? 0) > 1;
  }, 'the program runs beside the supervisor');
  const inspected = await docker.getContainer(id!).inspect();
  assert.equal((await run).stdout, 'done\n');
  // Its container is removed after the result: done before the next task, so that one is the only one at work.
  assert.equal(await runner.drain(10_000), true);
  return inspected;
}

describe('warm sandbox pool (real Docker)', () => {
  test('python and gcc run in pooled containers, each used once, removed, and replaced', async () => {
    const pool = newPool(2);
    pool.start();
    await until(() => pool.ready === 2, 'the pool is full');
    const warm = [...pool.containers()];
    const runner = runnerWith(pool);
    const python = await runner.run(task({ translator: 'python3', code: 'print(input()[::-1])', stdin: 'olleh' }), {
      taskId: randomUUID(),
    });
    assert.equal(python.verdict, 'ok');
    assert.equal(python.stdout, 'hello\n');
    const gcc = await runner.run(
      task({ translator: 'gcc', code: '#include <stdio.h>\nint main(void){puts("hi from c");return 0;}' }),
      { taskId: randomUUID() },
    );
    assert.equal(gcc.verdict, 'ok');
    assert.equal(gcc.stdout, 'hi from c\n');
    assert.equal(await runner.drain(10_000), true, 'the removals (after the results) are done');
    for (const id of warm) assert.equal(await exists(id), false, 'a used pooled container is removed');
    await until(() => pool.ready === 2, 'replaced');
    assert.ok(
      [...pool.containers()].every((id) => !warm.includes(id)),
      'the replacements are new containers',
    );
    await pool.close();
  });

  test('a pooled container equals a cold one in every security field (with the task memory applied)', async () => {
    const pool = newPool(1);
    pool.start();
    const pooled = runnerWith(pool);
    const cold = runnerWith();
    for (const limits of [{}, { memory_mb: 64 }] as { memory_mb?: number }[]) {
      await until(() => pool.ready === 1, 'one ready');
      const a = await inspectWhileRunning(pooled, limits);
      const b = await inspectWhileRunning(cold, limits);
      assert.equal(a.Config.Labels[POOLED_LABEL], '1', 'the first ran in a pooled container');
      assert.equal(b.Config.Labels[POOLED_LABEL], undefined, 'the second in a cold one');
      // Every HostConfig field: CapDrop, SecurityOpt, ReadonlyRootfs, NetworkMode, IpcMode, PidsLimit, Memory,
      // MemorySwap, NanoCpus, Ulimits, Tmpfs, Privileged, LogConfig, and the rest.
      assert.deepEqual(a.HostConfig, b.HostConfig);
      const expectedMemory = (limits.memory_mb ?? DEFAULT_SANDBOX_LIMITS.memoryMb.default) * 1024 * 1024;
      assert.equal(a.HostConfig.Memory, expectedMemory);
      assert.equal(a.HostConfig.MemorySwap, expectedMemory);
      assert.deepEqual(a.HostConfig.CapDrop, ['ALL']);
      assert.equal(a.HostConfig.ReadonlyRootfs, true);
      assert.equal(a.HostConfig.NetworkMode, 'none');
      const config = (i: Docker.ContainerInspectInfo) => {
        const { Labels: _labels, Hostname: _hostname, ...rest } = i.Config;
        return rest;
      };
      assert.deepEqual(config(a), config(b), 'the same user, command, environment, stdin and network settings');
      assert.equal(a.Config.User, '10001:10001');
      assert.equal((a.Config as { NetworkDisabled?: boolean }).NetworkDisabled, true);
    }
    await pool.close();
  });

  test('what a program sees: nothing of the pool, nothing of the previous task; its own memory limit', async () => {
    const pool = newPool(2);
    pool.start();
    const runner = runnerWith(pool);
    const look = `
import os
print('files', sorted(os.listdir('.')))
open('secret.txt', 'w').write('the previous task was here')
pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
print('pids', len(pids), pids[0])
print('net', sorted(os.listdir('/sys/class/net')))
for path in ('/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory.max'):
    if os.path.exists(path):
        print('memory', open(path).read().strip())
try:
    open('/proc/1/environ').read()
    print('environ readable')
except OSError:
    print('environ closed')
`;
    const seen: string[] = [];
    for (let i = 0; i < 2; i++) {
      await until(() => pool.ready === 2, 'the pool is full: another task waits beside this one');
      const result = await runner.run(task({ translator: 'python3', code: look, limits: { memory_mb: 96 } }), {
        taskId: randomUUID(),
      });
      assert.equal(result.verdict, 'ok', result.stderr);
      seen.push(result.stdout);
    }
    assert.equal(await runner.drain(10_000), true);
    for (const stdout of seen) {
      // PID 1 (the supervisor) and the program (python; the supervisor's fork): no other container's process.
      assert.match(stdout, /^pids [12] 1$/m);
      // Only what this task's supervisor wrote: the source and the input directory; no secret.txt from before.
      assert.match(stdout, /^files \['\.in', 'main\.py'\]$/m);
      assert.match(stdout, /^net \['lo'\]$/m);
      assert.match(stdout, new RegExp(`^memory ${96 * 1024 * 1024}$`, 'm'));
      assert.match(stdout, /^environ closed$/m);
    }
    await pool.close();
  });

  test("the sweeper leaves a live worker's idle pool alone; close() removes it", async () => {
    const pool = newPool(2);
    pool.start();
    await until(() => pool.ready === 2, 'the pool is full');
    const sweeper = new SandboxSweeper({
      docker,
      deployment,
      workerId,
      image,
      working: () => pool.containers(),
      ownLeftoverAfterMs: 0,
    });
    assert.equal(await sweeper.sweep({ all: true }), 0);
    assert.equal(pool.ready, 2);
    const idle = [...pool.containers()];
    await pool.close();
    for (const id of idle) assert.equal(await exists(id), false, 'removed by close');
    await sweeper.stop();
  });

  test("a crashed worker's idle pool stops by itself and is swept like any leftover", async () => {
    const crashed = `test-pool-crashed-${randomUUID()}`;
    const child = spawn(
      process.execPath,
      [
        '--conditions=conveyor-src',
        '--import',
        'tsx',
        CHILD,
        JSON.stringify({ workerId: crashed, deployment, image, size: 2 }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', () => reject(new Error('the pool child exited early')));
    });
    const { containers } = JSON.parse(line) as { containers: string[] };
    assert.equal(containers.length, 2);
    child.kill('SIGKILL');
    // Its attach connections closed with it: each supervisor read EOF on stdin and exited.
    await until(
      async () =>
        (await Promise.all(containers.map((id) => docker.getContainer(id).inspect()))).every((i) => !i.State.Running),
      'the idle containers stopped',
      15_000,
    );
    // Another worker of the deployment: the crashed one never held a lease, so it is dead.
    const survivor = new SandboxSweeper({ docker, deployment, workerId: 'survivor', image, working: () => new Set() });
    assert.ok((await survivor.sweep()) >= 2);
    for (const id of containers) assert.equal(await exists(id), false, 'swept');
  });
});
