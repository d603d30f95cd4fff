/**
 * Starts the API on a task queue: the HTTP server, and the dead-letter consumers that turn tasks whose
 * messages were dead-lettered into `failed` results (so no task stays in_progress for ever), when the
 * message's commit token is the task's own; the others are parked.
 */
import { DeadLetterWorker, type Logger, TASK_TYPES, type TaskQueue } from '@conveyor/shared';
import type { Registry } from 'prom-client';
import { createApiServer } from './api-server.js';
import type { ApiConfig } from './config.js';
import { registerQueueDepthMetrics } from './ops/queue-depth-metrics.js';
import { failDeadLetteredTask } from './tasks/dead-letter-failures.js';

export interface StartApiOptions {
  config: ApiConfig;
  queue: TaskQueue;
  logger: Logger;
  registry: Registry;
  /** More readiness checks for /readyz (the embedded workers, in all-in-one mode). */
  readiness?: Record<string, () => boolean | Promise<boolean>>;
}

export async function startApi({ config, queue, logger, registry, readiness = {} }: StartApiOptions) {
  const { app, tasks, storeKind } = await createApiServer({
    config,
    publisher: queue.publisher,
    queries: queue.queries,
    control: queue.control,
    logger,
    registry,
    readiness,
  });
  registerQueueDepthMetrics({ registry, depths: () => queue.depths(), log: logger });
  const deadLetters = TASK_TYPES.map(
    (type) =>
      new DeadLetterWorker({
        type,
        queue,
        log: logger,
        fail: failDeadLetteredTask(tasks, logger),
      }),
  );
  for (const worker of deadLetters) worker.run();
  const address = await app.listen({ port: config.port, host: config.host });
  logger.info({ address, queue: queue.kind, store: storeKind }, 'API listening');
  return {
    app,
    address,
    /** Stops the dead-letter consumers, then stops accepting, finishes in-flight requests and closes the stores. */
    close: async () => {
      await Promise.all(deadLetters.map((worker) => worker.close()));
      await app.close();
    },
  };
}
