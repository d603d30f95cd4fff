/**
 * The request log: one line per request at info, on completion (reqId, method, route, status, time); the
 * full request and response at debug. Two lines a request at info were ~2.4 MB/s of logs at 6,000 req/s.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createInProcessControlBus } from '@conveyor/shared';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createApiServer } from '../src/api-server.js';
import { readApiConfig } from '../src/config.js';
import { RecordingPublisher } from './harness.js';

type Line = Record<string, unknown> & { level: number; msg: string };

async function apiLoggingAt(level: string) {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  const { app } = await createApiServer({
    config: readApiConfig({ BCRYPT_COST: '4' }),
    publisher: new RecordingPublisher(),
    control: createInProcessControlBus(),
    logger: pino({ level }, sink),
    registry: new Registry(),
  });
  await app.ready();
  const credentials = { username: 'log-user', password: 'password123' };
  await app.inject({ method: 'POST', url: '/register', payload: credentials });
  const { token } = (await app.inject({ method: 'POST', url: '/login', payload: credentials })).json();
  const created = await app.inject({
    method: 'POST',
    url: '/task',
    headers: { authorization: `Bearer ${token}` },
    payload: { translator: 'python3', code: 'print(1)' },
  });
  const taskId = created.json().task_id as string;
  lines.length = 0;
  const res = await app.inject({
    method: 'GET',
    url: `/status/${taskId}`,
    headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-under-test' },
  });
  assert.equal(res.statusCode, 200);
  await app.close();
  return lines.filter((line) => line.reqId === 'req-under-test');
}

test('at info, a request logs one line on completion: reqId, method, route, status and time', async () => {
  const lines = await apiLoggingAt('info');
  assert.equal(lines.length, 1, `one line, got ${JSON.stringify(lines)}`);
  const [line] = lines as [Line];
  assert.equal(line.level, 30);
  assert.equal(line.method, 'GET');
  assert.equal(line.route, '/status/:task_id');
  assert.equal(line.status, 200);
  assert.equal(typeof line.ms, 'number');
  // No request detail (URL with the task id, headers, addresses) at info.
  assert.equal(line.req, undefined);
  assert.equal(line.res, undefined);
});

test('at debug, the request and its completion are logged with the full detail', async () => {
  const lines = await apiLoggingAt('debug');
  const incoming = lines.find((line) => line.msg === 'incoming request');
  const completed = lines.find((line) => line.msg === 'request completed');
  assert.ok(incoming && completed, `both lines, got ${JSON.stringify(lines)}`);
  assert.match(String((incoming.req as { url?: string }).url), /^\/status\//);
  assert.equal((completed.res as { statusCode?: number }).statusCode, 200);
  assert.equal(completed.route, '/status/:task_id');
  assert.equal(completed.status, 200);
});
