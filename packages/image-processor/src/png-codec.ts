/**
 * PNG in and out through sharp (libvips): decoding to the 8-bit samples the filters work on, and encoding
 * them back, or PNG to PNG in one pipeline for the filters libvips applies while it reads (one-pass.ts).
 * Only this module and the sharp settings know about sharp.
 */
import sharp, { type Sharp } from 'sharp';
import type { DecodeSteps } from './decode-steps.js';
import { encodeIfNoisy, noisyPngAvailable } from './noisy-png.js';
import type { RawImage } from './raw-image.js';

/**
 * The PNG encoder settings, chosen from bench/image-filters.ts (figures in bench/README-image.md): zlib
 * level 3 with adaptive filtering makes files 2.4 to 5 times smaller than without filtering, for about the
 * time level 6 without filtering takes; higher levels with filtering are 3 to 20 times slower for a few
 * percent of size. `effort` only matters to palette output, which is not used: every picture comes out as
 * truecolour or grey.
 */
export const PNG_ENCODE_OPTIONS = { compressionLevel: 3, adaptiveFiltering: true } as const;

/** The input's fault: not a decodable PNG, or over the pixel cap. */
export class InvalidImageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidImageError';
  }
}

export interface DecodeOptions {
  /** Pixel cap, passed to sharp's limitInputPixels so that a PNG bomb is refused before it is inflated. */
  maxPixels: number;
  /** Negative / FlipX / FlipY to apply while decoding (decode-steps.ts); none by default. */
  steps?: DecodeSteps;
}

/**
 * Decodes any PNG (grey, grey+alpha, palette, RGB, RGBA, 8 or 16 bits) to 8-bit samples, keeping grey as
 * grey and alpha when the input has it. Throws InvalidImageError for a corrupt, truncated or too large PNG.
 */
export async function decodePng(bytes: Uint8Array, options: DecodeOptions): Promise<RawImage> {
  // failOn 'error': a truncated or corrupt image data stream fails, a mere libpng warning (say, an odd
  // ancillary chunk) does not.
  const input = sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'error', sequentialRead: true });
  try {
    const metadata = await input.metadata();
    if (metadata.format !== 'png') throw new InvalidImageError(`image is ${metadata.format ?? 'unknown'}, not PNG`);
    const grey = (metadata.channels ?? 3) <= 2;
    const wide = metadata.depth === 'ushort';
    // sharp's raw output of a grey image keeps only the first band, so grey with alpha is decoded as RGBA
    // and narrowed to grey+alpha here. 16-bit samples are read as they are and brought down to 8 bits by
    // their high byte, as Go's image/png + imaging do (libvips' own conversion rounds instead).
    const colourspace = grey && !metadata.hasAlpha ? (wide ? 'grey16' : 'b-w') : wide ? 'rgb16' : 'srgb';
    const { data, info } = await withDecodeSteps(input, options.steps)
      .toColourspace(colourspace)
      .raw({ depth: wide ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const { width, height, channels } = info;
    const samples = wide ? highBytes(data) : data;
    if (grey && metadata.hasAlpha && channels === 4) {
      return { data: rgbaToGreyAlpha(samples), width, height, channels: 2 };
    }
    if (channels < 1 || channels > 4) throw new InvalidImageError(`image decodes to ${channels} channels`);
    return { data: samples, width, height, channels: channels as RawImage['channels'] };
  } catch (error) {
    throw invalidImage(error, options.maxPixels);
  }
}

/**
 * The PNG with `steps` applied, in one libvips pipeline, PNG to PNG (when it is taken: one-pass.ts);
 * InvalidImageError as decodePng.
 */
export async function filterPngInOnePass(bytes: Uint8Array, options: DecodeOptions & { steps: DecodeSteps }) {
  const image = sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'error', sequentialRead: true });
  try {
    return await withDecodeSteps(image, options.steps).toColourspace('srgb').png(PNG_ENCODE_OPTIONS).toBuffer();
  } catch (error) {
    throw invalidImage(error, options.maxPixels);
  }
}

/** `image` with Negative / FlipX / FlipY applied as libvips reads it (decode-steps.ts says why they are exact). */
function withDecodeSteps(image: Sharp, steps: DecodeSteps | undefined): Sharp {
  if (steps?.negate) image.negate({ alpha: false });
  if (steps?.flipX) image.flop();
  if (steps?.flipY) image.flip();
  return image;
}

/** A failure of libvips reading the input, as the InvalidImageError it is. */
function invalidImage(error: unknown, maxPixels: number): InvalidImageError {
  if (error instanceof InvalidImageError) return error;
  const detail = describeSharpError(error);
  if (/exceeds pixel limit/i.test(detail)) {
    return new InvalidImageError(`image is over the cap of ${maxPixels} pixels`, { cause: error });
  }
  return new InvalidImageError(`image is corrupt or truncated, it could not be decoded as PNG (${detail})`, {
    cause: error,
  });
}

/**
 * The picture as PNG: a noisy one (a photograph, Sharpen's output) with the run-length encoder of
 * noisy-png.ts, which writes it about as small in a fraction of the time; any other with libvips.
 */
export async function encodePng(image: RawImage): Promise<Buffer> {
  const noisy = noisyPngAvailable() ? await encodeIfNoisy(image) : undefined;
  if (noisy) return noisy;
  const { width, height, channels } = image;
  return sharp(image.data, { raw: { width, height, channels } })
    .toColourspace(channels <= 2 ? 'b-w' : 'srgb')
    .png(PNG_ENCODE_OPTIONS)
    .toBuffer();
}

/** 16-bit samples (in the machine's byte order) to their high byte. */
function highBytes(data: Buffer): Uint8Array {
  const aligned = data.byteOffset % 2 === 0 ? data : Buffer.from(data);
  const wide = new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2);
  const out = new Uint8Array(wide.length);
  for (let i = 0; i < wide.length; i++) out[i] = wide[i]! >> 8;
  return out;
}

/** Grey decoded as RGBA has R = G = B: keep R and A. */
function rgbaToGreyAlpha(rgba: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgba.length / 2);
  for (let p = 0, q = 0; q < out.length; p += 4, q += 2) {
    out[q] = rgba[p]!;
    out[q + 1] = rgba[p + 3]!;
  }
  return out;
}

/** libvips messages carry a trailing newline and sometimes several lines; keep them on one line. */
function describeSharpError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .trim()
    .replace(/:$/, '')
    .replace(/\s*\n\s*/g, '; ');
}
