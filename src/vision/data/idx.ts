/**
 * IDX reader and writer (the MNIST family's format: LeCun's MNIST, Fashion-MNIST, KMNIST...).
 *
 * Big-endian throughout: magic `00 00 <type> <ndim>`, then ndim uint32 sizes, then the data
 * row-major. Only type 0x08 (uint8) is supported, which is what every image/label file of the
 * family uses. Files may be gzipped; we sniff the gzip magic `1f 8b` rather than trust the name.
 */

import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DataError } from '../../errors.js';
import { memoryImageSet, type ImageSet } from './image-set.js';

const IDX_UINT8 = 0x08;

export interface IdxArray {
  /** Sizes, outermost first, e.g. [60000, 28, 28]. */
  readonly dims: readonly number[];
  /** The data, row-major. */
  readonly data: Uint8Array;
}

/** Parses IDX bytes (raw or gzipped). `file` names the source in error messages. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new DataError(
        file,
        `starts like gzip (1f 8b) but does not decompress (expected a complete gzip stream ` +
          `whose CRC matches): ${(e as Error).message}`,
      );
    }
  }
  if (buf.length < 4)
    throw new DataError(
      file,
      `${buf.length} bytes is too short for an IDX header (expected at least 4 bytes)`,
    );
  const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new DataError(
      file,
      `bad IDX magic: expected bytes 00 00 at the start, found ${hex(buf[0]!)} ${hex(buf[1]!)}`,
    );
  }
  if (buf[2] !== IDX_UINT8) {
    throw new DataError(
      file,
      `IDX data type ${hex(buf[2]!)} is not supported, expected 0x08 (uint8)`,
    );
  }
  const ndim = buf[3]!;
  if (ndim < 1) throw new DataError(file, 'IDX header declares 0 dimensions, expected 1 or more');
  const headerBytes = 4 + 4 * ndim;
  if (buf.length < headerBytes) {
    throw new DataError(
      file,
      `${buf.length} bytes is too short for an IDX header with ${ndim} dimensions ` +
        `(expected at least ${headerBytes} bytes)`,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  let total = 1;
  for (let d = 0; d < ndim; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    total *= size;
  }
  if (buf.length !== headerBytes + total) {
    throw new DataError(
      file,
      `size ${buf.length} bytes does not match the header: expected ${headerBytes} header ` +
        `bytes + ${dims.join('x')} = ${total} data bytes = ${headerBytes + total}`,
    );
  }
  return { dims, data: buf.subarray(headerBytes) };
}

/** Reads and parses an IDX file from disk. */
export function readIdx(path: string): IdxArray {
  if (!existsSync(path)) throw new DataError(path, 'IDX file not found');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(path, `cannot read: ${(e as Error).message}`);
  }
  return parseIdx(bytes, path);
}

/** Encodes a uint8 array as IDX (optionally gzipped); the inverse of parseIdx. */
export function encodeIdx(dims: readonly number[], data: Uint8Array, gzip = false): Uint8Array {
  const total = dims.reduce((a, b) => a * b, 1);
  if (dims.length < 1 || dims.length > 255 || total !== data.length) {
    throw new RangeError(
      `encodeIdx: dims ${dims.join('x')} hold ${total} values, data has ${data.length}`,
    );
  }
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = IDX_UINT8;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return gzip ? new Uint8Array(gzipSync(out)) : out;
}

/**
 * Opens an IDX image file ([N,H,W] grey or [N,H,W,C] with C = 1 or 3) and, optionally, its IDX
 * label file ([N]). The whole file is decoded into memory: the largest of the family (MNIST
 * train) is 47 MB. With `classes`, every label must lie in 0..classes-1: IDX has no checksum, so
 * a corrupt label byte is only caught if it falls outside the class range.
 */
export function openIdx(
  imagesPath: string,
  labelsPath?: string,
  name?: string,
  classes?: number,
): ImageSet {
  const images = readIdx(imagesPath);
  const [count, height, width, channels = 1] = images.dims;
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new DataError(
      imagesPath,
      `IDX images must have 3 dims [N,H,W] or 4 dims [N,H,W,C], found ${images.dims.length} (${images.dims.join('x')})`,
    );
  }
  if (height! < 1 || width! < 1 || (channels !== 1 && channels !== 3)) {
    throw new DataError(
      imagesPath,
      `IDX images must be at least 1x1 with 1 or 3 channels, found dims ${images.dims.join('x')}`,
    );
  }
  let labels: Int32Array | undefined;
  if (labelsPath !== undefined) {
    const raw = readIdx(labelsPath);
    if (raw.dims.length !== 1) {
      throw new DataError(
        labelsPath,
        `IDX labels must have 1 dim [N], found ${raw.dims.join('x')}`,
      );
    }
    if (raw.dims[0] !== count) {
      throw new DataError(
        labelsPath,
        `has ${raw.dims[0]} labels, expected ${count} (one per image in ${imagesPath})`,
      );
    }
    if (classes !== undefined) {
      const bad = raw.data.findIndex((v) => v >= classes);
      if (bad >= 0) {
        throw new DataError(
          labelsPath,
          `label ${bad} is ${raw.data[bad]}, expected 0..${classes - 1} (${classes} classes)`,
        );
      }
    }
    labels = Int32Array.from(raw.data);
  }
  return memoryImageSet({
    name: name ?? basename(imagesPath),
    height: height!,
    width: width!,
    channels,
    pixels: images.data,
    ...(labels !== undefined ? { labels } : {}),
    ...(classes !== undefined && labels !== undefined ? { classes } : {}),
  });
}
