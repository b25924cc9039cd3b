/**
 * Trains the seed's CNN on the embedded Fashion-MNIST subset in the page,
 * charts loss and accuracy live, draws the learned filters and the feature
 * maps of a test image, and classifies an image drawn or dropped by the
 * user. cnn-ts runs its core in a Web Worker (threaded on a cross-origin
 * isolated page, single-threaded elsewhere), so the page never blocks.
 */
import * as tf from 'cnn-ts';
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
// The subset this repository embeds (packages/cnn-ts/data); Vite emits the files.
import trainImagesUrl from '../../../packages/cnn-ts/data/fashion-mnist-subset/train-images-idx3-ubyte.gz?url';
import trainLabelsUrl from '../../../packages/cnn-ts/data/fashion-mnist-subset/train-labels-idx1-ubyte.gz?url';
import testImagesUrl from '../../../packages/cnn-ts/data/fashion-mnist-subset/t10k-images-idx3-ubyte.gz?url';
import testLabelsUrl from '../../../packages/cnn-ts/data/fashion-mnist-subset/t10k-labels-idx1-ubyte.gz?url';

echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** What the Chromium test (tests/example-browser.test.ts) reads. */
const state = {
  info: undefined as tf.BackendInfo | undefined,
  error: undefined as string | undefined,
  trained: false,
  epochs: [] as { loss: number; acc: number; val_loss: number; val_acc: number }[],
  batches: 0,
  featureMapsOf: -1,
  probs: [] as number[],
  ticks: 0,
};
(window as unknown as { app: typeof state }).app = state;

// A main-thread counter: it keeps counting while the worker trains.
setInterval(() => ($('ticks').textContent = String(++state.ticks)), 50);

for (const [id, key] of [['epochs', 'epochs'], ['limit', 'limit']] as const) {
  const v = new URLSearchParams(location.search).get(key);
  if (v) $<HTMLInputElement>(id).value = v;
}

interface Split {
  x: tf.Tensor;
  y: tf.Tensor;
  pixels: Float32Array;
  labels: Uint8Array;
}

async function loadSplit(imagesUrl: string, labelsUrl: string): Promise<Split> {
  const [imageBytes, labelBytes] = await Promise.all([imagesUrl, labelsUrl].map(async (u) => tf.data.gunzip(new Uint8Array(await (await fetch(u)).arrayBuffer()), u)));
  const { images, count } = tf.data.parseIdxImages(imageBytes);
  const labels = tf.data.parseIdxLabels(labelBytes);
  const pixels = tf.data.toFloat32(images);
  return { x: tf.keep(tf.tensor(pixels, [count, 28, 28, 1])), y: tf.keep(tf.tensor(Int32Array.from(labels), [count], 'int32')), pixels, labels };
}

// ---- chart -----------------------------------------------------------------
const chart = echarts.init($('chart'));
function drawChart(): void {
  const epochs = state.epochs.map((_, i) => i + 1);
  const line = (name: string, data: number[], yAxisIndex: number, color: string, dashed = false) => ({
    name, type: 'line' as const, data, yAxisIndex, smooth: false, symbolSize: 6, lineStyle: { color, type: dashed ? ('dashed' as const) : ('solid' as const) }, itemStyle: { color },
  });
  chart.setOption({
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 50, right: 50, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: epochs, name: 'epoch', nameLocation: 'middle', nameGap: 22 },
    yAxis: [{ type: 'value', name: 'loss' }, { type: 'value', name: 'accuracy', min: 0, max: 1 }],
    series: [
      line('loss', state.epochs.map((e) => e.loss), 0, '#1f77b4'),
      line('val_loss', state.epochs.map((e) => e.val_loss), 0, '#ff7f0e'),
      line('acc', state.epochs.map((e) => e.acc), 1, '#1f77b4', true),
      line('val_acc', state.epochs.map((e) => e.val_acc), 1, '#ff7f0e', true),
    ],
  });
}
drawChart();

// ---- canvases ----------------------------------------------------------------
/** Draws `count` maps of `h x w` (channel-last data, `channels` per pixel) as a grid of tiles. */
function drawTiles(canvas: HTMLCanvasElement, data: Float32Array, h: number, w: number, channels: number, perRow: number, color: (v: number) => [number, number, number], normalise: 'minmax' | 'symmetric'): void {
  const size = Math.floor(canvas.width / perRow);
  const rows = Math.ceil(channels / perRow);
  canvas.height = rows * size;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const tile = new OffscreenCanvas(w, h);
  const tctx = tile.getContext('2d')!;
  for (let c = 0; c < channels; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < h * w; i++) {
      const v = data[i * channels + c];
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const img = tctx.createImageData(w, h);
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    for (let i = 0; i < h * w; i++) {
      const v = data[i * channels + c];
      const t = normalise === 'symmetric' ? v / m : hi > lo ? (v - lo) / (hi - lo) : 0;
      const [r, g, b] = color(t);
      img.data.set([r, g, b, 255], i * 4);
    }
    tctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tile, (c % perRow) * size + 1, Math.floor(c / perRow) * size + 1, size - 2, size - 2);
  }
}
const gray = (t: number): [number, number, number] => [t * 255, t * 255, t * 255];
const diverging = (t: number): [number, number, number] => (t >= 0 ? [255, 255 * (1 - t), 255 * (1 - t)] : [255 * (1 + t), 255 * (1 + t), 255]);

async function drawFilters(model: tf.Sequential): Promise<void> {
  const kernel = model.layers[0].getWeights()[0]; // [3, 3, 1, 16]
  drawTiles($('filters'), (await kernel.data()) as Float32Array, 3, 3, 16, 16, diverging, 'symmetric');
}

async function drawFeatureMaps(model: tf.Sequential, test: Split, index: number): Promise<void> {
  const pixels = test.pixels.subarray(index * 784, (index + 1) * 784);
  drawTiles($('image'), pixels, 28, 28, 1, 1, gray, 'minmax');
  $('image-label').textContent = CLASSES[test.labels[index]];
  const x = tf.tensor(pixels, [1, 28, 28, 1]);
  const a1 = model.layers[0].apply(x) as tf.Tensor;
  const a2 = model.layers[1].apply(a1) as tf.Tensor;
  const [d1, d2] = await Promise.all([a1.data(), a2.data()]);
  tf.dispose([x, a1, a2]);
  drawTiles($('maps1'), d1 as Float32Array, 28, 28, 16, 8, gray, 'minmax');
  drawTiles($('maps2'), d2 as Float32Array, 28, 28, 32, 16, gray, 'minmax');
  state.featureMapsOf = index;
}

// ---- drawing and dropping ----------------------------------------------------
const draw = $<HTMLCanvasElement>('draw');
const dctx = draw.getContext('2d')!;
function clearDrawing(): void {
  dctx.fillStyle = '#000';
  dctx.fillRect(0, 0, draw.width, draw.height);
}
clearDrawing();
let drawing = false;
draw.addEventListener('pointerdown', (e) => {
  drawing = true;
  dctx.beginPath();
  dctx.moveTo(e.offsetX, e.offsetY);
});
draw.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  dctx.strokeStyle = '#fff';
  dctx.lineWidth = 24;
  dctx.lineCap = 'round';
  dctx.lineJoin = 'round';
  dctx.lineTo(e.offsetX, e.offsetY);
  dctx.stroke();
});
window.addEventListener('pointerup', () => (drawing = false));
draw.addEventListener('dragover', (e) => {
  e.preventDefault();
  draw.classList.add('over');
});
draw.addEventListener('dragleave', () => draw.classList.remove('over'));
draw.addEventListener('drop', async (e) => {
  e.preventDefault();
  draw.classList.remove('over');
  const file = e.dataTransfer?.files[0];
  if (!file) return;
  const bitmap = await createImageBitmap(file);
  clearDrawing();
  const s = Math.min(draw.width / bitmap.width, draw.height / bitmap.height);
  dctx.drawImage(bitmap, (draw.width - bitmap.width * s) / 2, (draw.height - bitmap.height * s) / 2, bitmap.width * s, bitmap.height * s);
});
$('clear').addEventListener('click', clearDrawing);

/** The drawing as a 28x28 Fashion-MNIST-like image: gray, light object on dark. */
function drawingPixels(): Float32Array {
  const small = new OffscreenCanvas(28, 28);
  const sctx = small.getContext('2d')!;
  sctx.drawImage(draw, 0, 0, 28, 28);
  const rgba = sctx.getImageData(0, 0, 28, 28).data;
  const px = new Float32Array(784);
  for (let i = 0; i < 784; i++) px[i] = (0.299 * rgba[i * 4] + 0.587 * rgba[i * 4 + 1] + 0.114 * rgba[i * 4 + 2]) / 255;
  // A photo on a light background: invert, as the data set has dark backgrounds.
  const border = [...px.subarray(0, 28), ...px.subarray(756)];
  if (border.reduce((a, b) => a + b, 0) / border.length > 0.5) for (let i = 0; i < 784; i++) px[i] = 1 - px[i];
  return px;
}

async function classify(model: tf.Sequential): Promise<void> {
  const x = tf.tensor(drawingPixels(), [1, 28, 28, 1]);
  const p = model.predict(x);
  const probs = Array.from((await p.data()) as Float32Array);
  tf.dispose([x, p]);
  state.probs = probs;
  const order = probs.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  $('probs').replaceChildren(
    ...order.map(([v, i]) => {
      const li = document.createElement('li');
      li.textContent = `${CLASSES[i]} ${(100 * v).toFixed(1)} %`;
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${Math.round(200 * v)}px`;
      li.append(bar);
      return li;
    }),
  );
}

// ---- main --------------------------------------------------------------------
async function main(): Promise<void> {
  const info = await tf.ready();
  state.info = info;
  $('backend').textContent = `core: ${info.flavor} build, ${info.poolThreads} thread${info.poolThreads > 1 ? 's' : ''}, in a Web Worker${info.flavor === 'single' ? ' (the page is not cross-origin isolated, so no shared memory)' : ''}`;
  const [train, test] = await Promise.all([loadSplit(trainImagesUrl, trainLabelsUrl), loadSplit(testImagesUrl, testLabelsUrl)]);
  tf.random.setSeed(2021);
  const model = tf.builders.cifarCnn([28, 28, 1], 10);
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await drawFilters(model);
  await drawFeatureMaps(model, test, 0);
  const trainButton = $<HTMLButtonElement>('train');
  trainButton.disabled = false;
  $<HTMLButtonElement>('classify').disabled = false;

  const index = $<HTMLInputElement>('image-index');
  const show = (i: number) => {
    index.value = String((i + 1000) % 1000);
    void drawFeatureMaps(model, test, Number(index.value));
  };
  index.addEventListener('change', () => show(Number(index.value)));
  $('prev').addEventListener('click', () => show(Number(index.value) - 1));
  $('next').addEventListener('click', () => show(Number(index.value) + 1));
  $('classify').addEventListener('click', () => void classify(model));

  trainButton.addEventListener('click', async () => {
    trainButton.disabled = true;
    const epochs = Number($<HTMLInputElement>('epochs').value);
    const limit = Math.min(train.labels.length, Number($<HTMLInputElement>('limit').value));
    const x = limit < train.labels.length ? tf.slice(train.x, [0, 0, 0, 0], [limit, 28, 28, 1]) : train.x;
    const y = limit < train.labels.length ? tf.slice(train.y, [0], [limit]) : train.y;
    const steps = Math.ceil(limit / 64);
    const t0 = performance.now();
    try {
      await model.fit(x, y, {
        epochs,
        batchSize: 64,
        validationData: [test.x, test.y],
        verbose: 0,
        callbacks: {
          onBatchEnd: (batch) => {
            state.batches += 1;
            $('status').textContent = `epoch ${state.epochs.length + 1}/${epochs}, batch ${batch + 1}/${steps}`;
          },
          onEpochEnd: async (_epoch, logs) => {
            state.epochs.push({ loss: logs!.loss, acc: logs!.accuracy ?? logs!.acc, val_loss: logs!.val_loss, val_acc: logs!.val_accuracy ?? logs!.val_acc });
            drawChart();
            await drawFilters(model);
            await drawFeatureMaps(model, test, Number(index.value));
          },
        },
      });
      const last = state.epochs[state.epochs.length - 1];
      $('status').textContent = `done in ${((performance.now() - t0) / 1000).toFixed(1)} s: validation accuracy ${(100 * last.val_acc).toFixed(1)} %`;
      state.trained = true;
    } finally {
      if (x !== train.x) tf.dispose([x, y]);
      trainButton.disabled = false;
    }
  });
}

main().catch((e: unknown) => {
  state.error = e instanceof Error ? `${e.message}\n${e.stack}` : String(e);
  $('backend').textContent = `error: ${state.error}`;
});
