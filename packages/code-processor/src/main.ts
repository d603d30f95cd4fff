/** The code-processor as a standalone service on RabbitMQ. Only wiring. */
import { runWorkerMain } from '@conveyor/shared';
import { readCodeProcessorConfig } from './config.js';
import { startCodeProcessor } from './start-code-processor.js';

await runWorkerMain({
  service: 'code-processor',
  readConfig: () => readCodeProcessorConfig(),
  start: startCodeProcessor,
});
