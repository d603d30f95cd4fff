/**
 * The fast blur (SIMD interior, JS edges, premultiplied floats) against a plain transcription of imaging's
 * semantics, on pictures the golden images do not cover: alpha that varies and is zero in places, grey,
 * images narrower than the kernel, big sigmas.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gaussianBlur, type RawImage, sharpen } from '../src/index.js';

/** imaging's Blur, literally: per pass, per pixel, weights over the cut window, alpha-weighted colour. */
function referenceBlur(image: RawImage, sigma: number): Uint8Array {
  const radius = Math.ceil(sigma * 3);
  const kernel = Array.from({ length: radius + 1 }, (_, i) => Math.exp(-(i * i) / (2 * sigma * sigma)));
  const { width, height, channels } = image;
  const alphaChannel = channels === 2 || channels === 4 ? channels - 1 : -1;
  const pass = (src: Uint8Array, horizontal: boolean): Uint8Array => {
    const out = new Uint8Array(src.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const at = horizontal ? x : y;
        const length = horizontal ? width : height;
        const sums = new Array<number>(channels).fill(0);
        let alphaSum = 0;
        let weightSum = 0;
        for (let j = Math.max(0, at - radius); j <= Math.min(length - 1, at + radius); j++) {
          const w = kernel[Math.abs(j - at)]!;
          const p = (horizontal ? y * width + j : j * width + x) * channels;
          const a = alphaChannel < 0 ? 255 : src[p + alphaChannel]!;
          weightSum += w;
          alphaSum += a * w;
          for (let c = 0; c < channels; c++) if (c !== alphaChannel) sums[c]! += src[p + c]! * a * w;
        }
        const q = (y * width + x) * channels;
        if (alphaSum === 0) continue; // stays 0 in every channel
        const round = (v: number) => Math.min(255, Math.max(0, Math.trunc(v + 0.5)));
        for (let c = 0; c < channels; c++) {
          out[q + c] = c === alphaChannel ? round(alphaSum / weightSum) : round(sums[c]! / alphaSum);
        }
      }
    }
    return out;
  };
  return pass(pass(image.data, true), false);
}

function picture(width: number, height: number, channels: RawImage['channels'], seed: number): RawImage {
  const data = new Uint8Array(width * height * channels);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    data[i] = (s >> 16) & 0xff;
  }
  if (channels === 2 || channels === 4) {
    // A transparent block, so that some windows have no weight at all and others only a little.
    for (let y = 0; y < Math.min(height, 6); y++) {
      for (let x = 0; x < Math.min(width, 9); x++) data[(y * width + x) * channels + channels - 1] = 0;
    }
  }
  return { data, width, height, channels };
}

function maxDifference(a: Uint8Array, b: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('blur matches a plain transcription of imaging', () => {
  const cases: [number, number, RawImage['channels'], number][] = [
    [37, 23, 4, 0.4],
    [37, 23, 4, 1.5],
    [40, 31, 4, 4],
    [29, 17, 2, 1.2],
    [29, 17, 1, 2.5],
    [33, 21, 3, 0.3],
    [5, 40, 4, 3], // narrower than the kernel: every column is an edge
    [64, 3, 3, 2], // shorter than the kernel
    [12, 9, 4, 50],
  ];
  for (const [width, height, channels, sigma] of cases) {
    it(`${width}x${height}, ${channels} channels, sigma ${sigma}`, () => {
      const image = picture(width, height, channels, width * 31 + channels);
      const expected = referenceBlur(image, sigma);
      assert.ok(maxDifference(gaussianBlur(image, sigma).data, expected) <= 1);
      const sharpened = sharpen(image, sigma).data;
      const expectedSharpened = image.data.map((v, i) => Math.min(255, Math.max(0, 2 * v - expected[i]!)));
      assert.ok(maxDifference(sharpened, expectedSharpened) <= 1);
    });
  }

  it('a fully transparent picture stays all zero', () => {
    const image: RawImage = { data: new Uint8Array(10 * 10 * 4), width: 10, height: 10, channels: 4 };
    assert.ok(gaussianBlur(image, 2).data.every((v) => v === 0));
  });
});
