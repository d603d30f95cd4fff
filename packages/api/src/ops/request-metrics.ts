/**
 * HTTP request counts (by route, method and status code) and latency histograms (by route and method) for
 * Prometheus. prom-client's Counter and Histogram turn each call's label object into a key string, validate
 * it, and find the histogram's bucket by a number key: ~4 µs of every request (GET /status under load, issue
 * #12). Here a request costs a map lookup by one string and a few additions; the samples are built when
 * /metrics is scraped, in the shape prom-client's own metrics give the registry, which writes them out.
 */
import type { Metric, Registry } from 'prom-client';

/** What a prom-client registry asks of a metric (its declared type names only its own classes). */
interface CollectedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: 'sum';
    values: Array<{ metricName?: string; labels: Record<string, string | number>; value: number }>;
  }>;
  reset(): void;
}

interface RouteLatency {
  route: string;
  method: string;
  /** Observations per bucket, not cumulative; the last counts those above every bound. */
  perBucket: number[];
  sum: number;
  count: number;
}

interface RouteCount {
  route: string;
  method: string;
  status: number;
  count: number;
}

export interface RequestMetricsOptions {
  registry: Registry;
  counterName: string;
  counterHelp: string;
  histogramName: string;
  histogramHelp: string;
  /** Upper bounds of the latency buckets, in seconds, ascending. */
  buckets: readonly number[];
}

export class RequestMetrics {
  private readonly counts = new Map<string, RouteCount>();
  private readonly latencies = new Map<string, RouteLatency>();
  private readonly buckets: readonly number[];

  constructor(options: RequestMetricsOptions) {
    this.buckets = options.buckets;
    const counter: CollectedMetric = {
      name: options.counterName,
      help: options.counterHelp,
      type: 'counter',
      aggregator: 'sum',
      get: async () => ({ ...this.describe(counter), values: this.countSamples() }),
      reset: () => this.counts.clear(),
    };
    const histogram: CollectedMetric = {
      name: options.histogramName,
      help: options.histogramHelp,
      type: 'histogram',
      aggregator: 'sum',
      get: async () => ({ ...this.describe(histogram), values: this.latencySamples(histogram.name) }),
      reset: () => this.latencies.clear(),
    };
    // The registry reads a metric through get() and reset() alone.
    options.registry.registerMetric(counter as unknown as Metric);
    options.registry.registerMetric(histogram as unknown as Metric);
  }

  record(route: string, method: string, status: number, seconds: number): void {
    const key = `${method} ${route}`;
    let latency = this.latencies.get(key);
    if (!latency) {
      latency = { route, method, perBucket: new Array(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.latencies.set(key, latency);
    }
    let bucket = 0;
    while (bucket < this.buckets.length && seconds > this.buckets[bucket]!) bucket++;
    latency.perBucket[bucket]!++;
    latency.sum += seconds;
    latency.count++;

    const countKey = `${status} ${key}`;
    const count = this.counts.get(countKey);
    if (count) count.count++;
    else this.counts.set(countKey, { route, method, status, count: 1 });
  }

  private describe(metric: CollectedMetric) {
    return { name: metric.name, help: metric.help, type: metric.type, aggregator: metric.aggregator };
  }

  private countSamples() {
    return [...this.counts.values()].map(({ route, method, status, count }) => ({
      labels: { route, method, status_code: status },
      value: count,
    }));
  }

  private latencySamples(name: string) {
    const samples: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
    for (const { route, method, perBucket, sum, count } of this.latencies.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += perBucket[i]!;
        samples.push({ metricName: `${name}_bucket`, labels: { le: bound, route, method }, value: cumulative });
      });
      samples.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', route, method }, value: count });
      samples.push({ metricName: `${name}_sum`, labels: { route, method }, value: sum });
      samples.push({ metricName: `${name}_count`, labels: { route, method }, value: count });
    }
    return samples;
  }
}
