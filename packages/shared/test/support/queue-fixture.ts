/** One way to get TaskQueues for the shared contract suite: RabbitMQ (a fresh prefix per test) or in-process. */
import {
  createInProcessTaskQueue,
  createLogger,
  createRabbitTaskQueue,
  createTopology,
  deleteTopology,
  type Logger,
  type QueueMetrics,
  queueMetrics,
  TASK_LANES,
  type TaskLane,
  type TaskQueue,
  type TaskType,
} from '@conveyor/shared';
import { Registry } from 'prom-client';
import { Connection } from 'rabbitmq-client';

export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export interface QueueFixture {
  kind: 'rabbitmq' | 'in-process';
  /** The run's name prefix on the broker (queues, exchanges, connection names); '' in-process. */
  prefix: string;
  deliveryLimit: number;
  log: Logger;
  registry: Registry;
  metrics: QueueMetrics;
  /** A TaskQueue as another process would open it on the same queues (the same instance in-process). */
  open(): Promise<TaskQueue>;
  /** Messages waiting to be delivered in a type's work queue (both lanes, or the one named), dead-letter or parking queue. */
  readyCount(type: TaskType, which?: 'work' | 'dead' | 'parked', lane?: TaskLane): Promise<number>;
  teardown(): Promise<void>;
}

export interface QueueFixtureOptions {
  deliveryLimit?: number;
  /** Each work queue's bound (x-max-length); the topology's default when unset, unbounded in-process. */
  maxLength?: number;
  /** The broker's name prefix (RabbitMQ only); a fresh uniquePrefix() unless given. */
  prefix?: string;
}

export type QueueFixtureFactory = (options?: QueueFixtureOptions) => Promise<QueueFixture>;

export const testLog = (): Logger => createLogger({ service: 'test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export const inProcessFixture: QueueFixtureFactory = async ({ deliveryLimit = 2, maxLength } = {}) => {
  const registry = new Registry();
  const metrics = queueMetrics(registry);
  const log = testLog();
  const queue = createInProcessTaskQueue({ deliveryLimit, maxLength, metrics, log });
  return {
    kind: 'in-process',
    prefix: '',
    deliveryLimit,
    log,
    registry,
    metrics,
    open: async () => queue,
    readyCount: async (type, which = 'work', lane) => queue.depth(type, which, lane),
    teardown: () => queue.close(),
  };
};

let runCounter = 0;

/**
 * A unique name prefix per test so runs never see each other's queues; it starts with `word`, or else
 * TEST_QUEUE_PREFIX (default `test`), so whoever shares the broker can tell whose leftovers are whose.
 */
export function uniquePrefix(word = process.env.TEST_QUEUE_PREFIX ?? 'test'): string {
  return `${word}-${process.pid}-${Date.now().toString(36)}-${++runCounter}.`;
}

export const rabbitFixture: QueueFixtureFactory = async ({
  deliveryLimit = 2,
  maxLength,
  prefix = uniquePrefix(),
} = {}) => {
  const registry = new Registry();
  const metrics = queueMetrics(registry);
  const log = testLog();
  const topology = createTopology({ prefix, deliveryLimit, maxLength });
  const admin = new Connection({ url: AMQP_URL, connectionName: `${prefix}admin` });
  admin.on('error', () => {});
  const opened: TaskQueue[] = [];
  let connections = 0;
  const open = async () => {
    const queue = createRabbitTaskQueue({
      url: AMQP_URL,
      prefix,
      deliveryLimit,
      maxLength,
      log,
      metrics,
      connectionName: `${prefix}conn${++connections}`,
      retryLowMs: 100,
      retryHighMs: 1000,
    });
    opened.push(queue);
    await queue.declareTopology();
    return queue;
  };
  return {
    kind: 'rabbitmq',
    prefix,
    deliveryLimit,
    log,
    registry,
    metrics,
    open,
    async readyCount(type, which = 'work', lane) {
      const queues =
        which === 'work'
          ? (lane ? [lane] : TASK_LANES).map((l) => topology.workQueue(type, l))
          : [which === 'dead' ? topology.deadLetterQueue(type) : topology.parkingQueue(type)];
      let count = 0;
      for (const queue of queues) count += (await admin.queueDeclare({ queue, passive: true })).messageCount;
      return count;
    },
    async teardown() {
      await Promise.allSettled(opened.map((queue) => queue.close()));
      await deleteTopology(admin, topology);
      await admin.close();
    },
  };
};
