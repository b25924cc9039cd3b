// One process start of the Node entry (`import 'cnn-ts'` starts the core with
// a 2-thread pool before the importing module runs), then a pooled op; prints
// the backend info. tests/wasm-start.test.ts runs it many times.
import * as tf from 'cnn-ts';

const info = await tf.ready({ threads: 2 });
const y = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]));
const v = await y.data();
console.log(JSON.stringify({ poolThreads: info.poolThreads, flavor: info.flavor, v0: v[0] }));
