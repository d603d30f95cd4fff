/**
 * Golden tests against the Go library disintegration/imaging: its own Blur and Sharpen outputs on its
 * reference picture (test/fixtures, see the README there), within 1 per sample like imaging's own tests.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { decodePng, encodePng, gaussianBlur, type RawImage, sharpen } from '../src/index.js';

const fixtures = new URL('./fixtures/', import.meta.url);
const limits = { maxPixels: 10_000_000 };

async function fixture(name: string): Promise<RawImage> {
  return decodePng(await readFile(new URL(name, fixtures)), limits);
}

function maxSampleDifference(actual: RawImage, expected: RawImage): number {
  assert.deepEqual(
    [actual.width, actual.height, actual.channels],
    [expected.width, expected.height, expected.channels],
    'same shape',
  );
  let max = 0;
  for (let i = 0; i < actual.data.length; i++) {
    const d = Math.abs(actual.data[i]! - expected.data[i]!);
    if (d > max) max = d;
  }
  return max;
}

describe('Blur and Sharpen match imaging', () => {
  for (const sigma of [0.5, 1.5]) {
    it(`Blur sigma ${sigma}`, async () => {
      const out = gaussianBlur(await fixture('flowers_small.png'), sigma);
      assert.ok(maxSampleDifference(out, await fixture(`out_blur_${sigma}.png`)) <= 1);
    });
    it(`Sharpen sigma ${sigma}`, async () => {
      const out = sharpen(await fixture('flowers_small.png'), sigma);
      assert.ok(maxSampleDifference(out, await fixture(`out_sharpen_${sigma}.png`)) <= 1);
    });
    it(`Blur sigma ${sigma} survives the PNG round trip`, async () => {
      const out = gaussianBlur(await fixture('flowers_small.png'), sigma);
      const reread = await decodePng(await encodePng(out), limits);
      assert.ok(maxSampleDifference(reread, await fixture(`out_blur_${sigma}.png`)) <= 1);
    });
  }
});
