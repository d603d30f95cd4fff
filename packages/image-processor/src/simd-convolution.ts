/**
 * The blur's WebAssembly module at run time: compiled once from the kernels (convolution-kernels.ts,
 * assembled by wasm-assembler.ts); each image gets its own instance and memory.
 */
import { CONVOLUTION_KERNELS, type KernelName } from './convolution-kernels.js';
import { assembleModule } from './wasm-assembler.js';

/** The part of the WebAssembly JS API used here (the project's TypeScript libs leave it out, it is DOM-typed). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Compiled once; a module is immutable, each image gets its own instance and memory. */
const convolutionModule = new wasm.Module(assembleModule(CONVOLUTION_KERNELS));

const PAGE = 65536;
/** Room after each plane for the last step's spare samples (up to 15 floats or bytes past the end). */
const SLACK_BYTES = 64;

type Exports = Record<KernelName, (...args: number[]) => void>;
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** One wasm memory and the module's instance over it. */
interface Workspace {
  memory: WasmMemory;
  exports: Exports;
}

/**
 * Memories given back after use, kept for the next picture on this thread. Fresh memory costs a page fault
 * per 4 KB page on first touch, and on this machine (a Firecracker VM) a fault costs about 15 us: some 4 ms
 * per MB, as much as a blur pass over it. A memory is kept only up to SPARE_BYTES (it never shrinks), and
 * at most SPARE_WORKSPACES of them (a blur and an encode or two may be in use at once).
 */
const spare: Workspace[] = [];
const SPARE_WORKSPACES = 3;
const SPARE_BYTES = 96 * 1024 * 1024;

/** A spare memory of at least `bytes` (grown if none is large enough), or a new one. */
function takeWorkspace(bytes: number): Workspace {
  const pages = Math.ceil(bytes / PAGE);
  spare.sort((a, b) => a.memory.buffer.byteLength - b.memory.buffer.byteLength);
  const fits = spare.findIndex((w) => w.memory.buffer.byteLength >= bytes);
  const taken = fits >= 0 ? spare.splice(fits, 1)[0] : spare.pop();
  if (taken) {
    const missing = pages - taken.memory.buffer.byteLength / PAGE;
    if (missing > 0) taken.memory.grow(missing);
    return taken;
  }
  const memory = new wasm.Memory({ initial: pages });
  const instance = new wasm.Instance(convolutionModule, { env: { memory } });
  return { memory, exports: instance.exports as Exports };
}

function giveBack(workspace: Workspace): void {
  if (workspace.memory.buffer.byteLength <= SPARE_BYTES && spare.length < SPARE_WORKSPACES) spare.push(workspace);
}

export interface PlaneLayout {
  /** The length in samples of each float32 plane. */
  floats: number[];
  /** The length in samples of each 8-bit plane. */
  bytes: number[];
}

/**
 * Working space for one blur (or one PNG encoding) in one wasm memory, so the planes can be handed to the
 * SIMD loops without copying: the weights, float32 planes and 8-bit planes, each followed by some slack.
 * The memory is one used before when there is one (`release` gives it back; the planes hold whatever was
 * there), so callers write every sample they read.
 */
export class SimdConvolution {
  readonly floats: Float32Array[];
  readonly bytes: Uint8Array[];
  private readonly weights: Float32Array;
  private readonly exports: Exports;
  private workspace: Workspace | undefined;

  constructor(radius: number, layout: PlaneLayout) {
    const padded = (bytes: number) => Math.ceil((bytes + SLACK_BYTES) / 16) * 16;
    const weightsBytes = padded((radius + 1) * 4);
    const total = [...layout.floats.map((n) => padded(n * 4)), ...layout.bytes.map(padded)].reduce(
      (sum, n) => sum + n,
      weightsBytes,
    );
    this.workspace = takeWorkspace(total);
    const { memory, exports } = this.workspace;
    this.exports = exports;
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

  /** Gives the memory back for the next picture: the planes must not be used afterwards. */
  release(): void {
    if (this.workspace) giveBack(this.workspace);
    this.workspace = undefined;
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
   * PNG's Up filter of one row: `to` = `row` minus the row `rowBytes` before it, modulo 256, sixteen bytes a
   * step; up to 15 bytes past the end of `to` are written as well (the next row's, written after, or slack).
   */
  upFilter(row: Uint8Array, to: Uint8Array, rowBytes: number): void {
    if (row.byteOffset - rowBytes < 0) throw new RangeError('the row above is outside the memory');
    this.exports.upFilter(row.byteOffset, to.byteOffset, row.length, rowBytes);
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
