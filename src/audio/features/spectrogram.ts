/**
 * Log-mel spectrogram: a standard 16 kHz speech front end, framed like the GIM encoder.
 * Per frame: periodic Hann (400) → zero-pad to 512 → |FFT|² → 40 HTK mel bands → ln(e + 1e-6).
 * Power is |X|² of the unnormalised DFT (torchaudio `Spectrogram(power=2, normalized=False)`).
 */
import { ConfigError, ShapeError } from '../../errors.js';
import { powerSpectrum, isPowerOfTwo } from './fft.js';
import { ENCODER_FRAME0_CENTRE, encoderFrameCount, hannWindow, windowedFrame } from './framing.js';
import { melFilterbank } from './mel.js';
import type { FeatureMatrix } from './types.js';

export interface SpectrogramOptions {
  /** Default 16000. */
  readonly sampleRateHz?: number;
  /** Window length in samples; default 400 (25 ms). */
  readonly windowSamples?: number;
  /** Hop in samples; default 160 (10 ms), the encoder's downsampling factor. */
  readonly hopSamples?: number;
  /** FFT size, a power of two ≥ windowSamples; default 512. */
  readonly fftSize?: number;
  /** Number of mel bands; default 40. */
  readonly melBands?: number;
  /** Default 0. */
  readonly fMinHz?: number;
  /** Default sampleRateHz / 2. */
  readonly fMaxHz?: number;
  /** Added to the band energy before the natural log; default 1e-6. */
  readonly logFloor?: number;
  /** Sample at which frame 0 is centred; default 20 (the encoder's frame 0, see framing.ts). */
  readonly frame0CentreSample?: number;
  /** Number of frames; default: what the GIM encoder gives for this many samples (128 for 20480). */
  readonly frames?: number;
}

export type ResolvedSpectrogramOptions = Required<SpectrogramOptions>;

function check(ok: boolean, path: string, expected: string, found: unknown): void {
  if (!ok) throw new ConfigError(path, expected, found, 'features');
}

const isPosInt = (v: number): boolean => Number.isInteger(v) && v > 0;

export function resolveSpectrogramOptions(
  samples: number,
  opts: SpectrogramOptions = {},
): ResolvedSpectrogramOptions {
  const sampleRateHz = opts.sampleRateHz ?? 16000;
  const r: ResolvedSpectrogramOptions = {
    sampleRateHz,
    windowSamples: opts.windowSamples ?? 400,
    hopSamples: opts.hopSamples ?? 160,
    fftSize: opts.fftSize ?? 512,
    melBands: opts.melBands ?? 40,
    fMinHz: opts.fMinHz ?? 0,
    fMaxHz: opts.fMaxHz ?? sampleRateHz / 2,
    logFloor: opts.logFloor ?? 1e-6,
    frame0CentreSample: opts.frame0CentreSample ?? ENCODER_FRAME0_CENTRE,
    frames: opts.frames ?? encoderFrameCount(samples),
  };
  check(r.sampleRateHz > 0, 'sampleRateHz', 'a positive number', r.sampleRateHz);
  check(isPosInt(r.windowSamples), 'windowSamples', 'a positive integer', r.windowSamples);
  check(isPosInt(r.hopSamples), 'hopSamples', 'a positive integer', r.hopSamples);
  check(
    isPowerOfTwo(r.fftSize) && r.fftSize >= r.windowSamples,
    'fftSize',
    `a power of two ≥ windowSamples (${r.windowSamples})`,
    r.fftSize,
  );
  check(isPosInt(r.melBands), 'melBands', 'a positive integer', r.melBands);
  check(
    r.fMinHz >= 0 && r.fMinHz < r.fMaxHz,
    'fMinHz',
    `a number in [0, fMaxHz=${r.fMaxHz})`,
    r.fMinHz,
  );
  check(
    r.fMaxHz <= r.sampleRateHz / 2,
    'fMaxHz',
    `at most the Nyquist frequency ${r.sampleRateHz / 2}`,
    r.fMaxHz,
  );
  check(r.logFloor > 0, 'logFloor', 'a positive number', r.logFloor);
  check(
    Number.isInteger(r.frame0CentreSample),
    'frame0CentreSample',
    'an integer',
    r.frame0CentreSample,
  );
  check(Number.isInteger(r.frames) && r.frames >= 0, 'frames', 'a non-negative integer', r.frames);
  return r;
}

/** [frames × melBands] natural-log mel energies. */
export function logMelSpectrogram(
  audio: Float32Array,
  opts: SpectrogramOptions = {},
): FeatureMatrix {
  const o = resolveSpectrogramOptions(audio.length, opts);
  if (o.frames === 0) {
    throw new ShapeError(
      `logMelSpectrogram: ${audio.length} samples give no frames (the encoder needs more than 40)`,
    );
  }
  const bank = melFilterbank(o.melBands, o.fftSize, o.sampleRateHz, o.fMinHz, o.fMaxHz);
  const window = hannWindow(o.windowSamples);
  const frame = new Float64Array(o.windowSamples);
  const power = new Float64Array(bank.bins);
  const re = new Float64Array(o.fftSize);
  const im = new Float64Array(o.fftSize);
  const data = new Float32Array(o.frames * o.melBands);
  for (let f = 0; f < o.frames; f++) {
    windowedFrame(audio, f, o.hopSamples, o.frame0CentreSample, window, frame);
    powerSpectrum(frame, o.fftSize, power, re, im);
    for (let b = 0; b < o.melBands; b++) {
      let e = 0;
      const row = b * bank.bins;
      for (let k = 0; k < bank.bins; k++) e += bank.weights[row + k]! * power[k]!;
      data[f * o.melBands + b] = Math.log(e + o.logFloor);
    }
  }
  return { frames: o.frames, dim: o.melBands, data };
}
