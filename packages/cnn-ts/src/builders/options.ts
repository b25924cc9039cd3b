/** Argument checks shared by the builders: every bad input fails at the builder, naming it. */

/** Throws on option keys the builder does not know (catches typos such as `clases`). */
export function checkKeys(builder: string, args: object, allowed: readonly string[]): void {
  for (const k of Object.keys(args)) {
    if (!allowed.includes(k)) throw new Error(`${builder}: unknown option '${k}'; expected one of ${allowed.join(', ')}`);
  }
}

export function checkClasses(builder: string, classes: number): number {
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`${builder}: classes must be a positive integer, got ${classes}`);
  return classes;
}

export function checkPositive(builder: string, what: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${builder}: ${what} must be a positive integer, got ${v}`);
  return v;
}

/**
 * Checks `[h, w, c]`: height and width at least `minHW` (the smallest input
 * the architecture's downsampling leaves at least one pixel of), and
 * divisible by `multiple` when the architecture needs it (U-Net's skips).
 */
export function checkInputShape(builder: string, inputShape: number[], minHW: number, multiple = 1): [number, number, number] {
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new Error(`${builder}: inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(inputShape)}`);
  }
  const [h, w, c] = inputShape;
  if (h < minHW || w < minHW) throw new Error(`${builder}: input ${h}x${w} is too small; the minimum is ${minHW}x${minHW}`);
  if (h % multiple !== 0 || w % multiple !== 0) throw new Error(`${builder}: input height and width must be multiples of ${multiple}, got ${h}x${w}`);
  return [h, w, c];
}
