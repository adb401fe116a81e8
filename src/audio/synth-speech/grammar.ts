/**
 * A small sentence grammar with a built-in vocabulary. It gives varied, pronounceable English so
 * that no two utterances are alike; the generator also rejects exact repeats.
 */
import type { Rng } from '../../backend/random.js';

const NAMES =
  'Anna Ben Clara David Emma Frank Grace Henry Irene Jack Laura Martin Nora Oscar Paula Peter Rachel Simon Tess Victor Walter Yvonne'.split(
    ' ',
  );
const NOUNS = (
  'garden window river teacher doctor farmer letter basket candle kitchen mountain pencil bottle ' +
  'village market bridge island engine ladder blanket church castle forest harbor journey lantern ' +
  'meadow orchard painter pocket rabbit saddle shadow soldier stranger table thunder tower wagon ' +
  'wizard yellow bird horse camera captain carpet chimney cottage dragon feather hammer jacket ' +
  'kettle lemon mirror needle parcel pillow puzzle ribbon rocket sailor spider sugar ticket violin'
).split(' ');
const PLURALS =
  'apples boxes coins cups dogs eggs flowers gloves houses keys lamps maps nails oranges pears rings shoes stones trees'.split(
    ' ',
  );
const ADJECTIVES = (
  'old young bright dark quiet noisy small large heavy gentle clever careful strange golden silver ' +
  'narrow broken empty famous frozen hidden lonely muddy patient polite rapid rusty sleepy smooth ' +
  'sudden tired wooden wild warm cold green purple'
).split(' ');
const VERBS = (
  'carried found opened painted visited followed watched cleaned pushed pulled counted borrowed ' +
  'dropped fixed helped lifted moved noticed ordered packed praised repaired showed touched washed ' +
  'wrapped described discovered measured remembered'
).split(' ');
const INTRANSITIVE =
  'waited laughed slept arrived listened whispered travelled wandered shouted smiled'.split(' ');
const ADVERBS =
  'slowly quickly quietly happily early later again carefully suddenly gladly yesterday twice'.split(
    ' ',
  );
const PREPOSITIONS = 'near behind under beside above across along inside through toward'.split(' ');
const PLACES =
  'the station|the library|the harbor|the old mill|the school|the bakery|the hospital|the museum|the farm|the square'.split(
    '|',
  );
const NUMBERS = 'two three four five six seven eight nine ten eleven twelve twenty forty'.split(
  ' ',
);
const TIMES =
  'In the morning|At noon|Late that night|On Sunday|After dinner|Before the storm|In the spring|Last winter'.split(
    '|',
  );
const QUESTION_STARTS = 'Why did|When did|Where did|How did'.split('|');

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

function nounPhrase(rng: Rng): string {
  const det = pick(rng, ['the', 'the', 'a', 'my', 'her', 'his', 'that']);
  const adj = rng.uniform() < 0.6 ? `${pick(rng, ADJECTIVES)} ` : '';
  const phrase = `${det} ${adj}${pick(rng, NOUNS)}`;
  return phrase.replace(/^a ([aeiou])/, 'an $1');
}

const TEMPLATES: ((rng: Rng) => string)[] = [
  (r) =>
    `${pick(r, NAMES)} ${pick(r, VERBS)} ${nounPhrase(r)} ${pick(r, PREPOSITIONS)} ${nounPhrase(r)}.`,
  (r) => `${cap(nounPhrase(r))} ${pick(r, INTRANSITIVE)} ${pick(r, ADVERBS)}.`,
  (r) => `${pick(r, TIMES)}, ${pick(r, NAMES)} and ${pick(r, NAMES)} went to ${pick(r, PLACES)}.`,
  (r) =>
    `${pick(r, NAMES)} bought ${pick(r, NUMBERS)} ${pick(r, PLURALS)} and ${pick(r, VERBS)} ${nounPhrase(r)}.`,
  (r) =>
    `${pick(r, QUESTION_STARTS)} ${pick(r, NAMES)} leave ${nounPhrase(r)} ${pick(r, PREPOSITIONS)} ${nounPhrase(r)}?`,
  (r) =>
    `${cap(nounPhrase(r))} was ${pick(r, ADJECTIVES)}, so ${pick(r, NAMES)} ${pick(r, VERBS)} it ${pick(r, ADVERBS)}.`,
  (r) =>
    `${pick(r, TIMES)}, ${nounPhrase(r)} ${pick(r, PREPOSITIONS)} ${pick(r, PLACES)} ${pick(r, INTRANSITIVE)}.`,
  (r) =>
    `${pick(r, NAMES)} said that ${nounPhrase(r)} had ${pick(r, VERBS)} ${pick(r, NUMBERS)} ${pick(r, PLURALS)}.`,
];

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** One random sentence. */
export function sentence(rng: Rng): string {
  return pick(rng, TEMPLATES)(rng);
}

/** `count` sentences joined into one utterance text. */
export function utteranceText(rng: Rng, count: number): string {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(sentence(rng));
  return parts.join(' ');
}
