/**
 * Preset files: small JSON overrides of the defaults (configs/*.json), found by name in the
 * package's configs/ folder or given as a path.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ConfigError, DataError } from '../errors.js';

/** The package's configs/ folder (works from src/ via tsx and from dist/). */
export const PRESET_DIR = fileURLToPath(new URL('../../configs/', import.meta.url));

export function presetNames(): string[] {
  return existsSync(PRESET_DIR)
    ? readdirSync(PRESET_DIR)
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -5))
        .sort()
    : [];
}

export function loadPreset(nameOrPath: string): { source: string; values: unknown } {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = isPath ? nameOrPath : join(PRESET_DIR, `${nameOrPath}.json`);
  if (!existsSync(file)) {
    if (isPath) throw new DataError(file, 'preset file does not exist');
    throw new ConfigError(
      '--preset',
      `one of ${presetNames().join(', ')} or a path to a .json file`,
      nameOrPath,
    );
  }
  let values: unknown;
  try {
    values = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DataError(file, `invalid JSON: ${(err as Error).message}`);
  }
  return { source: `preset ${file}`, values };
}
