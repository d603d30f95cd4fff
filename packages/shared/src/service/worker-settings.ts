/** The settings every worker service reads the same way (see the README's configuration table). */
import { availableParallelism } from 'node:os';
import type { EnvReader } from '../config.js';
import { DEFAULT_COMMIT_RETRY_MS } from '../worker/commit-client.js';
import { type QueueSettings, readQueueSettings } from './queue-settings.js';

export interface WorkerSettings {
  queue: QueueSettings;
  /** Where POST /commit is: the API's base URL. */
  apiUrl: string;
  /** Tasks worked at once (and the prefetch window). */
  concurrency: number;
  /** The health endpoint (/healthz, /readyz, /metrics); 0 = a free port, -1 = none. */
  healthPort: number;
  healthHost: string;
  /**
   * How long a worker holds a commit the API does not take (down, unreachable, 5xx), retrying with back-off,
   * before handing the task back to the queue. The message stays unacked meanwhile, so it must stay under
   * RabbitMQ's consumer_timeout (30 min by default), past which the broker closes the channel.
   */
  commitHoldMs: number;
  /** How long SIGTERM waits for in-flight tasks before returning them to the queue. */
  shutdownGraceMs: number;
  logLevel: string;
}

/** RabbitMQ's default consumer_timeout is 30 min; a hold (plus the task's own run) must end well before it. */
export const MAX_COMMIT_HOLD_MS = 25 * 60_000;

export function readWorkerSettings(read: EnvReader, defaults: { healthPort: number }): WorkerSettings {
  return {
    queue: readQueueSettings(read),
    apiUrl: read.string('API_URL', 'http://127.0.0.1:8000'),
    concurrency: read.int('CONCURRENCY', availableParallelism(), { min: 1, max: 256 }),
    healthPort: read.int('HEALTH_PORT', defaults.healthPort, { min: -1, max: 65535 }),
    healthHost: read.string('HEALTH_HOST', '127.0.0.1'),
    commitHoldMs: read.duration('COMMIT_HOLD', DEFAULT_COMMIT_RETRY_MS, { minMs: 1000, maxMs: MAX_COMMIT_HOLD_MS }),
    shutdownGraceMs: read.duration('SHUTDOWN_GRACE', 30_000, { minMs: 0 }),
    logLevel: read.oneOf('LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info'),
  };
}
