import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '@conveyor/shared';

/** A logger whose lines are parsed back into objects. */
function capture(level = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({
    service: 'test',
    level,
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  return { log, lines };
}

describe('createLogger: secrets', () => {
  it('censors token, password and commit_token at the top level of a logged object', () => {
    const { log, lines } = capture();
    log.info({ token: 't0k', password: 'hunter22', commit_token: 'c0mm1t', task_id: 'a' }, 'hello');
    assert.deepEqual(
      { token: lines[0]!.token, password: lines[0]!.password, commit_token: lines[0]!.commit_token },
      { token: '[redacted]', password: '[redacted]', commit_token: '[redacted]' },
    );
    assert.equal(lines[0]!.task_id, 'a');
    assert.equal(lines[0]!.msg, 'hello');
  });

  it('censors them one level down, leaving the other fields and the logged object itself alone', () => {
    const { log, lines } = capture();
    const message = { task_id: 'a', commit_token: 'c0mm1t', nested: { token: 'deeper' } };
    log.info({ message, user: { name: 'ann', password: 'hunter22' } }, 'task');
    assert.deepEqual(lines[0]!.message, { task_id: 'a', commit_token: '[redacted]', nested: { token: 'deeper' } });
    assert.deepEqual(lines[0]!.user, { name: 'ann', password: '[redacted]' });
    assert.equal(message.commit_token, 'c0mm1t');
  });

  it("censors an error's own secret field and keeps its message", () => {
    const { log, lines } = capture();
    const error = Object.assign(new Error('publish failed'), { token: 't0k', code: 'E_X' });
    log.error({ err: error }, 'failed');
    const logged = lines[0]!.err as Record<string, unknown>;
    assert.equal(logged.message, 'publish failed');
    assert.equal(logged.type, 'Error');
    assert.equal(logged.code, 'E_X');
    assert.equal(logged.token, '[redacted]');
    assert.equal(error.token, 't0k');
  });

  it("censors a child logger's bindings", () => {
    const { log, lines } = capture();
    log.child({ token: 't0k', reqId: 'r1' }).info({ status: 200 }, 'done');
    assert.equal(lines[0]!.token, '[redacted]');
    assert.equal(lines[0]!.reqId, 'r1');
    assert.equal(lines[0]!.status, 200);
    assert.equal(lines[0]!.service, 'test');
    // A child's child, with options (as Fastify makes a route's), censors its lines and bindings the same.
    const grandchild = log.child({ reqId: 'r2' }).child({ user: { password: 'hunter22' } }, { level: 'warn' });
    grandchild.warn({ body: { commit_token: 'c0mm1t' } }, 'odd');
    assert.deepEqual(lines[1]!.user, { password: '[redacted]' });
    assert.deepEqual(lines[1]!.body, { commit_token: '[redacted]' });
    assert.equal(lines[1]!.reqId, 'r2');
  });

  it('writes plain fields as they are', () => {
    const { log, lines } = capture();
    log.info(
      { method: 'GET', route: '/status/:task_id', status: 200, ms: 1.5, list: [{ token: 'x' }] },
      'request completed',
    );
    assert.deepEqual(
      { ...lines[0], time: undefined },
      {
        level: 30,
        time: undefined,
        service: 'test',
        method: 'GET',
        route: '/status/:task_id',
        status: 200,
        ms: 1.5,
        list: [{ token: 'x' }],
        msg: 'request completed',
      },
    );
  });
});
