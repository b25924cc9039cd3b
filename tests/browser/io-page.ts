// Model I/O in a real browser, the core in a Web Worker: http(s) load of a
// model Node saved, indexeddb:// and localstorage:// round trips with
// listModels / copyModel / removeModel, and tf.io.browserFiles.
import * as tf from 'cnn-ts';

async function predict(m: tf.LayersModel): Promise<number[]> {
  const y = m.predict(tf.ones([1, 4, 4, 1]));
  return Array.from(await y.data());
}

async function main() {
  await tf.ready({ threads: 2, workerUrl: '/packages/cnn-worker/dist/worker.browser.js' });
  const fromHttp = await tf.loadLayersModel('/tests/browser/.build/io-model/model.json');
  const httpPrediction = await predict(fromHttp);

  await fromHttp.save('indexeddb://io-test');
  const idb = await tf.loadLayersModel('indexeddb://io-test');
  const idbPrediction = await predict(idb);
  await tf.io.copyModel('indexeddb://io-test', 'localstorage://io-test');
  const listed = Object.keys(await tf.io.listModels()).sort();
  const ls = await tf.loadLayersModel('localstorage://io-test');
  const lsPrediction = await predict(ls);
  await tf.io.removeModel('indexeddb://io-test');
  await tf.io.removeModel('localstorage://io-test');
  const afterRemove = Object.keys(await tf.io.listModels());
  let missing = '';
  try {
    await tf.loadLayersModel('indexeddb://io-test');
  } catch (e) {
    missing = (e as Error).message;
  }

  // What a user picks in an <input type=file multiple>.
  let art: tf.io.ModelArtifacts | undefined;
  await fromHttp.save(tf.io.withSaveHandler(async (a) => ((art = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  const json = new File([JSON.stringify({ modelTopology: art!.modelTopology, weightsManifest: [{ paths: ['./w.bin'], weights: art!.weightSpecs }] })], 'model.json');
  const bin = new File([art!.weightData as ArrayBuffer], 'w.bin');
  const picked = await tf.loadLayersModel(tf.io.browserFiles([json, bin]));
  const filesPrediction = await predict(picked);
  return { httpPrediction, idbPrediction, lsPrediction, filesPrediction, listed, afterRemove, missing };
}

(window as unknown as { result: Promise<unknown> }).result = main();
