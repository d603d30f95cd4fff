/**
 * A small WebAssembly assembler: LEB128 numbers, sections, names, the opcodes the kernels use, and a module
 * built from one list of functions, so that each function's index, type and export name come from its place
 * in that list and are never kept in step by hand.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** Unsigned LEB128, as wasm encodes sizes, indices and SIMD opcodes. */
export function uleb(value: number): number[] {
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
export function sleb(value: number): number[] {
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

export const op = {
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
  i8x16Sub: [0xfd, ...uleb(0x71)],
};

/** One function of a module: its export name, parameter types (all functions here return nothing), body. */
export interface WasmFunction<Name extends string = string> {
  name: Name;
  params: readonly number[];
  body: number[];
}

/**
 * A module that imports its memory as `env.memory` (at least one page) and exports every function under its
 * name. Function types are shared between functions with the same parameters.
 */
export function assembleModule(functions: readonly WasmFunction[]): Uint8Array {
  const signatures: string[] = [];
  const typeOf = functions.map((f) => {
    const key = f.params.join(',');
    if (!signatures.includes(key)) signatures.push(key);
    return signatures.indexOf(key);
  });
  const types = signatures.map((key) => {
    const params = key === '' ? [] : key.split(',').map(Number);
    return [0x60, ...uleb(params.length), ...params, 0];
  });
  const exports = functions.map((f, index) => [...name(f.name), 0x00, ...uleb(index)]);
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [...uleb(types.length), ...types.flat()]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x01]), // memory, at least 1 page
    ...section(3, [...uleb(functions.length), ...typeOf.flatMap((t) => uleb(t))]),
    ...section(7, [...uleb(exports.length), ...exports.flat()]),
    ...section(10, [...uleb(functions.length), ...functions.flatMap((f) => f.body)]),
  ];
  return new Uint8Array(bytes);
}
