/**
 * A random "recording channel" per utterance: spectral tilt, one peaking resonance, a level and a
 * little noise. It plays the part of microphones and rooms in real corpora, so that the long-term
 * spectrum of an utterance says less about who speaks (see speakers.ts).
 */
import type { Rng } from '../../backend/random.js';
import { SAMPLE_RATE_HZ } from '../data/pcm.js';

export interface ChannelSettings {
  /** First-order tilt y[n] = x[n] + tilt · x[n−1]; negative = brighter, positive = darker. */
  tilt: number;
  /** Peaking filter centre (Hz), gain (dB) and Q. */
  peakHz: number;
  peakDb: number;
  peakQ: number;
  /** Output RMS level in dBFS. */
  levelDb: number;
  /** Signal-to-noise ratio of added white noise, dB. */
  snrDb: number;
}

export function randomChannel(rng: Rng): ChannelSettings {
  return {
    tilt: rng.uniformRange(-0.8, 0.8),
    peakHz: 250 * 2 ** rng.uniformRange(0, 4.5),
    peakDb: rng.uniformRange(-10, 10),
    peakQ: rng.uniformRange(0.7, 2),
    levelDb: rng.uniformRange(-30, -18),
    snrDb: rng.uniformRange(20, 40),
  };
}

/** Applies the channel in place to float audio in [-1, 1). */
export function applyChannel(audio: Float32Array, c: ChannelSettings, rng: Rng): void {
  let prev = 0;
  for (let i = 0; i < audio.length; i++) {
    const x = audio[i]!;
    audio[i] = x + c.tilt * prev;
    prev = x;
  }
  peaking(audio, c.peakHz, c.peakDb, c.peakQ);
  let power = 0;
  for (let i = 0; i < audio.length; i++) power += audio[i]! * audio[i]!;
  const rms = Math.sqrt(power / Math.max(1, audio.length)) || 1;
  const gain = 10 ** (c.levelDb / 20) / rms;
  const noise = 10 ** ((c.levelDb - c.snrDb) / 20);
  for (let i = 0; i < audio.length; i++) audio[i] = audio[i]! * gain + noise * rng.normal();
}

/** RBJ audio-EQ-cookbook peaking biquad, direct form I. */
function peaking(audio: Float32Array, hz: number, db: number, q: number): void {
  const a = 10 ** (db / 40);
  const w = (2 * Math.PI * Math.min(hz, 0.45 * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ;
  const alpha = Math.sin(w) / (2 * q);
  const a0 = 1 + alpha / a;
  const b0 = (1 + alpha * a) / a0;
  const b1 = (-2 * Math.cos(w)) / a0;
  const b2 = (1 - alpha * a) / a0;
  const a1 = b1;
  const a2 = (1 - alpha / a) / a0;
  let x1 = 0,
    x2 = 0,
    y1 = 0,
    y2 = 0;
  for (let i = 0; i < audio.length; i++) {
    const x = audio[i]!;
    const y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    audio[i] = y;
  }
}
