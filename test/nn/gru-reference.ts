/**
 * A GRU test oracle in float64: the loss L = Σ w ⊙ GRU(x, h0) of the plain-number reference GRU
 * (test/reference/nn.ts) and its gradients by central finite differences, for every input.
 */
import { Rng } from '../../src/backend/random.js';
import { nest, referenceGru } from '../reference/nn.js';

export interface GruShape {
  readonly batch: number;
  readonly steps: number;
  readonly input: number;
  readonly hidden: number;
}

/** Flat row-major values, float32-representable so a tensor holds exactly the same numbers. */
export interface GruValues {
  readonly x: number[]; // [B, T, I]
  readonly h0: number[]; // [B, H]
  readonly weightIh: number[]; // [I, 3H]
  readonly weightHh: number[]; // [H, 3H]
  readonly biasIh: number[]; // [3H]
  readonly biasHh: number[]; // [3H]
  /** Weights of the loss over the outputs [B, T, H]. */
  readonly w: number[];
}

export const GRU_VALUE_NAMES = ['x', 'h0', 'weightIh', 'weightHh', 'biasIh', 'biasHh'] as const;
export type GruInputName = (typeof GRU_VALUE_NAMES)[number];

export function randomGruValues(seed: number, s: GruShape, zeroState = false): GruValues {
  const rng = new Rng(seed);
  const draw = (n: number, scale: number) =>
    Array.from({ length: n }, () => Math.fround(scale * rng.normal()));
  const H3 = 3 * s.hidden;
  const bound = 1 / Math.sqrt(s.hidden);
  return {
    x: draw(s.batch * s.steps * s.input, 1),
    h0: zeroState ? new Array<number>(s.batch * s.hidden).fill(0) : draw(s.batch * s.hidden, 0.5),
    weightIh: draw(s.input * H3, bound),
    weightHh: draw(s.hidden * H3, bound),
    biasIh: draw(H3, bound),
    biasHh: draw(H3, bound),
    w: draw(s.batch * s.steps * s.hidden, 1),
  };
}

export function referenceLoss(v: GruValues, s: GruShape): number {
  const H3 = 3 * s.hidden;
  const wIh = nest(v.weightIh, [s.input, H3]);
  const wHh = nest(v.weightHh, [s.hidden, H3]);
  let loss = 0;
  for (let b = 0; b < s.batch; b++) {
    const seq = nest(v.x.slice(b * s.steps * s.input, (b + 1) * s.steps * s.input), [
      s.steps,
      s.input,
    ]);
    const h0 = v.h0.slice(b * s.hidden, (b + 1) * s.hidden);
    const y = referenceGru(seq, wIh, wHh, v.biasIh, v.biasHh, s.hidden, h0).flat();
    const w = v.w.slice(b * s.steps * s.hidden, (b + 1) * s.steps * s.hidden);
    for (let i = 0; i < y.length; i++) loss += y[i]! * w[i]!;
  }
  return loss;
}

/** dL/d(each input) by central differences in float64 (step 1e-5: error ~1e-10, far below float32's). */
export function finiteDifferenceGrads(v: GruValues, s: GruShape): Record<GruInputName, number[]> {
  const eps = 1e-5;
  const out = {} as Record<GruInputName, number[]>;
  for (const name of GRU_VALUE_NAMES) {
    const values = v[name];
    out[name] = values.map((_, i) => {
      const at = (delta: number) => {
        const moved = [...values];
        moved[i] = values[i]! + delta;
        return referenceLoss({ ...v, [name]: moved }, s);
      };
      return (at(eps) - at(-eps)) / (2 * eps);
    });
  }
  return out;
}
