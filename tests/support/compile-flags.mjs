// Whether loadCore leaves V8's flags as it found them. V8 takes a code
// cache only under the flags it was made with, so:
//   node compile-flags.mjs make FILE          writes a cache of a probe script (no core loaded)
//   node compile-flags.mjs check FILE SIMD [leave-lazy-off]
//       loads a core (simd SIMD), then compiles the probe with FILE's cache
//       and prints whether V8 accepted it ('leave-lazy-off': flips the flag
//       itself after loading, as a control that this can tell).
import { readFileSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { loadCore } from 'cnn-worker';

const [mode, file, simd, control] = process.argv.slice(2);
const src = 'function f(a) { return a.map((x) => x * 2).reduce((s, x) => s + x, 0); }\nf([1, 2, 3]);\n';
if (mode === 'make') {
  const s = new Script(src, { filename: 'probe.js' });
  s.runInThisContext();
  writeFileSync(file, s.createCachedData());
} else {
  const core = await loadCore({ threads: 2, simd });
  const h = core.upload(Float32Array.of(1, 2, 3));
  const ran = Array.from(core.read(h, 3));
  if (control === 'leave-lazy-off') setFlagsFromString('--no-wasm-lazy-compilation');
  const s = new Script(src, { filename: 'probe.js', cachedData: readFileSync(file) });
  console.log(JSON.stringify({ cache: s.cachedDataRejected ? 'rejected' : 'accepted', relaxed: core.info.relaxedSimd, ran }));
  await core.health.stop?.();
}
