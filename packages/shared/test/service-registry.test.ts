/** The registry every service serves at /metrics: prom-client's process metrics, the event loop's delay included. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServiceRegistry } from '@conveyor/shared';

test("a service's registry carries the process metrics and samples the event loop's delay", async () => {
  const registry = createServiceRegistry();
  // Blocks the loop for 150 ms: a delay the sampler, one tick every 100 ms, must see.
  await sleep(250);
  const until = Date.now() + 150;
  while (Date.now() < until);
  await sleep(250);
  const text = await registry.metrics();
  assert.match(text, /^process_cpu_seconds_total \d/m);
  const max = Number(/^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1]);
  assert.ok(max >= 0.1, `the 150 ms block shows in the event loop's delay (max ${max} s)`);
});
