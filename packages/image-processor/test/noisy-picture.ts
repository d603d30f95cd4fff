import type { RawImage } from '../src/index.js';

/** Noise over gradients, as a photograph or Sharpen's output looks to a PNG encoder. */
export function noisyPicture(width: number, height: number, channels: RawImage['channels']): RawImage {
  const data = new Uint8Array(width * height * channels);
  let seed = 2463534242;
  for (let i = 0; i < data.length; i++) {
    // xorshift32: a linear congruential generator's low bits repeat, which LZ77 would find
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const x = (i / channels) % width;
    data[i] = Math.min(255, ((x * 200) / width + ((seed >>> 8) % 48)) | 0);
  }
  return { data, width, height, channels };
}
