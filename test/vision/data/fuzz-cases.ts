/**
 * Seeded corruptions of a file's bytes for the fuzz tests: truncations (at 0, inside the header,
 * anywhere, and at chosen boundaries) and flips of 1–8 distinct bytes (each XORed with a
 * non-zero mask, so every chosen byte really changes), half of them aimed at the header.
 */

import { Rng } from '../../../src/backend/random.js';

export interface Corruption {
  /** 'truncate' keeps the first `length` bytes; 'flip' changes the bytes at `offsets`. */
  readonly kind: 'truncate' | 'flip';
  readonly bytes: Uint8Array;
  /** Length kept by a truncation (always < the original's). */
  readonly length: number;
  /** Offsets of the changed bytes, ascending (empty for a truncation). */
  readonly offsets: readonly number[];
  /** Short description for assertion messages, e.g. "flip @17,302" or "truncate to 9". */
  readonly label: string;
}

export interface CorruptionOptions {
  /** Bytes of the format's header (0: headerless); a share of the cases aims at them. */
  readonly headerBytes: number;
  /** Extra truncation lengths worth trying (e.g. record boundaries). */
  readonly boundaries?: readonly number[];
  /**
   * For text formats: half the flipped bytes become another character of this alphabet, so
   * that corruptions also reach past the parser (a digit for a digit is still valid JSON).
   */
  readonly alphabet?: string;
}

/** `count` corruptions of `original`, reproducible from `seed`. */
export function corruptions(
  original: Uint8Array,
  count: number,
  seed: number,
  { headerBytes, boundaries = [], alphabet = '' }: CorruptionOptions,
): Corruption[] {
  const rng = new Rng(seed);
  const n = original.length;
  const truncate = (length: number): Corruption => ({
    kind: 'truncate',
    bytes: original.slice(0, length),
    length,
    offsets: [],
    label: `truncate to ${length}`,
  });
  const out: Corruption[] = [truncate(0)];
  for (const b of boundaries) if (b < n) out.push(truncate(b));
  while (out.length < count) {
    const roll = rng.uniform();
    if (roll < 0.4) {
      // Truncations: a third inside the header (when there is one), the rest anywhere.
      const inHeader = headerBytes > 0 && rng.uniform() < 1 / 3;
      out.push(truncate(rng.int(inHeader ? Math.min(headerBytes, n) : n)));
    } else {
      // 1..8 flips, skewed towards few (a third are single flips: the hardest to notice).
      const flips = Math.min(n, 1 + Math.floor(8 * rng.uniform() ** 2));
      const aimAtHeader = headerBytes > 0 && rng.uniform() < 0.5;
      const offsets = new Set<number>();
      // The first byte goes to the header for header-aimed cases; the others land anywhere.
      if (aimAtHeader) offsets.add(rng.int(Math.min(headerBytes, n)));
      while (offsets.size < flips) offsets.add(rng.int(n));
      const bytes = original.slice();
      // Half single-bit flips (bit rot; they keep small values small, e.g. a label a valid
      // class), half arbitrary byte changes.
      for (const o of offsets) {
        const others = alphabet.replace(String.fromCharCode(bytes[o]!), '');
        if (others.length > 0 && rng.uniform() < 0.5)
          bytes[o] = others.charCodeAt(rng.int(others.length));
        else bytes[o] = bytes[o]! ^ (rng.uniform() < 0.5 ? 1 << rng.int(8) : 1 + rng.int(255));
      }
      const sorted = [...offsets].sort((a, b) => a - b);
      out.push({ kind: 'flip', bytes, length: n, offsets: sorted, label: `flip @${sorted}` });
    }
  }
  return out;
}

/** Runs `load` and reports how long it took (the loaders are synchronous). */
export function timed<T>(load: () => T): { result: T | undefined; error: unknown; ms: number } {
  const start = performance.now();
  try {
    const result = load();
    return { result, error: undefined, ms: performance.now() - start };
  } catch (error) {
    return { result: undefined, error, ms: performance.now() - start };
  }
}

/** A per-case limit far above a healthy load (a few ms) yet far below a hang. */
export const CASE_LIMIT_MS = 2000;
