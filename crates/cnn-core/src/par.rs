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

/// Set by training over a container's CPU quota (cnn-ts runs those steps
/// on one thread) and by benchmarks: ops run as on a 1-thread core (every
/// chunk on the calling thread, [`num_threads`] 1) while the thread pool
/// stays built, so a 2-thread core can time 1 and 2 threads alternately on
/// the same model and memory (`benches/architectures.mjs`; the host's speed
/// drifts too much between two runs for their ratio to mean anything). A
/// 1-thread core builds no thread pool and runs this same serial path.
static SERIAL: AtomicBool = AtomicBool::new(false);

/// Runs the following ops serially (see [`SERIAL`]): benchmarks, and
/// training over a container's CPU quota (cnn-worker's `serial` command).
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
    let chunk = chunk.max(1);
    run_indexed(n.div_ceil(chunk), &|i| f(i * chunk..((i + 1) * chunk).min(n)));
}

/// Runs `f(i)` for every `i < count` (each counted as one task): on the
/// calling thread in index order when there is one or when ops run
/// serially, else over the thread pool, by [`run_claimed`] or (switch 31
/// off) rayon's splitting of the index range. The one parallel body of
/// every helper here: each item is computed by one task, whichever thread
/// runs it, so results never depend on the thread count.
fn run_indexed(count: usize, f: &(dyn Fn(usize) + Sync)) {
    use rayon::prelude::*;
    let g = |i: usize| {
        count_task();
        f(i)
    };
    if count <= 1 || !THREADED || !parallel() {
        (0..count).for_each(g);
        return;
    }
    keep_workers_awake();
    if CLAIM.load(Ordering::Relaxed) {
        run_claimed(count, &g);
    } else {
        (0..count).into_par_iter().for_each(g);
    }
}

/// Whether this build can have a thread pool: not the single-threaded wasm
/// build, whose ops always run on the calling thread (so it carries none
/// of the parallel machinery).
const THREADED: bool = cfg!(any(not(target_arch = "wasm32"), feature = "threads"));

/// Whether parallel loops hand out their items one at a time ([`run_claimed`]);
/// benchmarks switch it (tuning switch 31, through `setTuning`).
static CLAIM: AtomicBool = AtomicBool::new(true);

/// Benchmarks: whether parallel loops claim items one at a time ([`CLAIM`]).
pub fn set_claim(on: bool) {
    CLAIM.store(on, Ordering::Relaxed);
}

/// `f(i)` for every `i < count`, the items handed out one at a time from a
/// shared counter to whichever thread asks next: the calling thread and one
/// helper job per other thread of the thread pool. Rayon's halving split gave each
/// thread a fixed share up front, so the op waited for the slower thread's
/// share (on this host a vCPU runs at a varying speed, and a worker woken
/// late, behind niced work on its vCPU, made 2-thread ops slower than
/// 1-thread ones). Here a late or slow thread only takes fewer items; the
/// calling thread waits (polling, never sleeping) only for items already
/// running elsewhere. While it waits it runs any job the thread pool has, so the
/// Node thread pool's rescue job (`nodePoolRescue`, after a worker died in
/// an item) still reaches it.
///
/// When that wait outlasts [`WAIT_POLLS`] polls (tuning switch 43), the
/// calling thread sleeps until the next item finishes
/// ([`Sleeper`]) instead of polling on. Waiting that long usually means
/// the thread running the last items has lost its vCPU to another process
/// (a shared serverless CPU, a build beside us): polling kept our claim on
/// the other vCPU, so the descheduled worker waited for the other process
/// to yield its slice (2-thread ops beside busy processes took whole
/// multiples of about 4 ms). A sleeping caller frees its vCPU, which the
/// host can give the worker.
fn run_claimed(count: usize, f: &(dyn Fn(usize) + Sync)) {
    use std::sync::atomic::AtomicUsize;
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let sleeper = Sleeper::new();
    let work = || {
        // Marks the loop failed if an item panics (native builds unwind), so
        // the calling thread stops waiting and the scope re-raises the panic.
        struct Unwinding<'a>(&'a AtomicBool);
        impl Drop for Unwinding<'_> {
            fn drop(&mut self) {
                if std::thread::panicking() {
                    self.0.store(true, Ordering::Release);
                }
            }
        }
        let _guard = Unwinding(&failed);
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= count {
                break;
            }
            f(i);
            done.fetch_add(1, Ordering::SeqCst);
            sleeper.wake();
        }
    };
    let helpers = (rayon::current_num_threads() - 1).min(count - 1);
    let may_sleep = SLEEPING_WAIT.load(Ordering::Relaxed);
    rayon::scope(|s| {
        for _ in 0..helpers {
            s.spawn(|_| work());
        }
        work();
        let mut polls = 0u32;
        loop {
            let seen = done.load(Ordering::Acquire);
            if seen >= count || failed.load(Ordering::Acquire) {
                break;
            }
            match rayon::yield_now() {
                Some(rayon::Yield::Executed) => polls = 0,
                _ if may_sleep && polls >= WAIT_POLLS => sleeper.sleep(&done, seen),
                _ => {
                    polls += 1;
                    core::hint::spin_loop();
                }
            }
        }
    });
}

/// Polls of [`run_claimed`]'s calling thread before it sleeps (a poll is
/// a look at every queue of the thread pool; not timed, the wasm core has
/// no clock). Enough that on a quiet host, where the items still running
/// when the caller runs out are short (an op's 16-48 chunks spread over
/// both threads end within about a chunk of each other), it rarely sleeps
/// and pays a wake-up: the quiet A/B in [`crate::tuning::Tuning`]'s switch
/// 43 found no difference.
const WAIT_POLLS: u32 = 2_000;

/// Whether [`run_claimed`]'s calling thread may sleep ([`WAIT_POLLS`]);
/// tuning switch 43, through `setTuning`.
static SLEEPING_WAIT: AtomicBool = AtomicBool::new(true);

/// Benchmarks: whether a parallel loop's calling thread may sleep while it
/// waits for other threads' items ([`SLEEPING_WAIT`]).
pub fn set_sleeping_wait(on: bool) {
    SLEEPING_WAIT.store(on, Ordering::Relaxed);
}

/// The calling thread of one [`run_claimed`] loop asleep on its `done`
/// counter, and the threads finishing items waking it. std's park and
/// unpark: on the threaded wasm build a `memory.atomic.wait32` /
/// `notify` pair on a per-thread word (our ops never run on a browser's
/// main thread, where waiting traps: the threaded core lives in a Web
/// Worker there).
struct Sleeper {
    asleep: AtomicBool,
    thread: std::thread::Thread,
}

impl Sleeper {
    fn new() -> Sleeper {
        Sleeper { asleep: AtomicBool::new(false), thread: std::thread::current() }
    }

    /// Sleeps until `done` is no longer `seen`, or at most a millisecond:
    /// the caller then looks at the thread pool's queues again, where the
    /// Node thread pool's rescue job may wait for it. Threads that bump
    /// `done` call [`Sleeper::wake`] after the bump; with both sides
    /// sequentially consistent, either the waker sees `asleep` or the
    /// sleeper sees the new count (and an unpark before the park makes the
    /// park return at once).
    fn sleep(&self, done: &std::sync::atomic::AtomicUsize, seen: usize) {
        #[cfg(test)]
        tests::SLEEPS.with(|n| n.set(n.get() + 1));
        self.asleep.store(true, Ordering::SeqCst);
        if done.load(Ordering::SeqCst) == seen {
            std::thread::park_timeout(std::time::Duration::from_millis(1));
        }
        self.asleep.store(false, Ordering::SeqCst);
    }

    fn wake(&self) {
        if self.asleep.load(Ordering::SeqCst) {
            self.thread.unpark();
        }
    }
}

/// Whether the thread pool's workers poll for work between ops instead of
/// going to sleep at once (see [`keep_workers_awake`]); benchmarks switch it
/// (tuning switch 26, through `setTuning`).
static SPIN: AtomicBool = AtomicBool::new(true);
/// Workers polling now (each one's [`poll_for_work`] job is running or queued).
static POLLING: AtomicU32 = AtomicU32::new(0);
/// Idle polls (each a look at every queue of the thread pool) before a worker
/// stops polling and may sleep: on the order of a millisecond.
const POLL_ROUNDS: u32 = 20_000;
/// [`POLL_ROUNDS`] with tuning switch 33 ([`set_poll_rounds`]).
const LONG_POLL_ROUNDS: u32 = 100_000;
/// The idle polls a worker makes now ([`POLL_ROUNDS`] or [`LONG_POLL_ROUNDS`]).
static POLL_FOR: AtomicU32 = AtomicU32::new(LONG_POLL_ROUNDS);

/// Benchmarks: whether workers poll [`LONG_POLL_ROUNDS`] times rather than [`POLL_ROUNDS`].
pub fn set_poll_rounds(long: bool) {
    POLL_FOR.store(if long { LONG_POLL_ROUNDS } else { POLL_ROUNDS }, Ordering::Relaxed);
}

/// Benchmarks: whether workers poll between ops ([`SPIN`]).
pub fn set_spin(on: bool) {
    SPIN.store(on, Ordering::Relaxed);
}

/// Before a parallel section: makes sure every worker of the thread pool but the
/// calling thread runs a [`poll_for_work`] job. A rayon worker that finds
/// no work looks a few dozen times (microseconds on wasm, whose
/// `yield_now` is a no-op) and then sleeps; the next op's work then waits
/// for it to be woken, which on a shared host means waiting for the
/// scheduler to take its vCPU back from whatever ran there (under niced
/// builds, 2-thread ops ran no faster than 1-thread ones). Polling for about
/// a millisecond after the last work keeps it on its vCPU through the short
/// gaps between the ops of a forward pass or a training step.
fn keep_workers_awake() {
    if !SPIN.load(Ordering::Relaxed) {
        return;
    }
    let want = (rayon::current_num_threads() as u32).saturating_sub(1);
    let mut polling = POLLING.load(Ordering::Relaxed);
    while polling < want {
        match POLLING.compare_exchange_weak(polling, polling + 1, Ordering::AcqRel, Ordering::Relaxed) {
            Ok(_) => {
                rayon::spawn(poll_for_work);
                polling += 1;
            }
            Err(now) => polling = now,
        }
    }
}

/// A worker's polling job: runs the thread pool's jobs as they come (`rayon::yield_now`:
/// its own queue, stealing, injected jobs) until it has found none for
/// [`POLL_ROUNDS`] looks. The thread that submits ops (index 0) never
/// polls: it would block its own caller.
fn poll_for_work() {
    if rayon::current_thread_index() != Some(0) {
        let mut idle = 0;
        let rounds = POLL_FOR.load(Ordering::Relaxed);
        while idle < rounds {
            match rayon::yield_now() {
                Some(rayon::Yield::Executed) => idle = 0,
                Some(rayon::Yield::Idle) => {
                    idle += 1;
                    core::hint::spin_loop();
                }
                None => break,
            }
        }
    }
    POLLING.fetch_sub(1, Ordering::AcqRel);
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
    let piece = (chunk_items.max(1) * item_len).max(1);
    if out.len() <= piece {
        count_task();
        f(0, out);
        return;
    }
    let len = out.len();
    let base = SharedMut::new(out);
    run_indexed(len.div_ceil(piece), &|i| {
        let start = i * piece;
        // SAFETY: the pieces of `out` are disjoint and each index runs once.
        let p = unsafe { base.slice(start, piece.min(len - start)) };
        f(i * chunk_items.max(1), p)
    });
}

/// A raw pointer to one `f32` buffer that the tasks of a parallel loop
/// share, each writing its own disjoint part (rows of an output, one
/// partial per chunk, one tile's slots of a transform buffer). Rust cannot
/// split such a buffer into `&mut` slices when the parts are strided or
/// are only known inside the task, so the tasks get this pointer instead;
/// it is `Send` and `Sync` so closures holding it can go to the thread pool.
/// The one such wrapper of the crate: every kernel's parallel driver uses
/// it (and `gemm::Out` holds one), so the unsafe `Send`/`Sync` promise is
/// made once, here.
///
/// Making one or calling [`SharedMut::at`] is safe; writing through the
/// result is `unsafe`, and the writer promises that no other task reads
/// or writes the same elements during the loop.
#[derive(Clone, Copy)]
pub struct SharedMut(*mut f32);
// SAFETY: the pointer is only dereferenced by callers who promise that
// tasks touch disjoint elements (see the type's documentation).
unsafe impl Send for SharedMut {}
unsafe impl Sync for SharedMut {}

impl SharedMut {
    /// Shares `buf`. The borrow ends here: the caller keeps `buf` alive and
    /// unread by others while tasks write through the pointer.
    pub fn new(buf: &mut [f32]) -> SharedMut {
        SharedMut(buf.as_mut_ptr())
    }

    /// Shares memory that is not a slice yet (a vector's spare capacity that
    /// the tasks fill before its length is set).
    pub fn from_raw(ptr: *mut f32) -> SharedMut {
        SharedMut(ptr)
    }

    /// Pointer to element `i` (computed with `wrapping_add`, so making it
    /// is safe; only writing through it needs `i` in bounds).
    #[inline(always)]
    pub fn at(self, i: usize) -> *mut f32 {
        self.0.wrapping_add(i)
    }

    /// Elements `start..start + len` as a slice.
    ///
    /// # Safety
    /// `start..start + len` is inside the buffer and no other live slice or
    /// task's writes overlap it while the result lives.
    #[allow(clippy::mut_from_ref)]
    #[inline(always)]
    pub unsafe fn slice(&self, start: usize, len: usize) -> &mut [f32] {
        core::slice::from_raw_parts_mut(self.0.add(start), len)
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
    let base = SharedMut::new(&mut partials);
    // SAFETY: partial i is the i-th `len`-float block, written by index i only.
    run_indexed(ranges.len(), &|i| f(ranges[i].clone(), unsafe { base.slice(i * len, len) }));
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
    let len = if N == 0 { 0 } else { outs[0].len() };
    assert!(outs.iter().all(|o| o.len() == len), "for_each_out_chunks: buffers differ in length");
    let chunk = chunk.max(1);
    if len <= chunk {
        count_task();
        f(0, outs);
        return;
    }
    let bases: [SharedMut; N] = std::array::from_fn(|i| SharedMut::from_raw(outs[i].as_mut_ptr()));
    run_indexed(len.div_ceil(chunk), &|i| {
        let start = i * chunk;
        // SAFETY: the pieces at `start` of the N buffers belong to index i only.
        let p: [&mut [f32]; N] = std::array::from_fn(|b| unsafe { bases[b].slice(start, chunk.min(len - start)) });
        f(start, p)
    });
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
    let olen = out.len();
    let mut partials = vec![0.0f32; plen * olen.div_ceil(piece)];
    let (ob, pb) = (SharedMut::new(out), SharedMut::new(&mut partials));
    run_indexed(olen.div_ceil(piece), &|i| {
        let start = i * piece;
        // SAFETY: piece i of `out` and partial i are disjoint from every other index's.
        let (o, p) = unsafe { (ob.slice(start, piece.min(olen - start)), pb.slice(i * plen, len)) };
        f(i * chunk_items, o, p)
    });
    for p in partials.chunks(plen) {
        add_slice(acc, &p[..len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_bits_eq, rand_vec, rng, with_threads};
    use std::collections::HashSet;
    use std::sync::Mutex;

    /// Chunks handed out one at a time (switch 31, the default): every
    /// helper computes each chunk once, so the results equal the serial
    /// ones bit for bit at 1 and 2 threads, and on 2 threads both threads
    /// take chunks (each chunk sleeps, so the helper joins long before the
    /// calling thread could finish alone).
    #[test]
    fn claimed_chunks_run_every_chunk_once_on_every_thread() {
        let n = 24usize;
        let data = rand_vec(&mut rng(3), n * 7);
        let run = || {
            let threads = Mutex::new(HashSet::new());
            let seen = |i: usize| {
                threads.lock().unwrap().insert(rayon::current_thread_index());
                std::thread::sleep(std::time::Duration::from_millis(2 + (i % 3) as u64));
            };
            let mut a = vec![0.0f32; n * 7];
            for_each_out_chunk(&mut a, 7, 1, |first, piece| {
                seen(first);
                for (j, v) in piece.iter_mut().enumerate() {
                    *v = data[first * 7 + j] * 3.0 + first as f32;
                }
            });
            let mut sum = vec![0.0f32; 7];
            reduce_chunks(n, 1, &mut sum, |r, partial| {
                seen(r.start);
                for i in r {
                    for (p, v) in partial.iter_mut().zip(&data[i * 7..(i + 1) * 7]) {
                        *p += *v * (i + 1) as f32;
                    }
                }
            });
            let (mut b, mut c) = (data.clone(), vec![1.0f32; n * 7]);
            for_each_out_chunks([&mut b, &mut c], 7, |first, [pb, pc]| {
                seen(first / 7);
                for (x, y) in pb.iter_mut().zip(pc.iter_mut()) {
                    *y += *x;
                    *x *= 0.5;
                }
            });
            let mut acc = vec![0.0f32; 2];
            let mut d = vec![0.0f32; n * 7];
            for_each_out_chunk_reduce(&mut d, 7, 1, &mut acc, |first, piece, partial| {
                seen(first);
                for (j, v) in piece.iter_mut().enumerate() {
                    *v = data[first * 7 + j] - 1.0;
                    partial[j % 2] += *v;
                }
            });
            let used = threads.into_inner().unwrap().len();
            ([a, sum, b, c, d, acc].concat(), used)
        };
        // The first two results computed here in index order.
        let expected_a: Vec<f32> = (0..n * 7).map(|j| data[j] * 3.0 + (j / 7) as f32).collect();
        let mut expected_sum = vec![0.0f32; 7];
        for i in 0..n {
            for (e, v) in expected_sum.iter_mut().zip(&data[i * 7..(i + 1) * 7]) {
                *e += *v * (i + 1) as f32;
            }
        }
        let (one, two) = (with_threads(1, run), with_threads(2, run));
        assert_bits_eq(&one.0[..n * 7], &expected_a, "for_each_out_chunk, 1 thread");
        assert_bits_eq(&one.0[n * 7..n * 7 + 7], &expected_sum, "reduce_chunks, 1 thread");
        assert_bits_eq(&two.0, &one.0, "2 threads vs 1");
        assert_eq!(two.1, 2, "2 threads: both threads took chunks");
    }

    thread_local! {
        /// Sleeps of this thread as a parallel loop's calling thread
        /// ([`Sleeper::sleep`]): per thread, so tests running beside it
        /// do not count.
        pub(super) static SLEEPS: core::cell::Cell<u32> = const { core::cell::Cell::new(0) };
    }

    /// One slow item (20 ms, the first the other thread takes) on 2
    /// threads: the calling thread, out of items long before it ends,
    /// sleeps (tuning switch 43 on) or only polls (off); either way every
    /// item runs once, the results equal the serial ones bit for bit, and
    /// the loop ends (under 500 ms: a loaded CI host stretches the 20 ms).
    #[test]
    fn a_waiting_calling_thread_sleeps() {
        let n = 16usize;
        let data = rand_vec(&mut rng(5), n * 3);
        let run = || {
            let mut out = vec![0.0f32; n * 3];
            let caller = rayon::current_thread_index();
            let slow_taken = AtomicBool::new(false);
            let before = SLEEPS.with(|n| n.get());
            let t0 = std::time::Instant::now();
            for_each_out_chunk(&mut out, 3, 1, |first, piece| {
                // The calling thread's items wait (up to 2 s) until the
                // other thread has joined, however late a loaded host
                // starts it; the first item the other thread takes lasts
                // 20 ms.
                if rayon::current_thread_index() == caller {
                    for _ in 0..2000 {
                        if slow_taken.load(Ordering::Relaxed) {
                            break;
                        }
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                } else if !slow_taken.swap(true, Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                for (j, v) in piece.iter_mut().enumerate() {
                    *v = data[first * 3 + j] * 2.0 - first as f32;
                }
            });
            let took = t0.elapsed();
            assert!(slow_taken.load(Ordering::Relaxed), "the other thread took no item in 2 s");
            (out, took, SLEEPS.with(|n| n.get()) - before)
        };
        let expected: Vec<f32> = (0..n * 3).map(|j| data[j] * 2.0 - (j / 3) as f32).collect();
        for on in [true, false] {
            set_sleeping_wait(on);
            let (out, took, slept) = with_threads(2, run);
            set_sleeping_wait(true);
            assert_bits_eq(&out, &expected, &format!("sleeping wait {on}"));
            if on {
                assert!(slept >= 1, "the calling thread never slept while a 20 ms item ran");
                assert!(took < std::time::Duration::from_millis(500), "the loop took {took:?} for a 20 ms item");
            } else {
                assert_eq!(slept, 0, "switch 43 off: the calling thread slept");
            }
        }
    }

    /// A chunk that panics on either thread fails the whole loop (the
    /// calling thread stops waiting for it) instead of hanging it.
    #[test]
    fn a_panicking_chunk_fails_the_loop() {
        for bad in [0usize, 5, 11] {
            let r = std::panic::catch_unwind(|| {
                with_threads(2, || {
                    for_each_chunk(12, 1, |r| {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                        assert!(r.start != bad, "chunk {bad} fails");
                    })
                })
            });
            assert!(r.is_err(), "chunk {bad}: the panic was lost");
        }
    }

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
