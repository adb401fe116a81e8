/**
 * Peak bytes of tensor data while a function runs.
 */
import { tf } from './tf.js';
import { NativeBackend } from './native/native-backend.js';

export interface PeakTensorBytes {
  readonly peakBytes: number;
  /**
   * 'buffers': distinct buffers behind live tensors (native backend), comparable to PyTorch's
   * allocated bytes. 'tensors': tf.profile's peakBytes, which counts a buffer once per tensor
   * that views it (reshapes, the tape's saved clones), so it can exceed the memory really held.
   */
  readonly counts: 'buffers' | 'tensors';
}

export async function peakTensorBytes(run: () => unknown): Promise<PeakTensorBytes> {
  const backend = tf.backend();
  if (backend instanceof NativeBackend) {
    backend.resetPeakBufferBytes();
    await run();
    return { peakBytes: backend.bufferBytes().peak, counts: 'buffers' };
  }
  const info = await tf.profile(async () => {
    await run();
  });
  return { peakBytes: info.peakBytes, counts: 'tensors' };
}
