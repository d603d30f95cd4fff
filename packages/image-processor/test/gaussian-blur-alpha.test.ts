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

/** Gradients plus noise, like a photograph: sums land near a half (where rounding can tip) as often as anywhere. */
function smoothPicture(width: number, height: number, channels: RawImage['channels'], seed: number): RawImage {
  const data = new Uint8Array(width * height * channels);
  let s = seed;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        s = (s * 1103515245 + 12345) & 0x7fffffff;
        const gradient = c === channels - 1 && channels % 2 === 0 ? (x * 255) / width : ((x + y * (c + 1)) * 3) % 200;
        data[(y * width + x) * channels + c] = Math.min(255, (gradient + ((s >> 16) % 48)) | 0);
      }
    }
  }
  return { data, width, height, channels };
}

function maxDifference(a: Uint8Array, b: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** The share of samples that differ at all: float32 sums may round a sample the other way, but rarely. */
function differingShare(a: Uint8Array, b: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) count++;
  return count / a.length;
}

/** Checks blur and sharpen of `image` against the transcription: within 1, and nearly always equal. */
function assertMatchesReference(image: RawImage, sigma: number): void {
  const expected = referenceBlur(image, sigma);
  const blurred = gaussianBlur(image, sigma).data;
  assert.ok(maxDifference(blurred, expected) <= 1, 'blur within 1 of imaging');
  assert.ok(differingShare(blurred, expected) < 0.001, `blur differs on ${differingShare(blurred, expected)}`);
  const sharpened = sharpen(image, sigma).data;
  const expectedSharpened = image.data.map((v, i) => Math.min(255, Math.max(0, 2 * v - expected[i]!)));
  assert.ok(maxDifference(sharpened, expectedSharpened) <= 1, 'sharpen within 1 of imaging');
  assert.ok(differingShare(sharpened, expectedSharpened) < 0.002, 'sharpen nearly always equal');
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
      assertMatchesReference(picture(width, height, channels, width * 31 + channels), sigma);
    });
  }

  // Long rows make the blur work in several strips of rows (the float planes hold about 1 MB of rows), so
  // these cross the strip boundaries, with the SIMD interior, the cut edges and both alpha paths.
  const stripped: [number, number, RawImage['channels'], number][] = [
    [2100, 100, 4, 5],
    [2100, 90, 3, 1.5],
    [2101, 300, 1, 5],
    [330, 700, 2, 50],
  ];
  for (const [width, height, channels, sigma] of stripped) {
    it(`${width}x${height}, ${channels} channels, sigma ${sigma}, in strips`, () => {
      const image = smoothPicture(width, height, channels, width + channels);
      assertMatchesReference(image, sigma);
    });
  }

  it('opaque RGBA (alpha 255 everywhere) takes the path without alpha weighting and matches', () => {
    const image = smoothPicture(640, 120, 4, 7);
    for (let p = 3; p < image.data.length; p += 4) image.data[p] = 255;
    assertMatchesReference(image, 5);
  });

  it('a fully transparent picture stays all zero', () => {
    const image: RawImage = { data: new Uint8Array(10 * 10 * 4), width: 10, height: 10, channels: 4 };
    assert.ok(gaussianBlur(image, 2).data.every((v) => v === 0));
  });
});
