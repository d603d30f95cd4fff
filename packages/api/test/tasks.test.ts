import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildHarness, makePng, pngHeaderClaiming } from './harness.js';

describe('POST /task', () => {
  test('a code task: 201 with a UUID and Location, and the normalised message published', async () => {
    const { app, login, publisher } = await buildHarness();
    const { auth } = await login();
    const res = await app.inject({
      method: 'POST',
      url: '/task',
      headers: auth,
      payload: { language: 'Python', code: 'print(input())', stdin: 'hi', limits: { time_ms: 2000 } },
    });
    assert.equal(res.statusCode, 201);
    const { task_id } = res.json();
    assert.match(task_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(res.headers.location, `/status/${task_id}`);
    const message = publisher.published.at(-1)!;
    assert.equal(message.task_id, task_id);
    assert.equal(message.type, 'code');
    assert.deepEqual(message.payload, {
      translator: 'python3',
      code: 'print(input())',
      stdin: 'hi',
      limits: { time_ms: 2000 },
    });
    assert.equal(message.schema_version, 1);
    // <task id>.<secret>: the token names its task, so /commit checks it before reading the body.
    assert.match(message.commit_token, /^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    assert.equal(message.commit_token.split('.')[0], message.task_id);
  });

  test('translator aliases map to canonical names', async () => {
    const { app, login, publisher } = await buildHarness();
    const { auth } = await login();
    const cases: Array<[Record<string, string>, string]> = [
      [{ translator: 'gcc' }, 'gcc'],
      [{ compiler: 'c' }, 'gcc'],
      [{ language: 'cpp' }, 'g++'],
      [{ translator: 'c++' }, 'g++'],
      [{ translator: 'clang++' }, 'clang++'],
      [{ language: 'python' }, 'python3'],
    ];
    for (const [field, expected] of cases) {
      const res = await app.inject({ method: 'POST', url: '/task', headers: auth, payload: { ...field, code: 'x' } });
      assert.equal(res.statusCode, 201, JSON.stringify(field));
      assert.equal((publisher.published.at(-1)!.payload as { translator: string }).translator, expected);
    }
  });

  test('an image task as JSON: the filter name is case-insensitive and parameters may be absent', async () => {
    const { app, login, publisher } = await buildHarness();
    const { auth } = await login();
    const image = makePng(4, 3).toString('base64');
    const res = await app.inject({
      method: 'POST',
      url: '/task',
      headers: auth,
      payload: { filter: { name: 'negative' }, image },
    });
    assert.equal(res.statusCode, 201);
    const message = publisher.published.at(-1)!;
    assert.equal(message.type, 'image');
    assert.deepEqual(message.payload, { filters: [{ name: 'Negative', parameters: {} }], image });
    const blur = await app.inject({
      method: 'POST',
      url: '/task',
      headers: auth,
      payload: { type: 'image', filters: [{ name: 'BLUR', parameters: { sigma: 2.5 } }, { name: 'flipx' }], image },
    });
    assert.equal(blur.statusCode, 201);
    assert.deepEqual((publisher.published.at(-1)!.payload as { filters: unknown }).filters, [
      { name: 'Blur', parameters: { sigma: 2.5 } },
      { name: 'FlipX', parameters: {} },
    ]);
  });

  test('an image task as multipart/form-data with an image file part and a filter JSON field', async () => {
    const { app, login, publisher } = await buildHarness();
    const { auth } = await login();
    const png = makePng(5, 5);
    const boundary = '----conveyor-test';
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="filter"\r\n\r\n{"name":"Sharpen","parameters":{"sigma":0.5}}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="in.png"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      png,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await app.inject({
      method: 'POST',
      url: '/task',
      headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: body,
    });
    assert.equal(res.statusCode, 201, res.body);
    const payload = publisher.published.at(-1)!.payload as { filters: unknown; image: string };
    assert.deepEqual(payload.filters, [{ name: 'Sharpen', parameters: { sigma: 0.5 } }]);
    assert.deepEqual(Buffer.from(payload.image, 'base64'), png);
  });

  test('multipart with a `filters` JSON array field and a bare filter name', async () => {
    const { app, login, publisher } = await buildHarness();
    const { auth } = await login();
    const png = makePng(3, 3);
    const form = (fields: Record<string, string>) => {
      const boundary = '----conveyor-chain';
      const parts = Object.entries(fields).map(
        ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      );
      return {
        headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: Buffer.concat([
          Buffer.from(
            `${parts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\n`,
          ),
          png,
          Buffer.from(`\r\n--${boundary}--\r\n`),
        ]),
      };
    };
    const chain = await app.inject({
      method: 'POST',
      url: '/task',
      ...form({ filters: '[{"name":"FlipX"},{"name":"negative"}]' }),
    });
    assert.equal(chain.statusCode, 201, chain.body);
    assert.deepEqual((publisher.published.at(-1)!.payload as { filters: unknown }).filters, [
      { name: 'FlipX', parameters: {} },
      { name: 'Negative', parameters: {} },
    ]);
    const bare = await app.inject({ method: 'POST', url: '/task', ...form({ filter: 'FlipY' }) });
    assert.equal(bare.statusCode, 201, bare.body);
    const bad = await app.inject({ method: 'POST', url: '/task', ...form({ filters: '[{"name":"Sepia"}]' }) });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.field, 'filters[0].name');
  });

  test('invalid tasks are 400 or 413 naming the field, and nothing is queued', async () => {
    const { app, login, publisher } = await buildHarness({ maxImageBytes: 4096, maxImagePixels: 10_000 });
    const { auth } = await login();
    const png = makePng(8, 8).toString('base64');
    const cases: Array<[unknown, number, string]> = [
      [{ translator: 'rust', code: 'fn main(){}' }, 400, 'translator'],
      [{ language: 'cobol', code: 'x' }, 400, 'language'],
      [{ translator: 'gcc' }, 400, 'code'],
      [{ translator: 'gcc', code: '' }, 400, 'code'],
      [{ translator: 'gcc', code: 'x'.repeat(64 * 1024 + 1) }, 413, 'code'],
      [{ translator: 'gcc', code: 'x', limits: { time_ms: -5 } }, 400, 'limits.time_ms'],
      [{ translator: 'gcc', code: 'x', limits: { cpu: 2 } }, 400, 'limits.cpu'],
      [{ filter: { name: 'Sepia' }, image: png }, 400, 'filter.name'],
      [{ filter: { name: 'Blur', parameters: { sigma: -1 } }, image: png }, 400, 'filter.parameters.sigma'],
      [{ filter: { name: 'Blur', parameters: { sigma: 'big' } }, image: png }, 400, 'filter.parameters.sigma'],
      [{ filter: { name: 'Blur', parameters: { sigma: 0 } }, image: png }, 400, 'filter.parameters.sigma'],
      [{ filter: { name: 'Blur', parameters: { sigma: 51 } }, image: png }, 400, 'filter.parameters.sigma'],
      [{ filter: { name: 'Negative', parameters: { amount: 2 } }, image: png }, 400, 'filter.parameters.amount'],
      [{ filters: Array(11).fill({ name: 'FlipX' }), image: png }, 400, 'filters'],
      [{ filter: { name: 'Blur' }, image: Buffer.from('GIF89a not a png').toString('base64') }, 400, 'image'],
      [{ filter: { name: 'Blur' }, image: '***not base64***' }, 400, 'image'],
      [{ filter: { name: 'Blur' }, image: Buffer.alloc(5000, 1).toString('base64') }, 413, 'image'],
      [{ filter: { name: 'Blur' }, image: pngHeaderClaiming(1000, 1000).toString('base64') }, 413, 'image'],
      [{ image: png }, 400, 'filter'],
      [{ type: 'video', code: 'x' }, 400, 'type'],
      [{ hello: 'world' }, 400, 'body'],
      [[1, 2, 3], 400, 'body'],
    ];
    for (const [payload, status, field] of cases) {
      const res = await app.inject({ method: 'POST', url: '/task', headers: auth, payload: payload as object });
      assert.equal(res.statusCode, status, `${JSON.stringify(payload).slice(0, 80)} → ${res.body}`);
      assert.equal(res.json().error.field, field, res.body);
      assert.ok(res.json().error.message.length > 0);
    }
    assert.equal(publisher.published.length, 0);
  });

  test('malformed JSON is a 400 and an unsupported content type a 415, both as JSON errors', async () => {
    const { app, login } = await buildHarness();
    const { auth } = await login();
    const bad = await app.inject({
      method: 'POST',
      url: '/task',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"code": ',
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'invalid_json');
    const xml = await app.inject({
      method: 'POST',
      url: '/task',
      headers: { ...auth, 'content-type': 'text/xml' },
      payload: '<a/>',
    });
    assert.equal(xml.statusCode, 415);
    assert.ok(xml.json().error.message);
  });

  test('publish failure → 503, and the task is not left in_progress', async () => {
    const { app, login, publisher } = await buildHarness();
    const { auth } = await login();
    publisher.failing = true;
    const res = await app.inject({
      method: 'POST',
      url: '/task',
      headers: auth,
      payload: { translator: 'gcc', code: 'x' },
    });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().error.code, 'queue_unavailable');
    const list = await app.inject({ method: 'GET', url: '/tasks', headers: auth });
    assert.deepEqual(list.json().tasks, []);
  });
});

describe('GET /status, /result, /tasks', () => {
  test('status is in_progress/queued at first; result 202 with result null', async () => {
    const { app, login } = await buildHarness();
    const { auth } = await login();
    const { task_id } = (
      await app.inject({ method: 'POST', url: '/task', headers: auth, payload: { translator: 'gcc', code: 'x' } })
    ).json();
    const status = await app.inject({ method: 'GET', url: `/status/${task_id}`, headers: auth });
    assert.equal(status.statusCode, 200);
    const body = status.json();
    assert.deepEqual(
      { task_id: body.task_id, type: body.type, status: body.status, stage: body.stage },
      { task_id, type: 'code', status: 'in_progress', stage: 'queued' },
    );
    assert.ok(Date.parse(body.created_at) && Date.parse(body.updated_at));
    const result = await app.inject({ method: 'GET', url: `/result/${task_id}`, headers: auth });
    assert.equal(result.statusCode, 202);
    assert.deepEqual(result.json(), { task_id, status: 'in_progress', result: null });
  });

  test("another user's task, an unknown id and a malformed id are all 404", async () => {
    const { app, login } = await buildHarness();
    const owner = await login();
    const other = await login();
    const { task_id } = (
      await app.inject({ method: 'POST', url: '/task', headers: owner.auth, payload: { translator: 'gcc', code: 'x' } })
    ).json();
    for (const url of [`/status/${task_id}`, `/result/${task_id}`]) {
      const res = await app.inject({ method: 'GET', url, headers: other.auth });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'not_found');
    }
    const unknown = await app.inject({ method: 'GET', url: `/status/${crypto.randomUUID()}`, headers: owner.auth });
    assert.equal(unknown.statusCode, 404);
    const malformed = await app.inject({ method: 'GET', url: '/result/not-a-uuid', headers: owner.auth });
    assert.equal(malformed.statusCode, 404);
  });

  test('GET /tasks lists the caller’s tasks newest first, paginated', async () => {
    // A clock one millisecond further at each reading, so creation order is also created_at order.
    let tick = Date.parse('2026-06-01T00:00:00Z');
    const { app, login } = await buildHarness({ now: () => new Date(tick++) });
    const { auth } = await login();
    const other = await login();
    await app.inject({ method: 'POST', url: '/task', headers: other.auth, payload: { translator: 'gcc', code: 'x' } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (
          await app.inject({
            method: 'POST',
            url: '/task',
            headers: auth,
            payload: { translator: 'gcc', code: `x${i}` },
          })
        ).json().task_id,
      );
    }
    const first = (await app.inject({ method: 'GET', url: '/tasks?limit=2', headers: auth })).json();
    assert.deepEqual(
      first.tasks.map((t: { task_id: string }) => t.task_id),
      [ids[4], ids[3]],
    );
    const second = (
      await app.inject({ method: 'GET', url: `/tasks?limit=2&cursor=${first.next_cursor}`, headers: auth })
    ).json();
    assert.deepEqual(
      second.tasks.map((t: { task_id: string }) => t.task_id),
      [ids[2], ids[1]],
    );
    const third = (
      await app.inject({ method: 'GET', url: `/tasks?limit=2&cursor=${second.next_cursor}`, headers: auth })
    ).json();
    assert.deepEqual(
      third.tasks.map((t: { task_id: string }) => t.task_id),
      [ids[0]],
    );
    assert.equal(third.next_cursor, null);
    const bad = await app.inject({ method: 'GET', url: '/tasks?limit=1000', headers: auth });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.field, 'limit');
    for (const cursor of ['3', 'abc', `12_${'x'.repeat(36)}`]) {
      const badCursor = await app.inject({ method: 'GET', url: `/tasks?cursor=${cursor}`, headers: auth });
      assert.equal(badCursor.statusCode, 400, cursor);
      assert.equal(badCursor.json().error.field, 'cursor');
    }
  });
});
