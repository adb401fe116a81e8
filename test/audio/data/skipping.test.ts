import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../../src/backend/random.js';
import { DataError } from '../../../src/errors.js';
import { openLibriSpeech, type AudioBatch } from '../../../src/audio/data/librispeech.js';
import { describeSkipped } from '../../../src/audio/data/skipped.js';
import { CorpusSource } from '../../../src/audio/batches.js';
import { resolveAudioConfig } from '../../../src/audio/config.js';
import { setPath } from '../../../src/core/config/merge.js';
import { DEFAULT_AUDIO_CONFIG } from '../../../src/audio/config.js';
import { labelLine, writeCorpus, type TempUtterance } from './temp-corpus.js';

/** Noise-like but deterministic audio, so FLAC frames are full of residual bits. */
function noisy(n: number, seed: number): Int16Array {
  const rng = new Rng(seed);
  return Int16Array.from({ length: n }, (_, i) =>
    Math.round(6000 * Math.sin(i * 0.02 * (1 + seed)) + rng.uniformRange(-2000, 2000)),
  );
}

const SAMPLES = 6000; // 37 frames of 10 ms; one window of 1600 fits with room to move
const IDS = ['1-1-1', '1-1-2', '1-1-3', '2-1-1', '2-1-2', '2-1-3', '1-2-1', '2-2-1'];
const BROKEN = '1-1-2';

/** Each utterance's labels cycle with its own shift, so a label row identifies its owner. */
function shiftOf(id: string): number {
  return IDS.indexOf(id);
}

/** A labelled corpus of IDS (all in train, the last two also tested) with BROKEN's frame damaged. */
async function corpusWithBrokenFlac(): Promise<{ root: string; broken: string }> {
  const utts: TempUtterance[] = IDS.map((id, k) => ({
    id,
    samples: noisy(SAMPLES, k + 1),
    labels: labelLine(Math.floor(SAMPLES / 160), 7, shiftOf(id)),
  }));
  const root = await writeCorpus(utts, IDS.slice(0, 6), IDS.slice(6));
  const broken = join(root, '1', '1', `${BROKEN}.flac`);
  const bytes = readFileSync(broken);
  bytes[Math.floor(bytes.length / 2)] ^= 0x21; // inside the first audio frame
  writeFileSync(broken, bytes);
  return { root, broken };
}

/** Every window's speaker and phone labels belong to the utterance it names. */
function assertAligned(batches: AudioBatch[], speakers: readonly string[]): void {
  for (const b of batches) {
    const frames = b.windowSamples / 160;
    b.utteranceIds.forEach((id, i) => {
      assert.equal(speakers[b.speaker[i]!], id.split('-')[0], `speaker of ${id}`);
      const first = b.startSample[i]! / 160;
      const want = Array.from({ length: frames }, (_, k) => (first + k + shiftOf(id)) % 7);
      assert.deepEqual([...b.phones!.subarray(i * frames, (i + 1) * frames)], want, id);
    });
  }
}

async function collect(it: AsyncIterable<AudioBatch>): Promise<AudioBatch[]> {
  const out: AudioBatch[] = [];
  for await (const b of it) out.push({ ...b, utteranceIds: [...b.utteranceIds] });
  return out;
}

describe('a corpus with one corrupt FLAC', () => {
  it('skips and counts it by default; the other utterances keep their own labels', async () => {
    const { root, broken } = await corpusWithBrokenFlac();
    for (const cacheDecoded of [true, false]) {
      const c = await openLibriSpeech(root, { windowSamples: 1600, cacheDecoded });
      const batches = await collect(c.epoch('train', 2, new Rng(4)));
      assert.equal(batches.length, 2, 'five good train utterances → two full batches of 2');
      assert.ok(batches.every((b) => !b.utteranceIds.includes(BROKEN)));
      assertAligned(batches, c.speakers);
      assert.deepEqual(
        c.skipped.map((s) => s.utterance),
        [BROKEN],
      );
      assert.ok(c.skipped[0]!.reason.startsWith(`${broken}: FLAC decode failed`));
      assert.ok(!c.ids('train').includes(BROKEN));
      // The utterance right after the broken one: its own audio length and label row.
      const next = await c.utterance('1-1-3');
      assert.equal(next.audio.length, SAMPLES);
      assert.deepEqual([...next.phones!.subarray(0, 4)], [2, 3, 4, 5]);
      assert.equal(c.speakers[next.speaker], '1');
    }
    rmSync(root, { recursive: true });
  });

  it('is a DataError naming the file in strict mode', async () => {
    const { root, broken } = await corpusWithBrokenFlac();
    await assert.rejects(
      openLibriSpeech(root, { windowSamples: 1600, onProblem: 'error' }),
      (e: unknown) => {
        assert.ok(e instanceof DataError, String(e));
        assert.equal(e.file, broken);
        assert.match(e.message, /FLAC decode failed: 1 bad frame/);
        return true;
      },
    );
    rmSync(root, { recursive: true });
  });

  it('leaves epochs and a resumed source identical whether found at open or mid-training', async () => {
    const { root } = await corpusWithBrokenFlac();
    const open = (cacheDecoded: boolean) =>
      openLibriSpeech(root, { windowSamples: 1600, cacheDecoded });
    // Three epochs from a corpus that knows the file is broken (decoded at open) and from one
    // that only finds out while reading epoch 0.
    const eager = await open(true);
    const lazy = await open(false);
    assert.equal(lazy.skipped.length, 0);
    const rngA = new Rng(9);
    const rngB = new Rng(9);
    for (let epoch = 0; epoch < 3; epoch++) {
      const a = await collect(eager.epoch('train', 2, rngA));
      const b = await collect(lazy.epoch('train', 2, rngB));
      assert.deepEqual(
        b.map((x) => [x.utteranceIds, [...x.startSample]]),
        a.map((x) => [x.utteranceIds, [...x.startSample]]),
        `epoch ${epoch}`,
      );
    }
    assert.equal(lazy.skipped.length, 1);

    // Training: a source that met the broken file in epoch 0 saves its state in epoch 1; a fresh,
    // lazy corpus (which has not met the file yet) resumes and must give the very next batch.
    const first = new CorpusSource(await open(false), 2, 5);
    for (let i = 0; i < 3; i++) await first.next(); // epoch 0 has 2 batches: now in epoch 1
    assert.equal(first.skipped.length, 1);
    const state = JSON.parse(JSON.stringify(first.getState()));
    const expected = [await first.next(), await first.next(), await first.next()];
    const resumed = new CorpusSource(await open(false), 2, 5);
    await resumed.setState(state);
    assert.deepEqual([await resumed.next(), await resumed.next(), await resumed.next()], expected);
    rmSync(root, { recursive: true });
  });
});

describe('describeSkipped', () => {
  it('names the first few and counts the rest, short utterances apart', () => {
    const broken = ['a', 'b', 'c', 'd', 'e'].map((u) => ({
      utterance: u,
      reason: `/x/${u}.flac: FLAC decode failed`,
    }));
    const short = [{ utterance: 's', reason: 'too short: 100 samples, a window needs 2000' }];
    assert.deepEqual(describeSkipped([...broken, ...short]), [
      'skipped 5 unreadable utterances: a, b, c (+2 more); first: /x/a.flac: FLAC decode failed',
      'skipped 1 utterance too short for one window: s',
    ]);
    assert.deepEqual(describeSkipped([]), []);
  });
});

describe('data.strict', () => {
  it('defaults to false and takes a boolean from a layer or --set', () => {
    assert.equal(resolveAudioConfig().data.strict, false);
    const values: Record<string, unknown> = {};
    setPath(values, DEFAULT_AUDIO_CONFIG, 'data.strict', 'true', '--set');
    assert.equal(resolveAudioConfig([{ source: '--set', values }]).data.strict, true);
    assert.throws(
      () => resolveAudioConfig([{ source: 'x.json', values: { data: { strict: 'yes' } } }]),
      /x\.json: data\.strict: expected .*found "yes"/,
    );
  });
});
