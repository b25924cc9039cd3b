use super::*;
use crate::testutil::*;

const LENS: [usize; 9] = [0, 1, 3, 4, 5, 7, 9, 1000, 50_001];

#[test]
fn sgd_momentum_and_nesterov_two_steps_by_hand() {
    // p = 1, g = 0.5, lr = 0.1, momentum 0.9:
    // v1 = -0.05, p1 = 0.95; v2 = 0.9 * -0.05 - 0.05 = -0.095, p2 = 0.855.
    let o = Sgd { learning_rate: 0.1, momentum: 0.9, nesterov: false };
    let (mut p, mut v) = ([1.0f32], [0.0f32]);
    sgd_update(&o, &[0.5], &mut p, Some(&mut v)).unwrap();
    assert_close(&[p[0], v[0]], &[0.95, -0.05], 1e-6, 0.0, "step 1");
    sgd_update(&o, &[0.5], &mut p, Some(&mut v)).unwrap();
    assert_close(&[p[0], v[0]], &[0.855, -0.095], 1e-6, 0.0, "step 2");
    // Nesterov: p += momentum * v - lr * g = -0.045 - 0.05.
    let o = Sgd { nesterov: true, ..o };
    let (mut p, mut v) = ([1.0f32], [0.0f32]);
    sgd_update(&o, &[0.5], &mut p, Some(&mut v)).unwrap();
    assert_close(&[p[0], v[0]], &[0.905, -0.05], 1e-6, 0.0, "nesterov");
    // Plain SGD needs no velocity.
    let mut p = [1.0f32, 2.0];
    sgd_update(&Sgd::default(), &[1.0, -2.0], &mut p, None).unwrap();
    assert_close(&p, &[0.99, 2.02], 1e-6, 0.0, "plain");
}

#[test]
fn rmsprop_matches_the_keras_docstring_example() {
    // keras/src/optimizers/rmsprop.py: var 10, loss var^2 / 2 (grad = var),
    // lr 0.1, one step -> 9.683772.
    let o = RmsProp { learning_rate: 0.1, ..RmsProp::default() };
    let (mut p, mut ms) = ([10.0f32], [0.0f32]);
    rmsprop_update(&o, &[10.0], &mut p, &mut ms, None).unwrap();
    assert_close(&p, &[9.683772], 1e-6, 0.0, "var");
}

/// Adam as written in Kingma & Ba, Algorithm 1, in f64, with its epsilon
/// derived from Keras' "epsilon hat": eps_hat = eps * sqrt(1 - beta2^t).
fn adam_paper(o: &Adam, grads: &[Vec<f32>], p0: &[f32]) -> Vec<f64> {
    let mut p: Vec<f64> = p0.iter().map(|&v| v as f64).collect();
    let (mut m, mut v) = (vec![0.0f64; p.len()], vec![0.0f64; p.len()]);
    for (t, g) in grads.iter().enumerate() {
        let t = (t + 1) as i32;
        let eps = o.epsilon / (1.0 - o.beta2.powi(t)).sqrt();
        for i in 0..p.len() {
            let g = g[i] as f64;
            m[i] = o.beta1 * m[i] + (1.0 - o.beta1) * g;
            v[i] = o.beta2 * v[i] + (1.0 - o.beta2) * g * g;
            let m_hat = m[i] / (1.0 - o.beta1.powi(t));
            let v_hat = v[i] / (1.0 - o.beta2.powi(t));
            p[i] -= o.learning_rate * m_hat / (v_hat.sqrt() + eps);
        }
    }
    p
}

#[test]
fn adam_five_steps_match_the_papers_algorithm_in_f64() {
    let mut r = rng(40);
    let n = 37;
    let p0 = rand_vec(&mut r, n);
    let grads: Vec<Vec<f32>> = (0..5).map(|_| rand_vec(&mut r, n)).collect();
    for o in [Adam::default(), Adam { learning_rate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-3 }] {
        let want = adam_paper(&o, &grads, &p0);
        let (mut p, mut m, mut v) = (p0.clone(), vec![0.0; n], vec![0.0; n]);
        for (t, g) in grads.iter().enumerate() {
            adam_update(&o, t as u64 + 1, g, &mut p, &mut m, &mut v).unwrap();
        }
        let want: Vec<f32> = want.iter().map(|&v| v as f32).collect();
        assert_close(&p, &want, 1e-6, 2e-7, &format!("{o:?}"));
    }
}

#[test]
fn simd_matches_reference_bit_for_bit_for_every_length_and_option() {
    let mut r = rng(41);
    for n in LENS {
        let g = rand_vec(&mut r, n);
        let p0 = rand_vec(&mut r, n);
        let s0: Vec<f32> = rand_vec(&mut r, n).iter().map(|v| v.abs()).collect();
        let s1 = rand_vec(&mut r, n);
        for o in [Sgd::default(), Sgd { learning_rate: 0.05, momentum: 0.9, nesterov: false }, Sgd { learning_rate: 0.05, momentum: 0.5, nesterov: true }] {
            let (mut pa, mut va, mut pb, mut vb) = (p0.clone(), s1.clone(), p0.clone(), s1.clone());
            sgd_update(&o, &g, &mut pa, Some(&mut va)).unwrap();
            sgd_update_ref(&o, &g, &mut pb, Some(&mut vb)).unwrap();
            assert_bits_eq(&[pa, va].concat(), &[pb, vb].concat(), &format!("sgd n={n} {o:?}"));
        }
        let o = Adam::default();
        let (mut pa, mut ma, mut va) = (p0.clone(), s1.clone(), s0.clone());
        let (mut pb, mut mb, mut vb) = (p0.clone(), s1.clone(), s0.clone());
        adam_update(&o, 3, &g, &mut pa, &mut ma, &mut va).unwrap();
        adam_update_ref(&o, 3, &g, &mut pb, &mut mb, &mut vb).unwrap();
        assert_bits_eq(&[pa, ma, va].concat(), &[pb, mb, vb].concat(), &format!("adam n={n}"));
        for o in [RmsProp::default(), RmsProp { momentum: 0.9, ..RmsProp::default() }] {
            let (mut pa, mut sa, mut ma) = (p0.clone(), s0.clone(), s1.clone());
            let (mut pb, mut sb, mut mb) = (p0.clone(), s0.clone(), s1.clone());
            rmsprop_update(&o, &g, &mut pa, &mut sa, Some(&mut ma)).unwrap();
            rmsprop_update_ref(&o, &g, &mut pb, &mut sb, Some(&mut mb)).unwrap();
            assert_bits_eq(&[pa, sa, ma].concat(), &[pb, sb, mb].concat(), &format!("rmsprop n={n} {o:?}"));
        }
    }
}

#[test]
fn one_and_two_threads_are_bit_identical_n_50001() {
    let mut r = rng(42);
    let n = 50_001;
    let g = rand_vec(&mut r, n);
    let p0 = rand_vec(&mut r, n);
    let run = || {
        let (mut p, mut m, mut v, mut mom) = (p0.clone(), vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        adam_update(&Adam::default(), 1, &g, &mut p, &mut m, &mut v).unwrap();
        let o = Sgd { learning_rate: 0.1, momentum: 0.9, nesterov: true };
        sgd_update(&o, &g, &mut p, Some(&mut mom)).unwrap();
        rmsprop_update(&RmsProp { momentum: 0.5, ..RmsProp::default() }, &g, &mut p, &mut v, Some(&mut mom)).unwrap();
        [p, m, v, mom].concat()
    };
    let one = with_threads(1, run);
    let two = with_threads(2, run);
    assert_bits_eq(&two, &one, "n=50001");
}

#[test]
fn bad_arguments_are_errors_naming_the_op() {
    let (mut p, mut m, mut v) = ([0.0; 3], [0.0; 3], [0.0; 2]);
    let e = adam_update(&Adam::default(), 1, &[0.0; 3], &mut p, &mut m, &mut v).unwrap_err();
    assert_eq!(e.to_string(), "adamUpdate: v has 2 elements, expected 3");
    let e = adam_update(&Adam::default(), 0, &[0.0; 3], &mut p, &mut m, &mut [0.0; 3]).unwrap_err();
    assert_eq!(e.to_string(), "adamUpdate: step counts from 1 (Keras' iterations + 1), got 0");
    let o = Sgd { momentum: 0.9, ..Sgd::default() };
    let e = sgd_update(&o, &[0.0; 3], &mut p, None).unwrap_err();
    assert_eq!(e.to_string(), "sgdUpdate: momentum 0.9 needs a velocity buffer, got none");
    let o = Sgd { momentum: 1.5, ..Sgd::default() };
    let e = sgd_update(&o, &[0.0; 3], &mut p, Some(&mut m)).unwrap_err();
    assert_eq!(e.to_string(), "sgdUpdate: momentum must be in [0, 1], got 1.5");
    let e = rmsprop_update(&RmsProp::default(), &[0.0; 3], &mut [0.0; 4], &mut m, None).unwrap_err();
    assert_eq!(e.to_string(), "rmspropUpdate: param has 4 elements, expected 3");
}
