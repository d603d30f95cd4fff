/**
 * The hot loops of the Gaussian blur in WebAssembly SIMD, as function bodies: sixteen float32 samples per
 * step, in four vectors of four with independent sums, written out as floats or straight as rounded bytes;
 * the conversions of bytes (plain, or RGBA premultiplied by alpha) to floats and back; Sharpen's
 * 2 * source - blur; and PNG's Up filter, for the noisy-picture encoder (noisy-png.ts). wasm-assembler.ts assembles them from their opcodes into a module of about 1 KB (no
 * toolchain, no binary file in the repository), which the engine validates when it compiles it; the tests
 * compare its results with a plain transcription of imaging. *
 * What `convolve` computes, for the samples p = start .. end-1, rounded up to a multiple of 16, so up to 15
 * samples past `end` are written (and read, radius * step further on): the planes have room for that, and
 * callers overwrite those samples with their edge handling or a later call:
 *
 *   dst[p] = w[0] * src[p] + sum over k = 1..radius of w[k] * (src[p - k * step] + src[p + k * step])
 *
 * and, for byte output, trunc(dst[p] + 0.5) clamped to 0..255, imaging's rounding for the non-negative sums
 * it sees.
 */

import { F32, I32, op, uleb, V128, type WasmFunction } from './wasm-assembler.js';

// Parameters and locals of the three `convolve` functions, by index.
const [SRC, DST, COUNT, STEP_BYTES, WEIGHTS, RADIUS] = [0, 1, 2, 3, 4, 5];
const [P, END, K, D, LO, HI] = [6, 7, 8, 9, 10, 11]; // i32
const [W0, HALF, WK] = [12, 13, 14]; // v128
const ACC = [15, 16, 17, 18]; // v128: the sums of samples p .. p + 15, four per vector
/** Samples per step of the loop: four vectors, so that each weight and each address serves 16 samples. */
const STEP_SAMPLES = 16;

/**
 * convolve(src, dst, count, stepBytes, weights, radius): float32 planes in and out (`dst` unrounded).
 * convolveRounded(...): the same, each sum rounded as imaging does, floor(x + 0.5), still as a float.
 * convolveToBytes(src, dst, ...): float32 in, 8-bit out, rounded as imaging does (x + 0.5 truncated) and
 * clamped to 0..255; dst advances one byte per sample.
 */
function convolveBody(output: 'floats' | 'roundedFloats' | 'bytes'): number[] {
  const vectors = [0, 1, 2, 3];
  // Four independent sums per step: the additions of one do not wait for those of the others.
  const rounded = (v: number) => [op.get(ACC[v]!), op.get(HALF), op.f32x4Add, op.f32x4Floor, op.set(ACC[v]!)];
  const storeFloats = [
    ...(output === 'roundedFloats' ? vectors.flatMap(rounded) : []),
    ...vectors.flatMap((v) => [op.get(P), op.get(DST), op.i32Add, op.get(ACC[v]!), op.v128StoreAt(16 * v)]),
  ];
  // 4 x f32x4 -> 4 x i32x4 -> 2 x i16x8 -> 16 bytes, saturating: negatives to 0, over 255 to 255
  const toIntegers = (v: number) => [op.get(ACC[v]!), op.get(HALF), op.f32x4Add, op.i32x4TruncSatF32x4S];
  const storeBytes = [
    op.get(DST),
    ...toIntegers(0),
    ...toIntegers(1),
    op.i16x8NarrowI32x4S,
    ...toIntegers(2),
    ...toIntegers(3),
    op.i16x8NarrowI32x4S,
    op.i8x16NarrowI16x8U,
    op.v128StoreAt(0),
    op.get(DST),
    op.i32(16),
    op.i32Add,
    op.set(DST),
  ];
  // biome-ignore format: one statement of the loop per line, like the text format of wasm
  const code = [
    op.get(COUNT), op.i32(2), op.i32Shl, op.get(SRC), op.i32Add, op.set(END), // end = src + count * 4 (bytes)
    op.get(WEIGHTS), op.f32Load, op.f32x4Splat, op.set(W0), // w0 = splat(w[0])
    op.f32Const(0.5), op.f32x4Splat, op.set(HALF),
    ...(output !== 'bytes' ? [op.get(DST), op.get(SRC), op.i32Sub, op.set(DST)] : []), // dst - src, for p
    op.get(SRC), op.set(P),
    op.block, op.loop, // for (p = src; p < end; p += 16 samples)
    op.get(P), op.get(END), op.i32GeU, op.brIf(1),
    ...vectors.flatMap((v) => [op.get(P), op.v128LoadAt(16 * v), op.get(W0), op.f32x4Mul, op.set(ACC[v]!)]),
    op.i32(1), op.set(K),
    op.get(STEP_BYTES), op.set(D),
    op.block, op.loop, // for (k = 1, d = step; k <= radius; k++, d += step)
    op.get(K), op.get(RADIUS), op.i32GtS, op.brIf(1),
    op.get(WEIGHTS), op.get(K), op.i32(2), op.i32Shl, op.i32Add, op.f32Load, op.f32x4Splat, op.set(WK),
    op.get(P), op.get(D), op.i32Sub, op.set(LO), // lo = p - d, hi = p + d
    op.get(P), op.get(D), op.i32Add, op.set(HI),
    // acc[v] += wk * (src[lo + 4v] + src[hi + 4v])
    ...vectors.flatMap((v) => [
      op.get(ACC[v]!), op.get(WK), op.get(LO), op.v128LoadAt(16 * v), op.get(HI), op.v128LoadAt(16 * v),
      op.f32x4Add, op.f32x4Mul, op.f32x4Add, op.set(ACC[v]!),
    ]),
    op.get(D), op.get(STEP_BYTES), op.i32Add, op.set(D),
    op.get(K), op.i32(1), op.i32Add, op.set(K),
    op.br(0),
    op.end, op.end,
    ...(output !== 'bytes' ? storeFloats : storeBytes), // dst[p - src] or dst[0..15], then dst += 16
    op.get(P), op.i32(4 * STEP_SAMPLES), op.i32Add, op.set(P),
    op.br(0),
    op.end, op.end,
    op.end,
  ].flat();
  const locals = [2, ...uleb(6), I32, ...uleb(7), V128];
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

// Parameters and locals of `premultiplyRgba` and `unpremultiplyRgba`, by index.
const [FROM, TO, PIXELS, STOP, ALPHA, PIXEL] = [0, 1, 2, 3, 4, 5];

/**
 * premultiplyRgba(from: 8-bit RGBA, to: float32 RGBA, pixels): colour * alpha, alpha as is.
 */
function premultiplyBody(): number[] {
  // biome-ignore format: one statement of the loop per line, like the text format of wasm
  const code = [
    op.get(FROM), op.get(PIXELS), op.i32(2), op.i32Shl, op.i32Add, op.set(STOP), // stop = from + pixels * 4
    op.block, op.loop,
    op.get(FROM), op.get(STOP), op.i32GeU, op.brIf(1),
    op.get(FROM), op.v128Load8x8U, op.i32x4ExtendLowI16x8U, op.f32x4ConvertI32x4U, op.set(PIXEL), // 4 bytes -> f32x4
    op.get(PIXEL), op.f32x4ExtractLane3, op.set(ALPHA),
    op.get(TO), op.get(PIXEL), op.get(ALPHA), op.f32x4Splat, op.f32x4Mul, op.get(ALPHA), op.f32x4ReplaceLane3,
    op.v128Store, // to = (r * a, g * a, b * a, a)
    op.get(FROM), op.i32(4), op.i32Add, op.set(FROM),
    op.get(TO), op.i32(16), op.i32Add, op.set(TO),
    op.br(0),
    op.end, op.end,
    op.end,
  ].flat();
  const locals = [3, 1, I32, 1, F32, 1, V128]; // stop; alpha; pixel
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

/**
 * unpremultiplyRgba(from: float32 premultiplied RGBA, to: 8-bit RGBA, pixels): colour / alpha and alpha,
 * rounded (floor(x + 0.5)) and clamped to 0..255; alpha 0 gives 0, 0, 0, 0.
 */
function unpremultiplyBody(): number[] {
  // biome-ignore format: one statement of the loop per line, like the text format of wasm
  const code = [
    op.get(FROM), op.get(PIXELS), op.i32(4), op.i32Shl, op.i32Add, op.set(STOP), // stop = from + pixels * 16
    op.block, op.loop,
    op.get(FROM), op.get(STOP), op.i32GeU, op.brIf(1),
    op.get(FROM), op.v128Load, op.set(PIXEL),
    op.get(PIXEL), op.f32x4ExtractLane3, op.set(ALPHA),
    op.get(PIXEL), // pixel * (alpha > 0 ? 1 / alpha : 0), alpha put back in lane 3
    op.f32Const(1), op.get(ALPHA), op.f32Div, op.f32Const(0), op.get(ALPHA), op.f32Const(0), op.f32Gt, op.select,
    op.f32x4Splat, op.f32x4Mul, op.get(ALPHA), op.f32x4ReplaceLane3,
    op.f32Const(0.5), op.f32x4Splat, op.f32x4Add, op.f32x4Floor, // round
    op.i32x4TruncSatF32x4U, op.set(PIXEL), // to integers, negatives to 0
    op.get(PIXEL), op.get(PIXEL), op.i16x8NarrowI32x4U, op.set(PIXEL), // saturating to 0..255 in two steps
    op.get(TO), op.get(PIXEL), op.get(PIXEL), op.i8x16NarrowI16x8U, op.v128Store32Lane0,
    op.get(FROM), op.i32(16), op.i32Add, op.set(FROM),
    op.get(TO), op.i32(4), op.i32Add, op.set(TO),
    op.br(0),
    op.end, op.end,
    op.end,
  ].flat();
  const locals = [3, 1, I32, 1, F32, 1, V128]; // stop; alpha; pixel
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

// Parameters and locals of `bytesToFloats` and `sharpenBytes`, by index.
const [IN, OUT, SAMPLES, LAST, EIGHT] = [0, 1, 2, 3, 4];

/** bytesToFloats(from: 8-bit, to: float32, samples): eight samples per step. */
function bytesToFloatsBody(): number[] {
  // biome-ignore format: one statement of the loop per line, like the text format of wasm
  const code = [
    op.get(IN), op.get(SAMPLES), op.i32Add, op.set(LAST),
    op.block, op.loop,
    op.get(IN), op.get(LAST), op.i32GeU, op.brIf(1),
    op.get(IN), op.v128Load8x8U, op.set(EIGHT), // 8 x u16
    op.get(OUT), op.get(EIGHT), op.i32x4ExtendLowI16x8U, op.f32x4ConvertI32x4U, op.v128StoreAt(0),
    op.get(OUT), op.get(EIGHT), op.i32x4ExtendHighI16x8U, op.f32x4ConvertI32x4U, op.v128StoreAt(16),
    op.get(IN), op.i32(8), op.i32Add, op.set(IN),
    op.get(OUT), op.i32(32), op.i32Add, op.set(OUT),
    op.br(0),
    op.end, op.end,
    op.end,
  ].flat();
  const locals = [2, 1, I32, 1, V128]; // last; eight
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

/** sharpenBytes(source: 8-bit, blurred: 8-bit, samples): blurred = clamp(2 * source - blurred), in place. */
function sharpenBytesBody(): number[] {
  // biome-ignore format: one statement of the loop per line, like the text format of wasm
  const code = [
    op.get(IN), op.get(SAMPLES), op.i32Add, op.set(LAST),
    op.block, op.loop,
    op.get(IN), op.get(LAST), op.i32GeU, op.brIf(1),
    op.get(IN), op.v128Load8x8U, op.i32(1), op.i16x8Shl, op.get(OUT), op.v128Load8x8U, op.i16x8Sub, op.set(EIGHT),
    op.get(OUT), op.get(EIGHT), op.get(EIGHT), op.i8x16NarrowI16x8U, op.v128Store64Lane0, // saturated to 0..255
    op.get(IN), op.i32(8), op.i32Add, op.set(IN),
    op.get(OUT), op.i32(8), op.i32Add, op.set(OUT),
    op.br(0),
    op.end, op.end,
    op.end,
  ].flat();
  const locals = [2, 1, I32, 1, V128]; // last; eight
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

// Parameters and locals of `upFilter`, by index.
const [ROW_BYTES, ROW_END, DIFFERENCE] = [3, 4, 5];

/**
 * upFilter(from: 8-bit, to: 8-bit, samples, rowBytes): to[i] = from[i] - from[i - rowBytes], modulo 256,
 * sixteen samples per step: PNG's Up filter of one row (the row above is rowBytes before it).
 */
function upFilterBody(): number[] {
  // biome-ignore format: one statement of the loop per line, like the text format of wasm
  const code = [
    op.get(IN), op.get(SAMPLES), op.i32Add, op.set(ROW_END),
    op.block, op.loop,
    op.get(IN), op.get(ROW_END), op.i32GeU, op.brIf(1),
    op.get(IN), op.v128Load, op.get(IN), op.get(ROW_BYTES), op.i32Sub, op.v128Load, op.i8x16Sub, op.set(DIFFERENCE),
    op.get(OUT), op.get(DIFFERENCE), op.v128Store,
    op.get(IN), op.i32(16), op.i32Add, op.set(IN),
    op.get(OUT), op.i32(16), op.i32Add, op.set(OUT),
    op.br(0),
    op.end, op.end,
    op.end,
  ].flat();
  const locals = [2, 1, I32, 1, V128]; // rowEnd; difference
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

const CONVOLVE_PARAMS = [SRC, DST, COUNT, STEP_BYTES, WEIGHTS, RADIUS].map(() => I32);
const PIXELS_PARAMS = [I32, I32, I32]; // (from, to, pixels)

/** Every function of the module, in one list: its place is its index, its name is its export. */
export const CONVOLUTION_KERNELS = [
  { name: 'convolve', params: CONVOLVE_PARAMS, body: convolveBody('floats') },
  { name: 'premultiplyRgba', params: PIXELS_PARAMS, body: premultiplyBody() },
  { name: 'unpremultiplyRgba', params: PIXELS_PARAMS, body: unpremultiplyBody() },
  { name: 'convolveToBytes', params: CONVOLVE_PARAMS, body: convolveBody('bytes') },
  { name: 'bytesToFloats', params: PIXELS_PARAMS, body: bytesToFloatsBody() },
  { name: 'sharpenBytes', params: PIXELS_PARAMS, body: sharpenBytesBody() },
  { name: 'convolveRounded', params: CONVOLVE_PARAMS, body: convolveBody('roundedFloats') },
  { name: 'upFilter', params: [I32, I32, I32, I32], body: upFilterBody() },
] as const satisfies readonly WasmFunction[];

export type KernelName = (typeof CONVOLUTION_KERNELS)[number]['name'];
