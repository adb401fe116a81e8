import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { openLibriSpeech } from '../../../src/audio/data/librispeech.js';
import {
  generateSynthSpeech,
  type SynthSpeechResult,
} from '../../../src/audio/synth-speech/generate.js';

let espeakMissing: string | false = false;
try {
  await import('@echogarden/espeak-ng-emscripten' as string);
} catch {
  espeakMissing = 'optional @echogarden/espeak-ng-emscripten is not installed';
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'gim-synth-'));

describe('generateSynthSpeech (2 speakers × 3 s)', { skip: espeakMissing }, () => {
  const [a, b, c] = [tmp(), tmp(), tmp()];
  let result: SynthSpeechResult;
  const progress: number[] = [];
  after(() => {
    for (const dir of [a, b, c]) rmSync(dir, { recursive: true, force: true });
  });
  before(async () => {
    result = await generateSynthSpeech({
      out: a,
      speakers: 2,
      secondsPerSpeaker: 3,
      seed: 7,
      onProgress: (p) => progress.push(p.speakersDone),
    });
    await generateSynthSpeech({ out: b, speakers: 2, secondsPerSpeaker: 3, seed: 7 });
    await generateSynthSpeech({ out: c, speakers: 2, secondsPerSpeaker: 3, seed: 8 });
  });

  it('writes the LibriSpeech layout with one label per 10 ms frame', async () => {
    assert.equal(result.format, 'flac');
    assert.ok(result.seconds >= 6, `only ${result.seconds} s`);
    assert.deepEqual(progress, [1, 2]);
    const corpus = await openLibriSpeech(a, { windowSamples: 1600 });
    assert.deepEqual(corpus.speakers, ['100', '101']);
    assert.equal(corpus.phoneClasses, 40);
    const rawLabels = new Map(
      readFileSync(join(a, 'converted_aligned_phones.txt'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => [l.split(' ')[0]!, l.split(' ').length - 1]),
    );
    const ids = [...corpus.ids('train'), ...corpus.ids('test')];
    assert.equal(ids.length, result.utterances);
    for (const id of ids) {
      const u = await corpus.utterance(id);
      assert.equal(rawLabels.get(id), Math.floor(u.audio.length / 160), id);
      // Speech, not only silence: a sizeable share of frames carries a phone.
      const voiced = u.phones!.filter((p) => p !== 0).length;
      assert.ok(
        voiced > 0.5 * u.phones!.length,
        `${id}: ${voiced} of ${u.phones!.length} frames are phones`,
      );
    }
    const manifest = JSON.parse(readFileSync(join(a, 'corpus.json'), 'utf8'));
    assert.equal(manifest.seed, 7);
    assert.equal(manifest.speakers.length, 2);
    assert.ok(typeof manifest.speakers[0].variant === 'string');
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const files = listFiles(a)
      .map((p) => relative(a, p))
      .sort();
    assert.deepEqual(
      listFiles(b)
        .map((p) => relative(b, p))
        .sort(),
      files,
    );
    for (const f of files)
      assert.ok(
        readFileSync(join(a, f)).equals(readFileSync(join(b, f))),
        `${f} differs between two runs`,
      );
    assert.notEqual(
      readFileSync(join(c, 'converted_aligned_phones.txt'), 'utf8'),
      readFileSync(join(a, 'converted_aligned_phones.txt'), 'utf8'),
    );
  });

  it('refuses to write into a non-empty folder', async () => {
    const d = tmp();
    writeFileSync(join(d, 'x'), '');
    await assert.rejects(
      generateSynthSpeech({ out: d, speakers: 1, secondsPerSpeaker: 1 }),
      ConfigError,
    );
  });
});

describe('generateSynthSpeech with the breathy voices', { skip: espeakMissing }, () => {
  // Speakers 107 and 108 get the f2 and f3 variants, whose `breath` noise eSpeak seeds from the
  // clock at initialisation: two builds at different times must still be byte-identical.
  it('gives the same corpus at different times of day', async () => {
    const [x, y] = [tmp(), tmp()];
    const realNow = Date.now;
    try {
      for (const [dir, clock] of [
        [x, Date.UTC(2026, 0, 1)],
        [y, Date.UTC(2026, 5, 1, 12, 34, 56)],
      ] as const) {
        Date.now = () => clock;
        await generateSynthSpeech({ out: dir, speakers: 9, secondsPerSpeaker: 1.5, seed: 3 });
        Date.now = realNow;
      }
      const files = listFiles(x).map((p) => relative(x, p));
      assert.ok(files.some((f) => f.startsWith('107/')) && files.some((f) => f.startsWith('108/')));
      for (const f of files)
        assert.ok(readFileSync(join(x, f)).equals(readFileSync(join(y, f))), `${f} differs`);
    } finally {
      Date.now = realNow;
      for (const dir of [x, y]) rmSync(dir, { recursive: true, force: true });
    }
  });
});
