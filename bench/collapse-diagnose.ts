/**
 * Where did a collapsed audio encoder die? Loads each checkpoint given, runs 64 test windows of the
 * corpus through it layer by layer (conv 1–5, then the GRU), and prints per layer the fraction of
 * channels that are dead (constant over every frame of every window) and of channels that fire
 * (are > 0) on fewer than 1 % of frames. The training log's last 100 steps (loss, honest
 * accuracy) are printed beside them.
 *
 *   npx tsx bench/collapse-diagnose.ts --data data/synth-speech runs/a runs/b … > out.json
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/backend/select.js';
import { Rng } from '../src/backend/random.js';
import { openLibriSpeech } from '../src/audio/data/index.js';
import { layerEncoder, loadAudioModel } from '../src/audio/encoders.js';

const args = process.argv.slice(2);
const dataAt = args.indexOf('--data');
const data = dataAt >= 0 ? args.splice(dataAt, 2)[1]! : 'data/synth-speech';
await initBackend('auto');

function layerStats(block: { batch: number; frames: number; dim: number; data: Float32Array }) {
  const { dim, data: x } = block;
  const rows = x.length / dim;
  let dead = 0;
  let rare = 0;
  for (let c = 0; c < dim; c++) {
    let min = Infinity;
    let max = -Infinity;
    let firing = 0;
    for (let r = 0; r < rows; r++) {
      const v = x[r * dim + c]!;
      if (v < min) min = v;
      if (v > max) max = v;
      if (v > 0) firing++;
    }
    if (max - min <= 1e-5 * Math.max(Math.abs(max), Math.abs(min), 1e-30)) dead++;
    if (firing < 0.01 * rows) rare++;
  }
  return { dim, dead: dead / dim, firingUnder1pct: rare / dim };
}

function logTail(dir: string) {
  const file = join(dir, 'train-log.jsonl');
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as { step: number; loss: (number | null)[]; accuracy: (number | null)[] },
    );
  const tail = lines.slice(-100);
  const mean = (key: 'loss' | 'accuracy') =>
    tail[0]![key].map((_, m) => tail.reduce((s, l) => s + (l[key][m] ?? 0), 0) / tail.length);
  return { steps: lines.at(-1)!.step, loss: mean('loss'), accuracy: mean('accuracy') };
}

const results = [];
for (const dir of args) {
  const { config, model } = loadAudioModel(dir);
  const corpus = await openLibriSpeech(data, { windowSamples: config.data.windowSamples });
  const encoder = layerEncoder(model, config.encoder);
  const batches = [];
  for await (const b of corpus.epoch('test', 16, new Rng(7))) {
    batches.push(b);
    if (batches.length === 4) break;
  }
  const perLayer: { dim: number; dead: number; firingUnder1pct: number }[][] = [];
  for (const b of batches) {
    const blocks = encoder.encode(b.audio, b.batchSize, b.windowSamples);
    perLayer.push(blocks.map(layerStats));
  }
  const layers = perLayer[0]!.map((_, l) => ({
    dim: perLayer[0]![l]!.dim,
    dead: perLayer.reduce((s, p) => s + p[l]!.dead, 0) / perLayer.length,
    firingUnder1pct: perLayer.reduce((s, p) => s + p[l]!.firingUnder1pct, 0) / perLayer.length,
  }));
  results.push({
    dir,
    layout: config.encoder.layout,
    lr: config.train.learningRate,
    log: logTail(dir),
    layers,
  });
  encoder.dispose();
  model.dispose();
}
process.stdout.write(`${JSON.stringify(results, null, 1)}\n`);
