/**
 * Seedable random numbers for initialisers, random tensors, shuffling and
 * dropout. `setSeed(s)` (like `tf.random.set_seed` in Keras) makes every
 * later random draw reproducible bit for bit; a per-call `seed` gives that
 * call its own stream. The generator is Baagøe's Alea, the one TensorFlow.js
 * takes from seedrandom, so a seed gives the same stream as
 * `seedrandom.alea(String(seed))` bit for bit (tests/random-alea.test.ts
 * checks it against seedrandom). It lives here because seedrandom is
 * CommonJS only, which breaks pages that load cnn-ts as plain ES modules
 * and Vite's dev server.
 */

type Prng = () => number;

const TWO_POW_MINUS_32 = 2.3283064365386963e-10;

/** Baagøe's Mash: hashes strings into [0, 1), its state carried across calls. */
function mash(): (data: string) => number {
  let n = 0xefc8249d;
  return (data) => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    return (n >>> 0) * TWO_POW_MINUS_32;
  };
}

/** Alea seeded with `seed`: uniform doubles in [0, 1) with 32 random bits. */
export function alea(seed: string): Prng {
  const m = mash();
  const space = [m(' '), m(' '), m(' ')];
  let [s0, s1, s2] = space.map((s) => {
    const v = s - m(seed);
    return v < 0 ? v + 1 : v;
  });
  let c = 1;
  return () => {
    const t = 2091639 * s0 + c * TWO_POW_MINUS_32;
    s0 = s1;
    s1 = s2;
    c = t | 0;
    s2 = t - c;
    return s2;
  };
}

let global: Prng = alea(String(Math.random()));

/** Reseeds the global generator (all unseeded random ops after this call). */
export function setSeed(seed: number | string): void {
  global = alea(String(seed));
}

/** A generator: the per-call seed's own stream, or the global one. */
export function generator(seed?: number | string): Prng {
  return seed === undefined ? global : alea(String(seed));
}

/** A fresh 32-bit seed drawn from the global generator (for derived streams). */
export function nextSeed(): number {
  return Math.floor(global() * 4294967296);
}

/** Uniform values in [min, max). */
export function uniformValues(n: number, min: number, max: number, rng: Prng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = min + (max - min) * rng();
  return out;
}

/** Normal values (Box-Muller); `truncated` redraws beyond 2 standard deviations, as TF. */
export function normalValues(n: number, mean: number, std: number, rng: Prng, truncated = false): Float32Array {
  const out = new Float32Array(n);
  let i = 0;
  while (i < n) {
    const u1 = rng() || Number.MIN_VALUE;
    const u2 = rng();
    const r = Math.sqrt(-2 * Math.log(u1));
    for (const z of [r * Math.cos(2 * Math.PI * u2), r * Math.sin(2 * Math.PI * u2)]) {
      if (i < n && (!truncated || Math.abs(z) <= 2)) out[i++] = mean + std * z;
    }
  }
  return out;
}

/** Fisher-Yates shuffle of `0..n-1`. */
export function permutation(n: number, rng: Prng = global): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
