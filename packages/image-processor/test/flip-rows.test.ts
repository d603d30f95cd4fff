/**
 * flipX on decoded samples against a plain per-pixel mirror, for every channel count and for row lengths
 * that do and do not take the word-by-word paths (RGBA; RGB whose width is a multiple of 4), including
 * samples that do not start on a word boundary (a view into a larger buffer, as Node's pool hands out).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flipX, type RawImage } from '../src/index.js';

function mirrored({ data, width, height, channels }: RawImage): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        out[(y * width + x) * channels + c] = data[(y * width + (width - 1 - x)) * channels + c]!;
      }
    }
  }
  return out;
}

describe('flipX mirrors every row', () => {
  for (const channels of [1, 2, 3, 4] as const) {
    for (const width of [1, 4, 7, 8, 12, 33]) {
      for (const offset of [0, 1]) {
        it(`${channels} channels, width ${width}, byte offset ${offset}`, () => {
          const height = 5;
          const backing = new Uint8Array(width * height * channels + offset);
          for (let i = 0; i < backing.length; i++) backing[i] = (i * 37 + 11) & 0xff;
          const image: RawImage = { data: backing.subarray(offset), width, height, channels };
          assert.deepEqual(flipX(image).data, mirrored(image));
        });
      }
    }
  }
});
