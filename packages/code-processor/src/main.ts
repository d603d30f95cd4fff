/** The code-processor service on its own: configuration, logger, queue, worker, signals. Only wiring. */
import { createLogger, exitOnSignals, exitOnStartupError, openTaskQueue } from '@conveyor/shared';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { type CodeProcessorConfig, readCodeProcessorConfig } from './config.js';
import { startCodeProcessor } from './start-code-processor.js';

let config: CodeProcessorConfig;
try {
  config = readCodeProcessorConfig();
  if (!config.worker.queue.amqpUrl)
    throw new Error('AMQP_URL is required (or run everything in one process with `npm start`)');
} catch (error) {
  exitOnStartupError('code-processor', error);
}
const log = createLogger({ service: 'code-processor', level: config.worker.logLevel });
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const queue = openTaskQueue(config.worker.queue, log, registry, 'conveyor-code-processor');
const service = await startCodeProcessor({ config, queue, log, registry }).catch((error) =>
  exitOnStartupError('code-processor', error),
);
exitOnSignals(log, [service.close, () => queue.close()], config.worker.shutdownGraceMs + 10_000);
