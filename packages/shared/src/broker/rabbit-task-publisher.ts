/**
 * The API's side of RabbitMQ: publishes each task message with publisher confirms, persistent, `mandatory`
 * so an unroutable message comes back as an error instead of vanishing. `publish` resolves only after the
 * broker confirmed; otherwise it rejects with PublishError within a bounded time, so POST /task can answer
 * 503 instead of hanging.
 */
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Connection } from 'rabbitmq-client';
import type { TaskMessage } from '../contract/task.js';
import type { QueueMetrics } from '../queue/queue-metrics.js';
import type { TaskLane } from '../queue/task-lane.js';
import { encodeTaskMessage, TASK_MESSAGE_CONTENT_TYPE } from '../queue/task-message-codec.js';
import { PublishError, type TaskPublisher } from '../queue/task-publisher.js';
import { within } from '../within.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './message-size.js';
import { queueDeclareParams } from './rabbit-topology.js';
import type { Topology } from './topology.js';

export const DEFAULT_CONFIRM_TIMEOUT_MS = 5000;

export interface RabbitTaskPublisherOptions {
  connection: Connection;
  topology: Topology;
  log: Logger;
  metrics?: QueueMetrics;
  /** How long to wait for the broker's confirm before giving up with PublishError. */
  confirmTimeoutMs?: number;
  /** Messages larger than this are refused before sending (the broker would close the channel on them). */
  maxMessageBytes?: number;
}

export function createRabbitTaskPublisher(options: RabbitTaskPublisherOptions): TaskPublisher {
  const { connection, topology, log, metrics } = options;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const publisher = connection.createPublisher({
    confirm: true,
    // One retry covers a channel that closed under us while the connection is fine; the confirm timeout
    // bounds the total either way.
    maxAttempts: 2,
    exchanges: topology.exchanges,
    queues: topology.queues.map(queueDeclareParams),
    queueBindings: topology.bindings,
  });
  /** Publishes awaiting their confirm, by message id, and whether the broker returned them as unroutable. */
  const inFlight = new Map<string, { returned: boolean }>();
  let closed = false;

  publisher.on('basic.return', (returned) => {
    const entry = returned.messageId ? inFlight.get(returned.messageId) : undefined;
    if (entry) entry.returned = true;
    metrics?.returned.inc({ type: returned.type ?? 'unknown' });
    log.error(
      { message_id: returned.messageId, routing_key: returned.routingKey, reply: returned.replyText },
      'RabbitMQ returned a task message as unroutable',
    );
  });
  publisher.on('retry', (error: unknown) => log.warn({ err: error }, 'publish failed; retrying once'));

  async function publish(message: TaskMessage, lane: TaskLane = 'rest'): Promise<void> {
    const type = message.type;
    if (closed) throw new PublishError('the task publisher is closed');
    if (!connection.ready) {
      metrics?.publishFailed.inc({ type });
      throw new PublishError('RabbitMQ is not connected');
    }
    const body = encodeTaskMessage(message);
    if (body.length > maxMessageBytes) {
      metrics?.publishFailed.inc({ type });
      throw new PublishError(
        `task message is ${body.length} bytes, over the broker's maximum message size of ${maxMessageBytes} bytes`,
      );
    }
    const entry = { returned: false };
    inFlight.set(message.task_id, entry);
    metrics?.published.inc({ type });
    const sent = publisher.send(
      {
        exchange: topology.taskExchange,
        routingKey: topology.routingKey(type, lane),
        mandatory: true,
        durable: true, // persistent: deliveryMode 2
        messageId: message.task_id,
        contentType: TASK_MESSAGE_CONTENT_TYPE,
        type,
        appId: 'conveyor',
      },
      body,
    );
    try {
      await within(
        sent,
        confirmTimeoutMs,
        () => new PublishError(`RabbitMQ did not confirm the task message within ${confirmTimeoutMs} ms`),
      );
      // The broker sends basic.return before the ack of an unroutable message, but the client emits the
      // return on a later macrotask than it resolves the confirm; wait one so the return is seen.
      await nextMacrotask();
      if (entry.returned) {
        throw new PublishError(
          `no queue is bound for task type ${type} (${lane} lane) on exchange ${topology.taskExchange}`,
        );
      }
      metrics?.confirmed.inc({ type });
    } catch (error) {
      metrics?.publishFailed.inc({ type });
      if (error instanceof PublishError) throw error;
      // The work queues are declared with x-max-length + reject-publish: a nack means the queue is full.
      if ((error as { code?: unknown }).code === 'NACK') {
        throw new PublishError(`the ${type} queue's ${lane} lane is full (the broker refused the message)`, {
          cause: error,
          queueFull: true,
        });
      }
      throw new PublishError(`RabbitMQ did not accept the task message: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      inFlight.delete(message.task_id);
    }
  }

  return {
    publish,
    isReady: () => !closed && connection.ready,
    async close() {
      closed = true;
      try {
        // Waits for outstanding confirms, then closes the channel.
        await publisher.close();
      } catch (error) {
        // A channel whose setup failed (say, the broker went away) has nothing left to close.
        log.warn({ err: error }, 'closing the RabbitMQ publisher failed');
      }
    },
  };
}
