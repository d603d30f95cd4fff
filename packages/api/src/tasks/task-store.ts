/**
 * Where tasks and their results live. Routes see only this interface, so a database can replace the
 * RAM implementation. Commits go through `commit`, which must apply the rules of `decideCommit`
 * atomically for its task (a database would use a conditional update).
 */
import type { TaskError, TaskStage, TaskStatus, TaskType } from '@conveyor/shared';
import type { TaskCursor } from './task-cursor.js';

export interface TaskRecord {
  id: string;
  ownerId: string;
  type: TaskType;
  status: TaskStatus;
  stage: TaskStage;
  createdAt: Date;
  updatedAt: Date;
  /** SHA-256 (hex) of the token a worker must present to commit this task. */
  commitTokenHash: string;
  result: unknown;
  error: TaskError | null;
  /** Digest of the final outcome, so a repeated identical commit is recognised as a retry. */
  outcomeDigest: string | null;
}

export type FinalCommit = { status: 'ready'; result: unknown } | { status: 'failed'; error: TaskError };
export type Commit = { status: 'running' } | FinalCommit;

export type CommitOutcome =
  | { kind: 'applied'; task: TaskRecord }
  /** The same final commit again: a worker's retry; nothing changes. */
  | { kind: 'repeated'; task: TaskRecord }
  /** The task is already final with another outcome (or a `running` commit came after the end). */
  | { kind: 'conflict'; task: TaskRecord }
  | { kind: 'not_found' };

export interface TaskPage {
  tasks: TaskRecord[];
  /** Where the next (older) page starts: the last task of this one; null on the last page. */
  next: TaskCursor | null;
}

export type Admission =
  /** Stored; `inFlightBefore` of the owner's other tasks were in flight then (0: it goes to the first lane). */
  { kind: 'created'; inFlightBefore: number } | { kind: 'too_many_in_flight' };

export interface TaskStore {
  create(task: TaskRecord): Promise<void>;
  /**
   * Stores the task only if its owner has fewer than `maxInFlight` tasks in flight, as one atomic step
   * (parallel posts, on one replica or several, cannot overshoot the cap), and says how many there were:
   * the count the cap checks is the one the queue lane is chosen from, read once.
   */
  createWithinCap(task: TaskRecord, maxInFlight: number): Promise<Admission>;
  get(id: string): Promise<TaskRecord | undefined>;
  /** Removes a task that was never handed to a worker (its publish failed). */
  delete(id: string): Promise<void>;
  commit(id: string, commit: Commit, now: Date): Promise<CommitOutcome>;
  /** The owner's tasks, newest first by (createdAt, id); with `before`, only those strictly below that key. */
  listByOwner(ownerId: string, limit: number, before?: TaskCursor): Promise<TaskPage>;
  /** How many of the owner's tasks are in flight (status in_progress: queued or running), for the per-user cap. */
  countInFlight(ownerId: string): Promise<number>;
  /** Counts by type and status, for metrics. */
  counts(): Promise<Array<{ type: TaskType; status: TaskStatus; count: number }>>;
  /**
   * Drops finished tasks past their TTL and, over the byte budget, finished ones of the owner holding the
   * most result bytes, that owner's oldest first (so one user filling the budget evicts only their own).
   */
  sweep(now: Date): Promise<number>;
}
