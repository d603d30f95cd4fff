/**
 * Request bodies are validated without type coercion: JSON carries its types, so `{"username": 12345}` is a
 * 400 rather than the name "12345". Query strings and path parameters are text by nature and keep Fastify's
 * coercion (`?limit=20` becomes the integer 20).
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

type ValidatorFactory = ReturnType<typeof AjvCompiler>;

const fromPool = AjvCompiler();

const buildValidator: ValidatorFactory = (externalSchemas, options) => {
  const coercing = fromPool(externalSchemas, options);
  const customOptions = { ...options?.customOptions, coerceTypes: false };
  const strict = fromPool(externalSchemas, { ...options, customOptions } as Parameters<ValidatorFactory>[1]);
  return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
};

export const bodyValidation: FastifyServerOptions['schemaController'] = {
  compilersFactory: { buildValidator: buildValidator as never },
};
