//! Reductions over a set of axes: sum, mean, max, min, prod, any, all,
//! logsumexp, and argmax / argmin over one axis.
//!
//! Shapes: `x` has shape `shape`; `y` has the shape of `x` with the
//! reduced `axes` removed (keepDims is a reshape, same element order).
//! Empty reductions give TF's values: sum 0, mean NaN, max -inf, min +inf,
//! prod 1, any 0, all 1, logsumexp -inf; argmax / argmin of an empty axis
//! is an error.
//!
//! [`reduce`] drops size-1 dims and merges neighbouring dims that are both
//! kept or both reduced, then works on one of two layouts:
//! - the innermost dim is reduced (e.g. the last axis, or all axes): each
//!   output reduces contiguous runs with four lane accumulators, folded
//!   `(l0 ∘ l1) ∘ (l2 ∘ l3)` and then the tail in order;
//! - the innermost dim is kept (e.g. axis 0, or [0, 2]): four neighbouring
//!   outputs are accumulated per lane, visiting the reduced elements in
//!   row-major order, exactly like the reference.
//!
//! Threads split the outputs; when there are fewer than
//! [`SPLIT_OUTPUTS_MIN`] outputs (a full reduction), they split the reduced
//! elements into chunks whose partial results are combined in chunk order.
//! Both choices depend on the sizes only, so results do not depend on the
//! thread count. Max, min, any, all and argmax / argmin agree with
//! [`reduce_ref`] exactly (up to the sign of a zero max); sums, means,
//! products and logsumexp to rounding.

use std::ops::Range;

use crate::error::{check_len, CoreError, Result};
use crate::par;
use crate::simd::F32x4;

use super::{checked_len, contiguous_strides, max_nan, min_nan, vmax_nan, vmin_nan, vnonzero, Odometer};

/// Input elements per task below which splitting costs more than it saves.
const MIN_WORK: usize = 1 << 14;

/// Below this many outputs, threads split the reduced elements instead of
/// the outputs.
pub const SPLIT_OUTPUTS_MIN: usize = 32;

/// Argmax / argmin indices travel through `F32x4` lanes as f32, exact up
/// to 2^24; longer axes take the scalar path.
const F32_EXACT: usize = 1 << 24;

/// A reduction. Codes (the wasm `op` argument) in [`ReduceOp::from_code`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceOp {
    Sum,
    Mean,
    /// NaN if any element is NaN.
    Max,
    Min,
    Prod,
    /// Index (as f32) of the first maximum, like `tf.argMax`.
    ArgMax,
    ArgMin,
    /// 1 if any element is nonzero (NaN counts as nonzero), else 0.
    Any,
    /// 1 if every element is nonzero, else 0.
    All,
    /// `log(sum(exp(x)))`, computed as TF does: `log(sum(exp(x - m))) + m`
    /// with `m` the max, or 0 where the max is not finite.
    LogSumExp,
}

impl ReduceOp {
    /// The op of wasm code `code`: 0 sum, 1 mean, 2 max, 3 min, 4 prod,
    /// 5 argmax, 6 argmin, 7 any, 8 all, 9 logsumexp.
    pub fn from_code(code: u32) -> Result<ReduceOp> {
        use ReduceOp::*;
        const OPS: [ReduceOp; 10] = [Sum, Mean, Max, Min, Prod, ArgMax, ArgMin, Any, All, LogSumExp];
        OPS.get(code as usize).copied().ok_or_else(|| CoreError::new("reduce", format!("unknown op code {code}")))
    }

    /// Number of op codes (valid codes are `0..COUNT`).
    pub const COUNT: u32 = 10;

    /// TF name of the op, for messages.
    pub fn name(self) -> &'static str {
        use ReduceOp::*;
        match self {
            Sum => "sum",
            Mean => "mean",
            Max => "max",
            Min => "min",
            Prod => "prod",
            ArgMax => "argMax",
            ArgMin => "argMin",
            Any => "any",
            All => "all",
            LogSumExp => "logSumExp",
        }
    }
}

// ---------------------------------------------------------------------------
// Accumulation rules. `s` folds one element into an accumulator, `v` does
// the same for four lanes (bit-identical to `s` per lane), `combine` joins
// two partial results. `p` is a per-output parameter (the logsumexp shift).

trait Reducer {
    const INIT: f32;
    fn s(acc: f32, x: f32, p: f32) -> f32;
    fn v(acc: F32x4, x: F32x4, p: F32x4) -> F32x4;
    fn combine(a: f32, b: f32) -> f32;
}

struct SumR;
struct ProdR;
struct MaxR;
struct MinR;
struct AnyR;
struct AllR;
/// `sum(exp(x - p))`, the second pass of logsumexp.
struct SumExpR;

impl Reducer for SumR {
    const INIT: f32 = 0.0;
    #[inline(always)]
    fn s(acc: f32, x: f32, _: f32) -> f32 {
        acc + x
    }
    #[inline(always)]
    fn v(acc: F32x4, x: F32x4, _: F32x4) -> F32x4 {
        acc.add(x)
    }
    #[inline(always)]
    fn combine(a: f32, b: f32) -> f32 {
        a + b
    }
}

impl Reducer for ProdR {
    const INIT: f32 = 1.0;
    #[inline(always)]
    fn s(acc: f32, x: f32, _: f32) -> f32 {
        acc * x
    }
    #[inline(always)]
    fn v(acc: F32x4, x: F32x4, _: F32x4) -> F32x4 {
        acc.mul(x)
    }
    #[inline(always)]
    fn combine(a: f32, b: f32) -> f32 {
        a * b
    }
}

impl Reducer for MaxR {
    const INIT: f32 = f32::NEG_INFINITY;
    #[inline(always)]
    fn s(acc: f32, x: f32, _: f32) -> f32 {
        max_nan(acc, x)
    }
    #[inline(always)]
    fn v(acc: F32x4, x: F32x4, _: F32x4) -> F32x4 {
        vmax_nan(acc, x)
    }
    #[inline(always)]
    fn combine(a: f32, b: f32) -> f32 {
        max_nan(a, b)
    }
}

impl Reducer for MinR {
    const INIT: f32 = f32::INFINITY;
    #[inline(always)]
    fn s(acc: f32, x: f32, _: f32) -> f32 {
        min_nan(acc, x)
    }
    #[inline(always)]
    fn v(acc: F32x4, x: F32x4, _: F32x4) -> F32x4 {
        vmin_nan(acc, x)
    }
    #[inline(always)]
    fn combine(a: f32, b: f32) -> f32 {
        min_nan(a, b)
    }
}

impl Reducer for AnyR {
    const INIT: f32 = 0.0;
    #[inline(always)]
    fn s(acc: f32, x: f32, _: f32) -> f32 {
        if x != 0.0 {
            1.0
        } else {
            acc
        }
    }
    #[inline(always)]
    fn v(acc: F32x4, x: F32x4, _: F32x4) -> F32x4 {
        acc.max(vnonzero(x))
    }
    #[inline(always)]
    fn combine(a: f32, b: f32) -> f32 {
        a.max(b)
    }
}

impl Reducer for AllR {
    const INIT: f32 = 1.0;
    #[inline(always)]
    fn s(acc: f32, x: f32, _: f32) -> f32 {
        if x == 0.0 {
            0.0
        } else {
            acc
        }
    }
    #[inline(always)]
    fn v(acc: F32x4, x: F32x4, _: F32x4) -> F32x4 {
        acc.min(vnonzero(x))
    }
    #[inline(always)]
    fn combine(a: f32, b: f32) -> f32 {
        a.min(b)
    }
}

impl Reducer for SumExpR {
    const INIT: f32 = 0.0;
    #[inline(always)]
    fn s(acc: f32, x: f32, p: f32) -> f32 {
        acc + (x - p).exp()
    }
    #[inline(always)]
    fn v(acc: F32x4, x: F32x4, p: F32x4) -> F32x4 {
        // No four-lane exp: per lane, the same operations as `s`.
        let (x, p) = (x.to_array(), p.to_array());
        let e: [f32; 4] = std::array::from_fn(|i| (x[i] - p[i]).exp());
        // SAFETY: `e` holds four f32.
        acc.add(unsafe { F32x4::load(e.as_ptr()) })
    }
    #[inline(always)]
    fn combine(a: f32, b: f32) -> f32 {
        a + b
    }
}

// ---------------------------------------------------------------------------
// Validation.

/// Sizes of one validated reduction.
struct Sizes {
    out_len: usize,
    red_len: usize,
}

fn check(op: ReduceOp, shape: &[usize], axes: &[usize], x: &[f32], y: &[f32]) -> Result<Sizes> {
    let rank = shape.len();
    if axes.windows(2).any(|w| w[0] >= w[1]) || axes.iter().any(|&a| a >= rank) {
        return Err(CoreError::new("reduce", format!("axes {axes:?} of shape {shape:?} must be sorted, unique and below the rank {rank}")));
    }
    if matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin) && axes.len() != 1 {
        return Err(CoreError::new("reduce", format!("{} takes exactly one axis, got {axes:?}", op.name())));
    }
    let kept: Vec<usize> = (0..rank).filter(|k| !axes.contains(k)).map(|k| shape[k]).collect();
    let reduced: Vec<usize> = axes.iter().map(|&k| shape[k]).collect();
    let (out_len, red_len) = (checked_len("reduce", "output", &kept)?, checked_len("reduce", "reduced", &reduced)?);
    check_len("reduce", &format!("x of shape {shape:?}"), x.len(), checked_len("reduce", "x", shape)?)?;
    check_len("reduce", &format!("y ({} of shape {shape:?} over axes {axes:?})", op.name()), y.len(), out_len)?;
    if red_len == 0 && out_len > 0 && matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin) {
        return Err(CoreError::new("reduce", format!("{} of an empty axis: axis {} of shape {shape:?} has length 0", op.name(), axes[0])));
    }
    Ok(Sizes { out_len, red_len })
}

// ---------------------------------------------------------------------------
// The SIMD version.

/// `x` regrouped: kept and reduced dims (size-1 dims dropped, neighbours of
/// the same kind merged), each with its element stride in `x`, outer to
/// inner. Exactly one of the two innermost dims has stride 1.
struct Plan {
    kept: Vec<usize>,
    kept_strides: Vec<isize>,
    red: Vec<usize>,
    red_strides: Vec<isize>,
    /// Whether the innermost dim of `x` is a kept one.
    inner_kept: bool,
    out_len: usize,
    red_len: usize,
}

impl Plan {
    fn new(shape: &[usize], axes: &[usize], sizes: &Sizes) -> Plan {
        let strides = contiguous_strides(shape);
        // (len, stride, reduced) of the dims that are not 1.
        let mut dims: Vec<(usize, usize, bool)> = Vec::new();
        for (k, &n) in shape.iter().enumerate() {
            let red = axes.contains(&k);
            match dims.last_mut() {
                _ if n == 1 => {}
                // Contiguous x: a dim continues its outer neighbour.
                Some(last) if last.2 == red => {
                    last.0 *= n;
                    last.1 = strides[k];
                }
                _ => dims.push((n, strides[k], red)),
            }
        }
        let pick = |red: bool| -> (Vec<usize>, Vec<isize>) { dims.iter().filter(|d| d.2 == red).map(|d| (d.0, d.1 as isize)).unzip() };
        let ((kept, kept_strides), (red, red_strides)) = (pick(false), pick(true));
        let mut plan = Plan { kept, kept_strides, red, red_strides, inner_kept: true, out_len: sizes.out_len, red_len: sizes.red_len };
        match dims.last() {
            Some(d) => plan.inner_kept = !d.2,
            // A single element: one kept dim of 1.
            None => {
                plan.kept.push(1);
                plan.kept_strides.push(1);
            }
        }
        plan
    }
}

/// `acc[i] = R::s(acc[i], x[i], p[i])`, four outputs at a time.
#[inline(always)]
fn fold_run<R: Reducer>(acc: &mut [f32], x: &[f32], p: Option<&[f32]>) {
    let n = acc.len();
    assert!(x.len() >= n && p.is_none_or(|p| p.len() >= n));
    let mut i = 0;
    // SAFETY: i + 4 <= n <= every length.
    while i + 4 <= n {
        unsafe {
            let vp = p.map_or(F32x4::zero(), |p| F32x4::load(p.as_ptr().add(i)));
            let pa = acc.as_mut_ptr().add(i);
            R::v(F32x4::load(pa), F32x4::load(x.as_ptr().add(i)), vp).store(pa);
        }
        i += 4;
    }
    for i in i..n {
        acc[i] = R::s(acc[i], x[i], p.map_or(0.0, |p| p[i]));
    }
}

/// `R` over one contiguous run: four lane accumulators folded
/// `(l0 ∘ l1) ∘ (l2 ∘ l3)`, then the tail in order.
#[inline(always)]
fn reduce_run<R: Reducer>(x: &[f32], p: f32) -> f32 {
    let n = x.len();
    let (mut v, vp) = (F32x4::splat(R::INIT), F32x4::splat(p));
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n.
        v = R::v(v, unsafe { F32x4::load(x.as_ptr().add(i)) }, vp);
        i += 4;
    }
    let l = v.to_array();
    let mut s = R::combine(R::combine(l[0], l[1]), R::combine(l[2], l[3]));
    for &e in &x[i..] {
        s = R::s(s, e, p);
    }
    s
}

/// Folds the elements of outputs `outs` (row-major flat indices of the
/// output) at reduced flat indices `reds` into `acc` (one per output in
/// `outs`, already holding a value). `shift[o]` is the per-output `p`.
#[allow(non_snake_case)] // XNNPACK-style kernel name: <family>__<arch>
fn f32_reduce__simd128<R: Reducer>(plan: &Plan, x: &[f32], shift: Option<&[f32]>, outs: Range<usize>, reds: Range<usize>, acc: &mut [f32]) {
    if plan.inner_kept {
        // Rows of c neighbouring outputs; for each reduced index in order,
        // add the matching run of x to the row.
        let r = plan.kept.len() - 1;
        let c = plan.kept[r];
        let mut rows = Odometer::new(&plan.kept[..r], [&plan.kept_strides[..r]], [0], outs.start / c);
        let mut o = outs.start;
        while o < outs.end {
            let c0 = o % c;
            let len = (c - c0).min(outs.end - o);
            let base = rows.off[0] as usize + c0;
            let a = &mut acc[o - outs.start..][..len];
            let p = shift.map(|s| &s[o..o + len]);
            let mut red = Odometer::new(&plan.red, [&plan.red_strides[..]], [0], reds.start);
            for _ in reds.clone() {
                fold_run::<R>(a, &x[base + red.off[0] as usize..], p);
                red.step();
            }
            o += len;
            rows.step();
        }
    } else {
        // Each output folds contiguous runs of the innermost reduced dim.
        let m = plan.red.len() - 1;
        let l = plan.red[m];
        let mut outs_odo = Odometer::new(&plan.kept, [&plan.kept_strides[..]], [0], outs.start);
        for (a, o) in acc.iter_mut().zip(outs) {
            let base = outs_odo.off[0] as usize;
            let p = shift.map_or(0.0, |s| s[o]);
            let mut runs = Odometer::new(&plan.red[..m], [&plan.red_strides[..m]], [0], reds.start / l);
            let mut r = reds.start;
            while r < reds.end {
                let l0 = r % l;
                let len = (l - l0).min(reds.end - r);
                *a = R::combine(*a, reduce_run::<R>(&x[base + runs.off[0] as usize + l0..][..len], p));
                r += len;
                runs.step();
            }
            outs_odo.step();
        }
    }
}

/// Writes the raw `R` accumulation of every output into `y` (nonempty
/// outputs and reductions).
fn run<R: Reducer>(plan: &Plan, x: &[f32], shift: Option<&[f32]>, y: &mut [f32]) {
    let (n_out, n_red) = (plan.out_len, plan.red_len);
    if n_out >= SPLIT_OUTPUTS_MIN || n_out * n_red < 2 * MIN_WORK {
        let chunk = par::chunk_size(n_out, (MIN_WORK / n_red).max(1));
        par::for_each_out_chunk(y, 1, chunk, |o0, piece| {
            piece.fill(R::INIT);
            f32_reduce__simd128::<R>(plan, x, shift, o0..o0 + piece.len(), 0..n_red, piece);
        });
    } else {
        // Few outputs: one partial result per chunk of reduced elements,
        // combined in chunk order.
        let chunk = par::chunk_size(n_red, (MIN_WORK / n_out).max(1));
        let ranges: Vec<Range<usize>> = par::chunks(n_red, chunk).collect();
        let mut partials = vec![R::INIT; ranges.len() * n_out];
        par::for_each_out_chunk(&mut partials, n_out, 1, |ci, p| {
            for (j, p) in p.chunks_mut(n_out).enumerate() {
                f32_reduce__simd128::<R>(plan, x, shift, 0..n_out, ranges[ci + j].clone(), p);
            }
        });
        let (first, rest) = partials.split_at(n_out);
        y.copy_from_slice(first);
        for p in rest.chunks(n_out) {
            for (o, v) in y.iter_mut().zip(p) {
                *o = R::combine(*o, *v);
            }
        }
    }
}

/// The value of an empty reduction.
fn empty_value(op: ReduceOp) -> f32 {
    use ReduceOp::*;
    match op {
        Sum | Any => 0.0,
        Prod | All => 1.0,
        Mean => f32::NAN,
        Max | LogSumExp => f32::NEG_INFINITY,
        Min => f32::INFINITY,
        ArgMax | ArgMin => unreachable!("rejected by check"),
    }
}

/// The logsumexp shift: the max where finite, else 0 (TF `reduce_logsumexp`).
fn lse_shift(m: f32) -> f32 {
    if m.is_finite() {
        m
    } else {
        0.0
    }
}

/// `y = op(x)` over `axes` (sorted, unique) of `x` of shape `shape`.
///
/// ```
/// use cnn_core::tensor::{reduce, ReduceOp};
/// // arange(6) as [2, 3]: sums over axis 1 are 0+1+2 and 3+4+5.
/// let x: Vec<f32> = (0..6).map(|v| v as f32).collect();
/// let mut y = [0.0; 2];
/// reduce(ReduceOp::Sum, &[2, 3], &[1], &x, &mut y).unwrap();
/// assert_eq!(y, [3.0, 12.0]);
/// ```
pub fn reduce(op: ReduceOp, shape: &[usize], axes: &[usize], x: &[f32], y: &mut [f32]) -> Result<()> {
    let sizes = check(op, shape, axes, x, y)?;
    if y.is_empty() {
        return Ok(());
    }
    if sizes.red_len == 0 {
        y.fill(empty_value(op));
        return Ok(());
    }
    if let ReduceOp::ArgMax | ReduceOp::ArgMin = op {
        arg_reduce(op == ReduceOp::ArgMax, shape, axes[0], x, y);
        return Ok(());
    }
    let plan = Plan::new(shape, axes, &sizes);
    match op {
        ReduceOp::Sum => run::<SumR>(&plan, x, None, y),
        ReduceOp::Mean => {
            run::<SumR>(&plan, x, None, y);
            let n = sizes.red_len as f32;
            y.iter_mut().for_each(|v| *v /= n);
        }
        ReduceOp::Max => run::<MaxR>(&plan, x, None, y),
        ReduceOp::Min => run::<MinR>(&plan, x, None, y),
        ReduceOp::Prod => run::<ProdR>(&plan, x, None, y),
        ReduceOp::Any => run::<AnyR>(&plan, x, None, y),
        ReduceOp::All => run::<AllR>(&plan, x, None, y),
        ReduceOp::LogSumExp => {
            run::<MaxR>(&plan, x, None, y);
            let shift: Vec<f32> = y.iter().map(|&m| lse_shift(m)).collect();
            run::<SumExpR>(&plan, x, Some(&shift), y);
            y.iter_mut().zip(&shift).for_each(|(v, s)| *v = v.ln() + s);
        }
        ReduceOp::ArgMax | ReduceOp::ArgMin => unreachable!("handled above"),
    }
    Ok(())
}

/// Argmax / argmin over `axis`: `x` viewed as `[outer, l, inner]`, `y` as
/// `[outer, inner]`; the first extremum wins (strict comparison). Four
/// neighbouring outputs per lane when `inner` allows, else scalar.
fn arg_reduce(is_max: bool, shape: &[usize], axis: usize, x: &[f32], y: &mut [f32]) {
    let l = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let better = move |v: f32, best: f32| if is_max { v > best } else { v < best };
    let chunk = par::chunk_size(y.len(), (MIN_WORK / l).max(1));
    par::for_each_out_chunk(y, 1, chunk, |o0, piece| {
        let mut done = 0;
        while done < piece.len() {
            let o = o0 + done;
            let (row, c0) = (o / inner, o % inner);
            let len = (inner - c0).min(piece.len() - done);
            let base = row * l * inner + c0;
            let out = &mut piece[done..done + len];
            let mut c = 0;
            if l <= F32_EXACT {
                while c + 4 <= len {
                    // SAFETY: base + j * inner + c + 4 <= (row * l + j) * inner + inner <= x.len().
                    unsafe {
                        let mut best = F32x4::load(x.as_ptr().add(base + c));
                        let mut idx = F32x4::zero();
                        for j in 1..l {
                            let v = F32x4::load(x.as_ptr().add(base + j * inner + c));
                            let vj = F32x4::splat(j as f32);
                            if is_max {
                                idx = v.select_gt(best, vj, idx);
                                best = v.select_gt(best, v, best);
                            } else {
                                idx = best.select_gt(v, vj, idx);
                                best = best.select_gt(v, v, best);
                            }
                        }
                        idx.store(out.as_mut_ptr().add(c));
                    }
                    c += 4;
                }
            }
            for c in c..len {
                let (mut best, mut idx) = (x[base + c], 0);
                for j in 1..l {
                    let v = x[base + j * inner + c];
                    if better(v, best) {
                        best = v;
                        idx = j;
                    }
                }
                out[c] = idx as f32;
            }
            done += len;
        }
    });
}

// ---------------------------------------------------------------------------
// The scalar reference.

/// Folds every element of `x` into its output in row-major order of `x`
/// (so each output sees its elements in row-major order of the reduced
/// dims): `y[o] = R::s(y[o], x[i], shift[o])`.
fn fold_ref<R: Reducer>(shape: &[usize], axes: &[usize], x: &[f32], shift: Option<&[f32]>, y: &mut [f32]) {
    y.fill(R::INIT);
    for (i, &v) in x.iter().enumerate() {
        let o = out_index(shape, axes, i);
        y[o] = R::s(y[o], v, shift.map_or(0.0, |s| s[o]));
    }
}

/// The output index of input element `i`: its multi-index without the
/// reduced axes, flattened.
fn out_index(shape: &[usize], axes: &[usize], i: usize) -> usize {
    let (mut rest, mut o, mut scale) = (i, 0, 1);
    for k in (0..shape.len()).rev() {
        let idx = rest % shape[k];
        rest /= shape[k];
        if !axes.contains(&k) {
            o += idx * scale;
            scale *= shape[k];
        }
    }
    o
}

/// Scalar reference of [`reduce`].
pub fn reduce_ref(op: ReduceOp, shape: &[usize], axes: &[usize], x: &[f32], y: &mut [f32]) -> Result<()> {
    let sizes = check(op, shape, axes, x, y)?;
    match op {
        ReduceOp::Sum => fold_ref::<SumR>(shape, axes, x, None, y),
        ReduceOp::Mean => {
            fold_ref::<SumR>(shape, axes, x, None, y);
            y.iter_mut().for_each(|v| *v /= sizes.red_len as f32);
        }
        ReduceOp::Max => fold_ref::<MaxR>(shape, axes, x, None, y),
        ReduceOp::Min => fold_ref::<MinR>(shape, axes, x, None, y),
        ReduceOp::Prod => fold_ref::<ProdR>(shape, axes, x, None, y),
        ReduceOp::Any => fold_ref::<AnyR>(shape, axes, x, None, y),
        ReduceOp::All => fold_ref::<AllR>(shape, axes, x, None, y),
        ReduceOp::LogSumExp => {
            fold_ref::<MaxR>(shape, axes, x, None, y);
            let shift: Vec<f32> = y.iter().map(|&m| lse_shift(m)).collect();
            fold_ref::<SumExpR>(shape, axes, x, Some(&shift), y);
            y.iter_mut().zip(&shift).for_each(|(v, s)| *v = v.ln() + s);
        }
        ReduceOp::ArgMax | ReduceOp::ArgMin => {
            let axis = axes[0];
            let (l, inner) = (shape[axis], shape[axis + 1..].iter().product::<usize>());
            for (o, out) in y.iter_mut().enumerate() {
                let (row, c) = (o / inner, o % inner);
                let at = |j: usize| x[(row * l + j) * inner + c];
                let (mut best, mut idx) = (at(0), 0);
                for j in 1..l {
                    let v = at(j);
                    if (op == ReduceOp::ArgMax && v > best) || (op == ReduceOp::ArgMin && v < best) {
                        best = v;
                        idx = j;
                    }
                }
                *out = idx as f32;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
