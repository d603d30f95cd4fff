/**
 * The queues' backlog as Prometheus gauges, read from the queue when /metrics is scraped: what to scale the
 * workers on (`conveyor_queue_messages{state="waiting"}` against `conveyor_queue_consumers`), and dead
 * letters that wait or were parked. A scrape never waits long for the broker: when it does not answer within
 * `timeoutMs` (down, reconnecting), the scrape answers without these samples rather than hang or fail.
 */
import { type Logger, type QueueDepth, within } from '@conveyor/shared';
import { Gauge, type Registry } from 'prom-client';

export interface QueueDepthMetricsOptions {
  registry: Registry;
  depths: () => Promise<QueueDepth[]>;
  log: Logger;
  /** How long a scrape waits for the queue's answer. */
  timeoutMs?: number;
}

const STATES = { waiting: 'waiting', deadLetters: 'dead_letters', parked: 'parked' } as const;

export function registerQueueDepthMetrics({ registry, depths, log, timeoutMs = 1000 }: QueueDepthMetricsOptions) {
  // Each gauge reads the queue itself: a scrape (every 15 s or so) costs a few passive declares more, and
  // prom-client collects the two at once, so a queue that does not answer delays it by one timeout.
  const read = () =>
    within(depths(), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`)).catch((error: unknown) => {
      log.warn({ err: error }, 'queue depths unavailable; /metrics answers without them');
      return undefined;
    });
  new Gauge({
    name: 'conveyor_queue_messages',
    help: 'Messages waiting in the queues, by task type and state (waiting: not yet delivered to a worker)',
    labelNames: ['type', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const depth of (await read()) ?? []) {
        for (const [field, state] of Object.entries(STATES)) {
          this.set({ type: depth.type, state }, depth[field as keyof typeof STATES]);
        }
      }
    },
  });
  new Gauge({
    name: 'conveyor_queue_consumers',
    help: "Consumers of each task type's work queue: one per worker process",
    labelNames: ['type'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const depth of (await read()) ?? []) this.set({ type: depth.type }, depth.consumers);
    },
  });
}
