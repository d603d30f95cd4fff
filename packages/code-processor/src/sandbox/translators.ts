/**
 * How each translator builds and runs a program: one entry per translator; adding a language is one entry
 * here (plus its name and source file in the shared contract's TRANSLATOR_SOURCES, and its packages in the
 * sandbox image).
 */
import { PROGRAM_FILE, TRANSLATOR_SOURCES, type Translator } from '@conveyor/shared';

export interface TranslatorSpec {
  /** File name the source is written to, inside the work directory. */
  sourceFile: string;
  /** The compiler and its default flags (a task's options come after them and win), or null when interpreted. */
  compiler: { command: string; flags: readonly string[]; sourceExtensions: readonly string[] } | null;
  /** The program's argv (a task's args follow). */
  run: readonly string[];
}

/** Options that name libraries go after the sources, where the linker needs them. */
const LINK_OPTIONS = new Set(['-lm', '-pthread']);

const C_COMPILER = { flags: ['-std=c17', '-O2', '-pipe', '-Wall'], sourceExtensions: ['.c'] };
const CXX_COMPILER = {
  flags: ['-std=c++20', '-O2', '-pipe', '-Wall'],
  sourceExtensions: ['.c', '.cc', '.cpp', '.cxx'],
};

export const TRANSLATOR_SPECS: Readonly<Record<Translator, TranslatorSpec>> = {
  python3: {
    sourceFile: TRANSLATOR_SOURCES.python3.sourceFile,
    compiler: null,
    run: ['python3', '-I', '-S', '-B', 'main.py'],
  },
  gcc: {
    sourceFile: TRANSLATOR_SOURCES.gcc.sourceFile,
    compiler: { command: 'gcc', ...C_COMPILER },
    run: [`./${PROGRAM_FILE}`],
  },
  clang: {
    sourceFile: TRANSLATOR_SOURCES.clang.sourceFile,
    compiler: { command: 'clang', ...C_COMPILER },
    run: [`./${PROGRAM_FILE}`],
  },
  'g++': {
    sourceFile: TRANSLATOR_SOURCES['g++'].sourceFile,
    compiler: { command: 'g++', ...CXX_COMPILER },
    run: [`./${PROGRAM_FILE}`],
  },
  'clang++': {
    sourceFile: TRANSLATOR_SOURCES['clang++'].sourceFile,
    compiler: { command: 'clang++', ...CXX_COMPILER },
    run: [`./${PROGRAM_FILE}`],
  },
};

/**
 * The compiler's argv (never a shell line): its flags, the task's options (the last -O and -std win), the
 * main source and every extra file with a source extension, then -lm and the task's link options.
 * Null for an interpreted language.
 */
export function compileCommand(
  spec: TranslatorSpec,
  fileNames: readonly string[] = [],
  options: readonly string[] = [],
): string[] | null {
  const { compiler } = spec;
  if (!compiler) return null;
  const sources = fileNames.filter((name) => compiler.sourceExtensions.some((ext) => name.endsWith(ext)));
  const link = options.filter((option) => LINK_OPTIONS.has(option));
  const flags = options.filter((option) => !LINK_OPTIONS.has(option));
  return [
    compiler.command,
    ...compiler.flags,
    ...flags,
    '-o',
    PROGRAM_FILE,
    spec.sourceFile,
    ...sources,
    '-lm',
    ...link,
  ];
}
