//! What the views show: batches, a batch's claims, a claim's timeline. Plain data, for the
//! CLI and for software embedding the library.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::provider::{self, BillingProvider, Said};
use super::status::Via;
use crate::model::{Level, Reason, StatusEvent};

/// A batch as the E-Claims Tracking list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchRow {
    /// The batch id: what [`crate::tracker::Tracker::batch`] and `archive` take.
    pub id: i64,
    /// The name the 837 was uploaded under.
    pub name: String,
    /// When the 837 was archived (submitted), RFC 3339.
    pub submitted: String,
    /// Claims in the 837.
    pub claim_count: i64,
    /// "AWAITING", "OA ACCEPTED with rejections", …
    pub status: String,
    /// Claims rejected by Office Ally or the payer: the red "R" of the list.
    pub rejected_claims: i64,
    /// Office Ally's File ID for the upload, and the per-payer child file IDs.
    pub clearinghouse_file_id: Option<String>,
    /// Office Ally's per-payer child file IDs split from the upload.
    pub child_file_ids: Vec<String>,
    /// When the latest claim status was decided (that file's first sighting), RFC 3339 UTC.
    pub last_update: Option<String>,
    /// Batch-level reasons when FAILED or REJECTED; empty otherwise (claims carry their own).
    pub reasons: Vec<Reason>,
    /// When the batch was archived (RFC 3339; `batch_archive`), or `None` while it is
    /// tracked. The `batches` view hides archived batches unless `--all` and shows them as
    /// ARCHIVED; `status` keeps the derived status.
    pub archived: Option<String>,
}

/// A claim as a batch's list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimRow {
    /// The claim id (internal; may change on `rebuild`).
    pub id: i64,
    /// The batch of its latest submission; `None` for a claim known only from responses.
    pub batch_id: Option<i64>,
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
    /// Office Ally's 10-digit OA Claim ID, for follow-up calls.
    pub clearinghouse_claim_id: Option<String>,
    /// The payer's newest claim control number / ICN (277 REF*1K, 835 CLP07).
    pub payer_claim_number: Option<String>,
    /// The payer id the claim is addressed to.
    pub payer_id: Option<String>,
    /// Display status: a [`ClaimStatus`](super::status::ClaimStatus) text, e.g. "OA REJECTED".
    pub status: String,
    /// Who decided it: "clearinghouse", "payer" or "submitter"; `None` before any statement.
    pub status_source: Option<String>,
    /// When the deciding statement's file was first seen, RFC 3339 UTC.
    pub last_update: Option<String>,
    /// Reasons of the statement(s) that decided the status: rejection codes, CARC adjustments.
    pub reasons: Vec<Reason>,
    /// When Office Ally or a payer last said anything about the claim (its own statements
    /// and those about its transaction set or file; RFC 3339), whether or not it changed the
    /// status. The 7-day tracking window runs from here.
    pub last_response: Option<String>,
    /// The 7-day tracking window has closed: no clearinghouse or payer update for 7 days,
    /// and the claim is neither final nor rejected ([`crate::tracking::alerts`]). Depends on
    /// the clock: the [`crate::tracker::Tracker`] views set it; the functions here leave it
    /// `false`.
    pub waiting_for_era: bool,
}

/// One event in a claim's timeline: which file, which plugin, what it said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEntry {
    /// The archived file the event came from.
    pub file_id: i64,
    /// That file's name when first seen.
    pub file: String,
    /// When that file was first archived, RFC 3339 UTC.
    pub seen: String,
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
        (SELECT a.archived_at FROM batch_archive a WHERE a.file_id = b.file_id)
     FROM batches b JOIN files f ON f.id = b.file_id";

fn batch_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BatchRow> {
    let children: Option<String> = r.get(7)?;
    Ok(BatchRow {
        id: r.get(0)?,
        name: r.get(1)?,
        submitted: r.get(2)?,
        claim_count: r.get(3)?,
        status: r.get(4)?,
        rejected_claims: r.get(5)?,
        clearinghouse_file_id: r.get(6)?,
        child_file_ids: children.map(|c| c.split(',').map(str::to_string).collect()).unwrap_or_default(),
        last_update: r.get(8)?,
        reasons: reasons(r.get(9)?),
        archived: r.get(10)?,
    })
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
const CLAIM_SELECT: &str = "SELECT id, batch_id, patient_control_number, patient_name, service_date_from, service_date_to,
        charged_cents, paid_cents, clearinghouse_claim_id, payer_claim_number, payer_id, status, status_source,
        last_update, status_reasons, last_response
     FROM claims";

fn claim_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ClaimRow> {
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
        last_update: r.get(13)?,
        reasons: reasons(r.get(14)?),
        last_response: r.get(15)?,
        waiting_for_era: false,
    })
}

/// The claims of a batch, in submission order.
pub fn claims_of_batch(conn: &Connection, batch_id: i64) -> rusqlite::Result<Vec<ClaimRow>> {
    let mut stmt = conn.prepare(&format!("{CLAIM_SELECT} WHERE batch_id = ?1 ORDER BY id"))?;
    let rows = stmt.query_map(params![batch_id], claim_row)?;
    rows.collect()
}

/// Claims whose patient control number, OA Claim ID or payer claim number is `key`
/// (several when a CLM01 was reused by refiles), newest first.
pub fn find_claims(conn: &Connection, key: &str) -> rusqlite::Result<Vec<ClaimRow>> {
    let mut stmt = conn.prepare(&format!(
        "{CLAIM_SELECT} WHERE patient_control_number = ?1 OR clearinghouse_claim_id = ?1 OR payer_claim_number = ?1
         ORDER BY id DESC"
    ))?;
    let rows = stmt.query_map(params![key], claim_row)?;
    rows.collect()
}

/// Everything said about a claim, across files, oldest first: its own statements, and those
/// about its file, transaction set and billing provider, each statement once.
pub fn timeline(conn: &Connection, claim_id: i64) -> rusqlite::Result<Vec<TimelineEntry>> {
    let mut stmt = conn.prepare(
        "SELECT file_id, original_name, first_seen, plugin, plugin_version, via, body FROM (
            SELECT e.file_id AS file_id, f.original_name AS original_name, f.first_seen AS first_seen, e.plugin AS plugin,
                   e.plugin_version AS plugin_version, l.via AS via, e.body AS body, e.seq AS seq
            FROM event_links l JOIN events e ON e.id = l.event_id JOIN files f ON f.id = e.file_id
            WHERE l.claim_id = ?1
            UNION ALL
            SELECT e.file_id, f.original_name, f.first_seen, e.plugin, e.plugin_version, l.via, e.body, e.seq
            FROM claims c
            JOIN event_links l ON l.batch_id = c.batch_id AND l.claim_id IS NULL AND l.via = 'interchange'
            JOIN events e ON e.id = l.event_id JOIN files f ON f.id = e.file_id
            WHERE c.id = ?1
            UNION ALL
            SELECT e.file_id, f.original_name, f.first_seen, e.plugin, e.plugin_version, l.via, e.body, e.seq
            FROM claims c
            JOIN event_links l ON l.batch_id = c.batch_id AND l.claim_id IS NULL AND l.via = 'transaction_set'
            JOIN events e ON e.id = l.event_id AND e.transaction_set_control_number = c.transaction_set_control_number
            JOIN files f ON f.id = e.file_id
            WHERE c.id = ?1
            UNION ALL
            SELECT e.file_id, f.original_name, f.first_seen, e.plugin, e.plugin_version, l.via, e.body, e.seq
            FROM claims c
            JOIN event_links l ON l.batch_id = c.batch_id AND l.claim_id IS NULL AND l.via = 'provider'
            JOIN events e ON e.id = l.event_id JOIN files f ON f.id = e.file_id
            WHERE c.id = ?1
         ) ORDER BY file_id, seq",
    )?;
    let rows = stmt.query_map(params![claim_id], |r| {
        let body: String = r.get(6)?;
        let event: StatusEvent = serde_json::from_str(&body)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e)))?;
        Ok(TimelineEntry {
            file_id: r.get(0)?,
            file: r.get(1)?,
            seen: r.get(2)?,
            plugin: r.get(3)?,
            plugin_version: r.get(4)?,
            via: r.get(5)?,
            event,
        })
    })?;
    let mut entries: Vec<TimelineEntry> = rows.collect::<Result<_, _>>()?;
    drop_repeated_statements(conn, claim_id, &mut entries)?;
    Ok(entries)
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

/// One rejection reason and the claims it hit ("Print Errors").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorGroup {
    /// The code list, as [`CodeSet::name`](crate::model::CodeSet::name), e.g. "claim_status".
    pub code_set: String,
    /// The code as sent, e.g. "562", "FE69".
    pub code: String,
    /// What the code means, when known.
    pub description: Option<String>,
    /// Distinct claims the reason hit.
    pub count: usize,
    /// (claim id, patient control number, batch id) of each claim it hit.
    pub claims: Vec<ErrorClaim>,
}

/// A claim an [`ErrorGroup`] reason hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorClaim {
    /// The claim id.
    pub claim_id: i64,
    /// Its batch; `None` for a claim known only from responses.
    pub batch_id: Option<i64>,
    /// CLM01 as submitted.
    pub patient_control_number: String,
    /// Office Ally's OA Claim ID.
    pub clearinghouse_claim_id: Option<String>,
    /// Its display status: "OA REJECTED", "PAYER REJECTED" or "DENIED".
    pub status: String,
}

/// Every reason behind a rejected or denied claim (in `batch`, or everywhere), grouped by
/// code so staff can fix claims in bulk; most frequent first. Entity codes (which party a
/// 277 status names) say where, not what, and are left out.
pub fn errors(conn: &Connection, batch: Option<i64>) -> rusqlite::Result<Vec<ErrorGroup>> {
    // Two statements rather than `(?1 IS NULL OR batch_id = ?1)`, which no index serves;
    // only the columns the groups need (no claim view, no timeline).
    const COLUMNS: &str = "SELECT id, batch_id, patient_control_number, clearinghouse_claim_id, status, status_reasons FROM claims";
    const REJECTED: &str = "status IN ('OA REJECTED', 'PAYER REJECTED', 'DENIED')";
    let mut stmt = match batch {
        Some(_) => conn.prepare_cached(&format!("{COLUMNS} WHERE batch_id = ?1 AND {REJECTED} ORDER BY id"))?,
        None => conn.prepare_cached(&format!("{COLUMNS} WHERE {REJECTED} ORDER BY id"))?,
    };
    let map = |r: &rusqlite::Row<'_>| -> rusqlite::Result<(ErrorClaim, String)> {
        Ok((
            ErrorClaim {
                claim_id: r.get(0)?,
                batch_id: r.get(1)?,
                patient_control_number: r.get(2)?,
                clearinghouse_claim_id: r.get(3)?,
                status: r.get(4)?,
            },
            r.get(5)?,
        ))
    };
    let claims: Vec<(ErrorClaim, String)> = match batch {
        Some(b) => stmt.query_map(params![b], map)?.collect::<Result<_, _>>()?,
        None => stmt.query_map([], map)?.collect::<Result<_, _>>()?,
    };
    let mut groups: Vec<ErrorGroup> = Vec::new();
    // (code set, code) → index in `groups`, which keeps first-seen order for the stable sort.
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for (c, json) in claims {
        for r in reasons(json).into_iter().filter(|r| !matches!(r.code_set, crate::model::CodeSet::Entity)) {
            let set = r.code_set.name();
            match index.get(&(set.clone(), r.code.clone())) {
                Some(&i) => {
                    let g = &mut groups[i];
                    // Claims come in id order, so a claim already in the group is its last.
                    if g.claims.last().is_none_or(|x| x.claim_id != c.claim_id) {
                        g.claims.push(c.clone());
                        g.count += 1;
                    }
                }
                None => {
                    index.insert((set.clone(), r.code.clone()), groups.len());
                    groups.push(ErrorGroup {
                        code_set: set,
                        code: r.code,
                        description: r.description,
                        count: 1,
                        claims: vec![c.clone()],
                    });
                }
            }
        }
    }
    groups.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    Ok(groups)
}

/// Every claim with its batch, for `export`.
pub fn all_claims(conn: &Connection) -> rusqlite::Result<Vec<ClaimRow>> {
    let mut stmt = conn.prepare(&format!("{CLAIM_SELECT} ORDER BY id"))?;
    let rows = stmt.query_map([], claim_row)?;
    rows.collect()
}
