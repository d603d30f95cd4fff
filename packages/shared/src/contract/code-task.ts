/**
 * The code-task contract: which translators exist, what a code task carries, and what its result looks like.
 * The API validates with these at the door and the code-processor validates again with the same functions.
 */
import { type Static, Type } from 'typebox';
import { echoValue, type FieldError, fieldError } from './field-error.js';
import { literalUnion, nullable } from './schema-helpers.js';

/** Canonical translator names; a task names one of these (or an alias, see TRANSLATOR_ALIASES). */
export const TRANSLATORS = ['python3', 'gcc', 'clang', 'g++', 'clang++'] as const;
export type Translator = (typeof TRANSLATORS)[number];

/** Friendly names the course's clients use, mapped to the translator they mean. */
export const TRANSLATOR_ALIASES: Readonly<Record<string, Translator>> = {
  python: 'python3',
  py: 'python3',
  c: 'gcc',
  cpp: 'g++',
  'c++': 'g++',
};

export const MAX_CODE_BYTES = 64 * 1024;
export const MAX_STDIN_BYTES = 1024 * 1024;

/** Bounds a task may ask for; the code-processor further clamps to its own configured caps. */
export const CODE_LIMIT_BOUNDS = {
  time_ms: { min: 100, max: 60_000 },
  memory_mb: { min: 16, max: 4096 },
} as const;

export const CodeLimitsSchema = Type.Object(
  {
    time_ms: Type.Optional(
      Type.Integer({ minimum: CODE_LIMIT_BOUNDS.time_ms.min, maximum: CODE_LIMIT_BOUNDS.time_ms.max }),
    ),
    memory_mb: Type.Optional(
      Type.Integer({ minimum: CODE_LIMIT_BOUNDS.memory_mb.min, maximum: CODE_LIMIT_BOUNDS.memory_mb.max }),
    ),
  },
  { additionalProperties: false },
);
export type CodeLimits = Static<typeof CodeLimitsSchema>;

/** A code task as it travels on the queue: already normalised (canonical translator, no aliases). */
export const CodeTaskPayloadSchema = Type.Object({
  translator: literalUnion(TRANSLATORS),
  code: Type.String(),
  stdin: Type.String(),
  limits: CodeLimitsSchema,
});
export type CodeTaskPayload = Static<typeof CodeTaskPayloadSchema>;

export const VERDICTS = ['ok', 'compile_error', 'runtime_error', 'time_limit', 'memory_limit', 'output_limit'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const StageOutputSchema = Type.Object({
  stdout: Type.String(),
  stderr: Type.String(),
  exit_code: nullable(Type.Integer()),
  time_ms: Type.Integer(),
  truncated: Type.Boolean(),
});
export type StageOutput = Static<typeof StageOutputSchema>;

export const CodeResultSchema = Type.Object({
  verdict: literalUnion(VERDICTS),
  exit_code: nullable(Type.Integer(), { description: 'null when the program did not run or was killed' }),
  signal: nullable(Type.String(), { description: 'e.g. SIGSEGV, SIGKILL; null on a normal exit' }),
  stdout: Type.String(),
  stderr: Type.String(),
  compile: nullable(StageOutputSchema, { description: 'null for interpreted languages' }),
  time_ms: Type.Integer(),
  truncated: Type.Boolean(),
});
export type CodeResult = Static<typeof CodeResultSchema>;

function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Maps a translator name or alias (case-insensitive) to its canonical name. */
export function resolveTranslator(name: unknown): Translator | undefined {
  if (typeof name !== 'string') return undefined;
  const key = name.trim().toLowerCase();
  if ((TRANSLATORS as readonly string[]).includes(key)) return key as Translator;
  return TRANSLATOR_ALIASES[key];
}

/**
 * Validates and normalises a code task body. Accepts `translator`, or its aliases `language` and `compiler`.
 * Returns the payload to queue, or the first field that is wrong.
 */
export function parseCodeTask(body: Record<string, unknown>): CodeTaskPayload | FieldError {
  const nameField = ['translator', 'language', 'compiler'].find((f) => body[f] !== undefined);
  if (!nameField) return fieldError('translator', `translator is required: one of ${TRANSLATORS.join(', ')}`);
  const translator = resolveTranslator(body[nameField]);
  if (!translator) {
    return fieldError(
      nameField,
      `unknown translator ${echoValue(body[nameField])}: use one of ${TRANSLATORS.join(', ')} (aliases: ${Object.keys(TRANSLATOR_ALIASES).join(', ')})`,
    );
  }
  const { code, stdin = '', limits = {} } = body;
  if (typeof code !== 'string') return fieldError('code', 'code must be a string');
  if (code.length === 0) return fieldError('code', 'code must not be empty');
  if (utf8Bytes(code) > MAX_CODE_BYTES) return fieldError('code', `code is over ${MAX_CODE_BYTES} bytes`, 413);
  if (typeof stdin !== 'string') return fieldError('stdin', 'stdin must be a string');
  if (utf8Bytes(stdin) > MAX_STDIN_BYTES) return fieldError('stdin', `stdin is over ${MAX_STDIN_BYTES} bytes`, 413);
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) {
    return fieldError('limits', 'limits must be an object with time_ms and/or memory_mb');
  }
  const parsedLimits: CodeLimits = {};
  for (const [key, value] of Object.entries(limits)) {
    if (key !== 'time_ms' && key !== 'memory_mb') return fieldError(`limits.${key}`, `unknown limit ${key}`);
    const bounds = CODE_LIMIT_BOUNDS[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < bounds.min || value > bounds.max) {
      return fieldError(`limits.${key}`, `limits.${key} must be an integer from ${bounds.min} to ${bounds.max}`);
    }
    parsedLimits[key] = value;
  }
  return { translator, code, stdin, limits: parsedLimits };
}
