//! `claimtrack-sim`: Office Ally, simulated on a mailbox folder, and synthetic X12 workloads.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};

use claimtrack_sim::generate::{self, Options837};
use claimtrack_sim::{Scenario, Simulator};

/// Office Ally, simulated, and synthetic X12 workloads (claimtrack's test and demo tooling).
///
/// `run` plays Office Ally on a mailbox folder: it picks 837 uploads up from inbound/ and, after
/// the scenario's delays, writes File Summaries, 999s (or TA1s), 277CAs, EDI Status reports and
/// ERA zips to outbound/. Everything is deterministic from the seed; the clock is --now.
/// `generate` writes synthetic 837P batches and benchmark workloads.
#[derive(Parser)]
#[command(name = "claimtrack-sim", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one step: pick up every upload in MAILBOX/inbound and write to MAILBOX/outbound
    /// every response due by --now. Run it again with a later --now to move time forward.
    Run {
        /// The mailbox folder (holding inbound/ and outbound/, as Office Ally's SFTP root).
        #[arg(long)]
        mailbox: PathBuf,
        /// The simulator's own state folder (kept outside the mailbox).
        #[arg(long)]
        state: PathBuf,
        /// The simulated time, RFC 3339 (e.g. 2026-01-05T09:30:00Z).
        #[arg(long)]
        now: DateTime<Utc>,
        /// Seed of every decision (overrides the scenario file's).
        #[arg(long)]
        seed: Option<u64>,
        /// Scenario file (.toml or .json); defaults otherwise.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Print the step's report and every claim's expected outcome as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a synthetic file: an 837P batch, or a benchmark workload.
    Generate {
        /// What to write.
        kind: Kind,
        /// Claims (for 999: transaction sets; for file-summary: rows).
        #[arg(long, default_value_t = 10)]
        claims: usize,
        /// Service lines per claim (835 and 837). For 835 without it, the host benchmarks'
        /// synthetic 835 is written (1-4 lines per claim, with PLB adjustments).
        #[arg(long)]
        lines: Option<usize>,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file.
        #[arg(short = 'o', long)]
        output: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    /// X12 835 remittance (005010X221A1).
    #[value(name = "835")]
    X835,
    /// X12 277CA claim acknowledgement (005010X214).
    #[value(name = "277ca")]
    X277ca,
    /// X12 999 implementation acknowledgement (005010X231A1).
    #[value(name = "999")]
    X999,
    /// Office Ally File Summary report.
    FileSummary,
    /// Office Ally-compliant 837P batch (005010X222A1).
    #[value(name = "837")]
    X837,
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Run { mailbox, state, now, seed, scenario, json } => {
            let mut s = match &scenario {
                Some(p) => Scenario::load(p)?,
                None => Scenario::default(),
            };
            if let Some(seed) = seed {
                s.seed = seed;
            }
            let mut sim = Simulator::open(&state, s)?;
            let report = sim.step(&mailbox, now)?;
            if json {
                let out = serde_json::json!({
                    "step": report,
                    "next_due": sim.next_due(),
                    "expected_claims": sim.expected_outcomes(),
                    "expected_batches": sim.expected_batches(),
                });
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for (name, id) in &report.picked_up {
                    println!("picked up {name} as File ID {id}");
                }
                for name in &report.held {
                    println!("held {name} (left in inbound)");
                }
                for name in &report.written {
                    println!("wrote outbound/{name}");
                }
                if let Some(next) = sim.next_due() {
                    println!("next response due {}", next.to_rfc3339());
                }
            }
        }
        Command::Generate { kind, claims, lines, seed, output } => {
            let bytes = match kind {
                Kind::X835 => generate::workload_835(seed, claims, lines),
                Kind::X277ca => generate::workload_277ca(seed, claims),
                Kind::X999 => generate::workload_999(seed, claims),
                Kind::FileSummary => generate::workload_file_summary(seed, claims),
                Kind::X837 => generate::generate_837(seed, claims, &Options837 { lines, ..Options837::default() }),
            };
            std::fs::write(&output, &bytes).with_context(|| format!("writing {}", output.display()))?;
            eprintln!("wrote {} ({} bytes)", output.display(), bytes.len());
        }
    }
    Ok(())
}
