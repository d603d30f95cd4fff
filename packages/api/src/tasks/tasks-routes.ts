/** POST /task, GET /status/{id}, GET /result/{id}, GET /tasks: a user's side of tasks (behind authentication). */

import {
  CODE_LIMIT_BOUNDS,
  FILTER_NAMES,
  fieldError,
  isFieldError,
  isTaskId,
  MAX_FILTER_CHAIN,
  nullable,
  PublishError,
  TRANSLATOR_ALIASES,
  TRANSLATORS,
} from '@conveyor/shared';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponse, sendError, sendFieldError } from '../http/api-error.js';
import { chooseResultFormat } from './result-format.js';
import { decodeCursor, encodeCursor } from './task-cursor.js';
import { type IntakeLimits, parseTaskBody } from './task-intake.js';
import type { TaskService } from './task-service.js';
import { resultView, statusView } from './task-views.js';

export interface TasksRoutesOptions {
  tasks: TaskService;
  limits: IntakeLimits;
}

const FilterStepDoc = Type.Object({
  name: Type.String({ description: `case-insensitive: ${FILTER_NAMES.join(', ')}`, examples: ['Blur'] }),
  parameters: Type.Optional(
    Type.Object({ sigma: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 50, default: 1 })) }),
  ),
});

const CodeTaskDoc = Type.Object(
  {
    type: Type.Optional(Type.Literal('code')),
    translator: Type.String({
      description: `${TRANSLATORS.join(', ')}; aliases ${Object.keys(TRANSLATOR_ALIASES).join(', ')}; the field may also be called language or compiler`,
      examples: ['python3'],
    }),
    code: Type.String({ description: 'the source, at most 64 KiB', examples: ['print(input())'] }),
    stdin: Type.Optional(Type.String({ examples: ['hello'] })),
    limits: Type.Optional(
      Type.Object({
        time_ms: Type.Optional(
          Type.Integer({ minimum: CODE_LIMIT_BOUNDS.time_ms.min, maximum: CODE_LIMIT_BOUNDS.time_ms.max }),
        ),
        memory_mb: Type.Optional(
          Type.Integer({ minimum: CODE_LIMIT_BOUNDS.memory_mb.min, maximum: CODE_LIMIT_BOUNDS.memory_mb.max }),
        ),
      }),
    ),
  },
  { title: 'Code task' },
);

const ImageTaskDoc = Type.Object(
  {
    type: Type.Optional(Type.Literal('image')),
    filter: Type.Optional(FilterStepDoc),
    filters: Type.Optional(
      Type.Array(FilterStepDoc, { maxItems: MAX_FILTER_CHAIN, description: 'a chain, applied in order' }),
    ),
    image: Type.String({ description: 'a base64 PNG (byte and pixel caps apply)' }),
  },
  { title: 'Image task' },
);

const TaskBodyDoc = Type.Union([CodeTaskDoc, ImageTaskDoc], {
  examples: [
    { translator: 'gcc', code: '#include <stdio.h>\nint main(){puts("hi");}' },
    { filter: { name: 'Blur', parameters: { sigma: 1.5 } }, image: 'iVBORw0KGgo…' },
  ],
});

const TaskIdParams = Type.Object({ task_id: Type.String({ description: 'the task id (a UUID)' }) });
const notFound = errorResponse('no such task for this user (or a malformed id)', 'not_found', 'no such task');
const unauthorized = errorResponse(
  'no valid token',
  'unauthorized',
  'a bearer token is required: log in at POST /login',
);
/** What a client should wait before posting again after a 429 or 503 here. */
const RETRY_AFTER_SECONDS = 5;
const security: Array<Record<string, string[]>> = [{ bearer: [] }, { cookie: [] }];

export const tasksRoutes: FastifyPluginAsyncTypebox<TasksRoutesOptions> = async (app, { tasks, limits }) => {
  const imageLimits = limits.image;
  // Multipart for curl and HTML forms: the image as a file part, `filter` as a JSON (or plain name) field.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: imageLimits.maxBytes, files: 1, fields: 16, fieldSize: 1024 * 1024 },
  });
  /** A malformed id, an unknown one and another user's task all look the same: not found. */
  const findOwnedTask = (taskId: string, ownerId: string) =>
    isTaskId(taskId) ? tasks.getOwned(taskId, ownerId) : Promise.resolve(undefined);

  // JSON bodies carry the image as base64 (4/3 of its bytes) plus the rest of the task.
  const bodyLimit = Math.ceil((imageLimits.maxBytes * 4) / 3) + 2 * 1024 * 1024;

  app.post(
    '/task',
    {
      bodyLimit,
      // The body is checked by parseTaskBody (aliases, case-insensitive names, PNG header), which names the
      // field at fault; the schema is here for the OpenAPI document.
      validatorCompiler: () => (data) => ({ value: data }),
      schema: {
        tags: ['tasks'],
        summary: 'Submit a code or an image task',
        description:
          'JSON (`application/json`) or `multipart/form-data` with an `image` file part and a `filter` field. The kind follows from the fields (`code` or `image` + `filter`), or an explicit `type`.',
        security,
        body: TaskBodyDoc,
        response: {
          201: Type.Object(
            { task_id: Type.String({ format: 'uuid' }) },
            { examples: [{ task_id: '5f0c6a52-8d3e-4b8a-9f1e-0c2d7a9b4e61' }] },
          ),
          400: errorResponse(
            'invalid task',
            'invalid_field',
            'sigma must be a number greater than 0 and at most 50',
            'filter.parameters.sigma',
          ),
          401: unauthorized,
          413: errorResponse(
            'too large: the image (bytes, pixels), or its work over the image cost budget',
            'too_large',
            'image is over the cap of 10485760 bytes',
            'image',
          ),
          415: errorResponse('neither JSON nor multipart', 'unsupported_media_type', 'Unsupported Media Type'),
          429: errorResponse(
            'the user has the most tasks in flight allowed; see Retry-After',
            'too_many_tasks',
            'you have 20 tasks in flight (queued or running), the most allowed: wait for one to finish',
          ),
          503: errorResponse(
            'the queue did not take the task (unavailable, or full: queue_full); nothing was queued; see Retry-After',
            'queue_unavailable',
            'the task queue is unavailable',
          ),
        },
      },
    },
    async (request, reply) => {
      const task = parseTaskBody(request.body, limits);
      if (isFieldError(task)) return sendFieldError(reply, task);
      try {
        const outcome = await tasks.create(request.account.id, task);
        if (outcome.kind === 'too_many_in_flight') {
          reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
          return sendError(
            reply,
            'too_many_tasks',
            `you have ${outcome.max} tasks in flight (queued or running), the most allowed: wait for one to finish`,
          );
        }
        reply.header('Location', `/status/${outcome.task.id}`);
        return reply.code(201).send({ task_id: outcome.task.id });
      } catch (error) {
        if (!(error instanceof PublishError)) throw error;
        reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
        if (error.queueFull) {
          return sendError(reply, 'queue_full', 'the task queue is full: try again later (nothing was queued)');
        }
        return sendError(reply, 'queue_unavailable', `the task queue is unavailable: ${error.message}`);
      }
    },
  );

  app.get(
    '/status/:task_id',
    {
      schema: {
        tags: ['tasks'],
        summary: "A task's status",
        security,
        params: TaskIdParams,
        response: { 200: Type.Ref('TaskStatus'), 401: unauthorized, 404: notFound },
      },
    },
    async (request, reply) => {
      const task = await findOwnedTask(request.params.task_id, request.account.id);
      if (!task) return sendError(reply, 'not_found', 'no such task');
      return statusView(task);
    },
  );

  app.get(
    '/result/:task_id',
    {
      schema: {
        tags: ['tasks'],
        summary: "A task's result",
        description:
          '202 while in progress. An image result comes as raw `image/png` when the request prefers it (a browser, an `<img>`, or `?format=png`); otherwise JSON with the base64 PNG in `result`.',
        security,
        params: TaskIdParams,
        querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('png')])) }),
        produces: ['application/json', 'image/png'],
        response: {
          200: Type.Ref('TaskResult'),
          202: Type.Ref('TaskResult', { description: 'in progress: result is null' }),
          401: unauthorized,
          404: notFound,
        },
      },
    },
    async (request, reply) => {
      const task = await findOwnedTask(request.params.task_id, request.account.id);
      if (!task) return sendError(reply, 'not_found', 'no such task');
      reply.header('Cache-Control', 'private, no-cache');
      if (task.status === 'in_progress') return reply.code(202).send(resultView(task));
      const wantsPng = chooseResultFormat(request.query.format, request.headers.accept) === 'png';
      if (task.status === 'ready' && task.type === 'image' && typeof task.result === 'string' && wantsPng) {
        return reply.type('image/png').send(Buffer.from(task.result, 'base64'));
      }
      return resultView(task);
    },
  );

  app.get(
    '/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: "The caller's tasks, newest first",
        security,
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
          cursor: Type.Optional(
            Type.String({
              description: 'next_cursor of the previous page (a keyset: pages never skip or repeat a task)',
            }),
          ),
        }),
        response: {
          200: Type.Object({
            tasks: Type.Array(Type.Ref('TaskStatus')),
            next_cursor: nullable(Type.String()),
          }),
          400: errorResponse('bad query', 'invalid_field', 'limit: must be <= 100', 'limit'),
          401: unauthorized,
        },
      },
    },
    async (request, reply) => {
      const { cursor } = request.query;
      const before = cursor === undefined ? undefined : decodeCursor(cursor);
      if (cursor !== undefined && !before) {
        return sendFieldError(reply, fieldError('cursor', 'cursor must be the next_cursor of a previous page'));
      }
      const page = await tasks.list(request.account.id, request.query.limit, before);
      return { tasks: page.tasks.map(statusView), next_cursor: page.next ? encodeCursor(page.next) : null };
    },
  );
};
