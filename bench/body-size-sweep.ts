/**
 * Regression bench for the "step at ~20 KB" (issue #12): the time of POST /task (201, after the broker's
 * confirm) for request bodies from 1 KB to 10 MiB, and of a worker's POST /commit and the client's
 * GET /result for results of the same sizes. Each p50 is printed with its ratio to the 1 KB size measured in
 * the same run, and the difference: each sized request alternates with one of 1 KB, and the table gives both p50s and their
 * difference. A size step (Nagle's algorithm meeting delayed ACKs on some socket) shows as a jump of ~40 ms
 * in the difference between two neighbouring sizes.
 *
 * The real API on the local RabbitMQ, under a unique queue prefix deleted afterwards. Code tasks up to the
 * code cap (64 KiB), image tasks (a noisy PNG, Negative) above. A stand-in worker on its own connection takes
 * every message, acks it at once (so the broker holds nothing) and keeps its commit token for the commit part.
 *
 *   nice node --conditions=conveyor-src --import tsx bench/body-size-sweep.ts [runs]
 */
import { readApiConfig, startApi } from '@conveyor/api';
import {
  CommitClient,
  createLogger,
  createRabbitTaskQueue,
  decodeTaskMessage,
  TASK_TYPES,
  type TaskConsumer,
} from '@conveyor/shared';
import { Registry } from 'prom-client';
import sharp from 'sharp';
import { type Figure, startBenchReport } from './bench-report.js';
import { benchUserHeaders } from './bench-user.js';

const RUNS = Number(process.argv[2] ?? 15);
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const KiB = 1024;
const MiB = 1024 * KiB;
const CODE_CAP = 64 * KiB;

const prefix = `bench-sweep-${process.pid}.`;
const log = createLogger({ service: 'bench', level: 'warn', pretty: false });
const env = {
  AMQP_URL,
  QUEUE_PREFIX: prefix,
  PORT: '0',
  BCRYPT_COST: '4',
  LOG_LEVEL: 'warn',
  // The stand-in worker never finishes tasks: every one stays in flight.
  MAX_TASKS_IN_FLIGHT: '1000000',
};
const apiQueue = createRabbitTaskQueue({ url: AMQP_URL, prefix, log, connectionName: `${prefix}api` });
const workerQueue = createRabbitTaskQueue({ url: AMQP_URL, prefix, log, connectionName: `${prefix}worker` });
await apiQueue.declareTopology();
await workerQueue.declareTopology();
const api = await startApi({ config: readApiConfig(env), queue: apiQueue, logger: log, registry: new Registry() });

/** Commit tokens of the tasks the stand-in worker received, by task id. */
const tokens = new Map<string, string>();
const waiting = new Map<string, () => void>();
const consumers: TaskConsumer[] = TASK_TYPES.map((type) =>
  workerQueue.consume(
    type,
    async (delivery) => {
      const decoded = decodeTaskMessage(delivery.body);
      if (decoded.ok) {
        tokens.set(decoded.message.task_id, decoded.message.commit_token);
        waiting.get(decoded.message.task_id)?.();
      }
      return 'ack';
    },
    { prefetch: 8 },
  ),
);

const base = api.address;
const headers = await benchUserHeaders(base);

/** A PNG of about `bytes` bytes: noise compresses to nothing, so its size is about its raw size. */
async function noisyPng(bytes: number): Promise<Buffer> {
  const width = 512;
  const height = Math.max(1, Math.round(bytes / (width * 3)));
  const raw = Buffer.alloc(width * height * 3);
  let seed = 2463534242;
  for (let i = 0; i < raw.length; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    raw[i] = seed & 0xff;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

/** A POST /task body of about `bytes` bytes: python code up to the code cap, an image task above it. */
async function taskBody(bytes: number): Promise<{ kind: string; body: string }> {
  if (bytes <= CODE_CAP - 128) {
    const envelope = JSON.stringify({ translator: 'python3', code: '' }).length;
    const line = `# ${'x'.repeat(61)}\n`;
    const code = `print(1)\n${line.repeat(Math.ceil(bytes / line.length))}`.slice(0, bytes - envelope - 2);
    return { kind: 'code', body: JSON.stringify({ translator: 'python3', code }) };
  }
  const png = await noisyPng(((bytes - 100) * 3) / 4);
  return { kind: 'image', body: JSON.stringify({ filter: { name: 'Negative' }, image: png.toString('base64') }) };
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const runsFor = (bytes: number) => (bytes >= MiB ? Math.max(3, Math.ceil(RUNS / 3)) : RUNS);
const sizeLabel = (bytes: number) => (bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KB`);

async function postTask(body: string): Promise<string> {
  const res = await fetch(`${base}/task`, { method: 'POST', headers, body });
  const answer = (await res.json()) as { task_id?: string };
  if (res.status !== 201 || !answer.task_id) throw new Error(`POST /task: ${res.status} ${JSON.stringify(answer)}`);
  return answer.task_id;
}

/** The commit token of a task, once the stand-in worker has it. */
async function commitTokenOf(taskId: string): Promise<string> {
  if (!tokens.has(taskId)) await new Promise<void>((resolve) => waiting.set(taskId, resolve));
  waiting.delete(taskId);
  return tokens.get(taskId)!;
}

const sizes = [4, 8, 16, 20, 24, 32, 48, 60, 128, 512].map((k) => k * KiB).concat([1, 4, 10].map((m) => m * MiB));
const committer = new CommitClient({ apiUrl: base, attempts: 1 });
/** A small image task, for the commit and read parts. */
const small = JSON.stringify({ filter: { name: 'Negative' }, image: (await noisyPng(1000)).toString('base64') });

interface Sample {
  post: number;
  commit: number;
  read: number;
}

/** POST /task with `body`, then a POST /commit of `result` (to a small image task) and its GET /result. */
async function sample(body: string, result: string): Promise<Sample> {
  const [post] = await timed(() => postTask(body));
  // The task committed to is small, so only the commit's own size counts.
  const imageTask = await postTask(small);
  const commitToken = await commitTokenOf(imageTask);
  const [commit, answer] = await timed(() =>
    committer.commit(commitToken, { task_id: imageTask, status: 'ready', result }),
  );
  if (answer.kind !== 'accepted') throw new Error(`commit: ${JSON.stringify(answer)}`);
  const [read] = await timed(async () => {
    const res = await fetch(`${base}/result/${imageTask}?format=json`, { headers });
    if (res.status !== 200) throw new Error(`GET /result: ${res.status}`);
    return res.arrayBuffer();
  });
  return { post, commit, read };
}

/** A task body and an image result of about `bytes` bytes each. */
async function inputsOf(bytes: number) {
  const task = await taskBody(bytes);
  // The commit carries an image result of the same size (a PNG's base64, as a worker sends it).
  const result = (await noisyPng(((bytes - 100) * 3) / 4)).toString('base64');
  return { ...task, result };
}

const report = startBenchReport('body-size-sweep', 'Request sizes: each size next to 1 KB alongside');
const figures: Figure[] = [];
const baseline = await inputsOf(KiB);
console.log(
  `# POST /task, POST /commit and GET /result by body size: p50 of ${RUNS} runs (${runsFor(MiB)} from 1 MiB), each run next to one of 1 KB\n`,
);
console.log('(shared 2-CPU machine, loaded by other work while this ran: compare a row with its own 1 KB figure)\n');
console.log(
  '| body | task | POST /task: p50, 1 KB alongside | ÷ 1 KB | +ms | POST /commit | ÷ 1 KB | +ms | GET /result | ÷ 1 KB | +ms |',
);
console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const size of sizes) {
  const sized = await inputsOf(size);
  const ofSize: Sample[] = [];
  const ofBaseline: Sample[] = [];
  for (let i = 0; i < runsFor(size) + 1; i++) {
    // Alternated, so that both see the same load; the first pair warms up.
    const a = await sample(baseline.body, baseline.result);
    const b = await sample(sized.body, sized.result);
    if (i === 0) continue;
    ofBaseline.push(a);
    ofSize.push(b);
  }
  const cells = (['post', 'commit', 'read'] as const).map((key) => {
    const mine = median(ofSize.map((s) => s[key]));
    const theirs = median(ofBaseline.map((s) => s[key]));
    const leg = { post: 'POST /task', commit: 'POST /commit', read: 'GET /result' }[key];
    figures.push({
      name: `${leg}, ${sizeLabel(size)}`,
      value: mine,
      unit: 'ms',
      baseline: { name: '1 KB', value: theirs },
    });
    return `${mine.toFixed(1)}, ${theirs.toFixed(1)} ms | ${(mine / theirs).toFixed(2)}x | ${(mine - theirs).toFixed(1)}`;
  });
  console.log(`| ${sizeLabel(size)} (${sized.body.length} B) | ${sized.kind} | ${cells.join(' | ')} |`);
}

await report.write(
  `POST /task, POST /commit (an image result of the same size) and GET /result of it by body size, p50 of ${RUNS} runs (${runsFor(MiB)} from 1 MiB), each run alternated with one of 1 KB`,
  figures,
);
await api.close();
await Promise.all(consumers.map((c) => c.close()));
await workerQueue.close();
await apiQueue.deleteTopology();
await apiQueue.close();
