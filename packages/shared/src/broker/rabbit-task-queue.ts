/**
 * The TaskQueue on RabbitMQ: one connection that reconnects by itself, the topology declared at every
 * (re)connect, a confirming publisher, and consumers (rabbitmq-client's Consumer, which re-declares its
 * queue and resubscribes after a connection loss). Unacked deliveries of a lost connection are returned to
 * the queue by the broker and redelivered, with their delivery count raised.
 */
import type { Logger } from 'pino';
import type { AsyncMessage, Connection, Publisher } from 'rabbitmq-client';
import { ConsumerStatus } from 'rabbitmq-client';
import type { TaskType } from '../contract/task.js';
import type { QueueMetrics } from '../queue/queue-metrics.js';
import type {
  ConsumeOptions,
  DeadLetter,
  DeadLetterDecision,
  Delivery,
  DeliveryDecision,
  DeliveryHandler,
  TaskConsumer,
  TaskQueue,
} from '../queue/task-queue.js';
import { openRabbitConnection } from './rabbit-connection.js';
import { createRabbitControlBus } from './rabbit-control-bus.js';
import { createRabbitTaskPublisher, type RabbitTaskPublisherOptions } from './rabbit-task-publisher.js';
import { declareTopology, deleteTopology, queueDeclareParams } from './rabbit-topology.js';
import { createRabbitWorkerQueries } from './rabbit-worker-queries.js';
import {
  createTopology,
  type QueueBinding,
  type QueueDeclaration,
  type Topology,
  type TopologyOptions,
} from './topology.js';

export interface RabbitTaskQueueOptions extends TopologyOptions {
  url: string;
  log: Logger;
  metrics?: QueueMetrics;
  connectionName?: string;
  confirmTimeoutMs?: number;
  maxMessageBytes?: number;
  retryLowMs?: number;
  retryHighMs?: number;
}

export interface RabbitTaskQueue extends TaskQueue {
  readonly kind: 'rabbitmq';
  readonly connection: Connection;
  readonly topology: Topology;
  /** Resolves once the topology has been declared on the current connection (waits for the broker). */
  declareTopology(): Promise<void>;
  /** Deletes every queue and exchange of the topology; for tests and teardown. */
  deleteTopology(): Promise<void>;
}

const STATUS: Record<DeliveryDecision, ConsumerStatus> = {
  ack: ConsumerStatus.ACK,
  requeue: ConsumerStatus.REQUEUE,
  dead_letter: ConsumerStatus.DROP,
};

function toDelivery(message: AsyncMessage): Delivery {
  // Quorum queues count earlier deliveries that were returned in the x-delivery-count header.
  const returned = Number(message.headers?.['x-delivery-count'] ?? 0);
  return {
    body: message.body,
    messageId: message.messageId,
    redelivered: message.redelivered,
    deliveryCount: (Number.isFinite(returned) ? returned : 0) + 1,
  };
}

function deathReason(message: AsyncMessage): string {
  const headers = message.headers ?? {};
  const first = headers['x-first-death-reason'];
  if (typeof first === 'string') return first;
  const deaths = headers['x-death'];
  const reason = Array.isArray(deaths) ? (deaths[0] as { reason?: unknown } | undefined)?.reason : undefined;
  return typeof reason === 'string' ? reason : 'unknown';
}

export function createRabbitTaskQueue(options: RabbitTaskQueueOptions): RabbitTaskQueue {
  const { log, metrics } = options;
  const topology = createTopology(options);
  const connection = openRabbitConnection({
    url: options.url,
    log,
    connectionName: options.connectionName,
    retryLowMs: options.retryLowMs,
    retryHighMs: options.retryHighMs,
  });
  let declared: Promise<void> = new Promise((resolve) => {
    connection.once('connection', () => resolve());
  });
  // Whoever connects first declares everything; every reconnect declares again, in case the broker lost
  // it (a reset node) or an operator deleted a queue.
  connection.on('connection', () => {
    declared = declareTopology(connection, topology);
    declared.catch((error: unknown) => log.error({ err: error }, 'declaring the RabbitMQ topology failed'));
  });

  const publisherOptions: RabbitTaskPublisherOptions = {
    connection,
    topology,
    log,
    metrics,
    confirmTimeoutMs: options.confirmTimeoutMs,
    maxMessageBytes: options.maxMessageBytes,
  };
  const publisher = createRabbitTaskPublisher(publisherOptions);
  const queries = createRabbitWorkerQueries(connection, topology, log);
  const control = createRabbitControlBus({ connection, topology, log, confirmTimeoutMs: options.confirmTimeoutMs });
  const consumers = new Set<TaskConsumer>();

  function track(consumer: ReturnType<Connection['createConsumer']>, queue: string): TaskConsumer {
    consumer.on('error', (error: unknown) => log.warn({ err: error, queue }, 'RabbitMQ consumer error; recovering'));
    const handle: TaskConsumer = {
      close: async () => {
        consumers.delete(handle);
        await consumer.close();
      },
    };
    consumers.add(handle);
    return handle;
  }

  /** A consumer on one of the topology's queues, declaring and binding it as every process does. */
  function subscribe(
    declaration: QueueDeclaration,
    binding: QueueBinding,
    prefetch: number,
    onMessage: (message: AsyncMessage) => Promise<ConsumerStatus>,
  ): TaskConsumer {
    const consumer = connection.createConsumer(
      {
        queue: declaration.queue,
        queueOptions: queueDeclareParams(declaration),
        exchanges: topology.exchanges,
        queueBindings: [binding],
        qos: { prefetchCount: prefetch },
        concurrency: prefetch,
        requeue: true,
      },
      onMessage,
    );
    return track(consumer, declaration.queue);
  }

  function consume(type: TaskType, handler: DeliveryHandler, { prefetch }: ConsumeOptions): TaskConsumer {
    return subscribe(
      topology.workQueueDeclaration(type),
      topology.workQueueBinding(type),
      prefetch,
      async (message) => STATUS[await handler(toDelivery(message))],
    );
  }

  /** Confirms parked dead letters; opened on the first one (only the dead-letter consumer parks). */
  let parker: Publisher | undefined;

  /**
   * Moves a dead letter to its type's parking queue: published with a confirm first, acked from the
   * dead-letter queue only then, so it is never lost between the two; requeued if the publish fails.
   */
  async function park(type: TaskType, message: AsyncMessage, reason: string): Promise<ConsumerStatus> {
    parker ??= connection.createPublisher({
      confirm: true,
      maxAttempts: 2,
      queues: topology.types.map((t) => queueDeclareParams(topology.parkingQueueDeclaration(t))),
    });
    try {
      await parker.send(
        {
          exchange: '',
          routingKey: topology.parkingQueue(type),
          durable: true,
          messageId: message.messageId,
          contentType: message.contentType,
          type: message.type,
          // x-death is the broker's own bookkeeping; its first entry's reason and queue are what matter here.
          headers: { 'x-first-death-reason': reason, 'x-first-death-queue': topology.workQueue(type) },
        },
        message.body,
      );
    } catch (error) {
      log.error(
        { err: error, message_id: message.messageId, type },
        'parking a dead letter failed; kept in the dead-letter queue',
      );
      return ConsumerStatus.REQUEUE;
    }
    metrics?.parked.inc({ type, reason });
    log.error({ message_id: message.messageId, type, reason }, 'dead letter parked for operators');
    return ConsumerStatus.ACK;
  }

  function consumeDeadLetters(
    type: TaskType,
    handler: DeliveryHandler<DeadLetter, DeadLetterDecision>,
    { prefetch }: ConsumeOptions = { prefetch: 1 },
  ): TaskConsumer {
    return subscribe(
      topology.deadLetterQueueDeclaration(type),
      topology.deadLetterQueueBinding(type),
      prefetch,
      async (message) => {
        const reason = deathReason(message);
        if (!message.redelivered) metrics?.deadLettered.inc({ type, reason });
        const deadLetter: DeadLetter = { ...toDelivery(message), reason, type, deliveryLimit: topology.deliveryLimit };
        const decision = await handler(deadLetter);
        if (decision === 'park') return park(type, message, reason);
        return decision === 'ack' ? ConsumerStatus.ACK : ConsumerStatus.REQUEUE;
      },
    );
  }

  return {
    kind: 'rabbitmq',
    connection,
    topology,
    publisher,
    queries,
    control,
    consume,
    consumeDeadLetters,
    isReady: () => connection.ready,
    declareTopology: async () => {
      await declared;
      // A reconnect may have replaced the promise while we waited; wait for the current one too.
      await declared;
    },
    deleteTopology: () => deleteTopology(connection, topology),
    async close() {
      await Promise.allSettled([...consumers].map((consumer) => consumer.close()));
      await queries.close();
      await control.close();
      await parker?.close().catch(() => {});
      await publisher.close();
      await connection.close();
    },
  };
}
