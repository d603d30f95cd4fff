/** The API service on its own: configuration, logger, queue, server, signals. Only wiring lives here. */
import {
  createLogger,
  createServiceRegistry,
  exitOnSignals,
  exitOnStartupError,
  openTaskQueue,
} from '@conveyor/shared';
import { readApiConfig } from './config.js';
import { startApi } from './start-api.js';

let config: ReturnType<typeof readApiConfig>;
try {
  config = readApiConfig();
} catch (error) {
  exitOnStartupError('api', error);
}
const logger = createLogger({ service: 'api', level: config.logLevel });
const registry = createServiceRegistry();
const queue = openTaskQueue(config.queue, logger, registry, 'conveyor-api');
if (queue.kind === 'in-process') {
  logger.warn("no workers share this process's in-process queue: set AMQP_URL, or run everything with `npm start`");
}
const api = await startApi({ config, queue, logger, registry }).catch((error) => exitOnStartupError('api', error));
exitOnSignals(logger, [api.close, () => queue.close()], config.shutdownGraceMs + 5000);
