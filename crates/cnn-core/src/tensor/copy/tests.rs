use super::*;
use crate::tensor::tests::arange;
use crate::testutil::*;
use rand::Rng;

/// The wasm words of a copy.
fn words(shape: &[i32], so: i32, ss: &[i32], dof: i32, ds: &[i32]) -> Vec<i32> {
    let mut v = vec![shape.len() as i32];
    v.extend(shape);
    v.push(so);
    v.extend(ss);
    v.push(dof);
    v.extend(ds);
    v
}

fn spec(shape: &[i32], so: i32, ss: &[i32], dof: i32, ds: &[i32]) -> StridedCopy {
    StridedCopy::from_words(&words(shape, so, ss, dof, ds)).unwrap()
}

/// Runs the copy into `dst` (and the reference into a copy of it), checks
/// that both agree bit for bit, returns the result.
#[track_caller]
fn copy(c: &StridedCopy, src: &[f32], dst: &[f32]) -> Vec<f32> {
    let (mut y, mut z) = (dst.to_vec(), dst.to_vec());
    copy_strided(c, src, &mut y).unwrap();
    copy_strided_ref(c, src, &mut z).unwrap();
    assert_bits_eq(&y, &z, &format!("{c:?}"));
    y
}

#[test]
fn transpose_0213_of_an_arange_2x3x4x5_checked_element_by_element() {
    // y [2, 4, 3, 5] = x [2, 3, 4, 5] with axes 1 and 2 swapped: the copy
    // walks y's shape and reads x with x's strides permuted.
    let x = arange(120);
    let y = copy(&spec(&[2, 4, 3, 5], 0, &[60, 5, 20, 1], 0, &[60, 15, 5, 1]), &x, &[f32::NAN; 120]);
    for a in 0..2 {
        for b in 0..3 {
            for c in 0..4 {
                for d in 0..5 {
                    assert_eq!(y[((a * 4 + c) * 3 + b) * 5 + d], x[((a * 3 + b) * 4 + c) * 5 + d], "y[{a},{c},{b},{d}]");
                }
            }
        }
    }
}

#[test]
fn slice_1to3_1to3_of_a_3x4() {
    let y = copy(&spec(&[2, 2], 5, &[4, 1], 0, &[2, 1]), &arange(12), &[0.0; 4]);
    assert_eq!(y, [5., 6., 9., 10.]);
}

#[test]
fn pad_a_3x4_by_one_into_a_zeroed_5x6() {
    let y = copy(&spec(&[3, 4], 0, &[4, 1], 7, &[6, 1]), &arange(12), &[0.0; 30]);
    #[rustfmt::skip]
    assert_eq!(y, [
        0., 0., 0., 0., 0., 0.,
        0., 0., 1., 2., 3., 0.,
        0., 4., 5., 6., 7., 0.,
        0., 8., 9., 10., 11., 0.,
        0., 0., 0., 0., 0., 0.,
    ]);
}

#[test]
fn reverse_with_negative_strides() {
    let x = arange(12); // [3, 4]
    assert_eq!(copy(&spec(&[3, 4], 3, &[4, -1], 0, &[4, 1]), &x, &[0.0; 12]), [3., 2., 1., 0., 7., 6., 5., 4., 11., 10., 9., 8.]);
    assert_eq!(copy(&spec(&[3, 4], 11, &[-4, -1], 0, &[4, 1]), &x, &[0.0; 12]), [11., 10., 9., 8., 7., 6., 5., 4., 3., 2., 1., 0.]);
    assert_eq!(copy(&spec(&[3, 4], 8, &[-4, 1], 0, &[4, 1]), &x, &[0.0; 12]), [8., 9., 10., 11., 4., 5., 6., 7., 0., 1., 2., 3.]);
}

#[test]
fn tile_concat_and_broadcast_to() {
    let x = arange(6); // [2, 3]
                       // tile [2, 2]: y [4, 6] viewed as [rep0 2, 2, rep1 2, 3], reading x with 0 strides on the reps.
    let y = copy(&spec(&[2, 2, 2, 3], 0, &[0, 3, 0, 1], 0, &[12, 6, 3, 1]), &x, &[f32::NAN; 24]);
    assert_eq!(&y[..12], &[0., 1., 2., 0., 1., 2., 3., 4., 5., 3., 4., 5.]);
    assert_eq!(&y[..12], &y[12..]);
    // concat [2, 2] and [2, 3] along axis 1 into [2, 5]: two copies.
    let mut y = [f32::NAN; 10];
    copy_strided(&spec(&[2, 2], 0, &[2, 1], 0, &[5, 1]), &[1., 2., 3., 4.], &mut y).unwrap();
    copy_strided(&spec(&[2, 3], 0, &[3, 1], 2, &[5, 1]), &[5., 6., 7., 8., 9., 10.], &mut y).unwrap();
    assert_eq!(y, [1., 2., 5., 6., 7., 3., 4., 8., 9., 10.]);
    // broadcastTo [3] -> [2, 3]
    assert_eq!(copy(&spec(&[2, 3], 0, &[0, 1], 0, &[3, 1]), &x, &[0.0; 6]), [0., 1., 2., 0., 1., 2.]);
}

#[test]
fn rank_0_and_empty_copies() {
    // One element: src[5] -> dst[2].
    assert_eq!(copy(&StridedCopy::from_words(&[0, 5, 2]).unwrap(), &arange(6), &[0.0; 3]), [0., 0., 5.]);
    // Nothing addressed: any offsets are fine and nothing is written.
    assert_eq!(copy(&spec(&[0, 4], 99, &[4, 1], -7, &[4, 1]), &arange(6), &[1.0; 3]), [1.0; 3]);
}

#[test]
fn overlapping_writes_are_sequential_and_the_last_index_wins() {
    // dst stride 0: every element lands on dst[1]; the last one stays.
    let c = spec(&[40_000, 3], 0, &[3, 1], 1, &[0, 0]);
    let x = arange(120_000);
    let y = with_threads(2, || copy(&c, &x, &[0.0; 3]));
    assert_eq!(y, [0.0, 119_999.0, 0.0]);
}

#[test]
fn out_of_bounds_specs_are_rejected_not_clamped() {
    let x = arange(12);
    let err = |c: StridedCopy, dst_len: usize| copy_strided(&c, &x, &mut vec![0.0; dst_len]).unwrap_err().to_string();
    assert_eq!(
        err(spec(&[3, 4], 1, &[4, 1], 0, &[4, 1]), 12),
        "copyStrided: shape [3, 4] with src offset 1 and strides [4, 1] reaches elements 1..=12, outside the src buffer of 12"
    );
    assert_eq!(
        err(spec(&[3, 4], 0, &[4, -1], 0, &[4, 1]), 12),
        "copyStrided: shape [3, 4] with src offset 0 and strides [4, -1] reaches elements -3..=8, outside the src buffer of 12"
    );
    assert_eq!(
        err(spec(&[3, 4], 0, &[4, 1], 0, &[4, 1]), 11),
        "copyStrided: shape [3, 4] with dst offset 0 and strides [4, 1] reaches elements 0..=11, outside the dst buffer of 11"
    );
    assert!(err(spec(&[3, 4], 0, &[4, 1], -1, &[4, 1]), 20).contains("reaches elements -1..=10, outside the dst buffer"));
    // Spans that would wrap around in 32-bit arithmetic: 65536 * 65536 = 2^32.
    assert!(err(spec(&[65537], 0, &[65536], 0, &[0]), 1).contains("reaches elements 0..=4294967296"));
    assert!(err(spec(&[65537, 65537], 0, &[65536, -65536], 0, &[0, 0]), 1).contains("outside the src buffer"));
    // Malformed words.
    assert!(StridedCopy::from_words(&[2, 3]).unwrap_err().to_string().contains("spec has 2 words with rank 2"));
    assert!(StridedCopy::from_words(&[]).is_err());
    assert!(StridedCopy::from_words(&[-1]).is_err());
    assert_eq!(StridedCopy::from_words(&words(&[2, -3], 0, &[1, 1], 0, &[1, 1])).unwrap_err().to_string(), "copyStrided: shape [2, -3] has a negative dim -3");
}

/// A random copy: a permuted, partly flipped, partly broadcast read of a
/// contiguous source, written into a destination with padding around it and
/// possibly flipped rows.
fn random_copy(r: &mut rand::rngs::SmallRng, max_dim: i32) -> (StridedCopy, usize, usize) {
    let rank = r.random_range(1..5);
    let shape: Vec<i32> = (0..rank).map(|_| r.random_range(1..=max_dim)).collect();
    // Source: contiguous of a permutation of shape; some dims broadcast
    // (source dim 1, stride 0) or flipped (negative stride).
    let mut perm: Vec<usize> = (0..rank).collect();
    for i in (1..rank).rev() {
        perm.swap(i, r.random_range(0..=i));
    }
    let bcast: Vec<bool> = (0..rank).map(|_| r.random_range(0..4) == 0).collect();
    let src_dims: Vec<i32> = perm.iter().map(|&p| if bcast[p] { 1 } else { shape[p] }).collect();
    let mut src_contig = vec![1i32; rank];
    for k in (0..rank - 1).rev() {
        src_contig[k] = src_contig[k + 1] * src_dims[k + 1];
    }
    let mut so = 0;
    let ss: Vec<i32> = (0..rank)
        .map(|k| {
            let s = if bcast[k] { 0 } else { src_contig[perm.iter().position(|&p| p == k).unwrap()] };
            if r.random_range(0..3) == 0 {
                so += (shape[k] - 1) * s;
                -s
            } else {
                s
            }
        })
        .collect();
    let src_len = src_dims.iter().product::<i32>() as usize;
    // Destination: a padded box, rows of the outer dim possibly flipped.
    let pads: Vec<i32> = (0..rank).map(|_| r.random_range(0..3)).collect();
    let box_dims: Vec<i32> = (0..rank).map(|k| shape[k] + pads[k]).collect();
    let mut ds = vec![1i32; rank];
    for k in (0..rank - 1).rev() {
        ds[k] = ds[k + 1] * box_dims[k + 1];
    }
    let mut dof: i32 = (0..rank).map(|k| (pads[k] / 2) * ds[k]).sum();
    if r.random_range(0..2) == 0 {
        dof += (shape[0] - 1) * ds[0];
        ds[0] = -ds[0];
    }
    let dst_len = box_dims.iter().product::<i32>() as usize;
    (spec(&shape, so, &ss, dof, &ds), src_len, dst_len)
}

#[test]
fn random_transposes_flips_broadcasts_and_pads_match_reference() {
    let mut r = rng(31);
    for _ in 0..300 {
        let (c, src_len, dst_len) = random_copy(&mut r, 7);
        let x = rand_vec(&mut r, src_len);
        copy(&c, &x, &rand_vec(&mut r, dst_len));
    }
}

#[test]
fn large_copies_split_over_threads_bit_identically() {
    let mut r = rng(32);
    let x = rand_vec(&mut r, 300 * 256);
    let cases = [
        // transpose [300, 256] -> [256, 300]
        spec(&[256, 300], 0, &[1, 256], 0, &[300, 1]),
        // flip the rows of the destination (negative outer dst stride)
        spec(&[300, 256], 0, &[256, 1], 299 * 256, &[-256, 1]),
        // reverse the columns in the destination (negative inner dst stride)
        spec(&[300, 256], 0, &[256, 1], 255, &[256, -1]),
        // pad into a wider buffer: [300, 256] at column 3 of [300, 260]
        spec(&[300, 256], 0, &[256, 1], 3, &[260, 1]),
    ];
    for c in cases {
        let dst = vec![0.0; 300 * 260];
        let one = with_threads(1, || copy(&c, &x, &dst));
        let two = with_threads(2, || copy(&c, &x, &dst));
        assert_bits_eq(&two, &one, &format!("{c:?}"));
    }
    for _ in 0..12 {
        let (c, src_len, dst_len) = random_copy(&mut r, 24);
        let x = rand_vec(&mut r, src_len);
        let dst = rand_vec(&mut r, dst_len);
        assert_bits_eq(&with_threads(2, || copy(&c, &x, &dst)), &with_threads(1, || copy(&c, &x, &dst)), &format!("{c:?}"));
    }
}

// --- fill, oneHot, gather ----------------------------------------------------

#[test]
fn fill_matches_reference_for_every_length() {
    for n in [0, 1, 3, 4, 5, 17, 100_003] {
        let (mut y, mut z) = (vec![0.0; n], vec![1.0; n]);
        fill(&mut y, -2.5);
        fill_ref(&mut z, -2.5);
        assert_bits_eq(&y, &z, &format!("fill n={n}"));
        assert!(y.iter().all(|&v| v == -2.5));
    }
}

#[test]
fn fill_by_hand_bit_for_bit_on_one_and_two_threads() {
    // Every element carries the value's exact bits: signed zero, a
    // subnormal, infinity and a NaN payload survive.
    for value in [-0.0f32, f32::from_bits(1), f32::INFINITY, f32::from_bits(0x7fc0_1234), 3.5] {
        for n in [0, 1, 5, 100_003] {
            let run = || {
                let mut y = vec![7.0; n];
                fill(&mut y, value);
                y
            };
            let one = with_threads(1, run);
            assert!(one.iter().all(|v| v.to_bits() == value.to_bits()), "fill({value}) n={n}");
            assert_bits_eq(&with_threads(2, run), &one, &format!("fill({value}) n={n}, 2 threads vs 1"));
        }
    }
}

#[test]
fn one_hot_by_hand_with_out_of_range_rows_of_off() {
    let mut y = [9.0; 15];
    one_hot(&[0.0, 2.0, -1.0, 3.0, 1.0], 3, 5.0, -1.0, &mut y).unwrap();
    #[rustfmt::skip]
    assert_eq!(y, [
        5., -1., -1.,
        -1., -1., 5.,
        -1., -1., -1.,
        -1., -1., -1.,
        -1., 5., -1.,
    ]);
    one_hot(&[1.0], 0, 1.0, 0.0, &mut []).unwrap();
    assert_eq!(one_hot(&[0.0, 0.5], 3, 1.0, 0.0, &mut [0.0; 6]).unwrap_err().to_string(), "oneHot: index at position 1 is 0.5, expected an integer");
    assert!(one_hot(&[f32::NAN], 3, 1.0, 0.0, &mut [0.0; 3]).is_err());
    assert_eq!(one_hot(&[0.0, 1.0], 3, 1.0, 0.0, &mut [0.0; 5]).unwrap_err().to_string(), "oneHot: y (2 indices x depth 3) has 5 elements, expected 6");
}

#[test]
fn one_hot_matches_reference_on_random_indices() {
    let mut r = rng(33);
    for (n, depth) in [(1, 1), (3, 5), (17, 4), (20_000, 10)] {
        let idx: Vec<f32> = (0..n).map(|_| r.random_range(-2..depth as i32 + 2) as f32).collect();
        let (mut y, mut z) = (vec![0.0; n * depth], vec![1.0; n * depth]);
        one_hot(&idx, depth, 0.9, 0.1, &mut y).unwrap();
        one_hot_ref(&idx, depth, 0.9, 0.1, &mut z).unwrap();
        assert_bits_eq(&y, &z, &format!("oneHot n={n} depth={depth}"));
    }
}

#[test]
fn one_hot_one_and_two_threads_are_bit_identical() {
    let mut r = rng(34);
    // Enough rows for several parallel chunks; out-of-range rows included.
    for (n, depth) in [(40_000, 10), (3_001, 1_000)] {
        let idx: Vec<f32> = (0..n).map(|_| r.random_range(-2..depth as i32 + 2) as f32).collect();
        let run = || {
            let mut y = vec![9.0; n * depth];
            one_hot(&idx, depth, 0.9, 0.1, &mut y).unwrap();
            y
        };
        assert_bits_eq(&with_threads(2, run), &with_threads(1, run), &format!("oneHot n={n} depth={depth}, 2 threads vs 1"));
    }
}

#[test]
fn gather_along_the_middle_axis_of_a_2x3x2_by_hand() {
    // x [2, 3, 2], indices [2, 0] -> y [2, 2, 2]
    let x = arange(12);
    let mut y = vec![0.0; 8];
    gather(&x, &[2.0, 0.0], 2, 3, 2, &mut y).unwrap();
    assert_eq!(y, [4., 5., 0., 1., 10., 11., 6., 7.]);
    // Repeated indices and an empty index list.
    let mut y = vec![0.0; 3];
    gather(&x, &[11.0, 11.0, 0.0], 1, 12, 1, &mut y).unwrap();
    assert_eq!(y, [11., 11., 0.]);
    gather(&x, &[], 2, 3, 2, &mut []).unwrap();
}

#[test]
fn gather_rejects_out_of_range_and_non_integer_indices() {
    let x = arange(12);
    let err = |idx: &[f32]| gather(&x, idx, 2, 3, 2, &mut vec![0.0; 4 * idx.len()]).unwrap_err().to_string();
    assert_eq!(err(&[0.0, 3.0]), "gather: index 3 at position 1 is out of range for an axis of length 3");
    assert_eq!(err(&[-1.0]), "gather: index -1 at position 0 is out of range for an axis of length 3");
    assert_eq!(err(&[1.5]), "gather: index at position 0 is 1.5, expected an integer");
    assert_eq!(gather(&x, &[0.0], 2, 3, 2, &mut [0.0; 3]).unwrap_err().to_string(), "gather: y [2, 1, 2] has 3 elements, expected 4");
    assert_eq!(gather(&x, &[0.0], 2, 3, 3, &mut [0.0; 6]).unwrap_err().to_string(), "gather: x [2, 3, 3] has 12 elements, expected 18");
}

#[test]
fn gather_matches_reference_and_one_and_two_threads_are_bit_identical() {
    let mut r = rng(34);
    for (outer, axis_len, inner, n) in [(1, 1, 1, 1), (3, 5, 4, 7), (2, 17, 3, 5), (300, 40, 33, 20)] {
        let x = rand_vec(&mut r, outer * axis_len * inner);
        let idx: Vec<f32> = (0..n).map(|_| r.random_range(0..axis_len) as f32).collect();
        let run = || {
            let mut y = vec![0.0; outer * n * inner];
            gather(&x, &idx, outer, axis_len, inner, &mut y).unwrap();
            y
        };
        let one = with_threads(1, run);
        assert_bits_eq(&with_threads(2, run), &one, &format!("gather [{outer}, {axis_len}, {inner}] n={n}"));
        let mut z = vec![0.0; one.len()];
        gather_ref(&x, &idx, outer, axis_len, inner, &mut z).unwrap();
        assert_bits_eq(&one, &z, &format!("gather ref [{outer}, {axis_len}, {inner}] n={n}"));
    }
}

#[test]
fn scatter_add_by_hand_and_rejects_bad_indices() {
    // dy [2, 3, 1] with indices [1, 1, 0] into dx [2, 2, 1].
    let mut dx = [f32::NAN; 4];
    scatter_add(&[1., 2., 4., 8., 16., 32.], &[1.0, 1.0, 0.0], 2, 2, 1, &mut dx).unwrap();
    assert_eq!(dx, [4., 3., 32., 24.]);
    let err = |idx: &[f32]| scatter_add(&[0.0; 2], idx, 1, 3, 1, &mut [0.0; 3]).unwrap_err().to_string();
    assert_eq!(err(&[0.0, 3.0]), "scatterAdd: index 3 at position 1 is out of range for an axis of length 3");
    assert_eq!(err(&[0.5, 1.0]), "scatterAdd: index at position 0 is 0.5, expected an integer");
}

#[test]
fn scatter_add_matches_reference_and_one_and_two_threads_are_bit_identical() {
    let mut r = rng(35);
    for (outer, axis_len, inner, n) in [(1, 1, 1, 1), (3, 5, 4, 7), (2, 17, 3, 50), (300, 40, 33, 20), (1, 1000, 1, 4000)] {
        let dy = rand_vec(&mut r, outer * n * inner);
        let idx: Vec<f32> = (0..n).map(|_| r.random_range(0..axis_len) as f32).collect();
        let run = || {
            let mut dx = vec![f32::NAN; outer * axis_len * inner];
            scatter_add(&dy, &idx, outer, axis_len, inner, &mut dx).unwrap();
            dx
        };
        let one = with_threads(1, run);
        assert_bits_eq(&with_threads(2, run), &one, &format!("scatterAdd [{outer}, {axis_len}, {inner}] n={n}"));
        let mut z = vec![f32::NAN; one.len()];
        scatter_add_ref(&dy, &idx, outer, axis_len, inner, &mut z).unwrap();
        assert_bits_eq(&one, &z, &format!("scatterAdd ref [{outer}, {axis_len}, {inner}] n={n}"));
    }
}
