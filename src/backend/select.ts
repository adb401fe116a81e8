/**
 * Backend selection: the single place that decides which TensorFlow.js engine runs our kernels.
 *
 * - `cpu`: pure JavaScript, the numerical reference for tests (slow).
 * - `wasm`: XNNPACK + SIMD, one thread, plus the training kernels we register ourselves.
 * - `native`: our Node addon over oneDNN, when it was built at install time.
 * - `tensorflow`: tfjs-node, only if the user installed it (never a dependency).
 * - `auto`: native if it loads, otherwise wasm.
 */
import { tf } from './tf.js';
import { BackendError } from '../errors.js';
import { registerWasmTrainingKernels } from './wasm-kernels/index.js';
import { loadNativeBackend } from './native/index.js';

export const BACKEND_NAMES = ['auto', 'cpu', 'wasm', 'native', 'tensorflow'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface ActiveBackend {
  /** The backend that is now active. */
  readonly name: Exclude<BackendName, 'auto'>;
  /** Worker threads its kernels use. */
  readonly threads: number;
  /** Why this backend was chosen, or why a faster one was not. */
  readonly note: string;
}

let wasmReady: Promise<boolean> | null = null;

async function ensureWasm(): Promise<boolean> {
  wasmReady ??= (async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    registerWasmTrainingKernels();
    return true;
  })();
  return wasmReady;
}

/** Make `requested` the active backend and report what is running. */
export async function initBackend(requested: BackendName = 'auto'): Promise<ActiveBackend> {
  silenceCpuBanner();
  switch (requested) {
    case 'cpu':
      await activate('cpu');
      return { name: 'cpu', threads: 1, note: 'pure JavaScript reference backend' };
    case 'wasm':
      await ensureWasm();
      await activate('wasm');
      return {
        name: 'wasm',
        threads: 1,
        note: 'XNNPACK + SIMD, single thread, with our training kernels',
      };
    case 'native': {
      const native = loadNativeBackend();
      if (!native.ok) throw new BackendError(`backend "native" is not available: ${native.reason}`);
      await activate('native');
      return { name: 'native', threads: native.threads, note: native.description };
    }
    case 'tensorflow': {
      try {
        // Optional, user-installed; the module name is a variable so tsc does not require it.
        const moduleName = '@tensorflow/tfjs-node';
        await import(moduleName);
      } catch {
        throw new BackendError(
          'backend "tensorflow" needs @tensorflow/tfjs-node, which is not installed',
        );
      }
      await activate('tensorflow');
      return { name: 'tensorflow', threads: 0, note: 'tfjs-node (libtensorflow)' };
    }
    case 'auto': {
      const native = loadNativeBackend();
      if (native.ok) {
        await activate('native');
        return { name: 'native', threads: native.threads, note: native.description };
      }
      await ensureWasm();
      await activate('wasm');
      return {
        name: 'wasm',
        threads: 1,
        note: `native backend unavailable (${native.reason}); using wasm, single thread`,
      };
    }
    default:
      throw new BackendError(
        `unknown backend "${String(requested)}"; expected one of ${BACKEND_NAMES.join(', ')}`,
      );
  }
}

async function activate(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new BackendError(`backend "${name}" failed to initialise`);
  await tf.ready();
}

/** tfjs-backend-cpu prints a tfjs-node advertisement on first use; the library never prints. */
function silenceCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}
