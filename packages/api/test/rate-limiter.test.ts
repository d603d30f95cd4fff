import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from '../src/accounts/rate-limiter.js';

test('allows max hits per window, then tells how long to wait, then forgets', () => {
  let now = 0;
  const limiter = new RateLimiter(3, 60_000, () => now);
  for (let i = 0; i < 3; i++) {
    assert.equal(limiter.retryAfter('k'), 0);
    limiter.hit('k');
    now += 1000;
  }
  assert.equal(limiter.retryAfter('k'), 57, 'the oldest hit (t=0) leaves the window at t=60s');
  assert.equal(limiter.retryAfter('other'), 0, 'keys are independent');
  now = 60_001;
  assert.equal(limiter.retryAfter('k'), 0);
  now = 200_000;
  limiter.sweep();
  limiter.reset('k');
  assert.equal(limiter.retryAfter('k'), 0);
});
