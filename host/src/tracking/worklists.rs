//! What billing staff work through each morning: claims that need someone (the work
//! queues), how many claims stand at each status, and the money payers sent lately. Read by
//! the dashboard; plain data for any embedder.
//!
//! Archived batches count: archiving ends a batch's tracking, not the work its rejected or
//! unpaid claims still need.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;

use super::query::{claim_row, ClaimRow, CLAIM_SELECT};
use super::status::ClaimStatus;
use crate::clock::stored;
use crate::store::event_log::Codebook;

/// A claim whose CLM01 went out again in a later batch was refiled (or corrected): the later
/// submission is the one to follow, as in `errors` (found through claims_pcn_norm).
const NOT_REFILED: &str = "NOT EXISTS (SELECT 1 FROM claims n
     WHERE upper(ltrim(n.patient_control_number, '0')) = upper(ltrim(c.patient_control_number, '0')) AND n.batch_id > c.batch_id)";

/// A work queue: claims that need someone to act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkQueue {
    /// Rejected by Office Ally or the payer and not refiled since (no later batch has its
    /// patient control number).
    Rejected,
    /// Denied by the payer (835, 277 F2/F4) and not resubmitted since.
    Denied,
    /// Not with the payer yet (AWAITING, OA ACCEPTED) and nothing new from Office Ally or the
    /// payer for the queue's days.
    NoNews,
    /// Accepted by the payer (or pending) the queue's days ago or more, with no ERA since.
    NoEra,
}

impl WorkQueue {
    /// Every queue, in the order a morning goes through them.
    pub const ALL: [WorkQueue; 4] = [WorkQueue::Rejected, WorkQueue::Denied, WorkQueue::NoNews, WorkQueue::NoEra];

    /// The queue's name in URLs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkQueue::Rejected => "rejected",
            WorkQueue::Denied => "denied",
            WorkQueue::NoNews => "no_news",
            WorkQueue::NoEra => "no_era",
        }
    }

    /// The queue named `s` ([`WorkQueue::as_str`]).
    pub fn parse(s: &str) -> Option<WorkQueue> {
        WorkQueue::ALL.into_iter().find(|q| q.as_str() == s)
    }

    /// Whether the queue's rule counts days (and so takes a cutoff).
    pub fn counts_days(self) -> bool {
        matches!(self, WorkQueue::NoNews | WorkQueue::NoEra)
    }

    fn condition(self) -> String {
        // ?1 is the cutoff (RFC 3339); the rules without days ignore it.
        match self {
            WorkQueue::Rejected => format!("c.status IN ('OA REJECTED', 'PAYER REJECTED') AND {NOT_REFILED} AND ?1 IS NOT NULL"),
            WorkQueue::Denied => format!("c.status = 'DENIED' AND {NOT_REFILED} AND ?1 IS NOT NULL"),
            // Before the payer: after it, the claim waits for its ERA (the next queue).
            WorkQueue::NoNews => "c.status IN ('AWAITING', 'OA ACCEPTED')
                 AND COALESCE(c.last_response, c.last_update, (SELECT f.first_seen FROM files f WHERE f.id = b.file_id)) < ?1"
                .to_string(),
            // As the overdue-ERA alert (alerts rule 3): from the payer's acceptance, no remittance since.
            WorkQueue::NoEra => "c.status IN ('PAYER ACCEPTED', 'PENDING') AND c.has_remittance = 0
                 AND COALESCE(c.payer_accepted_at, c.last_update) < ?1"
                .to_string(),
        }
    }
}

/// The claims of one queue, oldest news first (the ones waiting longest on top): `limit`
/// of them after the first `skip`; `cutoff` is now minus the queue's days.
pub fn work_queue(conn: &Connection, queue: WorkQueue, cutoff: DateTime<Utc>, skip: usize, limit: usize) -> rusqlite::Result<Vec<ClaimRow>> {
    let sql = format!(
        "{CLAIM_SELECT} WHERE {}
         ORDER BY COALESCE(c.last_response, c.last_update) ASC, c.id ASC LIMIT ?2 OFFSET ?3",
        queue.condition()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![stored(cutoff), limit as i64, skip as i64], claim_row)?;
    rows.collect()
}

/// How many claims each queue holds.
pub fn queue_size(conn: &Connection, queue: WorkQueue, cutoff: DateTime<Utc>) -> rusqlite::Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM claims c LEFT JOIN batches b ON b.id = c.batch_id WHERE {}",
        queue.condition()
    );
    conn.prepare_cached(&sql)?.query_row(params![stored(cutoff)], |r| r.get(0))
}

/// How many claims have each status, in [`ClaimStatus::ALL`] order; statuses no claim has
/// are left out. A rejected or denied submission refiled since counts as its refile.
pub fn status_counts(conn: &Connection) -> rusqlite::Result<Vec<(ClaimStatus, i64)>> {
    // The refile check runs only for the (few) rejected and denied claims.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT c.status, COUNT(*) FROM claims c
         WHERE c.status NOT IN ('OA REJECTED', 'PAYER REJECTED', 'DENIED') OR {NOT_REFILED}
         GROUP BY c.status"
    ))?;
    let found: Vec<(ClaimStatus, i64)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    Ok(ClaimStatus::ALL.into_iter().filter_map(|s| found.iter().find(|(f, _)| *f == s).copied()).collect())
}

/// What one payer paid over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PayerPayments {
    /// The payer's name as its ERA gives it (or its id).
    pub payer: String,
    /// Claims paid (835 CLP paid statements, less the reversals that took one back).
    pub claims: i64,
    /// Paid in all, less what reversals took back, integer cents.
    pub paid_cents: i64,
}

/// The claim payments in ERAs (835s) that arrived since `since`, by payer, the largest
/// first. Only 835s count: a 277 saying "paid" (F1) is news of a payment its ERA counts.
pub fn payments_since(conn: &Connection, since: DateTime<Utc>) -> rusqlite::Result<Vec<PayerPayments>> {
    // The files seen since then first (few; CROSS JOIN keeps SQLite from reading every event
    // instead), then each file's events by (file_id, seq). Bodies are stored encoded
    // (`store::event_log`): the payer and the amount come from decoding them.
    let mut stmt = conn.prepare_cached(
        "SELECT e.body FROM files f CROSS JOIN events e ON e.file_id = f.id
         WHERE f.first_seen >= ?1 AND f.format = 'x12-835'
           AND e.level = 'claim' AND e.source = 'payer' AND e.status IN ('paid', 'reversed')",
    )?;
    let bodies: Vec<String> = stmt.query_map(params![stored(since)], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut book = Codebook::new();
    let mut by_payer: Vec<PayerPayments> = Vec::new();
    for body in bodies {
        let e = book.decode(conn, &body)?;
        let party = e.source_party.as_ref();
        let payer = party.and_then(|p| p.name.clone().or_else(|| p.id.clone())).unwrap_or_else(|| "Unknown payer".to_string());
        let i = match by_payer.iter().position(|p| p.payer == payer) {
            Some(i) => i,
            None => {
                by_payer.push(PayerPayments { payer, claims: 0, paid_cents: 0 });
                by_payer.len() - 1
            }
        };
        // A reversal (CLP02 22) states its amount negative, so the sum nets it out.
        by_payer[i].paid_cents += e.amounts.paid.unwrap_or(0);
        by_payer[i].claims += match e.status {
            crate::model::StatusClass::Paid => 1,
            crate::model::StatusClass::Reversed => -1,
            _ => 0,
        };
    }
    by_payer.sort_by(|a, b| b.paid_cents.cmp(&a.paid_cents).then_with(|| a.payer.cmp(&b.payer)));
    Ok(by_payer)
}
