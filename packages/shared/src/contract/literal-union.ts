import { type TUnsafe, Type } from 'typebox';

/** A JSON-schema `enum` of string literals, typed as their union (TypeBox loses the literals over `.map`). */
export function literalUnion<T extends string>(
  values: readonly T[],
  options: { description?: string } = {},
): TUnsafe<T> {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
}
