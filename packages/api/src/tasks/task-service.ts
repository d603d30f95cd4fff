/**
 * The task lifecycle as the API sees it: create and publish, read back for the owner, and accept commits
 * from workers. Independent of HTTP; the routes translate its outcomes into status codes.
 */
import { randomUUID } from 'node:crypto';
import {
  type ControlBus,
  isTaskId,
  laneFor,
  PublishError,
  TASK_MESSAGE_SCHEMA_VERSION,
  type TaskMessage,
  type TaskPayload,
  type TaskPublisher,
} from '@conveyor/shared';
import type { Logger } from 'pino';
import { hashToken, newToken, sameDigest } from '../accounts/secrets.js';
import { CANCEL_COMMIT } from './commit-rules.js';
import type { TaskCursor } from './task-cursor.js';
import type { Commit, CommitOutcome, TaskPage, TaskRecord, TaskStore } from './task-store.js';

export type CommitAuthorization = { kind: 'ok'; task: TaskRecord } | { kind: 'not_found' } | { kind: 'forbidden' };

export type CreateOutcome =
  | { kind: 'created'; task: TaskRecord }
  /** The owner already has `max` tasks queued or running. */
  | { kind: 'too_many_in_flight'; max: number };

export type CancelOutcome =
  /** Cancelled now, or by an earlier DELETE (a repeat gets the same answer). */
  | { kind: 'cancelled'; task: TaskRecord }
  /** Already final otherwise: ready, or failed for another reason. */
  | { kind: 'finished'; task: TaskRecord }
  | { kind: 'not_found' };

/**
 * A commit token names its task: `<task id>.<secret>`. So POST /commit can find the task and check the
 * token from the header alone, before it reads a byte of the body; only the secret's hash is stored.
 */
export function commitTokenFor(taskId: string, secret: string): string {
  return `${taskId}.${secret}`;
}

export function taskIdOfCommitToken(token: string): string | undefined {
  const dot = token.indexOf('.');
  return dot > 0 ? token.slice(0, dot) : undefined;
}

export interface TaskServiceOptions {
  /** Tasks one owner may have in flight (queued plus running). */
  maxInFlight: number;
}

export class TaskService {
  constructor(
    private readonly store: TaskStore,
    private readonly publisher: TaskPublisher,
    /** Where cancels are broadcast to the workers. */
    private readonly control: ControlBus,
    private readonly log: Logger,
    private readonly options: TaskServiceOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Stores the task as queued, then publishes it; resolves only once the queue has confirmed. If publishing
   * fails, the task is removed again (it was never handed to a worker) and PublishError propagates. An owner
   * at the in-flight cap gets `too_many_in_flight` and nothing is stored. The task goes to the queue's first
   * lane when its owner had nothing else in flight (task-lane.ts), so another user's backlog does not hold it.
   */
  async create(ownerId: string, task: TaskPayload): Promise<CreateOutcome> {
    const id = randomUUID();
    const commitToken = commitTokenFor(id, newToken());
    const record = this.newRecord(id, ownerId, task, commitToken);
    const admission = await this.store.createWithinCap(record, this.options.maxInFlight);
    if (admission.kind === 'too_many_in_flight') {
      return { kind: 'too_many_in_flight', max: this.options.maxInFlight };
    }
    const lane = laneFor(admission.inFlightBefore);
    const createdAt = record.createdAt;
    const message = {
      schema_version: TASK_MESSAGE_SCHEMA_VERSION,
      task_id: record.id,
      commit_token: commitToken,
      created_at: createdAt.toISOString(),
      ...task,
    } as TaskMessage;
    try {
      await this.publisher.publish(message, lane);
    } catch (error) {
      await this.store.delete(record.id);
      this.log.warn({ task_id: record.id, err: error }, 'publish failed; task withdrawn');
      throw error instanceof PublishError ? error : new PublishError('publish failed', { cause: error });
    }
    this.log.info({ task_id: record.id, type: record.type, owner: ownerId, lane }, 'task queued');
    return { kind: 'created', task: record };
  }

  private newRecord(id: string, ownerId: string, task: TaskPayload, commitToken: string): TaskRecord {
    const createdAt = this.now();
    return {
      id,
      ownerId,
      type: task.type,
      status: 'in_progress',
      stage: 'queued',
      createdAt,
      updatedAt: createdAt,
      commitTokenHash: hashToken(commitToken),
      result: null,
      error: null,
      outcomeDigest: null,
    };
  }

  /** The task if it exists and belongs to `ownerId`; another user's task is indistinguishable from none. */
  async getOwned(id: string, ownerId: string): Promise<TaskRecord | undefined> {
    const task = await this.store.get(id);
    return task && task.ownerId === ownerId ? task : undefined;
  }

  list(ownerId: string, limit: number, before?: TaskCursor): Promise<TaskPage> {
    return this.store.listByOwner(ownerId, limit, before);
  }

  /**
   * Checks a worker's commit token against the task it names (from the token alone, before any body).
   * `not_found` for a token that names no task, `forbidden` for a wrong secret or a token of another shape.
   */
  async authorizeCommit(commitToken: string): Promise<CommitAuthorization> {
    const id = taskIdOfCommitToken(commitToken);
    if (!id || !isTaskId(id)) return { kind: 'forbidden' }; // not a commit token at all (say, a session's)
    const task = await this.store.get(id);
    if (!task) return { kind: 'not_found' };
    return sameDigest(hashToken(commitToken), task.commitTokenHash) ? { kind: 'ok', task } : { kind: 'forbidden' };
  }

  async commit(id: string, commit: Commit): Promise<CommitOutcome> {
    const outcome = await this.store.commit(id, commit, this.now());
    const level = outcome.kind === 'conflict' ? 'warn' : 'info';
    this.log[level]({ task_id: id, status: commit.status, outcome: outcome.kind }, 'commit');
    return outcome;
  }

  /**
   * The owner cancels a task: it turns final at once (`failed`, code `cancelled`, through the store's guarded
   * commit, so it races a worker's final commit like any other commit), then the workers hear of it on the
   * control bus so that one running it stops. The broadcast follows the commit and is repeated by a repeated
   * DELETE; if it is lost, the worker finishes the work, its final commit answers 409, and it acks.
   */
  async cancel(id: string, ownerId: string): Promise<CancelOutcome> {
    if (!(await this.getOwned(id, ownerId))) return { kind: 'not_found' };
    const outcome = await this.store.commit(id, CANCEL_COMMIT, this.now());
    if (outcome.kind === 'not_found') return outcome;
    if (outcome.kind === 'conflict') return { kind: 'finished', task: outcome.task };
    if (outcome.kind === 'applied') this.log.info({ task_id: id, owner: ownerId }, 'task cancelled');
    try {
      await this.control.broadcast({ kind: 'cancel', task_id: id });
    } catch (error) {
      this.log.warn({ task_id: id, err: error }, 'cancel broadcast failed; a worker running it finishes and acks');
    }
    return { kind: 'cancelled', task: outcome.task };
  }

  /** Marks a task failed from outside the worker path (a dead-lettered message). */
  async failFromQueue(id: string, code: string, message: string): Promise<CommitOutcome> {
    return this.commit(id, { status: 'failed', error: { code, message } });
  }
}
