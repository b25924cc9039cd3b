/** `model.summary()` in Keras 2's layout. */
import type { Layer, Shape } from '../layers/layer.js';
import { InputLayer } from '../layers/layer.js';
import type { LayersModel } from './model.js';

function fmtOutShape(s: Shape | Shape[]): string {
  const one = (x: Shape) => `(${x.map((d) => (d === null ? 'None' : String(d))).join(', ')}${x.length === 1 ? ',' : ''})`;
  return Array.isArray(s[0]) ? `[${(s as Shape[]).map(one).join(', ')}]` : one(s as Shape);
}

/** Keras' thousands separators: 138,357,544. */
export function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

function row(fields: string[], positions: number[]): string {
  let line = '';
  fields.forEach((f, i) => {
    line += f;
    line = line.slice(0, positions[i]);
    line += ' '.repeat(Math.max(0, positions[i] - line.length));
  });
  return line;
}

function outputShapeOf(model: LayersModel, l: Layer): Shape | Shape[] {
  if (l instanceof InputLayer) return l.output.shape;
  // The shape of the layer's (first) application inside this model.
  const n = model.graph.find((x) => x.layer === l);
  if (!n) return [];
  return n.outputs.length === 1 ? n.outputs[0].shape : n.outputs.map((o) => o.shape);
}

/** The summary's lines. Sequential models: 3 columns; functional: adds "Connected to". */
export function summaryLines(model: LayersModel, lineLength?: number, positions?: number[]): string[] {
  const sequential = model.className === 'Sequential';
  const width = lineLength ?? (sequential ? 65 : 98);
  const rel = positions ?? (sequential ? [0.45, 0.85, 1] : [0.33, 0.55, 0.67, 1]);
  const pos = rel.map((p) => (p <= 1 ? Math.floor(width * p) : p));
  const header = sequential ? ['Layer (type)', 'Output Shape', 'Param #'] : ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'];
  const lines = [`Model: "${model.name}"`, '_'.repeat(width), row(header, pos), '='.repeat(width)];
  const layers = model.layers;
  layers.forEach((l, i) => {
    const fields = [`${l.name} (${l.className})`, fmtOutShape(outputShapeOf(model, l)), String(l.countParams())];
    if (!sequential) {
      const n = model.graph.find((x) => x.layer === l);
      fields.push(n ? n.inputs.map((s) => `${s.sourceLayer.name}[0][0]`).join(', ') : '');
    }
    lines.push(row(fields, pos).trimEnd());
    lines.push(i === layers.length - 1 ? '='.repeat(width) : '_'.repeat(width));
  });
  if (layers.length === 0) lines.push('='.repeat(width));
  const total = model.countParams();
  const trainable = model.trainableWeights.reduce((s, w) => s + w.size, 0);
  lines.push(`Total params: ${fmtCount(total)}`);
  lines.push(`Trainable params: ${fmtCount(trainable)}`);
  lines.push(`Non-trainable params: ${fmtCount(total - trainable)}`);
  lines.push('_'.repeat(width));
  return lines;
}
