/**
 * A worker stand-in for fault tests: runs one task through a SandboxRunner and reports, one JSON line at a
 * time on stdout, each state of the job (with the container's id), then the result or the error. The test can
 * then SIGSTOP or SIGKILL this process at a known point.
 * Argument: JSON { workerId, image, task }.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@conveyor/shared';
import Docker from 'dockerode';
import { SandboxRunner } from '../../src/index.js';

const { workerId, image, task } = JSON.parse(process.argv[2] ?? '{}');
const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);
const log = {
  debug: (fields: { sandbox_state?: string; container?: string }) => {
    if (fields.sandbox_state) say({ event: 'state', state: fields.sandbox_state, container: fields.container });
  },
  info: () => {},
  warn: () => {},
  error: () => {},
} as unknown as Logger;
const runner = new SandboxRunner({ docker: new Docker(), workerId, image, log, attempts: 1 });
try {
  const result = await runner.run(task, { taskId: randomUUID() });
  say({ event: 'result', result });
} catch (error) {
  say({ event: 'error', message: (error as Error).message });
}
