/**
 * The compiler options a code task may add, as an allowlist: each option is one argv element matched whole,
 * never a shell word, so nothing here can name a file, a plugin or a second command.
 */
import { Type } from 'typebox';
import { echoValue, type FieldError, fieldError } from './field-error.js';

/** The source language a translator compiles, for the `-std=` options that fit it. */
export type CompiledLanguage = 'c' | 'c++';

/** Most options one task may give. */
export const MAX_COMPILER_OPTIONS = 32;

const ALWAYS = /^(?:-O[0-3s]|-Wall|-Wextra|-Werror|-pedantic|-lm|-pthread)$/;
/** -DNAME or -DNAME=VALUE: an identifier, and a value of letters, digits and `_ . + -` only. */
const DEFINE = /^-D[A-Za-z_][A-Za-z0-9_]{0,63}(?:=[A-Za-z0-9_.+-]{0,64})?$/;
const STANDARDS: Readonly<Record<CompiledLanguage, RegExp>> = {
  c: /^-std=(?:c|gnu)(?:99|11|17|18|2x|23)$/,
  'c++': /^-std=(?:c|gnu)\+\+(?:11|14|17|20|23|26|2a|2b|2c)$/,
};

export const COMPILER_OPTIONS_HELP =
  '-O0..-O3, -Os, -std= (C 99-23, C++ 11-26), -Wall, -Wextra, -Werror, -pedantic, -DNAME[=VALUE], -lm, -pthread';

/**
 * `compiler_options` as a request gives them: each option matches the allowlist for some language. Beyond the
 * schema: a `-std=` must fit the translator's language, and an interpreted translator takes none.
 */
export const CompilerOptionsRequestSchema = Type.Array(
  Type.String({ pattern: [ALWAYS, DEFINE, STANDARDS.c, STANDARDS['c++']].map((re) => re.source).join('|') }),
  { maxItems: MAX_COMPILER_OPTIONS, description: `checked against an allowlist: ${COMPILER_OPTIONS_HELP}` },
);

/**
 * Checks `compiler_options` for a translator compiling `language` (null: it does not compile, so none are
 * allowed). Returns the options, in order, or the first one refused, named in the error.
 */
export function parseCompilerOptions(raw: unknown, language: CompiledLanguage | null): string[] | FieldError {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return fieldError('compiler_options', 'compiler_options must be an array of strings');
  if (raw.length > MAX_COMPILER_OPTIONS) {
    return fieldError('compiler_options', `compiler_options takes at most ${MAX_COMPILER_OPTIONS} options`);
  }
  if (raw.length > 0 && language === null) {
    return fieldError('compiler_options', 'this translator does not compile: it takes no compiler_options');
  }
  const options: string[] = [];
  for (const [i, option] of raw.entries()) {
    const field = `compiler_options[${i}]`;
    if (typeof option !== 'string') return fieldError(field, `${field} must be a string`);
    const allowed = ALWAYS.test(option) || DEFINE.test(option) || (language && STANDARDS[language].test(option));
    if (!allowed) {
      return fieldError(field, `compiler option ${echoValue(option)} is not allowed: use ${COMPILER_OPTIONS_HELP}`);
    }
    options.push(option);
  }
  return options;
}
