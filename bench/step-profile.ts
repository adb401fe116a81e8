/**
 * Where a training step's time goes, by kernel, on one backend: every registered kernel of the
 * backend is wrapped to add up the process CPU time (all threads, so oneDNN's OpenMP team
 * counts) and wall time it takes, over `--steps` steps after `--warmup` steps.
 *
 *   npx tsx bench/step-profile.ts --workload audio-gim --backend native --steps 2 --warmup 1
 *
 * A kernel called from inside another (reduce's transpose) is counted in both; the "step" line
 * is the whole step, so the JS outside kernels (tape, tidy, dispose) is step minus the kernels.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { KernelFunc } from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../src/backend/select.js';
import { tf, type Tensor } from '../src/backend/tf.js';
import { Rng } from '../src/backend/random.js';
import { resolveAudioConfig } from '../src/audio/config.js';
import { AudioGimModel } from '../src/audio/model.js';
import { Adam } from '../src/nn/adam.js';
import { trainStackStep, type IsolatedModule } from '../src/core/train-step.js';
import { resolveVisionConfig } from '../src/vision/config.js';
import { VisionGimModel } from '../src/vision/model.js';

const { values } = parseArgs({
  options: {
    workload: { type: 'string', default: 'audio-gim' },
    backend: { type: 'string', default: 'native' },
    steps: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
    batch: { type: 'string' },
    top: { type: 'string', default: '25' },
    // Kernels to unregister first (an A/B of a fused kernel: GimAdamUpdate), comma-separated.
    without: { type: 'string', default: '' },
    // Kernels to split by input shapes and transpose attributes (BatchMatMul), comma-separated.
    detail: { type: 'string', default: '' },
  },
});
const backend = await initBackend(values.backend as BackendName);
const rng = new Rng(2);
for (const name of values.without!.split(',').filter(Boolean)) {
  tf.unregisterKernel(name, backend.name);
}

function normal(shape: number[]): Tensor {
  const r = new Rng(3);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => r.normal()),
    shape,
  );
}

let step: () => void;
const workload = values.workload!;
if (workload === 'audio-gim' || workload === 'audio-cpc') {
  const batch = Number(values.batch ?? 8);
  const layout = workload === 'audio-cpc' ? 'cpc' : 'gim-6';
  const config = resolveAudioConfig([
    {
      source: 'profile',
      values: { encoder: { channels: 512, layout }, train: { batchSize: batch } },
    },
  ]);
  const model = new AudioGimModel(config.encoder, config.loss, new Rng(2));
  const optimizers = model.modules.map((m) => new Adam(m.namedParameters(), 2e-4));
  const x = normal([batch, 20480, 1]);
  step = () => trainStackStep(model.modules, optimizers, x, rng);
} else if (workload === 'vision-gim') {
  const images = Number(values.batch ?? 32);
  const config = resolveVisionConfig([
    { source: 'profile', values: { train: { batchSize: images } } },
  ]);
  const model = new VisionGimModel(config.encoder, config.loss, 7, new Rng(2));
  const optimizers = model.modules.map((m) => new Adam(m.namedParameters(), 2e-4));
  const patches = normal([images * 49, 16, 16, 1]);
  step = () =>
    trainStackStep(model.modules as unknown as IsolatedModule[], optimizers, patches, rng);
} else {
  throw new Error(`unknown workload ${workload}`);
}

interface Tally {
  calls: number;
  cpuMs: number;
  wallMs: number;
}
const tallies = new Map<string, Tally>();
let recording = false;
const detail = new Set(values.detail!.split(',').filter(Boolean));
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
for (const k of tf.getKernelsForBackend(backend.name)) {
  const inner = k.kernelFunc;
  const kernelFunc = ((args: Parameters<KernelFunc>[0]) => {
    if (!recording) return inner(args);
    const c0 = cpuMs(),
      w0 = performance.now();
    const out = inner(args);
    const key = detail.has(k.kernelName)
      ? `${k.kernelName} ${Object.values(args.inputs)
          .map((t) => `[${t!.shape.join(',')}]`)
          .join(
            'x',
          )}${args.attrs?.['transposeA'] ? ' tA' : ''}${args.attrs?.['transposeB'] ? ' tB' : ''}`
      : k.kernelName;
    const t = tallies.get(key) ?? { calls: 0, cpuMs: 0, wallMs: 0 };
    t.calls += 1;
    t.cpuMs += cpuMs() - c0;
    t.wallMs += performance.now() - w0;
    tallies.set(key, t);
    return out;
  }) as KernelFunc;
  tf.unregisterKernel(k.kernelName, backend.name);
  tf.registerKernel({ ...k, kernelFunc });
}

const steps = Number(values.steps);
for (let i = 0; i < Number(values.warmup); i++) step();
recording = true;
const c0 = cpuMs(),
  w0 = performance.now();
for (let i = 0; i < steps; i++) step();
const stepCpu = (cpuMs() - c0) / steps,
  stepWall = (performance.now() - w0) / steps;
recording = false;

const rows = [...tallies.entries()]
  .map(([name, t]) => ({
    kernel: name,
    calls: t.calls / steps,
    cpu_ms: t.cpuMs / steps,
    wall_ms: t.wallMs / steps,
  }))
  .sort((a, b) => b.cpu_ms - a.cpu_ms);
const kernelCpu = rows.reduce((s, r) => s + r.cpu_ms, 0);
console.log(
  `${workload} on ${backend.name}: step cpu ${stepCpu.toFixed(0)} ms, wall ${stepWall.toFixed(0)} ms; ` +
    `kernels cpu ${kernelCpu.toFixed(0)} ms; load ${loadavg()[0]!.toFixed(1)}`,
);
for (const r of rows.slice(0, Number(values.top))) {
  console.log(
    `${r.kernel.padEnd(44)} ${String(r.calls).padStart(6)} calls ${r.cpu_ms.toFixed(1).padStart(8)} ms cpu ${((100 * r.cpu_ms) / stepCpu).toFixed(1).padStart(5)} % ${r.wall_ms.toFixed(1).padStart(8)} ms wall`,
  );
}
console.log(
  JSON.stringify({
    workload,
    backend: backend.name,
    without: values.without,
    load: loadavg(),
    step_cpu_ms: stepCpu,
    step_wall_ms: stepWall,
    kernels: rows,
  }),
);
