/** Small seeded PRNG (mulberry32) so failing cases can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` values uniform in [-1, 1). */
export function randArray(next: () => number, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
}

/** Row-major `a[m,k] * b[k,n]`, accumulated in float64. */
export function matMulRef(a: Float32Array, b: Float32Array, m: number, n: number, k: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      for (let j = 0; j < n; j++) c[i * n + j] += av * b[p * n + j];
    }
  return c;
}

/** Largest `|a - b| / (1 + |b|)`. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return d;
}

/** One command batch: upload `a` (m x k) and `b` (k x n), their matMul, read the product, free all three. */
export function matMulBatch(a: Float32Array, b: Float32Array, m: number, n: number, k: number) {
  return [
    { kind: 'upload' as const, id: 1, data: a },
    { kind: 'upload' as const, id: 2, data: b },
    { kind: 'call' as const, fn: 'matMul' as const, inputs: [1, 2], outputs: [{ id: 3, size: m * n }], args: [m, n, k, false, false] },
    { kind: 'read' as const, id: 3 },
    { kind: 'free' as const, id: 1 },
    { kind: 'free' as const, id: 2 },
    { kind: 'free' as const, id: 3 },
  ];
}
