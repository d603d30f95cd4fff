/**
 * The worker slots one consumer shares between the two lanes of its task type (see task-lane.ts). A delivery
 * takes a slot before its handler starts and gives it back when the handler settles; at most `slots` run at
 * once. When a slot frees, a waiting first-lane delivery gets it before any waiting rest-lane one, so a
 * rest-lane message prefetched while the slots were busy never holds back a first-lane message.
 */
import { TASK_LANES, type TaskLane } from './task-lane.js';

/**
 * A slot, or `refused`: the consumer is closing, or the wait was aborted (the delivery's channel is gone), and
 * the delivery must go back to its queue unhandled.
 */
export type SlotGrant = { kind: 'granted'; release: () => void } | { kind: 'refused' };

type Waiter = (grant: SlotGrant) => void;

export class LaneGate {
  private running = 0;
  private closed = false;
  private readonly waiting: Record<TaskLane, Waiter[]> = { first: [], rest: [] };

  constructor(readonly slots: number) {
    if (!Number.isInteger(slots) || slots < 1) throw new Error(`slots must be a positive integer, got ${slots}`);
  }

  /**
   * Resolves with a slot once one is free and no first-lane delivery waits ahead of this one; `refused` at
   * once when closed, or when `signal` aborts while waiting.
   */
  acquire(lane: TaskLane, signal?: AbortSignal): Promise<SlotGrant> {
    if (this.closed || signal?.aborted) return Promise.resolve({ kind: 'refused' });
    if (this.running < this.slots && this.waiting.first.length === 0 && this.waiting.rest.length === 0) {
      return Promise.resolve(this.grant());
    }
    return new Promise((resolve) => {
      const waiter: Waiter = (grant) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(grant);
      };
      const onAbort = () => {
        const queue = this.waiting[lane];
        const at = queue.indexOf(waiter);
        if (at >= 0) queue.splice(at, 1);
        resolve({ kind: 'refused' });
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting[lane].push(waiter);
    });
  }

  /** Deliveries waiting for a slot, per lane; for tests. */
  waitingCount(lane: TaskLane): number {
    return this.waiting[lane].length;
  }

  /** Refuses every waiting and later delivery; those already holding a slot keep it until they settle. */
  close(): void {
    this.closed = true;
    for (const lane of TASK_LANES) {
      for (const waiter of this.waiting[lane].splice(0)) waiter({ kind: 'refused' });
    }
  }

  private grant(): SlotGrant {
    this.running++;
    let released = false;
    return {
      kind: 'granted',
      release: () => {
        if (released) return;
        released = true;
        this.running--;
        this.next();
      },
    };
  }

  private next(): void {
    if (this.running >= this.slots) return;
    const waiter = this.waiting.first.shift() ?? this.waiting.rest.shift();
    waiter?.(this.grant());
  }
}
