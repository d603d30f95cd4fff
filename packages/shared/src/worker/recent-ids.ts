/**
 * A small bounded memory of ids seen lately: the worker's recently cancelled tasks. A cancel can arrive
 * before the delivery it is about has reached the point where the worker can stop it; remembering it for a
 * few minutes lets that delivery see it. Bounded in count and age, so a flood of cancels costs a fixed amount.
 */
export interface RecentIdsOptions {
  /** Ids kept at most; past it the oldest is forgotten. */
  max: number;
  /** How long an id is remembered. */
  ttlMs: number;
  now?: () => number;
}

export class RecentIds {
  /** Id → when it expires; a Map keeps insertion order, so the first entry is the oldest. */
  private readonly expiry = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: RecentIdsOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  add(id: string): void {
    this.expiry.delete(id);
    this.expiry.set(id, this.now() + this.options.ttlMs);
    while (this.expiry.size > this.options.max) this.expiry.delete(this.expiry.keys().next().value!);
  }

  has(id: string): boolean {
    const until = this.expiry.get(id);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.expiry.delete(id);
    return false;
  }

  get size(): number {
    return this.expiry.size;
  }
}
