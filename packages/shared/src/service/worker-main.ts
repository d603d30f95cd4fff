/**
 * The main of a standalone worker service (the code- and image-processor): read the configuration, open
 * RabbitMQ, start the service, stop cleanly on SIGTERM. Each processor's main.ts is one call to this.
 */

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createLogger } from '../logger.js';
import type { TaskQueue } from '../queue/task-queue.js';
import { exitOnSignals, exitOnStartupError } from './process-lifecycle.js';
import { openTaskQueue } from './queue-settings.js';
import { createServiceRegistry } from './service-registry.js';
import type { WorkerSettings } from './worker-settings.js';

export interface WorkerMainOptions<C extends { worker: WorkerSettings }> {
  service: string;
  readConfig: () => C;
  start: (parts: {
    config: C;
    queue: TaskQueue;
    log: Logger;
    registry: Registry;
  }) => Promise<{ close(): Promise<void> }>;
}

export async function runWorkerMain<C extends { worker: WorkerSettings }>({
  service,
  readConfig,
  start,
}: WorkerMainOptions<C>) {
  let config: C;
  try {
    config = readConfig();
    // A standalone worker shares nothing with the API but the broker; the in-process queue is for `npm start`.
    if (!config.worker.queue.amqpUrl)
      throw new Error('AMQP_URL is required (or run everything in one process with `npm start`)');
  } catch (error) {
    exitOnStartupError(service, error);
  }
  const log = createLogger({ service, level: config.worker.logLevel });
  const registry = createServiceRegistry();
  const queue = openTaskQueue(config.worker.queue, log, registry, `conveyor-${service}`);
  const running = await start({ config, queue, log, registry }).catch((error) => exitOnStartupError(service, error));
  exitOnSignals(log, [() => running.close(), () => queue.close()], config.worker.shutdownGraceMs + 10_000);
}
