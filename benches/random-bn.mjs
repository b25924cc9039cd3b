// Random batch-norm statistics (gamma, beta, moving mean, moving variance) for
// a tf.builders model, so that the folded batch norms of our predict path are
// compared with tfjs-layers' unfused ones on values that matter: with the
// initial statistics MobileNetV2's features are all zero and every output
// equal. Used by benches/architectures.mjs and benches/scaling.mjs (not a
// bench itself).
export function randomiseBatchNorms(ctf, m) {
  let seed = 11;
  for (const l of m.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    const c = l.getWeights()[0].shape[0];
    const u = (lo, hi) => ctf.randomUniform([c], lo, hi, 'float32', seed++);
    const ws = [u(0.5, 1.5), u(-0.2, 0.4), u(-0.2, 0.2), u(0.5, 2)];
    l.setWeights(ws);
    ctf.dispose(ws);
  }
}
