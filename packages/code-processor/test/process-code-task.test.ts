import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import Docker from 'dockerode';
import { createCodeTaskHandler, SandboxRunner } from '../src/index.js';
import { taskContext as context, codeTaskMessage as message } from './code-task-message.js';

const handler = createCodeTaskHandler(
  // Never reached by these tests: a malformed payload fails before the sandbox, and the last test has its own.
  new SandboxRunner({
    docker: new Docker({ socketPath: '/nonexistent/docker.sock' }),
    workerId: `test-${randomUUID()}`,
  }),
);

/** The code task handler without Docker: payload validation, and an unreachable engine. */
describe('code task handler', { concurrency: true }, () => {
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
