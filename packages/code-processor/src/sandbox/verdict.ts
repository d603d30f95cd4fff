/**
 * From what was observed of a sandbox run to the CodeResult the user sees. Pure logic: no Docker here.
 */
import { constants } from 'node:os';
import type { CodeResult, StageOutput, Verdict } from '@conveyor/shared';

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
  /** The kernel's OOM killer acted inside the container (Docker's State.OOMKilled). */
  oomKilled: boolean;
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

function runVerdict(run: RunObservation, status: ExitStatus | null): Verdict {
  if (run.outputLimited) return 'output_limit';
  if (run.timedOut) return 'time_limit';
  if (run.oomKilled) return 'memory_limit';
  if (status === null || status.signal !== null || status.exitCode !== 0) return 'runtime_error';
  return 'ok';
}

/**
 * The result of one task. `run` is null when the program never ran (the compile failed).
 * Order matters: a program the host stopped (output, time) is judged by why it was stopped; then memory,
 * since an OOM kill looks like any SIGKILL; then how the program itself ended.
 */
export function codeResult(compile: CompileObservation | null, run: RunObservation | null): CodeResult {
  const compileOutput = compile ? compileStage(compile) : null;
  if (compileOutput && (compileOutput.exit_code !== 0 || run === null)) {
    return {
      verdict: 'compile_error',
      exit_code: null,
      signal: null,
      stdout: '',
      stderr: '',
      compile: compileOutput,
      time_ms: 0,
      truncated: false,
    };
  }
  if (run === null) throw new Error('codeResult: a translator without a compile step must have run');
  const stopped = run.outputLimited || run.timedOut;
  const status = stopped || run.waitStatus === null ? null : exitStatus(run.waitStatus);
  const verdict = runVerdict(run, status);
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
  };
}
