//! `claimtrack changes`: the change log, for a script that follows it.

use super::output::{self, outln};
use super::table::{Cell, Table, Tone};
use super::track::open_existing;
use super::{exit, setup_failed, Ctx};
use claimtrack::store::changes::{Change, ChangeKind};
use claimtrack::tracker::Tracker;

#[derive(Debug, clap::Args)]
pub struct ChangesArgs {
    /// Only changes after this cursor (the `cursor` of the last change already read).
    #[arg(long, value_name = "CURSOR", default_value_t = 0)]
    since: i64,
    /// At most this many changes.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    limit: u32,
    /// Print JSON (docs/json.md) instead of a table.
    #[arg(long)]
    json: bool,
}

/// "AWAITING → OA ACCEPTED", "new: AWAITING", "gone (was PAID)".
fn transition(before: Option<&str>, after: Option<&str>) -> String {
    match (before, after) {
        (None, Some(a)) => format!("new: {a}"),
        (Some(b), Some(a)) => format!("{b} → {a}"),
        (Some(b), None) => format!("gone (was {b})"),
        (None, None) => "–".to_string(),
    }
}

/// A batch or claim as billing staff know it, or its stable id once it is gone.
fn called(t: &Tracker, uid: &str) -> String {
    match t.label(uid) {
        Ok(Some(label)) => output::clean(&label),
        _ => uid.to_string(),
    }
}

/// A row: what, which, the change, its tone; and a file's name, shown below the row as
/// `claimtrack files` shows it (Office Ally's names are too long for a column).
fn describe(t: &Tracker, c: &Change) -> (&'static str, String, String, Tone, Option<String>) {
    match &c.what {
        ChangeKind::File { sha256, name, before, after } => {
            let shown = name.as_deref().map(output::clean).unwrap_or_else(|| sha256[..12.min(sha256.len())].to_string());
            let words = |o: &str| if o == "needs_attention" { "needs attention" } else { "read" };
            let what = match before {
                None => format!("archived: {}", words(after)),
                Some(b) => format!("{} → {}", words(b), words(after)),
            };
            let tone = if after == "needs_attention" { Tone::Bad } else { Tone::Plain };
            ("file", String::new(), what, tone, Some(shown))
        }
        ChangeKind::Batch { batch, before, after } => {
            ("batch", called(t, batch), transition(before.map(|s| s.as_str()), after.map(|s| s.as_str())), Tone::Plain, None)
        }
        ChangeKind::Claim { claim, before, after } => {
            ("claim", called(t, claim), transition(before.map(|s| s.as_str()), after.map(|s| s.as_str())), Tone::Plain, None)
        }
        ChangeKind::Alert { key, before, after, .. } => {
            let what = match (before, after) {
                (_, Some(kind)) => format!("raised: {kind}"),
                (Some(kind), None) => format!("resolved: {kind}"),
                (None, None) => "–".to_string(),
            };
            let tone = if after.is_some() { Tone::Warn } else { Tone::Dim };
            ("alert", key.clone(), what, tone, None)
        }
    }
}

pub fn changes(ctx: &Ctx, args: ChangesArgs) -> u8 {
    let t = match open_existing(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let changes = match t.changes_since(args.since, args.limit as usize) {
        Ok(c) => c,
        Err(e) => return setup_failed("the change log could not be read", &e.into()),
    };
    if args.json {
        output::json("changes", &changes);
        return exit::OK;
    }
    if changes.is_empty() {
        outln!("No changes after cursor {}.", args.since);
        return exit::OK;
    }
    let mut table = Table::new(&["Cursor", "When", "What", "Which", "Change"]);
    for c in &changes {
        let (what, which, change, tone, note) = describe(&t, c);
        table.row(vec![
            Cell::new(c.cursor.to_string()),
            Cell::new(ctx.times.at(c.at)),
            Cell::new(what),
            Cell::new(which),
            Cell::new(change).tone(tone),
        ]);
        if let Some(note) = note {
            table.note(note);
        }
    }
    output::print_table(&table);
    let last = changes.last().map_or(args.since, |c| c.cursor);
    outln!("\nNext: claimtrack changes --since {last}");
    exit::OK
}
