//! The benchmarks' hook into the kernel-variant choices
//! ([`crate::tuning::Tuning`]): `setTuning(i, value)` sets numbered switch
//! `i` for the calls that follow, and the entry points pass the resulting
//! choices to the kernels in their geometry. Only benchmarks call it
//! (`benches/tuning.mjs`); nothing else sets it, so the kernels run
//! `Tuning::DEFAULT`.

use crate::tuning::Tuning;
use std::sync::atomic::{AtomicU32, Ordering};
use wasm_bindgen::prelude::*;

/// The switches as set by `setTuning` (0 = the default).
static SWITCHES: [AtomicU32; Tuning::SWITCHES] = [const { AtomicU32::new(0) }; Tuning::SWITCHES];

/// Internal, for benchmarks: sets switch `i` (numbered as in [`Tuning::with_switch`]).
#[wasm_bindgen(js_name = setTuning)]
pub fn set_tuning(i: usize, value: u32) {
    if let Some(s) = SWITCHES.get(i) {
        s.store(value, Ordering::Relaxed);
    }
    // The thread pool's polling and chunk hand-out are global, not passed with a kernel's geometry.
    crate::par::set_spin(current().worker_polling);
    crate::par::set_claim(current().claimed_chunks);
    crate::par::set_poll_rounds(current().long_worker_polling);
    crate::par::set_sleeping_wait(current().sleeping_wait);
}

/// The choices the next kernel call runs with.
pub fn current() -> Tuning {
    let mut t = Tuning::DEFAULT;
    for (i, s) in SWITCHES.iter().enumerate() {
        let v = s.load(Ordering::Relaxed);
        if v != 0 {
            t = t.with_switch(i, v);
        }
    }
    t
}
