// The architecture set (issue 13): every builder's parameter counts as
// Keras counts them (batch-norm moving statistics non-trainable), Keras's
// summary rows and the builders' errors (forward passes and training steps:
// builders-run.test.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';

beforeAll(async () => {
  await tf.ready({ threads: 2 });
});

type Built = tf.LayersModel;
const B = tf.builders;

function trainable(m: Built): number {
  return m.trainableWeights.reduce((s, w) => s + w.size, 0);
}

/** [builder, total, trainable] at the defaults, from the issue (the references' published counts). */
const COUNTS: [string, () => Built, number, number][] = [
  ['lenet5', () => B.lenet5(), 61_706, 61_706],
  ['alexnet', () => B.alexnet(), 62_378_344, 62_378_344],
  ['vgg16', () => B.vgg16(), 138_357_544, 138_357_544],
  ['vgg19', () => B.vgg19(), 143_667_240, 143_667_240],
  ['resnet18', () => B.resnet18(), 11_699_112, 11_689_512],
  ['resnet34', () => B.resnet34(), 21_814_696, 21_797_672],
  ['resnet50', () => B.resnet50(), 25_636_712, 25_583_592],
  ['resnet101', () => B.resnet101(), 44_707_176, 44_601_832],
  ['resnet152', () => B.resnet152(), 60_419_944, 60_268_520],
  ['unet', () => B.unet(), 31_031_745, 31_031_745],
  ['mobilenetV2', () => B.mobilenetV2(), 3_538_984, 3_504_872],
];

describe('parameter counts at the defaults', () => {
  for (const [name, build, total, train] of COUNTS) {
    it(`${name}: ${total.toLocaleString('en-US')} total, ${train.toLocaleString('en-US')} trainable`, () => {
      const m = build();
      try {
        expect(m.countParams()).toBe(total);
        expect(trainable(m)).toBe(train);
        const lines: string[] = [];
        m.summary(undefined, undefined, (l) => lines.push(l));
        expect(lines).toContain(`Total params: ${total.toLocaleString('en-US')}`);
        expect(lines).toContain(`Trainable params: ${train.toLocaleString('en-US')}`);
        expect(lines).toContain(`Non-trainable params: ${(total - train).toLocaleString('en-US')}`);
      } finally {
        m.dispose();
      }
    });
  }
});

describe("summary rows as Keras's", () => {
  it('lenet5: conv 156, pool 0, conv 2416, dense 48120 / 10164 / 850', () => {
    const m = B.lenet5();
    const rows = m.layers.map((l) => [l.className, l.countParams()]);
    expect(rows).toEqual([['Conv2D', 156], ['AveragePooling2D', 0], ['Conv2D', 2416], ['AveragePooling2D', 0], ['Flatten', 0], ['Dense', 48120], ['Dense', 10164], ['Dense', 850]]);
    m.dispose();
  });

  it("mobilenetV2 uses Keras applications' layer names, shapes and counts", () => {
    const m = B.mobilenetV2();
    const lines: string[] = [];
    m.summary(undefined, undefined, (l) => lines.push(l));
    const row = (re: RegExp) => expect(lines.some((l) => re.test(l)), String(re)).toBe(true);
    row(/^Conv1 \(Conv2D\)\s+\(None, 112, 112, 32\)\s+864\s/);
    row(/^bn_Conv1 \(BatchNormalizatio\S*\s+\(None, 112, 112, 32\)\s+128\s/);
    row(/^block_1_pad \(ZeroPadding2D\)\s+\(None, 113, 113, 96\)\s+0\s/);
    row(/^block_1_depthwise \(DepthwiseConv\(None, 56, 56, 96\)\s+864\s/);
    row(/^block_2_add \(Add\)\s+\(None, 56, 56, 24\)\s+0\s+block_1_project_BN\[0\]\[0\], block_2/);
    row(/^Conv_1 \(Conv2D\)\s+\(None, 7, 7, 1280\)\s+409600\s/);
    row(/^predictions \(Dense\)\s+\(None, 1000\)\s+1281000\s/);
    m.dispose();
  });

  it('resnet50 stage shapes follow Keras applications', () => {
    const m = B.resnet50();
    const lines: string[] = [];
    m.summary(undefined, undefined, (l) => lines.push(l));
    const shape = (name: string) => lines.find((l) => l.startsWith(`${name} (`))?.match(/\(None[^)]*\)/)?.[0];
    expect(shape('pool1_pool')).toBe('(None, 56, 56, 64)');
    expect(shape('conv2_block3_out')).toBe('(None, 56, 56, 256)');
    expect(shape('conv3_block1_out')).toBe('(None, 28, 28, 512)');
    expect(shape('conv5_block3_out')).toBe('(None, 7, 7, 2048)');
    m.dispose();
  });
});

describe('bad input fails at the builder', () => {
  it('names the minimum input', () => {
    expect(() => B.resnet50({ inputShape: [16, 16, 3] })).toThrow('resnet50: input 16x16 is too small; the minimum is 32x32');
    expect(() => B.alexnet({ inputShape: [64, 64, 3] })).toThrow('alexnet: input 64x64 is too small; the minimum is 67x67');
    expect(() => B.vgg19({ inputShape: [31, 40, 3] })).toThrow('vgg19: input 31x40 is too small; the minimum is 32x32');
    expect(() => B.lenet5({ inputShape: [12, 12, 1] })).toThrow('lenet5: input 12x12 is too small; the minimum is 16x16');
    expect(() => B.mobilenetV2({ inputShape: [24, 24, 3] })).toThrow('mobilenetV2: input 24x24 is too small; the minimum is 32x32');
    expect(() => B.unet({ inputShape: [40, 40, 3] })).toThrow('unet: input height and width must be multiples of 16, got 40x40');
  });
  it('refuses classes < 1 and unknown options', () => {
    expect(() => B.resnet18({ classes: 0 })).toThrow('resnet18: classes must be a positive integer, got 0');
    expect(() => B.unet({ classes: 1.5 })).toThrow('unet: classes must be a positive integer, got 1.5');
    // @ts-expect-error: a typo a JavaScript user could make
    expect(() => B.mobilenetV2({ clases: 10 })).toThrow("mobilenetV2: unknown option 'clases'; expected one of inputShape, classes");
    expect(() => B.vgg16({ inputShape: [224, 224] })).toThrow('vgg16: inputShape must be [height, width, channels] of positive integers, got [224,224]');
  });
});
