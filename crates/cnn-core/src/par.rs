//! The only place the core goes parallel.
//!
//! Work is cut into chunks whose boundaries depend on the problem size only,
//! never on the number of threads, and every reduction sums its per-chunk
//! partials in chunk order. So 1, 2 or 16 threads give bit-identical results.
//!
//! Every chunk also counts itself against the thread-pool thread that ran it, so
//! tests and users can see that all threads really worked
//! ([`thread_task_counts`]).

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// Whether ops may use rayon. Natively always: rayon starts its own global
/// thread pool on first use. On wasm a thread pool exists only once JS has built it
/// ([`mark_thread_pool_built`], from `nodePoolBuild`), and touching rayon before
/// that would make rayon set up a one-thread global thread pool of its own, after
/// which the real one could never be built. So until then every op runs on
/// the calling thread, chunk by chunk in the same order (the results are
/// the same bit for bit): a Node core can run its first ops while its
/// thread pool is still starting, and a core without a thread pool never
/// pays for rayon's scheduling.
static THREAD_POOL_BUILT: AtomicBool = AtomicBool::new(!cfg!(target_arch = "wasm32"));

fn parallel() -> bool {
    THREAD_POOL_BUILT.load(Ordering::Acquire) && !SERIAL.load(Ordering::Relaxed)
}

/// Set for benchmarks: ops run as on a 1-thread core (every chunk on the
/// calling thread, [`num_threads`] 1) while the thread pool stays built, so a
/// 2-thread core can time 1 and 2 threads alternately on the same model
/// and memory (`benches/architectures.mjs`; the host's speed drifts too
/// much between two runs for their ratio to mean anything). A 1-thread
/// core builds no thread pool and runs this same serial path.
static SERIAL: AtomicBool = AtomicBool::new(false);

/// Benchmarks only: run the following ops serially (see [`SERIAL`]).
pub fn set_serial(on: bool) {
    SERIAL.store(on, Ordering::Relaxed);
}

/// Called once the global rayon thread pool is built (wasm: `nodePoolBuild`).
pub fn mark_thread_pool_built() {
    THREAD_POOL_BUILT.store(true, Ordering::Release);
}

const MAX_COUNTED_THREADS: usize = 64;
static TASKS: [AtomicU32; MAX_COUNTED_THREADS + 1] = [const { AtomicU32::new(0) }; MAX_COUNTED_THREADS + 1];

fn count_task() {
    // Slot 0 counts work done outside the thread pool (by the calling thread).
    let slot = match rayon::current_thread_index() {
        Some(i) if i < MAX_COUNTED_THREADS => i + 1,
        _ => 0,
    };
    TASKS[slot].fetch_add(1, Ordering::Relaxed);
    if FAULT_SLOT.load(Ordering::Relaxed) != 0 {
        injected_fault(slot);
    }
}

/// Fault injection for tests: the task-count slot (thread-pool index + 1)
/// that traps, 0 = none, and how many of its tasks run first.
static FAULT_SLOT: AtomicU32 = AtomicU32::new(0);
static FAULT_AFTER: AtomicU32 = AtomicU32::new(0);

/// Makes thread-pool thread `thread` (rayon index, not 0) trap inside its
/// task after `after_tasks` more of its tasks: a worker thread dying in the middle
/// of a kernel while it holds part of the work, as a bug in a kernel would.
/// For the fault tests of the Node thread pool's supervisor.
pub fn inject_thread_fault(thread: usize, after_tasks: u32) {
    FAULT_AFTER.store(after_tasks, Ordering::Relaxed);
    FAULT_SLOT.store(thread as u32 + 1, Ordering::Relaxed);
}

#[cold]
fn injected_fault(slot: usize) {
    if FAULT_SLOT.load(Ordering::Relaxed) as usize != slot {
        return;
    }
    if FAULT_AFTER.fetch_sub(1, Ordering::Relaxed) == 0 {
        FAULT_SLOT.store(0, Ordering::Relaxed);
        #[cfg(target_arch = "wasm32")]
        core::arch::wasm32::unreachable();
        #[cfg(not(target_arch = "wasm32"))]
        panic!("injected fault on thread-pool slot {slot}");
    }
}

/// Tasks run so far per thread of the thread pool (index 0 = its thread 0),
/// for the threads of the current thread pool.
pub fn thread_task_counts() -> Vec<u32> {
    let n = if THREAD_POOL_BUILT.load(Ordering::Acquire) { rayon::current_num_threads() } else { 1 };
    let n = n.min(MAX_COUNTED_THREADS);
    (0..n).map(|i| TASKS[i + 1].load(Ordering::Relaxed)).collect()
}

pub fn reset_thread_task_counts() {
    for t in TASKS.iter() {
        t.store(0, Ordering::Relaxed);
    }
}

/// Number of threads of the thread pool the current op runs on.
pub fn num_threads() -> usize {
    if parallel() {
        rayon::current_num_threads()
    } else {
        1
    }
}

/// Splits `0..n` into chunks of `chunk` items (the last may be shorter).
pub fn chunks(n: usize, chunk: usize) -> impl Iterator<Item = Range<usize>> + Clone {
    let chunk = chunk.max(1);
    (0..n.div_ceil(chunk)).map(move |i| i * chunk..((i + 1) * chunk).min(n))
}

/// Picks a chunk size for `n` items so there are enough chunks to balance
/// several threads, but none smaller than `min_chunk` items. Depends on `n`
/// only, not on the thread count.
pub fn chunk_size(n: usize, min_chunk: usize) -> usize {
    const TARGET_CHUNKS: usize = 32;
    n.div_ceil(TARGET_CHUNKS).max(min_chunk).max(1)
}

thread_local! {
    static SCRATCH: core::cell::RefCell<Vec<f32>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` with a scratch buffer of `len` floats that belongs to this
/// thread and is reused by later calls, so hot kernels neither allocate nor
/// zero memory per task (Winograd's per-block buffers are ~1 MiB). Its
/// contents are unspecified (earlier results): callers write before they
/// read. A nested call on the same thread gets a fresh buffer.
pub fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            if buf.len() < len {
                buf.resize(len, 0.0);
            }
            f(&mut buf[..len])
        }
        Err(_) => f(&mut vec![0.0; len]),
    })
}

/// Runs `f` on every chunk of `0..n`, in parallel.
pub fn for_each_chunk<F>(n: usize, chunk: usize, f: F)
where
    F: Fn(Range<usize>) + Sync + Send,
{
    for_each_chunk_dyn(n, chunk, &f)
}

// The generic helpers here hand their closure on as `&dyn Fn` to one
// non-generic body each: rayon's machinery and the serial path before the
// thread pool exists are then compiled once per helper, not once per call
// site (the kernels' chunks are large, so the indirect call per chunk costs
// nothing measurable; it kept the threaded wasm under its 700 kB budget).
fn for_each_chunk_dyn(n: usize, chunk: usize, f: &(dyn Fn(Range<usize>) + Sync)) {
    use rayon::prelude::*;
    let ranges: Vec<Range<usize>> = chunks(n, chunk).collect();
    let g = |r: Range<usize>| {
        count_task();
        f(r)
    };
    if ranges.len() <= 1 || !parallel() {
        ranges.into_iter().for_each(g);
        return;
    }
    ranges.into_par_iter().for_each(g);
}

/// Splits `out` into pieces of `chunk_items * item_len` elements and runs
/// `f(first_item_index, piece)` on each in parallel.
pub fn for_each_out_chunk<F>(out: &mut [f32], item_len: usize, chunk_items: usize, f: F)
where
    F: Fn(usize, &mut [f32]) + Sync + Send,
{
    for_each_out_chunk_dyn(out, item_len, chunk_items, &f)
}

fn for_each_out_chunk_dyn(out: &mut [f32], item_len: usize, chunk_items: usize, f: &(dyn Fn(usize, &mut [f32]) + Sync)) {
    use rayon::prelude::*;
    let piece = (chunk_items.max(1) * item_len).max(1);
    if out.len() <= piece {
        count_task();
        f(0, out);
        return;
    }
    let g = |(i, p): (usize, &mut [f32])| {
        count_task();
        f(i * chunk_items.max(1), p)
    };
    if parallel() {
        out.par_chunks_mut(piece).enumerate().for_each(g);
    } else {
        out.chunks_mut(piece).enumerate().for_each(g);
    }
}

/// Computes one partial result of `len` floats per chunk of `0..n` with
/// `f(range, partial)` (partials start zeroed), then sums the partials in
/// chunk order into `out` (overwriting it). Deterministic for any thread
/// count because the chunking and the summation order depend on `n` only.
pub fn reduce_chunks<F>(n: usize, chunk: usize, out: &mut [f32], f: F)
where
    F: Fn(Range<usize>, &mut [f32]) + Sync + Send,
{
    reduce_chunks_dyn(n, chunk, out, &f)
}

fn reduce_chunks_dyn(n: usize, chunk: usize, out: &mut [f32], f: &(dyn Fn(Range<usize>, &mut [f32]) + Sync)) {
    use rayon::prelude::*;
    let len = out.len();
    let ranges: Vec<Range<usize>> = chunks(n, chunk).collect();
    out.fill(0.0);
    if ranges.len() <= 1 {
        for r in ranges {
            count_task();
            f(r, out);
        }
        return;
    }
    let mut partials = vec![0.0f32; len * ranges.len()];
    let g = |(p, r): (&mut [f32], Range<usize>)| {
        count_task();
        f(r, p)
    };
    if parallel() {
        partials.par_chunks_mut(len.max(1)).zip(ranges.into_par_iter()).for_each(g);
    } else {
        partials.chunks_mut(len.max(1)).zip(ranges).for_each(g);
    }
    sum_partials(&partials, out);
}

/// Output elements per task of [`sum_partials`] (a memory-bound pass).
const SUM_PIECE: usize = 1 << 14;

/// `out += partials[0] + partials[1] + ...` (`partials` holds whole
/// `out.len()`-float blocks), added in block order for every element, so the
/// bits do not depend on how `out` is split between threads. Split in
/// pieces of `out`: with big partials (a Winograd filter gradient of 256 x
/// 256 channels sums 13 blocks of 1M floats) a serial pass left the other
/// threads idle.
fn sum_partials(partials: &[f32], out: &mut [f32]) {
    let len = out.len();
    if len == 0 {
        return;
    }
    let add = |first: usize, piece: &mut [f32]| {
        for p in partials.chunks_exact(len) {
            add_slice(piece, &p[first..first + piece.len()]);
        }
    };
    if partials.len() < 2 * SUM_PIECE {
        add(0, out);
        return;
    }
    for_each_out_chunk(out, 1, SUM_PIECE, add);
}

/// `dst[i] += src[i]`.
#[inline(always)]
fn add_slice(dst: &mut [f32], src: &[f32]) {
    for (o, v) in dst.iter_mut().zip(src) {
        *o += *v;
    }
}

/// As [`for_each_out_chunk`] for several buffers of equal length split at the
/// same boundaries (`chunk` elements per piece): runs `f(first_index,
/// pieces)` in parallel. For in-place updates of a parameter and its
/// optimizer state.
pub fn for_each_out_chunks<const N: usize, F>(outs: [&mut [f32]; N], chunk: usize, f: F)
where
    F: Fn(usize, [&mut [f32]; N]) + Sync + Send,
{
    for_each_out_chunks_dyn(outs, chunk, &f)
}

fn for_each_out_chunks_dyn<const N: usize>(outs: [&mut [f32]; N], chunk: usize, f: &(dyn Fn(usize, [&mut [f32]; N]) + Sync)) {
    use rayon::prelude::*;
    let len = if N == 0 { 0 } else { outs[0].len() };
    assert!(outs.iter().all(|o| o.len() == len), "for_each_out_chunks: buffers differ in length");
    let chunk = chunk.max(1);
    if len <= chunk {
        count_task();
        f(0, outs);
        return;
    }
    let mut pieces = Vec::with_capacity(len.div_ceil(chunk));
    let mut rest = outs;
    let mut start = 0;
    while start < len {
        let take = chunk.min(len - start);
        let head: [&mut [f32]; N] = std::array::from_fn(|i| {
            let (h, t) = std::mem::take(&mut rest[i]).split_at_mut(take);
            rest[i] = t;
            h
        });
        pieces.push((start, head));
        start += take;
    }
    let g = |(first, p): (usize, [&mut [f32]; N])| {
        count_task();
        f(first, p)
    };
    if parallel() {
        pieces.into_par_iter().for_each(g);
    } else {
        pieces.into_iter().for_each(g);
    }
}

/// [`for_each_out_chunk`] and [`reduce_chunks`] in one pass: `f(first_item,
/// piece, partial)` writes its piece of `out` and adds into its own zeroed
/// `partial` of `acc.len()` floats; the partials are then summed in chunk
/// order into `acc` (overwriting it). Deterministic for any thread count.
/// For a loss that also writes per-row outputs (softmax + cross-entropy).
pub fn for_each_out_chunk_reduce<F>(out: &mut [f32], item_len: usize, chunk_items: usize, acc: &mut [f32], f: F)
where
    F: Fn(usize, &mut [f32], &mut [f32]) + Sync + Send,
{
    for_each_out_chunk_reduce_dyn(out, item_len, chunk_items, acc, &f)
}

/// `f(first_item, piece, partial)` of [`for_each_out_chunk_reduce`].
type PieceAndPartial<'a> = dyn Fn(usize, &mut [f32], &mut [f32]) + Sync + 'a;

fn for_each_out_chunk_reduce_dyn(out: &mut [f32], item_len: usize, chunk_items: usize, acc: &mut [f32], f: &PieceAndPartial) {
    use rayon::prelude::*;
    let chunk_items = chunk_items.max(1);
    let piece = (chunk_items * item_len).max(1);
    let len = acc.len();
    acc.fill(0.0);
    if out.len() <= piece {
        count_task();
        f(0, out, acc);
        return;
    }
    let plen = len.max(1);
    let mut partials = vec![0.0f32; plen * out.len().div_ceil(piece)];
    let g = |(i, (o, p)): (usize, (&mut [f32], &mut [f32]))| {
        count_task();
        f(i * chunk_items, o, &mut p[..len])
    };
    if parallel() {
        out.par_chunks_mut(piece).zip(partials.par_chunks_mut(plen)).enumerate().for_each(g);
    } else {
        out.chunks_mut(piece).zip(partials.chunks_mut(plen)).enumerate().for_each(g);
    }
    for p in partials.chunks(plen) {
        add_slice(acc, &p[..len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_bits_eq, rand_vec, rng, with_threads};

    /// Partials big enough for the split final sum: the result equals the
    /// chunk-order sum computed here element by element, at 1 and 2 threads
    /// (and a small case that stays serial).
    #[test]
    fn reduce_chunks_sums_partials_in_chunk_order() {
        for (n, chunk, len) in [(13usize, 1usize, 3 * SUM_PIECE + 5), (7, 2, 40_001), (5, 5, 17), (9, 4, 2 * SUM_PIECE)] {
            let data = rand_vec(&mut rng(n as u64), n * len);
            let run = || {
                let mut out = vec![1.0f32; len];
                reduce_chunks(n, chunk, &mut out, |range, partial| {
                    for i in range {
                        for (p, v) in partial.iter_mut().zip(&data[i * len..(i + 1) * len]) {
                            *p += *v * (i + 1) as f32;
                        }
                    }
                });
                out
            };
            let mut expected = vec![0.0f32; len];
            for r in chunks(n, chunk) {
                let mut partial = vec![0.0f32; len];
                for i in r {
                    for (p, v) in partial.iter_mut().zip(&data[i * len..(i + 1) * len]) {
                        *p += *v * (i + 1) as f32;
                    }
                }
                for (e, p) in expected.iter_mut().zip(&partial) {
                    *e += *p;
                }
            }
            let case = format!("n {n} chunk {chunk} len {len}");
            assert_bits_eq(&with_threads(1, run), &expected, &format!("{case}, 1 thread"));
            assert_bits_eq(&with_threads(2, run), &expected, &format!("{case}, 2 threads"));
        }
    }
}
