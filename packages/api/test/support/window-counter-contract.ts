/** The contract of a throttle's sliding window (WindowCounter), run on RAM and on PostgreSQL. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { WindowCounter } from '../../src/accounts/rate-limiter.js';

/** `make(max, windowMs, now)` returns a fresh counter reading the given clock. */
export type WindowCounterFactory = (max: number, windowMs: number, now: () => number) => Promise<WindowCounter>;

export function windowCounterContract(make: WindowCounterFactory): void {
  it('allows max hits per window, then tells how long to wait, then forgets', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const start = now;
    const limiter = await make(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      assert.equal(await limiter.retryAfter('k'), 0);
      await limiter.hit('k');
      now += 1000;
    }
    assert.equal(await limiter.count('k'), 3);
    assert.equal(await limiter.retryAfter('k'), 57, 'the oldest hit (t=0) leaves the window at t=60s');
    assert.equal(await limiter.retryAfter('other'), 0, 'keys are independent');
    now = start + 60_001;
    assert.equal(await limiter.retryAfter('k'), 0);
    assert.equal(await limiter.count('k'), 2);
    now = start + 200_000;
    await limiter.sweep();
    assert.equal(await limiter.count('k'), 0);
    await limiter.hit('k');
    await limiter.reset('k');
    assert.equal(await limiter.count('k'), 0);
  });

  it('any string is a key, a NUL or a non-ASCII character included', async () => {
    const limiter = await make(1, 60_000, () => Date.parse('2026-01-01T00:00:00Z'));
    const keys = ['alice\u0000203.0.113.9', 'alice\u0000203.0.113.8', 'żółw'];
    await limiter.hit(keys[0]!);
    await limiter.hit(keys[2]!);
    assert.deepEqual(await Promise.all(keys.map((k) => limiter.count(k))), [1, 0, 1]);
  });
}
