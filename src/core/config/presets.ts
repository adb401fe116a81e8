/**
 * Preset files: small JSON overrides of the defaults (configs/*.json), found by name in the
 * package's configs/ folder or given as a path.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ConfigError, DataError } from '../../errors.js';
import { jsonErrorOffset, lineColumn } from './json-position.js';

/** The package's configs/ folder (works from src/ via tsx and from dist/). */
export const PRESET_DIR = fileURLToPath(new URL('../../../configs/', import.meta.url));

export interface PresetLayer {
  readonly source: string;
  readonly values: unknown;
}

/**
 * What a shipped preset configures: a model and its training ('model': tiny, vision-paper, …)
 * or experiment/probe settings ('settings': experiment-demo, probe-demo, …; named by prefix).
 */
export type PresetKind = 'model' | 'settings';

const SETTINGS_PREFIXES = ['experiment-', 'probe-'];

export function presetNames(kind: PresetKind = 'model'): string[] {
  if (!existsSync(PRESET_DIR)) return [];
  return readdirSync(PRESET_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .filter((name) => SETTINGS_PREFIXES.some((p) => name.startsWith(p)) === (kind === 'settings'))
    .sort();
}

/** `kind` picks the names an unknown name's error offers (the flag it names: --preset, --settings). */
export function loadPreset(nameOrPath: string, kind: PresetKind = 'model'): PresetLayer {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = isPath ? nameOrPath : join(PRESET_DIR, `${nameOrPath}.json`);
  if (!existsSync(file)) {
    if (isPath) throw new DataError(file, 'preset file does not exist');
    throw new ConfigError(
      kind === 'model' ? '--preset' : '--settings',
      `one of ${presetNames(kind).join(', ')} or a path to a .json file`,
      nameOrPath,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new DataError(file, `cannot read: ${(err as Error).message}`);
  }
  const source = `preset ${file}`;
  return { source, values: parsePresetJson(bytes, source) };
}

/**
 * Decodes and parses preset bytes. Invalid UTF-8 is an error rather than U+FFFD: a replaced
 * byte inside a free-form string (a data directory) would otherwise load silently changed.
 */
export function parsePresetJson(bytes: Uint8Array, source: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new ConfigError(
      `byte ${at}`,
      'UTF-8 text (a JSON preset)',
      `byte 0x${hex(bytes[at])}`,
      source,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const offset = jsonErrorOffset(text);
    const { line, column } = lineColumn(text, offset);
    // V8's wording without its own position (we give line and column instead).
    const reason = (err as Error).message
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(
        /^Unexpected token '([^]{1,2})', .* is not valid JSON$/s,
        (_, token: string) => `unexpected character ${JSON.stringify(token)}`,
      );
    throw new ConfigError(
      `line ${line} column ${column}`,
      `valid JSON (${reason})`,
      offset >= text.length ? undefined : text.slice(offset, offset + 24),
      source,
    );
  }
}

/**
 * The modality a preset is for: its "modality" key if it has one (which must name a known
 * modality), else the only modality whose defaults have every key the preset uses, else
 * `fallback` (keys fitting several or none: resolving with the fallback then reports them).
 * `defaults` maps each modality to its default config (the schema of its keys).
 */
export function presetModality<M extends string>(
  preset: PresetLayer,
  defaults: Readonly<Record<M, unknown>>,
  fallback: NoInfer<M>,
): M {
  const { values, source } = preset;
  const names = Object.keys(defaults) as M[];
  if (!isObject(values)) throw new ConfigError('(root)', 'an object', values, source);
  if ('modality' in values) {
    const m = values.modality;
    if (typeof m === 'string' && (names as string[]).includes(m)) return m as M;
    throw new ConfigError(
      'modality',
      `one of ${names.map((n) => JSON.stringify(n)).join(', ')}`,
      m,
      source,
    );
  }
  const fitting = names.filter((n) => keysFit(values, defaults[n]));
  return fitting.length === 1 ? fitting[0]! : fallback;
}

function keysFit(values: Record<string, unknown>, schema: unknown): boolean {
  if (!isObject(schema)) return false;
  return Object.entries(values).every(
    ([key, value]) =>
      Object.hasOwn(schema, key) && (!isObject(value) || keysFit(value, schema[key])),
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hex(n: number | undefined): string {
  return (n ?? 0).toString(16).padStart(2, '0');
}

/** Offset of the first byte that does not start a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    // Sequence length from the lead byte (0: not a lead byte).
    const n =
      b < 0x80
        ? 1
        : b >= 0xc2 && b < 0xe0
          ? 2
          : b >= 0xe0 && b < 0xf0
            ? 3
            : b >= 0xf0 && b < 0xf5
              ? 4
              : 0;
    if (n === 0 || i + n > bytes.length) return i;
    try {
      decoder.decode(bytes.subarray(i, i + n)); // rejects bad continuations, overlongs, surrogates
    } catch {
      return i;
    }
    i += n;
  }
  return bytes.length;
}
