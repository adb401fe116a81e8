/**
 * The one place that decides whether a command works on the audio or the vision model: from the
 * `--modality` flag, the preset (its `"modality"` key or its keys), or the kind stored in a checkpoint. They must
 * agree; audio is the default.
 */
import { existsSync } from 'node:fs';
import { loadPreset, presetModality } from '../../core/config/presets.js';
import { DEFAULT_AUDIO_CONFIG } from '../../audio/config.js';
import { DEFAULT_VISION_CONFIG } from '../../vision/config.js';
import { checkpointPath, loadCheckpoint } from '../../core/checkpoint.js';
import { AUDIO_CHECKPOINT_KIND } from '../../audio/modality.js';
import { VISION_CHECKPOINT_KIND } from '../../vision/modality.js';
import { ConfigError, CheckpointError } from '../../errors.js';

export const MODALITIES = ['audio', 'vision'] as const;
export type Modality = (typeof MODALITIES)[number];

/** Checkpoint kinds written by the trainers (meta.kind). */
const CHECKPOINT_KINDS: Record<string, Modality> = {
  [AUDIO_CHECKPOINT_KIND]: 'audio',
  [VISION_CHECKPOINT_KIND]: 'vision',
};

/** The modality a preset is for: its `"modality"` key, else the one whose config keys it uses. */
export function modalityOfPreset(preset: string): Modality {
  return presetModality<Modality>(
    loadPreset(preset),
    { audio: DEFAULT_AUDIO_CONFIG, vision: DEFAULT_VISION_CONFIG },
    'audio',
  );
}

/** The modality of the model saved in `dir`; null when `dir` holds no checkpoint file. */
export function checkpointModality(dir: string): Modality | null {
  if (!existsSync(checkpointPath(dir))) return null;
  const { kind } = loadCheckpoint<{ kind?: string }>(dir).meta;
  const modality = kind === undefined ? undefined : CHECKPOINT_KINDS[kind];
  if (!modality)
    throw new CheckpointError(
      checkpointPath(dir),
      `holds a model of kind ${JSON.stringify(kind)}, expected one of ${Object.keys(CHECKPOINT_KINDS).join(', ')}`,
    );
  return modality;
}

export interface ModalitySources {
  /** The `--modality` flag. */
  readonly flag?: unknown;
  /** The `--preset` flag. */
  readonly preset?: unknown;
  /** A checkpoint directory given on the command line, and the flag that named it. */
  readonly checkpoint?: { readonly dir: unknown; readonly flag: string };
}

/** Resolve the modality from every source given; a disagreement is a ConfigError naming both. */
export function resolveModality(sources: ModalitySources): Modality {
  const found: { modality: Modality; from: string }[] = [];
  if (sources.flag !== undefined) {
    if (!(MODALITIES as readonly unknown[]).includes(sources.flag))
      throw new ConfigError('--modality', '"audio" or "vision"', sources.flag, 'command line');
    found.push({ modality: sources.flag as Modality, from: `--modality ${sources.flag}` });
  }
  if (typeof sources.preset === 'string')
    found.push({
      modality: modalityOfPreset(sources.preset),
      from: `--preset ${sources.preset}`,
    });
  const dir = sources.checkpoint?.dir;
  if (typeof dir === 'string') {
    const modality = checkpointModality(dir);
    if (modality) found.push({ modality, from: `${sources.checkpoint!.flag} ${dir}` });
  }
  const first = found[0];
  if (!first) return 'audio';
  const clash = found.find((f) => f.modality !== first.modality);
  if (clash)
    throw new ConfigError(
      clash.from.split(' ')[0]!,
      `${first.modality === 'audio' ? 'an' : 'a'} ${first.modality} ${clash.from.startsWith('--preset') ? 'preset' : 'model'} (as ${first.from} says)`,
      `${clash.from} (${clash.modality})`,
      'command line',
    );
  return first.modality;
}
