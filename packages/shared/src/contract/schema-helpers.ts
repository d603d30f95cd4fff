import { type Static, type TSchema, type TUnsafe, Type } from 'typebox';

/** A JSON-schema `enum` of string literals, typed as their union (TypeBox loses the literals over `.map`). */
export function literalUnion<T extends string>(
  values: readonly T[],
  options: { description?: string; default?: unknown; examples?: unknown } = {},
): TUnsafe<T> {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
}

/**
 * `T | null` as OpenAPI 3.0's `nullable: true` rather than `anyOf [T, null]`: Fastify's Ajv coerces types,
 * and inside an anyOf it would turn a null into "" or 0 before the null branch is tried.
 */
export function nullable<S extends TSchema>(
  schema: S,
  options: { description?: string } = {},
): TUnsafe<Static<S> | null> {
  return Type.Unsafe<Static<S> | null>({ ...schema, nullable: true, ...options });
}
