/**
 * Window sampling and label alignment, kept as pure functions so the tests can pin them down.
 *
 * Alignment choice. Label j of an utterance covers samples [160j, 160j+160) (10 ms frames from
 * sample 0, as in the Kaldi alignments and in our generator's frame-centre rule). The encoder
 * (strides 5·4·2·2·2 = 160, paddings 2,2,2,2,1) gives output frame f a receptive field of
 * samples [start + 160f − 212, start + 160f + 253) of the window: 465 samples centred at
 * start + 160f + 20, which lies inside label frame start/160 + f. So we label encoder frame f of a
 * window with label start/160 + f. The reference's supervised phone loss uses
 * (start − 80) // 160 = start/160 − 1, one frame (10 ms) earlier; the label-shift experiments in
 * research/datasets.md §1.3 show that ±10 ms changes frame accuracy by well under one point, so we
 * keep the choice that follows from the receptive field rather than copy the offset.
 */
import { ConfigError } from '../../errors.js';
import type { Rng } from '../../backend/random.js';
import { FRAME_SAMPLES } from './pcm.js';

export function checkWindowSamples(windowSamples: number): void {
  if (
    !Number.isInteger(windowSamples) ||
    windowSamples <= 0 ||
    windowSamples % FRAME_SAMPLES !== 0
  ) {
    throw new ConfigError(
      'windowSamples',
      `a positive multiple of ${FRAME_SAMPLES}`,
      windowSamples,
      'audio corpus',
    );
  }
}

/**
 * Number of admissible window starts. As in the reference: round the length down to whole frames
 * (L), then starts are 160, 320, … strictly below L − window. Zero means "too short".
 */
export function windowStartCount(samples: number, windowSamples: number): number {
  const usable = Math.floor(samples / FRAME_SAMPLES) * FRAME_SAMPLES;
  return Math.max(0, Math.ceil((usable - windowSamples) / FRAME_SAMPLES) - 1);
}

/** A uniformly drawn start from {160, 320, …} (never 0, always frame-aligned). */
export function drawWindowStart(samples: number, windowSamples: number, rng: Rng): number {
  const count = windowStartCount(samples, windowSamples);
  if (count === 0)
    throw new RangeError(`no window of ${windowSamples} samples fits in ${samples} samples`);
  return FRAME_SAMPLES * (1 + rng.int(count));
}

/**
 * Writes the labels of the `frames` encoder frames of a window starting at `start` into
 * `dst[offset …]`: label start/160 + f, or −1 past the end of the label list (Kaldi labels are
 * usually a frame or two shorter than the audio).
 */
export function windowLabels(
  labels: Uint8Array,
  start: number,
  frames: number,
  dst: Int32Array,
  offset: number,
): void {
  const first = start / FRAME_SAMPLES;
  for (let f = 0; f < frames; f++) {
    const j = first + f;
    dst[offset + f] = j < labels.length ? labels[j]! : -1;
  }
}
