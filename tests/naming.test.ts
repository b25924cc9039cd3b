// One meaning per word: unqualified "pool" means pooling (maxPool, global
// average pooling, the pool size). The thread pool is always "thread pool"
// (or "thread-pool", "workers"); freed buffers kept for reuse are the
// "recycler". Names fixed elsewhere are listed: the wasm exports the
// loaders call, the loaders' own files (node-pool*.ts, web-pool*.ts, their
// startup code in core.ts and glue.ts, edited by the packaging work), and
// public fields (CoreInfo.poolThreads).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsFiles } from './support/files.js';

const ROOT = path.resolve(__dirname, '..');

/** Where "pool" is pooling, or qualified as the thread pool. */
const ALLOWED = [
  /(max|avg|average|global)[-_ ]?pool/i,
  /pooling/i,
  /pool[-_ ]?size/i,
  /pool2d|pool1d|pool3d|Pool2dArgs/i,
  /thread[-_ ]?pools?/i,
  /\bpool(::|\.rs|\/tests)/,
  /\bmod pool\b/,
  /pool_geometry|POOL_SPEC_WORDS|G?POOL_CHECKS|GPOOL|\bPOOL\b|poolSpec|pool_[hw]\b|pool: \[|pool\[/,
  /pool3_s2|_for_pool_|pool1_p|block\d*_pool|down\d*_pool|\$\{i \+ 1\}_pool|protected (abstract )?pool\(|this\.pool\(/,
  // Names fixed outside this rule (see the header).
  /nodePool\w*|injectPoolFault|killPoolThread|poolThreads|POOL_LOST_EXIT_CODE|PoolHealth|startNodePool|startWebPool|WebPoolInit|NodePoolWorkerData|node-pool|web-pool/,
  /"pool" (in these names|there)/i,
  // Module paths of the pooling kernels.
  /crate::pool\b|\bglobal_pool\b|crate::\{[^}]*\}/,
  // Error messages users and tests match: kept as they are (no change in behaviour).
  /a pool thread of its core died|has no Node pool/,
  /Max-pool|max pool/i,
];
/** Files the rule does not cover this session (the packaging and inference work edits them). */
const EXEMPT = [
  // The pooling kernels themselves.
  /cnn-core\/src\/(global_)?pool(\.rs$|\/)/,/cnn-worker\/src\/(node-pool|web-pool)[^/]*\.ts$/, /cnn-worker\/src\/(core|glue)\.ts$/, /cnn-core\/src\/gemm\//, /\.generated\.ts$|_generated\.rs$/];

function rsFiles(root: string): string[] {
  const out: string[] = [];
  for (const f of fs.readdirSync(root)) {
    const p = path.join(root, f);
    if (fs.statSync(p).isDirectory()) out.push(...rsFiles(p));
    else if (p.endsWith('.rs')) out.push(p);
  }
  return out;
}

/** Lines that use "pool" in a meaning other than pooling, unqualified. */
function offenders(files: Map<string, string>): string[] {
  const bad: string[] = [];
  for (const [f, text] of files) {
    if (EXEMPT.some((r) => r.test(f))) continue;
    text.split('\n').forEach((line, i) => {
      // Remove the allowed uses, then look for what is left.
      let rest = line;
      for (const r of ALLOWED) rest = rest.replace(new RegExp(r.source, r.flags.includes('g') ? r.flags : r.flags + 'g'), '');
      if (/pool/i.test(rest)) bad.push(`${f}:${i + 1}: ${line.trim()}`);
    });
  }
  return bad;
}

describe('one meaning per word', () => {
  const files = new Map(
    [...rsFiles(path.join(ROOT, 'crates/cnn-core/src')), ...tsFiles(path.join(ROOT, 'packages/cnn-worker/src')), ...tsFiles(path.join(ROOT, 'packages/cnn-ts/src'))].map((f) => [
      path.relative(ROOT, f),
      fs.readFileSync(f, 'utf8'),
    ]),
  );

  it('the rule catches an unqualified "pool" (planted)', () => {
    const planted = new Map([['x.rs', '/// Runs on the pool.\nlet p = max_pool2d(x);\n// the thread pool\n']]);
    expect(offenders(planted)).toEqual(['x.rs:1: /// Runs on the pool.']);
  });

  it('"pool" means pooling; the thread pool and the buffer recycler say so', () => {
    expect(offenders(files)).toEqual([]);
  });
});
