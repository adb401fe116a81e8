import type { CommandModule } from '../main.js';
import { CONFIG_FLAGS, flagOverrides, parseFlags } from '../args.js';
import { initBackend, BACKEND_NAMES, type BackendName } from '../../backend/select.js';
import { loadNativeBackend } from '../../backend/native/index.js';
import { loadPreset } from '../../core/config/presets.js';
import { DEFAULT_AUDIO_CONFIG, encoderLengths, resolveAudioConfig } from '../../audio/config.js';
import { readCheckpointConfig } from '../../audio/trainer.js';
import { AudioGimModel } from '../../audio/model.js';
import { parameterCount } from '../../nn/module.js';
import { Rng } from '../../backend/random.js';
import { resolveModality } from './modality.js';
import { alignTable, visionInfoConfig, visionSummary } from './info-vision.js';

const HELP = `usage: gim info [--backend NAME] [--modality audio|vision] [--preset NAME|FILE] [--checkpoint DIR]
                [config flags as for gim train]

Prints the active backend (and why), its thread count, and the model summary with parameter
counts per module (default: the paper's audio model; --modality vision or a vision preset or
checkpoint: the vision model, by default the paper's ResNet-50 stages).`;

export const command: CommandModule = {
  summary: 'backend, threads and model summary with parameter counts per module',
  async run(argv) {
    const { values } = parseFlags('info', argv, {
      ...CONFIG_FLAGS,
      backend: { type: 'string' },
      checkpoint: { type: 'string' },
      modality: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    const requested = ((values.backend as string | undefined) ?? 'auto') as BackendName;
    const backend = await initBackend(requested);
    const native = loadNativeBackend();
    const out: string[] = [];
    out.push(
      `backend: ${backend.name} (requested ${requested}; choices ${BACKEND_NAMES.join(', ')})`,
    );
    out.push(`threads: ${backend.threads}`);
    out.push(`note:    ${backend.note}`);
    out.push(
      `native:  ${native.ok ? `available — ${native.description}` : `unavailable — ${native.reason}`}`,
    );

    const modality = resolveModality({
      flag: values.modality,
      preset: values.preset,
      checkpoint: { dir: values.checkpoint, flag: '--checkpoint' },
    });
    if (modality === 'vision') {
      out.push('', ...visionSummary(visionInfoConfig(values)));
      process.stdout.write(`${out.join('\n')}\n`);
      return 0;
    }
    out.push('', ...audioSummary(values));
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  },
};

/** The audio model of the checkpoint, preset and flags: one table row per module. */
function audioSummary(values: Record<string, unknown>): string[] {
  const out: string[] = [];
  const layers: { source: string; values: unknown }[] = [];
  if (typeof values.checkpoint === 'string')
    layers.push({
      source: `checkpoint ${values.checkpoint}`,
      values: readCheckpointConfig(values.checkpoint),
    });
  if (typeof values.preset === 'string') layers.push(loadPreset(values.preset));
  layers.push({ source: 'flags', values: flagOverrides(values, DEFAULT_AUDIO_CONFIG) });
  const config = resolveAudioConfig(layers);
  const model = new AudioGimModel(config.encoder, config.loss, new Rng(0));
  const lengths = encoderLengths(config.encoder, config.data.windowSamples);
  out.push(
    `model: audio, layout ${config.encoder.layout}, ${config.encoder.channels} channels, GRU ${config.encoder.gruHidden}, ` +
      `window ${config.data.windowSamples} samples, K=${config.loss.predictionSteps}, N=${config.loss.negativeSamples}`,
  );
  const rows = [['module', 'contents', 'output', 'encoder params', 'predictor params']];
  let encTotal = 0;
  let predTotal = 0;
  model.modules.forEach((m, i) => {
    const parts = [
      ...m.spec.convLayers.map((l) => `conv${l + 1}`),
      ...(m.spec.hasGru ? ['gru'] : []),
    ];
    const lastConv = m.spec.convLayers[m.spec.convLayers.length - 1];
    const steps = lastConv === undefined ? lengths[lengths.length - 1]! : lengths[lastConv]!;
    const width = m.gru ? config.encoder.gruHidden : config.encoder.channels;
    const enc = m.encoderParameterCount();
    const pred = parameterCount(m.infoNce);
    encTotal += enc;
    predTotal += pred;
    rows.push([
      String(i + 1),
      parts.join('+'),
      `${steps}×${width}`,
      enc.toLocaleString('en-US'),
      pred.toLocaleString('en-US'),
    ]);
  });
  rows.push(['total', '', '', encTotal.toLocaleString('en-US'), predTotal.toLocaleString('en-US')]);
  out.push(...alignTable(rows));
  model.dispose();
  return out;
}
