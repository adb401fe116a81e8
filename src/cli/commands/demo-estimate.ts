/**
 * The demo's duration estimate, measured on this machine rather than quoted: a few timed training
 * steps of the demo's model extrapolated to every training step of the run, then, once the first
 * method has been probed, the measured probe time extrapolated to the remaining methods.
 */
import { AudioTrainer } from '../../audio/trainer.js';
import { ToneSource } from '../../audio/batches.js';
import { resolveAudioConfig, type AudioGimConfig } from '../../audio/config.js';
import type { ExperimentEvent, ExperimentSettings } from '../../audio/experiment.js';

const TIMED_STEPS = 3;

/** Seconds per GIM training step of `model` (one untimed warm-up step, then TIMED_STEPS). */
export async function timeTrainingStep(
  model: AudioGimConfig,
  layout: 'gim-6' | 'cpc' = 'gim-6',
): Promise<number> {
  // Generated tones have the corpus windows' shape, so the step costs the same without the corpus.
  const config = resolveAudioConfig([
    {
      source: 'demo estimate',
      values: { ...model, encoder: { ...model.encoder, layout } },
    },
  ]);
  const trainer = AudioTrainer.create(
    config,
    new ToneSource(config.train.seed, config.train.batchSize, config.data.windowSamples),
  );
  try {
    await trainer.trainStep();
    const start = performance.now();
    for (let i = 0; i < TIMED_STEPS; i++) await trainer.trainStep();
    return (performance.now() - start) / 1000 / TIMED_STEPS;
  } finally {
    trainer.dispose();
  }
}

/**
 * Seconds of training the experiment will take: each trained method's steps at the timed step of
 * its layout (a CPC step costs a fraction of a GIM step: one loss instead of six, 4× on wasm).
 */
export function plannedTrainingSeconds(
  model: AudioGimConfig,
  settings: ExperimentSettings,
  perStep: { readonly gim: number; readonly cpc: number },
): number {
  return settings.methods.reduce((sum, m) => {
    const steps = plannedTrainingSteps(model, { ...settings, methods: [m] });
    // End-to-end supervised has CPC's one-module layout, greedy supervised GIM's six.
    return sum + steps * (m === 'cpc' || m === 'supervised' ? perStep.cpc : perStep.gim);
  }, 0);
}

/** Training steps the experiment will run, over all its trained methods. */
export function plannedTrainingSteps(model: AudioGimConfig, settings: ExperimentSettings): number {
  return settings.methods.reduce(
    (sum, m) =>
      sum +
      (m === 'gim' || m === 'cpc'
        ? model.train.steps
        : m === 'supervised' || m === 'greedy-supervised'
          ? settings.supervised.steps
          : 0),
    0,
  );
}

/**
 * Follows the experiment's events and, when the first method is done, extrapolates: the training
 * steps left at the measured rate, plus the mean probe time so far for every method left.
 */
export class DurationTracker {
  private readonly started = performance.now();
  private stepsDone = 0;
  private methodsDone = 0;
  private probeSeconds = 0;
  private methodStart = performance.now();
  private lastTrain = 0;
  private reported = false;

  constructor(
    private readonly totalSteps: number,
    private readonly secondsPerStep: number,
    private readonly methods: number,
  ) {}

  /** Feed an event; returns the estimate line once, after the first method is done. */
  update(e: ExperimentEvent): string | null {
    const now = performance.now();
    if (e.kind === 'start') {
      this.methodStart = now;
      this.lastTrain = now;
    } else if (e.kind === 'train') {
      this.stepsDone++;
      this.lastTrain = now;
    } else if (e.kind === 'done') {
      // Probing starts when training ends (at once for untrained methods).
      this.probeSeconds += (now - Math.max(this.methodStart, this.lastTrain)) / 1000;
      this.methodsDone++;
      if (!this.reported) {
        this.reported = true;
        const perProbe = this.probeSeconds / this.methodsDone;
        const left =
          (this.totalSteps - this.stepsDone) * this.secondsPerStep +
          (this.methods - this.methodsDone) * perProbe;
        const elapsed = (now - this.started) / 1000;
        return (
          `expected ~${minutes(elapsed + left)} min in total (${minutes(elapsed)} min so far; ` +
          `probing took ${perProbe.toFixed(0)} s per method, training ${this.secondsPerStep.toFixed(2)} s per step)`
        );
      }
    }
    return null;
  }
}

export function minutes(seconds: number): string {
  return seconds < 60 ? (seconds / 60).toFixed(1) : (seconds / 60).toFixed(0);
}
