// Keras-style progress output: exact strings from the pure formatters, and
// what Progbar / ProgbarLogger write to a captured stream (TTY and not).
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { finalLine, formatBar, formatEta, formatLogs, formatStepTime, formatValue, progressLine, verbose2Line } from '../src/progress/format.js';
import { Progbar, ProgbarLogger, type ProgressStream } from '../src/progress/progbar.js';

/** A writable that records what was written; `isTTY` as asked. */
function capture(isTTY: boolean): { stream: ProgressStream; text: () => string } {
  const chunks: string[] = [];
  const stream: ProgressStream = Object.assign(
    new Writable({ write(chunk: Buffer | string, _enc, cb) { chunks.push(chunk.toString()); cb(); } }),
    isTTY ? { isTTY: true, columns: 200 } : {},
  );
  return { stream, text: () => chunks.join('') };
}

/** A clock the test moves by hand (milliseconds). */
function fakeClock() {
  let t = 0;
  return { now: () => t, set: (ms: number) => { t = ms; } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Keras number and time formats', () => {
  it('values: 4 decimals above 1e-3, Python-style exponent at or below', () => {
    expect(formatValue(0.41234)).toBe('0.4123');
    expect(formatValue(2.5)).toBe('2.5000');
    expect(formatValue(-0.5)).toBe('-0.5000');
    expect(formatValue(0.00012345)).toBe('1.2345e-04');
    expect(formatValue(0)).toBe('0.0000e+00');
    expect(formatValue(1e-12)).toBe('1.0000e-12');
    expect(formatValue(Number.NaN)).toBe('nan');
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe('inf');
  });

  it('logs in insertion order, batch and size hidden', () => {
    expect(formatLogs({ batch: 3, size: 64, loss: 0.5, acc: 0.75 })).toBe(' - loss: 0.5000 - acc: 0.7500');
    expect(formatLogs({})).toBe('');
  });

  it('ETA: seconds truncated, m:ss above a minute, h:mm:ss above an hour', () => {
    expect(formatEta(3.7)).toBe('3s');
    expect(formatEta(60)).toBe('60s');
    expect(formatEta(125)).toBe('2:05');
    expect(formatEta(3725)).toBe('1:02:05');
  });

  it('time per step: s, ms, us; halves round to even as Python', () => {
    expect(formatStepTime(2.4)).toBe('2s/step');
    expect(formatStepTime(0.016)).toBe('16ms/step');
    expect(formatStepTime(0.00035)).toBe('350us/step');
    expect(formatStepTime(0)).toBe('0s/step');
    expect(formatStepTime(2.5)).toBe('2s/step');
    expect(formatStepTime(3.5)).toBe('4s/step');
  });

  it('bar: right-aligned count, > head while unfinished, 30 cells', () => {
    expect(formatBar(0, 750)).toBe(`  0/750 [${'.'.repeat(30)}]`);
    expect(formatBar(375, 750)).toBe(`375/750 [${'='.repeat(14)}>${'.'.repeat(15)}]`);
    expect(formatBar(750, 750)).toBe(`750/750 [${'='.repeat(30)}]`);
    expect(formatBar(1, 3, 10)).toBe('1/3 [==>.......]');
  });
});

describe('Keras lines', () => {
  const logs = { loss: 0.4123, acc: 0.8512 };
  const epochLogs = { ...logs, val_loss: 0.387, val_acc: 0.865 };

  it('in-progress line: bar, ETA from mean step time, logs', () => {
    expect(progressLine({ current: 375, total: 750, elapsed: 6, logs })).toBe(
      `375/750 [${'='.repeat(14)}>${'.'.repeat(15)}] - ETA: 6s - loss: 0.4123 - acc: 0.8512`,
    );
  });

  it('verbose 1 closing line: total time, time per step, val metrics', () => {
    expect(finalLine({ current: 750, total: 750, elapsed: 12, logs: epochLogs })).toBe(
      `750/750 [${'='.repeat(30)}] - 12s 16ms/step - loss: 0.4123 - acc: 0.8512 - val_loss: 0.3870 - val_acc: 0.8650`,
    );
  });

  it('verbose 2 line', () => {
    expect(verbose2Line({ current: 750, total: 750, elapsed: 12, logs: epochLogs })).toBe(
      '750/750 - 12s - 16ms/step - loss: 0.4123 - acc: 0.8512 - val_loss: 0.3870 - val_acc: 0.8650',
    );
  });
});

describe('ProgbarLogger output', () => {
  it('verbose 2, 2 epochs of 4 steps: header and one line per epoch, nothing else', () => {
    const out = capture(false);
    const clock = fakeClock();
    const log = new ProgbarLogger({ verbose: 2, epochs: 2, steps: 4, stream: out.stream, now: clock.now });
    for (let epoch = 0; epoch < 2; epoch++) {
      clock.set(0);
      log.onEpochBegin(epoch);
      for (let b = 0; b < 4; b++) log.onBatchEnd(b, { loss: 1 / (b + 1), acc: 0.25 * b });
      clock.set(2000);
      log.onEpochEnd(epoch, { loss: 0.25, acc: 0.75, val_loss: 0.5, val_acc: 0.5 });
    }
    const line = '4/4 - 2s - 500ms/step - loss: 0.2500 - acc: 0.7500 - val_loss: 0.5000 - val_acc: 0.5000';
    expect(out.text()).toBe(`Epoch 1/2\n${line}\nEpoch 2/2\n${line}\n`);
  });

  it('verbose 1 on a non-TTY stream: only the closing line, no carriage returns or escapes', () => {
    const out = capture(false);
    const clock = fakeClock();
    const log = new ProgbarLogger({ verbose: 1, epochs: 1, steps: 8, stream: out.stream, now: clock.now });
    log.onEpochBegin(0);
    for (let b = 0; b < 8; b++) { clock.set(500 * (b + 1)); log.onBatchEnd(b, { loss: 0.5 }); }
    log.onEpochEnd(0, { loss: 0.5, val_loss: 0.25 });
    expect(out.text()).toBe(`8/8 [${'='.repeat(30)}] - 4s 500ms/step - loss: 0.5000 - val_loss: 0.2500\n`);
  });

  it('verbose 0 writes nothing', () => {
    const out = capture(true);
    const log = new ProgbarLogger({ verbose: 0, epochs: 3, steps: 2, stream: out.stream });
    log.onEpochBegin(0);
    log.onBatchEnd(0, { loss: 1 });
    log.onEpochEnd(0, { loss: 1 });
    expect(out.text()).toBe('');
  });

  it('verbose 1 on a TTY: bar redrawn in place (cursor to column 1), then the closing line on its own', async () => {
    const out = capture(true);
    const clock = fakeClock();
    const bar = new Progbar(8, { verbose: 1, stream: out.stream, now: clock.now, fps: 1000 });
    await sleep(5); // let the throttle pass so update() redraws at once
    clock.set(2000);
    bar.update(4, { loss: 0.5 });
    const during = out.text();
    clock.set(4000);
    bar.finish({ loss: 0.25, val_loss: 0.125 });
    const all = out.text();
    expect(during).toContain(`0/8 [${'.'.repeat(30)}]`);
    expect(during).toContain(`4/8 [${'='.repeat(14)}>${'.'.repeat(15)}] - ETA: 2s - loss: 0.5000`);
    expect(during).toContain('\x1b[1G'); // readline.cursorTo(stream, 0): redraw the same line
    expect(during).not.toContain('\n');
    expect(all.endsWith(`\x1b[2K8/8 [${'='.repeat(30)}] - 4s 500ms/step - loss: 0.2500 - val_loss: 0.1250\n`)).toBe(true);
  });

  it('stop() after a failure ends the bar without a closing line, and later calls do nothing', () => {
    const out = capture(false);
    const bar = new Progbar(4, { verbose: 2, stream: out.stream });
    bar.update(1, { loss: 1 });
    bar.stop();
    bar.finish();
    expect(out.text()).toBe('');
  });

  it('bad arguments name the class, expected and actual', () => {
    expect(() => new Progbar(0)).toThrow('Progbar: target must be a positive integer but got 0');
    expect(() => new Progbar(4, { verbose: 2 }).update(5)).toThrow('Progbar: current must be an integer in [0, 4] but got 5');
    expect(() => new ProgbarLogger({ verbose: 1, epochs: 0, steps: 1 })).toThrow('ProgbarLogger: epochs must be a positive integer but got 0');
  });
});
