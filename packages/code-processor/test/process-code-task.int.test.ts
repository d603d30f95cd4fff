/** The code task handler on the real Docker engine and sandbox image (SANDBOX_IMAGE). */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { createLogger, type TaskContext, type TaskMessage } from '@conveyor/shared';
import Docker from 'dockerode';
import { createCodeTaskHandler, SandboxRunner } from '../src/index.js';

const image = process.env.SANDBOX_IMAGE || 'conveyor-sandbox:latest';
const context: TaskContext = {
  signal: new AbortController().signal,
  log: createLogger({ service: 'test', level: 'silent' }),
  redelivered: false,
};
const handler = createCodeTaskHandler(
  new SandboxRunner({ docker: new Docker(), workerId: `test-${randomUUID()}`, image }),
);

function message(payload: unknown): TaskMessage {
  return {
    schema_version: 1,
    task_id: randomUUID(),
    type: 'code',
    payload,
    commit_token: 'token',
    created_at: new Date().toISOString(),
  } as TaskMessage;
}

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
