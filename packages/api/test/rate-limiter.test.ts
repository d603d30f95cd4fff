import { describe } from 'node:test';
import { RateLimiter } from '../src/accounts/rate-limiter.js';
import { windowCounterContract } from './support/window-counter-contract.js';

describe('RateLimiter (RAM)', () => {
  windowCounterContract(async (max, windowMs, now) => new RateLimiter(max, windowMs, now));
});
