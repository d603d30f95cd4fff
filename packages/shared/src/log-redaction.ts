/**
 * Secrets kept out of log lines: a field named token, password or commit_token, at the top level of a logged
 * object (or a child logger's bindings) or one level down, is written as `[redacted]`.
 *
 * This is pino's `redact` with the paths `token` and `*.token` (and the same for the others), done as a log
 * formatter instead: with a wildcard path pino passes every field of every line, strings and numbers too,
 * through its redactor, which clones before it looks (~7 µs a line, the largest share of the API's per-request
 * log line). Here a line without secrets costs a look at its keys and its object fields' own keys, and only a
 * line with a secret is copied. The logged objects themselves are never changed.
 */

const SECRET_FIELDS = ['token', 'password', 'commit_token'] as const;
const SECRET = new Set<string>(SECRET_FIELDS);
export const REDACTED = '[redacted]';

type Fields = Record<string, unknown>;

function hasOwnSecret(value: object): boolean {
  for (const name of SECRET_FIELDS) if (Object.hasOwn(value, name)) return true;
  return false;
}

/**
 * A copy of `value` with its own secret fields censored: same prototype and own properties (an error keeps
 * its message, stack and class for the error serializer), so serializers see what they would have seen.
 */
function censoredCopy(value: object): object {
  const copy = Object.create(Object.getPrototypeOf(value), Object.getOwnPropertyDescriptors(value)) as Fields;
  for (const name of SECRET_FIELDS) {
    if (Object.hasOwn(copy, name)) {
      Object.defineProperty(copy, name, { value: REDACTED, enumerable: true, writable: true, configurable: true });
    }
  }
  return copy;
}

/** `fields` with its secrets censored: itself when it has none, else a shallow copy. */
export function redactSecrets(fields: Fields): Fields {
  let redacted: Fields | undefined;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    let replacement: unknown;
    if (SECRET.has(key)) replacement = REDACTED;
    else if (typeof value === 'object' && value !== null && !Array.isArray(value) && hasOwnSecret(value)) {
      replacement = censoredCopy(value);
    } else continue;
    redacted ??= { ...fields };
    redacted[key] = replacement;
  }
  return redacted ?? fields;
}
