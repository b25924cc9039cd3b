//! Kernels against TensorFlow's own results (tests/golden/golden.json, made
//! by tests/golden/make_golden.py with tensorflow-cpu): conv2d forward and
//! both gradients in every padding mode, pooling forward and backward,
//! fused softmax cross-entropy, batch normalisation, depthwise convolution
//! (both gradients, multiplier, stride, dilation, explicit padding) and
//! resizing (nearest / bilinear with TF's alignCorners / halfPixelCenters).

use cnn_core::depthwise::{self, Depthwise2d};
use cnn_core::gemm::Activation;
use cnn_core::resize::{self, Interpolation, Resize2d};
use cnn_core::shape::{Conv2d, Conv2dArgs, Padding, Pool2d, Pool2dArgs};
use cnn_core::{batchnorm, conv, pool, softmax};
use serde_json::Value;

fn cases() -> Vec<Value> {
    let text = include_str!("golden/golden.json");
    let v: Value = serde_json::from_str(text).expect("golden.json parses");
    v["cases"].as_array().expect("cases").clone()
}

fn f32s(v: &Value) -> Vec<f32> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number") as f32).collect()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array().expect("array").iter().map(|x| x.as_u64().expect("int") as usize).collect()
}

fn padding(v: &Value) -> Padding {
    match v {
        Value::String(s) if s == "SAME" => Padding::Same,
        Value::String(s) if s == "VALID" => Padding::Valid,
        Value::Array(_) => {
            let p = usizes(v);
            Padding::Explicit([p[0], p[1], p[2], p[3]])
        }
        other => panic!("padding {other}"),
    }
}

#[track_caller]
fn close(got: &[f32], want: &[f32], tol: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol * (1.0 + w.abs()), "{what}: at {i} got {g}, TensorFlow {w}");
    }
}

#[test]
fn conv2d_matches_tensorflow() {
    let mut n = 0;
    let mut prepared = 0;
    for c in cases().iter().filter(|c| c["kind"] == "conv2d") {
        let name = c["name"].as_str().unwrap();
        let x = usizes(&c["x_shape"]);
        let f = usizes(&c["f_shape"]);
        let s = usizes(&c["strides"]);
        let d = usizes(&c["dilations"]);
        let args = Conv2dArgs {
            n: x[0],
            h: x[1],
            w: x[2],
            cin: x[3],
            kh: f[0],
            kw: f[1],
            cout: f[3],
            stride: [s[0], s[1]],
            dilation: [d[0], d[1]],
            padding: padding(&c["padding"]),
        };
        let p = Conv2d::new("conv2d", &args).unwrap();
        assert_eq!(vec![p.n, p.y.output, p.x.output, p.cout], usizes(&c["y_shape"]), "{name}: output shape");
        let (xv, wv, rv) = (f32s(&c["x"]), f32s(&c["w"]), f32s(&c["r"]));
        let mut y = vec![0.0; p.output_len()];
        conv::conv2d(&p, &xv, &wv, None, Activation::Linear, &mut y).unwrap();
        close(&y, &f32s(&c["y"]), 1e-4, &format!("{name}: forward"));
        if conv::winograd::shape_ok(&p) {
            // Predict's path: the filter transformed once, in both tilings.
            for variant in [conv::winograd::Variant::F2, conv::winograd::Variant::F4] {
                let mut u = vec![0.0; conv::winograd::prepared_len(p.cin, p.cout, variant)];
                conv::winograd::prepare_filter(&p, &wv, variant, &mut u).unwrap();
                let mut yp = vec![0.0; p.output_len()];
                conv::conv2d_prepared(&p, &xv, &wv, &u, None, None, Activation::Linear, &mut yp).unwrap();
                close(&yp, &f32s(&c["y"]), 1e-4, &format!("{name}: forward, prepared {variant:?}"));
                prepared += 1;
            }
        }
        if c["dx"].as_array().is_some_and(|a| !a.is_empty()) {
            let mut dx = vec![0.0; p.input_len()];
            conv::conv2d_backward_input(&p, &rv, &wv, &mut dx).unwrap();
            close(&dx, &f32s(&c["dx"]), 1e-4, &format!("{name}: input gradient"));
            let mut dw = vec![0.0; p.filter_len()];
            conv::conv2d_backward_filter(&p, &xv, &rv, &mut dw).unwrap();
            close(&dw, &f32s(&c["dw"]), 1e-4, &format!("{name}: filter gradient"));
        }
        n += 1;
    }
    assert_eq!(n, 7);
    assert!(prepared >= 2, "no golden case took the prepared-filter path");
}

#[test]
fn pooling_matches_tensorflow() {
    let mut n = 0;
    for c in cases().iter().filter(|c| c["kind"] == "max_pool" || c["kind"] == "avg_pool") {
        let name = c["name"].as_str().unwrap();
        let x = usizes(&c["x_shape"]);
        let k = usizes(&c["ksize"]);
        let s = usizes(&c["strides"]);
        let p =
            Pool2d::new("pool", &Pool2dArgs { n: x[0], h: x[1], w: x[2], c: x[3], pool: [k[0], k[1]], stride: [s[0], s[1]], padding: padding(&c["padding"]) })
                .unwrap();
        let xv = f32s(&c["x"]);
        let rv = f32s(&c["r"]);
        let mut y = vec![0.0; p.output_len()];
        let mut dx = vec![0.0; p.input_len()];
        if c["kind"] == "max_pool" {
            pool::max_pool2d(&p, &xv, &mut y).unwrap();
            pool::max_pool2d_backward(&p, &xv, &rv, &mut dx).unwrap();
        } else {
            pool::avg_pool2d(&p, &xv, &mut y).unwrap();
            pool::avg_pool2d_backward(&p, &rv, &mut dx).unwrap();
        }
        close(&y, &f32s(&c["y"]), 1e-6, &format!("{name}: forward"));
        close(&dx, &f32s(&c["dx"]), 1e-6, &format!("{name}: gradient"));
        n += 1;
    }
    assert_eq!(n, 4);
}

#[test]
fn sparse_softmax_cross_entropy_matches_tensorflow() {
    let c = cases().into_iter().find(|c| c["kind"] == "sparse_softmax_xent").unwrap();
    let (rows, classes) = (c["rows"].as_u64().unwrap() as usize, c["classes"].as_u64().unwrap() as usize);
    let logits = f32s(&c["logits"]);
    let labels: Vec<f32> = usizes(&c["labels"]).iter().map(|&l| l as f32).collect();
    let mut probs = vec![0.0; rows * classes];
    let loss = softmax::sparse_softmax_cross_entropy(rows, classes, &logits, &labels, &mut probs).unwrap();
    close(&[loss], &[c["loss"].as_f64().unwrap() as f32], 1e-5, "loss");
    let mut d = vec![0.0; rows * classes];
    softmax::sparse_softmax_cross_entropy_backward(rows, classes, &probs, &labels, &mut d).unwrap();
    close(&d, &f32s(&c["dlogits"]), 1e-5, "dlogits");
}

#[test]
fn batch_norm_matches_tensorflow() {
    let c = cases().into_iter().find(|c| c["kind"] == "batchnorm").unwrap();
    let shape = usizes(&c["x_shape"]);
    let channels = *shape.last().unwrap();
    let rows = shape.iter().product::<usize>() / channels;
    let p = batchnorm::BatchNormParams { epsilon: c["epsilon"].as_f64().unwrap(), ..batchnorm::BatchNormParams::new(rows, channels) };
    let (x, gamma, beta, r) = (f32s(&c["x"]), f32s(&c["gamma"]), f32s(&c["beta"]), f32s(&c["r"]));
    let (mut mm, mut mv) = (vec![0.0; channels], vec![1.0; channels]);
    let (mut y, mut mean, mut var) = (vec![0.0; x.len()], vec![0.0; channels], vec![0.0; channels]);
    batchnorm::batch_norm_train(&p, &x, &gamma, &beta, &mut mm, &mut mv, &mut y, &mut mean, &mut var).unwrap();
    close(&y, &f32s(&c["y"]), 1e-4, "y");
    close(&mean, &f32s(&c["mean"]), 1e-5, "mean");
    close(&var, &f32s(&c["variance"]), 1e-5, "variance");
    let (mut dx, mut dg, mut db) = (vec![0.0; x.len()], vec![0.0; channels], vec![0.0; channels]);
    batchnorm::batch_norm_backward(&p, &x, &r, &gamma, &mean, &var, &mut dx, &mut dg, &mut db).unwrap();
    close(&dx, &f32s(&c["dx"]), 1e-4, "dx");
    close(&dg, &f32s(&c["dgamma"]), 1e-4, "dgamma");
    close(&db, &f32s(&c["dbeta"]), 1e-4, "dbeta");
}

#[test]
fn depthwise_conv2d_matches_tensorflow() {
    let mut n = 0;
    for c in cases().iter().filter(|c| c["kind"] == "depthwise_conv2d") {
        let name = c["name"].as_str().unwrap();
        let x = usizes(&c["x_shape"]);
        let f = usizes(&c["f_shape"]);
        let s = usizes(&c["strides"]);
        let d = usizes(&c["dilations"]);
        let args = Conv2dArgs {
            n: x[0],
            h: x[1],
            w: x[2],
            cin: x[3],
            kh: f[0],
            kw: f[1],
            cout: f[2] * f[3],
            stride: [s[0], s[1]],
            dilation: [d[0], d[1]],
            padding: padding(&c["padding"]),
        };
        let p = Depthwise2d::new("depthwiseConv2d", &args).unwrap();
        assert_eq!(vec![p.n, p.y.output, p.x.output, p.cout()], usizes(&c["y_shape"]), "{name}: output shape");
        let (xv, wv, rv) = (f32s(&c["x"]), f32s(&c["w"]), f32s(&c["r"]));
        let mut y = vec![0.0; p.output_len()];
        depthwise::depthwise_conv2d(&p, &xv, &wv, None, &mut y).unwrap();
        close(&y, &f32s(&c["y"]), 1e-5, &format!("{name}: forward"));
        let mut dx = vec![0.0; p.input_len()];
        depthwise::depthwise_conv2d_backward_input(&p, &rv, &wv, &mut dx).unwrap();
        close(&dx, &f32s(&c["dx"]), 1e-5, &format!("{name}: input gradient"));
        let mut dw = vec![0.0; p.filter_len()];
        depthwise::depthwise_conv2d_backward_filter(&p, &xv, &rv, &mut dw).unwrap();
        close(&dw, &f32s(&c["dw"]), 1e-4, &format!("{name}: filter gradient"));
        n += 1;
    }
    assert_eq!(n, 5);
}

#[test]
fn resize_matches_tensorflow() {
    let mut n = 0;
    for c in cases().iter().filter(|c| c["kind"] == "resize") {
        let name = c["name"].as_str().unwrap();
        let x = usizes(&c["x_shape"]);
        let size = usizes(&c["size"]);
        let mode = if c["method"] == "nearest" { Interpolation::Nearest } else { Interpolation::Bilinear };
        let p = Resize2d::new(
            "resize2d",
            [x[0], x[1], x[2], x[3]],
            [size[0], size[1]],
            mode,
            c["align_corners"].as_bool().unwrap(),
            c["half_pixel_centers"].as_bool().unwrap(),
        )
        .unwrap();
        let mut y = vec![0.0; p.output_len()];
        resize::resize2d(&p, &f32s(&c["x"]), &mut y).unwrap();
        close(&y, &f32s(&c["y"]), 1e-5, &format!("{name}: forward"));
        let mut dx = vec![0.0; p.input_len()];
        resize::resize2d_backward(&p, &f32s(&c["r"]), &mut dx).unwrap();
        close(&dx, &f32s(&c["dx"]), 1e-5, &format!("{name}: gradient"));
        n += 1;
    }
    assert_eq!(n, 5);
}
