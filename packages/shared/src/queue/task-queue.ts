/**
 * The queue as the worker runtime sees it, whatever carries the messages (RabbitMQ or the in-process queue):
 * deliveries of one task type with a prefetch window, and a decision per delivery that acks, requeues or
 * dead-letters it. Both implementations follow the semantics of a RabbitMQ quorum queue with a delivery limit.
 *
 * Each task type has two lanes (task-lane.ts): the publisher puts a message in the `first` or the `rest`
 * lane, and a consumer takes both, the first lane first. Each lane is FIFO, has the same delivery limit and
 * bound, and dead-letters to the type's one dead-letter queue.
 */
import type { TaskType } from '../contract/task.js';
import type { ControlBus } from './control-bus.js';
import type { TaskPublisher } from './task-publisher.js';
import type { WorkerQueries } from './worker-queries.js';

/** One delivery of a message to a consumer. */
export interface Delivery {
  /**
   * The message as published: the already-decoded JSON value when the transport decoded it, else the raw
   * bytes (a Buffer). Decode with decodeTaskMessage, which accepts both.
   */
  body: unknown;
  /** The broker's message id; the publisher sets it to the task id. */
  messageId: string | undefined;
  /** True when this message was delivered before and not acked (a consumer died or requeued it). */
  redelivered: boolean;
  /** 1 on the first delivery, 2 on the first redelivery, and so on. */
  deliveryCount: number;
}

/** A message that left its work queue without being acked, as seen on the dead-letter queue. */
export interface DeadLetter extends Delivery {
  /** Why it was dead-lettered: `delivery_limit` (requeued too often) or `rejected` (a consumer refused it). */
  reason: string;
  /** The task type whose work queue it came from. */
  type: TaskType;
  /** The work queue's delivery limit: a `delivery_limit` death means deliveryLimit + 1 deliveries failed. */
  deliveryLimit: number;
}

/**
 * What to do with a delivery once handled:
 * - `ack`: done, remove it from the queue;
 * - `requeue`: return it to the queue for another delivery (counts towards the delivery limit);
 * - `dead_letter`: reject it without requeue, moving it to the type's dead-letter queue.
 * A handler that throws is treated as `requeue`.
 */
export type DeliveryDecision = 'ack' | 'requeue' | 'dead_letter';

export type DeliveryHandler<D extends Delivery = Delivery, R = DeliveryDecision> = (delivery: D) => Promise<R>;

/**
 * What to do with a dead letter once handled:
 * - `ack`: its task is dealt with (failed, or already final), remove it;
 * - `requeue`: try again later (the API was unreachable);
 * - `park`: nobody can act on it (it names no task, or its token is refused): move it to the type's parking
 *   queue, where it stays for operators, counted in `conveyor_dead_letters_parked_total`.
 */
export type DeadLetterDecision = 'ack' | 'requeue' | 'park';

/**
 * A task type's backlog, for /metrics and for whoever scales the workers: what waits in its queues (not yet
 * delivered; a delivered, unsettled message is not counted) and how many workers consume its work.
 */
export interface QueueDepth {
  type: TaskType;
  /** Messages waiting in the work queue, both lanes. */
  waiting: number;
  /** Dead letters waiting for the API's dead-letter consumer to fail their tasks. */
  deadLetters: number;
  /** Dead letters nobody could act on, kept for operators (see DeadLetterDecision). */
  parked: number;
  /** Consumers of the work queue: one per worker process. */
  consumers: number;
}

export interface ConsumeOptions {
  /**
   * How many handlers may run at once, over both lanes of a task consumer. A task consumer may hold up to
   * `prefetch` more deliveries waiting for a slot (RabbitMQ's per-lane prefetch); those never start before
   * a free slot, and when one frees a waiting first-lane delivery starts before any rest-lane one.
   */
  prefetch: number;
}

export interface TaskConsumer {
  /**
   * Stops taking deliveries and waits for the handlers already running to settle (their decisions are
   * applied); messages received but not yet handed to the handler return to the queue.
   */
  close(): Promise<void>;
}

export interface TaskQueue {
  /** `rabbitmq` or `in-process`, for the log line that says which queue is in use. */
  readonly kind: 'rabbitmq' | 'in-process';
  readonly publisher: TaskPublisher;
  /** Questions to the workers (their catalogue), on the same transport as the tasks. */
  readonly queries: WorkerQueries;
  /** The broadcast beside the queue (cancels), on the same transport: a fanout on RabbitMQ, a set in-process. */
  readonly control: ControlBus;
  /**
   * Consumes both lanes of `type`: with a backlog in the rest lane, a first-lane message is handled next
   * (as soon as a slot frees), never behind the backlog.
   */
  consume(type: TaskType, handler: DeliveryHandler, options: ConsumeOptions): TaskConsumer;
  consumeDeadLetters(
    type: TaskType,
    handler: DeliveryHandler<DeadLetter, DeadLetterDecision>,
    options?: ConsumeOptions,
  ): TaskConsumer;
  /** Each task type's backlog and consumers (on RabbitMQ: a passive declare of each of its queues). */
  depths(): Promise<QueueDepth[]>;
  /** Whether the queue is usable right now (the broker connection is up); for /readyz. */
  isReady(): boolean;
  /** Closes the publisher and the connection; close consumers first. */
  close(): Promise<void>;
}
