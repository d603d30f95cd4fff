/**
 * Counts events per key in a sliding window. Used to throttle failed logins and registrations. The
 * interface is asynchronous so the counters can live in a database shared by replicas
 * (postgres/postgres-rate-limiter.ts); RateLimiter below keeps them in this process.
 */
export interface WindowCounter {
  /** Seconds until `key` may act again, or 0 when it is under the limit. */
  retryAfter(key: string): Promise<number>;
  /** Events of `key` in the current window. */
  count(key: string): Promise<number>;
  hit(key: string): Promise<void>;
  reset(key: string): Promise<void>;
  /** Forgets events whose window has passed; call periodically. Resolves with how many it dropped. */
  sweep(): Promise<number>;
}

/**
 * The window in RAM: a log of timestamps per key; keys are forgotten once their window passes, so memory
 * follows the active keys only.
 */
export class RateLimiter implements WindowCounter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async retryAfter(key: string): Promise<number> {
    const times = this.live(key);
    if (times.length < this.max) return 0;
    const oldest = times[times.length - this.max]!;
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  /** Hits of `key` in the current window (at most the newest `max` are kept). */
  async count(key: string): Promise<number> {
    return this.live(key).length;
  }

  async hit(key: string): Promise<void> {
    const times = this.live(key);
    times.push(this.now());
    // Keep no more than needed to decide: the newest `max` timestamps.
    if (times.length > this.max) times.splice(0, times.length - this.max);
    this.hits.set(key, times);
  }

  /** Forgets `key`'s hits (a correct password clears that pair's failures). */
  async reset(key: string): Promise<void> {
    this.hits.delete(key);
  }

  /** Drops the keys whose window has passed (call periodically); returns how many it dropped. */
  async sweep(): Promise<number> {
    const before = this.hits.size;
    for (const key of this.hits.keys()) this.live(key);
    return before - this.hits.size;
  }

  private live(key: string): number[] {
    const times = this.hits.get(key);
    if (!times) return [];
    const cutoff = this.now() - this.windowMs;
    const kept = times.filter((t) => t > cutoff);
    if (kept.length === 0) this.hits.delete(key);
    else this.hits.set(key, kept);
    return kept;
  }
}
