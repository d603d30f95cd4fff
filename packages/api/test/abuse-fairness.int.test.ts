/**
 * Fairness between users (issue #16), on the real RabbitMQ: user A has 100 tasks queued and user B submits
 * one; B's task starts within about one task duration, because it is B's only task in flight and goes to the
 * queue's first lane, which the worker takes before A's backlog in the rest lane. The real API (listening,
 * so the worker commits over HTTP) and the real worker runtime with 2 slots and a stand-in handler of
 * TASK_MS a task. The per-user cap is raised so A's 100 are all admitted. Own queue prefix, deleted after.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommitClient, createLogger, createRabbitTaskQueue, Worker } from '@conveyor/shared';
import { Registry } from 'prom-client';
import { createApiServer } from '../src/api-server.js';
import { readApiConfig } from '../src/config.js';

const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const TASK_MS = 1000;
const SLOTS = 2;
const BACKLOG = 100;

describe('abuse: fairness between users (RabbitMQ)', () => {
  const prefix = `${process.env.TEST_QUEUE_PREFIX ?? 'fairness'}-${randomBytes(4).toString('hex')}.`;
  const log = createLogger({ service: 'fairness-test', level: 'silent' });
  const apiQueue = createRabbitTaskQueue({ url: AMQP_URL, log, prefix, connectionName: `${prefix}api` });
  const workerQueue = createRabbitTaskQueue({ url: AMQP_URL, log, prefix, connectionName: `${prefix}worker` });
  const cleanup: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
    await apiQueue.deleteTopology().catch(() => {});
    await workerQueue.close();
    await apiQueue.close();
  });

  test(`A has ${BACKLOG} tasks queued; B's one task starts within about one task duration`, async () => {
    await apiQueue.declareTopology();
    const { app } = await createApiServer({
      config: readApiConfig({ BCRYPT_COST: '4', MAX_TASKS_IN_FLIGHT: String(BACKLOG + 10) }),
      publisher: apiQueue.publisher,
      control: apiQueue.control,
      logger: log,
      registry: new Registry(),
    });
    cleanup.push(() => app.close());
    const apiUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    const auth: Record<string, Record<string, string>> = {};
    for (const name of ['user-a', 'user-b']) {
      await app.inject({ method: 'POST', url: '/register', payload: { username: name, password: 'password123' } });
      const login = await app.inject({
        method: 'POST',
        url: '/login',
        payload: { username: name, password: 'password123' },
      });
      auth[name] = { authorization: `Bearer ${login.json().token}` };
    }
    const post = async (user: string) => {
      const res = await app.inject({
        method: 'POST',
        url: '/task',
        headers: auth[user],
        payload: { translator: 'python3', code: 'print(1)' },
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().task_id as string;
    };

    const startedAt = new Map<string, number>();
    const worker = new Worker({
      type: 'code',
      queue: workerQueue,
      committer: new CommitClient({ apiUrl, timeoutMs: 5000 }),
      log,
      concurrency: SLOTS,
      handler: async (message, context) => {
        startedAt.set(message.task_id, performance.now());
        await sleep(TASK_MS, undefined, { signal: context.signal }).catch(() => {});
        return { status: 'failed', error: { code: 'fairness_test', message: 'stand-in task' } };
      },
    });
    cleanup.push(() => worker.close(100));
    worker.run();

    for (let i = 0; i < BACKLOG; i++) await post('user-a');
    // A's backlog is queued (minus what the two slots took) before B posts.
    const posted = performance.now();
    const bTask = await post('user-b');
    const deadline = posted + 10 * TASK_MS;
    while (!startedAt.has(bTask) && performance.now() < deadline) await sleep(10);
    const startedA = [...startedAt.keys()].filter((id) => id !== bTask).length;
    assert.ok(startedAt.has(bTask), `B's task had not started after ${10 * TASK_MS} ms (A's started: ${startedA})`);
    const waitMs = startedAt.get(bTask)! - posted;
    process.stdout.write(
      `# B's task started ${waitMs.toFixed(0)} ms after its POST (${(waitMs / TASK_MS).toFixed(2)} task durations; ` +
        `${startedA} of A's ${BACKLOG} had started)\n`,
    );
    // A slot frees at most one task duration after B's post; the rest is the machine's overhead.
    assert.ok(waitMs < 2 * TASK_MS, `B waited ${waitMs.toFixed(0)} ms`);
    assert.ok(startedA < BACKLOG / 2, 'A still had a backlog when B started');
  });
});
