/**
 * A sliding-window counter (the RateLimiter contract) kept in PostgreSQL, so the login and registration
 * throttles hold when a client's requests alternate between replicas. One row per counted event; windows
 * are read with the index (limiter, key, at).
 */
import type { Sql } from 'postgres';
import type { WindowCounter } from '../accounts/rate-limiter.js';

/** Keys as UTF-8 bytes: a text column cannot hold the NUL that joins a login pair's name and address. */
const bytes = (key: string) => Buffer.from(key, 'utf8');

export class PostgresRateLimiter implements WindowCounter {
  constructor(
    private readonly sql: Sql,
    /** Which limiter's rows these are (one table holds them all). */
    private readonly name: string,
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private cutoff(): Date {
    return new Date(this.now() - this.windowMs);
  }

  async retryAfter(key: string): Promise<number> {
    // The max-th newest event in the window: once it leaves the window, the key is under the limit again.
    const [row] = await this.sql<{ at: Date }[]>`
      SELECT at FROM rate_hits WHERE limiter = ${this.name} AND key = ${bytes(key)} AND at > ${this.cutoff()}
      ORDER BY at DESC OFFSET ${this.max - 1} LIMIT 1`;
    if (!row) return 0;
    return Math.max(1, Math.ceil((row.at.getTime() + this.windowMs - this.now()) / 1000));
  }

  async count(key: string): Promise<number> {
    const [row] = await this.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM rate_hits WHERE limiter = ${this.name} AND key = ${bytes(key)} AND at > ${this.cutoff()}`;
    return row!.n;
  }

  async hit(key: string): Promise<void> {
    await this
      .sql`INSERT INTO rate_hits (limiter, key, at) VALUES (${this.name}, ${bytes(key)}, ${new Date(this.now())})`;
  }

  async reset(key: string): Promise<void> {
    await this.sql`DELETE FROM rate_hits WHERE limiter = ${this.name} AND key = ${bytes(key)}`;
  }

  /** Drops this limiter's events older than its window, in batches. */
  async sweep(): Promise<number> {
    let dropped = 0;
    for (;;) {
      const rows = await this.sql`
        DELETE FROM rate_hits WHERE ctid IN (
          SELECT ctid FROM rate_hits WHERE limiter = ${this.name} AND at <= ${this.cutoff()} LIMIT 1000)
        RETURNING 1`;
      dropped += rows.length;
      if (rows.length < 1000) return dropped;
    }
  }
}
