/** The code task handler on the real Docker engine and sandbox image (SANDBOX_IMAGE). */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import Docker from 'dockerode';
import { createCodeTaskHandler, SandboxRunner } from '../src/index.js';
import { taskContext as context, codeTaskMessage as message } from './code-task-message.js';

const image = process.env.SANDBOX_IMAGE || 'conveyor-sandbox:latest';
const handler = createCodeTaskHandler(
  new SandboxRunner({ docker: new Docker(), workerId: `test-${randomUUID()}`, image }),
);

describe('code task handler on Docker', () => {
  test('runs a valid task to a ready result', async () => {
    const outcome = await handler(
      message({ translator: 'gcc', code: 'int main(void){return 4;}', stdin: '', limits: {} }),
      context,
    );
    assert.equal(outcome.status, 'ready');
    assert.ok(outcome.status === 'ready');
    assert.deepEqual(
      [(outcome.result as { verdict: string }).verdict, (outcome.result as { exit_code: number }).exit_code],
      ['runtime_error', 4],
    );
  });
});
