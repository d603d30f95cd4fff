/** The result view's content for each kind of code result. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CodeResult } from '@conveyor/shared';
import { describeCodeResult, formatAge, formatMs } from '../src/logic/result-view.js';

const base: CodeResult = {
  verdict: 'ok',
  exit_code: 0,
  signal: null,
  stdout: 'hi\n',
  stderr: '',
  compile: null,
  time_ms: 12,
  truncated: false,
};

test('ok: a good badge, the exit code, the time, Output and Errors panels, no compiler panel for Python', () => {
  const view = describeCodeResult(base);
  assert.equal(view.verdict, 'ok');
  assert.equal(view.tone, 'good');
  assert.equal(view.ending, 'exit code 0');
  assert.equal(view.time, '12 ms');
  assert.deepEqual(
    view.panels.map((p) => [p.name, p.text, p.truncated]),
    [
      ['Output', 'hi\n', false],
      ['Errors', '', false],
    ],
  );
});

test("compile_error: the compiler's message in its own panel, the program did not run", () => {
  const view = describeCodeResult({
    ...base,
    verdict: 'compile_error',
    exit_code: null,
    stdout: '',
    compile: { stdout: '', stderr: "main.c:1: error: expected ';'\n", exit_code: 1, time_ms: 90, truncated: false },
  });
  assert.equal(view.tone, 'bad');
  assert.equal(view.ending, 'did not run');
  assert.equal(view.time, 'compile 90 ms');
  const compiler = view.panels.find((p) => p.name === 'Compiler output');
  assert.match(compiler?.text ?? '', /expected ';'/);
});

test('a clean compile shows no compiler panel; a killed program shows its signal', () => {
  const view = describeCodeResult({
    ...base,
    verdict: 'time_limit',
    exit_code: null,
    signal: 'SIGKILL',
    time_ms: 2000,
    compile: { stdout: '', stderr: '', exit_code: 0, time_ms: 100, truncated: false },
  });
  assert.equal(view.tone, 'warn');
  assert.equal(view.ending, 'killed by SIGKILL');
  assert.equal(view.time, '2.00 s');
  assert.equal(
    view.panels.some((p) => p.name === 'Compiler output'),
    false,
  );
});

test('truncated output is marked on the streams that have text', () => {
  const view = describeCodeResult({ ...base, verdict: 'output_limit', stdout: 'x'.repeat(10), truncated: true });
  assert.deepEqual(
    view.panels.map((p) => [p.name, p.truncated]),
    [
      ['Output', true],
      ['Errors', false],
    ],
  );
});

test('times and ages read as a person would say them', () => {
  assert.equal(formatMs(999), '999 ms');
  assert.equal(formatMs(12_345), '12.3 s');
  const now = Date.parse('2026-01-01T12:00:00Z');
  assert.equal(formatAge('2026-01-01T11:59:50Z', now), '10 s ago');
  assert.equal(formatAge('2026-01-01T11:55:00Z', now), '5 min ago');
  assert.equal(formatAge('2026-01-01T09:00:00Z', now), '3 h ago');
  assert.equal(formatAge('2025-12-30T12:00:00Z', now), '2 d ago');
});
