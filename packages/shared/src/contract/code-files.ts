/**
 * The extra files of a code task: plain relative names (no `..`, no absolute path, no hidden or special
 * file), regular content only (there is no way to ask for a link), at most MAX_FILES and MAX_FILES_BYTES.
 * In the payload every file travels as base64, whatever the request used, so the queue message's size is
 * bounded (text with control characters would grow six-fold as JSON) and the worker decodes one way.
 */
import { type Static, Type } from 'typebox';
import { echoValue, type FieldError, fieldError } from './field-error.js';
import { decodeBase64 } from './image-task.js';
import { literalUnion } from './schema-helpers.js';

export const MAX_FILES = 16;
export const MAX_FILES_BYTES = 256 * 1024;
export const MAX_FILE_NAME_CHARS = 128;

/** Each path segment starts with a letter, digit or `_` (so never `.`, `..` or a hidden file), then `[A-Za-z0-9._-]`. */
const SEGMENT = '[A-Za-z0-9_][A-Za-z0-9._-]{0,63}';
const FILE_NAME_PATTERN = `^${SEGMENT}(?:/${SEGMENT}){0,3}$`;
const FILE_NAME = new RegExp(FILE_NAME_PATTERN);
const FILE_ENCODINGS = ['text', 'base64'] as const;

export const CodeFileSchema = Type.Object({
  name: Type.String(),
  content: Type.String(),
  encoding: Type.Union([Type.Literal('text'), Type.Literal('base64')]),
});
export type CodeFile = Static<typeof CodeFileSchema>;

/**
 * One file as a request gives it (parseCodeFiles' rules). Beyond the schema: names unique and not the
 * sandbox's own, base64 content that decodes, and MAX_FILES_BYTES over all the files' bytes.
 */
export const CodeFileRequestSchema = Type.Object(
  {
    name: Type.String({
      maxLength: MAX_FILE_NAME_CHARS,
      pattern: FILE_NAME_PATTERN,
      description: 'a plain relative path (no .., no leading dot or slash), e.g. lib/util.h',
    }),
    content: Type.String(),
    encoding: Type.Optional(literalUnion(FILE_ENCODINGS, { default: 'text' })),
  },
  { additionalProperties: false },
);

export const FilesRequestSchema = Type.Array(CodeFileRequestSchema, {
  maxItems: MAX_FILES,
  description: `at most ${MAX_FILES_BYTES} bytes in all; C and C++ sources among them are compiled with code, the rest are readable by the program`,
});

const FILE_KEYS = new Set(Object.keys(CodeFileRequestSchema.properties));

/**
 * Validates `files`. `reserved` are the names the sandbox itself writes (the main source, the binary): a file
 * may not replace them. A file's `encoding` is `text` (the default) or `base64`.
 */
export function parseCodeFiles(raw: unknown, reserved: readonly string[]): CodeFile[] | FieldError {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return fieldError('files', 'files must be an array of {"name", "content"}');
  if (raw.length > MAX_FILES) return fieldError('files', `files takes at most ${MAX_FILES} files`, 413);
  const files: CodeFile[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (const [i, entry] of raw.entries()) {
    const field = `files[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      return fieldError(field, `${field} must be an object {"name", "content", "encoding"?}`);
    }
    const unknown = Object.keys(entry).find((key) => !FILE_KEYS.has(key));
    if (unknown) {
      return fieldError(
        `${field}.${unknown}`,
        `${field} has no field ${unknown}: a file is a name and its content, never a link`,
      );
    }
    const { name, content, encoding = 'text' } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || !FILE_NAME.test(name) || name.length > MAX_FILE_NAME_CHARS) {
      return fieldError(
        `${field}.name`,
        `file name ${echoValue(name)} is not a plain relative path: segments of letters, digits, . _ -, not starting with a dot, at most 4 deep`,
      );
    }
    if (reserved.includes(name) || seen.has(name) || [...seen].some((other) => nested(name, other))) {
      return fieldError(
        `${field}.name`,
        `file name ${echoValue(name)} is taken (the main source, the program, or another file)`,
      );
    }
    if (typeof content !== 'string') return fieldError(`${field}.content`, `${field}.content must be a string`);
    let bytes: Buffer | undefined;
    if (encoding === 'text') bytes = Buffer.from(content, 'utf8');
    else if (encoding === 'base64') bytes = decodeBase64(content);
    else
      return fieldError(
        `${field}.encoding`,
        `${field}.encoding must be ${FILE_ENCODINGS.map((e) => `"${e}"`).join(' or ')}`,
      );
    if (!bytes) return fieldError(`${field}.content`, `${field}.content is not valid base64`);
    total += bytes.length;
    if (total > MAX_FILES_BYTES) {
      return fieldError(`${field}.content`, `files come to over ${MAX_FILES_BYTES} bytes in all`, 413);
    }
    seen.add(name);
    files.push({ name, content: bytes.toString('base64'), encoding: 'base64' });
  }
  return files;
}

/** One name is a directory of the other (`a` and `a/b`): both cannot exist. */
function nested(a: string, b: string): boolean {
  return a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}
