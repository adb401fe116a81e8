/**
 * Patch extraction for the first vision module (spec §3.2): a [B, S, S, C] batch becomes
 * [B*G*G, p, p, C] overlapping patches, in the reference's order (image, patch row, patch
 * column), so patch (b, r, c) sits at row b*G*G + r*G + c. Each patch is then encoded on its own.
 */

import { ShapeError } from '../../errors.js';

/** Patches per side: (size - patchSize) / stride + 1 (7 for 64/16/8 and for 32/8/4). */
export function patchGridSize(size: number, patchSize: number, stride: number): number {
  if (!Number.isInteger(size) || !Number.isInteger(patchSize) || !Number.isInteger(stride)) {
    throw new ShapeError(
      `patch grid: size ${size}, patch ${patchSize}, stride ${stride} must be integers`,
    );
  }
  if (patchSize < 1 || stride < 1 || patchSize > size || (size - patchSize) % stride !== 0) {
    throw new ShapeError(
      `patch grid: (size ${size} - patch ${patchSize}) must be >= 0 and divisible by stride ${stride}, ` +
        'so that the patches tile the image exactly',
    );
  }
  return (size - patchSize) / stride + 1;
}

/**
 * Cuts [B, size, size, C] images into [B*G*G, p, p, C] patches, G = patchGridSize(size, p, stride).
 * Row-major per image: patch (r, c) covers rows r*stride.. and columns c*stride.. of its image.
 */
export function cutPatches(
  images: Float32Array,
  batchSize: number,
  size: number,
  channels: number,
  patchSize: number,
  stride: number,
): Float32Array {
  const g = patchGridSize(size, patchSize, stride);
  const imageLen = size * size * channels;
  if (images.length !== batchSize * imageLen) {
    throw new ShapeError(
      `cutPatches: images hold ${images.length} values, expected [${batchSize}, ${size}, ${size}, ${channels}] = ${batchSize * imageLen}`,
    );
  }
  const rowLen = patchSize * channels; // one patch row is contiguous in the source
  const out = new Float32Array(batchSize * g * g * patchSize * rowLen);
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let r = 0; r < g; r++) {
      for (let c = 0; c < g; c++) {
        for (let y = 0; y < patchSize; y++) {
          const s = b * imageLen + ((r * stride + y) * size + c * stride) * channels;
          // A plain loop: rows are short (8-48 floats), where subarray()+set() costs more than the copy.
          for (let j = 0; j < rowLen; j++) out[o++] = images[s + j]!;
        }
      }
    }
  }
  return out;
}
