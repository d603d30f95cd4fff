import type { TaskMessage } from '../contract/task.js';

/**
 * How the API hands an accepted task to the workers. `publish` resolves only once the queue has taken
 * responsibility for the message (for RabbitMQ: a publisher confirm); otherwise it rejects with
 * PublishError and the API answers 503.
 */
export interface TaskPublisher {
  publish(message: TaskMessage): Promise<void>;
  /** Whether the queue is reachable right now (for /readyz). */
  isReady(): boolean;
  close(): Promise<void>;
}

export class PublishError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PublishError';
  }
}
