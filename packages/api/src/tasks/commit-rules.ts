/**
 * The commit rules, one place for every TaskStore: `running` moves the stage of an unfinished task;
 * the first final commit wins; the same final commit again is a harmless retry; a different one conflicts.
 */
import { createHash } from 'node:crypto';
import { CANCELLED_ERROR } from '@conveyor/shared';
import type { Commit, FinalCommit, TaskRecord } from './task-store.js';

export type CommitDecision =
  | { kind: 'apply'; changes: Partial<TaskRecord> }
  | { kind: 'repeated' }
  | { kind: 'conflict' };

/**
 * The final commit DELETE /task/{id} makes on the owner's behalf. Constant, so a repeated cancel (or the
 * worker's own report of it) has the same digest and is `repeated`, while any other final outcome conflicts.
 */
export const CANCEL_COMMIT: FinalCommit = { status: 'failed', error: CANCELLED_ERROR };

export function digestOf(commit: FinalCommit): string {
  const body = commit.status === 'ready' ? commit.result : commit.error;
  return createHash('sha256')
    .update(commit.status)
    .update('\0')
    .update(JSON.stringify(body) ?? 'null')
    .digest('hex');
}

export function decideCommit(task: TaskRecord, commit: Commit, now: Date): CommitDecision {
  const final = task.status !== 'in_progress';
  if (commit.status === 'running') {
    if (final) return { kind: 'conflict' };
    return { kind: 'apply', changes: { stage: 'running', updatedAt: now } };
  }
  const digest = digestOf(commit);
  if (final) return task.outcomeDigest === digest ? { kind: 'repeated' } : { kind: 'conflict' };
  return {
    kind: 'apply',
    changes: {
      status: commit.status,
      stage: 'done',
      updatedAt: now,
      result: commit.status === 'ready' ? commit.result : null,
      error: commit.status === 'failed' ? commit.error : null,
      outcomeDigest: digest,
    },
  };
}

/** Rough bytes a task holds in RAM: its result dominates (an image is a base64 string). */
export function estimateBytes(task: TaskRecord): number {
  const result = typeof task.result === 'string' ? task.result.length : JSON.stringify(task.result ?? null).length;
  return 512 + result + (task.error ? task.error.message.length : 0);
}
