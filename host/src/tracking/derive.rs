//! Recompute the stored status of claims and batches from the events linked to them, with
//! the rules of [`super::status`].

use std::collections::HashMap;

use rusqlite::{params, Transaction};

use super::correlate::Touched;
use super::status::{self, ClaimStatus, Fact, Via};
use serde::Deserialize;

use crate::model::{Level, Reason, Source, StatusClass};

/// Reads facts for one `derive`, remembering what many claims share.
///
/// `files.first_seen` is read once per file: it is stored after the file's bytes, so each
/// read walks the blob's overflow pages (a thousand for a 4 MB ERA), which a join per event
/// made the largest cost of ingesting one. The statements about a batch or a transaction set
/// are read once for all the claims they apply to.
#[derive(Default)]
struct FactReader {
    seen: HashMap<i64, String>,
    shared: HashMap<(i64, Option<String>), Vec<Fact>>,
}

impl FactReader {
    fn seen(&mut self, tx: &Transaction<'_>, file_id: i64) -> rusqlite::Result<String> {
        if let Some(s) = self.seen.get(&file_id) {
            return Ok(s.clone());
        }
        let s: String =
            tx.prepare_cached("SELECT first_seen FROM files WHERE id = ?1")?.query_row(params![file_id], |r| r.get(0))?;
        self.seen.insert(file_id, s.clone());
        Ok(s)
    }

    /// Rows of (body, file_id, seq, via) as facts.
    fn facts(&mut self, tx: &Transaction<'_>, sql: &str, p: impl rusqlite::Params) -> rusqlite::Result<Vec<Fact>> {
        let rows: Vec<(String, i64, i64, String)> = tx
            .prepare_cached(sql)?
            .query_map(p, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(body, file_id, seq, via)| {
                let seen = self.seen(tx, file_id)?;
                fact(&body, seen, (file_id, seq), &via)
            })
            .collect()
    }

    /// The facts that bear on one claim: its own events, its transaction set's statements
    /// and its batch's interchange statements, oldest first.
    fn claim_facts(
        &mut self,
        tx: &Transaction<'_>,
        claim_id: i64,
        batch: Option<i64>,
        set: Option<&str>,
    ) -> rusqlite::Result<Vec<Fact>> {
        let mut facts = self.facts(
            tx,
            "SELECT e.body, e.file_id, e.seq, l.via FROM event_links l JOIN events e ON e.id = l.event_id
             WHERE l.claim_id = ?1",
            params![claim_id],
        )?;
        if let Some(b) = batch {
            let key = (b, set.map(str::to_string));
            if !self.shared.contains_key(&key) {
                let mut shared = self.facts(
                    tx,
                    "SELECT e.body, e.file_id, e.seq, l.via FROM event_links l JOIN events e ON e.id = l.event_id
                     WHERE l.batch_id = ?1 AND l.claim_id IS NULL AND l.via = 'interchange'",
                    params![b],
                )?;
                if let Some(set) = set {
                    shared.extend(self.facts(
                        tx,
                        "SELECT e.body, e.file_id, e.seq, l.via FROM event_links l JOIN events e ON e.id = l.event_id
                         WHERE l.batch_id = ?1 AND l.claim_id IS NULL AND l.via = 'transaction_set'
                           AND e.transaction_set_control_number = ?2",
                        params![b, set],
                    )?);
                }
                self.shared.insert(key.clone(), shared);
            }
            facts.extend(self.shared[&key].iter().cloned());
        }
        facts.sort_by_key(|f| f.order);
        Ok(facts)
    }

    /// The batch's own statements (TA1, 999 AK9, File Summary batch event) and its claims'
    /// responses, oldest first: the rules tell a failed file from one that rejected every
    /// claim by whether the file also spoke about claims.
    fn batch_facts(&mut self, tx: &Transaction<'_>, batch_id: i64) -> rusqlite::Result<Vec<Fact>> {
        self.facts(
            tx,
            "SELECT e.body, e.file_id, e.seq, l.via
             FROM event_links l
             JOIN events e ON e.id = l.event_id
             WHERE l.batch_id = ?1
               AND ((l.claim_id IS NULL AND l.via = 'interchange') OR (l.claim_id IS NOT NULL AND e.source != 'submitter'))
             ORDER BY e.file_id, e.seq",
            params![batch_id],
        )
    }
}

/// The part of a stored event (the `parse --json` shape) the rules read. Reading only
/// this is several times faster than a whole [`crate::model::StatusEvent`], whose flattened
/// correlation keys make serde buffer every field; the rest is skipped unparsed.
#[derive(Deserialize)]
struct FactBody {
    level: Level,
    source: Source,
    status: StatusClass,
    raw_code: String,
    #[serde(default)]
    reasons: Vec<Reason>,
    #[serde(default)]
    effective_date: Option<String>,
}

fn fact(body: &str, seen: String, order: (i64, i64), via: &str) -> rusqlite::Result<Fact> {
    let e: FactBody = serde_json::from_str(body)
        .map_err(|err| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(err)))?;
    Ok(Fact {
        level: e.level,
        source: e.source,
        status: e.status,
        raw_code: e.raw_code,
        reasons: e.reasons,
        effective_date: e.effective_date,
        seen,
        order,
        applies_via: match via {
            "transaction_set" => Via::TransactionSet,
            "interchange" => Via::Interchange,
            _ => Via::Claim,
        },
    })
}

/// Whether the batch's 837 has been sent. A `submit`ted 837 (one with a `submissions` row)
/// is uploaded once its upload is recorded (`uploaded_at`); an 837 that was only ingested
/// (history, or sent by other software) was sent by some other means.
fn uploaded(tx: &Transaction<'_>, batch_id: Option<i64>) -> rusqlite::Result<bool> {
    let Some(b) = batch_id else { return Ok(true) };
    tx.prepare_cached(
        "SELECT s.file_id IS NULL OR s.uploaded_at IS NOT NULL
         FROM batches b LEFT JOIN submissions s ON s.file_id = b.file_id WHERE b.id = ?1",
    )?
    .query_row(params![b], |r| r.get(0))
}

/// When Office Ally or a payer last said anything about the claim (its own statements and
/// those about its transaction set or file): `claims.last_response`, the start of the 7-day
/// tracking window. Stored so the views and alerts need not join the event log per claim.
fn last_response(facts: &[Fact]) -> Option<&str> {
    facts
        .iter()
        .filter(|f| matches!(f.source, Source::Clearinghouse | Source::Payer))
        .map(|f| f.seen.as_str())
        .max()
}

/// The payer's acceptance: the earliest statement that the payer accepted the claim (or
/// that it is pending), by the claim itself (not one of its service lines) or its
/// transaction set or file: `claims.payer_accepted_at`, where the ERA follow-up alert's
/// wait starts.
fn payer_accepted_at(facts: &[Fact]) -> Option<&str> {
    facts
        .iter()
        .filter(|f| f.applies_via != Via::Claim || f.level != Level::ServiceLine)
        .filter(|f| {
            (f.source == Source::Payer && matches!(f.status, StatusClass::Accepted | StatusClass::AcceptedWithErrors))
                || f.status == StatusClass::Pending
        })
        .map(|f| f.seen.as_str())
        .min()
}

/// Whether the claim has its own paid, denied or reversed statement (any level): an 835 has
/// answered it. `claims.has_remittance`, read by the ERA follow-up alert.
fn has_remittance(facts: &[Fact]) -> bool {
    facts.iter().any(|f| {
        f.applies_via == Via::Claim && matches!(f.status, StatusClass::Paid | StatusClass::Denied | StatusClass::Reversed)
    })
}

/// Recompute the claims and batches in `touched` (and the batches of those claims).
pub fn derive(tx: &Transaction<'_>, touched: &Touched) -> rusqlite::Result<()> {
    let mut batches = touched.batches.clone();
    let mut update = tx.prepare_cached(
        "UPDATE claims SET status = ?2, status_source = ?3, status_reasons = ?4, last_update = ?5,
             last_response = ?6, payer_accepted_at = ?7, has_remittance = ?8,
             paid_cents = (SELECT json_extract(e.body, '$.amounts.paid') FROM event_links l JOIN events e ON e.id = l.event_id
                           WHERE l.claim_id = ?1 AND e.level = 'claim' AND e.status IN ('paid', 'denied', 'reversed')
                           ORDER BY COALESCE(e.effective_date, '') DESC, e.file_id DESC, e.seq DESC LIMIT 1),
             -- The payer's newest claim number (a correction may change it), by when
             -- the payer said it rather than when the file arrived here.
             payer_claim_number = COALESCE(
                 (SELECT e.payer_claim_number FROM event_links l JOIN events e ON e.id = l.event_id
                  WHERE l.claim_id = ?1 AND e.payer_claim_number IS NOT NULL AND e.source = 'payer'
                  ORDER BY COALESCE(e.effective_date, '') DESC, e.file_id DESC, e.seq DESC LIMIT 1),
                 payer_claim_number)
         WHERE id = ?1",
    )?;
    let mut batch_of = tx.prepare_cached("SELECT batch_id, transaction_set_control_number FROM claims WHERE id = ?1")?;
    let mut reader = FactReader::default();
    // The upload state of each batch, asked once per batch rather than once per claim.
    let mut uploaded_by_batch: HashMap<Option<i64>, bool> = HashMap::new();
    for &claim in &touched.claims {
        let (batch, set): (Option<i64>, Option<String>) = batch_of.query_row(params![claim], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let facts = reader.claim_facts(tx, claim, batch, set.as_deref())?;
        let up = match uploaded_by_batch.get(&batch) {
            Some(&u) => u,
            None => *uploaded_by_batch.entry(batch).or_insert(uploaded(tx, batch)?),
        };
        let state = status::claim_status(up, &facts);
        update.execute(params![
            claim,
            state.status.as_str(),
            state.source.map(|s| s.as_str()),
            serde_json::to_string(&state.reasons).expect("reasons serialize"),
            state.last_update,
            last_response(&facts),
            payer_accepted_at(&facts),
            has_remittance(&facts),
        ])?;
        if let Some(b) = batch {
            batches.insert(b);
        }
    }
    for &batch in &batches {
        let claims: Vec<ClaimStatus> = {
            let mut stmt = tx.prepare_cached("SELECT status FROM claims WHERE batch_id = ?1")?;
            let rows = stmt.query_map(params![batch], |r| r.get::<_, String>(0))?;
            rows.filter_map(|s| s.ok().and_then(|s| ClaimStatus::parse(&s))).collect()
        };
        let facts = reader.batch_facts(tx, batch)?;
        let state = status::batch_status(uploaded(tx, Some(batch))?, &facts, &claims);
        tx.prepare_cached(
            "UPDATE batches SET status = ?2, status_reasons = ?3,
                 last_update = (SELECT MAX(c.last_update) FROM claims c WHERE c.batch_id = ?1)
             WHERE id = ?1",
        )?
        .execute(params![batch, state.status.as_str(), serde_json::to_string(&state.reasons).expect("reasons serialize")])?;
    }
    Ok(())
}
