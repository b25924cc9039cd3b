/** Command-line number options shared by the example programs. */

/** `--name`'s value as a non-negative integer (undefined when absent); a clear error otherwise. */
export function intOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got '${v}'`);
  return n;
}

/** `--name`'s value as a finite number (undefined when absent); a clear error otherwise. */
export function numberOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`--${name} must be a number, got '${v}'`);
  return n;
}
