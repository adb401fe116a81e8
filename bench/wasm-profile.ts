/**
 * Where the time of one training step goes, GIM (gim-6) against CPC, at the demo preset: CPU and
 * wall time per step for each layout, interleaved round by round so that both see the same load,
 * and (with --profile) a tf.profile breakdown of one step by kernel.
 *
 *   npx tsx bench/wasm-profile.ts --backend wasm --rounds 4 --steps 5 --profile
 *
 * The input is a fixed normal batch [B, windowSamples, 1] (no data pipeline): this times the
 * step alone. Prints one JSON object.
 */
import { parseArgs } from 'node:util';
import { initBackend, type BackendName } from '../src/backend/select.js';
import { tf, type Tensor } from '../src/backend/tf.js';
import { Rng } from '../src/backend/random.js';
import { resolveAudioConfig } from '../src/audio/config.js';
import { AudioGimModel } from '../src/audio/model.js';
import { loadPreset } from '../src/core/config/presets.js';
import { Adam } from '../src/nn/adam.js';
import { trainStackStep } from '../src/core/train-step.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    preset: { type: 'string', default: 'demo' },
    layouts: { type: 'string', default: 'gim-6,cpc' },
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '3' },
    profile: { type: 'boolean', default: false },
    top: { type: 'string', default: '25' },
    calls: { type: 'string', default: '0' },
  },
});
const backend = await initBackend(values.backend as BackendName);
const layouts = values.layouts!.split(',') as ('gim-6' | 'gim-5' | 'cpc')[];
const rounds = Number(values.rounds);
const steps = Number(values.steps);

function normal(shape: number[], seed: number): Tensor {
  const r = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => r.normal()),
    shape,
  );
}

/** One trainer per layout, built once: the rounds interleave steps of already-warm trainers. */
const trainers = layouts.map((layout) => {
  const config = resolveAudioConfig([
    loadPreset(values.preset!),
    { source: 'bench', values: { encoder: { layout } } },
  ]);
  const model = new AudioGimModel(config.encoder, config.loss, new Rng(2));
  const optimizers = model.modules.map(
    (m) => new Adam(m.namedParameters(), config.train.learningRate),
  );
  const x = normal([config.train.batchSize, config.data.windowSamples, 1], 3); // [B, T, 1]
  const rng = new Rng(4);
  const step = (): void => {
    trainStackStep(model.modules, optimizers, x, rng);
  };
  for (let i = 0; i < Number(values.warmup); i++) step();
  return { layout, step, cpuMs: [] as number[], wallMs: [] as number[] };
});

for (let r = 0; r < rounds; r++) {
  for (const t of trainers) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    for (let i = 0; i < steps; i++) t.step();
    const c = process.cpuUsage(c0);
    t.wallMs.push((performance.now() - w0) / steps);
    t.cpuMs.push((c.user + c.system) / 1000 / steps);
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Kernel time of one step, summed by kernel name, largest first. */
async function kernelBreakdown(step: () => void): Promise<Record<string, unknown>> {
  const info = await tf.profile(step);
  const byKernel = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = Number(k.kernelTimeMs) || 0;
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls += 1;
    byKernel.set(k.name, entry);
    total += ms;
  }
  const sorted = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const slowest = [...info.kernels]
    .sort((a, b) => (Number(b.kernelTimeMs) || 0) - (Number(a.kernelTimeMs) || 0))
    .slice(0, Number(values.calls))
    .map((k) => ({
      name: k.name,
      ms: +(Number(k.kernelTimeMs) || 0).toFixed(2),
      in: k.inputShapes,
    }));
  return {
    ...(slowest.length > 0 ? { slowest_calls: slowest } : {}),
    kernel_ms_total: +total.toFixed(1),
    kernel_calls: info.kernels.length,
    top: Object.fromEntries(
      sorted
        .slice(0, Number(values.top))
        .map(([name, e]) => [name, { ms: +e.ms.toFixed(1), calls: e.calls }]),
    ),
  };
}

const profiles: Record<string, unknown> = {};
if (values.profile) {
  for (const t of trainers) {
    const w0 = performance.now();
    const breakdown = await kernelBreakdown(t.step);
    profiles[t.layout] = { ...breakdown, wall_ms: +(performance.now() - w0).toFixed(1) };
  }
}

console.log(
  JSON.stringify({
    bench: 'wasm-profile',
    backend: backend.name,
    threads: backend.threads,
    preset: values.preset,
    rounds,
    steps_per_round: steps,
    loadavg: (await import('node:os')).loadavg(),
    layouts: Object.fromEntries(
      trainers.map((t) => [
        t.layout,
        {
          cpu_ms_per_step: t.cpuMs.map((v) => +v.toFixed(1)),
          wall_ms_per_step: t.wallMs.map((v) => +v.toFixed(1)),
          median_cpu_ms: +median(t.cpuMs).toFixed(1),
          median_wall_ms: +median(t.wallMs).toFixed(1),
        },
      ]),
    ),
    profiles,
  }),
);
