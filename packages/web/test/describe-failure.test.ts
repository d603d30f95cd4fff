/** Failures in words, as the page shows them in place: the wait of a 429 or 503, the network gone. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFailure } from '../src/api/client.js';

const http = (status: number, code: string, message: string, retryAfter?: number) => ({
  ok: false as const,
  kind: 'http' as const,
  status,
  code,
  message,
  ...(retryAfter ? { retryAfter } : {}),
});

test('a 429 says how long to wait, from Retry-After', () => {
  assert.equal(
    describeFailure(http(429, 'too_many_requests', 'too many attempts: try again in 42 s', 42)),
    'Too many attempts. Try again in 42 s.',
  );
});

test('a 503 says nothing was queued, and when to try again', () => {
  assert.equal(
    describeFailure(http(503, 'queue_unavailable', 'the task queue is unavailable: down', 5)),
    'The task queue is unavailable right now; nothing was queued. Try again in 5 s.',
  );
  assert.match(describeFailure(http(503, 'queue_full', 'full')), /queue is full; nothing was queued\.$/);
});

test("other errors keep the API's message; the network gone is said as such", () => {
  assert.equal(describeFailure(http(400, 'invalid_field', 'sigma must be a number')), 'Sigma must be a number');
  assert.match(describeFailure({ ok: false, kind: 'network', message: 'Failed to fetch' }), /cannot be reached/);
});
