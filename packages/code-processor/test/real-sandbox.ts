/**
 * A SandboxRunner on the real Docker engine and sandbox image (SANDBOX_IMAGE) for integration tests, fed
 * through the shared contract as the API and the worker feed it; the suite's containers are swept after it.
 */
import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { isFieldError, parseCodeTask } from '@conveyor/shared';
import Docker from 'dockerode';
import { SandboxRunner, SandboxSweeper } from '../src/index.js';

export function realSandbox(suite: string) {
  const docker = new Docker();
  const image = process.env.SANDBOX_IMAGE || 'conveyor-sandbox:latest';
  const workerId = `test-${suite}-${randomUUID()}`;
  const runner = new SandboxRunner({ docker, workerId, image });
  after(async () => {
    await new SandboxSweeper({
      docker,
      deployment: runner.deployment,
      workerId,
      image,
      working: () => new Set(),
    }).sweep({ all: true });
  });
  /** Runs a task body (as POST /task takes it) to its result. */
  async function run(body: Record<string, unknown>) {
    const task = parseCodeTask(body);
    if (isFieldError(task)) throw new Error(`${task.field}: ${task.message}`);
    return runner.run(task, { taskId: randomUUID() });
  }
  return { runner, run };
}
