/**
 * The audio linear evaluations of spec §2.7 on any frozen encoder: speaker identity from
 * time-averaged features of 1.28 s windows, and phone identity per 10 ms frame of whole utterances,
 * on the final module or on every module (the paper's per-module curve).
 *
 * Reproducibility: the test windows (`speaker.testWindowsPerUtterance` per test utterance; the
 * reference takes one) are drawn once from Rng(testSeed) (default fixed), so repeated
 * evaluations of one encoder, and evaluations of different encoders, score exactly the same test
 * windows. Training windows come from Rng(seed + 1): draw d of `windowDraws` is used
 * by epochs d, d + windowDraws, …; windowDraws = epochs is the reference (a fresh window per
 * utterance every epoch); fewer draws trade that for speed (each draw costs one encoder pass).
 */
import { Rng } from '../backend/random.js';
import type { AudioCorpus } from './data/index.js';
import { checkRules, deepFreeze, mergeChecked, rules } from '../core/config/merge.js';
import { DataError } from '../errors.js';
import type { FrozenEncoder } from './encoders.js';
import { phoneFeatures, speakerFeatures } from './probe-features.js';
import { trainLinearProbe, type FeatureSet, type ProbeResult } from '../probe/linear-probe.js';

export const PROBE_KINDS = ['speaker', 'phone', 'both'] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];

export interface ProbeSettings {
  readonly probes: ProbeKind;
  /** Probe every module, not only the last. */
  readonly perModule: boolean;
  /** Seed of the probe weights, batch order and training windows. */
  readonly seed: number;
  /** Seed of the one fixed draw of test windows. */
  readonly testSeed: number;
  /** Windows per encoder pass during extraction. */
  readonly extractBatch: number;
  /** Z-score features with training statistics before the probe (see ProbeOptions.standardize); reference: false. */
  readonly standardize: boolean;
  readonly speaker: {
    readonly epochs: number;
    readonly learningRate: number;
    readonly batchSize: number;
    readonly windowDraws: number;
    /**
     * Test windows per test utterance (default 10; the reference scores one). One window per
     * utterance leaves a small test split (81 utterances in the demo corpus) too few items to
     * tell methods apart; the windows of one utterance form one group for the standard error.
     */
    readonly testWindowsPerUtterance: number;
  };
  readonly phone: {
    readonly epochs: number;
    readonly learningRate: number;
    readonly utterancesPerStep: number;
  };
}

/** The reference's settings (spec §2.7), except 10 test windows per utterance instead of 1. */
export const DEFAULT_PROBE_SETTINGS: ProbeSettings = deepFreeze({
  probes: 'both',
  perModule: false,
  seed: 2,
  testSeed: 20190527,
  extractBatch: 16,
  standardize: false,
  speaker: {
    epochs: 50,
    learningRate: 1e-3,
    batchSize: 64,
    windowDraws: 50,
    testWindowsPerUtterance: 10,
  },
  phone: { epochs: 20, learningRate: 1e-4, utterancesPerStep: 1 },
});

const PROBE_RULES = {
  probes: rules.oneOf(...PROBE_KINDS),
  seed: rules.nonNegativeInt,
  testSeed: rules.nonNegativeInt,
  extractBatch: rules.positiveInt,
  'speaker.epochs': rules.positiveInt,
  'speaker.learningRate': rules.positive,
  'speaker.batchSize': rules.positiveInt,
  'speaker.windowDraws': rules.positiveInt,
  'speaker.testWindowsPerUtterance': rules.positiveInt,
  'phone.epochs': rules.positiveInt,
  'phone.learningRate': rules.positive,
  'phone.utterancesPerStep': rules.positiveInt,
};

export function resolveProbeSettings(
  overrides: readonly { source: string; values: unknown }[] = [],
): ProbeSettings {
  let s: ProbeSettings = DEFAULT_PROBE_SETTINGS;
  for (const { source, values } of overrides) {
    s = mergeChecked(s, values, source);
    checkRules(s, PROBE_RULES, source);
  }
  return deepFreeze(structuredClone(s));
}

export interface ModuleProbes {
  /** 1-based module number. */
  readonly module: number;
  /** Width of the probed features of this module (the linear probe's input dimension). */
  readonly dim: number;
  readonly speaker: ProbeResult | null;
  readonly phone: ProbeResult | null;
}

export interface ProbeProgress {
  /** e.g. "speaker features (train, draw 3/10)", "phone probe, module 6". */
  readonly phase: string;
  readonly done: number;
  readonly total: number;
}

/** Runs the configured probes; entry m of the result is module m + 1 (only the last without perModule). */
export async function evaluateEncoder(
  corpus: AudioCorpus,
  encoder: FrozenEncoder,
  settings: ProbeSettings,
  onProgress?: (p: ProbeProgress) => void,
): Promise<ModuleProbes[]> {
  const modules = settings.perModule
    ? Array.from({ length: encoder.moduleCount }, (_, m) => m)
    : [encoder.moduleCount - 1];
  const speaker =
    settings.probes !== 'phone'
      ? await speakerProbes(corpus, encoder, settings, modules, onProgress)
      : null;
  const phone =
    settings.probes !== 'speaker'
      ? await phoneProbes(corpus, encoder, settings, modules, onProgress)
      : null;
  return modules.map((m, i) => ({
    module: m + 1,
    dim: speaker?.[i]?.dim ?? phone?.[i]?.dim ?? 0,
    speaker: speaker?.[i]?.result ?? null,
    phone: phone?.[i]?.result ?? null,
  }));
}

/** One module's probe with the width of the features it was given. */
interface ProbedModule {
  readonly dim: number;
  readonly result: ProbeResult;
}

async function speakerProbes(
  corpus: AudioCorpus,
  encoder: FrozenEncoder,
  s: ProbeSettings,
  modules: number[],
  onProgress?: (p: ProbeProgress) => void,
): Promise<ProbedModule[]> {
  if (corpus.ids('test').length === 0)
    throw new DataError(
      corpus.root,
      'the test split has no usable utterance for the speaker probe',
    );
  const report = (phase: string) => (done: number, total: number) =>
    onProgress?.({ phase, done, total });
  const test = await speakerFeatures(
    corpus,
    encoder,
    'test',
    new Rng(s.testSeed),
    s.extractBatch,
    report('speaker features (test)'),
    s.speaker.testWindowsPerUtterance,
  );
  const draws = Math.min(s.speaker.windowDraws, s.speaker.epochs);
  const trainRng = new Rng(s.seed + 1);
  const train: FeatureSet[][] = [];
  for (let d = 0; d < draws; d++) {
    train.push(
      await speakerFeatures(
        corpus,
        encoder,
        'train',
        trainRng,
        s.extractBatch,
        report(`speaker features (train, draw ${d + 1}/${draws})`),
      ),
    );
  }
  return modules.map((m) => {
    onProgress?.({ phase: `speaker probe, module ${m + 1}`, done: 0, total: s.speaker.epochs });
    const result = trainLinearProbe(
      train.map((draw) => draw[m]!),
      test[m]!,
      {
        classes: corpus.speakers.length,
        learningRate: s.speaker.learningRate,
        epochs: s.speaker.epochs,
        batchSize: s.speaker.batchSize,
        seed: s.seed,
        init: 'torch',
        standardize: s.standardize,
        onEpoch: (e) =>
          onProgress?.({
            phase: `speaker probe, module ${m + 1}`,
            done: e,
            total: s.speaker.epochs,
          }),
      },
    );
    return { dim: test[m]!.dim, result };
  });
}

async function phoneProbes(
  corpus: AudioCorpus,
  encoder: FrozenEncoder,
  s: ProbeSettings,
  modules: number[],
  onProgress?: (p: ProbeProgress) => void,
): Promise<ProbedModule[]> {
  if (corpus.phoneClasses === 0)
    throw new DataError(
      corpus.root,
      'the corpus has no phone labels (converted_aligned_phones.txt) for the phone probe',
    );
  const report = (phase: string) => (done: number, total: number) =>
    onProgress?.({ phase, done, total });
  const test = await phoneFeatures(
    corpus,
    encoder,
    'test',
    s.extractBatch,
    report('phone features (test)'),
  );
  const train = await phoneFeatures(
    corpus,
    encoder,
    'train',
    s.extractBatch,
    report('phone features (train)'),
  );
  return modules.map((m) => ({
    dim: test[m]!.dim,
    result: trainLinearProbe([train[m]!], test[m]!, {
      classes: corpus.phoneClasses,
      learningRate: s.phone.learningRate,
      epochs: s.phone.epochs,
      batchSize: s.phone.utterancesPerStep,
      seed: s.seed,
      init: 'xavier-normal',
      standardize: s.standardize,
      onEpoch: (e) =>
        onProgress?.({ phase: `phone probe, module ${m + 1}`, done: e, total: s.phone.epochs }),
    }),
  }));
}
