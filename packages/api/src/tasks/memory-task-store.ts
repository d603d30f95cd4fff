import type { TaskStatus, TaskType } from '@conveyor/shared';
import { decideCommit, estimateBytes } from './commit-rules.js';
import { compareNewestFirst, type TaskCursor } from './task-cursor.js';
import type { Admission, Commit, CommitOutcome, TaskPage, TaskRecord, TaskStore } from './task-store.js';

export interface MemoryTaskStoreOptions {
  /** How long a finished task is kept. */
  finishedTtlMs: number;
  /** Total bytes of results kept; past it the heaviest owner's oldest finished tasks are dropped first. */
  byteBudget: number;
  /** Told the id of each task that turns final (the in-process wake-up of long-polls). */
  onFinal?: (id: string) => void;
}

/**
 * TaskStore in RAM: a hash table by id, plus each owner's keys sorted newest first by (createdAt, id), so
 * a page is a binary search away and removing a task never shifts another page. Finished tasks are kept in
 * finishing order too (a Map keeps insertion order), overall for the TTL and per owner for the byte budget.
 */
export class MemoryTaskStore implements TaskStore {
  private readonly tasks = new Map<string, TaskRecord>();
  /** Per owner: their tasks' keys, newest first (the GET /tasks order). */
  private readonly byOwner = new Map<string, TaskCursor[]>();
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
    const keys = this.byOwner.get(task.ownerId) ?? [];
    const key = { createdAt: task.createdAt, id: task.id };
    keys.splice(firstBelow(keys, key), 0, key);
    this.byOwner.set(task.ownerId, keys);
    if (task.status === 'in_progress') this.addInFlight(task.ownerId, 1);
  }

  /** Check and insert run with no await between them: atomic in this process, the only one holding it. */
  async createWithinCap(task: TaskRecord, maxInFlight: number): Promise<Admission> {
    const inFlightBefore = this.inFlight.get(task.ownerId) ?? 0;
    if (inFlightBefore >= maxInFlight) return { kind: 'too_many_in_flight' };
    await this.create(task);
    return { kind: 'created', inFlightBefore };
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
    const keys = this.byOwner.get(task.ownerId);
    if (keys) {
      const at = firstBelow(keys, task) - 1;
      if (keys[at]?.id === id) keys.splice(at, 1);
      if (keys.length === 0) this.byOwner.delete(task.ownerId);
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
      this.options.onFinal?.(id);
    }
    return { kind: 'applied', task: { ...task } };
  }

  async listByOwner(ownerId: string, limit: number, before?: TaskCursor): Promise<TaskPage> {
    const keys = this.byOwner.get(ownerId) ?? [];
    const start = before ? firstBelow(keys, before) : 0;
    const page = keys.slice(start, start + limit);
    const tasks = page.map((key) => ({ ...this.tasks.get(key.id)! }));
    const last = page[page.length - 1];
    return { tasks, next: last && start + limit < keys.length ? { createdAt: last.createdAt, id: last.id } : null };
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

/** The index of the first key strictly below `key` in a newest-first list (binary search). */
function firstBelow(keys: TaskCursor[], key: TaskCursor): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareNewestFirst(keys[mid]!, key) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
