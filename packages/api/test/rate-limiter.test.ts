import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RateLimiter } from '../src/accounts/rate-limiter.js';
import { windowCounterContract } from './support/window-counter-contract.js';

describe('RateLimiter (RAM)', () => {
  windowCounterContract(async (max, windowMs, now) => new RateLimiter(max, windowMs, now));
});

test('sweep() forgets the keys whose window has passed, and only those', async () => {
  let now = 0;
  const limiter = new RateLimiter(2, 60_000, () => now);
  await limiter.hit('early');
  now = 30_000;
  await limiter.hit('later');
  assert.equal(await limiter.sweep(), 0, 'both are in their window');
  now = 60_000;
  assert.equal(await limiter.sweep(), 1, 'the early key is forgotten');
  assert.equal(await limiter.count('later'), 1, 'the later one is kept');
  now = 90_000;
  assert.equal(await limiter.sweep(), 1);
  assert.equal(await limiter.sweep(), 0, 'nothing is left');
});

test('reset() forgets one key and leaves the others', async () => {
  const limiter = new RateLimiter(1, 60_000, () => 0);
  await limiter.hit('a');
  await limiter.hit('b');
  await limiter.reset('a');
  assert.equal(await limiter.retryAfter('a'), 0);
  assert.equal(await limiter.retryAfter('b'), 60);
});
