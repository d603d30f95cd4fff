/**
 * The queue's backlog at /metrics, and a scrape that still answers, within a timeout, when the queue cannot
 * (the broker down or not answering).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createInProcessTaskQueue, createLogger, type QueueDepth } from '@conveyor/shared';
import { Registry } from 'prom-client';
import { codeMessage } from '../../shared/test/support/task-messages.js';
import { registerQueueDepthMetrics } from '../src/ops/queue-depth-metrics.js';

const log = createLogger({ service: 'api-test', level: 'silent', pretty: false });

test("a scrape shows each type's waiting messages, dead letters and consumers", async () => {
  const queue = createInProcessTaskQueue();
  try {
    for (let i = 0; i < 3; i++) await queue.publisher.publish(codeMessage());
    const consumer = queue.consume('image', async () => 'ack', { prefetch: 1 });
    const registry = new Registry();
    registerQueueDepthMetrics({ registry, log, depths: () => queue.depths() });
    const text = await registry.metrics();
    assert.match(text, /^conveyor_queue_messages\{type="code",state="waiting"\} 3$/m);
    assert.match(text, /^conveyor_queue_messages\{type="code",state="dead_letters"\} 0$/m);
    assert.match(text, /^conveyor_queue_consumers\{type="image"\} 1$/m);
    assert.match(text, /^conveyor_queue_consumers\{type="code"\} 0$/m);
    await consumer.close();
  } finally {
    await queue.close();
  }
});

for (const [name, depths] of [
  ['fails', () => Promise.reject(new Error('the broker is down'))],
  ['does not answer', () => new Promise<QueueDepth[]>(() => {})],
] as const) {
  test(`when the queue ${name}, the scrape answers within its timeout, without the queue's samples`, async () => {
    const registry = new Registry();
    registerQueueDepthMetrics({ registry, log, depths, timeoutMs: 200 });
    const started = performance.now();
    const text = await registry.metrics();
    assert.ok(performance.now() - started < 1000, 'answered within about the timeout');
    assert.match(text, /# TYPE conveyor_queue_messages gauge/);
    assert.doesNotMatch(text, /^conveyor_queue_messages\{/m);
  });
}
