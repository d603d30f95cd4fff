/**
 * The API on its PostgreSQL store next to its RAM store, in the same run, over real HTTP on loopback:
 * - GET /status requests per second (CONCURRENCY clients, DURATION_MS), the target: PG ≥ 0.5× RAM;
 * - POST /task latency p50 (one client, sequential), target: PG within 3 ms of RAM;
 * - long-poll wake-up: median time from a worker's final commit (sent over HTTP) to the waiting client's
 *   answer (`GET /status/{id}?wait=30`), target < 20 ms on both.
 * The publisher is a stand-in that confirms at once, so the figures are the API and its store alone.
 *
 *   node --conditions=conveyor-src --import tsx bench/store-api.ts
 *   (PostgreSQL from TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; a schema of
 *   its own, dropped at the end)
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createInProcessControlBus, createLogger, type TaskMessage, type TaskPublisher } from '@conveyor/shared';
import postgres from 'postgres';
import { Registry } from 'prom-client';
import { createApiServer } from '../packages/api/src/api-server.js';
import { readApiConfig } from '../packages/api/src/config.js';
import { startBenchReport } from './bench-report.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CONCURRENCY = 16;
const DURATION_MS = 4000;
const POSTS = 400;
const WAKES = 60;

class ConfirmingPublisher implements TaskPublisher {
  readonly tokens = new Map<string, string>();
  async publish(message: TaskMessage): Promise<void> {
    this.tokens.set(message.task_id, message.commit_token);
  }
  isReady(): boolean {
    return true;
  }
  async close(): Promise<void> {}
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(label: string, env: Record<string, string>) {
  const publisher = new ConfirmingPublisher();
  const { app, waiters } = await createApiServer({
    config: readApiConfig({ BCRYPT_COST: '4', MAX_TASKS_IN_FLIGHT: '100000', LOG_LEVEL: 'silent', ...env }),
    publisher,
    control: createInProcessControlBus(),
    logger: createLogger({ service: 'bench', level: 'silent' }),
    registry: new Registry(),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const json = { 'content-type': 'application/json' };
  await fetch(`${base}/register`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ username: 'bench', password: 'password123' }),
  });
  const login = await fetch(`${base}/login`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ username: 'bench', password: 'password123' }),
  });
  const auth = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
  const post = async () => {
    const res = await fetch(`${base}/task`, {
      method: 'POST',
      headers: { ...auth, ...json },
      body: JSON.stringify({ translator: 'python3', code: 'print(1)' }),
    });
    if (res.status !== 201) throw new Error(`POST /task: ${res.status}`);
    return ((await res.json()) as { task_id: string }).task_id;
  };

  // POST /task, one at a time (after a warm-up).
  for (let i = 0; i < 50; i++) await post();
  const postMs: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < POSTS; i++) {
    const started = performance.now();
    ids.push(await post());
    postMs.push(performance.now() - started);
  }

  // GET /status, CONCURRENCY clients for DURATION_MS.
  let done = 0;
  const until = performance.now() + DURATION_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, c) => {
      for (let i = c; performance.now() < until; i += CONCURRENCY) {
        const res = await fetch(`${base}/status/${ids[i % ids.length]}`, { headers: auth });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`GET /status: ${res.status}`);
        done++;
      }
    }),
  );
  const statusRps = done / (DURATION_MS / 1000);

  // Long-poll wake-up: the commit goes out, the waiting client's answer comes back.
  const wakeMs: number[] = [];
  for (let i = 0; i < WAKES; i++) {
    const id = ids[i]!;
    let answeredAt = 0;
    const waiting = fetch(`${base}/status/${id}?wait=30`, { headers: auth }).then(async (res) => {
      await res.arrayBuffer();
      answeredAt = performance.now();
    });
    while (waiters.waiting < 1) await new Promise((r) => setTimeout(r, 1));
    const committedAt = performance.now();
    const commit = await fetch(`${base}/commit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${publisher.tokens.get(id)}`, ...json },
      body: JSON.stringify({ task_id: id, status: 'failed', error: { code: 'bench', message: 'bench' } }),
    });
    await commit.arrayBuffer();
    await waiting;
    wakeMs.push(answeredAt - committedAt);
  }
  await app.close();
  const result = { label, statusRps, postP50: median(postMs), wakeP50: median(wakeMs) };
  console.log(
    `${label.padEnd(10)} GET /status ${statusRps.toFixed(0).padStart(6)} req/s   POST /task p50 ${result.postP50.toFixed(2)} ms   long-poll wake p50 ${result.wakeP50.toFixed(2)} ms`,
  );
  return result;
}

const report = startBenchReport('store-api', "The API's PostgreSQL store next to its RAM store");
const schema = `bench_${randomBytes(4).toString('hex')}`;
const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
try {
  const ram = await measure('RAM', {});
  const pg = await measure('PostgreSQL', { DATABASE_URL, DATABASE_SCHEMA: schema });
  console.log(
    `PostgreSQL / RAM: GET /status ${(pg.statusRps / ram.statusRps).toFixed(2)}x (target >= 0.5x); ` +
      `POST /task p50 ${(pg.postP50 - ram.postP50).toFixed(2)} ms slower (target <= 3 ms); ` +
      `wake p50 RAM ${ram.wakeP50.toFixed(2)} ms, PG ${pg.wakeP50.toFixed(2)} ms (target < 20 ms)`,
  );
  await report.write(
    `the API over HTTP on loopback, its PostgreSQL store then its RAM store: GET /status with ${CONCURRENCY} clients for ${DURATION_MS / 1000} s, ${POSTS} POST /task one at a time, ${WAKES} long-poll wake-ups (a worker's final commit to a waiting ?wait=30 client's answer)`,
    [
      {
        name: 'GET /status, PostgreSQL',
        value: pg.statusRps,
        unit: 'req/s',
        baseline: { name: 'RAM', value: ram.statusRps },
        target: { on: 'ratio', min: 0.5 },
      },
      {
        name: 'POST /task p50, PostgreSQL',
        value: pg.postP50,
        unit: 'ms',
        baseline: { name: 'RAM', value: ram.postP50 },
        target: { on: 'difference', max: 3 },
      },
      {
        name: 'long-poll wake p50, PostgreSQL',
        value: pg.wakeP50,
        unit: 'ms',
        baseline: { name: 'RAM', value: ram.wakeP50 },
        target: { on: 'value', max: 20 },
      },
    ],
  );
} finally {
  await admin.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}
