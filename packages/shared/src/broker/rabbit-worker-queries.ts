/**
 * WorkerQueries on RabbitMQ: a question is a message on the type's catalogue queue with RabbitMQ's direct
 * reply-to (rabbitmq-client's RPCClient); the worker that takes it publishes its answer to the reply-to. No
 * reply queue is declared and nothing is acked by the asker; a question that waits past its expiration (the
 * asker's timeout) or the queue's TTL is dropped by the broker, so a late worker never answers a dead question.
 */
import type { Logger } from 'pino';
import type { Connection, RPCClient } from 'rabbitmq-client';
import { ConsumerStatus } from 'rabbitmq-client';
import type { TaskType } from '../contract/task.js';
import type { QueryOutcome, QueryResponder, QueryServer, WorkerQueries } from '../queue/worker-queries.js';
import { queueDeclareParams } from './rabbit-topology.js';
import type { Topology } from './topology.js';

export interface RabbitWorkerQueries extends WorkerQueries {
  close(): Promise<void>;
}

/** The question's body: versioned, so a worker can tell a question it does not know from one it does. */
const QUESTION = { question: 'catalogue', v: 1 } as const;

export function createRabbitWorkerQueries(
  connection: Connection,
  topology: Topology,
  log: Logger,
): RabbitWorkerQueries {
  // RPCClient fixes the time it waits, and each question's expiration, when it is made: one per timeout.
  const clients = new Map<number, RPCClient>();
  const servers = new Set<QueryServer>();

  function clientFor(timeoutMs: number): RPCClient {
    let client = clients.get(timeoutMs);
    if (!client) {
      client = connection.createRPCClient({ timeout: timeoutMs, maxAttempts: 1 });
      clients.set(timeoutMs, client);
    }
    return client;
  }

  async function ask(type: TaskType, timeoutMs: number): Promise<QueryOutcome> {
    // A down broker would hold the send for the connection's acquire timeout (seconds): answer at once.
    if (!connection.ready) return { outcome: 'unavailable', reason: 'RabbitMQ is not connected' };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<QueryOutcome>((resolve) => {
      // A little past the client's own timer, which normally settles first (and forgets the question).
      timer = setTimeout(() => resolve({ outcome: 'no_answer' }), timeoutMs + 100);
    });
    const sent = clientFor(timeoutMs)
      .send(topology.catalogueQueue(type), QUESTION)
      .then(
        (reply): QueryOutcome => ({ outcome: 'answered', body: reply.body }),
        (error: { code?: string; message?: string }): QueryOutcome =>
          error?.code === 'RPC_TIMEOUT'
            ? { outcome: 'no_answer' }
            : { outcome: 'unavailable', reason: error?.message ?? String(error) },
      );
    try {
      return await Promise.race([sent, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  function answer(type: TaskType, responder: QueryResponder): QueryServer {
    const declaration = topology.catalogueQueueDeclaration(type);
    const consumer = connection.createConsumer(
      {
        queue: declaration.queue,
        queueOptions: queueDeclareParams(declaration),
        qos: { prefetchCount: 1 },
        concurrency: 1,
        // A question is cheap to lose (the asker falls back after its timeout) and must never loop.
        requeue: false,
      },
      async (message, reply) => {
        if (!message.replyTo) return ConsumerStatus.DROP;
        try {
          const body: unknown = await responder();
          if (body !== undefined) await reply(body);
        } catch (error) {
          log.warn({ err: error, queue: declaration.queue }, 'answering a catalogue question failed');
        }
        return ConsumerStatus.ACK;
      },
    );
    consumer.on('error', (error: unknown) =>
      log.warn({ err: error, queue: declaration.queue }, 'RabbitMQ catalogue consumer error; recovering'),
    );
    const server: QueryServer = {
      close: async () => {
        servers.delete(server);
        await consumer.close();
      },
    };
    servers.add(server);
    return server;
  }

  return {
    ask,
    answer,
    async close() {
      await Promise.allSettled([...servers].map((server) => server.close()));
      await Promise.allSettled([...clients.values()].map((client) => client.close()));
      clients.clear();
    },
  };
}
