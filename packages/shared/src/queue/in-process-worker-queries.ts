/**
 * WorkerQueries inside one process (the embedded mode, `npm start` without AMQP_URL): a question goes to the
 * answering servers of its type in turn, as RabbitMQ spreads a queue's messages over its consumers. An answer
 * is a JSON copy, so the asker never shares an object with the worker, as over the wire.
 */
import type { TaskType } from '../contract/task.js';
import type { QueryOutcome, QueryResponder, QueryServer, WorkerQueries } from './worker-queries.js';

export interface InProcessWorkerQueries extends WorkerQueries {
  /** Refuses questions and answers from now on (the queue closed). */
  close(): void;
}

export function createInProcessWorkerQueries(): InProcessWorkerQueries {
  const responders = new Map<TaskType, QueryResponder[]>();
  const turns = new Map<TaskType, number>();
  let closed = false;

  async function ask(type: TaskType, timeoutMs: number): Promise<QueryOutcome> {
    if (closed) return { outcome: 'unavailable', reason: 'the in-process queue is closed' };
    const servers = responders.get(type) ?? [];
    if (servers.length === 0) return { outcome: 'no_answer' };
    const turn = turns.get(type) ?? 0;
    turns.set(type, turn + 1);
    const responder = servers[turn % servers.length]!;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<QueryOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ outcome: 'no_answer' }), timeoutMs);
    });
    const answered = (async (): Promise<QueryOutcome> => {
      const body: unknown = await responder();
      // Through JSON, as a broker would carry it (and undefined, which JSON cannot carry, is no answer).
      if (body === undefined) return { outcome: 'no_answer' };
      return { outcome: 'answered', body: JSON.parse(JSON.stringify(body)) };
    })().catch((): QueryOutcome => ({ outcome: 'no_answer' }));
    try {
      return await Promise.race([answered, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  function answer(type: TaskType, responder: QueryResponder): QueryServer {
    if (closed) throw new Error('the in-process queue is closed');
    const servers = responders.get(type) ?? [];
    servers.push(responder);
    responders.set(type, servers);
    return {
      close: async () => {
        const index = servers.indexOf(responder);
        if (index >= 0) servers.splice(index, 1);
      },
    };
  }

  return {
    ask,
    answer,
    close() {
      closed = true;
      responders.clear();
    },
  };
}
