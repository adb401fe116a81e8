/**
 * Slow, plainly written MFCC front end on number[] — the oracle for src/audio/features.
 * Written from the textbook definitions, not from the library code: a naive O(N²) DFT,
 * explicit triangle formulas, explicit DCT and delta sums. Frame f starts at 160 f − 180
 * (window centred on the encoder frame's receptive-field centre 160 f + 20).
 */

export interface RefOptions {
  sampleRate: number;
  win: number;
  hop: number;
  nfft: number;
  nMels: number;
  nCeps: number;
  firstStart: number;
  frames: number;
}

export const REF_DEFAULTS: Omit<RefOptions, 'frames'> = {
  sampleRate: 16000,
  win: 400,
  hop: 160,
  nfft: 512,
  nMels: 40,
  nCeps: 13,
  firstStart: -180,
};

/** X[k] for k < bins (all by default) of a real sequence, by the O(N²) definition. */
export function naiveDft(x: readonly number[], bins = x.length): { re: number[]; im: number[] } {
  const n = x.length;
  const re: number[] = [];
  const im: number[] = [];
  for (let k = 0; k < bins; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const angle = (-2 * Math.PI * ((k * t) % n)) / n;
      sr += x[t]! * Math.cos(angle);
      si += x[t]! * Math.sin(angle);
    }
    re.push(sr);
    im.push(si);
  }
  return { re, im };
}

export function naiveDftComplex(
  re: readonly number[],
  im: readonly number[],
): { re: number[]; im: number[] } {
  const n = re.length;
  const outRe: number[] = [];
  const outIm: number[] = [];
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * ((k * t) % n)) / n;
      sr += re[t]! * Math.cos(a) - im[t]! * Math.sin(a);
      si += re[t]! * Math.sin(a) + im[t]! * Math.cos(a);
    }
    outRe.push(sr);
    outIm.push(si);
  }
  return { re: outRe, im: outIm };
}

const mel = (f: number): number => 2595 * Math.log10(1 + f / 700);
const invMel = (m: number): number => 700 * (Math.pow(10, m / 2595) - 1);

/** Triangle weight of band b at frequency f (bands equally spaced in HTK mel over 0..sr/2). */
function triangle(b: number, f: number, o: RefOptions): number {
  const top = mel(o.sampleRate / 2);
  const edge = (i: number): number => invMel((top * i) / (o.nMels + 1));
  const left = edge(b);
  const centre = edge(b + 1);
  const right = edge(b + 2);
  if (f <= left || f >= right) return 0;
  return f <= centre ? (f - left) / (centre - left) : (right - f) / (right - centre);
}

/** Log-mel rows for frames 0..o.frames-1, or only for `only` (to keep the naive DFT affordable). */
export function refLogMel(
  audio: ArrayLike<number>,
  o: RefOptions,
  only?: readonly number[],
): number[][] {
  const out: number[][] = [];
  for (const f of only ?? Array.from({ length: o.frames }, (_, i) => i)) {
    const frame: number[] = [];
    for (let i = 0; i < o.nfft; i++) {
      const s = o.firstStart + f * o.hop + i;
      const inSignal = i < o.win && s >= 0 && s < audio.length;
      const hann = 0.5 * (1 - Math.cos((2 * Math.PI * i) / o.win));
      frame.push(inSignal ? audio[s]! * hann : 0);
    }
    const { re, im } = naiveDft(frame, o.nfft / 2 + 1);
    const row: number[] = [];
    for (let b = 0; b < o.nMels; b++) {
      let energy = 0;
      for (let k = 0; k <= o.nfft / 2; k++) {
        energy += triangle(b, (k * o.sampleRate) / o.nfft, o) * (re[k]! ** 2 + im[k]! ** 2);
      }
      row.push(Math.log(energy + 1e-6));
    }
    out.push(row);
  }
  return out;
}

export function refDct(x: readonly number[], count: number): number[] {
  const n = x.length;
  const y: number[] = [];
  for (let k = 0; k < count; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i]! * Math.cos((Math.PI / n) * (i + 0.5) * k);
    y.push(s * (k === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n)));
  }
  return y;
}

function refDeltas(rows: readonly number[][]): number[][] {
  const last = rows.length - 1;
  const at = (t: number): number[] => rows[Math.max(0, Math.min(last, t))]!;
  return rows.map((row, t) =>
    row.map(
      (_, j) => (1 * (at(t + 1)[j]! - at(t - 1)[j]!) + 2 * (at(t + 2)[j]! - at(t - 2)[j]!)) / 10,
    ),
  );
}

/** MFCC rows (13 or, with deltas, 39 per frame). */
export function refMfcc(
  audio: ArrayLike<number>,
  o: RefOptions,
  withDeltas: boolean,
  only?: readonly number[],
): number[][] {
  const ceps = refLogMel(audio, o, only).map((row) => refDct(row, o.nCeps));
  if (!withDeltas) return ceps;
  const d1 = refDeltas(ceps);
  const d2 = refDeltas(d1);
  return ceps.map((row, t) => [...row, ...d1[t]!, ...d2[t]!]);
}
