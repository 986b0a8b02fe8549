//! Parse throughput of a generated 835 (20,000 claims, ~4 MB) through the WASM plugin and
//! through the same parser compiled natively, in one run; plugin load time cold (compile)
//! and warm (from the disk cache).
//!
//!   cargo bench -p claimtrack --bench parse_throughput
//!
//! Without `--bench` (as under `cargo test --all-targets`) it runs once on a small file as
//! a smoke test, so the benchmark cannot rot.

use std::time::{Duration, Instant};

use claimtrack::plugins::PluginSet;
use claimtrack::runtime::{embedded, Limits, PluginRuntime};

struct Config {
    claims: usize,
    parse_runs: usize,
    load_runs: usize,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn mb_per_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let cfg = if full {
        Config { claims: 20_000, parse_runs: 7, load_runs: 5 }
    } else {
        Config { claims: 200, parse_runs: 1, load_runs: 1 }
    };
    let file = x12_835::generate::synthetic_835(cfg.claims, 42);
    let size = file.len();

    // Native: the plugin's parsing logic compiled for the host.
    let native = median(
        (0..cfg.parse_runs)
            .map(|_| {
                let t = Instant::now();
                let out = x12_835::parse_bytes("bench.835", &file).expect("native parse");
                std::hint::black_box(out);
                t.elapsed()
            })
            .collect(),
    );

    // WASM: the embedded plugin through the sandbox, plus the host's validation.
    let (set, problems) = PluginSet::open(None, Limits::default()).expect("runtime");
    assert!(problems.is_empty(), "{problems:?}");
    let plugin = set.get("x12-835").expect("x12-835 plugin");
    let mut events = 0;
    let wasm = median(
        (0..cfg.parse_runs)
            .map(|_| {
                let t = Instant::now();
                let parsed = plugin.parse("bench.835", &file).expect("wasm parse");
                events = parsed.events.len();
                t.elapsed()
            })
            .collect(),
    );

    // The sandboxed call alone (fresh instance, copying the file in and the output out),
    // without the host's validation: shows where the WASM time goes.
    let runtime = PluginRuntime::new(Limits::default(), None).expect("runtime");
    let wasm_bytes = embedded::first_party().find(|(n, _)| *n == "x12-835").expect("embedded").1;
    let raw_plugin = runtime.load("x12-835", wasm_bytes).expect("load");
    let call_only = median(
        (0..cfg.parse_runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(raw_plugin.parse_summary("bench.835", &file).expect("wasm parse"));
                t.elapsed()
            })
            .collect(),
    );

    // Plugin load: cold compiles into an empty cache; warm loads what cold wrote.
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for _ in 0..cfg.load_runs {
        let dir = tempfile::tempdir().expect("tempdir");
        let rt = PluginRuntime::new(Limits::default(), Some(dir.path())).expect("runtime");
        let t = Instant::now();
        let p = rt.load("x12-835", wasm_bytes).expect("cold load");
        cold.push(t.elapsed());
        assert!(!p.identity().cache.is_hit());
        let rt = PluginRuntime::new(Limits::default(), Some(dir.path())).expect("runtime");
        let t = Instant::now();
        let p = rt.load("x12-835", wasm_bytes).expect("warm load");
        warm.push(t.elapsed());
        assert!(p.identity().cache.is_hit(), "second load must come from the cache");
    }
    let (cold, warm) = (median(cold), median(warm));

    println!("claimtrack parse benchmark ({})", if full { "full" } else { "smoke run; use `cargo bench` for figures" });
    println!("  input: generated 835, {} claims, {:.2} MB, {events} events", cfg.claims, size as f64 / 1e6);
    println!("  medians of {} runs (parse) and {} runs (load)", cfg.parse_runs, cfg.load_runs);
    println!("  | measure                                  | time        | throughput   |");
    println!("  |------------------------------------------|-------------|--------------|");
    println!("  | parse, native (same parser, no sandbox)  | {:>9.1} ms | {:>7.1} MB/s |", native.as_secs_f64() * 1e3, mb_per_s(size, native));
    println!("  | parse, WASM plugin call only             | {:>9.1} ms | {:>7.1} MB/s |", call_only.as_secs_f64() * 1e3, mb_per_s(size, call_only));
    println!("  | parse, WASM plugin + host validation     | {:>9.1} ms | {:>7.1} MB/s |", wasm.as_secs_f64() * 1e3, mb_per_s(size, wasm));
    println!("  | plugin load, cold (compile)              | {:>9.1} ms |              |", cold.as_secs_f64() * 1e3);
    println!("  | plugin load, warm (disk cache)           | {:>9.1} ms |              |", warm.as_secs_f64() * 1e3);
    println!("  WASM/native time ratio: {:.2}x", wasm.as_secs_f64() / native.as_secs_f64());
}
