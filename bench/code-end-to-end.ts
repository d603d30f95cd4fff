/**
 * End-to-end latency of code tasks: POST /task → RabbitMQ → code-processor → Docker → POST /commit → the
 * result ready at GET /result, for python and C hello world, next to `docker run --rm` of the same program
 * measured in the same run (the baseline); then the throughput of N tasks submitted at once.
 * Starts the API and a code-processor in this process on the local RabbitMQ (a unique prefix, deleted after).
 *
 *   node --conditions=conveyor-src --import tsx bench/code-end-to-end.ts [runs] [parallel]
 *   SANDBOX_POOL_SIZE=0 ...      # the same without the warm pool (every task creates its container)
 */
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import { readApiConfig, startApi } from '@conveyor/api';
import { readCodeProcessorConfig, startCodeProcessor } from '@conveyor/code-processor';
import { createLogger, createRabbitTaskQueue } from '@conveyor/shared';
import { Registry } from 'prom-client';
import { type Figure, startBenchReport } from './bench-report.js';
import { longPoll } from './bench-user.js';
import { helloPrograms } from './hello-programs.js';

const execFileAsync = promisify(execFile);
const RUNS = Number(process.argv[2] ?? 15);
const PARALLEL = Number(process.argv[3] ?? 16);
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const IMAGE = process.env.SANDBOX_IMAGE || 'conveyor-sandbox:latest';
const POOL = process.env.SANDBOX_POOL_SIZE ? { SANDBOX_POOL_SIZE: process.env.SANDBOX_POOL_SIZE } : {};

const prefix = `bench-${process.pid}.`;
const log = createLogger({ service: 'bench', level: 'warn', pretty: false });
const env = { AMQP_URL, QUEUE_PREFIX: prefix, PORT: '0', BCRYPT_COST: '4', LOG_LEVEL: 'warn' };
const queue = createRabbitTaskQueue({ url: AMQP_URL, prefix, log, connectionName: `${prefix}bench` });
await queue.declareTopology();
const registry = new Registry();
const api = await startApi({ config: readApiConfig(env), queue, logger: log, registry });
const code = await startCodeProcessor({
  config: readCodeProcessorConfig({ ...env, ...POOL, API_URL: api.address, HEALTH_PORT: '-1' }),
  queue,
  log,
  registry,
});

const base = api.address;
const credentials = JSON.stringify({ username: 'bench-user', password: 'password123' });
const jsonHeaders = { 'content-type': 'application/json' };
await fetch(`${base}/register`, { method: 'POST', headers: jsonHeaders, body: credentials });
const { token } = (await (
  await fetch(`${base}/login`, { method: 'POST', headers: jsonHeaders, body: credentials })
).json()) as {
  token: string;
};
const headers = { ...jsonHeaders, authorization: `Bearer ${token}` };

/** Submits a task and long-polls its result; resolves with the verdict once ready. */
async function endToEnd(task: object): Promise<string> {
  const created = (await (
    await fetch(`${base}/task`, { method: 'POST', headers, body: JSON.stringify(task) })
  ).json()) as {
    task_id: string;
  };
  const res = await longPoll(base, headers, `/result/${created.task_id}`);
  return ((await res.json()) as { result: { verdict: string } }).result.verdict;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

const cases = helloPrograms(IMAGE);

const report = startBenchReport('code-end-to-end', 'Code tasks end to end next to `docker run --rm`');
const figures: Figure[] = [];
const method = `code tasks end to end (API → RabbitMQ → code-processor → Docker → /commit), ${RUNS} runs each, interleaved with \`docker run --rm\` of the same program, after a warm-up; warm pool of ${POOL.SANDBOX_POOL_SIZE ?? 'CONCURRENCY'}`;
console.log(`${method}; load average ${loadavg()[0]!.toFixed(1)}`);
console.log('| program | end to end p50 | p90 | `docker run --rm` p50 | ratio p50 |');
console.log('|---|---|---|---|---|');
for (const { name, task, dockerRun: docker, targetRatio } of cases) {
  const verdict = await endToEnd(task);
  if (verdict !== 'ok') throw new Error(`${name}: verdict ${verdict}`);
  await execFileAsync('docker', docker);
  const e2e: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Interleaved, so both see the same machine load.
    e2e.push(await timed(() => endToEnd(task)));
    baseline.push(await timed(() => execFileAsync('docker', docker)));
  }
  const ratio = quantile(e2e, 0.5) / quantile(baseline, 0.5);
  for (const q of [0.5, 0.9]) {
    figures.push({
      name: `${name}, p${q * 100}`,
      value: quantile(e2e, q),
      unit: 'ms',
      baseline: { name: `docker run --rm p${q * 100}`, value: quantile(baseline, q) },
      ...(q === 0.5 ? { target: { on: 'ratio', max: targetRatio } as const } : {}),
    });
  }
  console.log(
    `| ${name} | ${quantile(e2e, 0.5).toFixed(0)} ms | ${quantile(e2e, 0.9).toFixed(0)} ms | ${quantile(baseline, 0.5).toFixed(0)} ms | ${ratio.toFixed(2)}x |`,
  );
}

const concurrency = code.worker.concurrency;
const wall = await timed(() => Promise.all(Array.from({ length: PARALLEL }, () => endToEnd(cases[0]!.task))));
figures.push({
  name: `${PARALLEL} python tasks at once, ${concurrency} sandboxes`,
  value: (PARALLEL * 1000) / wall,
  unit: 'tasks/s',
});
await report.write(method, figures);
console.log(
  `\nthroughput: ${PARALLEL} python tasks at once, ${concurrency} sandboxes at a time: ${wall.toFixed(0)} ms, ${((PARALLEL * 1000) / wall).toFixed(1)} tasks/s`,
);

await api.close();
await code.close();
await queue.deleteTopology();
await queue.close();
