/**
 * Rational resampling with a polyphase windowed-sinc filter (22 050 → 16 000 Hz is 320/441).
 * The filter table holds one 32-tap kernel per output phase, cut off at 0.95 × the lower Nyquist
 * frequency, Blackman-windowed, each phase normalised to unit DC gain.
 */

const TAPS = 32;
const CUTOFF = 0.95;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export class Resampler {
  /** Output samples per `down` input samples. */
  private readonly up: number;
  private readonly down: number;
  private readonly table: Float64Array; // [up, TAPS]

  constructor(fromHz: number, toHz: number) {
    const g = gcd(fromHz, toHz);
    this.up = toHz / g;
    this.down = fromHz / g;
    // Cut-off in cycles per input sample.
    const fc = (CUTOFF * 0.5 * Math.min(fromHz, toHz)) / fromHz;
    this.table = new Float64Array(this.up * TAPS);
    for (let p = 0; p < this.up; p++) {
      const frac = p / this.up;
      let sum = 0;
      for (let k = 0; k < TAPS; k++) {
        const x = k - (TAPS / 2 - 1) - frac; // tap offset from the output instant, in input samples
        const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
        const u = (x + TAPS / 2) / TAPS; // 0..1 across the window
        const w = 0.42 - 0.5 * Math.cos(2 * Math.PI * u) + 0.08 * Math.cos(4 * Math.PI * u);
        const h = sinc * Math.max(0, w);
        this.table[p * TAPS + k] = h;
        sum += h;
      }
      for (let k = 0; k < TAPS; k++) this.table[p * TAPS + k]! /= sum;
    }
  }

  /** Resamples a whole signal (zero outside it). Output length floor(n · up / down). */
  process(input: Float32Array | Int16Array): Float32Array {
    const n = Math.floor((input.length * this.up) / this.down);
    const out = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      const pos = j * this.down; // output instant in units of 1/up input samples
      const i0 = Math.floor(pos / this.up);
      const p = pos - i0 * this.up;
      const base = i0 - (TAPS / 2 - 1);
      let acc = 0;
      for (let k = 0; k < TAPS; k++) {
        const i = base + k;
        if (i >= 0 && i < input.length) acc += input[i]! * this.table[p * TAPS + k]!;
      }
      out[j] = acc;
    }
    return out;
  }
}
