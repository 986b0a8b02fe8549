//! The `skip-output-frees` feature: a global allocator that stops freeing once `parse` has
//! built its output.
//!
//! The host copies the output out of the instance and then drops the whole instance (every
//! call runs in a fresh one). Before that, wit-bindgen's post-return code frees the output
//! one allocation at a time: for a large remittance, over a million strings, a tenth of the
//! whole call inside the sandbox, for memory that is discarded a moment later anyway.
//!
//! It is a feature, off by default, because a crate graph can have only one
//! `#[global_allocator]`: a plugin that brings its own allocator leaves it off. Each export
//! turns freeing back on when it starts, so a host that did reuse an instance would only
//! hold one extra output, not leak without bound.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once the output is built; cleared at the start of every export.
static KEEP: AtomicBool = AtomicBool::new(false);

struct KeepAfterOutput;

// SAFETY: every call goes to `System` except `dealloc` while `KEEP` is set, which leaves
// the block allocated: never freeing is always sound.
unsafe impl GlobalAlloc for KeepAfterOutput {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !KEEP.load(Ordering::Relaxed) {
            unsafe { System.dealloc(ptr, layout) }
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: KeepAfterOutput = KeepAfterOutput;

pub fn call_started() {
    KEEP.store(false, Ordering::Relaxed);
}

pub fn output_built() {
    KEEP.store(true, Ordering::Relaxed);
}
