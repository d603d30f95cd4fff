/**
 * Two threads per picture (blur-helper.ts): a large picture's Blur and Sharpen, computed in parts shared
 * with the helper thread, are the same samples as the whole picture computed on one thread, in every
 * layout, with cut kernels at part boundaries near the picture's ends and parts smaller than the strips.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BlurJob, blurPartsByHelper } from '../src/blur-helper.js';
import { blurRows } from '../src/gaussian-blur.js';
import { gaussianBlur, hasAlpha, type RawImage, sharpen, startBlurHelper } from '../src/index.js';
import { noisyPicture } from './noisy-picture.js';

/** Noisy samples; with alpha, alpha varying across the picture and zero in a band across a part boundary. */
function picture(width: number, height: number, channels: RawImage['channels']): RawImage {
  const image = noisyPicture(width, height, channels);
  const { data } = image;
  if (hasAlpha(image)) {
    for (let p = channels - 1; p < data.length; p += channels) data[p] = (p / channels) % width;
    data.fill(0, Math.floor(height / 2 - 3) * width * channels, Math.floor(height / 2 + 3) * width * channels);
  }
  return image;
}

/** The same blur on this thread alone, the whole picture as one part. */
function onOneThread(image: RawImage, sigma: number, sharpenIt: boolean): Uint8Array {
  const { width, height, channels } = image;
  const job: BlurJob = { width, height, channels, sigma, sharpen: sharpenIt, alpha: hasAlpha(image) };
  const output = new Uint8Array(image.data.length);
  blurRows(image.data, output, job, 0, height);
  return output;
}

describe('Blur and Sharpen on two threads', () => {
  it('the helper thread starts', async () => {
    assert.equal(await startBlurHelper(), true);
  });

  for (const channels of [1, 2, 3, 4] as const) {
    for (const sigma of [1.5, 5, 16]) {
      it(`${channels} channel${channels > 1 ? 's' : ''}, sigma ${sigma}: the same samples as on one thread`, () => {
        const image = picture(400, 700, channels);
        const before = blurPartsByHelper();
        // The helper takes parts only when it gets to them first: a few rounds, so that it does at least once.
        for (let round = 0; round < 20 && blurPartsByHelper() === before; round++) {
          assert.deepEqual(gaussianBlur(image, sigma).data, onOneThread(image, sigma, false));
          assert.deepEqual(sharpen(image, sigma).data, onOneThread(image, sigma, true));
        }
        assert.ok(blurPartsByHelper() > before, 'the helper computed parts');
      });
    }
  }
});
