//! The plugin runtime: runs parser plugins (WebAssembly components of the `parser` world in
//! `wit/types.wit`) in a sandbox, one fresh instance per call.
//!
//! ```no_run
//! use claimtrack::runtime::{embedded, Limits, PluginRuntime};
//!
//! let runtime = PluginRuntime::new(Limits::default(), Some("/var/lib/claimtrack/cache/components".as_ref()))?;
//! for (crate_name, wasm) in embedded::first_party() {
//!     let plugin = runtime.load(crate_name, wasm)?;
//!     let confidence = plugin.sniff("R123.999", b"ISA*00*...")?;
//!     # let _ = confidence;
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Design (after Spin's `crates/core`): one [`wasmtime::Engine`] and one `Linker` per
//! [`PluginRuntime`], a real epoch ticker thread, one pre-instantiated component per
//! [`LoadedPlugin`], and a fresh `Store` per call holding a deny-all WASI context and a
//! resource limiter that records why it refused. The API is synchronous; `LoadedPlugin`
//! is `Send + Sync` and cheap to clone, so a registry can call plugins from many threads.
//!
//! Generated WIT types never leave the crate: `parse_stream`/`info_raw` are `pub(crate)` and
//! `crate::model` converts and validates what they return.

pub(crate) mod bindings;
pub use bindings::WIT_VERSION;
mod cache;
pub mod embedded;
mod error;
mod limits;
mod sandbox;
mod ticker;

pub use cache::CacheOutcome;
pub use error::{FilePosition, PluginError, PluginRef, Refusal};
pub use limits::Limits;
pub use ticker::EPOCH_TICK;

use bindings::{v0_1, v0_2};
use cache::{ComponentCache, Lookup};
use limits::Refused;
use sandbox::CallState;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use ticker::Ticker;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, OptLevel, Store, Trap};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

/// Most bytes of a file `sniff` is shown (the WIT contract promises at most 4096).
pub const SNIFF_HEAD_BYTES: usize = 4096;
/// Most bytes of plugin-supplied text (a refusal message, a panic message) kept in errors.
const MAX_MESSAGE_BYTES: usize = 1024;
/// Most string bytes a `describe` answer may hold (names, descriptions, hints).
const MAX_INFO_STRING_BYTES: usize = 1 << 20;

/// A failure to set up the runtime itself (not about any plugin).
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// Wasmtime rejected the configuration or the WASI linker could not be built.
    #[error("could not set up the WebAssembly engine: {0}")]
    Engine(String),
    /// The compiled-component cache folder could not be created or opened.
    #[error("could not use the plugin cache folder {path}: {source}")]
    CacheDir {
        /// The cache folder.
        path: String,
        /// Why it could not be used.
        source: std::io::Error,
    },
    /// The epoch ticker thread (which enforces time limits) could not be spawned.
    #[error("could not start the plugin timer thread: {0}")]
    Ticker(std::io::Error),
}

impl RuntimeError {
    /// A stable identifier of what went wrong (the JSON contract's `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            RuntimeError::Engine(_) | RuntimeError::CacheDir { .. } | RuntimeError::Ticker(_) => "setup",
        }
    }
}

struct Shared {
    engine: Engine,
    linker: Linker<CallState>,
    limits: Limits,
    cache: CacheState,
    /// Stops and joins the epoch thread when the last runtime/plugin handle is dropped.
    _ticker: Ticker,
}

enum CacheState {
    None,
    Open(ComponentCache),
    /// The folder is not trusted (why): compile in memory.
    Refused(String),
}

/// The engine, linker, limits and cache that plugins are loaded into. Cheap to clone.
#[derive(Clone)]
pub struct PluginRuntime {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for PluginRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginRuntime").field("limits", &self.shared.limits).finish_non_exhaustive()
    }
}

impl PluginRuntime {
    /// Creates the engine (and starts its epoch thread). `cache_dir`, when given, holds
    /// compiled components (e.g. `<data-dir>/cache/components`); it is created owner-only.
    /// Without it every load compiles.
    pub fn new(limits: Limits, cache_dir: Option<&Path>) -> Result<Self, RuntimeError> {
        let mut config = Config::new();
        // Plugins are components (the `parser` world), not core modules.
        config.wasm_component_model(true);
        // Wall-clock limits: compiled code checks the epoch counter at function entries
        // and loop back-edges (~10% cost, cheaper than fuel) and traps past the deadline.
        config.epoch_interruption(true);
        // Bounds guest recursion on the native stack (the rest of the stack is the host's).
        config.max_wasm_stack(limits.max_wasm_stack);
        // Plugins are compiled once (then cached) and run on whole files: optimise.
        config.cranelift_opt_level(OptLevel::Speed);
        // For profiling only: `CLAIMTRACK_WASM_PROFILE=perfmap` makes Wasmtime write
        // /tmp/perf-<pid>.map, so `perf report` names the plugins' compiled functions.
        if std::env::var_os("CLAIMTRACK_WASM_PROFILE").is_some_and(|v| v == "perfmap") {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        // No pooling allocator: a CLI parses a few files at a time, and the on-demand
        // allocator with copy-on-write heap images (the default) instantiates in microseconds.
        let engine = Engine::new(&config).map_err(|e| RuntimeError::Engine(e.to_string()))?;

        let mut linker = Linker::new(&engine);
        sandbox::add_wasi(&mut linker).map_err(|e| RuntimeError::Engine(e.to_string()))?;
        // The `parser` world imports no functions (its `types` interface holds types
        // only), so there is nothing of ours to add to the linker.

        let cache = match cache_dir {
            Some(dir) => match ComponentCache::open(dir, &engine)
                .map_err(|source| RuntimeError::CacheDir { path: dir.display().to_string(), source })?
            {
                Ok(cache) => CacheState::Open(cache),
                Err(reason) => {
                    // Once per runtime, not per plugin: loads report `CacheOutcome::Refused`.
                    tracing::warn!("not using the compiled-plugin cache, plugins are compiled afresh (slower start): {reason}");
                    CacheState::Refused(reason)
                }
            },
            None => CacheState::None,
        };
        let ticker = Ticker::start(&engine).map_err(RuntimeError::Ticker)?;
        Ok(PluginRuntime { shared: Arc::new(Shared { engine, linker, limits, cache, _ticker: ticker }) })
    }

    /// The limits every call of plugins loaded here runs under.
    pub fn limits(&self) -> &Limits {
        &self.shared.limits
    }

    /// Compiles (or takes from the cache) a plugin, checks it against the `parser` world,
    /// and calls `describe` once. `name_hint` names the plugin in errors until `describe`
    /// has answered (a file or crate name).
    pub fn load(&self, name_hint: &str, wasm: &[u8]) -> Result<LoadedPlugin, PluginError> {
        let hint = PluginRef::hint(name_hint);
        let incompatible = |reason: String| PluginError::Incompatible { plugin: hint.clone(), reason };

        check_header(wasm).map_err(incompatible)?;
        let sha: [u8; 32] = Sha256::digest(wasm).into();
        let (component, cache) = self.compile(wasm, &sha).map_err(incompatible)?;
        let shape = Shape::of(&component, &self.shared.engine);

        let track = shape.check().map_err(incompatible)?;
        let pre = self
            .shared
            .linker
            .instantiate_pre(&component)
            .map_err(|e| incompatible(format!("{}; {}", error_text(&e), shape.summary())))?;
        let bad_shape = |e: wasmtime::Error| incompatible(format!("{}; {}", error_text(&e), shape.summary()));
        let pre = match track {
            Track::V0_2 => Pre::V0_2(v0_2::ParserPre::new(pre).map_err(bad_shape)?),
            Track::V0_1 => Pre::V0_1(v0_1::ParserPre::new(pre).map_err(bad_shape)?),
        };

        let quick = self.shared.limits.quick_timeout;
        let info = describe(&self.shared, &pre, &hint, quick)?;
        let info_bytes = info_string_bytes(&info);
        if info_bytes > MAX_INFO_STRING_BYTES {
            return Err(PluginError::OutputTooLarge {
                plugin: hint,
                what: "describe string bytes",
                actual: info_bytes as u64,
                limit: MAX_INFO_STRING_BYTES as u64,
            });
        }
        let identity = PluginIdentity {
            name: error::sanitize(&info.name, 128, false),
            version: error::sanitize(&info.version, 64, false),
            description: error::sanitize(&info.description, MAX_MESSAGE_BYTES, false),
            formats: info.formats.iter().map(|f| error::sanitize(&f.id, 128, false)).collect(),
            sha256: hex::encode(sha),
            wasm_bytes: wasm.len() as u64,
            wit_package: bindings::WIT_PACKAGE.to_owned(),
            wit_version: shape.wit_version.clone().unwrap_or_else(|| bindings::WIT_VERSION.to_owned()),
            exports: shape.exports.clone(),
            imports: shape.imports.clone(),
            cache,
        };
        let plugin = PluginRef { name: identity.name.clone(), version: Some(identity.version.clone()) };
        Ok(LoadedPlugin { inner: Arc::new(PluginInner { shared: self.shared.clone(), pre, plugin, identity, info }) })
    }

    /// Compiles `wasm`, going through the disk cache when there is one.
    fn compile(&self, wasm: &[u8], sha: &[u8; 32]) -> Result<(Component, CacheOutcome), String> {
        let engine = &self.shared.engine;
        let fresh = || {
            Component::new(engine, wasm).map_err(|e| format!("it is not a valid WebAssembly component ({})", error_text(&e)))
        };
        let cache = match &self.shared.cache {
            CacheState::Open(cache) => cache,
            CacheState::None => return Ok((fresh()?, CacheOutcome::Disabled)),
            CacheState::Refused(reason) => return Ok((fresh()?, CacheOutcome::Refused { reason: reason.clone() })),
        };
        let rejected = match cache.lookup(sha) {
            Lookup::Found(payload) => {
                // SAFETY: the payload was written by `ComponentCache::store` from
                // `Component::serialize` of these exact wasm bytes (its name is derived from
                // their hash and the engine's compatibility hash, and its header checksum
                // matched), in a file only this user could write, in folders only this user
                // (or root) could write. Wasmtime rejects bytes from another version or
                // configuration with an error.
                match unsafe { Component::deserialize(engine, &payload) } {
                    Ok(component) => return Ok((component, CacheOutcome::Hit)),
                    Err(e) => Some(format!("cached file did not load ({})", error_text(&e))),
                }
            }
            Lookup::Absent => None,
            Lookup::Untrusted(reason) => Some(reason),
        };
        let component = fresh()?;
        let stored = component.serialize().ok().is_some_and(|bytes| cache.store(sha, &bytes).is_ok());
        let outcome = match rejected {
            Some(reason) => CacheOutcome::Rejected { reason },
            None => CacheOutcome::Miss { stored },
        };
        Ok((component, outcome))
    }
}

/// What is known about a loaded plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PluginIdentity {
    /// From `describe` (control characters escaped, cut to 128 bytes).
    pub name: String,
    /// From `describe` (control characters escaped, cut to 64 bytes).
    pub version: String,
    /// From `describe`: one line for people about the plugin.
    pub description: String,
    /// The ids of the formats it reads, from `describe`.
    pub formats: Vec<String>,
    /// SHA-256 of the wasm bytes, lower-case hex: what third-party plugins are pinned by.
    pub sha256: String,
    /// Size of the wasm file.
    pub wasm_bytes: u64,
    /// `claimtrack:plugin`.
    pub wit_package: String,
    /// The version of `claimtrack:plugin` the plugin was built against, from the
    /// `claimtrack:plugin/types@…` interface it imports (e.g. "0.1.0"). A component that
    /// names no such interface but still type-checks against the `parser` world is
    /// reported with the host's own version.
    pub wit_version: String,
    /// Names the component exports (`describe`, `sniff`, `parse`, and its types).
    pub exports: Vec<String>,
    /// Names the component imports (WASI interfaces, `claimtrack:plugin/types@…`).
    pub imports: Vec<String>,
    /// Whether the compiled code came from the disk cache.
    pub cache: CacheOutcome,
}

/// Counts and sizes of a parse result, checked against [`Limits`].
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutputStats {
    /// Number of status events.
    pub events: usize,
    /// Number of diagnostics.
    pub diagnostics: usize,
    /// Every string of the output added up, in bytes.
    pub string_bytes: usize,
    /// Number of chunks it came in.
    pub chunks: usize,
}

struct PluginInner {
    shared: Arc<Shared>,
    pre: Pre,
    plugin: PluginRef,
    identity: PluginIdentity,
    info: bindings::PluginInfo,
}

/// The WIT track a plugin was built against, read from its imports when it loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Track {
    /// `claimtrack:plugin@0.2.x`: output in chunks.
    V0_2,
    /// `claimtrack:plugin@0.1.x`: the whole output in one value, cut into chunks here.
    V0_1,
}

/// A plugin pre-instantiated against its track's world.
enum Pre {
    V0_2(v0_2::ParserPre<CallState>),
    V0_1(v0_1::ParserPre<CallState>),
}

/// Most events in one chunk (`wit/types.wit`); a bigger chunk is refused.
pub const MAX_CHUNK_EVENTS: usize = 4096;
/// Most string bytes in one chunk (`wit/types.wit`).
pub const MAX_CHUNK_STRING_BYTES: usize = 8 << 20;

/// Why a streamed parse stopped early.
#[derive(Debug)]
pub enum ParseStop<E> {
    /// The plugin refused the file, failed, or broke a limit or the protocol.
    Plugin(PluginError),
    /// The consumer of the chunks said stop (a validation or storage error).
    Consumer(E),
}

impl<E> From<PluginError> for ParseStop<E> {
    fn from(e: PluginError) -> Self {
        ParseStop::Plugin(e)
    }
}

/// A plugin ready to be called. Cloning is cheap (an `Arc`), and calls from several
/// threads at once are fine: each call gets its own instance.
#[derive(Clone)]
pub struct LoadedPlugin {
    inner: Arc<PluginInner>,
}

impl std::fmt::Debug for LoadedPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedPlugin").field("identity", &self.inner.identity).finish_non_exhaustive()
    }
}

impl LoadedPlugin {
    /// Name, version, formats, hash, WIT version, size and cache outcome.
    pub fn identity(&self) -> &PluginIdentity {
        &self.inner.identity
    }

    /// The plugin's name from `describe`.
    pub fn name(&self) -> &str {
        &self.inner.identity.name
    }

    /// The plugin's version from `describe`.
    pub fn version(&self) -> &str {
        &self.inner.identity.version
    }

    /// The limits its calls run under.
    pub fn limits(&self) -> &Limits {
        &self.inner.shared.limits
    }

    /// How sure the plugin is (0–100) that it reads this file, from its name and first
    /// bytes (only the first [`SNIFF_HEAD_BYTES`] of `head` are passed).
    pub fn sniff(&self, file_name: &str, head: &[u8]) -> Result<u8, PluginError> {
        let head = &head[..head.len().min(SNIFF_HEAD_BYTES)];
        let quick = self.inner.shared.limits.quick_timeout;
        let (shared, plugin) = (&self.inner.shared, &self.inner.plugin);
        let confidence = match &self.inner.pre {
            Pre::V0_2(pre) => call(shared, plugin, quick, |s| pre.instantiate(&mut *s)?.call_sniff(s, file_name, head))?,
            Pre::V0_1(pre) => call(shared, plugin, quick, |s| pre.instantiate(&mut *s)?.call_sniff(s, file_name, head))?,
        };
        Ok(confidence.min(100))
    }

    /// The `describe` answer given at load time (raw WIT type; `crate::model` converts it).
    #[allow(dead_code, reason = "for the model layer")]
    pub(crate) fn info_raw(&self) -> &bindings::PluginInfo {
        &self.inner.info
    }

    /// Calls `describe` again, in a fresh instance.
    #[allow(dead_code, reason = "for the model layer; load() already calls describe once")]
    pub(crate) fn describe_raw(&self) -> Result<bindings::PluginInfo, PluginError> {
        describe(&self.inner.shared, &self.inner.pre, &self.inner.plugin, self.inner.shared.limits.quick_timeout)
    }

    /// Parses one file, handing each chunk to `on_chunk` as it arrives (raw WIT types,
    /// checked against the chunk and output limits but not validated: `crate::model` does
    /// that), and returns the file's metadata once every chunk was taken. `on_chunk` can stop
    /// the parse with its own error. The plugin's time budget (`parse_timeout`) counts only
    /// time inside the plugin, not the time `on_chunk` takes.
    pub(crate) fn parse_stream<E>(
        &self,
        file_name: &str,
        contents: &[u8],
        mut on_chunk: impl FnMut(bindings::Chunk) -> Result<(), E>,
    ) -> Result<(bindings::FileMetadata, OutputStats), ParseStop<E>> {
        let limits = &self.inner.shared.limits;
        let plugin = &self.inner.plugin;
        if contents.len() > limits.max_input_bytes {
            return Err(ParseStop::Plugin(PluginError::InputTooLarge {
                plugin: plugin.clone(),
                actual: contents.len() as u64,
                limit: limits.max_input_bytes as u64,
            }));
        }
        let mut stats = OutputStats::default();
        let mut consumer_error = None;
        let mut take = |chunk: bindings::Chunk, stats: &mut OutputStats| -> Result<bool, PluginError> {
            let chunk_stats = chunk_stats(&chunk);
            check_chunk(plugin, limits, &chunk_stats, stats)?;
            match on_chunk(chunk) {
                Ok(()) => Ok(true),
                Err(e) => {
                    consumer_error = Some(e);
                    Ok(false)
                }
            }
        };
        let refused = |e: bindings::ParseError| PluginError::Refused { plugin: plugin.clone(), refusal: refusal(e) };
        let result = match &self.inner.pre {
            Pre::V0_2(pre) => call_parse_v0_2(&self.inner.shared, pre, plugin, file_name, contents, &mut stats, &mut take),
            Pre::V0_1(pre) => call(&self.inner.shared, plugin, limits.parse_timeout, |s| {
                pre.instantiate(&mut *s)?.call_parse(s, file_name, contents)
            })
            .and_then(|out| {
                let out = out.map_err(|e| refused(bindings::adapt_v0_1_error(e)))?;
                let (chunks, metadata) = bindings::adapt_v0_1(out);
                for chunk in chunks {
                    if !take(chunk, &mut stats)? {
                        return Ok(Err(Stopped));
                    }
                }
                Ok(Ok(Ok(metadata)))
            }),
        };
        match result {
            Err(e) => Err(ParseStop::Plugin(e)),
            Ok(Err(Stopped)) => Err(ParseStop::Consumer(consumer_error.expect("a stop has its error"))),
            Ok(Ok(Err(e))) => Err(ParseStop::Plugin(refused(e))),
            Ok(Ok(Ok(metadata))) => Ok((metadata, stats)),
        }
    }

    /// For the sandbox tests, which cannot see the generated types: a parse reduced to
    /// its stats, each event's `raw_code` and `effective_date`, and diagnostic messages.
    #[doc(hidden)]
    pub fn parse_summary(&self, file_name: &str, contents: &[u8]) -> Result<ParseSummary, PluginError> {
        let mut raw_codes = Vec::new();
        let mut effective_dates = Vec::new();
        let mut diagnostics = Vec::new();
        let mut chunks = 0;
        let got = self.parse_stream(file_name, contents, |c| {
            chunks += 1;
            for e in c.events {
                raw_codes.push(e.raw_code);
                effective_dates.push(e.effective_date);
            }
            diagnostics.extend(c.diagnostics.into_iter().map(|d| d.message));
            Ok::<(), std::convert::Infallible>(())
        });
        let (metadata, stats) = match got {
            Ok(v) => v,
            Err(ParseStop::Plugin(e)) => return Err(e),
            Err(ParseStop::Consumer(never)) => match never {},
        };
        Ok(ParseSummary { stats, chunks, format_id: metadata.format_id, raw_codes, effective_dates, diagnostics })
    }
}

/// A consumer's stop, inside a call (its error is kept outside the store).
struct Stopped;

/// `describe`, on either track.
fn describe(shared: &Shared, pre: &Pre, plugin: &PluginRef, timeout: Duration) -> Result<bindings::PluginInfo, PluginError> {
    match pre {
        Pre::V0_2(pre) => call(shared, plugin, timeout, |s| pre.instantiate(&mut *s)?.call_describe(s)),
        Pre::V0_1(pre) => {
            call(shared, plugin, timeout, |s| pre.instantiate(&mut *s)?.call_describe(s)).map(bindings::adapt_v0_1_info)
        }
    }
}

/// The chunked parse of a 0.2 plugin: `parse`, `next` until none, `finish`, all in one
/// instance. Each call gets the time left of the plugin's budget as its deadline, and a full
/// hostcall-fuel allowance for its own result.
fn call_parse_v0_2(
    shared: &Shared,
    pre: &v0_2::ParserPre<CallState>,
    plugin: &PluginRef,
    file_name: &str,
    contents: &[u8],
    stats: &mut OutputStats,
    take: &mut dyn FnMut(bindings::Chunk, &mut OutputStats) -> Result<bool, PluginError>,
) -> Result<Result<Result<bindings::FileMetadata, bindings::ParseError>, Stopped>, PluginError> {
    let limits = &shared.limits;
    // Time spent inside the plugin; the host's own time between calls is not counted.
    let mut used = Duration::ZERO;
    let mut host_error = None;
    let result = call(shared, plugin, limits.parse_timeout, |s| {
        // Before each call after the first: the time left (none left is a timeout, as if
        // the deadline had passed inside the plugin), and fresh fuel for its result.
        let guest = |s: &mut Store<CallState>, used: Duration| -> wasmtime::Result<()> {
            let left = limits.parse_timeout.saturating_sub(used);
            if left.is_zero() {
                return Err(Trap::Interrupt.into());
            }
            s.set_epoch_deadline(Ticker::ticks(left));
            s.set_hostcall_fuel(limits.max_output_host_bytes);
            Ok(())
        };
        let started = std::time::Instant::now();
        let instance = pre.instantiate(&mut *s)?;
        let parsing = instance.claimtrack_plugin_parsing();
        let session = match parsing.call_parse(&mut *s, file_name, contents)? {
            Ok(session) => session,
            Err(e) => return Ok(Ok(Err(e))),
        };
        used += started.elapsed();
        loop {
            guest(s, used)?;
            let started = std::time::Instant::now();
            let next = parsing.session().call_next(&mut *s, session)?;
            used += started.elapsed();
            match next {
                Err(e) => return Ok(Ok(Err(e))),
                Ok(None) => break,
                Ok(Some(chunk)) => match take(chunk, stats) {
                    Ok(true) => {}
                    Ok(false) => return Ok(Err(Stopped)),
                    Err(e) => {
                        host_error = Some(e);
                        return Ok(Err(Stopped));
                    }
                },
            }
        }
        guest(s, used)?;
        let metadata = parsing.session().call_finish(&mut *s, session)?;
        session.resource_drop(&mut *s)?;
        Ok(Ok(Ok(metadata)))
    });
    match (result, host_error) {
        (_, Some(e)) => Err(e),
        (result, None) => result,
    }
}

/// Checks one chunk against the per-chunk limits and adds it to the file's running totals,
/// checking those too.
fn check_chunk(plugin: &PluginRef, limits: &Limits, chunk: &OutputStats, total: &mut OutputStats) -> Result<(), PluginError> {
    let too_large = |what: &'static str, actual: usize, limit: usize| {
        Err(PluginError::OutputTooLarge { plugin: plugin.clone(), what, actual: actual as u64, limit: limit as u64 })
    };
    if chunk.events > MAX_CHUNK_EVENTS {
        return too_large("events in one chunk", chunk.events, MAX_CHUNK_EVENTS);
    }
    if chunk.string_bytes > MAX_CHUNK_STRING_BYTES {
        return too_large("string bytes in one chunk", chunk.string_bytes, MAX_CHUNK_STRING_BYTES);
    }
    total.events += chunk.events;
    total.diagnostics += chunk.diagnostics;
    total.string_bytes += chunk.string_bytes;
    total.chunks += 1;
    let checks = [
        ("events", total.events, limits.max_events),
        ("diagnostics", total.diagnostics, limits.max_diagnostics),
        ("string bytes", total.string_bytes, limits.max_output_string_bytes),
    ];
    for (what, actual, limit) in checks {
        if actual > limit {
            return too_large(what, actual, limit);
        }
    }
    Ok(())
}

/// See [`LoadedPlugin::parse_summary`].
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct ParseSummary {
    pub stats: OutputStats,
    /// Chunks the plugin sent.
    pub chunks: usize,
    pub format_id: String,
    pub raw_codes: Vec<String>,
    pub effective_dates: Vec<Option<String>>,
    pub diagnostics: Vec<String>,
}

/// Path of the `test-misbehave` plugin built by `host/build.rs`, for the sandbox tests.
#[doc(hidden)]
pub fn test_misbehave_wasm_path() -> &'static str {
    embedded::test_misbehave_wasm_path()
}

/// Path of the `test-old-wit` plugin (built against `claimtrack:plugin@0.1.0`) built by
/// `host/build.rs`, for the WIT version tests.
#[doc(hidden)]
pub fn test_old_wit_wasm_path() -> &'static str {
    embedded::test_old_wit_wasm_path()
}

/// One call in a fresh store: limiter, epoch deadline, deny-all WASI, captured stderr. `f`
/// instantiates the plugin in the store and calls it (once, or a session's calls).
fn call<R>(
    shared: &Shared,
    plugin: &PluginRef,
    timeout: Duration,
    f: impl FnOnce(&mut Store<CallState>) -> wasmtime::Result<R>,
) -> Result<R, PluginError> {
    let limits = &shared.limits;
    let stderr = MemoryOutputPipe::new(limits.stderr_bytes);
    let mut store = Store::new(&shared.engine, CallState::new(limits.memory_bytes, stderr.clone()));
    store.limiter(|state| &mut state.limiter);
    // What the host allocates to copy a result (and each WASI call's data) out of the guest:
    // ours, not Wasmtime's default, so `Limits` states the real bound.
    store.set_hostcall_fuel(limits.max_output_host_bytes);
    // Set before instantiating: start functions run under the same budget.
    store.set_epoch_deadline(Ticker::ticks(timeout));
    store.epoch_deadline_trap();
    let started = std::time::Instant::now();
    let result = f(&mut store);
    tracing::debug!(
        target: "claimtrack::timing",
        ms = crate::ingest::ms(started),
        memory = store.data().limiter.memory_consumed(),
        "plugin call"
    );
    // The store (and the instance's memory) is dropped on return: after a trap an
    // instance is unusable, and the next call starts from a fresh one anyway.
    result.map_err(|e| classify(&e, store.data().limiter.refused, &stderr, plugin, limits, timeout))
}

/// Turns a failed call into the typed error that says why.
fn classify(
    err: &wasmtime::Error,
    refused: Option<Refused>,
    stderr: &MemoryOutputPipe,
    plugin: &PluginRef,
    limits: &Limits,
    timeout: Duration,
) -> PluginError {
    let plugin = plugin.clone();
    let trap = err.downcast_ref::<Trap>().copied();
    match trap {
        Some(Trap::Interrupt) => return PluginError::TimedOut { plugin, limit: timeout },
        Some(Trap::StackOverflow) => return PluginError::StackOverflow { plugin, limit: limits.max_wasm_stack as u64 },
        _ => {}
    }
    if let Some(Refused::Memory { .. }) = refused {
        return PluginError::OutOfMemory { plugin, limit: limits.memory_bytes as u64 };
    }
    if is_hostcall_fuel_exhausted(err) {
        // Wasmtime does not say how much was asked for: the limit is what is known.
        let limit = limits.max_output_host_bytes as u64;
        return PluginError::OutputTooLarge { plugin, what: "host bytes", actual: limit + 1, limit };
    }
    let stderr_text = String::from_utf8_lossy(&stderr.contents()).into_owned();
    let message = if let Some(Refused::Table { desired }) = refused {
        format!("it tried to grow a table to {desired} elements")
    } else if let Some(panic) = panic_message(&stderr_text) {
        panic
    } else if let Some(exit) = err.downcast_ref::<wasmtime_wasi::I32Exit>() {
        format!("it exited with status {}", exit.0)
    } else if let Some(trap) = trap {
        match trap {
            Trap::UnreachableCodeReached => "it aborted (wasm `unreachable`)".to_owned(),
            other => format!("it trapped: {other}"),
        }
    } else {
        error_text(err)
    };
    PluginError::Crashed {
        plugin,
        message: error::sanitize(&message, MAX_MESSAGE_BYTES, false),
        stderr: error::sanitize(&stderr_text, limits.stderr_bytes, true),
    }
}

/// Wasmtime's error type for running out of hostcall fuel is private; its message is pinned
/// with the Wasmtime version, and `the_host_copy_of_an_output_is_bounded` (sandbox tests)
/// fails if it changes.
fn is_hostcall_fuel_exhausted(err: &wasmtime::Error) -> bool {
    err.chain().any(|c| c.to_string().contains("fuel allocated for hostcalls has been exhausted"))
}

/// "panicked at src/lib.rs:12:5: boom" from Rust's panic output on stderr:
/// `thread '<unnamed>' panicked at src/lib.rs:12:5:\nboom\nnote: run with …`.
fn panic_message(stderr: &str) -> Option<String> {
    let start = stderr.find("panicked at ")?;
    let mut lines = stderr[start..].lines();
    let location = lines.next()?.trim_end_matches(':');
    let text: Vec<&str> = lines.take_while(|l| !l.starts_with("note: ")).collect();
    let text = text.join(" ");
    let text = text.trim();
    Some(if text.is_empty() { location.to_owned() } else { format!("{location}: {text}") })
}

/// The whole error chain on one line, e.g. "failed to … : caused by …".
fn error_text(err: &wasmtime::Error) -> String {
    let text = err.chain().map(|c| c.to_string()).collect::<Vec<_>>().join(": ");
    error::sanitize(&text, MAX_MESSAGE_BYTES, false)
}

/// Rejects what is obviously not a component before Wasmtime sees it, with a message that
/// says what the file is instead.
fn check_header(wasm: &[u8]) -> Result<(), String> {
    if Engine::detect_precompiled(wasm).is_some() {
        return Err("the file is a precompiled Wasmtime artifact (.cwasm); install the plugin's .wasm file instead".into());
    }
    if wasm.len() < 8 || &wasm[..4] != b"\0asm" {
        return Err(format!(
            "the file is not WebAssembly (it is {} bytes and does not start with the wasm magic number); a plugin is a .wasm component built for wasm32-wasip2",
            wasm.len()
        ));
    }
    match &wasm[4..8] {
        [0x0d, 0x00, 0x01, 0x00] => Ok(()),
        [0x01, 0x00, 0x00, 0x00] => Err(
            "the file is a core WebAssembly module, not a component; build the plugin with `cargo build --target wasm32-wasip2` (not wasm32-unknown-unknown or wasm32-wasip1)"
                .into(),
        ),
        v => Err(format!("the file has an unknown WebAssembly version/layer {v:02x?}; this host reads components (0d 00 01 00)")),
    }
}

/// What a component exports and imports, read from its type.
struct Shape {
    exports: Vec<String>,
    imports: Vec<String>,
    /// Exported names that are functions.
    export_funcs: Vec<String>,
    /// Version of the `claimtrack:plugin/…` interface the component uses, if it names one.
    wit_version: Option<String>,
}

impl Shape {
    fn of(component: &Component, engine: &Engine) -> Self {
        let ty = component.component_type();
        let mut exports = Vec::new();
        let mut export_funcs = Vec::new();
        for (name, ext) in ty.exports(engine) {
            if matches!(ext.ty, ComponentItem::ComponentFunc(_)) {
                export_funcs.push(name.to_owned());
            }
            exports.push(name.to_owned());
        }
        let imports: Vec<String> = ty.imports(engine).map(|(name, _)| name.to_owned()).collect();
        let wit_version = imports
            .iter()
            .chain(exports.iter())
            .filter_map(|n| n.strip_prefix(bindings::WIT_PACKAGE)?.strip_prefix('/'))
            .find_map(|rest| rest.split_once('@').map(|(_, v)| v.to_owned()));
        Shape { exports, imports, export_funcs, wit_version }
    }

    fn summary(&self) -> String {
        format!(
            "the plugin exports [{}] and imports [{}]; this host runs the `parser` world of {pkg}@{} (exports describe, sniff and the interface {pkg}/parsing; imports WASI 0.2 only), and of {pkg}@{} (exports describe, sniff, parse)",
            self.exports.join(", "),
            self.imports.join(", "),
            bindings::WIT_VERSION,
            bindings::WIT_TRACKS[1],
            pkg = bindings::WIT_PACKAGE,
        )
    }

    /// Version and export checks with messages that say what to change; the track to load
    /// the plugin as. A component that names no version is taken as the current track (and
    /// Wasmtime's type check then decides).
    fn check(&self) -> Result<Track, String> {
        let track = match &self.wit_version {
            Some(v) => match wit_compatible(v, &bindings::WIT_TRACKS)? {
                0 => Track::V0_2,
                _ => Track::V0_1,
            },
            None => Track::V0_2,
        };
        let parsing = format!("{}/parsing@", bindings::WIT_PACKAGE);
        let missing: Vec<&str> = match track {
            Track::V0_2 => bindings::REQUIRED_EXPORTS
                .iter()
                .copied()
                .filter(|r| !self.export_funcs.iter().any(|e| e == r))
                .chain((!self.exports.iter().any(|e| e.starts_with(&parsing))).then_some("the parsing interface"))
                .collect(),
            Track::V0_1 => {
                bindings::REQUIRED_EXPORTS_V0_1.iter().copied().filter(|r| !self.export_funcs.iter().any(|e| e == r)).collect()
            }
        };
        if !missing.is_empty() {
            return Err(format!(
                "it does not export {} (is `register_parser!` missing?); {}",
                missing.join(", "),
                self.summary()
            ));
        }
        let foreign: Vec<&str> = self
            .imports
            .iter()
            .map(String::as_str)
            .filter(|i| !i.starts_with("wasi:") && !i.starts_with(&format!("{}/", bindings::WIT_PACKAGE)))
            .collect();
        if !foreign.is_empty() {
            return Err(format!("it imports {}, which this host does not provide; {}", foreign.join(", "), self.summary()));
        }
        Ok(track)
    }
}

/// Which of the host's tracks (`supported`, each the newest version of it the host knows,
/// newest track first) runs a plugin built against `claimtrack:plugin@plugin`: its index
/// (see `wit/README.md`). Semver, as Cargo reads it: the compatibility track is the major
/// version, or `0.minor` before 1.0; within a track, changes are additive only. So a plugin
/// of a supported track built against the host's version of it or an older one loads; one
/// built against a newer version of the track may use what this host lacks and is refused
/// with "upgrade claimtrack"; another track is refused with "rebuild the plugin".
fn wit_compatible(plugin: &str, supported: &[&str]) -> Result<usize, String> {
    let pkg = bindings::WIT_PACKAGE;
    let parse = |v: &str| -> Option<[u64; 3]> {
        let mut parts = v.split('.').map(|p| p.parse::<u64>().ok());
        let version = [parts.next()??, parts.next()??, parts.next()??];
        parts.next().is_none().then_some(version)
    };
    let Some(plugin_v) = parse(plugin) else {
        return Err(format!("it names {pkg}@{plugin}, which is not a version this host understands (x.y.z); rebuild it with claimtrack-plugin-sdk"));
    };
    let track = |v: [u64; 3]| if v[0] == 0 { (0, v[1]) } else { (v[0], 0) };
    let track_name = |v: [u64; 3]| match track(v) {
        (0, minor) => format!("0.{minor}"),
        (major, _) => major.to_string(),
    };
    let mut tracks = Vec::new();
    for (i, host) in supported.iter().enumerate() {
        let host_v = parse(host).unwrap_or_else(|| panic!("the host's own WIT version {host:?} is not x.y.z"));
        if track(plugin_v) == track(host_v) {
            if plugin_v > host_v {
                return Err(format!(
                    "it was built against {pkg}@{plugin}, newer than this host's {host} (it may use parts of the contract this claimtrack does not have); upgrade claimtrack, or rebuild the plugin with the claimtrack-plugin-sdk of {pkg}@{host}"
                ));
            }
            return Ok(i);
        }
        tracks.push(format!("{pkg}@{}.x (up to {host})", track_name(host_v)));
    }
    Err(format!(
        "it was built against {pkg}@{plugin}, and this host supports {}; rebuild the plugin with a matching claimtrack-plugin-sdk or upgrade claimtrack",
        tracks.join(" and ")
    ))
}

fn position(p: bindings::Position) -> FilePosition {
    FilePosition {
        segment_index: p.segment_index,
        segment_id: p.segment_id.map(|s| error::sanitize(&s, 64, false)),
        line: p.line,
        byte_offset: p.byte_offset,
        element: p.element.map(|s| error::sanitize(&s, 64, false)),
    }
}

fn refusal(e: bindings::ParseError) -> Refusal {
    let clean = |s: &str| error::sanitize(s, MAX_MESSAGE_BYTES, false);
    match e {
        bindings::ParseError::NotMyFormat(m) => Refusal::NotMyFormat(clean(&m)),
        bindings::ParseError::Malformed(d) => Refusal::Malformed { message: clean(&d.message), position: d.position.map(position) },
        bindings::ParseError::UnsupportedVersion(m) => Refusal::UnsupportedVersion(clean(&m)),
    }
}

fn info_string_bytes(info: &bindings::PluginInfo) -> usize {
    info.name.len()
        + info.version.len()
        + info.description.len()
        + info
            .formats
            .iter()
            .map(|f| f.id.len() + f.description.len() + f.file_name_hints.iter().map(String::len).sum::<usize>())
            .sum::<usize>()
}

fn opt(s: &Option<String>) -> usize {
    s.as_ref().map_or(0, String::len)
}

fn position_bytes(p: &Option<bindings::Position>) -> usize {
    p.as_ref().map_or(0, |p| opt(&p.segment_id) + opt(&p.element))
}

fn party_bytes(p: &bindings::Party) -> usize {
    opt(&p.name) + opt(&p.id) + opt(&p.id_qualifier)
}

fn claim_bytes(c: &bindings::ClaimRef) -> usize {
    opt(&c.patient_control_number)
        + opt(&c.clearinghouse_claim_id)
        + opt(&c.payer_claim_number)
        + opt(&c.patient_name)
        + opt(&c.member_id)
        + opt(&c.service_date_from)
        + opt(&c.service_date_to)
        + opt(&c.frequency_code)
        + opt(&c.patient_birth_date)
        + c.providers.iter().map(|p| opt(&p.name) + opt(&p.npi) + opt(&p.tax_id)).sum::<usize>()
        + c.diagnosis_codes.iter().map(String::len).sum::<usize>()
}

fn code_set_bytes(c: &bindings::CodeSet) -> usize {
    match c {
        bindings::CodeSet::Other(s) => s.len(),
        _ => 0,
    }
}

/// Counts a chunk's events and diagnostics and adds up every string in it, tables included.
fn chunk_stats(c: &bindings::Chunk) -> OutputStats {
    let mut bytes = c.parties.iter().map(party_bytes).sum::<usize>()
        + c.claims.iter().map(claim_bytes).sum::<usize>()
        + c.payments.iter().map(|p| p.reference.len()).sum::<usize>()
        + c.codes.iter().map(|k| code_set_bytes(&k.code_set) + k.code.len() + opt(&k.description)).sum::<usize>();
    for k in &c.correlations {
        bytes += opt(&k.interchange_control_number)
            + opt(&k.group_control_number)
            + opt(&k.transaction_set_control_number)
            + opt(&k.batch_reference)
            + opt(&k.clearinghouse_file_id)
            + opt(&k.clearinghouse_child_file_id)
            + opt(&k.submitted_file_name);
    }
    for e in &c.events {
        bytes += e.raw_code.len() + opt(&e.effective_date) + position_bytes(&e.position);
        for r in &e.reasons {
            bytes += opt(&r.group) + position_bytes(&r.position);
        }
        if let Some(s) = &e.service_line {
            bytes += opt(&s.procedure_code)
                + opt(&s.procedure_qualifier)
                + s.modifiers.iter().map(String::len).sum::<usize>()
                + opt(&s.line_item_control_number)
                + opt(&s.service_date)
                + opt(&s.units);
        }
    }
    for d in &c.diagnostics {
        bytes += d.message.len() + opt(&d.code) + position_bytes(&d.position);
    }
    OutputStats { events: c.events.len(), diagnostics: c.diagnostics.len(), string_bytes: bytes, chunks: 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_message_is_extracted() {
        let stderr = "\nthread '<unnamed>' panicked at src/lib.rs:12:5:\nboom\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        assert_eq!(panic_message(stderr).as_deref(), Some("panicked at src/lib.rs:12:5: boom"));
        assert_eq!(panic_message("nothing"), None);
    }

    #[test]
    fn wit_versions_of_the_same_track_up_to_the_host_load() {
        let one = |p: &str, h: &str| wit_compatible(p, &[h]);
        assert_eq!(one("0.1.0", "0.1.0"), Ok(0));
        // An older minor (0.x: the third number) of the same track.
        assert!(one("0.1.0", "0.1.3").is_ok());
        assert!(one("0.1.2", "0.1.3").is_ok());
        assert!(one("1.0.0", "1.4.2").is_ok());
        assert!(one("1.3.9", "1.4.0").is_ok());
        // Newer than the host, within its track: refused, the fix is upgrading claimtrack.
        let e = one("0.1.4", "0.1.3").unwrap_err();
        assert!(e.contains("newer than this host's 0.1.3") && e.contains("upgrade claimtrack"), "{e}");
        assert!(one("1.5.0", "1.4.0").unwrap_err().contains("newer"));
        // Another track: refused, the fix is rebuilding the plugin.
        let e = one("0.2.0", "0.1.3").unwrap_err();
        assert!(e.contains("supports claimtrack:plugin@0.1.x (up to 0.1.3)"), "{e}");
        assert!(one("0.0.9", "0.1.0").unwrap_err().contains("supports claimtrack:plugin@0.1.x"));
        assert!(one("2.0.0", "1.4.0").unwrap_err().contains("@1.x"));
        assert!(one("0.1", "0.1.0").unwrap_err().contains("not a version"));
        assert!(one("0.1.0-rc1", "0.1.0").unwrap_err().contains("not a version"));
        // Several tracks: each plugin goes to its own, and the refusal names them all.
        let host = ["0.2.0", "0.1.1"];
        assert_eq!(wit_compatible("0.2.0", &host), Ok(0));
        assert_eq!(wit_compatible("0.1.0", &host), Ok(1));
        assert_eq!(wit_compatible("0.1.1", &host), Ok(1));
        assert!(wit_compatible("0.1.2", &host).unwrap_err().contains("newer than this host's 0.1.1"));
        let e = wit_compatible("0.3.0", &host).unwrap_err();
        assert!(e.contains("supports claimtrack:plugin@0.2.x (up to 0.2.0) and claimtrack:plugin@0.1.x (up to 0.1.1)"), "{e}");
    }

    #[test]
    fn headers() {
        assert!(check_header(b"\0asm\x0d\x00\x01\x00").is_ok());
        assert!(check_header(b"\0asm\x01\x00\x00\x00").unwrap_err().contains("core WebAssembly module"));
        assert!(check_header(b"hello world").unwrap_err().contains("not WebAssembly"));
    }
}
