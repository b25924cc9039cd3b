use super::*;
use crate::testutil::*;

/// Runs [`batch_norm_train`] and returns `(y, mean, var, moving_mean, moving_var)`.
fn train(p: &BatchNormParams, x: &[f32], gamma: &[f32], beta: &[f32], mm: &[f32], mv: &[f32]) -> [Vec<f32>; 5] {
    let c = p.channels;
    let (mut y, mut mean, mut var) = (vec![0.0; x.len()], vec![0.0; c], vec![0.0; c]);
    let (mut mm, mut mv) = (mm.to_vec(), mv.to_vec());
    batch_norm_train(p, x, gamma, beta, &mut mm, &mut mv, &mut y, &mut mean, &mut var).unwrap();
    [y, mean, var, mm, mv]
}

fn train_ref(p: &BatchNormParams, x: &[f32], gamma: &[f32], beta: &[f32], mm: &[f32], mv: &[f32]) -> [Vec<f32>; 5] {
    let c = p.channels;
    let (mut y, mut mean, mut var) = (vec![0.0; x.len()], vec![0.0; c], vec![0.0; c]);
    let (mut mm, mut mv) = (mm.to_vec(), mv.to_vec());
    batch_norm_train_ref(p, x, gamma, beta, &mut mm, &mut mv, &mut y, &mut mean, &mut var).unwrap();
    [y, mean, var, mm, mv]
}

#[test]
fn train_x_rows4_by_hand_biased_variance_and_keras_momentum() {
    // Channel 0: 1, 2, 3, 4 -> mean 2.5, biased variance 1.25.
    // Channel 1: 10, 20, 30, 40 -> mean 25, variance 125; gamma 2, beta 1.
    let p = BatchNormParams::new(4, 2);
    let x = [1., 10., 2., 20., 3., 30., 4., 40.];
    let [y, mean, var, mm, mv] = train(&p, &x, &[1., 2.], &[0., 1.], &[0., 0.], &[1., 1.]);
    assert_eq!(mean, vec![2.5, 25.0]);
    assert_eq!(var, vec![1.25, 125.0]);
    let (s0, s1) = ((1.25f64 + 1e-3).sqrt(), (125.0f64 + 1e-3).sqrt());
    let want: Vec<f32> = x.chunks(2).flat_map(|r| [((r[0] as f64 - 2.5) / s0) as f32, (2.0 * (r[1] as f64 - 25.0) / s1 + 1.0) as f32]).collect();
    assert_close(&y, &want, 1e-6, 1e-6, "y");
    // moving = moving * 0.99 + batch * 0.01
    assert_close(&mm, &[0.025, 0.25], 1e-6, 0.0, "moving mean");
    assert_close(&mv, &[0.99 + 0.0125, 0.99 + 1.25], 1e-6, 0.0, "moving variance");
}

#[test]
fn inference_uses_moving_statistics_by_hand() {
    let p = BatchNormParams::new(2, 1);
    let mut y = [0.0; 2];
    batch_norm_inference(&p, &[1.0, 4.0], &[2.0], &[0.5], &[1.0], &[3.0], &mut y).unwrap();
    let s = (3.0f64 + 1e-3).sqrt();
    assert_close(&y, &[0.5, (2.0 * 3.0 / s + 0.5) as f32], 1e-6, 1e-7, "y");
}

#[test]
fn simd_matches_reference_for_odd_channels_and_channel_blocks() {
    let mut r = rng(30);
    for c in [1, 3, 4, 5, 7, 8, 67, 130] {
        for rows in [1, 2, 17, 100] {
            let case = format!("rows={rows} c={c}");
            let p = BatchNormParams { momentum: 0.9, epsilon: 1e-3, ..BatchNormParams::new(rows, c) };
            let x: Vec<f32> = rand_vec(&mut r, rows * c).iter().map(|v| v * 3.0 + 0.5).collect();
            let (gamma, beta) = (rand_vec(&mut r, c), rand_vec(&mut r, c));
            let mm = rand_vec(&mut r, c);
            let mv: Vec<f32> = rand_vec(&mut r, c).iter().map(|v| v.abs() + 0.1).collect();
            let a = train(&p, &x, &gamma, &beta, &mm, &mv);
            let b = train_ref(&p, &x, &gamma, &beta, &mm, &mv);
            for (i, what) in ["y", "mean", "variance", "moving mean", "moving variance"].iter().enumerate() {
                assert_close(&a[i], &b[i], 2e-5, 2e-5, &format!("batchNormTrain {what} {case}"));
            }
            let (mut y1, mut y2) = (vec![0.0; rows * c], vec![1.0; rows * c]);
            batch_norm_inference(&p, &x, &gamma, &beta, &mm, &mv, &mut y1).unwrap();
            batch_norm_inference_ref(&p, &x, &gamma, &beta, &mm, &mv, &mut y2).unwrap();
            // Same coefficients and the same mul-then-add per element.
            assert_kernel_eq(&y1, &y2, 1, &format!("batchNormInference {case}"));

            let dy = rand_vec(&mut r, rows * c);
            let (mean, var) = (&b[1], &b[2]);
            let (mut dx1, mut dg1, mut db1) = (vec![0.0; rows * c], vec![0.0; c], vec![0.0; c]);
            let (mut dx2, mut dg2, mut db2) = (vec![1.0; rows * c], vec![1.0; c], vec![1.0; c]);
            batch_norm_backward(&p, &x, &dy, &gamma, mean, var, &mut dx1, &mut dg1, &mut db1).unwrap();
            batch_norm_backward_ref(&p, &x, &dy, &gamma, mean, var, &mut dx2, &mut dg2, &mut db2).unwrap();
            assert_close(&dx1, &dx2, 1e-4, 1e-5, &format!("batchNormBackward dx {case}"));
            assert_close(&dg1, &dg2, 1e-4, 1e-5, &format!("batchNormBackward dgamma {case}"));
            assert_close(&db1, &db2, 1e-4, 1e-5, &format!("batchNormBackward dbeta {case}"));
        }
    }
}

#[test]
fn backward_matches_finite_differences_for_dx_dgamma_dbeta() {
    let mut r = rng(31);
    for (rows, c) in [(6, 3), (20, 5), (2, 1)] {
        let case = format!("rows={rows} c={c}");
        let p = BatchNormParams::new(rows, c);
        let x = rand_vec(&mut r, rows * c);
        let gamma: Vec<f32> = rand_vec(&mut r, c).iter().map(|v| v + 1.5).collect();
        let beta = rand_vec(&mut r, c);
        let rr = rand_vec(&mut r, rows * c);
        let (mm, mv) = (vec![0.0; c], vec![1.0; c]);
        let [_, mean, var, _, _] = train(&p, &x, &gamma, &beta, &mm, &mv);
        let (mut dx, mut dg, mut db) = (vec![0.0; rows * c], vec![0.0; c], vec![0.0; c]);
        batch_norm_backward(&p, &x, &rr, &gamma, &mean, &var, &mut dx, &mut dg, &mut db).unwrap();

        let loss = |x: &[f32], g: &[f32], b: &[f32]| dot_f64(&train(&p, x, g, b, &mm, &mv)[0], &rr);
        let num = numeric_grad(&x, 3e-3, |xp| loss(xp, &gamma, &beta));
        assert_grad_close(&dx, &num, 1e-2, 2e-3, &format!("dx {case}"));
        let num = numeric_grad(&gamma, 3e-3, |gp| loss(&x, gp, &beta));
        assert_grad_close(&dg, &num, 1e-2, 2e-3, &format!("dgamma {case}"));
        let num = numeric_grad(&beta, 3e-3, |bp| loss(&x, &gamma, bp));
        assert_grad_close(&db, &num, 1e-2, 2e-3, &format!("dbeta {case}"));
    }
}

#[test]
fn one_and_two_threads_are_bit_identical_rows_8192_c_5() {
    // 8192 rows in chunks of 3276: three partial sums per reduction.
    let (rows, c) = (8192, 5);
    let p = BatchNormParams::new(rows, c);
    let mut r = rng(32);
    let x = rand_vec(&mut r, rows * c);
    let dy = rand_vec(&mut r, rows * c);
    let (gamma, beta) = (rand_vec(&mut r, c), rand_vec(&mut r, c));
    let run = || {
        let [y, mean, var, mm, mv] = train(&p, &x, &gamma, &beta, &[0.0; 5], &[1.0; 5]);
        let (mut dx, mut dg, mut db) = (vec![0.0; rows * c], vec![0.0; c], vec![0.0; c]);
        batch_norm_backward(&p, &x, &dy, &gamma, &mean, &var, &mut dx, &mut dg, &mut db).unwrap();
        [y, mean, var, mm, mv, dx, dg, db].concat()
    };
    let one = with_threads(1, run);
    let two = with_threads(2, run);
    assert_bits_eq(&two, &one, "rows=8192 c=5");
}

#[test]
fn wrong_lengths_and_empty_batch_are_errors() {
    let p = BatchNormParams::new(2, 3);
    let mut y = [0.0; 6];
    let e = batch_norm_inference(&p, &[0.0; 6], &[1.0; 2], &[0.0; 3], &[0.0; 3], &[1.0; 3], &mut y).unwrap_err();
    assert_eq!(e.to_string(), "batchNormInference: gamma has 2 elements, expected 3");
    let p0 = BatchNormParams::new(0, 3);
    let (mut mm, mut mv, mut mean, mut var) = ([0.0; 3], [1.0; 3], [0.0; 3], [0.0; 3]);
    let e = batch_norm_train(&p0, &[], &[1.0; 3], &[0.0; 3], &mut mm, &mut mv, &mut [], &mut mean, &mut var).unwrap_err();
    assert_eq!(e.to_string(), "batchNormTrain: training needs at least one sample per channel, got 0 rows");
    let bad = BatchNormParams { epsilon: 0.0, ..p };
    let e = batch_norm_inference(&bad, &[0.0; 6], &[1.0; 3], &[0.0; 3], &[0.0; 3], &[1.0; 3], &mut y).unwrap_err();
    assert_eq!(e.to_string(), "batchNormInference: epsilon must be > 0 and momentum in [0, 1], got epsilon 0 and momentum 0.99");
}
