/**
 * Fairness between users (issue #16): each task type has two lanes, and workers take from the `first` lane
 * before the `rest` lane. A task goes to the first lane when its owner had nothing else in flight at
 * admission, so one user's backlog (all in the rest lane after its first task) cannot hold another user's
 * first task for longer than it takes a worker slot to free. RabbitMQ 3.10's quorum queues have no message
 * priorities (4.0 adds them), so the lanes are two quorum queues rather than two priorities of one.
 */
export const TASK_LANES = ['first', 'rest'] as const;
export type TaskLane = (typeof TASK_LANES)[number];

/** The lane of a task whose owner had `inFlightBefore` other tasks queued or running when it was admitted. */
export function laneFor(inFlightBefore: number): TaskLane {
  return inFlightBefore === 0 ? 'first' : 'rest';
}
