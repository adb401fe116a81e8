/**
 * Speaker identities for the synthetic corpus, and the per-utterance variation around them.
 *
 * Speaker ID on clean eSpeak speech is too easy: a linear classifier on the mean log spectrum of
 * 1.28 s reached 86–98 % (research/datasets.md §1.5). So identities are made to overlap: several
 * speakers share each voice variant, base pitches are drawn from a narrow band, and every
 * utterance jitters pitch, range and rate widely and passes through its own random channel
 * (channel.ts). A speaker stays a consistent identity (variant + prosody centre) underneath.
 */
import type { Rng } from '../../backend/random.js';
import type { VoiceSettings } from './espeak.js';

export interface SpeakerVoice {
  /** LibriSpeech-style numeric speaker id. */
  id: string;
  variant: string;
  pitch: number;
  range: number;
  rate: number;
}

/** A few male and female variants that all exist in eSpeak NG's `!v` folder (checked at load). */
export const SPEAKER_VARIANTS: readonly string[] = [
  'm1',
  'm2',
  'm3',
  'm4',
  'm6',
  'm7',
  'f1',
  'f2',
  'f3',
  'f4',
];

/** Per-utterance jitter (uniform ±): pitch and range in eSpeak units, rate as a fraction. */
export const JITTER = { pitch: 10, range: 20, rate: 0.15 } as const;

export function designSpeakers(count: number, rng: Rng): SpeakerVoice[] {
  const out: SpeakerVoice[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      id: String(100 + i),
      // Round-robin, so with 40 speakers each variant has 4 speakers that differ only in prosody.
      variant: SPEAKER_VARIANTS[i % SPEAKER_VARIANTS.length]!,
      pitch: Math.round(rng.uniformRange(35, 65)),
      range: Math.round(rng.uniformRange(30, 70)),
      rate: Math.round(rng.uniformRange(150, 190)),
    });
  }
  return out;
}

/** The voice settings for one utterance of a speaker. */
export function utteranceVoice(speaker: SpeakerVoice, rng: Rng): VoiceSettings {
  const clamp = (v: number): number => Math.min(99, Math.max(0, v));
  return {
    variant: speaker.variant,
    pitch: clamp(speaker.pitch + rng.uniformRange(-JITTER.pitch, JITTER.pitch)),
    range: clamp(speaker.range + rng.uniformRange(-JITTER.range, JITTER.range)),
    rate: speaker.rate * (1 + rng.uniformRange(-JITTER.rate, JITTER.rate)),
  };
}
