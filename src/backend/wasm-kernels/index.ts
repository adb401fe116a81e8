/**
 * Training kernels the wasm backend lacks or runs slowly. Filled in by the wasm-kernels work;
 * until then this registers nothing.
 */
export function registerWasmTrainingKernels(): string[] {
  return [];
}
