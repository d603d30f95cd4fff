import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_SANDBOX_LIMITS, limitsForTask, sandboxLimitsProblems } from '../src/sandbox/limits.js';
import {
  type CompileObservation,
  codeResult,
  exitStatus,
  judgeResult,
  type RunObservation,
} from '../src/sandbox/verdict.js';

const run = (over: Partial<RunObservation> = {}): RunObservation => ({
  waitStatus: 0,
  stdout: 'out',
  stderr: '',
  truncated: false,
  timeMs: 12,
  timedOut: false,
  outputLimited: false,
  oomKilled: false,
  cpuMs: 10,
  memoryKb: 2000,
  memoryLimitBytes: 256 * 1024 * 1024,
  ...over,
});
const compiled = (over: Partial<CompileObservation> = {}): CompileObservation => ({
  waitStatus: 0,
  stdout: '',
  stderr: '',
  truncated: false,
  timeMs: 200,
  timedOut: false,
  timeLimitMs: 10_000,
  ...over,
});

describe('verdicts', () => {
  test('wait statuses: exit codes and named signals', () => {
    assert.deepEqual(exitStatus(0), { exitCode: 0, signal: null });
    assert.deepEqual(exitStatus(3 << 8), { exitCode: 3, signal: null });
    assert.deepEqual(exitStatus(139 << 8), { exitCode: 139, signal: null });
    assert.deepEqual(exitStatus(11), { exitCode: null, signal: 'SIGSEGV' });
    assert.deepEqual(exitStatus(9 | 0x80), { exitCode: null, signal: 'SIGKILL' });
  });

  test('ok, runtime errors by exit code or signal', () => {
    assert.equal(codeResult(null, run()).verdict, 'ok');
    const failed = codeResult(compiled(), run({ waitStatus: 1 << 8 }));
    assert.deepEqual([failed.verdict, failed.exit_code, failed.signal], ['runtime_error', 1, null]);
    const crashed = codeResult(null, run({ waitStatus: 6 }));
    assert.deepEqual([crashed.verdict, crashed.exit_code, crashed.signal], ['runtime_error', null, 'SIGABRT']);
  });

  test('a failed compile is a compile_error and nothing ran', () => {
    const result = codeResult(compiled({ waitStatus: 1 << 8, stderr: 'main.c:1: error' }), null);
    assert.equal(result.verdict, 'compile_error');
    assert.equal(result.compile?.exit_code, 1);
    assert.equal(result.compile?.stderr, 'main.c:1: error');
    assert.equal(result.exit_code, null);
  });

  test('a compile stopped by its time limit says so', () => {
    const result = codeResult(compiled({ waitStatus: null, timedOut: true }), null);
    assert.equal(result.verdict, 'compile_error');
    assert.match(result.compile?.stderr ?? '', /longer than the 10000 ms limit/);
  });

  test('stopped by the host: output limit before time limit, both before memory', () => {
    assert.equal(codeResult(null, run({ waitStatus: null, timedOut: true })).verdict, 'time_limit');
    assert.equal(
      codeResult(null, run({ waitStatus: null, outputLimited: true, timedOut: true })).verdict,
      'output_limit',
    );
    const oom = codeResult(null, run({ waitStatus: 9, oomKilled: true }));
    assert.deepEqual([oom.verdict, oom.signal], ['memory_limit', 'SIGKILL']);
    const limited = codeResult(null, run({ waitStatus: null, outputLimited: true }));
    assert.equal(limited.truncated, true);
    assert.equal(limited.signal, 'SIGKILL');
  });
});

describe('limits', () => {
  test('defaults, asking for less, and clamping to the caps', () => {
    const defaults = limitsForTask({});
    assert.equal(defaults.runTimeMs, 5_000);
    assert.equal(defaults.compileTimeMs, 10_000);
    assert.equal(defaults.runMemoryBytes, 256 * 1024 * 1024);
    assert.equal(defaults.nanoCpus, 1e9);
    assert.equal(defaults.pids, 64);
    assert.equal(defaults.outputBytes, 64 * 1024);
    assert.equal(defaults.filesBytes, 16 * 1024 * 1024);
    assert.equal(limitsForTask({ time_ms: 200, memory_mb: 32 }).runTimeMs, 200);
    assert.equal(limitsForTask({ memory_mb: 32 }).runMemoryBytes, 32 * 1024 * 1024);
    const capped = limitsForTask({ time_ms: 60_000, memory_mb: 4_096 });
    assert.equal(capped.runTimeMs, DEFAULT_SANDBOX_LIMITS.runTimeMs.cap);
    assert.equal(capped.runMemoryBytes, DEFAULT_SANDBOX_LIMITS.memoryMb.cap * 1024 * 1024);
  });

  test('a configuration with a default above its cap is refused', () => {
    assert.deepEqual(sandboxLimitsProblems(DEFAULT_SANDBOX_LIMITS), []);
    const problems = sandboxLimitsProblems({ ...DEFAULT_SANDBOX_LIMITS, runTimeMs: { default: 20_000, cap: 10_000 } });
    assert.match(problems.join('\n'), /runTimeMs: the default \(20000\) is above the cap \(10000\)/);
  });

  test('a SIGKILL with its peak near the memory limit is memory_limit even without the OOM flag', () => {
    const limit = 256 * 1024 * 1024;
    const nearLimit = run({ waitStatus: 9, memoryKb: (limit - 8 * 1024 * 1024) / 1024, memoryLimitBytes: limit });
    assert.equal(codeResult(null, nearLimit).verdict, 'memory_limit');
    const small = run({ waitStatus: 9, memoryKb: 10 * 1024, memoryLimitBytes: limit });
    assert.equal(codeResult(null, small).verdict, 'runtime_error', 'a kill far from the limit is not the OOM killer');
    assert.equal(codeResult(null, run({ waitStatus: 9, oomKilled: true, memoryKb: 10 })).verdict, 'memory_limit');
  });

  test('CPU time and peak memory are in the result', () => {
    const result = codeResult(null, run({ cpuMs: 42, memoryKb: 4096 }));
    assert.deepEqual([result.cpu_time_ms, result.memory_kb], [42, 4096]);
  });

  test('tests: per-test verdicts, the first failure is the task verdict, the rest skipped', () => {
    const tests = [
      { name: 'a', stdin: '', args: [], expected_output: '1\n' },
      { stdin: '', args: [], expected_output: '2\n' },
      { stdin: '', args: [], expected_output: '3\n' },
    ];
    const runs = [
      run({ stdout: '1\n', timeMs: 10, cpuMs: 5 }),
      run({ stdout: '3\n', timeMs: 20, cpuMs: 7, memoryKb: 9000 }),
    ];
    const result = judgeResult(compiled(), runs, tests, 'lines');
    assert.equal(result.verdict, 'wrong_answer');
    assert.deepEqual(
      result.tests?.map((t) => t.verdict),
      ['ok', 'wrong_answer', 'skipped'],
    );
    assert.deepEqual(result.tests?.[1]?.mismatch, { line: 1, token: null, expected: '2', actual: '3' });
    assert.equal(result.tests?.[0]?.name, 'a');
    assert.deepEqual(
      [result.passed, result.total, result.time_ms, result.cpu_time_ms, result.memory_kb],
      [1, 3, 30, 12, 9000],
    );
    assert.equal(result.stdout, '3\n', "the task's output is the failing test's");
  });

  test('tests: a runtime error is not compared; all passing is ok; a failed compile skips them all', () => {
    const tests = [{ stdin: '', args: [], expected_output: 'x' }];
    assert.equal(
      judgeResult(null, [run({ waitStatus: 1 << 8, stdout: 'x' })], tests, 'exact').tests?.[0]?.verdict,
      'runtime_error',
    );
    const ok = judgeResult(null, [run({ stdout: 'x' })], tests, 'exact');
    assert.deepEqual([ok.verdict, ok.passed, ok.total], ['ok', 1, 1]);
    const broken = judgeResult(compiled({ waitStatus: 1 << 8 }), [], tests, 'exact');
    assert.deepEqual([broken.verdict, broken.tests?.[0]?.verdict, broken.passed], ['compile_error', 'skipped', 0]);
  });
});
