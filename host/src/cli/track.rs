//! The tracking views: `batches`, `batch`, `claim`, and `rebuild`.

use std::io::Write;

use comfy_table::{Cell, Color};
use serde::Serialize;

use super::{exit, output, setup_failed};
use crate::clock::Clock;
use crate::model::Reason;
use crate::paths::DataDir;
use crate::tracker::Tracker;
use crate::tracking::query::{BatchRow, ClaimRow, TimelineEntry};

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct BatchesArgs {
    /// Also list archived batches (shown as ARCHIVED).
    #[arg(long)]
    all: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// The batch id (first column of `claimtrack batches`).
    id: i64,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ClaimArgs {
    /// Patient control number (CLM01 / ACCNT#), OA Claim ID or payer claim number.
    key: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub(super) fn open(data_dir: &DataDir, clock: &Clock) -> Result<Tracker, u8> {
    match Tracker::open(data_dir, *clock) {
        Ok((t, problems)) => {
            for p in &problems {
                eprintln!("warning: plugin {} was not loaded: {}", p.source, p.error);
            }
            Ok(t)
        }
        Err(e) => Err(setup_failed("the data folder could not be opened", &e)),
    }
}

pub(super) fn json_out<T: Serialize>(v: &T) {
    let _ = writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(v).expect("serializes"));
}

/// A status cell: red for rejections and denials, green for acceptance and payment.
fn status_cell(status: &str, partial: bool) -> Cell {
    let text = if partial && !status.contains("with rejections") { format!("{status} (R)") } else { status.to_string() };
    let cell = Cell::new(text);
    if !output::stdout_color() {
        return cell;
    }
    if status.contains("REJECTED") || status == "FAILED" || status == "DENIED" || status == "REVERSED" || partial {
        cell.fg(Color::Red)
    } else if status.contains("ACCEPTED") || status == "PAID" {
        cell.fg(Color::Green)
    } else {
        cell
    }
}

/// A claim's status, with "waiting for ERA/EOB" once its tracking window has closed.
fn claim_status_cell(c: &ClaimRow) -> Cell {
    if c.waiting_for_era {
        let cell = Cell::new(format!("{}\nwaiting for ERA/EOB", c.status));
        if output::stdout_color() { cell.fg(Color::Yellow) } else { cell }
    } else {
        status_cell(&c.status, false)
    }
}

fn reasons_text(reasons: &[Reason]) -> String {
    reasons
        .iter()
        .filter(|r| !matches!(r.code_set, crate::model::CodeSet::Entity))
        .take(3)
        .map(|r| match &r.description {
            Some(d) => format!("{} {d}", r.code),
            None => r.code.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn money(c: Option<i64>) -> String {
    c.map(output::dollars).unwrap_or_default()
}

pub fn batches(data_dir: &DataDir, clock: &Clock, args: BatchesArgs) -> u8 {
    let t = match open(data_dir, clock) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let mut rows = match t.batches() {
        Ok(r) => r,
        Err(e) => return setup_failed("the batches could not be read", &e.into()),
    };
    let archived = rows.iter().filter(|b| b.archived.is_some()).count();
    if !args.all {
        rows.retain(|b| b.archived.is_none());
    }
    if args.json {
        json_out(&rows);
        return exit::OK;
    }
    if rows.is_empty() {
        if archived > 0 {
            println!("Every batch is archived ({archived}); `claimtrack batches --all` lists them.");
        } else {
            println!("No batches yet: `claimtrack ingest` an 837 you sent, or the files Office Ally sent back.");
        }
        return exit::OK;
    }
    let now = clock.now();
    let mut table = output::table(&["Batch", "Submitted", "File", "Claims", "Status", "OA file IDs", "Age"]);
    for b in &rows {
        table.add_row(vec![
            Cell::new(b.id),
            Cell::new(&b.submitted[..10.min(b.submitted.len())]),
            Cell::new(&b.name),
            Cell::new(b.claim_count),
            match b.archived {
                Some(_) => Cell::new("ARCHIVED"),
                None => status_cell(&b.status, b.rejected_claims > 0),
            },
            Cell::new(oa_ids(b)),
            Cell::new(age(&b.submitted, now)),
        ]);
    }
    println!("{table}");
    if archived > 0 && !args.all {
        println!("{archived} archived batches not shown (`claimtrack batches --all`).");
    }
    exit::OK
}

fn oa_ids(b: &BatchRow) -> String {
    let mut ids: Vec<String> = b.clearinghouse_file_id.iter().cloned().collect();
    ids.extend(b.child_file_ids.iter().map(|c| format!("└ {c}")));
    ids.join("\n")
}

/// "3 h", "2 d": how long ago an RFC 3339 time was.
fn age(when: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(when) else { return String::new() };
    let hours = (now - t.with_timezone(&chrono::Utc)).num_hours();
    if hours < 48 { format!("{hours} h") } else { format!("{} d", hours / 24) }
}

#[derive(Serialize)]
struct BatchJson<'a> {
    batch: &'a BatchRow,
    claims: &'a [ClaimRow],
}

pub fn batch(data_dir: &DataDir, clock: &Clock, args: BatchArgs) -> u8 {
    let t = match open(data_dir, clock) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let (b, claims) = match t.batch(args.id) {
        Ok(Some(v)) => v,
        Ok(None) => {
            eprintln!("error: there is no batch {}; `claimtrack batches` lists them", args.id);
            return exit::SOME_FAILED;
        }
        Err(e) => return setup_failed("the batch could not be read", &e.into()),
    };
    if args.json {
        json_out(&BatchJson { batch: &b, claims: &claims });
        return exit::OK;
    }
    let status = match &b.archived {
        Some(at) => format!("ARCHIVED {} ({})", &at[..10.min(at.len())], b.status),
        None => b.status.clone(),
    };
    println!("Batch {} — {} — {status} ({} claims)", b.id, b.name, b.claim_count);
    if !b.reasons.is_empty() {
        println!("  {}", reasons_text(&b.reasons).replace('\n', "\n  "));
    }
    let mut table = output::table(&["Claim", "Patient", "Service dates", "Charge", "OA Claim ID", "Status", "Last update", "Reasons"]);
    for c in &claims {
        table.add_row(vec![
            Cell::new(&c.patient_control_number),
            Cell::new(c.patient_name.as_deref().unwrap_or("")),
            Cell::new(dates(c)),
            Cell::new(money(c.charged_cents)),
            Cell::new(c.clearinghouse_claim_id.as_deref().unwrap_or("")),
            claim_status_cell(c),
            Cell::new(c.last_update.as_deref().map(|s| &s[..10.min(s.len())]).unwrap_or("")),
            Cell::new(reasons_text(&c.reasons)),
        ]);
    }
    println!("{table}");
    exit::OK
}

fn dates(c: &ClaimRow) -> String {
    match (&c.service_date_from, &c.service_date_to) {
        (Some(a), Some(b)) if a != b => format!("{a} – {b}"),
        (Some(a), _) => a.clone(),
        _ => String::new(),
    }
}

#[derive(Serialize)]
struct ClaimJson<'a> {
    claim: &'a ClaimRow,
    timeline: &'a [TimelineEntry],
}

pub fn claim(data_dir: &DataDir, clock: &Clock, args: ClaimArgs) -> u8 {
    let t = match open(data_dir, clock) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let found = match t.claim(&args.key) {
        Ok(f) => f,
        Err(e) => return setup_failed("the claim could not be read", &e.into()),
    };
    if found.is_empty() {
        eprintln!(
            "error: no claim has the patient control number, OA Claim ID or payer claim number {:?}",
            args.key
        );
        return exit::SOME_FAILED;
    }
    if args.json {
        let v: Vec<ClaimJson> = found.iter().map(|(c, tl)| ClaimJson { claim: c, timeline: tl }).collect();
        json_out(&v);
        return exit::OK;
    }
    for (c, timeline) in &found {
        let batch = c.batch_id.map(|b| format!("batch {b}")).unwrap_or_else(|| "seen only in responses".into());
        let waiting = if c.waiting_for_era { " (waiting for ERA/EOB)" } else { "" };
        println!(
            "Claim {} ({batch}) — {}{waiting} — charge {} paid {}",
            c.patient_control_number,
            c.status,
            money(c.charged_cents),
            money(c.paid_cents)
        );
        let mut table = output::table(&["Seen", "File", "Plugin", "Source", "Said", "Code", "Reasons"]);
        for e in timeline {
            table.add_row(vec![
                Cell::new(&e.seen[..10.min(e.seen.len())]),
                Cell::new(&e.file),
                Cell::new(format!("{} {}", e.plugin, e.plugin_version)),
                Cell::new(e.event.source.as_str()),
                output::status_cell(e.event.status),
                Cell::new(&e.event.raw_code),
                Cell::new(reasons_text(&e.event.reasons)),
            ]);
        }
        println!("{table}\n");
    }
    exit::OK
}

pub fn rebuild(data_dir: &DataDir, clock: &Clock, args: ListArgs) -> u8 {
    let mut t = match open(data_dir, clock) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let changes = match t.rebuild() {
        Ok(c) => c,
        Err(e) => return setup_failed("the rebuild failed; nothing was changed", &e.into()),
    };
    if args.json {
        json_out(&changes);
        return exit::OK;
    }
    if changes.is_empty() {
        println!("Rebuilt from the archive: no status changed.");
    } else {
        println!("Rebuilt from the archive: {} statuses changed.", changes.len());
        for c in &changes {
            println!(
                "  {} {}: {} → {}",
                c.kind,
                c.key,
                c.before.as_deref().unwrap_or("(none)"),
                c.after.as_deref().unwrap_or("(gone)")
            );
        }
    }
    exit::OK
}

#[derive(Debug, clap::Args)]
pub struct ErrorsArgs {
    /// Only this batch (default: every batch).
    batch: Option<i64>,
    /// List every claim each reason hit (default: the first few).
    #[arg(long)]
    all: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn errors(data_dir: &DataDir, clock: &Clock, args: ErrorsArgs) -> u8 {
    let t = match open(data_dir, clock) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let groups = match t.errors(args.batch) {
        Ok(g) => g,
        Err(e) => return setup_failed("the errors could not be read", &e.into()),
    };
    if args.json {
        json_out(&groups);
        return exit::OK;
    }
    if groups.is_empty() {
        println!("No rejected or denied claims{}.", args.batch.map(|b| format!(" in batch {b}")).unwrap_or_default());
        return exit::OK;
    }
    let mut table = output::table(&["Code", "Description", "Claims", "Hit"]);
    for g in &groups {
        let shown = if args.all { g.claims.len() } else { 5 };
        let mut hit: Vec<String> = g
            .claims
            .iter()
            .take(shown)
            .map(|c| match &c.clearinghouse_claim_id {
                Some(oa) => format!("{} (OA {oa})", c.patient_control_number),
                None => c.patient_control_number.clone(),
            })
            .collect();
        if g.claims.len() > shown {
            hit.push(format!("… {} more (--all)", g.claims.len() - shown));
        }
        table.add_row(vec![
            Cell::new(&g.code),
            Cell::new(g.description.as_deref().unwrap_or("")),
            Cell::new(g.count),
            Cell::new(hit.join("\n")),
        ]);
    }
    println!("{table}");
    exit::OK
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// json (claims with batches, amounts in integer cents) or csv (one row per claim).
    #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
    format: ExportFormat,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    Json,
    Csv,
}

#[derive(Serialize)]
struct Export<'a> {
    batches: &'a [BatchRow],
    claims: &'a [ClaimRow],
}

pub fn export(data_dir: &DataDir, clock: &Clock, args: ExportArgs) -> u8 {
    let t = match open(data_dir, clock) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let (batches, claims) = match (t.batches(), t.all_claims()) {
        (Ok(b), Ok(c)) => (b, c),
        (Err(e), _) | (_, Err(e)) => return setup_failed("the data could not be read", &e.into()),
    };
    match args.format {
        ExportFormat::Json => json_out(&Export { batches: &batches, claims: &claims }),
        ExportFormat::Csv => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "batch_id,patient_control_number,status,clearinghouse_claim_id,payer_claim_number,charged_cents,paid_cents,service_date_from,service_date_to,reasons"
            );
            for c in &claims {
                let reasons: Vec<String> = c.reasons.iter().map(|r| r.code.clone()).collect();
                let fields = [
                    c.batch_id.map(|b| b.to_string()).unwrap_or_default(),
                    c.patient_control_number.clone(),
                    c.status.clone(),
                    c.clearinghouse_claim_id.clone().unwrap_or_default(),
                    c.payer_claim_number.clone().unwrap_or_default(),
                    c.charged_cents.map(|v| v.to_string()).unwrap_or_default(),
                    c.paid_cents.map(|v| v.to_string()).unwrap_or_default(),
                    c.service_date_from.clone().unwrap_or_default(),
                    c.service_date_to.clone().unwrap_or_default(),
                    reasons.join(" "),
                ];
                let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                let _ = writeln!(out, "{}", line.join(","));
            }
        }
    }
    exit::OK
}

/// RFC 4180 quoting, and a leading quote on values a spreadsheet would run as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}
