/**
 * Per-utterance file checks and decoding for the LibriSpeech loader: locate the audio, read its
 * header (format, length) cheaply, check the labels against it, and decode it to int16.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../../errors.js';
import * as files from './corpus-files.js';
import { FlacReader, readFlacInfo } from './flac.js';
import { FRAME_SAMPLES, SAMPLE_RATE_HZ } from './pcm.js';
import { readWav, readWavInfo, type PcmInfo } from './wav.js';

/**
 * Kaldi alignments are normally a frame or two *shorter* than floor(samples/160); more than this
 * many frames *longer* means the labels belong to other audio.
 */
export const LABEL_SLACK_FRAMES = 2;

export interface Entry {
  id: string;
  file: string;
  speaker: number;
  samples: number;
  labels: Uint8Array | null;
}

/** A problem of the split entry itself: reported against the split file and line. */
class Problem extends Error {}

/** Checks one split entry against its audio header and labels; null when skipped. */
export function describeUtterance(
  root: string,
  u: files.UtteranceId,
  speakerIndex: Map<string, number>,
  labelTable: files.LabelTable | null,
  phoneClasses: number,
  problem: (utterance: string, file: string, reason: string) => void,
): Entry | null {
  try {
    const file = files.findAudioFile(root, u);
    if (!file)
      throw new Problem(
        `no audio for ${u.id}: expected ${join(root, u.speaker, u.chapter, u.id)}.flac or .wav`,
      );
    const speaker = speakerIndex.get(u.speaker);
    if (speaker === undefined)
      throw new Problem(
        `speaker ${u.speaker} of ${u.id} does not occur in ${files.TRAIN_SPLIT_FILE}`,
      );
    const info = readHeader(file);
    checkFormat(file, info);
    let labels: Uint8Array | null = null;
    if (labelTable) {
      const found = labelTable.labels.get(u.id);
      if (!found) throw new DataError(labelTable.file, `no labels for utterance ${u.id}`);
      if (!(found instanceof Uint8Array)) throw new DataError(labelTable.file, found.error);
      const frames = Math.floor(info.frames / FRAME_SAMPLES);
      if (found.length > frames + LABEL_SLACK_FRAMES) {
        throw new DataError(
          labelTable.file,
          `${u.id} has ${found.length} labels but its audio ${file} has only ${frames} frames of 10 ms (${info.frames} samples)`,
        );
      }
      const bad = found.findIndex((v) => v >= phoneClasses);
      if (bad >= 0)
        throw new DataError(
          labelTable.file,
          `${u.id}: label ${bad + 1} is ${found[bad]}, but there are ${phoneClasses} classes`,
        );
      labels = found;
    }
    return { id: u.id, file, speaker, samples: info.frames, labels };
  } catch (err) {
    if (err instanceof Problem)
      problem(u.id, u.file ?? root, u.line ? `line ${u.line}: ${err.message}` : err.message);
    else if (err instanceof DataError)
      problem(u.id, err.file, err.message.slice(err.file.length + 2));
    else throw err;
    return null;
  }
}

function readHeader(file: string): PcmInfo {
  // FLAC: STREAMINFO sits in the first 42 bytes, so don't read 100 h of audio to open a corpus.
  const bytes = file.endsWith('.flac') ? readHead(file, 4096) : readAll(file);
  const info = file.endsWith('.flac') ? readFlacInfo(file, bytes) : readWavInfo(file, bytes);
  if (file.endsWith('.flac') && info.frames === 0)
    throw new DataError(file, 'FLAC STREAMINFO gives no sample count');
  return info;
}

function checkFormat(file: string, info: PcmInfo): void {
  if (info.sampleRate !== SAMPLE_RATE_HZ)
    throw new DataError(file, `sample rate ${info.sampleRate} Hz: expected ${SAMPLE_RATE_HZ} Hz`);
  if (info.channels !== 1) throw new DataError(file, `${info.channels} channels: expected mono`);
}

export async function decodeFile(file: string, flac: FlacReader): Promise<Int16Array> {
  const bytes = readAll(file);
  if (file.endsWith('.flac')) return flac.decode(file, bytes);
  const wav = readWav(file, bytes);
  checkFormat(file, wav);
  return wav.samples;
}

function readAll(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new DataError(file, `cannot read: ${(err as Error).message}`);
  }
}

function readHead(file: string, n: number): Uint8Array {
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = new Uint8Array(n);
      return buf.subarray(0, readSync(fd, buf, 0, n, 0));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new DataError(file, `cannot read: ${(err as Error).message}`);
  }
}
