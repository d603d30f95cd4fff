/**
 * Maps every error Fastify or a route throws to the JSON error shape, so bad input always gets a clear 4xx
 * (never a stack trace or a 500 for a client's mistake) and unknown routes a JSON 404.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { errorBody } from './api-error.js';

const CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'too_large'],
  FST_REQ_FILE_TOO_LARGE: [413, 'too_large'],
  FST_PARTS_LIMIT: [413, 'too_large'],
  FST_FILES_LIMIT: [413, 'too_large'],
  FST_FIELDS_LIMIT: [413, 'too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_body'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_body'],
};

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
    if (error.validation) {
      const field = fieldOf(error);
      const message = field ? `${field}: ${error.validation[0]?.message ?? 'invalid'}` : error.message;
      return reply.code(400).send(errorBody('invalid_field', message, field));
    }
    const mapped = error.code ? CODES[error.code] : undefined;
    if (mapped) return reply.code(mapped[0]).send(errorBody(mapped[1], error.message));
    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return reply.code(400).send(errorBody('invalid_json', `the body is not valid JSON: ${error.message}`));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send(errorBody('bad_request', error.message));
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send(errorBody('internal_error', 'internal error'));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
});
