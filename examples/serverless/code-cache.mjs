#!/usr/bin/env node
/**
 * Makes the deployed function's V8 code cache (see entry.mjs): starts the
 * function in DIR as the platform would (cwd DIR, a fresh Node), answers one
 * PNG request of the model's input size, so that what a cold start compiles
 * up to its first prediction is compiled, and writes handler.body.cache.
 * build.mjs runs it; by hand:
 *
 *   node examples/serverless/code-cache.mjs DIR
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';

const dir = resolve(process.argv[2] ?? '.');
process.chdir(dir);
const fn = await import(pathToFileURL(join(dir, 'handler.mjs')).href);
const topology = JSON.parse(readFileSync(join(process.env.MODEL_DIR ?? 'model', 'model.json'), 'utf8')).modelTopology;
const first = (topology.model_config ?? topology).config.layers[0].config;
// Any size would do (the handler scales images); the model's own is the usual request.
const [, h, w] = first.batch_input_shape ?? first.batch_shape ?? [null, 28, 28];
const png = new PNG({ width: w, height: h });
for (let i = 0; i < w * h; i++) png.data.set([(i * 37) % 256, (i * 37) % 256, (i * 37) % 256, 255], i * 4);
const r = await fn.handler({ body: PNG.sync.write(png).toString('base64'), isBase64Encoded: true, headers: { 'content-type': 'image/png' } });
if (r.statusCode !== 200) {
  console.error(`code-cache: the function answered ${r.statusCode}: ${r.body}`);
  process.exit(1);
}
fn.writeCodeCache();
