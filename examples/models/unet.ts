/**
 * U-Net (Ronneberger et al. 2015, 'same' padding), 256x256x3, one sigmoid mask: summary and one forward pass.
 *
 *   node --import tsx examples/models/unet.ts [--threads 2]
 */
import * as tf from 'cnn-ts';
import { ready, show } from './show.js';

await ready();
await show(tf.builders.unet());
