/**
 * Every image task has a deadline, enforced in the worker: a chain that would hold a worker for a long time
 * ends `failed` with `time_limit`, the filter thread is terminated, and the next task still runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { createImageTaskHandler } from '../src/index.js';
import { imageTask } from './png-samples.js';
import { taskContext } from './task-context.js';

async function noisePng(width: number, height: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

const bomb = Array.from({ length: 10 }, () => ({ name: 'Sharpen', parameters: { sigma: 50 } }));

describe('image task deadline', () => {
  for (const filterThreads of [1, 0]) {
    it(`a chain past its deadline fails with time_limit (${filterThreads ? 'filter thread' : 'calling thread'})`, async () => {
      const handler = createImageTaskHandler({
        maxBytes: 10_000_000,
        maxPixels: 10_000_000,
        filterThreads,
        deadlineMs: 2000,
      });
      try {
        const outcome = await handler(imageTask(await noisePng(1000, 1000), bomb), taskContext());
        assert.equal(outcome.status, 'failed');
        assert.equal(outcome.status === 'failed' && outcome.error.code, 'time_limit');
        // The worker (and its pool: a Blur runs in a filter thread, unlike a leading FlipX, done while
        // decoding) still serves the next task.
        const next = await handler(
          imageTask(await noisePng(8, 8), [{ name: 'Blur', parameters: { sigma: 1 } }]),
          taskContext(),
        );
        assert.equal(next.status, 'ready', JSON.stringify(next));
      } finally {
        await handler.close();
      }
    });
  }

  it('a shutdown is not a time_limit: the task goes back to the queue (the handler throws)', async () => {
    const handler = createImageTaskHandler({
      maxBytes: 10_000_000,
      maxPixels: 10_000_000,
      filterThreads: 1,
      deadlineMs: 60_000,
    });
    try {
      const stop = new AbortController();
      setTimeout(() => stop.abort(new Error('shutting down')), 200);
      await assert.rejects(handler(imageTask(await noisePng(1000, 1000), bomb), taskContext(stop.signal)));
    } finally {
      await handler.close();
    }
  });

  it('a shutdown mid-chain stops the filter thread: the handler throws the shutdown, not a result', async () => {
    const handler = createImageTaskHandler({ maxBytes: 10_000_000, maxPixels: 10_000_000, filterThreads: 1 });
    try {
      const stop = new AbortController();
      const reason = new Error('shutting down');
      // The pool listens on the task's signal when it hands the job to its thread: from then on the chain runs
      // there, and it runs for seconds. Aborting a little later is aborting mid-chain.
      const listen = stop.signal.addEventListener.bind(stop.signal);
      stop.signal.addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => {
        listen(...args);
        setTimeout(() => stop.abort(reason), 300);
      }) as AbortSignal['addEventListener'];
      await assert.rejects(handler(imageTask(await noisePng(1000, 1000), bomb), taskContext(stop.signal)), reason);
    } finally {
      await handler.close();
    }
  });
});
