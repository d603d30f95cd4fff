/**
 * Long-poll (`?wait=N` on /status and /result) through HTTP, run on each store: RAM (in-process events)
 * and PostgreSQL (LISTEN/NOTIFY). `env` points the API at the store; `teardown` drops what it made.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildHarness } from '../harness.js';
import { codeResult } from './code-result.js';

export type StoreEnvFactory = () => Promise<{ env: Record<string, string>; teardown(): Promise<void> }>;

export function longPollSuite(storeEnv: StoreEnvFactory): void {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(env: Record<string, string> = {}) {
    const store = await storeEnv();
    cleanups.push(store.teardown);
    const harness = await buildHarness({ env: { ...store.env, ...env } });
    cleanups.push(() => harness.app.close());
    const user = await harness.login();
    async function submit() {
      const { task_id, token } = await harness.submitTask(user.auth);
      const commit = (payload: object) =>
        harness.app.inject({
          method: 'POST',
          url: '/commit',
          headers: { authorization: `Bearer ${token}` },
          payload: { task_id, ...payload },
        });
      return { task_id, commit };
    }
    const get = (url: string) => harness.app.inject({ method: 'GET', url, headers: user.auth });
    return { ...harness, user, submit, get };
  }

  it('answers as soon as the task is final, with the final state (status and result)', async () => {
    const { submit, get } = await setup();
    const { task_id, commit } = await submit();
    const started = performance.now();
    const status = get(`/status/${task_id}?wait=30`);
    const result = get(`/result/${task_id}?wait=30`);
    await sleep(200);
    assert.equal((await commit({ status: 'running' })).statusCode, 200, 'a running commit does not end the wait');
    await sleep(100);
    assert.equal((await commit({ status: 'ready', result: codeResult() })).statusCode, 200);
    const [s, r] = await Promise.all([status, result]);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 5000, `answered ${elapsed} ms after the start, not at the 30 s deadline`);
    assert.equal(s.json().status, 'ready');
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json().result, codeResult());
  });

  it('after N seconds answers with the current state (in progress: 202 for /result)', async () => {
    const { submit, get } = await setup();
    const { task_id } = await submit();
    const started = performance.now();
    const r = await get(`/result/${task_id}?wait=1`);
    const elapsed = performance.now() - started;
    assert.equal(r.statusCode, 202);
    assert.ok(elapsed >= 950 && elapsed < 4000, `waited ${elapsed} ms for ?wait=1`);
  });

  it('a final task, an unknown one and wait=0 answer at once; wait over 60 is a 400 naming it', async () => {
    const { submit, get } = await setup();
    const { task_id, commit } = await submit();
    await commit({ status: 'failed', error: { code: 'x', message: 'y' } });
    const started = performance.now();
    assert.equal((await get(`/status/${task_id}?wait=60`)).json().status, 'failed');
    assert.equal((await get('/status/6e67c00c-1aec-4023-b1ed-aafabb54a000?wait=60')).statusCode, 404);
    assert.ok(performance.now() - started < 2000);
    const bad = await get(`/status/${task_id}?wait=61`);
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.field, 'wait');
  });

  it('over the per-user bound a long-poll is 429 at once; the bound frees when a wait ends', async () => {
    const { submit, get, waiters } = await setup({ LONG_POLL_WAITERS_PER_USER: '2' });
    const tasks = await Promise.all([submit(), submit(), submit()]);
    const open = tasks.slice(0, 2).map((t) => get(`/status/${t.task_id}?wait=30`));
    while (waiters.waiting < 2) await sleep(10);
    const over = await get(`/status/${tasks[2]!.task_id}?wait=30`);
    assert.equal(over.statusCode, 429);
    assert.equal(over.json().error.code, 'too_many_waiters');
    assert.ok(over.headers['retry-after']);
    assert.equal((await get(`/status/${tasks[2]!.task_id}`)).statusCode, 200, 'a plain read is not bounded');
    await tasks[0]!.commit({ status: 'ready', result: codeResult() });
    assert.equal((await open[0]!).json().status, 'ready');
    await tasks[1]!.commit({ status: 'ready', result: codeResult() });
    await open[1];
    assert.equal(waiters.waiting, 0);
  });

  it('a client that disconnects frees its waiter', async () => {
    const { app, submit, user, waiters } = await setup();
    const { task_id } = await submit();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const req = httpRequest({ port, path: `/status/${task_id}?wait=60`, headers: user.auth });
    req.on('error', () => {});
    req.end();
    const deadline = Date.now() + 5000;
    while (waiters.waiting < 1 && Date.now() < deadline) await sleep(10);
    assert.equal(waiters.waiting, 1);
    req.destroy();
    while (waiters.waiting > 0 && Date.now() < deadline) await sleep(10);
    assert.equal(waiters.waiting, 0, 'the waiter went with its client');
  });

  it('closing the server answers open long-polls at once with the current state', async () => {
    const { app, submit, get, waiters } = await setup();
    const { task_id } = await submit();
    const pending = get(`/status/${task_id}?wait=60`);
    while (waiters.waiting < 1) await sleep(10);
    const started = performance.now();
    await app.close();
    const answer = await pending;
    assert.ok(performance.now() - started < 5000);
    assert.ok([200, 503].includes(answer.statusCode), `answered ${answer.statusCode}`);
  });
}
