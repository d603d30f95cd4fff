/**
 * The login throttle policy. Guessing a password and locking its owner out are different threats, so:
 * - per (username, address): strict. Past `LOGIN_FAILURES_PER_MINUTE` failures that pair gets 429.
 * - per address: strict too (one address guessing across many names).
 * - per username, across addresses: no lock. Failures from many addresses only slow that name's logins down
 *   by a delay that doubles with each failure past the free ones, up to `LOGIN_DELAY_MAX` (3 s by default).
 *   An attacker on 20 addresses cannot lock the owner out: from a fresh address the owner's correct password
 *   is answered within that delay.
 * A /register of an existing name with another password (the 409) is a failed login for that name here, so
 * /register is no password oracle outside this throttle.
 * Decisions over WindowCounter windows (in RAM, or in PostgreSQL shared by replicas): no HTTP, no sleeping (AccountService waits the delay).
 */
import type { WindowCounter } from './rate-limiter.js';

export interface LoginThrottleLimiters {
  /** Failed logins per (username, address). */
  perNameAndAddress: WindowCounter;
  /** Failed logins per client address, any username. */
  perAddress: WindowCounter;
  /** Failed logins per username, any address: counted for the delay, never to refuse. */
  perName: WindowCounter;
}

export interface LoginDelayPolicy {
  /** Failures of a name (across addresses, in the window) that cost no delay. */
  freeFailures: number;
  /** The delay after the first failure past the free ones; it doubles with each further one. */
  baseMs: number;
  maxMs: number;
}

export type LoginAdmission = { kind: 'throttled'; retryAfter: number } | { kind: 'admitted'; delayMs: number };

// A space joins the two: no username or address holds one, and PostgreSQL's text refuses a NUL byte.
const pairKey = (username: string, address: string) => `${username} ${address}`;

export class LoginThrottle {
  constructor(
    private readonly limiters: LoginThrottleLimiters,
    private readonly delay: LoginDelayPolicy,
  ) {}

  /** Whether a login (or a /register of an existing name) from `address` may be tried now, and after what delay. */
  async admit(username: string, address: string): Promise<LoginAdmission> {
    const [pair, perAddress, nameFailures] = await Promise.all([
      this.limiters.perNameAndAddress.retryAfter(pairKey(username, address)),
      this.limiters.perAddress.retryAfter(address),
      this.limiters.perName.count(username),
    ]);
    const retryAfter = Math.max(pair, perAddress);
    if (retryAfter > 0) return { kind: 'throttled', retryAfter };
    return { kind: 'admitted', delayMs: this.delayFor(nameFailures) };
  }

  async failed(username: string, address: string): Promise<void> {
    await Promise.all([
      this.limiters.perNameAndAddress.hit(pairKey(username, address)),
      this.limiters.perAddress.hit(address),
      this.limiters.perName.hit(username),
    ]);
  }

  /** A correct password clears that pair's failures (the owner's typos), not the name's. */
  async succeeded(username: string, address: string): Promise<void> {
    await this.limiters.perNameAndAddress.reset(pairKey(username, address));
  }

  delayFor(failures: number): number {
    const over = failures - this.delay.freeFailures;
    if (over <= 0) return 0;
    return Math.min(this.delay.maxMs, this.delay.baseMs * 2 ** Math.min(over - 1, 30));
  }
}
