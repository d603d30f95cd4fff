/**
 * Long-poll: wait until a task is final, or for at most a given time, then answer with what the store
 * holds. Event-driven (TaskEvents), never a polling loop. Waiters are bounded per user and per process:
 * over the bound the caller answers 429 at once rather than hold another connection open.
 */
import type { TaskEvents } from './task-events.js';
import type { TaskRecord } from './task-store.js';

export interface WaiterBounds {
  perUser: number;
  perProcess: number;
}

export type WaitOutcome =
  | { kind: 'task'; task: TaskRecord | undefined }
  | { kind: 'too_many_waiters'; scope: 'user' | 'process'; max: number };

/** A task that is gone counts as final: there is nothing left to wait for. */
const isFinal = (task: TaskRecord | undefined) => task?.status !== 'in_progress';

export class TaskWaiters {
  private total = 0;
  private readonly byUser = new Map<string, number>();
  /** Ends every wait early (shutdown: the server must not hold answers for up to a minute). */
  private readonly releaseAll = new Set<() => void>();

  constructor(
    private readonly events: TaskEvents,
    private readonly bounds: WaiterBounds,
  ) {}

  get waiting(): number {
    return this.total;
  }

  /**
   * `read` returns the task as the store holds it now. Waits up to `ms` for it to be final; `signal`
   * (the client went away) ends the wait early.
   */
  async untilFinal(
    userId: string,
    read: () => Promise<TaskRecord | undefined>,
    ms: number,
    signal?: AbortSignal,
  ): Promise<WaitOutcome> {
    const first = await read();
    if (isFinal(first) || ms <= 0 || signal?.aborted) return { kind: 'task', task: first };
    if (this.total >= this.bounds.perProcess) {
      return { kind: 'too_many_waiters', scope: 'process', max: this.bounds.perProcess };
    }
    const mine = this.byUser.get(userId) ?? 0;
    if (mine >= this.bounds.perUser) return { kind: 'too_many_waiters', scope: 'user', max: this.bounds.perUser };
    this.total++;
    this.byUser.set(userId, mine + 1);
    try {
      await this.wake(first!.id, read, ms, signal);
      return { kind: 'task', task: await read() };
    } finally {
      this.total--;
      const left = (this.byUser.get(userId) ?? 1) - 1;
      if (left > 0) this.byUser.set(userId, left);
      else this.byUser.delete(userId);
    }
  }

  /** Ends every wait now; each answers with the task as it stands. */
  wakeAll(): void {
    for (const release of [...this.releaseAll]) release();
  }

  private wake(id: string, read: () => Promise<TaskRecord | undefined>, ms: number, signal?: AbortSignal) {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener('abort', done);
        this.releaseAll.delete(done);
        resolve();
      };
      const unsubscribe = this.events.subscribe(id, done);
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done);
      this.releaseAll.add(done);
      // The task may have turned final between the first read and the subscription: look once more.
      read().then((task) => {
        if (isFinal(task)) done();
      }, done);
    });
  }
}
