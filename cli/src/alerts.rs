//! The time-rule views: `alerts` and `archive` (rules in `tracking/alerts.rs`).

use super::output::{self, outln};
use super::table::{Cell, Table, Tone};
use super::track::{open_existing, status_tone};
use super::words::count;
use super::{exit, setup_failed, Ctx};
use claimtrack::tracker::ArchiveOutcome;
use claimtrack::tracking::alerts::{Alert, AlertSettings, AlertSeverity, DEFAULT_ERA_DAYS};
use claimtrack::tracking::query::BatchRow;

#[derive(Debug, clap::Args)]
pub struct AlertsArgs {
    /// Days after payer acceptance without an ERA (835) before a claim needs follow-up.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_ERA_DAYS, value_parser = clap::value_parser!(u32).range(1..=3650))]
    era_days: u32,
    /// Print JSON (docs/json.md) instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ArchiveArgs {
    /// The batch (its number, Office Ally File ID or file name). Without it, every batch
    /// that can be archived is.
    #[arg(value_name = "BATCH")]
    batch: Option<String>,
    /// Print JSON (docs/json.md) instead of text.
    #[arg(long)]
    json: bool,
}

fn severity_cell(s: AlertSeverity) -> Cell {
    let (text, tone) = match s {
        AlertSeverity::Alert => ("ALERT", Tone::Bad),
        AlertSeverity::Notice => ("notice", Tone::Warn),
        AlertSeverity::Info => ("info", Tone::Dim),
    };
    Cell::new(text).tone(tone)
}

/// The last connection to Office Ally, in local time.
fn connection_line(ctx: &Ctx, a: &Alert) -> Option<String> {
    let c = a.connection.as_ref()?;
    let mut parts = vec![match &c.last_success {
        Some(at) => format!("last successful connection to Office Ally {}", ctx.times.at_and_ago_str(at)),
        None => "no successful connection to Office Ally recorded yet".to_string(),
    }];
    if let Some((at, kind, message)) = &c.last_error {
        parts.push(format!("last error {} ({kind}): {}", ctx.times.at_str(at), output::clean(message)));
    }
    Some(parts.join("; "))
}

pub fn alerts(ctx: &Ctx, args: AlertsArgs) -> u8 {
    let mut t = match open_existing(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    // Recorded, so the next `sync` counts only alerts raised since.
    let alerts = match t.record_alerts(&AlertSettings { era_days: args.era_days }) {
        Ok((a, _new)) => a,
        Err(e) => return setup_failed("the alerts could not be computed", &e.into()),
    };
    if args.json {
        output::json("alerts", &alerts);
        return exit::OK;
    }
    if alerts.is_empty() {
        outln!("No alerts.");
        return exit::OK;
    }
    let mut table = Table::new(&["", "Since", "What"]);
    for a in &alerts {
        table.row(vec![severity_cell(a.severity), Cell::new(ctx.times.at(a.created_at)), Cell::new(output::clean(&a.title))]);
        table.note(output::clean(&a.message));
        for step in &a.steps {
            table.note(format!("- {step}"));
        }
        if let Some(line) = connection_line(ctx, a) {
            table.note_toned(line, Tone::Dim);
        }
    }
    output::print_table(&table);
    let urgent = alerts.iter().filter(|a| a.severity == AlertSeverity::Alert).count();
    if urgent > 0 {
        outln!("\n{} to act on.", count(urgent as i64, "alert", "alerts"));
    }
    exit::OK
}

fn describe(b: &BatchRow) -> String {
    format!("batch {} ({})", b.id, output::clean(&b.name))
}

pub fn archive(ctx: &Ctx, args: ArchiveArgs) -> u8 {
    let mut t = match open_existing(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let Some(key) = args.batch else { return archive_all(ctx, &mut t, args.json) };
    let id = match t.find_batch(&key) {
        Ok(Some(id)) => id,
        Ok(None) => {
            output::fail("not_found",
                &format!("there is no batch {key:?}"),
                Some("`claimtrack batches --all` lists the batches."),
            );
            return exit::SOME_FAILED;
        }
        Err(e) => return setup_failed("the batches could not be read", &e.into()),
    };
    let outcome = match t.archive(id) {
        Ok(o) => o,
        Err(e) => return setup_failed("the batch could not be archived", &e.into()),
    };
    let code = match &outcome {
        ArchiveOutcome::Archived { .. } | ArchiveOutcome::AlreadyArchived { .. } => exit::OK,
        ArchiveOutcome::NotEligible { .. } | ArchiveOutcome::NoSuchBatch { .. } => exit::SOME_FAILED,
    };
    if args.json {
        output::json("archive", &outcome);
        return code;
    }
    match &outcome {
        ArchiveOutcome::Archived { batch } => {
            outln!("Archived {} ({}).", describe(batch), batch.status);
        }
        ArchiveOutcome::AlreadyArchived { batch } => {
            let at = batch.archived.map(|a| ctx.times.at(a)).unwrap_or_default();
            outln!("{} was already archived on {at}; nothing changed.", describe(batch));
        }
        ArchiveOutcome::NotEligible { batch, blocking } => {
            eprintln!(
                "error: {} cannot be archived yet ({}); a batch is archived once every claim is paid, denied, \
                 rejected or waiting for ERA/EOB. Still tracked:",
                describe(batch),
                batch.status
            );
            for b in blocking {
                eprintln!("  - {}", output::clean(b));
            }
        }
        ArchiveOutcome::NoSuchBatch { batch_id } => {
            eprintln!("error: there is no batch {batch_id}; `claimtrack batches` lists them");
        }
    }
    code
}

fn archive_all(ctx: &Ctx, t: &mut claimtrack::tracker::Tracker, json: bool) -> u8 {
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
        output::json("archive", &archived);
        return exit::OK;
    }
    if archived.is_empty() {
        outln!(
            "No batch can be archived now: a batch is archived once every claim is paid, denied, rejected or \
             waiting for ERA/EOB (`claimtrack archive BATCH` says what a batch is waiting for)."
        );
        return exit::OK;
    }
    let mut table = Table::new(&["Batch", "Claims", "Status"]).right(&[0, 1]);
    for b in &archived {
        table.row(vec![
            Cell::new(b.id.to_string()),
            Cell::new(b.claim_count.to_string()),
            Cell::new(b.status.to_string()).tone(status_tone(b.status.as_str())),
        ]);
        table.note(output::clean(&b.name));
    }
    let when = archived.first().and_then(|b| b.archived).map(|a| ctx.times.at(a)).unwrap_or_default();
    outln!("Archived {} on {when}:", count(archived.len() as i64, "batch", "batches"));
    output::print_table(&table);
    outln!("`claimtrack batches --all` still lists them, as ARCHIVED.");
    exit::OK
}
