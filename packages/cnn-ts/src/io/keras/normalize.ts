/**
 * TF.js model.json files converted from Keras 3 (tensorflowjs_converter on a
 * Keras 3 model, tfjs issue #8328) into what TF.js's layers format means:
 * a Keras-2-style topology and `layer/weight` names. Files already in that
 * form pass through unchanged (the same objects).
 */
import { isKeras3Topology, normalizeTopology, weightNameFixer, type ConvertOptions } from './config.js';
import type { KerasTopology } from './types.js';

interface NamedEntry { name: string }
interface ManifestGroup<W extends NamedEntry> { paths: string[]; weights: W[] }

function fixerFor(topology: unknown): ((name: string) => string) | undefined {
  const t = topology as { model_config?: unknown } | undefined;
  const mc = (t?.model_config ?? t) as KerasTopology['model_config'] | undefined;
  return mc && typeof mc === 'object' && 'config' in mc ? weightNameFixer(mc) : undefined;
}

/**
 * A model.json's `weightsManifest` with Keras 3 converter weight names
 * (`model/layer/kernel`, `outer/inner/kernel`) as TF.js's `layer/kernel`.
 * `topology` is the model.json's `modelTopology` as written. Unchanged for a Keras 2 style topology.
 */
export function normalizeWeightsManifest<W extends NamedEntry, G extends ManifestGroup<W>>(manifest: G[], topology: unknown): G[] {
  if (!isKeras3Topology(topology)) return manifest;
  const fix = fixerFor(topology);
  if (!fix) return manifest;
  return manifest.map((g) => ({ ...g, weights: g.weights.map((w) => ({ ...w, name: fix(w.name) })) }));
}

/**
 * In-memory artifacts of a Keras-3-converted TF.js model (for example from
 * `tf.io.fromMemory` or a custom handler) with topology and weight names
 * normalized; the same object when nothing needs to change.
 */
export function normalizeArtifacts<A extends { modelTopology?: unknown; weightSpecs?: NamedEntry[] }>(artifacts: A, opts: ConvertOptions = {}): A {
  const topology = artifacts.modelTopology;
  if (topology instanceof ArrayBuffer || !isKeras3Topology(topology)) return artifacts;
  const normalized = normalizeTopology(topology, opts);
  const fix = fixerFor(normalized);
  const weightSpecs = fix && artifacts.weightSpecs ? artifacts.weightSpecs.map((w) => ({ ...w, name: fix(w.name) })) : artifacts.weightSpecs;
  return { ...artifacts, modelTopology: normalized, weightSpecs };
}
