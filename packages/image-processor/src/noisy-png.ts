/**
 * A PNG encoder for noisy pictures (photographs, and above all Sharpen's output), where libvips' encoder is
 * slow for no gain. There, LZ77 finds almost no matches worth having: zlib's default strategy spends its
 * time searching, and run-length matching (Z_RLE) plus Huffman coding gives files as small (within a few
 * percent, often smaller) in a quarter of the time. libvips (and so sharp) offers neither the strategy nor a
 * single filter; this module writes the PNG itself: every row with PNG's Up filter (one subtraction a
 * sample), deflated with Z_RLE on zlib's thread pool, in IHDR / IDAT / IEND chunks.
 *
 * On a picture with repeating patterns (flat graphics, text) run-length matching is far worse (files 2-7x
 * larger), so `looksNoisy` first deflates a sample of the picture's rows both ways; png-codec.ts uses this
 * encoder only when run-length matching keeps up there.
 * Figures: bench/README-speed.md (Sharpen at sigma 5).
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { RawImage } from './raw-image.js';

const deflate = promisify(zlib.deflate);
/** zlib.crc32 is in Node from 20.15 and 22.2; without it, png-codec.ts keeps to libvips. */
const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
const LEVEL = 3;
/**
 * Run-length matching is used when its sample is at most this much larger than the default strategy's.
 * Measured on the sample: photographs and Sharpen's output 0.98-1.03, smooth gradients and pictures with
 * repeating patterns 1.4-7.
 */
const RLE_TOLERANCE = 1.05;
/**
 * The sample: bands of 32 rows spread over the whole picture (at least 8 of them, at most 512 rows apart),
 * deflated at zlib's fastest level, so that the check costs little next to the encoding when it says no.
 * Bands of 8 rows misjudge photographs; bands only at the top miss what is lower down.
 */
const SAMPLE_BAND_ROWS = 32;
const SAMPLE_BANDS = 8;
const SAMPLE_MAX_SPACING = 512;
const SAMPLE_LEVEL = 1;
const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
/** PNG colour type by channel count: grey, grey+alpha, RGB, RGBA. */
const COLOUR_TYPE = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;
const UP = 2;

export function noisyPngAvailable(): boolean {
  return crc32 !== undefined;
}

/**
 * Rows `from` .. `to`-1 with PNG's Up filter: a filter-type byte, then each sample minus the one above it
 * (the row above the picture counts as zeros), modulo 256.
 */
function upFiltered(image: RawImage, from: number, to: number): Buffer {
  const rowLength = image.width * image.channels;
  const out = Buffer.allocUnsafe((rowLength + 1) * (to - from));
  const data = image.data;
  for (let y = from; y < to; y++) {
    const at = (y - from) * (rowLength + 1);
    out[at] = UP;
    const row = y * rowLength;
    if (y === 0) {
      out.set(data.subarray(0, rowLength), at + 1);
      continue;
    }
    for (let i = 0; i < rowLength; i++) out[at + 1 + i] = data[row + i]! - data[row - rowLength + i]!;
  }
  return out;
}

/** Whether run-length matching compresses a sample of the picture's rows about as well as the default. */
export async function looksNoisy(image: RawImage): Promise<boolean> {
  const bands: Buffer[] = [];
  const spacing = Math.min(SAMPLE_MAX_SPACING, Math.max(SAMPLE_BAND_ROWS, Math.floor(image.height / SAMPLE_BANDS)));
  for (let y = 0; y < image.height; y += spacing) {
    bands.push(upFiltered(image, y, Math.min(image.height, y + SAMPLE_BAND_ROWS)));
  }
  const sample = Buffer.concat(bands);
  const [rle, usual] = await Promise.all([
    deflate(sample, { level: SAMPLE_LEVEL, strategy: zlib.constants.Z_RLE }),
    deflate(sample, { level: SAMPLE_LEVEL }),
  ]);
  return rle.length <= usual.length * RLE_TOLERANCE;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32!(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** The PNG of an 8-bit picture, Up-filtered and deflated with run-length matching. */
export async function encodeNoisyPng(image: RawImage): Promise<Buffer> {
  if (!crc32) throw new Error('zlib.crc32 is missing (Node older than 20.15)');
  const header = Buffer.alloc(13);
  header.writeUInt32BE(image.width, 0);
  header.writeUInt32BE(image.height, 4);
  header[8] = 8; // bits per sample
  header[9] = COLOUR_TYPE[image.channels];
  // compression, filter method and interlace: 0, 0, none
  const data = await deflate(upFiltered(image, 0, image.height), { level: LEVEL, strategy: zlib.constants.Z_RLE });
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', header), chunk('IDAT', data), chunk('IEND', new Uint8Array(0))]);
}
