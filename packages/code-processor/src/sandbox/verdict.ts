/**
 * From what was observed of a sandbox run to the CodeResult the user sees. Pure logic: no Docker here.
 */
import { constants } from 'node:os';
import type {
  CodeResult,
  CodeTest,
  CompareSpec,
  StageOutput,
  TestResult,
  TestVerdict,
  Verdict,
} from '@conveyor/shared';
import { compareOutput } from '../judge/compare-output.js';

export interface CompileObservation {
  /** Raw wait status of the compiler, or null when it was stopped (time limit). */
  waitStatus: number | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timeMs: number;
  timedOut: boolean;
  /** The compile limit, for the message when it was hit. */
  timeLimitMs: number;
}

export interface RunObservation {
  /** Raw wait status of the program, or null when the supervisor did not report it (the container was killed). */
  waitStatus: number | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timeMs: number;
  /** The host stopped the program at its wall-time limit. */
  timedOut: boolean;
  /** The host stopped the program because an output stream went past its limit. */
  outputLimited: boolean;
  /** The kernel's OOM killer acted inside the container (Docker's State.OOMKilled, or the cgroup's counter during the run). */
  oomKilled: boolean;
  /** CPU time and peak memory of the program as the supervisor measured them; null when it could not report. */
  cpuMs: number | null;
  memoryKb: number | null;
  /** The run's memory limit, to judge a SIGKILL by the peak when the OOM flag is missing. */
  memoryLimitBytes: number;
}

export interface ExitStatus {
  exitCode: number | null;
  signal: string | null;
}

/** Number to name; where names share a number (SIGABRT and SIGIOT), the first, usual one wins. */
const SIGNAL_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(constants.signals)
    .reverse()
    .map(([name, number]) => [number, name] as const),
);

export function signalName(signal: number): string {
  return SIGNAL_NAMES.get(signal) ?? `SIG${signal}`;
}

/** Splits a raw wait status (as from waitpid) into an exit code or a named signal. */
export function exitStatus(waitStatus: number): ExitStatus {
  const signal = waitStatus & 0x7f;
  if (signal !== 0) return { exitCode: null, signal: signalName(signal) };
  return { exitCode: (waitStatus >> 8) & 0xff, signal: null };
}

function compileStage(compile: CompileObservation): StageOutput {
  if (compile.timedOut || compile.waitStatus === null) {
    const note = `compilation stopped: it took longer than the ${compile.timeLimitMs} ms limit\n`;
    return {
      stdout: compile.stdout,
      stderr: compile.stderr + note,
      exit_code: null,
      time_ms: compile.timeMs,
      truncated: compile.truncated,
    };
  }
  const status = exitStatus(compile.waitStatus);
  const note = status.signal ? `compiler killed by ${status.signal} (out of memory?)\n` : '';
  return {
    stdout: compile.stdout,
    stderr: compile.stderr + note,
    exit_code: status.exitCode,
    time_ms: compile.timeMs,
    truncated: compile.truncated,
  };
}

/**
 * A SIGKILL whose peak came this close to the limit was the OOM killer even when no flag says so: the
 * cgroup also holds the supervisor (a few MiB) and the work directory's files, so the program itself is
 * killed somewhat under the limit.
 */
export const OOM_PEAK_SLACK_BYTES = 16 * 1024 * 1024;
export const OOM_PEAK_MIN_SHARE = 0.5;

function killedAtMemoryLimit(run: RunObservation, status: ExitStatus | null): boolean {
  if (run.oomKilled) return true;
  if (status?.signal !== 'SIGKILL' || run.memoryKb === null) return false;
  const threshold = Math.max(run.memoryLimitBytes * OOM_PEAK_MIN_SHARE, run.memoryLimitBytes - OOM_PEAK_SLACK_BYTES);
  return run.memoryKb * 1024 >= threshold;
}

type RunVerdict = Exclude<Verdict, 'compile_error' | 'wrong_answer'>;

function runVerdict(run: RunObservation, status: ExitStatus | null): RunVerdict {
  if (run.outputLimited) return 'output_limit';
  if (run.timedOut) return 'time_limit';
  if (killedAtMemoryLimit(run, status)) return 'memory_limit';
  if (status === null || status.signal !== null || status.exitCode !== 0) return 'runtime_error';
  return 'ok';
}

/** The verdict of one run and how it ended: a program stopped by the supervisor or the host has no exit status. */
function judgeRun(run: RunObservation): { verdict: RunVerdict; status: ExitStatus | null } {
  const stopped = run.outputLimited || run.timedOut;
  const status = stopped || run.waitStatus === null ? null : exitStatus(run.waitStatus);
  return { verdict: runVerdict(run, status), status };
}

/**
 * The result of one task. `run` is null when the program never ran (the compile failed).
 * Order matters: a program the host stopped (output, time) is judged by why it was stopped; then memory,
 * since an OOM kill looks like any SIGKILL; then how the program itself ended.
 */
export function codeResult(compile: CompileObservation | null, run: RunObservation | null): CodeResult {
  const compileOutput = compile ? compileStage(compile) : null;
  if (compileOutput && (compileOutput.exit_code !== 0 || run === null)) return compileError(compileOutput);
  if (run === null) throw new Error('codeResult: a translator without a compile step must have run');
  const { verdict, status } = judgeRun(run);
  return {
    verdict,
    exit_code: status?.exitCode ?? null,
    // Stopped by the host, or reaped by the OOM killer without the supervisor reporting: SIGKILL is what happened.
    signal: status ? status.signal : 'SIGKILL',
    stdout: run.stdout,
    stderr: run.stderr,
    compile: compileOutput,
    time_ms: run.timeMs,
    truncated: run.truncated || verdict === 'output_limit',
    cpu_time_ms: run.cpuMs,
    memory_kb: run.memoryKb,
  };
}

/** One test's result: its run's verdict, then, for a run that ended well, its output against expected_output. */
export function testResult(test: CodeTest, run: RunObservation, compare: CompareSpec): TestResult {
  const { verdict, status } = judgeRun(run);
  const mismatch =
    verdict === 'ok' && test.expected_output !== undefined
      ? compareOutput(run.stdout, test.expected_output, compare)
      : null;
  return {
    name: test.name ?? null,
    verdict: mismatch ? 'wrong_answer' : verdict,
    exit_code: status?.exitCode ?? null,
    signal: status ? status.signal : 'SIGKILL',
    stdout: run.stdout,
    stderr: run.stderr,
    truncated: run.truncated || verdict === 'output_limit',
    time_ms: run.timeMs,
    cpu_time_ms: run.cpuMs,
    memory_kb: run.memoryKb,
    mismatch,
  };
}

function skipped(test: CodeTest): TestResult {
  return {
    name: test.name ?? null,
    verdict: 'skipped',
    exit_code: null,
    signal: null,
    stdout: '',
    stderr: '',
    truncated: false,
    time_ms: 0,
    cpu_time_ms: null,
    memory_kb: null,
    mismatch: null,
  };
}

const failed = (verdict: TestVerdict) => verdict !== 'ok' && verdict !== 'skipped';

/**
 * The result of a task with tests. `runs` are the tests that ran, in order (fewer than `tests` when
 * stop_on_failure or the total time ended the task: the rest are skipped). The task's verdict is the first
 * failing test's; its stdout, stderr and exit are that test's (or the last one's when all pass); times add up.
 */
export function judgeResult(
  compile: CompileObservation | null,
  runs: readonly RunObservation[],
  tests: readonly CodeTest[],
  compare: CompareSpec,
): CodeResult {
  const base = codeResultOfCompile(compile);
  if (base) return { ...base, tests: tests.map(skipped), passed: 0, total: tests.length };
  const results = tests.map((test, i) => {
    const run = runs[i];
    return run ? testResult(test, run, compare) : skipped(test);
  });
  const firstFailure = results.findIndex((result) => failed(result.verdict));
  const shown = results[firstFailure >= 0 ? firstFailure : Math.max(0, runs.length - 1)];
  const sum = (pick: (result: TestResult) => number | null) =>
    results.reduce((total, result) => total + (pick(result) ?? 0), 0);
  return {
    verdict: firstFailure >= 0 ? (shown!.verdict as Verdict) : 'ok',
    exit_code: shown?.exit_code ?? null,
    signal: shown?.signal ?? null,
    stdout: shown?.stdout ?? '',
    stderr: shown?.stderr ?? '',
    compile: compile ? compileStage(compile) : null,
    time_ms: sum((result) => result.time_ms),
    truncated: results.some((result) => result.truncated),
    cpu_time_ms: sum((result) => result.cpu_time_ms),
    memory_kb: Math.max(0, ...results.map((result) => result.memory_kb ?? 0)),
    tests: results,
    passed: results.filter((result) => result.verdict === 'ok').length,
    total: tests.length,
  };
}

/** A compile_error result when the compile failed, else null. */
function codeResultOfCompile(compile: CompileObservation | null): CodeResult | null {
  if (!compile) return null;
  const stage = compileStage(compile);
  return stage.exit_code === 0 ? null : compileError(stage);
}

function compileError(stage: StageOutput): CodeResult {
  return {
    verdict: 'compile_error',
    exit_code: null,
    signal: null,
    stdout: '',
    stderr: '',
    compile: stage,
    time_ms: 0,
    truncated: false,
    cpu_time_ms: null,
    memory_kb: null,
  };
}
