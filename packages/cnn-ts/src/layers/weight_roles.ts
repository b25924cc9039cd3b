/**
 * TF.js names a layer's per-weight arguments by role: `kernelConstraint`,
 * `biasRegularizer`, `depthwiseInitializer`... Constraints and regularizers
 * read them the same way, from this one table.
 */

/** Each argument prefix (`kernel` in `kernelConstraint`) and the weight it applies to. */
const WEIGHT_ROLES: readonly [string, string][] = [
  ['kernel', 'kernel'], ['bias', 'bias'], ['embeddings', 'embeddings'],
  ['depthwise', 'depthwise_kernel'], ['pointwise', 'pointwise_kernel'],
  ['alpha', 'alpha'], ['beta', 'beta'], ['gamma', 'gamma'],
];

/**
 * Reads a layer's `<role><suffix>` arguments (suffix 'Constraint' or
 * 'Regularizer'): the object for each weight name, and the arguments as
 * getConfig writes them back.
 */
export function argsByWeight<T>(args: object, suffix: string, read: (id: unknown) => T | null, configOf: (t: T) => unknown): { byWeight: Map<string, T>; config: Record<string, unknown> } {
  const a = args as Record<string, unknown>;
  const byWeight = new Map<string, T>();
  const config: Record<string, unknown> = {};
  for (const [role, weight] of WEIGHT_ROLES) {
    const arg = `${role}${suffix}`;
    const t = read(a[arg]);
    if (t) {
      byWeight.set(weight, t);
      config[arg] = configOf(t);
    }
  }
  return { byWeight, config };
}
