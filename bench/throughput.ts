/**
 * Code-task throughput (issue #12): N python tasks submitted at once, run by 2 sandboxes at a time: by one
 * code-processor process (CONCURRENCY=2) without the warm pool (SANDBOX_POOL_SIZE=0: the same-run baseline)
 * and with it (the default), then by two (CONCURRENCY=1 each, with their pools); tasks/s, p50 and p99 of
 * submit -> ready, and the peak RSS of the API and of the workers. Every service is its own process, as
 * deployed, on the local RabbitMQ (a unique queue prefix, deleted after) and Docker. Last, the ceiling: how
 * many sandbox containers Docker alone cycles per second, as many at a time (docker-churn.ts).
 *
 *   nice node --conditions=conveyor-src --import tsx bench/throughput.ts [tasks]
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, createRabbitTaskQueue } from '@conveyor/shared';
import { startBenchReport } from './bench-report.js';
import { benchUserHeaders } from './bench-user.js';
import { dockerChurn } from './docker-churn.js';
import { deployedEntry, rssMb, startService, stopService } from './service-process.js';

const TASKS = Number(process.argv[2] ?? 200);
const SANDBOXES = 2;
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const SANDBOX_IMAGE = process.env.SANDBOX_IMAGE || 'conveyor-sandbox:latest';
/** A fixed port of this bench's range (18600-18699). */
const API_PORT = 18611;
const dir = await mkdtemp(join(tmpdir(), 'conveyor-throughput-bench-'));
const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

interface Run {
  row: string;
  tasksPerSecond: number;
  p50: number;
}

async function run(processes: number, pool: boolean): Promise<Run> {
  const prefix = `bench-tp-${process.pid}-${processes}-${pool ? 'pool' : 'cold'}.`;
  const env = { AMQP_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', LOG_PRETTY: '0' };
  const base = `http://127.0.0.1:${API_PORT}`;
  const api = await startService(
    deployedEntry(process.cwd(), 'api'),
    // The bench is one client address with TASKS connections at once: no per-address cap (its default, 64,
    // refused the rest, which is why earlier runs could not go past 40 tasks).
    {
      ...env,
      PORT: String(API_PORT),
      BCRYPT_COST: '4',
      MAX_TASKS_IN_FLIGHT: String(TASKS),
      LONG_POLL_WAITERS_PER_USER: String(TASKS + 1),
      CONNECTIONS_PER_ADDRESS: '0',
    },
    join(dir, `api-${processes}.log`),
    `${base}/healthz`,
  );
  const workers: ChildProcess[] = [];
  try {
    for (let i = 0; i < processes; i++) {
      workers.push(
        await startService(
          deployedEntry(process.cwd(), 'code-processor'),
          {
            ...env,
            API_URL: base,
            SANDBOX_IMAGE,
            CONCURRENCY: String(SANDBOXES / processes),
            HEALTH_PORT: '-1',
            ...(pool ? {} : { SANDBOX_POOL_SIZE: '0' }),
          },
          join(dir, `worker-${processes}-${i}.log`),
        ),
      );
    }
    const headers = await benchUserHeaders(base);
    const submit = () =>
      fetch(`${base}/task`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ translator: 'python3', code: 'print(1)' }),
      });
    // One task first, so that every worker is up and the sandbox image is warm in the page cache.
    await waitReady(base, headers, await submit(), performance.now());
    const peak = { api: 0, workers: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        // A process that is gone (the run failed and is stopping) reads as 0 rather than hiding the failure.
        const rss = (pid: number) => rssMb(pid).catch(() => 0);
        peak.api = Math.max(peak.api, await rss(api.pid!));
        const sizes = await Promise.all(workers.map((w) => rss(w.pid!)));
        peak.workers = Math.max(
          peak.workers,
          sizes.reduce((a, b) => a + b, 0),
        );
        await sleep(200);
      }
    })();
    const started = performance.now();
    const latencies = await Promise.all(
      Array.from({ length: TASKS }, async () => {
        const at = performance.now();
        return waitReady(base, headers, await submit(), at);
      }),
    );
    const wall = performance.now() - started;
    sampling = false;
    await sampler;
    const tasksPerSecond = (TASKS * 1000) / wall;
    const p50 = quantile(latencies, 0.5);
    const row = `| ${processes} × CONCURRENCY=${SANDBOXES / processes}, ${pool ? 'warm pool' : 'no pool'} | ${tasksPerSecond.toFixed(1)} | ${p50.toFixed(0)} ms | ${quantile(latencies, 0.99).toFixed(0)} ms | ${peak.api.toFixed(0)} MB | ${peak.workers.toFixed(0)} MB |`;
    return { row, tasksPerSecond, p50 };
  } finally {
    await Promise.all(workers.map(stopService));
    await stopService(api);
    const log = createLogger({ service: 'bench', level: 'warn', pretty: false });
    const queue = createRabbitTaskQueue({ url: AMQP_URL, prefix, log, connectionName: `${prefix}cleanup` });
    await queue.declareTopology();
    await queue.deleteTopology();
    await queue.close();
  }
}

/**
 * Long-polls the task's status until it is final; its latency from `since`, in ms. (Polling in a loop, 200
 * clients every 20 ms, loaded the API it measured.)
 */
async function waitReady(base: string, headers: Record<string, string>, created: Response, since: number) {
  const { task_id } = (await created.json()) as { task_id?: string };
  if (!task_id) throw new Error(`POST /task: ${created.status}`);
  for (;;) {
    // Answered when the task is final, or with its status as it is after 30 s.
    const res = await fetch(`${base}/status/${task_id}?wait=30`, { headers });
    const { status } = (await res.json()) as { status: string };
    if (status === 'ready') return performance.now() - since;
    if (status !== 'in_progress') throw new Error(`task ${task_id}: ${status} (${res.status})`);
  }
}

const report = startBenchReport('throughput', 'Code-task throughput: two code-processors next to one');
try {
  console.log(
    `# ${TASKS} python tasks (print(1)) submitted at once, ${SANDBOXES} sandboxes at a time; load average ${loadavg()[0]!.toFixed(1)}\n`,
  );
  console.log('| code-processors | tasks/s | p50 | p99 | API peak RSS | workers peak RSS (sum) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const cold = await run(1, false);
  console.log(cold.row);
  const one = await run(1, true);
  console.log(one.row);
  const two = await run(2, true);
  console.log(two.row);
  const ceiling = await dockerChurn(SANDBOX_IMAGE, Math.min(TASKS, 40), SANDBOXES);
  console.log(
    `\nDocker alone, ${SANDBOXES} at a time: ${ceiling.toFixed(1)} sandbox containers created, started and removed per second (the ceiling of one container per task)`,
  );
  console.log(`\nload average at the end: ${loadavg()[0]!.toFixed(1)}`);
  await report.write(
    `${TASKS} python tasks (print(1)) submitted at once, ${SANDBOXES} sandboxes at a time: one code-processor with CONCURRENCY=${SANDBOXES} without and with the warm pool, then two with ${SANDBOXES / 2} each and the pool; peak memory in the bench's output`,
    [
      {
        name: 'warm pool, tasks/s',
        value: one.tasksPerSecond,
        unit: 'tasks/s',
        baseline: { name: 'no pool', value: cold.tasksPerSecond },
      },
      {
        name: 'warm pool, latency p50',
        value: one.p50,
        unit: 'ms',
        baseline: { name: 'no pool', value: cold.p50 },
      },
      {
        name: 'warm pool, tasks/s, against the machine',
        value: one.tasksPerSecond,
        unit: 'tasks/s',
        baseline: { name: 'Docker alone, containers/s', value: ceiling },
      },
      {
        name: 'two code-processors, tasks/s',
        value: two.tasksPerSecond,
        unit: 'tasks/s',
        baseline: { name: 'one', value: one.tasksPerSecond },
      },
    ],
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
