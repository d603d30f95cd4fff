/**
 * The HTTP request metrics as Prometheus sees them: counts by route, method and status; latency histograms
 * by route and method, with cumulative buckets, +Inf, _sum and _count.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildHarness } from './harness.js';

const BUCKETS = ['0.001', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '+Inf'];

/** The sample lines of one metric family: `name{labels} value`, in order. */
function samples(body: string, family: string): string[] {
  return body.split('\n').filter((line) => line.startsWith(`${family}{`) || line.startsWith(`${family}_`));
}

test('/metrics: conveyor_http_requests_total and conveyor_http_request_duration_seconds in the exposition format', async () => {
  const { app, login } = await buildHarness();
  const { auth } = await login();
  const created = await app.inject({
    method: 'POST',
    url: '/task',
    headers: auth,
    payload: { translator: 'gcc', code: 'x' },
  });
  const id = created.json().task_id as string;
  for (let i = 0; i < 3; i++) await app.inject({ method: 'GET', url: `/status/${id}`, headers: auth });
  await app.inject({ method: 'GET', url: '/status/not-a-task', headers: auth });
  await app.inject({ method: 'GET', url: '/no/such/route' });
  const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;

  assert.match(
    body,
    /# HELP conveyor_http_requests_total HTTP requests by route, method and status code\n# TYPE conveyor_http_requests_total counter\n/,
  );
  const counts = samples(body, 'conveyor_http_requests_total');
  assert.ok(
    counts.includes('conveyor_http_requests_total{route="/status/:task_id",method="GET",status_code="200"} 3'),
    counts.join('\n'),
  );
  assert.ok(counts.includes('conveyor_http_requests_total{route="/status/:task_id",method="GET",status_code="404"} 1'));
  assert.ok(counts.includes('conveyor_http_requests_total{route="/task",method="POST",status_code="201"} 1'));
  assert.ok(counts.includes('conveyor_http_requests_total{route="unmatched",method="GET",status_code="404"} 1'));

  assert.match(
    body,
    /# HELP conveyor_http_request_duration_seconds HTTP request latency by route and method\n# TYPE conveyor_http_request_duration_seconds histogram\n/,
  );
  const latency = samples(body, 'conveyor_http_request_duration_seconds').filter((line) =>
    line.includes('route="/status/:task_id"'),
  );
  const buckets = latency.filter((line) => line.startsWith('conveyor_http_request_duration_seconds_bucket'));
  assert.deepEqual(
    buckets.map((line) => /le="([^"]+)"/.exec(line)?.[1]),
    BUCKETS,
  );
  for (const line of buckets)
    assert.match(
      line,
      /^conveyor_http_request_duration_seconds_bucket\{le="[^"]+",route="\/status\/:task_id",method="GET"\} \d+$/,
    );
  const values = buckets.map((line) => Number(line.split(' ')[1]));
  for (let i = 1; i < values.length; i++) assert.ok(values[i]! >= values[i - 1]!, `cumulative: ${values}`);
  assert.equal(values.at(-1), 4);
  const sum = latency.find((line) => line.startsWith('conveyor_http_request_duration_seconds_sum'));
  const count = latency.find((line) => line.startsWith('conveyor_http_request_duration_seconds_count'));
  assert.match(
    sum ?? '',
    /^conveyor_http_request_duration_seconds_sum\{route="\/status\/:task_id",method="GET"\} [0-9.e-]+$/,
  );
  assert.ok(Number(sum!.split(' ')[1]) > 0);
  assert.equal(count, 'conveyor_http_request_duration_seconds_count{route="/status/:task_id",method="GET"} 4');
});
