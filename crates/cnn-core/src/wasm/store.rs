//! Buffers of f32 owned by the module and addressed by handles.
//!
//! JS allocates a buffer, fills it through a view on the module memory
//! ([`buffer_ptr`]), passes handles to ops and frees the buffer when the
//! tensor is disposed. An op takes its buffers out of the store for the
//! duration of the call, so no lock is held while kernels run and a handle
//! passed as an output and as another argument of the same call is caught.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use wasm_bindgen::prelude::*;

struct Store {
    slots: Vec<Option<Vec<f32>>>,
    free: Vec<u32>,
    floats: usize,
    /// Freed large buffers kept for reuse by a later allocation of the same
    /// length (training allocates the same activation and gradient sizes
    /// every step), so [`buffer_alloc_dirty`] can skip zero-filling.
    recycler: Vec<Vec<f32>>,
}

static STORE: Mutex<Store> = Mutex::new(Store { slots: Vec::new(), free: Vec::new(), floats: 0, recycler: Vec::new() });

/// Buffers smaller than this go back to the allocator when freed.
const RECYCLE_MIN_FLOATS: usize = 1 << 12;
/// At most this many floats (64 MiB) and buffers wait in the recycler.
const RECYCLE_MAX_FLOATS: usize = 1 << 24;
const RECYCLE_MAX_BUFFERS: usize = 64;

fn lock() -> std::sync::MutexGuard<'static, Store> {
    // A panic never happens while the lock is held (no kernel runs under
    // it), so a poisoned lock still holds consistent data.
    STORE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Allocates a zero-filled buffer of `len` f32 and returns its handle.
/// Fails (instead of aborting) when the memory cannot grow.
/// `len` is a JS number, checked here: a `usize` parameter would silently
/// wrap a length of 2^32 or more to a small one.
#[wasm_bindgen(js_name = bufferAlloc)]
pub fn buffer_alloc(len: f64) -> Result<u32, JsError> {
    alloc(checked_length(len)?, true)
}

/// Allocates a buffer of `len` f32 whose contents are unspecified (finite
/// or not: whatever a freed buffer of the same length held), for outputs
/// an op overwrites entirely. Skips the zero fill when a recycled buffer of
/// that length exists.
#[wasm_bindgen(js_name = bufferAllocDirty)]
pub fn buffer_alloc_dirty(len: f64) -> Result<u32, JsError> {
    alloc(checked_length(len)?, false)
}

fn checked_length(len: f64) -> Result<usize, JsError> {
    if !(len >= 0.0 && len.fract() == 0.0) {
        return Err(JsError::new(&format!("bufferAlloc: length must be a non-negative integer, got {len}")));
    }
    if len > crate::error::MAX_ELEMENTS as f64 {
        return Err(JsError::new(&format!(
            "bufferAlloc: {len} floats ({} MiB) is more than the limit of {} floats (f32 in the wasm32 address space)",
            mib(len as u64),
            crate::error::MAX_ELEMENTS
        )));
    }
    Ok(len as usize)
}

/// MiB of `floats` f32, computed in u64 (a 32-bit `usize` overflows at 1 GiB).
fn mib(floats: u64) -> u64 {
    (floats * 4) >> 20
}

/// Test hook: when non-zero, no buffer may end above this byte address, as
/// if the address space ended there (so tests can fill "all" memory in
/// milliseconds instead of filling 4 GiB).
static LIMIT: AtomicUsize = AtomicUsize::new(0);

/// Test hook: buffers must end at or below byte address `bytes` of the
/// module memory (0: no limit but the 4 GiB address space). Allocations
/// past it fail as out of memory.
#[wasm_bindgen(js_name = setBufferLimit)]
pub fn set_buffer_limit(bytes: f64) {
    LIMIT.store(bytes as usize, Ordering::Relaxed);
}

/// Reserves `len` floats, or None; honours [`LIMIT`].
fn reserve(len: usize) -> Option<Vec<f32>> {
    let mut v: Vec<f32> = Vec::new();
    v.try_reserve_exact(len).ok()?;
    let limit = LIMIT.load(Ordering::Relaxed);
    if limit != 0 && v.as_ptr() as usize + len * 4 > limit {
        return None;
    }
    Some(v)
}

fn out_of_memory(len: usize) -> JsError {
    JsError::new(&format!("out of memory: cannot allocate {len} floats ({} MiB)", mib(len as u64)))
}

fn alloc(len: usize, zeroed: bool) -> Result<u32, JsError> {
    let reused = {
        let mut s = lock();
        s.recycler.iter().position(|v| v.len() == len).map(|i| s.recycler.swap_remove(i))
    };
    let v = match reused {
        Some(mut v) => {
            if zeroed {
                v.fill(0.0);
            }
            v
        }
        None => {
            let mut v = match reserve(len) {
                Some(v) => v,
                None => {
                    // Give the recycled buffers back to the allocator and retry.
                    // (Still failing, the caller compacts: see bufferEvict.)
                    buffer_recycler_clear();
                    reserve(len).ok_or_else(|| out_of_memory(len))?
                }
            };
            v.resize(len, 0.0);
            v
        }
    };
    let mut s = lock();
    s.floats += len;
    let h = match s.free.pop() {
        Some(h) => {
            s.slots[h as usize] = Some(v);
            h
        }
        None => {
            s.slots.push(Some(v));
            (s.slots.len() - 1) as u32
        }
    };
    Ok(h)
}

/// Frees a buffer; freeing an unknown handle is an error.
#[wasm_bindgen(js_name = bufferFree)]
pub fn buffer_free(h: u32) -> Result<(), JsError> {
    let mut s = lock();
    let v = s.slots.get_mut(h as usize).and_then(Option::take).ok_or_else(|| JsError::new(&format!("bufferFree: unknown buffer {h}")))?;
    s.floats -= v.len();
    s.free.push(h);
    let len = v.len();
    let kept: usize = s.recycler.iter().map(Vec::len).sum();
    if len >= RECYCLE_MIN_FLOATS && kept + len <= RECYCLE_MAX_FLOATS && s.recycler.len() < RECYCLE_MAX_BUFFERS {
        s.recycler.push(v);
    }
    Ok(())
}

/// Gives every recycled (freed, kept for reuse) buffer back to the allocator.
#[wasm_bindgen(js_name = bufferRecyclerClear)]
pub fn buffer_recycler_clear() {
    let kept = core::mem::take(&mut lock().recycler);
    drop(kept);
}

// Compaction. Buffers are addressed by handle, never by pointer across an
// allocation (JS takes a fresh `bufferPtr` for every view), so the store may
// move them. When an allocation fails although enough memory is free in
// pieces, JS copies every live buffer out (`bufferLive`, then a read of
// each), evicts them all (`bufferEvict`: the allocator coalesces the freed
// blocks with their free neighbours into a few large ones), restores them
// largest first (`bufferRestore`: packed into the large free blocks) and
// retries. Handles stay the same, so tensors never notice.

/// Live buffers as `[handle, length, ...]` in handle order (buffers taken
/// by a running op are not listed: they cannot move).
#[wasm_bindgen(js_name = bufferLive)]
pub fn buffer_live() -> Vec<f64> {
    let s = lock();
    s.slots.iter().enumerate().filter_map(|(h, v)| v.as_ref().map(|v| [h as f64, v.len() as f64])).flatten().collect()
}

/// Frees buffer `h`'s memory but keeps its handle (as an empty buffer)
/// until [`buffer_restore`].
#[wasm_bindgen(js_name = bufferEvict)]
pub fn buffer_evict(h: u32) -> Result<(), JsError> {
    let mut s = lock();
    let v = match s.slots.get_mut(h as usize) {
        Some(Some(v)) => core::mem::take(v),
        _ => return Err(JsError::new(&format!("bufferEvict: unknown buffer {h}"))),
    };
    s.floats -= v.len();
    drop(s);
    drop(v);
    Ok(())
}

/// Gives evicted buffer `h` new memory of `len` floats (contents
/// unspecified: the caller writes them back).
#[wasm_bindgen(js_name = bufferRestore)]
pub fn buffer_restore(h: u32, len: f64) -> Result<(), JsError> {
    let len = checked_length(len)?;
    let mut v = reserve(len).ok_or_else(|| out_of_memory(len))?;
    v.resize(len, 0.0);
    let mut s = lock();
    match s.slots.get_mut(h as usize) {
        Some(Some(old)) if old.is_empty() => {
            *old = v;
            s.floats += len;
            Ok(())
        }
        _ => Err(JsError::new(&format!("bufferRestore: buffer {h} is not evicted"))),
    }
}

/// Byte address of a buffer's first element in the module memory.
#[wasm_bindgen(js_name = bufferPtr)]
pub fn buffer_ptr(h: u32) -> Result<u32, JsError> {
    let s = lock();
    match s.slots.get(h as usize) {
        Some(Some(v)) => Ok(v.as_ptr() as u32),
        _ => Err(JsError::new(&format!("bufferPtr: unknown buffer {h}"))),
    }
}

/// Number of live buffers and the f32 they hold, for leak checks.
#[wasm_bindgen(js_name = storeStats)]
pub fn store_stats() -> Vec<u32> {
    let s = lock();
    let live = s.slots.iter().filter(|x| x.is_some()).count();
    vec![live as u32, s.floats as u32]
}

/// Buffers taken out of the store for one call; put back on drop, also when
/// the op fails. The same buffer may be read by several inputs (`mul(x, x)`),
/// but an output never aliases another input or output.
pub struct Taken {
    op: String,
    /// Distinct buffers, in order of first mention.
    items: Vec<(u32, Vec<f32>)>,
    /// For each handle passed to [`Taken::take`], its index in `items`.
    pos: Vec<usize>,
}

impl Taken {
    /// Takes the buffers `hs` (in order) out of the store, or fails naming
    /// `op` if one is unknown or freed.
    pub fn take(op: &str, hs: &[u32]) -> Result<Taken, JsError> {
        let mut s = lock();
        let mut items: Vec<(u32, Vec<f32>)> = Vec::with_capacity(hs.len());
        let mut pos = Vec::with_capacity(hs.len());
        for &h in hs {
            if let Some(k) = items.iter().position(|(h0, _)| *h0 == h) {
                pos.push(k);
                continue;
            }
            match s.slots.get_mut(h as usize).and_then(Option::take) {
                Some(v) => {
                    pos.push(items.len());
                    items.push((h, v));
                }
                None => {
                    for (h0, v0) in items {
                        s.slots[h0 as usize] = Some(v0);
                    }
                    return Err(JsError::new(&format!("{op}: buffer {h} is unknown or freed")));
                }
            }
        }
        Ok(Taken { op: op.to_string(), items, pos })
    }

    /// Input `i` (read-only).
    pub fn get(&self, i: usize) -> &[f32] {
        &self.items[self.pos[i]].1
    }

    /// Input slices `0..i` and the mutable buffer `i`.
    pub fn split_mut(&mut self, i: usize) -> Result<(Vec<&[f32]>, &mut [f32]), JsError> {
        let (ins, mut outs) = self.split_mut_n(i)?;
        Ok((ins, outs.swap_remove(0)))
    }

    /// Input slices `0..i` and every buffer from `i` on as mutable, in
    /// order: for ops with several outputs or with state updated in place
    /// (batch norm, optimizers). Fails if an output is also passed as an
    /// input or as another output.
    #[allow(clippy::type_complexity)] // the inputs and the outputs, as split_mut's
    pub fn split_mut_n(&mut self, i: usize) -> Result<(Vec<&[f32]>, Vec<&mut [f32]>), JsError> {
        for p in i..self.pos.len() {
            let k = self.pos[p];
            if self.pos.iter().enumerate().any(|(q, &k2)| q != p && k2 == k) {
                let h = self.items[k].0;
                return Err(JsError::new(&format!("{}: output buffer {h} is also passed as another argument of the same call", self.op)));
            }
        }
        let mut slots: Vec<Option<&mut Vec<f32>>> = self.items.iter_mut().map(|(_, v)| Some(v)).collect();
        let outs: Vec<&mut [f32]> = self.pos[i..].iter().map(|&k| &mut slots[k].take().expect("outputs are distinct")[..]).collect();
        let shared: Vec<Option<&[f32]>> = slots.into_iter().map(|o| o.map(|v| &v[..])).collect();
        let ins = self.pos[..i].iter().map(|&k| shared[k].expect("inputs are not outputs")).collect();
        Ok((ins, outs))
    }
}

impl Drop for Taken {
    fn drop(&mut self) {
        let mut s = lock();
        for (h, v) in self.items.drain(..) {
            s.slots[h as usize] = Some(v);
        }
    }
}
