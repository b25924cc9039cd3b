use super::*;
use crate::testutil::*;
use rand::Rng;

/// Random class labels as f32.
fn labels(r: &mut rand::rngs::SmallRng, rows: usize, classes: usize) -> Vec<f32> {
    (0..rows).map(|_| r.random_range(0..classes) as f32).collect()
}

/// Positive, unnormalised "probabilities" in [lo, 1).
fn positive(r: &mut rand::rngs::SmallRng, n: usize, lo: f32) -> Vec<f32> {
    (0..n).map(|_| r.random_range(lo..1.0)).collect()
}

// --- By hand ---------------------------------------------------------------

#[test]
fn softmax_of_0_and_ln3_is_quarter_and_three_quarters() {
    let mut y = [0.0; 2];
    softmax(1, 2, &[0.0, 3.0f32.ln()], &mut y).unwrap();
    assert_close(&y, &[0.25, 0.75], 1e-6, 1e-7, "softmax [0, ln 3]");
}

#[test]
fn softmax_of_huge_equal_logits_is_uniform_not_nan() {
    let mut y = [0.0; 5];
    softmax(1, 5, &[1000.0; 5], &mut y).unwrap();
    assert_eq!(y, [0.2; 5]);
}

#[test]
fn sparse_softmax_xent_of_zero_logits_is_ln_classes_and_grad_is_p_minus_onehot_over_n() {
    // Two rows of two classes, labels 1 and 0: loss ln 2 each.
    let mut p = [0.0; 4];
    let loss = sparse_softmax_cross_entropy(2, 2, &[0.0; 4], &[1.0, 0.0], &mut p).unwrap();
    assert_close(&[loss], &[2.0f32.ln()], 1e-6, 0.0, "loss");
    assert_eq!(p, [0.5; 4]);
    let mut d = [0.0; 4];
    sparse_softmax_cross_entropy_backward(2, 2, &p, &[1.0, 0.0], &mut d).unwrap();
    assert_eq!(d, [0.25, -0.25, -0.25, 0.25]);
}

#[test]
fn categorical_xent_matches_the_keras_docstring_example() {
    // keras/src/backend/tensorflow/nn.py, categorical_crossentropy docstring:
    // per-row losses [0.10536, 0.11653, 0.06188] (printed to 5 decimals).
    let probs = [0.9, 0.05, 0.05, 0.05, 0.89, 0.06, 0.05, 0.01, 0.94];
    let onehot = [1., 0., 0., 0., 1., 0., 0., 0., 1.];
    for (r, want) in [0.10536f32, 0.11653, 0.06188].into_iter().enumerate() {
        let p = &probs[r * 3..][..3];
        let loss = categorical_cross_entropy(1, 3, p, &onehot[r * 3..][..3]).unwrap();
        assert_close(&[loss], &[want], 0.0, 6e-6, &format!("row {r}"));
        // Sparse labels on the same (normalised, unclipped) rows agree.
        let loss = sparse_categorical_cross_entropy(1, 3, p, &[r as f32]).unwrap();
        assert_close(&[loss], &[want], 0.0, 6e-6, &format!("sparse row {r}"));
    }
    let mean = categorical_cross_entropy(3, 3, &probs, &onehot).unwrap();
    assert_close(&[mean], &[(0.10536 + 0.11653 + 0.06188) / 3.0], 0.0, 6e-6, "mean");
}

#[test]
fn probabilities_are_clipped_at_1e_minus_7() {
    // p[label] = 0 is clipped to 1e-7: loss -ln(1e-7) = 16.118096, not inf.
    let loss = sparse_categorical_cross_entropy(1, 2, &[1.0, 0.0], &[1.0]).unwrap();
    assert_close(&[loss], &[16.118096], 1e-6, 0.0, "sparse");
    let loss = categorical_cross_entropy(1, 2, &[1.0, 0.0], &[0.0, 1.0]).unwrap();
    assert_close(&[loss], &[16.118096], 1e-6, 0.0, "one-hot");
    // Clipped entries pass no gradient; the others get 1/S (- 1/p_label).
    let mut d = [9.0; 3];
    sparse_categorical_cross_entropy_backward(1, 3, &[0.0, 0.5, 0.5], &[1.0], &mut d).unwrap();
    let s = 1e-7f32 + 0.5 + 0.5;
    assert_close(&d, &[0.0, 1.0 / s - 2.0, 1.0 / s], 1e-6, 0.0, "sparse backward");
    sparse_categorical_cross_entropy_backward(1, 2, &[1.0, 0.0], &[0.0], &mut d[..2]).unwrap();
    assert_eq!(&d[..2], &[0.0, 0.0]);
}

// --- SIMD vs reference -----------------------------------------------------

#[test]
fn simd_matches_reference_for_odd_class_counts() {
    let mut r = rng(8);
    for (rows, classes) in [(1, 1), (1, 2), (2, 3), (3, 4), (5, 5), (4, 7), (7, 10), (3, 17), (600, 9)] {
        let case = format!("rows={rows} classes={classes}");
        let z: Vec<f32> = rand_vec(&mut r, rows * classes).iter().map(|v| v * 8.0).collect();
        let lab = labels(&mut r, rows, classes);
        let n = rows * classes;
        let (mut a, mut b) = (vec![0.0; n], vec![1.0; n]);
        softmax(rows, classes, &z, &mut a).unwrap();
        softmax_ref(rows, classes, &z, &mut b).unwrap();
        assert_close(&a, &b, 1e-6, 1e-9, &format!("softmax {case}"));
        let dy = rand_vec(&mut r, n);
        let (mut da, mut db) = (vec![0.0; n], vec![1.0; n]);
        softmax_backward(rows, classes, &b, &dy, &mut da).unwrap();
        softmax_backward_ref(rows, classes, &b, &dy, &mut db).unwrap();
        assert_close(&da, &db, 1e-5, 1e-7, &format!("softmaxBackward {case}"));
        let la = sparse_softmax_cross_entropy(rows, classes, &z, &lab, &mut a).unwrap();
        let lb = sparse_softmax_cross_entropy_ref(rows, classes, &z, &lab, &mut b).unwrap();
        assert_close(&[la], &[lb], 1e-5, 1e-7, &format!("sparseSoftmaxCrossEntropy {case}"));
        sparse_softmax_cross_entropy_backward(rows, classes, &b, &lab, &mut da).unwrap();
        sparse_softmax_cross_entropy_backward_ref(rows, classes, &b, &lab, &mut db).unwrap();
        assert_bits_eq(&da, &db, &format!("sparseSoftmaxCrossEntropyBackward {case}"));

        // Probabilities: unnormalised, some below the clip.
        let mut p = positive(&mut r, n, 0.0);
        p[0] = 0.0;
        let t = positive(&mut r, n, 0.0);
        let la = categorical_cross_entropy(rows, classes, &p, &t).unwrap();
        let lb = categorical_cross_entropy_ref(rows, classes, &p, &t).unwrap();
        assert_close(&[la], &[lb], 1e-5, 1e-7, &format!("categoricalCrossEntropy {case}"));
        categorical_cross_entropy_backward(rows, classes, &p, &t, &mut da).unwrap();
        categorical_cross_entropy_backward_ref(rows, classes, &p, &t, &mut db).unwrap();
        assert_close(&da, &db, 1e-5, 1e-7, &format!("categoricalCrossEntropyBackward {case}"));
        let la = sparse_categorical_cross_entropy(rows, classes, &p, &lab).unwrap();
        let lb = sparse_categorical_cross_entropy_ref(rows, classes, &p, &lab).unwrap();
        assert_close(&[la], &[lb], 1e-5, 1e-7, &format!("sparseCategoricalCrossEntropy {case}"));
        sparse_categorical_cross_entropy_backward(rows, classes, &p, &lab, &mut da).unwrap();
        sparse_categorical_cross_entropy_backward_ref(rows, classes, &p, &lab, &mut db).unwrap();
        assert_close(&da, &db, 1e-5, 1e-7, &format!("sparseCategoricalCrossEntropyBackward {case}"));
    }
}

// --- Backward against finite differences ----------------------------------

#[test]
fn softmax_backward_matches_finite_differences() {
    let mut r = rng(12);
    for (rows, classes) in [(1, 1), (3, 7), (2, 4), (1, 10)] {
        let z = rand_vec(&mut r, rows * classes);
        let rr = rand_vec(&mut r, rows * classes);
        let mut y = vec![0.0; rows * classes];
        softmax(rows, classes, &z, &mut y).unwrap();
        let mut dx = vec![0.0; rows * classes];
        softmax_backward(rows, classes, &y, &rr, &mut dx).unwrap();
        let num = numeric_grad(&z, 3e-3, |zp| {
            let mut y = vec![0.0; zp.len()];
            softmax(rows, classes, zp, &mut y).unwrap();
            dot_f64(&y, &rr)
        });
        assert_grad_close(&dx, &num, 1e-2, 3e-4, &format!("softmaxBackward rows={rows} classes={classes}"));
    }
}

#[test]
fn sparse_softmax_xent_backward_matches_finite_differences() {
    let mut r = rng(13);
    for (rows, classes) in [(1, 3), (3, 5), (2, 10)] {
        let z: Vec<f32> = rand_vec(&mut r, rows * classes).iter().map(|v| v * 3.0).collect();
        let lab = labels(&mut r, rows, classes);
        let mut p = vec![0.0; z.len()];
        sparse_softmax_cross_entropy(rows, classes, &z, &lab, &mut p).unwrap();
        let mut d = vec![0.0; z.len()];
        sparse_softmax_cross_entropy_backward(rows, classes, &p, &lab, &mut d).unwrap();
        let num = numeric_grad(&z, 3e-3, |zp| {
            let mut p = vec![0.0; zp.len()];
            sparse_softmax_cross_entropy(rows, classes, zp, &lab, &mut p).unwrap() as f64
        });
        assert_grad_close(&d, &num, 1e-2, 3e-4, &format!("rows={rows} classes={classes}"));
    }
}

#[test]
fn cross_entropies_on_probabilities_backward_match_finite_differences() {
    let mut r = rng(14);
    for (rows, classes) in [(1, 2), (2, 5), (3, 7)] {
        // Unnormalised rows exercise the renormalisation's Jacobian.
        let p = positive(&mut r, rows * classes, 0.2);
        let t = positive(&mut r, rows * classes, 0.0);
        let lab = labels(&mut r, rows, classes);
        let case = format!("rows={rows} classes={classes}");
        let mut d = vec![0.0; p.len()];
        categorical_cross_entropy_backward(rows, classes, &p, &t, &mut d).unwrap();
        let num = numeric_grad(&p, 1e-3, |pp| categorical_cross_entropy(rows, classes, pp, &t).unwrap() as f64);
        assert_grad_close(&d, &num, 1e-2, 1e-3, &format!("categoricalCrossEntropy {case}"));
        sparse_categorical_cross_entropy_backward(rows, classes, &p, &lab, &mut d).unwrap();
        let num = numeric_grad(&p, 1e-3, |pp| sparse_categorical_cross_entropy(rows, classes, pp, &lab).unwrap() as f64);
        assert_grad_close(&d, &num, 1e-2, 1e-3, &format!("sparseCategoricalCrossEntropy {case}"));
    }
}

// --- Threads and errors ----------------------------------------------------

#[test]
fn one_and_two_threads_are_bit_identical_rows_3000_classes_10() {
    let (rows, classes) = (3000, 10);
    let mut r = rng(15);
    let z = rand_vec(&mut r, rows * classes);
    let lab = labels(&mut r, rows, classes);
    let p0 = positive(&mut r, rows * classes, 0.0);
    let run = || {
        let mut p = vec![0.0; rows * classes];
        let l1 = sparse_softmax_cross_entropy(rows, classes, &z, &lab, &mut p).unwrap();
        let l2 = categorical_cross_entropy(rows, classes, &p0, &p).unwrap();
        let l3 = sparse_categorical_cross_entropy(rows, classes, &p0, &lab).unwrap();
        p.extend_from_slice(&[l1, l2, l3]);
        p
    };
    let one = with_threads(1, run);
    let two = with_threads(2, run);
    assert_bits_eq(&two, &one, "rows=3000 classes=10");
}

#[test]
fn labels_out_of_range_name_the_op_the_label_and_the_class_count() {
    let mut p = [0.0; 6];
    let e = sparse_softmax_cross_entropy(2, 3, &[0.0; 6], &[0.0, 3.0], &mut p).unwrap_err();
    assert_eq!(e.to_string(), "sparseSoftmaxCrossEntropy: label 3 of row 1 is not a class index, expected an integer in 0..3 (3 classes)");
    let e = sparse_categorical_cross_entropy(2, 3, &[0.3; 6], &[-1.0, 0.0]).unwrap_err();
    assert_eq!(e.to_string(), "sparseCategoricalCrossEntropy: label -1 of row 0 is not a class index, expected an integer in 0..3 (3 classes)");
    let e = sparse_softmax_cross_entropy_backward(1, 3, &[0.3; 3], &[1.5], &mut p[..3]).unwrap_err();
    assert_eq!(e.to_string(), "sparseSoftmaxCrossEntropyBackward: label 1.5 of row 0 is not a class index, expected an integer in 0..3 (3 classes)");
    let e = sparse_softmax_cross_entropy(2, 3, &[0.0; 6], &[0.0], &mut p).unwrap_err();
    assert_eq!(e.to_string(), "sparseSoftmaxCrossEntropy: labels has 1 elements, expected 2");
    let e = categorical_cross_entropy(0, 3, &[], &[]).unwrap_err();
    assert_eq!(e.to_string(), "categoricalCrossEntropy: batch and class count must be at least 1, got 0 rows of 3 classes");
}
