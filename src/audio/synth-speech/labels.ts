/**
 * Frame labels from eSpeak phoneme events (research/datasets.md §1.3): phone i spans
 * [event_i, next event) where the next event is a phoneme or a clause end; frame f (10 ms) gets
 * the phone that covers its centre, 10f + 5 ms; anything uncovered is silence.
 */
import { FRAME_SAMPLES, SAMPLE_RATE_HZ } from '../data/pcm.js';
import type { PhonemeEvent } from './espeak.js';
import { SIL, STOP_CLASSES, ipaToClass } from './phones.js';

export interface FrameLabels {
  /** One class per 10 ms frame; length floor(samples / 160). */
  labels: Uint8Array;
  /** IPA symbols with no class; the caller must reject the utterance rather than guess. */
  unknown: string[];
}

export function labelFrames(events: readonly PhonemeEvent[], samples: number): FrameLabels {
  const frames = Math.floor(samples / FRAME_SAMPLES);
  const frameMs = (1000 * FRAME_SAMPLES) / SAMPLE_RATE_HZ;
  const labels = new Uint8Array(frames).fill(SIL);
  const unknown: string[] = [];
  const sorted = [...events].sort((a, b) => a.ms - b.ms); // stable: keeps eSpeak's order on ties
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i]!;
    if (e.ipa === null) continue; // a clause end only closes the phone before it
    const end = i + 1 < sorted.length ? sorted[i + 1]!.ms : e.ms;
    if (end <= e.ms) continue; // zero-length duplicates occur
    const cls = ipaToClass(e.ipa);
    if (cls === null) {
      unknown.push(e.ipa);
      continue;
    }
    // Frames whose centre 10f + 5 lies in [e.ms, end).
    const first = Math.max(0, Math.ceil((e.ms - frameMs / 2) / frameMs));
    const last = Math.min(frames, Math.ceil((end - frameMs / 2) / frameMs));
    labels.fill(cls, first, last);
  }
  return { labels, unknown };
}

/** How far (frames) and how quiet (dB below the loudest frame) a stop closure may be. */
const CLOSURE_MAX_FRAMES = 10;
const CLOSURE_DB = 30;

/**
 * eSpeak puts a stop's onset at its release, so the 40–50 ms closure silence before it carries
 * the previous phone. Forced alignments (LibriSpeech) put the closure inside the stop. Walk back
 * from each stop onset over quiet frames that are neither silence nor another stop and give them
 * to the stop. Works in place; `audio` is the clean 16 kHz signal.
 */
export function assignStopClosures(labels: Uint8Array, audio: Float32Array): void {
  const energy = frameEnergyDb(audio, labels.length);
  const loudest = energy.reduce((m, v) => Math.max(m, v), -Infinity);
  for (let f = 1; f < labels.length; f++) {
    const stop = labels[f]!;
    if (!STOP_CLASSES.has(stop) || labels[f - 1] === stop) continue;
    for (let g = f - 1; g >= Math.max(0, f - CLOSURE_MAX_FRAMES); g--) {
      const l = labels[g]!;
      if (l === SIL || STOP_CLASSES.has(l) || energy[g]! > loudest - CLOSURE_DB) break;
      labels[g] = stop;
    }
  }
}

export function frameEnergyDb(audio: Float32Array, frames: number): Float64Array {
  const out = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let i = f * FRAME_SAMPLES; i < (f + 1) * FRAME_SAMPLES; i++) sum += audio[i]! * audio[i]!;
    out[f] = 10 * Math.log10(sum / FRAME_SAMPLES + 1e-12);
  }
  return out;
}
