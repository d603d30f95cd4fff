/**
 * The judge part of a code task: its test cases, how their output is compared, and the program's arguments.
 * Every byte of input a task carries (stdin, each test's stdin, expected output and arguments) comes out
 * of one budget, MAX_INPUT_BYTES, so the largest task still fits one broker message (see message-size.ts).
 */
import { type Static, Type } from 'typebox';
import { echoValue, type FieldError, fieldError, isFieldError } from './field-error.js';
import { literalUnion } from './schema-helpers.js';

export const MAX_TESTS = 50;
export const MAX_ARGS = 32;
export const MAX_ARG_BYTES = 1024;
export const MAX_TEST_NAME_CHARS = 100;
/** All the input of one task: stdin, and every test's stdin, expected_output and args. */
export const MAX_INPUT_BYTES = 1024 * 1024;
/** The float tolerance's bound: a tolerance is a small non-negative number. */
export const MAX_FLOAT_TOLERANCE = 1e6;

export const COMPARE_MODES = ['exact', 'lines', 'tokens'] as const;
export type CompareMode = (typeof COMPARE_MODES)[number];
export const DEFAULT_COMPARE: CompareSpec = 'lines';

export const CompareSchema = Type.Union([
  Type.Union(COMPARE_MODES.map((mode) => Type.Literal(mode))),
  Type.Object({
    float: Type.Object({ abs: Type.Number(), rel: Type.Number() }),
  }),
]);
/** `exact`, `lines` (the default), `tokens`, or tokens with numbers compared within `abs` or `rel`. */
export type CompareSpec = CompareMode | { float: { abs: number; rel: number } };

export const CodeTestSchema = Type.Object({
  name: Type.Optional(Type.String()),
  stdin: Type.String(),
  expected_output: Type.Optional(Type.String()),
  args: Type.Array(Type.String()),
});
export type CodeTest = Static<typeof CodeTestSchema>;

/**
 * `args` as a request gives them: what parseArgs accepts, as far as JSON Schema can say it. maxLength counts
 * characters, so it bounds the bytes only loosely; parseArgs checks the bytes and the input budget.
 */
export const ArgsRequestSchema = (description: string) =>
  Type.Array(
    Type.String({
      maxLength: MAX_ARG_BYTES,
      pattern: '^[^\\u0000]*$',
      description: `at most ${MAX_ARG_BYTES} bytes, no NUL`,
    }),
    { maxItems: MAX_ARGS, description },
  );

/** One test as a request gives it (parseTest's rules); in the payload it is a CodeTest. */
export const CodeTestRequestSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: MAX_TEST_NAME_CHARS })),
    stdin: Type.Optional(Type.String()),
    expected_output: Type.Optional(
      Type.String({ description: "compared with the run's stdout (see compare); a difference is wrong_answer" }),
    ),
    args: Type.Optional(ArgsRequestSchema('the program arguments of this test')),
  },
  { additionalProperties: false },
);

export const TestsRequestSchema = Type.Array(CodeTestRequestSchema, {
  minItems: 1,
  maxItems: MAX_TESTS,
  description: `compiled once, run once per test, each in a fresh directory with its own limits. All the input (stdin, each test's stdin, expected_output and args) comes to at most ${MAX_INPUT_BYTES} bytes`,
});

const toleranceSchema = Type.Optional(Type.Number({ minimum: 0, maximum: MAX_FLOAT_TOLERANCE, default: 0 }));

/** `compare` as a request gives it (parseCompare's rules). */
export const CompareRequestSchema = Type.Union(
  [
    literalUnion(COMPARE_MODES, { default: DEFAULT_COMPARE }),
    Type.Object(
      { float: Type.Object({ abs: toleranceSchema, rel: toleranceSchema }, { additionalProperties: false }) },
      { additionalProperties: false },
    ),
  ],
  {
    description:
      'exact: byte for byte; lines (default): trailing whitespace and trailing empty lines ignored; tokens: whitespace-separated tokens equal; float: tokens, numbers within abs or rel',
  },
);

const TEST_KEYS = new Set(Object.keys(CodeTestRequestSchema.properties));

function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Counts input bytes against MAX_INPUT_BYTES; the error names the field that went over. */
export class InputBudget {
  private used = 0;

  spend(field: string, bytes: number): FieldError | null {
    this.used += bytes;
    if (this.used <= MAX_INPUT_BYTES) return null;
    return fieldError(
      field,
      `${field} takes the task's input over ${MAX_INPUT_BYTES} bytes (stdin and every test's stdin, expected_output and args together)`,
      413,
    );
  }
}

export function parseArgs(raw: unknown, field: string, budget: InputBudget): string[] | FieldError {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return fieldError(field, `${field} must be an array of strings`);
  if (raw.length > MAX_ARGS) return fieldError(field, `${field} takes at most ${MAX_ARGS} arguments`);
  const args: string[] = [];
  for (const [i, arg] of raw.entries()) {
    const at = `${field}[${i}]`;
    if (typeof arg !== 'string') return fieldError(at, `${at} must be a string`);
    // An argument reaches execve() as a C string: it cannot hold a NUL.
    if (arg.includes('\0')) return fieldError(at, `${at} must not contain a NUL character`);
    const bytes = utf8Bytes(arg);
    if (bytes > MAX_ARG_BYTES) return fieldError(at, `${at} is over ${MAX_ARG_BYTES} bytes`, 413);
    const over = budget.spend(at, bytes);
    if (over) return over;
    args.push(arg);
  }
  return args;
}

function parseTest(raw: unknown, field: string, budget: InputBudget): CodeTest | FieldError {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fieldError(field, `${field} must be an object {"stdin"?, "expected_output"?, "args"?, "name"?}`);
  }
  const unknown = Object.keys(raw).find((key) => !TEST_KEYS.has(key));
  if (unknown) return fieldError(`${field}.${unknown}`, `a test has no field ${unknown}`);
  const { name, stdin = '', expected_output: expected, args } = raw as Record<string, unknown>;
  const test: CodeTest = { stdin: '', args: [] };
  if (name !== undefined) {
    if (typeof name !== 'string' || name.length > MAX_TEST_NAME_CHARS) {
      return fieldError(`${field}.name`, `${field}.name must be a string of at most ${MAX_TEST_NAME_CHARS} characters`);
    }
    test.name = name;
  }
  if (typeof stdin !== 'string') return fieldError(`${field}.stdin`, `${field}.stdin must be a string`);
  test.stdin = stdin;
  const stdinOver = budget.spend(`${field}.stdin`, utf8Bytes(stdin));
  if (stdinOver) return stdinOver;
  if (expected !== undefined) {
    if (typeof expected !== 'string') {
      return fieldError(`${field}.expected_output`, `${field}.expected_output must be a string`);
    }
    const over = budget.spend(`${field}.expected_output`, utf8Bytes(expected));
    if (over) return over;
    test.expected_output = expected;
  }
  const parsedArgs = parseArgs(args, `${field}.args`, budget);
  if (isFieldError(parsedArgs)) return parsedArgs;
  test.args = parsedArgs;
  return test;
}

export function parseTests(raw: unknown, budget: InputBudget): CodeTest[] | FieldError {
  if (!Array.isArray(raw) || raw.length === 0) {
    return fieldError('tests', 'tests must be a non-empty array of {"stdin"?, "expected_output"?, "args"?, "name"?}');
  }
  if (raw.length > MAX_TESTS) return fieldError('tests', `tests takes at most ${MAX_TESTS} tests`, 413);
  const tests: CodeTest[] = [];
  for (const [i, entry] of raw.entries()) {
    const test = parseTest(entry, `tests[${i}]`, budget);
    if (isFieldError(test)) return test;
    tests.push(test);
  }
  return tests;
}

export function parseCompare(raw: unknown): CompareSpec | FieldError {
  if (raw === undefined) return DEFAULT_COMPARE;
  if (typeof raw === 'string' && (COMPARE_MODES as readonly string[]).includes(raw)) return raw as CompareMode;
  const help = 'compare must be "exact", "lines", "tokens" or {"float": {"abs": 1e-6, "rel": 1e-6}}';
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fieldError('compare', `unknown compare mode ${echoValue(raw)}: ${help}`);
  }
  const keys = Object.keys(raw);
  const float = (raw as { float?: unknown }).float;
  if (keys.length !== 1 || typeof float !== 'object' || float === null || Array.isArray(float)) {
    return fieldError('compare', help);
  }
  const tolerance: { abs: number; rel: number } = { abs: 0, rel: 0 };
  for (const [key, value] of Object.entries(float)) {
    if (key !== 'abs' && key !== 'rel')
      return fieldError(`compare.float.${key}`, `compare.float takes abs and rel only`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_FLOAT_TOLERANCE) {
      return fieldError(
        `compare.float.${key}`,
        `compare.float.${key} must be a number from 0 to ${MAX_FLOAT_TOLERANCE}`,
      );
    }
    tolerance[key] = value;
  }
  return { float: tolerance };
}
