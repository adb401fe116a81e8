/**
 * Peak tensor memory of one training step versus the number of modules, for end-to-end CPC,
 * simultaneous GIM and sequential GIM with the activation cache (paper audio model, batch 8 ×
 * 20480 samples). Peak = the largest number of bytes held by live tensors during the step
 * (tf.profile's peakBytes, the analogue of PyTorch's max_memory_allocated).
 *
 *   npx tsx bench/memory.ts [--backend native] [--batch 8] [--channels 512] [--json out.json]
 *   npx tsx bench/memory.ts --modality vision [--batch 32]   (paper ResNet, 7×7 grid of 16×16 patches)
 */
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { initBackend, type BackendName } from '../src/backend/select.js';
import { tf, type Tensor } from '../src/backend/tf.js';
import { Rng } from '../src/backend/random.js';
import { resolveAudioConfig, encoderLengths } from '../src/audio/config.js';
import { AudioGimModel } from '../src/audio/model.js';
import { Adam } from '../src/nn/adam.js';
import { trainStackStep, type IsolatedModule } from '../src/core/train-step.js';
import { resolveVisionConfig } from '../src/vision/config.js';
import { VisionGimModel } from '../src/vision/model.js';
import { toneBatch } from '../src/audio/data/tones.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'native' },
    batch: { type: 'string', default: '8' },
    channels: { type: 'string', default: '512' },
    json: { type: 'string' },
    modality: { type: 'string', default: 'audio' },
  },
});
// Provenance for docs/benchmarks.md: start time, commit (-dirty: uncommitted changes) and load.
const started = new Date().toISOString();
const commit =
  spawnSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8' }).stdout?.trim() ||
  'unknown';
const loadAtStart = loadavg();
const backend = await initBackend(values.backend as BackendName);
const batch = Number(values.batch);
const channels = Number(values.channels);
const GiB = 2 ** 30;

async function peakOf(fn: () => void): Promise<{ peak: number; seconds: number }> {
  fn(); // warm-up: kernels, primitive caches
  const base = tf.memory().numBytes;
  const t0 = performance.now();
  const info = await tf.profile(() => fn());
  return { peak: info.peakBytes - base, seconds: (performance.now() - t0) / 1000 };
}

function build(layout: 'cpc' | 'gim-6', depth: number) {
  const config = resolveAudioConfig([
    {
      source: 'bench',
      values: { encoder: { layout, depth, channels }, train: { batchSize: batch } },
    },
  ]);
  const model = new AudioGimModel(config.encoder, config.loss, new Rng(0));
  const optimizers = model.modules.map((m) => new Adam(m.namedParameters(), 2e-4));
  return { config, model, optimizers };
}

const rows: { schedule: string; modules: number; peakGiB: number; seconds: number }[] = [];

/** A stop-gradient (identity forward, zero gradient): the reference's `.detach()` inside one tape. */
const detach = tf.customGrad(((x: Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * The reference's simultaneous step (PR #18): one forward through all modules with detached
 * inputs, the module losses summed, ONE backward over all parameters, one update each. All
 * modules' graphs are alive until that backward: this is what our per-module step avoids.
 */
function jointStep(
  modules: readonly IsolatedModule[],
  optimizers: readonly Adam[],
  x: Tensor,
  r: Rng,
): void {
  const vars = modules.flatMap((m) => m.parameters());
  const { value, grads } = tf.variableGrads(() => {
    let input = x;
    const losses: Tensor[] = [];
    for (const m of modules) {
      const out = m.forwardWithLoss(input, r);
      losses.push(out.loss);
      input = detach(out.z) as Tensor;
    }
    return tf.addN(losses) as tf.Scalar;
  }, vars);
  optimizers.forEach((o) => o.apply(grads));
  tf.dispose([value, ...Object.values(grads)]);
}
const rng = new Rng(1);
if (values.modality === 'vision') {
  await visionRows();
  report();
  process.exit(0);
}
const x = tf.tensor3d(toneBatch(1, 0, batch, 20480), [batch, 20480, 1]);

{
  const { model, optimizers } = build('cpc', 0);
  const r = await peakOf(() => trainStackStep(model.modules, optimizers, x, rng));
  rows.push({ schedule: 'end-to-end CPC', modules: 1, peakGiB: r.peak / GiB, seconds: r.seconds });
  model.dispose();
  for (const o of optimizers) o.dispose();
}
for (let depth = 1; depth <= 6; depth++) {
  const { model, optimizers } = build('gim-6', depth);
  const r = await peakOf(() => trainStackStep(model.modules, optimizers, x, rng));
  rows.push({
    schedule: 'simultaneous GIM',
    modules: depth,
    peakGiB: r.peak / GiB,
    seconds: r.seconds,
  });
  const j = await peakOf(() => jointStep(model.modules, optimizers, x, rng));
  rows.push({
    schedule: 'simultaneous GIM, one joint backward (reference style)',
    modules: depth,
    peakGiB: j.peak / GiB,
    seconds: j.seconds,
  });
  model.dispose();
  for (const o of optimizers) o.dispose();
}
{
  // Sequential with the cache: module d trains alone on its predecessor's stored outputs.
  const { config, model, optimizers } = build('gim-6', 6);
  const lengths = encoderLengths(config.encoder, 20480);
  let worst = 0;
  for (let d = 1; d <= 6; d++) {
    const input = d === 1 ? x : tf.randomNormal([batch, lengths[Math.min(d - 2, 4)]!, channels]);
    const r = await peakOf(() =>
      trainStackStep([model.modules[d - 1]!], [optimizers[d - 1]!], input, rng),
    );
    if (input !== x) input.dispose();
    worst = Math.max(worst, r.peak);
    rows.push({
      schedule: 'sequential GIM + cache (module alone)',
      modules: d,
      peakGiB: r.peak / GiB,
      seconds: r.seconds,
    });
  }
  rows.push({
    schedule: 'sequential GIM + cache (peak over modules)',
    modules: 6,
    peakGiB: worst / GiB,
    seconds: Number.NaN,
  });
  model.dispose();
  for (const o of optimizers) o.dispose();
}
x.dispose();

report();

async function visionRows(): Promise<void> {
  const images = batch;
  const r = new Rng(3);
  const patches = tf.tensor(
    Float32Array.from({ length: images * 49 * 256 }, () => r.normal()),
    [images * 49, 16, 16, 1],
  );
  const make = (layout: 'gim' | 'cpc') => {
    const config = resolveVisionConfig([
      { source: 'bench', values: { encoder: { layout }, train: { batchSize: images } } },
    ]);
    const model = new VisionGimModel(config.encoder, config.loss, 7, new Rng(0));
    const optimizers = model.modules.map((m) => new Adam(m.namedParameters(), 2e-4));
    return { model, optimizers };
  };
  const free = (m: { model: VisionGimModel; optimizers: Adam[] }): void => {
    m.model.dispose();
    for (const o of m.optimizers) o.dispose();
  };
  const cpc = make('cpc');
  const rc = await peakOf(() =>
    trainStackStep(cpc.model.modules as unknown as IsolatedModule[], cpc.optimizers, patches, rng),
  );
  rows.push({
    schedule: 'end-to-end CPC (+ PixelCNN)',
    modules: 1,
    peakGiB: rc.peak / GiB,
    seconds: rc.seconds,
  });
  free(cpc);
  const gim = make('gim');
  const mods = gim.model.modules as unknown as IsolatedModule[];
  for (let d = 1; d <= 3; d++) {
    const rr = await peakOf(() => trainStackStep(mods.slice(0, d), gim.optimizers, patches, rng));
    rows.push({
      schedule: 'simultaneous GIM',
      modules: d,
      peakGiB: rr.peak / GiB,
      seconds: rr.seconds,
    });
    const jj = await peakOf(() => jointStep(mods.slice(0, d), gim.optimizers, patches, rng));
    rows.push({
      schedule: 'simultaneous GIM, one joint backward (reference style)',
      modules: d,
      peakGiB: jj.peak / GiB,
      seconds: jj.seconds,
    });
  }
  // Sequential with the cache: module d alone, on its predecessor's stored (un-pooled) patch maps.
  let input = patches;
  let worst = 0;
  for (let d = 1; d <= 3; d++) {
    const rr = await peakOf(() =>
      trainStackStep([mods[d - 1]!], [gim.optimizers[d - 1]!], input, rng),
    );
    worst = Math.max(worst, rr.peak);
    rows.push({
      schedule: 'sequential GIM + cache (module alone)',
      modules: d,
      peakGiB: rr.peak / GiB,
      seconds: rr.seconds,
    });
    const next = tf.tidy(() => gim.model.modules[d - 1]!.forward(input).z);
    if (input !== patches) input.dispose();
    input = next;
  }
  rows.push({
    schedule: 'sequential GIM + cache (peak over modules)',
    modules: 3,
    peakGiB: worst / GiB,
    seconds: Number.NaN,
  });
  input.dispose();
  patches.dispose();
  free(gim);
}

function report(): void {
  const shape =
    values.modality === 'vision'
      ? `${batch} images × 49 patches of 16×16, paper ResNet (3 modules)`
      : `batch ${batch} × 20480 samples, ${channels} channels`;
  console.log(`backend ${backend.name} (${backend.threads} threads), ${shape}`);
  console.log('| schedule | modules | peak tensor memory (GiB) | step (s) |\n|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.schedule} | ${r.modules} | ${r.peakGiB.toFixed(3)} | ${Number.isNaN(r.seconds) ? '' : r.seconds.toFixed(2)} |`,
    );
  if (values.json)
    writeFileSync(
      values.json,
      JSON.stringify(
        {
          backend,
          modality: values.modality,
          batch,
          channels,
          started,
          date: new Date().toISOString(),
          commit,
          loadAtStart,
          loadAtEnd: loadavg(),
          rows,
        },
        null,
        2,
      ),
    );
}
