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
// One logger per service rather than children of one: a pino child adds its `service` next to the parent's,
// and a line with the key twice is not valid for strict JSON consumers.
const logFor = (service: string) => createLogger({ service, level: configs.api.logLevel });
const logger = logFor('conveyor');
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const queue = openTaskQueue(configs.api.queue, logger, registry, 'conveyor-all-in-one');

try {
  const code = await startCodeProcessor({
    config: configs.code,
    queue,
    log: logFor('code-processor'),
    registry,
  });
  const image = await startImageProcessor({
    config: configs.image,
    queue,
    log: logFor('image-processor'),
    registry,
  });
  const api = await startApi({
    config: configs.api,
    queue,
    logger: logFor('api'),
    registry,
    readiness: { code_worker: code.isReady, image_worker: image.isReady },
  });
  // Workers first: a task that ends within their grace period commits to this API, which must still be up
  // (in embedded mode a task sent back to the queue would be lost with the process). Then the API, then the queue.
  exitOnSignals(
    logger,
    [() => Promise.all([code.close(), image.close()]), api.close, () => queue.close()],
    configs.code.worker.shutdownGraceMs + 15_000,
  );
} catch (error) {
  exitOnStartupError('conveyor', error);
}
