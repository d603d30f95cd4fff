/** How many deliveries a worker settled with `decision`, from its queue metrics in `registry`. */
import type { Registry } from 'prom-client';

export async function settledCount(registry: Registry, decision: string): Promise<number> {
  const metric = await registry.getSingleMetric('conveyor_messages_settled_total')!.get();
  return metric.values.find((v) => v.labels.decision === decision)?.value ?? 0;
}
