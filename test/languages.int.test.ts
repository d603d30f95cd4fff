/**
 * GET /languages matches the sandbox image, through real parts: the API and a code-processor on separate
 * RabbitMQ connections (as separate processes would be; a unique `hlang` prefix, deleted afterwards) and the
 * real Docker engine. Each version equals what the image prints for that translator's version command (run
 * here with the Docker CLI); the limits are the worker's own settings; with no code worker left, a fresh API
 * still answers 200 within the question's timeout, with null versions. Then the same in embedded mode (the
 * in-process queue, as `npm start` runs).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readApiConfig, startApi } from '@conveyor/api';
import { readCodeProcessorConfig, startCodeProcessor } from '@conveyor/code-processor';
import {
  createInProcessTaskQueue,
  createLogger,
  createRabbitTaskQueue,
  type LanguagesResponse,
  type TaskQueue,
  TRANSLATORS,
  translatorEntry,
} from '@conveyor/shared';
import { Registry } from 'prom-client';
import { imageSays } from '../packages/code-processor/test/image-says.js';

const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const IMAGE = process.env.SANDBOX_IMAGE || 'conveyor-sandbox:latest';
const log = createLogger({ service: 'languages-test', level: process.env.TEST_LOG_LEVEL ?? 'silent', pretty: false });

async function languages(base: string): Promise<{ status: number; body: LanguagesResponse; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${base}/languages`);
  return { status: res.status, body: (await res.json()) as LanguagesResponse, ms: performance.now() - started };
}

async function waitFor<T>(what: string, get: () => T | null, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('GET /languages against the sandbox image', () => {
  const prefix = `hlang-${process.pid}-${Date.now().toString(36)}.`;
  const closers: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  });

  function rabbitQueue(name: string): TaskQueue {
    const queue = createRabbitTaskQueue({ url: AMQP_URL, prefix, log, connectionName: `${prefix}${name}` });
    closers.push(() => queue.close());
    return queue;
  }

  async function api(queue: TaskQueue) {
    const env = { AMQP_URL, QUEUE_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', BCRYPT_COST: '4' };
    const started = await startApi({ config: readApiConfig(env), queue, logger: log, registry: new Registry() });
    closers.push(started.close);
    return started;
  }

  test('on RabbitMQ: the versions are the image’s, the limits the worker’s; with no worker, 200 and null versions', async () => {
    const admin = createRabbitTaskQueue({ url: AMQP_URL, prefix, log, connectionName: `${prefix}admin` });
    await admin.declareTopology();
    closers.push(async () => {
      await admin.deleteTopology();
      await admin.close();
    });
    const first = await api(rabbitQueue('api'));
    const workerEnv = {
      AMQP_URL,
      QUEUE_PREFIX: prefix,
      API_URL: first.address,
      HEALTH_PORT: '-1',
      SANDBOX_IMAGE: IMAGE,
      // Not the defaults, so the answer shows they come from the worker.
      RUN_TIME_LIMIT: '4s',
      MEMORY_CAP_MB: '768',
    };
    const code = await startCodeProcessor({
      config: readCodeProcessorConfig(workerEnv),
      queue: rabbitQueue('code'),
      log,
      registry: new Registry(),
    });
    let codeClosed = false;
    closers.push(async () => {
      if (!codeClosed) await code.close();
    });
    const probeStarted = performance.now();
    await waitFor('the worker to read its image', () => code.catalogue());
    console.log(`worker probe done ${Math.round(performance.now() - probeStarted)} ms after start`);

    const answered = await languages(first.address);
    console.log(`GET /languages (asks the worker): ${Math.round(answered.ms)} ms`);
    assert.equal(answered.status, 200);
    assert.notEqual(answered.body.probed_at, null);
    assert.deepEqual(
      answered.body.translators.map((t) => t.name),
      TRANSLATORS,
    );
    for (const entry of answered.body.translators) {
      assert.equal(entry.version, await imageSays(IMAGE, translatorEntry(entry.name).version), entry.name);
      assert.deepEqual(entry.limits.time_ms, { default: 4000, max: 15_000 });
      assert.deepEqual(entry.limits.memory_mb, { default: 256, max: 768 });
    }
    const cached = await languages(first.address);
    console.log(`GET /languages (cached): ${Math.round(cached.ms)} ms`);
    assert.deepEqual(cached.body, answered.body);

    // No code worker any more: a fresh API (nothing cached) still answers, within the 2 s question.
    await code.close();
    codeClosed = true;
    const second = await api(rabbitQueue('api2'));
    const alone = await languages(second.address);
    console.log(`GET /languages (no worker): ${Math.round(alone.ms)} ms`);
    assert.equal(alone.status, 200);
    assert.equal(alone.body.probed_at, null);
    assert.ok(alone.body.translators.every((t) => t.version === null));
    assert.ok(alone.ms < 3_000, `answered after ${Math.round(alone.ms)} ms`);
  });

  test('embedded (in-process queue, as `npm start`): the same versions', async () => {
    const queue = createInProcessTaskQueue({ log });
    closers.push(() => queue.close());
    const started = await api(queue);
    const code = await startCodeProcessor({
      config: readCodeProcessorConfig({ API_URL: started.address, HEALTH_PORT: '-1', SANDBOX_IMAGE: IMAGE }),
      queue,
      log,
      registry: new Registry(),
    });
    closers.push(code.close);
    await waitFor('the worker to read its image', () => code.catalogue());
    const { status, body } = await languages(started.address);
    assert.equal(status, 200);
    const gcc = body.translators.find((t) => t.name === 'gcc')!;
    assert.equal(gcc.version, await imageSays(IMAGE, ['gcc', '--version']));
    assert.ok(body.translators.every((t) => t.version !== null));
  });
});
