/**
 * Every translator, one entry each: its language, the names clients may use for it, where its source goes,
 * how it is compiled and run in the sandbox, and how its version is asked. Adding a language is one entry
 * here plus its package in the sandbox image (packages/code-processor/sandbox/packages.txt); the API's
 * validation, its documentation and the code-processor all read this table.
 */

export type TranslatorLanguage = 'c' | 'c++' | 'python' | 'javascript';

export interface TranslatorEntry {
  language: TranslatorLanguage;
  /** Other names a task may use (case-insensitive), e.g. `c` for gcc. */
  aliases: readonly string[];
  /** The main source's file name in the sandbox's work directory. */
  sourceFile: string;
  /** The compiler and its default flags (a task's options come after them), or null when interpreted. */
  compiler: { command: string; flags: readonly string[]; sourceExtensions: readonly string[] } | null;
  /** The program's argv (a task's args follow). */
  run: readonly string[];
  /** The argv that prints the compiler's or interpreter's version (its first line is the version). */
  version: readonly string[];
}

/** The compiled program's file name in the sandbox. */
export const PROGRAM_FILE = 'main';

const C = { flags: ['-std=c17', '-O2', '-pipe', '-Wall'], sourceExtensions: ['.c'] };
const CXX = { flags: ['-std=c++20', '-O2', '-pipe', '-Wall'], sourceExtensions: ['.c', '.cc', '.cpp', '.cxx'] };
const compiled = (language: 'c' | 'c++', command: string, aliases: readonly string[]): TranslatorEntry => ({
  language,
  aliases,
  sourceFile: language === 'c' ? 'main.c' : 'main.cpp',
  compiler: { command, ...(language === 'c' ? C : CXX) },
  run: [`./${PROGRAM_FILE}`],
  version: [command, '--version'],
});

export const TRANSLATOR_TABLE = {
  python3: {
    language: 'python',
    aliases: ['python', 'py'],
    sourceFile: 'main.py',
    compiler: null,
    run: ['python3', '-I', '-S', '-B', 'main.py'],
    version: ['python3', '--version'],
  },
  gcc: compiled('c', 'gcc', ['c']),
  clang: compiled('c', 'clang', []),
  'g++': compiled('c++', 'g++', ['cpp', 'c++']),
  'clang++': compiled('c++', 'clang++', []),
  node: {
    language: 'javascript',
    aliases: ['nodejs', 'javascript', 'js'],
    sourceFile: 'main.js',
    compiler: null,
    run: ['node', 'main.js'],
    version: ['node', '--version'],
  },
} as const satisfies Record<string, TranslatorEntry>;

export type Translator = keyof typeof TRANSLATOR_TABLE;

/** Canonical translator names; a task names one of these (or an alias). */
export const TRANSLATORS = Object.keys(TRANSLATOR_TABLE) as Translator[];

export function translatorEntry(translator: Translator): TranslatorEntry {
  return TRANSLATOR_TABLE[translator];
}

/** Friendly names the course's clients use, mapped to the translator they mean. */
export const TRANSLATOR_ALIASES: Readonly<Record<string, Translator>> = Object.fromEntries(
  TRANSLATORS.flatMap((name) => translatorEntry(name).aliases.map((alias) => [alias, name] as const)),
);
