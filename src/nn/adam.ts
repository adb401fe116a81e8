/**
 * Adam exactly as torch.optim.Adam (no weight decay, no amsgrad):
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²
 *   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε)
 * One instance per module, so a module whose gradient is absent never moves (spec §1.6).
 * State lives in tf.Variables updated in place and is exported by stable parameter name.
 */
import { tf, type Tensor, type Variable } from '../backend/tf.js';
import { fusedAdamAvailable, fusedAdamUpdate } from '../backend/fused-adam.js';

export interface AdamOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  /** Update t uses lr · min(1, t / warmupSteps) (0: the constant lr, as torch.optim.Adam). */
  readonly warmupSteps?: number;
}

export interface AdamState {
  readonly step: number;
  /** name → [firstMoment, secondMoment] values. */
  readonly moments: ReadonlyMap<string, readonly [Float32Array, Float32Array]>;
}

export class Adam {
  private readonly m = new Map<string, Variable>();
  private readonly v = new Map<string, Variable>();
  private stepCount = 0;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly warmupSteps: number;

  /** `params`: stable name → variable (a module's namedParameters()). */
  constructor(
    readonly params: ReadonlyMap<string, Variable>,
    public learningRate: number,
    { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, warmupSteps = 0 }: AdamOptions = {},
  ) {
    this.warmupSteps = warmupSteps;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    for (const [name, p] of params) {
      this.m.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      );
      this.v.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      );
    }
  }

  get step(): number {
    return this.stepCount;
  }

  /** Apply one update. `grads` maps a variable's engine name (as tf.variableGrads returns) to its gradient. */
  apply(grads: Readonly<Record<string, Tensor>>): void {
    this.stepCount += 1;
    // The warm-up counts this optimiser's own updates, so a module trained later (sequential
    // schedule, --add-module) warms up from its own first step, and a resumed run continues it.
    const warm = this.warmupSteps > 0 ? Math.min(1, this.stepCount / this.warmupSteps) : 1;
    const { stepSize, sqrtBias2 } = biasCorrection(this.stepCount, this.learningRate * warm, this);
    const fused = fusedAdamAvailable();
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const g = grads[p.name];
        if (!g) continue; // no gradient: leave the parameter and its moments untouched
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        if (fused && g.dtype === 'float32') {
          // One pass instead of ten ops, the same floats (src/backend/fused-adam.ts).
          const [p2, m2, v2] = fusedAdamUpdate(p, m, v, g, {
            beta1: this.beta1,
            beta2: this.beta2,
            epsilon: this.epsilon,
            stepSize,
            sqrtBias2,
          });
          m.assign(m2);
          v.assign(v2);
          p.assign(p2);
          continue;
        }
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtBias2), this.epsilon);
        p.assign(tf.sub(p, tf.mul(tf.div(m, denom), stepSize)));
      }
    });
  }

  getState(): AdamState {
    const moments = new Map<string, readonly [Float32Array, Float32Array]>();
    for (const name of this.params.keys()) {
      moments.set(name, [
        this.m.get(name)!.dataSync() as Float32Array,
        this.v.get(name)!.dataSync() as Float32Array,
      ]);
    }
    return { step: this.stepCount, moments };
  }

  setState(state: AdamState): void {
    for (const [name, p] of this.params) {
      const mv = state.moments.get(name);
      if (!mv) throw new Error(`Adam state has no moments for parameter "${name}"`);
      tf.tidy(() => {
        this.m.get(name)!.assign(tf.tensor(mv[0], p.shape));
        this.v.get(name)!.assign(tf.tensor(mv[1], p.shape));
      });
    }
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
  }
}

/** Step size lr / (1−β1^t) and √(1−β2^t) of update t (1-based): the bias corrections. */
function biasCorrection(
  t: number,
  learningRate: number,
  { beta1, beta2 }: { beta1: number; beta2: number },
): { stepSize: number; sqrtBias2: number } {
  return { stepSize: learningRate / (1 - beta1 ** t), sqrtBias2: Math.sqrt(1 - beta2 ** t) };
}

/**
 * The same update on plain Float64Arrays, in place, for the small float64 models that train
 * without tensors (the speaker-difficulty baseline): `t` is the 1-based step number.
 */
export function adamStepInPlace(
  param: Float64Array,
  grad: Float64Array,
  moments: readonly [Float64Array, Float64Array],
  t: number,
  learningRate: number,
  { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 }: AdamOptions = {},
): void {
  const [m, v] = moments;
  const { stepSize, sqrtBias2 } = biasCorrection(t, learningRate, { beta1, beta2 });
  for (let j = 0; j < param.length; j++) {
    const g = grad[j]!;
    m[j] = m[j]! * beta1 + g * (1 - beta1);
    v[j] = v[j]! * beta2 + g * g * (1 - beta2);
    param[j]! -= (m[j]! / (Math.sqrt(v[j]!) / sqrtBias2 + epsilon)) * stepSize;
  }
}
