//! Embedding claimtrack: open a tracker on a data folder, ingest a folder of Office Ally and
//! payer files, and print each batch with its claims.
//!
//!   cargo run -p claimtrack --example track_folder -- [FOLDER] [DATA_DIR]
//!
//! FOLDER defaults to the synthetic five-claim scenario in tests/scenarios/five-claims;
//! DATA_DIR to a fresh temporary folder.

use std::path::PathBuf;

use claimtrack::clock::Clock;
use claimtrack::paths::{files_under, DataDir};
use claimtrack::tracker::Tracker;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let folder = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/scenarios/five-claims")));
    let tmp = tempfile::tempdir()?;
    let data = DataDir::new(args.next().map(PathBuf::from).unwrap_or_else(|| tmp.path().join("data")));

    let (mut tracker, problems) = Tracker::open(&data, Clock::System)?;
    for p in problems {
        eprintln!("plugin {} not loaded: {}", p.source, p.error);
    }
    // 837s first, so responses find their batch at once (any order works; `rebuild` too).
    let mut files: Vec<PathBuf> = files_under(&folder).into_iter().filter(|p| p.extension().is_none_or(|e| e != "md")).collect();
    files.sort_by_key(|p| !p.to_string_lossy().contains("837"));
    for path in files {
        let bytes = std::fs::read(&path)?;
        let report = tracker.ingest(&path.display().to_string(), &claimtrack::ingest::FileOrigin::Ingest, &bytes)?;
        println!("{:<60} {}", report.name, if report.needs_attention() { "needs attention" } else { "ok" });
    }
    for batch in tracker.batches()? {
        println!("\nbatch {} {} — {} ({} claims)", batch.id, batch.name, batch.status, batch.claim_count);
        if let Some((_, claims)) = tracker.batch(batch.id)? {
            for c in claims {
                let paid = c.paid_cents.map(|p| format!("paid {}.{:02}", p / 100, p % 100)).unwrap_or_default();
                println!("  {:<10} {:<16} {paid}", c.patient_control_number, c.status);
            }
        }
    }
    Ok(())
}
