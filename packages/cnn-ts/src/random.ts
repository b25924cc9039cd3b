/**
 * Seedable random numbers for initialisers, random tensors, shuffling and
 * dropout. `setSeed(s)` (like `tf.random.set_seed` in Keras) makes every
 * later random draw reproducible bit for bit; a per-call `seed` gives that
 * call its own stream. Uses seedrandom's Alea, as TensorFlow.js does.
 */
import seedrandom from 'seedrandom';

type Prng = () => number;

let global: Prng = seedrandom.alea(String(Math.random()));

/** Reseeds the global generator (all unseeded random ops after this call). */
export function setSeed(seed: number | string): void {
  global = seedrandom.alea(String(seed));
}

/** A generator: the per-call seed's own stream, or the global one. */
export function generator(seed?: number | string): Prng {
  return seed === undefined ? global : seedrandom.alea(String(seed));
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
