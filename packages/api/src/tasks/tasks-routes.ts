/**
 * POST /task, GET /status/{id}, GET /result/{id}, DELETE /task/{id}, GET /tasks: a user's side of tasks (behind
 * authentication).
 */

import {
  fieldError,
  isFieldError,
  isTaskId,
  nullable,
  PublishError,
  SIGMA_BOUNDS,
  TaskRequestSchema,
} from '@conveyor/shared';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { errorResponse, sendError, sendFieldError } from '../http/api-error.js';
import { chooseResultFormat } from './result-format.js';
import { decodeCursor, encodeCursor } from './task-cursor.js';
import { type IntakeLimits, parseTaskBody } from './task-intake.js';
import type { CancelOutcome, TaskService } from './task-service.js';
import type { TaskRecord } from './task-store.js';
import { resultView, statusView } from './task-views.js';
import type { TaskWaiters } from './task-waiters.js';

export interface TasksRoutesOptions {
  tasks: TaskService;
  waiters: TaskWaiters;
  limits: IntakeLimits;
}

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

/** The longest long-poll: `?wait=` is at most this many seconds. */
export const MAX_WAIT_SECONDS = 60;
const WaitQuery = Type.Integer({
  minimum: 0,
  maximum: MAX_WAIT_SECONDS,
  default: 0,
  description: `long-poll: answer as soon as the task is final, or after this many seconds with its current state (at most ${MAX_WAIT_SECONDS})`,
});
const tooManyWaiters = errorResponse(
  'the user (or this server) holds the most long-polls allowed; see Retry-After',
  'too_many_waiters',
  'you have 20 long-polls open, the most allowed: wait for one to answer',
);

export const tasksRoutes: FastifyPluginAsyncTypebox<TasksRoutesOptions> = async (app, { tasks, waiters, limits }) => {
  const imageLimits = limits.image;
  /** A malformed id, an unknown one and another user's task all look the same: not found. */
  const findOwnedTask = (taskId: string, ownerId: string) =>
    isTaskId(taskId) ? tasks.getOwned(taskId, ownerId) : Promise.resolve(undefined);

  /**
   * The task, after waiting up to `waitSeconds` for it to be final. Undefined when not found; the reply is
   * already sent (429) when the waiter bound is reached. A client that goes away ends its wait.
   */
  function readAfterWait(
    taskId: string,
    waitSeconds: number | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<TaskRecord | undefined | 'sent'> {
    const waitMs = (waitSeconds ?? 0) * 1000;
    // A plain poll (the common case) is the store's promise itself: no async wrapper, and no closure (which
    // tsx, as the benches run it, names with a defineProperty each time).
    if (waitMs === 0) return findOwnedTask(taskId, request.account.id);
    return readAfterLongPoll(() => findOwnedTask(taskId, request.account.id), waitMs, request, reply);
  }

  async function readAfterLongPoll(
    read: () => Promise<TaskRecord | undefined>,
    waitMs: number,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<TaskRecord | undefined | 'sent'> {
    const gone = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableEnded) gone.abort();
    };
    reply.raw.on('close', onClose);
    // A quiet wait must not hit the server's idle-socket timeout first.
    const socket = request.raw.socket;
    const idle = socket?.timeout;
    if (socket && idle) socket.setTimeout(Math.max(idle, waitMs + 5000));
    try {
      const outcome = await waiters.untilFinal(request.account.id, read, waitMs, gone.signal);
      if (outcome.kind === 'task') return outcome.task;
      reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
      const who = outcome.scope === 'user' ? 'you have' : 'this server has';
      await sendError(
        reply,
        'too_many_waiters',
        `${who} ${outcome.max} long-polls open, the most allowed: wait for one to answer, or poll without ?wait`,
      );
      return 'sent';
    } finally {
      reply.raw.off('close', onClose);
      if (socket && idle) socket.setTimeout(idle);
    }
  }

  // The routes that take a body, in a scope of their own with multipart (curl and HTML forms: the image as a
  // file part, `filter` as a JSON or plain name field). Its hooks, three async ones and a listener, run on
  // every route of the scope it is registered in: outside it, GET /status (polled) and the other reads skip them.
  await app.register(async (scope) => {
    const bodies = scope.withTypeProvider<TypeBoxTypeProvider>();
    await bodies.register(multipart, {
      attachFieldsToBody: 'keyValues',
      limits: { fileSize: imageLimits.maxBytes, files: 1, fields: 16, fieldSize: 1024 * 1024 },
    });

    // JSON bodies carry the image as base64 (4/3 of its bytes) plus the rest of the task.
    const bodyLimit = Math.ceil((imageLimits.maxBytes * 4) / 3) + 2 * 1024 * 1024;

    bodies.post(
      '/task',
      {
        bodyLimit,
        // The body is checked by parseTaskBody (aliases, case-insensitive names, sizes in bytes, the PNG), which
        // names the field at fault; the contract's schema, which a test holds to the same rules, documents it.
        validatorCompiler: () => (data) => ({ value: data }),
        schema: {
          tags: ['tasks'],
          summary: 'Submit a code or an image task',
          description:
            'JSON (`application/json`) or `multipart/form-data` with an `image` file part and a `filter` field. The kind follows from the fields (`code` or `image` + `filter`), or an explicit `type`.',
          security,
          body: TaskRequestSchema,
          response: {
            201: Type.Object(
              { task_id: Type.String({ format: 'uuid' }) },
              { examples: [{ task_id: '5f0c6a52-8d3e-4b8a-9f1e-0c2d7a9b4e61' }] },
            ),
            ...errorResponse(
              'invalid task',
              'invalid_field',
              `sigma must be a number greater than ${SIGMA_BOUNDS.min} and at most ${SIGMA_BOUNDS.max}`,
              'filter.parameters.sigma',
            ),
            ...unauthorized,
            ...errorResponse(
              'too large: the image (bytes, pixels), or its work over the image cost budget',
              'too_large',
              'image is over the cap of 10485760 bytes',
              'image',
            ),
            ...errorResponse('neither JSON nor multipart', 'unsupported_media_type', 'Unsupported Media Type'),
            ...errorResponse(
              'the user has the most tasks in flight allowed; see Retry-After',
              'too_many_tasks',
              'you have 20 tasks in flight (queued or running), the most allowed: wait for one to finish',
            ),
            ...errorResponse(
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

    bodies.delete(
      '/task/:task_id',
      {
        schema: {
          tags: ['tasks'],
          summary: 'Cancel a task',
          description:
            "The owner's task ends at once as `failed` with error code `cancelled` (see GET /result). A queued task never runs; a running code task's container is killed within a second; a running image task stops at its next filter step. Repeating it gives the same answer.",
          security,
          params: TaskIdParams,
          response: {
            200: Type.Ref('TaskStatus', { description: 'cancelled (now or before): status failed, stage done' }),
            ...unauthorized,
            ...notFound,
            ...errorResponse(
              'the task is already finished (ready, or failed otherwise): nothing to cancel',
              'task_finished',
              'the task is already ready: there is nothing to cancel',
            ),
          },
        },
      },
      async (request, reply) => {
        const { task_id } = request.params;
        const outcome: CancelOutcome = isTaskId(task_id)
          ? await tasks.cancel(task_id, request.account.id)
          : { kind: 'not_found' };
        if (outcome.kind === 'not_found') return sendError(reply, 'not_found', 'no such task');
        if (outcome.kind === 'finished') {
          const { status, error } = outcome.task;
          const how = status === 'failed' && error ? `failed (${error.code})` : status;
          return sendError(reply, 'task_finished', `the task is already ${how}: there is nothing to cancel`);
        }
        return statusView(outcome.task);
      },
    );
  });

  app.get(
    '/status/:task_id',
    {
      schema: {
        tags: ['tasks'],
        summary: "A task's status",
        description: 'With `?wait=N`: a long-poll, answered as soon as the task is final or after N seconds.',
        security,
        params: TaskIdParams,
        querystring: Type.Object({ wait: Type.Optional(WaitQuery) }),
        response: { 200: Type.Ref('TaskStatus'), ...unauthorized, ...notFound, ...tooManyWaiters },
      },
    },
    async (request, reply) => {
      const task = await readAfterWait(request.params.task_id, request.query.wait, request, reply);
      if (task === 'sent') return reply;
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
          '202 while in progress. An image result comes as raw `image/png` when the request prefers it (a browser, an `<img>`, or `?format=png`); otherwise JSON with the base64 PNG in `result`. With `?wait=N`: a long-poll, answered as soon as the task is final or after N seconds.',
        security,
        params: TaskIdParams,
        querystring: Type.Object({
          format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('png')])),
          wait: Type.Optional(WaitQuery),
        }),
        produces: ['application/json', 'image/png'],
        response: {
          200: Type.Ref('TaskResult'),
          202: Type.Ref('TaskResult', { description: 'in progress: result is null' }),
          ...unauthorized,
          ...notFound,
          ...tooManyWaiters,
        },
      },
    },
    async (request, reply) => {
      const task = await readAfterWait(request.params.task_id, request.query.wait, request, reply);
      if (task === 'sent') return reply;
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
          ...errorResponse('bad query', 'invalid_field', 'limit: must be <= 100', 'limit'),
          ...unauthorized,
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
