/**
 * Node rendering back end shared by the plots: a font that does not depend
 * on the machine, and SVG -> PNG through @napi-rs/canvas (Skia).
 *
 * Why these libraries (see also plot/history.ts):
 * - @napi-rs/canvas: Skia with prebuilt binaries shipped as npm
 *   optional-dependency packages (no install script, nothing fetched from
 *   GitHub); rasterises SVG, measures text, encodes PNG. Loaded lazily so
 *   importing cnn-ts costs nothing until a picture is drawn.
 * - @fontsource/dejavu-sans: the DejaVu Sans faces (what matplotlib draws
 *   with) as woff2 files inside an npm package. Skia's portable text renderer
 *   falls back to installed fonts for unknown names and draws nothing when
 *   none are installed (checked here with /usr/share/fonts hidden), so every
 *   plot names only this registered family.
 */
import { createRequire } from 'node:module';
import { PLOT_FONT_FAMILY } from './chart.js';


type CanvasModule = typeof import('@napi-rs/canvas');

/**
 * The optional peer dependencies of the Node plots (`plotHistory`,
 * `imageGrid`): not installed with cnn-ts, which stays small and free of
 * native binaries for the browser and serverless functions.
 */
export const PLOT_PACKAGES = ['echarts', '@napi-rs/canvas', '@fontsource/dejavu-sans'] as const;

function missingPlotPackage(name: string, cause: unknown): Error {
  return new Error(`cnn-ts plots need the optional package '${name}', which is not installed; install the plotting packages with: npm install ${PLOT_PACKAGES.join(' ')}`, { cause });
}

function isModuleNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** Imports an optional plotting package, or says which packages to install. */
export async function optionalPlotImport<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    throw isModuleNotFound(e) ? missingPlotPackage(name, e) : e;
  }
}
let canvasModule: Promise<CanvasModule> | undefined;

/**
 * Loads @napi-rs/canvas once and registers DejaVu Sans (regular and bold)
 * under {@link PLOT_FONT_FAMILY}. Throws if the font files cannot be registered.
 *
 * @example
 * const { createCanvas } = await loadCanvas();
 */
export function loadCanvas(): Promise<CanvasModule> {
  canvasModule ??= optionalPlotImport('@napi-rs/canvas', () => import('@napi-rs/canvas')).then((mod) => {
    const require = createRequire(import.meta.url);
    for (const weight of [400, 700]) {
      const font = `@fontsource/dejavu-sans/files/dejavu-sans-latin-${weight}-normal.woff2`;
      let file: string;
      try {
        file = require.resolve(font);
      } catch (e) {
        throw missingPlotPackage('@fontsource/dejavu-sans', e);
      }
      if (mod.GlobalFonts.registerFromPath(file, PLOT_FONT_FAMILY) === null) {
        throw new Error(`plot: could not register the font ${file} as '${PLOT_FONT_FAMILY}'`);
      }
    }
    return mod;
  });
  return canvasModule;
}

/**
 * Rasterises an SVG document to PNG bytes at its own size (`width` x `height`).
 *
 * @example
 * const png = await svgToPng(svg, 800, 600);
 */
export async function svgToPng(svg: string, width: number, height: number): Promise<Buffer> {
  const { createCanvas, loadImage } = await loadCanvas();
  const image = await loadImage(Buffer.from(svg));
  const canvas = createCanvas(width, height);
  canvas.getContext('2d').drawImage(image, 0, 0, width, height);
  return canvas.encode('png');
}
