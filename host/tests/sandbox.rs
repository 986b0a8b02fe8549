//! The plugin sandbox against real wasm and real Wasmtime: every limit is hit by the
//! `test-misbehave` plugin (built by host/build.rs), and the plugin keeps working after
//! each failure. No mocks, no sleeps: the only waiting is the epoch timeout under test.

use claimtrack::runtime::{CacheOutcome, Limits, LoadedPlugin, MAX_CHUNK_EVENTS, MAX_CHUNK_STRING_BYTES, PluginError, PluginRuntime, Refusal, embedded};
use std::os::unix::fs::PermissionsExt;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const PARSE_TIMEOUT: Duration = Duration::from_millis(500);
const MEMORY: usize = 64 << 20;
const MAX_EVENTS: usize = 10_000;
const MAX_STRING_BYTES: usize = 4 << 20;
const MAX_INPUT: usize = 1 << 20;
const MIB: usize = 1 << 20;
/// What plugins/test-misbehave panics with.
const PANIC_MESSAGE: &str = "boom: test-misbehave panicked on purpose";

/// Test limits: a short timeout, a small memory, and output caps the guest reaches long
/// before its memory cap.
fn test_limits() -> Limits {
    Limits {
        parse_timeout: PARSE_TIMEOUT,
        memory_bytes: MEMORY,
        max_events: MAX_EVENTS,
        max_output_string_bytes: MAX_STRING_BYTES,
        max_input_bytes: MAX_INPUT,
        ..Limits::default()
    }
}

fn misbehave_wasm() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| std::fs::read(claimtrack::runtime::test_misbehave_wasm_path()).expect("test-misbehave.wasm built by build.rs"))
}

/// One runtime and one loaded plugin for the whole process: every test hits the same
/// instance-pre, as a registry would.
fn runtime() -> &'static PluginRuntime {
    static RT: OnceLock<PluginRuntime> = OnceLock::new();
    RT.get_or_init(|| PluginRuntime::new(test_limits(), None).expect("runtime"))
}

fn plugin() -> &'static LoadedPlugin {
    static PLUGIN: OnceLock<LoadedPlugin> = OnceLock::new();
    PLUGIN.get_or_init(|| runtime().load("test-misbehave", misbehave_wasm()).expect("load test-misbehave"))
}

/// The plugin still works after whatever happened before.
fn assert_still_works(p: &LoadedPlugin) {
    let out = p.parse_summary("ok.txt", b"").expect("ok.txt parses after a failure");
    assert_eq!(out.raw_codes, ["TEST A"]);
}

fn single_report(name: &str) -> String {
    let out = plugin().parse_summary(name, b"").unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(out.raw_codes.len(), 1, "{name}: {out:?}");
    out.raw_codes[0].clone()
}

#[test]
fn describe_and_identity() {
    let p = plugin();
    let id = p.identity();
    assert_eq!(id.name, "test-misbehave");
    assert_eq!(p.version(), "0.1.0");
    assert_eq!(id.formats, ["test-misbehave"]);
    assert_eq!(id.wit_package, "claimtrack:plugin");
    assert_eq!(id.wit_version, "0.2.0");
    for export in ["describe", "sniff", "claimtrack:plugin/parsing@0.2.0"] {
        assert!(id.exports.iter().any(|e| e == export), "exports {:?}", id.exports);
    }
    assert!(id.imports.iter().all(|i| i.starts_with("wasi:") || i.starts_with("claimtrack:plugin/")), "imports {:?}", id.imports);
    assert_eq!(id.sha256.len(), 64);
    assert_eq!(id.wasm_bytes, misbehave_wasm().len() as u64);
    assert_eq!(id.cache, CacheOutcome::Disabled);
}

#[test]
fn sniff_scores_and_head_is_capped() {
    let p = plugin();
    assert_eq!(p.sniff("misbehave-ok.txt", b"anything").unwrap(), 100);
    assert_eq!(p.sniff("R123.999", b"ISA*00*").unwrap(), 0);
    assert_eq!(p.sniff("misbehave-big", &vec![b'x'; 1 << 20]).unwrap(), 100);
}

#[test]
fn ok_parses() {
    let out = plugin().parse_summary("misbehave-ok.txt", b"hello").unwrap();
    assert_eq!(out.format_id, "test-misbehave");
    assert_eq!(out.raw_codes, ["TEST A"]);
    assert_eq!(out.effective_dates, [Some("2024-01-02".to_owned())]);
    assert_eq!(out.stats.events, 1);
}

#[test]
fn typed_refusal() {
    let err = plugin().parse_summary("unknown.txt", b"").unwrap_err();
    match &err {
        PluginError::Refused { refusal: Refusal::NotMyFormat(m), plugin } => {
            assert!(m.contains("unknown.txt"), "{m}");
            assert_eq!(plugin.version.as_deref(), Some("0.1.0"));
        }
        other => panic!("expected Refused(NotMyFormat), got {other:?}"),
    }
    assert!(!err.is_plugin_fault());
    assert!(err.to_string().starts_with("plugin test-misbehave 0.1.0 could not read the file: it is not in a format"), "{err}");
}

#[test]
fn infinite_loop_times_out() {
    let p = plugin();
    let start = Instant::now();
    let err = p.parse_summary("loop.txt", b"").unwrap_err();
    let elapsed = start.elapsed();
    assert!(matches!(err, PluginError::TimedOut { limit, .. } if limit == PARSE_TIMEOUT), "{err:?}");
    assert!(elapsed >= PARSE_TIMEOUT - Duration::from_millis(20), "stopped too early: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    assert!(err.to_string().contains("time limit"), "{err}");
    assert_still_works(p);
}

#[test]
fn sleep_does_not_block_the_host() {
    // Sleeping runs in the host where epochs cannot interrupt it; the runtime makes every
    // clock subscription ready at once instead.
    let start = Instant::now();
    assert_eq!(single_report("sleep.txt"), "sleep: returned");
    assert!(start.elapsed() < Duration::from_secs(2), "took {:?}", start.elapsed());
}

#[test]
fn memory_bomb_is_out_of_memory() {
    let p = plugin();
    let err = p.parse_summary("alloc.txt", b"").unwrap_err();
    assert!(matches!(err, PluginError::OutOfMemory { limit, .. } if limit == MEMORY as u64), "{err:?}");
    assert!(err.to_string().contains("64 MiB memory limit"), "{err}");
    assert_still_works(p);
}

#[test]
fn panic_is_crashed_with_its_message() {
    let p = plugin();
    let err = p.parse_summary("panic.txt", b"").unwrap_err();
    match &err {
        PluginError::Crashed { message, stderr, .. } => {
            assert!(message.starts_with("panicked at ") && message.contains("src/lib.rs:"), "{message}");
            assert!(message.ends_with(PANIC_MESSAGE), "{message}");
            assert!(stderr.contains(PANIC_MESSAGE), "{stderr}");
        }
        other => panic!("expected Crashed, got {other:?}"),
    }
    assert!(err.is_plugin_fault());
    assert_still_works(p);
}

#[test]
fn stack_overflow_is_recognisable() {
    let p = plugin();
    let err = p.parse_summary("stack.txt", b"").unwrap_err();
    assert!(matches!(err, PluginError::StackOverflow { .. }), "{err:?}");
    assert!(err.to_string().contains("runaway recursion"), "{err}");
    assert_still_works(p);
}

#[test]
fn too_many_events_is_output_too_large() {
    let p = plugin();
    let n = 2 * MAX_EVENTS;
    let err = p.parse_summary(&format!("big-output-{n}.txt"), b"").unwrap_err();
    // Stopped at the first chunk past the limit, not after the whole output.
    assert!(
        matches!(err, PluginError::OutputTooLarge { what: "events", actual, limit, .. }
            if actual > limit && actual <= limit + 1024 && limit == MAX_EVENTS as u64),
        "{err:?}"
    );
    assert_still_works(p);
}

#[test]
fn enormous_output_is_a_typed_error() {
    // Two million events: the guest runs out of its memory before it can return them.
    let p = plugin();
    let err = p.parse_summary("big-output.txt", b"").unwrap_err();
    assert!(matches!(err, PluginError::OutOfMemory { .. } | PluginError::OutputTooLarge { .. }), "{err:?}");
    assert_still_works(p);
}

#[test]
fn too_many_string_bytes_is_output_too_large() {
    let p = plugin();
    // 16 MiB in one chunk: over the contract's 8 MiB per chunk.
    let err = p.parse_summary("big-string.txt", b"").unwrap_err();
    assert!(
        matches!(err, PluginError::OutputTooLarge { what: "string bytes in one chunk", limit, .. } if limit == MAX_CHUNK_STRING_BYTES as u64),
        "{err:?}"
    );
    // Under the per-chunk bound, over the file's total (4 MiB here): 5,000 events of 1 KiB.
    let err = p.parse_summary("big-output-5000-1024.txt", b"").unwrap_err();
    assert!(
        matches!(err, PluginError::OutputTooLarge { what: "string bytes", limit, .. } if limit == MAX_STRING_BYTES as u64),
        "{err:?}"
    );
    assert_still_works(p);
}

#[test]
fn output_comes_in_chunks_of_the_sdk_size() {
    let out = plugin().parse_summary("big-output-5000.txt", b"").unwrap();
    assert_eq!(out.raw_codes.len(), 5000);
    assert_eq!(out.chunks, 5, "1024 events a chunk");
    assert_eq!(out.stats.chunks, 5);
}

#[test]
fn a_chunk_over_the_contract_size_is_refused() {
    let err = plugin().parse_summary("big-chunk.txt", b"").unwrap_err();
    assert!(
        matches!(err, PluginError::OutputTooLarge { what: "events in one chunk", actual: 5000, limit, .. } if limit == MAX_CHUNK_EVENTS as u64),
        "{err:?}"
    );
    assert_still_works(plugin());
}

#[test]
fn a_plugin_that_never_ends_its_chunks_times_out() {
    // Empty chunks, each quick: the budget counts the plugin's time over all its calls.
    let start = Instant::now();
    let err = plugin().parse_summary("endless-chunks.txt", b"").unwrap_err();
    assert!(matches!(err, PluginError::TimedOut { limit, .. } if limit == PARSE_TIMEOUT), "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(30), "took {:?}", start.elapsed());
    assert_still_works(plugin());
}

#[test]
fn an_error_after_a_chunk_refuses_the_file() {
    let err = plugin().parse_summary("fail-midway.txt", b"").unwrap_err();
    match &err {
        PluginError::Refused { refusal: Refusal::Malformed { message, .. }, .. } => {
            assert_eq!(message, "gave up after the first chunk")
        }
        other => panic!("expected Refused(Malformed), got {other:?}"),
    }
}

#[test]
fn the_host_copy_of_an_output_is_bounded() {
    // A 16 MiB string under a 1 MiB bound on the host's copy: refused while it is copied,
    // not after (Wasmtime's own default would let 128 MiB through).
    let limits = Limits { max_output_host_bytes: MIB, ..Limits::default() };
    let rt = PluginRuntime::new(limits, None).unwrap();
    let p = rt.load("test-misbehave", misbehave_wasm()).unwrap();
    let err = p.parse_summary("big-string.txt", b"").unwrap_err();
    assert!(matches!(err, PluginError::OutputTooLarge { what: "host bytes", limit, .. } if limit == MIB as u64), "{err:?}");
    assert!(err.to_string().contains("host bytes: more than the limit of 1048576"), "{err}");
    assert_still_works(&p);
}

#[test]
fn input_too_large_is_refused_before_running() {
    let p = plugin();
    let err = p.parse_summary("ok.txt", &vec![0u8; MAX_INPUT + 1]).unwrap_err();
    assert!(matches!(err, PluginError::InputTooLarge { actual, .. } if actual == MAX_INPUT as u64 + 1), "{err:?}");
    assert!(p.parse_summary("ok.txt", &vec![0u8; MAX_INPUT]).is_ok());
}

#[test]
fn invalid_output_is_returned_for_the_validator() {
    // Well-typed nonsense passes the runtime (it checks sizes, not meaning); the model
    // layer's validation rejects it.
    let out = plugin().parse_summary("invalid.txt", b"").unwrap();
    assert_eq!(out.raw_codes.len(), 1);
    assert_eq!(out.raw_codes[0].len(), 100 * 1024);
    assert_eq!(out.effective_dates, [Some("2024-13-45".to_owned())]);
    assert_eq!(out.format_id, "");
    assert_eq!(out.diagnostics, [""]);
}

#[test]
fn files_are_invisible() {
    let report = single_report("read-file.txt");
    assert!(report.starts_with("read-file: Err("), "{report}");
    assert!(report.contains("; read-dir: Err("), "{report}");
}

#[test]
fn environment_is_empty() {
    assert_eq!(single_report("env.txt"), "env: 0 vars, 0 args");
}

#[test]
fn network_is_denied() {
    let report = single_report("socket.txt");
    assert!(report.starts_with("socket: Err("), "{report}");
}

#[test]
fn clock_is_frozen() {
    assert_eq!(single_report("clock.txt"), "clock: Ok(946684800)");
}

#[test]
fn calls_from_many_threads() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<LoadedPlugin>();
    assert_send_sync::<PluginRuntime>();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let p = plugin().clone();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    assert_still_works(&p);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

// ---- incompatible plugins -------------------------------------------------------------

fn load_err(name: &str, bytes: &[u8]) -> String {
    match runtime().load(name, bytes) {
        Err(PluginError::Incompatible { reason, plugin }) => {
            assert_eq!(plugin.name, name);
            reason
        }
        Err(other) => panic!("{name}: expected Incompatible, got {other:?}"),
        Ok(p) => panic!("{name}: loaded {:?}", p.identity()),
    }
}

/// A component with one import of an empty instance named `name` (hand-encoded: the
/// binary format's preamble, a type section with an empty instance type, an import).
fn component_importing(name: &str) -> Vec<u8> {
    fn section(out: &mut Vec<u8>, id: u8, body: &[u8]) {
        assert!(body.len() < 128);
        out.push(id);
        out.push(body.len() as u8);
        out.extend_from_slice(body);
    }
    let mut wasm = b"\0asm\x0d\x00\x01\x00".to_vec();
    section(&mut wasm, 7, &[0x01, 0x42, 0x00]);
    let mut import = vec![0x01, 0x00, name.len() as u8];
    import.extend_from_slice(name.as_bytes());
    import.extend_from_slice(&[0x05, 0x00]);
    section(&mut wasm, 10, &import);
    wasm
}

#[test]
fn garbage_is_incompatible() {
    let reason = load_err("garbage.wasm", b"this is not wasm at all");
    assert!(reason.contains("not WebAssembly"), "{reason}");
    let reason = load_err("empty.wasm", b"");
    assert!(reason.contains("not WebAssembly"), "{reason}");
    // Right preamble, broken body.
    let reason = load_err("truncated.wasm", b"\0asm\x0d\x00\x01\x00\x07\x05\x01");
    assert!(reason.contains("not a valid WebAssembly component"), "{reason}");
}

#[test]
fn core_module_is_incompatible() {
    let reason = load_err("core.wasm", b"\0asm\x01\x00\x00\x00");
    assert!(reason.contains("core WebAssembly module, not a component"), "{reason}");
    assert!(reason.contains("wasm32-wasip2"), "{reason}");
}

#[test]
fn component_without_exports_is_incompatible() {
    let reason = load_err("empty-component.wasm", b"\0asm\x0d\x00\x01\x00");
    assert!(reason.contains("does not export describe, sniff, the parsing interface"), "{reason}");
    assert!(reason.contains("the plugin exports []"), "{reason}");
}

#[test]
fn other_wit_version_is_incompatible() {
    let reason = load_err("future.wasm", &component_importing("claimtrack:plugin/types@0.3.0"));
    assert!(reason.contains("built against claimtrack:plugin@0.3.0"), "{reason}");
    assert!(reason.contains("supports claimtrack:plugin@0.2.x (up to 0.2.0) and claimtrack:plugin@0.1.x"), "{reason}");
}

#[test]
fn unknown_import_is_incompatible() {
    let reason = load_err("net.wasm", &component_importing("acme:net/http@1.0.0"));
    assert!(reason.contains("does not export"), "{reason}");
    assert!(reason.contains("imports [acme:net/http@1.0.0]"), "{reason}");
}

#[test]
fn embedded_first_party_plugins_all_load() {
    // Every built-in plugin is a component of the current WIT whose `describe` name is its
    // crate name: a user never sees a built-in plugin fail to load.
    let names: Vec<&str> = embedded::first_party().map(|(n, _)| n).collect();
    assert_eq!(names, ["x12-ack", "x12-277", "x12-835", "x12-837", "oa-file-summary", "oa-edi-status"]);
    for (name, wasm) in embedded::first_party() {
        let p = runtime().load(name, wasm).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(p.identity().wit_version, "0.2.0", "{name}");
        assert_eq!(p.name(), name);
    }
}

/// A large ERA is read in plugin memory that follows one claim and one chunk of events,
/// not the file: 20,000 claims in one payment (one transaction set, 4 MB) within the file's
/// size + 16 MiB. Reading the whole file first, as WIT 0.1's plugin did, took 67 MB.
#[test]
fn a_large_era_in_one_payment_is_read_in_memory_that_follows_the_chunk() {
    let era = x12_835::generate::synthetic_835_in_sets(20_000, 20_000, 7);
    assert_eq!(era.windows(7).filter(|w| w == b"ST*835*").count(), 1, "one transaction set");
    let limits =
        Limits { memory_bytes: era.len() + 16 * MIB, max_input_bytes: era.len(), parse_timeout: Duration::from_secs(120), ..Limits::default() };
    let rt = PluginRuntime::new(limits, None).unwrap();
    let (name, wasm) = embedded::first_party().find(|(n, _)| *n == "x12-835").unwrap();
    let p = rt.load(name, wasm).unwrap();
    let out = p.parse_summary("one-payment.835", &era).unwrap_or_else(|e| panic!("{e}"));
    let native = x12_835::parse_bytes("one-payment.835", &era).unwrap();
    assert!(native.events.len() > 40_000, "{}", native.events.len());
    assert!(out.raw_codes.iter().eq(native.events.iter().map(|e| &e.raw_code)), "the same events as natively");
    assert!(out.chunks > 20, "sent in chunks: {}", out.chunks);
    assert!(out.diagnostics.iter().eq(native.diagnostics.iter().map(|d| &d.message)), "the same diagnostics as natively");
}

// ---- compiled-component cache --------------------------------------------------------

fn cache_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn cache_hit_on_second_load_and_owner_only_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache").join("components");
    let rt = PluginRuntime::new(test_limits(), Some(&dir)).unwrap();

    let cold = Instant::now();
    let first = rt.load("test-misbehave", misbehave_wasm()).unwrap();
    let cold = cold.elapsed();
    assert_eq!(first.identity().cache, CacheOutcome::Miss { stored: true });

    let warm = Instant::now();
    let second = rt.load("test-misbehave", misbehave_wasm()).unwrap();
    let warm = warm.elapsed();
    assert!(second.identity().cache.is_hit(), "{:?}", second.identity().cache);
    assert_still_works(&second);
    eprintln!("test-misbehave load: cold {cold:?}, warm {warm:?}");

    // A new runtime (same engine configuration) reuses the same file.
    let rt2 = PluginRuntime::new(test_limits(), Some(&dir)).unwrap();
    assert!(rt2.load("test-misbehave", misbehave_wasm()).unwrap().identity().cache.is_hit());

    assert_eq!(mode(&dir), 0o700);
    let files = cache_files(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].extension().is_some_and(|e| e == "cwasm"));
    assert_eq!(mode(&files[0]), 0o600);
}

#[test]
fn tampered_cache_file_is_not_trusted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("components");
    let rt = PluginRuntime::new(test_limits(), Some(&dir)).unwrap();
    rt.load("test-misbehave", misbehave_wasm()).unwrap();
    let file = cache_files(&dir).pop().unwrap();

    // Flip one byte of the compiled code.
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 100;
    bytes[last] ^= 0xff;
    std::fs::write(&file, &bytes).unwrap();
    let p = rt.load("test-misbehave", misbehave_wasm()).unwrap();
    match &p.identity().cache {
        CacheOutcome::Rejected { reason } => assert!(reason.contains("checksum"), "{reason}"),
        other => panic!("expected Rejected, got {other:?}"),
    }
    assert_still_works(&p);
    // It was overwritten with a good file.
    assert!(rt.load("test-misbehave", misbehave_wasm()).unwrap().identity().cache.is_hit());

    // A file others could have written is not trusted either.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    let p = rt.load("test-misbehave", misbehave_wasm()).unwrap();
    assert!(matches!(&p.identity().cache, CacheOutcome::Rejected { reason } if reason.contains("owner-only")), "{:?}", p.identity().cache);
    assert_eq!(mode(&file), 0o600);

    // Garbage under the right name.
    std::fs::write(&file, b"CTCWASM1 but not really").unwrap();
    let p = rt.load("test-misbehave", misbehave_wasm()).unwrap();
    assert!(matches!(&p.identity().cache, CacheOutcome::Rejected { .. }), "{:?}", p.identity().cache);
    assert_still_works(&p);
}

/// The review's attack: another account owns (or can write) the data folder and plants a
/// compiled file; the next run must not load anything from there.
#[test]
fn a_cache_folder_others_control_is_not_used() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let dir = data.join("cache").join("components");
    PluginRuntime::new(test_limits(), Some(&dir)).unwrap().load("test-misbehave", misbehave_wasm()).unwrap();
    let planted = cache_files(&dir);
    assert_eq!(planted.len(), 1);

    // A data folder anyone can write: the cache is refused, nothing in it is read or written.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o777)).unwrap();
    let rt = PluginRuntime::new(test_limits(), Some(&dir)).unwrap();
    let p = rt.load("test-misbehave", misbehave_wasm()).unwrap();
    match &p.identity().cache {
        CacheOutcome::Refused { reason } => {
            assert!(reason.contains(&data.display().to_string()) && reason.contains("chmod go-w"), "{reason}")
        }
        other => panic!("expected Refused, got {other:?}"),
    }
    assert_still_works(&p);
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();

    // Owned by another account (root can make one; as root the old owner check passed).
    if claimtrack::ownership::running_uid() == 0 {
        let chown = |p: &std::path::Path| std::os::unix::fs::chown(p, Some(65534), Some(65534)).unwrap();
        chown(&planted[0]);
        // In our own folder, a file that is not ours is refused and replaced.
        let p = PluginRuntime::new(test_limits(), Some(&dir)).unwrap().load("test-misbehave", misbehave_wasm()).unwrap();
        assert!(matches!(&p.identity().cache, CacheOutcome::Rejected { reason } if reason.contains("another account")), "{:?}", p.identity().cache);
        for path in [&data, &data.join("cache"), &dir, &planted[0]] {
            chown(path);
        }
        let p = PluginRuntime::new(test_limits(), Some(&dir)).unwrap().load("test-misbehave", misbehave_wasm()).unwrap();
        assert!(matches!(&p.identity().cache, CacheOutcome::Refused { reason } if reason.contains("another account")), "{:?}", p.identity().cache);
        assert_still_works(&p);
    } else {
        eprintln!("a_cache_folder_others_control_is_not_used: not root, so the other-owner half was skipped");
    }
}

#[test]
fn limits_defaults() {
    let l = Limits::default();
    assert_eq!(l.memory_bytes, 256 << 20);
    assert_eq!(l.parse_timeout, Duration::from_secs(10));
    assert_eq!(l.quick_timeout, Duration::from_secs(1));
    assert_eq!(l.max_wasm_stack, 1 << 20);
    assert_eq!(l.max_input_bytes, 64 << 20);
    assert_eq!(l.stderr_bytes, 64 << 10);
    assert_eq!(l.max_output_host_bytes, 256 << 20);
}
