/**
 * Where the feature frames sit, chosen so that feature frame f describes the same stretch of
 * audio as the GIM encoder's output frame f.
 *
 * The encoder (five Conv1d, kernels [10,8,4,4,4], strides [5,4,2,2,2], paddings [2,2,2,2,1])
 * gives output f a receptive field of 465 samples, [160f − 212, 160f + 252]; its centre is
 * sample 160f + 20. So frame f's 400-sample window is centred there too: it starts at
 * 160f + 20 − 200 = 160f − 180. (The periodic Hann window peaks at index 200 exactly.)
 * Samples outside the signal read as zeros, like the encoder's zero padding.
 */
import { ShapeError } from '../../errors.js';

/** (kernel, stride, padding) of the CPC/GIM audio encoder layers (reference-spec §2.2). */
const ENCODER_CONVS: ReadonlyArray<readonly [number, number, number]> = [
  [10, 5, 2],
  [8, 4, 2],
  [4, 2, 2],
  [4, 2, 2],
  [4, 2, 1],
];

/** Centre of encoder frame 0 in samples; frame f is centred at 160 f + 20. */
export const ENCODER_FRAME0_CENTRE = 20;

/**
 * Number of frames the GIM audio encoder produces for `samples` input samples (128 for 20480).
 * Computed through the conv chain because ⌈(n − 20) / 160⌉ is off by one for some lengths.
 */
export function encoderFrameCount(samples: number): number {
  let n = samples;
  for (const [kernel, stride, pad] of ENCODER_CONVS)
    n = Math.floor((n + 2 * pad - kernel) / stride) + 1;
  return Math.max(0, n);
}

/** Periodic Hann window, w[n] = 0.5 − 0.5 cos(2πn / N) (torch.hann_window's default). */
export function hannWindow(length: number): Float64Array {
  const w = new Float64Array(length);
  for (let i = 0; i < length; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / length);
  return w;
}

/**
 * Copies frame `f` (windowed) into `out`: samples start + 0 .. start + window − 1 with
 * start = f·hop + centre0 − ⌊window/2⌋, zero outside the signal.
 */
export function windowedFrame(
  audio: Float32Array,
  f: number,
  hop: number,
  centre0: number,
  window: Float64Array,
  out: Float64Array,
): Float64Array {
  if (out.length < window.length)
    throw new ShapeError(`windowedFrame: out has ${out.length} < ${window.length}`);
  const start = f * hop + centre0 - Math.floor(window.length / 2);
  for (let i = 0; i < window.length; i++) {
    const s = start + i;
    out[i] = s >= 0 && s < audio.length ? audio[s]! * window[i]! : 0;
  }
  return out;
}
