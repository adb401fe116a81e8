/**
 * The training loss at the start and the end of a run, per module: what a results table shows
 * so a reader can see that a method trained (its loss fell) without opening the log.
 */

export interface LossSummary {
  /** Mean loss per module over the first 10 % of the steps that trained it (NaN if none). */
  readonly first: number[];
  /** The same over the last 10 %: below `first` when the module learned. */
  readonly final: number[];
}

/**
 * `losses[m]` holds module m's loss at each step that trained it, in order (a sequential schedule
 * trains one module at a time, so the lists may differ in length and position).
 */
export function summarizeLosses(losses: readonly (readonly number[])[]): LossSummary {
  const mean = (xs: readonly number[]): number =>
    xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
  // At least one step, so a short run still has a first and a last entry.
  const tenth = (xs: readonly number[]): number => Math.max(1, Math.floor(xs.length * 0.1));
  return {
    first: losses.map((xs) => mean(xs.slice(0, tenth(xs)))),
    final: losses.map((xs) => mean(xs.slice(xs.length - tenth(xs)))),
  };
}

/** Collects each module's loss step by step; `null` entries (module not trained that step) are skipped. */
export class LossRecorder {
  private readonly perModule: number[][] = [];

  add(moduleLosses: readonly (number | null | undefined)[]): void {
    moduleLosses.forEach((loss, m) => {
      if (loss === null || loss === undefined) return;
      (this.perModule[m] ??= []).push(loss);
    });
  }

  summary(modules: number): LossSummary {
    return summarizeLosses(Array.from({ length: modules }, (_, m) => this.perModule[m] ?? []));
  }
}
