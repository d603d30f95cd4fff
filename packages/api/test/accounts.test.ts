import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildHarness } from './harness.js';

describe('POST /register', () => {
  test('201 with id and username; the same name and password again is 201 with the same account', async () => {
    const { app } = await buildHarness();
    const body = { username: 'alice', password: 'password123' };
    const first = await app.inject({ method: 'POST', url: '/register', payload: body });
    assert.equal(first.statusCode, 201);
    assert.equal(first.json().username, 'alice');
    assert.match(first.json().id, /^[0-9a-f-]{36}$/);
    const again = await app.inject({ method: 'POST', url: '/register', payload: body });
    assert.equal(again.statusCode, 201);
    assert.deepEqual(again.json(), first.json());
  });

  test('the same name with another password is 409', async () => {
    const { app } = await buildHarness();
    await app.inject({ method: 'POST', url: '/register', payload: { username: 'bob', password: 'password123' } });
    const res = await app.inject({
      method: 'POST',
      url: '/register',
      payload: { username: 'bob', password: 'other-password' },
    });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'username_taken');
  });

  test('bad usernames and passwords are 400 naming the field', async () => {
    const { app } = await buildHarness();
    const cases: Array<[unknown, string]> = [
      [{ username: 'ab', password: 'password123' }, 'username'],
      [{ username: 'has space', password: 'password123' }, 'username'],
      [{ username: 'x'.repeat(129), password: 'password123' }, 'username'],
      [{ username: 'carol', password: 'short' }, 'password'],
      [{ username: 'carol', password: 'é'.repeat(37) }, 'password'], // 74 bytes: over bcrypt's 72
      [{ username: 'carol' }, 'password'],
    ];
    for (const [payload, field] of cases) {
      const res = await app.inject({ method: 'POST', url: '/register', payload: payload as object });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.json().error.field, field, JSON.stringify(res.json()));
    }
    const ok = await app.inject({
      method: 'POST',
      url: '/register',
      payload: { username: 'a.b-c_d@e', password: 'é'.repeat(36) },
    });
    assert.equal(ok.statusCode, 201);
  });

  test('registrations per address are throttled with Retry-After', async () => {
    const { app } = await buildHarness({ registrationsPerMinute: 3 });
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/register',
        payload: { username: `u${i}xx`, password: 'password123' },
      });
      assert.equal(res.statusCode, 201);
    }
    const res = await app.inject({
      method: 'POST',
      url: '/register',
      payload: { username: 'u9xx', password: 'password123' },
    });
    assert.equal(res.statusCode, 429);
    assert.ok(Number(res.headers['retry-after']) >= 1);
  });
});

describe('POST /login and /logout', () => {
  test('200 with token and expires_at, and an HttpOnly SameSite=Lax cookie holding the same token', async () => {
    const { app } = await buildHarness();
    await app.inject({ method: 'POST', url: '/register', payload: { username: 'dave', password: 'password123' } });
    const res = await app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'dave', password: 'password123' },
    });
    assert.equal(res.statusCode, 200);
    const { token, expires_at } = res.json();
    assert.match(token, /^[A-Za-z0-9_-]{43}$/, '256 bits in base64url');
    assert.ok(Date.parse(expires_at) > Date.now());
    const cookie = String(res.headers['set-cookie']);
    assert.match(cookie, new RegExp(`conveyor_session=${token}`));
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
  });

  test('a wrong password and an unknown user get the same 401 body', async () => {
    const { app } = await buildHarness();
    await app.inject({ method: 'POST', url: '/register', payload: { username: 'erin', password: 'password123' } });
    const wrong = await app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'erin', password: 'wrong-pass' },
    });
    const unknown = await app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'nobody', password: 'wrong-pass' },
    });
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.deepEqual(wrong.json(), unknown.json());
  });

  test('failed logins are throttled per username with 429 and Retry-After', async () => {
    const { app } = await buildHarness({ loginFailuresPerMinute: 3 });
    await app.inject({ method: 'POST', url: '/register', payload: { username: 'frank', password: 'password123' } });
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/login',
        payload: { username: 'frank', password: 'bad-password' },
      });
      assert.equal(res.statusCode, 401);
    }
    const res = await app.inject({
      method: 'POST',
      url: '/login',
      payload: { username: 'frank', password: 'password123' },
    });
    assert.equal(res.statusCode, 429);
    assert.ok(Number(res.headers['retry-after']) >= 1);
  });

  test('successful logins are not throttled', async () => {
    const { app } = await buildHarness({ loginFailuresPerMinute: 2 });
    await app.inject({ method: 'POST', url: '/register', payload: { username: 'gina', password: 'password123' } });
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/login',
        payload: { username: 'gina', password: 'password123' },
      });
      assert.equal(res.statusCode, 200);
    }
  });

  test('logout answers 204 and the token stops working at once', async () => {
    const { app, login } = await buildHarness();
    const { auth } = await login();
    assert.equal((await app.inject({ method: 'GET', url: '/tasks', headers: auth })).statusCode, 200);
    const out = await app.inject({ method: 'POST', url: '/logout', headers: auth });
    assert.equal(out.statusCode, 204);
    const after = await app.inject({ method: 'GET', url: '/tasks', headers: auth });
    assert.equal(after.statusCode, 401);
  });

  test('a session expires after its TTL', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const { app, login, accounts } = await buildHarness({ sessionTtlMs: 60_000, now: () => now });
    const { auth } = await login();
    assert.equal((await app.inject({ method: 'GET', url: '/tasks', headers: auth })).statusCode, 200);
    now = new Date(now.getTime() + 61_000);
    const res = await app.inject({ method: 'GET', url: '/tasks', headers: auth });
    assert.equal(res.statusCode, 401);
    assert.equal(await accounts.purgeExpiredSessions(), 0, 'the lookup already dropped the expired session');
  });
});

describe('authentication on everything else', () => {
  test('POST /task with no header and no body is 401 with WWW-Authenticate, not 400 or 415', async () => {
    const { app } = await buildHarness();
    const res = await app.inject({ method: 'POST', url: '/task' });
    assert.equal(res.statusCode, 401);
    assert.match(String(res.headers['www-authenticate']), /^Bearer/);
    assert.equal(res.json().error.code, 'unauthorized');
  });

  test('GET /status/{random id} without a token is 401, not 404; a bad token too', async () => {
    const { app } = await buildHarness();
    const id = crypto.randomUUID();
    assert.equal((await app.inject({ method: 'GET', url: `/status/${id}` })).statusCode, 401);
    const bad = await app.inject({ method: 'GET', url: `/status/${id}`, headers: { authorization: 'Bearer nope' } });
    assert.equal(bad.statusCode, 401);
    const malformed = await app.inject({
      method: 'GET',
      url: `/result/${id}`,
      headers: { authorization: 'Basic abc' },
    });
    assert.equal(malformed.statusCode, 401);
  });

  test('the session cookie authenticates GETs; a cookie-only POST needs a same-origin Origin', async () => {
    const { app, login } = await buildHarness();
    const { token } = await login();
    const cookie = { cookie: `conveyor_session=${token}` };
    assert.equal((await app.inject({ method: 'GET', url: '/tasks', headers: cookie })).statusCode, 200);
    const payload = { translator: 'python3', code: 'print(1)' };
    const crossSite = await app.inject({
      method: 'POST',
      url: '/task',
      headers: { ...cookie, origin: 'https://evil.example', host: 'localhost:8000' },
      payload,
    });
    assert.equal(crossSite.statusCode, 403);
    const noOrigin = await app.inject({
      method: 'POST',
      url: '/task',
      headers: { ...cookie, host: 'localhost:8000' },
      payload,
    });
    assert.equal(noOrigin.statusCode, 403);
    const sameOrigin = await app.inject({
      method: 'POST',
      url: '/task',
      headers: { ...cookie, origin: 'http://localhost:8000', host: 'localhost:8000' },
      payload,
    });
    assert.equal(sameOrigin.statusCode, 201);
  });
});
