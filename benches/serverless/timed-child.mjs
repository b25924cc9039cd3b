/**
 * One fresh `node` running `script` with `args` (a cold start of a
 * serverless function in benches/serverless.mjs and benches/serverless-ab.mjs),
 * timed from spawn to the first stdout that contains `marker`. Resolves to
 * `{ readyAt, stdout }` once the process exits with 0; rejects with its
 * stderr otherwise, or after `timeoutMs` (the process is killed).
 */
import { spawn } from 'node:child_process';

export function runTimed(script, args, { cwd, env, marker, timeoutMs = 120_000, name = script }) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [script, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', readyAt = 0;
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (b) => {
      stdout += b;
      if (!readyAt && stdout.includes(marker)) readyAt = performance.now() - t0;
    });
    p.stderr.on('data', (b) => (stderr += b));
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${name}: exit ${code}: ${stderr}`));
      else resolve({ readyAt, stdout });
    });
  });
}
