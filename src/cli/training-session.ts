/**
 * What `gim train` does around a trainer's run, for every modality: a JSON line per step in
 * <out>/train-log.jsonl, a progress line with steps/s, ETA and smoothed per-module losses, and a
 * Ctrl-C handler that asks the trainer to stop after the current step (and save); a second
 * Ctrl-C exits at once.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../core/atomic-file.js';
import { formatSeconds, progressLine } from './progress.js';
import type { StepRecord, TrainCallbacks } from '../core/trainer.js';

export interface TrainingSessionOptions {
  readonly logFile: string;
  readonly startStep: number;
  readonly totalSteps: number;
  readonly logEvery: number;
  readonly quiet: boolean;
}

export interface TrainingSession {
  readonly callbacks: TrainCallbacks;
  stopRequested(): boolean;
  /** Ends the progress line and removes the Ctrl-C handler. */
  finish(): void;
}

export function startTrainingSession(opts: TrainingSessionOptions): TrainingSession {
  trimLog(opts.logFile, opts.startStep);
  let stop = false;
  const onSigint = (): void => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write(
      '\ngim train: stopping after this step and saving a checkpoint (Ctrl-C again to quit now)\n',
    );
  };
  process.on('SIGINT', onSigint);
  const progress = progressLine();
  // Steps/s and ETA count from here; a cache build moves it, so its minutes are not "steps".
  let clock = { step: opts.startStep, time: Date.now() };
  let lastStep = opts.startStep;
  let smoothed: number[] | null = null;
  const callbacks: TrainCallbacks = {
    shouldStop: () => stop,
    onStep: (r: StepRecord) => {
      appendFileSync(opts.logFile, `${JSON.stringify(logLine(r))}\n`);
      // Warnings stay on screen (and in the log): a collapsed module is worth stopping for.
      for (const w of r.warnings ?? []) {
        progress.done();
        process.stderr.write(`gim train: warning at step ${w.step}: ${w.message}\n`);
      }
      const losses = r.modules.map((m) => m?.loss ?? Number.NaN);
      // Smooth per module; a module that did not step this time keeps its last value.
      smoothed = smoothed
        ? smoothed.map((s, i) =>
            Number.isNaN(losses[i]!)
              ? s
              : Number.isNaN(s)
                ? losses[i]!
                : 0.9 * s + 0.1 * losses[i]!,
          )
        : losses;
      lastStep = r.step;
      const rate = (r.step - clock.step) / ((Date.now() - clock.time) / 1000);
      const eta = (opts.totalSteps - r.step) / rate;
      const text = `step ${r.step}/${opts.totalSteps}  ${rate.toFixed(2)} steps/s  eta ${formatSeconds(eta)}  loss ${smoothed.map((l) => (Number.isNaN(l) ? '-' : l.toFixed(3))).join(' ')}`;
      if (!opts.quiet)
        progress.update(text, r.step % opts.logEvery === 0 || r.step === opts.totalSteps);
    },
    onCheckpoint: (path) => progress.update(`checkpoint ${path}`, true),
    onCache: (module, items, dir, total) => {
      clock = { step: lastStep, time: Date.now() };
      const of = total === null ? '' : `/${total}`;
      // The start line always stays on screen: a large cache takes minutes and much disk.
      if (items === 0) {
        progress.done();
        process.stderr.write(
          `gim train: caching module ${module} outputs (${total ?? 'an unknown number of'} items) in ${dir}\n`,
        );
      } else progress.update(`caching module ${module} outputs: ${items}${of} items → ${dir}`);
    },
  };
  return {
    callbacks,
    stopRequested: () => stop,
    finish() {
      progress.done();
      process.off('SIGINT', onSigint);
    },
  };
}

/**
 * A run killed after its last checkpoint logged steps that the resumed run repeats, and may have
 * died in the middle of a line: keep only whole lines of steps up to the checkpoint's, so the log
 * describes the run that is continued, once per step.
 */
function trimLog(logFile: string, startStep: number): void {
  if (!existsSync(logFile)) return;
  const lines = readFileSync(logFile, 'utf8').split('\n');
  const kept = lines.filter((line) => {
    try {
      const step = (JSON.parse(line) as { step?: unknown }).step;
      return typeof step === 'number' && step <= startStep;
    } catch {
      return false; // blank, or cut short by a kill
    }
  });
  if (kept.length === lines.length - 1) return; // nothing to drop (the last element is the final "")
  writeFileAtomic(logFile, [Buffer.from(kept.map((l) => `${l}\n`).join(''), 'utf8')]);
}

/** One line of train-log.jsonl. */
export function logLine(r: StepRecord): object {
  return {
    step: r.step,
    seconds: Number(r.seconds.toFixed(4)),
    loss: r.modules.map((m) => (m ? Number(m.loss.toFixed(5)) : null)),
    accuracy: r.modules.map((m) => (m ? Number(m.accuracy.toFixed(4)) : null)),
    dead: r.modules.map((m) => (m ? Number(m.deadFraction.toFixed(4)) : null)),
    ...(r.warnings ? { warnings: r.warnings.map((w) => w.message) } : {}),
    tensorBytes: r.memory.tensorBytes,
    rssBytes: r.memory.rssBytes,
    peakRssBytes: r.memory.peakRssBytes ?? null,
    peakTensorBytes: r.memory.peakTensorBytes ?? null,
  };
}
