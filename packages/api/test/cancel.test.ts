/** DELETE /task/{id}: the owner cancels a task; it ends failed/cancelled and the workers hear of it. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { ControlMessage } from '@conveyor/shared';
import { buildHarness } from './harness.js';
import { codeResult } from './support/code-result.js';

async function setup() {
  const harness = await buildHarness();
  const user = await harness.login();
  const heard: ControlMessage[] = [];
  const subscription = harness.control.subscribe((message) => heard.push(message));
  await subscription.ready();
  async function submit(payload: object = { translator: 'python3', code: 'print(1)' }) {
    const { task_id, token } = await harness.submitTask(user.auth, payload);
    return { task_id, worker: { authorization: `Bearer ${token}` } };
  }
  const commit = (headers: Record<string, string>, payload: object) =>
    harness.app.inject({ method: 'POST', url: '/commit', headers, payload });
  const cancel = (task_id: string, auth = user.auth) =>
    harness.app.inject({ method: 'DELETE', url: `/task/${task_id}`, headers: auth });
  const get = (what: 'status' | 'result', task_id: string) =>
    harness.app.inject({ method: 'GET', url: `/${what}/${task_id}`, headers: user.auth });
  /** The broadcasts reach listeners on a later macrotask, as from a broker. */
  const broadcasts = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return heard.map((m) => m.task_id);
  };
  return { ...harness, user, submit, commit, cancel, get, broadcasts };
}

describe('DELETE /task/{id}', () => {
  test('a queued task: 200 with its status view (failed, done); /status and /result show failed/cancelled', async () => {
    const { submit, cancel, get, broadcasts } = await setup();
    const { task_id } = await submit();
    const answer = await cancel(task_id);
    assert.equal(answer.statusCode, 200);
    const body = answer.json();
    assert.equal(body.task_id, task_id);
    assert.equal(body.status, 'failed');
    assert.equal(body.stage, 'done');
    assert.deepEqual((await get('status', task_id)).json(), body);
    const result = await get('result', task_id);
    assert.equal(result.statusCode, 200);
    assert.deepEqual(result.json(), {
      task_id,
      status: 'failed',
      result: null,
      error: { code: 'cancelled', message: 'cancelled by its owner' },
    });
    assert.deepEqual(await broadcasts(), [task_id]);
  });

  test('repeating it is harmless: the same answer again, and the broadcast again', async () => {
    const { submit, cancel, broadcasts } = await setup();
    const { task_id } = await submit();
    const first = await cancel(task_id);
    const second = await cancel(task_id);
    assert.equal(second.statusCode, 200);
    assert.deepEqual(second.json(), first.json());
    assert.deepEqual(await broadcasts(), [task_id, task_id]);
  });

  test('a running task: cancelled; the worker’s later final commit is 409 and changes nothing', async () => {
    const { submit, commit, cancel, get } = await setup();
    const { task_id, worker } = await submit();
    assert.equal((await commit(worker, { task_id, status: 'running' })).statusCode, 200);
    assert.equal((await cancel(task_id)).statusCode, 200);
    assert.equal((await commit(worker, { task_id, status: 'ready', result: codeResult() })).statusCode, 409);
    assert.equal((await commit(worker, { task_id, status: 'running' })).statusCode, 409);
    assert.equal((await get('result', task_id)).json().error.code, 'cancelled');
  });

  test('a finished task is 409 task_finished (ready, or failed otherwise), unchanged and not broadcast', async () => {
    const { submit, commit, cancel, get, broadcasts } = await setup();
    const ready = await submit();
    await commit(ready.worker, { task_id: ready.task_id, status: 'ready', result: codeResult() });
    const failed = await submit();
    const error = { code: 'invalid_image', message: 'no' };
    await commit(failed.worker, { task_id: failed.task_id, status: 'failed', error });
    for (const [task, words] of [
      [ready, /already ready/],
      [failed, /already failed \(invalid_image\)/],
    ] as const) {
      const answer = await cancel(task.task_id);
      assert.equal(answer.statusCode, 409);
      assert.equal(answer.json().error.code, 'task_finished');
      assert.match(answer.json().error.message, words);
    }
    assert.equal((await get('result', ready.task_id)).json().status, 'ready');
    assert.deepEqual((await get('result', failed.task_id)).json().error, error);
    assert.deepEqual(await broadcasts(), []);
  });

  test('owner only: another user’s task is 404 and stays in progress; unknown and malformed ids are 404', async () => {
    const { submit, cancel, get, login, broadcasts } = await setup();
    const { task_id } = await submit();
    const other = await login();
    const answer = await cancel(task_id, other.auth);
    assert.equal(answer.statusCode, 404);
    assert.equal(answer.json().error.code, 'not_found');
    assert.equal((await get('status', task_id)).json().status, 'in_progress');
    assert.equal((await cancel(randomUUID())).statusCode, 404);
    assert.equal((await cancel('not-a-uuid')).statusCode, 404);
    assert.deepEqual(await broadcasts(), []);
  });

  test('401 without a session; a cookie-only DELETE from another origin is 403', async () => {
    const { submit, app, user } = await setup();
    const { task_id } = await submit();
    assert.equal((await app.inject({ method: 'DELETE', url: `/task/${task_id}` })).statusCode, 401);
    const crossSite = await app.inject({
      method: 'DELETE',
      url: `/task/${task_id}`,
      headers: { cookie: `conveyor_session=${user.token}`, origin: 'https://evil.example' },
    });
    assert.equal(crossSite.statusCode, 403);
  });

  test('a long-poll on the task wakes at the cancel', async () => {
    const { submit, cancel, app, user } = await setup();
    const { task_id } = await submit();
    const started = Date.now();
    const waiting = app.inject({ method: 'GET', url: `/status/${task_id}?wait=20`, headers: user.auth });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await cancel(task_id);
    const answer = await waiting;
    assert.equal(answer.json().status, 'failed');
    assert.ok(Date.now() - started < 5000, 'answered at the cancel, not after the wait');
  });

  test('a lost broadcast still cancels: the answer is 200 and the task final', async () => {
    const { submit, cancel, get, control } = await setup();
    control.broadcast = async () => {
      throw new Error('broker gone');
    };
    const { task_id } = await submit();
    assert.equal((await cancel(task_id)).statusCode, 200);
    assert.equal((await get('status', task_id)).json().status, 'failed');
  });

  test('the in-flight slot is freed: a user at the cap can submit again after a cancel', async () => {
    const harness = await buildHarness({ maxTasksInFlight: 1 });
    const user = await harness.login();
    const { task_id } = await harness.submitTask(user.auth);
    const post = () =>
      harness.app.inject({
        method: 'POST',
        url: '/task',
        headers: user.auth,
        payload: { translator: 'python3', code: 'print(1)' },
      });
    assert.equal((await post()).statusCode, 429);
    await harness.app.inject({ method: 'DELETE', url: `/task/${task_id}`, headers: user.auth });
    assert.equal((await post()).statusCode, 201);
  });
});
