/**
 * Automatic differentiation (TF.js's `grad`, `grads`, `valueAndGrad(s)`,
 * `variableGrads`): run `f` while recording a tape, then walk it backwards.
 * Intermediate tensors are freed once the gradients exist.
 */
import { ENGINE, type TapeNode } from './engine.js';
import { Tensor, Variable } from './tensor.js';
import { add } from './ops/binary.js';
import { onesLike } from './ops/creation.js';
import { fmtShape } from './util.js';
import { getGradient, getGradientFusion, type GradContext } from './grads/registry.js';
import './grads/index.js';

/** Nodes on a path from one of `xs` to `y` (reversed), and the ids that depend on an x. */
function relevant(tape: TapeNode[], xs: Tensor[], y: Tensor): { nodes: TapeNode[]; fromX: Set<number> } {
  const fromX = new Set(xs.map((t) => t.id));
  const forward: TapeNode[] = [];
  for (const n of tape) {
    if (n.inputs.some((t) => fromX.has(t.id))) {
      forward.push(n);
      for (const o of n.outputs) fromX.add(o.id);
    }
  }
  const toY = new Set([y.id]);
  const out: TapeNode[] = [];
  for (let i = forward.length - 1; i >= 0; i--) {
    const n = forward[i];
    if (n.outputs.some((t) => toY.has(t.id))) {
      out.push(n);
      for (const t of n.inputs) toY.add(t.id);
    }
  }
  return { nodes: out, fromX };
}

/**
 * Backpropagates `dy` from `y` through the relevant nodes; returns grads by id. `targets`:
 * the ids whose gradients are asked for (never fused away, see {@link fusedReplay}).
 */
function backprop({ nodes, fromX }: { nodes: TapeNode[]; fromX: Set<number> }, y: Tensor, dy: Tensor, targets: Set<number>): Map<number, Tensor> {
  const grads = new Map<number, Tensor>([[y.id, dy]]);
  // Who produced each tensor and how many relevant nodes read it, for the fused gradients.
  const producers = new Map<number, TapeNode>();
  const uses = new Map<number, number>();
  for (const n of nodes) {
    for (const o of n.outputs) producers.set(o.id, n);
    for (const t of n.inputs) uses.set(t.id, (uses.get(t.id) ?? 0) + 1);
  }
  const handed = new Map<TapeNode, Tensor>();
  for (const n of nodes) {
    const dys = n.outputs.map((o) => grads.get(o.id));
    if (dys.every((d) => d === undefined)) continue;
    const filled = dys.map((d, i) => d ?? onesLikeZero(n.outputs[i]));
    const needed = n.inputs.map((t) => fromX.has(t.id));
    const dxs =
      fusedReplay(n, filled, needed, producers, uses, targets, handed) ?? replay(n, filled, needed, handed.get(n));
    n.inputs.forEach((x, i) => {
      const g = dxs[i];
      if (!g) return;
      if (g.shape.length !== x.shape.length || g.shape.some((d, j) => d !== x.shape[j])) {
        throw new Error(`Error in gradient of ${n.name}: gradient shape ${fmtShape(g.shape)} does not match input shape ${fmtShape(x.shape)}`);
      }
      const prev = grads.get(x.id);
      grads.set(x.id, prev ? add(prev, g) : g);
    });
  }
  return grads;
}

/**
 * Input gradients of a tape node from its outputs' gradients, by its
 * registered backward function; an op without one throws, naming it.
 * Saved tensors get no gradient.
 */
function replay(n: TapeNode, dys: Tensor[], needed: boolean[], fused?: Tensor): (Tensor | null)[] {
  const f = getGradient(n.op);
  if (!f) throw new Error(`Cannot compute gradient: no gradient is registered for ${n.name}${n.name === n.op ? '' : ` (op ${n.op})`}; the result depends on the variables through it`);
  const dxs = f(dys, { ...context(n, needed), fused });
  return [...dxs, ...new Array<null>(n.saved).fill(null)];
}

/** What a backward function sees of node `n`. */
function context(n: TapeNode, needed: boolean[]): GradContext {
  const k = n.inputs.length - n.saved;
  return { inputs: n.inputs.slice(0, k), outputs: n.outputs, saved: n.inputs.slice(k), attrs: n.attrs, needed: needed.slice(0, k) };
}

/**
 * Node `n`'s input gradients by its op's fused gradient (grads/registry.ts `GradFusion`), or
 * undefined where none applies: the first input must come from the fusion's producer op, be
 * read by `n` alone and be no requested gradient (the fusion may return what only the producer
 * needs, e.g. a gradient already masked by the producer's ReLU). What it hands over goes into
 * `handed`, for the producer's replay.
 */
function fusedReplay(
  n: TapeNode,
  dys: Tensor[],
  needed: boolean[],
  producers: Map<number, TapeNode>,
  uses: Map<number, number>,
  targets: Set<number>,
  handed: Map<TapeNode, Tensor>,
): (Tensor | null)[] | undefined {
  const fusion = getGradientFusion(n.op);
  const x = n.inputs[0];
  if (!fusion || !x || !needed[0] || n.inputs.length - n.saved !== 1 || uses.get(x.id) !== 1 || targets.has(x.id)) return undefined;
  const p = producers.get(x.id);
  if (!p || p.op !== fusion.producer || p.outputs.length !== 1 || p.outputs[0] !== x) return undefined;
  const ctx = context(n, needed);
  if (!fusion.applies({ op: p.op, inputs: p.inputs.slice(0, p.inputs.length - p.saved), attrs: p.attrs }, ctx)) return undefined;
  const { dx, fused } = fusion.run(dys, ctx);
  handed.set(p, fused);
  return [dx, ...new Array<null>(n.saved).fill(null)];
}

function onesLikeZero(t: Tensor): Tensor {
  // An output nobody used gets a zero gradient.
  return add(onesLike(t), -1);
}

/**
 * Gradients of `y` with respect to `xs` from a recorded tape (null where
 * `y` does not depend on an x). For training loops that record themselves.
 */
export function gradientsFromTape(tape: TapeNode[], xs: Tensor[], y: Tensor, dy?: Tensor): (Tensor | null)[] {
  const g = backprop(relevant(tape, xs, y), y, dy ?? onesLike(y), new Set(xs.map((x) => x.id)));
  return xs.map((x) => g.get(x.id) ?? null);
}

/** Runs `f` under a recording tape in a scope; returns its value and the tape. */
function record<T extends Tensor>(f: () => T): { y: T; tape: TapeNode[] } {
  const prev = ENGINE.startTape();
  let y: T;
  let tape: TapeNode[];
  try {
    y = f();
  } finally {
    tape = ENGINE.endTape(prev);
  }
  if (!(y instanceof Tensor)) throw new Error('Error in gradient: the function must return a Tensor');
  return { y, tape };
}

/** `f(...xs)`'s value and its gradients with respect to each of `xs`. */
export function valueAndGrads<T extends Tensor>(f: (...xs: Tensor[]) => T): (xs: Tensor[], dy?: Tensor) => { value: T; grads: Tensor[] } {
  return (xs, dy) => {
    ENGINE.startScope();
    let value: T | undefined;
    let grads: Tensor[] = [];
    try {
      const r = record(() => f(...xs));
      value = r.y;
      const seed = dy ?? onesLike(value);
      if (dy && (dy.shape.length !== value.shape.length || dy.shape.some((d, i) => d !== value!.shape[i]))) {
        throw new Error(`Error in gradient: dy shape ${fmtShape(dy.shape)} must match the result's shape ${fmtShape(value.shape)}`);
      }
      const g = backprop(relevant(r.tape, xs, value), value, seed, new Set(xs.map((x) => x.id)));
      grads = xs.map((x, i) => {
        const gi = g.get(x.id);
        if (!gi) throw new Error(`Cannot compute gradient: y is not a function of x[${i}] (shape ${fmtShape(x.shape)})`);
        return gi;
      });
    } finally {
      ENGINE.endScope(value ? [value, ...grads] : []);
    }
    return { value, grads };
  };
}

/** Gradients of `f(...xs)` with respect to each of `xs`. */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => Tensor[] {
  const vg = valueAndGrads(f);
  return (xs, dy) => {
    const { value, grads: g } = vg(xs, dy);
    value.dispose();
    return g;
  };
}

/** Gradient of `f(x)` with respect to `x`. */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  const g = grads((x) => f(x));
  return (x, dy) => g([x], dy)[0];
}

/** Value and gradient of `f(x)`. */
export function valueAndGrad<T extends Tensor>(f: (x: Tensor) => T): (x: Tensor, dy?: Tensor) => { value: T; grad: Tensor } {
  const vg = valueAndGrads((x) => f(x));
  return (x, dy) => {
    const { value, grads: g } = vg([x], dy);
    return { value, grad: g[0] };
  };
}

/**
 * The scalar `f()` and its gradients with respect to the trainable
 * variables it uses (or `varList`), keyed by variable name.
 */
export function variableGrads(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: Record<string, Tensor> } {
  ENGINE.startScope();
  let value: Tensor | undefined;
  const out: Record<string, Tensor> = {};
  try {
    const r = record(f);
    value = r.y;
    if (value.rank !== 0) throw new Error(`Error in variableGrads: f() must return a scalar, got shape ${fmtShape(value.shape)}`);
    const used = new Map<number, Variable>();
    for (const n of r.tape) for (const t of n.inputs) if (t instanceof Variable && t.trainable) used.set(t.id, t);
    const vars = varList ?? [...used.values()];
    const live = vars.filter((v) => used.has(v.id));
    if (live.length === 0) throw new Error('Error in variableGrads: f() does not depend on any of the (trainable) variables');
    const g = backprop(relevant(r.tape, live, value), value, onesLike(value), new Set(live.map((x) => x.id)));
    for (const v of live) {
      const gv = g.get(v.id);
      if (gv) out[v.name] = gv;
    }
  } finally {
    ENGINE.endScope(value ? [value, ...Object.values(out)] : []);
  }
  return { value, grads: out };
}
