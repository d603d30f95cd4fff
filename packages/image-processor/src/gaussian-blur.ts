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
 * it misses imaging by 2 (measured), and its blur cuts the kernel short. The interior of each pass runs in
 * WebAssembly SIMD (simd-convolution.ts); the edges, where the window is cut, in plain JS. Images without
 * alpha (or fully opaque) skip the alpha weighting, which is the identity for them.
 */
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
  if (!(sigma > 0)) throw new RangeError(`sigma must be greater than 0, got ${sigma}`);
  const weights = gaussianWeights(sigma);
  const { width, height, channels } = image;
  const samples = image.data.length;
  const planes = new SimdConvolution(samples, weights.length - 1);
  const { a, b } = planes;
  const out = new Uint8Array(samples);
  if (!hasAlpha(image) || isOpaque(image)) {
    // Without alpha, or with alpha 255 everywhere (which then blurs to 255), imaging's weighting by alpha
    // is the identity: every sample is blurred on its own, rounded after each pass.
    a.set(image.data);
    convolveRows(planes, a, b, { width, height, channels }, weights, true);
    convolveColumns(planes, b, a, { width, height, channels }, weights, true);
    out.set(a); // whole numbers 0..255 by now
    return withData(image, out);
  }
  // With alpha, each pass blurs the premultiplied colour (c * a) and the alpha alone, then divides and
  // rounds to 8 bits as imaging does after each pass. RGBA converts in SIMD, grey+alpha in JS.
  const { bytes } = planes;
  bytes.set(image.data);
  const toFloats = () => (channels === 4 ? planes.premultiplyRgba(a) : premultiplyGreyAlpha(bytes, a));
  const toBytes = () => (channels === 4 ? planes.unpremultiplyRgba(b) : unpremultiplyGreyAlpha(b, bytes));
  toFloats();
  convolveRows(planes, a, b, { width, height, channels }, weights, false);
  toBytes();
  toFloats();
  convolveColumns(planes, a, b, { width, height, channels }, weights, false);
  toBytes();
  out.set(bytes);
  return withData(image, out);
}

export function sharpen(image: RawImage, sigma: number): RawImage {
  const blurred = gaussianBlur(image, sigma).data;
  const src = image.data;
  const out = blurred; // overwritten in place: each sample is read once, before it is written
  for (let i = 0; i < src.length; i++) {
    const v = 2 * src[i]! - blurred[i]!;
    out[i] = Math.max(0, Math.min(255, v));
  }
  return withData(image, out);
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
 * The window of sample `index` cut at the edges, divided by the weights actually used: position `at`
 * along a line of `length` samples spaced `step` apart.
 */
function edgeSample(src: Float32Array, index: number, at: number, length: number, step: number, weights: Float64Array) {
  const radius = weights.length - 1;
  const lo = at - radius < 0 ? -at : -radius;
  const hi = at + radius > length - 1 ? length - 1 - at : radius;
  let acc = 0;
  let sum = 0;
  for (let k = lo; k <= hi; k++) {
    const w = weights[k < 0 ? -k : k]!;
    sum += w;
    acc += src[index + k * step]! * w;
  }
  const value = acc / sum;
  return value;
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
  const edge = Math.min(radius, width); // pixels at each end whose window is cut
  for (let y = 0; y < height; y++) {
    const row = y * rowLength;
    for (let x = 0; x < width; x++) {
      if (x === edge && width - radius > x) x = width - radius;
      for (let c = 0; c < channels; c++) {
        const i = row + x * channels + c;
        const value = edgeSample(src, i, x, width, channels, weights);
        out[i] = round ? Math.floor(value + 0.5) : value;
      }
    }
  }
}

/** The vertical pass: samples of a column are a row apart; the top and bottom `radius` rows have cut windows. */
function convolveColumns(
  planes: SimdConvolution,
  src: Float32Array,
  out: Float32Array,
  { width, height, channels }: Shape,
  weights: Float64Array,
  round: boolean,
): void {
  const radius = weights.length - 1;
  const rowLength = width * channels;
  if (height > 2 * radius) {
    const range = { start: radius * rowLength, end: (height - radius) * rowLength, step: rowLength };
    planes.convolve(src, out, range, normalisedWeights(weights), round);
  }
  const edge = Math.min(radius, height);
  for (let y = 0; y < height; y++) {
    if (y === edge && height - radius > y) y = height - radius;
    const row = y * rowLength;
    for (let i = row; i < row + rowLength; i++) {
      const value = edgeSample(src, i, y, height, rowLength, weights);
      out[i] = round ? Math.floor(value + 0.5) : value;
    }
  }
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
