import type { TaskStatus, TaskType } from '@conveyor/shared';
import { decideCommit, estimateBytes } from './commit-rules.js';
import type { Commit, CommitOutcome, TaskPage, TaskRecord, TaskStore } from './task-store.js';

export interface MemoryTaskStoreOptions {
  /** How long a finished task is kept. */
  finishedTtlMs: number;
  /** Total bytes of results kept; past it the heaviest owner's oldest finished tasks are dropped first. */
  byteBudget: number;
}

/**
 * TaskStore in RAM: a hash table by id, plus each owner's ids in creation order. Finished tasks are kept in
 * finishing order too (a Map keeps insertion order), overall for the TTL and per owner for the byte budget.
 */
export class MemoryTaskStore implements TaskStore {
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly byOwner = new Map<string, string[]>();
  /** Finished task id → its byte estimate, oldest finished first. */
  private readonly finished = new Map<string, number>();
  /** Per owner: their finished task ids → byte estimate (oldest first), and their total. */
  private readonly finishedByOwner = new Map<string, { ids: Map<string, number>; bytes: number }>();
  /** Per owner: tasks still in_progress. */
  private readonly inFlight = new Map<string, number>();
  private bytes = 0;

  constructor(private readonly options: MemoryTaskStoreOptions) {}

  async create(task: TaskRecord): Promise<void> {
    this.tasks.set(task.id, { ...task });
    const ids = this.byOwner.get(task.ownerId) ?? [];
    ids.push(task.id);
    this.byOwner.set(task.ownerId, ids);
    if (task.status === 'in_progress') this.addInFlight(task.ownerId, 1);
  }

  async countInFlight(ownerId: string): Promise<number> {
    return this.inFlight.get(ownerId) ?? 0;
  }

  private addInFlight(ownerId: string, delta: number): void {
    const count = (this.inFlight.get(ownerId) ?? 0) + delta;
    if (count > 0) this.inFlight.set(ownerId, count);
    else this.inFlight.delete(ownerId);
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const task = this.tasks.get(id);
    return task ? { ...task } : undefined;
  }

  async delete(id: string): Promise<void> {
    this.remove(id);
  }

  private remove(id: string): void {
    const task = this.tasks.get(id);
    if (!task) return;
    this.tasks.delete(id);
    if (task.status === 'in_progress') this.addInFlight(task.ownerId, -1);
    const ids = this.byOwner.get(task.ownerId);
    if (ids) {
      const at = ids.lastIndexOf(id);
      if (at >= 0) ids.splice(at, 1);
      if (ids.length === 0) this.byOwner.delete(task.ownerId);
    }
    const size = this.finished.get(id);
    if (size !== undefined) {
      this.finished.delete(id);
      this.bytes -= size;
      const own = this.finishedByOwner.get(task.ownerId);
      if (own?.ids.delete(id)) {
        own.bytes -= size;
        if (own.ids.size === 0) this.finishedByOwner.delete(task.ownerId);
      }
    }
  }

  async commit(id: string, commit: Commit, now: Date): Promise<CommitOutcome> {
    const task = this.tasks.get(id);
    if (!task) return { kind: 'not_found' };
    const decision = decideCommit(task, commit, now);
    if (decision.kind !== 'apply') return { kind: decision.kind, task: { ...task } };
    const wasInFlight = task.status === 'in_progress';
    Object.assign(task, decision.changes);
    if (task.status !== 'in_progress') {
      if (wasInFlight) this.addInFlight(task.ownerId, -1);
      const size = estimateBytes(task);
      this.finished.set(id, size);
      this.bytes += size;
      const own = this.finishedByOwner.get(task.ownerId) ?? { ids: new Map<string, number>(), bytes: 0 };
      own.ids.set(id, size);
      own.bytes += size;
      this.finishedByOwner.set(task.ownerId, own);
      this.enforceBudget();
    }
    return { kind: 'applied', task: { ...task } };
  }

  async listByOwner(ownerId: string, limit: number, cursor?: string): Promise<TaskPage> {
    const ids = this.byOwner.get(ownerId) ?? [];
    // The cursor is the index (in creation order) just below the last task of the previous page.
    let end = ids.length;
    if (cursor !== undefined) {
      const parsed = Number.parseInt(cursor, 10);
      end = Number.isInteger(parsed) && parsed >= 0 ? Math.min(parsed, ids.length) : 0;
    }
    const start = Math.max(0, end - limit);
    const tasks = ids
      .slice(start, end)
      .reverse()
      .map((id) => ({ ...this.tasks.get(id)! }));
    return { tasks, nextCursor: start > 0 ? String(start) : null };
  }

  async counts(): Promise<Array<{ type: TaskType; status: TaskStatus; count: number }>> {
    const counts = new Map<string, { type: TaskType; status: TaskStatus; count: number }>();
    for (const task of this.tasks.values()) {
      const key = `${task.type}/${task.status}`;
      const entry = counts.get(key) ?? { type: task.type, status: task.status, count: 0 };
      entry.count++;
      counts.set(key, entry);
    }
    return [...counts.values()];
  }

  async sweep(now: Date): Promise<number> {
    let dropped = 0;
    const cutoff = now.getTime() - this.options.finishedTtlMs;
    for (const id of this.finished.keys()) {
      const task = this.tasks.get(id);
      // Finished order is roughly updatedAt order, so the first young task ends the scan.
      if (task && task.updatedAt.getTime() > cutoff) break;
      this.remove(id);
      dropped++;
    }
    return dropped + this.enforceBudget();
  }

  /**
   * Until the results fit the byte budget, drops the oldest finished task of the owner holding the most
   * result bytes: a user who fills the budget evicts their own results, not everyone's oldest.
   */
  private enforceBudget(): number {
    let dropped = 0;
    while (this.bytes > this.options.byteBudget) {
      let heaviest: { ids: Map<string, number>; bytes: number } | undefined;
      for (const own of this.finishedByOwner.values()) if (!heaviest || own.bytes > heaviest.bytes) heaviest = own;
      const oldest = heaviest?.ids.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
      dropped++;
    }
    return dropped;
  }
}
