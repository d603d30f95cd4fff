/**
 * Gaussian blur and sharpen with the exact semantics of the Go library disintegration/imaging, so that
 * users moving from it get the same pictures (within 1 per sample, imaging's own test tolerance):
 *
 * - radius = ceil(3 * sigma); weight(i) = exp(-i^2 / (2 sigma^2)) (imaging's 1/(sigma sqrt(2 pi)) factor
 *   cancels in the normalisation, so it is left out);
 * - separable: a horizontal pass, then a vertical pass over its output; each pass rounds to 8 bits
 *   (x + 0.5, truncated, clamped) before the next;
 * - at the borders the kernel is cut off and divided by the sum of the weights actually used (no edge
 *   extension);
 * - with alpha, colour is alpha-weighted (sum(c * a * w) / sum(a * w)) and alpha is sum(a * w) / sum(w);
 *   a pixel whose window is fully transparent comes out as 0 in every channel;
 * - sharpen = clamp(2 * source - blur(source)) on every channel, alpha included.
 *
 * Not with libvips: sharp's convolve casts back to 8 bits by truncating and extends edges by copying, so
 * it misses imaging by 2 (measured), and its blur cuts the kernel short. Each pass runs in WebAssembly
 * SIMD (simd-convolution.ts) over float32 strips of rows, 8-bit planes in between: the interior in one call,
 * the top and bottom rows (where the window is cut) each with its own renormalised weights over zero rows,
 * and only the pixels near the left and right ends in plain JS. Images without alpha (or fully opaque) skip
 * the alpha weighting, which is the identity for them.
 */
import { type BlurJob, blurInParts } from './blur-helper.js';
import { hasAlpha, type RawImage, withData } from './raw-image.js';
import { SimdConvolution } from './simd-convolution.js';

/** The one-sided kernel: weights[i] for offsets -i and +i, i = 0..radius. */
export function gaussianWeights(sigma: number): Float64Array {
  const radius = Math.ceil(sigma * 3);
  const weights = new Float64Array(radius + 1);
  for (let i = 0; i <= radius; i++) weights[i] = Math.exp(-(i * i) / (2 * sigma * sigma));
  return weights;
}

export function gaussianBlur(image: RawImage, sigma: number): RawImage {
  return withData(image, blur(image, sigma, false));
}

export function sharpen(image: RawImage, sigma: number): RawImage {
  return withData(image, blur(image, sigma, true));
}

/** The blur (or, with `sharpenIt`, Sharpen) of `image`, as new samples; on two threads when it is large. */
function blur(image: RawImage, sigma: number, sharpenIt: boolean): Uint8Array {
  if (!(sigma > 0)) throw new RangeError(`sigma must be greater than 0, got ${sigma}`);
  const { width, height, channels } = image;
  const job: BlurJob = {
    width,
    height,
    channels,
    sigma,
    sharpen: sharpenIt,
    alpha: hasAlpha(image) && !isOpaque(image),
  };
  return blurInParts(image.data, job, Math.ceil(sigma * 3), blurRows);
}

/** Float working space for this many bytes of rows at a time: enough to keep a strip's rows in cache. */
const STRIP_BYTES = 1 << 20;

/**
 * Output rows `from` .. `to`-1 of the blur (or Sharpen) that `job` describes of the picture `source`,
 * written to the same rows of `output`. Parts of a picture can so be computed on different threads
 * (blur-helper.ts); each reads the `radius` source rows on either side of its own.
 *
 * The source rows it needs are copied into one 8-bit plane of wasm memory; the float32 planes the passes
 * work on hold only a window of rows, so they stay in the processor's cache and the memory stays small
 * (about 1 byte per sample plus the window; the memory is reused from one picture to the next, as every
 * page of fresh memory is a page fault to pay). For each strip of output rows y0 .. y1-1 the window holds
 * the horizontal pass's output, rounded to 8 bits, of rows y0 - radius .. y1 + radius - 1: the 2 * radius
 * rows it shares with the previous strip's window are moved down, the others computed; rows outside the
 * picture are zeros, so that the cut windows at the top and bottom are the whole kernel over zeros, divided
 * by the weights actually used. Then the vertical pass writes the strip's rows.
 */
export function blurRows(source: Uint8Array, output: Uint8Array, job: BlurJob, from: number, to: number): void {
  const weights = gaussianWeights(job.sigma);
  const radius = weights.length - 1;
  const { width, height, channels, alpha } = job;
  const image = { width, height, channels };
  const rowLength = width * channels;
  const stripRows = Math.min(to - from, Math.max(2 * radius, 8, Math.ceil(STRIP_BYTES / (rowLength * 4))));
  const windowLength = (stripRows + 2 * radius) * rowLength;
  const sourceFirst = Math.max(0, from - radius); // the source rows this part reads
  const sourceEnd = Math.min(height, to + radius);
  const planes = new SimdConvolution(radius, {
    // the horizontal pass's input, the vertical pass's window, and with alpha the unnormalised sums
    floats: alpha ? [windowLength, windowLength, windowLength] : [windowLength, windowLength],
    bytes: [(sourceEnd - sourceFirst) * rowLength, windowLength], // the source rows; a strip of 8-bit samples
  });
  try {
    const [across, window, sums] = planes.floats as [Float32Array, Float32Array, Float32Array | undefined];
    const [picture, strip] = planes.bytes as [Uint8Array, Uint8Array];
    picture.set(source.subarray(sourceFirst * rowLength, sourceEnd * rowLength));
    const rows = (first: number, end: number) =>
      picture.subarray((first - sourceFirst) * rowLength, (end - sourceFirst) * rowLength);
    // Without alpha, or with alpha 255 everywhere (which then blurs to 255), imaging's weighting by alpha is
    // the identity: every sample is blurred on its own, rounded to 8 bits after each pass. With alpha, each
    // pass blurs the premultiplied colour (c * a) and the alpha alone, then divides and rounds to 8 bits as
    // imaging does; RGBA converts in SIMD, grey+alpha in JS.
    const toFloats = (from: Uint8Array, to: Float32Array) => {
      if (!alpha) planes.bytesToFloats(from, to);
      else if (channels === 4) planes.premultiplyRgba(from, to);
      else premultiplyGreyAlpha(from, to);
    };
    const toBytes = (from: Float32Array, to: Uint8Array) => {
      if (channels === 4) planes.unpremultiplyRgba(from, to);
      else unpremultiplyGreyAlpha(from, to);
    };
    /** The horizontal pass over picture rows first .. end-1, into the window from its row `at`. */
    const horizontal = (first: number, end: number, at: number) => {
      const count = (end - first) * rowLength;
      const shape = { width, height: end - first, channels };
      const into = window.subarray(at * rowLength, at * rowLength + count);
      toFloats(rows(first, end), across);
      if (!sums) {
        convolveRows(planes, across.subarray(0, count), into, shape, weights, true);
      } else {
        convolveRows(planes, across.subarray(0, count), sums.subarray(0, count), shape, weights, false);
        toBytes(sums.subarray(0, count), strip.subarray(0, count));
        toFloats(strip.subarray(0, count), into);
      }
    };

    let windowFirst = from - radius; // the picture row in the window's row 0
    let done = sourceFirst; // picture rows sourceFirst .. done-1 have been through the horizontal pass
    window.fill(0, 0, (done - windowFirst) * rowLength); // the rows above the picture
    for (let y0 = from; y0 < to; y0 += stripRows) {
      const y1 = Math.min(to, y0 + stripRows);
      const first = y0 - radius;
      if (first > windowFirst)
        window.copyWithin(0, (first - windowFirst) * rowLength, (done - windowFirst) * rowLength);
      windowFirst = first;
      const needed = Math.min(height, y1 + radius);
      if (needed > done) horizontal(done, needed, done - first);
      done = needed;
      const length = (y1 - y0 + 2 * radius) * rowLength;
      window.fill(0, (done - first) * rowLength, length); // the rows below the picture
      const rowsWindow = { from: window.subarray(0, length), firstRow: first };
      const count = (y1 - y0) * rowLength;
      const out = strip.subarray(0, count);
      if (!sums) {
        convolveColumns(planes, rowsWindow, out, { y0, y1 }, image, weights);
      } else {
        convolveColumns(planes, rowsWindow, sums.subarray(0, count), { y0, y1 }, image, weights);
        toBytes(sums.subarray(0, count), out);
      }
      if (job.sharpen) planes.sharpen(rows(y0, y1), out);
      output.set(out, y0 * rowLength);
    }
  } finally {
    planes.release(); // the next picture on this thread reuses the memory
  }
}

function isOpaque(image: RawImage): boolean {
  const { data, channels } = image;
  for (let p = channels - 1; p < data.length; p += channels) if (data[p] !== 255) return false;
  return true;
}

type Shape = Pick<RawImage, 'width' | 'height' | 'channels'>;

/** Both halves of the kernel summed: the divisor of a window that lies wholly in the image. */
function normalisedWeights(weights: Float64Array): Float64Array {
  let sum = weights[0]!;
  for (let k = 1; k < weights.length; k++) sum += 2 * weights[k]!;
  return weights.map((w) => w / sum);
}

/**
 * The horizontal pass: along each row, samples of a channel are `channels` apart. The SIMD loop runs over
 * the whole image as one line; the samples within `radius` pixels of a row's ends (where that mixes rows)
 * are then recomputed with the cut, renormalised window.
 */
function convolveRows(
  planes: SimdConvolution,
  src: Float32Array,
  out: Float32Array,
  { width, height, channels }: Shape,
  weights: Float64Array,
  round: boolean,
): void {
  const radius = weights.length - 1;
  const rowLength = width * channels;
  if (width > 2 * radius) {
    const range = { start: radius * channels, end: height * rowLength - radius * channels, step: channels };
    planes.convolve(src, out, range, normalisedWeights(weights), round);
  }
  // The pixels within `radius` of either end of a row, each with its cut window (the same in every row),
  // recomputed here in plain JS.
  const edges: { x: number; lo: number; hi: number; taps: Float64Array }[] = [];
  const edge = Math.min(radius, width);
  for (let x = 0; x < width; x++) {
    if (x === edge && width - radius > x) x = width - radius;
    const lo = Math.max(-radius, -x);
    const hi = Math.min(radius, width - 1 - x);
    const one = cutWeights(weights, x, width);
    const taps = new Float64Array(hi - lo + 1).map((_, j) => one[Math.abs(lo + j)]!);
    edges.push({ x, lo, hi, taps });
  }
  for (let y = 0; y < height; y++) {
    for (const { x, lo, taps } of edges) {
      const at = y * rowLength + x * channels;
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let j = 0, i = at + c + lo * channels; j < taps.length; j++, i += channels) acc += taps[j]! * src[i]!;
        out[at + c] = round ? Math.floor(acc + 0.5) : acc;
      }
    }
  }
}

/**
 * The vertical pass for output rows y0 .. y1-1, written from row 0 of `out`: samples of a column are a row
 * apart. `window.from` holds the input rows from `window.firstRow` = y0 - radius to y1 + radius - 1, rows
 * outside the picture as zeros. The rows with whole windows go through the SIMD loop in one call; each of
 * the top and bottom `radius` rows in a call of its own, the zeros standing for the missing rows and the
 * weights divided by the sum of those actually used. In order of rows, as each call may write a few
 * samples into the next row.
 */
function convolveColumns(
  planes: SimdConvolution,
  window: { from: Float32Array; firstRow: number },
  out: Float32Array | Uint8Array,
  { y0, y1 }: { y0: number; y1: number },
  { width, height, channels }: Shape,
  weights: Float64Array,
): void {
  const radius = weights.length - 1;
  const rowLength = width * channels;
  const { from, firstRow } = window;
  const whole = normalisedWeights(weights);
  for (let y = y0; y < y1; ) {
    const cut = y < radius || y >= height - radius;
    const end = cut ? y + 1 : Math.min(y1, height - radius);
    const range = {
      start: (y - firstRow) * rowLength,
      end: (end - firstRow) * rowLength,
      step: rowLength,
      dstStart: (y - y0) * rowLength,
    };
    planes.convolve(from, out, range, cut ? cutWeights(weights, y, height) : whole);
    y = end;
  }
}

/** The one-sided kernel divided by the sum of the weights that fall inside a line of `length` at `at`. */
function cutWeights(weights: Float64Array, at: number, length: number): Float64Array {
  const radius = weights.length - 1;
  let sum = 0;
  for (let k = Math.max(-radius, -at); k <= Math.min(radius, length - 1 - at); k++) sum += weights[k < 0 ? -k : k]!;
  return weights.map((w) => w / sum);
}

/** Grey+alpha to premultiplied floats: grey times alpha, alpha as is. */
function premultiplyGreyAlpha(src: Uint8Array, out: Float32Array): void {
  for (let p = 0; p < src.length; p += 2) {
    const a = src[p + 1]!;
    out[p] = src[p]! * a;
    out[p + 1] = a;
  }
}

/**
 * Back to 8-bit grey+alpha: grey = sum(g * a * w) / sum(a * w), alpha = sum(a * w) / sum(w), both rounded;
 * a pixel whose window was fully transparent becomes 0, 0, as in imaging.
 */
function unpremultiplyGreyAlpha(src: Float32Array, out: Uint8Array): void {
  for (let p = 0; p < src.length; p += 2) {
    const a = src[p + 1]!;
    if (a === 0) {
      out[p] = out[p + 1] = 0;
    } else {
      out[p] = clampRound(src[p]! / a);
      out[p + 1] = clampRound(a);
    }
  }
}

/** imaging's rounding: + 0.5, truncated, clamped to 0..255 (sums of samples can overshoot by a rounding error). */
function clampRound(v: number): number {
  const r = (v + 0.5) | 0;
  return Math.max(0, Math.min(255, r));
}
