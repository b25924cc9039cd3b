// The binary kernels' tests live in ../tests.rs (shared helpers there).
