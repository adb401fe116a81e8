/**
 * Writes a synthetic multi-speaker speech corpus in the LibriSpeech/CPC layout, with 10 ms phone
 * labels taken from the synthesiser's own phoneme events (research/datasets.md §1). Deterministic
 * for a seed and a given eSpeak package version.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../backend/random.js';
import { ConfigError } from '../../errors.js';
import * as files from '../data/corpus-files.js';
import { encodeFlac } from '../data/flac.js';
import { SAMPLE_RATE_HZ, floatToInt16 } from '../data/pcm.js';
import { encodeWav } from '../data/wav.js';
import { applyChannel, randomChannel, type ChannelSettings } from './channel.js';
import { ESPEAK_PACKAGE, Espeak, type VoiceSettings } from './espeak.js';
import { utteranceText } from './grammar.js';
import { assignStopClosures, labelFrames } from './labels.js';
import { PHONE_CLASSES } from './phones.js';
import { Resampler } from './resample.js';
import { JITTER, designSpeakers, utteranceVoice, type SpeakerVoice } from './speakers.js';

/** Bump when the output for a given seed changes. */
export const GENERATOR_VERSION = 1;

export interface SynthSpeechOptions {
  /** Output folder; must not exist or be empty. */
  out: string;
  speakers?: number;
  secondsPerSpeaker?: number;
  seed?: number;
  /** Share of each speaker's utterances in test_split.txt. Default 0.2. */
  testFraction?: number;
  /** 'flac' (default) falls back to WAV if the encoder fails. */
  format?: 'flac' | 'wav';
  onProgress?: (p: SynthProgress) => void;
}

export interface SynthProgress {
  speakersDone: number;
  speakers: number;
  utterances: number;
  seconds: number;
}

export interface SynthSpeechResult {
  out: string;
  format: 'flac' | 'wav';
  utterances: number;
  trainUtterances: number;
  testUtterances: number;
  seconds: number;
  /** Sentences dropped because eSpeak produced an IPA symbol outside the phone table. */
  rejectedTexts: number;
}

/** Shortest utterance we keep: a 20480-sample window plus room for a few start positions. */
const MIN_UTTERANCE_SAMPLES = 28000;

interface UtteranceRecord {
  id: string;
  text: string;
  labels: Uint8Array;
  voice: VoiceSettings;
  channel: ChannelSettings;
}

export async function generateSynthSpeech(options: SynthSpeechOptions): Promise<SynthSpeechResult> {
  const {
    out,
    speakers = 40,
    secondsPerSpeaker = 60,
    seed = 1,
    testFraction = 0.2,
    onProgress,
  } = options;
  checkOptions(options, speakers, secondsPerSpeaker, testFraction);
  const espeak = await Espeak.load();
  const rng = new Rng(seed);
  const voices = designSpeakers(speakers, rng.fork());
  const resampler = new Resampler(22050, SAMPLE_RATE_HZ);
  const synth: SpeakerSynth = {
    espeak,
    resampler,
    format: options.format ?? 'flac',
    secondsPerSpeaker,
  };
  mkdirSync(out, { recursive: true });

  const lists: CorpusLists = { train: [], test: [], labelLines: [], detailLines: [] };
  const { train, test } = lists;
  const manifestSpeakers: ManifestSpeaker[] = [];
  let totalSamples = 0;
  let rejectedTexts = 0;
  for (const [s, speaker] of voices.entries()) {
    const srng = rng.fork(); // one stream per speaker: a speaker's audio doesn't depend on the others
    const made = await writeSpeaker(out, s, speaker, srng, synth);
    rejectedTexts += made.rejected;
    addSpeakerToLists(made.records, srng, testFraction, lists);
    totalSamples += made.samples;
    manifestSpeakers.push({
      ...speaker,
      utterances: made.records.length,
      seconds: made.samples / SAMPLE_RATE_HZ,
    });
    onProgress?.({
      speakersDone: s + 1,
      speakers,
      utterances: train.length + test.length,
      seconds: totalSamples / SAMPLE_RATE_HZ,
    });
  }
  const { format } = synth;
  writeCorpusIndex(out, lists, {
    seed,
    format,
    testFraction,
    seconds: totalSamples / SAMPLE_RATE_HZ,
    rejectedTexts,
    speakers: manifestSpeakers,
  });
  return {
    out,
    format,
    utterances: train.length + test.length,
    trainUtterances: train.length,
    testUtterances: test.length,
    seconds: totalSamples / SAMPLE_RATE_HZ,
    rejectedTexts,
  };
}

type ManifestSpeaker = SpeakerVoice & { utterances: number; seconds: number };

/** What every speaker's synthesis shares; `format` turns to 'wav' for good if FLAC fails. */
interface SpeakerSynth {
  readonly espeak: Espeak;
  readonly resampler: Resampler;
  format: 'flac' | 'wav';
  readonly secondsPerSpeaker: number;
}

/** The corpus-wide lines, gathered speaker by speaker and written at the end. */
interface CorpusLists {
  readonly train: string[];
  readonly test: string[];
  readonly labelLines: string[];
  readonly detailLines: string[];
}

/**
 * Synthesises and writes speaker number `s`'s utterances (audio files and the chapter's
 * trans.txt) until it has `secondsPerSpeaker` of audio.
 */
async function writeSpeaker(
  out: string,
  s: number,
  speaker: SpeakerVoice,
  srng: Rng,
  synth: SpeakerSynth,
): Promise<{ records: UtteranceRecord[]; samples: number; rejected: number }> {
  const chapter = String(1000 + s);
  const dir = join(out, speaker.id, chapter);
  mkdirSync(dir, { recursive: true });
  const records: UtteranceRecord[] = [];
  let samples = 0;
  let rejected = 0;
  while (samples < synth.secondsPerSpeaker * SAMPLE_RATE_HZ) {
    const made = synthesizeUtterance(synth.espeak, synth.resampler, speaker, srng);
    rejected += made.rejected;
    const id = `${speaker.id}-${chapter}-${String(records.length).padStart(4, '0')}`;
    const pcm = floatToInt16(made.audio);
    const bytes = await encodeAudio(pcm, synth);
    writeFileSync(join(dir, `${id}.${synth.format}`), bytes);
    records.push({
      id,
      text: made.text,
      labels: made.labels,
      voice: made.voice,
      channel: made.channel,
    });
    samples += pcm.length;
  }
  writeFileSync(
    join(dir, `${speaker.id}-${chapter}.trans.txt`),
    records.map((r) => `${r.id} ${r.text.toUpperCase()}\n`).join(''),
  );
  return { records, samples, rejected };
}

/** Encodes in `synth.format`, switching it to WAV if FLAC fails. */
async function encodeAudio(pcm: Int16Array, synth: SpeakerSynth): Promise<Uint8Array> {
  if (synth.format !== 'flac') return encodeWav(pcm, SAMPLE_RATE_HZ);
  try {
    return await encodeFlac(pcm, SAMPLE_RATE_HZ);
  } catch {
    synth.format = 'wav'; // libflacjs failed to load or encode: keep going with WAV for the whole corpus
    return encodeWav(pcm, SAMPLE_RATE_HZ);
  }
}

/** Splits one speaker's utterances between train and test and adds their label and detail lines. */
function addSpeakerToLists(
  records: readonly UtteranceRecord[],
  srng: Rng,
  testFraction: number,
  lists: CorpusLists,
): void {
  // Utterance-level split inside every speaker, so all speakers occur in both lists (as CPC's).
  const order = records.map((r) => r.id);
  srng.shuffle(order);
  const nTest = Math.max(1, Math.round(testFraction * order.length));
  const testIds = new Set(order.slice(0, nTest));
  for (const r of records) {
    (testIds.has(r.id) && records.length > 1 ? lists.test : lists.train).push(r.id);
    lists.labelLines.push(`${r.id} ${r.labels.join(' ')}\n`);
    lists.detailLines.push(
      `${JSON.stringify({ id: r.id, text: r.text, voice: r.voice, channel: r.channel })}\n`,
    );
  }
}

/** Writes the split lists, labels, phone table, utterance details and corpus.json. */
function writeCorpusIndex(
  out: string,
  lists: CorpusLists,
  totals: {
    seed: number;
    format: 'flac' | 'wav';
    testFraction: number;
    seconds: number;
    rejectedTexts: number;
    speakers: ManifestSpeaker[];
  },
): void {
  const { train, test } = lists;
  writeFileSync(join(out, files.TRAIN_SPLIT_FILE), train.map((id) => `${id}\n`).join(''));
  writeFileSync(join(out, files.TEST_SPLIT_FILE), test.map((id) => `${id}\n`).join(''));
  writeFileSync(join(out, files.LABEL_FILE), lists.labelLines.join(''));
  writeFileSync(join(out, files.PHONES_FILE), PHONE_CLASSES.map((p, i) => `${p} ${i}\n`).join(''));
  const manifest = {
    generator: 'gim synth-speech',
    generatorVersion: GENERATOR_VERSION,
    synthesizer: `${ESPEAK_PACKAGE}@${Espeak.packageVersion() ?? 'unknown'} (eSpeak NG, GPL-3.0), voice en-us`,
    seed: totals.seed,
    sampleRateHz: SAMPLE_RATE_HZ,
    format: totals.format,
    phoneClasses: PHONE_CLASSES,
    jitter: JITTER,
    testFraction: totals.testFraction,
    utterances: train.length + test.length,
    seconds: totals.seconds,
    rejectedTexts: totals.rejectedTexts,
    speakers: totals.speakers,
  };
  writeFileSync(join(out, 'utterances.jsonl'), lists.detailLines.join(''));
  writeFileSync(join(out, 'corpus.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

function checkOptions(
  o: SynthSpeechOptions,
  speakers: number,
  seconds: number,
  testFraction: number,
): void {
  if (!Number.isInteger(speakers) || speakers < 1)
    throw new ConfigError('speakers', 'a positive integer', speakers, 'synth-speech');
  if (!(seconds > 0) || !Number.isFinite(seconds))
    throw new ConfigError('secondsPerSpeaker', 'a positive number', seconds, 'synth-speech');
  if (!(testFraction > 0 && testFraction < 1))
    throw new ConfigError('testFraction', 'a number in (0, 1)', testFraction, 'synth-speech');
  if (o.seed !== undefined && !Number.isInteger(o.seed))
    throw new ConfigError('seed', 'an integer', o.seed, 'synth-speech');
  if (o.format !== undefined && o.format !== 'flac' && o.format !== 'wav')
    throw new ConfigError('format', '"flac" or "wav"', o.format, 'synth-speech');
  if (existsSync(o.out) && readdirSync(o.out).length > 0) {
    throw new ConfigError('out', 'a folder that does not exist or is empty', o.out, 'synth-speech');
  }
}

/** One utterance: 16 kHz float audio with its channel applied, and clean-signal frame labels. */
function synthesizeUtterance(
  espeak: Espeak,
  resampler: Resampler,
  speaker: SpeakerVoice,
  rng: Rng,
): {
  audio: Float32Array;
  labels: Uint8Array;
  text: string;
  voice: VoiceSettings;
  channel: ChannelSettings;
  rejected: number;
} {
  let rejected = 0;
  for (;;) {
    const voice = utteranceVoice(speaker, rng);
    const text = utteranceText(rng, 1 + rng.int(3));
    const syn = espeak.synthesize(text, voice);
    const audio = resampler.process(syn.samples);
    for (let i = 0; i < audio.length; i++) audio[i] = audio[i]! / 32768;
    const { labels, unknown } = labelFrames(syn.events, audio.length);
    // An IPA symbol outside the table would need a guessed label: drop the text instead.
    if (unknown.length > 0) {
      rejected++;
      continue;
    }
    if (audio.length < MIN_UTTERANCE_SAMPLES) continue;
    assignStopClosures(labels, audio);
    const channel = randomChannel(rng);
    applyChannel(audio, channel, rng);
    return { audio, labels, text, voice, channel, rejected };
  }
}
