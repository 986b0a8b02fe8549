//! Recompute the stored status of claims and batches from the events linked to them, with
//! the rules of [`super::status`].

use rusqlite::{params, Transaction};

use super::correlate::Touched;
use super::status::{self, ClaimStatus, Fact, Via};
use crate::model::StatusEvent;

/// The facts that bear on one claim: its own events, its transaction set's statements and
/// its batch's interchange statements, oldest first.
fn claim_facts(tx: &Transaction<'_>, claim_id: i64) -> rusqlite::Result<Vec<Fact>> {
    let mut stmt = tx.prepare_cached(
        "SELECT body, first_seen, file_id, seq, via FROM (
            SELECT e.body AS body, f.first_seen AS first_seen, e.file_id AS file_id, e.seq AS seq, l.via AS via
            FROM event_links l JOIN events e ON e.id = l.event_id JOIN files f ON f.id = e.file_id
            WHERE l.claim_id = ?1
            UNION ALL
            SELECT e.body, f.first_seen, e.file_id, e.seq, l.via
            FROM claims c
            JOIN event_links l ON l.batch_id = c.batch_id AND l.claim_id IS NULL AND l.via = 'interchange'
            JOIN events e ON e.id = l.event_id JOIN files f ON f.id = e.file_id
            WHERE c.id = ?1
            UNION ALL
            SELECT e.body, f.first_seen, e.file_id, e.seq, l.via
            FROM claims c
            JOIN event_links l ON l.batch_id = c.batch_id AND l.claim_id IS NULL AND l.via = 'transaction_set'
            JOIN events e ON e.id = l.event_id AND e.transaction_set_control_number = c.transaction_set_control_number
            JOIN files f ON f.id = e.file_id
            WHERE c.id = ?1
         ) ORDER BY file_id, seq",
    )?;
    let rows = stmt.query_map(params![claim_id], fact_from_row)?;
    rows.collect()
}

/// The batch's own statements (TA1, 999 AK9, File Summary batch event) and its claims'
/// responses, oldest first: the rules tell a failed file from one that rejected every
/// claim by whether the file also spoke about claims.
fn batch_facts(tx: &Transaction<'_>, batch_id: i64) -> rusqlite::Result<Vec<Fact>> {
    let mut stmt = tx.prepare_cached(
        "SELECT e.body, f.first_seen, e.file_id, e.seq, l.via
         FROM event_links l
         JOIN events e ON e.id = l.event_id
         JOIN files f ON f.id = e.file_id
         WHERE l.batch_id = ?1
           AND ((l.claim_id IS NULL AND l.via = 'interchange') OR (l.claim_id IS NOT NULL AND e.source != 'submitter'))
         ORDER BY e.file_id, e.seq",
    )?;
    let rows = stmt.query_map(params![batch_id], fact_from_row)?;
    rows.collect()
}

fn fact_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Fact> {
    let body: String = r.get(0)?;
    let e: StatusEvent = serde_json::from_str(&body)
        .map_err(|err| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(err)))?;
    let via: String = r.get(4)?;
    Ok(Fact {
        level: e.level,
        source: e.source,
        status: e.status,
        raw_code: e.raw_code,
        reasons: e.reasons,
        effective_date: e.effective_date,
        seen: r.get(1)?,
        order: (r.get(2)?, r.get(3)?),
        applies_via: match via.as_str() {
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
    tx.query_row(
        "SELECT s.file_id IS NULL OR s.uploaded_at IS NOT NULL
         FROM batches b LEFT JOIN submissions s ON s.file_id = b.file_id WHERE b.id = ?1",
        params![b],
        |r| r.get(0),
    )
}

/// Recompute the claims and batches in `touched` (and the batches of those claims).
pub fn derive(tx: &Transaction<'_>, touched: &Touched) -> rusqlite::Result<()> {
    let mut batches = touched.batches.clone();
    for &claim in &touched.claims {
        let batch: Option<i64> = tx.query_row("SELECT batch_id FROM claims WHERE id = ?1", params![claim], |r| r.get(0))?;
        let facts = claim_facts(tx, claim)?;
        let state = status::claim_status(uploaded(tx, batch)?, &facts);
        tx.execute(
            "UPDATE claims SET status = ?2, status_source = ?3, status_reasons = ?4, last_update = ?5,
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
            params![
                claim,
                state.status.as_str(),
                state.source.map(|s| s.as_str()),
                serde_json::to_string(&state.reasons).expect("reasons serialize"),
                state.last_update,
            ],
        )?;
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
        let facts = batch_facts(tx, batch)?;
        let state = status::batch_status(uploaded(tx, Some(batch))?, &facts, &claims);
        tx.execute(
            "UPDATE batches SET status = ?2, status_reasons = ?3,
                 last_update = (SELECT MAX(c.last_update) FROM claims c WHERE c.batch_id = ?1)
             WHERE id = ?1",
            params![batch, state.status.as_str(), serde_json::to_string(&state.reasons).expect("reasons serialize")],
        )?;
    }
    Ok(())
}
