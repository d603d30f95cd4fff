/**
 * Every sandbox limit in one place: the server's defaults and caps, and how a task's own request is clamped.
 * The worker's main reads environment variables into a SandboxLimitsConfig; DEFAULT_SANDBOX_LIMITS is the fallback.
 */
import { type CodeLimits, type SandboxLimitsReport, SETTINGS } from '@conveyor/shared';

const MiB = 1024 * 1024;

export interface SandboxLimitsConfig {
  /** Run wall time when the task does not ask, and the most it may ask for. */
  runTimeMs: { default: number; cap: number };
  /** Run memory (RAM, swap off) when the task does not ask, and the most it may ask for. */
  memoryMb: { default: number; cap: number };
  /** The whole task (compile and every run): when the task does not ask, and the most it may ask for. */
  totalTimeMs: { default: number; cap: number };
  /** Compile wall time and memory: fixed by the server, a task cannot change them. */
  compileTimeMs: number;
  compileMemoryMb: number;
  /** CPU cores per sandbox (Docker NanoCpus). */
  cpus: number;
  /** Processes and threads per sandbox (cgroup pids limit, not the per-user nproc ulimit). */
  pids: number;
  /** Bytes kept per output stream (stdout, stderr; compiler output too); past it the program is stopped. */
  outputBytes: number;
  /** Bytes the program may write to files: the size of the work directory and the largest file (RLIMIT_FSIZE). */
  filesBytes: number;
  /** Open files per process. */
  openFiles: number;
}

/** The defaults of the settings table (SETTINGS), for code that runs a sandbox without reading a config. */
export const DEFAULT_SANDBOX_LIMITS: Readonly<SandboxLimitsConfig> = Object.freeze({
  runTimeMs: { default: SETTINGS.RUN_TIME_LIMIT.default, cap: SETTINGS.RUN_TIME_CAP.default },
  memoryMb: { default: SETTINGS.MEMORY_LIMIT_MB.default, cap: SETTINGS.MEMORY_CAP_MB.default },
  totalTimeMs: { default: SETTINGS.TOTAL_TIME_LIMIT.default, cap: SETTINGS.TOTAL_TIME_CAP.default },
  compileTimeMs: SETTINGS.COMPILE_TIME_LIMIT.default,
  compileMemoryMb: SETTINGS.COMPILE_MEMORY_MB.default,
  cpus: SETTINGS.SANDBOX_CPUS.default,
  pids: SETTINGS.SANDBOX_PIDS.default,
  outputBytes: SETTINGS.OUTPUT_LIMIT_BYTES.default,
  filesBytes: SETTINGS.FILES_LIMIT_BYTES.default,
  // Not a setting: enough for any compiler, too few to matter.
  openFiles: 256,
});

/** The limits one task runs under, after clamping. */
export interface TaskSandboxLimits {
  runTimeMs: number;
  totalTimeMs: number;
  compileTimeMs: number;
  runMemoryBytes: number;
  compileMemoryBytes: number;
  nanoCpus: number;
  pids: number;
  outputBytes: number;
  filesBytes: number;
  openFiles: number;
}

function clamp(value: number, max: number): number {
  return Math.min(value, max);
}

/** A task may ask for less than the default or more, up to the cap; anything above the cap gets the cap. */
export function limitsForTask(
  requested: CodeLimits,
  config: SandboxLimitsConfig = DEFAULT_SANDBOX_LIMITS,
): TaskSandboxLimits {
  return {
    runTimeMs: clamp(requested.time_ms ?? config.runTimeMs.default, config.runTimeMs.cap),
    totalTimeMs: clamp(requested.total_time_ms ?? config.totalTimeMs.default, config.totalTimeMs.cap),
    compileTimeMs: config.compileTimeMs,
    runMemoryBytes: clamp(requested.memory_mb ?? config.memoryMb.default, config.memoryMb.cap) * MiB,
    compileMemoryBytes: config.compileMemoryMb * MiB,
    nanoCpus: Math.round(config.cpus * 1e9),
    pids: config.pids,
    outputBytes: config.outputBytes,
    filesBytes: config.filesBytes,
    openFiles: config.openFiles,
  };
}

/** The limits as GET /languages shows them (a code worker reports its own configuration). */
export function sandboxLimitsReport(config: SandboxLimitsConfig): SandboxLimitsReport {
  return {
    time_ms: { default: config.runTimeMs.default, max: config.runTimeMs.cap },
    memory_mb: { default: config.memoryMb.default, max: config.memoryMb.cap },
    total_time_ms: { default: config.totalTimeMs.default, max: config.totalTimeMs.cap },
    compile_time_ms: config.compileTimeMs,
    compile_memory_mb: config.compileMemoryMb,
  };
}

/** Checks a configuration read from the environment; returns one message per problem. */
export function sandboxLimitsProblems(config: SandboxLimitsConfig): string[] {
  const problems: string[] = [];
  for (const [name, pair] of [
    ['runTimeMs', config.runTimeMs],
    ['memoryMb', config.memoryMb],
    ['totalTimeMs', config.totalTimeMs],
  ] as const) {
    if (pair.default > pair.cap) problems.push(`${name}: the default (${pair.default}) is above the cap (${pair.cap})`);
  }
  if (config.memoryMb.default < 6 || config.compileMemoryMb < 6) problems.push('memory limits must be at least 6 MiB');
  if (!(config.cpus > 0)) problems.push('cpus must be above 0');
  if (config.pids < 8) problems.push('pids must be at least 8 (a compiler runs several processes)');
  if (config.outputBytes < 1) problems.push('outputBytes must be at least 1');
  if (config.filesBytes < 1024 * 1024) problems.push('filesBytes must be at least 1 MiB (the binary is written there)');
  return problems;
}
