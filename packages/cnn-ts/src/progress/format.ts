/**
 * Keras' training output, character for character: the formatting of
 * `tf.keras.utils.Progbar` (Keras 2.x, keras/utils/generic_utils.py) as pure
 * functions. Times are in seconds; logs are the running means `fit` reports.
 */

/** Log keys Keras never prints. */
const HIDDEN = new Set(['batch', 'size', 'num_steps']);

/** Python's `'%.0f' % x` for x >= 0: rounds half to even. */
function pyRound0(x: number): string {
  const floor = Math.floor(x);
  const diff = x - floor;
  const r = diff > 0.5 || (diff === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  return String(r);
}

/**
 * A metric value as Keras prints it: `' %.4f'` when |v| > 1e-3, else
 * `' %.4e'` with Python's two-digit exponent (`0.0000e+00`, `1.2340e-04`).
 *
 * @example
 * formatValue(0.41234); // '0.4123'
 * formatValue(0.00012); // '1.2000e-04'
 */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Math.abs(v) > 1e-3) return v.toFixed(4);
  const [mantissa, exp] = v.toExponential(4).split('e');
  const sign = exp.startsWith('-') ? '-' : '+';
  return `${mantissa}e${sign}${exp.replace(/^[+-]/, '').padStart(2, '0')}`;
}

/**
 * `' - loss: 0.4123 - acc: 0.8512'` for the logs in their insertion order,
 * without Keras' bookkeeping keys (`batch`, `size`).
 *
 * @example
 * formatLogs({ loss: 0.5, acc: 0.75 }); // ' - loss: 0.5000 - acc: 0.7500'
 */
export function formatLogs(logs: Readonly<Record<string, number>>): string {
  let out = '';
  for (const [k, v] of Object.entries(logs)) {
    if (!HIDDEN.has(k)) out += ` - ${k}: ${formatValue(v)}`;
  }
  return out;
}

/**
 * Keras' ETA: `h:mm:ss` above an hour, `m:ss` above a minute, else `Ns`
 * (whole seconds, truncated as Python's `%d`).
 *
 * @example
 * formatEta(3.7); // '3s'
 * formatEta(125); // '2:05'
 */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (seconds > 3600) return `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  if (seconds > 60) return `${Math.floor(s / 60)}:${pad(s % 60)}`;
  return `${s}s`;
}

/**
 * Time per step as Keras prints it: `2s/step`, `16ms/step` or `350us/step`.
 *
 * @example
 * formatStepTime(0.016); // '16ms/step'
 */
export function formatStepTime(secondsPerStep: number, unit = 'step'): string {
  if (secondsPerStep >= 1 || secondsPerStep === 0) return `${pyRound0(secondsPerStep)}s/${unit}`;
  if (secondsPerStep >= 1e-3) return `${pyRound0(secondsPerStep * 1e3)}ms/${unit}`;
  return `${pyRound0(secondsPerStep * 1e6)}us/${unit}`;
}

/**
 * `' 375/750 [==============>...............]'`-style counter and bar:
 * the count right-aligned to the total's width, `width` cells, `>` at the
 * head while unfinished.
 *
 * @example
 * formatBar(375, 750); // '375/750 [==============>...............]'
 */
export function formatBar(current: number, total: number, width = 30): string {
  const digits = String(total).length;
  const progWidth = Math.floor(width * (current / total)); // as Keras: int(width * prog)
  let bar = '';
  if (progWidth > 0) bar = '='.repeat(progWidth - 1) + (current < total ? '>' : '=');
  bar += '.'.repeat(Math.max(0, width - progWidth));
  return `${String(current).padStart(digits)}/${total} [${bar}]`;
}

/** Counter, elapsed time and logs of one progress line. */
export interface ProgressState {
  /** Steps done so far. */
  current: number;
  /** Steps in the epoch. */
  total: number;
  /** Seconds since the epoch began. */
  elapsed: number;
  logs: Readonly<Record<string, number>>;
}

/**
 * The in-place line while an epoch runs (verbose 1):
 * `375/750 [==============>...............] - ETA: 6s - loss: 0.4123 - acc: 0.8512`.
 * ETA = mean time per step so far x steps left.
 *
 * @example
 * progressLine({ current: 375, total: 750, elapsed: 6, logs: { loss: 0.4123 } });
 */
export function progressLine(s: ProgressState, width = 30): string {
  const perStep = s.current > 0 ? s.elapsed / s.current : 0;
  const eta = s.current > 0 ? ` - ETA: ${formatEta(perStep * (s.total - s.current))}` : '';
  return `${formatBar(s.current, s.total, width)}${eta}${formatLogs(s.logs)}`;
}

/**
 * The line that ends an epoch at verbose 1:
 * `750/750 [==============================] - 12s 16ms/step - loss: 0.4123 - acc: 0.8512 - val_loss: 0.3870 - val_acc: 0.8650`.
 *
 * @example
 * finalLine({ current: 750, total: 750, elapsed: 12, logs });
 */
export function finalLine(s: ProgressState, width = 30): string {
  const perStep = s.current > 0 ? s.elapsed / s.current : 0;
  return `${formatBar(s.current, s.total, width)} - ${pyRound0(s.elapsed)}s ${formatStepTime(perStep)}${formatLogs(s.logs)}`;
}

/**
 * The one line per epoch of verbose 2:
 * `750/750 - 12s - 16ms/step - loss: 0.4123 - acc: 0.8512 - val_loss: 0.3870 - val_acc: 0.8650`.
 *
 * @example
 * verbose2Line({ current: 750, total: 750, elapsed: 12, logs });
 */
export function verbose2Line(s: ProgressState): string {
  const perStep = s.current > 0 ? s.elapsed / s.current : 0;
  const count = `${String(s.current).padStart(String(s.total).length)}/${s.total}`;
  return `${count} - ${pyRound0(s.elapsed)}s - ${formatStepTime(perStep)}${formatLogs(s.logs)}`;
}
