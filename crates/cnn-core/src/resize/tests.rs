use super::*;
use crate::testutil::*;
use rand::Rng;

fn geom(x: [usize; 4], out: [usize; 2], mode: Interpolation, align: bool, half: bool) -> Resize2d {
    Resize2d::new("resize2d", x, out, mode, align, half).unwrap()
}

#[test]
fn nearest_x2_repeats_every_pixel() {
    // x = [[1, 2], [3, 4]] one channel, size 2: each value becomes a 2x2 block.
    let p = geom([1, 2, 2, 1], [4, 4], Interpolation::Nearest, false, false);
    let mut y = vec![0.0; 16];
    resize2d(&p, &[1., 2., 3., 4.], &mut y).unwrap();
    assert_eq!(y, vec![1., 1., 2., 2., 1., 1., 2., 2., 3., 3., 4., 4., 3., 3., 4., 4.]);
    // Backward sums each 2x2 block.
    let mut dx = vec![0.0; 4];
    resize2d_backward(&p, &(0..16).map(|v| v as f32).collect::<Vec<_>>(), &mut dx).unwrap();
    assert_eq!(dx, vec![0. + 1. + 4. + 5., 2. + 3. + 6. + 7., 8. + 9. + 12. + 13., 10. + 11. + 14. + 15.]);
}

#[test]
fn bilinear_x2_without_half_pixel_centres_as_tfjs() {
    // Row [0, 4] to 4 columns: sources 0, 0.5, 1, 1.5 -> 0, 2, 4, 4 (TF.js's resizeBilinear default).
    let p = geom([1, 1, 2, 1], [1, 4], Interpolation::Bilinear, false, false);
    let mut y = vec![0.0; 4];
    resize2d(&p, &[0., 4.], &mut y).unwrap();
    assert_eq!(y, vec![0., 2., 4., 4.]);
    // Half-pixel centres (Keras 3 / tf.image.resize): sources -0.25, 0.25, 0.75, 1.25.
    let p = geom([1, 1, 2, 1], [1, 4], Interpolation::Bilinear, false, true);
    resize2d(&p, &[0., 4.], &mut y).unwrap();
    assert_eq!(y, vec![0., 1., 3., 4.]);
    // Align corners: sources 0, 1/3, 2/3, 1.
    let p = geom([1, 1, 2, 1], [1, 4], Interpolation::Bilinear, true, false);
    resize2d(&p, &[0., 3.], &mut y).unwrap();
    assert_eq!(y, vec![0., 1., 2., 3.]);
}

#[test]
fn bad_specs_are_errors() {
    assert_eq!(
        Resize2d::new("resize2d", [1, 0, 2, 1], [2, 2], Interpolation::Nearest, false, false).unwrap_err().to_string(),
        "resize2d: sizes must be at least 1, got input [1,0,2,1] and output size [2,2]"
    );
    assert!(Resize2d::from_words("resize2d", &[1, 2, 2, 1, 4, 4, 7, 0, 0]).unwrap_err().to_string().contains("unknown interpolation 7"));
    let p = geom([1, 2, 2, 1], [4, 4], Interpolation::Nearest, false, false);
    assert_eq!(resize2d(&p, &[0.0; 3], &mut [0.0; 16]).unwrap_err().to_string(), "resize2d: input has 3 elements, expected 4");
}

#[test]
fn simd_matches_reference_and_finite_differences_on_random_shapes() {
    let mut r = rng(5);
    for case in 0..200 {
        let mode = if r.random_bool(0.5) { Interpolation::Nearest } else { Interpolation::Bilinear };
        let (align, half) = match r.random_range(0..3) {
            0 => (false, false),
            1 => (true, false),
            _ => (false, true),
        };
        let x = [[1, 1, 2][r.random_range(0..3)], r.random_range(1..7), r.random_range(1..7), [1, 3, 4, 5, 8, 9][r.random_range(0..6)]];
        let out = [r.random_range(1..13), r.random_range(1..13)];
        let p = geom(x, out, mode, align, half);
        let name = format!("case {case} x={x:?} out={out:?} {mode:?} align={align} half={half}");
        let xv = rand_vec(&mut r, p.input_len());
        let g = rand_vec(&mut r, p.output_len());
        let (mut y, mut y_ref) = (vec![f32::NAN; p.output_len()], vec![f32::NAN; p.output_len()]);
        resize2d(&p, &xv, &mut y).unwrap();
        resize2d_ref(&p, &xv, &mut y_ref).unwrap();
        assert_bits_eq(&y, &y_ref, &format!("forward {name}"));
        let (mut dx, mut dx_ref) = (vec![f32::NAN; p.input_len()], vec![f32::NAN; p.input_len()]);
        resize2d_backward(&p, &g, &mut dx).unwrap();
        resize2d_backward_ref(&p, &g, &mut dx_ref).unwrap();
        assert_bits_eq(&dx, &dx_ref, &format!("backward {name}"));
        if case % 10 == 0 {
            // Resizing is linear in x, so central differences are exact up to rounding.
            let num = numeric_grad(&xv, 1e-2, |xp| {
                let mut y = vec![0.0; p.output_len()];
                resize2d_ref(&p, xp, &mut y).unwrap();
                dot_f64(&y, &g)
            });
            assert_grad_close(&dx, &num, 1e-3, 1e-3, &format!("finite differences {name}"));
        }
    }
}

#[test]
fn one_and_two_threads_give_identical_bits() {
    let p = geom([3, 17, 15, 12], [34, 30], Interpolation::Bilinear, false, false);
    let mut r = rng(9);
    let x = rand_vec(&mut r, p.input_len());
    let g = rand_vec(&mut r, p.output_len());
    let run = || {
        let mut y = vec![0.0; p.output_len()];
        let mut dx = vec![0.0; p.input_len()];
        resize2d(&p, &x, &mut y).unwrap();
        resize2d_backward(&p, &g, &mut dx).unwrap();
        (y, dx)
    };
    let (one, two) = (with_threads(1, run), with_threads(2, run));
    assert_bits_eq(&two.0, &one.0, "forward");
    assert_bits_eq(&two.1, &one.1, "backward");
}
