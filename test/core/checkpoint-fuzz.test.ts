/**
 * Seeded fuzzing of a real checkpoint: truncations and byte/bit flips anywhere in the file. Every
 * damaged file must be refused with a CheckpointError naming the file and what is wrong: never an
 * uncaught exception of another kind, never a hang, never a load that silently differs.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/select.js';
import { Rng } from '../../src/backend/random.js';
import { AudioTrainer } from '../../src/audio/trainer.js';
import { ToneSource } from '../../src/audio/batches.js';
import { resolveAudioConfig } from '../../src/audio/config.js';
import { checkpointPath, loadCheckpoint } from '../../src/core/checkpoint.js';
import { CheckpointError } from '../../src/errors.js';

before(async () => {
  await initBackend('wasm');
});

/** What each kind of damage may be reported as (the detail after "checkpoint <file>: "). */
const EXPECTED_DETAIL =
  /^(not a greedy-infomax checkpoint|truncated|corrupt header|corrupt padding|corrupt payload|format version)/;

it('300 seeded truncations and byte flips of a real checkpoint are each a clear CheckpointError', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gim-ckpt-fuzz-'));
  try {
    const config = resolveAudioConfig([
      {
        source: 'test',
        values: {
          encoder: { channels: 4, gruHidden: 3, depth: 2 },
          loss: { predictionSteps: 2, negativeSamples: 2 },
          train: { batchSize: 2, steps: 1 },
          data: { windowSamples: 1280 },
        },
      },
    ]);
    const trainer = AudioTrainer.create(
      config,
      new ToneSource(config.train.seed, 2, config.data.windowSamples),
    );
    await trainer.run(dir);
    trainer.dispose();
    const file = checkpointPath(dir);
    const good = readFileSync(file);
    const headerEnd = 44 + good.readUInt32LE(8);
    loadCheckpoint(dir); // the undamaged file loads

    const rng = new Rng(20240610);
    const counts = new Map<string, number>();
    const cases: { kind: string; bytes: Buffer }[] = [];
    for (let i = 0; i < 100; i++) {
      cases.push({ kind: 'truncate', bytes: good.subarray(0, rng.int(good.length)) });
    }
    const flip = (kind: string, at: number, mask: number): void => {
      const bytes = Buffer.from(good);
      bytes[at] = bytes[at]! ^ mask;
      cases.push({ kind, bytes });
    };
    // Any byte, any non-zero xor; then the small header (meta: step, config, rng) on its own,
    // since uniform picks rarely land there; then single bits in the payload (a weight's LSB).
    for (let i = 0; i < 100; i++) flip('flip byte', rng.int(good.length), 1 + rng.int(255));
    for (let i = 0; i < 60; i++) flip('flip header byte', rng.int(headerEnd), 1 + rng.int(255));
    for (let i = 0; i < 40; i++)
      flip('flip payload bit', headerEnd + rng.int(good.length - headerEnd), 1 << rng.int(8));

    for (const { kind, bytes } of cases) {
      writeFileSync(file, bytes);
      let error: unknown = null;
      try {
        loadCheckpoint(dir);
      } catch (err) {
        error = err;
      }
      assert.ok(
        error instanceof CheckpointError,
        `${kind} (${bytes.length} bytes): expected a CheckpointError, got ${error === null ? 'a successful load' : String(error)}`,
      );
      assert.equal(error.file, file);
      const detail = error.message.slice(`checkpoint ${file}: `.length);
      assert.ok(error.message.startsWith(`checkpoint ${file}: `), error.message);
      assert.match(detail, EXPECTED_DETAIL, `${kind}: ${error.message}`);
      const category = `${kind} → ${detail.replace(/[:(].*$/, '').trim()}`;
      counts.set(category, (counts.get(category) ?? 0) + 1);
    }
    assert.equal(cases.length, 300);
    // The counts for the report (node --test prints diagnostics).
    console.log(
      [...counts]
        .sort()
        .map(([k, n]) => `${String(n).padStart(3)} ${k}`)
        .join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
