/** Gradients of the convolutions, pooling and resizing (ops/conv.ts, ops/depthwise.ts, ops/resize.ts). */
import { makeTensor, type Tensor } from '../tensor.js';
import { call } from '../ops/kernel.js';
import type { ConvAttrs } from '../ops/conv.js';
import { registerGradient, registerGradientFusion } from './registry.js';

/** `db` of a bias over the last axis of `dy`. */
function biasGrad(dy: Tensor, bias: Tensor, channels: number): Tensor {
  const db = makeTensor([...bias.shape], 'float32');
  call('biasGrad', [dy], [db], [channels]);
  return db;
}

/**
 * `[dx, dw]` (and `db` with a bias) of a convolution from `dy`; the input
 * gradient is skipped when not needed (the first layer's, in training).
 */
function filterGrads(
  input: 'conv2dBackpropInput' | 'depthwiseConv2dBackpropInput',
  filter: 'conv2dBackpropFilter' | 'depthwiseConv2dBackpropFilter',
  dy: Tensor,
  x: Tensor,
  f: Tensor,
  bias: Tensor | undefined,
  g: { spec: Uint32Array; out: number[] },
  needed: boolean[],
): (Tensor | null)[] {
  let dx: Tensor | null = null;
  if (needed[0]) {
    dx = makeTensor([...x.shape], 'float32');
    call(input, [dy, f], [dx], [g.spec]);
  }
  const dw = makeTensor([...f.shape], 'float32');
  call(filter, [x, dy], [dw], [g.spec]);
  if (!bias) return [dx, dw];
  return [dx, dw, biasGrad(dy, bias, g.out[3])];
}

// conv2d and the fused conv2d (+ bias, + relu): inputs [x, filter] or [x, filter, bias].
registerGradient<ConvAttrs>('conv2d', ([dy0], { inputs: [x, f, bias], outputs: [y], attrs: g, needed, fused }) => {
  let dy = dy0;
  if (fused) {
    // The max pool after this layer already applied the ReLU mask to dy0 and summed the bias
    // gradient (maxPool2dReluBiasGrad, below).
    return [...filterGrads('conv2dBackpropInput', 'conv2dBackpropFilter', dy0, x, f, undefined, g, needed), fused];
  }
  if (g.activation === 'relu' && bias) {
    // The ReLU mask and the bias gradient in one pass over dy.
    dy = makeTensor(g.out, 'float32');
    const db = makeTensor([...bias.shape], 'float32');
    call('reluBiasGrad', [y, dy0], [dy, db], [g.out[3]]);
    return [...filterGrads('conv2dBackpropInput', 'conv2dBackpropFilter', dy, x, f, undefined, g, needed), db];
  }
  if (g.activation === 'relu') {
    dy = makeTensor(g.out, 'float32');
    call('reluBackward', [y, dy0], [dy]);
  }
  return filterGrads('conv2dBackpropInput', 'conv2dBackpropFilter', dy, x, f, bias, g, needed);
});

registerGradient<ConvAttrs>('conv2dTranspose', ([dy], { inputs: [x, f], attrs: g }) => {
  const dx = makeTensor(g.out, 'float32');
  call('conv2d', [dy, f, null], [dx], [0, g.spec]);
  const dw = makeTensor([...f.shape], 'float32');
  call('conv2dBackpropFilter', [dy, x], [dw], [g.spec]);
  return [dx, dw];
});

registerGradient<{ spec: Uint32Array; out: number[] }>('depthwiseConv2d', ([dy], { inputs: [x, f, bias], attrs: g, needed }) => {
  return filterGrads('depthwiseConv2dBackpropInput', 'depthwiseConv2dBackpropFilter', dy, x, f, bias, g, needed);
});

registerGradient<{ spec: Uint32Array }>('maxPool', ([dy], { inputs: [x], attrs: { spec } }) => {
  const dx = makeTensor([...x.shape], 'float32');
  call('maxPool2dBackward', [x, dy], [dx], [spec]);
  return [dx];
});

// A max pool right after a ReLU-fused convolution with a bias (every CNN's conv, relu, max pool),
// when nothing else reads the convolution's output: the max pool's gradient, the ReLU mask and the
// bias gradient in one pass (the same bits as maxPool2dBackward then reluBiasGrad), handing
// the bias gradient to the convolution's backward function above.
registerGradientFusion<{ spec: Uint32Array }>('maxPool', {
  producer: 'conv2d',
  applies: ({ inputs, attrs }) => (attrs as ConvAttrs).activation === 'relu' && inputs[2] !== undefined,
  run: ([dy], { inputs: [x], attrs: { spec } }) => {
    const dx = makeTensor([...x.shape], 'float32');
    const db = makeTensor([x.shape[3]], 'float32');
    call('maxPool2dReluBiasGrad', [x, dy], [dx, db], [spec]);
    return { dx, fused: db };
  },
});

registerGradient<{ spec: Uint32Array }>('avgPool', ([dy], { inputs: [x], attrs: { spec } }) => {
  const dx = makeTensor([...x.shape], 'float32');
  call('avgPool2dBackward', [dy], [dx], [spec]);
  return [dx];
});

for (const [op, kernel] of [['globalAveragePooling2d', 'globalAvgPoolBackward'], ['globalMaxPooling2d', 'globalMaxPoolBackward']] as const) {
  registerGradient(op, ([dy], { inputs: [x] }) => {
    const [n, h, w, c] = x.shape;
    const dx = makeTensor([...x.shape], 'float32');
    if (kernel === 'globalAvgPoolBackward') call(kernel, [dy], [dx], [n, h, w, c]);
    else call(kernel, [x, dy], [dx], [n, h, w, c]);
    return [dx];
  });
}

registerGradient<{ spec: Uint32Array }>('resize2d', ([dy], { inputs: [x], attrs: { spec } }) => {
  const dx = makeTensor([...x.shape], 'float32');
  call('resize2dBackward', [dy], [dx], [spec]);
  return [dx];
});
