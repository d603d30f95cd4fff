import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queueMetrics, startHealthServer } from '@conveyor/shared';
import { Registry } from 'prom-client';

describe('worker health server', () => {
  it('answers /healthz, /readyz (200/503 with details) and /metrics', async () => {
    const registry = new Registry();
    queueMetrics(registry).consumed.inc({ type: 'code' });
    let ready = false;
    const health = await startHealthServer({
      port: 0,
      check: () => ({ ready, details: { broker: ready ? 'connected' : 'disconnected' } }),
      registry,
    });
    try {
      assert.equal((await fetch(`${health.url}/healthz`)).status, 200);
      const notReady = await fetch(`${health.url}/readyz`);
      assert.equal(notReady.status, 503);
      assert.deepEqual(await notReady.json(), { status: 'not_ready', broker: 'disconnected' });
      ready = true;
      const readyNow = await fetch(`${health.url}/readyz`);
      assert.equal(readyNow.status, 200);
      assert.deepEqual(await readyNow.json(), { status: 'ready', broker: 'connected' });
      const metrics = await fetch(`${health.url}/metrics`);
      assert.match(await metrics.text(), /conveyor_messages_consumed_total\{type="code"\} 1/);
      assert.equal((await fetch(`${health.url}/nope`)).status, 404);
    } finally {
      await health.close();
    }
  });
});
