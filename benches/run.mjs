// `npm run bench`: every side-by-side benchmark, each in its own process.
//   node benches/run.mjs [--quick]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const quick = process.argv.includes('--quick');
const dir = fileURLToPath(new URL('.', import.meta.url));
const runs = [
  ['conv.mjs', quick ? ['--quick'] : []],
  ['train.mjs', quick ? ['--steps', '5'] : []],
  ['overhead.mjs', []],
  ['architectures.mjs', quick ? ['--rounds', '3'] : []],
];
let failed = false;
for (const [file, args] of runs) {
  console.log(`\n## ${file}`);
  const r = spawnSync(process.execPath, [dir + file, ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
