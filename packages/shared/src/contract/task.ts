/**
 * The task contract shared by the API and the workers: task kinds, statuses, the queue message,
 * and the body of POST /commit.
 */
import { type Static, Type } from 'typebox';
import { CodeResultSchema, type CodeTaskPayload, CodeTaskPayloadSchema, CodeTaskRequestSchema } from './code-task.js';
import { type ImageTaskPayload, ImageTaskPayloadSchema, ImageTaskRequestSchema } from './image-task.js';
import { literalUnion } from './schema-helpers.js';

export const TASK_TYPES = ['code', 'image'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** What the course's client sees: queued and running are both `in_progress`. */
export const TASK_STATUSES = ['in_progress', 'ready', 'failed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Finer than status: which step an `in_progress` task is at; `done` once final. */
export const TASK_STAGES = ['queued', 'running', 'done'] as const;
export type TaskStage = (typeof TASK_STAGES)[number];

export type TaskPayload = { type: 'code'; payload: CodeTaskPayload } | { type: 'image'; payload: ImageTaskPayload };

/**
 * The body of POST /task: a code or an image task, told apart by its fields (or an explicit `type`). The API's
 * parseTaskBody is the validator; this schema is the document of the same rules and the request's type.
 */
export const TaskRequestSchema = Type.Union([CodeTaskRequestSchema, ImageTaskRequestSchema], {
  examples: [
    { translator: 'gcc', code: '#include <stdio.h>\nint main(){puts("hi");}' },
    {
      translator: 'gcc',
      code: '#include <stdio.h>\nint main(void) { long n; while (scanf("%ld", &n) == 1) printf("%ld\\n", n * n); }\n',
      tests: [
        { name: 'one', stdin: '2', expected_output: '4' },
        { name: 'two', stdin: '3 4', expected_output: '9\n15' },
        { name: 'zero', stdin: '0', expected_output: '0' },
      ],
    },
    { filter: { name: 'Blur', parameters: { sigma: 1.5 } }, image: 'iVBORw0KGgo…' },
  ],
});
export type TaskRequest = Static<typeof TaskRequestSchema>;

export const TaskErrorSchema = Type.Object({
  code: Type.String({ description: 'machine-readable, e.g. invalid_image, internal_error, dead_lettered' }),
  message: Type.String(),
});
export type TaskError = Static<typeof TaskErrorSchema>;

/**
 * A cancelled task's error (DELETE /task/{id}). The API commits it; a worker that stops a cancelled task
 * commits the very same, which the API takes as a repeat, so the worker still acks only after a recorded final
 * commit. Constant, so that every such commit has one digest.
 */
export const CANCELLED_ERROR: TaskError = { code: 'cancelled', message: 'cancelled by its owner' };

/** Bump when the queue message changes incompatibly; workers fail messages with a version they do not know. */
export const TASK_MESSAGE_SCHEMA_VERSION = 1;

/** What the API publishes to the broker, one per task; `message_id` on the broker is the task id. */
export const TaskMessageSchema = Type.Object({
  schema_version: Type.Integer(),
  task_id: Type.String({ format: 'uuid' }),
  type: literalUnion(TASK_TYPES),
  payload: Type.Union([CodeTaskPayloadSchema, ImageTaskPayloadSchema]),
  commit_token: Type.String(),
  created_at: Type.String(),
});
export type TaskMessage = {
  schema_version: number;
  task_id: string;
  commit_token: string;
  created_at: string;
} & TaskPayload;

/** Final results: a code result object, or an image as a base64 PNG string. */
export const TaskResultSchema = Type.Union([CodeResultSchema, Type.String({ description: 'base64 PNG' })]);

export const CommitRequestSchema = Type.Object(
  {
    task_id: Type.String({ format: 'uuid' }),
    status: Type.Union([Type.Literal('running'), Type.Literal('ready'), Type.Literal('failed')]),
    result: Type.Optional(TaskResultSchema),
    error: Type.Optional(TaskErrorSchema),
  },
  { additionalProperties: false },
);
export type CommitRequest = Static<typeof CommitRequestSchema>;
