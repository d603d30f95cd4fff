/**
 * Maps every error Fastify or a route throws to the JSON error shape, so bad input always gets a clear 4xx
 * (never a stack trace or a 500 for a client's mistake) and unknown routes a JSON 404.
 */
import { echoValue } from '@conveyor/shared';
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { errorBody } from './api-error.js';
import { type ApiErrorCode, statusOf } from './errors.js';

/** Fastify's and its plugins' error codes, as catalogued API errors. */
const CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'too_large',
  FST_REQ_FILE_TOO_LARGE: 'too_large',
  FST_PARTS_LIMIT: 'too_large',
  FST_FILES_LIMIT: 'too_large',
  FST_FIELDS_LIMIT: 'too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_body',
  FST_PROTO_VIOLATION: 'invalid_multipart',
  FST_INVALID_JSON_FIELD_ERROR: 'invalid_multipart',
  FST_MP_PREMATURE_CLOSE: 'invalid_multipart',
};

/**
 * busboy (under @fastify/multipart) throws plain errors, without a code or status, for a form it cannot
 * parse: the client's mistake, not ours.
 */
const MULTIPART_PARSE_ERROR =
  /Boundary not found|Boundary required|unexpected end of multipart data|Malformed part header/i;

function fieldOf(error: FastifyError): string | undefined {
  const first = error.validation?.[0];
  if (!first) return undefined;
  const path = (first.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const missing = (first.params as { missingProperty?: string } | undefined)?.missingProperty;
  const extra = (first.params as { additionalProperty?: string } | undefined)?.additionalProperty;
  const leaf = missing ?? extra;
  return [path, leaf].filter(Boolean).join('.') || undefined;
}

export const errorHandler = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const send = (code: ApiErrorCode, message: string, field?: string) =>
      reply.code(statusOf(code)).send(errorBody(code, message, field));
    if (error.validation) {
      const field = fieldOf(error);
      const message = field ? `${field}: ${error.validation[0]?.message ?? 'invalid'}` : error.message;
      return send('invalid_field', message, field);
    }
    const mapped = error.code ? CODES[error.code] : undefined;
    if (mapped) return send(mapped, error.message);
    if (MULTIPART_PARSE_ERROR.test(error.message ?? '')) {
      return send('invalid_multipart', `the multipart/form-data body is malformed: ${error.message}`);
    }
    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return send('invalid_json', `the body is not valid JSON: ${error.message}`);
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send(errorBody('bad_request', error.message));
    request.log.error({ err: error }, 'request failed');
    return send('internal_error', 'internal error');
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody('not_found', `no route ${request.method} ${echoValue(request.url.split('?')[0])}`));
  });
});
