/**
 * The hot loops of the Gaussian blur in WebAssembly SIMD: sixteen float32 samples per step, in four vectors
 * of four with independent sums, written out as floats or straight as rounded bytes; the conversions of
 * bytes (plain, or RGBA premultiplied by alpha) to floats and back; and Sharpen's 2 * source - blur. The
 * module is assembled here from its opcodes (about 1 KB; no toolchain, no binary file in the repository)
 * and validated by the engine when compiled; the tests compare its results with a plain transcription of
 * imaging.
 *
 * What `convolve` computes, for the samples p = start .. end-1, rounded up to a multiple of 16, so up to 15
 * samples past `end` are written (and read, radius * step further on): the planes have room for that, and
 * callers overwrite those samples with their edge handling or a later call:
 *
 *   dst[p] = w[0] * src[p] + sum over k = 1..radius of w[k] * (src[p - k * step] + src[p + k * step])
 *
 * and, for byte output, trunc(dst[p] + 0.5) clamped to 0..255, imaging's rounding for the non-negative sums
 * it sees.
 */

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

/** Unsigned LEB128, as wasm encodes sizes, indices and SIMD opcodes. */
function uleb(value: number): number[] {
  const bytes: number[] = [];
  let v = value;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (v !== 0);
  return bytes;
}

/** Signed LEB128, as wasm encodes i32.const. */
function sleb(value: number): number[] {
  const bytes: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(text: string): number[] {
  return [...uleb(text.length), ...Buffer.from(text, 'utf8')];
}

const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  get: (local: number) => [0x20, local],
  set: (local: number) => [0x21, local],
  i32: (value: number) => [0x41, ...sleb(value)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Shl: [0x74],
  i32GtS: [0x4a],
  i32GeU: [0x4f],
  f32Load: [0x2a, 2, 0], // align 4 bytes, offset 0
  f32Const: (value: number) => [0x43, ...new Uint8Array(new Float32Array([value]).buffer)],
  v128Load: [0xfd, ...uleb(0x00), 0, 0], // alignment hint 1 byte: the loads are unaligned
  v128Store: [0xfd, ...uleb(0x0b), 0, 0],
  f32x4Splat: [0xfd, ...uleb(0x13)],
  f32x4Floor: [0xfd, ...uleb(0x68)],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
  f32Div: [0x95],
  f32Gt: [0x5e],
  select: [0x1b],
  f32x4ExtractLane3: [0xfd, ...uleb(0x1f), 3],
  f32x4ReplaceLane3: [0xfd, ...uleb(0x20), 3],
  v128Load8x8U: [0xfd, ...uleb(0x02), 0, 0], // 8 bytes, zero-extended to 8 x i16
  i32x4ExtendLowI16x8U: [0xfd, ...uleb(0xa9)],
  f32x4ConvertI32x4U: [0xfd, ...uleb(0xfb)],
  i32x4TruncSatF32x4U: [0xfd, ...uleb(0xf9)],
  i16x8NarrowI32x4U: [0xfd, ...uleb(0x86)],
  i8x16NarrowI16x8U: [0xfd, ...uleb(0x66)],
  v128Store32Lane0: [0xfd, ...uleb(0x5a), 0, 0, 0],
  v128LoadAt: (offset: number) => [0xfd, ...uleb(0x00), 0, ...uleb(offset)], // unaligned, at address + offset
  v128StoreAt: (offset: number) => [0xfd, ...uleb(0x0b), 0, ...uleb(offset)],
  v128Store64Lane0: [0xfd, ...uleb(0x5b), 0, 0, 0],
  i32x4TruncSatF32x4S: [0xfd, ...uleb(0xf8)],
  i16x8NarrowI32x4S: [0xfd, ...uleb(0x85)],
  i16x8Shl: [0xfd, ...uleb(0x8b)],
  i16x8Sub: [0xfd, ...uleb(0x91)],
  i32x4ExtendHighI16x8U: [0xfd, ...uleb(0xaa)],
};

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

function assembleModule(): Uint8Array {
  const convolveParams = [SRC, DST, COUNT, STEP_BYTES, WEIGHTS, RADIUS].map(() => I32);
  const convolveType = [0x60, ...uleb(convolveParams.length), ...convolveParams, 0]; // (6 x i32) -> ()
  const pixelsType = [0x60, 3, I32, I32, I32, 0]; // (from, to, pixels) -> ()
  const exports = [
    [...name('convolve'), 0x00, 0],
    [...name('premultiplyRgba'), 0x00, 1],
    [...name('unpremultiplyRgba'), 0x00, 2],
    [...name('convolveToBytes'), 0x00, 3],
    [...name('bytesToFloats'), 0x00, 4],
    [...name('sharpenBytes'), 0x00, 5],
    [...name('convolveRounded'), 0x00, 6],
  ];
  const bodies = [
    convolveBody('floats'),
    premultiplyBody(),
    unpremultiplyBody(),
    convolveBody('bytes'),
    bytesToFloatsBody(),
    sharpenBytesBody(),
    convolveBody('roundedFloats'),
  ];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [2, ...convolveType, ...pixelsType]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x01]), // memory, at least 1 page
    ...section(3, [7, 0, 1, 1, 0, 1, 1, 0]), // seven functions and their types
    ...section(7, [exports.length, ...exports.flat()]),
    ...section(10, [bodies.length, ...bodies.flat()]),
  ];
  return new Uint8Array(bytes);
}

/** The part of the WebAssembly JS API used here (the project's TypeScript libs leave it out, it is DOM-typed). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Compiled once; a module is immutable, each image gets its own instance and memory. */
const convolutionModule = new wasm.Module(assembleModule());

const PAGE = 65536;
/** Room after each plane for the last step's spare samples (up to 15 floats or bytes past the end). */
const SLACK_BYTES = 64;

type Exports = Record<
  | 'convolve'
  | 'convolveRounded'
  | 'convolveToBytes'
  | 'premultiplyRgba'
  | 'unpremultiplyRgba'
  | 'bytesToFloats'
  | 'sharpenBytes',
  (...args: number[]) => void
>;

export interface PlaneLayout {
  /** The length in samples of each float32 plane. */
  floats: number[];
  /** The length in samples of each 8-bit plane. */
  bytes: number[];
}

/**
 * Working space for one blur in one wasm memory, so the planes can be handed to the SIMD loops without
 * copying: the weights, float32 planes and 8-bit planes, each followed by some slack. The memory is
 * garbage-collected with the instance.
 */
export class SimdConvolution {
  readonly floats: Float32Array[];
  readonly bytes: Uint8Array[];
  private readonly weights: Float32Array;
  private readonly exports: Exports;

  constructor(radius: number, layout: PlaneLayout) {
    const padded = (bytes: number) => Math.ceil((bytes + SLACK_BYTES) / 16) * 16;
    const weightsBytes = padded((radius + 1) * 4);
    const total = [...layout.floats.map((n) => padded(n * 4)), ...layout.bytes.map(padded)].reduce(
      (sum, n) => sum + n,
      weightsBytes,
    );
    const memory = new wasm.Memory({ initial: Math.ceil(total / PAGE) });
    const instance = new wasm.Instance(convolutionModule, { env: { memory } });
    this.exports = instance.exports as Exports;
    this.weights = new Float32Array(memory.buffer, 0, radius + 1);
    let at = weightsBytes;
    this.floats = layout.floats.map((n) => {
      const plane = new Float32Array(memory.buffer, at, n);
      at += padded(n * 4);
      return plane;
    });
    this.bytes = layout.bytes.map((n) => {
      const plane = new Uint8Array(memory.buffer, at, n);
      at += padded(n);
      return plane;
    });
  }

  /** 8-bit samples to floats. */
  bytesToFloats(from: Uint8Array, to: Float32Array): void {
    this.exports.bytesToFloats(from.byteOffset, to.byteOffset, from.length);
  }

  /** 8-bit RGBA to premultiplied floats: colour * alpha, alpha as is. */
  premultiplyRgba(from: Uint8Array, to: Float32Array): void {
    this.exports.premultiplyRgba(from.byteOffset, to.byteOffset, from.length / 4);
  }

  /**
   * Premultiplied floats back to 8-bit RGBA: colour / alpha and alpha, rounded (floor(x + 0.5)) and
   * clamped to 0..255; alpha 0 gives 0, 0, 0, 0.
   */
  unpremultiplyRgba(from: Float32Array, to: Uint8Array): void {
    this.exports.unpremultiplyRgba(from.byteOffset, to.byteOffset, to.length / 4);
  }

  /** blurred = clamp(2 * source - blurred), imaging's Sharpen, on 8-bit samples. */
  sharpen(source: Uint8Array, blurred: Uint8Array): void {
    this.exports.sharpenBytes(source.byteOffset, blurred.byteOffset, source.length);
  }

  /**
   * dst[dstStart + p - start] for p = start .. end-1 from src[p], weights already divided by their sum;
   * start - radius * step and end + radius * step must lie within `src`. Up to 15 samples past the end of
   * the range are written as well (the count is rounded up to a multiple of 16): the caller's edge handling
   * or a later call overwrites them, or they fall in the plane's slack. A float `dst` gets the sums as they
   * are, or rounded as imaging does with `round`; a byte `dst` gets them rounded and clamped.
   */
  convolve(
    src: Float32Array,
    dst: Float32Array | Uint8Array,
    range: { start: number; end: number; step: number; dstStart?: number },
    normalised: Float64Array,
    round = false,
  ): void {
    const { start, end, step, dstStart = start } = range;
    const radius = normalised.length - 1;
    if (end <= start) return;
    const outside =
      start - radius * step < 0 || end + radius * step > src.length || end - start + dstStart > dst.length;
    if (outside || normalised.length > this.weights.length) {
      throw new RangeError('convolution window outside the plane');
    }
    this.weights.set(normalised);
    const { convolve, convolveRounded, convolveToBytes } = this.exports;
    const run = dst instanceof Uint8Array ? convolveToBytes : round ? convolveRounded : convolve;
    const dstAt = dst.byteOffset + dstStart * dst.BYTES_PER_ELEMENT;
    run(src.byteOffset + start * 4, dstAt, end - start, step * 4, this.weights.byteOffset, radius);
  }
}
