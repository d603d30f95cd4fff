/**
 * Every sandbox limit in one place: the server's defaults and caps (read from the settings), and how a task's
 * own request is clamped. DEFAULT_SANDBOX_LIMITS is the settings' defaults.
 */
import {
  type CodeLimits,
  EnvReader,
  readSandboxLimitSettings,
  type SandboxLimitSettings,
  SETTINGS,
} from '@conveyor/shared';

const MiB = 1024 * 1024;

export interface SandboxLimitsConfig extends SandboxLimitSettings {
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

/** Every sandbox limit from the settings. */
export function readSandboxLimits(read: EnvReader): SandboxLimitsConfig {
  return {
    ...readSandboxLimitSettings(read),
    cpus: read.setting(SETTINGS.SANDBOX_CPUS),
    pids: read.setting(SETTINGS.SANDBOX_PIDS),
    outputBytes: read.setting(SETTINGS.OUTPUT_LIMIT_BYTES),
    filesBytes: read.setting(SETTINGS.FILES_LIMIT_BYTES),
    // Not a setting: enough for any compiler, too few to matter.
    openFiles: 256,
  };
}

/** The settings' defaults, for code that runs a sandbox without reading a config. */
export const DEFAULT_SANDBOX_LIMITS: Readonly<SandboxLimitsConfig> = Object.freeze(
  readSandboxLimits(new EnvReader({})),
);

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
