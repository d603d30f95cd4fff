/**
 * How the sandbox builds and runs each translator's program. The facts (source file, compiler and flags,
 * run command) are the shared contract's TRANSLATOR_TABLE: adding a language is one entry there plus its
 * package in the sandbox image (sandbox/packages.txt). Here only the compiler's argv is put together.
 */
import { PROGRAM_FILE, TRANSLATOR_TABLE, type Translator, type TranslatorEntry } from '@conveyor/shared';

export type TranslatorSpec = Pick<TranslatorEntry, 'sourceFile' | 'compiler' | 'run'>;

export const TRANSLATOR_SPECS: Readonly<Record<Translator, TranslatorSpec>> = TRANSLATOR_TABLE;

/** Options that name libraries go after the sources, where the linker needs them. */
const LINK_OPTIONS = new Set(['-lm', '-pthread']);

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
