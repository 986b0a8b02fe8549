//! End-to-end ingest of a generated 835 (20,000 claims, ~4 MB) into a fresh store: archive
//! (SHA-256, raw bytes into SQLite), parse through the WASM plugin, store the events and
//! track them, in one transaction; and the size of the database that leaves.
//!
//!   cargo bench -p claimtrack --bench ingest_throughput
//!
//! Without `--bench` (as under `cargo test --all-targets`) it runs once on a small file as
//! a smoke test, so the benchmark cannot rot.

use std::time::{Duration, Instant};

use claimtrack::clock::Clock;
use claimtrack::ingest::{ingest_bytes, Outcome};
use claimtrack::package::PackageLimits;
use claimtrack::paths::DataDir;
use claimtrack::plugins::PluginSet;
use claimtrack::runtime::Limits;
use claimtrack::store::{Store, DB_FILE};

struct Config {
    claims: usize,
    runs: usize,
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
    let cfg = if full { Config { claims: 20_000, runs: 5 } } else { Config { claims: 200, runs: 1 } };
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
            let report = ingest_bytes(&mut store, &plugins, &clock, &limits, "bench.835", "ingest", &file).expect("ingest");
            let ingest = t.elapsed();
            let events = match report.outcome {
                Outcome::Ingested { events, errors: 0, .. } => events,
                other => panic!("not ingested cleanly: {other:?}"),
            };
            let t = Instant::now();
            let again = ingest_bytes(&mut store, &plugins, &clock, &limits, "bench.835", "ingest", &file).expect("ingest");
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
    println!("  | measure                                              | time        | throughput   |");
    println!("  |------------------------------------------------------|-------------|--------------|");
    println!("  | ingest into a fresh store (archive + parse + store)  | {:>9.1} ms | {:>7.2} MB/s |", ms(ingest), mb_per_s(size, ingest));
    println!("  |   of which parse alone (WASM plugin + validation)    | {:>9.1} ms | {:>7.2} MB/s |", ms(parse), mb_per_s(size, parse));
    println!("  | the same bytes again (already ingested)              | {:>9.1} ms | {:>7.2} MB/s |", ms(again), mb_per_s(size, again));
    println!("  | database size after the ingest                       | {:>9.2} MB | {:>5.2} MB per 1,000 claims |", r.db_bytes as f64 / 1e6, per_k(r.db_bytes as f64));
    println!(
        "  database: {:.2}× the input; raw file {:.2} MB, event JSON {:.2} MB, columns/indexes/tracking {:.2} MB",
        r.db_bytes as f64 / size as f64,
        r.archive_bytes as f64 / 1e6,
        r.event_json_bytes as f64 / 1e6,
        other as f64 / 1e6
    );
}
