/**
 * POST /task, GET /status/{id}, GET /result/{id}, DELETE /task/{id}, GET /tasks: a user's side of tasks (behind
 * authentication).
 */

import {
  COMPARE_MODES,
  COMPILER_OPTIONS_HELP,
  CodeLimitsSchema,
  FILTER_NAMES,
  fieldError,
  isFieldError,
  isTaskId,
  MAX_ARG_BYTES,
  MAX_ARGS,
  MAX_CODE_BYTES,
  MAX_FILE_NAME_CHARS,
  MAX_FILES,
  MAX_FILES_BYTES,
  MAX_FILTER_CHAIN,
  MAX_INPUT_BYTES,
  MAX_TEST_NAME_CHARS,
  MAX_TESTS,
  nullable,
  PublishError,
  SIGMA_BOUNDS,
  TRANSLATOR_ALIASES,
  TRANSLATORS,
} from '@conveyor/shared';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
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

const FilterStepDoc = Type.Object({
  name: Type.String({ description: `case-insensitive: ${FILTER_NAMES.join(', ')}`, examples: ['Blur'] }),
  parameters: Type.Optional(
    Type.Object({
      sigma: Type.Optional(
        Type.Number({
          exclusiveMinimum: SIGMA_BOUNDS.min,
          maximum: SIGMA_BOUNDS.max,
          default: SIGMA_BOUNDS.default,
        }),
      ),
    }),
  ),
});

const ArgsDoc = (description: string) =>
  Type.Optional(
    Type.Array(Type.String({ description: `at most ${MAX_ARG_BYTES} bytes` }), { maxItems: MAX_ARGS, description }),
  );

const CodeTaskDoc = Type.Object(
  {
    type: Type.Optional(Type.Literal('code')),
    translator: Type.String({
      description: `${TRANSLATORS.join(', ')}; aliases ${Object.keys(TRANSLATOR_ALIASES).join(', ')}; the field may also be called language or compiler`,
      examples: ['python3'],
    }),
    code: Type.String({ description: `the source, at most ${MAX_CODE_BYTES} bytes`, examples: ['print(input())'] }),
    stdin: Type.Optional(Type.String({ examples: ['hello'], description: 'a task without tests: its input' })),
    limits: Type.Optional(CodeLimitsSchema),
    args: ArgsDoc('a task without tests: the program arguments'),
    tests: Type.Optional(
      Type.Array(
        Type.Object({
          name: Type.Optional(Type.String({ maxLength: MAX_TEST_NAME_CHARS })),
          stdin: Type.Optional(Type.String()),
          expected_output: Type.Optional(
            Type.String({ description: "compared with the run's stdout (see compare); a difference is wrong_answer" }),
          ),
          args: ArgsDoc('the program arguments of this test'),
        }),
        {
          maxItems: MAX_TESTS,
          description: `compiled once, run once per test, each in a fresh directory with its own limits. All the input (stdin, each test's stdin, expected_output and args) comes to at most ${MAX_INPUT_BYTES} bytes`,
        },
      ),
    ),
    compare: Type.Optional(
      Type.Union(
        [
          Type.String({ enum: [...COMPARE_MODES], default: 'lines' }),
          Type.Object({
            float: Type.Object({
              abs: Type.Optional(Type.Number({ minimum: 0, default: 0 })),
              rel: Type.Optional(Type.Number({ minimum: 0, default: 0 })),
            }),
          }),
        ],
        {
          description:
            'exact: byte for byte; lines (default): trailing whitespace and trailing empty lines ignored; tokens: whitespace-separated tokens equal; float: tokens, numbers within abs or rel',
        },
      ),
    ),
    stop_on_failure: Type.Optional(
      Type.Boolean({ description: 'stop at the first test that is not ok; the rest are skipped' }),
    ),
    files: Type.Optional(
      Type.Array(
        Type.Object({
          name: Type.String({
            maxLength: MAX_FILE_NAME_CHARS,
            description: 'a plain relative path (no .., no leading dot or slash), e.g. lib/util.h',
          }),
          content: Type.String(),
          encoding: Type.Optional(Type.String({ enum: ['text', 'base64'], default: 'text' })),
        }),
        {
          maxItems: MAX_FILES,
          description: `at most ${MAX_FILES_BYTES} bytes in all; C and C++ sources among them are compiled with code, the rest are readable by the program`,
        },
      ),
    ),
    compiler_options: Type.Optional(
      Type.Array(Type.String(), { description: `checked against an allowlist: ${COMPILER_OPTIONS_HELP}` }),
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
  // Multipart for curl and HTML forms: the image as a file part, `filter` as a JSON (or plain name) field.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: imageLimits.maxBytes, files: 1, fields: 16, fieldSize: 1024 * 1024 },
  });
  /** A malformed id, an unknown one and another user's task all look the same: not found. */
  const findOwnedTask = (taskId: string, ownerId: string) =>
    isTaskId(taskId) ? tasks.getOwned(taskId, ownerId) : Promise.resolve(undefined);

  /**
   * The task, after waiting up to `waitSeconds` for it to be final. Undefined when not found; the reply is
   * already sent (429) when the waiter bound is reached. A client that goes away ends its wait.
   */
  async function readAfterWait(
    taskId: string,
    waitSeconds: number | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<TaskRecord | undefined | 'sent'> {
    const read = () => findOwnedTask(taskId, request.account.id);
    const waitMs = (waitSeconds ?? 0) * 1000;
    if (waitMs === 0) return read();
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
          ...errorResponse(
            'invalid task',
            'invalid_field',
            'sigma must be a number greater than 0 and at most 50',
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

  app.delete(
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
