//! Data movement: [`copy_strided`] (the one kernel behind transpose, slice,
//! pad, concat, tile, broadcastTo, reverse and gather of a range), [`fill`],
//! [`one_hot`] and [`gather`].
//!
//! Contiguous runs move with `copy_from_slice` (a `memory.copy` in wasm, as
//! fast as a copy gets); fills store four lanes at a time. Indices arrive as
//! f32 holding integers (exact up to 2^24) and are validated before any
//! write.

use crate::error::{check_len, CoreError, Result};
use crate::par;

use super::{checked_len, fill_simd, for_each_piece, integer_index, Odometer, MIN_CHUNK};

/// A strided copy: for every index `i` of `shape`,
/// `dst[dst_offset + sum(i[k] * dst_strides[k])] =
///  src[src_offset + sum(i[k] * src_strides[k])]`. Strides are in elements
/// and may be 0 or negative.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StridedCopy {
    pub shape: Vec<usize>,
    pub src_offset: isize,
    pub src_strides: Vec<isize>,
    pub dst_offset: isize,
    pub dst_strides: Vec<isize>,
}

const OP: &str = "copyStrided";

impl StridedCopy {
    /// From the wasm words `[rank, shape(rank)..., src_offset,
    /// src_strides(rank)..., dst_offset, dst_strides(rank)...]`.
    pub fn from_words(spec: &[i32]) -> Result<StridedCopy> {
        let rank = spec.first().copied().unwrap_or(-1);
        if rank < 0 || spec.len() != 3 + 3 * rank as usize {
            return Err(CoreError::new(
                OP,
                format!(
                    "spec has {} words with rank {rank}, expected 3 + 3 * rank ([rank, shape, src offset, src strides, dst offset, dst strides])",
                    spec.len()
                ),
            ));
        }
        let r = rank as usize;
        if let Some(d) = spec[1..=r].iter().find(|&&d| d < 0) {
            return Err(CoreError::new(OP, format!("shape {:?} has a negative dim {d}", &spec[1..=r])));
        }
        let words = |from: usize| spec[from..from + r].iter().map(|&s| s as isize).collect::<Vec<_>>();
        Ok(StridedCopy {
            shape: spec[1..=r].iter().map(|&d| d as usize).collect(),
            src_offset: spec[1 + r] as isize,
            src_strides: words(2 + r),
            dst_offset: spec[2 + 2 * r] as isize,
            dst_strides: words(3 + 2 * r),
        })
    }

    /// Number of elements copied; fails if the rank of the strides differs
    /// from the shape's, or if any addressed element lies outside `src` or
    /// `dst`.
    fn check(&self, src_len: usize, dst_len: usize) -> Result<usize> {
        let rank = self.shape.len();
        if self.src_strides.len() != rank || self.dst_strides.len() != rank {
            return Err(CoreError::new(
                OP,
                format!("shape {:?} has rank {rank} but {} src and {} dst strides", self.shape, self.src_strides.len(), self.dst_strides.len()),
            ));
        }
        let count = checked_len(OP, "copy", &self.shape)?;
        if count == 0 {
            return Ok(0);
        }
        for (name, offset, strides, len) in [("src", self.src_offset, &self.src_strides, src_len), ("dst", self.dst_offset, &self.dst_strides, dst_len)] {
            let (lo, hi) = reach(offset, strides, &self.shape);
            if lo < 0 || hi >= len as i128 {
                return Err(CoreError::new(
                    OP,
                    format!(
                        "shape {:?} with {name} offset {offset} and strides {strides:?} reaches elements {lo}..={hi}, outside the {name} buffer of {len}",
                        self.shape
                    ),
                ));
            }
        }
        Ok(count)
    }
}

/// The lowest and highest offsets `offset + sum(i[k] * strides[k])` over
/// every index of `shape` (all dims > 0), exactly.
fn reach(offset: isize, strides: &[isize], shape: &[usize]) -> (i128, i128) {
    let (mut lo, mut hi) = (offset as i128, offset as i128);
    for (&s, &n) in strides.iter().zip(shape) {
        let span = (n as i128 - 1) * s as i128;
        if span < 0 {
            lo += span;
        } else {
            hi += span;
        }
    }
    (lo, hi)
}

/// Copies the block `dims` (every dim > 0, all positions in bounds)
/// sequentially in row-major order: innermost runs with `copy_from_slice`
/// where both strides are 1, element by element otherwise.
#[allow(clippy::too_many_arguments)]
fn copy_block(dims: &[usize], src: &[f32], src_off: isize, src_strides: &[isize], dst: &mut [f32], dst_off: isize, dst_strides: &[isize]) {
    let Some(r) = dims.len().checked_sub(1) else {
        dst[dst_off as usize] = src[src_off as usize];
        return;
    };
    let (n, si, di) = (dims[r], src_strides[r], dst_strides[r]);
    let rows: usize = dims[..r].iter().product();
    let mut odo = Odometer::new(&dims[..r], [&src_strides[..r], &dst_strides[..r]], [src_off, dst_off], 0);
    for _ in 0..rows {
        let [s, d] = odo.off;
        if si == 1 && di == 1 {
            dst[d as usize..][..n].copy_from_slice(&src[s as usize..][..n]);
        } else {
            for j in 0..n as isize {
                dst[(d + j * di) as usize] = src[(s + j * si) as usize];
            }
        }
        odo.step();
    }
}

/// Tasks below this many elements copy sequentially.
const MIN_PAR_COPY: usize = 1 << 15;

/// Copies `src` into `dst` as `spec` says (see [`StridedCopy`]). Validates
/// that every addressed element lies inside both buffers.
///
/// Parallel over the outermost dim when the copy is large and the `dst`
/// regions of different outer indices cannot overlap; otherwise sequential
/// in row-major order (so with overlapping writes, e.g. a `dst` stride of 0,
/// the last index wins).
///
/// ```
/// use cnn_core::tensor::{copy_strided, StridedCopy};
/// // Transpose of a [2, 3] matrix: read with strides [1, 3], write [3, 2] contiguously.
/// let spec = StridedCopy::from_words(&[2, 3, 2, 0, 1, 3, 0, 2, 1]).unwrap();
/// let mut y = [0.0; 6];
/// copy_strided(&spec, &[0., 1., 2., 3., 4., 5.], &mut y).unwrap();
/// assert_eq!(y, [0., 3., 1., 4., 2., 5.]);
/// ```
pub fn copy_strided(spec: &StridedCopy, src: &[f32], dst: &mut [f32]) -> Result<()> {
    let count = spec.check(src.len(), dst.len())?;
    if count == 0 {
        return Ok(());
    }
    let (dims, ss, ds) = simplify(spec);
    if count >= 2 * MIN_PAR_COPY && dims.len() >= 2 && dims[0] >= 2 {
        // The dst region of one outer index spans lo..=hi around its base;
        // regions are disjoint when that span is shorter than the outer stride.
        let (lo, hi) = reach(0, &ds[1..], &dims[1..]);
        let s0 = ds[0].unsigned_abs() as i128;
        if s0 > hi - lo {
            let n0 = dims[0];
            // Walk the outer dim in the direction of increasing dst addresses.
            let (mut src0, mut dst0, mut ss0) = (spec.src_offset, spec.dst_offset, ss[0]);
            if ds[0] < 0 {
                src0 += (n0 as isize - 1) * ss[0];
                dst0 += (n0 as isize - 1) * ds[0];
                ss0 = -ss[0];
            }
            let (s0, lo, span) = (s0 as usize, lo as isize, (hi - lo) as usize);
            let start = (dst0 + lo) as usize;
            let region = &mut dst[start..start + (n0 - 1) * s0 + span + 1];
            let per_item = count / n0;
            let chunk = par::chunk_size(n0, (MIN_PAR_COPY / per_item).max(1));
            par::for_each_out_chunk(region, s0, chunk, |first, piece| {
                let items = piece.len().div_ceil(s0);
                for k in 0..items {
                    let i = (first + k) as isize;
                    copy_block(&dims[1..], src, src0 + i * ss0, &ss[1..], piece, k as isize * s0 as isize - lo, &ds[1..]);
                }
            });
            return Ok(());
        }
    }
    copy_block(&dims, src, spec.src_offset, &ss, dst, spec.dst_offset, &ds);
    Ok(())
}

/// Drops size-1 dims and merges neighbours that are contiguous with each
/// other in both `src` and `dst`; the copy addresses the same pairs.
fn simplify(spec: &StridedCopy) -> (Vec<usize>, Vec<isize>, Vec<isize>) {
    let (mut dims, mut ss, mut ds) = (Vec::new(), Vec::<isize>::new(), Vec::<isize>::new());
    for k in 0..spec.shape.len() {
        let (n, s, d) = (spec.shape[k], spec.src_strides[k], spec.dst_strides[k]);
        if n == 1 {
            continue;
        }
        if let Some(j) = dims.len().checked_sub(1) {
            if ss[j] as i64 == s as i64 * n as i64 && ds[j] as i64 == d as i64 * n as i64 {
                dims[j] *= n;
                ss[j] = s;
                ds[j] = d;
                continue;
            }
        }
        dims.push(n);
        ss.push(s);
        ds.push(d);
    }
    (dims, ss, ds)
}

/// Scalar reference of [`copy_strided`]: every index of the shape in
/// row-major order, positions computed from scratch.
pub fn copy_strided_ref(spec: &StridedCopy, src: &[f32], dst: &mut [f32]) -> Result<()> {
    let count = spec.check(src.len(), dst.len())?;
    for flat in 0..count {
        let (mut rest, mut s, mut d) = (flat, spec.src_offset as i128, spec.dst_offset as i128);
        for k in (0..spec.shape.len()).rev() {
            let i = (rest % spec.shape[k]) as i128;
            rest /= spec.shape[k];
            s += i * spec.src_strides[k] as i128;
            d += i * spec.dst_strides[k] as i128;
        }
        dst[d as usize] = src[s as usize];
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Fill.

/// `y[..] = value`.
///
/// ```
/// let mut y = [0.0; 5];
/// cnn_core::tensor::fill(&mut y, 2.5);
/// assert_eq!(y, [2.5; 5]);
/// ```
pub fn fill(y: &mut [f32], value: f32) {
    for_each_piece(y, MIN_CHUNK, |_, y| fill_simd(y, value));
}

/// Scalar reference of [`fill`].
pub fn fill_ref(y: &mut [f32], value: f32) {
    for o in y.iter_mut() {
        *o = value;
    }
}

// ---------------------------------------------------------------------------
// One-hot.

/// Checks lengths and that every index is an integer; returns the rows.
fn check_one_hot(indices: &[f32], depth: usize, y: &[f32]) -> Result<()> {
    let n = indices.len();
    let len = checked_len("oneHot", "output", &[n, depth])?;
    check_len("oneHot", &format!("y ({n} indices x depth {depth})"), y.len(), len)?;
    for (pos, &v) in indices.iter().enumerate() {
        integer_index("oneHot", "index", pos, v)?;
    }
    Ok(())
}

/// The column of `on` for index value `v` (an integer), or `None` when out
/// of `0..depth` (a row of `off`, as TF).
#[inline]
fn one_hot_column(v: f32, depth: usize) -> Option<usize> {
    (v >= 0.0 && (v as usize) < depth).then_some(v as usize)
}

/// `y [n, depth]`: row `i` is `off` everywhere except `on` at column
/// `indices[i]`; an index outside `0..depth` gives a row of `off`.
/// Non-integer indices are an error.
///
/// ```
/// let mut y = [0.0; 6];
/// cnn_core::tensor::one_hot(&[2.0, 5.0], 3, 1.0, 0.0, &mut y).unwrap();
/// assert_eq!(y, [0., 0., 1., 0., 0., 0.]);
/// ```
pub fn one_hot(indices: &[f32], depth: usize, on: f32, off: f32, y: &mut [f32]) -> Result<()> {
    check_one_hot(indices, depth, y)?;
    if y.is_empty() {
        return Ok(());
    }
    let chunk = par::chunk_size(indices.len(), (MIN_CHUNK / depth).max(1));
    par::for_each_out_chunk(y, depth, chunk, |r0, piece| {
        for (row, &v) in piece.chunks_mut(depth).zip(&indices[r0..]) {
            fill_simd(row, off);
            if let Some(c) = one_hot_column(v, depth) {
                row[c] = on;
            }
        }
    });
    Ok(())
}

/// Scalar reference of [`one_hot`].
pub fn one_hot_ref(indices: &[f32], depth: usize, on: f32, off: f32, y: &mut [f32]) -> Result<()> {
    check_one_hot(indices, depth, y)?;
    for (i, &v) in indices.iter().enumerate() {
        for c in 0..depth {
            y[i * depth + c] = if v >= 0.0 && v == c as f32 { on } else { off };
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Gather.

fn check_gather(x: &[f32], indices: &[f32], outer: usize, axis_len: usize, inner: usize, y: &[f32]) -> Result<()> {
    let n = indices.len();
    check_len("gather", &format!("x [{outer}, {axis_len}, {inner}]"), x.len(), checked_len("gather", "x", &[outer, axis_len, inner])?)?;
    check_len("gather", &format!("y [{outer}, {n}, {inner}]"), y.len(), checked_len("gather", "y", &[outer, n, inner])?)?;
    for (pos, &v) in indices.iter().enumerate() {
        let i = integer_index("gather", "index", pos, v)?;
        if i < 0 || i as u64 >= axis_len as u64 {
            return Err(CoreError::new("gather", format!("index {i} at position {pos} is out of range for an axis of length {axis_len}")));
        }
    }
    Ok(())
}

/// `y [outer, n, inner]` with `y[o, j, :] = x[o, indices[j], :]` for `x`
/// viewed as `[outer, axis_len, inner]` (`tf.gather` along one axis).
/// Every index must be an integer in `0..axis_len`.
///
/// ```
/// // Rows 2 and 0 of a [3, 2] matrix.
/// let mut y = [0.0; 4];
/// cnn_core::tensor::gather(&[0., 1., 2., 3., 4., 5.], &[2.0, 0.0], 1, 3, 2, &mut y).unwrap();
/// assert_eq!(y, [4., 5., 0., 1.]);
/// ```
pub fn gather(x: &[f32], indices: &[f32], outer: usize, axis_len: usize, inner: usize, y: &mut [f32]) -> Result<()> {
    check_gather(x, indices, outer, axis_len, inner, y)?;
    if y.is_empty() {
        return Ok(());
    }
    let n = indices.len();
    let chunk = par::chunk_size(outer * n, (MIN_CHUNK / inner).max(1));
    par::for_each_out_chunk(y, inner, chunk, |r0, piece| {
        for (k, row) in piece.chunks_mut(inner).enumerate() {
            let (o, j) = ((r0 + k) / n, (r0 + k) % n);
            row.copy_from_slice(&x[(o * axis_len + indices[j] as usize) * inner..][..inner]);
        }
    });
    Ok(())
}

/// Scalar reference of [`gather`].
pub fn gather_ref(x: &[f32], indices: &[f32], outer: usize, axis_len: usize, inner: usize, y: &mut [f32]) -> Result<()> {
    check_gather(x, indices, outer, axis_len, inner, y)?;
    let n = indices.len();
    for o in 0..outer {
        for j in 0..n {
            for c in 0..inner {
                y[(o * n + j) * inner + c] = x[(o * axis_len + indices[j] as usize) * inner + c];
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Scatter-add (the gradient of gather, TF's `unsorted_segment_sum`).

fn check_scatter_add(dy: &[f32], indices: &[f32], outer: usize, axis_len: usize, inner: usize, dx: &[f32]) -> Result<()> {
    let n = indices.len();
    check_len("scatterAdd", &format!("dy [{outer}, {n}, {inner}]"), dy.len(), checked_len("scatterAdd", "dy", &[outer, n, inner])?)?;
    check_len("scatterAdd", &format!("dx [{outer}, {axis_len}, {inner}]"), dx.len(), checked_len("scatterAdd", "dx", &[outer, axis_len, inner])?)?;
    for (pos, &v) in indices.iter().enumerate() {
        let i = integer_index("scatterAdd", "index", pos, v)?;
        if i < 0 || i as u64 >= axis_len as u64 {
            return Err(CoreError::new("scatterAdd", format!("index {i} at position {pos} is out of range for an axis of length {axis_len}")));
        }
    }
    Ok(())
}

/// `dx [outer, axis_len, inner]` with `dx[o, i, :] = sum of dy[o, j, :] over
/// the j with indices[j] == i` (zero where no index points): the gradient of
/// [`gather`], and TF's `unsorted_segment_sum` with `outer = 1`. Rows are
/// added in the order of `indices`, so any thread count gives the same bits.
///
/// ```
/// // Rows 0, 2, 0 of dy [3, 2] added into a [3, 2] gradient.
/// let mut dx = [9.0; 6];
/// cnn_core::tensor::scatter_add(&[1., 2., 3., 4., 5., 6.], &[0.0, 2.0, 0.0], 1, 3, 2, &mut dx).unwrap();
/// assert_eq!(dx, [6., 8., 0., 0., 3., 4.]);
/// ```
pub fn scatter_add(dy: &[f32], indices: &[f32], outer: usize, axis_len: usize, inner: usize, dx: &mut [f32]) -> Result<()> {
    check_scatter_add(dy, indices, outer, axis_len, inner, dx)?;
    if dx.is_empty() {
        return Ok(());
    }
    let n = indices.len();
    let block = axis_len * inner;
    let chunk = par::chunk_size(outer, (MIN_CHUNK / block.max(1)).max(1));
    par::for_each_out_chunk(dx, block, chunk, |o0, piece| {
        piece.fill(0.0);
        for (k, out) in piece.chunks_mut(block).enumerate() {
            let o = o0 + k;
            for (j, &idx) in indices.iter().enumerate() {
                let src = &dy[(o * n + j) * inner..][..inner];
                let dst = &mut out[idx as usize * inner..][..inner];
                for (d, s) in dst.iter_mut().zip(src) {
                    *d += *s;
                }
            }
        }
    });
    Ok(())
}

/// Scalar reference of [`scatter_add`].
pub fn scatter_add_ref(dy: &[f32], indices: &[f32], outer: usize, axis_len: usize, inner: usize, dx: &mut [f32]) -> Result<()> {
    check_scatter_add(dy, indices, outer, axis_len, inner, dx)?;
    let n = indices.len();
    dx.iter_mut().for_each(|v| *v = 0.0);
    for o in 0..outer {
        for j in 0..n {
            for c in 0..inner {
                dx[(o * axis_len + indices[j] as usize) * inner + c] += dy[(o * n + j) * inner + c];
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
