/**
 * The compiled addon (native/*.cc) as TypeScript sees it, and how it is found and loaded.
 * Every array argument is a typed array the addon reads or writes in place; shapes are plain
 * number arrays. The addon never allocates tensors: the kernels own every output array.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

type F32 = Float32Array;
/** Typed arrays of 32-bit elements: the copy kernels move float32 and int32 data alike. */
export type Data32 = Float32Array | Int32Array;

export interface NativeAddon {
  info(): { dnnl: string; openblas: string; ompThreads: number; blasThreads: number };
  /** kind 0: (x, w) -> y; 1: (dy, w) -> dx; 2: (x, dy) -> dw. dims: N H W C KH KW OC OH OW sH sW dH dW pT pL pB pR. */
  conv(kind: 0 | 1 | 2, a: F32, b: F32, out: F32, dims: number[]): void;
  convCacheSize(): number;
  gemm(
    a: F32,
    b: F32,
    c: F32,
    batch: number,
    batchA: number,
    batchB: number,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
  ): void;
  /** 0 automatic, 1 oneDNN, 2 OpenBLAS. */
  setGemmImpl(impl: 0 | 1 | 2): void;
  binary(
    op: number,
    a: F32,
    aShape: number[],
    b: F32,
    bShape: number[],
    out: F32,
    outShape: number[],
  ): void;
  unary(op: number, x: F32, out: F32, alpha: number): void;
  /** ReLU's gradient dy * step(x) in one pass (native/elementwise.cc). */
  reluGrad(dy: F32, x: F32, out: F32): void;
  /** Reduces the middle axis of an [m, k, n] view. */
  reduce(op: number, x: F32, out: F32, m: number, k: number, n: number): void;
  softmax(x: F32, out: F32, rows: number, cols: number): void;
  transpose(x: Data32, shape: number[], perm: number[], out: Data32): void;
  copyBox(
    src: Data32,
    srcShape: number[],
    srcStart: number[],
    dst: Data32,
    dstShape: number[],
    dstStart: number[],
    box: number[],
  ): void;
  tile(x: Data32, shape: number[], reps: number[], out: Data32): void;
  /** Returns the position of the first out-of-range index, or -1. */
  gather(
    x: Data32,
    indices: Int32Array,
    out: Data32,
    outer: number,
    axisDim: number,
    inner: number,
  ): number;
  segmentSum(x: F32, ids: Int32Array, out: F32, inner: number, numSegments: number): void;
  /** Floats of workspace the fused GRU's forward keeps for its backward. dims: B T I H. */
  gruWorkspaceLength(dims: number[]): number;
  /** Fused GRU (native/gru.cc): writes y [B, T, H] and the workspace. */
  gruForward(
    x: F32,
    h0: F32,
    weightIh: F32,
    weightHh: F32,
    biasIh: F32,
    biasHh: F32,
    y: F32,
    workspace: F32,
    dims: number[],
  ): void;
  /** The fused GRU's gradients of its six inputs from dL/dy and the forward's y and workspace. */
  gruBackward(
    x: F32,
    h0: F32,
    weightIh: F32,
    weightHh: F32,
    biasIh: F32,
    biasHh: F32,
    y: F32,
    workspace: F32,
    dy: F32,
    dx: F32,
    dh0: F32,
    dWeightIh: F32,
    dWeightHh: F32,
    dBiasIh: F32,
    dBiasHh: F32,
    dims: number[],
  ): void;
  /** oneDNN GRU primitives (forward or backward) created since load; a cached shape adds none. */
  gruPrimitivesCreated(): number;
  /**
   * One Adam update (native/adam.cc) into pOut, mOut, vOut. consts: beta1, 1 - beta1, beta2,
   * 1 - beta2, sqrt(1 - beta2^t), epsilon, lr / (1 - beta1^t).
   */
  adamUpdate(
    p: F32,
    m: F32,
    v: F32,
    g: F32,
    pOut: F32,
    mOut: F32,
    vOut: F32,
    consts: number[],
  ): void;
}

/** Where the addon is looked for: `GIM_NATIVE_ADDON` if set, else the node-gyp output in the package. */
export function addonPath(): string {
  const override = process.env['GIM_NATIVE_ADDON'];
  if (override) return override;
  // src/backend/native/ and dist/backend/native/ are both three levels below the package root.
  return fileURLToPath(new URL('../../../native/build/Release/gim_native.node', import.meta.url));
}

/** Loads the addon, or says why it cannot be loaded. Never throws. */
export function loadAddon(path: string): { addon: NativeAddon } | { reason: string } {
  if (!existsSync(path)) {
    return {
      reason:
        `addon not built (${path} does not exist; install libdnnl-dev and libopenblas-dev, ` +
        'then run node scripts/build-native.mjs)',
    };
  }
  try {
    // libgomp reads OMP_WAIT_POLICY when the addon loads. Its default (spin for a while) wastes
    // the cores when the machine is shared: measured on 2 cores with two busy processes, the demo
    // step took 0.63 s with the default and 0.28 s passive (0.17 vs 0.14 s on an idle machine).
    process.env['OMP_WAIT_POLICY'] ??= 'PASSIVE';
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    if (typeof addon.conv !== 'function' || typeof addon.info !== 'function') {
      return { reason: `${path} is not the gim native addon` };
    }
    return { addon };
  } catch (err) {
    return {
      reason: `addon failed to load from ${path}: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}
