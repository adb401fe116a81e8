/** `gim train` on a corpus with a corrupt FLAC: it trains on the rest and says what it skipped. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../../src/backend/random.js';
import { runCli } from '../../cli/helpers.js';
import { labelLine, tempDir, writeCorpus } from './temp-corpus.js';

const SAMPLES = 4000; // one 2560-sample window, with room to move
const IDS = ['1-1-1', '1-1-2', '1-1-3', '2-1-1', '2-1-2', '2-1-3'];

async function corpusWithBrokenFlac(): Promise<string> {
  const utts = IDS.map((id, k) => {
    const rng = new Rng(k + 1);
    const samples = Int16Array.from({ length: SAMPLES }, (_, i) =>
      Math.round(5000 * Math.sin(i * 0.05 * (k + 1)) + rng.uniformRange(-1500, 1500)),
    );
    return { id, samples, labels: labelLine(Math.floor(SAMPLES / 160)) };
  });
  const root = await writeCorpus(utts, IDS, []);
  const file = join(root, '1', '1', '1-1-2.flac');
  const bytes = readFileSync(file);
  bytes[Math.floor(bytes.length / 2)] ^= 0x44; // inside an audio frame
  writeFileSync(file, bytes);
  return root;
}

describe('gim train with a corrupt utterance', () => {
  it('trains on the others and reports the skipped one; --strict stops naming the file', async () => {
    const data = await corpusWithBrokenFlac();
    const out = join(tempDir('gim-train-skip-'), 'run');
    const common = ['train', '--data', data, '--preset', 'tiny', '--steps', '3'];
    const small = ['--channels', '8', '--set', 'encoder.gruHidden=8', '--window=2560'].concat([
      '--batch-size',
      '2',
      '--backend',
      'wasm',
      '--quiet',
    ]);
    const r = runCli([...common, ...small, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /gim train: skipped 1 unreadable utterance: 1-1-2; first: .*1-1-2\.flac: FLAC decode failed/,
    );
    assert.match(r.stderr, /saved .*checkpoint\.gim at step 3/);
    assert.ok(existsSync(join(out, 'checkpoint.gim')));

    const strict = runCli([...common, ...small, '--set', 'data.strict=true', '--out', `${out}-2`]);
    assert.notEqual(strict.code, 0);
    assert.match(strict.stderr, /1-1-2\.flac: FLAC decode failed: 1 bad frame/);
    rmSync(data, { recursive: true });
  });
});
