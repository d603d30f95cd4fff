/** A code task as the handler gets it from the queue, and a context whose signal never aborts. */
import { randomUUID } from 'node:crypto';
import { createLogger, type TaskContext, type TaskMessage } from '@conveyor/shared';

export const taskContext: TaskContext = {
  signal: new AbortController().signal,
  log: createLogger({ service: 'test', level: 'silent' }),
  redelivered: false,
};

export function codeTaskMessage(payload: unknown): TaskMessage {
  return {
    schema_version: 1,
    task_id: randomUUID(),
    type: 'code',
    payload,
    commit_token: 'token',
    created_at: new Date().toISOString(),
  } as TaskMessage;
}
