/**
 * Collapse watch: a module whose features stop carrying information. Two signs, each reported
 * once per module per run:
 * - dead units: on average over the last WINDOW steps, at least DEAD_LIMIT of its feature
 *   channels were constant over the batch (ModuleStepStats.deadFraction);
 * - no better than chance: after MIN_STEPS steps of its own, its mean InfoNCE accuracy over the
 *   last WINDOW steps is at most chance (1/(N+1): one positive among N negatives), or at most
 *   NEAR_CHANCE × chance while its mean loss is still at least STUCK_LOSS × chance loss (ln(N+1)).
 *   With ties counted as misses, a collapsed encoder (all scores equal) scores 0, below chance.
 *   The second form catches CPC stuck with its convs dead (docs/results.md, "Collapse": loss
 *   2.2–2.3 of ln 11 = 2.40, accuracy 12–13 %) but not a healthy GIM module 1, whose loss stays
 *   high (2.26 at step 250) while its accuracy is already twice chance.
 * The Trainer attaches the warnings to the step's record; callers decide how to show them.
 */
import type { ModuleStepStats } from './train-step.js';

export interface CollapseWarning {
  /** 1-based module. */
  readonly module: number;
  readonly step: number;
  readonly kind: 'dead-units' | 'chance';
  readonly message: string;
}

/** What a module would score by guessing: accuracy and loss (e.g. 1/(N+1) and ln(N+1)). */
export interface ChanceLevel {
  readonly accuracy: number;
  readonly loss: number;
}

/** Chance for InfoNCE with N negatives: the positive is one of N + 1 candidates. */
export function infoNceChance(negatives: number): ChanceLevel {
  return { accuracy: 1 / (negatives + 1), loss: Math.log(negatives + 1) };
}

export const COLLAPSE_WINDOW = 100;
export const COLLAPSE_MIN_STEPS = 200;
export const DEAD_LIMIT = 0.5;
export const NEAR_CHANCE = 1.5;
export const STUCK_LOSS = 0.9;

class Recent {
  private readonly values: number[] = [];
  private total = 0;
  constructor(
    private readonly size: number,
    initial: readonly number[] = [],
  ) {
    for (const v of initial) this.push(v);
  }
  get recent(): readonly number[] {
    return this.values;
  }
  push(v: number): void {
    this.values.push(v);
    this.total += v;
    if (this.values.length > this.size) this.total -= this.values.shift()!;
  }
  get full(): boolean {
    return this.values.length >= this.size;
  }
  get mean(): number {
    return this.total / this.values.length;
  }
}

/** What a checkpoint keeps of the watch, so a resumed run warns as an uninterrupted one would. */
export interface CollapseState {
  readonly modules: readonly ({
    readonly dead: readonly number[];
    readonly accuracy: readonly number[];
    readonly loss: readonly number[];
    readonly steps: number;
  } | null)[];
  readonly reported: readonly string[];
}

export class CollapseMonitor {
  private readonly dead: Recent[] = [];
  private readonly accuracy: Recent[] = [];
  private readonly loss: Recent[] = [];
  private readonly stepsTaken: number[] = [];
  private readonly reported = new Set<string>();

  /** chance: null when the objective has no meaningful chance level (only dead units are watched). */
  constructor(private readonly chance: ChanceLevel | null) {}

  /** Feeds one step's per-module stats (null: the module did not train) and returns new warnings. */
  observe(step: number, modules: readonly (ModuleStepStats | null)[]): CollapseWarning[] {
    const warnings: CollapseWarning[] = [];
    modules.forEach((stats, m) => {
      if (!stats) return;
      this.dead[m] ??= new Recent(COLLAPSE_WINDOW);
      this.accuracy[m] ??= new Recent(COLLAPSE_WINDOW);
      this.loss[m] ??= new Recent(COLLAPSE_WINDOW);
      this.stepsTaken[m] = (this.stepsTaken[m] ?? 0) + 1;
      this.dead[m].push(stats.deadFraction);
      this.accuracy[m].push(stats.accuracy);
      this.loss[m].push(stats.loss);
      const module = m + 1;
      const dead = this.dead[m].mean;
      if (this.dead[m].full && dead >= DEAD_LIMIT && this.once(module, 'dead-units'))
        warnings.push({
          module,
          step,
          kind: 'dead-units',
          message:
            `module ${module}: ${(100 * dead).toFixed(0)} % of its feature channels are dead ` +
            `(constant over the batch) over the last ${COLLAPSE_WINDOW} steps`,
        });
      const acc = this.accuracy[m].mean;
      const loss = this.loss[m].mean;
      const chance = this.chance;
      const stuck =
        chance !== null &&
        (acc <= chance.accuracy ||
          (acc <= NEAR_CHANCE * chance.accuracy && loss >= STUCK_LOSS * chance.loss));
      if (stuck && this.stepsTaken[m]! >= COLLAPSE_MIN_STEPS && this.once(module, 'chance'))
        warnings.push({
          module,
          step,
          kind: 'chance',
          message:
            `module ${module} has collapsed or is not learning: mean accuracy over the last ` +
            `${COLLAPSE_WINDOW} steps ${(100 * acc).toFixed(1)} % (chance ` +
            `${(100 * chance!.accuracy).toFixed(1)} %), loss ${loss.toFixed(3)} (chance ` +
            `${chance!.loss.toFixed(3)}); try a lower learning rate or train.warmupSteps`,
        });
    });
    return warnings;
  }

  getState(): CollapseState {
    return {
      modules: this.stepsTaken.map((steps, m) =>
        steps === undefined
          ? null
          : {
              dead: [...this.dead[m]!.recent],
              accuracy: [...this.accuracy[m]!.recent],
              loss: [...this.loss[m]!.recent],
              steps,
            },
      ),
      reported: [...this.reported],
    };
  }

  /** Restores a state from getState (a checkpoint written before the watch existed has none). */
  setState(state: CollapseState): void {
    state.modules.forEach((s, m) => {
      if (!s) return;
      this.dead[m] = new Recent(COLLAPSE_WINDOW, s.dead);
      this.accuracy[m] = new Recent(COLLAPSE_WINDOW, s.accuracy);
      this.loss[m] = new Recent(COLLAPSE_WINDOW, s.loss);
      this.stepsTaken[m] = s.steps;
    });
    for (const key of state.reported) this.reported.add(key);
  }

  private once(module: number, kind: string): boolean {
    const key = `${module}:${kind}`;
    if (this.reported.has(key)) return false;
    this.reported.add(key);
    return true;
  }
}
