/**
 * A processor as a running service: the Worker on its queue, the commit client, the health endpoint, and a
 * readiness gate that pauses consuming while the processor's own dependency (Docker, say) is down, so
 * tasks wait in the queue instead of failing. Both processors' mains and the all-in-one launcher use it.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { TaskType } from '../contract/task.js';
import { queueMetrics } from '../queue/queue-metrics.js';
import type { TaskQueue } from '../queue/task-queue.js';
import { CommitClient } from '../worker/commit-client.js';
import { type HealthServer, startHealthServer } from '../worker/health-server.js';
import type { TaskHandler } from '../worker/task-handler.js';
import { Worker } from '../worker/worker.js';
import type { WorkerSettings } from './worker-settings.js';

export interface WorkerServiceOptions {
  type: TaskType;
  handler: TaskHandler;
  queue: TaskQueue;
  settings: WorkerSettings;
  log: Logger;
  registry: Registry;
  /** The processor's own readiness (e.g. Docker answers); consuming pauses while it is false. */
  dependencyReady?: () => Promise<boolean>;
  /** How often to re-check dependencyReady. */
  readinessIntervalMs?: number;
}

export interface WorkerService {
  worker: Worker;
  isReady(): boolean;
  health: HealthServer | undefined;
  close(): Promise<void>;
}

export async function startWorkerService(options: WorkerServiceOptions): Promise<WorkerService> {
  const { type, queue, settings, log, registry } = options;
  const committer = new CommitClient({ apiUrl: settings.apiUrl, log });
  const worker = new Worker({
    type,
    queue,
    handler: options.handler,
    committer,
    log,
    concurrency: settings.concurrency,
    metrics: queueMetrics(registry),
  });

  let dependencyUp = false;
  let stopped = false;
  let gateTimer: NodeJS.Timeout | undefined;
  // Runs the worker only while its dependency answers; a paused worker leaves tasks in the queue.
  const checkGate = async () => {
    const up = options.dependencyReady ? await options.dependencyReady().catch(() => false) : true;
    if (stopped) return;
    if (up !== dependencyUp)
      log.info({ type, ready: up }, up ? 'dependency up: consuming' : 'dependency down: pausing');
    dependencyUp = up;
    if (up && worker.state !== 'running') worker.run();
    if (!up && worker.state === 'running') await worker.pause();
  };
  await checkGate();
  if (options.dependencyReady) {
    const interval = options.readinessIntervalMs ?? 5000;
    const loop = async () => {
      await checkGate();
      if (!stopped) gateTimer = setTimeout(loop, interval);
    };
    gateTimer = setTimeout(loop, interval);
  }

  const isReady = () => dependencyUp && worker.isReady();
  const health =
    settings.healthPort >= 0
      ? await startHealthServer({
          port: settings.healthPort,
          host: settings.healthHost,
          registry,
          check: () => ({
            ready: isReady(),
            details: {
              queue: queue.kind,
              broker_connected: queue.isReady(),
              dependency: dependencyUp,
              worker: worker.state,
            },
          }),
        })
      : undefined;
  if (health) log.info({ url: health.url }, 'health endpoint listening');

  return {
    worker,
    isReady,
    health,
    close: async () => {
      stopped = true;
      clearTimeout(gateTimer);
      await worker.close(settings.shutdownGraceMs);
      await health?.close();
    },
  };
}
