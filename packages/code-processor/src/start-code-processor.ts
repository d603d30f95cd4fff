/**
 * Starts the code-processor on a task queue: the sandbox runner on the Docker engine, the sweeper of this
 * worker's leftover containers, the worker service that pauses while Docker is unreachable, and the answers
 * to the API's catalogue questions (the sandbox image's versions, for GET /languages).
 */
import { hostname } from 'node:os';
import { type Logger, startWorkerService, type TaskQueue } from '@conveyor/shared';
import Docker from 'dockerode';
import type { Registry } from 'prom-client';
import type { CodeProcessorConfig } from './config.js';
import { createCodeTaskHandler } from './process-code-task.js';
import { sandboxLimitsReport } from './sandbox/limits.js';
import { SandboxRunner } from './sandbox/sandbox-runner.js';
import { SandboxSweeper } from './sandbox/sandbox-sweeper.js';
import { WorkerCatalogueService } from './worker-catalogue.js';

/** How long shutdown waits for abandoned sandboxes to be removed (within the main's hard limit of grace + 10 s). */
const SHUTDOWN_REMOVAL_MS = 8_000;

export interface StartCodeProcessorOptions {
  config: CodeProcessorConfig;
  queue: TaskQueue;
  log: Logger;
  registry: Registry;
}

export async function startCodeProcessor({ config, queue, log, registry }: StartCodeProcessorOptions) {
  // dockerode reads DOCKER_HOST (and its TLS variables) itself; the config only says whether it is set.
  const docker = config.dockerHost ? new Docker() : new Docker({ socketPath: config.dockerSocket });
  // Unique per process, so a sweeper removes only its own leftovers when several workers share an engine.
  const workerId = `${hostname()}-${process.pid}`;
  const { deployment } = config;
  const runner = new SandboxRunner({
    docker,
    deployment,
    workerId,
    image: config.sandboxImage,
    limits: config.limits,
    log,
  });
  const sweeper = new SandboxSweeper({
    docker,
    deployment,
    workerId,
    image: config.sandboxImage,
    working: () => runner.workingContainers(),
    log,
  });
  // Not awaited: an engine that is down at start must not hold up the worker (its readiness waits for it).
  void sweeper.start(config.sweepIntervalMs);
  const catalogue = new WorkerCatalogueService({
    probe: (signal) => runner.probeVersions(signal),
    limits: sandboxLimitsReport(config.limits),
    queries: queue.queries,
    log,
  });
  catalogue.start();
  const service = await startWorkerService({
    type: 'code',
    handler: createCodeTaskHandler(runner),
    queue,
    settings: config.worker,
    log,
    registry,
    dependencyReady: () => runner.isReady(),
    dependencyName: 'docker',
    // A task takes at most its compile and run limits (with tests, its total time) plus a few bounded engine
    // calls; far past that, the worker is wedged and /healthz says so.
    stallLimitMs:
      config.limits.compileTimeMs + Math.max(config.limits.runTimeMs.cap, config.limits.totalTimeMs.cap) + 5 * 60_000,
  });
  log.info(
    { image: config.sandboxImage, deployment, worker_id: workerId, concurrency: config.worker.concurrency },
    'code-processor started',
  );
  return {
    ...service,
    /** What this worker answers for GET /languages (null until the image's versions were read). */
    catalogue: () => catalogue.current,
    close: async () => {
      await catalogue.close();
      await service.close();
      // Work abandoned past the grace period is no longer awaited by the worker: its containers are removed
      // here, before the process exits (an aborted run stops its program at once).
      if (!(await runner.drain(SHUTDOWN_REMOVAL_MS))) log.warn('sandbox containers still being removed at exit');
      await sweeper.stop();
    },
  };
}
