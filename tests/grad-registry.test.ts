// The gradient registry (packages/cnn-ts/src/grads): every recorded op is
// replayed through its registered backward function, an op without one
// throws naming it, and forward op modules never import gradient code, so
// the ops import graph has no cycle.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';
import { recordOp } from '../packages/cnn-ts/dist/ops/kernel.js';
import { registeredGradients } from '../packages/cnn-ts/dist/grads/registry.js';
import { tsFiles } from './support/files.js';

const SRC = path.resolve(__dirname, '../packages/cnn-ts/src');

/** Relative value imports of every .ts file under `root` (type-only imports do not load modules). */
function importGraph(root: string): Map<string, string[]> {
  const files = tsFiles(root);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'|^import\s+'(\.[^']+)'/gm)) {
      if (m[1]) continue;
      const spec = (m[2] ?? m[3]).replace(/\.js$/, '.ts');
      const target = path.resolve(path.dirname(f), spec);
      if (fs.existsSync(target)) deps.push(path.relative(root, target));
      else if (fs.existsSync(path.join(target.replace(/\.ts$/, ''), 'index.ts'))) deps.push(path.relative(root, path.join(target.replace(/\.ts$/, ''), 'index.ts')));
    }
    graph.set(path.relative(root, f), deps);
  }
  return graph;
}

/** Strongly connected components of more than one module (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('import graph', () => {
  const graph = importGraph(SRC);

  it('the walker sees the imports (a cycle made on purpose is found)', () => {
    const g = new Map(graph);
    g.set('ops/binary.ts', [...(g.get('ops/binary.ts') ?? []), 'ops/unary.ts']);
    g.set('ops/unary.ts', [...(g.get('ops/unary.ts') ?? []), 'ops/binary.ts']);
    expect(cycles(g).some((c) => c.includes('ops/binary.ts') && c.includes('ops/unary.ts'))).toBe(true);
    expect(graph.get('grads/unary.ts')).toContain('ops/binary.ts');
  });

  it('no cycle goes through ops/ or grads/', () => {
    const bad = cycles(graph).filter((c) => c.some((f) => f.startsWith('ops/') || f.startsWith('grads/')));
    expect(bad).toEqual([]);
  });

  it('forward op modules do not import gradient code', () => {
    const offenders = [...graph].filter(([f, deps]) => f.startsWith('ops/') && deps.some((d) => d.startsWith('grads/')));
    expect(offenders).toEqual([]);
  });

  it('no new import cycle anywhere in cnn-ts/src (the known one is listed)', () => {
    const known = ['data/datasets_node.ts data/node.ts'];
    const found = cycles(graph).map((c) => c.join(' '));
    expect(found.filter((c) => !known.includes(c))).toEqual([]);
  });
});

describe('gradient registry', () => {
  beforeAll(async () => {
    await tf.ready({ threads: 1 });
  });

  it('the ops register their gradients', () => {
    const names = registeredGradients();
    for (const op of ['add', 'mul', 'sum', 'conv2d', 'matMul', 'relu', 'batchNormTrain', 'biasAdd', 'sparseSoftmaxCrossEntropy', 'equal', 'floor']) expect(names).toContain(op);
  });

  it('replaying an op with no registered gradient throws, naming it', () => {
    const x = tf.tensor([1, 2, 3]);
    const f = (v: tf.Tensor) => {
      const y = tf.mul(v, 2);
      // An op recorded under a name nobody registered a gradient for.
      recordOp('madeUpOp', [v], [y]);
      return tf.sum(y);
    };
    expect(() => tf.grad(f)(x)).toThrow(/Cannot compute gradient: no gradient is registered for madeUpOp/);
    x.dispose();
  });

  it('the fused conv2d replays conv2d\'s gradient under its own name', async () => {
    const x = tf.ones([1, 3, 3, 1]);
    const w = tf.ones([2, 2, 1, 1]);
    const b = tf.tensor([0.5]);
    const [gx, gw, gb] = tf.grads((xx, ww, bb) => tf.sum(tf.fused.conv2d({ x: xx, filter: ww, strides: 1, pad: 'valid', bias: bb, activation: 'relu' })))([x, w, b]);
    expect(Array.from(await gx.data())).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
    expect(Array.from(await gw.data())).toEqual([4, 4, 4, 4]);
    expect(Array.from(await gb.data())).toEqual([4]);
  });
});
