/**
 * The optional native backend: TF.js's cpu backend with its hot kernels (convolutions, matmul,
 * elementwise, reductions, data movement) replaced by a Node addon over oneDNN and OpenBLAS
 * (native/*.cc, built at install time when the Debian libraries are present). Every kernel it
 * does not override, and every case an override declines (other dtypes, NCHW), runs the stock
 * cpu kernel, so gradients, tidy and dispose behave exactly as on `cpu`.
 *
 * `GIM_NATIVE_ADDON` may name another addon file (tests use a missing path to check fallback).
 */
import { tf } from '../tf.js';
import { addonPath, loadAddon, type NativeAddon } from './addon.js';
import { BACKEND_NAME } from './kernel-util.js';
import { NativeBackend } from './native-backend.js';
import { registerGruKernels } from './kernels-gru.js';
import { registerLinalgKernels } from './kernels-linalg.js';
import { registerMathKernels } from './kernels-math.js';
import { registerFusedKernels } from './kernels-fused.js';
import { registerShapeKernels } from './kernels-shape.js';

export type NativeStatus =
  | { readonly ok: true; readonly threads: number; readonly description: string }
  | { readonly ok: false; readonly reason: string };

let status: NativeStatus | null = null;
let loaded: NativeAddon | null = null;

/**
 * Loads the addon and registers the backend `native` with TF.js on first success. Later calls
 * return the same status. Never throws: failures come back as `{ ok: false, reason }`.
 */
export function loadNativeBackend(): NativeStatus {
  if (status) return status;
  try {
    const res = loadAddon(addonPath());
    if ('reason' in res) return (status = { ok: false, reason: res.reason });
    register(res.addon);
    loaded = res.addon;
    const info = res.addon.info();
    const blas = info.openblas.split(' ').slice(0, 2).join(' ');
    status = {
      ok: true,
      threads: info.ompThreads,
      description: `oneDNN ${info.dnnl} + ${blas}, ${info.ompThreads} threads`,
    };
  } catch (err) {
    status = {
      ok: false,
      reason: `native backend failed to register: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  return status;
}

/** The loaded addon, for benchmarks that call kernels directly; null until loadNativeBackend() succeeds. */
export function nativeAddon(): NativeAddon | null {
  return loaded;
}

function register(addon: NativeAddon): void {
  if (!tf.findBackendFactory(BACKEND_NAME)) {
    tf.registerBackend(
      BACKEND_NAME,
      () => new NativeBackend(),
      // Below cpu and wasm: TF.js must never pick it on its own, only through initBackend.
      0,
    );
  }
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (tf.getKernel(k.kernelName, BACKEND_NAME)) tf.unregisterKernel(k.kernelName, BACKEND_NAME);
    tf.registerKernel({ ...k, backendName: BACKEND_NAME });
  }
  registerLinalgKernels(addon);
  registerMathKernels(addon);
  registerShapeKernels(addon);
  registerGruKernels(addon);
  registerFusedKernels(addon);
}
