/**
 * Up-front memory estimate of one vision training step, so that a batch that cannot fit fails
 * with a clear message (naming the limit and the largest batch that fits) instead of a crash deep
 * inside a kernel. TensorFlow.js keeps every forward intermediate until the gradient is computed,
 * and the backward pass makes tensors of a similar total size, so
 *   bytes ≈ 4 · 2.8 · (floats of all forward intermediates of the largest module step).
 * The factor 2.8 is calibrated against tf.profile's peak bytes of real steps (with a factor of 2
 * the estimate was 0.70–0.73 of the measured peak on three small bottleneck/basic configs).
 * Modules train one after another (trainStackStep), so the peak is the largest module, which is
 * the memory argument of the paper (§5.2). The estimate ignores the (small) loss heads.
 */
import { totalmem } from 'node:os';
import { GimError } from '../errors.js';
import { conv2dOutputSize } from '../nn/conv2d.js';
import { blockExpansion, type StageSpec } from './encoder.js';
import { encoderStageSpecs } from './model.js';
import { visionGridSize, visionPipeline, type VisionGimConfig } from './config.js';

/** Forward floats one patch of side `size` creates in a stage; returns them and the output side. */
function stageFloats(spec: StageSpec, size: number): { floats: number; size: number } {
  let floats = 0;
  let side = size;
  let channels = spec.inChannels;
  if (spec.stemChannels !== null) {
    floats += 2 * spec.stemChannels * side * side; // conv + bias add
    channels = spec.stemChannels;
  }
  for (let b = 0; b < spec.blocks; b++) {
    const stride = b === 0 ? spec.stride : 1;
    const out = conv2dOutputSize(side, 3, stride, 1);
    const p = spec.planes;
    const outC = p * blockExpansion(spec.kind);
    const hw = side * side;
    const ohw = out * out;
    floats += channels * hw; // ReLU(x)
    if (stride !== 1 || channels !== outC) floats += 2 * outC * ohw; // shortcut conv + bias
    if (spec.kind === 'bottleneck')
      floats += 3 * p * hw + 3 * p * ohw + 2 * outC * ohw; // conv1(+b, relu), conv2(+b, relu), conv3(+b)
    else floats += 3 * p * ohw + 2 * p * ohw; // conv1(+b, relu), conv2(+b)
    floats += outC * ohw; // residual add
    side = out;
    channels = outC;
  }
  return { floats, size: side };
}

/** Estimated peak bytes of one training step with `batchSize` images. */
export function estimateStepBytes(config: VisionGimConfig, batchSize: number): number {
  const specs = encoderStageSpecs(config.encoder, 1);
  const pipeline = visionPipeline(config.data);
  const patches = batchSize * visionGridSize(config.data) ** 2;
  const groups = config.encoder.layout === 'gim' ? specs.map((s) => [s]) : [specs];
  let side = pipeline.patchSize;
  let peak = 0;
  for (const group of groups) {
    let floats = 0;
    for (const spec of group) {
      const r = stageFloats(spec, side);
      floats += r.floats;
      side = r.size;
    }
    peak = Math.max(peak, floats);
  }
  return 4 * 2.8 * peak * patches;
}

/** The memory a backend can use: the wasm32 heap cap, else the machine's RAM. */
export function backendMemoryLimit(backend: string): { bytes: number; what: string } {
  if (backend === 'wasm') return { bytes: 4 * 2 ** 30, what: 'the 4 GiB heap of the wasm backend' };
  return {
    bytes: totalmem(),
    what: `the ${(totalmem() / 2 ** 30).toFixed(1)} GiB of RAM of this machine`,
  };
}

export class VisionMemoryError extends GimError {}

/** Throws VisionMemoryError if the estimate exceeds the backend's limit. */
export function checkStepMemory(
  config: VisionGimConfig,
  backend: string,
): { bytes: number; limit: number } {
  const bytes = estimateStepBytes(config, config.train.batchSize);
  const limit = backendMemoryLimit(backend);
  if (bytes > limit.bytes)
    throw new VisionMemoryError(memoryMessage(config, backend, bytes, limit));
  return { bytes, limit: limit.bytes };
}

export function memoryMessage(
  config: VisionGimConfig,
  backend: string,
  bytes: number,
  limit = backendMemoryLimit(backend),
): string {
  const perImage = estimateStepBytes(config, 1);
  const fits = Math.floor(limit.bytes / perImage);
  const gib = (n: number): string => `${(n / 2 ** 30).toFixed(1)} GiB`;
  return (
    `a training step with batch ${config.train.batchSize} (${config.train.batchSize * visionGridSize(config.data) ** 2} patches) needs about ${gib(bytes)}, ` +
    `more than ${limit.what} (backend ${backend}); the largest batch that fits is about ${fits} image${fits === 1 ? '' : 's'} ` +
    `(--batch-size ${Math.max(1, fits)}), or use a backend with more memory`
  );
}

/** True for the errors a backend throws when it runs out of memory. */
export function isOutOfMemory(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /out of memory|memory access out of bounds|Array buffer allocation failed|Invalid typed array length|Cannot allocate/i.test(
    msg,
  );
}
