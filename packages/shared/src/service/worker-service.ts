/**
 * A processor as a running service: the Worker on its queue, the commit client, the health endpoint, and a
 * readiness gate that pauses consuming while a dependency is down (the API the results go to; the
 * processor's own, Docker say), so tasks wait in the queue instead of failing. Both processors' mains and
 * the all-in-one launcher use it.
 *
 * The gate never waits for work in flight: pausing only stops new deliveries, and every check is bounded,
 * so a task stuck on a lost engine cannot freeze readiness. A task stuck past `stallLimitMs`, or a gate
 * that stopped ticking, makes /healthz answer 503 so that a supervisor restarts the worker.
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
  /** Its name in the log and /readyz. */
  dependencyName?: string;
  /** How often to re-check the dependencies while they are up (sooner while one is down). */
  readinessIntervalMs?: number;
  /** The longest a task's handler may run before the worker counts as wedged (/healthz 503). */
  stallLimitMs?: number;
}

export interface WorkerService {
  worker: Worker;
  isReady(): boolean;
  health: HealthServer | undefined;
  close(): Promise<void>;
}

/** A check that does not answer within this long counts as down. */
const CHECK_TIMEOUT_MS = 5000;
const DOWN_RECHECK_MS = 1000;
export const DEFAULT_STALL_LIMIT_MS = 10 * 60_000;

/** Resolves false when `check` throws or does not answer within CHECK_TIMEOUT_MS. */
async function bounded(check: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The API answers its liveness probe: a worker that cannot reach it would only hold results it cannot commit. */
function apiReachable(apiUrl: string): () => Promise<boolean> {
  const url = new URL('healthz', apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`).href;
  return async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.ok;
  };
}

export async function startWorkerService(options: WorkerServiceOptions): Promise<WorkerService> {
  const { type, queue, settings, log, registry } = options;
  const committer = new CommitClient({ apiUrl: settings.apiUrl, retryForMs: settings.commitHoldMs, log });
  const worker = new Worker({
    type,
    queue,
    handler: options.handler,
    committer,
    log,
    concurrency: settings.concurrency,
    metrics: queueMetrics(registry),
  });

  const checks: Record<string, () => Promise<boolean>> = { api: apiReachable(settings.apiUrl) };
  if (options.dependencyReady) checks[options.dependencyName ?? 'dependency'] = options.dependencyReady;
  /** Each dependency's last answer; absent until first checked, so a dependency down at start is logged. */
  const status: Record<string, boolean> = {};
  const interval = options.readinessIntervalMs ?? 5000;
  const stallLimitMs = options.stallLimitMs ?? DEFAULT_STALL_LIMIT_MS;
  let allUp = false;
  let lastGateAt = performance.now();
  let stopped = false;
  let gateTimer: NodeJS.Timeout | undefined;

  // Runs the worker only while every dependency answers; a paused worker leaves tasks in the queue.
  const checkGate = async () => {
    const answers = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => [name, await bounded(check)] as const),
    );
    if (stopped) return;
    for (const [name, up] of answers) {
      if (status[name] !== up) {
        log.info({ type, dependency: name, ready: up }, up ? 'dependency up' : 'dependency down: pausing');
      }
      status[name] = up;
    }
    allUp = answers.every(([, up]) => up);
    lastGateAt = performance.now();
    if (allUp && (worker.state === 'idle' || worker.state === 'paused')) worker.run();
    if (!allUp && worker.state === 'running') {
      // Not awaited: pausing stops new deliveries now; the ones in flight settle on their own time.
      worker.pause().catch((error: unknown) => log.warn({ err: error }, 'pausing the worker failed'));
    }
  };
  await checkGate();
  const loop = async () => {
    await checkGate().catch((error: unknown) => log.error({ err: error }, 'readiness check failed'));
    if (!stopped) gateTimer = setTimeout(loop, allUp ? interval : Math.min(interval, DOWN_RECHECK_MS));
  };
  gateTimer = setTimeout(loop, allUp ? interval : Math.min(interval, DOWN_RECHECK_MS));

  const isReady = () => allUp && worker.isReady();
  const live = () => {
    const longestTaskMs = Math.round(worker.longestHandlerMs());
    const gateSilentMs = Math.round(performance.now() - lastGateAt);
    const stalled = longestTaskMs > stallLimitMs;
    const gateStuck = !stopped && gateSilentMs > 3 * (interval + CHECK_TIMEOUT_MS);
    return {
      ready: !stalled && !gateStuck,
      details: { stalled, longest_task_ms: longestTaskMs, stall_limit_ms: stallLimitMs, gate_silent_ms: gateSilentMs },
    };
  };
  const health =
    settings.healthPort >= 0
      ? await startHealthServer({
          port: settings.healthPort,
          host: settings.healthHost,
          registry,
          live,
          check: () => ({
            ready: isReady(),
            details: { queue: queue.kind, broker_connected: queue.isReady(), ...status, worker: worker.state },
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
