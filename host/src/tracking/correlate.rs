//! Correlation: which batch and which claim each event is about (architecture.md,
//! "Correlation keys").
//!
//! - An 837 file (events from the `submitter`) makes a batch, its transaction sets and one
//!   claim per CLM.
//! - A response finds its batch by, in this order: the submitted file's ISA13 (TA1), GS06
//!   (999 AK1), BHT03 (277CA 2200B TRN02), the uploaded file name (File Summary), Office
//!   Ally's File ID and its per-payer child file IDs (File Summary, EDI Status).
//! - It finds its claim inside that batch by patient control number (CLM01) or OA Claim
//!   ID; without a batch, by OA Claim ID, then payer claim number, then the most recent
//!   claim with that CLM01 (CLM01 is reused by refiles, so a known batch or OA Claim ID
//!   always wins). A claim seen only in responses gets a claim of its own.
//! - A 999 transaction-set statement applies to every claim of that set; a TA1 or a File
//!   Summary batch statement applies to the whole batch.
//! - A statement about one billing provider (277CA 2200C) is linked to its batch as
//!   `provider`; it reaches the claims of the batch that provider billed, by the NPI and tax id
//!   recorded from the 837 (see `tracking::provider`).
//!
//! Everything here is derived from the event log and can be rebuilt from it.

use std::collections::BTreeSet;

use rusqlite::{params, OptionalExtension, Transaction};

use super::provider::BillingProvider;
use crate::model::{ChildFile, FileMetadata, Level, Source, StatusEvent};

/// Batches and claims whose status must be recomputed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Touched {
    /// Batch ids (`batches.id`) to derive again.
    pub batches: BTreeSet<i64>,
    /// Claim ids (`claims.id`) to derive again.
    pub claims: BTreeSet<i64>,
}

/// One stored event, as correlation reads it.
struct Row<'a> {
    id: i64,
    event: &'a StatusEvent,
}

/// A file's stored events (id, event), in file order.
fn events_of(tx: &Transaction<'_>, file_id: i64) -> rusqlite::Result<Vec<(i64, StatusEvent)>> {
    let mut book = crate::store::event_log::Codebook::new();
    let mut stmt = tx.prepare_cached("SELECT id, body FROM events WHERE file_id = ?1 ORDER BY seq")?;
    let rows = stmt.query_map(params![file_id], |r| {
        let body: String = r.get(1)?;
        Ok((r.get(0)?, book.decode(tx, &body)?))
    })?;
    rows.collect()
}

/// Link every event of `file_id` to its batch and claim, creating batches and claims as
/// needed. Returns what changed. Reads the events back from the log (`rebuild`).
pub fn correlate_file(tx: &Transaction<'_>, file_id: i64) -> rusqlite::Result<Touched> {
    let stored = events_of(tx, file_id)?;
    let ids: Vec<i64> = stored.iter().map(|(id, _)| *id).collect();
    let json: Option<String> =
        tx.prepare_cached("SELECT metadata_json FROM files WHERE id = ?1")?.query_row(params![file_id], |r| r.get(0))?;
    let metadata: Option<FileMetadata> = json.and_then(|m| serde_json::from_str(&m).ok());
    let mut c = Correlator::new(file_id, metadata.as_ref());
    c.feed(tx, &ids, stored.iter().map(|(_, e)| e))?;
    c.finish(tx, metadata.as_ref())
}

/// [`correlate_file`] for a file just stored: its events as they were inserted (`ids[i]` is
/// the row id of `events[i]`) and its metadata, so nothing is read back and parsed again
/// from JSON (on a 20,000-claim ERA that re-read cost more than the inserts).
pub(crate) fn correlate_stored(
    tx: &Transaction<'_>,
    file_id: i64,
    ids: &[i64],
    events: &[StatusEvent],
    metadata: &FileMetadata,
) -> rusqlite::Result<Touched> {
    let mut c = Correlator::new(file_id, Some(metadata));
    c.feed(tx, ids, events.iter())?;
    c.finish(tx, Some(metadata))
}

/// One file's correlation, fed its stored events a part at a time (a plugin's chunks as they
/// are stored), so no more than a part is ever in memory. What needs the file's metadata (the
/// child files a File Summary lists) waits for [`Correlator::finish`].
pub(crate) struct Correlator {
    file_id: i64,
    touched: Touched,
    mode: Mode,
    /// The child files the file's metadata lists, when it is known before the events.
    children: Option<Vec<ChildFile>>,
    /// Batches a file-level statement of this file reached while the metadata was not known:
    /// a File Summary's child files are recorded for them in `finish`.
    file_batches: BTreeSet<i64>,
}

/// What kind of file it is, known from its first events.
enum Mode {
    Unknown,
    /// An 837: its batch, and the claim its service lines belong to.
    /// `claims`: how many of its claims were read so far.
    Batch { id: i64, current_claim: Option<i64>, claims: u32 },
    Responses,
}

impl Correlator {
    /// `metadata`, when known before the events (a file parsed whole, or read back).
    pub(crate) fn new(file_id: i64, metadata: Option<&FileMetadata>) -> Self {
        Correlator {
            file_id,
            touched: Touched::default(),
            mode: Mode::Unknown,
            children: metadata.map(|m| m.child_files.clone()),
            file_batches: BTreeSet::new(),
        }
    }

    /// Link the next stored events (`ids[i]` is the row of the i-th event), in file order.
    pub(crate) fn feed<'e>(
        &mut self,
        tx: &Transaction<'_>,
        ids: &[i64],
        events: impl Iterator<Item = &'e StatusEvent> + Clone,
    ) -> rusqlite::Result<()> {
        let rows: Vec<Row<'_>> = ids.iter().zip(events).map(|(id, event)| Row { id: *id, event }).collect();
        if rows.is_empty() {
            return Ok(());
        }
        if let Mode::Unknown = self.mode {
            // An 837's events all come from the submitter; a response file's from none.
            self.mode = if rows.iter().any(|r| r.event.source == Source::Submitter) {
                Mode::Batch { id: new_batch(tx, self.file_id, rows[0].event, &mut self.touched)?, current_claim: None, claims: 0 }
            } else {
                Mode::Responses
            };
        }
        match &mut self.mode {
            Mode::Batch { id, current_claim, claims } => register_rows(tx, *id, current_claim, claims, &rows, &mut self.touched),
            Mode::Responses => {
                // The shortcut for events with the same keys as the one before starts afresh
                // with each part (one lookup more per part).
                let mut previous = None;
                for row in &rows {
                    let children = self.children.as_deref();
                    previous = Some(link_response(tx, row, previous, &mut self.touched, children, &mut self.file_batches)?);
                }
                Ok(())
            }
            Mode::Unknown => unreachable!("decided above"),
        }
    }

    /// Finish the file: its batch's claim count, and the child files its metadata lists for
    /// the batches its file-level statements reached before the metadata was known. Returns
    /// what changed.
    pub(crate) fn finish(self, tx: &Transaction<'_>, metadata: Option<&FileMetadata>) -> rusqlite::Result<Touched> {
        if let Mode::Batch { id, .. } = self.mode {
            tx.execute(
                "UPDATE batches SET claim_count = (SELECT COUNT(*) FROM claims WHERE batch_id = ?1) WHERE id = ?1",
                params![id],
            )?;
        }
        let children = metadata.map(|m| m.child_files.as_slice()).unwrap_or_default();
        for &b in &self.file_batches {
            insert_children(tx, b, children)?;
        }
        Ok(self.touched)
    }
}

/// Where the previous event of a file went. An ERA states each claim's keys again on every
/// service line, and a response file states its correlation keys on every event: an event
/// with the same keys as the one before it goes where that one went, without the lookups
/// (on a 20,000-claim ERA, a third of correlation's time). The one input of the lookups a
/// line does not share with its claim is its charge, which is the line's, so the claim's
/// answer is the right one for it too.
#[derive(Clone, Copy)]
struct Resolved<'a> {
    event: &'a StatusEvent,
    batch: Option<i64>,
    /// (claim, the claim's batch), when the event was about a claim.
    claim: Option<(i64, Option<i64>)>,
}

/// Records the per-payer child files of the upload a File Summary reports on.
fn insert_children(tx: &Transaction<'_>, batch_id: i64, children: &[ChildFile]) -> rusqlite::Result<()> {
    for child in children {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO child_files (clearinghouse_child_file_id, batch_id, payer_id, payer_name)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            child.id,
            batch_id,
            child.payer.as_ref().and_then(|p| p.id.clone()),
            child.payer.as_ref().and_then(|p| p.name.clone())
        ])?;
    }
    Ok(())
}

/// An 837's batch. The batch is known by the name the file was uploaded under, which Office
/// Ally's File Summary echoes: the staged name of a `submit`, else the name the file was
/// ingested under.
fn new_batch(tx: &Transaction<'_>, file_id: i64, first: &StatusEvent, touched: &mut Touched) -> rusqlite::Result<i64> {
    let (name, original): (String, String) = tx
        .prepare_cached(
            "SELECT COALESCE(s.staged_name, f.original_name), f.original_name FROM files f
             LEFT JOIN submissions s ON s.file_id = f.id WHERE f.id = ?1",
        )?
        .query_row(params![file_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let first = &first.correlation;
    // Its stable id (schema 13): its 837's SHA-256, which a rebuild finds again. Its status
    // is empty until `derive` (in this transaction) gives it one and logs it as new.
    tx.execute(
        "INSERT INTO batches (file_id, submitted_name, original_name, interchange_control_number, group_control_number,
                              batch_reference, status, uid)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, '', (SELECT 'B' || substr(sha256, 1, 16) FROM files WHERE id = ?1))",
        params![file_id, name, original, first.interchange_control_number, first.group_control_number, first.batch_reference],
    )?;
    let batch_id = tx.last_insert_rowid();
    touched.batches.insert(batch_id);
    Ok(batch_id)
}

/// An 837's sets and claims, in file order: one claim per CLM, its lines after it.
fn register_rows(
    tx: &Transaction<'_>,
    batch_id: i64,
    current_claim: &mut Option<i64>,
    claims_seen: &mut u32,
    rows: &[Row<'_>],
    touched: &mut Touched,
) -> rusqlite::Result<()> {
    for row in rows {
        let e = row.event;
        if let Some(st02) = &e.correlation.transaction_set_control_number {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO batch_sets (batch_id, transaction_set_control_number) VALUES (?1, ?2)",
            )?
            .execute(params![batch_id, st02])?;
        }
        match e.level {
            Level::Claim => {
                // Its stable id: its batch's and its place among the 837's claims.
                *claims_seen += 1;
                let uid = ClaimUid::InBatch(batch_id, *claims_seen);
                let claim_id = insert_claim(tx, Some(batch_id), e, uid)?;
                touched.claims.insert(claim_id);
                *current_claim = Some(claim_id);
                link(tx, row.id, Some(batch_id), Some(claim_id), "claim")?;
            }
            // Service lines follow their claim in an 837.
            Level::ServiceLine => link(tx, row.id, Some(batch_id), *current_claim, "claim")?,
            _ => link(tx, row.id, Some(batch_id), None, "interchange")?,
        }
    }
    Ok(())
}

/// A new claim's stable id (schema 13), which a rebuild gives it again.
enum ClaimUid {
    /// The n-th claim (from 1) of a batch's 837.
    InBatch(i64, u32),
    /// First seen in a response: the stored event (row id) that named it.
    FirstSeenIn(i64),
}

fn insert_claim(tx: &Transaction<'_>, batch_id: Option<i64>, e: &StatusEvent, uid: ClaimUid) -> rusqlite::Result<i64> {
    let uid: String = match uid {
        ClaimUid::InBatch(batch, n) => {
            let b: String = tx.prepare_cached("SELECT uid FROM batches WHERE id = ?1")?.query_row(params![batch], |r| r.get(0))?;
            format!("{b}-{n:07}")
        }
        ClaimUid::FirstSeenIn(event) => tx
            .prepare_cached(
                "SELECT 'R' || substr(f.sha256, 1, 16) || '-' || printf('%07d', e.seq) FROM events e JOIN files f ON f.id = e.file_id WHERE e.id = ?1",
            )?
            .query_row(params![event], |r| r.get(0))?,
    };
    let c = e.claim.clone().unwrap_or_default();
    let pcn = c.patient_control_number.clone().unwrap_or_default();
    let payer = c.payer.as_ref();
    // Only the 837 says who billed the claim (schema 10 fills existing claims the same way).
    let billing = match e.source {
        Source::Submitter => BillingProvider::of(&c),
        _ => BillingProvider::default(),
    };
    tx.prepare_cached(
        "INSERT INTO claims (batch_id, transaction_set_control_number, patient_control_number, clearinghouse_claim_id,
                             payer_claim_number, patient_name, service_date_from, service_date_to, charged_cents,
                             payer_id, payer_name, billing_npi, billing_tax_id, status, uid)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, '', ?14)",
    )?
    .execute(params![
            batch_id,
            e.correlation.transaction_set_control_number,
            pcn,
            c.clearinghouse_claim_id,
            c.payer_claim_number,
            c.patient_name,
            c.service_date_from,
            c.service_date_to,
            e.amounts.charged,
            payer.and_then(|p| p.id.clone()),
            payer.and_then(|p| p.name.clone()),
            billing.npi,
            billing.tax_id,
            uid,
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

fn link(tx: &Transaction<'_>, event_id: i64, batch_id: Option<i64>, claim_id: Option<i64>, via: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT OR REPLACE INTO event_links (event_id, batch_id, claim_id, via) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![event_id, batch_id, claim_id, via])?;
    Ok(())
}

/// The batch a response event answers, by the first key that finds one.
fn find_batch(tx: &Transaction<'_>, e: &StatusEvent) -> rusqlite::Result<Option<i64>> {
    let c = &e.correlation;
    let by = |sql: &str, key: &Option<String>| -> rusqlite::Result<Option<i64>> {
        match key {
            Some(k) => tx.prepare_cached(sql)?.query_row(params![k], |r| r.get(0)).optional(),
            None => Ok(None),
        }
    };
    // The most recent batch wins when a key repeats (control numbers recycle).
    let candidates: [(&str, &Option<String>); 6] = [
        ("SELECT id FROM batches WHERE interchange_control_number = ?1 ORDER BY id DESC LIMIT 1", &c.interchange_control_number),
        ("SELECT id FROM batches WHERE group_control_number = ?1 ORDER BY id DESC LIMIT 1", &c.group_control_number),
        ("SELECT id FROM batches WHERE batch_reference = ?1 ORDER BY id DESC LIMIT 1", &c.batch_reference),
        ("SELECT id FROM batches WHERE submitted_name = ?1 ORDER BY id DESC LIMIT 1", &c.submitted_file_name),
        ("SELECT id FROM batches WHERE clearinghouse_file_id = ?1 ORDER BY id DESC LIMIT 1", &c.clearinghouse_file_id),
        ("SELECT batch_id FROM child_files WHERE clearinghouse_child_file_id = ?1", &c.clearinghouse_child_file_id),
    ];
    for (sql, key) in candidates {
        if let Some(id) = by(sql, key)? {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// The claim a response event is about, inside `batch` when known.
fn find_claim(tx: &Transaction<'_>, batch: Option<i64>, e: &StatusEvent) -> rusqlite::Result<Option<i64>> {
    let Some(c) = &e.claim else { return Ok(None) };
    let oa = c.clearinghouse_claim_id.as_deref();
    let icn = c.payer_claim_number.as_deref();
    let pcn = c.patient_control_number.as_deref();
    // Most specific first: within the batch; then keys that are unique over time (OA Claim
    // ID, payer claim number); last CLM01, which refiles reuse. Payers sometimes upper-case
    // CLM01 or drop its leading zeros (x12-reference §1.4).
    // No constant terms such as `?1 = 0` in these: SQLite prepares a statement whose plan
    // may depend on a bound value again at every execution (STAT4 builds), which cost more
    // than the lookups themselves.
    let in_batch: [(Option<&str>, &str); 2] = [
        (oa, "SELECT id FROM claims WHERE batch_id = ?1 AND clearinghouse_claim_id = ?2"),
        (pcn, "SELECT id FROM claims WHERE batch_id = ?1 AND patient_control_number = ?2 ORDER BY id DESC LIMIT 1"),
    ];
    if let Some(b) = batch {
        for (key, sql) in in_batch {
            let Some(key) = key else { continue };
            if let Some(id) = tx.prepare_cached(sql)?.query_row(params![b, key], |r| r.get(0)).optional()? {
                return Ok(Some(id));
            }
        }
    }
    let anywhere: [(Option<&str>, &str); 2] = [
        (oa, "SELECT id FROM claims WHERE clearinghouse_claim_id = ?1 ORDER BY id DESC LIMIT 1"),
        (icn, "SELECT id FROM claims WHERE payer_claim_number = ?1 ORDER BY id DESC LIMIT 1"),
    ];
    for (key, sql) in anywhere {
        let Some(key) = key else { continue };
        if let Some(id) = tx.prepare_cached(sql)?.query_row(params![key], |r| r.get(0)).optional()? {
            return Ok(Some(id));
        }
    }
    match pcn {
        Some(pcn) => claim_by_pcn(tx, pcn, c.service_date_from.as_deref(), e.amounts.charged),
        None => Ok(None),
    }
}

/// The last resort: CLM01 alone, which refiles reuse. Among the claims with that CLM01
/// (compared upper-cased and without leading zeros, as payers rewrite it), newest first,
/// the one whose date of service and then charge agree with the event; a claim whose dates
/// are stated and all differ is another claim, and gets a record of its own.
fn claim_by_pcn(tx: &Transaction<'_>, pcn: &str, from: Option<&str>, charged: Option<i64>) -> rusqlite::Result<Option<i64>> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, service_date_from, charged_cents FROM claims
         WHERE upper(ltrim(patient_control_number, '0')) = ?1
         ORDER BY id DESC LIMIT 50",
    )?;
    // The key normalized here rather than by `upper(ltrim(?1, '0'))` (a constant term on a
    // bound value, see find_claim); SQLite's upper() changes ASCII letters only, as this does.
    let key = pcn.trim_start_matches('0').to_ascii_uppercase();
    let candidates: Vec<(i64, Option<String>, Option<i64>)> =
        stmt.query_map(params![key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
    let same_date = |d: &Option<String>| match (from, d) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    let dated: Vec<&(i64, Option<String>, Option<i64>)> = candidates.iter().filter(|(_, d, _)| same_date(d)).collect();
    let pick = dated
        .iter()
        .find(|(_, _, c)| charged.is_some() && *c == charged)
        .or_else(|| dated.first())
        .map(|(id, _, _)| *id);
    Ok(pick)
}

fn link_response<'a>(
    tx: &Transaction<'_>,
    row: &Row<'a>,
    previous: Option<Resolved<'a>>,
    touched: &mut Touched,
    children: Option<&[ChildFile]>,
    file_batches: &mut BTreeSet<i64>,
) -> rusqlite::Result<Resolved<'a>> {
    let e = row.event;
    let same_keys = previous.filter(|p| p.event.correlation == e.correlation);
    let batch = match same_keys {
        Some(p) => p.batch,
        None => find_batch(tx, e)?,
    };
    let mut resolved = Resolved { event: e, batch, claim: None };
    if let Some(b) = batch {
        touched.batches.insert(b);
        // A File Summary names Office Ally's File ID and the child files of the upload.
        if e.level == Level::Interchange {
            if let Some(fid) = &e.correlation.clearinghouse_file_id {
                tx.prepare_cached(
                    "UPDATE batches SET clearinghouse_file_id = ?2 WHERE id = ?1 AND clearinghouse_file_id IS NULL",
                )?
                .execute(params![b, fid])?;
            }
            // Its child files: now when the metadata that lists them is known, else once it is
            // (`Correlator::finish`).
            match children {
                Some(children) => insert_children(tx, b, children)?,
                None => {
                    file_batches.insert(b);
                }
            }
        }
    }
    if let Some(provider) = BillingProvider::addressed_by(e) {
        link_provider_statement(tx, row.id, batch, &provider, touched)?;
        return Ok(resolved);
    }
    match e.level {
        Level::Claim | Level::ServiceLine if e.claim.is_some() => {
            let same_claim = same_keys.and_then(|p| p.claim.filter(|_| p.event.claim == e.claim));
            let (claim, claim_batch) = match same_claim {
                Some(known) => known,
                None => {
                    let (claim, claim_batch) = match find_claim(tx, batch, e)? {
                        Some(claim) => {
                            fill_keys(tx, claim, e)?;
                            let claim_batch: Option<i64> = tx
                                .prepare_cached("SELECT batch_id FROM claims WHERE id = ?1")?
                                .query_row(params![claim], |r| r.get(0))?;
                            (claim, claim_batch)
                        }
                        // Seen only in responses (submitted by other software, or before
                        // claimtrack); inserted with this event's keys.
                        None => (insert_claim(tx, batch, e, ClaimUid::FirstSeenIn(row.id))?, batch),
                    };
                    touched.claims.insert(claim);
                    if let Some(b) = claim_batch {
                        touched.batches.insert(b);
                    }
                    (claim, claim_batch)
                }
            };
            resolved.claim = Some((claim, claim_batch));
            link(tx, row.id, claim_batch.or(batch), Some(claim), "claim")?;
        }
        Level::TransactionSet if e.correlation.transaction_set_control_number.is_some() => {
            if let Some(b) = batch {
                let mut stmt = tx.prepare_cached(
                    "SELECT id FROM claims WHERE batch_id = ?1 AND transaction_set_control_number = ?2",
                )?;
                let ids: Vec<i64> = stmt
                    .query_map(params![b, e.correlation.transaction_set_control_number], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                touched.claims.extend(ids);
            }
            link(tx, row.id, batch, None, "transaction_set")?;
        }
        _ => {
            if let Some(b) = batch {
                let mut stmt = tx.prepare_cached("SELECT id FROM claims WHERE batch_id = ?1")?;
                let ids: Vec<i64> = stmt.query_map(params![b], |r| r.get(0))?.collect::<Result<_, _>>()?;
                touched.claims.extend(ids);
            }
            link(tx, row.id, batch, None, "interchange")?;
        }
    }
    Ok(resolved)
}

/// A statement about one billing provider: linked to its batch only. The claims it reaches
/// are picked when statuses are derived (a claim the same file names may have it already);
/// those the provider billed are touched here so that they are derived again.
fn link_provider_statement(
    tx: &Transaction<'_>,
    event_id: i64,
    batch: Option<i64>,
    provider: &BillingProvider,
    touched: &mut Touched,
) -> rusqlite::Result<()> {
    if let Some(b) = batch {
        let mut stmt = tx.prepare_cached("SELECT id, billing_npi, billing_tax_id FROM claims WHERE batch_id = ?1")?;
        let rows = stmt.query_map(params![b], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, Option<String>>(2)?))
        })?;
        for row in rows {
            let (id, npi, tax_id) = row?;
            if provider.bills(npi.as_deref(), tax_id.as_deref()) {
                touched.claims.insert(id);
            }
        }
    }
    link(tx, event_id, batch, None, "provider")
}

/// Responses teach a claim its OA Claim ID and payer claim number.
fn fill_keys(tx: &Transaction<'_>, claim: i64, e: &StatusEvent) -> rusqlite::Result<()> {
    let Some(c) = &e.claim else { return Ok(()) };
    tx.prepare_cached(
        "UPDATE claims SET
            clearinghouse_claim_id = COALESCE(clearinghouse_claim_id, ?2),
            payer_claim_number = COALESCE(?3, payer_claim_number),
            patient_name = COALESCE(patient_name, ?4),
            service_date_from = COALESCE(service_date_from, ?5),
            service_date_to = COALESCE(service_date_to, ?6)
         WHERE id = ?1",
    )?
    .execute(params![claim, c.clearinghouse_claim_id, c.payer_claim_number, c.patient_name, c.service_date_from, c.service_date_to],
    )?;
    Ok(())
}
