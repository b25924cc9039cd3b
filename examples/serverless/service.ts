/**
 * The part of the serverless classifier that does not depend on the engine:
 * request parsing (PNG / JPEG bytes, base64 in JSON, or pixel arrays), image
 * decoding and scaling to the model's input, a micro-batcher, and the
 * Lambda / Vercel adapters. `handler.ts` runs it on cnn-ts; the benchmark's
 * `benches/serverless/handler-tfjs.ts` runs the very same code on TF.js's
 * wasm backend.
 *
 * Micro-batching: a batch starts one event-loop turn (`setImmediate`) after
 * its first request, so requests that arrive together go together; those
 * that arrive while a prediction runs wait, and go as the next batch when it
 * ends (at most `maxBatch`). Concurrency 1 pays one turn (microseconds);
 * under load an instance serves many requests per forward pass, which is
 * what the platform's per-instance concurrency (Vercel Fluid compute, Cloud
 * Run, Lambda with several requests per process behind a proxy) is for.
 * Without the turn, the requests answered by one batch came back one by one
 * (each a chain of microtasks) and the first of them ran alone: batches of
 * 1 and 31 alternated at concurrency 32.
 */
// The decoders are loaded on first use, and pngjs ahead of it by
// `preloadDecoders` (the handlers call it at start): an instance that only
// gets PNGs never evaluates jpeg-js (pngjs's own start is the heavier one:
// it loads node:assert, which creates process.stderr).
let pngjs: Promise<typeof import('pngjs')> | undefined;
let jpegjs: Promise<typeof import('jpeg-js')> | undefined;
const loadPng = () => (pngjs ??= import('pngjs'));
const loadJpeg = () => (jpegjs ??= import('jpeg-js'));

/**
 * Starts loading the PNG decoder (the usual request) so that the first one
 * does not wait for it: on the next event-loop turn, after what the start
 * queued (the engine's core reads and compiles its wasm on V8's threads,
 * better begun before this thread spends 4-5 ms evaluating pngjs).
 */
export function preloadDecoders(): void {
  setImmediate(() => loadPng().catch(() => undefined));
}

/** The engine calls the service needs (a subset of tfjs-core / cnn-ts). */
export interface Engine {
  tensor4d(values: Float32Array, shape: [number, number, number, number]): EngineTensor;
}
export interface EngineTensor {
  data(): Promise<ArrayLike<number>>;
  dispose(): void;
}
export interface EngineModel {
  predict(x: EngineTensor): EngineTensor | EngineTensor[];
  readonly inputs: { readonly shape: readonly (number | null)[] }[];
}

export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** An input the caller got wrong: answered with HTTP 400 and this message. */
export class BadRequest extends Error {}

export interface Prediction {
  /** Index of the most probable class. */
  class: number;
  label: string;
  probability: number;
  /** Every class's probability, in class order. */
  probabilities: number[];
}

export interface ClassifyOptions {
  /** Dark object on a light background (a photo): inverted to match Fashion-MNIST's light-on-dark. */
  invert?: boolean;
}

interface Pending {
  x: Float32Array;
  resolve: (p: Float32Array) => void;
  reject: (e: unknown) => void;
}

export class Classifier {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  private readonly queue: Pending[] = [];
  /** A batch is scheduled or running. */
  private busy = false;
  /** Forward passes run and the requests they served (for the benchmark). */
  readonly stats = { batches: 0, requests: 0 };

  constructor(
    private readonly tf: Engine,
    private readonly model: EngineModel,
    private readonly labels: string[] = FASHION_CLASSES,
    private readonly maxBatch = 64,
  ) {
    const shape = model.inputs[0].shape;
    if (shape.length !== 4 || shape.slice(1).some((d) => d === null)) {
      throw new Error(`serverless: the model's input must be [batch, height, width, channels], got [${shape.join(', ')}]`);
    }
    [this.height, this.width, this.channels] = shape.slice(1) as number[];
  }

  /** Classifies one input of the model's size (height * width * channels floats in [0, 1]). */
  async classifyPixels(x: Float32Array): Promise<Prediction> {
    const n = this.height * this.width * this.channels;
    if (x.length !== n) throw new BadRequest(`pixels: expected ${n} values (${this.height}x${this.width}x${this.channels}), got ${x.length}`);
    const p = await new Promise<Float32Array>((resolve, reject) => {
      this.queue.push({ x, resolve, reject });
      this.schedule();
    });
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
    return { class: best, label: this.labels[best] ?? String(best), probability: p[best], probabilities: Array.from(p) };
  }

  /** Decodes a PNG or JPEG (any size, colour or grey) to the model's input and classifies it. */
  async classifyImage(bytes: Uint8Array, opts: ClassifyOptions = {}): Promise<Prediction> {
    return this.classifyDecoded(await decodeImage(bytes), opts);
  }

  /** Scales a decoded image to the model's input and classifies it. */
  classifyDecoded(img: Rgba, opts: ClassifyOptions = {}): Promise<Prediction> {
    return this.classifyPixels(toModelInput(img, this.height, this.width, this.channels, opts.invert ?? false));
  }

  private schedule(): void {
    if (this.busy) return;
    this.busy = true;
    setImmediate(() => void this.runBatch());
  }

  private async runBatch(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    try {
      const per = batch[0].x.length;
      const xs = new Float32Array(batch.length * per);
      batch.forEach((b, i) => xs.set(b.x, i * per));
      const t = this.tf.tensor4d(xs, [batch.length, this.height, this.width, this.channels]);
      const out = this.model.predict(t);
      const y = Array.isArray(out) ? out[0] : out;
      const p = Float32Array.from(await y.data());
      t.dispose();
      y.dispose();
      const k = p.length / batch.length;
      batch.forEach((b, i) => b.resolve(p.subarray(i * k, (i + 1) * k)));
      this.stats.batches += 1;
      this.stats.requests += batch.length;
    } catch (e) {
      for (const b of batch) b.reject(e);
    } finally {
      this.busy = false;
      if (this.queue.length > 0) this.schedule();
    }
  }
}

/** A decoded image: RGBA bytes, row-major. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** PNG (pngjs) or JPEG (jpeg-js), told apart by their signatures. */
export async function decodeImage(bytes: Uint8Array): Promise<Rgba> {
  const isPng = bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg) throw new BadRequest(`image: not a PNG or JPEG (first bytes ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ') || 'none'})`);
  if (isPng) {
    const { PNG } = await loadPng();
    return decoding('PNG', () => {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    });
  }
  // CommonJS: its exports are the namespace's default under Node.
  const m = await loadJpeg();
  const jpeg = (m as { default?: typeof m }).default ?? m;
  return decoding('JPEG', () => {
    // 64 MB: jpeg-js's guard against decompression bombs.
    const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 64 });
    return { width: j.width, height: j.height, data: j.data };
  });
}

/** A decoder's error is the caller's bad image (400). */
function decoding(kind: string, decode: () => Rgba): Rgba {
  try {
    return decode();
  } catch (e) {
    throw new BadRequest(`image: cannot decode the ${kind} (${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * An image scaled to `h` x `w` (area average when shrinking, bilinear when
 * enlarging), as grey (alpha over black, ITU-R 601 luma) or RGB, in [0, 1].
 */
export function toModelInput(img: Rgba, h: number, w: number, channels: number, invert: boolean): Float32Array {
  if (channels !== 1 && channels !== 3) throw new Error(`serverless: models with ${channels} input channels are not supported (1 or 3)`);
  const src = new Float32Array(img.width * img.height * channels);
  for (let i = 0; i < img.width * img.height; i++) {
    const a = img.data[i * 4 + 3] / 255;
    const r = img.data[i * 4] * a, g = img.data[i * 4 + 1] * a, b = img.data[i * 4 + 2] * a;
    if (channels === 1) src[i] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    else [src[i * 3], src[i * 3 + 1], src[i * 3 + 2]] = [r / 255, g / 255, b / 255];
  }
  // Already the model's size (the usual case): no resampling.
  if (img.height === h && img.width === w) return invert ? src.map((v) => 1 - v) : src;
  const out = new Float32Array(h * w * channels);
  const sy = img.height / h, sx = img.width / w;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) {
        let v: number;
        if (sy >= 1 && sx >= 1) {
          // Area average over the source cells this output pixel covers.
          const y0 = y * sy, y1 = y0 + sy, x0 = x * sx, x1 = x0 + sx;
          let sum = 0;
          for (let yy = Math.floor(y0); yy < Math.ceil(y1); yy++) {
            const wy = Math.min(yy + 1, y1) - Math.max(yy, y0);
            for (let xx = Math.floor(x0); xx < Math.ceil(x1); xx++) {
              const wx = Math.min(xx + 1, x1) - Math.max(xx, x0);
              sum += wy * wx * src[(yy * img.width + xx) * channels + c];
            }
          }
          v = sum / (sy * sx);
        } else {
          const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
          const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
          const y0 = Math.floor(fy), x0 = Math.floor(fx), y1 = Math.min(y0 + 1, img.height - 1), x1 = Math.min(x0 + 1, img.width - 1);
          const at = (yy: number, xx: number) => src[(yy * img.width + xx) * channels + c];
          const top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * (fx - x0);
          const bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * (fx - x0);
          v = top + (bottom - top) * (fy - y0);
        }
        out[(y * w + x) * channels + c] = invert ? 1 - v : v;
      }
    }
  }
  return out;
}

/** The JSON body: one input or a list (`instances`, as TF Serving). */
interface Body {
  image?: string;
  pixels?: unknown;
  instances?: ({ image?: string; pixels?: unknown } | unknown[])[];
  invert?: boolean;
}

function flatPixels(v: unknown, where: string): Float32Array {
  const flat = Array.isArray(v) ? (v as unknown[]).flat(3) : undefined;
  if (!flat || flat.some((p) => typeof p !== 'number' || !Number.isFinite(p))) throw new BadRequest(`${where}: expected an array of finite numbers (nested up to [h][w][c])`);
  return Float32Array.from(flat as number[]);
}

/**
 * Classifies what one request carries: raw PNG/JPEG bytes (by content
 * type), or JSON `{image: base64}`, `{pixels: [...]}` or `{instances: [...]}`.
 */
export async function classifyRequest(classifier: Classifier | Promise<Classifier>, contentType: string, body: Uint8Array, query: URLSearchParams): Promise<{ predictions: Prediction[] }> {
  const type = contentType.split(';')[0].trim().toLowerCase();
  const invertParam = query.get('invert');
  if (type === 'image/png' || type === 'image/jpeg' || type === 'application/octet-stream') {
    // Decoded while the classifier may still be loading (a cold start's first request).
    const img = await decodeImage(body);
    return { predictions: [await (await classifier).classifyDecoded(img, { invert: invertParam === '1' || invertParam === 'true' })] };
  }
  const c = await classifier;
  if (type !== 'application/json' && type !== '') throw new BadRequest(`content-type ${type}: send image/png, image/jpeg or application/json`);
  let parsed: Body;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8')) as Body;
  } catch (e) {
    throw new BadRequest(`body: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new BadRequest('body: expected a JSON object with image, pixels or instances');
  const invert = parsed.invert ?? (invertParam === '1' || invertParam === 'true');
  const one = (item: unknown, where: string): Promise<Prediction> => {
    if (Array.isArray(item)) return c.classifyPixels(flatPixels(item, where));
    const o = item as { image?: unknown; pixels?: unknown };
    if (typeof o?.image === 'string') return c.classifyImage(Buffer.from(o.image, 'base64'), { invert });
    if (o?.pixels !== undefined) return c.classifyPixels(flatPixels(o.pixels, `${where}.pixels`));
    throw new BadRequest(`${where}: expected {image: base64 PNG/JPEG} or {pixels: [...]}`);
  };
  if (Array.isArray(parsed.instances)) {
    if (parsed.instances.length === 0 || parsed.instances.length > 256) throw new BadRequest(`instances: expected 1 to 256 inputs, got ${parsed.instances.length}`);
    return { predictions: await Promise.all(parsed.instances.map((it, i) => one(it, `instances[${i}]`))) };
  }
  return { predictions: [await one(parsed, 'body')] };
}

export interface LambdaEvent {
  body?: string | null;
  isBase64Encoded?: boolean;
  headers?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined> | null;
}
export interface LambdaResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

function header(h: Record<string, string | string[] | undefined> | undefined, name: string): string {
  if (!h) return '';
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === name) return (Array.isArray(v) ? v[0] : v) ?? '';
  return '';
}

function errorResult(e: unknown): LambdaResult {
  const bad = e instanceof BadRequest;
  if (!bad) console.error(e);
  return { statusCode: bad ? 400 : 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: bad ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)}` }) };
}

/** An AWS Lambda handler (API Gateway / function URL proxy events) over a classifier promise made once per instance. */
export function lambdaHandler(classifier: Promise<Classifier>): (event: LambdaEvent) => Promise<LambdaResult> {
  return async (event) => {
    try {
      const body = event.body == null ? new Uint8Array(0) : event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
      const query = new URLSearchParams(Object.entries(event.queryStringParameters ?? {}).filter((kv): kv is [string, string] => kv[1] !== undefined));
      const r = await classifyRequest(classifier, header(event.headers, 'content-type'), body, query);
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) };
    } catch (e) {
      return errorResult(e);
    }
  };
}

/** What a Node HTTP function gets (Vercel's Node runtime, or node:http). */
interface NodeRequest extends AsyncIterable<Uint8Array | string> {
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}
interface NodeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

/**
 * One instance: starts `load` now (every request awaits the same promise)
 * and the PNG decoder, and gives the Lambda and Vercel / node:http handlers.
 * A classifier that cannot load is reported by each request (500), not as
 * an unhandled rejection that would kill the instance.
 */
export function instance(load: () => Promise<Classifier>) {
  const classifier = load();
  classifier.catch(() => undefined);
  preloadDecoders();
  return { classifier, handler: lambdaHandler(classifier), nodeHandler: nodeHandler(classifier) };
}

/** A Vercel / node:http style `(req, res)` handler over the same classifier. */
export function nodeHandler(classifier: Promise<Classifier>): (req: NodeRequest, res: NodeResponse) => Promise<void> {
  const lambda = lambdaHandler(classifier);
  return async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c));
    const url = new URL(req.url ?? '/', 'http://localhost');
    const r = await lambda({
      body: Buffer.concat(chunks).toString('base64'),
      isBase64Encoded: true,
      headers: { 'content-type': header(req.headers, 'content-type') },
      queryStringParameters: Object.fromEntries(url.searchParams),
    });
    res.statusCode = r.statusCode;
    for (const [k, v] of Object.entries(r.headers)) res.setHeader(k, v);
    res.end(r.body);
  };
}
