/**
 * DELETE /task/{id} through the whole stack in one process: the API over HTTP, RabbitMQ (a unique prefix,
 * deleted afterwards), the code-processor on the real Docker engine and sandbox image, the image-processor.
 * A running code task's container must be killed within 1 s of the answer; a queued task must never run; an
 * image chain must stop at its next step, not run to its end.
 * The code worker runs as deployed, with its warm pool: a pooled container carries no task label (it was made
 * before its task), so a task's container is found by what runs in it: the one sandbox of this suite's
 * deployment with a program beside its supervisor (the worker runs one task at a time).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readApiConfig, startApi } from '@conveyor/api';
import { readCodeProcessorConfig, startCodeProcessor } from '@conveyor/code-processor';
import { readImageProcessorConfig, startImageProcessor } from '@conveyor/image-processor';
import { createLogger, createRabbitTaskQueue, type RabbitTaskQueue } from '@conveyor/shared';
import Docker from 'dockerode';
import { Registry } from 'prom-client';
import sharp from 'sharp';

const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const log = createLogger({ service: 'cancel-test', level: process.env.TEST_LOG_LEVEL ?? 'silent', pretty: false });
const docker = new Docker();

// biome-ignore lint/suspicious/noExplicitAny: JSON under test
type Json = Record<string, any>;

/** The running sandboxes of a deployment in which a program runs: more processes than the supervisor alone. */
async function busySandboxes(deployment: string): Promise<string[]> {
  const running = await docker.listContainers({
    filters: { label: ['conveyor.sandbox=1', `conveyor.deployment=${deployment}`] },
  });
  const busy: string[] = [];
  for (const { Id } of running) {
    const top = await docker
      .getContainer(Id)
      .top()
      .catch(() => ({ Processes: [] }));
    if ((top.Processes?.length ?? 0) > 1) busy.push(Id);
  }
  return busy;
}

/** `running`, `stopped` (killed, not yet removed) or `gone`. */
async function containerState(id: string): Promise<'running' | 'stopped' | 'gone'> {
  try {
    return (await docker.getContainer(id).inspect()).State.Running ? 'running' : 'stopped';
  } catch {
    return 'gone';
  }
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(20);
  }
}

const PYTHON_BUSY = { translator: 'python3', code: 'while True:\n    pass\n', limits: { time_ms: 10_000 } };
const C_BUSY = {
  translator: 'gcc',
  code: 'int main(void) { volatile unsigned long n = 0; for (;;) n++; }\n',
  limits: { time_ms: 10_000 },
};

describe('cancel on RabbitMQ, Docker and sharp', () => {
  const prefix = `hcancel-${process.pid}-${Date.now().toString(36)}.`;
  let queue: RabbitTaskQueue;
  let registry: Registry;
  let base: string;
  let auth: Record<string, string>;
  const closers: Array<() => Promise<unknown>> = [];

  const call = async (method: string, path: string, body?: object) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const submit = async (task: object) => {
    const created = await call('POST', '/task', task);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.task_id as string;
  };
  const settled = async (type: string, outcome: string) => {
    const text = await registry.metrics();
    const line = new RegExp(`conveyor_task_processing_seconds_count\\{type="${type}",outcome="${outcome}"\\} (\\d+)`);
    return Number(line.exec(text)?.[1] ?? 0);
  };
  const deployment = prefix.slice(0, -1);
  /** The container running the task's program (the worker runs one at a time), once its loop has started. */
  const runningInContainer = async (taskId: string): Promise<string> => {
    const id = await until(async () => {
      if ((await call('GET', `/status/${taskId}`)).body.stage !== 'running') return undefined;
      const busy = await busySandboxes(deployment);
      return busy.length === 1 ? busy[0] : undefined;
    }, `task ${taskId} runs in a container`);
    await sleep(700);
    return id;
  };

  before(async () => {
    const env = {
      AMQP_URL,
      QUEUE_PREFIX: prefix,
      PORT: '0',
      BCRYPT_COST: '4',
      IMAGE_COST_BUDGET: String(10_000_000_000),
    };
    queue = createRabbitTaskQueue({ url: AMQP_URL, prefix, log, connectionName: `${prefix}stack` });
    await queue.declareTopology();
    registry = new Registry();
    const api = await startApi({ config: readApiConfig(env), queue, logger: log, registry });
    closers.push(api.close);
    // One task at a time per worker: a second code task waits in the queue behind the first.
    const workerEnv = { ...env, API_URL: api.address, HEALTH_PORT: '-1', CONCURRENCY: '1' };
    const code = await startCodeProcessor({ config: readCodeProcessorConfig(workerEnv), queue, log, registry });
    const image = await startImageProcessor({ config: readImageProcessorConfig(workerEnv), queue, log, registry });
    closers.push(code.close, image.close);
    await Promise.all([code.worker.listening(), image.worker.listening()]);
    base = api.address;
    const credentials = { username: `cancel-${randomUUID().slice(0, 8)}`, password: 'password123' };
    auth = {};
    await call('POST', '/register', credentials);
    auth = { authorization: `Bearer ${(await call('POST', '/login', credentials)).body.token}` };
  });

  after(async () => {
    for (const close of closers) await close();
    await queue.deleteTopology();
    await queue.close();
  });

  for (const [name, task] of [
    ['a Python', PYTHON_BUSY],
    ['a C', C_BUSY],
  ] as const) {
    test(`${name} busy loop: its container is killed within 1 s of the DELETE, then removed; failed/cancelled`, async () => {
      const before = await settled('code', 'cancelled');
      const id = await submit(task);
      const container = await runningInContainer(id);
      const sentAt = performance.now();
      const answer = await call('DELETE', `/task/${id}`);
      assert.equal(answer.status, 200);
      assert.equal(answer.body.status, 'failed');
      // Killed: no container of the task runs any more (its program is dead). Removing the stopped container
      // is the engine's work after that, slower on a loaded machine: waited for, and reported, not timed.
      await until(async () => ((await containerState(container)) !== 'running' ? true : undefined), 'it stops', 5000);
      const killedMs = performance.now() - sentAt;
      await until(async () => ((await containerState(container)) === 'gone' ? true : undefined), 'it is gone', 5000);
      const goneMs = performance.now() - sentAt;
      console.log(
        `# ${name} busy loop: killed ${Math.round(killedMs)} ms, removed ${Math.round(goneMs)} ms after the DELETE`,
      );
      await until(
        async () => ((await settled('code', 'cancelled')) === before + 1 ? true : undefined),
        'the worker acked it as cancelled',
      );
      assert.ok(killedMs < 1000, `the container was killed ${Math.round(killedMs)} ms after the DELETE`);
      const result = await call('GET', `/result/${id}`);
      assert.equal(result.body.error.code, 'cancelled');
      // Repeating it is harmless, and a finished task is 409.
      assert.deepEqual((await call('DELETE', `/task/${id}`)).body, answer.body);
    });
  }

  test('a queued task (behind a busy one on a worker of concurrency 1) never runs', async () => {
    const before = await settled('code', 'cancelled');
    const busy = await submit(PYTHON_BUSY);
    const busyContainer = await runningInContainer(busy);
    // Were it ever run, it would sleep in its sandbox for seconds, long enough to be seen.
    const queued = await submit({
      translator: 'python3',
      code: 'import time\nprint("should never run")\ntime.sleep(9)\n',
      limits: { time_ms: 10_000 },
    });
    assert.equal((await call('GET', `/status/${queued}`)).body.stage, 'queued');
    assert.equal((await call('DELETE', `/task/${queued}`)).status, 200);
    // Free the worker: it takes the cancelled task next, and must not run it.
    assert.equal((await call('DELETE', `/task/${busy}`)).status, 200);
    const others = new Set<string>();
    await until(async () => {
      for (const id of await busySandboxes(deployment)) if (id !== busyContainer) others.add(id);
      return (await settled('code', 'cancelled')) === before + 2 ? true : undefined;
    }, 'both deliveries are acked as cancelled');
    await sleep(1000);
    for (const id of await busySandboxes(deployment)) if (id !== busyContainer) others.add(id);
    assert.deepEqual([...others], [], 'no program ran for the queued task');
    assert.equal((await call('GET', `/result/${queued}`)).body.error.code, 'cancelled');
    const ready = await call('GET', `/result/${await submit({ translator: 'python3', code: 'print(2)' })}?wait=30`);
    assert.equal(ready.body.status, 'ready', 'the worker goes on with the next task');
  });

  test('a finished task answers 409 task_finished', async () => {
    const id = await submit({ translator: 'python3', code: 'print(1)' });
    assert.equal((await call('GET', `/status/${id}?wait=30`)).body.status, 'ready');
    const answer = await call('DELETE', `/task/${id}`);
    assert.equal(answer.status, 409);
    assert.equal(answer.body.error.code, 'task_finished');
  });

  test('an image task with a long chain stops at its next step, long before the chain’s end', async () => {
    const side = 1500;
    const image = await sharp({ create: { width: side, height: side, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const step = { name: 'Blur', parameters: { sigma: 12 } };
    // One step alone, for the time a step takes here.
    const oneAt = performance.now();
    const one = await submit({ filters: [step], image: image.toString('base64') });
    assert.equal((await call('GET', `/status/${one}?wait=60`)).body.status, 'ready');
    const stepMs = performance.now() - oneAt;

    const before = await settled('image', 'cancelled');
    const id = await submit({ filters: Array.from({ length: 10 }, () => step), image: image.toString('base64') });
    await until(
      async () => ((await call('GET', `/status/${id}`)).body.stage === 'running' ? true : undefined),
      'the chain runs',
    );
    await sleep(Math.min(1000, stepMs));
    const sentAt = performance.now();
    assert.equal((await call('DELETE', `/task/${id}`)).status, 200);
    await until(
      async () => ((await settled('image', 'cancelled')) === before + 1 ? true : undefined),
      'the worker stopped the chain and acked it as cancelled',
    );
    const stoppedMs = performance.now() - sentAt;
    console.log(
      `# image chain of 10 Blur(12) on ${side}x${side}: one step ${Math.round(stepMs)} ms; stopped ${Math.round(stoppedMs)} ms after the DELETE`,
    );
    assert.ok(stoppedMs < stepMs + 500, `stopped ${Math.round(stoppedMs)} ms after the DELETE (a step: ${stepMs} ms)`);
    assert.equal((await call('GET', `/result/${id}`)).body.error.code, 'cancelled');
  });
});
