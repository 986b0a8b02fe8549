//! The tracking views: `batches`, `batch`, `claim`, `errors`, `export` and `rebuild`.

use super::output::{self, dollars, outln};
use super::table::{Cell, Table, Tone};
use super::words::{self, count};
use super::{exit, setup_failed, Ctx};
use claimtrack::model::{CodeSet, Reason, Source};
use claimtrack::tracker::Tracker;
use claimtrack::tracking::advice;
use claimtrack::tracking::query::{self, totals, About, BatchJson, BatchRow, ClaimJson, ClaimRow, ErrorGroup, ProblemKind, TimelineEntry};
use claimtrack::tracking::status::{BatchStatus, ClaimStatus};

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Print JSON (docs/json.md) instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct BatchesArgs {
    /// Also list archived batches (shown as ARCHIVED).
    #[arg(long)]
    all: bool,
    /// Print JSON (docs/json.md) instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// The batch: its number (first column of `claimtrack batches`), Office Ally's File ID,
    /// or the file name it was uploaded or submitted under.
    #[arg(value_name = "BATCH")]
    key: String,
    /// Print JSON (docs/json.md) instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ClaimArgs {
    /// Patient control number (CLM01 / ACCNT#), OA Claim ID or payer claim number.
    key: String,
    /// Print JSON (docs/json.md) instead of a table.
    #[arg(long)]
    json: bool,
}

/// The tracker of a data folder that must already hold data: the views, and what works on
/// data already there. A data folder that does not exist is not created for them; they say
/// there is none and how to start.
pub(super) fn open_existing(ctx: &Ctx) -> Result<Tracker, u8> {
    no_data_yet(ctx)?;
    open(ctx)
}

/// `Err` (with the exit code, having said why) when there is no database in the data folder.
pub(super) fn no_data_yet(ctx: &Ctx) -> Result<(), u8> {
    if ctx.data_dir.root().join(claimtrack::store::DB_FILE).exists() {
        return Ok(());
    }
    output::fail(
        "no_data",
        &format!("there is no claimtrack data in {} yet", output::clean(&ctx.data_dir.root().display().to_string())),
        Some(
            "Start with `claimtrack init` and `claimtrack sync` (or `claimtrack ingest FILES…`), or try `claimtrack demo`. \
             Data elsewhere: --data-dir DIR or CLAIMTRACK_DATA_DIR.",
        ),
    );
    Err(exit::SOME_FAILED)
}

pub(super) fn open(ctx: &Ctx) -> Result<Tracker, u8> {
    match Tracker::open(&ctx.data_dir, ctx.clock) {
        Ok((t, problems)) => {
            for p in &problems {
                eprintln!("warning: plugin {} was not loaded: {}", p.source, p.error);
            }
            Ok(t)
        }
        Err(e) => Err(setup_failed("the data folder could not be opened", &e)),
    }
}

/// The tone of a batch or claim status as the views show it.
pub(super) fn status_tone(status: &str) -> Tone {
    if status.contains("REJECTED") || status == "FAILED" || status == "DENIED" || status == "REVERSED" {
        Tone::Bad
    } else if status.contains("with rejections") || status == "PENDING" {
        Tone::Warn
    } else if status.contains("ACCEPTED") || status == "PAID" {
        Tone::Good
    } else {
        Tone::Plain
    }
}

/// A batch's status as the list shows it: ChiroFusion's red R when some claims are rejected.
fn batch_status_cell(b: &BatchRow) -> Cell {
    if b.archived.is_some() {
        return Cell::new("ARCHIVED").tone(Tone::Dim);
    }
    let text = if b.rejected_claims > 0 && !b.status.as_str().contains("with rejections") && !b.status.as_str().contains("REJECTED") {
        format!("{} (R)", b.status)
    } else {
        b.status.to_string()
    };
    Cell::new(text).tone(status_tone(b.status.as_str()))
}

/// "3 paid, 1 denied, 2 rejected by Office Ally": where a batch's claims stand.
fn claim_breakdown(b: &BatchRow) -> String {
    b.claim_statuses
        .iter()
        .map(|c| format!("{} {}", c.claims, c.status.words()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether every claim of the batch is finished: paid, denied, reversed or rejected.
fn all_finished(b: &BatchRow) -> bool {
    b.claim_count > 0
        && b.claim_statuses
            .iter()
            .all(|c| c.status.is_final() || c.status.is_rejected())
}

pub fn batches(ctx: &Ctx, args: BatchesArgs) -> u8 {
    let t = match open_existing(ctx) {
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
        output::json("batches", &rows);
        return exit::OK;
    }
    if rows.is_empty() {
        if archived > 0 {
            outln!("Every batch is archived ({archived}); `claimtrack batches --all` lists them.");
        } else {
            outln!("No batches yet: `claimtrack submit FILE.837` sends one, or `claimtrack ingest` an 837 you sent another way.");
        }
        return exit::OK;
    }
    let mut table = Table::new(&["Batch", "Uploaded", "Claims", "Status", "OA file ID", "Age"]).right(&[0, 2]);
    for b in &rows {
        let (uploaded, age) = match &b.uploaded_at {
            Some(at) => (ctx.times.at(*at), ctx.times.ago(*at)),
            None => ("not yet (queued)".to_string(), String::new()),
        };
        table.row(vec![
            Cell::new(b.id.to_string()),
            Cell::new(uploaded),
            Cell::new(b.claim_count.to_string()),
            batch_status_cell(b),
            Cell::new(b.clearinghouse_file_id.clone().unwrap_or_default()),
            Cell::new(age),
        ]);
        table.note(output::clean(&b.name));
        if !b.child_file_ids.is_empty() {
            table.note(format!("split by Office Ally into {}", b.child_file_ids.join(", ")));
        }
        if let Some(at) = &b.archived {
            table.note_toned(format!("archived {} — was {}", ctx.times.day(*at), b.status), Tone::Dim);
        }
        if !matches!(b.status, BatchStatus::Queued | BatchStatus::Awaiting) && !b.claim_statuses.is_empty() {
            let done = if all_finished(b) { " (all finished)" } else { "" };
            table.note(format!("{}{done}", claim_breakdown(b)));
        }
    }
    output::print_table(&table);
    if archived > 0 && !args.all {
        outln!("{} not shown (`claimtrack batches --all`).", count(archived as i64, "archived batch", "archived batches"));
    }
    exit::OK
}

/// The batch a person named, or a "not found" that says what to try (as text and, with
/// `--json`, as the command's JSON error).
fn find_batch(t: &Tracker, key: &str) -> Result<i64, u8> {
    match t.find_batch(key) {
        Ok(Some(id)) => Ok(id),
        Ok(None) => {
            let hint = match t.claim(key) {
                Ok(found) if !found.is_empty() => format!("{key:?} is a claim: `claimtrack claim {}`", key.trim()),
                _ => "A batch is named by its number, Office Ally's File ID or its file name; `claimtrack batches --all` lists them."
                    .to_string(),
            };
            output::fail("not_found", &format!("there is no batch {key:?}"), Some(&hint));
            Err(exit::SOME_FAILED)
        }
        Err(e) => Err(setup_failed("the batches could not be read", &e.into())),
    }
}

pub fn batch(ctx: &Ctx, args: BatchArgs) -> u8 {
    let t = match open_existing(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let id = match find_batch(&t, &args.key) {
        Ok(id) => id,
        Err(code) => return code,
    };
    let (b, claims) = match t.batch(id) {
        Ok(Some(v)) => v,
        Ok(None) => {
            output::fail("not_found", &format!("batch {id} is gone"), None);
            return exit::SOME_FAILED;
        }
        Err(e) => return setup_failed("the batch could not be read", &e.into()),
    };
    let sums = totals(&claims);
    if args.json {
        output::json("batch", &BatchJson { batch: &b, claims: &claims, totals: sums });
        return exit::OK;
    }
    let status = match &b.archived {
        Some(at) => format!("{} (archived {})", b.status, ctx.times.day(*at)),
        None => b.status.to_string(),
    };
    outln!("Batch {} — {status}", b.id);
    let mut head = Table::new(&["", ""]).compact();
    let mut line = |k: &str, v: String| {
        head.row(vec![Cell::new(k), Cell::new(v)]);
    };
    line("File", output::clean(&b.name));
    line(
        "Uploaded",
        match &b.uploaded_at {
            Some(at) => ctx.times.at_and_ago(*at),
            None => "not yet: QUEUED (`claimtrack sync` uploads it)".to_string(),
        },
    );
    if let Some(fid) = &b.clearinghouse_file_id {
        let children = if b.child_file_ids.is_empty() { String::new() } else { format!(", split into {}", b.child_file_ids.join(", ")) };
        line("OA file ID", format!("{fid}{children}"));
    }
    let finished = if all_finished(&b) { " — all finished" } else { "" };
    line("Claims", format!("{}: {}{finished}", b.claim_count, claim_breakdown(&b)));
    line(
        "Money",
        format!(
            "charged {} · paid {} · patient owes {}",
            dollars(sums.charged_cents),
            dollars(sums.paid_cents),
            dollars(sums.patient_responsibility_cents)
        ),
    );
    out_head(&head);
    for r in b.reasons.iter().filter(|r| !matches!(r.code_set, CodeSet::Entity)) {
        outln!("  {}", reason_text(r));
    }
    outln!();
    let mut table = Table::new(&["Claim", "Patient", "Service", "OA Claim ID", "Status", "Charged", "Paid", "Patient owes"])
        .right(&[5, 6, 7])
        .fold(&[2, 1]);
    for c in &claims {
        let status = Cell::new(c.status.to_string()).tone(status_tone(c.status.as_str()));
        table.row(vec![
            Cell::new(output::clean(&c.patient_control_number)),
            Cell::new(c.patient_name.clone().unwrap_or_default()),
            Cell::new(service_dates(c)),
            Cell::new(c.clearinghouse_claim_id.clone().unwrap_or_default()),
            status,
            Cell::new(c.charged_cents.map(dollars).unwrap_or_default()),
            Cell::new(paid_cell(c)),
            Cell::new(c.patient_responsibility_cents.map(dollars).unwrap_or_default()),
        ]);
        if c.waiting_for_era {
            table.note_toned("waiting for ERA/EOB: no update from Office Ally or the payer for 7 days", Tone::Warn);
        }
        let status = Some(c.status);
        if status.is_some_and(|s| s.is_rejected() || s == ClaimStatus::Denied || s == ClaimStatus::Pending) {
            for line in problem_lines(&c.reasons) {
                table.note(line);
            }
        }
    }
    table.row(vec![
        Cell::new("Total"),
        Cell::new(""),
        Cell::new(""),
        Cell::new(""),
        Cell::new(""),
        Cell::new(dollars(sums.charged_cents)),
        Cell::new(dollars(sums.paid_cents)),
        Cell::new(dollars(sums.patient_responsibility_cents)),
    ]);
    output::print_table(&table);
    if b.rejected_claims > 0 {
        outln!("\n`claimtrack errors {}` lists the rejections with what to do.", b.id);
    }
    exit::OK
}

/// A two-column key/value block without its header line.
fn out_head(t: &Table) {
    let text = t.render(output::layout());
    // The first line is the (empty) header.
    let body: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    output::out(&body);
}

/// "paid" never reads empty: a rejected claim was not paid, an open one not yet.
fn paid_cell(c: &ClaimRow) -> String {
    match c.paid_cents {
        Some(p) => dollars(p),
        None => match Some(c.status) {
            Some(s) if s.is_rejected() => "not paid".to_string(),
            _ => "—".to_string(),
        },
    }
}

fn service_dates(c: &ClaimRow) -> String {
    match (&c.service_date_from, &c.service_date_to) {
        (Some(a), Some(b)) if a != b => format!("{a} – {b}"),
        (Some(a), _) => a.clone(),
        _ => String::new(),
    }
}

/// "FE69 Patient Street Address Required", "CO-29 Time limit for filing has expired".
fn reason_text(r: &Reason) -> String {
    let code = match &r.group {
        Some(g) => format!("{g}-{}", r.code),
        None => r.code.clone(),
    };
    match &r.description {
        Some(d) => format!("{code} {d}"),
        None => code,
    }
}

/// A claim's reasons, one problem a line: a 277 composite (A7:562:85) is one problem
/// ("562 Entity's NPI — Billing provider (A7 …)"), as `errors` groups it.
fn problem_lines(reasons: &[Reason]) -> Vec<String> {
    let mut lines: Vec<String> = claimtrack::tracking::query::problems(reasons)
        .into_iter()
        .map(|(r, category, entity)| {
            let mut s = reason_text(&r);
            if let Some(e) = entity {
                s.push_str(&format!(" — {}", e.description.unwrap_or(e.code)));
            }
            if let Some(c) = category {
                s.push_str(&format!(" ({})", c.code));
            }
            s
        })
        .collect();
    for r in reasons.iter().filter(|r| matches!(r.code_set, CodeSet::FreeText)) {
        let t = reason_text(r);
        if !lines.contains(&t) {
            lines.push(format!("“{t}”"));
        }
    }
    lines
}

pub fn claim(ctx: &Ctx, args: ClaimArgs) -> u8 {
    let t = match open_existing(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let found = match t.claim(&args.key) {
        Ok(f) => f,
        Err(e) => return setup_failed("the claim could not be read", &e.into()),
    };
    if found.is_empty() {
        let similar = t.similar_claim_keys(&args.key).unwrap_or_default();
        let hint = if !similar.is_empty() {
            format!("Did you mean {}?", similar.join(", "))
        } else if t.find_batch(&args.key).ok().flatten().is_some() {
            format!("{:?} is a batch: `claimtrack batch {}`", args.key, args.key.trim())
        } else {
            "A claim is found by its patient control number (CLM01), OA Claim ID or payer claim number; \
             `claimtrack batch BATCH` lists a batch's claims."
                .to_string()
        };
        let message = format!("no claim has the patient control number, OA Claim ID or payer claim number {:?}", args.key);
        output::fail("not_found", &message, Some(&hint));
        return exit::SOME_FAILED;
    }
    if args.json {
        let v: Vec<ClaimJson> = found.iter().map(|(c, tl)| ClaimJson { claim: c, timeline: tl }).collect();
        output::json("claim", &v);
        return exit::OK;
    }
    if found.len() > 1 {
        outln!("{} have this key (refiles reuse a CLM01); newest first.\n", count(found.len() as i64, "claim", "claims"));
    }
    for (c, timeline) in &found {
        print_claim(ctx, c, timeline);
    }
    exit::OK
}

fn print_claim(ctx: &Ctx, c: &ClaimRow, timeline: &[TimelineEntry]) {
    let batch = match (c.batch_id, &c.batch_name) {
        (Some(b), Some(n)) => format!("batch {b} ({})", output::clean(n)),
        (Some(b), None) => format!("batch {b}"),
        _ => "seen only in responses (no 837 of yours names it)".to_string(),
    };
    outln!("Claim {} — {batch}", output::clean(&c.patient_control_number));
    let mut head = Table::new(&["", ""]).compact();
    let who = match c.status_source.as_deref() {
        Some("clearinghouse") => " by Office Ally",
        Some("payer") => " by the payer",
        _ => "",
    };
    let when = c.last_update.map(|at| format!(", {}", ctx.times.at(at))).unwrap_or_default();
    let waiting = if c.waiting_for_era { " — waiting for ERA/EOB (no update for 7 days)" } else { "" };
    let status = Some(c.status);
    let verdict = match status {
        Some(ClaimStatus::Queued | ClaimStatus::Awaiting) => c.status.to_string(),
        _ => format!("{}{who}{when}", c.status),
    };
    head.row(vec![Cell::new("Status"), Cell::new(format!("{verdict}{waiting}")).tone(status_tone(c.status.as_str()))]);
    if status.is_some_and(|s| s.is_rejected() || s == ClaimStatus::Denied || s == ClaimStatus::Pending) {
        let lines = problem_lines(&c.reasons);
        for (i, l) in lines.iter().enumerate() {
            head.row(vec![Cell::new(if i == 0 { "Why" } else { "" }), Cell::new(l.clone())]);
        }
        if let Some(next) = next_step_for(&c.reasons) {
            head.row(vec![Cell::new("What to do"), Cell::new(next)]);
        }
    }
    let mut who_line = Vec::new();
    if let Some(n) = &c.patient_name {
        who_line.push(n.clone());
    }
    let dates = service_dates(c);
    if !dates.is_empty() {
        who_line.push(format!("service {dates}"));
    }
    if !who_line.is_empty() {
        head.row(vec![Cell::new("Patient"), Cell::new(who_line.join(" · "))]);
    }
    let payer = match (&c.payer_name, &c.payer_id) {
        (Some(n), Some(i)) => Some(format!("{n} ({i})")),
        (Some(n), None) => Some(n.clone()),
        (None, Some(i)) => Some(i.clone()),
        (None, None) => None,
    };
    if let Some(p) = payer {
        head.row(vec![Cell::new("Payer"), Cell::new(p)]);
    }
    let mut ids = Vec::new();
    if let Some(oa) = &c.clearinghouse_claim_id {
        ids.push(format!("OA Claim ID {oa}"));
    }
    if let Some(icn) = &c.payer_claim_number {
        ids.push(format!("payer claim number {icn}"));
    }
    if !ids.is_empty() {
        head.row(vec![Cell::new("IDs"), Cell::new(ids.join(" · "))]);
    }
    head.row(vec![Cell::new("Money"), Cell::new(money_line(c))]);
    out_head(&head);
    outln!();

    let mut table = Table::new(&["When", "What happened", "Code"]).keep(&[0]);
    for e in timeline {
        let ev = &e.event;
        // A report that names the payer by id only (EDI Status) is the claim's payer.
        let party = ev.source_party.as_ref();
        let who = match (party.and_then(|p| p.name.as_deref()), party.and_then(|p| p.id.as_deref())) {
            (None, Some(id)) if c.payer_id.as_deref() == Some(id) && c.payer_name.is_some() => {
                c.payer_name.clone().unwrap_or_default()
            }
            _ => words::who(ev.source, party),
        };
        let what = sentence(&who, ev, e.about);
        let tone = if matches!(e.about, About::Claim | About::ServiceLine) { output::status_tone(ev.status) } else { Tone::Plain };
        table.row(vec![Cell::new(ctx.times.at(e.seen)), Cell::new(what).tone(tone), Cell::new(output::clean(&ev.raw_code))]);
        let kind = e.format.as_deref().map(words::file_kind).unwrap_or_else(|| "file".to_string());
        // Which plugin read it is in `--json`; staff need the file.
        table.note_toned(format!("{kind} {}", output::clean(&e.file)), Tone::Dim);
        for line in problem_lines(&ev.reasons) {
            table.note(line);
        }
    }
    output::print_table(&table);
    outln!();
}

/// What a statement said, as a sentence: "Office Ally rejected this claim", "PINECREST
/// HEALTH PLAN acknowledged the whole file", "You sent this claim".
fn sentence(who: &str, ev: &claimtrack::model::StatusEvent, about: About) -> String {
    use claimtrack::model::StatusClass as S;
    let thing = match about {
        About::Claim => "this claim".to_string(),
        About::ServiceLine => match ev.service_line.as_ref().and_then(|s| s.procedure_code.as_deref()) {
            Some(p) => format!("service line {p}"),
            None => "a service line".to_string(),
        },
        About::Provider => format!("every claim of {}", provider_words(ev)),
        About::TransactionSet => match ev.correlation.transaction_set_control_number.as_deref() {
            Some(st) => format!("the whole transaction set {st}"),
            None => "the whole transaction set".to_string(),
        },
        About::File => "the whole file".to_string(),
    };
    let who = if ev.source == Source::Submitter { "You".to_string() } else { who.to_string() };
    match ev.status {
        _ if ev.source == Source::Submitter => format!("{who} sent {thing}"),
        S::Received => format!("{who} received {thing}"),
        S::Accepted => format!("{who} accepted {thing}"),
        S::AcceptedWithErrors => format!("{who} accepted {thing}, with errors"),
        S::Rejected => format!("{who} rejected {thing}"),
        S::Pending => format!("{who}: {thing} is pending"),
        S::Paid => format!("{who} paid {thing}"),
        S::Denied => format!("{who} denied {thing}"),
        S::Reversed => format!("{who} took back the payment of {thing}"),
        S::Informational => format!("{who} said something about {thing} (for information)"),
    }
}

/// "billing provider NPI 1234567893" for a provider-level statement.
fn provider_words(ev: &claimtrack::model::StatusEvent) -> String {
    let p = ev.claim.as_ref().and_then(|c| c.providers.first());
    match p {
        Some(p) => match (&p.npi, &p.tax_id) {
            (Some(npi), _) => format!("billing provider NPI {npi}"),
            (None, Some(tin)) => format!("billing provider tax id {tin}"),
            _ => "billing provider".to_string(),
        },
        None => "billing provider".to_string(),
    }
}

/// What to do about the first reason that has advice.
fn next_step_for(reasons: &[Reason]) -> Option<String> {
    claimtrack::tracking::query::problems(reasons).into_iter().find_map(|(r, _, entity)| {
        advice::next_step(&r.code_set, &r.code, entity.as_ref().map(|e| e.code.as_str())).map(str::to_string)
    })
}

/// The claim's money in words: never an empty "paid".
fn money_line(c: &ClaimRow) -> String {
    let charged = c.charged_cents.map(|v| format!("charged {}", dollars(v)));
    let paid = match (c.paid_cents, Some(c.status)) {
        (Some(p), _) => {
            let owes = c.patient_responsibility_cents.map(|v| format!(", patient owes {}", dollars(v))).unwrap_or_default();
            format!("paid {}{owes}", dollars(p))
        }
        (None, Some(s)) if s.is_rejected() => "not paid: rejected before adjudication".to_string(),
        (None, Some(ClaimStatus::Denied)) => "not paid: denied".to_string(),
        (None, _) => "no payment yet (no ERA for it)".to_string(),
    };
    match charged {
        Some(ch) => format!("{ch} · {paid}"),
        None => paid,
    }
}

pub fn rebuild(ctx: &Ctx, args: ListArgs) -> u8 {
    let mut t = match open_existing(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let changes = match t.rebuild() {
        Ok(c) => c,
        Err(e) => {
            output::fail("database", &format!("the rebuild failed; nothing was changed: {e}"), None);
            return exit::SETUP;
        }
    };
    if args.json {
        output::json("rebuild", &changes);
        return exit::OK;
    }
    if changes.is_empty() {
        outln!("Rebuilt from the archive: no status changed.");
        return exit::OK;
    }
    outln!("Rebuilt from the archive: {} changed.", count(changes.len() as i64, "status", "statuses"));
    let mut table = Table::new(&["What", "Which", "Before", "After"]);
    for c in &changes {
        table.row(vec![
            Cell::new(c.kind),
            Cell::new(output::clean(&c.key)),
            Cell::new(c.before.clone().unwrap_or_else(|| "(new)".into())),
            Cell::new(c.after.clone().unwrap_or_else(|| "(gone)".into())),
        ]);
    }
    output::print_table(&table);
    exit::OK
}

#[derive(Debug, clap::Args)]
pub struct ErrorsArgs {
    /// Only this batch (its number, Office Ally File ID or file name); default: every batch.
    #[arg(value_name = "BATCH")]
    batch: Option<String>,
    /// Also the problems of claims refiled since (history); default: only open problems.
    #[arg(long)]
    all: bool,
    /// Print JSON (docs/json.md) instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn errors(ctx: &Ctx, args: ErrorsArgs) -> u8 {
    let t = match open_existing(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let batch = match &args.batch {
        Some(key) => match find_batch(&t, key) {
            Ok(id) => Some(id),
            Err(code) => return code,
        },
        None => None,
    };
    let groups = match t.errors(batch, args.all) {
        Ok(g) => g,
        Err(e) => return setup_failed("the errors could not be read", &e.into()),
    };
    if args.json {
        output::json("errors", &groups);
        return exit::OK;
    }
    let scope = batch.map(|b| format!(" in batch {b}")).unwrap_or_default();
    if groups.is_empty() {
        let history = if args.all { "" } else { " (`--all` includes those refiled since)" };
        outln!("No open rejections or denials{scope}{history}.");
        return exit::OK;
    }
    for kind in [ProblemKind::Rejection, ProblemKind::Denial] {
        let mine: Vec<&ErrorGroup> = groups.iter().filter(|g| g.kind == kind).collect();
        if mine.is_empty() {
            continue;
        }
        let claims: std::collections::BTreeSet<i64> = mine.iter().flat_map(|g| g.claims.iter().map(|c| c.claim_id)).collect();
        let title = match kind {
            ProblemKind::Rejection => format!("Rejections{scope}: {} to fix and refile", count(claims.len() as i64, "claim", "claims")),
            ProblemKind::Denial => format!("Denials{scope}: {} the payer refused to pay", count(claims.len() as i64, "claim", "claims")),
        };
        outln!("{title}");
        let mut table = Table::new(&["Code", "Said by", "What it means", "Claims"]).right(&[3]);
        for g in mine {
            let code = match &g.group {
                Some(gr) => format!("{gr}-{}", g.code),
                None => g.code.clone(),
            };
            let said_by = match (g.source.as_str(), &g.payer) {
                ("clearinghouse", _) => "Office Ally".to_string(),
                (_, Some(p)) => p.clone(),
                _ => "the payer".to_string(),
            };
            let mut meaning = g.description.clone().unwrap_or_else(|| "(no description for this code)".to_string());
            if let Some(e) = g.entity_description.as_ref().or(g.entity.as_ref()) {
                meaning.push_str(&format!(" — {e}"));
            }
            table.row(vec![
                Cell::new(code).tone(Tone::Bad),
                Cell::new(said_by),
                Cell::new(meaning),
                Cell::new(g.count.to_string()),
            ]);
            if let Some(c) = &g.category {
                table.note_toned(format!("category {c}"), Tone::Dim);
            }
            let next = g.next_step.as_deref().or_else(|| advice::where_to_look(&CodeSet::from_name(&g.code_set)));
            if let Some(next) = next {
                table.note(format!("What to do: {next}"));
            }
            let hit: Vec<String> = g
                .claims
                .iter()
                .map(|c| {
                    let mut s = output::clean(&c.patient_control_number);
                    if let Some(oa) = &c.clearinghouse_claim_id {
                        s.push_str(&format!(" (OA {oa})"));
                    }
                    if let Some(b) = c.batch_id
                        && batch.is_none()
                    {
                        s.push_str(&format!(" batch {b}"));
                    }
                    if let Some(r) = c.refiled_in {
                        s.push_str(&format!(", refiled in batch {r}"));
                    }
                    s
                })
                .collect();
            table.note(format!("Claims: {}", hit.join(", ")));
        }
        output::print_table(&table);
        outln!();
    }
    let print = if batch.is_some() { "" } else { " (`claimtrack errors BATCH` for one batch)" };
    outln!("Fix each claim in your billing software and submit the corrected 837 with `claimtrack submit`{print}.");
    exit::OK
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// json (batches and claims, amounts in integer cents) or csv (one row per claim, in
    /// dollars, for a spreadsheet).
    #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
    format: ExportFormat,
    /// The same as --format json.
    #[arg(long, conflicts_with = "format")]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Json,
    Csv,
}

/// The CSV columns, in order.
const CSV_COLUMNS: [&str; 18] = [
    "batch",
    "batch_file",
    "patient_control_number",
    "patient",
    "payer",
    "payer_id",
    "status",
    "status_by",
    "oa_claim_id",
    "payer_claim_number",
    "service_from",
    "service_to",
    "charged",
    "paid",
    "patient_responsibility",
    "last_update",
    "waiting_for_era",
    "reasons",
];

pub fn export(ctx: &Ctx, args: ExportArgs) -> u8 {
    let format = if args.json { ExportFormat::Json } else { args.format };
    let t = match open_existing(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let (batches, claims) = match (t.batches(), t.all_claims()) {
        (Ok(b), Ok(c)) => (b, c),
        (Err(e), _) | (_, Err(e)) => {
            output::fail("database", &format!("the data could not be read: {e}"), None);
            return exit::SETUP;
        }
    };
    match format {
        ExportFormat::Json => output::json("export", &query::Export { batches: &batches, claims: &claims }),
        ExportFormat::Csv => {
            let mut text = CSV_COLUMNS.join(",");
            text.push('\n');
            // Plain dollars: no thousands separator, which a spreadsheet would read as text.
            let money = |v: Option<i64>| v.map(|c| format!("{}{}.{:02}", if c < 0 { "-" } else { "" }, c.unsigned_abs() / 100, c.unsigned_abs() % 100));
            for c in &claims {
                let reasons: Vec<String> = c.reasons.iter().filter(|r| !matches!(r.code_set, CodeSet::Entity)).map(reason_text).collect();
                let by = match c.status_source.as_deref() {
                    Some("clearinghouse") => "Office Ally",
                    Some("payer") => "payer",
                    Some("submitter") => "you",
                    _ => "",
                };
                let fields = [
                    c.batch_id.map(|b| b.to_string()).unwrap_or_default(),
                    c.batch_name.clone().unwrap_or_default(),
                    c.patient_control_number.clone(),
                    c.patient_name.clone().unwrap_or_default(),
                    c.payer_name.clone().unwrap_or_default(),
                    c.payer_id.clone().unwrap_or_default(),
                    c.status.to_string(),
                    by.to_string(),
                    c.clearinghouse_claim_id.clone().unwrap_or_default(),
                    c.payer_claim_number.clone().unwrap_or_default(),
                    c.service_date_from.clone().unwrap_or_default(),
                    c.service_date_to.clone().unwrap_or_default(),
                    money(c.charged_cents).unwrap_or_default(),
                    money(c.paid_cents).unwrap_or_default(),
                    money(c.patient_responsibility_cents).unwrap_or_default(),
                    c.last_update.map(|at| ctx.times.at(at)).unwrap_or_default(),
                    if c.waiting_for_era { "yes".into() } else { String::new() },
                    reasons.join("; "),
                ];
                let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                text.push_str(&line.join(","));
                text.push('\n');
            }
            output::out(&text);
        }
    }
    exit::OK
}

/// RFC 4180 quoting, and a leading quote on values a spreadsheet would run as a formula
/// (not on a negative amount, which is a number).
fn csv_field(s: &str) -> String {
    let is_number = s.parse::<f64>().is_ok();
    let s = if s.starts_with(['=', '+', '-', '@']) && !is_number { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-45.07"), "-45.07");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn a_277_composite_reads_as_one_problem() {
        let r = |code_set: CodeSet, code: &str, d: &str| Reason {
            code_set,
            code: code.to_string(),
            description: Some(d.to_string()),
            group: None,
            amount: None,
            position: None,
        };
        let reasons = vec![
            r(CodeSet::ClaimStatusCategory, "A7", "Acknowledgement/Rejected for Invalid Information"),
            r(CodeSet::ClaimStatus, "562", "Entity's National Provider Identifier (NPI)"),
            r(CodeSet::Entity, "85", "Billing provider"),
        ];
        assert_eq!(problem_lines(&reasons), vec!["562 Entity's National Provider Identifier (NPI) — Billing provider (A7)"]);
    }
}
