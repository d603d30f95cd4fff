import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildHarness, makePng } from './harness.js';
import { codeResult } from './support/code-result.js';

async function setup() {
  const harness = await buildHarness();
  const user = await harness.login();
  async function submit(payload: object) {
    const { task_id, token } = await harness.submitTask(user.auth, payload);
    return { task_id, worker: { authorization: `Bearer ${token}` } };
  }
  const commit = (headers: Record<string, string>, payload: object) =>
    harness.app.inject({ method: 'POST', url: '/commit', headers, payload });
  return { ...harness, user, submit, commit };
}

describe('POST /commit', () => {
  test('running → ready, as a worker would; status and result follow', async () => {
    const { app, user, submit, commit } = await setup();
    const { task_id, worker } = await submit({ translator: 'python3', code: 'print("hello")' });
    const running = await commit(worker, { task_id, status: 'running' });
    assert.equal(running.statusCode, 200);
    const status = (await app.inject({ method: 'GET', url: `/status/${task_id}`, headers: user.auth })).json();
    assert.equal(status.status, 'in_progress');
    assert.equal(status.stage, 'running');
    const ready = await commit(worker, { task_id, status: 'ready', result: codeResult() });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { task_id, status: 'ready', stage: 'done', repeated: false });
    const after = (await app.inject({ method: 'GET', url: `/status/${task_id}`, headers: user.auth })).json();
    assert.equal(after.status, 'ready');
    assert.equal(after.stage, 'done');
    const result = await app.inject({ method: 'GET', url: `/result/${task_id}`, headers: user.auth });
    assert.equal(result.statusCode, 200);
    assert.deepEqual(result.json(), { task_id, status: 'ready', result: codeResult() });
  });

  test('the same final commit again is 200 (a retry); a different one is 409; running after the end is 409', async () => {
    const { submit, commit } = await setup();
    const { task_id, worker } = await submit({ translator: 'gcc', code: 'x' });
    assert.equal((await commit(worker, { task_id, status: 'ready', result: codeResult() })).statusCode, 200);
    const again = await commit(worker, { task_id, status: 'ready', result: codeResult() });
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().repeated, true);
    const different = await commit(worker, { task_id, status: 'ready', result: codeResult('other') });
    assert.equal(different.statusCode, 409);
    const failed = await commit(worker, { task_id, status: 'failed', error: { code: 'x', message: 'y' } });
    assert.equal(failed.statusCode, 409);
    assert.equal((await commit(worker, { task_id, status: 'running' })).statusCode, 409);
  });

  test("a user's session token and another task's commit token are 403; no token is 401; an unknown task 404", async () => {
    const { user, submit, commit } = await setup();
    const a = await submit({ translator: 'gcc', code: 'a' });
    const b = await submit({ translator: 'gcc', code: 'b' });
    assert.equal((await commit(user.auth, { task_id: a.task_id, status: 'running' })).statusCode, 403);
    assert.equal((await commit(b.worker, { task_id: a.task_id, status: 'running' })).statusCode, 403);
    const none = await commit({}, { task_id: a.task_id, status: 'running' });
    assert.equal(none.statusCode, 401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    // The token names its task: a body naming another task is 403, a token naming an unknown task 404.
    assert.equal((await commit(a.worker, { task_id: crypto.randomUUID(), status: 'running' })).statusCode, 403);
    const unknown = { authorization: `Bearer ${crypto.randomUUID()}.secret` };
    assert.equal((await commit(unknown, { task_id: a.task_id, status: 'running' })).statusCode, 404);
  });

  test('malformed commits are 400 naming the field', async () => {
    const { submit, commit } = await setup();
    const code = await submit({ translator: 'gcc', code: 'a' });
    const image = await submit({ filter: { name: 'FlipX' }, image: makePng(2, 2).toString('base64') });
    const cases: Array<[Record<string, string>, object, string]> = [
      [code.worker, { task_id: code.task_id, status: 'done' }, 'status'],
      [code.worker, { task_id: code.task_id, status: 'ready' }, 'result'],
      [code.worker, { task_id: code.task_id, status: 'failed' }, 'error'],
      [code.worker, { task_id: code.task_id, status: 'ready', result: makePng(1, 1).toString('base64') }, 'result'],
      [image.worker, { task_id: image.task_id, status: 'ready', result: codeResult() }, 'result'],
      [
        image.worker,
        { task_id: image.task_id, status: 'ready', result: Buffer.from('nope').toString('base64') },
        'result',
      ],
    ];
    for (const [headers, payload, field] of cases) {
      const res = await commit(headers, payload);
      assert.equal(res.statusCode, 400, `${JSON.stringify(payload).slice(0, 100)} → ${res.body}`);
      assert.equal(res.json().error.field, field, res.body);
    }
  });

  test('a failed task: /result is 200 with status failed, result null and the error', async () => {
    const { app, user, submit, commit } = await setup();
    const { task_id, worker } = await submit({ filter: { name: 'Blur' }, image: makePng(2, 2).toString('base64') });
    const error = { code: 'invalid_image', message: 'the PNG is truncated' };
    assert.equal((await commit(worker, { task_id, status: 'failed', error })).statusCode, 200);
    const res = await app.inject({ method: 'GET', url: `/result/${task_id}`, headers: user.auth });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { task_id, status: 'failed', result: null, error });
    const status = (await app.inject({ method: 'GET', url: `/status/${task_id}`, headers: user.auth })).json();
    assert.equal(status.status, 'failed');
  });

  test('an image result: JSON with base64 for API clients, raw image/png for browsers and ?format=png', async () => {
    const { app, user, submit, commit } = await setup();
    const { task_id, worker } = await submit({ filter: { name: 'FlipX' }, image: makePng(3, 2).toString('base64') });
    const out = makePng(3, 2);
    assert.equal((await commit(worker, { task_id, status: 'ready', result: out.toString('base64') })).statusCode, 200);
    const get = (headers: Record<string, string>, query = '') =>
      app.inject({ method: 'GET', url: `/result/${task_id}${query}`, headers: { ...user.auth, ...headers } });

    for (const accept of ['*/*', 'application/json', '']) {
      const res = await get(accept ? { accept } : {});
      assert.match(String(res.headers['content-type']), /application\/json/, accept);
      assert.equal(res.json().result, out.toString('base64'));
    }
    const browser = await get({
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
    });
    assert.equal(browser.headers['content-type'], 'image/png');
    assert.deepEqual(browser.rawPayload, out);
    const img = await get({ accept: 'image/avif,image/webp,image/png,image/*;q=0.8,*/*;q=0.5' });
    assert.equal(img.headers['content-type'], 'image/png');
    const forced = await get({ accept: 'application/json' }, '?format=png');
    assert.equal(forced.headers['content-type'], 'image/png');
    const cookieBrowser = await app.inject({
      method: 'GET',
      url: `/result/${task_id}`,
      headers: { cookie: `conveyor_session=${user.token}`, accept: 'text/html' },
    });
    assert.equal(cookieBrowser.statusCode, 200);
    assert.equal(cookieBrowser.headers['content-type'], 'image/png');
  });
});
