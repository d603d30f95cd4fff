import { type RawImage, withData } from './raw-image.js';

/** FlipX, written by hand: a mirror image, each row reversed so left and right swap. */
export function flipX(image: RawImage): RawImage {
  const { width, height, channels } = image;
  const src = image.data;
  const out = new Uint8Array(src.length);
  const rowBytes = width * channels;

  if (channels === 4 && src.byteOffset % 4 === 0) {
    // One RGBA pixel is one 32-bit word, so a row reverses word by word.
    const from = new Uint32Array(src.buffer, src.byteOffset, width * height);
    const to = new Uint32Array(out.buffer, 0, width * height);
    for (let y = 0; y < height; y++) {
      const row = y * width;
      const last = row + width - 1;
      for (let x = 0; x < width; x++) to[row + x] = from[last - x]!;
    }
    return withData(image, out);
  }
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    let from = row + rowBytes - channels; // the last pixel of the row, walking back
    let to = row;
    const end = row + rowBytes;
    // The common layouts copy their samples one by one, without an inner loop over the channels.
    if (channels === 3) {
      for (; to < end; to += 3, from -= 3) {
        out[to] = src[from]!;
        out[to + 1] = src[from + 1]!;
        out[to + 2] = src[from + 2]!;
      }
    } else if (channels === 1) {
      for (; to < end; to++, from--) out[to] = src[from]!;
    } else {
      for (; to < end; to += channels, from -= channels) {
        for (let c = 0; c < channels; c++) out[to + c] = src[from + c]!;
      }
    }
  }
  return withData(image, out);
}

/** FlipY, written by hand: upside down, the order of the rows reversed so top and bottom swap. */
export function flipY(image: RawImage): RawImage {
  const { height } = image;
  const src = image.data;
  const out = new Uint8Array(src.length);
  const rowBytes = image.width * image.channels;
  for (let y = 0; y < height; y++) {
    const from = (height - 1 - y) * rowBytes;
    out.set(src.subarray(from, from + rowBytes), y * rowBytes);
  }
  return withData(image, out);
}
