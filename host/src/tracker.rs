//! The tracker: the library's front door for software that embeds claimtrack.
//!
//! ```no_run
//! use claimtrack::{clock::Clock, paths::DataDir, tracker::Tracker};
//!
//! let (mut tracker, _problems) = Tracker::open(&DataDir::new("/var/lib/clinic/claimtrack"), Clock::System)?;
//! let bytes = std::fs::read("FS_HCFA_1026347812_IN_C.txt")?;
//! tracker.ingest("FS_HCFA_1026347812_IN_C.txt", "ingest", &bytes)?;
//! for batch in tracker.batches()? {
//!     println!("{} {} ({} claims)", batch.name, batch.status, batch.claim_count);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use rusqlite::{params, TransactionBehavior};
use serde::Serialize;

use crate::clock::Clock;
use crate::ingest::{self, IngestReport};
use crate::package::PackageLimits;
use crate::paths::DataDir;
use crate::plugins::{LoadProblem, PluginSet};
use crate::runtime::Limits;
use crate::store::{Store, StoreError};
use crate::tracking::query::{self, BatchRow, ClaimRow, TimelineEntry};

/// A status that `rebuild` changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusChange {
    /// "batch" or "claim".
    pub kind: &'static str,
    /// The batch's uploaded file name, or the claim's patient control number and batch.
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// ((kind, key), status) of one batch or claim.
type Snapshot = ((&'static str, String), String);

/// An open data folder: the store, the plugins and the clock.
pub struct Tracker {
    store: Store,
    plugins: PluginSet,
    clock: Clock,
    limits: PackageLimits,
}

impl Tracker {
    /// Open the data folder (creating it owner-only), its database and the plugins.
    /// Plugins that fail to load are returned, not fatal.
    pub fn open(data_dir: &DataDir, clock: Clock) -> anyhow::Result<(Tracker, Vec<LoadProblem>)> {
        let store = Store::open(data_dir)?;
        let (plugins, problems) = PluginSet::open(Some(data_dir), Limits::default())?;
        Ok((Tracker { store, plugins, clock, limits: PackageLimits::default() }, problems))
    }

    /// Move the tracker's clock (tests, the demo).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn plugins(&self) -> &PluginSet {
        &self.plugins
    }

    /// Archive, parse, store and correlate one file (see [`crate::ingest`]).
    pub fn ingest(&mut self, name: &str, origin: &str, bytes: &[u8]) -> Result<IngestReport, StoreError> {
        ingest::ingest_bytes(&mut self.store, &self.plugins, &self.clock, &self.limits, name, origin, bytes)
    }

    /// Every batch, newest first.
    pub fn batches(&self) -> Result<Vec<BatchRow>, StoreError> {
        Ok(query::batches(self.store.conn())?)
    }

    /// One batch and its claims.
    pub fn batch(&self, id: i64) -> Result<Option<(BatchRow, Vec<ClaimRow>)>, StoreError> {
        let Some(b) = query::batch(self.store.conn(), id)? else { return Ok(None) };
        let claims = query::claims_of_batch(self.store.conn(), id)?;
        Ok(Some((b, claims)))
    }

    /// Claims known by this patient control number, OA Claim ID or payer claim number,
    /// each with its timeline.
    pub fn claim(&self, key: &str) -> Result<Vec<(ClaimRow, Vec<TimelineEntry>)>, StoreError> {
        let conn = self.store.conn();
        query::find_claims(conn, key)?
            .into_iter()
            .map(|c| {
                let t = query::timeline(conn, c.id)?;
                Ok((c, t))
            })
            .collect()
    }

    /// Rejection and denial reasons grouped by code (in one batch, or all).
    pub fn errors(&self, batch: Option<i64>) -> Result<Vec<query::ErrorGroup>, StoreError> {
        Ok(query::errors(self.store.conn(), batch)?)
    }

    /// Every claim, for export.
    pub fn all_claims(&self) -> Result<Vec<ClaimRow>, StoreError> {
        Ok(query::all_claims(self.store.conn())?)
    }

    /// Re-read every archived file with the current plugins and derive every batch and
    /// claim again, in one transaction. Returns every status that changed.
    pub fn rebuild(&mut self) -> Result<Vec<StatusChange>, StoreError> {
        let before = self.snapshot()?;
        let plugins = &self.plugins;
        let tx = self.store.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        ingest::reparse_all(&tx, plugins)?;
        crate::tracking::rebuild(&tx)?;
        tx.commit()?;
        let after = self.snapshot()?;
        let mut changes = Vec::new();
        for (key, a) in &after {
            let b = before.iter().find(|(k, _)| k == key).map(|(_, s)| s.clone());
            if b.as_ref() != Some(a) {
                changes.push(StatusChange { kind: key.0, key: key.1.clone(), before: b, after: Some(a.clone()) });
            }
        }
        for (key, b) in &before {
            if !after.iter().any(|(k, _)| k == key) {
                changes.push(StatusChange { kind: key.0, key: key.1.clone(), before: Some(b.clone()), after: None });
            }
        }
        Ok(changes)
    }

    /// Every batch and claim status, keyed by what survives a rebuild (the 837's file and
    /// the claim's CLM01 and position), for comparing before and after.
    fn snapshot(&self) -> Result<Vec<Snapshot>, StoreError> {
        let conn = self.store.conn();
        let mut out = Vec::new();
        let mut stmt = conn.prepare("SELECT b.submitted_name, b.file_id, b.status FROM batches b ORDER BY b.file_id")?;
        for r in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))? {
            let (name, file, status) = r?;
            out.push((("batch", format!("{name} (file {file})")), status));
        }
        let mut stmt = conn.prepare(
            "SELECT c.patient_control_number, COALESCE(b.submitted_name, 'responses only'), c.status,
                    ROW_NUMBER() OVER (PARTITION BY c.batch_id, c.patient_control_number ORDER BY c.id)
             FROM claims c LEFT JOIN batches b ON b.id = c.batch_id ORDER BY c.id",
        )?;
        for r in stmt.query_map(params![], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
        })? {
            let (pcn, batch, status, n) = r?;
            let nth = if n > 1 { format!(" #{n}") } else { String::new() };
            out.push((("claim", format!("{pcn}{nth} in {batch}")), status));
        }
        Ok(out)
    }
}
