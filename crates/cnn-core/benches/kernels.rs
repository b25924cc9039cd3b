//! Native criterion benchmarks of the core kernels (`cargo bench -p cnn-core`).
//! The side-by-side comparison with TensorFlow.js lives in the top-level
//! `benches/` folder; this one tracks the kernels themselves.

use cnn_core::gemm::{gemm, GemmParams};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn bench_gemm(c: &mut Criterion) {
    let mut g = c.benchmark_group("gemm");
    for &(m, n, k) in &[(256usize, 256usize, 256usize), (1024, 64, 576), (64, 128, 1024)] {
        let a = vec![0.5f32; m * k];
        let b = vec![0.25f32; k * n];
        let mut out = vec![0.0f32; m * n];
        let p = GemmParams::new(m, n, k);
        g.throughput(Throughput::Elements((2 * m * n * k) as u64));
        g.bench_with_input(BenchmarkId::from_parameter(format!("{m}x{n}x{k}")), &p, |bch, p| {
            bch.iter(|| gemm(p, &a, &b, None, &mut out).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench_gemm);
criterion_main!(benches);
