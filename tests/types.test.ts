// TF.js TypeScript type-checks unchanged: tests/fixtures/types/program.ts
// (typed TF.js code: Tensor1D..Tensor5D, Rank, Tensor<R>/Variable<R>,
// NamedTensorMap, TensorContainer, ModelFitArgs, a custom layer, ...) is
// compiled by tsc against TF.js itself (tfjs-core + tfjs-layers, as
// @tensorflow/tfjs exports them) and against cnn-ts, with only the module
// behind its `./lib.js` import changed. It holds a @ts-expect-error line, so
// a rank type that stopped typing array() would fail too.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const fixtures = join(root, 'tests/fixtures/types');
const run = promisify(execFile);

/** Compiles the program against `lib` in a scratch directory under node_modules (so packages resolve); tsc's output, '' when clean. */
async function check(variant: string, lib: string): Promise<string> {
  const dir = join(root, 'node_modules/.cache', `cnn-ts-types-${variant}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(fixtures, 'program.ts'), join(dir, 'program.ts'));
  copyFileSync(join(fixtures, lib), join(dir, 'lib.ts'));
  const compilerOptions = { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', strict: true, noImplicitOverride: true, noEmit: true, skipLibCheck: true, lib: ['ES2022', 'DOM'], types: [] };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['program.ts'] }));
  try {
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: root });
    return '';
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('TF.js TypeScript against cnn-ts types', () => {
  it('the typed TF.js program compiles against TF.js and, unchanged, against cnn-ts', async () => {
    const [theirs, ours] = await Promise.all([check('tfjs', 'lib-tfjs.ts'), check('ours', 'lib-ours.ts')]);
    expect(theirs, 'the fixture must be valid TF.js code').toBe('');
    expect(ours).toBe('');
  });
});
