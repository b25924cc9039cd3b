// A library must leave the process's V8 flags as it found them (beyond the
// relaxed-SIMD flag that simd 'auto'/'relaxed' turns on in Node 20): the
// serverless function's code cache, for one, is refused under other flags.
// V8 refuses a code cache made under other flags, which makes the flags
// observable (support/compile-flags.mjs): a cache made by a process that
// never loaded a core must still be accepted after loadCore (strict SIMD).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./support/compile-flags.mjs', import.meta.url));
const run = (...args: string[]) => execFileSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '' } }).trim();

describe('loadCore and V8 flags', () => {
  it('leaves them as they were (strict SIMD): a code cache made before is still accepted; flipping one is seen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-flags-'));
    try {
      const file = join(dir, 'probe.cache');
      run('make', file);
      expect(JSON.parse(run('check', file, 'strict'))).toEqual({ cache: 'accepted', relaxed: false, ran: [1, 2, 3] });
      // The control: a flag left flipped is what this check sees.
      expect(JSON.parse(run('check', file, 'strict', 'leave-lazy-off')).cache).toBe('rejected');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
