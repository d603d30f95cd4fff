/**
 * Latency of python and C hello world through the SandboxRunner, next to `docker run --rm` of the same
 * program in the same run (the baseline): a cold container per task, a warm one from the pool, and a warm
 * one whose memory the task changes (`docker update` before it starts) next to a cold one made with that
 * memory. Prints medians of RUNS sequential runs after one warm-up, the variants interleaved so that all
 * see the same load.
 *
 *   node --conditions=conveyor-src --import tsx bench/code-sandbox.ts [runs]
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import {
  DEFAULT_SANDBOX_LIMITS,
  DockerSandboxEngine,
  pooledSandboxSpec,
  SandboxPool,
  SandboxRunner,
} from '@conveyor/code-processor';
import type { CodeTaskPayload } from '@conveyor/shared';
import Docker from 'dockerode';
import { type Figure, startBenchReport } from './bench-report.js';
import { helloPrograms } from './hello-programs.js';

const run = promisify(execFile);
const RUNS = Number(process.argv[2] ?? 10);
const image = process.env.SANDBOX_IMAGE || 'conveyor-sandbox:latest';
const docker = new Docker();
const engine = new DockerSandboxEngine(docker);
const workerId = `bench-${randomUUID()}`;
const deployment = `bench-${process.pid}`;
const pool = new SandboxPool({
  engine,
  spec: pooledSandboxSpec({ image, deployment, workerId, limits: DEFAULT_SANDBOX_LIMITS }),
  size: 1,
});
pool.start();
const cold = new SandboxRunner({ docker, engine, workerId, deployment, image });
const warm = new SandboxRunner({ docker, engine, pool, workerId, deployment, image });
/** Not the pool's memory (the default): a pooled container gets it with `docker update`. */
const OTHER_MEMORY = { memory_mb: DEFAULT_SANDBOX_LIMITS.memoryMb.default / 2 };

const cases = helloPrograms(image);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const report = startBenchReport('code-sandbox', 'Sandbox latency: the SandboxRunner next to `docker run --rm`');
const figures: Figure[] = [];
const method = `median of ${RUNS} runs each, sequential, image ${image}; cold: a container made for the task; warm: from the pool`;

/** Waits (up to 5 s) for the pool's replacement, so a warm run is measured warm, as an idle worker's is. */
async function poolReady() {
  for (let i = 0; i < 250 && pool.ready < 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

console.log(`${method}, load average ${loadavg()[0]!.toFixed(1)}`);
console.log(
  '| program | cold | warm (pool) | warm + docker update | cold, same memory | `docker run --rm` | warm ÷ docker run | cold ÷ docker run |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const { name, task, dockerRun } of cases) {
  const other: CodeTaskPayload = { ...task, limits: OTHER_MEMORY };
  const via = (runner: SandboxRunner, payload: CodeTaskPayload) => async () => {
    if (runner === warm) await poolReady();
    const started = performance.now();
    const result = await runner.run(payload, { taskId: randomUUID() });
    if (result.stdout !== 'hello\n') throw new Error(`unexpected result ${JSON.stringify(result)}`);
    return performance.now() - started;
  };
  const viaDockerRun = () =>
    timed(async () => {
      const { stdout } = await run('docker', dockerRun);
      if (stdout !== 'hello\n') throw new Error(`unexpected docker run output ${JSON.stringify(stdout)}`);
    });
  const variants = [via(cold, task), via(warm, task), via(warm, other), via(cold, other), viaDockerRun];
  for (const variant of variants) await variant();
  const times: number[][] = variants.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [k, variant] of variants.entries()) times[k]!.push(await variant());
  }
  const [c, w, wu, cu, d] = times.map(median) as [number, number, number, number, number];
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  const dockerRunP50 = { name: 'docker run --rm', value: d };
  figures.push(
    { name: `${name}, cold, p50`, value: c, unit: 'ms', baseline: dockerRunP50 },
    { name: `${name}, warm (pool), p50`, value: w, unit: 'ms', baseline: dockerRunP50 },
    { name: `${name}, warm + docker update, p50`, value: wu, unit: 'ms', baseline: dockerRunP50 },
  );
  console.log(
    `| ${name} | ${ms(c)} | ${ms(w)} | ${ms(wu)} | ${ms(cu)} | ${ms(d)} | ${(w / d).toFixed(2)} | ${(c / d).toFixed(2)} |`,
  );
}
await report.write(method, figures);
await pool.close();
