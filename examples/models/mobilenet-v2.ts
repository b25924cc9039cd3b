/**
 * MobileNetV2 (Sandler et al. 2018, Keras applications, alpha 1.0), 224x224x3: summary and one forward pass.
 *
 *   node --import tsx examples/models/mobilenet-v2.ts [--threads 2]
 */
import * as tf from 'cnn-ts';
import { ready, show } from './show.js';

await ready();
await show(tf.builders.mobilenetV2());
