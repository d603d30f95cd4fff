/**
 * The largest POST /commit body that can exist, so the API's body limit follows the image caps instead of a
 * guessed figure. An image result is at most MAX_IMAGE_PIXELS pixels of 8-bit RGBA (grey stays grey, 16-bit
 * comes out 8-bit, palettes come out RGB(A)); its worst-case PNG is stored (incompressible) rows plus zlib's
 * and the chunks' framing; the commit carries it as base64 in JSON.
 */
const KiB = 1024;

/** Bytes per pixel of the largest decoded result (RGBA, 8 bits) plus, per row, PNG's filter byte. */
const WORST_BYTES_PER_PIXEL = 4 + 1;
/** zlib stored blocks (5 bytes per 64 KiB) and IDAT chunks (12 bytes per 8 KiB) come to under 0.2%. */
const PNG_FRAMING_FACTOR = 1.01;
const PNG_HEADERS_BYTES = 64 * KiB;
/** The commit's JSON around the base64 (task id, status). */
const COMMIT_ENVELOPE_BYTES = 4 * KiB;
/**
 * Code results are small next to images: with MAX_TESTS tests, two streams each plus the task's own two and
 * the compiler's two, each cut at the code-processor's OUTPUT_LIMIT_BYTES (64 KiB by default), JSON-escaped
 * at worst 6 bytes per byte: (2·50 + 4) · 64 KiB · 6 ≈ 39 MiB. This floor covers that.
 */
const MIN_COMMIT_BYTES = 40 * KiB * KiB;

export function largestImageResultBytes(maxPixels: number): number {
  return Math.ceil(maxPixels * WORST_BYTES_PER_PIXEL * PNG_FRAMING_FACTOR) + PNG_HEADERS_BYTES;
}

export function largestCommitBytes(maxPixels: number): number {
  const base64 = 4 * Math.ceil(largestImageResultBytes(maxPixels) / 3);
  return Math.max(MIN_COMMIT_BYTES, base64 + COMMIT_ENVELOPE_BYTES);
}
