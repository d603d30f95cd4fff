/** The code-processor's settings, read from the environment and validated at start. */
import { EnvReader, readWorkerSettings, SETTINGS, type WorkerSettings } from '@conveyor/shared';
import { readSandboxLimits, type SandboxLimitsConfig, sandboxLimitsProblems } from './sandbox/limits.js';
import { DEFAULT_DEPLOYMENT } from './sandbox/sandbox-runner.js';

export interface CodeProcessorConfig {
  worker: WorkerSettings;
  sandboxImage: string;
  /** Docker's socket; DOCKER_HOST (tcp://...), when set, wins. */
  dockerSocket: string;
  dockerHost: string | undefined;
  limits: SandboxLimitsConfig;
  /** How often leftovers are swept. */
  sweepIntervalMs: number;
  /** The deployment label on sandbox containers: the sweeper touches only its own deployment's. */
  deployment: string;
  /** Warm sandboxes kept started (sandbox-pool.ts); 0 turns the pool off. */
  poolSize: number;
}

export function readCodeProcessorConfig(env: Record<string, string | undefined> = process.env): CodeProcessorConfig {
  const read = new EnvReader(env);
  const limits = readSandboxLimits(read);
  for (const problem of sandboxLimitsProblems(limits)) read.fail(problem);
  const worker = readWorkerSettings(read, 'code-processor');
  const deployment =
    read.setting(SETTINGS.DEPLOYMENT_ID) ?? (worker.queue.prefix.replace(/\.$/, '') || DEFAULT_DEPLOYMENT);
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/.test(deployment)) {
    read.fail(
      `DEPLOYMENT_ID must be 1 to 63 of [a-zA-Z0-9_.-], starting with a letter or digit; got ${JSON.stringify(deployment.slice(0, 80))}`,
    );
  }
  const config: CodeProcessorConfig = {
    worker,
    sandboxImage: read.setting(SETTINGS.SANDBOX_IMAGE),
    dockerSocket: read.setting(SETTINGS.DOCKER_SOCKET),
    dockerHost: read.setting(SETTINGS.DOCKER_HOST),
    limits,
    sweepIntervalMs: read.setting(SETTINGS.SWEEP_INTERVAL),
    deployment,
    poolSize: read.setting(SETTINGS.SANDBOX_POOL_SIZE, 'code-processor', worker.concurrency),
  };
  read.done();
  return config;
}
