/**
 * How each translator builds and runs a program: one entry per translator; adding a language is one entry
 * here (plus its name in the shared contract's TRANSLATORS, and its packages in the sandbox image).
 */
import type { Translator } from '@conveyor/shared';

export interface TranslatorSpec {
  /** File name the source is written to, inside the work directory. */
  sourceFile: string;
  /** The compiler's argv, or null for an interpreted language. */
  compile: readonly string[] | null;
  /** The program's argv. */
  run: readonly string[];
}

const C_FLAGS = ['-std=c17', '-O2', '-pipe', '-Wall', '-o', 'main', 'main.c', '-lm'];
const CXX_FLAGS = ['-std=c++20', '-O2', '-pipe', '-Wall', '-o', 'main', 'main.cpp', '-lm'];

export const TRANSLATOR_SPECS: Readonly<Record<Translator, TranslatorSpec>> = {
  python3: { sourceFile: 'main.py', compile: null, run: ['python3', '-I', '-S', '-B', 'main.py'] },
  gcc: { sourceFile: 'main.c', compile: ['gcc', ...C_FLAGS], run: ['./main'] },
  clang: { sourceFile: 'main.c', compile: ['clang', ...C_FLAGS], run: ['./main'] },
  'g++': { sourceFile: 'main.cpp', compile: ['g++', ...CXX_FLAGS], run: ['./main'] },
  'clang++': { sourceFile: 'main.cpp', compile: ['clang++', ...CXX_FLAGS], run: ['./main'] },
};
