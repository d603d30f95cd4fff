/**
 * The whole stack in one process, through real parts: the API over HTTP on a free port, RabbitMQ (a unique
 * name prefix per run, deleted afterwards), the code-processor on the real Docker engine and the
 * image-processor on sharp. A task goes in through POST /task and comes back through /commit.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readApiConfig, startApi } from '@conveyor/api';
import { readCodeProcessorConfig, startCodeProcessor } from '@conveyor/code-processor';
import { readImageProcessorConfig, startImageProcessor } from '@conveyor/image-processor';
import { createLogger, createRabbitTaskQueue, type RabbitTaskQueue } from '@conveyor/shared';
import { Registry } from 'prom-client';
import sharp from 'sharp';

const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const log = createLogger({ service: 'stack-test', level: process.env.TEST_LOG_LEVEL ?? 'silent', pretty: false });

interface Client {
  base: string;
  auth: Record<string, string>;
}

// The answers' shapes are what the assertions check; the test reads them as loosely typed JSON.
// biome-ignore lint/suspicious/noExplicitAny: JSON under test
type Json = Record<string, any>;

async function json(res: Response) {
  return { status: res.status, body: (await res.json()) as Json };
}

async function login(base: string): Promise<Client> {
  const credentials = { username: `stack-${randomUUID().slice(0, 8)}`, password: 'password123' };
  const headers = { 'content-type': 'application/json' };
  await fetch(`${base}/register`, { method: 'POST', headers, body: JSON.stringify(credentials) });
  const { body } = await json(
    await fetch(`${base}/login`, { method: 'POST', headers, body: JSON.stringify(credentials) }),
  );
  return { base, auth: { authorization: `Bearer ${body.token}` } };
}

async function submit(client: Client, task: object) {
  return json(
    await fetch(`${client.base}/task`, {
      method: 'POST',
      headers: { ...client.auth, 'content-type': 'application/json' },
      body: JSON.stringify(task),
    }),
  );
}

async function waitForResult(client: Client, taskId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await json(await fetch(`${client.base}/result/${taskId}`, { headers: client.auth }));
    if (res.status !== 202) return res;
    if (Date.now() > deadline) throw new Error(`task ${taskId} still in progress after ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe('the stack on RabbitMQ, Docker and sharp', () => {
  const prefix = `test-stack-${process.pid}-${Date.now().toString(36)}.`;
  let queue: RabbitTaskQueue;
  let client: Client;
  const closers: Array<() => Promise<unknown>> = [];

  before(async () => {
    const env = { AMQP_URL, QUEUE_PREFIX: prefix, PORT: '0', BCRYPT_COST: '4', DELIVERY_LIMIT: '2' };
    const apiConfig = readApiConfig(env);
    queue = createRabbitTaskQueue({ url: AMQP_URL, prefix, deliveryLimit: 2, log, connectionName: `${prefix}stack` });
    await queue.declareTopology();
    const registry = new Registry();
    const api = await startApi({ config: apiConfig, queue, logger: log, registry });
    closers.push(api.close);
    const workerEnv = { ...env, API_URL: api.address, HEALTH_PORT: '-1', CONCURRENCY: '2' };
    const code = await startCodeProcessor({ config: readCodeProcessorConfig(workerEnv), queue, log, registry });
    const image = await startImageProcessor({ config: readImageProcessorConfig(workerEnv), queue, log, registry });
    closers.push(code.close, image.close);
    client = await login(api.address);
  });

  after(async () => {
    for (const close of closers) await close();
    await queue.deleteTopology();
    await queue.close();
  });

  test('a C++ task with stdin comes back ready with its output', async () => {
    const code =
      '#include <iostream>\n#include <string>\nint main(){std::string s; std::cin >> s; std::cout << "got " << s << std::endl;}';
    const created = await submit(client, { translator: 'g++', code, stdin: 'conveyor' });
    assert.equal(created.status, 201);
    const { status, body } = await waitForResult(client, created.body.task_id);
    assert.equal(status, 200);
    assert.equal(body.status, 'ready');
    assert.equal(body.result.verdict, 'ok');
    assert.equal(body.result.stdout, 'got conveyor\n');
    assert.equal(body.result.compile.exit_code, 0);
  });

  test('a Python runtime error comes back ready with verdict runtime_error and the traceback', async () => {
    const created = await submit(client, { language: 'python', code: 'raise SystemExit("boom")' });
    const { body } = await waitForResult(client, created.body.task_id);
    assert.equal(body.status, 'ready');
    assert.equal(body.result.verdict, 'runtime_error');
    assert.equal(body.result.exit_code, 1);
    assert.match(body.result.stderr, /boom/);
  });

  test('an image task: FlipX then Negative, pixel by pixel, and viewable as image/png', async () => {
    const width = 5;
    const height = 3;
    const pixels = Buffer.alloc(width * height * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256;
    const input = await sharp(pixels, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer();
    const created = await submit(client, {
      filters: [{ name: 'FlipX' }, { name: 'negative' }],
      image: input.toString('base64'),
    });
    assert.equal(created.status, 201);
    const { body } = await waitForResult(client, created.body.task_id);
    assert.equal(body.status, 'ready');
    const out = await sharp(Buffer.from(body.result, 'base64')).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([out.info.width, out.info.height, out.info.channels], [width, height, 3]);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) {
          const expected = 255 - pixels[(y * width + (width - 1 - x)) * 3 + c]!;
          assert.equal(out.data[(y * width + x) * 3 + c], expected, `pixel ${x},${y} channel ${c}`);
        }
      }
    }
    const png = await fetch(`${client.base}/result/${created.body.task_id}?format=png`, { headers: client.auth });
    assert.equal(png.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await png.arrayBuffer()), Buffer.from(body.result, 'base64'));
  });

  test('a corrupt PNG (valid header, garbage data) ends failed with a clear error', async () => {
    const good = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const corrupt = Buffer.concat([good.subarray(0, 40), Buffer.alloc(64, 0xab)]);
    const created = await submit(client, { filter: { name: 'Blur' }, image: corrupt.toString('base64') });
    assert.equal(created.status, 201);
    const { status, body } = await waitForResult(client, created.body.task_id);
    assert.equal(status, 200);
    assert.equal(body.status, 'failed');
    assert.equal(body.result, null);
    assert.equal(body.error.code, 'invalid_image');
  });
});

describe('the API with the broker down', () => {
  test('POST /task is 503 quickly and leaves no task; /status and /readyz keep answering', async () => {
    const config = readApiConfig({
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:1',
      PORT: '0',
      BCRYPT_COST: '4',
      PUBLISH_TIMEOUT: '2s',
    });
    const queue = createRabbitTaskQueue({ url: config.queue.amqpUrl!, log, connectionName: 'conveyor-test-down' });
    const api = await startApi({ config, queue, logger: log, registry: new Registry() });
    try {
      const client = await login(api.address);
      const started = Date.now();
      const res = await submit(client, { translator: 'python3', code: 'print(1)' });
      assert.equal(res.status, 503);
      assert.equal(res.body.error.code, 'queue_unavailable');
      assert.ok(Date.now() - started < 3000, `503 within the publish timeout (took ${Date.now() - started} ms)`);
      const tasks = await json(await fetch(`${client.base}/tasks`, { headers: client.auth }));
      assert.deepEqual(tasks.body.tasks, []);
      const status = await fetch(`${client.base}/status/${randomUUID()}`, { headers: client.auth });
      assert.equal(status.status, 404);
      assert.equal((await fetch(`${client.base}/readyz`)).status, 503);
    } finally {
      await api.close();
      await queue.close();
    }
  });
});
