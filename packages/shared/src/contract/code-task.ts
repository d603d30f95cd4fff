/**
 * The code-task contract: which translators exist, what a code task carries, and what its result looks like.
 * The API validates with these at the door and the code-processor validates again with the same functions.
 */
import { type Static, Type } from 'typebox';
import { type CodeFile, CodeFileSchema, FilesRequestSchema, parseCodeFiles } from './code-files.js';
import {
  ArgsRequestSchema,
  type CodeTest,
  CodeTestSchema,
  CompareRequestSchema,
  CompareSchema,
  type CompareSpec,
  InputBudget,
  parseArgs,
  parseCompare,
  parseTests,
  TestsRequestSchema,
} from './code-tests.js';
import { CompilerOptionsRequestSchema, parseCompilerOptions } from './compiler-options.js';
import { echoValue, type FieldError, fieldError, isFieldError } from './field-error.js';
import { literalUnion, nullable } from './schema-helpers.js';
import { PROGRAM_FILE, TRANSLATOR_ALIASES, TRANSLATORS, type Translator, translatorEntry } from './translators.js';

export const MAX_CODE_BYTES = 64 * 1024;
/** stdin alone; with the tests' input it shares MAX_INPUT_BYTES (code-tests.ts). */
export const MAX_STDIN_BYTES = 1024 * 1024;

/** Bounds a task may ask for; the code-processor further clamps to its own configured caps. */
export const CODE_LIMIT_BOUNDS = {
  time_ms: { min: 100, max: 60_000 },
  memory_mb: { min: 16, max: 4096 },
  /** The whole task: the compile and every test's run. */
  total_time_ms: { min: 100, max: 600_000 },
} as const;
type LimitName = keyof typeof CODE_LIMIT_BOUNDS;
const LIMIT_NAMES = Object.keys(CODE_LIMIT_BOUNDS) as LimitName[];

const limitSchema = (name: LimitName, description: string) =>
  Type.Optional(
    Type.Integer({ minimum: CODE_LIMIT_BOUNDS[name].min, maximum: CODE_LIMIT_BOUNDS[name].max, description }),
  );

export const CodeLimitsSchema = Type.Object(
  {
    time_ms: limitSchema('time_ms', 'wall time of one run (each test has its own)'),
    memory_mb: limitSchema('memory_mb', 'memory of one run (RAM, no swap)'),
    total_time_ms: limitSchema('total_time_ms', 'the whole task: the compile and every run'),
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
  /** The judge's fields, present only when the task gave them (a plain task's payload is as it always was). */
  args: Type.Optional(Type.Array(Type.String())),
  files: Type.Optional(Type.Array(CodeFileSchema)),
  compiler_options: Type.Optional(Type.Array(Type.String())),
  tests: Type.Optional(Type.Array(CodeTestSchema)),
  compare: Type.Optional(CompareSchema),
  stop_on_failure: Type.Optional(Type.Boolean()),
});
export type CodeTaskPayload = {
  translator: Translator;
  code: string;
  stdin: string;
  limits: CodeLimits;
  args?: string[];
  files?: CodeFile[];
  compiler_options?: string[];
  tests?: CodeTest[];
  compare?: CompareSpec;
  stop_on_failure?: boolean;
};

/** A task's verdict: its run's, or with tests the first failing test's. */
export const VERDICTS = [
  'ok',
  'compile_error',
  'runtime_error',
  'time_limit',
  'memory_limit',
  'output_limit',
  'wrong_answer',
] as const;
export type Verdict = (typeof VERDICTS)[number];

/** One test's verdict; `skipped` when stop_on_failure (or the total time) ended the task before it ran. */
export const TEST_VERDICTS = [
  'ok',
  'wrong_answer',
  'runtime_error',
  'time_limit',
  'memory_limit',
  'output_limit',
  'skipped',
] as const;
export type TestVerdict = (typeof TEST_VERDICTS)[number];

export const StageOutputSchema = Type.Object({
  stdout: Type.String(),
  stderr: Type.String(),
  exit_code: nullable(Type.Integer()),
  time_ms: Type.Integer(),
  truncated: Type.Boolean(),
});
export type StageOutput = Static<typeof StageOutputSchema>;

/** Where a wrong answer first differs from the expected output. */
export const MismatchSchema = Type.Object({
  line: Type.Integer({ description: 'the line (from 1) of the output where they differ' }),
  token: nullable(Type.Integer(), {
    description: 'tokens and float modes: which token (from 1, over the whole output); null for exact and lines',
  }),
  expected: nullable(Type.String(), {
    description: 'the expected line or token (cut); null when the expected output ended first',
  }),
  actual: nullable(Type.String(), {
    description: 'the line or token the program printed (cut); null when its output ended first',
  }),
});
export type Mismatch = Static<typeof MismatchSchema>;

const measured = {
  cpu_time_ms: nullable(Type.Integer(), {
    description: 'CPU time (user + system) of the program; null when not measured',
  }),
  memory_kb: nullable(Type.Integer(), {
    description: 'peak resident memory of the program, KiB; null when not measured',
  }),
};

export const TestResultSchema = Type.Object({
  name: nullable(Type.String()),
  verdict: literalUnion(TEST_VERDICTS),
  exit_code: nullable(Type.Integer()),
  signal: nullable(Type.String()),
  stdout: Type.String(),
  stderr: Type.String(),
  truncated: Type.Boolean(),
  time_ms: Type.Integer({ description: 'wall time of this run' }),
  ...measured,
  mismatch: nullable(MismatchSchema, { description: 'for wrong_answer: the first difference' }),
});
export type TestResult = Static<typeof TestResultSchema>;

export const CodeResultSchema = Type.Object({
  verdict: literalUnion(VERDICTS),
  exit_code: nullable(Type.Integer(), { description: 'null when the program did not run or was killed' }),
  signal: nullable(Type.String(), { description: 'e.g. SIGSEGV, SIGKILL; null on a normal exit' }),
  stdout: Type.String(),
  stderr: Type.String(),
  compile: nullable(StageOutputSchema, { description: 'null for interpreted languages' }),
  time_ms: Type.Integer({ description: 'wall time of the run; with tests, of all runs' }),
  truncated: Type.Boolean(),
  cpu_time_ms: Type.Optional(measured.cpu_time_ms),
  memory_kb: Type.Optional(measured.memory_kb),
  tests: Type.Optional(
    Type.Array(TestResultSchema, {
      description:
        'with tests: one result each, in order. The task-level stdout, stderr, exit_code and signal are those of the first failing test (or of the last one when all pass); time_ms and cpu_time_ms the sums, memory_kb the largest',
    }),
  ),
  passed: Type.Optional(Type.Integer({ description: 'with tests: how many are ok' })),
  total: Type.Optional(Type.Integer({ description: 'with tests: how many there are' })),
});
export type CodeResult = Static<typeof CodeResultSchema>;

/** The field that names the translator, and the other names parseCodeTask takes for it. */
export const TRANSLATOR_FIELDS = ['translator', 'language', 'compiler'] as const;

/**
 * A code task as a client sends it: one schema for the OpenAPI document and the request's type, built from the
 * same constants as parseCodeTask, which stays the validator (it names the field at fault, and a test checks
 * that the two agree). It describes the canonical request; parseCodeTask also takes names in any case and the
 * translator field called `language` or `compiler`, and checks what JSON Schema cannot say: sizes in UTF-8
 * bytes, the input budget, and which fields go with tests (see the rules in parseJudgeFields).
 */
export const CodeTaskRequestSchema = Type.Object(
  {
    type: Type.Optional(Type.Literal('code')),
    translator: literalUnion([...TRANSLATORS, ...Object.keys(TRANSLATOR_ALIASES)], {
      description: `${TRANSLATORS.join(', ')}, or an alias (${Object.keys(TRANSLATOR_ALIASES).join(', ')}); case-insensitive; the field may also be called ${TRANSLATOR_FIELDS.slice(1).join(' or ')}`,
      examples: ['python3'],
    }),
    code: Type.String({
      minLength: 1,
      maxLength: MAX_CODE_BYTES,
      description: `the source, at most ${MAX_CODE_BYTES} bytes`,
      examples: ['print(input())'],
    }),
    stdin: Type.Optional(
      Type.String({
        maxLength: MAX_STDIN_BYTES,
        description: `a task without tests: its input, at most ${MAX_STDIN_BYTES} bytes`,
        examples: ['hello'],
      }),
    ),
    limits: Type.Optional(CodeLimitsSchema),
    args: Type.Optional(ArgsRequestSchema('a task without tests: the program arguments')),
    tests: Type.Optional(TestsRequestSchema),
    compare: Type.Optional(CompareRequestSchema),
    stop_on_failure: Type.Optional(
      Type.Boolean({ description: 'stop at the first test that is not ok; the rest are skipped' }),
    ),
    files: Type.Optional(FilesRequestSchema),
    compiler_options: Type.Optional(CompilerOptionsRequestSchema),
  },
  { title: 'Code task' },
);
export type CodeTaskRequest = Static<typeof CodeTaskRequestSchema>;

function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Maps a translator name or alias (case-insensitive) to its canonical name. */
export function resolveTranslator(name: unknown): Translator | undefined {
  if (typeof name !== 'string') return undefined;
  const key = name.trim().toLowerCase();
  if ((TRANSLATORS as readonly string[]).includes(key)) return key as Translator;
  // Own keys only: `constructor` or `__proto__` must not find Object's.
  return Object.hasOwn(TRANSLATOR_ALIASES, key) ? TRANSLATOR_ALIASES[key] : undefined;
}

/**
 * Validates and normalises a code task body. Accepts `translator`, or its aliases `language` and `compiler`.
 * Returns the payload to queue, or the first field that is wrong. A plain `{translator, code, stdin?, limits?}`
 * task normalises to exactly those four fields; the judge's fields appear only when given.
 */
export function parseCodeTask(body: Record<string, unknown>): CodeTaskPayload | FieldError {
  const nameField = TRANSLATOR_FIELDS.find((f) => body[f] !== undefined);
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
  const budget = new InputBudget();
  const stdinOver = budget.spend('stdin', utf8Bytes(stdin));
  if (stdinOver) return stdinOver;
  const parsedLimits = parseLimits(limits);
  if (isFieldError(parsedLimits)) return parsedLimits;
  const payload: CodeTaskPayload = { translator, code, stdin, limits: parsedLimits };
  const judge = parseJudgeFields(body, translator, budget);
  if (isFieldError(judge)) return judge;
  return { ...payload, ...judge };
}

function parseLimits(limits: unknown): CodeLimits | FieldError {
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) {
    return fieldError('limits', `limits must be an object with ${LIMIT_NAMES.join(', ')}`);
  }
  const parsed: CodeLimits = {};
  for (const [key, value] of Object.entries(limits)) {
    if (!(LIMIT_NAMES as string[]).includes(key)) {
      return fieldError(`limits.${key}`, `unknown limit ${key} (limits: ${LIMIT_NAMES.join(', ')})`);
    }
    const bounds = CODE_LIMIT_BOUNDS[key as LimitName];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < bounds.min || value > bounds.max) {
      return fieldError(`limits.${key}`, `limits.${key} must be an integer from ${bounds.min} to ${bounds.max}`);
    }
    parsed[key as LimitName] = value;
  }
  return parsed;
}

type JudgeFields = Omit<CodeTaskPayload, 'translator' | 'code' | 'stdin' | 'limits'>;

/** The optional fields beyond the course's contract; only those given appear in the result. */
function parseJudgeFields(
  body: Record<string, unknown>,
  translator: Translator,
  budget: InputBudget,
): JudgeFields | FieldError {
  const fields: JudgeFields = {};
  const { language, sourceFile, compiler } = translatorEntry(translator);
  if (body.compiler_options !== undefined) {
    const options = parseCompilerOptions(
      body.compiler_options,
      compiler && (language === 'c' || language === 'c++') ? language : null,
    );
    if (isFieldError(options)) return options;
    fields.compiler_options = options;
  }
  if (body.files !== undefined) {
    const files = parseCodeFiles(body.files, [sourceFile, PROGRAM_FILE]);
    if (isFieldError(files)) return files;
    fields.files = files;
  }
  if (body.tests === undefined) {
    for (const field of ['compare', 'stop_on_failure'] as const) {
      if (body[field] !== undefined) return fieldError(field, `${field} applies to tests: give tests as well`);
    }
    if (body.args !== undefined) {
      const args = parseArgs(body.args, 'args', budget);
      if (isFieldError(args)) return args;
      fields.args = args;
    }
    return fields;
  }
  if (body.args !== undefined) return fieldError('args', 'with tests, give each test its own args');
  if (body.stdin !== undefined && body.stdin !== '')
    return fieldError('stdin', 'with tests, give each test its own stdin');
  const tests = parseTests(body.tests, budget);
  if (isFieldError(tests)) return tests;
  fields.tests = tests;
  const compare = parseCompare(body.compare);
  if (isFieldError(compare)) return compare;
  fields.compare = compare;
  if (body.stop_on_failure !== undefined) {
    if (typeof body.stop_on_failure !== 'boolean')
      return fieldError('stop_on_failure', 'stop_on_failure must be true or false');
    fields.stop_on_failure = body.stop_on_failure;
  }
  return fields;
}
