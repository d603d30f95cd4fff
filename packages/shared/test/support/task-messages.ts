import { randomBytes, randomUUID } from 'node:crypto';
import { TASK_MESSAGE_SCHEMA_VERSION, type TaskMessage } from '@conveyor/shared';

/** A valid code task message with a fresh id and token; `code` tags it for the test handler. */
export function codeMessage(code = 'print(1)'): TaskMessage {
  return {
    schema_version: TASK_MESSAGE_SCHEMA_VERSION,
    task_id: randomUUID(),
    commit_token: randomBytes(24).toString('base64url'),
    created_at: new Date().toISOString(),
    type: 'code',
    payload: { translator: 'python3', code, stdin: '', limits: {} },
  };
}
