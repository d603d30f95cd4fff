/**
 * The one JSON error shape every 4xx/5xx answer uses: {"error": {"code", "message", "field"?}}.
 */
import type { FieldError } from '@conveyor/shared';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { type ApiErrorCode, statusOf } from './errors.js';

const errorProperties = () => ({
  error: Type.Object({
    code: Type.String({ description: 'machine-readable error code' }),
    message: Type.String({ description: 'what is wrong, for a person' }),
    field: Type.Optional(Type.String({ description: 'the request field at fault' })),
  }),
});

export const ErrorBodySchema = Type.Object(errorProperties(), { $id: 'Error' });

/**
 * The error shape with a description and an example, for route `response` maps. Inlined rather than a $ref,
 * because OpenAPI 3.0 drops a $ref's sibling keywords, and with them the example.
 */
/**
 * A route's documented error response, keyed by the status the catalogue (errors.ts) gives `code`, so the
 * OpenAPI document and the answers cannot disagree: spread it into a route's `response` map.
 */
export function errorResponse(description: string, code: ApiErrorCode, message: string, field?: string) {
  const schema = Type.Object(errorProperties(), {
    description,
    examples: [{ error: { code, message, ...(field ? { field } : {}) } }],
  });
  return { [statusOf(code)]: schema };
}

export function errorBody(code: ApiErrorCode, message: string, field?: string) {
  return { error: { code, message, ...(field ? { field } : {}) } };
}

/** Answers with the catalogued error `code`; its status comes from the catalogue (errors.ts). */
export function sendError(reply: FastifyReply, code: ApiErrorCode, message: string, field?: string) {
  return reply
    .code(statusOf(code))
    .type('application/json')
    .send(errorBody(code, message, field));
}

export function sendFieldError(reply: FastifyReply, error: FieldError) {
  return sendError(reply, error.status === 413 ? 'too_large' : 'invalid_field', error.message, error.field);
}
