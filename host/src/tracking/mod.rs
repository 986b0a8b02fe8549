//! Tracking: correlation of events to batches and claims, their statuses, and the time
//! rules (alerts, the 7-day tracking window, archiving: [`alerts`]).
//!
//! Batches, claims and their statuses are derived from the event log: ingest updates them
//! for each new file, in the file's own transaction, and `Tracker::rebuild` recomputes all of them
//! from scratch.

pub mod advice;
pub mod alerts;
pub mod correlate;
pub mod derive;
pub(crate) mod provider;
pub mod payer;
pub mod query;
pub mod status;
pub mod words;
pub mod worklists;

use rusqlite::Transaction;

use crate::model::{FileMetadata, StatusEvent};

pub use correlate::Touched;

/// Correlate a newly stored file's events and update the statuses they touch: `ids[i]` is
/// the row id of `events[i]`, correlated in memory instead of read back from the log.
///
/// An 837 that arrives after responses to it (claims imported from other software, a sync
/// that ran before the batch was recorded) would leave those responses on claims of their
/// own; since status must not depend on arrival order, a new batch while responses are
/// still unmatched derives everything again (the event log is not re-read).
pub(crate) fn track_stored(
    tx: &Transaction<'_>,
    file_id: i64,
    ids: &[i64],
    events: &[StatusEvent],
    metadata: &FileMetadata,
) -> rusqlite::Result<Touched> {
    let t = std::time::Instant::now();
    let touched = correlate::correlate_stored(tx, file_id, ids, events, metadata)?;
    tracing::debug!(target: "claimtrack::timing", ms = crate::ingest::ms(t), "correlated");
    let t = std::time::Instant::now();
    let fresh = ids.iter().copied().zip(events).collect();
    let touched = after_correlation(tx, file_id, touched, fresh)?;
    tracing::debug!(target: "claimtrack::timing", ms = crate::ingest::ms(t), "derived");
    Ok(touched)
}

/// What [`track_stored`] does after correlating, for a file correlated as it was stored
/// (`correlate::Correlator`): derive what it touched. `kept` are the file's events still in
/// memory (row id, event), read from there; the others are read back from the store.
pub(crate) fn derive_touched(
    tx: &Transaction<'_>,
    file_id: i64,
    touched: Touched,
    kept: &[(i64, StatusEvent)],
) -> rusqlite::Result<Touched> {
    let fresh = kept.iter().map(|(id, e)| (*id, e)).collect();
    after_correlation(tx, file_id, touched, fresh)
}

fn after_correlation(
    tx: &Transaction<'_>,
    file_id: i64,
    touched: Touched,
    fresh: derive::Fresh<'_>,
) -> rusqlite::Result<Touched> {
    // Only when a claim the responses made on their own has the CLM01 of one of the new
    // batch's claims: payment headers and other claims of other software stay where they are.
    let orphans_match = tx.prepare_cached(
        "SELECT EXISTS (
             SELECT 1 FROM batches b
             JOIN claims n ON n.batch_id = b.id
             JOIN claims o ON upper(ltrim(o.patient_control_number, '0')) = upper(ltrim(n.patient_control_number, '0'))
             WHERE b.file_id = ?1 AND o.batch_id IS NULL)",
    )?
    .query_row([file_id], |r| r.get::<_, bool>(0))?;
    if orphans_match {
        rebuild(tx)?;
        return Ok(touched);
    }
    derive::derive_with(tx, &touched, fresh, derive::Log::Changes)?;
    Ok(touched)
}

/// Forget every batch, claim and link: what [`rebuild`] derives again.
pub(crate) fn forget(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "DELETE FROM event_links; DELETE FROM child_files; DELETE FROM claims; DELETE FROM batch_sets; DELETE FROM batches;",
    )
}

/// Forget every batch, claim and link, and derive them again from the event log: 837s
/// first (so every response finds its batch whatever order files arrived in), then the
/// responses in the order they were archived. Logs the statuses that changed.
pub(crate) fn rebuild(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let before = crate::store::changes::Snapshot::take(tx)?;
    rederive(tx)?;
    before.log_changes(tx)
}

/// [`rebuild`] without logging: for a caller that compares its own snapshot.
pub(crate) fn rederive(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    forget(tx)?;
    let files: Vec<i64> = {
        let mut stmt = tx.prepare(
            "SELECT f.id FROM files f
             WHERE EXISTS (SELECT 1 FROM events e WHERE e.file_id = f.id)
             ORDER BY EXISTS (SELECT 1 FROM events e WHERE e.file_id = f.id AND e.source = 'submitter') DESC, f.id",
        )?;
        stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?
    };
    let mut all = Touched::default();
    for f in files {
        let t = correlate::correlate_file(tx, f)?;
        all.batches.extend(t.batches);
        all.claims.extend(t.claims);
    }
    derive::derive_with(tx, &all, derive::Fresh::new(), derive::Log::Nothing)
}
