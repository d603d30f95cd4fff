/**
 * Starts the code-processor on a task queue: the sandbox runner on the Docker engine, its warm pool, the
 * sweeper of this worker's leftover containers, the worker service that pauses while Docker is unreachable,
 * and the answers to the API's catalogue questions (the sandbox image's versions, for GET /languages).
 */
import { hostname } from 'node:os';
import { type Logger, sandboxLimitsReport, startWorkerService, type TaskQueue } from '@conveyor/shared';
import Docker from 'dockerode';
import type { Registry } from 'prom-client';
import type { CodeProcessorConfig } from './config.js';
import { createCodeTaskHandler } from './process-code-task.js';
import { pooledSandboxSpec } from './sandbox/container-spec.js';
import { DockerSandboxEngine } from './sandbox/docker-sandbox-engine.js';
import { SandboxPool } from './sandbox/sandbox-pool.js';
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
  const engine = new DockerSandboxEngine(docker);
  const image = config.sandboxImage;
  const pool = new SandboxPool({
    engine,
    spec: pooledSandboxSpec({ image, deployment, workerId, limits: config.limits }),
    size: config.poolSize,
    log,
  });
  const runner = new SandboxRunner({ docker, engine, pool, deployment, workerId, image, limits: config.limits, log });
  const sweeper = new SandboxSweeper({
    docker,
    deployment,
    workerId,
    image,
    // The pool's idle containers are this worker's and not leftovers, however long they wait.
    working: () => new Set([...runner.workingContainers(), ...pool.containers()]),
    log,
  });
  // Not awaited: an engine that is down at start must not hold up the worker (its readiness waits for it).
  // The pool fills once the first sweep (of everything of this worker id) is over, so it cannot sweep them.
  void sweeper.start(config.sweepIntervalMs).finally(() => {
    if (pool.state === 'new') pool.start();
  });
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
    { image, deployment, worker_id: workerId, concurrency: config.worker.concurrency, pool_size: config.poolSize },
    'code-processor started',
  );
  return {
    ...service,
    /** What this worker answers for GET /languages (null until the image's versions were read). */
    catalogue: () => catalogue.current,
    close: async () => {
      // SIGTERM removes the pool at once: its idle containers, and those being made, are of no more use.
      const poolClosed = pool.close();
      await catalogue.close();
      await service.close();
      // Work abandoned past the grace period is no longer awaited by the worker: its containers are removed
      // here, before the process exits (an aborted run stops its program at once).
      if (!(await runner.drain(SHUTDOWN_REMOVAL_MS))) log.warn('sandbox containers still being removed at exit');
      await poolClosed;
      await sweeper.stop();
    },
  };
}
