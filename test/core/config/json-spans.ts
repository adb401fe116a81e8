/**
 * Byte spans of the members of a valid JSON document, for the config fuzz test: which object
 * member (by dotted path) a flipped byte belongs to. Written independently of the loader's own
 * scanner (src/core/config/json-position.ts), and over bytes rather than characters, so offsets are
 * the file's even when a flip made a multi-byte UTF-8 character.
 */

export interface MemberSpan {
  /** Dotted path of the member, e.g. "train.steps". */
  readonly path: string;
  /** Byte range of the key, quotes included. */
  readonly keyStart: number;
  readonly keyEnd: number;
  /** End of the member's value (exclusive); the member spans keyStart..end. */
  readonly end: number;
  /** True if the value is not an object (a leaf: number, string, boolean, null or array). */
  readonly leaf: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Spans of every object member of `bytes` (which must hold valid JSON). */
export function memberSpans(bytes: Uint8Array): MemberSpan[] {
  const spans: MemberSpan[] = [];
  let i = 0;
  const ws = (): void => {
    while (i < bytes.length && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[i]!)) i++;
  };
  const skipString = (): void => {
    i++; // opening quote
    while (bytes[i] !== QUOTE) i += bytes[i] === BACKSLASH ? 2 : 1;
    i++;
  };
  const value = (path: string): boolean => {
    ws();
    const b = bytes[i];
    if (b === 0x7b /* { */) {
      i++;
      ws();
      while (bytes[i] !== 0x7d /* } */) {
        const keyStart = i;
        skipString();
        const keyEnd = i;
        const key = JSON.parse(
          new TextDecoder().decode(bytes.subarray(keyStart, keyEnd)),
        ) as string;
        ws();
        i++; // ':'
        const child = path ? `${path}.${key}` : key;
        const leaf = value(child);
        spans.push({ path: child, keyStart, keyEnd, end: i, leaf });
        ws();
        if (bytes[i] === 0x2c /* , */) i++;
        ws();
      }
      i++;
      return false;
    }
    if (b === 0x5b /* [ */) {
      i++;
      ws();
      while (bytes[i] !== 0x5d /* ] */) {
        value(`${path}[]`);
        ws();
        if (bytes[i] === 0x2c) i++;
        ws();
      }
      i++;
      return true;
    }
    if (b === QUOTE) {
      skipString();
      return true;
    }
    // Number or literal: runs to the next delimiter.
    while (i < bytes.length && !',}] \t\r\n'.includes(String.fromCharCode(bytes[i]!))) i++;
    return true;
  };
  value('');
  return spans;
}

/**
 * Paths a set of flipped offsets may legitimately change: a leaf member whose key or value
 * holds a flipped byte; and, for a flipped key of a section, everything under it (the section
 * was renamed, so all its values move).
 */
export function touchedPaths(
  spans: readonly MemberSpan[],
  offsets: readonly number[],
): {
  exact: Set<string>;
  prefixes: Set<string>;
} {
  const exact = new Set<string>();
  const prefixes = new Set<string>();
  for (const s of spans) {
    for (const o of offsets) {
      if (s.leaf && o >= s.keyStart && o < s.end) exact.add(s.path);
      if (!s.leaf && o >= s.keyStart && o < s.keyEnd) prefixes.add(s.path);
    }
  }
  return { exact, prefixes };
}
