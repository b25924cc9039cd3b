//! Kernel-variant choices, passed to the kernels in their geometry
//! ([`crate::shape::Conv2d::tuning`], [`crate::shape::Pool2d::tuning`]) and
//! GEMM run options ([`crate::gemm::Run::tuning`]). [`Tuning::DEFAULT`] is
//! what every kernel uses unless told otherwise; the other values exist for
//! A/B measurements of a variant inside one process (`benches/tuning.mjs`,
//! through the wasm module's `setTuning`, which numbers the choices as
//! [`Tuning::with_switch`] does), because benchmarks on shared machines
//! drift too much between runs to compare builds.
//!
//! Every choice keeps results independent of the thread count, and each
//! variant is checked against the scalar reference by the kernel's tests.

/// Whether and how a Winograd tiling replaces the direct convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Winograd {
    /// Never: the direct (im2col + GEMM) path.
    Off,
    /// The measured rule of `conv::winograd::choose` / `conv::winograd_filter::choose`.
    Auto,
    /// The small tiling on every eligible shape (forward F(2x2, 3x3); filter gradient F(3x3, 2x2)).
    Small,
    /// The large tiling on every eligible shape (forward F(4x4, 3x3); filter gradient F(3x3, 4x4)).
    Large,
}

/// The kernel-variant choices. Each `bool` is "use the faster variant"
/// (true by default); false selects the simpler path it replaced, kept for
/// A/B runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tuning {
    /// Switch 0. Without horizontal dilation, the `kw` taps of one kernel
    /// row are consecutive pixels: the forward patch rows read them as one
    /// segment of `kw * cin` values instead of one per tap.
    pub merged_patch_rows: bool,
    /// Switch 1. Winograd for the forward 3x3 stride-1 convolution.
    pub winograd_forward: Winograd,
    /// Switch 2. Winograd for the 3x3 filter gradient.
    pub winograd_filter_grad: Winograd,
    /// Switch 3. The filter gradient gathers interior pixels (whole window
    /// inside the image) without a bounds check per row.
    pub filter_grad_interior_gather: bool,
    /// Switch 4. Max-pool backward's vector path when the windows do not
    /// overlap (each input cell gets at most one gradient).
    pub max_pool_backward_disjoint: bool,
    /// Switch 5. The forward patch rows' fast path for row panels whose
    /// pixels are all interior.
    pub interior_row_panels: bool,
    /// Switch 6. The filter gradient reads runs of interior pixels in place
    /// (strided segments) instead of gathering them (needs switch 3).
    pub filter_grad_strided_runs: bool,
    /// Switch 7. Winograd's short per-tile GEMMs call the micro-kernel
    /// directly instead of going through the GEMM driver.
    pub winograd_direct_small_k: bool,
    /// Switch 8. The direct filter gradient as `dW^T = dy^T P` with packed
    /// patches when `cin % 8 == 0` and `cout <= 64`.
    pub filter_grad_transposed: bool,
    /// Switch 9. The GEMM driver runs an inner dimension of up to `KC` as
    /// one block (false: fixed blocks of `KC_LONG`).
    pub gemm_single_k_block: bool,
    /// Switch 10. Products with few rows (`gemm::in_place_pays`) read a
    /// row-major B in place instead of packing it, and dense layers with
    /// fewer than 4 rows take the one-row path (`gemm::gemv_rows`).
    pub gemm_b_in_place: bool,
    /// Switch 11. Winograd layers with fewer than 4 tile blocks (batch-1
    /// layers at 7x7-28x28), or whose transformed filter outweighs their
    /// transformed tiles (`conv::winograd::phased`), run as three parallel phases (input transform,
    /// the α² GEMMs split over ξ, output transform) instead of the block loop.
    pub winograd_phased: bool,
    /// Switch 12. Winograd filter gradients whose tile blocks are short
    /// (wide channels) run in passes of two parallel phases, every tile's
    /// transforms then the α² GEMMs over the whole pass
    /// (`conv::winograd_filter::phased`), instead of the block loop with
    /// partial sums.
    pub winograd_filter_phased: bool,
    /// Switch 13. The direct filter gradient of layers with few input
    /// channels and a short patch (first layers) as `dW^T = dy^T P` with
    /// `P` written out a block of pixels at a time (`conv::short_patch`),
    /// instead of gathering `P^T`.
    pub filter_grad_short_patch: bool,
    /// Switch 14. Max-pool backward of 2x2 stride-2 windows that tile the
    /// input in straight-line code (`pool::f32_maxpool2x2_backward_band__simd128`)
    /// instead of the general disjoint-window path.
    pub max_pool_backward_2x2: bool,
    /// Switch 15. Winograd's block loop cuts its tiles into at least 8
    /// blocks (a multiple of 4) of near-equal size (`conv::winograd::run`)
    /// instead of fixed blocks with a short last one.
    pub winograd_even_blocks: bool,
    /// Switch 16. The forward patch rows at the image's edges cut each
    /// kernel row where a row enters or leaves the padding, pointing at the
    /// input or at zeros (`im2col::Patches::split_edge_rows`), instead of
    /// gathering the run of a row that crosses the padding.
    pub split_edge_segments: bool,
    /// Switch 17. `conv2dPrepared` (predict's convolutions) runs Winograd
    /// on the transformed filter it is given (`conv::winograd::prepare_filter`,
    /// computed once per weights version) instead of transforming the
    /// filter on every call (off: the `conv2d` path, which ignores it).
    pub prepared_filters: bool,
    /// Switch 18. The one-row GEMM (`gemm::gemv_rows`, dense layers at
    /// batch 1-3) splits its columns in one block per thread, reading long
    /// runs of each row of B, instead of 256-column blocks.
    pub gemv_row_runs: bool,
    // Switch 19 is kept for the forward paths.
    /// Switch 20. The col2im input gradient (strides > 1) adds each tile
    /// of `dP = dy W^T` into dx as the micro-kernel makes it
    /// (`conv::band_scatter_add`), instead of writing a band of `dP` and
    /// scattering it afterwards.
    pub dx_scatter_tiles: bool,
    /// Switch 21. The filter gradient's `dW^T = dy^T P` packs the patch
    /// panels in one pass over the pixels (`im2col::pack_patches_b`)
    /// instead of one pass per panel through `PackedB::new`.
    pub filter_grad_pack_by_pixel: bool,
    /// Switch 22. The stride-1 input gradient's filter flip moves 8 x 8
    /// blocks as 4 x 4 vector transposes into an unfilled buffer
    /// (`conv::flip_filter`) instead of scalar copies into a zeroed one.
    pub flip_filter_vector: bool,
    /// Switch 23. The gathered-transpose filter gradient of padded layers
    /// with fewer than 8 input channels (first layers) runs on a copy of
    /// the input with the padding written out (`conv::padded_input`),
    /// instead of gathering the windows that touch the padding.
    pub filter_grad_padded_input: bool,
    /// Switch 24. Max pooling of 2x2 stride-2 windows that tile the input
    /// in straight-line code (`pool::f32_maxpool2x2_row__simd128`) instead
    /// of the general window loops.
    pub max_pool_2x2: bool,
    /// Switch 25. Winograd's forward filter transform (`conv2d`'s on every
    /// call, `conv2dPrepareFilter`'s once) works in blocks of 2 input x 32
    /// output channels through an L1 scratch, storing whole lines
    /// (`conv::winograd::transform_filter_blocks`), instead of storing each
    /// 4-channel vector to its α² places at once.
    pub winograd_filter_blocks: bool,
    /// Switch 26. The thread pool's workers poll for work for about a
    /// millisecond after each parallel section instead of going to sleep at
    /// once (`par::keep_workers_awake`). Not a kernel choice: `setTuning`
    /// passes it to `par` (the thread pool is global).
    pub worker_polling: bool,
    // Switch 27 is kept for the forward paths.
    /// Switch 28. Winograd's short GEMMs (`gemm::small_k`) compute all
    /// column panels of a full row panel in one micro-kernel call
    /// (`gemm::kernel::f32_gemm_4x8_panels__simd128`) instead of one call
    /// per 4 x 8 tile.
    pub small_k_panels: bool,
    /// Switch 29. The strided input gradient's scatter path
    /// (`conv::band_scatter_add`) computes all `dP` panels of a row panel
    /// in one micro-kernel call into a strip, then adds them into dx,
    /// instead of one call per 4 x 8 tile.
    pub dx_scatter_panels: bool,
    /// Switch 30. The Winograd filter gradient's α² GEMMs
    /// (`conv::winograd_filter::gemm_xi`) compute all column panels of a
    /// full row panel in one micro-kernel call instead of one per tile.
    pub winograd_filter_panels: bool,
    /// Switch 31. Parallel loops hand out their chunks one at a time to
    /// whichever thread asks next, the calling thread waiting by polling
    /// (`par::run_claimed`), instead of rayon splitting the chunk range in
    /// halves up front. Not a kernel choice: `setTuning` passes it to `par`
    /// (the thread pool is global).
    pub claimed_chunks: bool,
    /// Switch 32. The GEMM driver cuts a product whose B fits in L2 into
    /// up to 48 row chunks (`gemm::task_grid`, each at least ~128K
    /// multiply-adds) instead of up to 16.
    pub gemm_row_tasks: bool,
    /// Switch 33. The thread pool's workers poll for work about five times
    /// longer after each parallel section (`par::poll_for_work`) than with
    /// it off (about a millisecond).
    pub long_worker_polling: bool,
    /// Switch 34. The forward pass of layers with few input channels and a
    /// short patch (first layers: `conv::short_patch_forward`) writes the
    /// patch rows of a block of pixels out and multiplies them with one
    /// micro-kernel call per row panel for all column panels, instead of
    /// the indirect GEMM's segments and a call per 4 x 8 tile.
    pub short_patch_forward: bool,
    /// Switch 35. The strided input gradient runs as one dense convolution
    /// of `dy` per stride phase of dx (`conv::dx_by_phases`: each phase's
    /// taps, a 2x2/2x1/1x2/1x1 sub-filter for 3x3 stride 2), writing each
    /// dx pixel once, instead of `dP = dy W^T` scattered into a zeroed dx.
    pub dx_phases: bool,
    /// Switch 36. The filter gradient of first layers on their padded
    /// input (`conv::filter_grad_rows`): `dW = P^T dy` with P^T's rows read
    /// in place as one strided segment per output row and dy read in place
    /// as B, one micro-kernel call per row panel and pixel chunk for all
    /// column panels, instead of the GEMM driver's gathered transpose, dy
    /// packing and 256-pixel K blocks.
    pub filter_grad_rows: bool,
    /// Switch 37. The transposed filter gradient `dW^T = dy^T P`
    /// (`conv::filter_grad_panels`) copies each chunk's `dy^T` into packed
    /// 4-row panels and runs one micro-kernel call per row panel and K
    /// block for all column panels (`f32_gemm_4x8_panels_packed__simd128`:
    /// one A pointer), instead of the GEMM driver reading `dy^T` in place
    /// a 4 x 8 tile at a time.
    pub filter_grad_panels: bool,
    /// Switch 38. Winograd's tile transforms (the forward input and output
    /// transforms, the filter gradient's input and output-gradient
    /// transforms) read and write through per-row pointers, rows outside
    /// the image at a zero row and columns outside it skipped
    /// (`conv::winograd::separable_rows`), instead of one checked offset
    /// per pixel.
    pub winograd_row_transforms: bool,
    /// Switch 39. With switch 38, those transforms take up to 16 groups of
    /// 4 channels per pass over a tile's columns and rows
    /// (`conv::winograd::separable_groups`) instead of one group per pass.
    pub winograd_grouped_transforms: bool,
    /// Switch 40. The stride-1 input gradient of layers with 1-3 input
    /// channels (first layers) computed straight from dy and the filter,
    /// the output channels along the SIMD lanes (`conv::dx_direct`),
    /// instead of `dP = dy W^T` (27 columns for 3x3x3) and col2im.
    pub dx_direct: bool,
    /// Switch 41. The transposed filter gradient of strided layers reads
    /// its patches where they lie in the input, as runs of pixels per tap
    /// (`conv::filter_grad_runs`, `f32_gemm_4x8_runs_packed__simd128`),
    /// instead of packing them (`im2col::pack_patches_b`).
    pub filter_grad_runs: bool,
    /// Switch 42. The short-patch forward (`conv::short_patch_forward`)
    /// runs row panels of 4 pixels of one output row, whose windows are 3
    /// (RGB at stride 1) or 1 float apart, on a kernel with one A pointer
    /// (`f32_gemm_4x8_panels_segs_rowstep__simd128`) instead of four.
    /// Measured A/B (`benches/tuning.mjs --switch 42 --op fwd`, 1 thread,
    /// load 5.4-5.8, ms four pointers / one, 4 samples each): 8x112x112x3->32
    /// 7.47-7.72 / 6.91-7.04 and 5.50-6.61 / 4.98-5.87; 1x224x224x3->64
    /// 7.30-8.15 / 6.58-7.65; 64x28x28x1->16 0.91-1.01 / 0.85-0.96;
    /// 64x32x32x3->16 is bimodal in both (2.0-2.6 or 2.9-4.2 ms per sample),
    /// fastest samples 2.26 / 2.03.
    pub short_patch_rowstep: bool,
    /// Switch 43. A parallel loop's calling thread, once it has run out of
    /// items and polled `par::WAIT_POLLS` times for the other threads' last
    /// ones, sleeps until one finishes (`par::run_claimed`) instead of
    /// polling on: under another process's load the worker holding the
    /// last item can get the freed vCPU instead of waiting for a scheduler
    /// slice. Not a kernel choice: `setTuning` passes it to `par` (the
    /// thread pool is global). Measured A/B (`benches/scaling.mjs --conv
    /// --busy 1 --switch 43 --values 1,2 --rounds 9`, 2t/1t medians off /
    /// on beside one busy process): 64x32x32x16->32 fwd 1.34 / 1.42, bwd
    /// 0.84 / 0.85; 1x56x56x256->256 fwd 0.85 / 0.90, bwd 1.29 / 1.32;
    /// 64x8x8x64->64 s2 fwd 0.50 / 0.67, bwd 0.53 / 0.55. Training beside
    /// one busy process (`--train --busy 1`) 0.89 / 0.84, quiet (`--train`)
    /// 1.76 / 1.69 (fastest rounds 1.75 / 1.85); quiet convs (64x32x32x3->16,
    /// 64x8x8x64->64 s2, 1x14x14x512->512, 15 rounds) fwd 1.98 / 1.84,
    /// 1.88 / 1.89, 1.85 / 1.77, bwd 2.06 / 2.04, 1.60 / 1.81, 1.82 / 1.80.
    /// A small gain where a worker is descheduled, none measurable when
    /// quiet; it does not make 2 threads beat 1 beside a busy process (the
    /// host's own 2-worker probes scaled 1.0-1.3 there).
    pub sleeping_wait: bool,
    /// Switch 44. Winograd's short GEMMs (`gemm::small_k`) with K = 8, 16,
    /// 32 or 64, a contiguous A and a packed B run a kernel with K fixed at
    /// compile time (`gemm::fixed::f32_gemm_4x8_panels_fixed__simd128`:
    /// one A pointer, constant offsets, the K loop unrolled) instead of
    /// the general panels kernel (the same bits).
    pub small_k_fixed: bool,
    /// Switch 45. The Winograd filter gradient's α² GEMMs (with switch 30)
    /// read `V[ξ]^T`'s 4 rows (4 adjacent input channels of each tile)
    /// through one pointer at constant offsets
    /// (`gemm::kernel::f32_gemm_4x8_panels_adjacent__simd128`) instead of
    /// four row pointers (the same bits).
    pub winograd_filter_adjacent_a: bool,
    /// Switch 46. The Winograd filter gradient stores the transformed
    /// output gradients `E[ξ]` row-major (`[tiles, cout]`, when `cout` is a
    /// multiple of 8) and its α² GEMMs read them in place
    /// (`conv::winograd_filter::ELayout::Rows`), instead of in the
    /// micro-kernel's 8-column panels (the same bits).
    pub winograd_filter_e_rows: bool,
    /// Switch 47. With switch 38, Winograd's forward output transform
    /// with a bias, ReLU or both and no residual runs a version compiled
    /// for that epilogue
    /// (`conv::winograd::output_rows_kind`) instead of the general one that
    /// checks both for every stored vector (the same bits).
    pub winograd_output_kinds: bool,
    /// Switch 48. The short-patch forward of padded first layers
    /// (`conv::short_patch_forward_bands`) has each task pad only the input
    /// rows of its own band of output rows, in its thread's scratch,
    /// instead of writing the whole padded input (`conv::padded_input`, a
    /// zero-filled allocation on the calling thread) before the parallel
    /// loop.
    pub forward_pads_per_task: bool,
    /// Switch 49. The strided input gradient by phases (`conv::dx_by_phases`)
    /// builds all its phases' transposed sub-filters in one buffer with the
    /// vector transposes split over the thread pool (`conv::transpose_taps`)
    /// instead of one zero-filled buffer per phase filled by scalar copies
    /// on the calling thread.
    pub dx_phase_filters_at_once: bool,
    /// Switch 50. The transposed filter gradients (`dW^T = dy^T P`: the
    /// first layers' short patch and `cin % 8 == 0`, `cout <= 64`) turn
    /// `dW^T` into `dW` by vector transposes split over the thread pool
    /// (`conv::untranspose_filter_grad`) instead of a scalar loop on the
    /// calling thread.
    pub filter_grad_untranspose_vector: bool,
    /// Switch 51. `gemm::PackedB::for_rows` (the forward convolutions'
    /// and matMul's packed B) packs over the thread pool from 16K floats
    /// instead of from 64K.
    pub pack_filters_parallel: bool,
}

impl Tuning {
    /// The built-in choices (the measured best; see each kernel's notes).
    pub const DEFAULT: Tuning = Tuning {
        merged_patch_rows: true,
        winograd_forward: Winograd::Auto,
        winograd_filter_grad: Winograd::Auto,
        filter_grad_interior_gather: true,
        max_pool_backward_disjoint: true,
        interior_row_panels: true,
        filter_grad_strided_runs: true,
        winograd_direct_small_k: true,
        filter_grad_transposed: true,
        gemm_single_k_block: true,
        gemm_b_in_place: true,
        winograd_phased: true,
        winograd_filter_phased: true,
        filter_grad_short_patch: true,
        max_pool_backward_2x2: true,
        winograd_even_blocks: true,
        split_edge_segments: true,
        prepared_filters: true,
        gemv_row_runs: true,
        dx_scatter_tiles: true,
        filter_grad_pack_by_pixel: true,
        flip_filter_vector: true,
        filter_grad_padded_input: true,
        max_pool_2x2: true,
        winograd_filter_blocks: true,
        worker_polling: true,
        small_k_panels: true,
        dx_scatter_panels: true,
        winograd_filter_panels: true,
        claimed_chunks: true,
        gemm_row_tasks: true,
        long_worker_polling: true,
        short_patch_forward: true,
        dx_phases: true,
        filter_grad_rows: true,
        filter_grad_panels: true,
        winograd_row_transforms: true,
        winograd_grouped_transforms: true,
        dx_direct: true,
        filter_grad_runs: true,
        short_patch_rowstep: true,
        sleeping_wait: true,
        small_k_fixed: true,
        winograd_filter_adjacent_a: true,
        winograd_filter_e_rows: true,
        winograd_output_kinds: true,
        forward_pads_per_task: true,
        dx_phase_filters_at_once: true,
        filter_grad_untranspose_vector: true,
        pack_filters_parallel: true,
    };

    /// Number of switches [`Tuning::with_switch`] knows.
    pub const SWITCHES: usize = 52;

    /// These choices with switch `i` set to `value`, numbered as the
    /// benchmarks do: 0 = the default, 1 = off, 2 = on (or the rule), and
    /// for the Winograd switches 3 = the small tiling, 4 = the large one.
    /// Unknown switches and values leave the choices unchanged.
    pub fn with_switch(mut self, i: usize, value: u32) -> Tuning {
        let d = Tuning::DEFAULT;
        let flag = |default: bool| match value {
            1 => false,
            2 => true,
            _ => default,
        };
        let wino = |default: Winograd| match value {
            1 => Winograd::Off,
            2 => Winograd::Auto,
            3 => Winograd::Small,
            4 => Winograd::Large,
            _ => default,
        };
        match i {
            0 => self.merged_patch_rows = flag(d.merged_patch_rows),
            1 => self.winograd_forward = wino(d.winograd_forward),
            2 => self.winograd_filter_grad = wino(d.winograd_filter_grad),
            3 => self.filter_grad_interior_gather = flag(d.filter_grad_interior_gather),
            4 => self.max_pool_backward_disjoint = flag(d.max_pool_backward_disjoint),
            5 => self.interior_row_panels = flag(d.interior_row_panels),
            6 => self.filter_grad_strided_runs = flag(d.filter_grad_strided_runs),
            7 => self.winograd_direct_small_k = flag(d.winograd_direct_small_k),
            8 => self.filter_grad_transposed = flag(d.filter_grad_transposed),
            9 => self.gemm_single_k_block = flag(d.gemm_single_k_block),
            10 => self.gemm_b_in_place = flag(d.gemm_b_in_place),
            11 => self.winograd_phased = flag(d.winograd_phased),
            12 => self.winograd_filter_phased = flag(d.winograd_filter_phased),
            13 => self.filter_grad_short_patch = flag(d.filter_grad_short_patch),
            14 => self.max_pool_backward_2x2 = flag(d.max_pool_backward_2x2),
            15 => self.winograd_even_blocks = flag(d.winograd_even_blocks),
            16 => self.split_edge_segments = flag(d.split_edge_segments),
            17 => self.prepared_filters = flag(d.prepared_filters),
            18 => self.gemv_row_runs = flag(d.gemv_row_runs),
            20 => self.dx_scatter_tiles = flag(d.dx_scatter_tiles),
            21 => self.filter_grad_pack_by_pixel = flag(d.filter_grad_pack_by_pixel),
            22 => self.flip_filter_vector = flag(d.flip_filter_vector),
            23 => self.filter_grad_padded_input = flag(d.filter_grad_padded_input),
            24 => self.max_pool_2x2 = flag(d.max_pool_2x2),
            25 => self.winograd_filter_blocks = flag(d.winograd_filter_blocks),
            26 => self.worker_polling = flag(d.worker_polling),
            28 => self.small_k_panels = flag(d.small_k_panels),
            29 => self.dx_scatter_panels = flag(d.dx_scatter_panels),
            30 => self.winograd_filter_panels = flag(d.winograd_filter_panels),
            31 => self.claimed_chunks = flag(d.claimed_chunks),
            32 => self.gemm_row_tasks = flag(d.gemm_row_tasks),
            33 => self.long_worker_polling = flag(d.long_worker_polling),
            34 => self.short_patch_forward = flag(d.short_patch_forward),
            35 => self.dx_phases = flag(d.dx_phases),
            36 => self.filter_grad_rows = flag(d.filter_grad_rows),
            37 => self.filter_grad_panels = flag(d.filter_grad_panels),
            38 => self.winograd_row_transforms = flag(d.winograd_row_transforms),
            39 => self.winograd_grouped_transforms = flag(d.winograd_grouped_transforms),
            40 => self.dx_direct = flag(d.dx_direct),
            41 => self.filter_grad_runs = flag(d.filter_grad_runs),
            42 => self.short_patch_rowstep = flag(d.short_patch_rowstep),
            43 => self.sleeping_wait = flag(d.sleeping_wait),
            44 => self.small_k_fixed = flag(d.small_k_fixed),
            45 => self.winograd_filter_adjacent_a = flag(d.winograd_filter_adjacent_a),
            46 => self.winograd_filter_e_rows = flag(d.winograd_filter_e_rows),
            47 => self.winograd_output_kinds = flag(d.winograd_output_kinds),
            48 => self.forward_pads_per_task = flag(d.forward_pads_per_task),
            49 => self.dx_phase_filters_at_once = flag(d.dx_phase_filters_at_once),
            50 => self.filter_grad_untranspose_vector = flag(d.filter_grad_untranspose_vector),
            51 => self.pack_filters_parallel = flag(d.pack_filters_parallel),
            _ => {}
        }
        self
    }
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_are_numbered_as_the_benchmarks_number_them() {
        let d = Tuning::DEFAULT;
        assert_eq!(d.with_switch(1, 0), d);
        assert_eq!(d.with_switch(1, 1).winograd_forward, Winograd::Off);
        assert_eq!(d.with_switch(2, 4).winograd_filter_grad, Winograd::Large);
        assert!(!d.with_switch(9, 1).gemm_single_k_block);
        assert!(d.with_switch(9, 1).with_switch(9, 0).gemm_single_k_block);
        assert!(!d.with_switch(17, 1).prepared_filters);
        assert!(!d.with_switch(18, 1).gemv_row_runs);
        assert!(!d.with_switch(25, 1).winograd_filter_blocks);
        assert!(!d.with_switch(26, 1).worker_polling);
        // 19 and 27 (unassigned) and numbers past the last switch change nothing.
        assert_eq!(d.with_switch(19, 2), d);
        assert_eq!(d.with_switch(27, 1), d);
        assert_eq!(d.with_switch(Tuning::SWITCHES, 1), d);
        assert!(!d.with_switch(28, 1).small_k_panels);
        assert!(!d.with_switch(29, 1).dx_scatter_panels);
        assert!(!d.with_switch(30, 1).winograd_filter_panels);
        assert!(!d.with_switch(31, 1).claimed_chunks);
        assert!(!d.with_switch(32, 1).gemm_row_tasks);
        assert!(!d.with_switch(33, 1).long_worker_polling);
        assert!(!d.with_switch(34, 1).short_patch_forward);
        assert!(!d.with_switch(35, 1).dx_phases);
        assert!(!d.with_switch(36, 1).filter_grad_rows);
        assert!(!d.with_switch(37, 1).filter_grad_panels);
        assert!(!d.with_switch(38, 1).winograd_row_transforms);
        assert!(!d.with_switch(39, 1).winograd_grouped_transforms);
        assert!(!d.with_switch(40, 1).dx_direct);
        assert!(!d.with_switch(41, 1).filter_grad_runs);
        assert!(!d.with_switch(42, 1).short_patch_rowstep);
        assert!(!d.with_switch(43, 1).sleeping_wait);
        assert!(!d.with_switch(44, 1).small_k_fixed);
        assert!(!d.with_switch(45, 1).winograd_filter_adjacent_a);
        assert!(!d.with_switch(46, 1).winograd_filter_e_rows);
        assert!(!d.with_switch(47, 1).winograd_output_kinds);
        assert!(!d.with_switch(48, 1).forward_pads_per_task);
        assert!(!d.with_switch(49, 1).dx_phase_filters_at_once);
        assert!(!d.with_switch(50, 1).filter_grad_untranspose_vector);
        assert!(!d.with_switch(51, 1).pack_filters_parallel);
        let unassigned = |i: usize| matches!(i, 19 | 27);
        for i in 0..Tuning::SWITCHES {
            if unassigned(i) {
                assert_eq!(d.with_switch(i, 1), d, "switch {i} is not assigned here");
            } else {
                assert_ne!(d.with_switch(i, 1), d, "switch {i} changes nothing");
            }
        }
    }
}
