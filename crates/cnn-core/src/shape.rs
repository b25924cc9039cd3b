//! The one place that computes convolution and pooling geometry.
//!
//! TensorFlow's rules (which the product promises to match exactly): VALID `out = floor((in - k_eff) / s) + 1`;
//! SAME `out = ceil(in / s)`, `pad_total = max((out - 1) * s + k_eff - in, 0)`,
//! `pad_before = floor(pad_total / 2)`, the odd pixel after; explicit padding
//! as given. `k_eff = (k - 1) * dilation + 1`.

use crate::error::{numel, CoreError, Result};
use crate::tuning::Tuning;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    Valid,
    Same,
    /// `[top, bottom, left, right]`.
    Explicit([usize; 4]),
}

impl Padding {
    /// The padding of a packed spec: `mode` 0 valid, 1 same, 2 explicit
    /// (`explicit` = `[top, bottom, left, right]`, ignored otherwise).
    pub fn from_words(op: &'static str, mode: u32, explicit: [usize; 4]) -> Result<Padding> {
        match mode {
            0 => Ok(Padding::Valid),
            1 => Ok(Padding::Same),
            2 => Ok(Padding::Explicit(explicit)),
            m => Err(CoreError::new(op, format!("unknown padding mode {m}, expected 0 (valid), 1 (same) or 2 (explicit)"))),
        }
    }
}

/// Geometry of one spatial axis after padding is resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Axis {
    pub input: usize,
    pub kernel: usize,
    pub stride: usize,
    pub dilation: usize,
    pub pad_before: usize,
    pub pad_after: usize,
    pub output: usize,
}

impl Axis {
    /// Resolves one axis; `explicit` is `(before, after)` for explicit padding.
    #[allow(clippy::too_many_arguments)]
    fn resolve(
        op: &'static str,
        name: &str,
        input: usize,
        kernel: usize,
        stride: usize,
        dilation: usize,
        padding: Padding,
        explicit: (usize, usize),
    ) -> Result<Axis> {
        if kernel == 0 || stride == 0 || dilation == 0 {
            return Err(CoreError::new(op, format!("{name}: kernel size, stride and dilation must be at least 1 (got {kernel}, {stride}, {dilation})")));
        }
        let k_eff = (kernel - 1) * dilation + 1;
        // The same words as the TypeScript check (packages/cnn-ts/src/ops/conv.ts
        // `outSize`); crates/cnn-core/tests/shape_cases.json holds both to them.
        let too_small = |what: &str, size: usize| {
            let filter = if dilation > 1 { "effective (dilated) filter" } else { "filter" };
            CoreError::new(op, format!("{name}: {what} size {size} is smaller than the {filter} size {k_eff}"))
        };
        let (pad_before, pad_after, output) = match padding {
            Padding::Valid => {
                if input < k_eff {
                    return Err(too_small("input", input));
                }
                (0, 0, (input - k_eff) / stride + 1)
            }
            Padding::Same => {
                let out = input.div_ceil(stride);
                let total = ((out.max(1) - 1) * stride + k_eff).saturating_sub(input);
                (total / 2, total - total / 2, out)
            }
            Padding::Explicit(_) => {
                let (b, a) = explicit;
                let padded = input + b + a;
                if padded < k_eff {
                    return Err(too_small("padded input", padded));
                }
                (b, a, (padded - k_eff) / stride + 1)
            }
        };
        Ok(Axis { input, kernel, stride, dilation, pad_before, pad_after, output })
    }

    /// Input index read by output `o` at kernel tap `t` (may be out of
    /// range: the padding).
    #[inline(always)]
    pub fn input_index(&self, o: usize, t: usize) -> isize {
        (o * self.stride + t * self.dilation) as isize - self.pad_before as isize
    }
}

/// A 2-D convolution: input `[n, h, w, cin]` (NHWC), filter
/// `[kh, kw, cin, cout]` (HWIO), output `[n, out_h, out_w, cout]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2d {
    pub n: usize,
    pub cin: usize,
    pub cout: usize,
    pub y: Axis,
    pub x: Axis,
    /// Kernel-variant choices (`Tuning::DEFAULT` unless set for an A/B run).
    pub tuning: Tuning,
}

/// What a caller gives to describe a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dArgs {
    pub n: usize,
    pub h: usize,
    pub w: usize,
    pub cin: usize,
    pub kh: usize,
    pub kw: usize,
    pub cout: usize,
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    pub padding: Padding,
}

impl Conv2dArgs {
    /// Number of words in the packed form read by [`Conv2dArgs::from_words`].
    pub const WORDS: usize = 16;

    /// Reads the packed form the JS side sends over the wasm boundary:
    /// `[n, h, w, cin, kh, kw, cout, stride_h, stride_w, dilation_h,
    /// dilation_w, padding (0 valid, 1 same, 2 explicit), top, bottom, left,
    /// right]`.
    pub fn from_words(op: &'static str, v: &[u32]) -> Result<Conv2dArgs> {
        if v.len() != Self::WORDS {
            return Err(CoreError::new(op, format!("convolution spec has {} words, expected {}", v.len(), Self::WORDS)));
        }
        let u = |i: usize| v[i] as usize;
        let padding = Padding::from_words(op, v[11], [u(12), u(13), u(14), u(15)])?;
        Ok(Conv2dArgs { n: u(0), h: u(1), w: u(2), cin: u(3), kh: u(4), kw: u(5), cout: u(6), stride: [u(7), u(8)], dilation: [u(9), u(10)], padding })
    }

    /// Stride 1, no dilation, VALID.
    pub fn new(n: usize, h: usize, w: usize, cin: usize, kh: usize, kw: usize, cout: usize) -> Self {
        Conv2dArgs { n, h, w, cin, kh, kw, cout, stride: [1, 1], dilation: [1, 1], padding: Padding::Valid }
    }
}

impl Conv2d {
    pub fn new(op: &'static str, a: &Conv2dArgs) -> Result<Conv2d> {
        if a.cin == 0 || a.cout == 0 {
            return Err(CoreError::new(op, format!("channel counts must be at least 1 (in {}, out {})", a.cin, a.cout)));
        }
        let e = match a.padding {
            Padding::Explicit(p) => p,
            _ => [0; 4],
        };
        let y = Axis::resolve(op, "height", a.h, a.kh, a.stride[0], a.dilation[0], a.padding, (e[0], e[1]))?;
        let x = Axis::resolve(op, "width", a.w, a.kw, a.stride[1], a.dilation[1], a.padding, (e[2], e[3]))?;
        let c = Conv2d { n: a.n, cin: a.cin, cout: a.cout, y, x, tuning: Tuning::DEFAULT };
        // Every length the kernels compute later without checks.
        numel(op, "input", &[c.n, c.y.input, c.x.input, c.cin])?;
        numel(op, "filter", &[c.y.kernel, c.x.kernel, c.cin, c.cout])?;
        numel(op, "output", &[c.n, c.y.output, c.x.output, c.cout])?;
        Ok(c)
    }

    pub fn input_len(&self) -> usize {
        self.n * self.y.input * self.x.input * self.cin
    }
    pub fn filter_len(&self) -> usize {
        self.y.kernel * self.x.kernel * self.cin * self.cout
    }
    pub fn output_len(&self) -> usize {
        self.n * self.y.output * self.x.output * self.cout
    }
    /// Output pixels over the batch: the GEMM's M.
    pub fn out_pixels(&self) -> usize {
        self.n * self.y.output * self.x.output
    }
    /// Taps times input channels: the GEMM's K.
    pub fn patch_len(&self) -> usize {
        self.y.kernel * self.x.kernel * self.cin
    }
    /// Multiply-adds x 2 of the forward pass.
    pub fn flops(&self) -> f64 {
        2.0 * self.out_pixels() as f64 * self.patch_len() as f64 * self.cout as f64
    }
}

/// A 2-D pooling window over `[n, h, w, c]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2d {
    pub n: usize,
    pub c: usize,
    pub y: Axis,
    pub x: Axis,
    /// Kernel-variant choices (`Tuning::DEFAULT` unless set for an A/B run).
    pub tuning: Tuning,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2dArgs {
    pub n: usize,
    pub h: usize,
    pub w: usize,
    pub c: usize,
    pub pool: [usize; 2],
    pub stride: [usize; 2],
    pub padding: Padding,
}

impl Pool2d {
    pub fn new(op: &'static str, a: &Pool2dArgs) -> Result<Pool2d> {
        if a.c == 0 {
            return Err(CoreError::new(op, "channel count must be at least 1"));
        }
        let e = match a.padding {
            Padding::Explicit(p) => p,
            _ => [0; 4],
        };
        let y = Axis::resolve(op, "height", a.h, a.pool[0], a.stride[0], 1, a.padding, (e[0], e[1]))?;
        let x = Axis::resolve(op, "width", a.w, a.pool[1], a.stride[1], 1, a.padding, (e[2], e[3]))?;
        let p = Pool2d { n: a.n, c: a.c, y, x, tuning: Tuning::DEFAULT };
        numel(op, "input", &[p.n, p.y.input, p.x.input, p.c])?;
        numel(op, "output", &[p.n, p.y.output, p.x.output, p.c])?;
        Ok(p)
    }

    pub fn input_len(&self) -> usize {
        self.n * self.y.input * self.x.input * self.c
    }
    pub fn output_len(&self) -> usize {
        self.n * self.y.output * self.x.output * self.c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(h: usize, k: usize, s: usize, d: usize, p: Padding) -> Axis {
        let mut a = Conv2dArgs::new(1, h, h, 1, k, k, 1);
        a.stride = [s, s];
        a.dilation = [d, d];
        a.padding = p;
        Conv2d::new("conv2d", &a).unwrap().y
    }

    #[test]
    fn same_padding_puts_the_odd_pixel_after() {
        // in 3, k 2, s 1: out 3, total pad 1 -> 0 before, 1 after (the seed's example).
        let a = conv(3, 2, 1, 1, Padding::Same);
        assert_eq!((a.output, a.pad_before, a.pad_after), (3, 0, 1));
        // in 32, k 3, s 2: out 16, total = 15*2+3-32 = 1 -> 0 before, 1 after.
        let a = conv(32, 3, 2, 1, Padding::Same);
        assert_eq!((a.output, a.pad_before, a.pad_after), (16, 0, 1));
        // in 7, k 5, s 1: total 4 -> 2 / 2.
        let a = conv(7, 5, 1, 1, Padding::Same);
        assert_eq!((a.output, a.pad_before, a.pad_after), (7, 2, 2));
        // in 5, k 3, s 3, dilation 2 (k_eff 5): out 2, total (1*3+5-5)=3 -> 1 / 2.
        let a = conv(5, 3, 3, 2, Padding::Same);
        assert_eq!((a.output, a.pad_before, a.pad_after), (2, 1, 2));
    }

    #[test]
    fn valid_and_explicit_sizes() {
        assert_eq!(conv(3, 2, 1, 1, Padding::Valid).output, 2);
        assert_eq!(conv(32, 3, 2, 1, Padding::Valid).output, 15);
        assert_eq!(conv(3, 2, 1, 1, Padding::Explicit([1, 1, 1, 1])).output, 4);
    }

    #[test]
    fn kernel_larger_than_valid_input_is_an_error() {
        let a = Conv2dArgs::new(1, 2, 2, 1, 3, 3, 1);
        let e = Conv2d::new("conv2d", &a).unwrap_err();
        assert_eq!(e.to_string(), "conv2d: height: input size 2 is smaller than the filter size 3");
    }

    /// The table shared with the TypeScript rule (tests/shape-rules.test.ts).
    #[test]
    fn the_shared_table_of_axis_cases_holds() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/shape_cases.json")).unwrap();
        let table: serde_json::Value = serde_json::from_str(&text).unwrap();
        let cases = table["cases"].as_array().unwrap();
        assert!(cases.len() >= 10);
        for c in cases {
            let u = |k: &str| c[k].as_u64().unwrap() as usize;
            let (padding, explicit) = match &c["padding"] {
                serde_json::Value::String(s) if s == "valid" => (Padding::Valid, (0, 0)),
                serde_json::Value::String(s) if s == "same" => (Padding::Same, (0, 0)),
                v => {
                    let p = v.as_array().unwrap();
                    let (b, a) = (p[0].as_u64().unwrap() as usize, p[1].as_u64().unwrap() as usize);
                    (Padding::Explicit([b, a, 0, 0]), (b, a))
                }
            };
            let r = Axis::resolve("conv2d", "height", u("input"), u("kernel"), u("stride"), u("dilation"), padding, explicit);
            match c["error"].as_str() {
                Some(msg) => assert_eq!(r.unwrap_err().to_string(), format!("conv2d: {msg}"), "{c}"),
                None => {
                    let a = r.unwrap();
                    assert_eq!(
                        (a.output, a.pad_before, a.pad_after),
                        (u("out"), c["pad"][0].as_u64().unwrap() as usize, c["pad"][1].as_u64().unwrap() as usize),
                        "{c}"
                    );
                }
            }
        }
    }
}
