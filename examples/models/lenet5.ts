/**
 * LeNet-5 (LeCun et al. 1998), 32x32x1: summary and one forward pass.
 *
 *   node --import tsx examples/models/lenet5.ts [--threads 2]
 */
import * as tf from 'cnn-ts';
import { ready, show } from './show.js';

await ready();
await show(tf.builders.lenet5());
