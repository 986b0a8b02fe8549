//! The time-rule views: `alerts` and `archive` (rules in `tracking/alerts.rs`).

use comfy_table::{Cell, Color};

use super::track::{json_out, open};
use super::{exit, output, setup_failed};
use crate::clock::Clock;
use crate::paths::DataDir;
use crate::tracker::ArchiveOutcome;
use crate::tracking::alerts::{AlertSettings, AlertSeverity, DEFAULT_ERA_DAYS};
use crate::tracking::query::BatchRow;

#[derive(Debug, clap::Args)]
pub struct AlertsArgs {
    /// Days after payer acceptance without an ERA (835) before a claim needs follow-up.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_ERA_DAYS, value_parser = clap::value_parser!(u32).range(1..=3650))]
    era_days: u32,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ArchiveArgs {
    /// The batch id (first column of `claimtrack batches`). Without it, every batch that can
    /// be archived is.
    batch: Option<i64>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn severity_cell(s: AlertSeverity) -> Cell {
    let cell = Cell::new(s.as_str());
    if !output::stdout_color() {
        return cell;
    }
    match s {
        AlertSeverity::Alert => cell.fg(Color::Red),
        AlertSeverity::Notice => cell.fg(Color::Yellow),
        AlertSeverity::Info => cell,
    }
}

/// "2026-01-08 09:30" from RFC 3339.
fn short_time(s: &str) -> String {
    s.get(..16).map(|t| t.replace('T', " ")).unwrap_or_else(|| s.to_string())
}

pub fn alerts(data_dir: &DataDir, clock: &Clock, args: AlertsArgs) -> u8 {
    let mut t = match open(data_dir, clock) {
        Ok(t) => t,
        Err(code) => return code,
    };
    // Recorded, so the next `sync` counts only alerts raised since.
    let alerts = match t.record_alerts(&AlertSettings { era_days: args.era_days }) {
        Ok((a, _new)) => a,
        Err(e) => return setup_failed("the alerts could not be computed", &e.into()),
    };
    if args.json {
        json_out(&alerts);
        return exit::OK;
    }
    if alerts.is_empty() {
        println!("No alerts.");
        return exit::OK;
    }
    let mut table = output::table(&["Severity", "Since (UTC)", "Kind", "Batch", "Claim", "Message"]);
    for a in &alerts {
        table.add_row(vec![
            severity_cell(a.severity),
            Cell::new(short_time(&a.created_at)),
            Cell::new(a.kind.as_str()),
            Cell::new(a.batch_id.map(|b| b.to_string()).unwrap_or_default()),
            Cell::new(a.patient_control_number.as_deref().unwrap_or("")),
            Cell::new(&a.message),
        ]);
    }
    println!("{table}");
    exit::OK
}

fn describe(b: &BatchRow) -> String {
    format!("batch {} ({})", b.id, b.name)
}

pub fn archive(data_dir: &DataDir, clock: &Clock, args: ArchiveArgs) -> u8 {
    let mut t = match open(data_dir, clock) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let Some(id) = args.batch else { return archive_all(&mut t, args.json) };
    let outcome = match t.archive(id) {
        Ok(o) => o,
        Err(e) => return setup_failed("the batch could not be archived", &e.into()),
    };
    let code = match &outcome {
        ArchiveOutcome::Archived { .. } | ArchiveOutcome::AlreadyArchived { .. } => exit::OK,
        ArchiveOutcome::NotEligible { .. } | ArchiveOutcome::NoSuchBatch { .. } => exit::SOME_FAILED,
    };
    if args.json {
        json_out(&outcome);
        return code;
    }
    match &outcome {
        ArchiveOutcome::Archived { batch } => {
            println!("Archived {} ({}).", describe(batch), batch.status);
        }
        ArchiveOutcome::AlreadyArchived { batch } => {
            let at = batch.archived.as_deref().unwrap_or("");
            println!("{} was already archived on {}; nothing changed.", describe(batch), short_time(at));
        }
        ArchiveOutcome::NotEligible { batch, blocking } => {
            eprintln!(
                "error: {} cannot be archived yet ({}); a batch is archived once every claim is paid, denied, \
                 rejected or waiting for ERA/EOB. Still tracked:",
                describe(batch),
                batch.status
            );
            for b in blocking {
                eprintln!("  - {b}");
            }
        }
        ArchiveOutcome::NoSuchBatch { batch_id } => {
            eprintln!("error: there is no batch {batch_id}; `claimtrack batches` lists them");
        }
    }
    code
}

fn archive_all(t: &mut crate::tracker::Tracker, json: bool) -> u8 {
    let eligible = match t.archivable() {
        Ok(b) => b,
        Err(e) => return setup_failed("the batches could not be read", &e.into()),
    };
    let mut archived = Vec::new();
    for b in eligible {
        match t.archive(b.id) {
            Ok(ArchiveOutcome::Archived { batch }) => archived.push(batch),
            // Another process archived it, or a file arrived meanwhile: not ours to report.
            Ok(_) => {}
            Err(e) => return setup_failed("the batch could not be archived", &e.into()),
        }
    }
    if json {
        json_out(&archived);
        return exit::OK;
    }
    if archived.is_empty() {
        println!(
            "No batch can be archived now: a batch is archived once every claim is paid, denied, rejected or \
             waiting for ERA/EOB (`claimtrack archive BATCH` says what a batch is waiting for)."
        );
        return exit::OK;
    }
    let mut table = output::table(&["Batch", "File", "Claims", "Status", "Archived (UTC)"]);
    for b in &archived {
        table.add_row(vec![
            Cell::new(b.id),
            Cell::new(&b.name),
            Cell::new(b.claim_count),
            Cell::new(&b.status),
            Cell::new(short_time(b.archived.as_deref().unwrap_or(""))),
        ]);
    }
    let n = archived.len();
    println!("Archived {n} {}:\n{table}", if n == 1 { "batch" } else { "batches" });
    exit::OK
}
