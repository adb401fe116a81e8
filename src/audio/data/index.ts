/** LibriSpeech-style audio corpora: loader, audio file readers/writers and PCM conventions. */
export { openLibriSpeech } from './librispeech.js';
export type {
  AudioBatch,
  AudioCorpus,
  AudioCorpusOptions,
  CorpusSummary,
  SkippedUtterance,
  Split,
  Utterance,
} from './librispeech.js';
export { describeSkipped } from './skipped.js';
export {
  AUDIO_MEAN,
  AUDIO_STD,
  FRAME_SAMPLES,
  SAMPLE_RATE_HZ,
  floatToInt16,
  normaliseInt16,
} from './pcm.js';
export { encodeWav, readWav, readWavInfo } from './wav.js';
export type { PcmInfo } from './wav.js';
export { encodeFlac, readFlacInfo, FlacReader } from './flac.js';
export type { FlacEncodeOptions } from './flac.js';
export { LABEL_SLACK_FRAMES } from './utterance-files.js';
export { windowStartCount, drawWindowStart, windowLabels } from './windows.js';
export * as corpusFiles from './corpus-files.js';
