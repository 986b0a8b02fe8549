//! End-to-end ingest into a fresh store: archive (SHA-256, raw bytes into SQLite), parse
//! through the WASM plugin, store the events and track them, one transaction per file.
//!
//! - a generated 835 of 20,000 claims (~4 MB), through the library; and the size of the
//!   database that leaves;
//! - 1,000 small files (generated 999s, 277CAs and File Summaries, as a day of Office Ally
//!   responses for a busy account might be), through the library;
//! - both again through the CLI (`claimtrack ingest`, a new process per run, plugins from a
//!   warm compile cache), with the process's peak memory (max RSS, from `/usr/bin/time`).
//!
//!   cargo bench -p claimtrack-cli --bench ingest_throughput
//!
//! Without `--bench` (as under `cargo test --all-targets`) it runs once on small inputs as
//! a smoke test, so the benchmark cannot rot.

// The allocator the `claimtrack` binary uses (src/main.rs), so figures are what it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use claimtrack::clock::Clock;
use claimtrack::ingest::{ingest_bytes, FileOrigin, Outcome};
use claimtrack::package::PackageLimits;
use claimtrack::paths::DataDir;
use claimtrack::plugins::PluginSet;
use claimtrack::runtime::Limits;
use claimtrack::store::{Store, DB_FILE};

struct Config {
    claims: usize,
    runs: usize,
    /// Small files: a third each 999, 277CA and File Summary.
    small_files: usize,
}

/// The small files: 999s of 3 transaction sets, 277CAs and File Summaries of 5 claims,
/// each from its own seed (so every file is new to the store). Returns (name, bytes).
fn small_files(n: usize) -> Vec<(String, Vec<u8>)> {
    use claimtrack_sim::generate as g;
    (0..n)
        .map(|i| {
            let seed = i as u64 + 1;
            match i % 3 {
                0 => (format!("ack{i}.999"), g::workload_999(seed, 3)),
                1 => (format!("ca{i}.277"), g::workload_277ca(seed, 5)),
                _ => (format!("FS_HCFA_{i}_IN_C.txt"), g::workload_file_summary(seed, 5)),
            }
        })
        .collect()
}

/// Wall time and max RSS (bytes) of one `claimtrack` process; RSS is `None` without
/// `/usr/bin/time`.
fn cli_run(data: &Path, args: &[&str]) -> (Duration, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    let exe = env!("CARGO_BIN_EXE_claimtrack");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.args(["-f", "maxrss_kb=%M", exe]);
        c
    } else {
        Command::new(exe)
    };
    cmd.arg("--data-dir").arg(data).args(args).env_remove("CLAIMTRACK_LOG").stdin(Stdio::null()).stdout(Stdio::null());
    let t = Instant::now();
    let out = cmd.output().expect("run claimtrack");
    let wall = t.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "claimtrack {args:?}: {stderr}");
    let rss = stderr.lines().find_map(|l| l.strip_prefix("maxrss_kb=")).and_then(|k| k.trim().parse::<u64>().ok());
    (wall, rss.map(|k| k * 1024))
}

/// Median wall time and the largest max RSS of `runs` CLI ingests, each into a fresh
/// database (the data folder's plugin cache kept).
fn cli_ingest(data: &Path, input: &Path, runs: usize) -> (Duration, Option<u64>) {
    let results: Vec<(Duration, Option<u64>)> = (0..runs)
        .map(|_| {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(data.join(format!("{DB_FILE}{suffix}")));
            }
            cli_run(data, &["ingest", input.to_str().expect("utf-8 path")])
        })
        .collect();
    let rss = results.iter().filter_map(|r| r.1).max();
    (median(results.iter().map(|r| r.0).collect()), rss)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn mb_per_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// What one fresh-store ingest measured.
struct Run {
    ingest: Duration,
    again: Duration,
    events: usize,
    db_bytes: u64,
    archive_bytes: i64,
    event_json_bytes: i64,
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let cfg = if full {
        Config { claims: 20_000, runs: 5, small_files: 1_000 }
    } else {
        Config { claims: 200, runs: 1, small_files: 12 }
    };
    let file = x12_835::generate::synthetic_835(cfg.claims, 42);
    let size = file.len();
    let clock = Clock::parse_fixed("2026-03-02T09:00:00Z").expect("fixed time");
    let limits = PackageLimits::default();

    // Plugins load once (from a warm compile cache), outside the timings: a long-running
    // host or one CLI run over a folder pays that once, not per file.
    let cache = tempfile::tempdir().expect("tempdir");
    let (plugins, problems) = PluginSet::open(Some(&DataDir::new(cache.path())), Limits::default()).expect("runtime");
    assert!(problems.is_empty(), "{problems:?}");

    // Parsing alone, for where the time goes.
    let parse = median(
        (0..cfg.runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(plugins.parse("bench.835", &file, None).expect("parse"));
                t.elapsed()
            })
            .collect(),
    );

    let runs: Vec<Run> = (0..cfg.runs)
        .map(|_| {
            let dir = tempfile::tempdir().expect("tempdir");
            let data = DataDir::new(dir.path().join("data"));
            let mut store = Store::open(&data).expect("store");
            let t = Instant::now();
            let report = ingest_bytes(&mut store, &plugins, &clock, &limits, "bench.835", &FileOrigin::Ingest, &file).expect("ingest");
            let ingest = t.elapsed();
            let events = match report.outcome {
                Outcome::Ingested { events, errors: 0, .. } => events,
                other => panic!("not ingested cleanly: {other:?}"),
            };
            let t = Instant::now();
            let again = ingest_bytes(&mut store, &plugins, &clock, &limits, "bench.835", &FileOrigin::Ingest, &file).expect("ingest");
            let again_time = t.elapsed();
            assert!(matches!(again.outcome, Outcome::AlreadyIngested { .. }));
            // Closing checkpoints the WAL into the database file: its size is the store's.
            drop(store);
            let db = data.root().join(DB_FILE);
            assert!(!data.root().join(format!("{DB_FILE}-wal")).exists(), "the WAL was checkpointed on close");
            let db_bytes = std::fs::metadata(&db).expect("database").len();
            let conn = rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
            let archive_bytes = conn.query_row("SELECT SUM(length(bytes)) FROM files", [], |r| r.get(0)).expect("sum");
            let event_json_bytes = conn.query_row("SELECT SUM(length(body)) FROM events", [], |r| r.get(0)).expect("sum");
            Run { ingest, again: again_time, events, db_bytes, archive_bytes, event_json_bytes }
        })
        .collect();

    let ingest = median(runs.iter().map(|r| r.ingest).collect());
    let again = median(runs.iter().map(|r| r.again).collect());
    let r = &runs[0];
    assert!(runs.iter().all(|x| x.db_bytes == r.db_bytes && x.events == r.events), "runs differ");
    let per_k = |b: f64| b / (cfg.claims as f64 / 1_000.0) / 1e6;
    let other = r.db_bytes as i64 - r.archive_bytes - r.event_json_bytes;

    println!("claimtrack ingest benchmark ({})", if full { "full" } else { "smoke run; use `cargo bench` for figures" });
    println!("  input: generated 835, {} claims, {:.2} MB, {} events; fresh store per run", cfg.claims, size as f64 / 1e6, r.events);
    println!("  medians of {} runs", cfg.runs);
    println!("  | measure                                              | time        | throughput   | claims/s          |");
    println!("  |------------------------------------------------------|-------------|--------------|-------------------|");
    println!(
        "  | ingest into a fresh store (archive + parse + store)  | {:>9.1} ms | {:>7.2} MB/s | {:>8.0} claims/s |",
        ms(ingest),
        mb_per_s(size, ingest),
        cfg.claims as f64 / ingest.as_secs_f64()
    );
    println!("  |   of which parse alone (WASM plugin + validation)    | {:>9.1} ms | {:>7.2} MB/s |                   |", ms(parse), mb_per_s(size, parse));
    println!("  | the same bytes again (already ingested)              | {:>9.1} ms | {:>7.2} MB/s |                   |", ms(again), mb_per_s(size, again));
    println!("  | database size after the ingest                       | {:>9.2} MB | {:>5.2} MB per 1,000 claims |", r.db_bytes as f64 / 1e6, per_k(r.db_bytes as f64));
    println!(
        "  database: {:.2}× the input; raw file {:.2} MB, event JSON {:.2} MB, columns/indexes/tracking {:.2} MB",
        r.db_bytes as f64 / size as f64,
        r.archive_bytes as f64 / 1e6,
        r.event_json_bytes as f64 / 1e6,
        other as f64 / 1e6
    );

    // 1,000 small files through the library, one store.
    let smalls = small_files(cfg.small_files);
    let small_bytes: usize = smalls.iter().map(|(_, b)| b.len()).sum();
    let small_runs: Vec<(Duration, usize, i64)> = (0..cfg.runs)
        .map(|_| {
            let dir = tempfile::tempdir().expect("tempdir");
            let mut store = Store::open(&DataDir::new(dir.path().join("data"))).expect("store");
            let t = Instant::now();
            let mut events = 0;
            for (name, bytes) in &smalls {
                match ingest_bytes(&mut store, &plugins, &clock, &limits, name, &FileOrigin::Ingest, bytes).expect("ingest").outcome {
                    Outcome::Ingested { events: n, .. } => events += n,
                    other => panic!("{name} not ingested: {other:?}"),
                }
            }
            let elapsed = t.elapsed();
            drop(store);
            let conn = rusqlite::Connection::open(dir.path().join("data").join(DB_FILE)).expect("open");
            let claims: i64 = conn.query_row("SELECT COUNT(*) FROM claims", [], |r| r.get(0)).expect("count");
            (elapsed, events, claims)
        })
        .collect();
    let small_time = median(small_runs.iter().map(|r| r.0).collect());
    let (_, small_events, small_claims) = small_runs[0];
    println!();
    println!(
        "  {} small files (999 / 277CA / File Summary, {:.2} MB, {} events, {} claims), one store, through the library:",
        cfg.small_files,
        small_bytes as f64 / 1e6,
        small_events,
        small_claims
    );
    println!(
        "  | {} small files | {:>9.1} ms | {:>6.2} ms per file | {:>8.0} files/s |",
        cfg.small_files,
        ms(small_time),
        ms(small_time) / cfg.small_files as f64,
        cfg.small_files as f64 / small_time.as_secs_f64()
    );

    // The same through the CLI: process start-up, plugin load from the compile cache, and
    // the process's peak memory.
    let work = tempfile::tempdir().expect("tempdir");
    let data = work.path().join("data");
    let era = work.path().join("bench.835");
    std::fs::write(&era, &file).expect("write");
    let folder = work.path().join("small");
    std::fs::create_dir_all(&folder).expect("mkdir");
    for (name, bytes) in &smalls {
        std::fs::write(folder.join(name), bytes).expect("write");
    }
    cli_run(&data, &["plugins"]); // compiles the plugins into the data folder's cache
    let (era_wall, era_rss) = cli_ingest(&data, &era, cfg.runs);
    let (small_wall, small_rss) = cli_ingest(&data, &folder, cfg.runs);
    let limit = 4 * size as u64 + (64 << 20);
    let rss = |r: Option<u64>| r.map(|b| format!("{:.1} MB", mb(b))).unwrap_or_else(|| "n/a".into());
    println!();
    println!("  CLI, a new process per run (median wall of {} runs; peak memory = largest max RSS):", cfg.runs);
    println!("  | command                                   | wall        | claims/s   | peak memory |");
    println!("  |-------------------------------------------|-------------|------------|-------------|");
    println!(
        "  | claimtrack ingest bench.835 ({} claims) | {:>8.1} ms | {:>10.0} | {:>11} |",
        cfg.claims,
        ms(era_wall),
        cfg.claims as f64 / era_wall.as_secs_f64(),
        rss(era_rss)
    );
    println!(
        "  | claimtrack ingest DIR ({} small files)  | {:>8.1} ms | {:>10} | {:>11} |",
        cfg.small_files,
        ms(small_wall),
        "",
        rss(small_rss)
    );
    println!("  memory target for the 835: 4 × file size + 64 MiB = {:.1} MB", mb(limit));
}
