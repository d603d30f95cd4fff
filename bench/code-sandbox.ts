/**
 * Latency of python and C hello world through the SandboxRunner, next to `docker run --rm` of the same
 * program in the same run (the baseline). Prints medians of RUNS sequential runs after one warm-up.
 *
 *   node --conditions=conveyor-src --import tsx bench/code-sandbox.ts [runs]
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { SandboxRunner } from '@conveyor/code-processor';
import Docker from 'dockerode';
import { type Figure, startBenchReport } from './bench-report.js';
import { helloPrograms } from './hello-programs.js';

const run = promisify(execFile);
const RUNS = Number(process.argv[2] ?? 10);
const image = process.env.SANDBOX_IMAGE || 'conveyor-sandbox:latest';
const runner = new SandboxRunner({ docker: new Docker(), workerId: `bench-${randomUUID()}`, image });

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
const method = `median of ${RUNS} runs each, sequential, image ${image}`;
console.log(method);
for (const { name, task, dockerRun } of cases) {
  const viaRunner = async () => {
    const result = await runner.run(task, { taskId: randomUUID() });
    if (result.stdout !== 'hello\n') throw new Error(`unexpected result ${JSON.stringify(result)}`);
  };
  const viaDockerRun = async () => {
    const { stdout } = await run('docker', dockerRun);
    if (stdout !== 'hello\n') throw new Error(`unexpected docker run output ${JSON.stringify(stdout)}`);
  };
  await viaRunner();
  await viaDockerRun();
  const runnerTimes: number[] = [];
  const dockerTimes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    runnerTimes.push(await timed(viaRunner));
    dockerTimes.push(await timed(viaDockerRun));
  }
  const ours = median(runnerTimes);
  const baseline = median(dockerTimes);
  figures.push({
    name: `${name}, p50`,
    value: ours,
    unit: 'ms',
    baseline: { name: 'docker run --rm', value: baseline },
  });
  console.log(
    `${name.padEnd(14)} runner ${ours.toFixed(0).padStart(5)} ms   docker run --rm ${baseline.toFixed(0).padStart(5)} ms   ratio ${(ours / baseline).toFixed(2)}`,
  );
}
await report.write(method, figures);
