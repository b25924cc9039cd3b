/**
 * The predict path's graph rewrite: a convolution (Conv2D or
 * DepthwiseConv2D) followed by a BatchNormalization runs as one
 * convolution with the batch norm folded into its filter and bias,
 * `w' = w * s`, `b' = (b - mean) * s + beta` with `s = gamma /
 * sqrt(variance + epsilon)` per output channel, and a ReLU / ReLU6 right
 * after (an `Activation('relu')` or `ReLU` layer, or the convolution's own
 * activation when there is no batch norm) is fused into the convolution's
 * store. So is a residual block's end: the convolution (+ batch norm) feeding
 * an `Add` of two same-shaped tensors, the other one the shortcut, and the
 * ReLU after it, all run as one convolution that adds the shortcut in its
 * store (`conv2dResidual`), at the `Add`'s place in the graph (the shortcut
 * is computed by then). The folded weights are computed once per weights version: every
 * write to a variable (an optimizer step, a batch norm's moving statistics
 * in training, `assign`, `setWeights`, loading) bumps its `version`, and a
 * plan whose weights moved is rebuilt at the next predict. Training never
 * takes this path (it runs the layers), nor does a predict under a
 * recording gradient tape.
 *
 * A 3x3 stride-1 convolution that runs by Winograd also gets its filter
 * transformed once per weights version (`conv2dPrepareFilter`, kept with
 * the plan: 16/9 or 36/9 of the filter's size), so predict does not
 * transform it on every call (`conv2dPrepared`): for VGG16's 512-channel
 * layers that transform took as long as their products. The tiling is
 * chosen from the layer's static spatial size (`preparedVariant`).
 */
import { ENGINE } from '../engine.js';
import { keep, tidy } from '../globals.js';
import type { Tensor, Variable } from '../tensor.js';
import { add, mul, sub } from '../ops/binary.js';
import { rsqrt } from '../ops/unary.js';
import { reshape } from '../ops/transform.js';
import { conv2dInference, conv2dPrepareFilter, preparedVariant, type StoreActivation } from '../ops/conv.js';
import { depthwiseGeometry, depthwiseInference } from '../ops/depthwise.js';
import type { SymbolicNode, SymbolicTensor } from '../layers/layer.js';
import { Conv2D } from '../layers/conv.js';
import { DepthwiseConv2D } from '../layers/conv_depthwise.js';
import { BatchNormalization } from '../layers/normalization.js';
import { Activation } from '../layers/core.js';
import { ReLU } from '../layers/relu.js';
import { Add } from '../layers/merge.js';

/** One fused group: the convolution node, the nodes it replaces, and how it runs. */
export interface FusedGroup {
  /** Nodes of the group other than the one it runs at (they are skipped). */
  skipped: SymbolicNode[];
  /** The symbolic outputs the group's result stands for (the last node's). */
  outputs: SymbolicTensor[];
  /** What `run` takes: the convolution's input, then the shortcut of a residual group. */
  inputs: SymbolicTensor[];
  run(x: Tensor, residual?: Tensor): Tensor;
}

/** The rewrite of one model's graph for one weights version. */
export interface InferencePlan {
  /** Keyed by the node the group runs at: the convolution, or a residual group's `Add`. */
  groups: Map<SymbolicNode, FusedGroup>;
  skipped: Set<SymbolicNode>;
}

type Group = ReturnType<typeof findGroups>[number];

interface CachedPlan {
  plan: InferencePlan;
  key: string;
  owned: Tensor[];
  /** The graph the groups were found in (a Sequential's may change). */
  nodes: readonly SymbolicNode[];
  length: number;
  found: Group[];
  /** `fusion.residual` and `fusion.prepared` when the groups were found. */
  residual: boolean;
  prepared: boolean;
}

const cache = new WeakMap<object, CachedPlan>();

/**
 * Which rewrites are on. Internal, for A/B benchmarks in one process
 * (`benches/tuning.mjs --op predict --fusion residual`); a change takes
 * effect at the next predict (the plans are rebuilt).
 */
export const fusion = { residual: true, prepared: true };

/** The store activation a layer applies, or null if it is not one the kernels fuse. */
function storeActivation(node: SymbolicNode): StoreActivation | null {
  const l = node.layer;
  if (l instanceof Activation) return l.activation === 'relu' ? 'relu' : l.activation === 'linear' ? 'linear' : null;
  if (l instanceof ReLU) return l.maxValue === undefined ? 'relu' : l.maxValue === 6 ? 'relu6' : null;
  return null;
}

/** Nodes that read each symbolic tensor, and the model's outputs. */
function consumers(nodes: readonly SymbolicNode[]): Map<SymbolicTensor, SymbolicNode[]> {
  const m = new Map<SymbolicTensor, SymbolicNode[]>();
  for (const n of nodes) {
    for (const s of n.inputs) {
      const l = m.get(s);
      if (l) l.push(n);
      else m.set(s, [n]);
    }
  }
  return m;
}

/** The single node reading `node`'s single output, if the output is nothing else (not a model output). */
function soleNext(node: SymbolicNode, readers: Map<SymbolicTensor, SymbolicNode[]>, outputs: Set<SymbolicTensor>): SymbolicNode | null {
  if (node.outputs.length !== 1 || outputs.has(node.outputs[0])) return null;
  const r = readers.get(node.outputs[0]) ?? [];
  return r.length === 1 && r[0].inputs.length === 1 ? r[0] : null;
}

type ConvLayer = Conv2D | DepthwiseConv2D;

function weightsOf(conv: ConvLayer, bn: BatchNormalization | null): Variable[] {
  const ws: (Variable | undefined)[] = [conv instanceof Conv2D ? conv.kernel : conv.depthwiseKernel, conv.bias];
  if (bn) ws.push(bn.gamma, bn.beta, bn.movingMean, bn.movingVariance);
  return ws.filter((w): w is Variable => w !== undefined);
}

/**
 * The `Add` of a residual block that `node`'s output feeds, and the
 * shortcut it adds: an `Add` of exactly two distinct tensors of the same
 * static shape, reading `node`'s output and nothing else of it.
 */
function residualAdd(node: SymbolicNode, readers: Map<SymbolicTensor, SymbolicNode[]>, outputs: Set<SymbolicTensor>): { add: SymbolicNode; shortcut: SymbolicTensor } | null {
  if (node.outputs.length !== 1 || outputs.has(node.outputs[0])) return null;
  const y = node.outputs[0];
  const r = readers.get(y) ?? [];
  if (r.length !== 1 || !(r[0].layer instanceof Add) || r[0].inputs.length !== 2 || r[0].outputs.length !== 1) return null;
  const [a, b] = r[0].inputs;
  if (a === b) return null;
  const shortcut = a === y ? b : a;
  // Known, equal shapes (past the batch axis): no broadcasting to fuse.
  const same = shortcut.shape.length === y.shape.length && shortcut.shape.every((d, i) => d === y.shape[i] && (i === 0 || d !== null));
  return same ? { add: r[0], shortcut } : null;
}

/** The graph's fusable groups (structure only; weights are read later). */
function findGroups(
  nodes: readonly SymbolicNode[],
  modelOutputs: SymbolicTensor[],
): { head: SymbolicNode; conv: ConvLayer; bn: BatchNormalization | null; act: StoreActivation; nodes: SymbolicNode[]; shortcut: SymbolicTensor | null; variant: 2 | 4 | null }[] {
  const readers = consumers(nodes);
  const outs = new Set(modelOutputs);
  const found = [];
  const claimed = new Set<SymbolicNode>();
  for (const head of nodes) {
    const conv = head.layer;
    if (!(conv instanceof Conv2D || conv instanceof DepthwiseConv2D)) continue;
    // Exactly these classes (Conv2DTranspose extends Conv2D), channels last.
    const exact = (conv.constructor as unknown) === Conv2D || (conv.constructor as unknown) === DepthwiseConv2D;
    if (!exact || head.inputs.length !== 1 || !conv.built || conv.getConfig().dataFormat === 'channelsFirst') continue;
    const own: StoreActivation | null = conv.activation === 'linear' ? 'linear' : conv.activation === 'relu' ? 'relu' : null;
    if (own === null) continue;
    const group = [head];
    let bn: BatchNormalization | null = null;
    let act: StoreActivation = own;
    let next = soleNext(head, readers, outs);
    if (own === 'linear' && next && next.layer instanceof BatchNormalization && next.layer.getConfig().axis !== 1) {
      bn = next.layer;
      group.push(next);
      next = soleNext(next, readers, outs);
    }
    let shortcut: SymbolicTensor | null = null;
    const res = fusion.residual && act === 'linear' && conv instanceof Conv2D ? residualAdd(group[group.length - 1], readers, outs) : null;
    // Both branches of a projection block feed the same Add: the first claims it.
    if (res && !claimed.has(res.add)) {
      claimed.add(res.add);
      // The block's end: conv (+ bn) + shortcut, then maybe its ReLU.
      shortcut = res.shortcut;
      group.push(res.add);
      next = soleNext(res.add, readers, outs);
    }
    const a = act === 'linear' && next ? storeActivation(next) : null;
    if (a !== null && next) {
      act = a;
      group.push(next);
    }
    const variant = fusion.prepared && conv instanceof Conv2D ? winogradVariant(head, conv) : null;
    if (group.length > 1 || variant !== null) found.push({ head, conv, bn, act, nodes: group, shortcut, variant });
  }
  return found;
}

/** The Winograd tiling to prepare `conv`'s filter for (a 3x3 stride-1 undilated convolution of known spatial size), or null. */
function winogradVariant(head: SymbolicNode, conv: Conv2D): 2 | 4 | null {
  const [kh, kw] = conv.kernelSize;
  const [sh, sw] = conv.strides;
  const [dh, dw] = conv.dilationRate;
  if (kh !== 3 || kw !== 3 || sh !== 1 || sw !== 1 || dh !== 1 || dw !== 1) return null;
  const [, h, w] = head.outputs[0].shape;
  const cin = head.inputs[0].shape[3];
  if (typeof h !== 'number' || typeof w !== 'number' || typeof cin !== 'number') return null;
  return preparedVariant(h, w, cin, conv.filters);
}

/** Folded filter and bias of a convolution followed by `bn` (kept tensors the caller owns). */
function fold(conv: ConvLayer, bn: BatchNormalization | null): { w: Tensor; b: Tensor | null } {
  const w = conv instanceof Conv2D ? conv.kernel! : conv.depthwiseKernel!;
  if (!bn) return { w, b: conv.bias ?? null };
  return tidy(() => {
    const s = mul(bn.gamma!, rsqrt(add(bn.movingVariance!, bn.epsilon)));
    // Output channel co of a depthwise filter [kh, kw, cin, m] is cin * m + q.
    const sw = conv instanceof Conv2D ? reshape(s, [1, 1, 1, -1]) : reshape(s, [1, 1, w.shape[2], w.shape[3]]);
    const wf = keep(mul(w, sw));
    const shift = conv.bias ? sub(conv.bias, bn.movingMean!) : mul(bn.movingMean!, -1);
    const bf = keep(add(mul(shift, s), bn.beta!));
    return { w: wf, b: bf };
  });
}

function build(nodes: readonly SymbolicNode[], found: Group[], key: string): CachedPlan {
  const groups = new Map<SymbolicNode, FusedGroup>();
  const skipped = new Set<SymbolicNode>();
  const owned: Tensor[] = [];
  for (const g of found) {
    const { w, b } = fold(g.conv, g.bn);
    if (g.bn) owned.push(w, ...(b ? [b] : []));
    const conv = g.conv;
    const act = g.act;
    const u = g.variant !== null && conv instanceof Conv2D ? keep(conv2dPrepareFilter(w, g.variant, conv.strides, conv.padding, conv.dilationRate)) : null;
    if (u) owned.push(u);
    const run =
      conv instanceof Conv2D
        ? (x: Tensor, residual?: Tensor) => conv2dInference(x, w, b, act, conv.strides, conv.padding, conv.dilationRate, residual ?? null, u)
        : (x: Tensor) => depthwiseInference(x, w, b, act, depthwiseGeometry(conv.name, x.shape, w.shape, conv.strides, conv.padding, conv.dilationRate));
    // A residual group runs at its Add, where the shortcut exists; the others at the convolution.
    const at = g.shortcut ? g.nodes.find((n) => n.layer instanceof Add)! : g.head;
    const rest = g.nodes.filter((n) => n !== at);
    rest.forEach((n) => skipped.add(n));
    const inputs = g.shortcut ? [g.head.inputs[0], g.shortcut] : [g.head.inputs[0]];
    groups.set(at, { skipped: rest, outputs: g.nodes[g.nodes.length - 1].outputs, inputs, run });
  }
  return { plan: { groups, skipped }, key, owned, nodes, length: nodes.length, found, residual: fusion.residual, prepared: fusion.prepared };
}

/** Ids and versions of every weight the groups fold, and the core's epoch. */
function planKey(found: Group[]): string {
  const parts: number[] = [ENGINE.epoch];
  for (const g of found) for (const w of weightsOf(g.conv, g.bn)) parts.push(w.id, w.version);
  return parts.join(',');
}

/**
 * The plan for `model`'s graph at its current weights, or null when
 * nothing may be fused (a gradient tape is recording, or no group).
 */
export function inferencePlan(model: object, nodes: readonly SymbolicNode[], modelOutputs: SymbolicTensor[]): InferencePlan | null {
  if (ENGINE.tape) return null;
  const old = cache.get(model);
  const sameGraph = old !== undefined && old.nodes === nodes && old.length === nodes.length && old.residual === fusion.residual && old.prepared === fusion.prepared;
  const found = sameGraph ? old.found : findGroups(nodes, modelOutputs);
  const key = planKey(found);
  if (old && sameGraph && old.key === key) return old.plan.groups.size ? old.plan : null;
  if (old) releasePlan(model);
  const fresh = build(nodes, found, key);
  cache.set(model, fresh);
  return fresh.plan.groups.size ? fresh.plan : null;
}

/** Frees a model's folded weights (on dispose, or before a rebuild). */
export function releasePlan(model: object): void {
  const old = cache.get(model);
  if (!old) return;
  for (const t of old.owned) if (!t.isDisposed) t.dispose();
  cache.delete(model);
}
