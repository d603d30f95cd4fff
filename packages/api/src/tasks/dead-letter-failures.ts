/**
 * How the API ends a task whose message was dead-lettered: only with the message's own commit token,
 * checked as POST /commit checks it. Anyone who can publish to the broker could otherwise fail any running
 * task with a message naming its id; such a message, or one for a task the API no longer knows, is parked
 * for operators instead.
 */
import type { FailDeadTask, Logger } from '@conveyor/shared';
import type { TaskService } from './task-service.js';

export function failDeadLetteredTask(tasks: TaskService, log: Logger): FailDeadTask {
  return async ({ task_id, commit_token, error }) => {
    const authorization = commit_token ? await tasks.authorizeCommit(commit_token) : { kind: 'forbidden' as const };
    if (authorization.kind !== 'ok' || authorization.task.id !== task_id) {
      log.error(
        { task_id, token: authorization.kind === 'ok' ? 'another task’s' : authorization.kind },
        'dead letter whose commit token does not open its task; parking it, the task is left alone',
      );
      return 'park';
    }
    await tasks.failFromQueue(task_id, error.code, error.message);
    return 'done';
  };
}
