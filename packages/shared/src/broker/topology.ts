/**
 * The RabbitMQ topology: one durable direct exchange for tasks, two quorum work queues per task type, one per
 * lane (task-lane.ts): `conveyor.tasks.<type>` (the rest lane, routing key `<type>`) and
 * `conveyor.tasks.<type>.first` (the first lane, routing key `<type>.first`), alike in everything else: a
 * delivery limit and a dead-letter exchange feeding one dead-letter queue per type, and one parking queue per
 * type where dead letters nobody can act on are kept for operators. Besides the
 * tasks, a small classic queue per worker kind that answers questions (`conveyor.catalogue.code`: the API asks,
 * one code worker answers to the question's reply-to; see queue/worker-queries.ts), and a fanout exchange for
 * the control bus (cancels broadcast to every worker).
 * Pure data: the declarations are plain objects the rabbitmq-client methods take, so every process declares
 * exactly the same thing (a mismatch in queue arguments would make RabbitMQ refuse the declaration).
 */
import { TASK_TYPES, type TaskType } from '../contract/task.js';
import { TASK_LANES, type TaskLane } from '../queue/task-lane.js';

export interface TopologyOptions {
  /**
   * Prepended to every name with a dot (`ft` gives `ft.conveyor.tasks.code`; `ft.` is the same prefix);
   * isolates test runs or several deployments on one vhost. Dot-separated words of [A-Za-z0-9_-].
   */
  prefix?: string;
  /** Deliveries allowed beyond the first before a message is dead-lettered (RabbitMQ's x-delivery-limit). */
  deliveryLimit?: number;
  /** Messages a work queue holds at most (x-max-length); past it a publish is refused (reject-publish). */
  maxLength?: number;
  types?: readonly TaskType[];
}

export const DEFAULT_DELIVERY_LIMIT = 5;

/** The worker kinds that answer catalogue questions (only code workers have a sandbox image to describe). */
export const CATALOGUE_TYPES: readonly TaskType[] = ['code'];
/**
 * A question older than this is dropped by the broker: its asker gave up long before (it waits about 2 s),
 * so a worker that comes back after an outage does not answer a backlog nobody awaits.
 */
export const CATALOGUE_MESSAGE_TTL_MS = 10_000;
/** Questions kept at most while no worker takes them; past it the oldest goes (drop-head). */
export const CATALOGUE_QUEUE_MAX_LENGTH = 100;
export const DEFAULT_QUEUE_MAX_LENGTH = 10_000;

export interface ExchangeDeclaration {
  exchange: string;
  type: 'direct' | 'fanout';
  durable: true;
}

export interface QueueDeclaration {
  queue: string;
  durable: true;
  arguments: Record<string, string | number>;
}

export interface QueueBinding {
  queue: string;
  exchange: string;
  routingKey: string;
}

export interface Topology {
  prefix: string;
  deliveryLimit: number;
  types: readonly TaskType[];
  taskExchange: string;
  deadLetterExchange: string;
  /**
   * The control bus (queue/control-bus.ts): a fanout every worker process binds its own exclusive,
   * auto-delete, server-named queue to, so one message reaches all of them (a cancel).
   */
  controlExchange: string;
  /** A lane's work queue; the rest lane's when no lane is named (the queue tasks used before lanes). */
  workQueue(type: TaskType, lane?: TaskLane): string;
  /** The routing key that reaches a lane's work queue on the task exchange. */
  routingKey(type: TaskType, lane: TaskLane): string;
  deadLetterQueue(type: TaskType): string;
  /** Where the dead-letter consumer keeps dead letters it cannot act on (no task, a refused token). */
  parkingQueue(type: TaskType): string;
  /** Where questions to the workers of a type go (by the default exchange); see CATALOGUE_TYPES. */
  catalogueQueue(type: TaskType): string;
  exchanges: ExchangeDeclaration[];
  /**
   * Parking, dead-letter and work queues, in that order (each must exist before anything moves into it),
   * then the catalogue queues.
   */
  queues: QueueDeclaration[];
  bindings: QueueBinding[];
  workQueueDeclaration(type: TaskType, lane?: TaskLane): QueueDeclaration;
  workQueueBinding(type: TaskType, lane?: TaskLane): QueueBinding;
  deadLetterQueueDeclaration(type: TaskType): QueueDeclaration;
  deadLetterQueueBinding(type: TaskType): QueueBinding;
  parkingQueueDeclaration(type: TaskType): QueueDeclaration;
  catalogueQueueDeclaration(type: TaskType): QueueDeclaration;
}

const PREFIX_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const PREFIX_MAX_LENGTH = 63;

/** The prefix as names use it (`ft.`, or '' for none); throws naming the rule when it is not a name. */
export function normalizeQueuePrefix(prefix: string): string {
  const bare = prefix.endsWith('.') ? prefix.slice(0, -1) : prefix;
  if (bare === '') return '';
  if (!PREFIX_PATTERN.test(bare) || bare.length > PREFIX_MAX_LENGTH) {
    throw new Error(
      `the queue prefix ${JSON.stringify(prefix.slice(0, 120))} must be up to ${PREFIX_MAX_LENGTH} characters of dot-separated words of A-Z a-z 0-9 _ -`,
    );
  }
  return `${bare}.`;
}

export function createTopology(options: TopologyOptions = {}): Topology {
  const prefix = normalizeQueuePrefix(options.prefix ?? '');
  const deliveryLimit = options.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT;
  if (!Number.isInteger(deliveryLimit) || deliveryLimit < 0) {
    throw new Error(`deliveryLimit must be a non-negative integer, got ${deliveryLimit}`);
  }
  const maxLength = options.maxLength ?? DEFAULT_QUEUE_MAX_LENGTH;
  const types = options.types ?? TASK_TYPES;
  const taskExchange = `${prefix}conveyor.tasks`;
  const deadLetterExchange = `${prefix}conveyor.dlx`;
  const controlExchange = `${prefix}conveyor.control`;
  const workQueue = (type: TaskType, lane: TaskLane = 'rest') =>
    lane === 'rest' ? `${prefix}conveyor.tasks.${type}` : `${prefix}conveyor.tasks.${type}.${lane}`;
  const routingKey = (type: TaskType, lane: TaskLane) => (lane === 'rest' ? type : `${type}.${lane}`);
  const deadLetterQueue = (type: TaskType) => `${prefix}conveyor.dead.${type}`;
  const parkingQueue = (type: TaskType) => `${prefix}conveyor.parked.${type}`;
  const catalogueQueue = (type: TaskType) => `${prefix}conveyor.catalogue.${type}`;

  // Both lanes alike: the same delivery limit, dead-letter queue (by the type's routing key) and bound.
  const workQueueDeclaration = (type: TaskType, lane: TaskLane = 'rest'): QueueDeclaration => ({
    queue: workQueue(type, lane),
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': deliveryLimit,
      'x-dead-letter-exchange': deadLetterExchange,
      'x-dead-letter-routing-key': type,
      // at-least-once dead-lettering: the work queue keeps a dead message until the dead-letter queue has
      // confirmed it, so a task is never lost between the two. RabbitMQ requires reject-publish with it.
      'x-dead-letter-strategy': 'at-least-once',
      // Also the queue's bound: past x-max-length the broker nacks a publish, and the API answers 503.
      'x-overflow': 'reject-publish',
      'x-max-length': maxLength,
    },
  });
  const deadLetterQueueDeclaration = (type: TaskType): QueueDeclaration => ({
    queue: deadLetterQueue(type),
    durable: true,
    arguments: { 'x-queue-type': 'quorum' },
  });
  const parkingQueueDeclaration = (type: TaskType): QueueDeclaration => ({
    queue: parkingQueue(type),
    durable: true,
    arguments: { 'x-queue-type': 'quorum' },
  });
  // Classic, not quorum: a question is worth nothing after a few seconds, so it needs no replication, and a
  // message TTL drops what nobody took (quorum queues of RabbitMQ 3.10 have no per-message TTL).
  const catalogueQueueDeclaration = (type: TaskType): QueueDeclaration => ({
    queue: catalogueQueue(type),
    durable: true,
    arguments: {
      'x-queue-type': 'classic',
      'x-message-ttl': CATALOGUE_MESSAGE_TTL_MS,
      'x-max-length': CATALOGUE_QUEUE_MAX_LENGTH,
      'x-overflow': 'drop-head',
    },
  });
  const workQueueBinding = (type: TaskType, lane: TaskLane = 'rest'): QueueBinding => ({
    queue: workQueue(type, lane),
    exchange: taskExchange,
    routingKey: routingKey(type, lane),
  });
  const everyLane = <T>(make: (type: TaskType, lane: TaskLane) => T) =>
    types.flatMap((type) => TASK_LANES.map((lane) => make(type, lane)));
  const deadLetterQueueBinding = (type: TaskType): QueueBinding => ({
    queue: deadLetterQueue(type),
    exchange: deadLetterExchange,
    routingKey: type,
  });

  return {
    prefix,
    deliveryLimit,
    types,
    taskExchange,
    deadLetterExchange,
    controlExchange,
    workQueue,
    routingKey,
    deadLetterQueue,
    parkingQueue,
    catalogueQueue,
    exchanges: [
      { exchange: taskExchange, type: 'direct', durable: true },
      { exchange: deadLetterExchange, type: 'direct', durable: true },
      { exchange: controlExchange, type: 'fanout', durable: true },
    ],
    queues: [
      ...types.map(parkingQueueDeclaration),
      ...types.map(deadLetterQueueDeclaration),
      ...everyLane(workQueueDeclaration),
      ...types.filter((type) => CATALOGUE_TYPES.includes(type)).map(catalogueQueueDeclaration),
    ],
    bindings: [...types.map(deadLetterQueueBinding), ...everyLane(workQueueBinding)],
    workQueueDeclaration,
    workQueueBinding,
    deadLetterQueueDeclaration,
    deadLetterQueueBinding,
    parkingQueueDeclaration,
    catalogueQueueDeclaration,
  };
}
