/** Declares (idempotently) and deletes the topology on a RabbitMQ connection. */
import type { Cmd, Connection, MethodParams } from 'rabbitmq-client';
import type { QueueDeclaration, Topology } from './topology.js';

type QueueDeclareParams = MethodParams[Cmd.QueueDeclare];

/** The declaration as rabbitmq-client types it (its argument map narrows a few well-known keys). */
export function queueDeclareParams(declaration: QueueDeclaration): QueueDeclareParams {
  return declaration as QueueDeclareParams;
}

/**
 * Declares exchanges, queues and bindings. Safe to run from every process at every (re)connect: declaring
 * what exists with the same arguments is a no-op. Fails with PRECONDITION_FAILED when a queue exists with
 * other arguments (say, another delivery limit): delete it or use another prefix.
 */
export async function declareTopology(connection: Connection, topology: Topology): Promise<void> {
  for (const exchange of topology.exchanges) await connection.exchangeDeclare(exchange);
  for (const queue of topology.queues) await connection.queueDeclare(queueDeclareParams(queue));
  for (const binding of topology.bindings) await connection.queueBind(binding);
}

/** Deletes every queue and exchange of the topology (messages in them are lost); for tests and teardown. */
export async function deleteTopology(connection: Connection, topology: Topology): Promise<void> {
  for (const queue of [...topology.queues].reverse()) await connection.queueDelete({ queue: queue.queue });
  for (const exchange of topology.exchanges) await connection.exchangeDelete({ exchange: exchange.exchange });
}
