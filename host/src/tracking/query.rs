//! What the views show: batches, a batch's claims, a claim's timeline. Plain data, for the
//! CLI and for software embedding the library.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::clock::{column, column_opt};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::provider::{self, BillingProvider, Said};
use super::status::{speaks_for_claim, BatchStatus, ClaimStatus, Via};
use crate::model::{Level, Reason, StatusEvent};
use crate::store::event_log::Codebook;

/// A batch as the E-Claims Tracking list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct BatchRow {
    /// The batch id: what [`crate::tracker::Tracker::batch`] and `archive` take. It may
    /// change on `rebuild`; `uid` does not.
    pub id: i64,
    /// Its stable id ("B" and 16 hex digits of its 837's SHA-256), which `rebuild` keeps
    /// and the change log ([`crate::tracker::Tracker::changes_since`]) names it by.
    pub uid: String,
    /// The name the 837 was uploaded under.
    pub name: String,
    /// When the 837 was archived (submitted), RFC 3339.
    pub submitted: DateTime<Utc>,
    /// Claims in the 837.
    pub claim_count: i64,
    /// "AWAITING", "OA ACCEPTED with rejections", … (written as its display text).
    #[serde(serialize_with = "super::status::shown::serialize")]
    #[schemars(with = "String")]
    pub status: BatchStatus,
    /// Claims rejected by Office Ally or the payer: the red "R" of the list.
    pub rejected_claims: i64,
    /// Office Ally's File ID for the upload, and the per-payer child file IDs.
    pub clearinghouse_file_id: Option<String>,
    /// Office Ally's per-payer child file IDs split from the upload.
    pub child_file_ids: Vec<String>,
    /// When the latest claim status was decided (that file's first sighting), RFC 3339 UTC.
    pub last_update: Option<DateTime<Utc>>,
    /// Batch-level reasons when FAILED or REJECTED; empty otherwise (claims carry their own).
    pub reasons: Vec<Reason>,
    /// When the batch was archived (RFC 3339; `batch_archive`), or `None` while it is
    /// tracked. The `batches` view hides archived batches unless `--all` and shows them as
    /// ARCHIVED; `status` keeps the derived status.
    pub archived: Option<DateTime<Utc>>,
    /// When the 837 was uploaded to Office Ally (RFC 3339): recorded by `sync` or
    /// `mark-uploaded`; for an 837 claimtrack did not upload itself, when it was ingested.
    /// `None` while it is QUEUED.
    pub uploaded_at: Option<DateTime<Utc>>,
    /// How many of its claims have each status, in [`ClaimStatus::ALL`](super::status::ClaimStatus::ALL)
    /// order: `[{"status": "PAID", "claims": 4}, …]`.
    pub claim_statuses: Vec<StatusCount>,
}

/// One batch with its claims: `batch --json`, and `GET /api/v1/batches/{batch}`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct BatchJson<'a> {
    /// The batch.
    pub batch: &'a BatchRow,
    /// Its claims, in submission order.
    pub claims: &'a [ClaimRow],
    /// Their money.
    pub totals: Totals,
}

/// Every batch and every claim: `export` (JSON).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Export<'a> {
    /// Every batch, as the batches view lists it (archived ones too).
    pub batches: &'a [BatchRow],
    /// Every claim.
    pub claims: &'a [ClaimRow],
}

/// The money of a batch's claims, in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default, schemars::JsonSchema)]
pub struct Totals {
    /// Charged.
    pub charged_cents: i64,
    /// Paid by payers.
    pub paid_cents: i64,
    /// Left to the patients.
    pub patient_responsibility_cents: i64,
}

/// The money of `claims`.
pub fn totals(claims: &[ClaimRow]) -> Totals {
    let mut t = Totals::default();
    for c in claims {
        t.charged_cents += c.charged_cents.unwrap_or(0);
        t.paid_cents += c.paid_cents.unwrap_or(0);
        t.patient_responsibility_cents += c.patient_responsibility_cents.unwrap_or(0);
    }
    t
}

/// One claim with its timeline: an element of `claim --json`, and `GET /api/v1/claims/{claim}`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ClaimJson<'a> {
    /// The claim.
    pub claim: &'a ClaimRow,
    /// Every statement about it, oldest first.
    pub timeline: &'a [TimelineEntry],
}

/// How many claims have one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct StatusCount {
    /// The claim status ("PAID").
    #[serde(serialize_with = "super::status::shown::serialize")]
    #[schemars(with = "String")]
    pub status: ClaimStatus,
    /// How many claims have it.
    pub claims: i64,
}

impl BatchRow {
    /// Claims of the batch with this status.
    pub fn claims_with(&self, status: ClaimStatus) -> i64 {
        self.claim_statuses.iter().find(|c| c.status == status).map_or(0, |c| c.claims)
    }
}

/// A claim as a batch's list shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ClaimRow {
    /// The claim id (internal; may change on `rebuild`).
    pub id: i64,
    /// Its stable id, which `rebuild` keeps and the change log names it by: its batch's
    /// uid and its place in the 837 ("B….-0000003"), or, for a claim first seen in a
    /// response, that file's and the statement's ("R….-0000041"). Both are positions in
    /// what the plugin reads from the file: a plugin upgrade that adds or drops claims or
    /// statements moves them at the next rebuild.
    pub uid: String,
    /// The batch of its latest submission; `None` for a claim known only from responses.
    pub batch_id: Option<i64>,
    /// That batch's uploaded file name.
    pub batch_name: Option<String>,
    /// CLM01 as submitted; not unique over time (refiles reuse it).
    pub patient_control_number: String,
    /// PHI. Patient name as "LAST, FIRST MIDDLE".
    pub patient_name: Option<String>,
    /// First date of service, ISO 8601 date.
    pub service_date_from: Option<String>,
    /// Last date of service, ISO 8601 date.
    pub service_date_to: Option<String>,
    /// Total charge as first stated (837 CLM02 for a submitted claim), integer cents.
    pub charged_cents: Option<i64>,
    /// Paid amount of the latest payment, denial or reversal statement, integer cents.
    pub paid_cents: Option<i64>,
    /// The patient's share stated by that statement (835 CLP05), integer cents.
    pub patient_responsibility_cents: Option<i64>,
    /// Office Ally's 10-digit OA Claim ID, for follow-up calls.
    pub clearinghouse_claim_id: Option<String>,
    /// The payer's newest claim control number / ICN (277 REF*1K, 835 CLP07).
    pub payer_claim_number: Option<String>,
    /// The payer id the claim is addressed to.
    pub payer_id: Option<String>,
    /// The payer's name, as the 837 or a response gives it.
    pub payer_name: Option<String>,
    /// Its status, written as its display text ("OA REJECTED").
    #[serde(serialize_with = "super::status::shown::serialize")]
    #[schemars(with = "String")]
    pub status: ClaimStatus,
    /// Who decided it: "clearinghouse", "payer" or "submitter"; `None` before any statement.
    pub status_source: Option<String>,
    /// When the deciding statement's file was first seen, RFC 3339 UTC.
    pub last_update: Option<DateTime<Utc>>,
    /// Reasons of the statement(s) that decided the status: rejection codes, CARC adjustments.
    pub reasons: Vec<Reason>,
    /// When Office Ally or a payer last said anything about the claim (its own statements
    /// and those about its transaction set or file; RFC 3339), whether or not it changed the
    /// status. The 7-day tracking window runs from here.
    pub last_response: Option<DateTime<Utc>>,
    /// The 7-day tracking window has closed: no clearinghouse or payer update for 7 days,
    /// and the claim is neither final nor rejected ([`crate::tracking::alerts`]). Depends on
    /// the clock: the [`crate::tracker::Tracker`] views set it; the functions here leave it
    /// `false`.
    pub waiting_for_era: bool,
}

/// What a timeline entry's statement is about: the claim itself, or something the claim is
/// part of. Only statements about the claim itself carry its own reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum About {
    /// The claim.
    Claim,
    /// One of the claim's service lines.
    ServiceLine,
    /// The claim's billing provider (a 277 provider-level statement), and with it every
    /// claim of that provider in the batch.
    Provider,
    /// The claim's transaction set (999 IK5), and every claim in it.
    TransactionSet,
    /// The whole uploaded file (TA1, 999 AK9, File Summary, 277CA batch level), and every
    /// claim in it.
    File,
}

impl About {
    /// For people: "this claim", "whole file".
    pub fn as_words(self) -> &'static str {
        match self {
            About::Claim => "this claim",
            About::ServiceLine => "service line",
            About::Provider => "billing provider",
            About::TransactionSet => "transaction set",
            About::File => "whole file",
        }
    }
}

/// One event in a claim's timeline: which file, which plugin, what it said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct TimelineEntry {
    /// The archived file the event came from.
    pub file_id: i64,
    /// That file's name when first seen.
    pub file: String,
    /// What the file was read as (its format id, e.g. "oa-file-summary").
    pub format: Option<String>,
    /// What the statement is about. A statement about the file, set or provider speaks for
    /// this claim only as one of many: its `event.reasons` keep only what applies to every
    /// claim it covers (a rejection's codes), never what it found in other claims (a File
    /// Summary's error totals; see [`super::status::speaks_for_claim`]).
    pub about: About,
    /// When that file was first archived, RFC 3339 UTC.
    pub seen: DateTime<Utc>,
    /// The plugin that read it.
    pub plugin: String,
    /// That plugin's version.
    pub plugin_version: String,
    /// How the event reached the claim: "claim", "provider" (a statement about the claim's
    /// billing provider, named in the event's `claim.providers`), "transaction_set" or
    /// "interchange".
    pub via: String,
    /// The event as stored (may contain PHI in its claim).
    pub event: StatusEvent,
}

fn reasons(json: String) -> Vec<Reason> {
    serde_json::from_str(&json).unwrap_or_default()
}

const BATCH_SELECT: &str = "SELECT b.id, b.submitted_name, f.first_seen, b.claim_count, b.status,
        (SELECT COUNT(*) FROM claims c WHERE c.batch_id = b.id AND c.status IN ('OA REJECTED', 'PAYER REJECTED')),
        b.clearinghouse_file_id,
        (SELECT group_concat(clearinghouse_child_file_id, ',') FROM child_files cf WHERE cf.batch_id = b.id),
        b.last_update, b.status_reasons,
        (SELECT a.archived_at FROM batch_archive a WHERE a.file_id = b.file_id),
        CASE WHEN s.file_id IS NULL THEN f.first_seen ELSE s.uploaded_at END,
        (SELECT group_concat(status || '=' || n, '|') FROM
            (SELECT status, COUNT(*) AS n FROM claims c WHERE c.batch_id = b.id GROUP BY status)),
        b.uid
     FROM batches b JOIN files f ON f.id = b.file_id LEFT JOIN submissions s ON s.file_id = b.file_id";

fn batch_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BatchRow> {
    let children: Option<String> = r.get(7)?;
    Ok(BatchRow {
        id: r.get(0)?,
        name: r.get(1)?,
        submitted: column(r, 2)?,
        claim_count: r.get(3)?,
        status: r.get(4)?,
        rejected_claims: r.get(5)?,
        clearinghouse_file_id: r.get(6)?,
        child_file_ids: children.map(|c| c.split(',').map(str::to_string).collect()).unwrap_or_default(),
        last_update: column_opt(r, 8)?,
        reasons: reasons(r.get(9)?),
        archived: column_opt(r, 10)?,
        uploaded_at: column_opt(r, 11)?,
        claim_statuses: status_counts(r.get(12)?),
        uid: r.get::<_, Option<String>>(13)?.unwrap_or_default(),
    })
}

/// `status=n|status=n` as counts in the order of the status vocabulary.
fn status_counts(s: Option<String>) -> Vec<StatusCount> {
    let mut counts: Vec<StatusCount> = s
        .unwrap_or_default()
        .split('|')
        .filter_map(|kv| kv.rsplit_once('='))
        .filter_map(|(k, v)| Some(StatusCount { status: ClaimStatus::parse(k)?, claims: v.parse().ok()? }))
        .collect();
    counts.sort_by_key(|c| c.status as usize);
    counts
}

/// Every batch, newest first.
pub fn batches(conn: &Connection) -> rusqlite::Result<Vec<BatchRow>> {
    let mut stmt = conn.prepare(&format!("{BATCH_SELECT} ORDER BY b.id DESC"))?;
    let rows = stmt.query_map([], batch_row)?;
    rows.collect()
}

/// One batch.
pub fn batch(conn: &Connection, id: i64) -> rusqlite::Result<Option<BatchRow>> {
    conn.query_row(&format!("{BATCH_SELECT} WHERE b.id = ?1"), params![id], batch_row).optional()
}

/// `last_response` is stored by `derive` (schema 7): the views read it instead of joining
/// the event log per claim.
pub(crate) const CLAIM_SELECT: &str = "SELECT c.id, c.batch_id, c.patient_control_number, c.patient_name, c.service_date_from,
        c.service_date_to, c.charged_cents, c.paid_cents, c.clearinghouse_claim_id, c.payer_claim_number, c.payer_id,
        c.status, c.status_source, c.last_update, c.status_reasons, c.last_response, b.submitted_name, c.payer_name,
        c.patient_responsibility_cents, c.uid
     FROM claims c LEFT JOIN batches b ON b.id = c.batch_id";

pub(crate) fn claim_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ClaimRow> {
    Ok(ClaimRow {
        id: r.get(0)?,
        batch_id: r.get(1)?,
        patient_control_number: r.get(2)?,
        patient_name: r.get(3)?,
        service_date_from: r.get(4)?,
        service_date_to: r.get(5)?,
        charged_cents: r.get(6)?,
        paid_cents: r.get(7)?,
        clearinghouse_claim_id: r.get(8)?,
        payer_claim_number: r.get(9)?,
        payer_id: r.get(10)?,
        status: r.get(11)?,
        status_source: r.get(12)?,
        last_update: column_opt(r, 13)?,
        reasons: reasons(r.get(14)?),
        last_response: column_opt(r, 15)?,
        waiting_for_era: false,
        batch_name: r.get(16)?,
        payer_name: r.get(17)?,
        patient_responsibility_cents: r.get(18)?,
        uid: r.get::<_, Option<String>>(19)?.unwrap_or_default(),
    })
}

/// The claims of a batch, in submission order.
pub fn claims_of_batch(conn: &Connection, batch_id: i64) -> rusqlite::Result<Vec<ClaimRow>> {
    let mut stmt = conn.prepare(&format!("{CLAIM_SELECT} WHERE c.batch_id = ?1 ORDER BY c.id"))?;
    let rows = stmt.query_map(params![batch_id], claim_row)?;
    rows.collect()
}

/// What billing staff call the batch or claim with this stable id: a batch by its number
/// and the name its 837 had ("batch 2 walk-ins.837"), a claim by its patient control number
/// and its batch's number ("MSB00002, batch 2"). `None` when it is gone.
pub fn label_of(conn: &Connection, uid: &str) -> rusqlite::Result<Option<String>> {
    let claim: Option<(String, Option<i64>)> = conn
        .prepare_cached("SELECT patient_control_number, batch_id FROM claims WHERE uid = ?1")?
        .query_row(params![uid], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((pcn, batch)) = claim {
        return Ok(Some(match batch {
            Some(b) => format!("{pcn}, batch {b}"),
            None => pcn,
        }));
    }
    conn.prepare_cached("SELECT id, COALESCE(original_name, submitted_name) FROM batches WHERE uid = ?1")?
        .query_row(params![uid], |r| Ok(format!("batch {} {}", r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .optional()
}

/// The claim with this stable id.
pub fn claim_by_uid(conn: &Connection, uid: &str) -> rusqlite::Result<Option<ClaimRow>> {
    conn.prepare_cached(&format!("{CLAIM_SELECT} WHERE c.uid = ?1"))?.query_row(params![uid.trim()], claim_row).optional()
}

/// What a claim search looks for; every part is optional, and all given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimSearch {
    /// A patient control number, OA Claim ID or payer claim number (whole, any case), or
    /// part of the patient's name (any case).
    pub text: Option<String>,
    /// A claim status, as shown ("PAID", "OA REJECTED").
    pub status: Option<String>,
    /// Date of service on or after (YYYY-MM-DD).
    pub from: Option<String>,
    /// Date of service on or before (YYYY-MM-DD).
    pub to: Option<String>,
    /// Only claims before this cursor (the `next` of the page before): newest first.
    pub before: Option<i64>,
    /// At most this many (1–500).
    pub limit: usize,
}

/// One page of a claim search, newest first, and the cursor of the next page (`None` on the
/// last). Cursors are claim numbers: a `rebuild` renumbers claims, so a search started
/// before one should start again.
pub fn search_claims(conn: &Connection, s: &ClaimSearch) -> rusqlite::Result<(Vec<ClaimRow>, Option<i64>)> {
    let limit = s.limit.clamp(1, 500);
    let text = s.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
    // A patient's name has no digits, and a key with one is not a name: it is looked up in
    // the identifiers' indexes only (as `find_claims` does), instead of walking every claim
    // for the name. Without digits, the name is searched too, which reads every claim.
    let identifiers = "SELECT id FROM claims WHERE patient_control_number IN (?1, ?8, ?9)
                       UNION SELECT id FROM claims WHERE upper(ltrim(patient_control_number, '0')) = ?10
                       UNION SELECT id FROM claims WHERE clearinghouse_claim_id IN (?1, ?8, ?9)
                       UNION SELECT id FROM claims WHERE payer_claim_number IN (?1, ?8, ?9)";
    let by_text = match text {
        // (Names the last parameter, so the statement takes all ten.)
        None => "?10 IS NULL".to_string(),
        Some(t) if t.bytes().any(|b| b.is_ascii_digit()) => format!("c.id IN ({identifiers})"),
        Some(_) => format!("(c.id IN ({identifiers}) OR c.patient_name LIKE ?2 ESCAPE '\\')"),
    };
    let mut stmt = conn.prepare_cached(&format!(
        "{CLAIM_SELECT}
         WHERE {by_text}
           AND (?3 IS NULL OR c.status = ?3)
           AND (?4 IS NULL OR c.service_date_from >= ?4)
           AND (?5 IS NULL OR c.service_date_from <= ?5)
           AND (?6 IS NULL OR c.id < ?6)
         ORDER BY c.id DESC LIMIT ?7"
    ))?;
    let like = text.map(|t| format!("%{}%", like_literal(t)));
    let (upper, lower) = (text.map(str::to_ascii_uppercase), text.map(str::to_ascii_lowercase));
    let norm = text.map(|t| t.trim_start_matches('0').to_ascii_uppercase());
    let rows: Vec<ClaimRow> = stmt
        .query_map(params![text, like, s.status, s.from, s.to, s.before, limit as i64 + 1, upper, lower, norm], claim_row)?
        .collect::<Result<_, _>>()?;
    let mut rows = rows;
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|c| c.id)
    } else {
        None
    };
    Ok((rows, next))
}

/// Claims whose patient control number, OA Claim ID or payer claim number is `key`
/// (several when a CLM01 was reused by refiles), newest first. Forgiving, as a person types
/// a key: surrounding spaces are ignored, and when nothing matches exactly, case and a
/// CLM01's leading zeros are ignored too (payers rewrite CLM01 that way, x12-reference §1.4).
pub fn find_claims(conn: &Connection, key: &str) -> rusqlite::Result<Vec<ClaimRow>> {
    let key = key.trim();
    if key.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached(&format!(
        "{CLAIM_SELECT} WHERE c.patient_control_number = ?1 OR c.clearinghouse_claim_id = ?1 OR c.payer_claim_number = ?1
         ORDER BY c.id DESC"
    ))?;
    let exact: Vec<ClaimRow> = stmt.query_map(params![key], claim_row)?.collect::<Result<_, _>>()?;
    if !exact.is_empty() {
        return Ok(exact);
    }
    // Each comparison an index serves (claims_pcn_norm; the ids' own indexes, asked for the
    // key as typed, upper- and lower-cased): `COLLATE NOCASE` would scan every claim.
    let mut stmt = conn.prepare_cached(&format!(
        "{CLAIM_SELECT} WHERE upper(ltrim(c.patient_control_number, '0')) = ?1
            OR c.clearinghouse_claim_id IN (?2, ?3, ?4) OR c.payer_claim_number IN (?2, ?3, ?4)
         ORDER BY c.id DESC"
    ))?;
    let norm = key.trim_start_matches('0').to_ascii_uppercase();
    let rows = stmt.query_map(params![norm, key, key.to_ascii_uppercase(), key.to_ascii_lowercase()], claim_row)?;
    rows.collect()
}

/// Up to `limit` patient control numbers, OA Claim IDs or payer claim numbers a person may
/// have meant by `key`: those that contain it (case ignored), and CLM01s with the same
/// letters and the same number but for zeros ("MSB0002" → "MSB00002"). What "not found"
/// suggests.
pub fn similar_claim_keys(conn: &Connection, key: &str, limit: usize) -> rusqlite::Result<Vec<String>> {
    let key = key.trim();
    if key.len() < 3 {
        return Ok(Vec::new());
    }
    let pattern = format!("%{}%", like_literal(key));
    let mut stmt = conn.prepare_cached(
        "SELECT k FROM (
            SELECT patient_control_number AS k FROM claims WHERE patient_control_number LIKE ?1 ESCAPE '\\'
            UNION SELECT clearinghouse_claim_id FROM claims WHERE clearinghouse_claim_id LIKE ?1 ESCAPE '\\'
            UNION SELECT payer_claim_number FROM claims WHERE payer_claim_number LIKE ?1 ESCAPE '\\')
         ORDER BY k LIMIT ?2",
    )?;
    let mut found: Vec<String> = stmt.query_map(params![pattern, limit as i64], |r| r.get(0))?.collect::<Result<_, _>>()?;
    // Letters then digits: the same letters and the same number, zeros aside.
    let split = |s: &str| {
        let digits = s.trim_start_matches(|c: char| !c.is_ascii_digit());
        let letters = &s[..s.len() - digits.len()];
        (letters.to_ascii_uppercase(), digits.trim_start_matches('0').to_string())
    };
    let (letters, number) = split(key);
    if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) && found.len() < limit {
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT patient_control_number FROM claims WHERE patient_control_number LIKE ?1 ESCAPE '\\' LIMIT 1000",
        )?;
        let candidates: Vec<String> =
            stmt.query_map(params![format!("{}%", like_literal(&letters))], |r| r.get(0))?.collect::<Result<_, _>>()?;
        for c in candidates {
            if split(&c) == (letters.clone(), number.clone()) && !found.contains(&c) && found.len() < limit {
                found.push(c);
            }
        }
    }
    Ok(found)
}

/// The batch a person means by `key`: its number, Office Ally's File ID for it (or one of
/// its per-payer child file IDs), or the name it was uploaded under (case ignored, with or
/// without a folder). The newest batch wins when a name was used twice.
pub fn find_batch(conn: &Connection, key: &str) -> rusqlite::Result<Option<i64>> {
    let key = key.trim();
    let key = key.strip_prefix('#').unwrap_or(key);
    if let Ok(id) = key.parse::<i64>()
        && conn.query_row("SELECT 1 FROM batches WHERE id = ?1", params![id], |_| Ok(())).optional()?.is_some()
    {
        return Ok(Some(id));
    }
    let base = key.rsplit(['/', '\\']).next().unwrap_or(key);
    let lookups = [
        ("SELECT id FROM batches WHERE uid = ?1", key),
        ("SELECT id FROM batches WHERE clearinghouse_file_id = ?1 ORDER BY id DESC LIMIT 1", key),
        ("SELECT batch_id FROM child_files WHERE clearinghouse_child_file_id = ?1 LIMIT 1", key),
        ("SELECT id FROM batches WHERE submitted_name = ?1 COLLATE NOCASE ORDER BY id DESC LIMIT 1", base),
    ];
    for (sql, k) in lookups {
        if let Some(id) = conn.prepare_cached(sql)?.query_row(params![k], |r| r.get(0)).optional()? {
            return Ok(Some(id));
        }
    }
    // The name the 837 had on disk when it was submitted or ingested, with or without its folder.
    conn.prepare_cached(
        "SELECT id FROM batches
         WHERE original_name = ?1 COLLATE NOCASE OR original_name LIKE ?2 ESCAPE '\\' OR original_name LIKE ?3 ESCAPE '\\'
         ORDER BY id DESC LIMIT 1",
    )?
    .query_row(params![base, format!("%/{}", like_literal(base)), format!("%\\\\{}", like_literal(base))], |r| r.get(0))
    .optional()
}

/// `s` matched literally by LIKE … ESCAPE '\\'.
fn like_literal(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Everything said about a claim, across files, oldest first: its own statements, and those
/// about its file, transaction set and billing provider, each statement once.
pub fn timeline(conn: &Connection, claim_id: i64) -> rusqlite::Result<Vec<TimelineEntry>> {
    let mut stmt = conn.prepare(
        "SELECT file_id, original_name, first_seen, plugin, plugin_version, via, body, format FROM (
            SELECT e.file_id AS file_id, f.original_name AS original_name, f.first_seen AS first_seen, e.plugin AS plugin,
                   e.plugin_version AS plugin_version, l.via AS via, e.body AS body, e.seq AS seq, f.format AS format
            FROM event_links l JOIN events e ON e.id = l.event_id JOIN files f ON f.id = e.file_id
            WHERE l.claim_id = ?1
            UNION ALL
            SELECT e.file_id, f.original_name, f.first_seen, e.plugin, e.plugin_version, l.via, e.body, e.seq, f.format
            FROM claims c
            JOIN event_links l ON l.batch_id = c.batch_id AND l.claim_id IS NULL AND l.via = 'interchange'
            JOIN events e ON e.id = l.event_id JOIN files f ON f.id = e.file_id
            WHERE c.id = ?1
            UNION ALL
            SELECT e.file_id, f.original_name, f.first_seen, e.plugin, e.plugin_version, l.via, e.body, e.seq, f.format
            FROM claims c
            JOIN event_links l ON l.batch_id = c.batch_id AND l.claim_id IS NULL AND l.via = 'transaction_set'
            JOIN events e ON e.id = l.event_id AND e.transaction_set_control_number = c.transaction_set_control_number
            JOIN files f ON f.id = e.file_id
            WHERE c.id = ?1
            UNION ALL
            SELECT e.file_id, f.original_name, f.first_seen, e.plugin, e.plugin_version, l.via, e.body, e.seq, f.format
            FROM claims c
            JOIN event_links l ON l.batch_id = c.batch_id AND l.claim_id IS NULL AND l.via = 'provider'
            JOIN events e ON e.id = l.event_id JOIN files f ON f.id = e.file_id
            WHERE c.id = ?1
         ) ORDER BY file_id, seq",
    )?;
    let mut book = Codebook::new();
    let rows = stmt.query_map(params![claim_id], |r| {
        let body: String = r.get(6)?;
        let mut event = book.decode(conn, &body)?;
        let via: String = r.get(5)?;
        let (about, via_rule) = match via.as_str() {
            "claim" if event.level == Level::ServiceLine => (About::ServiceLine, Via::Claim),
            "claim" => (About::Claim, Via::Claim),
            "provider" => (About::Provider, Via::Provider),
            "transaction_set" => (About::TransactionSet, Via::TransactionSet),
            _ => (About::File, Via::Interchange),
        };
        let status = event.status;
        event.reasons.retain(|reason| speaks_for_claim(via_rule, status, reason));
        Ok(TimelineEntry {
            file_id: r.get(0)?,
            file: r.get(1)?,
            format: r.get(7)?,
            about,
            seen: column(r, 2)?,
            plugin: r.get(3)?,
            plugin_version: r.get(4)?,
            via,
            event,
        })
    })?;
    let mut entries: Vec<TimelineEntry> = rows.collect::<Result<_, _>>()?;
    drop_repeated_statements(conn, claim_id, &mut entries)?;
    drop_other_payers_statements(conn, claim_id, &mut entries)?;
    Ok(entries)
}

/// A payer's statements about the file or set reach only its own claims ([`super::payer`]).
fn drop_other_payers_statements(conn: &Connection, claim_id: i64, entries: &mut Vec<TimelineEntry>) -> rusqlite::Result<()> {
    let speaks = |t: &TimelineEntry| {
        matches!(t.about, About::File | About::TransactionSet) && t.event.source == crate::model::Source::Payer
    };
    if !entries.iter().any(speaks) {
        return Ok(());
    }
    let (batch, payer): (Option<i64>, Option<String>) =
        conn.query_row("SELECT batch_id, payer_id FROM claims WHERE id = ?1", params![claim_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let Some(batch) = batch else { return Ok(()) };
    let payers = super::payer::payers_of_batch(conn, batch)?;
    entries.retain(|t| {
        !speaks(t) || super::payer::reaches(t.event.source_party.as_ref().and_then(|p| p.id.as_deref()), payer.as_deref(), &payers)
    });
    Ok(())
}

/// Keep each statement once, and those about billing providers only where they reach the
/// claim (the rule `derive` applies, [`super::provider::reaches`]). A batch's or provider's
/// rejection that the file repeated on the claim (277CA 2200B/2200C, at the same STC) is
/// shown as the claim's: the repetition says where it was stated.
fn drop_repeated_statements(conn: &Connection, claim_id: i64, entries: &mut Vec<TimelineEntry>) -> rusqlite::Result<()> {
    let own: Vec<Said> = entries
        .iter()
        .filter(|t| t.via == Via::Claim.as_str() && t.event.level == Level::Claim)
        .filter_map(|t| Said::of(t.file_id, t.event.position.as_ref()))
        .collect();
    let (npi, tax_id): (Option<String>, Option<String>) = if entries.iter().any(|t| t.via == Via::Provider.as_str()) {
        let sql = "SELECT billing_npi, billing_tax_id FROM claims WHERE id = ?1";
        conn.query_row(sql, params![claim_id], |r| Ok((r.get(0)?, r.get(1)?)))?
    } else {
        (None, None)
    };
    entries.retain(|t| {
        let said = Said::of(t.file_id, t.event.position.as_ref());
        if t.via == Via::Claim.as_str() {
            true
        } else if t.via == Via::Provider.as_str() {
            BillingProvider::addressed_by(&t.event)
                .is_some_and(|p| provider::reaches(&p, said, npi.as_deref(), tax_id.as_deref(), own.iter().copied()))
        } else {
            !said.is_some_and(|s| own.contains(&s))
        }
    });
    Ok(())
}

/// Whether a claim needs refiling or was refused payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// Rejected by Office Ally or the payer (OA REJECTED, PAYER REJECTED): it never reached
    /// adjudication; fix and refile.
    Rejection,
    /// Denied by the payer (DENIED, from an ERA): adjudicated and not paid; appeal, correct
    /// or bill someone else.
    Denial,
}

/// One reason, and the claims it hit ("Print Errors").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ErrorGroup {
    /// Rejection or denial.
    pub kind: ProblemKind,
    /// Who said it: "clearinghouse" (Office Ally) or "payer".
    pub source: String,
    /// The payer's name when a payer said it and every claim of the group has the same one.
    pub payer: Option<String>,
    /// The code list, as [`CodeSet::name`](crate::model::CodeSet::name), e.g. "claim_status".
    pub code_set: String,
    /// The code as sent, e.g. "562", "FE69", "29".
    pub code: String,
    /// The CARC group (CO, PR, OA, PI) of an adjustment reason.
    pub group: Option<String>,
    /// The entity a 277 status code names (85 billing provider…), with the code.
    pub entity: Option<String>,
    /// What the code means, when known.
    pub description: Option<String>,
    /// What the entity code means.
    pub entity_description: Option<String>,
    /// The 277 category that came with the code (e.g. "A7"), and what it means.
    pub category: Option<String>,
    /// What to do next, for the most common codes ([`super::advice`]).
    pub next_step: Option<String>,
    /// Distinct claims the reason hit.
    pub count: usize,
    /// The claims it hit, oldest first.
    pub claims: Vec<ErrorClaim>,
}

/// A claim an [`ErrorGroup`] reason hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ErrorClaim {
    /// The claim id.
    pub claim_id: i64,
    /// Its stable id ([`ClaimRow::uid`]).
    pub uid: String,
    /// Its batch; `None` for a claim known only from responses.
    pub batch_id: Option<i64>,
    /// CLM01 as submitted.
    pub patient_control_number: String,
    /// Office Ally's OA Claim ID.
    pub clearinghouse_claim_id: Option<String>,
    /// Its status: OA REJECTED, PAYER REJECTED or DENIED (written as the display text).
    #[serde(serialize_with = "super::status::shown::serialize")]
    #[schemars(with = "String")]
    pub status: ClaimStatus,
    /// The batch a later submission of the same claim (same CLM01) went out in: the problem
    /// is being dealt with. Only listed with `history`.
    pub refiled_in: Option<i64>,
}

/// The claim keys of one reason: its code and the 277 category and entity that came with it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    kind: ProblemKind,
    source: String,
    code_set: String,
    code: String,
    group: Option<String>,
    entity: Option<String>,
}

/// The reasons of one claim that name a problem, each with the 277 category and entity that
/// came with it. A 277 status composite is category:status:entity (A7:562:85): the status
/// code names the problem, the category and entity qualify it, so one composite is one
/// problem. Entity codes, categories and free text alone are context, unless nothing else
/// names the problem.
pub fn problems(reasons: &[Reason]) -> Vec<(Reason, Option<Reason>, Option<Reason>)> {
    use crate::model::CodeSet;
    let mut out: Vec<(Reason, Option<Reason>, Option<Reason>)> = Vec::new();
    let mut category: Option<Reason> = None;
    for r in reasons {
        match &r.code_set {
            CodeSet::ClaimStatusCategory => category = Some(r.clone()),
            CodeSet::Entity => {
                if let Some(last) = out.last_mut().filter(|(p, _, e)| matches!(p.code_set, CodeSet::ClaimStatus) && e.is_none()) {
                    last.2 = Some(r.clone());
                }
            }
            CodeSet::FreeText => {}
            CodeSet::ClaimStatus => out.push((r.clone(), category.clone(), None)),
            _ => out.push((r.clone(), None, None)),
        }
    }
    if out.is_empty() {
        // A category alone (A7 with an unknown status code), or only text.
        if let Some(c) = category {
            out.push((c, None, None));
        } else if let Some(t) = reasons.iter().find(|r| matches!(r.code_set, CodeSet::FreeText)) {
            out.push((t.clone(), None, None));
        }
    }
    out
}

/// Every reason behind a rejected or denied claim (in `batch`, or everywhere), grouped by
/// code so staff can fix claims in bulk: rejections first, then denials, most frequent first.
///
/// Open problems only, unless `history`: a rejected or denied claim whose CLM01 went out
/// again in a later batch has been refiled (or corrected) and leaves the list.
pub fn errors(conn: &Connection, batch: Option<i64>, history: bool) -> rusqlite::Result<Vec<ErrorGroup>> {
    // Two statements rather than `(?1 IS NULL OR batch_id = ?1)`, which no index serves.
    // The refile is found through claims_pcn_norm (CLM01 as payers rewrite it).
    const COLUMNS: &str = "SELECT c.id, c.batch_id, c.patient_control_number, c.clearinghouse_claim_id, c.status, c.status_reasons,
            c.status_source, c.payer_name, c.payer_id,
            (SELECT MIN(n.batch_id) FROM claims n
             WHERE upper(ltrim(n.patient_control_number, '0')) = upper(ltrim(c.patient_control_number, '0'))
               AND n.batch_id > c.batch_id),
            c.uid
        FROM claims c";
    const REJECTED: &str = "c.status IN ('OA REJECTED', 'PAYER REJECTED', 'DENIED')";
    let mut stmt = match batch {
        Some(_) => conn.prepare_cached(&format!("{COLUMNS} WHERE c.batch_id = ?1 AND {REJECTED} ORDER BY c.id"))?,
        None => conn.prepare_cached(&format!("{COLUMNS} WHERE {REJECTED} ORDER BY c.id"))?,
    };
    type Found = (ErrorClaim, String, Option<String>, Option<String>);
    let map = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Found> {
        let payer: Option<String> = r.get(7)?;
        let payer_id: Option<String> = r.get(8)?;
        Ok((
            ErrorClaim {
                claim_id: r.get(0)?,
                batch_id: r.get(1)?,
                patient_control_number: r.get(2)?,
                clearinghouse_claim_id: r.get(3)?,
                status: r.get(4)?,
                refiled_in: r.get(9)?,
                uid: r.get::<_, Option<String>>(10)?.unwrap_or_default(),
            },
            r.get(5)?,
            r.get(6)?,
            payer.or(payer_id),
        ))
    };
    let claims: Vec<Found> = match batch {
        Some(b) => stmt.query_map(params![b], map)?.collect::<Result<_, _>>()?,
        None => stmt.query_map([], map)?.collect::<Result<_, _>>()?,
    };
    let mut groups: Vec<ErrorGroup> = Vec::new();
    // Group key → index in `groups`, which keeps first-seen order for the stable sort.
    let mut index: HashMap<Key, usize> = HashMap::new();
    for (c, json, source, payer) in claims {
        if c.refiled_in.is_some() && !history {
            continue;
        }
        let kind = if c.status == "DENIED" { ProblemKind::Denial } else { ProblemKind::Rejection };
        let source = source.unwrap_or_else(|| if c.status == "OA REJECTED" { "clearinghouse".into() } else { "payer".into() });
        for (r, category, entity) in problems(&reasons(json)) {
            let key = Key {
                kind,
                source: source.clone(),
                code_set: r.code_set.name(),
                code: r.code.clone(),
                group: r.group.clone(),
                entity: entity.as_ref().map(|e| e.code.clone()),
            };
            let payer_here = if source == "payer" { payer.clone() } else { None };
            match index.get(&key) {
                Some(&i) => {
                    let g = &mut groups[i];
                    if g.payer != payer_here {
                        g.payer = None;
                    }
                    // Claims come in id order, so a claim already in the group is its last.
                    if g.claims.last().is_none_or(|x| x.claim_id != c.claim_id) {
                        g.claims.push(c.clone());
                        g.count += 1;
                    }
                }
                None => {
                    index.insert(key.clone(), groups.len());
                    let next = super::advice::next_step(&r.code_set, &r.code, key.entity.as_deref());
                    groups.push(ErrorGroup {
                        kind,
                        source: source.clone(),
                        payer: payer_here,
                        code_set: key.code_set,
                        code: r.code,
                        group: r.group,
                        entity: key.entity,
                        description: r.description,
                        entity_description: entity.and_then(|e| e.description),
                        category: category.map(|c| match c.description {
                            Some(d) => format!("{} {d}", c.code),
                            None => c.code,
                        }),
                        next_step: next.map(str::to_string),
                        count: 1,
                        claims: vec![c.clone()],
                    });
                }
            }
        }
    }
    groups.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| b.count.cmp(&a.count)).then_with(|| a.code.cmp(&b.code)));
    Ok(groups)
}

/// Every claim with its batch, for `export`.
pub fn all_claims(conn: &Connection) -> rusqlite::Result<Vec<ClaimRow>> {
    let mut stmt = conn.prepare(&format!("{CLAIM_SELECT} ORDER BY c.id"))?;
    let rows = stmt.query_map([], claim_row)?;
    rows.collect()
}
