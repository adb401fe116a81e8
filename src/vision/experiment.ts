/**
 * The vision comparison of the paper's table (spec §5.1) at a chosen size: GIM (one module per
 * stage), end-to-end CPC (one module + PixelCNN), end-to-end supervised, greedy supervised and a
 * random encoder, each probed linearly after every encoder stage. Pure library code: progress goes
 * through a callback, results come back as data (the CLI writes the files).
 */
import { resolveVisionConfig, visionPipeline, type VisionGimConfig } from './config.js';
import { VisionTrainer, buildVisionModel } from './trainer.js';
import { VisionBatchSource, openVisionSet } from './data.js';
import { probeStages, type StageProbeResult } from './probes.js';

export const EXPERIMENT_ROWS = ['gim', 'cpc', 'supervised', 'greedy-supervised', 'random'] as const;
export type ExperimentRow = (typeof EXPERIMENT_ROWS)[number];

export const ROW_LABELS: Record<ExperimentRow, string> = {
  gim: 'Greedy InfoMax (GIM)',
  cpc: 'CPC (end-to-end)',
  supervised: 'Supervised (end-to-end)',
  'greedy-supervised': 'Greedy Supervised',
  random: 'Randomly initialized',
};

/** The config of one row, derived from the base config. */
export function rowConfig(base: VisionGimConfig, row: ExperimentRow): VisionGimConfig {
  const layout = row === 'cpc' || row === 'supervised' ? 'cpc' : 'gim';
  const objective = row === 'supervised' || row === 'greedy-supervised' ? 'supervised' : 'infonce';
  const steps = row === 'random' ? 0 : base.train.steps;
  return resolveVisionConfig([
    {
      source: `experiment row ${row}`,
      values: {
        ...structuredClone(base),
        encoder: { ...base.encoder, layout },
        loss: { ...base.loss, objective },
        train: { ...base.train, steps },
      },
    },
  ]);
}

export interface RowResult {
  readonly row: ExperimentRow;
  readonly label: string;
  readonly config: VisionGimConfig;
  readonly seed: number;
  readonly trainSeconds: number;
  readonly probeSeconds: number;
  /** Mean training loss per module over the last 10% of steps (empty for the random row). */
  readonly finalLoss: number[];
  readonly stages: StageProbeResult[];
}

export interface ExperimentProgress {
  (event: {
    row: ExperimentRow;
    phase: 'train' | 'probe';
    step?: number;
    steps?: number;
    text?: string;
  }): void;
}

/** Trains and probes one row. */
export async function runExperimentRow(
  base: VisionGimConfig,
  row: ExperimentRow,
  backend: string,
  progress: ExperimentProgress = () => {},
): Promise<RowResult> {
  const config = rowConfig(base, row);
  const t0 = performance.now();
  let model;
  let finalLoss: number[] = [];
  if (row === 'random') {
    model = buildVisionModel(config);
  } else {
    const split = config.loss.objective === 'supervised' ? 'labelled-train' : 'self-supervised';
    const set = openVisionSet(config.data, split);
    const source = new VisionBatchSource(
      set,
      config.data,
      config.train.batchSize,
      config.train.seed + 2,
      split === 'labelled-train' ? config.probe.trainImages : 0,
    );
    const trainer = VisionTrainer.create(config, source, backend);
    const records = await trainer.run(null, {
      onStep: (r) =>
        progress({
          row,
          phase: 'train',
          step: r.step,
          steps: config.train.steps,
          text: r.modules.map((m) => m?.loss.toFixed(3) ?? '-').join(' '),
        }),
    });
    const tail = records.slice(Math.floor(records.length * 0.9));
    finalLoss = trainer.model.modules.map(
      (_, m) => tail.reduce((a, r) => a + (r.modules[m]?.loss ?? 0), 0) / Math.max(1, tail.length),
    );
    for (const o of trainer.optimizers) o.dispose();
    model = trainer.model;
    set.close();
  }
  const t1 = performance.now();
  progress({ row, phase: 'probe' });
  const trainSet = openVisionSet(config.data, 'labelled-train');
  const testSet = openVisionSet(config.data, 'test');
  // The first N images of each split, the same for every row; the supervised rows train on
  // exactly the labelled images the probes use.
  const first = (count: number, limit: number): Int32Array =>
    Int32Array.from({ length: limit === 0 ? count : Math.min(limit, count) }, (_, i) => i);
  const trainIdx = first(trainSet.count, config.probe.trainImages);
  const testIdx = first(testSet.count, config.probe.testImages);
  const stages = probeStages(
    model,
    visionPipeline(config.data),
    trainSet,
    trainIdx,
    testSet,
    testIdx,
    10,
    {
      epochs: config.probe.epochs,
      learningRate: config.probe.learningRate,
      batchSize: config.probe.batchSize,
      encodeBatch: 32,
      seed: base.train.seed + 200,
      standardize: config.probe.standardize,
    },
  );
  model.dispose();
  trainSet.close();
  testSet.close();
  return {
    row,
    label: ROW_LABELS[row],
    config,
    seed: config.train.seed,
    trainSeconds: (t1 - t0) / 1000,
    probeSeconds: (performance.now() - t1) / 1000,
    finalLoss,
    stages,
  };
}

const pct = (x: number): string => (Number.isFinite(x) ? (100 * x).toFixed(1) : '–');

/** The results table in Markdown: final-stage accuracy, then one column per stage. */
export function resultsMarkdown(results: readonly RowResult[]): string {
  const stages = Math.max(...results.map((r) => r.stages.length));
  const head = [
    'method',
    'test acc. (final stage, %)',
    ...Array.from({ length: stages }, (_, s) => `stage ${s + 1} (%)`),
    'train s',
    'probe s',
    'seed',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of results) {
    const final = r.stages[r.stages.length - 1]!;
    lines.push(
      `| ${r.label} | ${pct(final.accuracy)} | ${r.stages.map((s) => pct(s.accuracy)).join(' | ')} | ${r.trainSeconds.toFixed(0)} | ${r.probeSeconds.toFixed(0)} | ${r.seed} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
