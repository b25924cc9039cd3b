// The unary kernels' tests live in ../tests.rs (shared helpers there).
