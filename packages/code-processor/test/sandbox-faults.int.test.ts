/**
 * The sandbox under real faults, on the real Docker engine and sandbox image (SANDBOX_IMAGE):
 * - the worker paused (SIGSTOP) past the time limit, then resumed: the verdict is the program's, not the pause's;
 * - the worker killed (SIGKILL) mid-run: its sandbox stops by itself within seconds;
 * - the connection to the engine dropped or gone (a unix-socket proxy this test owns and cuts): the job ends
 *   with an error within a bounded time instead of waiting forever, and the container does not stay up;
 * - a shutdown that abandons work still removes its containers before it returns.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CodeTaskPayload } from '@conveyor/shared';
import Docker from 'dockerode';
import { SANDBOX_LABEL, SandboxRunner, WORKER_ID_LABEL } from '../src/index.js';

const docker = new Docker();
const image = process.env.SANDBOX_IMAGE || 'conveyor-sandbox:latest';
const workerId = `sandbox-faults-${randomUUID()}`;
const CHILD = fileURLToPath(new URL('./children/sandbox-child.ts', import.meta.url));

async function containersOf(worker: string) {
  return docker.listContainers({
    all: true,
    filters: { label: [`${SANDBOX_LABEL}=1`, `${WORKER_ID_LABEL}=${worker}`] },
  });
}

after(async () => {
  // Only this suite's own containers, whatever a failed test left.
  for (const c of await containersOf(workerId))
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => {});
});

interface ChildEvent {
  event: 'state' | 'result' | 'error';
  state?: string;
  container?: string;
  result?: { verdict: string; stdout: string; time_ms: number; exit_code: number | null };
  message?: string;
}

/** A child process that runs one task in a sandbox and reports each step (test/children/sandbox-child.ts). */
function startChild(task: CodeTaskPayload, env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(
    process.execPath,
    ['--conditions=conveyor-src', '--import', 'tsx', CHILD, JSON.stringify({ workerId, image, task })],
    {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const events: ChildEvent[] = [];
  const waiters: { match: (e: ChildEvent) => boolean; resolve: (e: ChildEvent) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const event = JSON.parse(line) as ChildEvent;
    events.push(event);
    for (const w of waiters.filter((w) => w.match(event))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(event);
    }
  });
  const next = (match: (e: ChildEvent) => boolean, timeoutMs = 30_000) =>
    new Promise<ChildEvent>((resolve, reject) => {
      const seen = events.find(match);
      if (seen) return resolve(seen);
      const timer = setTimeout(
        () => reject(new Error(`child: no matching event in ${timeoutMs} ms: ${JSON.stringify(events)}`)),
        timeoutMs,
      );
      waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  return { child, events, next };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the container is no longer running (or gone); returns how long that took. */
async function untilStopped(id: string, withinMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    const running = await docker
      .getContainer(id)
      .inspect()
      .then(
        (i) => i.State.Running,
        () => false,
      );
    if (!running) return performance.now() - started;
    await sleep(200);
  }
  throw new Error(`container ${id} still running after ${withinMs} ms`);
}

/** A unix-socket proxy in front of the Docker socket, which the test can cut. */
class SocketProxy {
  readonly path: string;
  private readonly dir = mkdtempSync(join(tmpdir(), 'sandbox-proxy-'));
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(target = '/var/run/docker.sock') {
    this.path = join(this.dir, 'docker.sock');
    this.server = createServer((client) => {
      const upstream = createConnection(target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.path, resolve));
  }

  /** Drops every open connection (as a dockerd restart would); new ones still go through. */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** The engine is gone: open connections dropped, new ones refused. */
  async close(): Promise<void> {
    this.dropConnections();
    await new Promise((resolve) => this.server.close(resolve));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const python = (code: string, timeMs: number): CodeTaskPayload => ({
  translator: 'python3',
  code,
  stdin: '',
  limits: { time_ms: timeMs },
});

describe('sandbox faults', () => {
  test('the worker paused past the time limit (SIGSTOP, then SIGCONT): the finished program is judged ok', async () => {
    // The program ends in ~1.5 s; the worker is stopped, once its run timer is armed, for 7 s: past the 3 s
    // limit and the host's backstop. On resume every timer is due before the container's exit is read.
    const { child, next } = startChild(python('import time\ntime.sleep(1.5)\nprint("done")\n', 3_000));
    await next((e) => e.state === 'compiled');
    child.kill('SIGSTOP');
    await sleep(7_000);
    child.kill('SIGCONT');
    const end = await next((e) => e.event === 'result' || e.event === 'error');
    await exited(child);
    assert.equal(end.event, 'result', end.message);
    assert.equal(end.result?.verdict, 'ok', JSON.stringify(end.result));
    assert.equal(end.result?.stdout, 'done\n');
    // The program sleeps 1.5 s: its own time is about that, far below the 7 s pause and the 3 s limit.
    const timeMs = end.result?.time_ms ?? 0;
    assert.ok(timeMs >= 1_400 && timeMs < 3_000, `time_ms ${timeMs}: the program's own time, not the pause`);
  });

  test('the worker paused while a program really runs past its limit: still time_limit', async () => {
    const { child, next } = startChild(python('while True:\n    pass\n', 1_000));
    await next((e) => e.state === 'compiled');
    child.kill('SIGSTOP');
    await sleep(3_000);
    child.kill('SIGCONT');
    const end = await next((e) => e.event === 'result' || e.event === 'error');
    await exited(child);
    assert.equal(end.result?.verdict, 'time_limit', JSON.stringify(end));
    assert.ok((end.result?.time_ms ?? 0) < 2_000, `time_ms ${end.result?.time_ms}`);
  });

  test('the worker killed (SIGKILL) mid-run: its sandbox stops within seconds', async () => {
    const { child, next } = startChild(python('while True:\n    pass\n', 15_000));
    const running = await next((e) => e.state === 'compiled');
    child.kill('SIGKILL');
    await exited(child);
    const took = await untilStopped(running.container!, 5_000);
    assert.ok(took < 5_000);
    await docker.getContainer(running.container!).remove({ force: true });
  });

  test('the engine connection drops mid-run: the job fails within bounds, and its container is removed', async () => {
    const proxy = new SocketProxy();
    await proxy.listen();
    try {
      const runner = new SandboxRunner({
        docker: new Docker({ socketPath: proxy.path }),
        workerId,
        image,
        attempts: 1,
      });
      let id: string | undefined;
      const started = performance.now();
      const result = runner.run(python('while True:\n    pass\n', 15_000), { taskId: randomUUID() }).then(
        (r) => ({ ok: true as const, r }),
        (e: Error) => ({ ok: false as const, e }),
      );
      while (!id) {
        id = [...runner.workingContainers()][0];
        await sleep(50);
      }
      await sleep(1_000);
      proxy.dropConnections();
      const outcome = await result;
      const took = performance.now() - started;
      assert.equal(outcome.ok, false, 'a lost engine is an error, so the task goes back to the queue');
      assert.equal(!outcome.ok && outcome.e.name, 'SandboxUnavailableError');
      assert.ok(took < 12_000, `took ${Math.round(took)} ms`);
      // The engine came back (new connections go through): the job removed its container.
      assert.equal((await containersOf(workerId)).filter((c) => c.Id === id).length, 0);
    } finally {
      await proxy.close();
    }
  });

  test('the engine gone for good mid-run: the job fails within bounds, the container stops by itself', async () => {
    const proxy = new SocketProxy();
    await proxy.listen();
    const runner = new SandboxRunner({ docker: new Docker({ socketPath: proxy.path }), workerId, image, attempts: 1 });
    let id: string | undefined;
    const started = performance.now();
    const result = runner.run(python('while True:\n    pass\n', 15_000), { taskId: randomUUID() }).then(
      () => null,
      (e: Error) => e,
    );
    while (!id) {
      id = [...runner.workingContainers()][0];
      await sleep(50);
    }
    await sleep(1_000);
    await proxy.close();
    const error = await result;
    const took = performance.now() - started;
    assert.equal(error?.name, 'SandboxUnavailableError');
    assert.ok(took < 20_000, `took ${Math.round(took)} ms`);
    // Its stdin closed with the connection: the supervisor stopped the program and exited.
    await untilStopped(id, 5_000);
    await docker.getContainer(id).remove({ force: true });
  });

  test('shutdown past the grace period: drain() returns once the abandoned containers are removed', async () => {
    const runner = new SandboxRunner({ docker, workerId, image });
    const controller = new AbortController();
    const running = runner.run(python('while True:\n    pass\n', 15_000), {
      taskId: randomUUID(),
      signal: controller.signal,
    });
    running.catch(() => {});
    while (runner.workingContainers().size === 0) await sleep(50);
    controller.abort(new Error('worker shut down past its grace period'));
    // The Worker stops waiting for abandoned work at once; the processor's close awaits this.
    assert.equal(await runner.drain(10_000), true);
    assert.deepEqual(await containersOf(workerId), []);
  });
});
