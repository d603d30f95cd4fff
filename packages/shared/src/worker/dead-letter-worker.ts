/**
 * Ends the tasks whose messages were dead-lettered, so no task stays `in_progress` forever: a message that
 * hit the delivery limit (every worker that took it crashed or failed) or that a worker rejected is turned
 * into a `failed` result with code `dead_lettered` and the reason.
 *
 * How the failure is recorded is up to the caller: a processor commits it with the message's own commit
 * token (`failViaCommit`), the API checks that token as /commit does and writes to its store directly.
 * A dead letter nobody can act on (it names no task, has no token, or its token is refused: forged, or for
 * a task the API no longer knows) fails nothing: it is parked, kept for operators and counted.
 */
import type { Logger } from 'pino';
import type { TaskError, TaskType } from '../contract/task.js';
import { decodeTaskMessage } from '../queue/task-message-codec.js';
import type { DeadLetter, DeadLetterDecision, TaskConsumer, TaskQueue } from '../queue/task-queue.js';
import { CommitUnavailableError, type TaskCommitter } from './task-committer.js';

export interface DeadTask {
  task_id: string;
  /** Absent when the message was too broken to carry one. */
  commit_token: string | undefined;
  error: TaskError;
}

/**
 * `done` acks the dead letter; `retry` returns it to the dead-letter queue for another try; `park` keeps it
 * in the parking queue (the token was refused or missing: this message may not end the task).
 */
export type FailDeadTask = (task: DeadTask) => Promise<'done' | 'retry' | 'park'>;

export interface DeadLetterWorkerOptions {
  type: TaskType;
  queue: TaskQueue;
  fail: FailDeadTask;
  log: Logger;
}

export function deadLetterError(deadLetter: Pick<DeadLetter, 'reason' | 'deliveryLimit'>): TaskError {
  if (deadLetter.reason === 'delivery_limit') {
    return {
      code: 'dead_lettered',
      message: `no worker finished the task in ${deadLetter.deliveryLimit + 1} deliveries (each attempt crashed or failed); gave up`,
    };
  }
  if (deadLetter.reason === 'rejected') {
    return { code: 'dead_lettered', message: 'a worker rejected the task message as unprocessable' };
  }
  return { code: 'dead_lettered', message: `the task message was dead-lettered (${deadLetter.reason})` };
}

/** Records the failure through POST /commit with the task's own token. */
export function failViaCommit(committer: TaskCommitter, log: Logger): FailDeadTask {
  return async (task) => {
    if (!task.commit_token) {
      log.error({ task_id: task.task_id }, 'dead letter has no commit token; cannot report it');
      return 'park';
    }
    try {
      const answer = await committer.commit(task.commit_token, {
        task_id: task.task_id,
        status: 'failed',
        error: task.error,
      });
      if (answer.kind !== 'accepted' && answer.kind !== 'conflict') {
        // 404/403/4xx: the API will never take it from this message; keep the message for operators.
        log.error({ task_id: task.task_id, answer }, 'the API refused the dead-letter failure; parking it');
        return 'park';
      }
      return 'done';
    } catch (error) {
      if (error instanceof CommitUnavailableError) return 'retry';
      throw error;
    }
  };
}

export class DeadLetterWorker {
  private consumer: TaskConsumer | undefined;
  private readonly log: Logger;

  constructor(private readonly options: DeadLetterWorkerOptions) {
    this.log = options.log.child({ dead_letters: options.type });
  }

  run(): void {
    if (this.consumer) return;
    this.consumer = this.options.queue.consumeDeadLetters(this.options.type, (deadLetter) => this.handle(deadLetter));
  }

  async close(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.close();
  }

  private async handle(deadLetter: DeadLetter): Promise<DeadLetterDecision> {
    const decoded = decodeTaskMessage(deadLetter.body);
    const taskId = decoded.ok ? decoded.message.task_id : decoded.task_id;
    const token = decoded.ok ? decoded.message.commit_token : decoded.commit_token;
    if (!taskId) {
      const excerpt = Buffer.isBuffer(deadLetter.body)
        ? deadLetter.body.subarray(0, 512).toString('utf8')
        : JSON.stringify(deadLetter.body)?.slice(0, 512);
      this.log.error(
        { message_id: deadLetter.messageId, reason: deadLetter.reason, excerpt },
        'dead letter names no task; parking it',
      );
      return 'park';
    }
    const error = deadLetterError(deadLetter);
    this.log.warn({ task_id: taskId, reason: deadLetter.reason }, 'task dead-lettered; failing it');
    const verdict = await this.options.fail({ task_id: taskId, commit_token: token, error });
    return verdict === 'done' ? 'ack' : verdict === 'retry' ? 'requeue' : 'park';
  }
}
