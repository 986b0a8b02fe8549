//! What a plugin may use per call, and the `ResourceLimiter` that enforces the memory part
//! and remembers why it refused.

use std::time::Duration;

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

/// Resource limits for plugin calls. `Limits::default()` suits real clearinghouse files
/// (the biggest 835 remittances seen are a few MiB); every knob can be changed for special
/// cases, e.g. a shorter timeout in tests.
///
/// All limits except `max_wasm_stack` apply per call: each call runs in a fresh instance,
/// so a plugin cannot accumulate memory or time over several files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most linear memory (bytes, summed over all of the instance's memories) one call may
    /// use. A `memory.grow` past it fails and the call ends as
    /// [`PluginError::OutOfMemory`](super::PluginError::OutOfMemory). It also bounds what a
    /// plugin can return: output is copied out of this memory. The host's copy of it is
    /// bounded by `max_output_host_bytes`. Default 256 MiB.
    pub memory_bytes: usize,
    /// Wall-clock budget of one `parse` call, enforced by epoch interruption (granularity
    /// [`EPOCH_TICK`](super::EPOCH_TICK), 10 ms). Time spent in the host (copying the
    /// output out) does not count. Default 10 s.
    pub parse_timeout: Duration,
    /// Wall-clock budget of one `sniff` or `describe` call. These look at 4 KiB at most,
    /// so anything slower is a bug. Default 1 s.
    pub quick_timeout: Duration,
    /// Most native stack the plugin's wasm code may use, in bytes (Wasmtime's
    /// `Config::max_wasm_stack`). Runaway recursion ends as
    /// [`PluginError::StackOverflow`](super::PluginError::StackOverflow). This one knob is
    /// fixed when the [`PluginRuntime`](super::PluginRuntime) is created. Calling threads
    /// need this much stack plus the host's own (the 2 MiB of a default Rust thread is
    /// enough for the default). Default 1 MiB.
    pub max_wasm_stack: usize,
    /// Largest file `parse` accepts, in bytes; bigger files are refused before the plugin
    /// runs, as [`PluginError::InputTooLarge`](super::PluginError::InputTooLarge). The
    /// plugin holds the file in its memory, so this must stay well below `memory_bytes`.
    /// Default 64 MiB.
    pub max_input_bytes: usize,
    /// Most status events one parse may return. Default 1 048 576.
    pub max_events: usize,
    /// Most diagnostics one parse may return. Default 1 048 576.
    pub max_diagnostics: usize,
    /// Most string bytes (every string of the output added up) one parse may return.
    /// Default 128 MiB.
    pub max_output_string_bytes: usize,
    /// Most host memory the copy of one call's result may take while it is lifted out of
    /// the plugin: each string's bytes plus each list element at its host size (Wasmtime's
    /// "hostcall fuel", set on every store from this value rather than left at Wasmtime's
    /// default). It also caps the data of each WASI call the plugin makes. A result over it
    /// ends as [`PluginError::OutputTooLarge`](super::PluginError::OutputTooLarge) with
    /// `what` = "host bytes", before the count caps above are checked. Default 256 MiB.
    pub max_output_host_bytes: usize,
    /// How much of the plugin's stderr is kept (to show a panic message). Writes beyond it
    /// fail inside the plugin; stdout is discarded. Default 64 KiB.
    pub stderr_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 256 * MIB,
            parse_timeout: Duration::from_secs(10),
            quick_timeout: Duration::from_secs(1),
            max_wasm_stack: MIB,
            max_input_bytes: 64 * MIB,
            max_events: 1 << 20,
            max_diagnostics: 1 << 20,
            max_output_string_bytes: 128 * MIB,
            max_output_host_bytes: 256 * MIB,
            stderr_bytes: 64 * KIB,
        }
    }
}

/// Most tables, memories and core instances one plugin instance may create. A Rust
/// `wasm32-wasip2` component needs a handful of each (its own module plus the small shim
/// modules of the canonical ABI); these caps only stop a hostile component from asking
/// Wasmtime for thousands.
const MAX_INSTANCES: usize = 64;
const MAX_TABLES: usize = 64;
const MAX_MEMORIES: usize = 8;
/// Most elements of one table (function-pointer tables of Rust code hold a few thousand).
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

/// Why the limiter said no, remembered so that the trap that usually follows (a Rust
/// guest aborts when an allocation fails) is reported as what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// A memory wanted to grow to `desired` bytes, past the per-call total.
    Memory { desired: usize },
    /// A table wanted `desired` elements.
    Table { desired: usize },
}

/// Per-call [`wasmtime::ResourceLimiter`]: a memory budget summed over all memories of the
/// instance (like Spin's `StoreLimitsAsync`, which tracks `memory_consumed`) and a table
/// cap. Refusing a grow makes `memory.grow` return -1 rather than trap, as the spec says;
/// the first refusal is recorded in `refused`.
pub(crate) struct CallLimiter {
    memory_limit: usize,
    memory_consumed: usize,
    pub(crate) refused: Option<Refused>,
}

impl CallLimiter {
    pub(crate) fn new(memory_limit: usize) -> Self {
        CallLimiter { memory_limit, memory_consumed: 0, refused: None }
    }

    /// Linear memory the call's instance holds (bytes, all memories).
    pub(crate) fn memory_consumed(&self) -> usize {
        self.memory_consumed
    }

    fn refuse(&mut self, why: Refused) -> wasmtime::Result<bool> {
        self.refused.get_or_insert(why);
        Ok(false)
    }
}

impl wasmtime::ResourceLimiter for CallLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let growth = desired.saturating_sub(current);
        match self.memory_consumed.checked_add(growth) {
            Some(total) if total <= self.memory_limit => {
                self.memory_consumed = total;
                Ok(true)
            }
            _ => self.refuse(Refused::Memory { desired: self.memory_consumed.saturating_add(growth) }),
        }
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        // Growth we allowed failed anyway (the memory's own maximum, or the OS): the guest
        // sees -1 from `memory.grow`, which is what it would see from us.
        Ok(())
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired <= MAX_TABLE_ELEMENTS {
            Ok(true)
        } else {
            self.refuse(Refused::Table { desired })
        }
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::ResourceLimiter;

    #[test]
    fn memory_budget_is_summed_and_refusal_recorded() {
        let mut l = CallLimiter::new(4 * MIB);
        assert!(l.memory_growing(0, 2 * MIB, None).unwrap());
        assert!(l.memory_growing(0, 2 * MIB, None).unwrap(), "a second memory shares the budget");
        assert!(!l.memory_growing(2 * MIB, 2 * MIB + 65536, None).unwrap());
        assert_eq!(l.refused, Some(Refused::Memory { desired: 4 * MIB + 65536 }));
        assert!(!l.table_growing(0, MAX_TABLE_ELEMENTS + 1, None).unwrap());
        assert_eq!(l.refused, Some(Refused::Memory { desired: 4 * MIB + 65536 }), "first reason kept");
    }
}
