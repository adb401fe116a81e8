/**
 * Moving a stack of modules (and their per-module Adam state) in and out of checkpoint tensors,
 * shared by the audio and vision trainers and by evaluation. Names are `module<m>.<param>`, with
 * `#adam.m` / `#adam.v` suffixes for the optimiser moments.
 */
import { tf } from '../backend/tf.js';
import { CheckpointError, TrainingDivergedError } from '../errors.js';
import type { Adam } from '../nn/adam.js';
import type { Module } from '../nn/module.js';

export type CheckpointTensors = Map<
  string,
  { readonly shape: readonly number[]; readonly values: Float32Array }
>;

/** Weights and Adam moments of every module. */
export function packModules(
  modules: readonly Module[],
  optimizers: readonly Adam[],
): CheckpointTensors {
  const tensors: CheckpointTensors = new Map();
  modules.forEach((module, m) => {
    const state = optimizers[m]!.getState();
    for (const [name, v] of module.namedParameters()) {
      const key = `module${m + 1}.${name}`;
      const [mom1, mom2] = state.moments.get(name)!;
      tensors.set(key, { shape: v.shape, values: v.dataSync() as Float32Array });
      tensors.set(`${key}#adam.m`, { shape: v.shape, values: mom1 });
      tensors.set(`${key}#adam.v`, { shape: v.shape, values: mom2 });
    }
  });
  return tensors;
}

/**
 * Assign saved weights to `modules` (and, with `optimizers`, their Adam state). A missing tensor
 * or one of another size is a CheckpointError naming it, its expected and its found shape.
 */
export function unpackModules(
  dir: string,
  tensors: ReadonlyMap<
    string,
    { readonly shape: readonly number[]; readonly values: Float32Array }
  >,
  modules: readonly Module[],
  optimizers: { readonly adams: readonly Adam[]; readonly steps: readonly number[] } | null = null,
): void {
  modules.forEach((module, m) => {
    const moments = new Map<string, readonly [Float32Array, Float32Array]>();
    for (const [name, v] of module.namedParameters()) {
      const key = `module${m + 1}.${name}`;
      const w = tensors.get(key);
      if (!w || w.values.length !== v.size) {
        throw new CheckpointError(
          dir,
          `tensor "${key}": expected shape [${v.shape}], found ${w ? `[${w.shape}]` : 'nothing'}`,
        );
      }
      tf.tidy(() => v.assign(tf.tensor(w.values, v.shape)));
      if (optimizers) {
        const mom1 = tensors.get(`${key}#adam.m`);
        const mom2 = tensors.get(`${key}#adam.v`);
        if (!mom1 || !mom2) throw new CheckpointError(dir, `no optimiser state for "${key}"`);
        moments.set(name, [mom1.values, mom2.values]);
      }
    }
    if (optimizers) optimizers.adams[m]!.setState({ step: optimizers.steps[m]!, moments });
  });
}

/** Memory figures recorded with every training step. */
export function stepMemory(): {
  tensorBytes: number;
  tensors: number;
  rssBytes: number;
  peakRssBytes: number;
} {
  const mem = tf.memory();
  return {
    tensorBytes: mem.numBytes,
    tensors: mem.numTensors,
    rssBytes: process.memoryUsage().rss,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

/** Let pending I/O and signal handlers (Ctrl-C) run; training steps alone never do. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A step's losses must be finite; otherwise the run stops naming the first bad module. */
export function assertFiniteLosses(
  record: { readonly step: number; readonly modules: readonly ({ loss: number } | null)[] },
  lastCheckpoint: string,
): void {
  record.modules.forEach((m, i) => {
    if (m && !Number.isFinite(m.loss))
      throw new TrainingDivergedError(i + 1, record.step, 'loss', m.loss, lastCheckpoint);
  });
}

/**
 * Every value about to be saved must be finite: a weight or Adam moment can overflow on a step
 * whose loss was still finite, and saving it would replace the last good checkpoint.
 */
export function assertFiniteTensors(
  tensors: CheckpointTensors,
  step: number,
  lastCheckpoint: string,
): void {
  for (const [key, { values }] of tensors) {
    for (let i = 0; i < values.length; i++) {
      if (Number.isFinite(values[i]!)) continue;
      const module = Number(/^module(\d+)\./.exec(key)?.[1] ?? 0);
      const what = `${key.includes('#adam') ? 'optimiser state' : 'weight'} "${key}"`;
      throw new TrainingDivergedError(module, step, what, values[i]!, lastCheckpoint);
    }
  }
}
