import fs from 'node:fs';
import path from 'node:path';

/** Every .ts source file (not .d.ts) under `root`, recursively. */
export function tsFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of fs.readdirSync(d)) {
      const p = path.join(d, f);
      if (fs.statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(root);
  return out;
}
