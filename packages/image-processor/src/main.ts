/** The image-processor as a standalone service on RabbitMQ. Only wiring. */
import { runWorkerMain } from '@conveyor/shared';
import { readImageProcessorConfig } from './config.js';
import { startImageProcessor } from './start-image-processor.js';

await runWorkerMain({
  service: 'image-processor',
  readConfig: () => readImageProcessorConfig(),
  start: startImageProcessor,
});
