/** The settings every worker service reads the same way (see docs/configuration.md). */
import { availableParallelism } from 'node:os';
import type { EnvReader } from '../config.js';
import type { Service } from '../settings/setting.js';
import { SETTINGS } from '../settings/settings-table.js';
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

export function readWorkerSettings(read: EnvReader, service: Service): WorkerSettings {
  return {
    queue: readQueueSettings(read),
    apiUrl: read.setting(SETTINGS.API_URL),
    concurrency: read.setting(SETTINGS.CONCURRENCY, service, availableParallelism()),
    healthPort: read.setting(SETTINGS.HEALTH_PORT, service),
    healthHost: read.setting(SETTINGS.HEALTH_HOST),
    commitHoldMs: read.setting(SETTINGS.COMMIT_HOLD),
    shutdownGraceMs: read.setting(SETTINGS.SHUTDOWN_GRACE, service),
    logLevel: read.setting(SETTINGS.LOG_LEVEL),
  };
}
