/**
 * AlexNet (Krizhevsky et al. 2012), 227x227x3; --lrn adds local response normalisation: summary and one forward pass.
 *
 *   node --import tsx examples/models/alexnet.ts [--threads 2]
 */
import * as tf from 'cnn-ts';
import { ready, show } from './show.js';

await ready();
await show(tf.builders.alexnet({ lrn: process.argv.includes('--lrn') }));
