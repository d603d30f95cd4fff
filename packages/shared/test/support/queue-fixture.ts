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
  /** Messages waiting to be delivered in a type's work or dead-letter queue. */
  readyCount(type: TaskType, which?: 'work' | 'dead' | 'parked'): Promise<number>;
  teardown(): Promise<void>;
}

export type QueueFixtureFactory = (options?: {
  deliveryLimit?: number;
  /** The start of the broker names, so a suite's leftovers can be told apart (default `test`). */
  prefixStem?: string;
}) => Promise<QueueFixture>;

export const testLog = (): Logger => createLogger({ service: 'test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export const inProcessFixture: QueueFixtureFactory = async ({ deliveryLimit = 2 } = {}) => {
  const registry = new Registry();
  const metrics = queueMetrics(registry);
  const log = testLog();
  const queue = createInProcessTaskQueue({ deliveryLimit, metrics, log });
  return {
    kind: 'in-process',
    prefix: '',
    deliveryLimit,
    log,
    registry,
    metrics,
    open: async () => queue,
    readyCount: async (type, which = 'work') => queue.depth(type, which),
    teardown: () => queue.close(),
  };
};

let runCounter = 0;

/** A unique name prefix per test so runs never see each other's queues. */
export function uniquePrefix(stem = 'test'): string {
  return `${stem}-${process.pid}-${Date.now().toString(36)}-${++runCounter}.`;
}

export const rabbitFixture: QueueFixtureFactory = async ({ deliveryLimit = 2, prefixStem } = {}) => {
  const registry = new Registry();
  const metrics = queueMetrics(registry);
  const log = testLog();
  const prefix = uniquePrefix(prefixStem);
  const topology = createTopology({ prefix, deliveryLimit });
  const admin = new Connection({ url: AMQP_URL, connectionName: `${prefix}admin` });
  admin.on('error', () => {});
  const opened: TaskQueue[] = [];
  let connections = 0;
  const open = async () => {
    const queue = createRabbitTaskQueue({
      url: AMQP_URL,
      prefix,
      deliveryLimit,
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
    async readyCount(type, which = 'work') {
      const queue =
        which === 'work'
          ? topology.workQueue(type)
          : which === 'dead'
            ? topology.deadLetterQueue(type)
            : topology.parkingQueue(type);
      const { messageCount } = await admin.queueDeclare({ queue, passive: true });
      return messageCount;
    },
    async teardown() {
      await Promise.allSettled(opened.map((queue) => queue.close()));
      await deleteTopology(admin, topology);
      await admin.close();
    },
  };
};
