/** Bundles a browser test page's script with esbuild, as a user's bundler would. */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

/** Bundles `entry` (relative to tests/browser/) to tests/browser/.build/<name>.js; returns its URL path. */
export async function bundlePage(entry: string): Promise<string> {
  const name = entry.replace(/\.ts$/, '');
  await build({
    entryPoints: [fileURLToPath(new URL(`../browser/${entry}`, import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    external: ['node:*'],
    outfile: fileURLToPath(new URL(`../browser/.build/${name}.js`, import.meta.url)),
    logLevel: 'error',
  });
  return `/tests/browser/.build/${name}.js`;
}
