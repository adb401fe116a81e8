/**
 * Peak tensor memory of one training step versus the number of modules, for end-to-end CPC,
 * simultaneous GIM and sequential GIM with the activation cache (paper audio model, batch 8 ×
 * 20480 samples). Peak = the largest number of bytes held by live tensors during the step
 * (tf.profile's peakBytes, the analogue of PyTorch's max_memory_allocated).
 *
 *   npx tsx bench/memory.ts [--backend native] [--batch 8] [--channels 512] [--json out.json]
 *   npx tsx bench/memory.ts --modality vision [--batch 8,32] [--json out.json]
 *
 * Vision is measured in real training runs of the shared Trainer (paper ResNet, vision-paper
 * preset, Fashion-MNIST: 7×7 grid of 8×8 patches), each run in its own process so that its peak
 * RSS is its own: end-to-end CPC, simultaneous GIM, and sequential GIM with the activation cache
 * (`gim train --schedule sequential --cache`: module m trains alone from module m−1's cached
 * outputs). Peak tensor bytes come from the trainer's `train.peakMemoryEvery` (tf.profile over a
 * whole step, everything live included: weights and Adam moments of every module, the batch).
 */
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { VisionBatchSource, openVisionSet } from '../src/vision/data.js';
import { VisionTrainer } from '../src/vision/trainer.js';
import { loadPreset } from '../src/core/config/presets.js';
import { toneBatch } from '../src/audio/data/tones.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'native' },
    batch: { type: 'string', default: '8' },
    channels: { type: 'string', default: '512' },
    json: { type: 'string' },
    modality: { type: 'string', default: 'audio' },
    /** Vision: which runs (cpc, simultaneous, sequential), at every --batch size. */
    runs: { type: 'string', default: 'cpc,simultaneous,sequential' },
    /** Internal: run one vision training configuration (JSON) in this process and print its figures. */
    'vision-run': { type: 'string' },
  },
});
// Provenance for docs/benchmarks.md: start time, commit (-dirty: uncommitted changes) and load.
const started = new Date().toISOString();
const commit =
  spawnSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8' }).stdout?.trim() ||
  'unknown';
const loadAtStart = loadavg();
const backend = await initBackend(values.backend as BackendName);
const batch = Number(values.batch.split(',')[0]);
const channels = Number(values.channels);
const GiB = 2 ** 30;
if (values['vision-run']) {
  await visionRun(JSON.parse(values['vision-run']) as VisionRun);
  process.exit(0);
}

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

const rows: {
  schedule: string;
  modules: number;
  peakGiB: number;
  seconds: number;
  images?: number;
  peakRssGiB?: number;
  residentGiB?: number;
}[] = [];

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

interface VisionRun {
  readonly layout: 'gim' | 'cpc';
  readonly schedule: 'simultaneous' | 'sequential';
  readonly images: number;
}

/** Peak figures of one vision run, from its step records (this process only). */
async function visionRun(run: VisionRun): Promise<void> {
  const cacheRoot = mkdtempSync(join(tmpdir(), 'gim-bench-cache-'));
  try {
    const config = resolveVisionConfig([
      loadPreset('vision-paper'),
      {
        source: 'bench',
        values: {
          encoder: { layout: run.layout },
          train: {
            batchSize: run.images,
            schedule: run.schedule,
            // Sequential: one step per module. Simultaneous: a second, warm step (same peak).
            steps: run.layout === 'cpc' ? 1 : run.schedule === 'sequential' ? 3 : 2,
            stepsPerModule: run.schedule === 'sequential' ? 1 : 0,
            peakMemoryEvery: 1,
          },
          cache: {
            enabled: run.schedule === 'sequential',
            dir: cacheRoot,
            images: run.images,
            shardItems: run.images,
          },
        },
      },
    ]);
    const set = openVisionSet(config.data, 'self-supervised');
    const source = new VisionBatchSource(set, config.data, run.images, config.train.seed + 2);
    const trainer = VisionTrainer.create(config, source, backend.name);
    const records = await trainer.run(null);
    trainer.dispose();
    set.close();
    console.log(
      JSON.stringify(
        records.map((r) => ({
          modules: r.modules.map((m) => m !== null),
          seconds: r.seconds,
          peakTensorBytes: r.memory.peakTensorBytes,
          residentTensorBytes: r.memory.tensorBytes,
          peakRssBytes: r.memory.peakRssBytes,
        })),
      ),
    );
  } finally {
    rmSync(cacheRoot, { recursive: true, force: true });
  }
}

/** Each configuration in a child process (own peak RSS), at every --batch size. */
async function visionRows(): Promise<void> {
  const runs: (VisionRun & { name: string })[] = [];
  const wanted = new Set(values.runs.split(','));
  for (const images of values.batch.split(',').map(Number)) {
    if (wanted.has('cpc'))
      runs.push({
        name: 'end-to-end CPC (+ PixelCNN)',
        layout: 'cpc',
        schedule: 'simultaneous',
        images,
      });
    if (wanted.has('simultaneous'))
      runs.push({ name: 'simultaneous GIM', layout: 'gim', schedule: 'simultaneous', images });
    if (wanted.has('sequential'))
      runs.push({ name: 'sequential GIM + cache', layout: 'gim', schedule: 'sequential', images });
  }
  for (const run of runs) {
    const child = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        process.argv[1]!,
        '--backend',
        backend.name,
        '--vision-run',
        JSON.stringify(run),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    const last = child.stdout.trim().split('\n').at(-1) ?? '';
    if (child.status !== 0 || !last.startsWith('[')) {
      rows.push({
        schedule: `${run.name}: failed (${child.stderr.trim().split('\n').at(-1)})`,
        modules: 0,
        images: run.images,
        peakGiB: Number.NaN,
        seconds: Number.NaN,
      });
      continue;
    }
    const steps = JSON.parse(last) as {
      modules: boolean[];
      seconds: number;
      peakTensorBytes: number;
      residentTensorBytes: number;
      peakRssBytes: number;
    }[];
    for (const step of steps)
      rows.push({
        schedule: run.name,
        // The module that trained (sequential), or how many trained together.
        modules:
          run.schedule === 'sequential'
            ? step.modules.indexOf(true) + 1
            : step.modules.filter(Boolean).length,
        images: run.images,
        peakGiB: step.peakTensorBytes / GiB,
        residentGiB: step.residentTensorBytes / GiB,
        peakRssGiB: step.peakRssBytes / GiB,
        seconds: step.seconds,
      });
  }
}

function report(): void {
  const vision = values.modality === 'vision';
  const shape = vision
    ? `vision-paper ResNet on Fashion-MNIST (49 patches of 8×8 per image), images per batch ${values.batch}`
    : `batch ${batch} × 20480 samples, ${channels} channels`;
  console.log(`backend ${backend.name} (${backend.threads} threads), ${shape}`);
  const fmt = (x: number | undefined, digits: number): string =>
    x === undefined || Number.isNaN(x) ? '' : x.toFixed(digits);
  if (vision) {
    console.log(
      '| run | images | module(s) | peak tensor memory (GiB) | resident after step (GiB) | peak RSS so far (GiB) | step (s) |\n|---|---|---|---|---|---|---|',
    );
    for (const r of rows)
      console.log(
        `| ${r.schedule} | ${r.images} | ${r.modules} | ${fmt(r.peakGiB, 3)} | ${fmt(r.residentGiB, 3)} | ${fmt(r.peakRssGiB, 2)} | ${fmt(r.seconds, 1)} |`,
      );
  } else {
    console.log('| schedule | modules | peak tensor memory (GiB) | step (s) |\n|---|---|---|---|');
    for (const r of rows)
      console.log(
        `| ${r.schedule} | ${r.modules} | ${r.peakGiB.toFixed(3)} | ${fmt(r.seconds, 2)} |`,
      );
  }
  if (values.json)
    writeFileSync(
      values.json,
      JSON.stringify(
        {
          backend,
          modality: values.modality,
          batch: values.batch,
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
