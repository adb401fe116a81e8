import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../../src/backend/random.js';
import { DataError } from '../../../src/errors.js';
import { openLibriSpeech, type AudioBatch } from '../../../src/audio/data/librispeech.js';
import { AUDIO_MEAN, AUDIO_STD } from '../../../src/audio/data/pcm.js';
import { MICRO, copyMicro, labelLine, ramp, writeCorpus } from './temp-corpus.js';

async function collect(it: AsyncIterable<AudioBatch>): Promise<AudioBatch[]> {
  const out: AudioBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

function microLabels(): Map<string, number[]> {
  const lines = readFileSync(join(MICRO, 'converted_aligned_phones.txt'), 'utf8')
    .trim()
    .split('\n');
  return new Map(
    lines.map((l) => {
      const [id, ...v] = l.split(' ');
      return [id!, v.map(Number)];
    }),
  );
}

describe('openLibriSpeech on the micro fixture', () => {
  it('reads speakers, splits and phone classes', async () => {
    const c = await openLibriSpeech(MICRO, { windowSamples: 3200 });
    assert.deepEqual(c.speakers, ['1001', '1002']);
    assert.deepEqual(c.ids('train'), ['1001-10-0000', '1002-20-0000']);
    assert.deepEqual(c.ids('test'), ['1001-10-0001', '1002-20-0001']);
    assert.equal(c.phoneClasses, 40);
    assert.equal(c.phoneNames?.[0], 'sil');
    assert.equal(c.skipped.length, 0);
    assert.deepEqual(c.summary('train'), {
      utterances: 2,
      samples: 22131 + 19208,
      frames: 138 + 120,
      labelledFrames: 138 + 120,
    });
  });

  it('gives windows with the right shapes, speakers, starts and aligned labels', async () => {
    const c = await openLibriSpeech(MICRO, { windowSamples: 3200 });
    const labels = microLabels();
    const lengths: Record<string, number> = { '1001-10-0000': 22131, '1002-20-0000': 19208 };
    const [batch, ...rest] = await collect(c.epoch('train', 2, new Rng(1)));
    assert.equal(rest.length, 0);
    assert.ok(batch);
    assert.equal(batch.audio.length, 2 * 3200);
    assert.equal(batch.phones?.length, 2 * 20);
    for (let i = 0; i < 2; i++) {
      const id = batch.utteranceIds[i]!;
      assert.equal(batch.speaker[i], id.startsWith('1001') ? 0 : 1);
      const start = batch.startSample[i]!;
      assert.equal(start % 160, 0);
      assert.ok(
        start >= 160 && start < Math.floor(lengths[id]! / 160) * 160 - 3200,
        `start ${start}`,
      );
      // Encoder frame f of the window ↔ label start/160 + f.
      const expected = labels.get(id)!.slice(start / 160, start / 160 + 20);
      assert.deepEqual([...batch.phones!.subarray(i * 20, (i + 1) * 20)], expected);
    }
  });

  it('skips utterances too short for the default window and counts them', async () => {
    const c = await openLibriSpeech(MICRO);
    assert.deepEqual(c.ids('train'), ['1001-10-0000']);
    assert.deepEqual(c.ids('test'), ['1001-10-0001']);
    assert.deepEqual(c.skipped.map((s) => s.utterance).sort(), ['1002-20-0000', '1002-20-0001']);
    assert.match(c.skipped[0]!.reason, /too short: 19208 samples/);
  });

  it('draws a new window per epoch, reproducibly for a seed; shuffles train, keeps test order', async () => {
    const c = await openLibriSpeech(MICRO, { windowSamples: 3200 });
    const starts = async (seed: number, split: 'train' | 'test'): Promise<number[]> => {
      const rng = new Rng(seed);
      const out: number[] = [];
      for (let e = 0; e < 4; e++)
        for (const b of await collect(c.epoch(split, 1, rng))) out.push(b.startSample[0]!);
      return out;
    };
    assert.deepEqual(await starts(5, 'train'), await starts(5, 'train'));
    assert.notDeepEqual(await starts(5, 'train'), await starts(6, 'train'));
    const s = await starts(5, 'train');
    assert.ok(new Set(s).size > 2, `starts ${s}`);
    const orders = new Set<string>();
    const rng = new Rng(2);
    for (let e = 0; e < 8; e++)
      orders.add((await collect(c.epoch('train', 1, rng))).map((b) => b.utteranceIds[0]).join());
    assert.equal(orders.size, 2, 'train order should vary across epochs');
    for (let e = 0; e < 3; e++) {
      assert.deepEqual(
        (await collect(c.epoch('test', 1, rng))).map((b) => b.utteranceIds[0]),
        ['1001-10-0001', '1002-20-0001'],
      );
    }
  });

  it('drops the last incomplete batch', async () => {
    const c = await openLibriSpeech(MICRO, { windowSamples: 3200 });
    assert.equal((await collect(c.epoch('train', 3, new Rng(1)))).length, 0);
    assert.equal((await collect(c.epoch('train', 2, new Rng(1)))).length, 1);
  });

  it('returns whole utterances with at most floor(samples/160) labels', async () => {
    const c = await openLibriSpeech(MICRO, { windowSamples: 3200 });
    const u = await c.utterance('1002-20-0001');
    assert.equal(u.audio.length, 19208);
    assert.equal(u.speaker, 1);
    assert.deepEqual([...u.phones!], microLabels().get('1002-20-0001'));
    await assert.rejects(c.utterance('9-9-9'), DataError);
  });
});

describe('openLibriSpeech on generated corpora', () => {
  it('normalises with the reference constants converted to float PCM', async () => {
    // −1456218.75 / 2^31 and 135303504 / 2^31 (spec §2.1 rounds the latter to 0.0630058).
    assert.ok(Math.abs(AUDIO_MEAN - -6.781047e-4) < 1e-9);
    assert.ok(Math.abs(AUDIO_STD - 0.0630056) < 1e-8);
    const samples = ramp(4000, 1);
    const root = await writeCorpus(
      [{ id: '1-1-1', samples, format: 'wav', labels: labelLine(25) }],
      ['1-1-1'],
      [],
    );
    const u = await (await openLibriSpeech(root, { windowSamples: 1600 })).utterance('1-1-1');
    for (const i of [0, 1, 1234, 3999]) {
      const expected = (samples[i]! / 32768 - AUDIO_MEAN) / AUDIO_STD;
      assert.ok(
        Math.abs(u.audio[i]! - expected) < 1e-5,
        `sample ${i}: ${u.audio[i]} vs ${expected}`,
      );
    }
  });

  it('reads FLAC and WAV alike and labels past the label list as -1', async () => {
    const a = ramp(4000, 2);
    // 10 labels only (Kaldi lists are often short): frames 10.. of the utterance are unknown.
    const root = await writeCorpus(
      [
        { id: '1-1-1', samples: a, format: 'flac', labels: labelLine(10) },
        { id: '1-1-2', samples: a, format: 'wav', labels: labelLine(10) },
      ],
      ['1-1-1', '1-1-2'],
      [],
    );
    const c = await openLibriSpeech(root, { windowSamples: 1600 });
    const [f, w] = await Promise.all([c.utterance('1-1-1'), c.utterance('1-1-2')]);
    assert.deepEqual(f.audio, w.audio);
    for (const b of await collect(c.epoch('train', 2, new Rng(3)))) {
      for (let i = 0; i < 2; i++) {
        const first = b.startSample[i]! / 160;
        const got = [...b.phones!.subarray(i * 10, i * 10 + 10)];
        assert.deepEqual(
          got,
          Array.from({ length: 10 }, (_, k) => (first + k < 10 ? (first + k) % 5 : -1)),
        );
      }
    }
  });

  it('rejects a wrong sample rate, naming the file', async () => {
    const root = await writeCorpus(
      [{ id: '1-1-1', samples: ramp(4000, 1), format: 'wav', sampleRate: 8000 }],
      ['1-1-1'],
      [],
      false,
    );
    await assert.rejects(
      openLibriSpeech(root, { windowSamples: 1600, onProblem: 'error' }),
      (e: unknown) => {
        assert.ok(e instanceof DataError);
        assert.match(e.message, /1-1-1\.wav: sample rate 8000 Hz: expected 16000 Hz/);
        return true;
      },
    );
  });

  it('skips a split entry without audio, or rejects it in strict mode', async () => {
    const root = await writeCorpus(
      [{ id: '1-1-1', samples: ramp(4000, 1) }],
      ['1-1-1', '1-1-2'],
      [],
      false,
    );
    await assert.rejects(
      openLibriSpeech(root, { windowSamples: 1600, onProblem: 'error' }),
      /no audio for 1-1-2: expected .*1-1-2\.flac or \.wav/,
    );
    const c = await openLibriSpeech(root, { windowSamples: 1600 }); // skipping is the default
    assert.deepEqual(c.ids('train'), ['1-1-1']);
    assert.deepEqual(
      c.skipped.map((s) => s.utterance),
      ['1-1-2'],
    );
  });

  it('names the split file and line of an entry without audio or listed in both splits', async () => {
    const root = await writeCorpus(
      [
        { id: '1-1-1', samples: ramp(4000, 1) },
        { id: '1-1-2', samples: ramp(4000, 2) },
      ],
      ['1-1-1', '1-1-2'],
      ['1-1-3', '1-1-1'],
      false,
    );
    const c = await openLibriSpeech(root, { windowSamples: 1600 });
    assert.deepEqual(
      c.skipped.map((s) => s.reason.slice(root.length + 1)),
      [
        'test_split.txt: line 1: no audio for 1-1-3: expected ' +
          `${join(root, '1', '1', '1-1-3')}.flac or .wav`,
        'test_split.txt: line 2: 1-1-1 is also in train_split.txt',
      ],
    );
    assert.deepEqual(c.ids('test'), []);
    assert.deepEqual(c.ids('train'), ['1-1-1', '1-1-2']);
  });

  it('rejects a label file that lacks a split utterance', async () => {
    const root = await writeCorpus(
      [
        { id: '1-1-1', samples: ramp(4000, 1), labels: labelLine(25) },
        { id: '1-1-2', samples: ramp(4000, 2) },
      ],
      ['1-1-1'],
      ['1-1-2'],
    );
    await assert.rejects(
      openLibriSpeech(root, { windowSamples: 1600, onProblem: 'error' }),
      /converted_aligned_phones\.txt: no labels for utterance 1-1-2/,
    );
  });

  it('rejects labels longer than the audio and garbage labels', async () => {
    // 4000 samples = 25 frames; 25 + 2 slack is tolerated, 28 is not.
    const ok = await writeCorpus(
      [{ id: '1-1-1', samples: ramp(4000, 1), labels: labelLine(27) }],
      ['1-1-1'],
      [],
    );
    assert.equal(
      (await (await openLibriSpeech(ok, { windowSamples: 1600 })).utterance('1-1-1')).phones
        ?.length,
      25,
    );
    const long = await writeCorpus(
      [{ id: '1-1-1', samples: ramp(4000, 1), labels: labelLine(28) }],
      ['1-1-1'],
      [],
    );
    await assert.rejects(
      openLibriSpeech(long, { windowSamples: 1600, onProblem: 'error' }),
      /1-1-1 has 28 labels but its audio .*1-1-1\.flac has only 25 frames/,
    );
    const junk = await writeCorpus(
      [{ id: '1-1-1', samples: ramp(4000, 1), labels: '1 2 x 3' }],
      ['1-1-1'],
      [],
    );
    await assert.rejects(
      openLibriSpeech(junk, { windowSamples: 1600, onProblem: 'error' }),
      /label 3 of 1-1-1 is "x"/,
    );
  });

  it('rejects a test speaker missing from the train split', async () => {
    const root = await writeCorpus(
      [
        { id: '1-1-1', samples: ramp(4000, 1) },
        { id: '2-1-1', samples: ramp(4000, 2) },
      ],
      ['1-1-1'],
      ['2-1-1'],
      false,
    );
    await assert.rejects(
      openLibriSpeech(root, { windowSamples: 1600, onProblem: 'error' }),
      /speaker 2 of 2-1-1 does not occur in train_split\.txt/,
    );
  });
});

describe('openLibriSpeech with a corrupt FLAC', () => {
  function damage(root: string): string {
    const file = join(root, '1001/10/1001-10-0001.flac');
    const bytes = readFileSync(file);
    for (let i = 2000; i < bytes.length; i += 97) bytes[i] = bytes[i]! ^ 0x5a;
    writeFileSync(file, bytes);
    return file;
  }

  it('fails naming the file in strict mode when decoding at open (cached)', async () => {
    const root = copyMicro();
    const file = damage(root);
    await assert.rejects(
      openLibriSpeech(root, { windowSamples: 3200, onProblem: 'error' }),
      (e: unknown) => {
        assert.ok(e instanceof DataError, String(e));
        assert.equal(e.file, file);
        return true;
      },
    );
    rmSync(root, { recursive: true });
  });

  it('skips it by default, also when decoding on demand', async () => {
    for (const cacheDecoded of [true, false]) {
      const root = copyMicro();
      damage(root);
      const c = await openLibriSpeech(root, {
        windowSamples: 3200,
        cacheDecoded,
      });
      const batches = await collect(c.epoch('test', 1, new Rng(1)));
      assert.deepEqual(
        batches.map((b) => b.utteranceIds[0]),
        ['1002-20-0001'],
        `cacheDecoded ${cacheDecoded}`,
      );
      assert.deepEqual(
        c.skipped.map((s) => s.utterance),
        ['1001-10-0001'],
      );
      assert.deepEqual(c.ids('test'), ['1002-20-0001']);
      rmSync(root, { recursive: true });
    }
  });

  it('rejects a file that is not FLAC at all', async () => {
    const root = copyMicro();
    writeFileSync(join(root, '1002/20/1002-20-0000.flac'), 'hello');
    await assert.rejects(
      openLibriSpeech(root, { windowSamples: 3200, onProblem: 'error' }),
      /1002-20-0000\.flac: not a FLAC file/,
    );
    rmSync(root, { recursive: true });
  });
});
