/** How tasks look on the wire: the schemas of /status, /result and /tasks, and the mapping from records. */
import { CodeResultSchema, TASK_STAGES, TASK_STATUSES, TASK_TYPES, TaskErrorSchema } from '@conveyor/shared';
import { Type } from 'typebox';
import type { TaskRecord } from './task-store.js';

const enumOf = (values: readonly string[], description?: string) =>
  Type.Unsafe<string>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

export const TaskStatusSchema = Type.Object(
  {
    task_id: Type.String({ format: 'uuid' }),
    type: enumOf(TASK_TYPES),
    status: enumOf(TASK_STATUSES, 'in_progress until a worker commits a final result'),
    stage: enumOf(TASK_STAGES, 'queued or running while in_progress; done once ready or failed'),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  {
    $id: 'TaskStatus',
    examples: [
      {
        task_id: '5f0c6a52-8d3e-4b8a-9f1e-0c2d7a9b4e61',
        type: 'code',
        status: 'in_progress',
        stage: 'running',
        created_at: '2026-11-29T20:00:00.000Z',
        updated_at: '2026-11-29T20:00:00.120Z',
      },
    ],
  },
);

export const TaskResultSchema = Type.Object(
  {
    task_id: Type.String({ format: 'uuid' }),
    status: enumOf(TASK_STATUSES),
    result: Type.Union([CodeResultSchema, Type.String({ description: 'an image task: the base64 PNG' }), Type.Null()], {
      description: 'null until ready; a code result object, or a base64 PNG for an image task',
    }),
    error: Type.Optional(TaskErrorSchema),
  },
  {
    $id: 'TaskResult',
    examples: [
      {
        task_id: '5f0c6a52-8d3e-4b8a-9f1e-0c2d7a9b4e61',
        status: 'ready',
        result: {
          verdict: 'ok',
          exit_code: 0,
          signal: null,
          stdout: 'hello\n',
          stderr: '',
          compile: { stdout: '', stderr: '', exit_code: 0, time_ms: 180, truncated: false },
          time_ms: 3,
          truncated: false,
        },
      },
      { task_id: '5f0c6a52-8d3e-4b8a-9f1e-0c2d7a9b4e61', status: 'in_progress', result: null },
      {
        task_id: '5f0c6a52-8d3e-4b8a-9f1e-0c2d7a9b4e61',
        status: 'failed',
        result: null,
        error: { code: 'invalid_image', message: 'the PNG is truncated' },
      },
    ],
  },
);

export function statusView(task: TaskRecord) {
  return {
    task_id: task.id,
    type: task.type,
    status: task.status,
    stage: task.stage,
    created_at: task.createdAt.toISOString(),
    updated_at: task.updatedAt.toISOString(),
  };
}

export function resultView(task: TaskRecord) {
  if (task.status === 'failed') {
    return { task_id: task.id, status: task.status, result: null, ...(task.error ? { error: task.error } : {}) };
  }
  return { task_id: task.id, status: task.status, result: task.status === 'ready' ? task.result : null };
}
