import { expect } from 'vitest';

/** Element-wise `|a - b| < tol * (1 + |b|)`, naming the first element that is not. */
export function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `element ${i}: ${a[i]} vs ${b[i]}`).toBeLessThan(tol * (1 + Math.abs(b[i])));
}
