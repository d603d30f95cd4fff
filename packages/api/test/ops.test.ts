import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildHarness } from './harness.js';

test('/healthz is 200; /readyz follows the queue', async () => {
  const { app, publisher } = await buildHarness();
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  publisher.failing = true;
  const down = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(down.statusCode, 503);
  assert.deepEqual(down.json().checks, { queue: false });
});

test('/metrics: request counts by route and tasks by type and status; a token when configured', async () => {
  const { app, login } = await buildHarness({ metricsToken: 'secret-metrics' });
  const { auth } = await login();
  await app.inject({ method: 'POST', url: '/task', headers: auth, payload: { translator: 'gcc', code: 'x' } });
  assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer secret-metrics' } });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /conveyor_http_requests_total\{route="\/task",method="POST",status_code="201"\} 1/);
  assert.match(res.body, /conveyor_tasks\{type="code",status="in_progress"\} 1/);
  assert.match(res.body, /conveyor_http_request_duration_seconds_bucket/);
});

test('/openapi.json describes every endpoint with its error responses; /docs serves Swagger UI', async () => {
  const { app } = await buildHarness();
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  assert.equal(doc.openapi, '3.0.3');
  const endpoints: Array<[string, string]> = [
    ['/register', 'post'],
    ['/login', 'post'],
    ['/logout', 'post'],
    ['/task', 'post'],
    ['/status/{task_id}', 'get'],
    ['/result/{task_id}', 'get'],
    ['/tasks', 'get'],
    ['/commit', 'post'],
    ['/healthz', 'get'],
    ['/readyz', 'get'],
  ];
  for (const [path, method] of endpoints) {
    assert.ok(doc.paths[path]?.[method], `${method} ${path} is documented`);
  }
  assert.ok(doc.paths['/task'].post.responses['401']);
  assert.ok(doc.paths['/task'].post.responses['503']);
  assert.ok(doc.paths['/commit'].post.responses['409']);
  const ui = await app.inject({ method: 'GET', url: '/docs/' });
  assert.equal(ui.statusCode, 200);
  assert.match(ui.body, /swagger/i);
});

test('an unknown route is a JSON 404', async () => {
  const { app } = await buildHarness();
  const res = await app.inject({ method: 'GET', url: '/nope' });
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error.code, 'not_found');
});
