/**
 * Questions the API asks the workers, answered by one of them: request/reply over the queue, beside the
 * tasks. The API has no Docker access and the workers hold no API credential (commit tokens are per task),
 * so a worker cannot push what it knows to the API; the API asks instead. One question exists: a worker
 * kind's catalogue (for code workers: the versions in their sandbox image and their limits, for GET
 * /languages).
 *
 * Nothing about a question is durable: no task, no commit, nothing stored. A question nobody answers in
 * time is `no_answer`, never an error, and ask() never waits past its timeout. Implementations: RabbitMQ
 * (broker/rabbit-worker-queries.ts, direct reply-to) and in-process (in-process-worker-queries.ts).
 */
import type { TaskType } from '../contract/task.js';

/** What asking gave; the caller checks an answer's shape itself (it comes from another process). */
export type QueryOutcome =
  | { outcome: 'answered'; body: unknown }
  /** No worker of the kind answered within the timeout (none is running, or all are busy or starting). */
  | { outcome: 'no_answer' }
  /** The question could not be asked: the queue is down or closed. */
  | { outcome: 'unavailable'; reason: string };

/** Gives the answer to one question; throwing (or rejecting) answers nothing, and the asker sees no_answer. */
export type QueryResponder = () => unknown | Promise<unknown>;

export interface QueryServer {
  /** Stops answering; a question being answered still gets its answer. */
  close(): Promise<void>;
}

export interface WorkerQueries {
  /** Asks one worker of `type` for its catalogue. Never throws; settles within about `timeoutMs`. */
  ask(type: TaskType, timeoutMs: number): Promise<QueryOutcome>;
  /** Answers the catalogue questions to workers of `type` with what `responder` gives, until closed. */
  answer(type: TaskType, responder: QueryResponder): QueryServer;
}
