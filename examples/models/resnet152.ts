/**
 * ResNet-152, 224x224x3: summary and one forward pass.
 *
 *   node --import tsx examples/models/resnet152.ts [--threads 2]
 */
import * as tf from 'cnn-ts';
import { ready, show } from './show.js';

await ready();
await show(tf.builders.resnet152());
