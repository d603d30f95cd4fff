/**
 * The run-length PNG encoder for noisy pictures (noisy-png.ts): lossless in every layout the filters
 * produce, and chosen by encodePng only where it writes about as small a file as libvips.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { decodePng, encodePng, PNG_ENCODE_OPTIONS, type RawImage, sharpen } from '../src/index.js';
import { encodeNoisyPng, looksNoisy } from '../src/noisy-png.js';
import { noisyPicture as noisy } from './noisy-picture.js';

const limits = { maxPixels: 10_000_000 };

/** Flat rectangles and a repeating diagonal pattern, as in a chart or a screenshot. */
function graphic(width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3).fill(255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      if ((x >> 5) % 3 === 0 && (y >> 4) % 2) data.set([30, 90, 200], p);
      if (y > height / 2 && (x * 7 + y * 3) % 11 < 3) data.set([0, 0, 0], p);
    }
  }
  return { data, width, height, channels: 3 };
}

describe('noisy PNG encoder', () => {
  for (const channels of [1, 2, 3, 4] as const) {
    it(`decodes back to the same samples (${channels} channel${channels > 1 ? 's' : ''})`, async () => {
      const image = noisy(37, 23, channels);
      const back = await decodePng(await encodeNoisyPng(image), limits);
      assert.deepEqual([back.width, back.height, back.channels], [37, 23, channels]);
      assert.deepEqual(Buffer.from(back.data), Buffer.from(image.data));
    });
  }

  it('is chosen for Sharpen’s output, and its file is no larger than libvips’ by more than a few percent', async () => {
    const image = sharpen(noisy(640, 360, 4), 5);
    assert.equal(await looksNoisy(image), true);
    const ours = await encodePng(image);
    const raw = { width: image.width, height: image.height, channels: image.channels };
    const libvips = await sharp(image.data, { raw }).png(PNG_ENCODE_OPTIONS).toBuffer();
    assert.ok(ours.length <= libvips.length * 1.05, `${ours.length} bytes against libvips' ${libvips.length}`);
    assert.deepEqual(Buffer.from((await decodePng(ours, limits)).data), Buffer.from(image.data));
  });

  it('is not chosen for a graphic, where run-length matching would make the file several times larger', async () => {
    const image = graphic(640, 360);
    assert.equal(await looksNoisy(image), false);
    const raw = { width: image.width, height: image.height, channels: image.channels };
    const libvips = await sharp(image.data, { raw }).png(PNG_ENCODE_OPTIONS).toBuffer();
    assert.ok((await encodeNoisyPng(image)).length > 1.5 * libvips.length, 'run-length is the worse choice here');
    assert.equal((await encodePng(image)).length, libvips.length);
  });
});
