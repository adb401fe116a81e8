/** `gim info` for the vision model: per-module (= per encoder stage) parameter counts. */
import { flagOverrides } from '../args.js';
import { loadPreset } from '../../core/config/presets.js';
import {
  DEFAULT_VISION_CONFIG,
  resolveVisionConfig,
  visionGridSize,
  visionPipeline,
  type VisionGimConfig,
} from '../../vision/config.js';
import { buildVisionModel, readVisionCheckpointConfig } from '../../vision/trainer.js';
import { parameterCount } from '../../nn/module.js';

/** Checkpoint config, then preset, then flags (as gim train --modality vision layers them). */
export function visionInfoConfig(values: Record<string, unknown>): VisionGimConfig {
  const layers: { source: string; values: unknown }[] = [];
  if (typeof values.checkpoint === 'string')
    layers.push({
      source: `checkpoint ${values.checkpoint}`,
      values: readVisionCheckpointConfig(values.checkpoint),
    });
  if (typeof values.preset === 'string') layers.push(loadPreset(values.preset));
  layers.push({ source: 'flags', values: flagOverrides(values, DEFAULT_VISION_CONFIG) });
  return resolveVisionConfig(layers);
}

/** Summary lines: the config in one line, then a table of the modules' parameter counts. */
export function visionSummary(config: VisionGimConfig): string[] {
  const { encoder, loss, data } = config;
  const model = buildVisionModel(config);
  const grid = visionGridSize(data);
  const patch = visionPipeline(data).patchSize;
  const lines = [
    `model: vision, layout ${encoder.layout}, ${encoder.block} blocks ${encoder.blocks.join('/')}, ` +
      `planes ${encoder.planes.join('/')} ×${encoder.widthMultiplier}, ${loss.objective}, ` +
      `${data.source} as a ${grid}×${grid} grid of ${patch}×${patch} patches`,
  ];
  const rows = [['module', 'contents', 'output', 'encoder params', 'head params']];
  let encTotal = 0;
  let headTotal = 0;
  let stagesBefore = 0;
  for (const [i, m] of model.modules.entries()) {
    const contents = m.stages.map((_, s) => {
      const stage = stagesBefore + s + 1;
      return stage === 1 ? 'stem+stage1' : `stage${stage}`;
    });
    stagesBefore += m.stages.length;
    const enc = m.encoderParameterCount();
    const head = parameterCount(m.head);
    encTotal += enc;
    headTotal += head;
    rows.push([
      String(i + 1),
      contents.join('+'),
      `${grid}×${grid}×${m.outChannels}`,
      enc.toLocaleString('en-US'),
      head.toLocaleString('en-US'),
    ]);
  }
  rows.push(['total', '', '', encTotal.toLocaleString('en-US'), headTotal.toLocaleString('en-US')]);
  model.dispose();
  return [...lines, ...alignTable(rows)];
}

/** Columns padded to their widest cell; the two count columns right-aligned. */
export function alignTable(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r.map((cell, c) => (c >= 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  '),
  );
}
