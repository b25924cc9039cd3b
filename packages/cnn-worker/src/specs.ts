/**
 * Packed geometry specs for the wasm boundary. The layout mirrors
 * `Conv2dArgs::from_words` in crates/cnn-core/src/shape.rs.
 */

/** Padding as the core understands it (already parsed from TF's forms). */
export type PadSpec = 'valid' | 'same' | { top: number; bottom: number; left: number; right: number };

/** A convolution: input `[n,h,w,cin]`, filter `[kh,kw,cin,cout]`. */
export interface Conv2dSpec {
  n: number;
  h: number;
  w: number;
  cin: number;
  kh: number;
  kw: number;
  cout: number;
  strides: [number, number];
  dilations: [number, number];
  pad: PadSpec;
}

export function encodeConv2d(s: Conv2dSpec): Uint32Array {
  const p = s.pad;
  const mode = p === 'valid' ? 0 : p === 'same' ? 1 : 2;
  const e = typeof p === 'object' ? [p.top, p.bottom, p.left, p.right] : [0, 0, 0, 0];
  return Uint32Array.from([s.n, s.h, s.w, s.cin, s.kh, s.kw, s.cout, s.strides[0], s.strides[1], s.dilations[0], s.dilations[1], mode, ...e]);
}
