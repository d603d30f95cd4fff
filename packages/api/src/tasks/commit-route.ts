/**
 * POST /commit: how workers hand back progress and results. Authenticated by the task's own commit token
 * (sent in the queue message), never by a user's session. The token names its task, so it is checked in
 * `onRequest`, before a byte of the body is read: a made-up token costs the API a hash lookup, not a 64 MiB
 * parse. The body limit is the largest result that can exist (see largestCommitBytes).
 */

import { CommitRequestSchema, readPngHeader } from '@conveyor/shared';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { bearerToken } from '../auth/authentication.js';
import { errorResponse, sendError } from '../http/api-error.js';
import type { TaskService } from './task-service.js';
import type { Commit, TaskRecord } from './task-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The task a commit token named; set by /commit's onRequest. */
    commitTask: TaskRecord;
  }
}

export interface CommitRouteOptions {
  tasks: TaskService;
  maxCommitBytes: number;
}

const CommitAccepted = Type.Object(
  {
    task_id: Type.String({ format: 'uuid' }),
    status: Type.String(),
    stage: Type.String(),
    repeated: Type.Boolean({ description: 'true when this final commit had already been applied (a retry)' }),
  },
  {
    examples: [{ task_id: '5f0c6a52-8d3e-4b8a-9f1e-0c2d7a9b4e61', status: 'ready', stage: 'done', repeated: false }],
  },
);

export const commitRoute: FastifyPluginAsyncTypebox<CommitRouteOptions> = async (app, { tasks, maxCommitBytes }) => {
  app.decorateRequest('commitTask', null as unknown as TaskRecord);
  app.post(
    '/commit',
    {
      bodyLimit: maxCommitBytes,
      onRequest: async (request, reply) => {
        const token = bearerToken(request.headers.authorization);
        if (!token) {
          reply.header('WWW-Authenticate', 'Bearer realm="conveyor-commit"');
          return sendError(reply, 'unauthorized', "the task's commit token is required as a bearer token");
        }
        const auth = await tasks.authorizeCommit(token);
        // The body is never read on a refusal: close the connection rather than drain what the client sends.
        if (auth.kind !== 'ok') reply.header('Connection', 'close');
        if (auth.kind === 'not_found') return sendError(reply, 'not_found', 'no such task');
        if (auth.kind === 'forbidden')
          return sendError(reply, 'forbidden', "the token is not this task's commit token");
        request.commitTask = auth.task;
      },
      schema: {
        tags: ['workers'],
        summary: 'A worker commits progress (`running`) or the final result of a task',
        description:
          'Authenticated by the per-task commit token from the queue message. `running` moves the stage; the first final commit (`ready` or `failed`) wins; the same final commit again answers 200 (retries are safe); a different one after it, or `running` after the end, 409.',
        security: [{ commitToken: [] }],
        body: CommitRequestSchema,
        response: {
          200: CommitAccepted,
          ...errorResponse('malformed commit', 'invalid_field', 'a ready commit needs a result', 'result'),
          ...errorResponse('no bearer token', 'unauthorized', "the task's commit token is required"),
          ...errorResponse("not this task's commit token", 'forbidden', "the token is not this task's commit token"),
          ...errorResponse('unknown task', 'not_found', 'no such task'),
          ...errorResponse('already final with another outcome', 'conflict', 'the task is already ready'),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.task_id !== request.commitTask.id) {
        return sendError(reply, 'forbidden', "the token is not this task's commit token", 'task_id');
      }
      const task = request.commitTask.type;

      let commit: Commit;
      if (body.status === 'running') {
        commit = { status: 'running' };
      } else if (body.status === 'ready') {
        if (body.result === undefined)
          return sendError(reply, 'invalid_field', 'a ready commit needs a result', 'result');
        const isImage = typeof body.result === 'string';
        if (isImage !== (task === 'image')) {
          return sendError(
            reply,
            'invalid_field',
            `a ${task} task's result must be ${task === 'image' ? 'a base64 PNG string' : 'a code result object'}`,
            'result',
          );
        }
        if (isImage && !readPngHeader(Buffer.from(body.result as string, 'base64'))) {
          return sendError(reply, 'invalid_field', 'result is not a base64 PNG', 'result');
        }
        commit = { status: 'ready', result: body.result };
      } else {
        if (!body.error) return sendError(reply, 'invalid_field', 'a failed commit needs an error', 'error');
        commit = { status: 'failed', error: body.error };
      }

      const outcome = await tasks.commit(body.task_id, commit);
      if (outcome.kind === 'not_found') return sendError(reply, 'not_found', 'no such task');
      if (outcome.kind === 'conflict') {
        return sendError(reply, 'conflict', `the task is already ${outcome.task.status}`);
      }
      const { id, status, stage } = outcome.task;
      return { task_id: id, status, stage, repeated: outcome.kind === 'repeated' };
    },
  );
};
