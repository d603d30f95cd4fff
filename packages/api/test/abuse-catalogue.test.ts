/**
 * The abuse suite's malformed-request catalogue: well over 100 requests a client can get wrong, each with the
 * 4xx it must get. None may answer 5xx or hang, and no answer may echo a huge value back.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { buildHarness, makePng, pngHeaderClaiming } from './harness.js';
import { codeResult } from './support/code-result.js';

type Harness = Awaited<ReturnType<typeof buildHarness>>;

type Auth = 'user' | 'none' | 'cookie' | Record<string, string>;
interface Case {
  name: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  url: string;
  /** A JSON value (sent as application/json), or raw text/bytes with `type`. */
  json?: unknown;
  raw?: string | Buffer;
  type?: string;
  /** Which credentials to send: a user's bearer token (default for /task, /status, ...), none, or others. */
  auth?: Auth;
  headers?: Record<string, string>;
  remoteAddress?: string;
  expect: number;
}

const BIG = 'x'.repeat(10 * 1024);
const png = makePng(4, 4).toString('base64');
const image = (filter: unknown) => ({ filter, image: png });
const boundary = 'abuse-boundary';
const form = (parts: string) => ({ raw: parts, type: `multipart/form-data; boundary=${boundary}` });
const filePart = (name = 'image') =>
  `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n${makePng(2, 2).toString('latin1')}\r\n`;
const field = (name: string, value: string) =>
  `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;

function accountCases(url: string): Case[] {
  const ok = { username: 'cataloguer', password: 'password123' };
  return [
    { name: 'empty JSON body', url, raw: '', type: 'application/json', expect: 400 },
    { name: 'invalid JSON', url, raw: '{"username":', type: 'application/json', expect: 400 },
    { name: 'JSON array', url, json: [ok], expect: 400 },
    { name: 'JSON string', url, json: 'alice', expect: 400 },
    { name: 'JSON null', url, raw: 'null', type: 'application/json', expect: 400 },
    { name: 'numeric username', url, json: { ...ok, username: 12345 }, expect: 400 },
    { name: 'null username', url, json: { ...ok, username: null }, expect: 400 },
    { name: 'array username', url, json: { ...ok, username: ['alice'] }, expect: 400 },
    { name: 'object username', url, json: { ...ok, username: { a: 1 } }, expect: 400 },
    { name: 'short username', url, json: { ...ok, username: 'ab' }, expect: 400 },
    { name: '10 KiB username', url, json: { ...ok, username: BIG }, expect: 400 },
    { name: 'username with a space', url, json: { ...ok, username: 'a b c' }, expect: 400 },
    { name: 'username with a NUL', url, json: { ...ok, username: 'abc\u0000' }, expect: 400 },
    { name: 'numeric password', url, json: { ...ok, password: 12345678 }, expect: 400 },
    { name: 'short password', url, json: { ...ok, password: 'short' }, expect: 400 },
    // /register refuses it as a field; /login simply finds no account with it.
    {
      name: 'password over 72 bytes',
      url,
      json: { ...ok, password: 'p'.repeat(73) },
      expect: url === '/login' ? 401 : 400,
    },
    { name: 'no username', url, json: { password: ok.password }, expect: 400 },
    { name: 'no password', url, json: { username: ok.username }, expect: 400 },
    { name: 'text/plain body', url, raw: 'username=a', type: 'text/plain', expect: 415 },
    {
      name: 'urlencoded body',
      url,
      raw: 'username=abc&password=x',
      type: 'application/x-www-form-urlencoded',
      expect: 415,
    },
    { name: 'a 2 MiB body', url, json: { ...ok, password: 'p'.repeat(2 * 1024 * 1024) }, expect: 413 },
  ].map((c) => ({ ...c, method: 'POST' as const, auth: 'none' as const }));
}

const taskCases: Case[] = (<Case[]>[
  { name: 'no credentials', url: '/task', json: { translator: 'gcc', code: 'x' }, auth: 'none', expect: 401 },
  { name: 'Basic auth', url: '/task', json: {}, auth: { authorization: 'Basic dTpw' }, expect: 401 },
  { name: 'unknown bearer token', url: '/task', json: {}, auth: { authorization: 'Bearer nope' }, expect: 401 },
  { name: '10 KiB bearer token', url: '/task', json: {}, auth: { authorization: `Bearer ${BIG}` }, expect: 401 },
  { name: 'empty JSON body', url: '/task', raw: '', type: 'application/json', expect: 400 },
  { name: 'invalid JSON', url: '/task', raw: '{"code": "x"', type: 'application/json', expect: 400 },
  { name: 'JSON array', url: '/task', json: [1, 2], expect: 400 },
  { name: 'JSON number', url: '/task', raw: '42', type: 'application/json', expect: 400 },
  { name: 'empty object', url: '/task', json: {}, expect: 400 },
  { name: 'unknown type', url: '/task', json: { type: 'video' }, expect: 400 },
  { name: 'numeric type', url: '/task', json: { type: 5, code: 'x' }, expect: 400 },
  { name: 'unknown translator', url: '/task', json: { translator: 'cobol', code: 'x' }, expect: 400 },
  { name: 'numeric translator', url: '/task', json: { translator: 3, code: 'x' }, expect: 400 },
  { name: '10 KiB translator name', url: '/task', json: { translator: BIG, code: 'x' }, expect: 400 },
  { name: 'null translator', url: '/task', json: { translator: null, code: 'x' }, expect: 400 },
  { name: 'no code', url: '/task', json: { translator: 'gcc' }, expect: 400 },
  { name: 'numeric code', url: '/task', json: { translator: 'gcc', code: 1 }, expect: 400 },
  { name: 'empty code', url: '/task', json: { translator: 'gcc', code: '' }, expect: 400 },
  { name: 'code over 64 KiB', url: '/task', json: { translator: 'gcc', code: 'x'.repeat(65 * 1024) }, expect: 413 },
  { name: 'numeric stdin', url: '/task', json: { translator: 'gcc', code: 'x', stdin: 1 }, expect: 400 },
  {
    name: 'stdin over 1 MiB',
    url: '/task',
    json: { translator: 'gcc', code: 'x', stdin: 'i'.repeat(1024 * 1024 + 1) },
    expect: 413,
  },
  { name: 'limits as an array', url: '/task', json: { translator: 'gcc', code: 'x', limits: [] }, expect: 400 },
  { name: 'limits as a string', url: '/task', json: { translator: 'gcc', code: 'x', limits: 'fast' }, expect: 400 },
  {
    name: 'time_ms as a string',
    url: '/task',
    json: { translator: 'gcc', code: 'x', limits: { time_ms: '100' } },
    expect: 400,
  },
  {
    name: 'time_ms too large',
    url: '/task',
    json: { translator: 'gcc', code: 'x', limits: { time_ms: 1e9 } },
    expect: 400,
  },
  {
    name: 'time_ms fractional',
    url: '/task',
    json: { translator: 'gcc', code: 'x', limits: { time_ms: 150.5 } },
    expect: 400,
  },
  {
    name: 'memory_mb negative',
    url: '/task',
    json: { translator: 'gcc', code: 'x', limits: { memory_mb: -1 } },
    expect: 400,
  },
  { name: 'unknown limit', url: '/task', json: { translator: 'gcc', code: 'x', limits: { cpus: 8 } }, expect: 400 },
  { name: 'image without a filter', url: '/task', json: { image: png }, expect: 400 },
  { name: 'unknown filter', url: '/task', json: image({ name: 'Emboss' }), expect: 400 },
  { name: '10 KiB filter name', url: '/task', json: image({ name: BIG }), expect: 400 },
  { name: 'numeric filter name', url: '/task', json: image({ name: 7 }), expect: 400 },
  { name: 'filter as a number', url: '/task', json: image(7), expect: 400 },
  { name: 'filter as an array', url: '/task', json: image([{ name: 'Blur' }]), expect: 400 },
  { name: 'filter as invalid JSON text', url: '/task', json: image('{"name":'), expect: 400 },
  { name: 'parameters as an array', url: '/task', json: image({ name: 'Blur', parameters: [] }), expect: 400 },
  { name: 'sigma null', url: '/task', json: image({ name: 'Blur', parameters: { sigma: null } }), expect: 400 },
  { name: 'sigma as a string', url: '/task', json: image({ name: 'Blur', parameters: { sigma: '2' } }), expect: 400 },
  { name: 'sigma 0', url: '/task', json: image({ name: 'Blur', parameters: { sigma: 0 } }), expect: 400 },
  { name: 'sigma negative', url: '/task', json: image({ name: 'Sharpen', parameters: { sigma: -1 } }), expect: 400 },
  { name: 'sigma over 50', url: '/task', json: image({ name: 'Blur', parameters: { sigma: 51 } }), expect: 400 },
  {
    name: 'sigma 1e999',
    url: '/task',
    raw: `{"filter":{"name":"Blur","parameters":{"sigma":1e999}},"image":"${png}"}`,
    type: 'application/json',
    expect: 400,
  },
  { name: 'sigma on Negative', url: '/task', json: image({ name: 'Negative', parameters: { sigma: 1 } }), expect: 400 },
  { name: 'unknown parameter', url: '/task', json: image({ name: 'Blur', parameters: { radius: 3 } }), expect: 400 },
  { name: 'empty filters', url: '/task', json: { filters: [], image: png }, expect: 400 },
  { name: 'filters not an array', url: '/task', json: { filters: { name: 'Blur' }, image: png }, expect: 400 },
  {
    name: '11 filter steps',
    url: '/task',
    json: { filters: Array(11).fill({ name: 'FlipX' }), image: png },
    expect: 400,
  },
  {
    name: 'a bad step in filters',
    url: '/task',
    json: { filters: [{ name: 'FlipX' }, { name: 'Nope' }], image: png },
    expect: 400,
  },
  { name: 'numeric image', url: '/task', json: { filter: { name: 'FlipX' }, image: 5 }, expect: 400 },
  { name: 'empty image', url: '/task', json: { filter: { name: 'FlipX' }, image: '' }, expect: 400 },
  { name: 'image not base64', url: '/task', json: { filter: { name: 'FlipX' }, image: '@@@@' }, expect: 400 },
  {
    name: 'image not a PNG',
    url: '/task',
    json: {
      filter: { name: 'FlipX' },
      image: Buffer.from('GIF89a........................................').toString('base64'),
    },
    expect: 400,
  },
  {
    name: 'PNG cut inside IHDR',
    url: '/task',
    json: { filter: { name: 'FlipX' }, image: makePng(2, 2).subarray(0, 20).toString('base64') },
    expect: 400,
  },
  {
    name: 'PNG claiming 0x0',
    url: '/task',
    json: { filter: { name: 'FlipX' }, image: pngHeaderClaiming(0, 0).toString('base64') },
    expect: 400,
  },
  {
    name: 'PNG claiming 100k x 100k (pixel cap)',
    url: '/task',
    json: { filter: { name: 'FlipX' }, image: pngHeaderClaiming(100_000, 100_000).toString('base64') },
    expect: 413,
  },
  {
    name: 'image over the byte cap',
    url: '/task',
    json: { filter: { name: 'FlipX' }, image: Buffer.alloc(1024 * 1024 + 1).toString('base64') },
    expect: 413,
  },
  {
    name: 'image cost bomb (2000x2000, 10 x Sharpen sigma 50)',
    url: '/task',
    json: {
      filters: Array(10).fill({ name: 'Sharpen', parameters: { sigma: 50 } }),
      image: pngHeaderClaiming(2000, 2000).toString('base64'),
    },
    expect: 413,
  },
  { name: 'text/plain body', url: '/task', raw: 'print(1)', type: 'text/plain', expect: 415 },
  { name: 'XML body', url: '/task', raw: '<task/>', type: 'application/xml', expect: 415 },
  { name: 'multipart without a boundary', url: '/task', raw: 'x', type: 'multipart/form-data', expect: 400 },
  {
    name: 'multipart cut short',
    url: '/task',
    ...form(`--${boundary}\r\nContent-Disposition: form-data; name="filter"\r\n\r\nBlur`),
    expect: 400,
  },
  { name: 'multipart with no parts', url: '/task', ...form(`--${boundary}--\r\n`), expect: 400 },
  {
    name: 'multipart with two files',
    url: '/task',
    ...form(`${field('filter', 'FlipX')}${filePart()}${filePart('other')}--${boundary}--\r\n`),
    expect: 413,
  },
  {
    name: 'multipart without the image',
    url: '/task',
    ...form(`${field('filter', 'FlipX')}--${boundary}--\r\n`),
    expect: 400,
  },
  {
    name: 'multipart with an unknown filter',
    url: '/task',
    ...form(`${field('filter', 'Emboss')}${filePart()}--${boundary}--\r\n`),
    expect: 400,
  },
  {
    name: 'multipart with a __proto__ field',
    url: '/task',
    ...form(`${field('__proto__', '{}')}${filePart()}--${boundary}--\r\n`),
    expect: 400,
  },
  {
    name: 'multipart with garbage headers',
    url: '/task',
    ...form(`--${boundary}\r\nno colon here\r\n\r\nx\r\n--${boundary}--\r\n`),
    expect: 400,
  },
]).map((c) => ({ ...c, method: 'POST' as const }));

const id = randomUUID();
const readCases: Case[] = (<Case[]>[
  { name: 'status of a malformed id', url: '/status/not-a-uuid', expect: 404 },
  { name: 'status of an unknown id', url: `/status/${id}`, expect: 404 },
  // Past Fastify's maxParamLength the /status/:id route does not match; the web app's wildcard route takes the
  // path and, for a client that does not ask for HTML, answers the JSON 404 (the same as any malformed id).
  { name: 'status of a 10 KiB id', url: `/status/${BIG}`, expect: 404 },
  { name: 'status with a path traversal', url: '/status/..%2F..%2Fetc%2Fpasswd', expect: 404 },
  { name: 'status without credentials', url: `/status/${id}`, auth: 'none', expect: 401 },
  { name: 'result of a malformed id', url: '/result/x', expect: 404 },
  { name: 'result of an unknown id', url: `/result/${id}`, expect: 404 },
  { name: 'result in an unknown format', url: `/result/${id}?format=gif`, expect: 400 },
  { name: 'result without credentials', url: `/result/${id}`, auth: 'none', expect: 401 },
  { name: 'tasks with limit 0', url: '/tasks?limit=0', expect: 400 },
  { name: 'tasks with limit 101', url: '/tasks?limit=101', expect: 400 },
  { name: 'tasks with limit abc', url: '/tasks?limit=abc', expect: 400 },
  { name: 'tasks with limit -1', url: '/tasks?limit=-1', expect: 400 },
  { name: 'tasks with limit 1.5', url: '/tasks?limit=1.5', expect: 400 },
  { name: 'tasks without credentials', url: '/tasks', auth: 'none', expect: 401 },
  { name: 'tasks with a broken cookie', url: '/tasks', auth: { cookie: 'conveyor_session=' }, expect: 401 },
]).map((c) => ({ ...c, method: 'GET' as const }));

const miscCases: Case[] = [
  { name: 'an unknown route', method: 'GET', url: '/nope', auth: 'none', expect: 404 },
  { name: 'a 10 KiB unknown route', method: 'GET', url: `/${BIG}`, auth: 'none', expect: 404 },
  { name: 'PUT /task', method: 'PUT', url: '/task', json: {}, expect: 404 },
  { name: 'DELETE /register', method: 'DELETE', url: '/register', auth: 'none', expect: 404 },
  { name: 'PATCH /login', method: 'PATCH', url: '/login', json: {}, auth: 'none', expect: 404 },
  { name: 'GET /commit', method: 'GET', url: '/commit', auth: 'none', expect: 404 },
  {
    name: '/metrics from another host',
    method: 'GET',
    url: '/metrics',
    auth: 'none',
    remoteAddress: '203.0.113.9',
    expect: 403,
  },
  {
    name: '/metrics forwarded by a proxy',
    method: 'GET',
    url: '/metrics',
    auth: 'none',
    headers: { 'x-forwarded-for': '203.0.113.9' },
    expect: 403,
  },
  {
    name: 'cookie POST from a foreign origin',
    method: 'POST',
    url: '/task',
    json: { translator: 'gcc', code: 'x' },
    auth: 'cookie',
    headers: { origin: 'https://evil.example' },
    expect: 403,
  },
  { name: 'cookie POST without an origin', method: 'POST', url: '/logout', auth: 'cookie', expect: 403 },
  {
    name: 'cookie POST with a null origin',
    method: 'POST',
    url: '/logout',
    auth: 'cookie',
    headers: { origin: 'null' },
    expect: 403,
  },
  { name: 'logout without credentials', method: 'POST', url: '/logout', auth: 'none', expect: 401 },
];

/** /commit cases need live tasks; `auth` names whose token to send. */
type CommitAuth = 'code' | 'image' | 'session' | 'none' | 'unknown-task' | 'wrong-secret' | 'basic';
interface CommitCase {
  name: string;
  auth: CommitAuth;
  body: (ids: { code: string; image: string }) => unknown;
  raw?: string;
  expect: number;
}
const commitCases: CommitCase[] = [
  { name: 'no token', auth: 'none', body: (t) => ({ task_id: t.code, status: 'running' }), expect: 401 },
  { name: 'Basic auth', auth: 'basic', body: (t) => ({ task_id: t.code, status: 'running' }), expect: 401 },
  {
    name: "a user's session token",
    auth: 'session',
    body: (t) => ({ task_id: t.code, status: 'running' }),
    expect: 403,
  },
  {
    name: 'a token naming an unknown task',
    auth: 'unknown-task',
    body: (t) => ({ task_id: t.code, status: 'running' }),
    expect: 404,
  },
  { name: 'a wrong secret', auth: 'wrong-secret', body: (t) => ({ task_id: t.code, status: 'running' }), expect: 403 },
  {
    name: 'a wrong token with a 60 MiB body declared',
    auth: 'wrong-secret',
    body: () => undefined,
    raw: 'x',
    expect: 403,
  },
  { name: 'invalid JSON', auth: 'code', body: () => undefined, raw: '{"task_id"', expect: 400 },
  { name: 'unknown status', auth: 'code', body: (t) => ({ task_id: t.code, status: 'done' }), expect: 400 },
  { name: 'ready without a result', auth: 'code', body: (t) => ({ task_id: t.code, status: 'ready' }), expect: 400 },
  { name: 'failed without an error', auth: 'code', body: (t) => ({ task_id: t.code, status: 'failed' }), expect: 400 },
  {
    name: 'a numeric result',
    auth: 'code',
    body: (t) => ({ task_id: t.code, status: 'ready', result: 5 }),
    expect: 400,
  },
  {
    name: 'an error without a message',
    auth: 'code',
    body: (t) => ({ task_id: t.code, status: 'failed', error: { code: 'x' } }),
    expect: 400,
  },
  {
    name: 'another task in the body',
    auth: 'code',
    body: (t) => ({ task_id: t.image, status: 'running' }),
    expect: 403,
  },
  {
    name: 'a PNG for a code task',
    auth: 'code',
    body: (t) => ({ task_id: t.code, status: 'ready', result: png }),
    expect: 400,
  },
  {
    name: 'a code result for an image task',
    auth: 'image',
    body: (t) => ({ task_id: t.image, status: 'ready', result: codeResult() }),
    expect: 400,
  },
  {
    name: 'an image result that is no PNG',
    auth: 'image',
    body: (t) => ({ task_id: t.image, status: 'ready', result: 'bm9wZQ==' }),
    expect: 400,
  },
  { name: 'a numeric task id', auth: 'code', body: () => ({ task_id: 5, status: 'running' }), expect: 400 },
];

describe('abuse: the malformed-request catalogue', () => {
  let h: Harness;
  let user: Awaited<ReturnType<Harness['login']>>;
  let cookie: string;
  const tokens: Record<string, string> = {};
  const ids = { code: '', image: '' };

  before(async () => {
    h = await buildHarness({ loginFailuresPerMinute: 1000, registrationsPerMinute: 1000 });
    user = await h.login();
    cookie = `conveyor_session=${user.token}`;
    for (const [kind, payload] of [
      ['code', { translator: 'gcc', code: 'int main(){}' }],
      ['image', { filter: { name: 'FlipX' }, image: png }],
    ] as const) {
      const { task_id, token } = await h.submitTask(user.auth, payload);
      ids[kind] = task_id;
      tokens[kind] = token;
    }
  });
  after(() => h.app.close());

  const all = [...accountCases('/register'), ...accountCases('/login'), ...taskCases, ...readCases, ...miscCases];
  test(`the catalogue has at least 100 cases (${all.length + commitCases.length})`, () => {
    assert.ok(all.length + commitCases.length >= 100);
  });

  async function check(
    name: string,
    expected: number,
    send: () => Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>,
  ) {
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${name}: no answer within 10 s (a hang)`)), 10_000).unref(),
    );
    const res = await Promise.race([send(), timeout]);
    assert.equal(res.statusCode, expected, `${name}: ${res.body.slice(0, 300)}`);
    assert.match(String(res.headers['content-type']), /application\/json/, name);
    const body = JSON.parse(res.body) as { error?: { code?: string; message?: string } };
    assert.equal(typeof body.error?.code, 'string', `${name}: an error code`);
    assert.ok(res.body.length < 1000, `${name}: the answer echoes no huge value (${res.body.length} bytes)`);
  }

  for (const c of all) {
    test(`${c.method} ${c.url.slice(0, 40)}: ${c.name} → ${c.expect}`, async () => {
      const auth =
        c.auth === 'none'
          ? {}
          : c.auth === 'cookie'
            ? { cookie }
            : c.auth === undefined || c.auth === 'user'
              ? user.auth
              : c.auth;
      const headers: Record<string, string> = { ...auth, ...c.headers };
      let payload: string | Buffer | undefined;
      if (c.json !== undefined) {
        payload = JSON.stringify(c.json);
        headers['content-type'] = 'application/json';
      } else if (c.raw !== undefined) {
        payload = typeof c.raw === 'string' && c.type?.startsWith('multipart') ? Buffer.from(c.raw, 'latin1') : c.raw;
        if (c.type) headers['content-type'] = c.type;
      }
      await check(c.name, c.expect, () =>
        h.app.inject({
          method: c.method ?? 'GET',
          url: c.url,
          headers,
          ...(payload !== undefined ? { payload } : {}),
          ...(c.remoteAddress ? { remoteAddress: c.remoteAddress } : {}),
        }),
      );
    });
  }

  for (const c of commitCases) {
    test(`POST /commit: ${c.name} → ${c.expect}`, async () => {
      const bearer: Record<CommitAuth, string | undefined> = {
        code: `Bearer ${tokens.code}`,
        image: `Bearer ${tokens.image}`,
        session: `Bearer ${user.token}`,
        none: undefined,
        'unknown-task': `Bearer ${randomUUID()}.secret`,
        'wrong-secret': `Bearer ${ids.code}.not-the-secret`,
        basic: 'Basic dTpw',
      };
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const authorization = bearer[c.auth];
      if (authorization) headers.authorization = authorization;
      const body = c.body(ids);
      const payload = c.raw ?? JSON.stringify(body);
      await check(c.name, c.expect, () => h.app.inject({ method: 'POST', url: '/commit', headers, payload }));
    });
  }
});
