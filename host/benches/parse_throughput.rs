//! Parse throughput of every first-party plugin on generated workloads, inside wasmtime and
//! compiled natively, in one run; X12 tokenization alone; plugin load time cold (compile)
//! and warm (from the disk cache); and the per-file cost of a fresh instance.
//!
//!   cargo bench -p claimtrack --bench parse_throughput
//!
//!   cargo bench -p claimtrack --bench parse_throughput -- x12-835     (one plugin)
//!
//! Without `--bench` (as under `cargo test --all-targets`) it runs once on small files as a
//! smoke test, so the benchmark cannot rot. Prints a markdown table (BENCHMARKS.md has the
//! latest figures and the machine).

// The allocator the `claimtrack` binary uses (src/main.rs), so figures are what it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use claimtrack::plugins::PluginSet;
use claimtrack::runtime::{embedded, Limits, PluginRuntime};
use claimtrack_plugin_sdk::{ParseError, ParseOutput};
use claimtrack_sim::generate as sim;

/// Workload sizes: the full run uses files of the size a busy practice receives (the 835 of
/// issue 7: 20,000 claims), the smoke run tiny ones.
struct Config {
    full: bool,
    claims_835: usize,
    claims_277: usize,
    sets_999: usize,
    rows_summary: usize,
    claims_837: usize,
    rows_edi_status: usize,
    parse_runs: usize,
    load_runs: usize,
    instantiate_runs: usize,
}

impl Config {
    fn new(full: bool) -> Self {
        if full {
            Config {
                full,
                claims_835: 20_000,
                claims_277: 10_000,
                sets_999: 5_000,
                rows_summary: 10_000,
                claims_837: 5_000,
                rows_edi_status: 10_000,
                parse_runs: 7,
                load_runs: 5,
                instantiate_runs: 200,
            }
        } else {
            Config {
                full,
                claims_835: 200,
                claims_277: 50,
                sets_999: 20,
                rows_summary: 50,
                claims_837: 20,
                rows_edi_status: 50,
                parse_runs: 1,
                load_runs: 1,
                instantiate_runs: 3,
            }
        }
    }
}

type Native = fn(&str, &[u8]) -> Result<ParseOutput, ParseError>;

/// One plugin and the file it is measured on.
struct Workload {
    plugin: &'static str,
    /// Crate name of the embedded plugin (`embedded::first_party`).
    crate_name: &'static str,
    what: String,
    file_name: &'static str,
    bytes: Vec<u8>,
    native: Native,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<R>(runs: usize, mut f: impl FnMut() -> R) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

/// Minor page faults of this process so far (Linux; 0 elsewhere). Each WebAssembly call
/// gets fresh linear memory, so every page the plugin touches faults in again: on a VM a
/// fault costs microseconds, a visible part of a call.
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; minflt is the 10th field of the line.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    after.split_whitespace().nth(7).and_then(|f| f.parse().ok()).unwrap_or(0)
}

fn mb_per_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The EDI Status report the simulator writes for a batch of `claims` claims (sim has no
/// workload function for it; this is what its `synthetic` does, with the public API).
fn edi_status_workload(seed: u64, claims: usize) -> Vec<u8> {
    use claimtrack_sim::{batch, decide, edi_status, Options837, Rules};
    let o = Options837 { payers: sim::default_payers().into_iter().take(3).collect(), ..Options837::default() };
    let bytes = sim::generate_837(seed, claims, &o);
    let batch = batch::read(&bytes).expect("the generator writes a valid envelope");
    let mut rng = x12_835::generate::Rng(seed ^ 0x5EED);
    let mut ids = decide::Ids::from_seed(seed);
    let decisions = decide::decide(&batch, &Rules::default(), &mut rng, &mut ids, "2026007");
    let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 15).expect("valid date");
    edi_status::render(&batch, &decisions, day, day, "SIMPRACTICE")
}

fn workloads(cfg: &Config) -> Vec<Workload> {
    let seed = 42;
    vec![
        Workload {
            plugin: "x12-835",
            crate_name: "x12-835",
            what: format!("835, {} claims", cfg.claims_835),
            file_name: "bench.835",
            bytes: sim::workload_835(seed, cfg.claims_835, None),
            native: claimtrack_plugin_sdk::parse_fitted::<x12_835::X12Remittance>,
        },
        Workload {
            plugin: "x12-277",
            crate_name: "x12-277",
            what: format!("277CA, {} claims", cfg.claims_277),
            file_name: "bench.277",
            bytes: sim::workload_277ca(seed, cfg.claims_277),
            native: claimtrack_plugin_sdk::parse_fitted::<x12_277::X12Status277>,
        },
        Workload {
            plugin: "x12-ack",
            crate_name: "x12-ack",
            what: format!("999, {} sets", cfg.sets_999),
            file_name: "bench.999",
            bytes: sim::workload_999(seed, cfg.sets_999),
            native: claimtrack_plugin_sdk::parse_fitted::<x12_ack::AckParser>,
        },
        Workload {
            plugin: "oa-file-summary",
            crate_name: "oa-file-summary",
            what: format!("File Summary, {} rows", cfg.rows_summary),
            file_name: "FS_HCFA_1026347812_IN_C.txt",
            bytes: sim::workload_file_summary(seed, cfg.rows_summary),
            native: claimtrack_plugin_sdk::parse_fitted::<oa_file_summary::FileSummaryParser>,
        },
        Workload {
            plugin: "oa-edi-status",
            crate_name: "oa-edi-status",
            what: format!("EDI Status, {} claims", cfg.rows_edi_status),
            file_name: "1026454084_EDI_STATUS_20260115.txt",
            bytes: edi_status_workload(seed, cfg.rows_edi_status),
            native: claimtrack_plugin_sdk::parse_fitted::<oa_edi_status::OaEdiStatus>,
        },
        Workload {
            plugin: "x12-837",
            crate_name: "x12-837",
            what: format!("837P, {} claims", cfg.claims_837),
            file_name: "OATEST_837P_bench.txt",
            bytes: sim::generate_837(seed, cfg.claims_837, &claimtrack_sim::Options837::default()),
            native: claimtrack_plugin_sdk::parse_fitted::<x12_837::X12Claim837>,
        },
    ]
}

/// What one workload measured.
struct Row {
    plugin: &'static str,
    what: String,
    bytes: usize,
    events: usize,
    tokenize: Option<Duration>,
    native: Duration,
    call: Duration,
    validated: Duration,
    /// Minor page faults per native parse and per WASM call.
    native_faults: u64,
    call_faults: u64,
}

fn measure(w: &Workload, set: &PluginSet, runtime: &PluginRuntime, runs: usize) -> Row {
    // Native: exactly what the export runs inside wasm (`parse_fitted`), compiled for the host.
    let faults = minor_faults();
    let native = time(runs, || (w.native)(w.file_name, &w.bytes).expect("native parse"));
    let native_faults = (minor_faults() - faults) / runs as u64;
    let tokenize = w.bytes.starts_with(b"ISA").then(|| {
        time(runs, || claimtrack_plugin_sdk::x12::parse(&w.bytes).expect("tokenizes"))
    });

    // The sandboxed call alone: fresh instance, the file copied in, the output lifted out
    // of the guest's memory into host values, without conversion into the model and
    // validation.
    let wasm = embedded::first_party().find(|(n, _)| *n == w.crate_name).expect("embedded plugin").1;
    let raw = runtime.load(w.crate_name, wasm).expect("load");
    let faults = minor_faults();
    let call = time(runs, || raw.parse_summary(w.file_name, &w.bytes).expect("wasm parse"));
    let call_faults = (minor_faults() - faults) / runs as u64;

    // What `claimtrack parse` and ingest pay: the call plus conversion and validation.
    let plugin = set.get(w.plugin).expect("plugin");
    let mut events = 0;
    let validated = time(runs, || {
        let parsed = plugin.parse(w.file_name, &w.bytes).expect("wasm parse");
        events = parsed.events.len();
        parsed
    });
    Row { plugin: w.plugin, what: w.what.clone(), bytes: w.bytes.len(), events, tokenize, native, call, validated, native_faults, call_faults }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let cfg = Config::new(full);
    let (set, problems) = PluginSet::open(None, Limits::default()).expect("runtime");
    assert!(problems.is_empty(), "{problems:?}");
    let runtime = PluginRuntime::new(Limits::default(), None).expect("runtime");

    // Plugin names on the command line (`cargo bench … -- x12-835`) pick what to run, e.g.
    // to profile one plugin.
    let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let rows: Vec<Row> =
        workloads(&cfg).iter().filter(|w| wanted(w.plugin)).map(|w| measure(w, &set, &runtime, cfg.parse_runs)).collect();

    // Plugin load: cold compiles into an empty cache; warm loads what cold wrote. Then the
    // per-file cost of a fresh instance: a `sniff` of an empty head is nothing but
    // instantiation, the call and the store's teardown.
    let mut loads = Vec::new();
    // The smoke run loads one plugin: each cold load compiles, which is slow in a debug build.
    let load_plugins = if cfg.full { usize::MAX } else { 1 };
    for (name, wasm) in embedded::first_party().filter(|(name, _)| wanted(name)).take(load_plugins) {
        let mut cold = Vec::new();
        let mut warm = Vec::new();
        let mut loaded = None;
        for _ in 0..cfg.load_runs {
            let dir = tempfile::tempdir().expect("tempdir");
            let rt = PluginRuntime::new(Limits::default(), Some(dir.path())).expect("runtime");
            let t = Instant::now();
            let p = rt.load(name, wasm).expect("cold load");
            cold.push(t.elapsed());
            assert!(!p.identity().cache.is_hit());
            let rt = PluginRuntime::new(Limits::default(), Some(dir.path())).expect("runtime");
            let t = Instant::now();
            let p = rt.load(name, wasm).expect("warm load");
            warm.push(t.elapsed());
            assert!(p.identity().cache.is_hit(), "second load must come from the cache");
            loaded = Some(p);
        }
        let p = loaded.expect("at least one load run");
        let instantiate = time(cfg.instantiate_runs, || p.sniff("x", b"").expect("sniff"));
        loads.push((name, wasm.len(), median(cold), median(warm), instantiate));
    }

    println!("claimtrack parse benchmark ({})", if cfg.full { "full" } else { "smoke run; use `cargo bench` for figures" });
    println!(
        "medians of {} runs (parse), {} runs (load), {} calls (instantiation)\n",
        cfg.parse_runs, cfg.load_runs, cfg.instantiate_runs
    );
    println!("| plugin | input | MB | events | X12 tokenize, native | parse, native | WASM call | WASM call + validation | WASM/native (call) | WASM/native (validated) |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let cell = |d: Duration| format!("{:.1} ms · {:.1} MB/s", ms(d), mb_per_s(r.bytes, d));
        println!(
            "| {} | {} | {:.2} | {} | {} | {} | {} | {} | {:.2}× | {:.2}× |",
            r.plugin,
            r.what,
            r.bytes as f64 / 1e6,
            r.events,
            r.tokenize.map_or_else(|| "–".to_string(), cell),
            cell(r.native),
            cell(r.call),
            cell(r.validated),
            r.call.as_secs_f64() / r.native.as_secs_f64(),
            r.validated.as_secs_f64() / r.native.as_secs_f64(),
        );
    }
    println!();
    println!("| plugin | page faults per native parse | page faults per WASM call |");
    println!("|---|---:|---:|");
    for r in &rows {
        println!("| {} | {} | {} |", r.plugin, r.native_faults, r.call_faults);
    }
    println!();
    println!("| plugin | wasm size | cold load (compile) | warm load (cache) | per-file instantiation | warm load + instantiation |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, size, cold, warm, inst) in &loads {
        println!(
            "| {name} | {:.0} KB | {:.1} ms | {:.2} ms | {:.3} ms | {:.2} ms |",
            *size as f64 / 1e3,
            ms(*cold),
            ms(*warm),
            ms(*inst),
            ms(*warm + *inst)
        );
    }
}
