/** The settings every worker service reads the same way (see the README's configuration table). */
import { availableParallelism } from 'node:os';
import type { EnvReader } from '../config.js';
import { LOG_LEVELS } from '../logger.js';
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
  /** How long SIGTERM waits for in-flight tasks before returning them to the queue. */
  shutdownGraceMs: number;
  logLevel: string;
}

export function readWorkerSettings(read: EnvReader, defaults: { healthPort: number }): WorkerSettings {
  return {
    queue: readQueueSettings(read),
    apiUrl: read.string('API_URL', 'http://127.0.0.1:8000'),
    concurrency: read.int('CONCURRENCY', availableParallelism(), { min: 1, max: 256 }),
    healthPort: read.int('HEALTH_PORT', defaults.healthPort, { min: -1, max: 65535 }),
    healthHost: read.string('HEALTH_HOST', '127.0.0.1'),
    shutdownGraceMs: read.duration('SHUTDOWN_GRACE', 30_000, { minMs: 0 }),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
  };
}
