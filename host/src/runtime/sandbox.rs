//! Per-call store state: a deny-all WASI context and the resource limiter.
//!
//! A Rust `wasm32-wasip2` plugin imports `wasi:cli`, `wasi:io` and, depending on what std
//! functions it touches, `wasi:clocks`, `wasi:random`, `wasi:filesystem` and
//! `wasi:sockets`. All of WASI is linked (so such plugins instantiate) and none of it is
//! granted: no preopened directories, no environment or arguments, sockets and name lookup
//! denied, stdin empty, stdout discarded, stderr captured (bounded), the clocks frozen and
//! randomness fixed, and sleeping returns at once.

use super::limits::CallLimiter;
use std::time::Duration;
use wasmtime::component::{Linker, Resource, ResourceTable};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::p2::{DynPollable, Pollable};
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxView, WasiView};

/// The `T` of every `Store<T>` the runtime creates.
pub(crate) struct CallState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: CallLimiter,
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// 2000-01-01T00:00:00Z: what `wasi:clocks/wall-clock` always says. Plugins must take
/// dates from the file, never from the clock (parsing must be reproducible for `rebuild`).
const FROZEN_WALL_CLOCK: Duration = Duration::from_secs(946_684_800);

struct FrozenWallClock;
impl HostWallClock for FrozenWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        FROZEN_WALL_CLOCK
    }
}

struct FrozenMonotonicClock;
impl HostMonotonicClock for FrozenMonotonicClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

impl CallState {
    /// State for one call. `stderr` is kept by the caller to read the plugin's output back.
    pub(crate) fn new(memory_limit: usize, stderr: MemoryOutputPipe) -> Self {
        let wasi = WasiCtx::builder()
            // stdin: closed (the default); stdout: discarded (the default).
            .stderr(stderr)
            // No `preopened_dir`, no `env`, no `args`: nothing to see.
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .wall_clock(FrozenWallClock)
            .monotonic_clock(FrozenMonotonicClock)
            // Fixed bytes instead of entropy: a parser has no use for randomness, and this
            // keeps its output a function of its input (std's HashMap seeds still work).
            .secure_random(wasmtime_wasi::Deterministic::new(vec![0x5a, 0xa5, 0x3c, 0xc3]))
            .insecure_random(wasmtime_wasi::Deterministic::new(vec![0x96, 0x69]))
            .insecure_random_seed(0x636c_6169_6d74_7261_636b)
            .max_random_size(64 * 1024)
            .build();
        CallState { wasi, table: ResourceTable::new(), limiter: CallLimiter::new(memory_limit) }
    }
}

/// A pollable that is always ready.
struct ReadyNow;

#[wasmtime_wasi::async_trait]
impl Pollable for ReadyNow {
    async fn ready(&mut self) {}
}

/// The `wasi:clocks` version Wasmtime 48's WASI implements; the linker matches the 0.2.x
/// a guest imports to it by semver.
const MONOTONIC_CLOCK: &str = "wasi:clocks/monotonic-clock@0.2.12";

/// Links all of WASI p2 (sync), then replaces the two functions through which a guest can
/// block the host thread: sleeping (`subscribe-duration` / `subscribe-instant` + `poll`)
/// runs in the host, where epoch interruption cannot stop it. Here every such pollable is
/// ready at once, so `sleep` returns immediately and a plugin that waits in a loop burns
/// its own time budget instead.
pub(crate) fn add_wasi(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_sync(linker)?;
    linker.allow_shadowing(true);
    let mut clock = linker.instance(MONOTONIC_CLOCK)?;
    clock.func_wrap("subscribe-duration", |mut store: wasmtime::StoreContextMut<'_, CallState>, (_when,): (u64,)| {
        ready_now(store.data_mut())
    })?;
    clock.func_wrap("subscribe-instant", |mut store: wasmtime::StoreContextMut<'_, CallState>, (_when,): (u64,)| {
        ready_now(store.data_mut())
    })?;
    linker.allow_shadowing(false);
    Ok(())
}

fn ready_now(state: &mut CallState) -> wasmtime::Result<(Resource<DynPollable>,)> {
    let ready = state.table.push(ReadyNow)?;
    Ok((wasmtime_wasi::p2::subscribe(&mut state.table, ready)?,))
}
