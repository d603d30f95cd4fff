/**
 * The abuse suite's network cases, on a real listening API (port 0, in process): a body trickling one byte
 * every 5 s is cut within the request timeout, one address cannot hold more than its share of connections,
 * and /commit refuses a wrong token before the body arrives.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { buildHarness } from './harness.js';

type Harness = Awaited<ReturnType<typeof buildHarness>>;

/** Connects and collects everything the server sends until it closes the connection. */
function open(port: number): { socket: Socket; closed: Promise<string> } {
  const socket = connect({ port, host: '127.0.0.1' });
  socket.setNoDelay(true);
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
  });
  const closed = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(received));
    socket.on('error', () => {});
  });
  return { socket, closed };
}

describe('abuse: slow and greedy clients', () => {
  let h: Harness;
  let port: number;

  before(async () => {
    h = await buildHarness({ env: { REQUEST_TIMEOUT: '2s', CONNECTIONS_PER_ADDRESS: '4' } });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as { port: number }).port;
  });
  after(() => h.app.close());

  test('a body trickling 1 byte every 5 s is cut within the request timeout (408)', async () => {
    const { socket, closed } = open(port);
    const body = JSON.stringify({ username: 'trickler', password: 'password123' });
    socket.write(
      `POST /register HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    let sent = 0;
    const trickle = setInterval(() => {
      if (!socket.destroyed && sent < body.length) socket.write(body[sent++]!);
    }, 5000);
    socket.write(body[sent++]!);
    const started = Date.now();
    const answer = await closed;
    clearInterval(trickle);
    // The whole body would take ~4 minutes; the server must not wait for it.
    assert.ok(Date.now() - started < 10_000, `cut after ${Date.now() - started} ms`);
    assert.ok(sent < body.length);
    assert.match(answer, /^HTTP\/1\.1 408/);
  });

  test('an address holding its share of connections gets no more', async () => {
    const held = Array.from({ length: 4 }, () => open(port));
    await Promise.all(held.map(({ socket }) => new Promise((r) => socket.once('connect', r))));
    const extra = open(port);
    const answer = await extra.closed;
    assert.equal(answer, '', 'the fifth connection is closed without an answer');
    for (const { socket } of held) socket.destroy();
    await Promise.all(held.map(({ closed }) => closed));
    // Once they are gone, the address is welcome again.
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(res.status, 200);
  });

  test('/commit refuses a wrong token before the body: a 60 MiB body declared and never sent', async () => {
    for (const [token, status] of [
      [`${randomUUID()}.made-up`, 404],
      ['not-a-commit-token', 403],
    ] as const) {
      const { socket, closed } = open(port);
      socket.write(
        `POST /commit HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${60 * 1024 * 1024}\r\n\r\n{"task_id":`,
      );
      const answer = await Promise.race([
        closed,
        new Promise<string>((r) => socket.once('data', (chunk) => r(chunk.toString('latin1')))),
      ]);
      socket.destroy();
      assert.match(answer, new RegExp(`^HTTP/1\\.1 ${status}`));
    }
  });
});
