/**
 * What a processor gives the worker runtime: a function from a task message to its final outcome.
 * The runtime owns everything around it (consuming, `running` and final commits, acks, retries, shutdown).
 */
import type { Logger } from 'pino';
import type { TaskError, TaskMessage } from '../contract/task.js';

export type TaskOutcome =
  | { status: 'ready'; result: unknown }
  /** A result about the task itself (bad input, a corrupt image): final, never retried. */
  | { status: 'failed'; error: TaskError };

export interface TaskContext {
  /** Aborted when the worker shuts down past its grace period; the handler should stop early. */
  signal: AbortSignal;
  log: Logger;
  /** True when the broker says this message was delivered before (a worker died mid-task). */
  redelivered: boolean;
}

/**
 * Resolves with the outcome. Throwing means "this worker could not do the work right now" (say, Docker
 * is unreachable): the runtime returns the message to the queue for another try, up to the delivery limit.
 */
export type TaskHandler = ((message: TaskMessage, context: TaskContext) => Promise<TaskOutcome>) & {
  /**
   * True when the handler acts on nothing outside its process until it returns (the image filters; not a
   * sandbox run, which starts a container someone could see): the runtime then starts it alongside the
   * `running` commit instead of after that commit's answer: the commit's round trip (about 5 ms on a quiet
   * machine) overlaps the work instead of coming before it.
   * Its outcome is still committed only after the `running` commit is taken; when it is not (the task is
   * final already, unknown, the API unreachable), the handler's signal aborts and its outcome is dropped.
   * The report itself waits for the handler's first RUNNING_REPORT_DELAY_MS (worker.ts): an outcome ready
   * sooner is committed with no `running` before it, and a task found final then refuses it (409), as it
   * would have refused the report.
   */
  readonly startsBeforeRunning?: boolean;
};
