// One path from the ops to the core: only ops/kernel.ts builds commands
// (calls, uploads, aliases, assignments, the serial switch); the engine itself queues only
// frees and reads. Every kernel, matMul included, is a `call` command.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsFiles } from './support/files.js';

const SRC = path.resolve(__dirname, '../packages/cnn-ts/src');
const WORKER = path.resolve(__dirname, '../packages/cnn-worker/src');

/** Files (relative to `root`) that queue a command, and the kinds they queue. */
function enqueuers(files: Map<string, string>): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [f, text] of files) {
    const kinds = [...text.matchAll(/\.enqueue\(\s*\{\s*kind:\s*'(\w+)'/g)].map((m) => m[1]);
    if (/\.enqueue\(/.test(text)) found.set(f, kinds);
  }
  return found;
}

describe('command path', () => {
  const files = new Map(tsFiles(SRC).map((f) => [path.relative(SRC, f), fs.readFileSync(f, 'utf8')]));

  it('the scanner finds a command built outside ops/kernel.ts (planted)', () => {
    const planted = new Map(files);
    planted.set('ops/planted.ts', "ENGINE.enqueue({ kind: 'alias', src: 1, id: 2 });");
    expect(enqueuers(planted).get('ops/planted.ts')).toEqual(['alias']);
  });

  it('only ops/kernel.ts and the engine queue commands', () => {
    const found = enqueuers(files);
    expect([...found.keys()].sort()).toEqual(['engine.ts', 'ops/kernel.ts']);
    expect(found.get('ops/kernel.ts')!.sort()).toEqual(['alias', 'assign', 'call', 'serial', 'upload']);
    expect(found.get('engine.ts')!.sort()).toEqual(['free']);
  });

  it('matMul is an ordinary call: no command kind of its own in the protocol or the executor', () => {
    for (const f of ['protocol.ts', 'executor.ts']) expect(fs.readFileSync(path.join(WORKER, f), 'utf8')).not.toMatch(/'matMul'/);
    expect(files.get('ops/matmul.ts')).toMatch(/call\('matMul'/);
  });

  it('biasAdd is an op (ops/nn.ts), not layer code', () => {
    expect(files.get('ops/nn.ts')).toMatch(/export function biasAdd\(/);
    const layerCalls = [...files].filter(([f, t]) => f.startsWith('layers/') && /call\('biasAdd'|function biasAdd\(/.test(t)).map(([f]) => f);
    expect(layerCalls).toEqual([]);
  });
});
