/**
 * Phone classes of the synthetic corpus: silence plus the 39 CMU/ARPAbet phones (40 classes),
 * and the mapping from eSpeak NG's en-US IPA symbols onto them (research/datasets.md §1.4).
 */

/** Class names; the index in this list is the label written to the label file. */
export const PHONE_CLASSES: readonly string[] = [
  'sil',
  'aa',
  'ae',
  'ah',
  'ao',
  'aw',
  'ay',
  'b',
  'ch',
  'd',
  'dh',
  'eh',
  'er',
  'ey',
  'f',
  'g',
  'hh',
  'ih',
  'iy',
  'jh',
  'k',
  'l',
  'm',
  'n',
  'ng',
  'ow',
  'oy',
  'p',
  'r',
  's',
  'sh',
  't',
  'th',
  'uh',
  'uw',
  'v',
  'w',
  'y',
  'z',
  'zh',
];

export const SIL = 0;

const IPA_TO_ARPABET: Record<string, string> = {
  // diphthongs and vowels
  aɪ: 'ay',
  aɪə: 'ay',
  aɪɚ: 'ay',
  aʊ: 'aw',
  eɪ: 'ey',
  oʊ: 'ow',
  ɔɪ: 'oy',
  i: 'iy',
  iː: 'iy',
  iə: 'iy',
  ɪ: 'ih',
  ᵻ: 'ih',
  ɪɹ: 'ih',
  ɛ: 'eh',
  ɛɹ: 'eh',
  æ: 'ae',
  ɐ: 'ah',
  ə: 'ah',
  ʌ: 'ah',
  ɑː: 'aa',
  ɑːɹ: 'aa',
  ɑ: 'aa',
  ɔ: 'ao',
  ɔː: 'ao',
  ɔːɹ: 'ao',
  ɔɹ: 'ao',
  ɚ: 'er',
  ɜː: 'er',
  ɜ: 'er',
  ʊ: 'uh',
  ʊɹ: 'uh',
  uː: 'uw',
  u: 'uw',
  oːɹ: 'ao',
  oː: 'ow',
  o: 'ow',
  // consonants that change name
  əl: 'l',
  ɾ: 't',
  ɹ: 'r',
  j: 'y',
  h: 'hh',
  dʒ: 'jh',
  tʃ: 'ch',
  ð: 'dh',
  θ: 'th',
  ŋ: 'ng',
  ʃ: 'sh',
  ʒ: 'zh',
  ɡ: 'g',
  ʔ: 't',
  n̩: 'n',
  l̩: 'l',
  m̩: 'm',
  // consonants spelled the same
  b: 'b',
  d: 'd',
  f: 'f',
  g: 'g',
  k: 'k',
  l: 'l',
  m: 'm',
  n: 'n',
  p: 'p',
  s: 's',
  t: 't',
  v: 'v',
  w: 'w',
  z: 'z',
};

const CLASS_INDEX = new Map(PHONE_CLASSES.map((name, i) => [name, i]));

/** Stops and affricates: eSpeak puts their onset at the release, so their closure needs moving. */
export const STOP_CLASSES: ReadonlySet<number> = new Set(
  ['p', 't', 'k', 'b', 'd', 'g', 'ch', 'jh'].map((n) => CLASS_INDEX.get(n)!),
);

/**
 * Class index of an eSpeak phoneme event's IPA id. Stress marks are dropped; an empty id is a
 * pause (sil). Returns null for a symbol outside the table, which the caller must not guess at.
 */
export function ipaToClass(ipa: string): number | null {
  const bare = ipa.replace(/[ˈˌ]/g, '');
  if (bare === '') return SIL;
  const name = IPA_TO_ARPABET[bare];
  return name === undefined ? null : CLASS_INDEX.get(name)!;
}
