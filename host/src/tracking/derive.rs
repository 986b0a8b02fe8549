//! Recompute the stored status of claims and batches from the events linked to them, with
//! the rules of [`super::status`].

use std::collections::HashMap;

use rusqlite::{params, Transaction};

use super::correlate::Touched;
use crate::store::event_log::{Codebook, Facts};
use super::provider::{self, BillingProvider, Said};
use super::status::{self, ClaimStatus, Fact, Via};

use crate::model::{Level, Source, StatusClass, StatusEvent};

/// Reads facts for one `derive`, remembering what many claims share.
///
/// `files.first_seen` is read once per file: it is stored after the file's bytes, so each
/// read walks the blob's overflow pages (a thousand for a 4 MB ERA), which a join per event
/// made the largest cost of ingesting one. The statements about a batch, a transaction set or
/// the batch's billing providers are read once for all the claims they apply to.
#[derive(Default)]
struct FactReader<'a> {
    seen: HashMap<i64, String>,
    /// By (batch, set): the statements about the claim's file or set, each with the payer id
    /// of the payer that made it ([`super::payer`]).
    shared: HashMap<(i64, Option<String>), Vec<SharedFact>>,
    /// By batch: the payer ids its claims are addressed to.
    payers: HashMap<i64, Vec<String>>,
    /// By batch: its billing-provider statements (rare: most batches have none).
    providers: HashMap<i64, Vec<ProviderFact>>,
    /// The events of the file just stored, by row id: read from memory rather than parsed
    /// back from their JSON.
    fresh: Fresh<'a>,
    /// The codes and parties stored events name, read when the first one is.
    book: Option<Codebook>,
}

/// A statement about a file or set, and the payer id of the payer that made it.
type SharedFact = (Fact, Option<String>);

/// Events still in memory, by their row id in `events`.
pub(crate) type Fresh<'a> = HashMap<i64, &'a StatusEvent>;

/// A statement about one billing provider, with what picks the claims it reaches.
struct ProviderFact {
    fact: Fact,
    provider: BillingProvider,
    said: Option<Said>,
}

/// The claim a fact reader reads for: its id, batch, transaction set and billing provider.
struct ClaimKeys {
    id: i64,
    batch: Option<i64>,
    set: Option<String>,
    billing_npi: Option<String>,
    billing_tax_id: Option<String>,
    payer_id: Option<String>,
}

impl FactReader<'_> {
    /// What the rules read of a stored event, in either stored form.
    fn facts_of(&mut self, tx: &Transaction<'_>, body: &str) -> rusqlite::Result<Facts> {
        self.book.get_or_insert_with(Codebook::new).facts(tx, body)
    }

    fn decode(&mut self, tx: &Transaction<'_>, body: &str) -> rusqlite::Result<StatusEvent> {
        self.book.get_or_insert_with(Codebook::new).decode(tx, body)
    }

    fn seen(&mut self, tx: &Transaction<'_>, file_id: i64) -> rusqlite::Result<String> {
        if let Some(s) = self.seen.get(&file_id) {
            return Ok(s.clone());
        }
        let s: String =
            tx.prepare_cached("SELECT first_seen FROM files WHERE id = ?1")?.query_row(params![file_id], |r| r.get(0))?;
        self.seen.insert(file_id, s.clone());
        Ok(s)
    }

    /// Rows of (body, file_id, seq, via) as facts, each with what `derive` stores from the
    /// claim's own statements.
    /// `sql` selects (e.id, e.body, e.file_id, e.seq, l.via).
    fn facts(&mut self, tx: &Transaction<'_>, sql: &str, p: impl rusqlite::Params) -> rusqlite::Result<Vec<(Fact, Stated)>> {
        let fresh = &self.fresh;
        let rows: Vec<(Result<Facts, String>, i64, i64, String)> = tx
            .prepare_cached(sql)?
            .query_map(p, |r| {
                let body = match fresh.get(&r.get::<_, i64>(0)?) {
                    Some(e) => Ok(Facts::of(e)),
                    None => Err(r.get(1)?),
                };
                Ok((body, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(body, file_id, seq, via)| {
                let body = match body {
                    Ok(b) => b,
                    Err(stored) => self.facts_of(tx, &stored)?,
                };
                let seen = self.seen(tx, file_id)?;
                Ok(fact(body, seen, (file_id, seq), &via))
            })
            .collect()
    }

    /// The facts that bear on one claim: its own events, its transaction set's statements,
    /// its batch's interchange statements and those about its billing provider, oldest first;
    /// and what its own say of its payment and payer claim number.
    fn claim_facts(&mut self, tx: &Transaction<'_>, claim: &ClaimKeys) -> rusqlite::Result<(Vec<Fact>, ClaimValues)> {
        let own = self.facts(
            tx,
            "SELECT e.id, e.body, e.file_id, e.seq, l.via FROM event_links l JOIN events e ON e.id = l.event_id
             WHERE l.claim_id = ?1",
            params![claim.id],
        )?;
        let values = ClaimValues::of(&own);
        // Where the claim's own statements were read matters only to a provider statement.
        let with_providers = match claim.batch {
            Some(b) => !self.provider_facts(tx, b)?.is_empty(),
            None => false,
        };
        let said: Vec<Said> = if with_providers { own.iter().filter_map(|(_, s)| s.said).collect() } else { Vec::new() };
        let mut facts: Vec<Fact> = own.into_iter().map(|(f, _)| f).collect();
        let (batch, set) = (claim.batch, claim.set.as_deref());
        if let Some(b) = batch {
            let key = (b, set.map(str::to_string));
            if !self.shared.contains_key(&key) {
                let mut shared = self.facts(
                    tx,
                    "SELECT e.id, e.body, e.file_id, e.seq, l.via FROM event_links l JOIN events e ON e.id = l.event_id
                     WHERE l.batch_id = ?1 AND l.claim_id IS NULL AND l.via = 'interchange'",
                    params![b],
                )?;
                if let Some(set) = set {
                    shared.extend(self.facts(
                        tx,
                        "SELECT e.id, e.body, e.file_id, e.seq, l.via FROM event_links l JOIN events e ON e.id = l.event_id
                         WHERE l.batch_id = ?1 AND l.claim_id IS NULL AND l.via = 'transaction_set'
                           AND e.transaction_set_control_number = ?2",
                        params![b, set],
                    )?);
                }
                self.shared.insert(key.clone(), shared.into_iter().map(|(f, s)| (f, s.payer)).collect());
            }
            let payers = match self.payers.entry(b) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(super::payer::payers_of_batch(tx, b)?),
            };
            let reaches = |speaker: &Option<String>| super::payer::reaches(speaker.as_deref(), claim.payer_id.as_deref(), payers);
            facts.extend(self.shared[&key].iter().filter(|(_, p)| reaches(p)).map(|(f, _)| f.clone()));
            if with_providers {
                let (npi, tax_id) = (claim.billing_npi.as_deref(), claim.billing_tax_id.as_deref());
                let reaching = self.providers[&b]
                    .iter()
                    .filter(|p| provider::reaches(&p.provider, p.said, npi, tax_id, said.iter().copied()))
                    .map(|p| p.fact.clone());
                facts.extend(reaching);
            }
        }
        facts.sort_by_key(|f| f.order);
        Ok((facts, values))
    }

    /// The statements about billing providers of batch `b`, read once per batch.
    fn provider_facts(&mut self, tx: &Transaction<'_>, b: i64) -> rusqlite::Result<&[ProviderFact]> {
        if !self.providers.contains_key(&b) {
            let fresh = &self.fresh;
            // Whole events (the provider and position are not in `Facts`): a batch has few.
            let rows: Vec<(Result<StatusEvent, String>, i64, i64)> = tx
                .prepare_cached(
                    "SELECT e.id, e.body, e.file_id, e.seq FROM event_links l JOIN events e ON e.id = l.event_id
                     WHERE l.batch_id = ?1 AND l.claim_id IS NULL AND l.via = 'provider'",
                )?
                .query_map(params![b], |r| {
                    let event = match fresh.get(&r.get::<_, i64>(0)?) {
                        Some(e) => Ok((*e).clone()),
                        None => Err(r.get(1)?),
                    };
                    Ok((event, r.get(2)?, r.get(3)?))
                })?
                .collect::<Result<_, _>>()?;
            let mut read = Vec::with_capacity(rows.len());
            for (event, file_id, seq) in rows {
                let e = match event {
                    Ok(e) => e,
                    Err(stored) => self.decode(tx, &stored)?,
                };
                // Linked as `provider` by correlation, which asked the same question.
                let Some(provider) = BillingProvider::addressed_by(&e) else { continue };
                let said = Said::of(file_id, e.position.as_ref());
                let seen = self.seen(tx, file_id)?;
                let (fact, _) = fact(Facts::of(&e), seen, (file_id, seq), "provider");
                read.push(ProviderFact { fact, provider, said });
            }
            self.providers.insert(b, read);
        }
        Ok(&self.providers[&b])
    }

    /// The batch's own statements (TA1, 999 AK9, File Summary batch event), those about its
    /// billing providers, and its claims' responses, oldest first: the rules tell a failed
    /// file from one that rejected every claim by whether the file also spoke about claims.
    fn batch_facts(&mut self, tx: &Transaction<'_>, batch_id: i64) -> rusqlite::Result<Vec<Fact>> {
        let rows = self.facts(
            tx,
            "SELECT e.id, e.body, e.file_id, e.seq, l.via
             FROM event_links l
             JOIN events e ON e.id = l.event_id
             WHERE l.batch_id = ?1
               AND ((l.claim_id IS NULL AND l.via IN ('interchange', 'provider'))
                    OR (l.claim_id IS NOT NULL AND e.source != 'submitter'))
             ORDER BY e.file_id, e.seq",
            params![batch_id],
        )?;
        Ok(rows.into_iter().map(|(f, _)| f).collect())
    }
}

/// What one statement says of the claim's payment and payer claim number (read only from
/// the claim's own statements), and where a claim-level one was read (a provider's statement
/// repeated on the claim is not applied to it again).
#[derive(Debug, Default)]
struct Stated {
    paid: Option<i64>,
    patient_responsibility: Option<i64>,
    payer_claim_number: Option<String>,
    said: Option<Said>,
    /// The payer id of the payer that made the statement (not of a clearinghouse).
    payer: Option<String>,
}

/// The claim columns `derive` takes from the claim's own statements rather than from its
/// status: the newest statement counts, by the payer's date, then file and order in it.
#[derive(Debug, Default, PartialEq)]
struct ClaimValues {
    /// The paid amount of the newest claim-level paid, denied or reversed statement
    /// (`None` when it states none, or there is none).
    paid_cents: Option<i64>,
    /// The patient's share stated by that same statement.
    patient_responsibility_cents: Option<i64>,
    /// The payer's newest claim number (a correction may change it); `None` keeps the
    /// stored one.
    payer_claim_number: Option<String>,
}

impl ClaimValues {
    fn of(own: &[(Fact, Stated)]) -> Self {
        fn when(f: &Fact) -> (&str, (i64, i64)) {
            (f.effective_date.as_deref().unwrap_or(""), f.order)
        }
        let newest = |a: &&(Fact, Stated), b: &&(Fact, Stated)| when(&a.0).cmp(&when(&b.0));
        let paid = own
            .iter()
            .filter(|(f, _)| f.level == Level::Claim && matches!(f.status, StatusClass::Paid | StatusClass::Denied | StatusClass::Reversed))
            .max_by(newest);
        let number = own.iter().filter(|(f, s)| f.source == Source::Payer && s.payer_claim_number.is_some()).max_by(newest);
        ClaimValues {
            paid_cents: paid.and_then(|(_, s)| s.paid),
            patient_responsibility_cents: paid.and_then(|(_, s)| s.patient_responsibility),
            payer_claim_number: number.and_then(|(_, s)| s.payer_claim_number.clone()),
        }
    }
}

fn fact(e: Facts, seen: String, order: (i64, i64), via: &str) -> (Fact, Stated) {
    let said = match e.level {
        Level::Claim => Said::at(order.0, e.segment_index),
        _ => None,
    };
    let payer = match e.source {
        Source::Payer => e.source_party_id,
        _ => None,
    };
    let stated = Stated {
        paid: e.paid,
        patient_responsibility: e.patient_responsibility,
        payer_claim_number: e.payer_claim_number,
        said,
        payer,
    };
    let fact = Fact {
        level: e.level,
        source: e.source,
        status: e.status,
        raw_code: e.raw_code,
        reasons: e.reasons,
        effective_date: e.effective_date,
        seen,
        order,
        applies_via: match via {
            "provider" => Via::Provider,
            "transaction_set" => Via::TransactionSet,
            "interchange" => Via::Interchange,
            _ => Via::Claim,
        },
    };
    (fact, stated)
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

/// Logs a status change (`was` empty: new) unless `log` says not to.
fn logged(tx: &Transaction<'_>, log: Log, kind: &str, uid: Option<String>, was: &str, now: &str) -> rusqlite::Result<()> {
    match uid {
        Some(uid) if log == Log::Changes && was != now => {
            crate::store::changes::log_status(tx, kind, &uid, Some(was).filter(|w| !w.is_empty()), Some(now))
        }
        _ => Ok(()),
    }
}

/// Whether the claim has its own paid, denied or reversed statement (any level): an 835 has
/// answered it. `claims.has_remittance`, read by the ERA follow-up alert.
fn has_remittance(facts: &[Fact]) -> bool {
    facts.iter().any(|f| {
        f.applies_via == Via::Claim && matches!(f.status, StatusClass::Paid | StatusClass::Denied | StatusClass::Reversed)
    })
}

/// Whether [`derive_with`] logs the statuses it changes (`store::changes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Log {
    Changes,
    /// A rebuild, which compares a snapshot instead: every claim it derives is new to it.
    Nothing,
}

/// Recompute the claims and batches in `touched` (and the batches of those claims), and
/// log the statuses that changed.
pub(crate) fn derive(tx: &Transaction<'_>, touched: &Touched) -> rusqlite::Result<()> {
    derive_with(tx, touched, Fresh::new(), Log::Changes)
}

/// [`derive`], with the events of a file just stored still in memory. A batch or claim
/// correlation has just made has an empty status: it is logged as new.
pub(crate) fn derive_with(tx: &Transaction<'_>, touched: &Touched, fresh: Fresh<'_>, log: Log) -> rusqlite::Result<()> {
    let mut batches = touched.batches.clone();
    let mut update = tx.prepare_cached(
        "UPDATE claims SET status = ?2, status_source = ?3, status_reasons = ?4, last_update = ?5,
             last_response = ?6, payer_accepted_at = ?7, has_remittance = ?8,
             paid_cents = ?9, payer_claim_number = COALESCE(?10, payer_claim_number),
             patient_responsibility_cents = ?11
         WHERE id = ?1",
    )?;
    let mut keys_of = tx.prepare_cached(
        "SELECT batch_id, transaction_set_control_number, billing_npi, billing_tax_id, payer_id, status, uid FROM claims WHERE id = ?1",
    )?;
    let mut reader = FactReader { fresh, ..FactReader::default() };
    // The upload state of each batch, asked once per batch rather than once per claim.
    let mut uploaded_by_batch: HashMap<Option<i64>, bool> = HashMap::new();
    for &claim in &touched.claims {
        let (keys, was, uid) = keys_of.query_row(params![claim], |r| {
            let keys = ClaimKeys {
                id: claim,
                batch: r.get(0)?,
                set: r.get(1)?,
                billing_npi: r.get(2)?,
                billing_tax_id: r.get(3)?,
                payer_id: r.get(4)?,
            };
            Ok((keys, r.get::<_, String>(5)?, r.get::<_, Option<String>>(6)?))
        })?;
        let batch = keys.batch;
        let (facts, values) = reader.claim_facts(tx, &keys)?;
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
            values.paid_cents,
            values.payer_claim_number,
            values.patient_responsibility_cents,
        ])?;
        logged(tx, log, "claim", uid, &was, state.status.as_str())?;
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
        let (was, uid): (String, Option<String>) =
            tx.prepare_cached("SELECT status, uid FROM batches WHERE id = ?1")?.query_row(params![batch], |r| Ok((r.get(0)?, r.get(1)?)))?;
        logged(tx, log, "batch", uid, &was, state.status.as_str())?;
        tx.prepare_cached(
            "UPDATE batches SET status = ?2, status_reasons = ?3,
                 last_update = (SELECT MAX(c.last_update) FROM claims c WHERE c.batch_id = ?1)
             WHERE id = ?1",
        )?
        .execute(params![batch, state.status.as_str(), serde_json::to_string(&state.reasons).expect("reasons serialize")])?;
    }
    Ok(())
}
