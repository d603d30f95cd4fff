/**
 * `npm start`: the API and both processors in one process. Without AMQP_URL they share an in-process queue
 * (the embedded mode: Conveyor runs on a machine without RabbitMQ); with AMQP_URL everything goes through
 * RabbitMQ, exactly as when the three run as separate services. Only wiring lives here.
 */
import { readApiConfig, startApi } from '@conveyor/api';
import { readCodeProcessorConfig, startCodeProcessor } from '@conveyor/code-processor';
import { readImageProcessorConfig, startImageProcessor } from '@conveyor/image-processor';
import { createLogger, exitOnSignals, exitOnStartupError, openTaskQueue } from '@conveyor/shared';
import { collectDefaultMetrics, Registry } from 'prom-client';

// The workers commit to this same process's API; their own health ports are off (the API's /readyz covers them).
const port = process.env.PORT ?? '8000';
const workerEnv = { API_URL: `http://127.0.0.1:${port}`, HEALTH_PORT: '-1', ...process.env };
let configs: ReturnType<typeof readConfigs>;
function readConfigs() {
  return {
    api: readApiConfig(),
    code: readCodeProcessorConfig({ ...workerEnv, HEALTH_PORT: '-1' }),
    image: readImageProcessorConfig({ ...workerEnv, HEALTH_PORT: '-1' }),
  };
}
try {
  configs = readConfigs();
} catch (error) {
  exitOnStartupError('conveyor', error);
}
const logger = createLogger({ service: 'conveyor', level: configs.api.logLevel });
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const queue = openTaskQueue(configs.api.queue, logger, registry, 'conveyor-all-in-one');

try {
  const code = await startCodeProcessor({
    config: configs.code,
    queue,
    log: logger.child({ service: 'code-processor' }),
    registry,
  });
  const image = await startImageProcessor({
    config: configs.image,
    queue,
    log: logger.child({ service: 'image-processor' }),
    registry,
  });
  const api = await startApi({
    config: configs.api,
    queue,
    logger: logger.child({ service: 'api' }),
    registry,
    readiness: { code_worker: code.isReady, image_worker: image.isReady },
  });
  exitOnSignals(
    logger,
    [api.close, code.close, image.close, () => queue.close()],
    configs.code.worker.shutdownGraceMs + 15_000,
  );
} catch (error) {
  exitOnStartupError('conveyor', error);
}
