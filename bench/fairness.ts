/**
 * Fairness between users: how long user B's one task waits to start while user A has a backlog. A stand-in
 * worker (SLOTS tasks at once, each TASK_MS long) consumes the in-process queue behind the real API; A posts
 * 100 tasks, then B posts one. Measured with one lane (every task in the rest lane, as before the lanes: the
 * publisher drops the API's lane) and with the two lanes, each with the per-user in-flight cap off (1000)
 * and at its default (20), against a baseline measured in the same run: B alone, on an idle queue.
 *
 * With AMQP_URL set, the same on that RabbitMQ (a unique queue prefix per run, deleted after).
 *
 *   node --conditions=conveyor-src --import tsx bench/fairness.ts
 *   AMQP_URL=amqp://guest:guest@127.0.0.1:5672 node --conditions=conveyor-src --import tsx bench/fairness.ts
 */
import {
  createInProcessTaskQueue,
  createLogger,
  createRabbitTaskQueue,
  decodeTaskMessage,
  type TaskPublisher,
  type TaskQueue,
} from '@conveyor/shared';
import { Registry } from 'prom-client';
import { createApiServer } from '../packages/api/src/api-server.js';
import { readApiConfig } from '../packages/api/src/config.js';
import { startBenchReport } from './bench-report.js';

const SLOTS = 2;
const TASK_MS = 200;
const BACKLOG = 100;
const log = createLogger({ service: 'bench', level: 'silent' });
const code = { translator: 'python3', code: 'print(1)' };
const AMQP_URL = process.env.AMQP_URL;
let runs = 0;

/** The queue of one measurement, and how to close it (on RabbitMQ, deleting its queues; consumers closed first). */
async function openQueue(): Promise<{ queue: TaskQueue; close: () => Promise<void> }> {
  if (!AMQP_URL) {
    const queue = createInProcessTaskQueue({ log });
    return { queue, close: () => queue.close() };
  }
  const prefix = `${process.env.BENCH_QUEUE_PREFIX ?? 'bench-fair'}-${process.pid}-${++runs}.`;
  const queue = createRabbitTaskQueue({ url: AMQP_URL, prefix, log, connectionName: `${prefix}bench` });
  await queue.declareTopology();
  return {
    queue,
    close: async () => {
      await queue.deleteTopology();
      await queue.close();
    },
  };
}

async function waitForB(cap: number, backlog: number, lanes: boolean): Promise<{ waitMs: number; admitted: number }> {
  const { queue, close } = await openQueue();
  // One lane: the publisher ignores the lane the API chose, so every task queues in the rest lane.
  const oneLane: TaskPublisher = { ...queue.publisher, publish: (message) => queue.publisher.publish(message) };
  const { app } = await createApiServer({
    config: readApiConfig({ BCRYPT_COST: '4', MAX_TASKS_IN_FLIGHT: String(cap) }),
    publisher: lanes ? queue.publisher : oneLane,
    control: queue.control,
    logger: log,
    registry: new Registry(),
  });
  const tokens: Record<string, string> = {};
  for (const name of ['user-a', 'user-b']) {
    await app.inject({ method: 'POST', url: '/register', payload: { username: name, password: 'password123' } });
    const res = await app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: name, password: 'password123' },
    });
    tokens[name] = res.json().token;
  }
  // When each task started; B's may start before its POST has returned.
  const startedAt = new Map<string, number>();
  const consumer = queue.consume(
    'code',
    async (delivery) => {
      const decoded = decodeTaskMessage(delivery.body);
      if (!decoded.ok) throw new Error('undecodable task message');
      const { message } = decoded;
      startedAt.set(message.task_id, performance.now());
      await new Promise((r) => setTimeout(r, TASK_MS));
      // The stand-in worker commits as a real one does, which frees A's place under the cap.
      await app.inject({
        method: 'POST',
        url: '/commit',
        headers: { authorization: `Bearer ${message.commit_token}` },
        payload: { task_id: message.task_id, status: 'failed', error: { code: 'bench', message: 'done' } },
      });
      return 'ack';
    },
    { prefetch: SLOTS },
  );
  const post = (user: string) =>
    app.inject({ method: 'POST', url: '/task', headers: { authorization: `Bearer ${tokens[user]}` }, payload: code });
  let admitted = 0;
  for (let i = 0; i < backlog; i++) if ((await post('user-a')).statusCode === 201) admitted++;
  const posted = performance.now();
  const bTask = (await post('user-b')).json().task_id as string;
  while (!startedAt.has(bTask)) await new Promise((r) => setTimeout(r, 5));
  const waitMs = startedAt.get(bTask)! - posted;
  await consumer.close();
  await close();
  await app.close();
  return { waitMs, admitted };
}

const report = startBenchReport('fairness', "Fairness between users: B's first task behind A's backlog");
const baseline = await waitForB(1000, 0, true);
console.log(`worker: ${SLOTS} slots, ${TASK_MS} ms a task; A posts ${BACKLOG}, then B posts 1`);
console.log(`baseline (idle queue): B starts after ${baseline.waitMs.toFixed(0)} ms`);
const waits = new Map<string, number>();
for (const lanes of [false, true]) {
  for (const cap of [1000, 20]) {
    const { waitMs, admitted } = await waitForB(cap, BACKLOG, lanes);
    const name = `${lanes ? 'two lanes' : 'one lane'}, cap ${cap === 1000 ? 'off' : cap}`;
    waits.set(name, waitMs);
    console.log(
      `${name}: A had ${admitted} admitted; B starts after ${waitMs.toFixed(0)} ms = ` +
        `${(waitMs / TASK_MS).toFixed(2)} task durations (${(waitMs / Math.max(1, baseline.waitMs)).toFixed(0)}x baseline)`,
    );
  }
}
// The goal: about one task duration per worker slot; the lanes aim at one task duration in all.
const figure = (cap: string) => ({
  name: `B waits, two lanes, cap ${cap}`,
  value: waits.get(`two lanes, cap ${cap}`)!,
  unit: 'ms',
  baseline: { name: `one lane, cap ${cap}`, value: waits.get(`one lane, cap ${cap}`)! },
  target: { on: 'value' as const, max: TASK_MS },
});
await report.write(
  `${SLOTS} worker slots, ${TASK_MS} ms tasks; A posts ${BACKLOG}, then B one; ${AMQP_URL ? 'RabbitMQ' : 'the in-process queue'}; ` +
    `one lane = every task in the rest lane (as before the lanes); B alone on an idle queue: ${baseline.waitMs.toFixed(0)} ms`,
  [figure('20'), figure('off')],
);
