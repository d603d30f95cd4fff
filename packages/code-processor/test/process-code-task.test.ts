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

describe('code task handler', { concurrency: true }, () => {
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

  test('a malformed payload is a failed task naming the problem', async () => {
    const cases: [unknown, RegExp][] = [
      [{ translator: 'cobol', code: 'x', stdin: '', limits: {} }, /translator: unknown translator "cobol"/],
      [{ translator: 'python3', code: '', stdin: '', limits: {} }, /code: code must not be empty/],
      [{ translator: 'python3', code: 'print(1)', stdin: '', limits: { time_ms: 5 } }, /limits\.time_ms/],
      ['not an object', /payload must be an object/],
    ];
    for (const [payload, expected] of cases) {
      const outcome = await handler(message(payload), context);
      assert.equal(outcome.status, 'failed');
      assert.ok(outcome.status === 'failed');
      assert.equal(outcome.error.code, 'invalid_payload');
      assert.match(outcome.error.message, expected);
    }
  });

  test('Docker unreachable: the handler throws so the runtime requeues the task', async () => {
    const unreachable = createCodeTaskHandler(
      new SandboxRunner({ docker: new Docker({ socketPath: '/nonexistent/docker.sock' }), workerId: 'x', attempts: 1 }),
    );
    await assert.rejects(
      unreachable(message({ translator: 'python3', code: 'print(1)', stdin: '', limits: {} }), context),
      /sandbox could not run task/,
    );
  });
});
