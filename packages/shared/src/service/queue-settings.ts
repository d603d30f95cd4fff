/**
 * The queue settings every Conveyor process reads the same way: AMQP_URL picks RabbitMQ (unset: the
 * in-process queue of the embedded mode), the rest names and limits the topology.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { redactUrl } from '../broker/rabbit-connection.js';
import { createRabbitTaskQueue } from '../broker/rabbit-task-queue.js';
import { normalizeQueuePrefix } from '../broker/topology.js';
import type { EnvReader } from '../config.js';
import { createInProcessTaskQueue } from '../queue/in-process-task-queue.js';
import { queueMetrics } from '../queue/queue-metrics.js';
import type { TaskQueue } from '../queue/task-queue.js';
import { SETTINGS } from '../settings/settings-table.js';

export interface QueueSettings {
  /** RabbitMQ's URL; undefined = the in-process queue. */
  amqpUrl: string | undefined;
  /** Prepended to every exchange and queue name with a dot (default none), to run several deployments on one vhost. */
  prefix: string;
  deliveryLimit: number;
  /** Messages a work queue holds at most; past it POST /task is 503 with Retry-After. */
  maxLength: number;
  /** The broker's max_message_size; the API checks its largest task fits. */
  maxMessageBytes: number;
  confirmTimeoutMs: number;
}

export function readQueueSettings(read: EnvReader): QueueSettings {
  return {
    amqpUrl: read.setting(SETTINGS.AMQP_URL),
    prefix: queuePrefix(read),
    deliveryLimit: read.setting(SETTINGS.DELIVERY_LIMIT),
    maxLength: read.setting(SETTINGS.QUEUE_MAX_LENGTH),
    maxMessageBytes: read.setting(SETTINGS.AMQP_MAX_MESSAGE_BYTES),
    confirmTimeoutMs: read.setting(SETTINGS.PUBLISH_TIMEOUT),
  };
}

function queuePrefix(read: EnvReader): string {
  const prefix = read.setting(SETTINGS.QUEUE_PREFIX);
  try {
    return normalizeQueuePrefix(prefix);
  } catch (error) {
    read.fail(`QUEUE_PREFIX: ${(error as Error).message}`);
    return '';
  }
}

/** Opens the queue the settings name and logs which one is in use. */
export function openTaskQueue(
  settings: QueueSettings,
  log: Logger,
  registry: Registry,
  connectionName: string,
): TaskQueue {
  const metrics = queueMetrics(registry);
  if (!settings.amqpUrl) {
    log.info({ queue: 'in-process' }, 'AMQP_URL is not set: using the in-process queue (embedded mode)');
    return createInProcessTaskQueue({
      deliveryLimit: settings.deliveryLimit,
      maxMessageBytes: settings.maxMessageBytes,
      maxLength: settings.maxLength,
      metrics,
      log,
    });
  }
  log.info({ queue: 'rabbitmq', url: redactUrl(settings.amqpUrl), prefix: settings.prefix }, 'using RabbitMQ');
  return createRabbitTaskQueue({
    url: settings.amqpUrl,
    log,
    metrics,
    // The prefix names the connection too, so an operator (or a fault test) can tell deployments apart.
    connectionName: `${settings.prefix}${connectionName}`,
    prefix: settings.prefix,
    deliveryLimit: settings.deliveryLimit,
    maxLength: settings.maxLength,
    maxMessageBytes: settings.maxMessageBytes,
    confirmTimeoutMs: settings.confirmTimeoutMs,
  });
}
