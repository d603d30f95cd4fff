/**
 * The control bus: a broadcast from the API to every worker process, beside the task queue. It carries
 * `{kind: 'cancel', task_id}` so that a worker running a cancelled task stops it without polling the API per
 * task. Best effort by design: a message broadcast while a worker is not subscribed (disconnected, not yet
 * started) is not kept for it. That loses nothing, because the API has already made the task final before it
 * broadcasts: a worker that missed the cancel finishes the work, its final commit answers 409 and it acks.
 * RabbitMQ adapter: broker/rabbit-control-bus.ts (a fanout exchange); in-process: in-process-control-bus.ts.
 */
import { isTaskId } from '../contract/task-id.js';

export type ControlMessage = { kind: 'cancel'; task_id: string };

export type ControlListener = (message: ControlMessage) => void;

export interface ControlSubscription {
  /** Resolves once messages broadcast from now on reach the listener (the broker queue is bound). */
  ready(): Promise<void>;
  /** Stops listening; safe to call twice. */
  close(): Promise<void>;
}

export interface ControlBus {
  /**
   * Sends to every subscription of every process, this one's included. Resolves once the transport took it;
   * rejects when it did not (the caller logs it: see above why a lost broadcast is harmless).
   */
  broadcast(message: ControlMessage): Promise<void>;
  subscribe(listener: ControlListener): ControlSubscription;
}

export function encodeControlMessage(message: ControlMessage): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

/** The message, or undefined for anything else (a worker ignores what it does not understand). */
export function decodeControlMessage(body: unknown): ControlMessage | undefined {
  let value: unknown = body;
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    try {
      value = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : body);
    } catch {
      return undefined;
    }
  }
  const candidate = value as Partial<ControlMessage> | null;
  if (candidate?.kind === 'cancel' && typeof candidate.task_id === 'string' && isTaskId(candidate.task_id)) {
    return { kind: 'cancel', task_id: candidate.task_id };
  }
  return undefined;
}
