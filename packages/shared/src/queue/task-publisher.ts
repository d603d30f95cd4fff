import type { TaskMessage } from '../contract/task.js';
import type { TaskLane } from './task-lane.js';

/**
 * How the API hands an accepted task to the workers. `publish` resolves only once the queue has taken
 * responsibility for the message (for RabbitMQ: a publisher confirm); otherwise it rejects with
 * PublishError and the API answers 503.
 */
export interface TaskPublisher {
  /** Into the `lane` of the message's type (task-lane.ts); the rest lane when not named. */
  publish(message: TaskMessage, lane?: TaskLane): Promise<void>;
  /** Whether the queue is reachable right now (for /readyz). */
  isReady(): boolean;
  close(): Promise<void>;
}

export class PublishError extends Error {
  /** The queue is at its length bound and refused the message (RabbitMQ's reject-publish nack). */
  readonly queueFull: boolean;
  constructor(message: string, options?: { cause?: unknown; queueFull?: boolean }) {
    super(message, options);
    this.name = 'PublishError';
    this.queueFull = options?.queueFull ?? false;
  }
}
