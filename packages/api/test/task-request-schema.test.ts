/**
 * POST /task has one schema (the contract's TaskRequestSchema, for the OpenAPI document and the request's type)
 * and one validator (parseTaskBody, which names the field at fault). This suite holds them to the same rules on
 * a table of bodies, so that neither can change alone. Where they differ on purpose, the row says why: the
 * parser is lenient where the schema shows the canonical form (names in any case, field aliases, a multipart
 * form's text), and checks what JSON Schema cannot say (UTF-8 bytes, budgets, which fields go together, PNGs).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CODE_LIMIT_BOUNDS,
  DEFAULT_IMAGE_COST_BUDGET,
  isFieldError,
  MAX_ARG_BYTES,
  MAX_ARGS,
  MAX_CODE_BYTES,
  MAX_COMPILER_OPTIONS,
  MAX_FILE_NAME_CHARS,
  MAX_FILES,
  MAX_FILES_BYTES,
  MAX_FILTER_CHAIN,
  MAX_FLOAT_TOLERANCE,
  MAX_INPUT_BYTES,
  MAX_STDIN_BYTES,
  MAX_TEST_NAME_CHARS,
  MAX_TESTS,
  SIGMA_BOUNDS,
  TaskRequestSchema,
  TRANSLATOR_ALIASES,
  TRANSLATORS,
} from '@conveyor/shared';
import { AjvCompiler } from '@fastify/ajv-compiler';
import { type IntakeLimits, parseTaskBody } from '../src/tasks/task-intake.js';
import { makePng } from './harness.js';

const limits: IntakeLimits = {
  image: { maxBytes: 1024 * 1024, maxPixels: 4_000_000 },
  imageCostBudget: DEFAULT_IMAGE_COST_BUDGET,
};

/** The schema as Fastify's Ajv reads it, but as a reader of the document does: nothing coerced, removed or filled. */
const schemaAccepts = AjvCompiler()(
  {},
  { customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false } },
)({ schema: TaskRequestSchema, method: 'POST', url: '/task', httpPart: 'body' }) as (body: unknown) => boolean;

interface Row {
  name: string;
  body: unknown;
  /** What parseTaskBody gives: 'ok', or the field it names. */
  parser: 'ok' | string;
  /** Set only where schema and parser differ on purpose: why. */
  lenient?: string;
  beyondSchema?: string;
}

const png = makePng(4, 3).toString('base64');
const ascii = (n: number) => 'a'.repeat(n);
const code = (extra: object) => ({ translator: 'gcc', code: 'int main(){}', ...extra });
const python = (extra: object) => ({ translator: 'python3', code: 'print(1)', ...extra });
const withTests = (extra: object) => code({ tests: [{ stdin: '1' }], ...extra });
const image = (extra: object) => ({ image: png, ...extra });
/** A C task with empty files of these names. */
const files = (...names: unknown[]) => code({ files: names.map((name) => ({ name, content: '' })) });

const valid: Row[] = [
  { name: 'the course client: translator and code', body: python({}), parser: 'ok' },
  ...[...TRANSLATORS, ...Object.keys(TRANSLATOR_ALIASES)].map((translator) => ({
    name: `translator ${translator}`,
    body: { translator, code: 'x' },
    parser: 'ok',
  })),
  {
    name: 'every field of a judged task',
    body: code({
      type: 'code',
      limits: { time_ms: 1000, memory_mb: 64, total_time_ms: 5000 },
      tests: [{ name: 'one', stdin: '2', expected_output: '4', args: ['-v'] }, {}],
      compare: 'tokens',
      stop_on_failure: true,
      files: [
        { name: 'lib/util.h', content: '#define X 1' },
        { name: 'data.bin', content: 'AAEC', encoding: 'base64' },
        { name: 'notes.txt', content: 'hi', encoding: 'text' },
      ],
      compiler_options: ['-O2', '-std=c11', '-DDEBUG=1', '-Wall', '-lm'],
    }),
    parser: 'ok',
  },
  { name: 'a task without tests: stdin and args', body: python({ stdin: 'x', args: ['a', 'b'] }), parser: 'ok' },
  { name: 'with tests, an empty stdin', body: withTests({ stdin: '' }), parser: 'ok' },
  { name: 'compare float, abs only', body: withTests({ compare: { float: { abs: 1e-6 } } }), parser: 'ok' },
  {
    name: 'compare float at its bounds',
    body: withTests({ compare: { float: { abs: 0, rel: MAX_FLOAT_TOLERANCE } } }),
    parser: 'ok',
  },
  {
    name: 'every limit at its bounds',
    body: python({
      limits: Object.fromEntries(Object.entries(CODE_LIMIT_BOUNDS).map(([k, b], i) => [k, i % 2 ? b.min : b.max])),
    }),
    parser: 'ok',
  },
  { name: `code of ${MAX_CODE_BYTES} ASCII bytes`, body: python({ code: ascii(MAX_CODE_BYTES) }), parser: 'ok' },
  { name: `${MAX_TESTS} tests`, body: code({ tests: Array(MAX_TESTS).fill({}) }), parser: 'ok' },
  {
    name: `a test name of ${MAX_TEST_NAME_CHARS} characters`,
    body: code({ tests: [{ name: ascii(MAX_TEST_NAME_CHARS) }] }),
    parser: 'ok',
  },
  {
    name: `${MAX_ARGS} args of ${MAX_ARG_BYTES} bytes`,
    body: python({ args: Array(MAX_ARGS).fill(ascii(MAX_ARG_BYTES)) }),
    parser: 'ok',
  },
  {
    name: `${MAX_FILES} files, names 4 deep and ${MAX_FILE_NAME_CHARS} characters`,
    body: code({
      files: Array.from({ length: MAX_FILES }, (_, i) => ({
        name: i === 0 ? `${ascii(61)}/${ascii(62)}/b/${i}` : `d/${i}.txt`,
        content: '',
      })),
    }),
    parser: 'ok',
  },
  {
    name: `${MAX_COMPILER_OPTIONS} compiler options`,
    body: code({ compiler_options: Array(MAX_COMPILER_OPTIONS).fill('-O3') }),
    parser: 'ok',
  },
  {
    name: 'C++ options',
    body: { translator: 'g++', code: 'x', compiler_options: ['-std=gnu++20', '-pthread'] },
    parser: 'ok',
  },
  {
    name: 'an image through one Blur',
    body: image({ filter: { name: 'Blur', parameters: { sigma: 1.5 } } }),
    parser: 'ok',
  },
  { name: 'a filter with no parameters', body: image({ type: 'image', filter: { name: 'FlipY' } }), parser: 'ok' },
  {
    name: `a chain of ${MAX_FILTER_CHAIN}`,
    body: image({
      filters: [
        ...Array(MAX_FILTER_CHAIN - 1).fill({ name: 'Negative', parameters: {} }),
        { name: 'Sharpen', parameters: { sigma: SIGMA_BOUNDS.max } },
      ],
    }),
    parser: 'ok',
  },
];

const refused: Row[] = [
  { name: 'not an object', body: [], parser: 'body' },
  { name: 'null', body: null, parser: 'body' },
  { name: 'an empty object', body: {}, parser: 'body' },
  { name: 'an unknown type', body: python({ type: 'video' }), parser: 'type' },
  { name: 'no translator', body: { code: 'x' }, parser: 'translator' },
  { name: 'an unknown translator', body: python({ translator: 'cobol' }), parser: 'translator' },
  { name: 'a translator that is not a string', body: python({ translator: 3 }), parser: 'translator' },
  { name: 'no code', body: { translator: 'gcc' }, parser: 'code' },
  { name: 'empty code', body: python({ code: '' }), parser: 'code' },
  { name: 'code not a string', body: python({ code: 42 }), parser: 'code' },
  { name: `code of ${MAX_CODE_BYTES + 1} bytes`, body: python({ code: ascii(MAX_CODE_BYTES + 1) }), parser: 'code' },
  { name: 'stdin not a string', body: python({ stdin: 1 }), parser: 'stdin' },
  {
    name: `stdin of ${MAX_STDIN_BYTES + 1} bytes`,
    body: python({ stdin: ascii(MAX_STDIN_BYTES + 1) }),
    parser: 'stdin',
  },
  { name: 'limits not an object', body: python({ limits: 5 }), parser: 'limits' },
  { name: 'an unknown limit', body: python({ limits: { cpus: 2 } }), parser: 'limits.cpus' },
  ...Object.entries(CODE_LIMIT_BOUNDS).flatMap(([key, bounds]) =>
    [bounds.min - 1, bounds.max + 1, bounds.min + 0.5, String(bounds.min)].map((value) => ({
      name: `limits.${key} = ${JSON.stringify(value)}`,
      body: python({ limits: { [key]: value } }),
      parser: `limits.${key}`,
    })),
  ),
  { name: 'args not an array', body: python({ args: 'a b' }), parser: 'args' },
  { name: `${MAX_ARGS + 1} args`, body: python({ args: Array(MAX_ARGS + 1).fill('a') }), parser: 'args' },
  { name: 'an arg not a string', body: python({ args: [1] }), parser: 'args[0]' },
  { name: 'an arg with a NUL', body: python({ args: ['a\0b'] }), parser: 'args[0]' },
  {
    name: `an arg of ${MAX_ARG_BYTES + 1} bytes`,
    body: python({ args: [ascii(MAX_ARG_BYTES + 1)] }),
    parser: 'args[0]',
  },
  { name: 'tests not an array', body: code({ tests: {} }), parser: 'tests' },
  { name: 'no tests in the array', body: code({ tests: [] }), parser: 'tests' },
  { name: `${MAX_TESTS + 1} tests`, body: code({ tests: Array(MAX_TESTS + 1).fill({}) }), parser: 'tests' },
  { name: 'a test not an object', body: code({ tests: ['1'] }), parser: 'tests[0]' },
  { name: 'a test with an unknown field', body: code({ tests: [{ input: '1' }] }), parser: 'tests[0].input' },
  {
    name: 'a test name too long',
    body: code({ tests: [{ name: ascii(MAX_TEST_NAME_CHARS + 1) }] }),
    parser: 'tests[0].name',
  },
  { name: "a test's stdin not a string", body: code({ tests: [{ stdin: 1 }] }), parser: 'tests[0].stdin' },
  {
    name: 'expected_output not a string',
    body: code({ tests: [{ expected_output: 4 }] }),
    parser: 'tests[0].expected_output',
  },
  { name: "a test's args with a NUL", body: code({ tests: [{ args: ['\0'] }] }), parser: 'tests[0].args[0]' },
  { name: 'an unknown compare mode', body: withTests({ compare: 'fuzzy' }), parser: 'compare' },
  { name: 'compare not a string or object', body: withTests({ compare: 1 }), parser: 'compare' },
  {
    name: 'compare with another key beside float',
    body: withTests({ compare: { float: {}, x: 1 } }),
    parser: 'compare',
  },
  { name: 'a negative tolerance', body: withTests({ compare: { float: { abs: -1 } } }), parser: 'compare.float.abs' },
  {
    name: 'a tolerance over its bound',
    body: withTests({ compare: { float: { rel: MAX_FLOAT_TOLERANCE * 2 } } }),
    parser: 'compare.float.rel',
  },
  { name: 'an unknown tolerance', body: withTests({ compare: { float: { ulp: 1 } } }), parser: 'compare.float.ulp' },
  { name: 'stop_on_failure not a boolean', body: withTests({ stop_on_failure: 'yes' }), parser: 'stop_on_failure' },
  { name: 'files not an array', body: code({ files: {} }), parser: 'files' },
  {
    name: `${MAX_FILES + 1} files`,
    body: code({ files: Array.from({ length: MAX_FILES + 1 }, (_, i) => ({ name: `f${i}`, content: '' })) }),
    parser: 'files',
  },
  { name: 'a file not an object', body: code({ files: ['a.h'] }), parser: 'files[0]' },
  {
    name: 'a file that is a link',
    body: code({ files: [{ name: 'a', content: '', link: '/etc' }] }),
    parser: 'files[0].link',
  },
  ...['../x', '.hidden', '/abs', 'a/b/c/d/e', 'a//b', 'sp ace', `${ascii(65)}`, 3].map((name) => ({
    name: `file name ${JSON.stringify(name)}`,
    body: files(name),
    parser: 'files[0].name',
  })),
  {
    name: `a file name over ${MAX_FILE_NAME_CHARS} characters`,
    body: files(`${ascii(64)}/${ascii(64)}`),
    parser: 'files[0].name',
  },
  { name: 'file content not a string', body: code({ files: [{ name: 'a', content: 1 }] }), parser: 'files[0].content' },
  {
    name: 'an unknown encoding',
    body: code({ files: [{ name: 'a', content: '', encoding: 'hex' }] }),
    parser: 'files[0].encoding',
  },
  { name: 'compiler_options not an array', body: code({ compiler_options: '-O2' }), parser: 'compiler_options' },
  {
    name: `${MAX_COMPILER_OPTIONS + 1} compiler options`,
    body: code({ compiler_options: Array(MAX_COMPILER_OPTIONS + 1).fill('-O2') }),
    parser: 'compiler_options',
  },
  ...['-fplugin=x.so', '-O4', '-o/tmp/x', '-DX=$(id)', '-O2 -Wall', 7].map((option) => ({
    name: `compiler option ${JSON.stringify(option)}`,
    body: code({ compiler_options: [option] }),
    parser: 'compiler_options[0]',
  })),
  { name: 'an image without a filter', body: image({}), parser: 'filter' },
  { name: 'an unknown filter', body: image({ filter: { name: 'Emboss' } }), parser: 'filter.name' },
  { name: 'a filter not an object', body: image({ filter: 3 }), parser: 'filter' },
  {
    name: 'parameters not an object',
    body: image({ filter: { name: 'Blur', parameters: 1 } }),
    parser: 'filter.parameters',
  },
  {
    name: 'an unknown parameter',
    body: image({ filter: { name: 'Blur', parameters: { radius: 2 } } }),
    parser: 'filter.parameters.radius',
  },
  ...[SIGMA_BOUNDS.min, SIGMA_BOUNDS.max + 0.5, '1', null].map((sigma) => ({
    name: `sigma ${JSON.stringify(sigma)}`,
    body: image({ filter: { name: 'Sharpen', parameters: { sigma } } }),
    parser: 'filter.parameters.sigma',
  })),
  { name: 'filters empty', body: image({ filters: [] }), parser: 'filters' },
  {
    name: `${MAX_FILTER_CHAIN + 1} filters`,
    body: image({ filters: Array(MAX_FILTER_CHAIN + 1).fill({ name: 'FlipX' }) }),
    parser: 'filters',
  },
  {
    name: 'a step of the chain unknown',
    body: image({ filters: [{ name: 'FlipX' }, { name: 'Rotate' }] }),
    parser: 'filters[1].name',
  },
  { name: 'an empty image', body: { filter: { name: 'FlipX' }, image: '' }, parser: 'image' },
  { name: 'an image not a string', body: { filter: { name: 'FlipX' }, image: 12 }, parser: 'image' },
];

const lenient = (why: string, rows: Omit<Row, 'lenient'>[]) => rows.map((row) => ({ ...row, lenient: why }));
const beyond = (why: string, rows: Omit<Row, 'beyondSchema'>[]) => rows.map((row) => ({ ...row, beyondSchema: why }));

const differOnPurpose: Row[] = [
  ...lenient('names in any case, spaces trimmed', [
    { name: 'translator Python3', body: python({ translator: 'Python3' }), parser: 'ok' },
    { name: 'translator " gcc "', body: code({ translator: ' gcc ' }), parser: 'ok' },
    { name: 'filter name blur', body: image({ filter: { name: 'blur' } }), parser: 'ok' },
  ]),
  ...lenient('the translator field may be called language or compiler', [
    { name: 'language', body: { language: 'python3', code: 'x' }, parser: 'ok' },
    { name: 'compiler', body: { compiler: 'g++', code: 'x' }, parser: 'ok' },
  ]),
  ...lenient("a multipart form's fields are text", [
    { name: 'filter as a bare name', body: image({ filter: 'Negative' }), parser: 'ok' },
    { name: 'filter as JSON text', body: image({ filter: '{"name": "Blur"}' }), parser: 'ok' },
    { name: 'filters as JSON text', body: image({ filters: '[{"name": "FlipX"}]' }), parser: 'ok' },
  ]),
  ...beyond('sizes are UTF-8 bytes; maxLength counts characters', [
    { name: 'code of 64 Ki two-byte characters', body: python({ code: 'é'.repeat(MAX_CODE_BYTES) }), parser: 'code' },
    {
      name: 'an arg of 1 Ki two-byte characters',
      body: python({ args: ['é'.repeat(MAX_ARG_BYTES)] }),
      parser: 'args[0]',
    },
  ]),
  ...beyond('one budget over several fields', [
    {
      name: `tests' input over ${MAX_INPUT_BYTES} bytes`,
      body: code({
        tests: [{ stdin: ascii(MAX_INPUT_BYTES / 2) }, { expected_output: ascii(MAX_INPUT_BYTES / 2 + 1) }],
      }),
      parser: 'tests[1].expected_output',
    },
    {
      name: `files over ${MAX_FILES_BYTES} bytes`,
      body: code({
        files: [
          { name: 'a', content: ascii(MAX_FILES_BYTES) },
          { name: 'b', content: 'x' },
        ],
      }),
      parser: 'files[1].content',
    },
  ]),
  ...beyond('which fields go together', [
    { name: 'args with tests', body: withTests({ args: ['a'] }), parser: 'args' },
    { name: 'stdin with tests', body: withTests({ stdin: 'x' }), parser: 'stdin' },
    { name: 'compare without tests', body: code({ compare: 'exact' }), parser: 'compare' },
    { name: 'stop_on_failure without tests', body: code({ stop_on_failure: true }), parser: 'stop_on_failure' },
    {
      name: 'a C++ standard for a C compiler',
      body: code({ compiler_options: ['-std=c++17'] }),
      parser: 'compiler_options[0]',
    },
    { name: 'compiler options for Python', body: python({ compiler_options: ['-O2'] }), parser: 'compiler_options' },
    {
      name: 'sigma for Negative',
      body: image({ filter: { name: 'Negative', parameters: { sigma: 1 } } }),
      parser: 'filter.parameters.sigma',
    },
  ]),
  ...beyond("files' names and content", [
    {
      name: 'the main source as a file',
      body: files('main.c'),
      parser: 'files[0].name',
    },
    { name: 'a name twice', body: files('a', 'a'), parser: 'files[1].name' },
    { name: 'a file inside another', body: files('a', 'a/b'), parser: 'files[1].name' },
    {
      name: 'base64 that is not',
      body: code({ files: [{ name: 'a', content: '!!', encoding: 'base64' }] }),
      parser: 'files[0].content',
    },
  ]),
  ...beyond('the image itself', [
    { name: 'not base64', body: image({ filter: { name: 'FlipX' }, image: '***' }), parser: 'image' },
    { name: 'not a PNG', body: image({ filter: { name: 'FlipX' }, image: 'aGVsbG8=' }), parser: 'image' },
    {
      name: 'over the byte cap',
      body: image({ filter: { name: 'FlipX' }, image: Buffer.alloc(limits.image.maxBytes + 1).toString('base64') }),
      parser: 'image',
    },
  ]),
];

function parserOutcome(body: unknown): string {
  const parsed = parseTaskBody(body, limits);
  return isFieldError(parsed) ? parsed.field : 'ok';
}

describe('POST /task: the contract schema and the parser agree', () => {
  for (const row of [...valid, ...refused, ...differOnPurpose]) {
    test(row.name, () => {
      assert.equal(parserOutcome(row.body), row.parser, 'the parser');
      const schemaExpected = row.lenient ? false : row.beyondSchema ? true : row.parser === 'ok';
      assert.equal(
        schemaAccepts(row.body),
        schemaExpected,
        `the schema${row.lenient || row.beyondSchema ? `: ${row.lenient ?? row.beyondSchema}` : ''}`,
      );
    });
  }

  test("the document's examples pass the schema, and the code examples the parser", () => {
    const examples = (TaskRequestSchema as { examples?: unknown[] }).examples ?? [];
    assert.ok(examples.length > 0);
    for (const example of examples) {
      assert.ok(schemaAccepts(example), JSON.stringify(example));
      if ((example as { code?: unknown }).code !== undefined) assert.equal(parserOutcome(example), 'ok');
    }
  });
});
