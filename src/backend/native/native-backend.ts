/**
 * The backend class behind `native`: tfjs-backend-cpu's MathBackendCPU plus a pool of output
 * buffers. TF.js frees a disposed tensor's typed array only when V8's garbage collector runs,
 * and every large new array adds "external memory" that makes V8 run a full mark-compact; in a
 * GIM training step that was about a hundred full collections, plus a page fault per fresh 4 KiB
 * page. The pool hands a disposed tensor's array to the next kernel output of the same length.
 *
 * Reuse is safe only when nothing else can still see the array, so an array is recycled only
 * if (1) a native kernel allocated it here, (2) no live tensor refers to its memory (views made
 * by cpu kernels with `subarray` are counted per ArrayBuffer), and (3) it never escaped to the
 * caller through read/readSync (`dataSync()`, `data()`, `array()` hand out the array itself).
 */
import type { DataType } from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

type Values = ReturnType<MathBackendCPU['readSync']>;
type DataId = object;

/** Smaller arrays live in V8's young generation, where allocation is cheap: do not pool them. */
const MIN_POOLED_LENGTH = 4096;
/** Upper bound on idle pooled memory; beyond it arrays are left to the garbage collector. */
const MAX_POOLED_BYTES = 1 << 30;

export class NativeBackend extends MathBackendCPU {
  private readonly ours = new WeakSet<ArrayBufferLike>();
  private readonly escaped = new WeakSet<ArrayBufferLike>();
  /** Live tensors per ArrayBuffer, every buffer (views made with `subarray` share one). */
  private readonly liveRefs = new Map<ArrayBufferLike, number>();
  private liveBytes = 0;
  private peakBytes = 0;
  private readonly idle = new Map<number, Float32Array[]>();
  private idleBytes = 0;

  constructor() {
    super();
    // The cpu backend advertises tfjs-node on first use; the library never prints.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** A float32 array of `length` for a kernel output; zero-filled only when asked. */
  allocFloat32(length: number, zero = false): Float32Array {
    const reused = this.idle.get(length)?.pop();
    if (reused) {
      this.idleBytes -= reused.byteLength;
      if (zero) reused.fill(0);
      return reused;
    }
    const fresh = new Float32Array(length);
    if (length >= MIN_POOLED_LENGTH) this.ours.add(fresh.buffer);
    return fresh;
  }

  /**
   * Bytes of the distinct buffers behind live tensors: what the process holds for tensor data,
   * the analogue of PyTorch's allocated bytes. tf.memory().numBytes counts every tensor, so a
   * reshape or a tape's saved clone of a buffer counts its bytes again.
   */
  bufferBytes(): { live: number; peak: number } {
    return { live: this.liveBytes, peak: this.peakBytes };
  }

  /** Starts a new peak from the bytes live now. */
  resetPeakBufferBytes(): void {
    this.peakBytes = this.liveBytes;
  }

  /** Arrays held idle in the pool (for tests). */
  pooledArrays(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  override write(values: Values, shape: number[], dtype: DataType): DataId {
    this.retain(values);
    return super.write(values, shape, dtype);
  }

  override move(
    dataId: DataId,
    values: Values,
    shape: number[],
    dtype: DataType,
    refCount: number,
  ): void {
    this.retain(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: DataId): Values {
    const values = super.readSync(dataId);
    if (ArrayBuffer.isView(values)) this.escaped.add(values.buffer);
    return values;
  }

  override read(dataId: DataId): Promise<Values> {
    return Promise.resolve(this.readSync(dataId));
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const released = super.disposeData(dataId, force);
    if (released && values && !this.data.has(dataId)) this.release(values);
    return released;
  }

  override dispose(): void {
    this.idle.clear();
    this.idleBytes = 0;
    super.dispose();
  }

  private retain(values: Values): void {
    if (!ArrayBuffer.isView(values)) return;
    const refs = this.liveRefs.get(values.buffer) ?? 0;
    this.liveRefs.set(values.buffer, refs + 1);
    if (refs > 0) return;
    this.liveBytes += values.buffer.byteLength;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
  }

  private release(values: Values): void {
    if (!ArrayBuffer.isView(values)) return;
    const buffer = values.buffer;
    const left = (this.liveRefs.get(buffer) ?? 1) - 1;
    if (left > 0) {
      this.liveRefs.set(buffer, left);
      return;
    }
    this.liveRefs.delete(buffer);
    this.liveBytes -= buffer.byteLength;
    if (!this.ours.has(buffer)) return;
    if (this.escaped.has(buffer) || this.idleBytes + buffer.byteLength > MAX_POOLED_BYTES) return;
    const whole = new Float32Array(buffer);
    const list = this.idle.get(whole.length);
    if (list) list.push(whole);
    else this.idle.set(whole.length, [whole]);
    this.idleBytes += buffer.byteLength;
  }
}
