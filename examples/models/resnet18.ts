/**
 * ResNet-18 (He et al. 2015, torchvision's basic blocks), 224x224x3: summary and one forward pass.
 *
 *   node --import tsx examples/models/resnet18.ts [--threads 2]
 */
import * as tf from 'cnn-ts';
import { ready, show } from './show.js';

await ready();
await show(tf.builders.resnet18());
