/** Starts the image-processor on a task queue: libvips threads split between the images at once, and the worker. */
import { type Logger, startWorkerService, type TaskQueue } from '@conveyor/shared';
import type { Registry } from 'prom-client';
import type { ImageProcessorConfig } from './config.js';
import { createImageTaskHandler } from './process-image-task.js';
import { configureSharp } from './sharp-settings.js';

export interface StartImageProcessorOptions {
  config: ImageProcessorConfig;
  queue: TaskQueue;
  log: Logger;
  registry: Registry;
}

export async function startImageProcessor({ config, queue, log, registry }: StartImageProcessorOptions) {
  const { threadsPerImage } = configureSharp({ imagesAtOnce: config.worker.concurrency });
  // The filters run on a pool of threads, one per image at once, so a big blur never blocks the event loop.
  const handler = createImageTaskHandler({
    ...config.limits,
    filterThreads: config.worker.concurrency,
    deadlineMs: config.deadlineMs,
  });
  const service = await startWorkerService({
    type: 'image',
    handler,
    queue,
    settings: config.worker,
    log,
    registry,
    // Every image task ends by its deadline; far past it, the worker is wedged and /healthz says so.
    stallLimitMs: config.deadlineMs + 2 * 60_000,
  });
  log.info({ concurrency: config.worker.concurrency, threads_per_image: threadsPerImage }, 'image-processor started');
  return {
    ...service,
    close: async () => {
      await service.close();
      await handler.close();
    },
  };
}
