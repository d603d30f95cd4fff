/**
 * A PNG encoder for noisy pictures (photographs, and above all Sharpen's output), where libvips' encoder is
 * slow for no gain. There, LZ77 finds almost no matches worth having: zlib's default strategy spends its
 * time searching, and run-length matching (Z_RLE) plus Huffman coding gives files as small (within a few
 * percent, often smaller) in a quarter of the time. libvips (and so sharp) offers neither the strategy nor a
 * single filter; this module writes the PNG itself: every row with PNG's Up filter (one subtraction a
 * sample, in SIMD), deflated with Z_RLE on zlib's thread pool in two parts at once, in IHDR / IDAT / IEND
 * chunks.
 *
 * On a picture with repeating patterns (flat graphics, text) run-length matching is far worse (files 2-7x
 * larger), so `looksNoisy` deflates a sample of the picture's rows both ways; png-codec.ts uses this
 * encoder only when run-length matching keeps up there.
 * Figures: bench/README-speed.md (Sharpen at sigma 5).
 */
import * as zlib from 'node:zlib';
import type { RawImage } from './raw-image.js';
import { SimdConvolution } from './simd-convolution.js';

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
/**
 * The deflate is cut into this many parts at row boundaries, deflated at once on libuv's thread pool (two
 * cores here; the pool has four threads), as pigz does: each part on its own, all but the last ended
 * with a sync flush so that they join into one stream. Run-length matches reach back one sample, so the
 * cut costs nothing in size. Pictures under DEFLATE_PART_BYTES per part are deflated whole.
 */
const DEFLATE_PARTS = 2;
const DEFLATE_PART_BYTES = 256 * 1024;
/** A zlib stream's header: deflate with a 32 KB window, no preset dictionary, check bits for 0x78. */
const ZLIB_HEADER = Uint8Array.of(0x78, 0x01);
const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
/** PNG colour type by channel count: grey, grey+alpha, RGB, RGBA. */
const COLOUR_TYPE = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;
const UP = 2;

export function noisyPngAvailable(): boolean {
  return crc32 !== undefined;
}

/**
 * The picture's rows with PNG's Up filter, each after its filter-type byte (`rows`), and the sample of them
 * that looksNoisy deflates (`sample`), in a wasm memory kept for the next picture once `release`d. The filter
 * is each sample minus the one above it (the row above the picture counts as zeros), modulo 256, in
 * WebAssembly SIMD, sixteen samples a step (the JS loop it replaces took as long as deflating the result).
 */
interface FilteredRows {
  rows: Uint8Array;
  sample: Uint8Array;
  release(): void;
}

function upFiltered(image: RawImage): FilteredRows {
  const { width, height, channels } = image;
  const rowLength = width * channels;
  const filteredRow = rowLength + 1;
  const spacing = Math.min(SAMPLE_MAX_SPACING, Math.max(SAMPLE_BAND_ROWS, Math.floor(height / SAMPLE_BANDS)));
  const bands: [number, number][] = [];
  for (let y = 0; y < height; y += spacing) bands.push([y, Math.min(height, y + SAMPLE_BAND_ROWS)]);
  const sampleRows = bands.reduce((sum, [from, to]) => sum + to - from, 0);
  const planes = new SimdConvolution(0, {
    floats: [],
    bytes: [image.data.length, filteredRow * height, filteredRow * sampleRows],
  });
  const [picture, rows, sample] = planes.bytes as [Uint8Array, Uint8Array, Uint8Array];
  picture.set(image.data);
  for (let y = 0; y < height; y++) {
    const at = y * filteredRow;
    const row = picture.subarray(y * rowLength, (y + 1) * rowLength);
    // In order of rows: each call writes a few bytes past its row, over the next row's start.
    if (y === 0) rows.set(row, 1);
    else planes.upFilter(row, rows.subarray(at + 1, at + filteredRow), rowLength);
    rows[at] = UP;
  }
  let at = 0;
  for (const [from, to] of bands) {
    sample.set(rows.subarray(from * filteredRow, to * filteredRow), at);
    at += (to - from) * filteredRow;
  }
  return { rows, sample, release: () => planes.release() };
}

/** Whether run-length matching compresses a sample of the picture's rows about as well as the default. */
export async function looksNoisy(image: RawImage): Promise<boolean> {
  const filtered = upFiltered(image);
  try {
    return await sampleLooksNoisy(filtered.sample);
  } finally {
    filtered.release();
  }
}

async function sampleLooksNoisy(sample: Uint8Array): Promise<boolean> {
  const size = async (strategy: number) => {
    const chunks = await deflateRawChunks(sample, { level: SAMPLE_LEVEL, strategy });
    return chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  };
  const [rle, usual] = await Promise.all([size(zlib.constants.Z_RLE), size(zlib.constants.Z_DEFAULT_STRATEGY)]);
  return rle <= usual * RLE_TOLERANCE;
}

/**
 * The PNG of a noisy picture (see looksNoisy), or undefined for any other; the check and the encoding share
 * the Up-filtered rows. The encoding waits for the check's answer: started alongside it, it was wasted on
 * every picture judged not noisy (the bench's 2048x1536 RGB picture after Negative or Sharpen, whose noise
 * repeats: 30-40% more CPU for its encode), where run-length deflate is no faster than on noise.
 */
export async function encodeIfNoisy(image: RawImage): Promise<Buffer | undefined> {
  const filtered = upFiltered(image);
  try {
    return (await sampleLooksNoisy(filtered.sample)) ? await pngOf(image, filtered.rows) : undefined;
  } finally {
    filtered.release();
  }
}

/** The PNG of an 8-bit picture, Up-filtered and deflated with run-length matching. */
export async function encodeNoisyPng(image: RawImage): Promise<Buffer> {
  const filtered = upFiltered(image);
  try {
    return await pngOf(image, filtered.rows);
  } finally {
    filtered.release();
  }
}

/**
 * The PNG file, written once into its buffer: signature, IHDR, one IDAT holding the zlib stream (a header,
 * the raw deflate parts, the Adler-32 of the whole) and IEND.
 */
async function pngOf(image: RawImage, rows: Uint8Array): Promise<Buffer> {
  if (!crc32) throw new Error('zlib.crc32 is missing (Node older than 20.15)');
  const pieces = deflateInParts(rows, image.width * image.channels + 1);
  const adler = adler32(rows); // while the pool deflates
  const deflated = (await pieces).flat();
  const idatLength = ZLIB_HEADER.length + deflated.reduce((sum, piece) => sum + piece.length, 0) + 4;
  const out = Buffer.allocUnsafe(PNG_SIGNATURE.length + 25 + 12 + idatLength + 12);
  out.set(PNG_SIGNATURE);
  let at = PNG_SIGNATURE.length;
  const chunk = (type: string, length: number, write: (data: Buffer) => void) => {
    out.writeUInt32BE(length, at);
    out.write(type, at + 4, 'latin1');
    write(out.subarray(at + 8, at + 8 + length));
    out.writeUInt32BE(crc32(out.subarray(at + 4, at + 8 + length)) >>> 0, at + 8 + length);
    at += 12 + length;
  };
  chunk('IHDR', 13, (header) => {
    header.writeUInt32BE(image.width, 0);
    header.writeUInt32BE(image.height, 4);
    header[8] = 8; // bits per sample
    header[9] = COLOUR_TYPE[image.channels];
    header.fill(0, 10); // compression, filter method and interlace: 0, 0, none
  });
  chunk('IDAT', idatLength, (data) => {
    data.set(ZLIB_HEADER);
    let offset = ZLIB_HEADER.length;
    for (const piece of deflated) {
      data.set(piece, offset);
      offset += piece.length;
    }
    data.writeUInt32BE(adler, offset);
  });
  chunk('IEND', 0, () => {});
  return out;
}

/**
 * `data` (rows of `rowBytes`) as raw deflate parts that join into one stream, deflated at once on the
 * thread pool: each part on its own, all but the last ended with a sync flush (byte-aligned, not final).
 */
function deflateInParts(data: Uint8Array, rowBytes: number): Promise<Buffer[][]> {
  const rows = data.length / rowBytes;
  const parts = Math.max(1, Math.min(DEFLATE_PARTS, rows, Math.floor(data.length / DEFLATE_PART_BYTES)));
  const options = { level: LEVEL, strategy: zlib.constants.Z_RLE };
  return Promise.all(
    Array.from({ length: parts }, (_, k) => {
      const from = Math.round((rows * k) / parts) * rowBytes;
      const to = Math.round((rows * (k + 1)) / parts) * rowBytes;
      const finishFlush = k === parts - 1 ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH;
      return deflateRawChunks(data.subarray(from, to), { ...options, finishFlush });
    }),
  );
}

/**
 * Raw deflate on the thread pool, the output left in the pieces zlib wrote it in (no copy to join them).
 * The output buffer is as large as deflate's worst case, so that the whole input is deflated in one trip to
 * the pool: with zlib's 16 KB default, each 16 KB of output is a round trip through the event loop, and on
 * a loaded machine every trip waits for both threads to be scheduled again.
 */
function deflateRawChunks(data: Uint8Array, options: zlib.ZlibOptions): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const stream = zlib.createDeflateRaw({ ...options, chunkSize: deflateBound(data.length) });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(chunks));
    stream.on('error', reject);
    stream.end(data);
  });
}

/** zlib's deflateBound for raw deflate: stored blocks' worst case, 5 bytes per 16 KB block and a little. */
function deflateBound(length: number): number {
  return Math.max(zlib.constants.Z_MIN_CHUNK, length + (length >> 12) + (length >> 14) + (length >> 25) + 64);
}

/**
 * Adler-32, zlib's checksum: the sums are reduced every ADLER_RUN bytes, few enough that they stay under
 * 2^31 (small integers to V8; zlib's 5552 keeps them under 2^32).
 */
const ADLER_RUN = 3800;
const ADLER_MOD = 65521;
export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; ) {
    const end = Math.min(data.length, i + ADLER_RUN);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= ADLER_MOD;
    b %= ADLER_MOD;
  }
  return ((b << 16) | a) >>> 0;
}
