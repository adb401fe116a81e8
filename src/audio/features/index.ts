/** Hand-crafted audio features (log-mel, MFCC): the paper's baseline for the linear probes. */
export type { FeatureMatrix } from './types.js';
export { logMelSpectrogram, resolveSpectrogramOptions } from './spectrogram.js';
export type { SpectrogramOptions, ResolvedSpectrogramOptions } from './spectrogram.js';
export { mfcc, deltas, concatFeatures, utteranceFeatureMean } from './mfcc.js';
export type { MfccOptions } from './mfcc.js';
export { encoderFrameCount, hannWindow, ENCODER_FRAME0_CENTRE } from './framing.js';
export { fft, powerSpectrum, isPowerOfTwo } from './fft.js';
export { hzToMel, melToHz, melFilterbank } from './mel.js';
export type { MelFilterbank } from './mel.js';
export { dctMatrix } from './dct.js';
