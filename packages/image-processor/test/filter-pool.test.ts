/**
 * Filters in worker threads: the same pictures as on the calling thread, several images at once, and a
 * closed pool refuses work.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createImageTaskHandler, FilterPool, gaussianBlur, type RawImage } from '../src/index.js';
import { imageTask, makePng } from './png-samples.js';
import { taskContext } from './task-context.js';

function picture(width: number, height: number, channels: RawImage['channels']): RawImage {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
  return { data, width, height, channels };
}

describe('filter pool', () => {
  const pool = new FilterPool(2);
  after(() => pool.close());

  it('blurs in a thread exactly as on the calling thread, several images at once', async () => {
    const images = [picture(64, 48, 4), picture(50, 30, 3), picture(33, 17, 2), picture(80, 60, 1)];
    const expected = images.map((image) => gaussianBlur(image, 1.7).data);
    const results = await Promise.all(
      images.map((image) =>
        pool.run({ ...image, data: image.data.slice() }, [{ name: 'Blur', parameters: { sigma: 1.7 } }]),
      ),
    );
    results.forEach((result, i) => {
      assert.deepEqual(
        [result.width, result.height, result.channels],
        [images[i]!.width, images[i]!.height, images[i]!.channels],
      );
      assert.deepEqual(result.data, expected[i]);
    });
  });

  it('a job stopped mid-step: its thread is terminated and its replacement starts at once, not on the next job', async () => {
    const single = new FilterPool(1);
    try {
      const stop = new AbortController();
      const slow = Array.from({ length: 20 }, () => ({ name: 'Blur' as const, parameters: { sigma: 50 } }));
      const running = single.run(picture(1500, 1500, 4), slow, stop.signal);
      setTimeout(() => stop.abort(new Error('deadline')), 100);
      await assert.rejects(running, /deadline/);
      assert.equal(single.threads, 1, 'a thread is starting before any next job');
      const next = await single.run(picture(8, 8, 3), [{ name: 'Blur', parameters: { sigma: 1 } }]);
      assert.equal(next.width, 8);
    } finally {
      await single.close();
    }
  });

  it('a closed pool refuses work', async () => {
    const closed = new FilterPool(1);
    await closed.close();
    await assert.rejects(closed.run(picture(4, 4, 3), [{ name: 'FlipX', parameters: {} }]), /closed/);
  });

  it('the task handler with filter threads gives the same PNG as without', async () => {
    const threaded = createImageTaskHandler({ maxBytes: 1_000_000, maxPixels: 1_000_000, filterThreads: 2 });
    const inline = createImageTaskHandler({ maxBytes: 1_000_000, maxPixels: 1_000_000 });
    try {
      const steps = [{ name: 'Sharpen', parameters: { sigma: 0.8 } }, { name: 'FlipY' }];
      for (const layout of ['rgba', 'grey'] as const) {
        const task = imageTask(await makePng(layout), steps);
        const [a, b] = await Promise.all([threaded(task, taskContext()), inline(task, taskContext())]);
        assert.equal(a.status, 'ready');
        assert.deepEqual(a, b);
      }
    } finally {
      await threaded.close();
    }
  });
});
