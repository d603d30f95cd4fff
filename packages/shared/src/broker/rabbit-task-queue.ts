/**
 * The TaskQueue on RabbitMQ: one connection that reconnects by itself, the topology declared at every
 * (re)connect, a confirming publisher, and consumers (rabbitmq-client's Consumer, which re-declares its
 * queue and resubscribes after a connection loss). A task consumer is two of them, one per lane, sharing
 * one LaneGate of `prefetch` slots that serves the first lane first. Unacked deliveries of a lost connection
 * are returned to the queue by the broker and redelivered, with their delivery count raised.
 */
import type { Logger } from 'pino';
import type { AsyncMessage, Connection, Publisher } from 'rabbitmq-client';
import { ConsumerStatus } from 'rabbitmq-client';
import type { TaskType } from '../contract/task.js';
import { LaneGate } from '../queue/lane-gate.js';
import type { QueueMetrics } from '../queue/queue-metrics.js';
import { TASK_LANES } from '../queue/task-lane.js';
import type {
  ConsumeOptions,
  DeadLetter,
  DeadLetterDecision,
  Delivery,
  DeliveryDecision,
  DeliveryHandler,
  QueueDepth,
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
  /**
   * Aborted at every (re)connect: deliveries still waiting for a slot came on a channel that is gone (the
   * broker has requeued them for a new one), so they must not start; see consume().
   */
  let sameConnection = new AbortController();
  connection.on('connection', () => {
    sameConnection.abort();
    sameConnection = new AbortController();
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

  /** Closed with the queue; untracked when closed first. */
  function track(consumer: TaskConsumer): TaskConsumer {
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
    consumer.on('error', (error: unknown) =>
      log.warn({ err: error, queue: declaration.queue }, 'RabbitMQ consumer error; recovering'),
    );
    return { close: () => consumer.close() };
  }

  /**
   * Both lanes of a type, through one LaneGate of `prefetch` slots. rabbitmq-client's Consumer takes one
   * queue, with its own channel, QoS and concurrency; so each lane gets a Consumer with prefetch (and
   * concurrency) `prefetch`, and the gate decides which waiting delivery runs when a slot frees. Why this
   * window: a lane alone can still fill every slot (an idle first lane costs nothing); at most `prefetch`
   * handlers run at once; and a worker holds at most `prefetch` deliveries waiting for a slot (a lane's
   * unacked deliveries beyond the ones running are bounded by the slots the other lane holds), so a busy
   * worker keeps few messages from idle ones. A smaller first-lane prefetch would save nothing: first-lane
   * messages are few by design, and each waits at most until the next slot frees.
   */
  function consume(type: TaskType, handler: DeliveryHandler, { prefetch }: ConsumeOptions): TaskConsumer {
    const gate = new LaneGate(prefetch);
    const lanes = TASK_LANES.map((lane) =>
      subscribe(
        topology.workQueueDeclaration(type, lane),
        topology.workQueueBinding(type, lane),
        prefetch,
        async (message) => {
          const connected = sameConnection.signal;
          const slot = await gate.acquire(lane, connected);
          // Closing, or the channel it came on is gone: never handed to the handler, it goes back to its
          // queue (on a lost channel the broker has already requeued it, and the nack goes nowhere).
          if (slot.kind === 'refused') return ConsumerStatus.REQUEUE;
          if (connected.aborted || !connection.ready) {
            slot.release();
            return ConsumerStatus.REQUEUE;
          }
          try {
            return STATUS[await handler(toDelivery(message))];
          } finally {
            slot.release();
          }
        },
      ),
    );
    return track({
      close: async () => {
        gate.close();
        await Promise.all(lanes.map((lane) => lane.close()));
      },
    });
  }

  /** The work queue (either lane) a dead letter died in, as the broker recorded it. */
  function firstDeathQueue(message: AsyncMessage, type: TaskType): string {
    const queue = message.headers?.['x-first-death-queue'];
    return typeof queue === 'string' ? queue : topology.workQueue(type);
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
          headers: { 'x-first-death-reason': reason, 'x-first-death-queue': firstDeathQueue(message, type) },
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
    return track(
      subscribe(
        topology.deadLetterQueueDeclaration(type),
        topology.deadLetterQueueBinding(type),
        prefetch,
        async (message) => {
          const reason = deathReason(message);
          if (!message.redelivered) metrics?.deadLettered.inc({ type, reason });
          const deadLetter: DeadLetter = {
            ...toDelivery(message),
            reason,
            type,
            deliveryLimit: topology.deliveryLimit,
          };
          const decision = await handler(deadLetter);
          if (decision === 'park') return park(type, message, reason);
          return decision === 'ack' ? ConsumerStatus.ACK : ConsumerStatus.REQUEUE;
        },
      ),
    );
  }

  /**
   * Each type's backlog from a passive declare of each of its queues, which answers a queue's ready messages
   * and consumers without changing it. Once the topology is declared (before, every queue would be missing),
   * and on a channel of its own: a queue an operator deleted answers 404, which closes the channel it was
   * asked on, and that must not be the channel the topology and the publisher share.
   */
  async function depths(): Promise<QueueDepth[]> {
    await waitForTopology();
    const channel = await connection.acquire();
    try {
      const inspect = (queue: string) => channel.queueDeclare({ queue, passive: true });
      const result: QueueDepth[] = [];
      for (const type of topology.types) {
        const lanes = [];
        for (const lane of TASK_LANES) lanes.push(await inspect(topology.workQueue(type, lane)));
        result.push({
          type,
          waiting: lanes.reduce((sum, lane) => sum + lane.messageCount, 0),
          deadLetters: (await inspect(topology.deadLetterQueue(type))).messageCount,
          parked: (await inspect(topology.parkingQueue(type))).messageCount,
          // A worker consumes every lane with a consumer of each: those of one lane are the workers.
          consumers: lanes[0]!.consumerCount,
        });
      }
      return result;
    } finally {
      await channel.close().catch(() => {});
    }
  }

  async function waitForTopology(): Promise<void> {
    await declared;
    // A reconnect may have replaced the promise while we waited; wait for the current one too.
    await declared;
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
    depths,
    isReady: () => connection.ready,
    declareTopology: waitForTopology,
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
