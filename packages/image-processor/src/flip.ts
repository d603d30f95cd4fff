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
  if (channels === 3 && width % 4 === 0 && src.byteOffset % 4 === 0) {
    flipRgbRowsByWords(src, out, width, height);
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

/**
 * RGB rows whose length is a multiple of 4 pixels (12 bytes, 3 words): four pixels at a time, the three
 * 32-bit words of a group rearranged with shifts, so a row reverses word by word as RGBA does (a third of
 * the loads and stores of going byte by byte). Little-endian words hold [r0 g0 b0 r1] [g1 b1 r2 g2]
 * [b2 r3 g3 b3]; the mirrored group is [r3 g3 b3 r2] [g2 b2 r1 g1] [b1 r0 g0 b0].
 */
function flipRgbRowsByWords(src: Uint8Array, out: Uint8Array, width: number, height: number): void {
  const from = new Uint32Array(src.buffer, src.byteOffset, (width * height * 3) / 4);
  const to = new Uint32Array(out.buffer, out.byteOffset, from.length);
  const rowWords = (width * 3) / 4;
  const big = !isLittleEndian();
  for (let y = 0; y < height; y++) {
    const row = y * rowWords;
    for (let t = row, f = row + rowWords - 3; t < row + rowWords; t += 3, f -= 3) {
      let w0 = from[f]!;
      let w1 = from[f + 1]!;
      let w2 = from[f + 2]!;
      if (big) [w0, w1, w2] = [swapBytes(w0), swapBytes(w1), swapBytes(w2)];
      let o0 = (w2 >>> 8) | (((w1 >>> 16) & 0xff) << 24);
      let o1 = (w1 >>> 24) | ((w2 & 0xff) << 8) | ((w0 >>> 24) << 16) | ((w1 & 0xff) << 24);
      let o2 = ((w1 >>> 8) & 0xff) | ((w0 & 0xffffff) << 8);
      if (big) [o0, o1, o2] = [swapBytes(o0), swapBytes(o1), swapBytes(o2)];
      to[t] = o0;
      to[t + 1] = o1;
      to[t + 2] = o2;
    }
  }
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

function swapBytes(w: number): number {
  return ((w & 0xff) << 24) | ((w & 0xff00) << 8) | ((w >>> 8) & 0xff00) | (w >>> 24);
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
