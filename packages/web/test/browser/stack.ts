/**
 * Conveyor for the browser tests, as `npm start` runs it: the API serving the built web app, on an
 * in-process queue, with a real code-processor (Docker sandbox) and image-processor (sharp) in this process.
 */
import { readApiConfig, startApi } from '@conveyor/api';
import { readCodeProcessorConfig, startCodeProcessor } from '@conveyor/code-processor';
import { readImageProcessorConfig, startImageProcessor } from '@conveyor/image-processor';
import { createLogger, createRabbitTaskQueue, openTaskQueue } from '@conveyor/shared';
import { Registry } from 'prom-client';

const log = createLogger({ service: 'web-test', level: process.env.TEST_LOG_LEVEL ?? 'silent', pretty: false });

export interface RunningStack {
  base: string;
  close: () => Promise<void>;
}

export async function startStack(): Promise<RunningStack> {
  const env = { PORT: '0', BCRYPT_COST: '4', LOGIN_FAILURES_PER_MINUTE: '100', REGISTRATIONS_PER_MINUTE: '600' };
  const config = readApiConfig(env);
  const registry = new Registry();
  const queue = openTaskQueue(config.queue, log, registry, 'conveyor-web-test');
  const api = await startApi({ config, queue, logger: log, registry });
  const workerEnv = { ...env, API_URL: api.address, HEALTH_PORT: '-1', CONCURRENCY: '2' };
  const code = await startCodeProcessor({ config: readCodeProcessorConfig(workerEnv), queue, log, registry });
  const image = await startImageProcessor({ config: readImageProcessorConfig(workerEnv), queue, log, registry });
  return {
    base: api.address,
    close: async () => {
      await api.close();
      await code.close();
      await image.close();
      await queue.close();
    },
  };
}

/**
 * The API alone with its broker unreachable (nothing listens on port 1): POST /task is a real 503
 * queue_unavailable after the publish timeout, as in test/stack.test.ts.
 */
export async function startApiWithBrokerDown(): Promise<RunningStack> {
  const config = readApiConfig({
    AMQP_URL: 'amqp://guest:guest@127.0.0.1:1',
    PORT: '0',
    BCRYPT_COST: '4',
    PUBLISH_TIMEOUT: '1s',
  });
  const queue = createRabbitTaskQueue({ url: config.queue.amqpUrl!, log, connectionName: 'conveyor-web-test-down' });
  const api = await startApi({ config, queue, logger: log, registry: new Registry() });
  return {
    base: api.address,
    close: async () => {
      await api.close();
      await queue.close();
    },
  };
}
