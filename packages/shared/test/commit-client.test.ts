import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { backoffDelayMs, CommitClient, CommitUnavailableError } from '@conveyor/shared';

type Reply = (request: IncomingMessage, body: string, response: ServerResponse) => void;

describe('CommitClient', () => {
  let server: Server;
  let url = '';
  let replies: Reply[] = [];
  const seen: { authorization?: string; body: string; connection?: string }[] = [];
  const json =
    (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
    (_q, _b, res) =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  const ok = json(200, { task_id: 't', status: 'in_progress' });

  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        seen.push({ authorization: request.headers.authorization, body, connection: request.headers.connection });
        (replies.shift() ?? ok)(request, body, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const client = (options: Partial<ConstructorParameters<typeof CommitClient>[0]> = {}) =>
    new CommitClient({ apiUrl: url, attempts: 4, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 500, ...options });
  const request = { task_id: '3b241101-e2bb-4255-8caf-4136c566a962', status: 'running' as const };

  it('posts JSON with the bearer token to /commit, keeping the connection alive', async () => {
    seen.length = 0;
    replies = [];
    const answer = await client().commit('tok', request);
    assert.deepEqual(answer, { kind: 'accepted', taskStatus: 'in_progress' });
    assert.equal(seen[0]?.authorization, 'Bearer tok');
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), request);
    assert.notEqual(seen[0]?.connection, 'close');
  });

  it('maps 409, 404, 403 and other 4xx to answers without retrying', async () => {
    replies = [
      json(409, { message: 'already final' }),
      json(404, { message: 'unknown task' }),
      json(403, { message: 'bad token' }),
      json(413, { message: 'too large' }),
    ];
    seen.length = 0;
    const c = client();
    assert.deepEqual(await c.commit('t', request), { kind: 'conflict', message: 'HTTP 409 already final' });
    assert.deepEqual(await c.commit('t', request), { kind: 'not_found', message: 'HTTP 404 unknown task' });
    assert.deepEqual(await c.commit('t', request), { kind: 'forbidden', message: 'HTTP 403 bad token' });
    assert.deepEqual(await c.commit('t', request), { kind: 'refused', status: 413, message: 'HTTP 413 too large' });
    assert.equal(seen.length, 4);
  });

  it('retries 5xx, 429 and timeouts, then succeeds', async () => {
    replies = [json(500, {}), json(429, {}, { 'retry-after': '0' }), () => {}, ok]; // the third never answers
    seen.length = 0;
    const answer = await client({ timeoutMs: 100 }).commit('t', request);
    assert.equal(answer.kind, 'accepted');
    assert.equal(seen.length, 4);
  });

  it('gives up with CommitUnavailableError naming the last problem', async () => {
    replies = [json(503, { message: 'down' }), json(503, { message: 'down' })];
    await assert.rejects(client({ attempts: 2 }).commit('t', request), (error: unknown) => {
      assert.ok(error instanceof CommitUnavailableError);
      assert.equal(error.attempts, 2);
      assert.match(error.message, /after 2 attempts: HTTP 503 down/);
      return true;
    });
  });

  it('treats an unreachable API as transient', async () => {
    // A port that was just free: fetch refuses well-known "bad" ports such as 1 before connecting.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const started = Date.now();
    await assert.rejects(
      new CommitClient({ apiUrl: `http://127.0.0.1:${closedPort}`, attempts: 3, baseDelayMs: 5 }).commit('t', request),
      /after 3 attempts: fetch failed \(ECONNREFUSED\)/,
    );
    assert.ok(Date.now() - started < 2000);
  });

  it('stops retrying when the signal aborts', async () => {
    replies = [json(503, {})];
    const controller = new AbortController();
    const pending = client({ baseDelayMs: 5000, maxDelayMs: 5000 }).commit('t', request, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, CommitUnavailableError);
  });

  it('refuses an API URL that is not a URL', () => {
    assert.throws(() => new CommitClient({ apiUrl: 'not a url' }), /not a valid URL/);
  });

  it('back-off is full jitter under an exponential cap', () => {
    const options = { baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(
      backoffDelayMs(0, options, () => 0.999),
      99,
    );
    assert.equal(
      backoffDelayMs(3, options, () => 0.5),
      400,
    );
    assert.equal(
      backoffDelayMs(10, options, () => 0.999),
      999,
    );
    assert.equal(
      backoffDelayMs(10, options, () => 0),
      0,
    );
  });
});
