//! The kernel list: every kernel the WebAssembly module exports, declared
//! once. Each entry names the kernel (its JS name), its buffers (inputs,
//! buffers updated in place, outputs and whether each output is fully
//! overwritten), its typed parameters and what it returns, the Rust
//! expression that runs it, and the crate tests that check it.
//!
//! From this list `examples/gen_bindings.rs` writes both sides of the
//! boundary: the `#[wasm_bindgen]` exports (`src/wasm/kernels_generated.rs`)
//! and the TypeScript view of them (`packages/cnn-worker/src/kernels.generated.ts`:
//! the exports' interface, the parameter tuples and encoders, the op codes
//! and the executor's list of outputs that need no zero-fill). The tests in
//! `bindings.rs` fail when either file is stale, when an export in
//! `src/wasm/` disagrees with its entry, when an op code table disagrees
//! with the Rust enum that decodes it, or when a check names a test that
//! does not exist.
//!
//! Handle order at the boundary: inputs, then in-place buffers, then
//! outputs, then the parameters. An optional buffer is `undefined` in JS.
//!
//! Adding a kernel touches four files: write it and its scalar twin in its
//! module; add its entry here (with its `run` expression); test it beside
//! it (and name the tests in the entry's `checks`); call it from TypeScript
//! with `call(name, ...)`, whose arguments are typed from the entry. Then
//! run the generator (`cargo run -p cnn-core --example gen_bindings`, or
//! `scripts/build-wasm.sh`), which rewrites the two generated files. An
//! op's gradient is registered in `packages/cnn-ts/src/grads/`; an
//! element-wise op on the generic `unary` kernel needs only a code in
//! [`UNARY_OPS`], its case in `tensor::UnaryOp`, the TS op and its gradient.

/// A parameter's type at the boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// A size or count (`usize` in Rust, `number` in TS).
    Usize,
    /// An op code or small integer (`u32`).
    U32,
    /// A value in f32 (`f32`).
    F32,
    /// A hyper-parameter kept in f64 until the kernel rounds it (`f64`).
    F64,
    Bool,
    /// Packed words (`&[u32]` / `Uint32Array`): shapes, geometry specs.
    U32s,
    /// Packed signed words (`&[i32]` / `Int32Array`): strided-copy specs.
    I32s,
}

/// One parameter: its TS name (camelCase; the Rust name is its snake_case) and type.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    pub ty: Ty,
}

/// A buffer a kernel reads (or updates in place).
#[derive(Clone, Copy, Debug)]
pub struct Buf {
    pub name: &'static str,
    /// May be absent (`Option<u32>` / `undefined`).
    pub optional: bool,
}

/// A buffer a kernel writes.
#[derive(Clone, Copy, Debug)]
pub struct Out {
    pub name: &'static str,
    /// The kernel writes every element, so the executor may hand it a
    /// recycled buffer that was not zero-filled (zeroing 50+ MB a training
    /// step cost ~5 % of the time). False: the buffer arrives zeroed.
    pub overwrites: bool,
}

/// What the kernel returns besides its buffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    Nothing,
    /// A number (the losses' batch mean).
    F32,
}

/// Where a property of a kernel is tested: a `#[test]` function (`.1`) in
/// a file under `crates/cnn-core/` (`.0`). `bindings.rs` checks that it
/// exists and that it exercises what it is named for.
#[derive(Clone, Copy, Debug)]
pub struct Check(pub &'static str, pub &'static str);

/// The three checks every kernel has (none may be missing).
#[derive(Clone, Copy, Debug)]
pub struct Checks {
    /// The SIMD path against its scalar reference on random or odd shapes.
    pub reference: Check,
    /// One thread and two threads give identical bits.
    pub threads: Check,
    /// Values not produced by the code under test: TensorFlow's (tests/golden), or worked by hand.
    pub golden: Check,
}

/// One kernel of the list.
#[derive(Clone, Copy, Debug)]
pub struct Kernel {
    pub name: &'static str,
    pub doc: &'static str,
    pub inputs: &'static [Buf],
    pub inplace: &'static [Buf],
    pub outputs: &'static [Out],
    pub params: &'static [Param],
    pub returns: Returns,
    /// The Rust expression the generated export runs: it calls the kernel
    /// with the buffers bound by name (snake_case; inputs as `&[f32]`,
    /// in-place buffers and outputs as `&mut [f32]`, optional ones as
    /// `Option`s) and the parameters by name, in the scope of
    /// `src/wasm/support.rs` (the kernel modules, the spec readers, `OP`:
    /// the kernel's name). It evaluates to the kernel's `Result` (or `()`).
    pub run: &'static str,
    pub checks: Checks,
}

const fn b(name: &'static str) -> Buf {
    Buf { name, optional: false }
}
const fn opt(name: &'static str) -> Buf {
    Buf { name, optional: true }
}
/// An output the kernel writes completely.
const fn full(name: &'static str) -> Out {
    Out { name, overwrites: true }
}
/// An output that must arrive zero-filled (accumulated into, or not proven to be written everywhere).
const fn zeroed(name: &'static str) -> Out {
    Out { name, overwrites: false }
}
const fn p(name: &'static str, ty: Ty) -> Param {
    Param { name, ty }
}
const fn t(file: &'static str, test: &'static str) -> Check {
    Check(file, test)
}
const fn golden(test: &'static str) -> Check {
    Check("tests/golden.rs", test)
}

use Ty::*;

const ROWS_CLASSES: &[Param] = &[p("rows", Usize), p("classes", Usize)];
const NHWC: &[Param] = &[p("n", Usize), p("h", Usize), p("w", Usize), p("c", Usize)];
const SPEC: &[Param] = &[p("spec", U32s)];

const GEMM: &str = "src/gemm/tests.rs";
const CONV: &str = "src/conv/tests.rs";
const DW: &str = "src/depthwise/tests.rs";
const RESIZE: &str = "src/resize/tests.rs";
const POOL: &str = "src/pool/tests.rs";
const GPOOL: &str = "src/global_pool/tests.rs";
const ELT: &str = "src/eltwise/tests.rs";
const SOFTMAX: &str = "src/softmax/tests.rs";
const BN: &str = "src/batchnorm/tests.rs";
const OPTIM: &str = "src/optim/tests.rs";
const UNARY: &str = "src/tensor/unary/tests.rs";
const BINARY: &str = "src/tensor/binary/tests.rs";
const REDUCE: &str = "src/tensor/reduce/tests.rs";
const COPY: &str = "src/tensor/copy/tests.rs";
/// The list's own tests (src/kernels/tests.rs): checks no module's tests covered.
const LIST: &str = "src/kernels/tests.rs";

const SOFTMAX_CHECKS: Checks = Checks {
    reference: t(SOFTMAX, "simd_matches_reference_for_odd_class_counts"),
    threads: t(SOFTMAX, "one_and_two_threads_are_bit_identical_rows_3000_classes_10"),
    golden: t(SOFTMAX, "softmax_of_0_and_ln3_is_quarter_and_three_quarters"),
};
const XENT_CHECKS: Checks = Checks {
    reference: t(SOFTMAX, "simd_matches_reference_for_odd_class_counts"),
    threads: t(SOFTMAX, "one_and_two_threads_are_bit_identical_rows_3000_classes_10"),
    golden: t(SOFTMAX, "categorical_xent_matches_the_keras_docstring_example"),
};
const SOFTMAX_LIST_THREADS: Check = t(LIST, "softmax_and_loss_gradients_one_and_two_threads_are_bit_identical");
const XENT_BACKWARD_CHECKS: Checks =
    Checks { threads: SOFTMAX_LIST_THREADS, golden: t(LIST, "categorical_and_sparse_categorical_cross_entropy_backward_by_hand"), ..XENT_CHECKS };
const SPARSE_XENT_CHECKS: Checks = Checks { golden: golden("sparse_softmax_cross_entropy_matches_tensorflow"), ..XENT_CHECKS };
const BN_CHECKS: Checks = Checks {
    reference: t(BN, "simd_matches_reference_for_odd_channels_and_channel_blocks"),
    threads: t(BN, "one_and_two_threads_are_bit_identical_rows_8192_c_5"),
    golden: golden("batch_norm_matches_tensorflow"),
};
const OPTIM_CHECKS: Checks = Checks {
    reference: t(OPTIM, "simd_matches_reference_bit_for_bit_for_every_length_and_option"),
    threads: t(OPTIM, "one_and_two_threads_are_bit_identical_n_50001"),
    golden: t(OPTIM, "sgd_momentum_and_nesterov_two_steps_by_hand"),
};
const ELT_CHECKS: Checks = Checks {
    reference: t(ELT, "simd_matches_reference_for_every_length_bit_for_bit"),
    threads: t(ELT, "one_and_two_threads_are_bit_identical_n_100003"),
    golden: t(ELT, "add_bias_add_scale_axpy_by_hand"),
};
/// The element-wise kernels whose 1-vs-2-thread check is the list's own.
const ELT_LIST_CHECKS: Checks = Checks { threads: t(LIST, "relu_add_bias_add_scale_one_and_two_threads_are_bit_identical"), ..ELT_CHECKS };
const CONV_CHECKS: Checks = Checks {
    reference: t(CONV, "random_shapes_match_reference_in_every_padding_mode"),
    threads: t(CONV, "one_and_two_threads_are_bit_identical"),
    golden: golden("conv2d_matches_tensorflow"),
};
/// Predict's pre-transformed Winograd filters: both kernels in one test each.
const PREPARED_CHECKS: Checks = Checks {
    reference: t(CONV, "prepared_filters_match_reference_and_the_unprepared_path_on_one_and_two_threads"),
    threads: t(CONV, "prepared_filters_match_reference_and_the_unprepared_path_on_one_and_two_threads"),
    golden: golden("conv2d_matches_tensorflow"),
};
const DW_CHECKS: Checks = Checks {
    reference: t(DW, "simd_matches_reference_on_random_shapes"),
    threads: t(DW, "one_and_two_threads_give_identical_bits"),
    golden: golden("depthwise_conv2d_matches_tensorflow"),
};
const RESIZE_CHECKS: Checks = Checks {
    reference: t(RESIZE, "simd_matches_reference_and_finite_differences_on_random_shapes"),
    threads: t(RESIZE, "one_and_two_threads_give_identical_bits"),
    golden: golden("resize_matches_tensorflow"),
};
const POOL_CHECKS: Checks = Checks {
    reference: t(POOL, "simd_matches_reference_for_pool_1_to_3_stride_1_to_3_every_padding_odd_channels"),
    threads: t(POOL, "one_and_two_threads_are_bit_identical_x_2x37x40x16_pool3_s2_same"),
    golden: golden("pooling_matches_tensorflow"),
};
const GPOOL_CHECKS: Checks = Checks {
    reference: t(GPOOL, "simd_matches_reference_batch_1_and_3_odd_channels"),
    threads: t(GPOOL, "one_and_two_threads_are_bit_identical_x_64x8x8x32"),
    golden: t(GPOOL, "global_pools_x_1x2x2x2_arange_by_hand"),
};

/// Every kernel the wasm module exports.
pub const KERNELS: &[Kernel] = &[
    // Matrix multiply.
    Kernel {
        name: "matMul",
        doc: "`c = op(a) * op(b)`, `c` of `m*n`; parallel over the thread pool.",
        inputs: &[b("a"), b("b")],
        inplace: &[],
        outputs: &[full("c")],
        params: &[p("m", Usize), p("n", Usize), p("k", Usize), p("transA", Bool), p("transB", Bool)],
        returns: Returns::Nothing,
        run: "gemm::gemm(&GemmParams { trans_a, trans_b, tuning: tuning::current(), ..GemmParams::new(m, n, k) }, a, b, None, c)",
        checks: Checks {
            reference: t(GEMM, "every_sub_tile_size_matches_reference"),
            threads: t(GEMM, "one_and_two_threads_are_bit_identical"),
            golden: t(GEMM, "small_integer_product_checked_by_eye"),
        },
    },
    Kernel {
        name: "matMulScalar",
        doc: "`matMul` without transposes on the scalar micro-kernel, to compare the two in the wasm build.",
        inputs: &[b("a"), b("b")],
        inplace: &[],
        outputs: &[zeroed("c")],
        params: &[p("m", Usize), p("n", Usize), p("k", Usize)],
        returns: Returns::Nothing,
        run: "gemm::gemm_with(&GemmParams::new(m, n, k), a, b, None, c, gemm::KernelKind::Scalar)",
        checks: Checks {
            reference: t(GEMM, "every_sub_tile_size_matches_reference"),
            threads: t(LIST, "scalar_gemm_with_one_and_two_threads_and_by_hand"),
            golden: t(LIST, "scalar_gemm_with_one_and_two_threads_and_by_hand"),
        },
    },
    // Convolution (spec: the 16-word conv spec, `Conv2dArgs::from_words` in shape.rs).
    Kernel {
        name: "conv2d",
        doc: "`y = act(conv2d(x, w) + bias)`; `bias` optional, `activation` fused into the store: 0 linear, 1 relu, 2 relu6.",
        inputs: &[b("x"), b("w"), opt("bias")],
        inplace: &[],
        outputs: &[full("y")],
        params: &[p("activation", U32), p("spec", U32s)],
        returns: Returns::Nothing,
        run: "conv::conv2d(&conv_geometry(OP, spec)?, x, w, bias, Activation::from_code(OP, activation)?, y)",
        checks: CONV_CHECKS,
    },
    Kernel {
        name: "conv2dResidual",
        doc: "`y = act((conv2d(x, w) + bias) + residual)`, `residual` shaped as `y` (a residual block's shortcut added in the store; predict's fused ResNet blocks); `bias` optional, `activation` as conv2d's.",
        inputs: &[b("x"), b("w"), opt("bias"), b("residual")],
        inplace: &[],
        outputs: &[full("y")],
        params: &[p("activation", U32), p("spec", U32s)],
        returns: Returns::Nothing,
        run: "conv::conv2d_residual(&conv_geometry(OP, spec)?, x, w, bias, Some(residual), Activation::from_code(OP, activation)?, y)",
        checks: Checks {
            reference: t(CONV, "residual_store_matches_reference_and_unfused_ops_on_one_and_two_threads"),
            threads: t(CONV, "residual_store_matches_reference_and_unfused_ops_on_one_and_two_threads"),
            golden: t(CONV, "residual_store_by_hand"),
        },
    },
    Kernel {
        name: "conv2dPrepareFilter",
        doc: "`prepared` = the 3x3 stride-1 filter `w` transformed for Winograd F(`variant`x`variant`, 3x3) (`variant` 2 or 4), packed as `conv2dPrepared` reads it (predict computes it once per weights version).",
        inputs: &[b("w")],
        inplace: &[],
        outputs: &[full("prepared")],
        params: &[p("variant", U32), p("spec", U32s)],
        returns: Returns::Nothing,
        run: "conv::winograd::prepare_filter(&conv_geometry(OP, spec)?, w, conv::winograd::variant_of_code(OP, variant)?, prepared)",
        checks: PREPARED_CHECKS,
    },
    Kernel {
        name: "conv2dPrepared",
        doc: "`conv2dResidual` (`residual` optional) by Winograd on `prepared`, the filter `w` as `conv2dPrepareFilter` transformed it, in its tiling.",
        inputs: &[b("x"), b("w"), b("prepared"), opt("bias"), opt("residual")],
        inplace: &[],
        outputs: &[full("y")],
        params: &[p("activation", U32), p("spec", U32s)],
        returns: Returns::Nothing,
        run: "conv::conv2d_prepared(&conv_geometry(OP, spec)?, x, w, prepared, bias, residual, Activation::from_code(OP, activation)?, y)",
        checks: PREPARED_CHECKS,
    },
    Kernel {
        name: "conv2dBackpropInput",
        doc: "`dx` from `dy` and the filter (also the transposed convolution).",
        inputs: &[b("dy"), b("w")],
        inplace: &[],
        outputs: &[full("dx")],
        params: SPEC,
        returns: Returns::Nothing,
        run: "conv::conv2d_backward_input(&conv_geometry(OP, spec)?, dy, w, dx)",
        checks: CONV_CHECKS,
    },
    Kernel {
        name: "conv2dBackpropFilter",
        doc: "`dw` from the input and `dy`.",
        inputs: &[b("x"), b("dy")],
        inplace: &[],
        outputs: &[full("dw")],
        params: SPEC,
        returns: Returns::Nothing,
        run: "conv::conv2d_backward_filter(&conv_geometry(OP, spec)?, x, dy, dw)",
        checks: CONV_CHECKS,
    },
    Kernel {
        name: "biasGrad",
        doc: "`db[c]` = sum of `dy[.., c]` over all leading axes.",
        inputs: &[b("dy")],
        inplace: &[],
        outputs: &[zeroed("db")],
        params: &[p("channels", Usize)],
        returns: Returns::Nothing,
        run: "conv::bias_grad(dy, channels, db)",
        checks: Checks {
            reference: t(CONV, "bias_grad_matches_reference_on_odd_channels_and_one_and_two_threads"),
            threads: t(CONV, "bias_grad_matches_reference_on_odd_channels_and_one_and_two_threads"),
            golden: t(CONV, "bias_grad_sums_pixels"),
        },
    },
    Kernel {
        name: "reluBiasGrad",
        doc: "`dx = y > 0 ? dy : 0` and `db[c]` = sum of `dx[.., c]`: a ReLU-fused layer's output and bias gradients in one pass.",
        inputs: &[b("y"), b("dy")],
        inplace: &[],
        outputs: &[full("dx"), full("db")],
        params: &[p("channels", Usize)],
        returns: Returns::Nothing,
        run: "conv::relu_bias_grad(y, dy, channels, dx, db)",
        checks: Checks {
            reference: t(CONV, "relu_bias_grad_matches_relu_backward_then_bias_grad"),
            threads: t(CONV, "relu_bias_grad_matches_relu_backward_then_bias_grad"),
            golden: t(CONV, "relu_bias_grad_matches_finite_differences"),
        },
    },
    // Depthwise convolution (spec: the conv spec with cout = c * multiplier) and resize (9 words, `Resize2d::from_words`).
    Kernel {
        name: "depthwiseConv2d",
        doc: "`y = act(depthwiseConv2d(x, w) + bias)`; `bias` optional, `activation` as conv2d's.",
        inputs: &[b("x"), b("w"), opt("bias")],
        inplace: &[],
        outputs: &[full("y")],
        params: &[p("activation", U32), p("spec", U32s)],
        returns: Returns::Nothing,
        run: "depthwise::depthwise_conv2d_act(&dw_geometry(OP, spec)?, x, w, bias, Activation::from_code(OP, activation)?, y)",
        checks: DW_CHECKS,
    },
    Kernel {
        name: "depthwiseConv2dBackpropInput",
        doc: "`dx` of the depthwise convolution from `dy` and the filter.",
        inputs: &[b("dy"), b("w")],
        inplace: &[],
        outputs: &[full("dx")],
        params: SPEC,
        returns: Returns::Nothing,
        run: "depthwise::depthwise_conv2d_backward_input(&dw_geometry(OP, spec)?, dy, w, dx)",
        checks: DW_CHECKS,
    },
    Kernel {
        name: "depthwiseConv2dBackpropFilter",
        doc: "`dw` of the depthwise convolution from the input and `dy`.",
        inputs: &[b("x"), b("dy")],
        inplace: &[],
        outputs: &[full("dw")],
        params: SPEC,
        returns: Returns::Nothing,
        run: "depthwise::depthwise_conv2d_backward_filter(&dw_geometry(OP, spec)?, x, dy, dw)",
        checks: DW_CHECKS,
    },
    Kernel {
        name: "resize2d",
        doc: "Nearest or bilinear resize of NHWC images.",
        inputs: &[b("x")],
        inplace: &[],
        outputs: &[full("y")],
        params: SPEC,
        returns: Returns::Nothing,
        run: "resize::resize2d(&Resize2d::from_words(OP, spec)?, x, y)",
        checks: RESIZE_CHECKS,
    },
    Kernel {
        name: "resize2dBackward",
        doc: "`dx` of the resize from `dy`.",
        inputs: &[b("dy")],
        inplace: &[],
        outputs: &[full("dx")],
        params: SPEC,
        returns: Returns::Nothing,
        run: "resize::resize2d_backward(&Resize2d::from_words(OP, spec)?, dy, dx)",
        checks: RESIZE_CHECKS,
    },
    // Pooling (spec: 13 words, `pool_geometry` in src/wasm/support.rs).
    Kernel {
        name: "maxPool2d",
        doc: "`y = maxPool(x)` over NHWC.",
        inputs: &[b("x")],
        inplace: &[],
        outputs: &[full("y")],
        params: SPEC,
        returns: Returns::Nothing,
        run: "pool::max_pool2d(&pool_geometry(OP, spec)?, x, y)",
        checks: POOL_CHECKS,
    },
    Kernel {
        name: "maxPool2dBackward",
        doc: "`dx` of max pooling from the forward input `x` and `dy`.",
        inputs: &[b("x"), b("dy")],
        inplace: &[],
        outputs: &[full("dx")],
        params: SPEC,
        returns: Returns::Nothing,
        run: "pool::max_pool2d_backward(&pool_geometry(OP, spec)?, x, dy, dx)",
        checks: POOL_CHECKS,
    },
    Kernel {
        name: "maxPool2dReluBiasGrad",
        doc: "`dx = x > 0 ? maxPool2dBackward(x, dy) : 0` and `db[c]` = sum of `dx[.., c]`: the gradient through a ReLU-fused convolution (output `x`) and the max pooling after it, in one pass (the same bits as `maxPool2dBackward` then `reluBiasGrad`).",
        inputs: &[b("x"), b("dy")],
        inplace: &[],
        outputs: &[full("dx"), full("db")],
        params: SPEC,
        returns: Returns::Nothing,
        run: "pool::max_pool2d_relu_bias_grad(&pool_geometry(OP, spec)?, x, dy, dx, db)",
        checks: Checks {
            reference: t(POOL, "max_pool_relu_bias_grad_matches_references_and_unfused_kernels"),
            threads: t(POOL, "max_pool_relu_bias_grad_matches_references_and_unfused_kernels"),
            golden: t(POOL, "max_pool_relu_bias_grad_matches_finite_differences"),
        },
    },
    Kernel {
        name: "avgPool2d",
        doc: "`y = avgPool(x)` over NHWC (padded cells not counted).",
        inputs: &[b("x")],
        inplace: &[],
        outputs: &[zeroed("y")],
        params: SPEC,
        returns: Returns::Nothing,
        run: "pool::avg_pool2d(&pool_geometry(OP, spec)?, x, y)",
        checks: POOL_CHECKS,
    },
    Kernel {
        name: "avgPool2dBackward",
        doc: "`dx` of average pooling from `dy`.",
        inputs: &[b("dy")],
        inplace: &[],
        outputs: &[zeroed("dx")],
        params: SPEC,
        returns: Returns::Nothing,
        run: "pool::avg_pool2d_backward(&pool_geometry(OP, spec)?, dy, dx)",
        checks: POOL_CHECKS,
    },
    Kernel {
        name: "globalAvgPool",
        doc: "`y [n, c]` = mean of `x [n, h, w, c]` over pixels.",
        inputs: &[b("x")],
        inplace: &[],
        outputs: &[zeroed("y")],
        params: NHWC,
        returns: Returns::Nothing,
        run: "global_pool::global_avg_pool([n, h, w, c], x, y)",
        checks: GPOOL_CHECKS,
    },
    Kernel {
        name: "globalAvgPoolBackward",
        doc: "`dx [n, h, w, c]` of global average pooling from `dy [n, c]`.",
        inputs: &[b("dy")],
        inplace: &[],
        outputs: &[zeroed("dx")],
        params: NHWC,
        returns: Returns::Nothing,
        run: "global_pool::global_avg_pool_backward([n, h, w, c], dy, dx)",
        checks: GPOOL_CHECKS,
    },
    Kernel {
        name: "globalMaxPool",
        doc: "`y [n, c]` = max of `x [n, h, w, c]` over pixels.",
        inputs: &[b("x")],
        inplace: &[],
        outputs: &[zeroed("y")],
        params: NHWC,
        returns: Returns::Nothing,
        run: "global_pool::global_max_pool([n, h, w, c], x, y)",
        checks: GPOOL_CHECKS,
    },
    Kernel {
        name: "globalMaxPoolBackward",
        doc: "`dx` of global max pooling from the forward input `x` and `dy [n, c]`.",
        inputs: &[b("x"), b("dy")],
        inplace: &[],
        outputs: &[zeroed("dx")],
        params: NHWC,
        returns: Returns::Nothing,
        run: "global_pool::global_max_pool_backward([n, h, w, c], x, dy, dx)",
        checks: GPOOL_CHECKS,
    },
    // Element-wise.
    Kernel {
        name: "relu",
        doc: "`y = max(x, 0)`.",
        inputs: &[b("x")],
        inplace: &[],
        outputs: &[zeroed("y")],
        params: &[],
        returns: Returns::Nothing,
        run: "eltwise::relu(x, y)",
        checks: Checks { golden: t(ELT, "relu_and_relu_backward_by_hand"), ..ELT_LIST_CHECKS },
    },
    Kernel {
        name: "reluBackward",
        doc: "`dx = x > 0 ? dy : 0` (`x` the forward input or output).",
        inputs: &[b("x"), b("dy")],
        inplace: &[],
        outputs: &[full("dx")],
        params: &[],
        returns: Returns::Nothing,
        run: "eltwise::relu_backward(x, dy, dx)",
        checks: Checks { golden: t(ELT, "relu_and_relu_backward_by_hand"), ..ELT_CHECKS },
    },
    Kernel {
        name: "relu6Backward",
        doc: "`dx = 0 < x < 6 ? dy : 0`, the gradient of relu6 (`x` the forward input or output).",
        inputs: &[b("x"), b("dy")],
        inplace: &[],
        outputs: &[full("dx")],
        params: &[],
        returns: Returns::Nothing,
        run: "eltwise::relu6_backward(x, dy, dx)",
        checks: Checks {
            reference: t(ELT, "relu6_backward_matches_reference_on_one_and_two_threads"),
            threads: t(ELT, "relu6_backward_matches_reference_on_one_and_two_threads"),
            golden: t(ELT, "relu6_backward_by_hand_as_tensorflow"),
        },
    },
    Kernel {
        name: "softplusBackward",
        doc: "`dx = dy * sigmoid(x)`, the gradient of softplus.",
        inputs: &[b("x"), b("dy")],
        inplace: &[],
        outputs: &[full("dx")],
        params: &[],
        returns: Returns::Nothing,
        run: "eltwise::softplus_backward(x, dy, dx)",
        checks: Checks { reference: t(ELT, "softplus_backward_by_hand_matches_reference_and_is_thread_count_independent"), threads: t(ELT, "softplus_backward_by_hand_matches_reference_and_is_thread_count_independent"), golden: t(ELT, "softplus_backward_by_hand_matches_reference_and_is_thread_count_independent") },
    },
    Kernel {
        name: "add",
        doc: "`y = a + b`, equal lengths.",
        inputs: &[b("a"), b("b")],
        inplace: &[],
        outputs: &[zeroed("y")],
        params: &[],
        returns: Returns::Nothing,
        run: "eltwise::add(a, b, y)",
        checks: ELT_LIST_CHECKS,
    },
    Kernel {
        name: "biasAdd",
        doc: "`y = x + bias` over the last axis (`rows` rows of `c`).",
        inputs: &[b("x"), b("bias")],
        inplace: &[],
        outputs: &[zeroed("y")],
        params: &[p("rows", Usize), p("c", Usize)],
        returns: Returns::Nothing,
        run: "eltwise::bias_add(rows, c, x, bias, y)",
        checks: ELT_LIST_CHECKS,
    },
    Kernel {
        name: "scale",
        doc: "`y = alpha * x`.",
        inputs: &[b("x")],
        inplace: &[],
        outputs: &[zeroed("y")],
        params: &[p("alpha", F32)],
        returns: Returns::Nothing,
        run: "eltwise::scale(x, alpha, y)",
        checks: ELT_LIST_CHECKS,
    },
    Kernel {
        name: "axpy",
        doc: "`y += alpha * x`, `y` updated in place.",
        inputs: &[b("x")],
        inplace: &[b("y")],
        outputs: &[],
        params: &[p("alpha", F32)],
        returns: Returns::Nothing,
        run: "eltwise::axpy(alpha, x, y)",
        checks: ELT_CHECKS,
    },
    // Softmax and losses (losses return the batch mean).
    Kernel {
        name: "softmax",
        doc: "Softmax over the last axis of `rows x classes`.",
        inputs: &[b("x")],
        inplace: &[],
        outputs: &[zeroed("y")],
        params: ROWS_CLASSES,
        returns: Returns::Nothing,
        run: "softmax::softmax(rows, classes, x, y)",
        checks: Checks { threads: SOFTMAX_LIST_THREADS, ..SOFTMAX_CHECKS },
    },
    Kernel {
        name: "softmaxBackward",
        doc: "`dx` of softmax from its output `y` and `dy`.",
        inputs: &[b("y"), b("dy")],
        inplace: &[],
        outputs: &[zeroed("dx")],
        params: ROWS_CLASSES,
        returns: Returns::Nothing,
        run: "softmax::softmax_backward(rows, classes, y, dy, dx)",
        checks: Checks { threads: SOFTMAX_LIST_THREADS, golden: t(LIST, "softmax_backward_by_hand"), ..SOFTMAX_CHECKS },
    },
    Kernel {
        name: "sparseSoftmaxCrossEntropy",
        doc: "Mean cross-entropy of softmax(logits) against integer labels; writes the probabilities.",
        inputs: &[b("logits"), b("labels")],
        inplace: &[],
        outputs: &[zeroed("probs")],
        params: ROWS_CLASSES,
        returns: Returns::F32,
        run: "softmax::sparse_softmax_cross_entropy(rows, classes, logits, labels, probs)",
        checks: SPARSE_XENT_CHECKS,
    },
    Kernel {
        name: "sparseSoftmaxCrossEntropyBackward",
        doc: "`dlogits = (probs - onehot(labels)) / rows`.",
        inputs: &[b("probs"), b("labels")],
        inplace: &[],
        outputs: &[zeroed("dlogits")],
        params: ROWS_CLASSES,
        returns: Returns::Nothing,
        run: "softmax::sparse_softmax_cross_entropy_backward(rows, classes, probs, labels, dlogits)",
        checks: Checks { threads: SOFTMAX_LIST_THREADS, ..SPARSE_XENT_CHECKS },
    },
    Kernel {
        name: "categoricalCrossEntropy",
        doc: "Keras' categorical cross-entropy on probabilities (clipped at 1e-7), batch mean.",
        inputs: &[b("probs"), b("targets")],
        inplace: &[],
        outputs: &[],
        params: ROWS_CLASSES,
        returns: Returns::F32,
        run: "softmax::categorical_cross_entropy(rows, classes, probs, targets)",
        checks: XENT_CHECKS,
    },
    Kernel {
        name: "categoricalCrossEntropyBackward",
        doc: "Gradient of the categorical cross-entropy with respect to the probabilities.",
        inputs: &[b("probs"), b("targets")],
        inplace: &[],
        outputs: &[zeroed("dprobs")],
        params: ROWS_CLASSES,
        returns: Returns::Nothing,
        run: "softmax::categorical_cross_entropy_backward(rows, classes, probs, targets, dprobs)",
        checks: XENT_BACKWARD_CHECKS,
    },
    Kernel {
        name: "sparseCategoricalCrossEntropy",
        doc: "Keras' sparse categorical cross-entropy on probabilities, batch mean.",
        inputs: &[b("probs"), b("labels")],
        inplace: &[],
        outputs: &[],
        params: ROWS_CLASSES,
        returns: Returns::F32,
        run: "softmax::sparse_categorical_cross_entropy(rows, classes, probs, labels)",
        checks: XENT_CHECKS,
    },
    Kernel {
        name: "sparseCategoricalCrossEntropyBackward",
        doc: "Gradient of the sparse categorical cross-entropy with respect to the probabilities.",
        inputs: &[b("probs"), b("labels")],
        inplace: &[],
        outputs: &[zeroed("dprobs")],
        params: ROWS_CLASSES,
        returns: Returns::Nothing,
        run: "softmax::sparse_categorical_cross_entropy_backward(rows, classes, probs, labels, dprobs)",
        checks: XENT_BACKWARD_CHECKS,
    },
    // Batch normalisation (rows = n*h*w).
    Kernel {
        name: "batchNormTrain",
        doc: "Normalises with the batch's moments, writes them, and updates the moving statistics in place.",
        inputs: &[b("x"), b("gamma"), b("beta")],
        inplace: &[b("movingMean"), b("movingVariance")],
        outputs: &[zeroed("y"), zeroed("mean"), zeroed("variance")],
        params: &[p("rows", Usize), p("channels", Usize), p("momentum", F64), p("epsilon", F64)],
        returns: Returns::Nothing,
        run: "batchnorm::batch_norm_train(&BatchNormParams { rows, channels, momentum, epsilon }, x, gamma, beta, moving_mean, moving_variance, y, mean, variance)",
        checks: BN_CHECKS,
    },
    Kernel {
        name: "batchNormInference",
        doc: "Normalises with the moving statistics.",
        inputs: &[b("x"), b("gamma"), b("beta"), b("movingMean"), b("movingVariance")],
        inplace: &[],
        outputs: &[zeroed("y")],
        params: &[p("rows", Usize), p("channels", Usize), p("epsilon", F64)],
        returns: Returns::Nothing,
        run: "batchnorm::batch_norm_inference(&BatchNormParams { epsilon, ..BatchNormParams::new(rows, channels) }, x, gamma, beta, moving_mean, moving_variance, y)",
        checks: Checks {
            threads: t(LIST, "batch_norm_inference_one_and_two_threads_are_bit_identical"),
            golden: t(BN, "inference_uses_moving_statistics_by_hand"),
            ..BN_CHECKS
        },
    },
    Kernel {
        name: "batchNormBackward",
        doc: "`dx`, `dgamma`, `dbeta` of the training batch norm from the batch's moments.",
        inputs: &[b("x"), b("dy"), b("gamma"), b("mean"), b("variance")],
        inplace: &[],
        outputs: &[zeroed("dx"), zeroed("dgamma"), zeroed("dbeta")],
        params: &[p("rows", Usize), p("channels", Usize), p("epsilon", F64)],
        returns: Returns::Nothing,
        run: "batchnorm::batch_norm_backward(&BatchNormParams { epsilon, ..BatchNormParams::new(rows, channels) }, x, dy, gamma, mean, variance, dx, dgamma, dbeta)",
        checks: BN_CHECKS,
    },
    // Optimizers (state updated in place).
    Kernel {
        name: "sgdUpdate",
        doc: "SGD step, with momentum (and Nesterov) when `velocity` is given.",
        inputs: &[b("grad")],
        inplace: &[b("param"), opt("velocity")],
        outputs: &[],
        params: &[p("learningRate", F64), p("momentum", F64), p("nesterov", Bool)],
        returns: Returns::Nothing,
        run: "optim::sgd_update(&Sgd { learning_rate, momentum, nesterov }, grad, param, velocity)",
        checks: OPTIM_CHECKS,
    },
    Kernel {
        name: "adamUpdate",
        doc: "Adam step `step` (1-based) with bias correction.",
        inputs: &[b("grad")],
        inplace: &[b("param"), b("m"), b("v")],
        outputs: &[],
        params: &[p("step", U32), p("learningRate", F64), p("beta1", F64), p("beta2", F64), p("epsilon", F64)],
        returns: Returns::Nothing,
        run: "optim::adam_update(&Adam { learning_rate, beta1, beta2, epsilon }, step as u64, grad, param, m, v)",
        checks: Checks { golden: t(OPTIM, "adam_five_steps_match_the_papers_algorithm_in_f64"), ..OPTIM_CHECKS },
    },
    Kernel {
        name: "rmspropUpdate",
        doc: "RMSprop step, with momentum when `mom` is given.",
        inputs: &[b("grad")],
        inplace: &[b("param"), b("ms"), opt("mom")],
        outputs: &[],
        params: &[p("learningRate", F64), p("rho", F64), p("momentum", F64), p("epsilon", F64)],
        returns: Returns::Nothing,
        run: "optim::rmsprop_update(&RmsProp { learning_rate, rho, momentum, epsilon }, grad, param, ms, mom)",
        checks: Checks { golden: t(OPTIM, "rmsprop_matches_the_keras_docstring_example"), ..OPTIM_CHECKS },
    },
    // Generic tensor kernels (src/tensor).
    Kernel {
        name: "unary",
        doc: "`y = f(x)` for the op `op` of [`UNARY_OPS`] with parameters `alpha`, `beta`.",
        inputs: &[b("x")],
        inplace: &[],
        outputs: &[zeroed("y")],
        params: &[p("op", U32), p("alpha", F32), p("beta", F32)],
        returns: Returns::Nothing,
        run: "tensor::unary(UnaryOp::from_code(op, alpha, beta)?, x, y)",
        checks: Checks {
            reference: t(UNARY, "every_op_simd_matches_reference_bit_for_bit_for_every_length"),
            threads: t(UNARY, "one_and_two_threads_are_bit_identical_n_100003"),
            golden: t(UNARY, "every_op_on_special_values_by_hand"),
        },
    },
    Kernel {
        name: "binary",
        doc: "`y = a op b` with broadcasting; `shapes` = `[rank, a dims, b dims, y dims]` (ranks padded with 1s).",
        inputs: &[b("a"), b("b")],
        inplace: &[],
        outputs: &[zeroed("y")],
        params: &[p("op", U32), p("shapes", U32s)],
        returns: Returns::Nothing,
        run: "tensor::binary(BinaryOp::from_code(op)?, &Broadcast::from_words(shapes)?, a, b, y)",
        checks: Checks {
            reference: t(BINARY, "every_op_matches_the_odometer_reference_on_every_broadcast_case"),
            threads: t(BINARY, "large_broadcasts_match_reference_and_one_and_two_threads_are_bit_identical"),
            golden: t(BINARY, "ops_by_hand"),
        },
    },
    Kernel {
        name: "reduce",
        doc: "Reduction `op` of [`REDUCE_OPS`] of `x` of `shape` over `axes`.",
        inputs: &[b("x")],
        inplace: &[],
        outputs: &[zeroed("y")],
        params: &[p("op", U32), p("shape", U32s), p("axes", U32s)],
        returns: Returns::Nothing,
        run: "tensor::reduce(ReduceOp::from_code(op)?, &sizes(shape), &sizes(axes), x, y)",
        checks: Checks {
            reference: t(REDUCE, "every_op_matches_reference_on_every_axis_set_of_odd_shapes"),
            threads: t(REDUCE, "large_reductions_match_reference_and_one_and_two_threads_are_bit_identical"),
            golden: t(REDUCE, "sum_of_arange_2x3x4_over_axis_0"),
        },
    },
    Kernel {
        name: "copyStrided",
        doc: "`dst[...] = src[...]` over a shape with element strides (spec: rank, shape, src offset and strides, dst offset and strides). `dst` may be passed in place instead.",
        inputs: &[b("src")],
        inplace: &[],
        outputs: &[zeroed("dst")],
        params: &[p("spec", I32s)],
        returns: Returns::Nothing,
        run: "tensor::copy_strided(&StridedCopy::from_words(spec)?, src, dst)",
        checks: Checks {
            reference: t(COPY, "random_transposes_flips_broadcasts_and_pads_match_reference"),
            threads: t(COPY, "large_copies_split_over_threads_bit_identically"),
            golden: t(COPY, "transpose_0213_of_an_arange_2x3x4x5_checked_element_by_element"),
        },
    },
    Kernel {
        name: "fill",
        doc: "Every element of `y` set to `value`.",
        inputs: &[],
        inplace: &[],
        outputs: &[zeroed("y")],
        params: &[p("value", F32)],
        returns: Returns::Nothing,
        run: "tensor::fill(y, value)",
        checks: Checks {
            reference: t(COPY, "fill_matches_reference_for_every_length"),
            threads: t(COPY, "fill_by_hand_bit_for_bit_on_one_and_two_threads"),
            golden: t(COPY, "fill_by_hand_bit_for_bit_on_one_and_two_threads"),
        },
    },
    Kernel {
        name: "oneHot",
        doc: "`y[i, indices[i]] = on`, `off` elsewhere (`depth` columns).",
        inputs: &[b("indices")],
        inplace: &[],
        outputs: &[zeroed("y")],
        params: &[p("depth", U32), p("on", F32), p("off", F32)],
        returns: Returns::Nothing,
        run: "tensor::one_hot(indices, depth as usize, on, off, y)",
        checks: Checks {
            reference: t(COPY, "one_hot_matches_reference_on_random_indices"),
            threads: t(COPY, "one_hot_one_and_two_threads_are_bit_identical"),
            golden: t(COPY, "one_hot_by_hand_with_out_of_range_rows_of_off"),
        },
    },
    Kernel {
        name: "gather",
        doc: "`y[o, k, :] = x[o, indices[k], :]` (`outer x axisLen x inner` input).",
        inputs: &[b("x"), b("indices")],
        inplace: &[],
        outputs: &[zeroed("y")],
        params: &[p("outer", U32), p("axisLen", U32), p("inner", U32)],
        returns: Returns::Nothing,
        run: "tensor::gather(x, indices, outer as usize, axis_len as usize, inner as usize, y)",
        checks: Checks {
            reference: t(COPY, "gather_matches_reference_and_one_and_two_threads_are_bit_identical"),
            threads: t(COPY, "gather_matches_reference_and_one_and_two_threads_are_bit_identical"),
            golden: t(COPY, "gather_along_the_middle_axis_of_a_2x3x2_by_hand"),
        },
    },
    Kernel {
        name: "scatterAdd",
        doc: "`dx[o, indices[k], :] += dy[o, k, :]` (gather's gradient, unsortedSegmentSum).",
        inputs: &[b("dy"), b("indices")],
        inplace: &[],
        outputs: &[zeroed("dx")],
        params: &[p("outer", U32), p("axisLen", U32), p("inner", U32)],
        returns: Returns::Nothing,
        run: "tensor::scatter_add(dy, indices, outer as usize, axis_len as usize, inner as usize, dx)",
        checks: Checks {
            reference: t(COPY, "scatter_add_matches_reference_and_one_and_two_threads_are_bit_identical"),
            threads: t(COPY, "scatter_add_matches_reference_and_one_and_two_threads_are_bit_identical"),
            golden: t(COPY, "scatter_add_by_hand_and_rejects_bad_indices"),
        },
    },
];

/// Op codes of the `unary` kernel: the code is the position (decoded by `tensor::UnaryOp::from_code`).
pub const UNARY_OPS: &[&str] = &[
    "neg",
    "abs",
    "square",
    "sqrt",
    "exp",
    "log",
    "sigmoid",
    "tanh",
    "relu",
    "reciprocal",
    "clip",
    "affine",
    "step",
    "sign",
    "floor",
    "round",
    "rsqrt",
    "elu",
    "leakyRelu",
    "softplus",
    "log1p",
    "expm1",
    "sin",
    "cos",
    "logicalNot",
    "isNaN",
    "relu6",
    "selu",
    "gelu",
    "erf",
];

/// Op codes of the `binary` kernel (decoded by `tensor::BinaryOp::from_code`).
pub const BINARY_OPS: &[&str] = &[
    "add",
    "sub",
    "mul",
    "div",
    "maximum",
    "minimum",
    "pow",
    "squaredDifference",
    "equal",
    "notEqual",
    "greater",
    "greaterEqual",
    "less",
    "lessEqual",
    "logicalAnd",
    "logicalOr",
    "floorDiv",
    "mod",
    "atan2",
    "divNoNan",
];

/// Op codes of the `reduce` kernel (decoded by `tensor::ReduceOp::from_code`).
pub const REDUCE_OPS: &[&str] = &["sum", "mean", "max", "min", "prod", "argMax", "argMin", "any", "all", "logSumExp"];

#[cfg(test)]
mod tests;
