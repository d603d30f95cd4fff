/**
 * The sandbox limits a task sees and asks within (GET /languages shows them), read from the settings in one
 * way by the code-processor (its configuration) and by the API (the settings' defaults, when no code worker
 * has answered), so the two cannot disagree on what the defaults are.
 */
import type { EnvReader } from '../config.js';
import type { SandboxLimitsReport } from '../contract/languages.js';
import { SETTINGS } from '../settings/settings-table.js';

export interface SandboxLimitSettings {
  /** Run wall time when the task does not ask, and the most it may ask for. */
  runTimeMs: { default: number; cap: number };
  /** Run memory (RAM, swap off) when the task does not ask, and the most it may ask for. */
  memoryMb: { default: number; cap: number };
  /** The whole task (compile and every run): when the task does not ask, and the most it may ask for. */
  totalTimeMs: { default: number; cap: number };
  /** Compile wall time and memory: fixed by the server, a task cannot change them. */
  compileTimeMs: number;
  compileMemoryMb: number;
}

export function readSandboxLimitSettings(read: EnvReader): SandboxLimitSettings {
  return {
    runTimeMs: { default: read.setting(SETTINGS.RUN_TIME_LIMIT), cap: read.setting(SETTINGS.RUN_TIME_CAP) },
    memoryMb: { default: read.setting(SETTINGS.MEMORY_LIMIT_MB), cap: read.setting(SETTINGS.MEMORY_CAP_MB) },
    totalTimeMs: { default: read.setting(SETTINGS.TOTAL_TIME_LIMIT), cap: read.setting(SETTINGS.TOTAL_TIME_CAP) },
    compileTimeMs: read.setting(SETTINGS.COMPILE_TIME_LIMIT),
    compileMemoryMb: read.setting(SETTINGS.COMPILE_MEMORY_MB),
  };
}

/** The limits as GET /languages shows them. */
export function sandboxLimitsReport(limits: SandboxLimitSettings): SandboxLimitsReport {
  return {
    time_ms: { default: limits.runTimeMs.default, max: limits.runTimeMs.cap },
    memory_mb: { default: limits.memoryMb.default, max: limits.memoryMb.cap },
    total_time_ms: { default: limits.totalTimeMs.default, max: limits.totalTimeMs.cap },
    compile_time_ms: limits.compileTimeMs,
    compile_memory_mb: limits.compileMemoryMb,
  };
}
