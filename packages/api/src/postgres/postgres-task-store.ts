/**
 * TaskStore on PostgreSQL. Every commit rule is decided by one conditional UPDATE (only a task still
 * in_progress changes), so two replicas committing the same task at the same instant get one winner; the
 * loser's outcome (repeat or conflict) is read afterwards from the final row, which no longer changes.
 */
import type { TaskError, TaskStage, TaskStatus, TaskType } from '@conveyor/shared';
import type { Sql } from 'postgres';
import { decideCommit, estimateBytes } from '../tasks/commit-rules.js';
import type { TaskCursor } from '../tasks/task-cursor.js';
import type { Admission, Commit, CommitOutcome, TaskPage, TaskRecord, TaskStore } from '../tasks/task-store.js';

export interface PostgresTaskStoreOptions {
  finishedTtlMs: number;
  byteBudget: number;
  /** Rows one sweep statement deletes at most, so no sweep holds many locks or a long transaction. */
  sweepBatch?: number;
}

interface TaskRow {
  id: string;
  owner_id: string;
  type: TaskType;
  status: TaskStatus;
  stage: TaskStage;
  created_at: Date;
  updated_at: Date;
  commit_token_hash: string;
  code_result: unknown;
  image_result: Buffer | null;
  error: TaskError | null;
  outcome_digest: string | null;
}

function toRecord(row: TaskRow): TaskRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    type: row.type,
    status: row.status,
    stage: row.stage,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    commitTokenHash: row.commit_token_hash,
    result: row.image_result ? row.image_result.toString('base64') : (row.code_result ?? null),
    error: row.error,
    outcomeDigest: row.outcome_digest,
  };
}

const COLUMNS =
  'id, owner_id, type, status, stage, created_at, updated_at, commit_token_hash, code_result, image_result, error, outcome_digest';

export class PostgresTaskStore implements TaskStore {
  private readonly sweepBatch: number;

  constructor(
    private readonly sql: Sql,
    private readonly options: PostgresTaskStoreOptions,
  ) {
    this.sweepBatch = options.sweepBatch ?? 500;
  }

  async create(task: TaskRecord): Promise<void> {
    await this.sql`
      INSERT INTO tasks (id, owner_id, type, status, stage, created_at, updated_at, commit_token_hash)
      VALUES (${task.id}, ${task.ownerId}, ${task.type}, ${task.status}, ${task.stage}, ${task.createdAt},
              ${task.updatedAt}, ${task.commitTokenHash})`;
  }

  /**
   * One call of conveyor_admit_task_counted (003_admit_task_counted.sql): a transaction-scoped advisory lock
   * per owner serialises the count and the insert across replicas, in one round trip; it returns the count
   * it checked (NULL when over the cap).
   */
  async createWithinCap(task: TaskRecord, maxInFlight: number): Promise<Admission> {
    const [row] = await this.sql<{ in_flight_before: number | null }[]>`
      SELECT conveyor_admit_task_counted(${task.id}, ${task.ownerId}, ${task.type}, ${task.status}, ${task.stage},
        ${task.createdAt}, ${task.updatedAt}, ${task.commitTokenHash}, ${maxInFlight}) AS in_flight_before`;
    const inFlightBefore = row!.in_flight_before;
    return inFlightBefore === null ? { kind: 'too_many_in_flight' } : { kind: 'created', inFlightBefore };
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const [row] = await this.sql<TaskRow[]>`SELECT ${this.sql.unsafe(COLUMNS)} FROM tasks WHERE id = ${id}`;
    return row ? toRecord(row) : undefined;
  }

  async delete(id: string): Promise<void> {
    await this.sql`DELETE FROM tasks WHERE id = ${id}`;
  }

  async commit(id: string, commit: Commit, now: Date): Promise<CommitOutcome> {
    const [row] =
      commit.status === 'running'
        ? await this.sql<TaskRow[]>`
            UPDATE tasks SET stage = 'running', updated_at = ${now}
            WHERE id = ${id} AND status = 'in_progress'
            RETURNING ${this.sql.unsafe(COLUMNS)}`
        : await this.finish(id, commit, now);
    if (row) return { kind: 'applied', task: toRecord(row) };
    // Not applied: the task is gone, or final already (a final row never changes, so this read is stable).
    const current = await this.get(id);
    if (!current) return { kind: 'not_found' };
    const decision = decideCommit(current, commit, now);
    return { kind: decision.kind === 'repeated' ? 'repeated' : 'conflict', task: current };
  }

  private finish(id: string, commit: Exclude<Commit, { status: 'running' }>, now: Date) {
    // decideCommit on a stand-in in_progress task gives the changes a first final commit makes.
    const decision = decideCommit({ status: 'in_progress' } as TaskRecord, commit, now);
    if (decision.kind !== 'apply') throw new Error('a final commit on an unfinished task always applies');
    const changes = decision.changes;
    const result = commit.status === 'ready' ? commit.result : null;
    const image = typeof result === 'string' ? Buffer.from(result, 'base64') : null;
    // A string result that is not canonical base64 would not come back as sent: keep it as JSON instead.
    const asImage = image !== null && image.toString('base64') === result;
    const code = asImage || result === null ? null : result;
    const bytes = estimateBytes({ result, error: changes.error ?? null } as TaskRecord);
    return this.sql<TaskRow[]>`
      UPDATE tasks SET status = ${changes.status!}, stage = 'done', updated_at = ${now},
        code_result = ${code === null ? null : this.sql.json(code as never)},
        image_result = ${asImage ? image : null},
        error = ${changes.error ? this.sql.json(changes.error as never) : null},
        outcome_digest = ${changes.outcomeDigest!}, result_bytes = ${bytes}
      WHERE id = ${id} AND status = 'in_progress'
      RETURNING ${this.sql.unsafe(COLUMNS)}`;
  }

  async listByOwner(ownerId: string, limit: number, before?: TaskCursor): Promise<TaskPage> {
    const below = before ? this.sql`AND (created_at, id) < (${before.createdAt}, ${before.id})` : this.sql``;
    const rows = await this.sql<TaskRow[]>`
      SELECT ${this.sql.unsafe(COLUMNS)} FROM tasks
      WHERE owner_id = ${ownerId} ${below}
      ORDER BY created_at DESC, id DESC
      LIMIT ${limit + 1}`;
    const tasks = rows.slice(0, limit).map(toRecord);
    const last = tasks[tasks.length - 1];
    return { tasks, next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
  }

  async countInFlight(ownerId: string): Promise<number> {
    const [row] = await this.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM tasks WHERE owner_id = ${ownerId} AND status = 'in_progress'`;
    return row!.n;
  }

  async counts(): Promise<Array<{ type: TaskType; status: TaskStatus; count: number }>> {
    const rows = await this.sql<{ type: TaskType; status: TaskStatus; count: number }[]>`
      SELECT type, status, count(*)::int AS count FROM tasks GROUP BY type, status`;
    return rows.map((r) => ({ type: r.type, status: r.status, count: r.count }));
  }

  /**
   * Expired finished tasks go in batches (SKIP LOCKED: replicas sweeping at once take different rows).
   * Then, while finished results exceed the byte budget, the heaviest owner's oldest go until the total
   * fits; one replica at a time does that (a try-lock: the others skip it this round).
   */
  async sweep(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - this.options.finishedTtlMs);
    let dropped = 0;
    for (;;) {
      const rows = await this.sql`
        DELETE FROM tasks WHERE id IN (
          SELECT id FROM tasks WHERE status <> 'in_progress' AND updated_at <= ${cutoff}
          LIMIT ${this.sweepBatch} FOR UPDATE SKIP LOCKED)
        RETURNING id`;
      dropped += rows.length;
      if (rows.length < this.sweepBatch) break;
    }
    return dropped + (await this.enforceBudget());
  }

  private async enforceBudget(): Promise<number> {
    return this.sql.begin(async (tx) => {
      const [lock] = await tx<{ got: boolean }[]>`
        SELECT pg_try_advisory_xact_lock(hashtextextended('conveyor-budget:' || current_schema(), 0)) AS got`;
      if (!lock!.got) return 0;
      let dropped = 0;
      for (;;) {
        const rows = await tx`
          WITH total AS (
            SELECT coalesce(sum(result_bytes), 0) AS bytes FROM tasks WHERE status <> 'in_progress'
          ), heaviest AS (
            SELECT owner_id FROM tasks WHERE status <> 'in_progress'
            GROUP BY owner_id ORDER BY sum(result_bytes) DESC LIMIT 1
          ), oldest AS (
            SELECT id, sum(result_bytes) OVER (ORDER BY updated_at, id) - result_bytes AS before
            FROM tasks
            WHERE owner_id = (SELECT owner_id FROM heaviest) AND status <> 'in_progress'
            ORDER BY updated_at, id LIMIT ${this.sweepBatch}
          )
          DELETE FROM tasks WHERE id IN (
            SELECT oldest.id FROM oldest, total WHERE oldest.before < total.bytes - ${this.options.byteBudget})
          RETURNING id`;
        dropped += rows.length;
        if (rows.length === 0) return dropped;
      }
    });
  }
}
