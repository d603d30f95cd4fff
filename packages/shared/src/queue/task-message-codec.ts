/**
 * The task message on the wire: JSON, validated on the way in against the shared contract. A worker must be
 * able to tell a message it cannot process (and why) from one it can, and still find the task id and commit
 * token in a bad message so it can report the failure to the API.
 */
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { CodeTaskPayloadSchema } from '../contract/code-task.js';
import { ImageTaskPayloadSchema } from '../contract/image-task.js';
import { TASK_MESSAGE_SCHEMA_VERSION, type TaskMessage, TaskMessageSchema } from '../contract/task.js';
import { isTaskId } from '../contract/task-id.js';

export const TASK_MESSAGE_CONTENT_TYPE = 'application/json';

export function encodeTaskMessage(message: TaskMessage): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

export type DecodedTaskMessage =
  | { ok: true; message: TaskMessage }
  | {
      ok: false;
      /** What is wrong, for the `failed` commit and the log. */
      problem: string;
      /** Present when the message names a task and a token, so the failure can still be committed. */
      task_id?: string;
      commit_token?: string;
    };

/** Accepts raw bytes, a JSON string, or an already-parsed JSON value (transports differ in what they hand over). */
export function decodeTaskMessage(body: unknown): DecodedTaskMessage {
  let value: unknown = body;
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { ok: false, problem: `message is not valid JSON: ${(error as Error).message}` };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problem: 'message is not a JSON object' };
  }
  const fields = value as Record<string, unknown>;
  const identity = {
    ...(isTaskId(fields.task_id) ? { task_id: fields.task_id } : {}),
    ...(typeof fields.commit_token === 'string' && fields.commit_token !== ''
      ? { commit_token: fields.commit_token }
      : {}),
  };
  if (fields.schema_version !== TASK_MESSAGE_SCHEMA_VERSION) {
    return {
      ok: false,
      problem: `unknown message schema_version ${JSON.stringify(fields.schema_version)}: this worker reads version ${TASK_MESSAGE_SCHEMA_VERSION}`,
      ...identity,
    };
  }
  if (!Value.Check(TaskMessageSchema, value)) {
    return { ok: false, problem: `invalid task message: ${firstError(TaskMessageSchema, value)}`, ...identity };
  }
  // The contract's payload is a union of both kinds; the payload must match the message's own type.
  const payloadSchema = fields.type === 'code' ? CodeTaskPayloadSchema : ImageTaskPayloadSchema;
  if (!Value.Check(payloadSchema, fields.payload)) {
    return {
      ok: false,
      problem: `invalid ${String(fields.type)} task payload: ${firstError(payloadSchema, fields.payload, '/payload')}`,
      ...identity,
    };
  }
  return { ok: true, message: value as TaskMessage };
}

function firstError(schema: TSchema, value: unknown, prefix = ''): string {
  const [error] = Value.Errors(schema, value);
  if (!error) return 'does not match the task message schema';
  return `${prefix}${error.instancePath || '/'} ${error.message}`;
}
