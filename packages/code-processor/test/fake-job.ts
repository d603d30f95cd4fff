/** A SandboxJob of a small python (or gcc) task on the fake engine, for the unit tests of the job and the pool. */
import { limitsForTask } from '../src/sandbox/limits.js';
import { SandboxJob, type SandboxJobHooks } from '../src/sandbox/sandbox-job.js';
import { TRANSLATOR_SPECS } from '../src/sandbox/translators.js';
import type { FakeEngine } from './fake-sandbox-engine.js';

export function fakeJob(
  engine: FakeEngine,
  options: { translator?: 'python3' | 'gcc'; memoryMb?: number; timeMs?: number; outputBytes?: number } = {},
  hooks: SandboxJobHooks = {},
) {
  const limits = limitsForTask({ memory_mb: options.memoryMb, time_ms: options.timeMs });
  if (options.outputBytes) limits.outputBytes = options.outputBytes;
  return new SandboxJob(
    engine,
    {
      taskId: 'task-1',
      deployment: 'test',
      workerId: 'worker-1',
      image: 'conveyor-sandbox:test',
      translator: TRANSLATOR_SPECS[options.translator ?? 'python3'],
      code: 'print("hi")\n',
      stdin: 'input',
      limits,
    },
    hooks,
  );
}
