/**
 * A code task with 20 tests (compiled once, 20 runs in one sandbox) next to 20 separate one-test tasks of
 * the same C program (20 sandboxes, 20 compiles), in the same run, through the SandboxRunner. The ratio is
 * the one-task total over the separate tasks' total; the target is at most 0.5.
 *
 *   node --conditions=conveyor-src --import tsx bench/code-tests.ts [rounds]
 */
import { randomUUID } from 'node:crypto';
import { SandboxRunner } from '@conveyor/code-processor';
import { type CodeTaskPayload, isFieldError, parseCodeTask } from '@conveyor/shared';
import Docker from 'dockerode';
import { startBenchReport } from './bench-report.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const TESTS = 20;
const image = process.env.SANDBOX_IMAGE || 'conveyor-sandbox:latest';
const runner = new SandboxRunner({ docker: new Docker(), workerId: `bench-${randomUUID()}`, image });

const code =
  '#include <stdio.h>\nint main(void) { long n; while (scanf("%ld", &n) == 1) printf("%ld\\n", n * n); return 0; }\n';
const tests = Array.from({ length: TESTS }, (_, i) => ({ stdin: `${i}\n`, expected_output: `${i * i}\n` }));

function task(body: Record<string, unknown>): CodeTaskPayload {
  const parsed = parseCodeTask({ translator: 'gcc', code, ...body });
  if (isFieldError(parsed)) throw new Error(parsed.message);
  return parsed;
}

async function oneTaskWithTests(): Promise<void> {
  const result = await runner.run(task({ tests }), { taskId: randomUUID() });
  if (result.verdict !== 'ok' || result.passed !== TESTS) throw new Error(`unexpected ${JSON.stringify(result)}`);
}

async function separateTasks(): Promise<void> {
  for (const test of tests) {
    const result = await runner.run(task({ tests: [test] }), { taskId: randomUUID() });
    if (result.verdict !== 'ok') throw new Error(`unexpected ${JSON.stringify(result)}`);
  }
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const report = startBenchReport('code-tests', 'A task with tests next to one task per test');
await oneTaskWithTests();
const method = `${TESTS} tests of a C program, ${ROUNDS} rounds, sequential, image ${image}; the round with the median ratio`;
console.log(method);
const rounds: { together: number; apart: number }[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const together = await timed(oneTaskWithTests);
  const apart = await timed(separateTasks);
  rounds.push({ together, apart });
  console.log(
    `round ${round}: one task with ${TESTS} tests ${together.toFixed(0).padStart(6)} ms   ${TESTS} one-test tasks ${apart.toFixed(0).padStart(6)} ms   ratio ${(together / apart).toFixed(2)}`,
  );
}
const middle = [...rounds].sort((a, b) => a.together / a.apart - b.together / b.apart)[rounds.length >> 1]!;
console.log(`median ratio ${(middle.together / middle.apart).toFixed(2)} (target: at most 0.50)`);
await report.write(method, [
  {
    name: `one task with ${TESTS} tests`,
    value: middle.together,
    unit: 'ms',
    baseline: { name: `${TESTS} one-test tasks`, value: middle.apart },
    target: { on: 'ratio', max: 0.5 },
  },
]);
