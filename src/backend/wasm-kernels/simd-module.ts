/**
 * A tiny WebAssembly module of our own, with 128-bit SIMD loops the wasm backend lacks, assembled
 * here from opcodes (a few hundred bytes: no toolchain, no file, no network). It imports the wasm
 * backend's own memory, so it reads and writes tensors where they lie: arguments are byte offsets
 * into that heap (`memoryOffset`). Users: small-matmul.ts (dot, axpy), segment-sum.ts (scatterAdd).
 */
import type { WasmBackend } from './heap.js';

// ---- a minimal WebAssembly assembler: only what the two functions use --------------------------

function leb(value: number, signed = false): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = v & 0x7f;
    v = signed ? v >> 7 : v >>> 7;
    const done = signed
      ? (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)
      : v === 0;
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  get: (i: number) => [0x20, ...leb(i)],
  set: (i: number) => [0x21, ...leb(i)],
  tee: (i: number) => [0x22, ...leb(i)],
  i32: (v: number) => [0x41, ...leb(v, true)],
  add: [0x6a],
  mul: [0x6c],
  shl: [0x74],
  ltU: [0x49],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf0: [0x0d, 0x00],
  i32Load: [0x28, 0x02, 0x00],
  f32Load: [0x2a, 0x02, 0x00],
  f32Store: [0x38, 0x02, 0x00],
  f32Add: [0x92],
  v128Load: [0xfd, 0x00, 0x02, 0x00],
  v128Store: [0xfd, 0x0b, 0x02, 0x00],
  v128Zero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  splat: [0xfd, 0x13],
  lane: (l: number) => [0xfd, 0x1f, l],
  f32x4Add: [0xfd, 0xe4, 0x01],
  f32x4Mul: [0xfd, 0xe6, 0x01],
};

/** `local += step; br_if (local <u limit)`: the tail of a do-while loop. */
function countUp(local: number, step: number[], limit: number[]): number[] {
  return [...op.get(local), ...step, ...op.add, ...op.tee(local), ...limit, ...op.ltU, ...op.brIf0];
}

// dot(a, b, c, batch, M, N, K): params 0–6; locals p 7, i 8, j 9, k 10, aBase 11, bBase 12,
// aRow 13, bRow 14, kBytes 15 (i32), acc 16 (v128). Pointers are byte offsets into the heap.
const DOT_BODY = [
  ...[2, ...leb(9), I32, 1, V128],
  ...[...op.get(6), ...op.i32(2), ...op.shl, ...op.set(15)], // kBytes = K·4
  ...op.loop, // p
  ...[
    ...op.get(0),
    ...op.get(7),
    ...op.get(4),
    ...op.mul,
    ...op.get(15),
    ...op.mul,
    ...op.add,
    ...op.set(11),
  ],
  ...[
    ...op.get(1),
    ...op.get(7),
    ...op.get(5),
    ...op.mul,
    ...op.get(15),
    ...op.mul,
    ...op.add,
    ...op.set(12),
  ],
  ...[...op.i32(0), ...op.set(8)],
  ...op.loop, // i
  ...[...op.get(11), ...op.get(8), ...op.get(15), ...op.mul, ...op.add, ...op.set(13)],
  ...[...op.i32(0), ...op.set(9)],
  ...op.loop, // j
  ...[...op.get(12), ...op.get(9), ...op.get(15), ...op.mul, ...op.add, ...op.set(14)],
  ...[...op.v128Zero, ...op.set(16), ...op.i32(0), ...op.set(10)],
  ...op.loop, // k, 4 at a time
  ...[...op.get(16), ...op.get(13), ...op.get(10), ...op.add, ...op.v128Load],
  ...[...op.get(14), ...op.get(10), ...op.add, ...op.v128Load, ...op.f32x4Mul, ...op.f32x4Add],
  ...op.set(16),
  ...countUp(10, op.i32(16), op.get(15)),
  ...op.end,
  ...[...op.get(2), ...op.get(16), ...op.lane(0), ...op.get(16), ...op.lane(1), ...op.f32Add],
  ...[...op.get(16), ...op.lane(2), ...op.f32Add, ...op.get(16), ...op.lane(3), ...op.f32Add],
  ...op.f32Store,
  ...[...op.get(2), ...op.i32(4), ...op.add, ...op.set(2)], // c += 4
  ...countUp(9, op.i32(1), op.get(5)),
  ...op.end,
  ...countUp(8, op.i32(1), op.get(4)),
  ...op.end,
  ...countUp(7, op.i32(1), op.get(3)),
  ...op.end,
  ...op.end,
];

// axpy(a, b, c, batch, M, N, K, aRow, aCol): params 0–8; locals p 9, i 10, k 11, j 12, aBase 13,
// bBase 14, nBytes 15, bRow 16 (i32), s 17 (v128). aRow/aCol: element strides of A's rows/columns.
const AXPY_BODY = [
  ...[2, ...leb(8), I32, 1, V128],
  ...[...op.get(5), ...op.i32(2), ...op.shl, ...op.set(15)], // nBytes = N·4
  ...op.loop, // p
  ...[
    ...op.get(0),
    ...op.get(9),
    ...op.get(4),
    ...op.mul,
    ...op.get(6),
    ...op.mul,
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.set(13),
  ],
  ...[
    ...op.get(1),
    ...op.get(9),
    ...op.get(6),
    ...op.mul,
    ...op.get(15),
    ...op.mul,
    ...op.add,
    ...op.set(14),
  ],
  ...[...op.i32(0), ...op.set(10)],
  ...op.loop, // i
  ...[...op.i32(0), ...op.set(12)],
  ...op.loop, // zero row i of C
  ...[...op.get(2), ...op.get(12), ...op.add, ...op.v128Zero, ...op.v128Store],
  ...countUp(12, op.i32(16), op.get(15)),
  ...op.end,
  ...[...op.i32(0), ...op.set(11)],
  ...op.loop, // k
  ...[
    ...op.get(13),
    ...op.get(10),
    ...op.get(7),
    ...op.mul,
    ...op.get(11),
    ...op.get(8),
    ...op.mul,
    ...op.add,
  ],
  ...[...op.i32(2), ...op.shl, ...op.add, ...op.f32Load, ...op.splat, ...op.set(17)], // s = a(p,i,k)
  ...[...op.get(14), ...op.get(11), ...op.get(15), ...op.mul, ...op.add, ...op.set(16)],
  ...[...op.i32(0), ...op.set(12)],
  ...op.loop, // j, 4 columns at a time: C[i, j:j+4] += s·B[k, j:j+4]
  ...[...op.get(2), ...op.get(12), ...op.add],
  ...[...op.get(2), ...op.get(12), ...op.add, ...op.v128Load],
  ...[...op.get(17), ...op.get(16), ...op.get(12), ...op.add, ...op.v128Load, ...op.f32x4Mul],
  ...[...op.f32x4Add, ...op.v128Store],
  ...countUp(12, op.i32(16), op.get(15)),
  ...op.end,
  ...countUp(11, op.i32(1), op.get(6)),
  ...op.end,
  ...[...op.get(2), ...op.get(15), ...op.add, ...op.set(2)], // c += N·4
  ...countUp(10, op.i32(1), op.get(4)),
  ...op.end,
  ...countUp(9, op.i32(1), op.get(3)),
  ...op.end,
  ...op.end,
];

// scatterAdd(x, ids, out, count, rowBytes): out row ids[i] += x row i for i < count, 4 lanes at a
// time (the gather gradient); params 0–4; locals i 5, j 6, src 7, dst 8 (i32). Ids must be valid.
const SCATTER_ADD_BODY = [
  ...[1, ...leb(4), I32],
  ...op.loop, // i
  ...[...op.get(0), ...op.get(5), ...op.get(4), ...op.mul, ...op.add, ...op.set(7)],
  ...[...op.get(2), ...op.get(1), ...op.get(5), ...op.i32(2), ...op.shl, ...op.add, ...op.i32Load],
  ...[...op.get(4), ...op.mul, ...op.add, ...op.set(8)],
  ...[...op.i32(0), ...op.set(6)],
  ...op.loop, // j: out[dst + j] += x[src + j]
  ...[...op.get(8), ...op.get(6), ...op.add],
  ...[...op.get(8), ...op.get(6), ...op.add, ...op.v128Load],
  ...[...op.get(7), ...op.get(6), ...op.add, ...op.v128Load, ...op.f32x4Add, ...op.v128Store],
  ...countUp(6, op.i32(16), op.get(4)),
  ...op.end,
  ...countUp(5, op.i32(1), op.get(3)),
  ...op.end,
  ...op.end,
];

function section(id: number, payload: number[]): number[] {
  return [id, ...leb(payload.length), ...payload];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...leb(bytes.length), ...bytes];
}

function moduleBytes(): Uint8Array {
  const funcType = (params: number) => [
    0x60,
    ...leb(params),
    ...new Array<number>(params).fill(I32),
    0,
  ];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [3, ...funcType(7), ...funcType(9), ...funcType(5)]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, ...leb(1)]),
    ...section(3, [3, 0, 1, 2]),
    ...section(7, [
      3,
      ...name('dot'),
      0x00,
      0,
      ...name('axpy'),
      0x00,
      1,
      ...name('scatterAdd'),
      0x00,
      2,
    ]),
    ...section(10, [
      3,
      ...leb(DOT_BODY.length),
      ...DOT_BODY,
      ...leb(AXPY_BODY.length),
      ...AXPY_BODY,
      ...leb(SCATTER_ADD_BODY.length),
      ...SCATTER_ADD_BODY,
    ]),
  ]);
}

// ---- binding to the wasm backend -----------------------------------------------------------------

export interface SimdKernels {
  dot(a: number, b: number, c: number, batch: number, M: number, N: number, K: number): void;
  axpy(
    a: number,
    b: number,
    c: number,
    batch: number,
    M: number,
    N: number,
    K: number,
    aRow: number,
    aCol: number,
  ): void;
  scatterAdd(x: number, ids: number, out: number, count: number, rowBytes: number): void;
}

/** The few WebAssembly JS APIs used here (the project's TS libs do not declare them). */
interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

const instances = new WeakMap<object, SimdKernels | null>();

/** The kernels bound to this backend's memory, or null where that cannot be done. */
export function simdKernels(backend: WasmBackend): SimdKernels | null {
  const wasm = backend.wasm as unknown as { asm?: { memory?: unknown } };
  if (instances.has(wasm)) return instances.get(wasm)!;
  let kernels: SimdKernels | null = null;
  const memory = wasm.asm?.memory;
  if (memory instanceof WA.Memory) {
    try {
      const instance = new WA.Instance(new WA.Module(moduleBytes()), {
        env: { memory },
      });
      kernels = instance.exports as unknown as SimdKernels;
    } catch {
      kernels = null; // no SIMD in this runtime: the caller keeps the stock kernel
    }
  }
  instances.set(wasm, kernels);
  return kernels;
}
