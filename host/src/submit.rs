//! Submission bookkeeping: the 837 batches the practice submits through claimtrack, staged in
//! the outbox under an Office Ally-compliant name until their upload is recorded.
//!
//! - **Office Ally's rules first.** The file must read as an 837P, 837I or 837D, and it is
//!   read as Office Ally will read it: under its staged name (so a local file name such as
//!   `claims TEST.x12` does not matter, but ISA15 `T` without test mode does). Any broken
//!   Office Ally rule (a diagnostic coded `oa-rule-…`, see the x12-837 plugin's `rules.rs`
//!   and `edits.rs`, and a date of service after today, `claim_checks.rs`),
//!   and any error reading the file (a truncated file: Office Ally fails a file it cannot
//!   read; coded `file-error` when the plugin gives no code), refuses the submission, naming
//!   each, and nothing is stored, unless it is forced; forced codes are recorded with the
//!   submission. So does a claim sent again while its first submission is paid, denied, with
//!   the payer, or still on its way (`resubmit-…`): a duplicate-claim denial is likely.
//! - **One transaction.** The file is archived and ingested like any file (origin `submit`)
//!   and its `submissions` row written in the same transaction, before its events are
//!   correlated: the batch is registered under the staged name (which Office Ally's File
//!   Summary echoes as `File Name:<FileID>_<staged name>`), and it and its claims start
//!   QUEUED.
//! - **QUEUED until uploaded.** The file waits in `<data-dir>/outbox/<staged name>` (0600, in a
//!   0700 folder). [`Tracker::mark_uploaded`](crate::tracker::Tracker::mark_uploaded)
//!   records the upload with the tracker's clock, moves the file to `<data-dir>/sent/` (so it
//!   is never uploaded twice) and derives the batch again: it becomes AWAITING. An 837 that
//!   was only ingested counts as uploaded (it was sent by other means).
//! - **Idempotent.** Files are known by content: the same bytes again are "already
//!   submitted" and write no second outbox file.
//! - **Crash-safe.** The outbox file is written under a hidden temporary name
//!   (`.<staged name>.part`) and flushed to disk before the transaction commits, then renamed
//!   into place: a crash leaves nothing, or a recorded submission whose outbox file is
//!   restored by submitting the same bytes again. Whatever uploads the outbox skips names
//!   starting with `.`.
//! - **Kept through `rebuild`.** The `submissions` table is bookkeeping, keyed by the archived
//!   file; `rebuild` derives batches again and they keep their staged names and statuses.
//!
//! # The staged name
//!
//! `[OATEST_]<practice>_<YYYYMMDD-HHMMSS>[-<n>]_<837P|837I|837D>.txt` ([`staged_name`]):
//! - `837P` / `837I` / `837D`: the claim type the file holds (office-ally.md §1.3: Office Ally
//!   routes by this keyword);
//! - `OATEST_` in test mode, and never otherwise (§1.3: only OATEST makes a test file;
//!   the `OATEST_XXXXXX_XXXXX.txt` form is one Office Ally lists as acceptable);
//! - `<practice>`: the 837's submitter name (loop 1000A) with letters and digits kept and
//!   every other run turned into one `-`, at most 24 characters; `claimtrack` when there is
//!   none, or when it would itself contain `TEST` or `837` (a keyword Office Ally would read);
//! - the tracker's clock, UTC, to the second; `-2`, `-3`… when an earlier submission already
//!   has that name (two submits in the same second);
//! - only `A-Z a-z 0-9 _ . -`.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::claim_checks;
use crate::clock::Clock;
use crate::ingest;
use crate::model::{Level, Severity, Source};
use crate::paths::{create_private_dir, DataDir};
use crate::plugins::PluginSet;
use crate::store::{Store, StoreError};
use crate::tracking::status::BatchStatus;
use crate::tracking::{derive, Touched};

/// The code prefix of the x12-837 plugin's Office Ally rule diagnostics.
pub const RULE_PREFIX: &str = "oa-rule-";
/// The code a refusal gives an error the plugin found reading the file, when it has none.
pub const FILE_ERROR: &str = "file-error";
/// The staged name's first part when the 837 names no usable submitter.
pub const DEFAULT_PREFIX: &str = "claimtrack";
/// Most characters of the submitter name kept in a staged name.
const MAX_PRACTICE: usize = 24;

/// A batch staged in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Submission {
    /// The batch id: what `mark_uploaded` and the batch views take.
    pub batch_id: i64,
    /// The archived 837.
    pub file_id: i64,
    /// The Office Ally-compliant name it is staged and uploaded under.
    pub staged_name: String,
    /// `<data-dir>/outbox/<staged_name>`.
    pub outbox_path: PathBuf,
    /// The name the file was given under (its last path component).
    pub original_name: String,
    /// `x12-837p`, `x12-837i` or `x12-837d`.
    pub format: String,
    /// Staged as an Office Ally test file (OATEST in the name).
    pub test_mode: bool,
    /// The Office Ally rules it breaks (and `file-error` for errors reading it) and was
    /// submitted despite (`--force`), by code.
    pub forced_rules: Vec<String>,
    /// When it was submitted (the tracker's clock), RFC 3339.
    pub queued_at: String,
    /// Claims in the batch.
    pub claim_count: i64,
    /// The batch's status: QUEUED (written as its display text).
    #[serde(serialize_with = "crate::tracking::status::shown::serialize")]
    #[schemars(with = "String")]
    pub status: BatchStatus,
}

/// Why a file was not submitted.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// No plugin reads the file, or it reads as something other than an 837P/I/D.
    #[error("{name} is not an 837 claim batch ({problem}); only X12 837P, 837I and 837D files can be submitted")]
    NotAn837 {
        /// The file's name (last path component).
        name: String,
        /// What it is instead, or why no plugin read it.
        problem: String,
    },
    /// The 837 holds no claim; nothing was stored.
    #[error("{name} holds no claims (no CLM segment): there is nothing to submit")]
    NoClaims {
        /// The file's name (last path component).
        name: String,
    },
    /// Office Ally rules the file breaks (`oa-rule-…`) and errors reading it (their code, or
    /// `file-error`), as (code, message), in file order; nothing was stored.
    #[error("the file breaks Office Ally rules or has errors ({}); nothing was stored", codes(.0))]
    RulesBroken(Vec<(String, String)>),
    /// These bytes were submitted before; nothing changed (a missing outbox file of a batch
    /// not yet uploaded is restored: `restored`).
    #[error("already submitted as {staged_name}{}", .batch_id.map(|b| format!(" (batch {b})")).unwrap_or_default())]
    AlreadySubmitted {
        /// The name it was staged under.
        staged_name: String,
        /// Its batch, when one was derived.
        batch_id: Option<i64>,
        /// The batch's status now.
        status: Option<BatchStatus>,
        /// When it was first submitted, RFC 3339 UTC.
        queued_at: String,
        /// When its upload was recorded, RFC 3339 UTC; `None` while in the outbox.
        uploaded_at: Option<String>,
        /// The missing outbox file was written again.
        restored: bool,
    },
    /// These bytes were ingested before (not submitted): that batch counts as sent by other
    /// means, so it is not submitted again.
    #[error("{}", already_ingested(.name, .first_seen, .batch_id))]
    AlreadyIngested {
        /// The archived file.
        file_id: i64,
        /// The name it was ingested under.
        name: String,
        /// Its batch; `None` when the bytes are not an 837.
        batch_id: Option<i64>,
        /// When it was ingested, RFC 3339 UTC.
        first_seen: String,
    },
    /// Nothing was stored.
    #[error("the outbox file {path} could not be written ({source}); nothing was stored")]
    Outbox {
        /// The outbox folder or file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The submission is recorded but its file is not in the outbox.
    #[error(
        "the submission is recorded as {staged_name}, but its outbox file {path} could not be written ({source}); submit the same file again to restore it"
    )]
    NotStaged {
        /// The name it is recorded under.
        staged_name: String,
        /// The outbox file that could not be written.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The database failed; the transaction was rolled back and nothing was stored.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SubmitError {
    /// A stable identifier (the JSON contract's `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            SubmitError::NotAn837 { .. } => "not_an_837",
            SubmitError::NoClaims { .. } => "no_claims",
            SubmitError::RulesBroken(_) => "refused",
            SubmitError::AlreadySubmitted { .. } => "already_submitted",
            SubmitError::AlreadyIngested { .. } => "already_ingested",
            SubmitError::Outbox { .. } | SubmitError::NotStaged { .. } => "outbox",
            SubmitError::Store(_) => "database",
        }
    }
}

/// What `submit` answers in the JSON contract (`submit --json`, `POST /api/v1/submit`): the
/// batch queued, the file refused with the rules it breaks, or the bytes already submitted.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SubmitOutcome<'a> {
    /// Queued: in the outbox, QUEUED until `sync` uploads it.
    Queued {
        /// What was recorded.
        #[serde(flatten)]
        submission: &'a Submission,
    },
    /// Refused: it breaks Office Ally rules or has errors; nothing was stored.
    Refused {
        /// The name it was given under.
        file: &'a str,
        /// Each problem, in file order.
        broken_rules: Vec<BrokenRule<'a>>,
    },
    /// These bytes were submitted before; nothing changed.
    AlreadySubmitted {
        /// The name it was given under this time.
        file: &'a str,
        /// The name it was staged under.
        staged_name: &'a str,
        /// Its batch.
        batch_id: Option<i64>,
        /// Its batch's status now.
        status: Option<&'a str>,
        /// When it was first submitted.
        queued_at: &'a str,
        /// When its upload was recorded; none while in the outbox.
        uploaded_at: Option<&'a str>,
        /// Its missing outbox file was written again.
        restored_to_outbox: bool,
    },
}

/// A rule a refused file breaks.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct BrokenRule<'a> {
    /// `oa-rule-…`, or the plugin's code for an error reading it.
    pub code: &'a str,
    /// What is wrong, without the "Office Ally rule: " lead (the code says it).
    pub message: &'a str,
}

impl<'a> SubmitOutcome<'a> {
    /// The outcome of submitting `file`; `None` for a failure that is an error (not an 837,
    /// no claims, already ingested, the outbox or database failing).
    pub fn of(file: &'a str, result: &'a Result<Submission, SubmitError>) -> Option<SubmitOutcome<'a>> {
        match result {
            Ok(submission) => Some(SubmitOutcome::Queued { submission }),
            Err(SubmitError::RulesBroken(rules)) => Some(SubmitOutcome::Refused {
                file,
                broken_rules: rules
                    .iter()
                    .map(|(code, m)| BrokenRule { code, message: m.strip_prefix("Office Ally rule: ").unwrap_or(m) })
                    .collect(),
            }),
            Err(SubmitError::AlreadySubmitted { staged_name, batch_id, status, queued_at, uploaded_at, restored }) => {
                Some(SubmitOutcome::AlreadySubmitted {
                    file,
                    staged_name,
                    batch_id: *batch_id,
                    status: status.map(BatchStatus::as_str),
                    queued_at,
                    uploaded_at: uploaded_at.as_deref(),
                    restored_to_outbox: *restored,
                })
            }
            Err(_) => None,
        }
    }
}

impl From<rusqlite::Error> for SubmitError {
    fn from(e: rusqlite::Error) -> Self {
        SubmitError::Store(StoreError::Sql(e))
    }
}

fn already_ingested(name: &str, first_seen: &str, batch_id: &Option<i64>) -> String {
    match batch_id {
        Some(b) => format!(
            "these bytes were already ingested as {name} on {first_seen} (batch {b}): claimtrack counts that batch as sent outside claimtrack, so it is not submitted again"
        ),
        None => format!("these bytes were already ingested as {name} on {first_seen}, and they are not an 837 batch; nothing was submitted"),
    }
}

fn codes(rules: &[(String, String)]) -> String {
    let mut v: Vec<&str> = Vec::new();
    for (c, _) in rules {
        if !v.contains(&c.as_str()) {
            v.push(c);
        }
    }
    v.join(", ")
}

/// The Office Ally file-name keyword of an 837 format id.
pub fn keyword(format_id: &str) -> Option<&'static str> {
    match format_id {
        "x12-837p" => Some("837P"),
        "x12-837i" => Some("837I"),
        "x12-837d" => Some("837D"),
        _ => None,
    }
}

/// The staged name's practice part from the 837's submitter name (see the module docs).
pub fn practice_label(submitter: Option<&str>) -> String {
    let mut out = String::new();
    for c in submitter.unwrap_or("").chars() {
        if out.len() >= MAX_PRACTICE {
            break;
        }
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    let upper = out.to_ascii_uppercase();
    if out.is_empty() || upper.contains("TEST") || upper.contains("837") {
        DEFAULT_PREFIX.to_string()
    } else {
        out
    }
}

/// `[OATEST_]<practice>_<YYYYMMDD-HHMMSS>[-<seq>]_<keyword>.txt`; `seq` 1 adds nothing.
pub fn staged_name(practice: &str, keyword: &str, test: bool, at: DateTime<Utc>, seq: u32) -> String {
    let mut s = String::new();
    if test {
        s.push_str("OATEST_");
    }
    s.push_str(practice);
    s.push('_');
    s.push_str(&at.format("%Y%m%d-%H%M%S").to_string());
    if seq > 1 {
        s.push_str(&format!("-{seq}"));
    }
    s.push('_');
    s.push_str(keyword);
    s.push_str(".txt");
    s
}

/// The first staged name no submission has and no file in the outbox or `sent/` uses.
fn free_name(
    conn: &Connection,
    data_dir: &DataDir,
    practice: &str,
    keyword: &str,
    test: bool,
    at: DateTime<Utc>,
) -> rusqlite::Result<String> {
    let mut seq = 1;
    loop {
        let name = staged_name(practice, keyword, test, at, seq);
        let taken: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM submissions WHERE staged_name = ?1)", params![name], |r| r.get(0))?;
        if !taken && !data_dir.outbox().join(&name).exists() && !data_dir.sent().join(&name).exists() {
            return Ok(name);
        }
        seq += 1;
    }
}

/// What checking an 837 found, before anything is stored: what `submit` would refuse it for.
#[derive(Debug)]
pub struct Checked {
    /// `x12-837p`, `x12-837i` or `x12-837d`.
    pub format: String,
    /// Claims in it.
    pub claim_count: usize,
    /// The Office Ally rules it breaks and the errors reading it, as (code, message), in
    /// file order; empty when it can be queued.
    pub broken: Vec<(String, String)>,
    report: crate::plugins::ParseReport,
    practice: String,
    keyword: &'static str,
    at: DateTime<Utc>,
}

/// Check one 837 as `submit` does (read it under the name it would be uploaded under,
/// Office Ally's rules, future dates of service, resubmissions). Bytes submitted before are
/// [`SubmitError::AlreadySubmitted`] (or `AlreadyIngested`); `restore` puts such a batch's
/// missing outbox file back, as `submit` does. Without it, nothing is written.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check(
    store: &Store,
    plugins: &PluginSet,
    clock: &Clock,
    data_dir: &DataDir,
    name: &str,
    bytes: &[u8],
    test: bool,
    restore: bool,
) -> Result<Checked, SubmitError> {
    let sha = ingest::sha256_hex(bytes);
    if let Some(file_id) = store.file_id(&sha)? {
        return Err(known(store.conn(), data_dir, file_id, bytes, restore)?);
    }
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let not_837 = |problem: String| SubmitError::NotAn837 { name: base.to_string(), problem };

    // What the file is: the claim type decides the name's keyword.
    let first = plugins.parse(base, bytes, None).map_err(|e| not_837(e.to_string()))?;
    let format = first.parsed.metadata.format_id.clone();
    let Some(kw) = keyword(&format) else {
        return Err(not_837(format!("it reads as {format}")));
    };
    let submitter = first.parsed.metadata.sender.as_ref().and_then(|p| p.name.as_deref());
    let practice = practice_label(submitter);
    let at = clock.now();

    // Read it as Office Ally will: under the name it is uploaded under. A later counter
    // suffix changes no rule (it is digits), so this reading stands for the final name.
    let candidate = free_name(store.conn(), data_dir, &practice, kw, test, at)?;
    let report = plugins.parse(&candidate, bytes, Some(&first.plugin)).map_err(|e| not_837(e.to_string()))?;
    if !report.parsed.events.iter().any(|e| e.level == Level::Claim && e.source == Source::Submitter) {
        return Err(SubmitError::NoClaims { name: base.to_string() });
    }
    let mut broken: Vec<(String, String)> = report
        .parsed
        .diagnostics
        .iter()
        .filter_map(|d| match d.code.as_deref() {
            Some(c) if c.starts_with(RULE_PREFIX) => Some((c.to_string(), d.message.clone())),
            code if d.severity == Severity::Error => Some((code.unwrap_or(FILE_ERROR).to_string(), d.message.clone())),
            _ => None,
        })
        .collect();
    let future = claim_checks::future_service_dates(&report.parsed.events, claim_checks::today(clock));
    broken.extend(future.into_iter().map(|d| (claim_checks::FUTURE.to_string(), d.message)));
    broken.extend(resubmissions(store.conn(), &report.parsed.events)?);
    let claim_count = report.parsed.events.iter().filter(|e| e.level == Level::Claim && e.source == Source::Submitter).count();
    Ok(Checked { format, claim_count, broken, report, practice, keyword: kw, at })
}

/// Check, archive, ingest and stage one 837 (see the module docs).
#[allow(clippy::too_many_arguments)]
pub(crate) fn submit(
    store: &mut Store,
    plugins: &PluginSet,
    clock: &Clock,
    data_dir: &DataDir,
    name: &str,
    bytes: &[u8],
    test: bool,
    force: bool,
) -> Result<Submission, SubmitError> {
    let Checked { format, broken, report, practice, keyword: kw, at, .. } = check(store, plugins, clock, data_dir, name, bytes, test, true)?;
    if !broken.is_empty() && !force {
        return Err(SubmitError::RulesBroken(broken));
    }
    let sha = ingest::sha256_hex(bytes);
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let queued_at = crate::clock::stored(at);
    let outbox = data_dir.outbox();
    let mut forced: Vec<String> = Vec::new();
    for (code, _) in &broken {
        if !forced.contains(code) {
            forced.push(code.clone());
        }
    }

    create_private_dir(&outbox).map_err(|source| SubmitError::Outbox { path: outbox.clone(), source })?;
    let tx = store.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have stored the same bytes, or taken the name, meanwhile.
    if let Some(file_id) = tx.query_row("SELECT id FROM files WHERE sha256 = ?1", params![sha], |r| r.get(0)).optional()? {
        drop(tx);
        return Err(known(store.conn(), data_dir, file_id, bytes, true)?);
    }
    let staged = free_name(&tx, data_dir, &practice, kw, test, at)?;
    let dest = outbox.join(&staged);
    let tmp = write_temp(&outbox, &staged, bytes).map_err(|source| SubmitError::Outbox { path: dest.clone(), source })?;
    let forced_json = serde_json::to_string(&forced).expect("codes serialize");
    let stored = ingest::store_parsed(&tx, base, &ingest::FileOrigin::Submit.to_string(), &sha, bytes, &queued_at, &report, |tx, file_id| {
        tx.execute(
            "INSERT INTO submissions (file_id, staged_name, test_mode, forced_rules, queued_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![file_id, staged, test, forced_json, queued_at],
        )?;
        Ok(())
    })
    .and_then(|outcome| crate::store::changes::flush(&tx, &queued_at).and_then(|_| tx.commit()).map(|()| outcome));
    let outcome = match stored {
        Ok(o) => o,
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            return Err(e.into());
        }
    };
    let ingest::Outcome::Ingested { file_id, .. } = outcome else {
        unreachable!("store_parsed archives a parsed document")
    };
    publish(&tmp, &dest).map_err(|source| SubmitError::NotStaged { staged_name: staged.clone(), path: dest.clone(), source })?;
    let (batch_id, claim_count, status): (i64, i64, BatchStatus) = store.conn().query_row(
        "SELECT id, claim_count, status FROM batches WHERE file_id = ?1",
        params![file_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(Submission {
        batch_id,
        file_id,
        staged_name: staged,
        outbox_path: dest,
        original_name: base.to_string(),
        format,
        test_mode: test,
        forced_rules: forced,
        queued_at,
        claim_count,
        status,
    })
}

/// Why bytes already in the archive are not submitted again; a submission not yet uploaded
/// whose outbox file is missing gets it back.
fn known(conn: &Connection, data_dir: &DataDir, file_id: i64, bytes: &[u8], restore: bool) -> Result<SubmitError, SubmitError> {
    #[allow(clippy::type_complexity)]
    let (name, first_seen, staged, queued_at, uploaded_at, batch_id, status): (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<BatchStatus>,
    ) = conn.query_row(
        "SELECT f.original_name, f.first_seen, s.staged_name, s.queued_at, s.uploaded_at, b.id, b.status
         FROM files f LEFT JOIN submissions s ON s.file_id = f.id LEFT JOIN batches b ON b.file_id = f.id
         WHERE f.id = ?1",
        params![file_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
    )?;
    let Some(staged_name) = staged else {
        return Ok(SubmitError::AlreadyIngested { file_id, name, batch_id, first_seen });
    };
    let mut restored = false;
    let dest = data_dir.outbox().join(&staged_name);
    if restore && uploaded_at.is_none() && !dest.exists() {
        let outbox = data_dir.outbox();
        let staged = |source| SubmitError::NotStaged { staged_name: staged_name.clone(), path: dest.clone(), source };
        create_private_dir(&outbox).map_err(staged)?;
        let tmp = write_temp(&outbox, &staged_name, bytes).map_err(staged)?;
        publish(&tmp, &dest).map_err(staged)?;
        restored = true;
    }
    Ok(SubmitError::AlreadySubmitted {
        staged_name,
        batch_id,
        status,
        queued_at: queued_at.unwrap_or_default(),
        uploaded_at,
        restored,
    })
}

/// The codes of a claim sent again while the first one is still in play: the payer is
/// likely to deny the second as a duplicate (CARC 18), and a refile is only right for a
/// rejected claim.
pub const RESUBMIT_PAID: &str = "resubmit-finished";
/// See [`RESUBMIT_PAID`]: the first one is with the payer (accepted, pending).
pub const RESUBMIT_IN_ADJUDICATION: &str = "resubmit-in-adjudication";
/// See [`RESUBMIT_PAID`]: the first one was sent and nobody has rejected it.
pub const RESUBMIT_IN_FLIGHT: &str = "resubmit-in-flight";

/// One finding per claim of the 837 whose CLM01 (as payers compare it: upper-cased, leading
/// zeros dropped) and first date of service match a claim already sent that is not rejected:
/// paid, denied or reversed; accepted by the payer or pending; or still on its way. A
/// replacement or void (frequency code 7 or 8) is how a finished claim is corrected, and is
/// never flagged.
fn resubmissions(conn: &Connection, events: &[crate::model::StatusEvent]) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.status, c.batch_id, c.clearinghouse_claim_id, c.service_date_from FROM claims c
         WHERE upper(ltrim(c.patient_control_number, '0')) = ?1 AND c.batch_id IS NOT NULL
           AND c.status NOT IN ('OA REJECTED', 'PAYER REJECTED')
         ORDER BY c.id DESC",
    )?;
    let mut out = Vec::new();
    for e in events.iter().filter(|e| e.level == Level::Claim && e.source == Source::Submitter) {
        let Some(c) = &e.claim else { continue };
        let Some(pcn) = c.patient_control_number.as_deref() else { continue };
        if matches!(c.frequency_code.as_deref(), Some("7" | "8")) {
            continue;
        }
        let key = pcn.trim_start_matches('0').to_ascii_uppercase();
        // (status, batch, OA Claim ID, first date of service) of each earlier claim.
        type Earlier = (String, Option<i64>, Option<String>, Option<String>);
        let earlier: Vec<Earlier> =
            stmt.query_map(params![key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<Result<_, _>>()?;
        // A different date of service is another visit that reuses the number.
        let same_visit = earlier.into_iter().find(|(_, _, _, from)| match (from, &c.service_date_from) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        });
        let Some((status, batch, oa, _)) = same_visit else { continue };
        let (code, why) = match status.as_str() {
            "PAID" | "DENIED" | "REVERSED" => {
                (RESUBMIT_PAID, "sending it again is likely denied as a duplicate (CARC 18); to change it, send a corrected claim (frequency code 7)")
            }
            "PAYER ACCEPTED" | "PENDING" => {
                (RESUBMIT_IN_ADJUDICATION, "the payer is adjudicating it: a second copy is likely denied as a duplicate (CARC 18)")
            }
            _ => (RESUBMIT_IN_FLIGHT, "it was sent already and nobody has rejected it: wait for Office Ally's and the payer's answer"),
        };
        let oa = oa.map(|id| format!(", OA Claim ID {id}")).unwrap_or_default();
        let batch = batch.map(|b| format!("batch {b}")).unwrap_or_default();
        out.push((code.to_string(), format!("claim {pcn} is already {status} ({batch}{oa}): {why}")));
    }
    Ok(out)
}

/// Write `bytes` to `<dir>/.<name>.part`, owner-only, and flush it to disk.
fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    let tmp = dir.join(format!(".{name}.part"));
    let mut f = crate::paths::create_private_file(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(tmp)
}

/// Rename `from` to `to` and make the rename durable.
fn publish(from: &Path, to: &Path) -> io::Result<()> {
    fs::rename(from, to)?;
    sync_dir(to.parent().unwrap_or(Path::new(".")))
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()?;
    }
    let _ = dir;
    Ok(())
}

/// A recorded upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Uploaded {
    /// The batch, when one was derived from the 837.
    pub batch_id: Option<i64>,
    /// The archived 837.
    pub file_id: i64,
    /// The name it was staged and uploaded under.
    pub staged_name: String,
    /// When the upload was recorded (the tracker's clock), RFC 3339.
    pub uploaded_at: String,
    /// The upload had been recorded before: nothing changed.
    pub already: bool,
    /// The batch's status now: AWAITING, or whatever responses already said (written as its
    /// display text).
    #[serde(serialize_with = "crate::tracking::status::shown::option")]
    #[schemars(with = "Option<String>")]
    pub status: Option<BatchStatus>,
    /// Where the outbox file was moved (`<data-dir>/sent/<staged name>`), when it was there.
    pub moved_to: Option<PathBuf>,
}

/// Why an upload could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// No submission has this batch id or staged name (the key as given).
    #[error("no submitted batch has the id or staged name {0:?}; `claimtrack outbox` lists the batches waiting for upload")]
    Unknown(String),
    /// The batch exists but was ingested, not submitted: it already counts as uploaded.
    #[error("batch {batch_id} ({name}) was ingested, not submitted with claimtrack: it already counts as uploaded")]
    NotSubmitted {
        /// The batch.
        batch_id: i64,
        /// The name its 837 was ingested under.
        name: String,
    },
    /// The upload is recorded, but the file could not leave the outbox: delete it by hand.
    #[error(
        "the upload of {staged_name} is recorded, but its outbox file could not be moved to {to} ({source}); delete {from} by hand so it is not uploaded twice"
    )]
    Move {
        /// The staged name.
        staged_name: String,
        /// The outbox file still there.
        from: PathBuf,
        /// Where it should have gone (`<data-dir>/sent/`).
        to: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The database failed; nothing was recorded.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl UploadError {
    /// A stable identifier of what went wrong (the JSON contract's `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            UploadError::Unknown(_) => "not_found",
            UploadError::NotSubmitted { .. } => "not_submitted",
            UploadError::Move { .. } => "outbox",
            UploadError::Store(e) => e.kind(),
        }
    }
}

impl From<rusqlite::Error> for UploadError {
    fn from(e: rusqlite::Error) -> Self {
        UploadError::Store(StoreError::Sql(e))
    }
}

/// (file id, staged name, uploaded at, batch id) of the submission `key` names: a staged
/// name, else a batch id.
type Found = (i64, String, Option<String>, Option<i64>);

fn find(conn: &Connection, key: &str) -> Result<Found, UploadError> {
    const SELECT: &str = "SELECT s.file_id, s.staged_name, s.uploaded_at, b.id
         FROM submissions s LEFT JOIN batches b ON b.file_id = s.file_id";
    let row = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
    if let Some(f) = conn.query_row(&format!("{SELECT} WHERE s.staged_name = ?1"), params![key], row).optional()? {
        return Ok(f);
    }
    let Ok(id) = key.trim().parse::<i64>() else { return Err(UploadError::Unknown(key.to_string())) };
    if let Some(f) = conn.query_row(&format!("{SELECT} WHERE b.id = ?1"), params![id], row).optional()? {
        return Ok(f);
    }
    match conn.query_row("SELECT submitted_name FROM batches WHERE id = ?1", params![id], |r| r.get(0)).optional()? {
        Some(name) => Err(UploadError::NotSubmitted { batch_id: id, name }),
        None => Err(UploadError::Unknown(key.to_string())),
    }
}

/// Record that the submission `key` names (batch id or staged name) was uploaded, derive its
/// batch and claims again (QUEUED → AWAITING), and move its file out of the outbox.
pub(crate) fn mark_uploaded(store: &mut Store, clock: &Clock, data_dir: &DataDir, key: &str) -> Result<Uploaded, UploadError> {
    let (file_id, staged_name, _, _) = find(store.conn(), key)?;
    let now = clock.stamp();
    let tx = store.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Read again under the write lock: another process may have recorded it meanwhile.
    let (recorded, batch_id): (Option<String>, Option<i64>) = tx.query_row(
        "SELECT s.uploaded_at, b.id FROM submissions s LEFT JOIN batches b ON b.file_id = s.file_id WHERE s.file_id = ?1",
        params![file_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let already = recorded.is_some();
    let uploaded_at = match recorded {
        Some(at) => at,
        None => {
            tx.execute("UPDATE submissions SET uploaded_at = ?2 WHERE file_id = ?1", params![file_id, now])?;
            if let Some(b) = batch_id {
                let claims = {
                    let mut stmt = tx.prepare("SELECT id FROM claims WHERE batch_id = ?1")?;
                    stmt.query_map(params![b], |r| r.get(0))?.collect::<Result<_, _>>()?
                };
                derive::derive(&tx, &Touched { batches: [b].into(), claims })?;
            }
            crate::store::changes::flush(&tx, &now)?;
            now
        }
    };
    tx.commit()?;
    let status: Option<BatchStatus> = match batch_id {
        Some(b) => store.conn().query_row("SELECT status FROM batches WHERE id = ?1", params![b], |r| r.get(0)).optional()?,
        None => None,
    };
    let from = data_dir.outbox().join(&staged_name);
    let mut moved_to = None;
    if from.exists() {
        let sent = data_dir.sent();
        let to = sent.join(&staged_name);
        let moved = create_private_dir(&sent).and_then(|()| publish(&from, &to));
        if let Err(source) = moved {
            return Err(UploadError::Move { staged_name, from, to, source });
        }
        moved_to = Some(to);
    }
    Ok(Uploaded { batch_id, file_id, staged_name, uploaded_at, already, status, moved_to })
}

/// A batch put back in the outbox by `Tracker::resend`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Resent {
    /// The batch (its number, claims and staged name do not change).
    pub batch_id: i64,
    /// The name it is uploaded under, the same as the first time.
    pub staged_name: String,
    /// `<data-dir>/outbox/<staged_name>`, written from the archived bytes.
    pub outbox_path: PathBuf,
    /// When it was uploaded before, RFC 3339.
    pub previously_uploaded_at: String,
    /// How many times it has been sent again, this time included.
    pub resends: i64,
}

/// Why a batch was not put back in the outbox.
#[derive(Debug, thiserror::Error)]
pub enum ResendError {
    /// No batch has this id.
    #[error("there is no batch {0}; `claimtrack batches` lists them")]
    Unknown(i64),
    /// The batch was ingested, not submitted with claimtrack: there is no staged upload.
    #[error("batch {0} was ingested, not submitted with claimtrack: resend it from the software that sent it")]
    NotSubmitted(i64),
    /// Still in the outbox: the next sync uploads it anyway.
    #[error("batch {0} is still QUEUED: it has not been uploaded yet, and the next `claimtrack sync` uploads it")]
    NotUploaded(i64),
    /// Office Ally (or a payer) has answered for it: sending it again would submit its claims
    /// twice.
    #[error(
        "batch {batch_id} is {status}, not AWAITING: Office Ally has answered for it, so sending it again would submit \
         its claims twice; fix rejected claims and submit them in a new 837"
    )]
    Answered {
        /// The batch.
        batch_id: i64,
        /// Its status.
        status: BatchStatus,
    },
    /// The outbox file could not be written; nothing changed.
    #[error("cannot write {path}: {source}; nothing changed")]
    Outbox {
        /// The outbox file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The database failed; nothing changed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ResendError {
    /// A stable identifier of what went wrong (the JSON contract's `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            ResendError::Unknown(_) => "not_found",
            ResendError::NotSubmitted(_) => "not_submitted",
            ResendError::NotUploaded(_) => "not_uploaded",
            ResendError::Answered { .. } => "answered",
            ResendError::Outbox { .. } => "outbox",
            ResendError::Store(e) => e.kind(),
        }
    }
}

impl From<rusqlite::Error> for ResendError {
    fn from(e: rusqlite::Error) -> Self {
        ResendError::Store(StoreError::Sql(e))
    }
}

/// Put an AWAITING batch back in the outbox so the next sync uploads it again: same batch,
/// same claims, same staged name. Its outbox file is written from the archived bytes (what
/// was checked at `submit`), and its upload record is cleared in the same transaction, so the
/// sync's safeguards apply as to a first upload: the rename is recorded before it happens,
/// a batch answered meanwhile is not sent, and one Office Ally never picked up (still in
/// inbound under its name) is not sent twice.
pub(crate) fn resend(store: &mut Store, clock: &Clock, data_dir: &DataDir, batch_id: i64) -> Result<Resent, ResendError> {
    let tx = store.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
    // (837 file, batch status, staged name, uploaded at, resends so far)
    type Row = (i64, BatchStatus, Option<String>, Option<String>, i64);
    let found: Option<Row> = tx
        .query_row(
            "SELECT b.file_id, b.status, s.staged_name, s.uploaded_at, COALESCE(s.resends, 0)
             FROM batches b LEFT JOIN submissions s ON s.file_id = b.file_id WHERE b.id = ?1",
            params![batch_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((file_id, status, staged, uploaded_at, resends)) = found else { return Err(ResendError::Unknown(batch_id)) };
    let Some(staged_name) = staged else { return Err(ResendError::NotSubmitted(batch_id)) };
    let Some(previously_uploaded_at) = uploaded_at else { return Err(ResendError::NotUploaded(batch_id)) };
    if status != BatchStatus::Awaiting {
        return Err(ResendError::Answered { batch_id, status });
    }
    let bytes: Vec<u8> = tx.query_row("SELECT bytes FROM files WHERE id = ?1", params![file_id], |r| r.get(0))?;
    let outbox = data_dir.outbox();
    let dest = outbox.join(&staged_name);
    let io_failed = |source| ResendError::Outbox { path: dest.clone(), source };
    create_private_dir(&outbox).map_err(io_failed)?;
    let tmp = write_temp(&outbox, &staged_name, &bytes).map_err(io_failed)?;
    tx.execute(
        "UPDATE submissions SET uploaded_at = NULL, publishing_at = NULL, resends = resends + 1, last_resent_at = ?2
         WHERE file_id = ?1",
        params![file_id, clock.stamp()],
    )?;
    let claims = {
        let mut stmt = tx.prepare("SELECT id FROM claims WHERE batch_id = ?1")?;
        stmt.query_map(params![batch_id], |r| r.get(0))?.collect::<Result<_, _>>()?
    };
    derive::derive(&tx, &Touched { batches: [batch_id].into(), claims })?;
    crate::store::changes::flush(&tx, &clock.stamp())?;
    // In place before the commit: a crash in between leaves an outbox file for a batch still
    // recorded as uploaded, which no sync sends (only batches without an upload are sent).
    if let Err(e) = publish(&tmp, &dest) {
        let _ = fs::remove_file(&tmp);
        return Err(io_failed(e));
    }
    tx.commit()?;
    Ok(Resent { batch_id, staged_name, outbox_path: dest, previously_uploaded_at, resends: resends + 1 })
}

/// A submitted batch waiting for upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct OutboxEntry {
    /// The batch, when one was derived from the 837.
    pub batch_id: Option<i64>,
    /// The archived 837.
    pub file_id: i64,
    /// The Office Ally-compliant name to upload it under.
    pub staged_name: String,
    /// `<data-dir>/outbox/<staged_name>`.
    pub path: PathBuf,
    /// Whether the file is there (if not: submit the same file again to restore it).
    pub present: bool,
    /// The name the file was given under (its last path component).
    pub original_name: String,
    /// `x12-837p`, `x12-837i` or `x12-837d`.
    pub format: Option<String>,
    /// Staged as an Office Ally test file (OATEST in the name).
    pub test_mode: bool,
    /// The rule codes it was submitted despite (`--force`).
    pub forced_rules: Vec<String>,
    /// When it was submitted, RFC 3339 UTC.
    pub queued_at: String,
    /// Claims in the batch.
    pub claim_count: i64,
    /// The batch's status: QUEUED, unless responses already arrived (written as its display
    /// text).
    #[serde(serialize_with = "crate::tracking::status::shown::option")]
    #[schemars(with = "Option<String>")]
    pub status: Option<BatchStatus>,
}

/// The submissions not yet uploaded, oldest first.
pub(crate) fn outbox(conn: &Connection, data_dir: &DataDir) -> Result<Vec<OutboxEntry>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT b.id, s.file_id, s.staged_name, f.original_name, f.format, s.test_mode, s.forced_rules, s.queued_at,
                COALESCE(b.claim_count, 0), b.status
         FROM submissions s JOIN files f ON f.id = s.file_id LEFT JOIN batches b ON b.file_id = s.file_id
         WHERE s.uploaded_at IS NULL
         ORDER BY s.queued_at, s.file_id",
    )?;
    let dir = data_dir.outbox();
    let rows = stmt.query_map([], |r| {
        let staged_name: String = r.get(2)?;
        let forced: String = r.get(6)?;
        let path = dir.join(&staged_name);
        Ok(OutboxEntry {
            batch_id: r.get(0)?,
            file_id: r.get(1)?,
            present: path.is_file(),
            path,
            staged_name,
            original_name: r.get(3)?,
            format: r.get(4)?,
            test_mode: r.get(5)?,
            forced_rules: serde_json::from_str(&forced).unwrap_or_default(),
            queued_at: r.get(7)?,
            claim_count: r.get(8)?,
            status: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn staged_names_follow_office_ally_rules() {
        let t = at("2026-02-03T04:05:06Z");
        assert_eq!(staged_name("SUNNY-CHIROPRACTIC", "837P", false, t, 1), "SUNNY-CHIROPRACTIC_20260203-040506_837P.txt");
        assert_eq!(staged_name("SUNNY-CHIROPRACTIC", "837I", true, t, 2), "OATEST_SUNNY-CHIROPRACTIC_20260203-040506-2_837I.txt");
        let name = staged_name(&practice_label(Some("Dr. O'Brien & Sons, P.C.")), "837D", false, t, 12);
        assert_eq!(name, "Dr-O-Brien-Sons-P-C_20260203-040506-12_837D.txt");
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)), "{name}");
    }

    #[test]
    fn practice_labels_are_safe() {
        assert_eq!(practice_label(Some("SUNNY CHIROPRACTIC")), "SUNNY-CHIROPRACTIC");
        assert_eq!(practice_label(Some("  Dr. O'Brien & Sons, P.C. ")), "Dr-O-Brien-Sons-P-C");
        assert_eq!(practice_label(Some("A VERY LONG PRACTICE NAME INDEED LLC")), "A-VERY-LONG-PRACTICE-NAM");
        assert_eq!(practice_label(None), DEFAULT_PREFIX);
        assert_eq!(practice_label(Some("ÉÉÉ")), DEFAULT_PREFIX);
        // Never a keyword Office Ally reads in a name.
        assert_eq!(practice_label(Some("Testa Family Clinic")), DEFAULT_PREFIX);
        assert_eq!(practice_label(Some("Clinic 837")), DEFAULT_PREFIX);
    }

    #[test]
    fn keywords_of_837_formats() {
        assert_eq!(keyword("x12-837p"), Some("837P"));
        assert_eq!(keyword("x12-837i"), Some("837I"));
        assert_eq!(keyword("x12-837d"), Some("837D"));
        assert_eq!(keyword("x12-999"), None);
    }
}
