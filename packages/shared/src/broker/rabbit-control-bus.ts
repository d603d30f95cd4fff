/**
 * The control bus on RabbitMQ: the topology's fanout exchange `<prefix>conveyor.control`. Each subscription
 * is a consumer on its own exclusive, auto-delete, server-named queue bound to it, so every worker process
 * hears every broadcast and the queue vanishes with its connection (nothing piles up for a dead worker).
 * Messages are transient and unacked (noAck): a control message is only worth something now; one sent while
 * a subscriber was reconnecting is lost to it, which control-bus.ts explains is harmless.
 */
import type { Logger } from 'pino';
import type { Connection } from 'rabbitmq-client';
import {
  type ControlBus,
  type ControlListener,
  type ControlMessage,
  type ControlSubscription,
  decodeControlMessage,
  encodeControlMessage,
} from '../queue/control-bus.js';
import { within } from '../within.js';
import { DEFAULT_CONFIRM_TIMEOUT_MS } from './rabbit-task-publisher.js';
import type { Topology } from './topology.js';

export interface RabbitControlBusOptions {
  connection: Connection;
  topology: Topology;
  log: Logger;
  /** How long a broadcast waits for the broker's confirm. */
  confirmTimeoutMs?: number;
}

export interface RabbitControlBus extends ControlBus {
  /** Closes the publisher and every subscription still open. */
  close(): Promise<void>;
}

export function createRabbitControlBus(options: RabbitControlBusOptions): RabbitControlBus {
  const { connection, topology, log } = options;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS;
  const exchange = topology.exchanges.find((e) => e.exchange === topology.controlExchange)!;
  const subscriptions = new Set<ControlSubscription>();
  let publisher: ReturnType<Connection['createPublisher']> | undefined;

  async function broadcast(message: ControlMessage): Promise<void> {
    if (!connection.ready) throw new Error('RabbitMQ is not connected');
    // Opened on the first broadcast: only the API broadcasts, the workers only listen.
    publisher ??= connection.createPublisher({ confirm: true, maxAttempts: 2, exchanges: [exchange] });
    const sent = publisher.send(
      { exchange: topology.controlExchange, routingKey: '', durable: false, contentType: 'application/json' },
      encodeControlMessage(message),
    );
    await within(
      sent,
      confirmTimeoutMs,
      () => new Error(`RabbitMQ did not confirm the control message within ${confirmTimeoutMs} ms`),
    );
  }

  function subscribe(listener: ControlListener): ControlSubscription {
    const consumer = connection.createConsumer(
      {
        // '' asks the broker for a fresh name; a binding to '' names the queue last declared on the channel.
        queue: '',
        queueOptions: { exclusive: true, autoDelete: true, durable: false },
        exchanges: [exchange],
        queueBindings: [{ queue: '', exchange: topology.controlExchange, routingKey: '' }],
        noAck: true,
      },
      async (delivery) => {
        const message = decodeControlMessage(delivery.body);
        if (message) listener(message);
        else log.warn({ exchange: topology.controlExchange }, 'ignored a control message it does not understand');
      },
    );
    consumer.on('error', (error: unknown) => log.warn({ err: error }, 'control bus consumer error; recovering'));
    const ready = new Promise<void>((resolve) => consumer.once('ready', () => resolve()));
    const subscription: ControlSubscription = {
      ready: () => ready,
      close: async () => {
        subscriptions.delete(subscription);
        await consumer.close();
      },
    };
    subscriptions.add(subscription);
    return subscription;
  }

  return {
    broadcast,
    subscribe,
    async close() {
      await Promise.allSettled([...subscriptions].map((s) => s.close()));
      await publisher?.close().catch(() => {});
    },
  };
}
