/** Loads `#node` (see node-only.ts) with its types. */
export type NodeModules = typeof import('./node-only.js');

export function nodeModules(): Promise<NodeModules> {
  // Cast: TypeScript does not map a subpath import to the source file, and a
  // literal specifier must stay literal for bundlers to apply the condition.
  return import('#node' as string) as Promise<NodeModules>;
}
