/**
 * The TaskQueue inside one process, for running Conveyor without RabbitMQ (the embedded mode). It keeps the
 * semantics the worker runtime relies on, modelled on a RabbitMQ quorum queue: FIFO per task type and lane
 * (a consumer takes the first lane before the rest lane, as a RabbitMQ consumer's LaneGate does), a
 * prefetch window per consumer over both lanes, a requeued message goes back to the head of its lane with
 * its delivery count raised, a message returned more than `deliveryLimit` times or rejected goes to its type's
 * dead-letter queue, and a dead letter the consumer parks goes to its type's parking queue. Messages live in memory only: a process restart loses what was queued (RabbitMQ is the
 * durable option).
 */
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Logger } from 'pino';
import { TASK_TYPES, type TaskMessage, type TaskType } from '../contract/task.js';
import { createInProcessControlBus } from './in-process-control-bus.js';
import { createInProcessWorkerQueries } from './in-process-worker-queries.js';
import type { QueueMetrics } from './queue-metrics.js';
import type { TaskLane } from './task-lane.js';
import { encodeTaskMessage } from './task-message-codec.js';
import { PublishError, type TaskPublisher } from './task-publisher.js';
import type {
  ConsumeOptions,
  DeadLetter,
  DeadLetterDecision,
  Delivery,
  DeliveryDecision,
  DeliveryHandler,
  TaskConsumer,
  TaskQueue,
} from './task-queue.js';

export interface InProcessTaskQueueOptions {
  /** Deliveries allowed beyond the first before a message is dead-lettered; as RabbitMQ's x-delivery-limit. */
  deliveryLimit?: number;
  /** Refuse larger messages, as the broker would (keeps the two modes alike); unlimited when unset. */
  maxMessageBytes?: number;
  /**
   * Refuse a publish while this many messages wait in its lane, as RabbitMQ's x-max-length + reject-publish
   * on each lane's queue; unlimited when unset.
   */
  maxLength?: number;
  metrics?: QueueMetrics;
  log?: Logger;
  types?: readonly TaskType[];
}

interface StoredMessage {
  body: Buffer;
  messageId: string;
  /** Work queues only; a dead letter's is `rest` (dead letters of both lanes share one queue). */
  lane: TaskLane;
  /** Times it was delivered and returned to the queue without an ack. */
  returns: number;
  deathReason?: string;
}

interface ConsumerState {
  handler: (message: StoredMessage) => Promise<DeliveryDecision>;
  prefetch: number;
  running: Set<Promise<void>>;
  closed: boolean;
}

/**
 * One FIFO per lane with their consumers, who take from the first lane while it has messages;
 * `onDeadLetter` receives what it rejects or gives up on.
 */
class MessageQueue {
  private readonly lanes: Record<TaskLane, StoredMessage[]> = { first: [], rest: [] };
  private readonly consumers: ConsumerState[] = [];
  private nextConsumer = 0;
  private dispatchScheduled = false;

  constructor(
    private readonly deliveryLimit: number | undefined,
    private readonly onDeadLetter: (message: StoredMessage, reason: string) => void,
  ) {}

  enqueue(message: StoredMessage, atHead = false): void {
    if (atHead) this.lanes[message.lane].unshift(message);
    else this.lanes[message.lane].push(message);
    this.scheduleDispatch();
  }

  /** Messages waiting in one lane, or in both. */
  depth(lane?: TaskLane): number {
    return lane ? this.lanes[lane].length : this.lanes.first.length + this.lanes.rest.length;
  }

  get consumerCount(): number {
    return this.consumers.length;
  }

  addConsumer(handler: ConsumerState['handler'], prefetch: number): TaskConsumer {
    if (!Number.isInteger(prefetch) || prefetch < 1) throw new Error(`prefetch must be a positive integer`);
    const state: ConsumerState = { handler, prefetch, running: new Set(), closed: false };
    this.consumers.push(state);
    this.scheduleDispatch();
    return {
      close: async () => {
        state.closed = true;
        const index = this.consumers.indexOf(state);
        if (index >= 0) this.consumers.splice(index, 1);
        await Promise.allSettled([...state.running]);
      },
    };
  }

  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    // Deliver on a later macrotask, as a broker would: never inside publish() or a handler's settlement.
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.depth() > 0) {
      const consumer = this.pickConsumer();
      if (!consumer) return;
      const message = (this.lanes.first.shift() ?? this.lanes.rest.shift())!;
      const run = this.deliver(consumer, message);
      consumer.running.add(run);
      run.finally(() => {
        consumer.running.delete(run);
        this.scheduleDispatch();
      });
    }
  }

  /** Round-robin over consumers with room in their prefetch window. */
  private pickConsumer(): ConsumerState | undefined {
    for (let i = 0; i < this.consumers.length; i++) {
      const index = (this.nextConsumer + i) % this.consumers.length;
      const consumer = this.consumers[index]!;
      if (!consumer.closed && consumer.running.size < consumer.prefetch) {
        this.nextConsumer = index + 1;
        return consumer;
      }
    }
    return undefined;
  }

  private async deliver(consumer: ConsumerState, message: StoredMessage): Promise<void> {
    let decision: DeliveryDecision;
    try {
      decision = await consumer.handler(message);
    } catch {
      decision = 'requeue';
    }
    if (decision === 'ack') return;
    if (decision === 'dead_letter') {
      this.onDeadLetter(message, 'rejected');
      return;
    }
    message.returns += 1;
    if (this.deliveryLimit !== undefined && message.returns > this.deliveryLimit) {
      this.onDeadLetter(message, 'delivery_limit');
      return;
    }
    // Quorum queues hand a returned message out again before newer ones.
    this.enqueue(message, true);
  }
}

export interface InProcessTaskQueue extends TaskQueue {
  readonly kind: 'in-process';
  /**
   * Messages waiting (not delivered) in a type's work queue (both lanes, or the one named), dead-letter or
   * parking queue; for tests and metrics.
   */
  depth(type: TaskType, which?: 'work' | 'dead' | 'parked', lane?: TaskLane): number;
}

/** The message as it enters a dead-letter or parking queue: delivered afresh, one lane for both. */
function deadLetterOf(message: StoredMessage, reason: string): StoredMessage {
  return { body: message.body, messageId: message.messageId, lane: 'rest', returns: 0, deathReason: reason };
}

export function createInProcessTaskQueue(options: InProcessTaskQueueOptions = {}): InProcessTaskQueue {
  const deliveryLimit = options.deliveryLimit ?? 5;
  const { metrics, log } = options;
  const types = options.types ?? TASK_TYPES;
  const deadQueues = new Map<TaskType, MessageQueue>();
  const parkingQueues = new Map<TaskType, MessageQueue>();
  const workQueues = new Map<TaskType, MessageQueue>();
  const consumers = new Set<TaskConsumer>();
  let closed = false;
  const queries = createInProcessWorkerQueries();

  for (const type of types) {
    // Nothing consumes the parking queue: what lands there stays for operators.
    const parking = new MessageQueue(undefined, () => {});
    parkingQueues.set(type, parking);
    const dead = new MessageQueue(undefined, (message) => {
      const reason = message.deathReason ?? 'unknown';
      parking.enqueue(deadLetterOf(message, reason));
      metrics?.parked.inc({ type, reason });
      log?.error({ message_id: message.messageId, type, reason }, 'dead letter parked for operators');
    });
    deadQueues.set(type, dead);
    workQueues.set(
      type,
      new MessageQueue(deliveryLimit, (message, reason) => {
        dead.enqueue(deadLetterOf(message, reason));
      }),
    );
  }

  function queueOf(map: Map<TaskType, MessageQueue>, type: TaskType): MessageQueue {
    const queue = map.get(type);
    if (!queue) throw new Error(`no queue for task type ${JSON.stringify(type)}`);
    return queue;
  }

  function toDelivery(message: StoredMessage): Delivery {
    return {
      body: message.body,
      messageId: message.messageId,
      redelivered: message.returns > 0,
      deliveryCount: message.returns + 1,
    };
  }

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

  const publisher: TaskPublisher = {
    async publish(message: TaskMessage, lane: TaskLane = 'rest') {
      if (closed) throw new PublishError('the in-process queue is closed');
      const queue = workQueues.get(message.type);
      if (!queue) throw new PublishError(`no queue is bound for task type ${JSON.stringify(message.type)}`);
      const body = encodeTaskMessage(message);
      if (options.maxMessageBytes !== undefined && body.length > options.maxMessageBytes) {
        metrics?.publishFailed.inc({ type: message.type });
        throw new PublishError(
          `task message is ${body.length} bytes, over the maximum message size of ${options.maxMessageBytes} bytes`,
        );
      }
      if (options.maxLength !== undefined && queue.depth(lane) >= options.maxLength) {
        metrics?.publishFailed.inc({ type: message.type });
        throw new PublishError(
          `the ${message.type} queue's ${lane} lane holds its maximum of ${options.maxLength} messages`,
          { queueFull: true },
        );
      }
      metrics?.published.inc({ type: message.type });
      queue.enqueue({ body, messageId: message.task_id, lane, returns: 0 });
      metrics?.confirmed.inc({ type: message.type });
      // Let the caller's continuation run after the enqueue, as it would after a broker confirm.
      await nextMacrotask();
    },
    isReady: () => !closed,
    async close() {
      closed = true;
    },
  };

  return {
    kind: 'in-process',
    publisher,
    queries,
    control: createInProcessControlBus(),
    consume(type: TaskType, handler: DeliveryHandler, { prefetch }: ConsumeOptions) {
      if (closed) throw new Error('the in-process queue is closed');
      return track(queueOf(workQueues, type).addConsumer((message) => handler(toDelivery(message)), prefetch));
    },
    consumeDeadLetters(
      type: TaskType,
      handler: DeliveryHandler<DeadLetter, DeadLetterDecision>,
      { prefetch }: ConsumeOptions = { prefetch: 1 },
    ) {
      if (closed) throw new Error('the in-process queue is closed');
      return track(
        queueOf(deadQueues, type).addConsumer(async (message) => {
          const reason = message.deathReason ?? 'unknown';
          if (message.returns === 0) metrics?.deadLettered.inc({ type, reason });
          const decision = await handler({ ...toDelivery(message), reason, type, deliveryLimit });
          // A parked dead letter leaves the dead-letter queue as a rejected message leaves a work queue.
          return decision === 'park' ? 'dead_letter' : decision;
        }, prefetch),
      );
    },
    isReady: () => !closed,
    depths: async () =>
      types.map((type) => ({
        type,
        waiting: queueOf(workQueues, type).depth(),
        deadLetters: queueOf(deadQueues, type).depth(),
        parked: queueOf(parkingQueues, type).depth(),
        consumers: queueOf(workQueues, type).consumerCount,
      })),
    depth: (type, which = 'work', lane) =>
      queueOf(which === 'work' ? workQueues : which === 'dead' ? deadQueues : parkingQueues, type).depth(lane),
    async close() {
      closed = true;
      queries.close();
      await Promise.allSettled([...consumers].map((consumer) => consumer.close()));
    },
  };
}
