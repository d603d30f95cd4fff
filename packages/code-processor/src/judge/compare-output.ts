/**
 * Judges a run's stdout against a test's expected_output, in one of the compare modes of the contract, and
 * says where they first differ. Pure logic.
 */
import type { CompareSpec, Mismatch } from '@conveyor/shared';

/** How much of a differing line or token the report quotes. */
const QUOTE_CHARS = 200;

function quote(text: string | undefined): string | null {
  if (text === undefined) return null;
  return text.length > QUOTE_CHARS ? `${text.slice(0, QUOTE_CHARS)}…` : text;
}

/** Lines as `exact` sees them: each keeps its `\n`, so a missing final newline is a difference. */
function rawLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Lines as `lines` sees them: trailing whitespace (a `\r` too) dropped, trailing empty lines gone. */
function trimmedLines(text: string): string[] {
  const lines = text.split('\n').map((line) => line.replace(/\s+$/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function firstLineDifference(actual: string[], expected: string[]): Mismatch | null {
  const count = Math.max(actual.length, expected.length);
  for (let i = 0; i < count; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === e) continue;
    // A line's newline is quoted only when it is the difference: one side has it, the other does not.
    const newlineDiffers = a !== undefined && e !== undefined && a.endsWith('\n') !== e.endsWith('\n');
    const shown = (line: string | undefined) => (newlineDiffers ? line : line?.replace(/\n$/, ''));
    return { line: i + 1, token: null, expected: quote(shown(e)), actual: quote(shown(a)) };
  }
  return null;
}

interface Token {
  text: string;
  line: number;
}

function tokens(text: string): Token[] {
  const found: Token[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    for (const word of line.split(/\s+/)) if (word !== '') found.push({ text: word, line: i + 1 });
  }
  return found;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function floatsMatch(actual: string, expected: string, abs: number, rel: number): boolean {
  if (!NUMBER.test(actual) || !NUMBER.test(expected)) return actual === expected;
  const a = Number(actual);
  const e = Number(expected);
  const diff = Math.abs(a - e);
  return diff <= abs || diff <= rel * Math.abs(e);
}

function firstTokenDifference(
  actualText: string,
  expectedText: string,
  same: (actual: string, expected: string) => boolean,
): Mismatch | null {
  const actual = tokens(actualText);
  const expected = tokens(expectedText);
  const count = Math.max(actual.length, expected.length);
  for (let i = 0; i < count; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a && e && same(a.text, e.text)) continue;
    const line = a?.line ?? actual[actual.length - 1]?.line ?? 1;
    return { line, token: i + 1, expected: quote(e?.text), actual: quote(a?.text) };
  }
  return null;
}

/** Null when `actual` passes against `expected`; otherwise where they first differ. */
export function compareOutput(actual: string, expected: string, mode: CompareSpec): Mismatch | null {
  if (mode === 'exact') {
    return actual === expected ? null : firstLineDifference(rawLines(actual), rawLines(expected));
  }
  if (mode === 'lines') return firstLineDifference(trimmedLines(actual), trimmedLines(expected));
  if (mode === 'tokens') return firstTokenDifference(actual, expected, (a, e) => a === e);
  const { abs, rel } = mode.float;
  return firstTokenDifference(actual, expected, (a, e) => floatsMatch(a, e, abs, rel));
}
