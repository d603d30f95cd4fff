import { hasAlpha, type RawImage, withData } from './raw-image.js';

/**
 * The negative, written by hand on the raw samples: every colour sample c becomes 255 - c, alpha is kept.
 * 255 - c equals c XOR 0xff for a byte, which lets the common layouts flip four bytes per step.
 */
export function negative(image: RawImage): RawImage {
  const src = image.data;
  const out = new Uint8Array(src.length);
  const alpha = hasAlpha(image);
  const wordAligned = src.byteOffset % 4 === 0 && src.length % 4 === 0;

  if (!alpha || image.channels === 4) {
    if (wordAligned) {
      const from = new Uint32Array(src.buffer, src.byteOffset, src.length / 4);
      const to = new Uint32Array(out.buffer, 0, out.length / 4);
      // Little-endian RGBA puts alpha in the top byte: leave it; without alpha every byte is a colour.
      const mask = alpha ? (isLittleEndian() ? 0x00ffffff : 0xffffff00) : 0xffffffff;
      for (let i = 0; i < from.length; i++) to[i] = from[i]! ^ mask;
      return withData(image, out);
    }
    if (!alpha) {
      for (let i = 0; i < src.length; i++) out[i] = 255 - src[i]!;
      return withData(image, out);
    }
  }
  const channels = image.channels;
  const alphaIndex = channels - 1;
  for (let i = 0; i < src.length; i += channels) {
    for (let c = 0; c < alphaIndex; c++) out[i + c] = 255 - src[i + c]!;
    out[i + alphaIndex] = src[i + alphaIndex]!;
  }
  return withData(image, out);
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}
