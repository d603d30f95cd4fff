/** The code-processor's settings, read from the environment and validated at start. */
import { EnvReader, readWorkerSettings, type WorkerSettings } from '@conveyor/shared';
import { DEFAULT_SANDBOX_LIMITS, type SandboxLimitsConfig, sandboxLimitsProblems } from './sandbox/limits.js';
import { DEFAULT_DEPLOYMENT, DEFAULT_SANDBOX_IMAGE } from './sandbox/sandbox-runner.js';

export interface CodeProcessorConfig {
  worker: WorkerSettings;
  sandboxImage: string;
  /** Docker's socket; DOCKER_HOST (tcp://...) is honoured too. */
  dockerSocket: string;
  limits: SandboxLimitsConfig;
  /** How often leftovers are swept. */
  sweepIntervalMs: number;
  /** The deployment label on sandbox containers: the sweeper touches only its own deployment's. */
  deployment: string;
}

export function readCodeProcessorConfig(env: Record<string, string | undefined> = process.env): CodeProcessorConfig {
  const read = new EnvReader(env);
  const d = DEFAULT_SANDBOX_LIMITS;
  const limits: SandboxLimitsConfig = {
    runTimeMs: {
      default: read.duration('RUN_TIME_LIMIT', d.runTimeMs.default, { minMs: 100 }),
      cap: read.duration('RUN_TIME_CAP', d.runTimeMs.cap, { minMs: 100 }),
    },
    memoryMb: {
      default: read.int('MEMORY_LIMIT_MB', d.memoryMb.default, { min: 16 }),
      cap: read.int('MEMORY_CAP_MB', d.memoryMb.cap, { min: 16 }),
    },
    compileTimeMs: read.duration('COMPILE_TIME_LIMIT', d.compileTimeMs, { minMs: 100 }),
    compileMemoryMb: read.int('COMPILE_MEMORY_MB', d.compileMemoryMb, { min: 64 }),
    cpus: read.int('SANDBOX_CPUS', d.cpus, { min: 1, max: 64 }),
    pids: read.int('SANDBOX_PIDS', d.pids, { min: 8, max: 4096 }),
    outputBytes: read.int('OUTPUT_LIMIT_BYTES', d.outputBytes, { min: 1024 }),
    filesBytes: read.int('FILES_LIMIT_BYTES', d.filesBytes, { min: 1024 * 1024 }),
    openFiles: d.openFiles,
  };
  for (const problem of sandboxLimitsProblems(limits)) read.fail(problem);
  const worker = readWorkerSettings(read, { healthPort: 8081 });
  const deployment = read.string('DEPLOYMENT_ID', worker.queue.prefix.replace(/\.$/, '') || DEFAULT_DEPLOYMENT);
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/.test(deployment)) {
    read.fail(
      `DEPLOYMENT_ID must be 1 to 63 of [a-zA-Z0-9_.-], starting with a letter or digit; got ${JSON.stringify(deployment.slice(0, 80))}`,
    );
  }
  const config: CodeProcessorConfig = {
    worker,
    sandboxImage: read.string('SANDBOX_IMAGE', DEFAULT_SANDBOX_IMAGE),
    dockerSocket: read.string('DOCKER_SOCKET', '/var/run/docker.sock'),
    limits,
    sweepIntervalMs: read.duration('SWEEP_INTERVAL', 60_000, { minMs: 1000 }),
    deployment,
  };
  read.done();
  return config;
}
