/** Opens a RabbitMQ connection that reconnects by itself, logging instead of crashing on connection errors. */
import type { Logger } from 'pino';
import { Connection } from 'rabbitmq-client';

export interface RabbitConnectionOptions {
  url: string;
  log: Logger;
  /** Shown in the management UI and `rabbitmqctl list_connections client_properties`. */
  connectionName?: string;
  /** First reconnect delay step; reconnects back off exponentially up to retryHighMs. */
  retryLowMs?: number;
  retryHighMs?: number;
  /** How long an operation waits for the connection before failing. */
  acquireTimeoutMs?: number;
  heartbeatSeconds?: number;
}

export function openRabbitConnection(options: RabbitConnectionOptions): Connection {
  const { log } = options;
  const connection = new Connection({
    url: options.url,
    connectionName: options.connectionName ?? 'conveyor',
    retryLow: options.retryLowMs ?? 250,
    retryHigh: options.retryHighMs ?? 10_000,
    acquireTimeout: options.acquireTimeoutMs ?? 10_000,
    heartbeat: options.heartbeatSeconds ?? 30,
    connectionTimeout: 5000,
    // rabbitmq-client leaves Nagle on. A message over ~16 KB is written in two bursts (the socket's buffer
    // fills); Nagle then held the tail until the broker's delayed ACK, ~40 ms on every such publish.
    noDelay: true,
  });
  // The library reconnects on its own; an 'error' without a listener would crash the process.
  connection.on('error', (error: unknown) => log.warn({ err: error }, 'RabbitMQ connection error; reconnecting'));
  connection.on('connection', () => log.info({ broker: redactUrl(options.url) }, 'RabbitMQ connected'));
  connection.on('connection.blocked', (reason) => log.warn({ reason }, 'RabbitMQ blocked the connection'));
  connection.on('connection.unblocked', () => log.info('RabbitMQ unblocked the connection'));
  return connection;
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable AMQP URL)';
  }
}
