/**
 * Training kernels the wasm backend lacks or runs slowly, registered over tfjs-backend-wasm's own.
 * Call once after `import '@tensorflow/tfjs-backend-wasm'` (select.ts does); later calls do nothing.
 *
 * - Conv2DBackpropFilter: missing upstream; a dilated conv on XNNPACK (see conv-filter-grad.ts).
 * - Conv2DBackpropInput: upstream is naive C; XNNPACK conv or matmul + col2im.
 * - BatchMatMul: upstream uses XNNPACK only untransposed with batch 1; here always.
 * - UnsortedSegmentSum: missing upstream; the gradient of gather.
 * - GatherV2: upstream converts every element's offset through a heap-allocated coordinate vector.
 * - Slice, SplitV, Unpack: upstream copies the whole input out of the heap for every piece.
 * - Transpose: for (batched) 2-D patterns a tiled copy beats upstream's strided loop (≤2×).
 */
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import { BackendError } from '../../errors.js';
import { conv2dBackpropFilterKernel } from './conv-filter-grad.js';
import { conv2dBackpropInputKernel } from './conv-input-grad.js';
import { batchMatMulKernel } from './matmul.js';
import { setStockKernel } from './heap.js';
import { sliceKernel, splitVKernel, unpackKernel } from './slice.js';
import { transposeKernel } from './transpose.js';
import { unsortedSegmentSumKernel } from './segment-sum.js';
import { gatherV2Kernel } from './gather.js';

const KERNELS: readonly [string, KernelFunc][] = [
  ['BatchMatMul', batchMatMulKernel as unknown as KernelFunc],
  ['Conv2DBackpropFilter', conv2dBackpropFilterKernel as unknown as KernelFunc],
  ['Conv2DBackpropInput', conv2dBackpropInputKernel as unknown as KernelFunc],
  ['UnsortedSegmentSum', unsortedSegmentSumKernel as unknown as KernelFunc],
  ['GatherV2', gatherV2Kernel as unknown as KernelFunc],
  ['Slice', sliceKernel as unknown as KernelFunc],
  ['SplitV', splitVKernel as unknown as KernelFunc],
  ['Unpack', unpackKernel as unknown as KernelFunc],
  ['Transpose', transposeKernel as unknown as KernelFunc],
];

let registered: string[] | null = null;
/** The upstream kernels we replaced (absent for the ones upstream lacks), for benchmarks. */
const stockConfigs = new Map<string, KernelConfig>();
const ourConfigs = new Map<string, KernelConfig>();

/** Registers our kernels for backend 'wasm' and returns their names. */
export function registerWasmTrainingKernels(): string[] {
  if (registered) return [...registered];
  const stockMatMul = tf.getKernel('BatchMatMul', 'wasm');
  if (!stockMatMul) {
    throw new BackendError(
      'wasm training kernels: no stock wasm BatchMatMul kernel found; import @tensorflow/tfjs-backend-wasm first',
    );
  }
  for (const [kernelName, kernelFunc] of KERNELS) {
    const existing = tf.getKernel(kernelName, 'wasm');
    if (existing) {
      // Ours may delegate cases to it (BatchMatMul: the plain case, whose packed weights it caches).
      setStockKernel(kernelName, existing.kernelFunc);
      stockConfigs.set(kernelName, existing);
      tf.unregisterKernel(kernelName, 'wasm');
    }
    const config: KernelConfig = { kernelName, backendName: 'wasm', kernelFunc };
    // A replaced kernel's setup (its C bindings) must still run: our code may call into it.
    if (existing?.setupFunc) config.setupFunc = existing.setupFunc;
    ourConfigs.set(kernelName, config);
    tf.registerKernel(config);
  }
  registered = KERNELS.map(([name]) => name);
  return [...registered];
}

/**
 * Switches between our kernels and upstream's (for benchmarks and A/B checks). With `false`, the
 * kernels upstream lacks are simply absent again. Call after `registerWasmTrainingKernels`.
 */
export function useWasmTrainingKernels(enabled: boolean): void {
  if (!registered)
    throw new BackendError('wasm training kernels: call registerWasmTrainingKernels() first');
  for (const name of registered) {
    if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
    const config = enabled ? ourConfigs.get(name) : stockConfigs.get(name);
    if (config) tf.registerKernel(config);
  }
}
