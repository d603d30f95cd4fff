/**
 * The hot loops of the Gaussian blur in WebAssembly SIMD: eight float32 samples per step, in two vectors of
 * four, which makes the blur 2-3 times faster than the best plain-JS loop we measured (see the README);
 * and the conversions of RGBA to and from premultiplied floats. The module is assembled here from its
 * opcodes (600 bytes; no toolchain, no binary file in the repository) and validated by the engine when
 * compiled; the tests compare its results with a plain transcription of imaging.
 *
 * What `convolve` computes, for the samples p = start .. end-1, rounded up to a multiple of 8, so up to 7 samples
 * past `end` are written (and read, radius * step further on): the planes have room for that, and callers
 * overwrite those samples with their edge handling:
 *
 *   dst[p] = w[0] * src[p] + sum over k = 1..radius of w[k] * (src[p - k * step] + src[p + k * step])
 *
 * and, when `round` is set, floor(dst[p] + 0.5), imaging's rounding for the non-negative sums it sees.
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

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(text: string): number[] {
  return [...uleb(text.length), ...Buffer.from(text, 'utf8')];
}

const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  get: (local: number) => [0x20, local],
  set: (local: number) => [0x21, local],
  i32: (value: number) => [0x41, ...uleb(value)], // non-negative values below 64 only: sLEB = uLEB there
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Shl: [0x74],
  i32GtS: [0x4a],
  i32GeU: [0x4f],
  f32Load: [0x2a, 2, 0], // align 4 bytes, offset 0
  f32Const: (value: number) => [0x43, ...new Uint8Array(new Float32Array([value]).buffer)],
  v128Load: [0xfd, ...uleb(0x00), 0, 0], // alignment hint 1 byte: the loads are unaligned
  v128Store: [0xfd, ...uleb(0x0b), 0, 0],
  v128Load16: [0xfd, ...uleb(0x00), 0, 16], // the next vector: offset 16 bytes
  v128Store16: [0xfd, ...uleb(0x0b), 0, 16],
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
  getLocal: (local: number) => [0x20, local],
};

// Parameters and locals of `convolve`, by index.
const [SRC, DST, COUNT, STEP_BYTES, WEIGHTS, RADIUS, ROUND] = [0, 1, 2, 3, 4, 5, 6];
const [P, END, K, D, LO, HI] = [7, 8, 9, 10, 11, 12]; // i32
const [ACC, ACC2, W0, HALF, WK] = [13, 14, 15, 16, 17]; // v128

function convolveBody(): number[] {
  // Two vectors (8 samples) per step, sharing the weight and the index arithmetic; acc and acc2 hold the
  // sums for p and p + 4 samples.
  // biome-ignore format: one statement of the loop per line, like the text format of wasm
  const code = [
    op.get(COUNT), op.i32(2), op.i32Shl, op.set(END), // end = count * 4 (bytes)
    op.get(WEIGHTS), op.f32Load, op.f32x4Splat, op.set(W0), // w0 = splat(w[0])
    op.f32Const(0.5), op.f32x4Splat, op.set(HALF),
    op.get(SRC), op.set(P), // p walks src; dst is at the same distance from it throughout
    op.get(SRC), op.get(END), op.i32Add, op.set(END),
    op.get(DST), op.get(SRC), op.i32Sub, op.set(SRC), // src now holds dst - src
    op.block, op.loop, // for (p = src; p < src + end; p += 32)
    op.get(P), op.get(END), op.i32GeU, op.brIf(1),
    op.get(P), op.v128Load, op.get(W0), op.f32x4Mul, op.set(ACC), // acc = w0 * src[p]
    op.get(P), op.v128Load16, op.get(W0), op.f32x4Mul, op.set(ACC2), // acc2 = w0 * src[p + 4]
    op.i32(1), op.set(K),
    op.get(STEP_BYTES), op.set(D),
    op.block, op.loop, // for (k = 1, d = step; k <= radius; k++, d += step)
    op.get(K), op.get(RADIUS), op.i32GtS, op.brIf(1),
    op.get(WEIGHTS), op.get(K), op.i32(2), op.i32Shl, op.i32Add, op.f32Load, op.f32x4Splat, op.set(WK),
    op.get(P), op.get(D), op.i32Sub, op.set(LO), // lo = p - d, p + d
    op.get(P), op.get(D), op.i32Add, op.set(HI),
    op.get(ACC), op.get(WK), op.get(LO), op.v128Load, op.get(HI), op.v128Load, op.f32x4Add, op.f32x4Mul, op.f32x4Add,
    op.set(ACC), // acc += wk * (src[lo] + src[hi])
    op.get(ACC2), op.get(WK), op.get(LO), op.v128Load16, op.get(HI), op.v128Load16, op.f32x4Add, op.f32x4Mul,
    op.f32x4Add, op.set(ACC2), // acc2 += wk * (src[lo + 4] + src[hi + 4])
    op.get(D), op.get(STEP_BYTES), op.i32Add, op.set(D),
    op.get(K), op.i32(1), op.i32Add, op.set(K),
    op.br(0),
    op.end, op.end,
    op.get(ROUND), op.if, // if (round) acc = floor(acc + 0.5)
    op.get(ACC), op.get(HALF), op.f32x4Add, op.f32x4Floor, op.set(ACC),
    op.get(ACC2), op.get(HALF), op.f32x4Add, op.f32x4Floor, op.set(ACC2),
    op.end,
    op.get(P), op.get(SRC), op.i32Add, op.get(ACC), op.v128Store, // dst[p] = acc
    op.get(P), op.get(SRC), op.i32Add, op.get(ACC2), op.v128Store16, // dst[p + 4] = acc2
    op.get(P), op.i32(32), op.i32Add, op.set(P),
    op.br(0),
    op.end, op.end,
    op.end,
  ].flat();
  const locals = [2, ...uleb(6), I32, ...uleb(5), V128];
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

function assembleModule(): Uint8Array {
  const convolveParams = [SRC, DST, COUNT, STEP_BYTES, WEIGHTS, RADIUS, ROUND].map(() => I32);
  const convolveType = [0x60, ...uleb(convolveParams.length), ...convolveParams, 0]; // (7 x i32) -> ()
  const pixelsType = [0x60, 3, I32, I32, I32, 0]; // (from, to, pixels) -> ()
  const exports = [
    [...name('convolve'), 0x00, 0],
    [...name('premultiplyRgba'), 0x00, 1],
    [...name('unpremultiplyRgba'), 0x00, 2],
  ];
  const bodies = [convolveBody(), premultiplyBody(), unpremultiplyBody()];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [2, ...convolveType, ...pixelsType]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x01]), // memory, at least 1 page
    ...section(3, [3, 0, 1, 1]), // three functions and their types
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
/** Room after each plane for the last vector's spare lanes. */
const SLACK_BYTES = 64;

/**
 * Float32 working space for one blur: the weights and two sample planes in one wasm memory, so the planes
 * can be handed to the SIMD loop without copying. The memory is garbage-collected with the instance.
 */
export class SimdConvolution {
  /** Two float planes to convolve from one into the other. */
  readonly a: Float32Array;
  readonly b: Float32Array;
  /** An 8-bit plane, for the conversions of RGBA to and from premultiplied floats. */
  readonly bytes: Uint8Array;
  private readonly weights: Float32Array;
  private readonly exports: Record<'convolve' | 'premultiplyRgba' | 'unpremultiplyRgba', (...args: number[]) => void>;

  constructor(samples: number, radius: number) {
    const weightsBytes = Math.ceil(((radius + 1) * 4) / 16) * 16;
    const planeBytes = Math.ceil((samples * 4 + SLACK_BYTES) / 16) * 16;
    const bytesBytes = Math.ceil((samples + SLACK_BYTES) / 16) * 16;
    const memory = new wasm.Memory({ initial: Math.ceil((weightsBytes + 2 * planeBytes + bytesBytes) / PAGE) });
    const instance = new wasm.Instance(convolutionModule, { env: { memory } });
    this.exports = instance.exports as SimdConvolution['exports'];
    this.weights = new Float32Array(memory.buffer, 0, radius + 1);
    this.a = new Float32Array(memory.buffer, weightsBytes, samples);
    this.b = new Float32Array(memory.buffer, weightsBytes + planeBytes, samples);
    this.bytes = new Uint8Array(memory.buffer, weightsBytes + 2 * planeBytes, samples);
  }

  /** `bytes` (RGBA) to premultiplied floats in `to`. */
  premultiplyRgba(to: Float32Array): void {
    this.exports.premultiplyRgba(this.bytes.byteOffset, to.byteOffset, this.bytes.length / 4);
  }

  /** Premultiplied floats in `from` back to rounded 8-bit RGBA in `bytes`. */
  unpremultiplyRgba(from: Float32Array): void {
    this.exports.unpremultiplyRgba(from.byteOffset, this.bytes.byteOffset, this.bytes.length / 4);
  }

  /**
   * dst[p] for p = start .. end-1 from src (`a` and `b`, either way round), weights already divided by
   * their sum; start - radius * step and end + radius * step must lie within the plane.
   */
  convolve(
    src: Float32Array,
    dst: Float32Array,
    range: { start: number; end: number; step: number },
    normalised: Float64Array,
    round: boolean,
  ): void {
    const { start, end, step } = range;
    const radius = normalised.length - 1;
    if (end <= start) return;
    if (start - radius * step < 0 || end + radius * step > src.length || normalised.length > this.weights.length) {
      throw new RangeError('convolution window outside the plane');
    }
    this.weights.set(normalised);
    this.exports.convolve(
      src.byteOffset + start * 4,
      dst.byteOffset + start * 4,
      end - start,
      step * 4,
      this.weights.byteOffset,
      radius,
      round ? 1 : 0,
    );
  }
}
