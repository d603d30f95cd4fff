/**
 * Prometheus metrics of the task queue, for the producer (the API) and the consumers (the workers).
 * Get-or-create on the registry passed in, so the API and the workers can share one registry when they run
 * in one process (the embedded mode) without registering a metric twice.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * How the worker runtime ends a delivery, the `outcome` label: the task's own `ready` or `failed`, or why it
 * was not (yet) finished here.
 */
export const SETTLEMENT_OUTCOMES = [
  'ready',
  'failed',
  'already_final',
  'unknown_task',
  'invalid',
  'refused',
  'handler_error',
  'api_unavailable',
  'abandoned',
  'cancelled',
  'error',
] as const;
export type SettlementOutcome = (typeof SETTLEMENT_OUTCOMES)[number];

export interface QueueMetrics {
  published: Counter<'type'>;
  confirmed: Counter<'type'>;
  returned: Counter<'type'>;
  publishFailed: Counter<'type'>;
  consumed: Counter<'type'>;
  redelivered: Counter<'type'>;
  deadLettered: Counter<'type' | 'reason'>;
  /** Dead letters nobody could act on, moved to the parking queue (by the reason they died). */
  parked: Counter<'type' | 'reason'>;
  /** How each delivery ended: ack, requeue or dead_letter. */
  settled: Counter<'type' | 'decision'>;
  processingSeconds: Histogram<'type' | 'outcome'>;
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function histogram<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
  buckets: number[],
): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}

export function queueMetrics(registry: Registry): QueueMetrics {
  return {
    published: counter(registry, 'conveyor_messages_published_total', 'Task messages sent to the queue', ['type']),
    confirmed: counter(
      registry,
      'conveyor_messages_confirmed_total',
      'Task messages the queue confirmed (taken responsibility for)',
      ['type'],
    ),
    returned: counter(
      registry,
      'conveyor_messages_returned_total',
      'Task messages returned by the broker as unroutable (no queue bound)',
      ['type'],
    ),
    publishFailed: counter(
      registry,
      'conveyor_messages_publish_failed_total',
      'Task messages not confirmed: broker down, nacked, returned or confirm timed out',
      ['type'],
    ),
    consumed: counter(registry, 'conveyor_messages_consumed_total', 'Task message deliveries to workers', ['type']),
    redelivered: counter(
      registry,
      'conveyor_messages_redelivered_total',
      'Task message deliveries that were redeliveries (a worker died, or requeued the message)',
      ['type'],
    ),
    deadLettered: counter(
      registry,
      'conveyor_messages_dead_lettered_total',
      'Task messages that reached a dead-letter queue',
      ['type', 'reason'],
    ),
    parked: counter(
      registry,
      'conveyor_dead_letters_parked_total',
      'Dead letters that name no task or carry a refused token, kept in the parking queue for operators',
      ['type', 'reason'],
    ),
    settled: counter(registry, 'conveyor_messages_settled_total', 'Task message deliveries by how they ended', [
      'type',
      'decision',
    ]),
    processingSeconds: histogram(
      registry,
      'conveyor_task_processing_seconds',
      `Time from delivery to settling, by task type and outcome (${SETTLEMENT_OUTCOMES.join(', ')})`,
      ['type', 'outcome'],
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    ),
  };
}
