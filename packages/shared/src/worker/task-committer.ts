/**
 * The port through which the Worker reports on a task: `running`, then the final result. It lives beside the
 * Worker that uses it; CommitClient (commit-client.ts) is its HTTP adapter to the API's POST /commit.
 */
import type { CommitRequest, TaskStatus } from '../contract/task.js';

export type CommitAnswer =
  /** 200: recorded, or the same final commit again; `taskStatus` is the task's status after it. */
  | { kind: 'accepted'; taskStatus: TaskStatus | undefined }
  /** 409: the task is already final with another outcome, or `running` came after the final result. */
  | { kind: 'conflict'; message: string }
  /** 404: the API does not know the task (never created, withdrawn after a failed publish, or expired). */
  | { kind: 'not_found'; message: string }
  /** 401/403: the API refused the commit token. */
  | { kind: 'forbidden'; message: string }
  /** Another 4xx (say, the result is too large or malformed): the API will not accept this commit as sent. */
  | { kind: 'refused'; status: number; message: string };

/** The commit could not be delivered after every retry (the API down, timing out, or answering 5xx). */
export class CommitUnavailableError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CommitUnavailableError';
  }
}

/** What the worker runtime needs to report; CommitClient over HTTP, or anything else that answers alike. */
export interface TaskCommitter {
  commit(commitToken: string, request: CommitRequest, signal?: AbortSignal): Promise<CommitAnswer>;
}
