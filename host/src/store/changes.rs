//! The change log: every new file, batch and claim status change, and alert raised or
//! resolved, in the order they were committed, so a program embedding claimtrack learns what
//! changed without polling the views and comparing them ([`crate::tracker::Tracker::changes_since`]).
//!
//! Everything is logged inside the transaction that changes it, without a time; `flush`,
//! just before the commit, gives it the transaction's. Files and alerts are logged by
//! triggers as their rows are written. Batches and claims are logged by `derive` as it
//! changes their status; a rebuild, which forgets every batch and claim and derives them
//! again, compares a `Snapshot` taken before with what it derived, so only what really
//! changed is logged.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::tracking::status::{shown, BatchStatus, ClaimStatus};

/// Gives what this transaction logged its time, `now`. Returns how many changes it logged.
pub(crate) fn flush(conn: &Connection, now: &str) -> rusqlite::Result<usize> {
    conn.prepare_cached("UPDATE changes SET at = ?1 WHERE at = ''")?.execute(params![now])
}

/// Logs (to be timed by [`flush`]) that a batch's or claim's status went from `before` (`None`:
/// it is new) to `after` (`None`: it is gone).
pub(crate) fn log_status(conn: &Connection, kind: &str, uid: &str, before: Option<&str>, after: Option<&str>) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO changes (at, kind, subject, before, after) VALUES ('', ?1, ?2, ?3, ?4)")?
        .execute(params![kind, uid, before, after])?;
    Ok(())
}

/// Logs (to be timed by [`flush`]) that a rebuild read archived file `file_id` with another
/// outcome ("parsed", "needs_attention") than before.
pub(crate) fn log_file_outcome(conn: &Connection, file_id: i64, before: &str, after: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO changes (at, kind, subject, before, after, detail)
         SELECT '', 'file', sha256, ?2, ?3, original_name FROM files WHERE id = ?1",
    )?
    .execute(params![file_id, before, after])?;
    Ok(())
}

/// A status, `None` when there is none yet: an empty one is a row correlation just made
/// (`derive` gives it one).
fn known(status: Option<&String>) -> Option<&str> {
    status.map(String::as_str).filter(|s| !s.is_empty())
}

/// Every batch's and claim's status, by stable id: taken before a rebuild forgets them, and
/// compared with what it derived again.
pub(crate) struct Snapshot {
    statuses: Vec<(&'static str, std::collections::HashMap<String, String>)>,
}

impl Snapshot {
    pub(crate) fn take(conn: &Connection) -> rusqlite::Result<Snapshot> {
        let mut statuses = Vec::new();
        for (kind, table) in [("batch", "batches"), ("claim", "claims")] {
            let mut stmt = conn.prepare(&format!("SELECT uid, status FROM {table} WHERE uid IS NOT NULL"))?;
            let map = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
            statuses.push((kind, map));
        }
        Ok(Snapshot { statuses })
    }

    /// Logs what differs now from the snapshot: batches first, then claims, each by id.
    pub(crate) fn log_changes(self, conn: &Connection) -> rusqlite::Result<()> {
        let now = Snapshot::take(conn)?;
        for ((kind, before), (_, after)) in self.statuses.into_iter().zip(now.statuses) {
            let mut uids: Vec<&String> = before.keys().chain(after.keys().filter(|u| !before.contains_key(*u))).collect();
            uids.sort();
            for uid in uids {
                let (b, a) = (known(before.get(uid)), known(after.get(uid)));
                if b != a {
                    log_status(conn, kind, uid, b, a)?;
                }
            }
        }
        Ok(())
    }
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Change {
    /// Its place in the log: pass the last one read to `changes_since` to read on.
    pub cursor: i64,
    /// When it was committed.
    pub at: DateTime<Utc>,
    /// What changed.
    #[serde(flatten)]
    pub what: ChangeKind,
}

/// What a [`Change`] is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChangeKind {
    /// A file was archived (`before` none), or a rebuild read it with another outcome.
    File {
        /// Its SHA-256 (hex): what `claimtrack files` and the archive know it by.
        sha256: String,
        /// The name it had when first seen.
        name: Option<String>,
        /// "parsed" or "needs_attention" before; none for a new file.
        before: Option<String>,
        /// "parsed" or "needs_attention".
        after: String,
    },
    /// A batch is new (`before` none), changed status, or is gone (`after` none: a rebuild
    /// no longer finds it).
    Batch {
        /// Its stable id.
        batch: String,
        /// The status before.
        #[serde(serialize_with = "shown::option")]
        #[schemars(with = "Option<String>")]
        before: Option<BatchStatus>,
        /// The status after.
        #[serde(serialize_with = "shown::option")]
        #[schemars(with = "Option<String>")]
        after: Option<BatchStatus>,
    },
    /// A claim is new, changed status, or is gone (a claim first seen in responses that a
    /// rebuild finds in its 837).
    Claim {
        /// Its stable id.
        claim: String,
        /// The status before.
        #[serde(serialize_with = "shown::option")]
        #[schemars(with = "Option<String>")]
        before: Option<ClaimStatus>,
        /// The status after.
        #[serde(serialize_with = "shown::option")]
        #[schemars(with = "Option<String>")]
        after: Option<ClaimStatus>,
    },
    /// An alert was raised (`after` its kind) or resolved (`before` its kind, `after` none).
    Alert {
        /// What identifies it (kind, batch and claim).
        key: String,
        /// The stable id of its batch, when it is about one.
        batch: Option<String>,
        /// Its kind before (none when raised).
        before: Option<String>,
        /// Its kind after (none when resolved).
        after: Option<String>,
    },
}

/// Up to `limit` changes after `cursor` (0: from the start), oldest first.
pub(crate) fn since(conn: &Connection, cursor: i64, limit: usize) -> rusqlite::Result<Vec<Change>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, kind, subject, before, after, detail FROM changes WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![cursor, limit.min(i64::MAX as usize) as i64], |r| {
        let (id, at, kind): (i64, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let (subject, before, after, detail): (String, Option<String>, Option<String>, Option<String>) =
            (r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?);
        let what = match kind.as_str() {
            "file" => ChangeKind::File { sha256: subject, name: detail, before, after: after.unwrap_or_default() },
            "batch" => ChangeKind::Batch {
                batch: subject,
                before: before.as_deref().and_then(BatchStatus::parse),
                after: after.as_deref().and_then(BatchStatus::parse),
            },
            "claim" => ChangeKind::Claim {
                claim: subject,
                before: before.as_deref().and_then(ClaimStatus::parse),
                after: after.as_deref().and_then(ClaimStatus::parse),
            },
            _ => ChangeKind::Alert { key: subject, batch: detail, before, after },
        };
        Ok(Change { cursor: id, at: parse_time(&at), what })
    })?;
    rows.collect()
}

/// The newest cursor (0 for an empty log): where a new reader starts to see only what comes next.
pub(crate) fn latest(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(id), 0) FROM changes", [], |r| r.get(0))
}

/// A stored time ("2026-01-05T09:30:00Z", or with fractions or an offset).
fn parse_time(s: &str) -> DateTime<Utc> {
    crate::clock::parse_stored(s).unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}
