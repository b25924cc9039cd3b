/** Command-line number options shared by the example programs. */

/** `--name`'s value as a non-negative integer (undefined when absent); a clear error otherwise. */
export function intOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got '${v}'`);
  return n;
}

/** `--name`'s value as a finite number, at least 0 if `nonNegative` (undefined when absent); a clear error otherwise. */
export function numberOption(name: string, v: string | undefined, nonNegative = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (nonNegative && n < 0)) throw new Error(`--${name} must be a ${nonNegative ? 'non-negative ' : ''}number, got '${v}'`);
  return n;
}
