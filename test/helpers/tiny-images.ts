/** A tiny in-memory image set for vision tests: 12 random 28×28 grey images, labels 0..9. */
import { Rng } from '../../src/backend/random.js';
import { memoryImageSet, type ImageSet } from '../../src/vision/data/index.js';

export function tinyImageSet(name = 'tiny'): ImageSet {
  const rng = new Rng(3);
  const pixels = Uint8Array.from({ length: 12 * 28 * 28 }, () => rng.int(256));
  return memoryImageSet({
    name,
    height: 28,
    width: 28,
    channels: 1,
    pixels,
    labels: Int32Array.from({ length: 12 }, (_, i) => i % 10),
    classes: 10,
  });
}
