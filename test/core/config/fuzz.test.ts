/**
 * Fuzzed config files (issue 10, part 8): seeded truncations and byte flips of every audio and
 * vision preset in configs/, each loaded as `--preset FILE` is (loadPreset, presetModality, then
 * the modality's resolver). Every case must end in a ConfigError naming the file and what was
 * expected (invalid UTF-8 or JSON with its line and column, an unknown key, a wrong type, a bad
 * value, a cross-field clash), or in a config that differs from the original only in the
 * field(s) holding a flipped byte and that validates again as it is. Besides the random cases,
 * every digit is swapped for every other digit (the flips that reach past the JSON parser).
 */

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { loadPreset, presetModality, PRESET_DIR } from '../../../src/core/config/presets.js';
import { DEFAULT_AUDIO_CONFIG, resolveAudioConfig } from '../../../src/audio/config.js';
import { DEFAULT_VISION_CONFIG, resolveVisionConfig } from '../../../src/vision/config.js';
import {
  CASE_LIMIT_MS,
  corruptions,
  timed,
  type Corruption,
} from '../../vision/data/fuzz-cases.js';
import { memberSpans, touchedPaths } from './json-spans.js';

const CASES = 600;
const PRESETS = ['audio-paper', 'demo', 'tiny', 'vision-paper', 'vision-tiny'];
/** Characters a flip may turn a byte into besides random bytes (digits weighted up). */
const JSON_ALPHABET = '0123456789012345678901234567890123456789.-+eE"{}[],: \nabcdtruefalsn';
const DEFAULTS = { audio: DEFAULT_AUDIO_CONFIG, vision: DEFAULT_VISION_CONFIG };

/** What `gim train --preset FILE` resolves (for the preset's own modality). */
function resolvePresetFile(file: string): { modality: string; config: unknown } {
  const layer = loadPreset(file);
  const modality = presetModality(layer, DEFAULTS, 'audio');
  const config = modality === 'vision' ? resolveVisionConfig([layer]) : resolveAudioConfig([layer]);
  return { modality, config };
}

function revalidate(modality: string, config: unknown): unknown {
  const layer = [{ source: 'revalidation', values: config }];
  return modality === 'vision' ? resolveVisionConfig(layer) : resolveAudioConfig(layer);
}

/** Leaf values by dotted path (arrays are leaves). */
function leaves(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, JSON.stringify(value));
  return out;
}

function changedPaths(a: unknown, b: unknown): string[] {
  const la = leaves(a);
  const lb = leaves(b);
  const paths = new Set([...la.keys(), ...lb.keys()]);
  return [...paths].filter((p) => la.get(p) !== lb.get(p)).sort();
}

/**
 * Every digit replaced by every other digit, one at a time: the flips most likely to stay
 * valid JSON, so they reach the value rules and the cross-field checks.
 */
function digitSwaps(original: Uint8Array): Corruption[] {
  const out: Corruption[] = [];
  original.forEach((b, o) => {
    if (b < 0x30 || b > 0x39) return;
    for (let d = 0x30; d <= 0x39; d++) {
      if (d === b) continue;
      const bytes = original.slice();
      bytes[o] = d;
      const label = `digit @${o}: ${String.fromCharCode(b)}→${String.fromCharCode(d)}`;
      out.push({ kind: 'flip', bytes, length: bytes.length, offsets: [o], label });
    }
  });
  return out;
}

/** Which kind of mistake a ConfigError reports (for the outcome counts). */
function errorKind(message: string): string {
  if (/UTF-8/.test(message)) return 'invalid UTF-8';
  if (/expected valid JSON/.test(message)) return 'invalid JSON';
  if (/one of the known keys/.test(message)) return 'unknown key';
  if (/: modality: /.test(message)) return 'unknown modality';
  if (/expected an? (number|string|boolean|array|object),/.test(message)) return 'wrong type';
  if (/^config \(/.test(message)) return 'cross-field';
  return 'bad value';
}

describe('fuzzed preset files (loadPreset + presetModality + resolve)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gim-fuzz-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  PRESETS.forEach((name, p) => {
    it(`${name}.json: ${CASES} corruptions end in a ConfigError or a consistent config`, (t) => {
      const original = new Uint8Array(readFileSync(join(PRESET_DIR, `${name}.json`)));
      const file = join(dir, `${name}.json`);
      writeFileSync(file, original);
      const base = resolvePresetFile(file);
      const originalSpans = memberSpans(original);
      const counts: Record<string, number> = { cases: 0, consistentLoads: 0, unchanged: 0 };
      const changedFields = new Set<string>();
      let slowest = 0;
      const cases = [
        ...corruptions(original, CASES, 500 + p, { headerBytes: 0, alphabet: JSON_ALPHABET }),
        ...digitSwaps(original),
      ];
      for (const c of cases) {
        writeFileSync(file, c.bytes);
        const { result, error, ms } = timed(() => resolvePresetFile(file));
        counts.cases!++;
        slowest = Math.max(slowest, ms);
        assert.ok(ms < CASE_LIMIT_MS, `${c.label}: took ${ms.toFixed(0)} ms`);
        if (error !== undefined) {
          assert.ok(
            error instanceof ConfigError,
            `${c.label}: expected a ConfigError, got ${(error as Error).stack ?? String(error)}`,
          );
          assert.ok(
            error.message.includes(file),
            `${c.label}: must name ${file}: ${error.message}`,
          );
          assert.match(error.message, /: expected .+, found /, c.label);
          if (/valid JSON/.test(error.message))
            assert.match(error.message, /: line \d+ column \d+: /, c.label);
          const kind = errorKind(error.message);
          counts[kind] = (counts[kind] ?? 0) + 1;
          continue;
        }
        const got = result!;
        counts.consistentLoads!++;
        assert.equal(got.modality, base.modality, `${c.label}: modality changed`);
        const changed = changedPaths(base.config, got.config);
        if (c.kind === 'truncate') {
          // Only trailing whitespace may go.
          const cut = new TextDecoder().decode(original.subarray(c.length));
          assert.match(cut, /^\s+$/, `${c.label}: a truncated preset loaded`);
          assert.deepEqual(changed, [], c.label);
        }
        const before = touchedPaths(originalSpans, c.offsets);
        const after = touchedPaths(memberSpans(c.bytes), c.offsets);
        const allowed = (path: string): boolean =>
          before.exact.has(path) ||
          after.exact.has(path) ||
          [...before.prefixes, ...after.prefixes].some((s) => path.startsWith(`${s}.`));
        for (const path of changed)
          assert.ok(allowed(path), `${c.label}: ${path} changed but no flipped byte is in it`);
        if (changed.length === 0) counts.unchanged!++;
        changed.forEach((path) => changedFields.add(path));
        // The changed config is itself valid: resolving it again gives it back unchanged.
        assert.deepEqual(revalidate(got.modality, got.config), got.config, c.label);
      }
      writeFileSync(file, original);
      t.diagnostic(
        `${name}.json: ${JSON.stringify(counts)}, slowest ${slowest.toFixed(1)} ms, ` +
          `fields changed by loading flips: ${[...changedFields].join(' ')}`,
      );
      assert.equal(counts.cases, cases.length);
      assert.ok(counts['invalid JSON']! > 0 && counts.consistentLoads! > 0, JSON.stringify(counts));
    });
  });
});
