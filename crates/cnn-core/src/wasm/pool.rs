//! Thread pools.
//!
//! Browsers: `initThreadPool(n)` from wasm-bindgen-rayon (re-exported
//! below) spawns Web Workers on the shared memory.
//!
//! Node: wasm-bindgen-rayon starts its workers with the browser `Worker`
//! API, which Node lacks. Node gets the same protocol over `worker_threads`
//! (the JS half is `packages/cnn-worker/src/node-pool.ts`): JS starts `n`
//! workers that instantiate this module on the same memory and call
//! [`node_pool_worker_start`], which blocks on a channel; once all are
//! running, JS calls [`node_pool_build`], whose rayon spawn handler sends
//! each worker its `ThreadBuilder`.

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
    // when `node_pool_build` returns.
    static CHANNEL: OnceLock<(Sender<ThreadBuilder>, Receiver<ThreadBuilder>)> = OnceLock::new();

    fn channel() -> &'static (Sender<ThreadBuilder>, Receiver<ThreadBuilder>) {
        CHANNEL.get_or_init(|| bounded(256))
    }

    /// Runs on a pool worker: waits for its `ThreadBuilder`, then runs
    /// rayon's worker loop for the life of the pool.
    #[wasm_bindgen(js_name = nodePoolWorkerStart)]
    pub fn node_pool_worker_start() {
        if let Ok(t) = channel().1.recv() {
            t.run()
        }
    }

    /// Builds the global pool of `n` threads: the calling thread (index 0)
    /// plus `n - 1` workers already waiting in [`node_pool_worker_start`].
    ///
    /// The caller works instead of sleeping while the pool works: ops are
    /// short (a training step is ~100 of them), and every sleep/wake of a
    /// thread crosses virtual CPUs on small VMs, which costs more than the
    /// op itself for sub-millisecond ops.
    #[wasm_bindgen(js_name = nodePoolBuild)]
    pub fn node_pool_build(n: usize) -> Result<(), JsError> {
        if n == 0 {
            return Err(JsError::new("initThreadPool: threads must be at least 1"));
        }
        let sender = &channel().0;
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .use_current_thread()
            .spawn_handler(|t| {
                sender.send(t).map_err(|_| std::io::Error::other("pool channel closed"))?;
                Ok(())
            })
            .build_global()
            .map_err(|e| JsError::new(&format!("initThreadPool: {e}")))
    }
}

/// Threads of the pool ops run on (1 before a pool is built).
#[wasm_bindgen(js_name = numThreads)]
pub fn num_threads() -> usize {
    crate::par::num_threads()
}

/// Tasks each pool thread has run since the last reset.
#[wasm_bindgen(js_name = threadTaskCounts)]
pub fn thread_task_counts() -> Vec<u32> {
    crate::par::thread_task_counts()
}

#[wasm_bindgen(js_name = resetThreadTaskCounts)]
pub fn reset_thread_task_counts() {
    crate::par::reset_thread_task_counts()
}
