//! Data movement: one strided copy behind transpose, slice, pad, concat,
//! tile, broadcastTo and reverse; plus fill, one-hot and gather.
//!
//! ```text
//! copy_strided  dst[dst_off + Σ i_k*dst_stride_k] = src[src_off + Σ i_k*src_stride_k]  for every i in shape
//! one_hot       y[i, j] = (indices[i] == j) ? on : off            y: [n, depth]
//! gather        y[o, j, i] = x[o, indices[j], i]                  x: [outer, axis_len, inner], y: [outer, n, inner]
//! ```

use super::{checked_len, fill_simd, for_each_piece, integer_index, Odometer, MIN_CHUNK};
use crate::error::{CoreError, Result};
use crate::par;

/// A strided copy: `shape`, and per side an offset and strides in elements
/// (source strides may be 0 — broadcast — or negative — reverse).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StridedCopy {
    pub shape: Vec<usize>,
    pub src_offset: isize,
    pub src_strides: Vec<isize>,
    pub dst_offset: isize,
    pub dst_strides: Vec<isize>,
}

impl StridedCopy {
    /// Reads `[rank, shape.., src_offset, src_strides.., dst_offset, dst_strides..]`.
    pub fn from_words(v: &[i32]) -> Result<StridedCopy> {
        const OP: &str = "copyStrided";
        let rank = *v.first().ok_or_else(|| CoreError::new(OP, "empty spec"))?;
        if !(0..=16).contains(&rank) {
            return Err(CoreError::new(OP, format!("rank {rank} is outside 0..=16")));
        }
        let r = rank as usize;
        if v.len() != 3 + 3 * r {
            return Err(CoreError::new(OP, format!("spec has {} words, expected {} for rank {r}", v.len(), 3 + 3 * r)));
        }
        let shape: Vec<usize> = v[1..1 + r]
            .iter()
            .map(|&d| usize::try_from(d).map_err(|_| CoreError::new(OP, format!("negative dimension {d}"))))
            .collect::<Result<_>>()?;
        let src_offset = v[1 + r] as isize;
        let src_strides = v[2 + r..2 + 2 * r].iter().map(|&s| s as isize).collect();
        let dst_offset = v[2 + 2 * r] as isize;
        let dst_strides = v[3 + 2 * r..3 + 3 * r].iter().map(|&s| s as isize).collect();
        Ok(StridedCopy { shape, src_offset, src_strides, dst_offset, dst_strides })
    }

    fn count(&self) -> Result<usize> {
        checked_len("copyStrided", "copy", &self.shape)
    }

    /// Lowest and highest element offsets a side reaches (for a non-empty copy).
    fn extent(&self, offset: isize, strides: &[isize]) -> (isize, isize) {
        let (mut lo, mut hi) = (offset, offset);
        for (&d, &s) in self.shape.iter().zip(strides) {
            let span = s * (d as isize - 1);
            if span < 0 {
                lo += span;
            } else {
                hi += span;
            }
        }
        (lo, hi)
    }

    /// Every addressed element is inside both buffers.
    fn check(&self, src_len: usize, dst_len: usize) -> Result<()> {
        if self.count()? == 0 {
            return Ok(());
        }
        for (what, off, strides, len) in [("source", self.src_offset, &self.src_strides, src_len), ("destination", self.dst_offset, &self.dst_strides, dst_len)] {
            let (lo, hi) = self.extent(off, strides);
            if lo < 0 || hi >= len as isize {
                return Err(CoreError::new("copyStrided", format!("{what} offsets {lo}..={hi} fall outside its {len} elements (shape {:?})", self.shape)));
            }
        }
        Ok(())
    }

    /// True when distinct indices of the outermost axis write disjoint
    /// destination ranges (so the outer axis can be split over threads).
    fn outer_disjoint(&self) -> bool {
        if self.shape.is_empty() {
            return false;
        }
        let (lo, hi) = StridedCopy { shape: self.shape[1..].to_vec(), ..self.clone() }.extent(0, &self.dst_strides[1..]);
        self.dst_strides[0].unsigned_abs() as isize > hi - lo
    }
}

/// The destination, shared by tasks that write disjoint parts of it.
#[derive(Clone, Copy)]
struct DstPtr(*mut f32);
unsafe impl Send for DstPtr {}
unsafe impl Sync for DstPtr {}
impl DstPtr {
    fn at(self, i: usize) -> *mut f32 {
        self.0.wrapping_add(i)
    }
}

/// Copies as described by `c` (see the module comment).
pub fn copy_strided(c: &StridedCopy, src: &[f32], dst: &mut [f32]) -> Result<()> {
    c.check(src.len(), dst.len())?;
    let n = c.count()?;
    if n == 0 {
        return Ok(());
    }
    let rank = c.shape.len();
    // Innermost run that is contiguous on both sides: whole-slice copies;
    // the odometer walks the remaining dims.
    let contiguous = rank > 0 && c.src_strides[rank - 1] == 1 && c.dst_strides[rank - 1] == 1;
    let (inner, dims) = if contiguous { (c.shape[rank - 1], &c.shape[..rank - 1]) } else { (1, &c.shape[..]) };
    let ss = &c.src_strides[..dims.len()];
    let ds = &c.dst_strides[..dims.len()];
    let steps = n / inner;
    let outer = dims.first().copied().unwrap_or(1);
    let per = steps / outer;
    let dptr = DstPtr(dst.as_mut_ptr());
    let run = |rows: std::ops::Range<usize>| {
        let mut od = Odometer::new(dims, [ss, ds], [c.src_offset, c.dst_offset], rows.start * per);
        for _ in 0..(rows.end - rows.start) * per {
            let [so, d] = od.off;
            // SAFETY: `check` proved every offset in range; tasks write
            // disjoint ranges (outer_disjoint) or run one after the other.
            unsafe { core::ptr::copy(src.as_ptr().add(so as usize), dptr.at(d as usize), inner) };
            od.step();
        }
    };
    if !dims.is_empty() && outer > 1 && n >= MIN_CHUNK && c.outer_disjoint() {
        par::for_each_chunk(outer, par::chunk_size(outer, (MIN_CHUNK / (per * inner).max(1)).max(1)), run);
    } else {
        run(0..outer);
    }
    Ok(())
}

/// Scalar reference: one element at a time, index arithmetic from scratch.
pub fn copy_strided_ref(c: &StridedCopy, src: &[f32], dst: &mut [f32]) -> Result<()> {
    c.check(src.len(), dst.len())?;
    let n = c.count()?;
    for flat in 0..n {
        let (mut rest, mut so, mut d) = (flat, c.src_offset, c.dst_offset);
        for k in (0..c.shape.len()).rev() {
            let i = (rest % c.shape[k]) as isize;
            rest /= c.shape[k];
            so += i * c.src_strides[k];
            d += i * c.dst_strides[k];
        }
        dst[d as usize] = src[so as usize];
    }
    Ok(())
}

/// `y[..] = value`.
pub fn fill(y: &mut [f32], value: f32) {
    for_each_piece(y, MIN_CHUNK, |_, piece| fill_simd(piece, value));
}

pub fn fill_ref(y: &mut [f32], value: f32) {
    for v in y {
        *v = value;
    }
}

/// One-hot rows: `y` is `[indices.len(), depth]`; an out-of-range index gives
/// a row of `off` (TF's behaviour); a non-integer index is an error.
pub fn one_hot(indices: &[f32], depth: usize, on: f32, off: f32, y: &mut [f32]) -> Result<()> {
    one_hot_ref(indices, depth, on, off, y)
}

pub fn one_hot_ref(indices: &[f32], depth: usize, on: f32, off: f32, y: &mut [f32]) -> Result<()> {
    const OP: &str = "oneHot";
    crate::error::check_len(OP, "output", y.len(), indices.len() * depth)?;
    for (i, &v) in indices.iter().enumerate() {
        let k = integer_index(OP, "index", i, v)?;
        let row = &mut y[i * depth..(i + 1) * depth];
        fill_simd(row, off);
        if k >= 0 && (k as usize) < depth {
            row[k as usize] = on;
        }
    }
    Ok(())
}

/// `y[o, j, :] = x[o, indices[j], :]`; an index outside `0..axis_len` is an error.
pub fn gather(x: &[f32], indices: &[f32], outer: usize, axis_len: usize, inner: usize, y: &mut [f32]) -> Result<()> {
    let idx = check_gather(x, indices, outer, axis_len, inner, y)?;
    let n = indices.len();
    if y.is_empty() {
        return Ok(());
    }
    // Rows of `inner` floats: parallel over output rows when large.
    par::for_each_out_chunk(y, inner.max(1), par::chunk_size(outer * n, (MIN_CHUNK / inner.max(1)).max(1)), |first, piece| {
        for (r, row) in piece.chunks_mut(inner.max(1)).enumerate() {
            let g = first + r;
            let (o, j) = (g / n, g % n);
            let src = (o * axis_len + idx[j]) * inner;
            row.copy_from_slice(&x[src..src + inner]);
        }
    });
    Ok(())
}

pub fn gather_ref(x: &[f32], indices: &[f32], outer: usize, axis_len: usize, inner: usize, y: &mut [f32]) -> Result<()> {
    let idx = check_gather(x, indices, outer, axis_len, inner, y)?;
    let n = indices.len();
    for o in 0..outer {
        for (j, &k) in idx.iter().enumerate() {
            for i in 0..inner {
                y[(o * n + j) * inner + i] = x[(o * axis_len + k) * inner + i];
            }
        }
    }
    Ok(())
}

fn check_gather(x: &[f32], indices: &[f32], outer: usize, axis_len: usize, inner: usize, y: &[f32]) -> Result<Vec<usize>> {
    const OP: &str = "gather";
    crate::error::check_len(OP, "input", x.len(), checked_len(OP, "input", &[outer, axis_len, inner])?)?;
    crate::error::check_len(OP, "output", y.len(), checked_len(OP, "output", &[outer, indices.len(), inner])?)?;
    indices
        .iter()
        .enumerate()
        .map(|(j, &v)| {
            let k = integer_index(OP, "index", j, v)?;
            if k < 0 || k as usize >= axis_len {
                return Err(CoreError::new(OP, format!("index {k} at position {j} is out of range for an axis of length {axis_len}")));
            }
            Ok(k as usize)
        })
        .collect()
}

#[cfg(test)]
mod copy_tests {
    use super::*;
    use crate::testutil::*;

    fn arange(n: usize) -> Vec<f32> {
        (0..n).map(|v| v as f32).collect()
    }

    fn words(shape: &[i32], so: i32, ss: &[i32], dof: i32, ds: &[i32]) -> Vec<i32> {
        let mut v = vec![shape.len() as i32];
        v.extend(shape);
        v.push(so);
        v.extend(ss);
        v.push(dof);
        v.extend(ds);
        v
    }

    #[test]
    fn transpose_0213_of_an_arange_checked_element_by_element() {
        // x [2,3,4,5] -> y [2,4,3,5].
        let x = arange(120);
        let c = StridedCopy::from_words(&words(&[2, 4, 3, 5], 0, &[60, 5, 20, 1], 0, &[60, 15, 5, 1])).unwrap();
        let mut y = vec![0.0; 120];
        copy_strided(&c, &x, &mut y).unwrap();
        for a in 0..2 {
            for b in 0..3 {
                for cc in 0..4 {
                    for d in 0..5 {
                        assert_eq!(y[((a * 4 + cc) * 3 + b) * 5 + d], x[((a * 3 + b) * 4 + cc) * 5 + d]);
                    }
                }
            }
        }
    }

    #[test]
    fn slice_pad_reverse_and_broadcast() {
        let x = arange(12); // [3,4]
        // slice [1:3, 1:3] -> [[5,6],[9,10]]
        let c = StridedCopy::from_words(&words(&[2, 2], 5, &[4, 1], 0, &[2, 1])).unwrap();
        let mut y = vec![0.0; 4];
        copy_strided(&c, &x, &mut y).unwrap();
        assert_eq!(y, vec![5., 6., 9., 10.]);
        // pad [3,4] by one on each side into a zeroed [5,6]
        let c = StridedCopy::from_words(&words(&[3, 4], 0, &[4, 1], 7, &[6, 1])).unwrap();
        let mut y = vec![0.0; 30];
        copy_strided(&c, &x, &mut y).unwrap();
        assert_eq!(&y[0..6], &[0.0; 6]);
        assert_eq!(&y[6..12], &[0., 0., 1., 2., 3., 0.]);
        // reverse axis 1 with a negative stride
        let c = StridedCopy::from_words(&words(&[3, 4], 3, &[4, -1], 0, &[4, 1])).unwrap();
        let mut y = vec![0.0; 12];
        copy_strided(&c, &x, &mut y).unwrap();
        assert_eq!(&y[0..4], &[3., 2., 1., 0.]);
        // broadcast a row with a zero stride
        let c = StridedCopy::from_words(&words(&[2, 4], 0, &[0, 1], 0, &[4, 1])).unwrap();
        let mut y = vec![0.0; 8];
        copy_strided(&c, &x, &mut y).unwrap();
        assert_eq!(y, vec![0., 1., 2., 3., 0., 1., 2., 3.]);
    }

    #[test]
    fn out_of_bounds_specs_are_rejected() {
        let x = arange(12);
        let mut y = vec![0.0; 12];
        let c = StridedCopy::from_words(&words(&[3, 4], 1, &[4, 1], 0, &[4, 1])).unwrap();
        assert!(copy_strided(&c, &x, &mut y).unwrap_err().to_string().contains("source offsets 1..=12 fall outside its 12 elements"));
        let c = StridedCopy::from_words(&words(&[3, 4], 0, &[4, -1], 0, &[4, 1])).unwrap();
        assert!(copy_strided(&c, &x, &mut y).is_err());
        assert!(StridedCopy::from_words(&[2, 3]).is_err());
    }

    #[test]
    fn simd_and_reference_agree_on_random_specs_and_threads() {
        let mut r = rng(9);
        use rand::Rng;
        for _ in 0..50 {
            let shape: Vec<i32> = (0..r.random_range(1..5)).map(|_| r.random_range(1..9)).collect();
            // A random permutation of a contiguous source (transpose).
            let mut perm: Vec<usize> = (0..shape.len()).collect();
            for i in (1..perm.len()).rev() {
                perm.swap(i, r.random_range(0..=i));
            }
            let src_shape: Vec<i32> = perm.iter().map(|&p| shape[p]).collect();
            let mut src_strides = vec![1i32; shape.len()];
            for k in (0..shape.len() - 1).rev() {
                src_strides[k] = src_strides[k + 1] * src_shape[k + 1];
            }
            let ss: Vec<i32> = (0..shape.len()).map(|k| src_strides[perm.iter().position(|&p| p == k).unwrap()]).collect();
            let mut ds = vec![1i32; shape.len()];
            for k in (0..shape.len() - 1).rev() {
                ds[k] = ds[k + 1] * shape[k + 1];
            }
            let n: i32 = shape.iter().product();
            let x = rand_vec(&mut r, n as usize);
            let c = StridedCopy::from_words(&words(&shape, 0, &ss, 0, &ds)).unwrap();
            let mut a = vec![0.0; n as usize];
            let mut b = vec![0.0; n as usize];
            copy_strided(&c, &x, &mut a).unwrap();
            copy_strided_ref(&c, &x, &mut b).unwrap();
            assert_bits_eq(&a, &b, &format!("{c:?}"));
        }
        let big = StridedCopy::from_words(&words(&[64, 512], 0, &[1, 64], 0, &[512, 1])).unwrap();
        let x = rand_vec(&mut r, 64 * 512);
        let run = || {
            let mut y = vec![0.0; 64 * 512];
            copy_strided(&big, &x, &mut y).unwrap();
            y
        };
        assert_bits_eq(&with_threads(2, run), &with_threads(1, run), "transpose 512x64");
    }

    #[test]
    fn one_hot_and_gather() {
        let mut y = vec![9.0; 9];
        one_hot(&[0.0, 2.0, 5.0], 3, 1.0, 0.0, &mut y).unwrap();
        assert_eq!(y, vec![1., 0., 0., 0., 0., 1., 0., 0., 0.]);
        assert!(one_hot(&[0.5], 3, 1.0, 0.0, &mut [0.0; 3]).unwrap_err().to_string().contains("expected an integer"));
        // x [2,3,2] gather axis 1 with [2,0] -> [2,2,2]
        let x = arange(12);
        let mut y = vec![0.0; 8];
        gather(&x, &[2.0, 0.0], 2, 3, 2, &mut y).unwrap();
        assert_eq!(y, vec![4., 5., 0., 1., 10., 11., 6., 7.]);
        let mut z = vec![0.0; 8];
        gather_ref(&x, &[2.0, 0.0], 2, 3, 2, &mut z).unwrap();
        assert_eq!(y, z);
        assert!(gather(&x, &[3.0], 2, 3, 2, &mut [0.0; 4]).unwrap_err().to_string().contains("index 3 at position 0 is out of range for an axis of length 3"));
        let mut f = vec![0.0; 7];
        fill(&mut f, 2.5);
        assert_eq!(f, vec![2.5; 7]);
    }
}
