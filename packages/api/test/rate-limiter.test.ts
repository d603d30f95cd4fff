import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from '../src/accounts/rate-limiter.js';

test('allows max hits per window, then tells how long to wait, until the oldest hit leaves the window', () => {
  let now = 0;
  const limiter = new RateLimiter(3, 60_000, () => now);
  for (let i = 0; i < 3; i++) {
    assert.equal(limiter.retryAfter('k'), 0);
    limiter.hit('k');
    now += 1000;
  }
  assert.equal(limiter.retryAfter('k'), 57, 'the oldest hit (t=0) leaves the window at t=60s');
  assert.equal(limiter.retryAfter('other'), 0, 'keys are independent');
  now = 59_999;
  assert.equal(limiter.retryAfter('k'), 1, 'never 0 while over the limit');
  now = 60_000;
  assert.equal(limiter.retryAfter('k'), 0, 'one slot free once the oldest hit is a full window old');
  assert.equal(limiter.count('k'), 2);
  limiter.hit('k');
  assert.equal(limiter.retryAfter('k'), 1, 'the second hit (t=1s) is the oldest now');
});

test('sweep() forgets the keys whose window has passed, and only those', () => {
  let now = 0;
  const limiter = new RateLimiter(2, 60_000, () => now);
  limiter.hit('early');
  now = 30_000;
  limiter.hit('later');
  assert.equal(limiter.sweep(), 0, 'both are in their window');
  now = 60_000;
  assert.equal(limiter.sweep(), 1, 'the early key is forgotten');
  assert.equal(limiter.count('later'), 1, 'the later one is kept');
  now = 90_000;
  assert.equal(limiter.sweep(), 1);
  assert.equal(limiter.sweep(), 0, 'nothing is left');
});

test('reset() forgets one key and leaves the others', () => {
  const limiter = new RateLimiter(1, 60_000, () => 0);
  limiter.hit('a');
  limiter.hit('b');
  limiter.reset('a');
  assert.equal(limiter.retryAfter('a'), 0);
  assert.equal(limiter.retryAfter('b'), 60);
});
