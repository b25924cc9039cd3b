//! Native criterion benchmarks of the core kernels (`cargo bench -p cnn-core`):
//! GEMM, and conv2d forward / backward on the shapes of the side-by-side
//! benchmark in the top-level `benches/` folder (which compares the wasm
//! build with TensorFlow.js). Natively the SIMD type is a portable [f32; 4],
//! so these numbers track the kernels' structure, not wasm speed.

use cnn_core::conv;
use cnn_core::gemm::{gemm, Activation, GemmParams};
use cnn_core::shape::{Conv2d, Conv2dArgs, Padding};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn bench_gemm(c: &mut Criterion) {
    let mut g = c.benchmark_group("gemm");
    for &(m, n, k) in &[(256usize, 256usize, 256usize), (1024, 64, 576), (64, 128, 1024)] {
        let a = vec![0.5f32; m * k];
        let b = vec![0.25f32; k * n];
        let mut out = vec![0.0f32; m * n];
        let p = GemmParams::new(m, n, k);
        g.throughput(Throughput::Elements((2 * m * n * k) as u64));
        g.bench_with_input(BenchmarkId::from_parameter(format!("{m}x{n}x{k}")), &p, |bch, p| bch.iter(|| gemm(p, &a, &b, None, &mut out).unwrap()));
    }
    g.finish();
}

/// `[batch, h, w, cin, cout, stride]`, 3x3 SAME (the TF.js comparison's shapes).
const SHAPES: &[[usize; 6]] = &[
    [64, 32, 32, 3, 16, 1],
    [64, 32, 32, 16, 32, 1],
    [64, 16, 16, 32, 64, 2],
    [64, 8, 8, 64, 64, 2],
    [64, 16, 16, 64, 64, 1],
    [1, 56, 56, 256, 256, 1],
    [1, 14, 14, 512, 512, 1],
];

fn geometry(s: &[usize; 6]) -> Conv2d {
    let mut a = Conv2dArgs::new(s[0], s[1], s[2], s[3], 3, 3, s[4]);
    a.stride = [s[5], s[5]];
    a.padding = Padding::Same;
    Conv2d::new("conv2d", &a).unwrap()
}

fn bench_conv(c: &mut Criterion) {
    let mut g = c.benchmark_group("conv2d");
    g.sample_size(10);
    for s in SHAPES {
        let p = geometry(s);
        let x = vec![0.5f32; p.input_len()];
        let w = vec![0.1f32; p.filter_len()];
        let dy = vec![0.2f32; p.output_len()];
        let mut y = vec![0.0f32; p.output_len()];
        let mut dx = vec![0.0f32; p.input_len()];
        let mut dw = vec![0.0f32; p.filter_len()];
        let name = format!("{}x{}x{}x{}->{} s{}", s[0], s[1], s[2], s[3], s[4], s[5]);
        g.throughput(Throughput::Elements(p.flops() as u64));
        g.bench_function(BenchmarkId::new("forward", &name), |b| b.iter(|| conv::conv2d(&p, &x, &w, None, Activation::Linear, &mut y).unwrap()));
        g.bench_function(BenchmarkId::new("backward", &name), |b| {
            b.iter(|| {
                conv::conv2d_backward_input(&p, &dy, &w, &mut dx).unwrap();
                conv::conv2d_backward_filter(&p, &x, &dy, &mut dw).unwrap();
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_gemm, bench_conv);
criterion_main!(benches);
