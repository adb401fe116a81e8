/** Synthetic multi-speaker speech (eSpeak NG) in the LibriSpeech layout, and its difficulty check. */
export { generateSynthSpeech, GENERATOR_VERSION } from './generate.js';
export type { SynthProgress, SynthSpeechOptions, SynthSpeechResult } from './generate.js';
export { PHONE_CLASSES, ipaToClass } from './phones.js';
export { EspeakMissingError } from './espeak.js';
