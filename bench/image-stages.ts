/**
 * Where an image task's time goes (issue #12), stage by stage, next to the baseline of sharp doing the same
 * filter PNG -> PNG in-process, measured in the same run:
 *
 * - POST /task -> 201, and inside it: the intake alone (parseTaskBody: base64, PNG check, re-encoding) and
 *   a publish + broker confirm alone (the same message, published directly);
 * - queue wait: from the 201 to the delivery at the worker (negative: delivered before the client had its 201);
 * - the worker: message decode (JSON), the `running` commit (alongside the work, as the worker runs the image
 *   handler), PNG decode, filter, PNG encode, or the three in one libvips pass where the handler takes it
 *   (one-pass.ts), base64;
 * - the final commit (POST /commit: transfer and store);
 * - the client's read (GET /result as JSON, as the course client reads it, and as PNG).
 *
 * The real API on the local RabbitMQ (a unique queue prefix, deleted after) and a stand-in image worker on
 * its own connection that runs the same steps as the image-processor's handler, timing each.
 *
 * Alongside, in the same runs, the stack as deployed: the API and the image-processor as their own processes
 * (each package's compiled main.js, as its image runs it, on a queue prefix of their own), and a client that
 * posts the task and long-polls GET /result?wait=30 for it, as a client that wants the result soonest does. Its end to end is what the
 * issue's target is about; the stand-in's stages say where that time goes.
 *
 * STORE=pg puts both APIs on PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres;
 * schemas of their own, dropped after) instead of their RAM store.
 *
 *   nice node --conditions=conveyor-src --import tsx bench/image-stages.ts [runs]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readApiConfig, startApi } from '@conveyor/api';
import {
  applyFilters,
  decodePng,
  encodePng,
  filterPngInOnePass,
  inOnePass,
  PNG_ENCODE_OPTIONS,
  splitDecodeSteps,
} from '@conveyor/image-processor';
import {
  CommitClient,
  createLogger,
  createRabbitTaskQueue,
  decodeBase64,
  decodeTaskMessage,
  type FilterStep,
  isFieldError,
  readPngHeader,
  TASK_MESSAGE_SCHEMA_VERSION,
} from '@conveyor/shared';
import postgres from 'postgres';
import { Registry } from 'prom-client';
import sharp, { type Sharp } from 'sharp';
import { parseTaskBody } from '../packages/api/src/tasks/task-intake.js';
import { type Figure, startBenchReport } from './bench-report.js';
import { benchUserHeaders } from './bench-user.js';
import { deployedEntry, startService, stopService } from './service-process.js';

const RUNS = Number(process.argv[2] ?? 15);
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const prefix = `bench-stages-${process.pid}.`;
const log = createLogger({ service: 'bench', level: 'warn', pretty: false });
const STORE = process.env.STORE === 'pg' ? 'pg' : 'ram';
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schemas = [0, 1, 2].map(() => `bench_stages_${randomBytes(4).toString('hex')}`);
const storeEnv = (i: number): Record<string, string> =>
  STORE === 'pg' ? { DATABASE_URL, DATABASE_SCHEMA: schemas[i]! } : {};
const env = { AMQP_URL, QUEUE_PREFIX: prefix, PORT: '0', BCRYPT_COST: '4', LOG_LEVEL: 'warn', ...storeEnv(0) };
const config = readApiConfig(env);
const apiQueue = createRabbitTaskQueue({ url: AMQP_URL, prefix, log, connectionName: `${prefix}api` });
const workerQueue = createRabbitTaskQueue({ url: AMQP_URL, prefix, log, connectionName: `${prefix}worker` });
await apiQueue.declareTopology();
await workerQueue.declareTopology();
const api = await startApi({ config, queue: apiQueue, logger: log, registry: new Registry() });
const base = api.address;
const committer = new CommitClient({ apiUrl: base, attempts: 1 });
const limits = { maxPixels: config.maxImagePixels };
const intakeLimits = {
  image: { maxBytes: config.maxImageBytes, maxPixels: config.maxImagePixels },
  imageCostBudget: config.imageCostBudget,
};

type Stage =
  | 'message decode'
  | 'commit running'
  | 'PNG decode'
  | 'filter'
  | 'PNG encode'
  | 'one pass: PNG decode, filter, PNG encode'
  | 'base64 result'
  | 'commit result';
type Timings = Partial<Record<Stage, number>> & { deliveredAt?: number; committedAt?: number };
const timings = new Map<string, Timings>();
/** Resolved when the worker's final commit has been answered, by task id. */
const committed = new Map<string, () => void>();

async function timed<T>(record: Timings, stage: Stage, fn: () => Promise<T> | T): Promise<T> {
  const started = performance.now();
  const value = await fn();
  record[stage] = performance.now() - started;
  return value;
}

/** The stand-in worker: what the image-processor does with a delivery, stage by stage. */
const consumer = workerQueue.consume(
  'image',
  async (delivery) => {
    const deliveredAt = performance.now();
    const record: Timings = { deliveredAt };
    const decoded = await timed(record, 'message decode', () => decodeTaskMessage(delivery.body));
    if (!decoded.ok || decoded.message.type !== 'image') return 'ack'; // the direct publishes: not tasks
    const { task_id, commit_token, payload } = decoded.message;
    timings.set(task_id, record);
    // As the worker does for the image handler (startsBeforeRunning): the work alongside the running commit.
    const running = timed(record, 'commit running', () =>
      committer.commit(commit_token, { task_id, status: 'running' }),
    );
    const work = async () => {
      // As the handler does: the whole chain in one libvips pass when it can; else Negative and the flips at
      // the head of the chain while decoding, the rest after.
      const bytes = decodeBase64(payload.image)!;
      const { decode, rest } = splitDecodeSteps(payload.filters);
      if (inOnePass(readPngHeader(bytes)!, bytes.length, rest)) {
        return timed(record, 'one pass: PNG decode, filter, PNG encode', () =>
          filterPngInOnePass(bytes, { ...limits, steps: decode }),
        );
      }
      const image = await timed(record, 'PNG decode', () => decodePng(bytes, { ...limits, steps: decode }));
      const filtered = await timed(record, 'filter', () => applyFilters(image, rest));
      return timed(record, 'PNG encode', () => encodePng(filtered));
    };
    const [, png] = await Promise.all([running, work()]);
    const result = await timed(record, 'base64 result', () => png.toString('base64'));
    await timed(record, 'commit result', () => committer.commit(commit_token, { task_id, status: 'ready', result }));
    record.committedAt = performance.now();
    committed.get(task_id)?.();
    return 'ack';
  },
  { prefetch: 1 },
);

const headers = await benchUserHeaders(base);

/** A port the OS has free now, for a service started as its own process. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface DeployedStack {
  label: string;
  base: string;
  headers: Record<string, string>;
  /** CPU time its API and image-processor have used so far, in ms each. */
  cpuMs(): Promise<{ api: number; worker: number }>;
  stop(): Promise<void>;
}

/** A Linux process's CPU time (user + system, every thread) in ms, from /proc/PID/stat. */
async function cpuMsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/**
 * The stack as deployed: the API and the image-processor as their own processes, run from the source tree
 * `tree` (this one, or COMPARE_WITH's), on a queue prefix and a store of their own.
 */
async function startDeployed(label: string, tree: string, storeIndex: number): Promise<DeployedStack> {
  const stackPrefix = `bench-stages-${process.pid}-${label}.`;
  const port = await freePort();
  const stackBase = `http://127.0.0.1:${port}`;
  const stackEnv = { AMQP_URL, QUEUE_PREFIX: stackPrefix, LOG_LEVEL: 'warn', LOG_PRETTY: '0', ...storeEnv(storeIndex) };
  const stackApi = await startService(
    deployedEntry(tree, 'api'),
    { ...stackEnv, PORT: String(port), BCRYPT_COST: '4' },
    join(logDir, `${label}-api.log`),
    `${stackBase}/healthz`,
  );
  const stackWorker = await startService(
    deployedEntry(tree, 'image-processor'),
    { ...stackEnv, API_URL: stackBase, HEALTH_PORT: '-1' },
    join(logDir, `${label}-image-processor.log`),
  );
  return {
    label,
    base: stackBase,
    headers: await benchUserHeaders(stackBase),
    cpuMs: async () => ({ api: await cpuMsOf(stackApi.pid!), worker: await cpuMsOf(stackWorker.pid!) }),
    stop: async () => {
      await stopService(stackWorker);
      await stopService(stackApi);
      const queue = createRabbitTaskQueue({
        url: AMQP_URL,
        prefix: stackPrefix,
        log,
        connectionName: `${prefix}cleanup`,
      });
      await queue.declareTopology();
      await queue.deleteTopology();
      await queue.close();
    },
  };
}

const logDir = await mkdtemp(join(tmpdir(), 'conveyor-image-stages-'));
/** COMPARE_WITH=/path/to/another/worktree: its deployed stack too, alternated with this tree's run by run. */
const COMPARE_WITH = process.env.COMPARE_WITH;
const stacks = [await startDeployed('deployed', process.cwd(), 1)];
if (COMPARE_WITH) stacks.push(await startDeployed('compared', COMPARE_WITH, 2));

/** A smooth RGBA picture (gradients, a varying alpha): it compresses as photographs of few details do. */
async function smoothPicture(width: number, height: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      data[p] = (x * 255) / width;
      data[p + 1] = (y * 255) / height;
      data[p + 2] = ((x + y) * 127) / (width + height) + 64;
      data[p + 3] = 96 + (x * 159) / width;
    }
  }
  return sharp(data, { raw: { width, height, channels: 4 } })
    .png(PNG_ENCODE_OPTIONS)
    .toBuffer();
}

const END_TO_END = 'end to end: POST /task -> the result committed -> GET /result JSON read';
const endToEndOf = (label: string) => `${label}, end to end: POST /task -> GET /result?wait=30 JSON read`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function stagesOf(name: string, png: Buffer, filters: FilterStep[], sharpOp: (s: Sharp) => Sharp) {
  const body = JSON.stringify({ filters, image: png.toString('base64') });
  const rows = new Map<string, number[]>();
  let sharpCpuMs = 0;
  const cpuAtStart = new Map<string, { api: number; worker: number }>();
  const add = (stage: string, ms: number) => rows.set(stage, [...(rows.get(stage) ?? []), ms]);
  for (let i = 0; i <= RUNS; i++) {
    const warm = i === 0;
    // The intake and a publish + confirm alone, on the same body and a message of the same size.
    let started = performance.now();
    const payload = parseTaskBody(JSON.parse(body), intakeLimits);
    const intake = performance.now() - started;
    if (isFieldError(payload)) throw new Error(`intake: ${payload.message}`);
    started = performance.now();
    await apiQueue.publisher.publish({
      schema_version: TASK_MESSAGE_SCHEMA_VERSION + 1000, // the stand-in worker skips it
      task_id: randomUUID(),
      commit_token: 'x'.repeat(43),
      created_at: new Date().toISOString(),
      ...payload,
    });
    const publish = performance.now() - started;
    // The task itself.
    const baseline = await (async () => {
      const t = performance.now();
      const cpu = process.cpuUsage();
      await sharpOp(sharp(png)).png(PNG_ENCODE_OPTIONS).toBuffer();
      const used = process.cpuUsage(cpu);
      if (!warm) sharpCpuMs += (used.user + used.system) / 1000;
      return performance.now() - t;
    })();
    started = performance.now();
    const res = await fetch(`${base}/task`, { method: 'POST', headers, body });
    const { task_id: taskId } = (await res.json()) as { task_id: string };
    const created = performance.now();
    // Waiting on the worker's side instead of polling, which would compete with it for this process.
    if (!timings.get(taskId)?.committedAt) await new Promise<void>((resolve) => committed.set(taskId, resolve));
    committed.delete(taskId);
    let t = performance.now();
    const json = await fetch(`${base}/result/${taskId}?format=json`, { headers });
    const parsed = (await json.json()) as { result: string };
    const readJson = performance.now() - t;
    if (typeof parsed.result !== 'string') throw new Error('no base64 result');
    t = performance.now();
    await (await fetch(`${base}/result/${taskId}?format=png`, { headers })).arrayBuffer();
    const readPng = performance.now() - t;
    const ready = t; // when the JSON result had been read
    // The same task through the stack as deployed (and the compared one), the client long-polling for it.
    const deployedRuns: { label: string; created: number; read: number }[] = [];
    for (const stack of i % 2 === 0 ? stacks : [...stacks].reverse()) {
      const deployedStarted = performance.now();
      const posted = await fetch(`${stack.base}/task`, { method: 'POST', headers: stack.headers, body });
      const { task_id: deployedId } = (await posted.json()) as { task_id: string };
      const deployedCreated = performance.now();
      const answer = await fetch(`${stack.base}/result/${deployedId}?format=json&wait=30`, { headers: stack.headers });
      const answered = (await answer.json()) as { result?: unknown };
      const deployedRead = performance.now();
      if (answer.status !== 200 || typeof answered.result !== 'string') {
        throw new Error(`${stack.label}: GET /result answered ${answer.status} without a result`);
      }
      deployedRuns.push({
        label: stack.label,
        created: deployedCreated - deployedStarted,
        read: deployedRead - deployedCreated,
      });
    }
    if (warm) {
      for (const stack of stacks) cpuAtStart.set(stack.label, await stack.cpuMs());
      continue;
    }
    const record = timings.get(taskId)!;
    add('POST /task -> 201', created - started);
    add('  intake alone (base64, PNG check, re-encode)', intake);
    add('  publish + confirm alone', publish);
    add('queue wait (201 -> delivery)', record.deliveredAt! - created);
    for (const stage of [
      'message decode',
      'commit running',
      'PNG decode',
      'filter',
      'PNG encode',
      'one pass: PNG decode, filter, PNG encode',
      'base64 result',
      'commit result',
    ] as const) {
      if (record[stage] !== undefined) add(`worker: ${stage}`, record[stage]);
    }
    add('client: GET /result JSON', readJson);
    add('client: GET /result PNG', readPng);
    add(END_TO_END, ready - started);
    for (const run of deployedRuns) {
      add(`${run.label}: POST /task -> 201`, run.created);
      add(`${run.label}: 201 -> result read (long-poll)`, run.read);
      add(endToEndOf(run.label), run.created + run.read);
    }
    add('baseline: sharp PNG -> PNG in-process, same filter', baseline);
  }
  console.log(`\n## ${name} (PNG ${png.length} bytes; p50 of ${RUNS} runs)\n`);
  console.log('| stage | p50 ms |\n|---|---:|');
  for (const [stage, values] of rows) console.log(`| ${stage} | ${median(values).toFixed(1)} |`);
  const e2e = median(rows.get(END_TO_END)!);
  const baseline = median(rows.get('baseline: sharp PNG -> PNG in-process, same filter')!);
  console.log(`\nend to end over the baseline: +${(e2e - baseline).toFixed(1)} ms (target: <= 20 ms over the filter)`);
  console.log(`CPU per picture (ms, all threads): sharp in-process ${(sharpCpuMs / RUNS).toFixed(1)}`);
  for (const stack of stacks) {
    const deployed = median(rows.get(endToEndOf(stack.label))!);
    const before = cpuAtStart.get(stack.label)!;
    const after = await stack.cpuMs();
    console.log(
      `${stack.label} end to end over the baseline: +${(deployed - baseline).toFixed(1)} ms; CPU per task (ms): API ${((after.api - before.api) / RUNS).toFixed(1)}, image-processor ${((after.worker - before.worker) / RUNS).toFixed(1)}`,
    );
    if (stack.label !== 'deployed') continue;
    figures.push({
      name: `${name}: deployed (own processes, long-poll), p50`,
      value: deployed,
      unit: 'ms',
      baseline: { name: 'sharp in-process, same filter', value: baseline },
      target: { on: 'difference', max: 20 },
    });
  }
  figures.push({
    name: `${name}: end to end, p50`,
    value: e2e,
    unit: 'ms',
    baseline: { name: 'sharp in-process, same filter', value: baseline },
    target: { on: 'difference', max: 20 },
  });
}

const report = startBenchReport('image-stages', 'Image tasks end to end next to sharp in-process');
const figures: Figure[] = [];
console.log('# Image task stages (shared 2-CPU machine, loaded by other work while this ran)');
const negative: FilterStep[] = [{ name: 'Negative', parameters: {} }];
await stagesOf('Negative, 1280x720 RGBA, smooth', await smoothPicture(1280, 720), negative, (s) =>
  s.negate({ alpha: false }),
);

await report.write(
  `POST /task → RabbitMQ → the image handler → /commit → GET /result, p50 of ${RUNS} runs, ${STORE === 'pg' ? 'PostgreSQL' : 'RAM'} store; deployed: the API and the image-processor as their own processes, the client long-polling; in-process: a stand-in worker timing each stage (the table is in the bench's output)`,
  figures,
);
await consumer.close();
await api.close();
await workerQueue.close();
await apiQueue.deleteTopology();
await apiQueue.close();
for (const stack of stacks) await stack.stop();
await rm(logDir, { recursive: true, force: true });
if (STORE === 'pg') {
  const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  for (const schema of schemas) await admin.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}
