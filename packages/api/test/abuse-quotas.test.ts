/**
 * The abuse suite's resource and account cases, in process: the per-user in-flight cap, the image cost
 * budget, per-owner result eviction, the login throttle (no lock-out, no /register oracle), and the small
 * request-handling items (Secure cookie, request id, origin check, /metrics).
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import { LoginThrottle } from '../src/accounts/login-throttle.js';
import { RateLimiter } from '../src/accounts/rate-limiter.js';
import { requestIdOf } from '../src/http/request-id.js';
import { buildHarness, makePng, pngHeaderClaiming } from './harness.js';
import { codeResult } from './support/code-result.js';

const code = { translator: 'python3', code: 'print(1)' };

describe('abuse: per-user tasks in flight', () => {
  test('past the cap POST /task is 429 with Retry-After and says why; a finished task frees a place', async () => {
    const h = await buildHarness({ maxTasksInFlight: 3 });
    const { auth } = await h.login();
    const other = await h.login();
    const first = await h.submitTask(auth, code);
    for (let i = 1; i < 3; i++) await h.submitTask(auth, code);
    const over = await h.app.inject({ method: 'POST', url: '/task', headers: auth, payload: code });
    assert.equal(over.statusCode, 429);
    assert.equal(over.json().error.code, 'too_many_tasks');
    assert.match(over.json().error.message, /3 tasks in flight/);
    assert.ok(Number(over.headers['retry-after']) >= 1);
    // Another user is not affected.
    const theirs = await h.app.inject({ method: 'POST', url: '/task', headers: other.auth, payload: code });
    assert.equal(theirs.statusCode, 201);
    // A final commit frees a place.
    const done = await h.app.inject({
      method: 'POST',
      url: '/commit',
      headers: { authorization: `Bearer ${first.token}` },
      payload: { task_id: first.task_id, status: 'ready', result: codeResult() },
    });
    assert.equal(done.statusCode, 200);
    const again = await h.app.inject({ method: 'POST', url: '/task', headers: auth, payload: code });
    assert.equal(again.statusCode, 201);
  });

  test('200 parallel posts (as in the probe) admit exactly the cap', async () => {
    const h = await buildHarness({ maxTasksInFlight: 20 });
    const { auth } = await h.login();
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => h.app.inject({ method: 'POST', url: '/task', headers: auth, payload: code })),
    );
    const created = answers.filter((a) => a.statusCode === 201).length;
    const refused = answers.filter((a) => a.statusCode === 429).length;
    assert.deepEqual([created, refused], [20, 180]);
    assert.equal(h.publisher.published.length, 20);
  });

  test("a user's task goes to the first lane only when they had nothing else in flight", async () => {
    const h = await buildHarness({ maxTasksInFlight: 20 });
    const a = await h.login();
    const b = await h.login();
    const post = async (auth: Record<string, string>) => (await h.submitTask(auth)).task_id;
    const backlog = [await post(a.auth), await post(a.auth), await post(a.auth)];
    const bFirst = await h.submitTask(b.auth);
    assert.deepEqual(
      [...backlog, bFirst.task_id].map((id) => h.publisher.lanes.get(id)),
      ['first', 'rest', 'rest', 'first'],
    );
    // Once B's task is final, B has nothing in flight again: the next one is first-lane too.
    const done = await h.app.inject({
      method: 'POST',
      url: '/commit',
      headers: { authorization: `Bearer ${bFirst.token}` },
      payload: { task_id: bFirst.task_id, status: 'ready', result: codeResult() },
    });
    assert.equal(done.statusCode, 200);
    assert.equal(h.publisher.lanes.get(await post(b.auth)), 'first');
    assert.equal(h.publisher.lanes.get(await post(a.auth)), 'rest');
  });

  test('a publish that fails frees its place again', async () => {
    const h = await buildHarness({ maxTasksInFlight: 1 });
    const { auth } = await h.login();
    h.publisher.failing = true;
    const failed = await h.app.inject({ method: 'POST', url: '/task', headers: auth, payload: code });
    assert.equal(failed.statusCode, 503);
    assert.ok(Number(failed.headers['retry-after']) >= 1);
    h.publisher.failing = false;
    const ok = await h.app.inject({ method: 'POST', url: '/task', headers: auth, payload: code });
    assert.equal(ok.statusCode, 201);
  });
});

describe('abuse: image cost bomb', () => {
  test('width × height × Σ kernel size over the budget is 413 naming the field and the figures', async () => {
    const h = await buildHarness({ maxImagePixels: 50_000_000, maxImageBytes: 1024 * 1024, imageCostBudget: 1e9 });
    const { auth } = await h.login();
    // 2000 × 2000 through 10 × Sharpen σ 50 (kernel 301): 1.2·10¹⁰, the probe's 22-second task.
    const bomb = {
      filters: Array.from({ length: 10 }, () => ({ name: 'Sharpen', parameters: { sigma: 50 } })),
      image: pngHeaderClaiming(2000, 2000).toString('base64'),
    };
    const res = await h.app.inject({ method: 'POST', url: '/task', headers: auth, payload: bomb });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.field, 'filters');
    assert.match(res.json().error.message, /2000x2000.*12040000000.*over 1000000000/);
    // One Blur σ 50 at 40 MP (the probe's 34-second task), as a single `filter`.
    const one = {
      filter: { name: 'Blur', parameters: { sigma: 50 } },
      image: pngHeaderClaiming(8000, 5000).toString('base64'),
    };
    const single = await h.app.inject({ method: 'POST', url: '/task', headers: auth, payload: one });
    assert.equal(single.statusCode, 413);
    assert.equal(single.json().error.field, 'filter');
    // The same picture through a cheap filter is fine.
    const cheap = { filter: { name: 'FlipX' }, image: makePng(64, 64).toString('base64') };
    assert.equal((await h.app.inject({ method: 'POST', url: '/task', headers: auth, payload: cheap })).statusCode, 201);
    assert.equal(h.publisher.published.length, 1);
  });
});

describe('abuse: result eviction', () => {
  test("a victim's result survives an attacker filling the byte budget", async () => {
    const h = await buildHarness({ resultByteBudget: 1024 * 1024, maxTasksInFlight: 100 });
    const victim = await h.login();
    const attacker = await h.login();
    const submitAndFinish = async (auth: Record<string, string>, payload: object, result: unknown) => {
      const { task_id, token } = await h.submitTask(auth, payload);
      const done = await h.app.inject({
        method: 'POST',
        url: '/commit',
        headers: { authorization: `Bearer ${token}` },
        payload: { task_id, status: 'ready', result },
      });
      assert.equal(done.statusCode, 200);
      return task_id;
    };
    const victimTask = await submitAndFinish(victim.auth, code, codeResult());
    // ~270 KB base64 each: twelve of them are three times the budget.
    const big = Buffer.concat([makePng(2, 2), Buffer.alloc(200 * 1024)]).toString('base64');
    const image = { filter: { name: 'FlipX' }, image: makePng(2, 2).toString('base64') };
    const attackerTasks: string[] = [];
    for (let i = 0; i < 12; i++) attackerTasks.push(await submitAndFinish(attacker.auth, image, big));

    const kept = await h.app.inject({ method: 'GET', url: `/result/${victimTask}`, headers: victim.auth });
    assert.equal(kept.statusCode, 200, "the victim's oldest result is still there");
    assert.deepEqual(kept.json().result, codeResult());
    const first = await h.app.inject({ method: 'GET', url: `/result/${attackerTasks[0]}`, headers: attacker.auth });
    assert.equal(first.statusCode, 404, "the attacker's own oldest results went first");
    const last = await h.app.inject({ method: 'GET', url: `/result/${attackerTasks[11]}`, headers: attacker.auth });
    assert.equal(last.statusCode, 200);
  });
});

describe('abuse: login throttle', () => {
  const owner = { username: 'owner', password: 'correct-password' };

  test('an attacker on 20 addresses failing 100 times cannot lock the owner out', async () => {
    const h = await buildHarness({ loginFailuresPerMinute: 10, loginDelayMaxMs: 200 });
    await h.app.inject({ method: 'POST', url: '/register', payload: owner });
    const chains = Array.from({ length: 20 }, async (_, a) => {
      for (let i = 0; i < 5; i++) {
        const res = await h.app.inject({
          method: 'POST',
          url: '/login',
          payload: { username: owner.username, password: `guess-${a}-${i}` },
          remoteAddress: `198.51.100.${a + 1}`,
        });
        assert.equal(res.statusCode, 401);
      }
    });
    await Promise.all(chains);
    const started = Date.now();
    const mine = await h.app.inject({ method: 'POST', url: '/login', payload: owner, remoteAddress: '192.0.2.77' });
    assert.equal(mine.statusCode, 200, "the owner's correct password from a fresh address works");
    assert.ok(Date.now() - started < 5000, 'within the login delay, not a lock-out');
  });

  test('10 failures from 10 addresses (the probe) leave the owner a 200, not a 429', async () => {
    const h = await buildHarness({ loginFailuresPerMinute: 10, loginDelayMaxMs: 100 });
    await h.app.inject({ method: 'POST', url: '/register', payload: owner });
    for (let a = 0; a < 10; a++) {
      await h.app.inject({
        method: 'POST',
        url: '/login',
        payload: { ...owner, password: 'wrong-password' },
        remoteAddress: `198.51.100.${a + 1}`,
      });
    }
    const mine = await h.app.inject({ method: 'POST', url: '/login', payload: owner, remoteAddress: '192.0.2.1' });
    assert.equal(mine.statusCode, 200);
  });

  test('per (name, address) the throttle is strict', async () => {
    const h = await buildHarness({ loginFailuresPerMinute: 3 });
    await h.app.inject({ method: 'POST', url: '/register', payload: owner });
    const from = { remoteAddress: '198.51.100.9' };
    for (let i = 0; i < 3; i++) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/login',
        payload: { ...owner, password: 'x'.repeat(9) },
        ...from,
      });
      assert.equal(res.statusCode, 401);
    }
    const locked = await h.app.inject({ method: 'POST', url: '/login', payload: owner, ...from });
    assert.equal(locked.statusCode, 429);
  });

  test('a /register 409 counts as a failed login for that name, under the same throttle', async () => {
    const h = await buildHarness({ loginFailuresPerMinute: 3 });
    await h.app.inject({ method: 'POST', url: '/register', payload: owner });
    const from = { remoteAddress: '198.51.100.10' };
    for (let i = 0; i < 3; i++) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/register',
        payload: { ...owner, password: `guess-number-${i}` },
        ...from,
      });
      assert.equal(res.statusCode, 409);
    }
    // The oracle is closed: even the right password gets no answer from this address now, on either route.
    const oracle = await h.app.inject({ method: 'POST', url: '/register', payload: owner, ...from });
    assert.equal(oracle.statusCode, 429);
    assert.ok(Number(oracle.headers['retry-after']) >= 1);
    const login = await h.app.inject({ method: 'POST', url: '/login', payload: owner, ...from });
    assert.equal(login.statusCode, 429);
    // The course's "same name, same password → 201" still holds elsewhere.
    const again = await h.app.inject({ method: 'POST', url: '/register', payload: owner });
    assert.equal(again.statusCode, 201);
  });

  test('the delay doubles past the free failures and stops at its maximum', async () => {
    let now = 0;
    const limiter = () => new RateLimiter(100, 60_000, () => now);
    const throttle = new LoginThrottle(
      { perNameAndAddress: limiter(), perAddress: limiter(), perName: limiter() },
      { freeFailures: 10, baseMs: 250, maxMs: 3000 },
    );
    assert.deepEqual(
      [0, 10, 11, 12, 13, 14, 15, 100].map((f) => throttle.delayFor(f)),
      [0, 0, 250, 500, 1000, 2000, 3000, 3000],
    );
    for (let i = 0; i < 30; i++) await throttle.failed('name', `10.0.0.${i}`);
    const admission = await throttle.admit('name', '10.9.9.9');
    assert.deepEqual(admission, { kind: 'admitted', delayMs: 3000 });
    now += 61_000;
    assert.deepEqual(await throttle.admit('name', '10.9.9.9'), { kind: 'admitted', delayMs: 0 });
  });
});

describe('abuse: request handling details', () => {
  test('the session cookie is Secure when the proxy says the request came over HTTPS', async () => {
    const h = await buildHarness({ env: { TRUST_PROXY: 'true' } });
    await h.app.inject({ method: 'POST', url: '/register', payload: { username: 'secure', password: 'password123' } });
    const login = (headers: Record<string, string>) =>
      h.app.inject({
        method: 'POST',
        url: '/login',
        headers,
        payload: { username: 'secure', password: 'password123' },
      });
    const https = await login({ 'x-forwarded-proto': 'https' });
    assert.match(String(https.headers['set-cookie']), /; Secure/);
    const http = await login({});
    assert.doesNotMatch(String(http.headers['set-cookie']), /; Secure/);
  });

  test("a client's X-Request-Id is kept only when short and plain", () => {
    const withId = (id: string | undefined) =>
      ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as IncomingMessage;
    assert.equal(requestIdOf(withId('req-123.abc')), 'req-123.abc');
    for (const bad of ['x'.repeat(8192), 'a b', 'line\nbreak', '<script>', '']) {
      const id = requestIdOf(withId(bad));
      assert.notEqual(id, bad);
      assert.match(id, /^[0-9a-f-]{36}$/);
    }
  });

  test('with PUBLIC_URL the origin check ignores the Host header', async () => {
    const h = await buildHarness({ env: { PUBLIC_URL: 'https://tasks.example.org/app' } });
    const { token } = await h.login();
    const post = (origin: string, host: string) =>
      h.app.inject({
        method: 'POST',
        url: '/task',
        headers: { cookie: `conveyor_session=${token}`, origin, host },
        payload: code,
      });
    assert.equal((await post('https://tasks.example.org', 'anything.invalid')).statusCode, 201);
    // Before, an Origin equal to the request's own Host passed: an attacker's DNS name pointing here.
    assert.equal((await post('http://evil.example', 'evil.example')).statusCode, 403);
  });

  test('/metrics: loopback without a token; with METRICS_TOKEN, that token from anywhere', async () => {
    const open = await buildHarness();
    assert.equal((await open.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 200);
    const remote = await open.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.5' });
    assert.equal(remote.statusCode, 403);
    assert.match(remote.json().error.message, /METRICS_TOKEN/);
    const guarded = await buildHarness({ metricsToken: 's3cret' });
    const scrape = (token: string) =>
      guarded.app.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '203.0.113.5',
        headers: { authorization: `Bearer ${token}` },
      });
    assert.equal((await scrape('s3cret')).statusCode, 200);
    assert.equal((await scrape('wrong')).statusCode, 401);
  });
});
