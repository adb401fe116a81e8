/**
 * The TypeScript side of the benchmark suite: the same workloads as bench/pytorch/reference.py,
 * one per process, printing one JSON line with the same equal-work fields (shapes, negatives,
 * forward FLOPs by the same formulas) so bench/run.mjs can check that both sides did equal work.
 *
 *   npx tsx bench/workloads.ts --workload audio-gim --backend native --steps 5 --warmup 2
 */
import { parseArgs } from 'node:util';
import { initBackend, type BackendName } from '../src/backend/select.js';
import { tf, type Tensor } from '../src/backend/tf.js';
import { Rng } from '../src/backend/random.js';
import { peakTensorBytes } from '../src/backend/peak-memory.js';
import { encoderLengths, resolveAudioConfig } from '../src/audio/config.js';
import { AudioGimModel } from '../src/audio/model.js';
import { Adam } from '../src/nn/adam.js';
import { trainStackStep, type IsolatedModule } from '../src/core/train-step.js';
import { SequenceInfoNce } from '../src/losses/info-nce.js';
import { resolveVisionConfig } from '../src/vision/config.js';
import { VisionGimModel } from '../src/vision/model.js';

const { values } = parseArgs({
  options: {
    workload: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    steps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    batch: { type: 'string' },
  },
});
const workload = values.workload ?? 'audio-gim';
const backend = await initBackend(values.backend as BackendName);
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const rng = new Rng(2);

function normal(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = new Rng(3);
  return tf.tensor(
    Float32Array.from({ length: n }, () => r.normal()),
    shape,
  );
}

async function time(step: () => void): Promise<number[]> {
  lastStep = step;
  for (let i = 0; i < warmup; i++) step();
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    out.push((performance.now() - t0) / 1000);
  }
  return out;
}

/** Forward FLOPs of the audio model, by the formulas of bench/pytorch/README.md. */
function audioFlops(
  channels: number,
  layout: 'gim-6' | 'cpc',
  batch: number,
  withLoss = true,
  K = 12,
  N = 10,
  H = 256,
): number {
  const cfg = resolveAudioConfig([{ source: 'b', values: { encoder: { channels, layout } } }]);
  const lengths = encoderLengths(cfg.encoder, 20480);
  let f = 0;
  let cin = 1;
  lengths.forEach((L, i) => {
    f += 2 * batch * L * channels * cin * cfg.encoder.kernels[i]!;
    cin = channels;
  });
  const L5 = lengths[4]!;
  f += 2 * batch * L5 * 3 * H * (channels + H); // GRU
  const loss = (L: number, ctx: number): number => {
    const Lc = Math.min(L, 128);
    let s = 2 * batch * Lc * ctx * channels * K;
    for (let k = 1; k <= K; k++) s += 2 * batch * (Lc - k) * (1 + N) * channels;
    return s;
  };
  if (!withLoss) return f;
  if (layout === 'cpc') f += loss(L5, H);
  else {
    for (const L of lengths) f += loss(L, channels);
    f += loss(L5, H);
  }
  return f;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
let stepTimes: number[] = [];
/** One more step after the timed ones, for its peak tensor bytes (src/backend/peak-memory.ts). */
let lastStep: () => void = () => {};
let flops = 0;
let extra: Record<string, unknown> = {};
let stepFactor = 3;

if (workload.startsWith('audio-') || workload === 'inference') {
  const batch = Number(values.batch ?? 8);
  const channels = workload === 'audio-gim-128' ? 128 : 512;
  const layout = workload === 'audio-cpc' ? 'cpc' : 'gim-6';
  const config = resolveAudioConfig([
    { source: 'bench', values: { encoder: { channels, layout }, train: { batchSize: batch } } },
  ]);
  const model = new AudioGimModel(config.encoder, config.loss, new Rng(2));
  const x = normal([batch, 20480, 1]);
  flops = audioFlops(channels, layout, batch);
  if (workload === 'inference') {
    stepFactor = 1;
    flops = audioFlops(channels, layout, batch, false); // frozen encoder only, no losses
    stepTimes = await time(() => tf.dispose(model.representations(x)));
    extra = { windows_per_s: batch / median(stepTimes) };
  } else {
    const optimizers = model.modules.map((m) => new Adam(m.namedParameters(), 2e-4));
    stepTimes = await time(() => trainStackStep(model.modules, optimizers, x, rng));
  }
  extra = {
    ...extra,
    batch,
    input_shape: [batch, 1, 20480],
    channels,
    layout,
    modules: model.modules.length,
    prediction_steps: 12,
    negative_samples: 10,
  };
} else if (workload === 'sgemm') {
  // The machine's fp32 peak as a large square matrix product reaches it on this backend (the
  // same size as bench/pytorch/reference.py's): our GFLOP/s are quoted as a fraction of it.
  const n = 3072;
  const a = normal([n, n]);
  const b = normal([n, n]);
  stepFactor = 1;
  flops = 2 * n ** 3;
  stepTimes = await time(() => tf.matMul(a, b).dispose());
  extra = { matrix_size: n };
} else if (workload === 'infonce') {
  const head = new SequenceInfoNce(
    512,
    512,
    {
      predictionSteps: 12,
      negativeSamples: 10,
      sampling: 'batch-permutation',
      subsampleWindow: 128,
    },
    new Rng(2),
  );
  const z = tf.variable(normal([8, 128, 512]));
  const c = tf.variable(normal([8, 128, 512]));
  const vars = [z, c, ...head.parameters()];
  stepTimes = await time(() => {
    const { value, grads } = tf.variableGrads(() => head.compute(z, c, rng).loss, vars);
    tf.dispose([value, ...Object.values(grads)]);
  });
  let f = 2 * 8 * 128 * 512 * 512 * 12;
  for (let k = 1; k <= 12; k++) f += 2 * 8 * (128 - k) * 11 * 512;
  flops = f;
  extra = {
    batch: 8,
    shapes: { z: [8, 128, 512], c: [8, 128, 512] },
    prediction_steps: 12,
    negative_samples: 10,
  };
} else if (workload === 'vision-gim') {
  const images = Number(values.batch ?? 32);
  const config = resolveVisionConfig([
    { source: 'bench', values: { train: { batchSize: images } } },
  ]);
  const model = new VisionGimModel(config.encoder, config.loss, 7, new Rng(2));
  const optimizers = model.modules.map((m) => new Adam(m.namedParameters(), 2e-4));
  const patches = normal([images * 49, 16, 16, 1]);
  stepTimes = await time(() =>
    trainStackStep(model.modules as unknown as IsolatedModule[], optimizers, patches, rng),
  );
  extra = { batch: images, patches: images * 49, prediction_steps: 5, negative_samples: 16 };
} else {
  throw new Error(`unknown workload ${workload}`);
}

const med = median(stepTimes);
// Peak RSS before the profiled step, whose kernel records would add to it.
const peakRssMib = (process.resourceUsage().maxRSS * 1024) / 2 ** 20;
const peakTensor = await peakTensorBytes(lastStep);
console.log(
  JSON.stringify({
    side: 'typescript',
    workload,
    backend: backend.name,
    threads: backend.threads,
    ...extra,
    fwd_gflop: flops / 1e9,
    step_gflop_est: (stepFactor * flops) / 1e9,
    median_s: med,
    step_s: stepTimes,
    gflop_per_s: flops > 0 ? (stepFactor * flops) / 1e9 / med : null,
    peak_rss_mib: peakRssMib,
    peak_tensor_mib: peakTensor.peakBytes / 2 ** 20,
    peak_tensor_counts: peakTensor.counts,
  }),
);
