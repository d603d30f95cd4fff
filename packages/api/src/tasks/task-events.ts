/**
 * "This task may have turned final": the wake-up signal of long-polls. It carries only the task id; a woken
 * waiter re-reads the task from the store, so a spurious or duplicated wake-up is harmless. In RAM the
 * store publishes it in-process; on PostgreSQL a trigger NOTIFYs every replica (postgres-task-events.ts).
 */
export type Unsubscribe = () => void;

export interface TaskEvents {
  /** Calls `wake` whenever task `id` may have become final, until unsubscribed. */
  subscribe(id: string, wake: () => void): Unsubscribe;
  close(): Promise<void>;
}

/** The subscribers of this process, by task id. */
export class LocalTaskEvents implements TaskEvents {
  private readonly subscribers = new Map<string, Set<() => void>>();

  subscribe(id: string, wake: () => void): Unsubscribe {
    const set = this.subscribers.get(id) ?? new Set();
    set.add(wake);
    this.subscribers.set(id, set);
    return () => {
      set.delete(wake);
      if (set.size === 0 && this.subscribers.get(id) === set) this.subscribers.delete(id);
    };
  }

  /** Task `id` turned final. */
  publish(id: string): void {
    for (const wake of [...(this.subscribers.get(id) ?? [])]) wake();
  }

  /** Wakes every subscriber: after events may have been missed (a lost connection), so all re-read. */
  wakeAll(): void {
    for (const set of [...this.subscribers.values()]) for (const wake of [...set]) wake();
  }

  async close(): Promise<void> {
    this.wakeAll();
  }
}
