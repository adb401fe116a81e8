/**
 * kill -9 at seeded random moments and, through GIM_FAULT (src/core/atomic-file.ts), half-way
 * through a checkpoint write and a cache shard write. After every kill the checkpoint on disk
 * loads (it is never a temp or damaged file) and at most one checkpoint interval is lost; every
 * restart removes the dead process's temp files; the killed-and-resumed run logs exactly the
 * losses of an uninterrupted run, step for step (wasm: bit-reproducible).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/backend/random.js';
import { checkpointPath, loadCheckpoint } from '../../src/core/checkpoint.js';
import { runCli } from './helpers.js';
import {
  AUDIO_ARGS,
  readLog,
  startTraining,
  visionArgs,
  waitForStep,
  writeTinyFashionMnist,
} from './training-process.js';

const CHECKPOINT_EVERY = 3;

interface Scenario {
  readonly name: string;
  readonly steps: number;
  readonly args: (root: string) => string[];
  /** GIM_FAULT of the third start (the deterministic kill mid-write); the first two are killed at random moments. */
  readonly fault: string;
  /**
   * Random kills target steps up to this one: a phase whose steps are slow enough for a 10 ms
   * poll to catch (module 2 training from the cache takes a few ms per step, so a random target
   * there could be passed, and the run finished, before the kill).
   */
  readonly randomUpTo: number;
  readonly seed: number;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'audio training',
    steps: 14,
    args: () => AUDIO_ARGS,
    fault: 'checkpoint-write:2',
    randomUpTo: 8,
    seed: 1,
  },
  {
    name: 'vision training',
    steps: 14,
    args: (root) => visionArgs(writeTinyFashionMnist(join(root, 'images'))),
    fault: 'checkpoint-write:2',
    randomUpTo: 8,
    seed: 2,
  },
  {
    // Module 1 for 6 steps, then its outputs are cached (8 shards) and module 2 trains from them.
    name: 'sequential training with the activation cache',
    steps: 12,
    args: () => [
      ...AUDIO_ARGS,
      '--set',
      'encoder.depth=2',
      '--schedule',
      'sequential',
      '--steps-per-module',
      '6',
      '--cache',
      '--set',
      'cache.toneItems=64',
      '--set',
      'cache.shardItems=8',
      '--set',
      'cache.dtype=float32',
    ],
    fault: 'shard-write:3',
    randomUpTo: 4,
    seed: 3,
  },
];

/** Temp files of killed writers in the run folder and its cache folders. */
function tempFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    /\.tmp-\d+$/.test(f),
  );
}

for (const scenario of SCENARIOS) {
  it(`${scenario.name}: kill -9 loses at most one checkpoint interval and resumes exactly`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'gim-kill-'));
    try {
      const args = [...scenario.args(root), '--checkpoint-every', String(CHECKPOINT_EVERY)];
      const steps = ['--steps', String(scenario.steps)];
      const straightDir = join(root, 'straight');
      const straight = runCli(['train', ...args, ...steps, '--out', straightDir]);
      assert.equal(straight.code, 0, straight.stderr);
      const expected = readLog(straightDir);
      assert.equal(expected.length, scenario.steps);

      const out = join(root, 'killed');
      const rng = new Rng(scenario.seed);
      let kills = 0;
      for (let round = 0; ; round++) {
        const resuming = existsSync(checkpointPath(out));
        // A kill that landed after the final save left a finished run (resuming it is refused).
        if (resuming && loadCheckpoint<{ step: number }>(out).meta.step >= scenario.steps) break;
        const before = readLog(out).at(-1)?.step ?? 0;
        const shardInodes = shardIds(out);
        const training = startTraining(
          resuming
            ? ['--resume', out, ...steps, '--backend', 'wasm', '--quiet']
            : [...args, ...steps, '--out', out],
          round === 2 ? { GIM_FAULT: scenario.fault } : {},
        );
        let killedAt: string | null = null;
        if (round < 2) {
          // A random moment: a few steps past where the last run was killed, plus 0–80 ms.
          const target = Math.min(scenario.randomUpTo, before + 1 + rng.int(4));
          if (await waitForStep(out, target, training)) {
            await new Promise((r) => setTimeout(r, rng.int(80)));
            training.child.kill('SIGKILL');
            killedAt = `random moment after step ${target}`;
          }
        }
        const { code, signal, stderr } = await training.exit;
        if (round < 2)
          assert.equal(signal, 'SIGKILL', `round ${round}: the random kill missed the run`);
        if (round === 2) {
          assert.equal(signal, 'SIGKILL', `GIM_FAULT=${scenario.fault} did not kill: ${stderr}`);
          killedAt = scenario.fault;
          assert.equal(tempFiles(out).length, 1, 'the killed write left its temp file');
        }
        // Every restart resumed from verified shards (kept, not rewritten) and removed stale temps.
        for (const [file, id] of shardInodes) {
          const now = shardIds(out).get(file);
          if (now !== undefined) assert.equal(now, id, `${file} was rewritten`);
        }
        if (signal !== 'SIGKILL' || killedAt === null) {
          assert.equal(code, 0, stderr);
          break; // ran to the end
        }
        kills += 1;
        const logged = readLog(out).at(-1)?.step ?? 0;
        const saved = existsSync(checkpointPath(out))
          ? loadCheckpoint<{ step: number }>(out).meta.step // verified: never a torn file
          : 0;
        assert.ok(
          logged - saved <= CHECKPOINT_EVERY,
          `${killedAt}: logged step ${logged}, checkpoint at ${saved}: lost more than one interval`,
        );
        assert.ok(round < 8, 'too many rounds');
      }
      assert.ok(kills >= 3, `only ${kills} kills`);
      assert.deepEqual(tempFiles(out), [], 'stale temp files were removed');
      assert.deepEqual(readLog(out), expected, 'killed + resumed log = uninterrupted log');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

/** Inode of every finished cache shard: a rewritten shard (rename of a new file) gets another. */
function shardIds(out: string): Map<string, number> {
  const ids = new Map<string, number>();
  const cache = join(out, 'cache');
  if (!existsSync(cache)) return ids;
  for (const f of readdirSync(cache, { recursive: true, encoding: 'utf8' }))
    if (/shard-\d+\.bin$/.test(f)) ids.set(f, statSync(join(cache, f)).ino);
  return ids;
}
