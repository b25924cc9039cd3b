//! The thread pool kernels split their work over (rayon's global pool of
//! worker threads).
//!
//! Browsers: `initThreadPool(n)` from wasm-bindgen-rayon (re-exported
//! below) spawns Web Workers on the shared memory.
//!
//! Node: wasm-bindgen-rayon starts its workers with the browser `Worker`
//! API, which Node lacks. Node gets the same protocol over `worker_threads`
//! (the JS half is `packages/cnn-worker/src/node-pool.ts`): JS starts `n`
//! workers that instantiate this module on the same memory and call
//! `node_worker_start`, which blocks on a channel; once all are running,
//! JS calls `node_thread_pool_build`, whose rayon spawn handler sends each
//! worker its `ThreadBuilder`.
//!
//! The exports keep their JS names (`nodePool*`, `injectPoolFault`): the
//! loaders in cnn-worker call them. "Pool" there means the thread pool.

use wasm_bindgen::prelude::*;

#[cfg(feature = "threads")]
pub use wasm_bindgen_rayon::init_thread_pool;

#[cfg(feature = "threads")]
mod node {
    use crossbeam_channel::{bounded, Receiver, Sender};
    use rayon::ThreadBuilder;
    use std::sync::OnceLock;
    use wasm_bindgen::prelude::*;

    // Lives for the life of the instance: workers may still be receiving
    // when `node_thread_pool_build` returns.
    static CHANNEL: OnceLock<(Sender<ThreadBuilder>, Receiver<ThreadBuilder>)> = OnceLock::new();

    fn channel() -> &'static (Sender<ThreadBuilder>, Receiver<ThreadBuilder>) {
        CHANNEL.get_or_init(|| bounded(256))
    }

    /// Runs on a worker thread: waits for its `ThreadBuilder`, then runs
    /// rayon's worker loop for the life of the thread pool.
    #[wasm_bindgen(js_name = nodePoolWorkerStart)]
    pub fn node_worker_start() {
        if let Ok(t) = channel().1.recv() {
            t.run()
        }
    }

    /// Runs on the thread pool's supervisor thread after a worker thread
    /// died (see `packages/cnn-worker/src/node-pool-supervisor.ts`), once
    /// the other workers are ended: queues a job that traps. The only
    /// thread of the thread pool left is the one that owns the core; if it is blocked in a
    /// kernel waiting for work the dead thread took (rayon would wait
    /// forever), it picks this job up while it waits, and the trap unwinds
    /// its kernel call into a JS exception instead of a hang. A trap, not a
    /// panic: this build aborts on panic, and the instance is discarded.
    #[wasm_bindgen(js_name = nodePoolRescue)]
    pub fn node_thread_pool_rescue() {
        rayon::spawn(|| core::arch::wasm32::unreachable());
    }

    /// Builds the global thread pool of `n` threads: the calling thread
    /// (index 0) plus `n - 1` workers already waiting in [`node_worker_start`].
    ///
    /// The caller works instead of sleeping while the workers work: ops are
    /// short (a training step is ~100 of them), and every sleep/wake of a
    /// thread crosses virtual CPUs on small VMs, which costs more than the
    /// op itself for sub-millisecond ops.
    #[wasm_bindgen(js_name = nodePoolBuild)]
    pub fn node_thread_pool_build(n: usize) -> Result<(), JsError> {
        if n == 0 {
            return Err(JsError::new("initThreadPool: threads must be at least 1"));
        }
        let sender = &channel().0;
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .use_current_thread()
            .spawn_handler(|t| {
                sender.send(t).map_err(|_| std::io::Error::other("thread pool channel closed"))?;
                Ok(())
            })
            .build_global()
            .map_err(|e| JsError::new(&format!("initThreadPool: {e}")))?;
        crate::par::mark_thread_pool_built();
        Ok(())
    }
}

/// Threads of the thread pool ops run on (1 before one is built: ops then
/// run on the calling thread).
#[wasm_bindgen(js_name = numThreads)]
pub fn num_threads() -> usize {
    crate::par::num_threads()
}

/// Tasks each thread of the thread pool has run since the last reset.
#[wasm_bindgen(js_name = threadTaskCounts)]
pub fn thread_task_counts() -> Vec<u32> {
    crate::par::thread_task_counts()
}

/// With `on`, the following ops run on the calling thread only, as on a
/// 1-thread core, while the thread pool stays built: training over a
/// container's CPU quota (the executor's `serial` command), and benchmarks
/// timing 1 and 2 threads alternately on one core and model.
#[wasm_bindgen(js_name = setRunSerially)]
pub fn set_run_serially(on: bool) {
    crate::par::set_serial(on)
}

#[wasm_bindgen(js_name = resetThreadTaskCounts)]
pub fn reset_thread_task_counts() {
    crate::par::reset_thread_task_counts()
}

/// Fault injection for tests: worker thread `thread` of the thread pool
/// (1..n; 0 is the thread that owns the core) traps inside one of its kernel tasks after
/// `afterTasks` more of them, as a kernel bug would.
#[wasm_bindgen(js_name = injectPoolFault)]
pub fn inject_thread_fault(thread: usize, after_tasks: u32) -> Result<(), JsError> {
    if thread == 0 || thread >= crate::par::num_threads() {
        return Err(JsError::new(&format!(
            "injectPoolFault: no worker thread {thread} (threads 1..{} of this thread pool can fault)",
            crate::par::num_threads() - 1
        )));
    }
    crate::par::inject_thread_fault(thread, after_tasks);
    Ok(())
}
