//! Time rules: the alerts, the 7-day tracking window and archiving (architecture.md,
//! "Status vocabulary"; office-ally.md §1.4, §5.1 and §6).
//!
//! Alerts are not stored: [`alerts`] computes them from the current batches, claims, files
//! and submissions and the time `now` (the injectable [`crate::clock::Clock`]), so they are
//! rebuilt with everything else and never go stale. The only stored input that is not
//! derived from files is `batch_archive` (which batches staff archived, and when).
//!
//! # The rules
//!
//! Times: a batch is *uploaded* at `submissions.uploaded_at`, or, for an 837 that claimtrack
//! did not upload itself, when its file was first seen. A statement is *seen* when its file
//! was first seen. "More than" is strict: a notice due after 24 hours is not raised at
//! exactly 24 hours.
//!
//! 1. **`batch_awaiting_24h`** (notice). A batch that is AWAITING (uploaded, no statement
//!    from Office Ally or a payer about it or any of its claims) more than 24 hours after it
//!    was uploaded. Office Ally says it answers within 24 hours. Begins at upload + 24 h.
//! 2. **`batch_awaiting_72h`** (alert). The same, more than 72 hours after upload; it
//!    replaces the notice. Its steps are the checklist of office-ally.md §5.1: were the SFTP
//!    credentials changed in the settings; is the Office Ally account paused (unpaid
//!    invoice, too many failed access attempts); call Office Ally at (360) 975-7000,
//!    option 1; then, once the connection works, `claimtrack resend BATCH`. It carries the
//!    last known SFTP connection state ([`Alert::connection`]). Begins at upload + 72 h.
//!    Both go away as soon as any response moves the batch off AWAITING (a File Summary, a
//!    999, …).
//! 3. **`claim_era_overdue`** (alert). A claim that is PAYER ACCEPTED or PENDING and has
//!    no paid, denied or reversed statement (no 835 for it) more than
//!    [`AlertSettings::era_days`] days (default 30) after its payer acceptance: the
//!    earliest statement that the payer accepted it (or that it is pending), from the claim
//!    itself or its transaction set or file. Names the claim, its batch, the payer, the payer
//!    claim number and the days waiting. Begins at acceptance + `era_days`. Raised for
//!    archived batches too: archiving ends tracking, not the wait for the money.
//! 4. **The 7-day tracking window** (a flag, [`ClaimRow::waiting_for_era`], shown as
//!    "waiting for ERA/EOB"). A claim's window closes 7 days after its last response
//!    ([`ClaimRow::last_response`]: anything Office Ally or a payer said about the claim, its
//!    transaction set or its file), when the claim is neither final (PAID, DENIED,
//!    REVERSED), rejected (OA / PAYER REJECTED) nor QUEUED. It closes at exactly last
//!    response + 7 days. A claim nobody has answered yet has no window: it is covered by
//!    rules 1 and 2, and never makes its batch archivable.
//! 5. **Archiving.** A batch can be archived when it is not archived yet, is not QUEUED or
//!    AWAITING, and every one of its claims is final, rejected or waiting for ERA/EOB (rule
//!    4). [`archive_eligibility`] says why not, claim by claim. Archiving records
//!    `batch_archive(file_id, archived_at = now)`; keyed by the 837's file, it survives
//!    `rebuild`. It is never undone by later files: a late response still updates the
//!    claim, and rule 3 still applies.
//! 6. **`batch_archivable`** (info). A batch that can be archived (rule 5). Begins when the
//!    last of its claims became final or rejected (its last update) or waiting for ERA/EOB
//!    (its window closed).
//!
//! 7. **`batch_queued_24h`** (notice). A submitted batch still QUEUED (not uploaded) more
//!    than 24 hours after it was submitted: the connection has been failing, or nobody runs
//!    `sync`. Quotes the last known connection state. Begins at submission + 24 h.
//! 8. **`credentials_rejected`** (alert). Office Ally rejected the SFTP login and claimtrack
//!    stopped trying (office-ally.md §5.2); explains the two situations. Begins when the
//!    login was rejected; goes away with the next successful login.
//!
//! Alerts of archived batches: only rule 3.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use crate::clock::{parse_stored, stored};
use rusqlite::{OptionalExtension, params, Connection};
use serde::Serialize;

use super::query::{self, BatchRow, ClaimRow};
use super::status::{BatchStatus, ClaimStatus};

/// A batch AWAITING longer than this gets a notice (rule 1).
pub const AWAITING_NOTICE_HOURS: i64 = 24;
/// A batch AWAITING longer than this gets the alert with the checklist (rule 2).
pub const AWAITING_ALERT_HOURS: i64 = 72;
/// Days without a clearinghouse or payer update after which a claim waits for its ERA/EOB
/// (rule 4).
pub const TRACKING_WINDOW_DAYS: i64 = 7;
/// Default for [`AlertSettings::era_days`].
pub const DEFAULT_ERA_DAYS: u32 = 30;

/// The checklist of office-ally.md §5.1, in the order staff should work through it.
pub const AWAITING_CHECKLIST: [&str; 3] = [
    "Were the SFTP credentials changed in the settings? (`claimtrack doctor` tries the login once.)",
    "Is the Office Ally account paused (an unpaid invoice, too many failed access attempts)?",
    "Call Office Ally at (360) 975-7000, option 1.",
];

/// What the time rules can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertSettings {
    /// Days after payer acceptance without an 835 before a claim's follow-up alert (rule 3).
    pub era_days: u32,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings { era_days: DEFAULT_ERA_DAYS }
    }
}

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertSeverity {
    /// Nothing is wrong; something can be done (a batch can be archived, rule 6).
    Info,
    /// Worth watching: a batch AWAITING more than 24 hours (rule 1).
    Notice,
    /// Needs action: AWAITING more than 72 hours (rule 2), or an overdue ERA (rule 3).
    Alert,
}

impl AlertSeverity {
    /// The JSON / display name (`notice`).
    pub fn as_str(self) -> &'static str {
        match self {
            AlertSeverity::Info => "info",
            AlertSeverity::Notice => "notice",
            AlertSeverity::Alert => "alert",
        }
    }
}

/// Which rule raised an alert; the serialized names are stable identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Rule 1.
    #[serde(rename = "batch_awaiting_24h")]
    BatchAwaiting24h,
    /// Rule 2.
    #[serde(rename = "batch_awaiting_72h")]
    BatchAwaiting72h,
    /// Rule 3.
    ClaimEraOverdue,
    /// Rule 6.
    BatchArchivable,
    /// The SFTP login was rejected; claimtrack stopped trying until the credentials change
    /// or `sync --retry-auth` (rule 8).
    CredentialsRejected,
    /// Rule 7.
    #[serde(rename = "batch_queued_24h")]
    BatchQueued24h,
}

impl AlertKind {
    /// The stable identifier (`batch_awaiting_72h`), as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::BatchAwaiting24h => "batch_awaiting_24h",
            AlertKind::BatchAwaiting72h => "batch_awaiting_72h",
            AlertKind::ClaimEraOverdue => "claim_era_overdue",
            AlertKind::BatchArchivable => "batch_archivable",
            AlertKind::CredentialsRejected => "credentials_rejected",
            AlertKind::BatchQueued24h => "batch_queued_24h",
        }
    }
}

/// One alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Alert {
    /// How urgent it is.
    pub severity: AlertSeverity,
    /// Which rule raised it.
    pub kind: AlertKind,
    /// The batch it is about (for a claim alert, the claim's batch, if any).
    pub batch_id: Option<i64>,
    /// The name the batch's 837 was uploaded under.
    pub batch_name: Option<String>,
    /// The claim, for claim alerts (`claim_era_overdue`).
    pub claim_id: Option<i64>,
    /// The claim's CLM01, for claim alerts.
    pub patient_control_number: Option<String>,
    /// When the condition began (RFC 3339), e.g. upload + 72 h.
    pub created_at: DateTime<Utc>,
    /// One line for people: what is wrong, with how long ("Batch 4: no answer from Office
    /// Ally for 10 days").
    pub title: String,
    /// What is wrong, for staff: a paragraph without clock times (durations only), so it
    /// reads the same in any time zone; the times are in the fields.
    pub message: String,
    /// What to do, in order (the 72-hour alert's checklist, the command to run).
    pub steps: Vec<String>,
    /// The last known connection to Office Ally, for the alerts it explains (AWAITING,
    /// QUEUED).
    pub connection: Option<crate::sync::state::ConnectionState>,
}

/// Remember the open alerts `current` at `now`: each one not open before is recorded as
/// new, and the recorded ones no longer in `current` as resolved. Returns how many are new.
///
/// An alert is known by its kind and the stable ids of its batch and claim (schema 15), so
/// a rebuild, which renumbers batches and claims, neither resolves nor raises it again.
pub fn record(conn: &Connection, current: &[Alert], now: DateTime<Utc>) -> rusqlite::Result<usize> {
    let mut batch_uid = conn.prepare_cached("SELECT uid FROM batches WHERE id = ?1")?;
    let mut claim_uid = conn.prepare_cached("SELECT uid FROM claims WHERE id = ?1")?;
    let uid = |stmt: &mut rusqlite::CachedStatement<'_>, id: Option<i64>| -> rusqlite::Result<String> {
        Ok(match id {
            Some(id) => stmt.query_row(params![id], |r| r.get::<_, Option<String>>(0)).optional()?.flatten().unwrap_or_else(|| "-".into()),
            None => "-".into(),
        })
    };
    let mut keys = Vec::with_capacity(current.len());
    for a in current {
        keys.push(format!("{}:{}:{}", a.kind.as_str(), uid(&mut batch_uid, a.batch_id)?, uid(&mut claim_uid, a.claim_id)?));
    }
    let now = stored(now);
    conn.execute_batch("CREATE TEMP TABLE IF NOT EXISTS open_alerts (key TEXT PRIMARY KEY); DELETE FROM open_alerts;")?;
    let mut new = 0;
    {
        let mut mark = conn.prepare("INSERT OR IGNORE INTO open_alerts (key) VALUES (?1)")?;
        let mut insert = conn.prepare(
            "INSERT INTO alerts (key, kind, batch_id, claim_id, raised_at, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (key) DO UPDATE SET resolved_at = NULL, recorded_at = excluded.recorded_at
             WHERE alerts.resolved_at IS NOT NULL",
        )?;
        // The ids of an alert still open follow a rebuild's renumbering.
        let mut renumber = conn.prepare("UPDATE alerts SET batch_id = ?2, claim_id = ?3 WHERE key = ?1 AND (batch_id IS NOT ?2 OR claim_id IS NOT ?3)")?;
        for (a, k) in current.iter().zip(&keys) {
            mark.execute(params![k])?;
            let raised = insert.execute(params![k, a.kind.as_str(), a.batch_id, a.claim_id, stored(a.created_at), now])?;
            if raised == 0 {
                renumber.execute(params![k, a.batch_id, a.claim_id])?;
            }
            new += raised;
        }
    }
    conn.execute("UPDATE alerts SET resolved_at = ?1 WHERE resolved_at IS NULL AND key NOT IN (SELECT key FROM open_alerts)", params![now])?;
    Ok(new)
}

/// The login was rejected and claimtrack stopped trying (office-ally.md §5.2).
fn credentials_alert(conn: &Connection, out: &mut Vec<Alert>) -> rusqlite::Result<()> {
    let Some((at, message)) = crate::sync::state::connection_state(conn)?.credentials_rejected else { return Ok(()) };
    let paused = "If the account is paused (an unpaid invoice, too many failed access attempts): call Office Ally at \
                  (360) 975-7000, option 1; once it is unpaused, run `claimtrack sync --retry-auth`.";
    let changed = "If the SFTP credentials changed (Office Ally sends the username and the password in two separate emails; \
                   they are not the web-portal login): update them with `claimtrack init` (or in CLAIMTRACK_SFTP_PASSWORD, \
                   which wins when set); the next sync uses them.";
    // A login whose answer was never recorded (claimtrack stopped while the server answered)
    // holds back further logins like a rejection, but is not one: say which it is.
    let (title, message, steps) = if message == crate::sync::state::ATTEMPT_UNANSWERED {
        (
            "A login to Office Ally was interrupted",
            "claimtrack stopped while Office Ally was answering a login, so that login may have failed. claimtrack will \
             not try again with the same credentials on its own, because failed attempts count toward Office Ally \
             pausing the account. Batches stay QUEUED meanwhile."
                .to_string(),
            vec!["If the SFTP credentials are right, run `claimtrack sync --retry-auth` (one attempt).".to_string(), changed.to_string(), paused.to_string()],
        )
    } else {
        (
            "Office Ally rejected the SFTP login",
            format!(
                "Office Ally rejected the SFTP login ({message}). claimtrack made one attempt and will not try again with \
                 the same credentials on its own, because failed attempts count toward Office Ally pausing the account. \
                 Batches stay QUEUED meanwhile."
            ),
            vec![changed.to_string(), paused.to_string()],
        )
    };
    out.push(Alert {
        severity: AlertSeverity::Alert,
        kind: AlertKind::CredentialsRejected,
        batch_id: None,
        batch_name: None,
        claim_id: None,
        patient_control_number: None,
        created_at: parse_stored(&at).unwrap_or(DateTime::UNIX_EPOCH),
        title: title.to_string(),
        message,
        steps,
        connection: None,
    });
    Ok(())
}


/// "3 days 3 h": how long, for messages (durations read the same in every time zone).
fn span(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    crate::clock::describe_duration(to - from)
}

/// When the claim's tracking window closes (rule 4), or `None` when it has none: final,
/// rejected, QUEUED, or never answered.
pub fn tracking_window_closes(c: &ClaimRow) -> Option<DateTime<Utc>> {
    let status = c.status;
    if status.is_final() || status.is_rejected() || status == ClaimStatus::Queued {
        return None;
    }
    let last = c.last_response?;
    Some(last + Duration::days(TRACKING_WINDOW_DAYS))
}

/// Rule 4: the claim's tracking window has closed at `now`.
pub fn waiting_for_era(c: &ClaimRow, now: DateTime<Utc>) -> bool {
    tracking_window_closes(c).is_some_and(|closes| now >= closes)
}

/// Set [`ClaimRow::waiting_for_era`] on each row for `now`.
pub fn mark_waiting(rows: &mut [ClaimRow], now: DateTime<Utc>) {
    for c in rows {
        c.waiting_for_era = waiting_for_era(c, now);
    }
}

/// Whether a batch can be archived now (rule 5), and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Eligibility {
    /// Whether the batch can be archived now.
    pub eligible: bool,
    /// When it became eligible (rule 6), if it is.
    pub since: Option<DateTime<Utc>>,
    /// Why not, one line each (the batch, or each claim still tracked).
    pub blocking: Vec<String>,
}

/// Rule 5 for `batch` and its `claims` at `now`.
pub fn archive_eligibility(batch: &BatchRow, claims: &[ClaimRow], now: DateTime<Utc>) -> Eligibility {
    let mut blocking = Vec::new();
    if let Some(at) = &batch.archived {
        let ago = format!(" ({} ago)", span(*at, now));
        blocking.push(format!("batch {} is already archived{ago}", batch.id));
    }
    let unanswered = match Some(batch.status) {
        Some(BatchStatus::Queued) => {
            blocking.push(format!("batch {} is QUEUED: it has not been uploaded yet", batch.id));
            true
        }
        Some(BatchStatus::Awaiting) => {
            blocking.push(format!(
                "batch {} is AWAITING: Office Ally has not answered yet (see `claimtrack alerts`)",
                batch.id
            ));
            true
        }
        _ => false,
    };
    let mut since = Some(batch.submitted);
    for c in claims {
        let status = Some(c.status);
        let settled = if status.is_some_and(|s| s.is_final() || s.is_rejected()) {
            Some(c.last_update.or(c.last_response).or(since))
        } else {
            match tracking_window_closes(c) {
                Some(closes) if now >= closes => Some(Some(closes)),
                Some(closes) => {
                    blocking.push(format!(
                        "{} is {}: its tracking window closes in {} (7 days after the last update from Office Ally or the payer)",
                        c.patient_control_number,
                        c.status,
                        span(now, closes)
                    ));
                    None
                }
                // The batch's own line already says nobody has answered.
                None if unanswered && status.is_some_and(ClaimStatus::is_waiting) => None,
                None => {
                    blocking.push(format!(
                        "{} is {} with no answer from Office Ally or the payer yet",
                        c.patient_control_number, c.status
                    ));
                    None
                }
            }
        };
        if let Some(Some(t)) = settled {
            since = since.max(Some(t));
        }
    }
    let eligible = blocking.is_empty();
    Eligibility { eligible, since: if eligible { since } else { None }, blocking }
}

/// Every batch with the claims rule 5 needs to look at (the window flag set for `now`).
///
/// Only batches that can be archived at all get their claims: archived, QUEUED and
/// AWAITING batches are refused by the batch alone, whatever their claims. The claims are
/// read without their reasons, which rule 5 does not use (reading and parsing 100,000
/// reason lists was most of the `alerts` time).
fn batches_with_claims(conn: &Connection, now: DateTime<Utc>) -> rusqlite::Result<Vec<(BatchRow, Vec<ClaimRow>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.batch_id, c.patient_control_number, c.status, c.last_update, c.last_response
         FROM claims c JOIN batches b ON b.id = c.batch_id
         WHERE b.status NOT IN (?1, ?2) AND NOT EXISTS (SELECT 1 FROM batch_archive a WHERE a.file_id = b.file_id)",
    )?;
    let rows = stmt.query_map(params![BatchStatus::Queued.as_str(), BatchStatus::Awaiting.as_str()], |r| {
        Ok(ClaimRow {
            id: r.get(0)?,
            batch_id: r.get(1)?,
            patient_control_number: r.get(2)?,
            status: r.get(3)?,
            last_update: crate::clock::column_opt(r, 4)?,
            last_response: crate::clock::column_opt(r, 5)?,
            ..ClaimRow::default()
        })
    })?;
    let mut by_batch: HashMap<i64, Vec<ClaimRow>> = HashMap::new();
    for c in rows {
        let mut c = c?;
        c.waiting_for_era = waiting_for_era(&c, now);
        if let Some(b) = c.batch_id {
            by_batch.entry(b).or_default().push(c);
        }
    }
    let batches = query::batches(conn)?;
    Ok(batches
        .into_iter()
        .map(|b| {
            let mut mine = by_batch.remove(&b.id).unwrap_or_default();
            // Read in index order (claims_archive); rule 5 reports claims in id order.
            mine.sort_by_key(|c| c.id);
            (b, mine)
        })
        .collect())
}

/// The batches that can be archived at `now` (rule 5), newest first.
pub fn archivable(conn: &Connection, now: DateTime<Utc>) -> rusqlite::Result<Vec<(BatchRow, Eligibility)>> {
    Ok(batches_with_claims(conn, now)?
        .into_iter()
        .map(|(b, claims)| {
            let e = archive_eligibility(&b, &claims, now);
            (b, e)
        })
        .filter(|(_, e)| e.eligible)
        .collect())
}

/// Record that the batch is archived at `now` (no checks: see [`archive_eligibility`]).
/// Returns false when it already was.
pub fn record_archive(conn: &Connection, batch_id: i64, now: DateTime<Utc>) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO batch_archive (file_id, archived_at) SELECT file_id, ?2 FROM batches WHERE id = ?1",
        params![batch_id, stored(now)],
    )?;
    Ok(n == 1)
}

/// Every alert at `now`, newest first (by `created_at`; then the most severe).
pub fn alerts(conn: &Connection, now: DateTime<Utc>, settings: &AlertSettings) -> rusqlite::Result<Vec<Alert>> {
    let mut out = connection_and_batch_alerts(conn, now)?;
    era_alerts(conn, now, settings, &mut out)?;
    for (b, e) in archivable(conn, now)? {
        let claims = if b.claim_count == 1 { "its claim is".to_string() } else { format!("its {} claims are", b.claim_count) };
        out.push(Alert {
            severity: AlertSeverity::Info,
            kind: AlertKind::BatchArchivable,
            batch_id: Some(b.id),
            batch_name: Some(b.name.clone()),
            claim_id: None,
            patient_control_number: None,
            created_at: e.since.unwrap_or(b.submitted),
            title: format!("Batch {}: tracking is over, it can be archived", b.id),
            message: format!("Batch {} ({}) can be archived: {claims} paid, denied, rejected or waiting for ERA/EOB.", b.id, b.name),
            steps: vec![format!("`claimtrack archive {}` archives it (`claimtrack archive` archives every batch that can be).", b.id)],
            connection: None,
        });
    }
    newest_first(&mut out);
    Ok(out)
}

/// The alerts about the connection and about batches only (a rejected login, batches not
/// uploaded or not answered): what stops all work, read from the batches alone, so cheap at
/// any size. [`alerts`] adds one per claim overdue for an ERA and per batch that can be
/// archived, which read every claim. Newest first.
pub fn connection_and_batch_alerts(conn: &Connection, now: DateTime<Utc>) -> rusqlite::Result<Vec<Alert>> {
    let mut out = Vec::new();
    credentials_alert(conn, &mut out)?;
    queued_alerts(conn, now, &mut out)?;
    awaiting_alerts(conn, now, &mut out)?;
    newest_first(&mut out);
    Ok(out)
}

fn newest_first(out: &mut [Alert]) {
    out.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| b.severity.cmp(&a.severity))
            .then_with(|| b.batch_id.cmp(&a.batch_id))
            .then_with(|| a.claim_id.cmp(&b.claim_id))
    });
}

/// Rule 7.
fn queued_alerts(conn: &Connection, now: DateTime<Utc>, out: &mut Vec<Alert>) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(
        "SELECT b.id, s.staged_name, s.queued_at FROM submissions s JOIN batches b ON b.file_id = s.file_id
         WHERE s.uploaded_at IS NULL AND b.status = ?1 ORDER BY b.id",
    )?;
    let rows: Vec<(i64, String, String)> =
        stmt.query_map(params![BatchStatus::Queued.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
    let mut connection: Option<crate::sync::state::ConnectionState> = None;
    for (id, name, queued) in rows {
        let Some(q) = parse_stored(&queued) else { continue };
        if now - q <= Duration::hours(AWAITING_NOTICE_HOURS) {
            continue;
        }
        let state = match &connection {
            Some(s) => s.clone(),
            None => connection.insert(crate::sync::state::connection_state(conn)?).clone(),
        };
        let waited = span(q, now);
        out.push(Alert {
            severity: AlertSeverity::Notice,
            kind: AlertKind::BatchQueued24h,
            batch_id: Some(id),
            batch_name: Some(name.clone()),
            claim_id: None,
            patient_control_number: None,
            created_at: q + Duration::hours(AWAITING_NOTICE_HOURS),
            title: format!("Batch {id}: submitted {waited} ago and not uploaded yet"),
            message: format!(
                "Batch {id} ({name}) was submitted {waited} ago and has not been uploaded: its claims have not reached \
                 Office Ally."
            ),
            steps: vec![
                "`claimtrack sync` uploads it.".to_string(),
                "`claimtrack doctor` checks the connection step by step if the sync fails.".to_string(),
            ],
            connection: Some(state),
        });
    }
    Ok(())
}

/// Rules 1 and 2.
fn awaiting_alerts(conn: &Connection, now: DateTime<Utc>, out: &mut Vec<Alert>) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(
        "SELECT b.id, b.submitted_name, COALESCE(s.uploaded_at, f.first_seen)
         FROM batches b JOIN files f ON f.id = b.file_id
         LEFT JOIN submissions s ON s.file_id = b.file_id
         WHERE b.status = ?1 AND NOT EXISTS (SELECT 1 FROM batch_archive a WHERE a.file_id = b.file_id)
         ORDER BY b.id",
    )?;
    let rows: Vec<(i64, String, String)> = stmt
        .query_map(params![BatchStatus::Awaiting.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut connection: Option<crate::sync::state::ConnectionState> = None;
    for (id, name, uploaded) in rows {
        let Some(up) = parse_stored(&uploaded) else { continue };
        let (severity, kind, after) = if now - up > Duration::hours(AWAITING_ALERT_HOURS) {
            (AlertSeverity::Alert, AlertKind::BatchAwaiting72h, AWAITING_ALERT_HOURS)
        } else if now - up > Duration::hours(AWAITING_NOTICE_HOURS) {
            (AlertSeverity::Notice, AlertKind::BatchAwaiting24h, AWAITING_NOTICE_HOURS)
        } else {
            continue;
        };
        let waited = span(up, now);
        let state = match &connection {
            Some(s) => s.clone(),
            None => connection.insert(crate::sync::state::connection_state(conn)?).clone(),
        };
        let head = format!(
            "Batch {id} ({name}) was uploaded {waited} ago and is still AWAITING: no File Summary or acknowledgement \
             from Office Ally yet."
        );
        let (message, steps) = if kind == AlertKind::BatchAwaiting72h {
            let mut steps: Vec<String> = AWAITING_CHECKLIST.iter().map(|s| s.to_string()).collect();
            steps.push(format!(
                "Once the connection works again (`claimtrack doctor` says so), `claimtrack resend {id}` puts the batch \
                 back in the outbox and the next `claimtrack sync` sends it again."
            ));
            (
                format!("{head} After 72 hours this almost always means changed SFTP credentials or a paused Office Ally account."),
                steps,
            )
        } else {
            (
                format!("{head} Office Ally usually answers within 24 hours; after 72 hours check the SFTP connection and the account."),
                vec!["`claimtrack doctor` checks the connection step by step.".to_string()],
            )
        };
        out.push(Alert {
            severity,
            kind,
            batch_id: Some(id),
            batch_name: Some(name),
            claim_id: None,
            patient_control_number: None,
            created_at: up + Duration::hours(after),
            title: format!("Batch {id}: no answer from Office Ally for {waited}"),
            message,
            steps,
            connection: Some(state),
        });
    }
    Ok(())
}

/// Rule 3.
fn era_alerts(conn: &Connection, now: DateTime<Utc>, settings: &AlertSettings, out: &mut Vec<Alert>) -> rusqlite::Result<()> {
    // The payer's acceptance: the earliest statement that the payer accepted the claim (or
    // that it is pending), by the claim itself or its transaction set or file; stored by
    // `derive` (`claims.payer_accepted_at`).
    let mut stmt = conn.prepare(
        "SELECT c.id, c.batch_id, b.submitted_name, c.patient_control_number, c.status, c.payer_id, c.payer_name,
                c.payer_claim_number, c.last_update, c.payer_accepted_at
         FROM claims c LEFT JOIN batches b ON b.id = c.batch_id
         WHERE c.status IN (?1, ?2) AND c.has_remittance = 0
         ORDER BY c.id",
    )?;
    type Row = (
        i64,
        Option<i64>,
        Option<String>,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = stmt
        .query_map(params![ClaimStatus::PayerAccepted.as_str(), ClaimStatus::Pending.as_str()], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let limit = Duration::days(i64::from(settings.era_days));
    for (id, batch_id, batch_name, pcn, status, payer_id, payer_name, payer_claim, last_update, accepted) in rows {
        let Some(accepted) = accepted.or(last_update).as_deref().and_then(parse_stored) else { continue };
        if now - accepted <= limit {
            continue;
        }
        let days = (now - accepted).num_days();
        let payer = match (payer_name, payer_id) {
            (Some(n), Some(i)) => format!("{n} ({i})"),
            (Some(n), None) => n,
            (None, Some(i)) => i,
            (None, None) => "the payer".to_string(),
        };
        let batch = match (batch_id, &batch_name) {
            (Some(b), Some(n)) => format!("batch {b}, {n}"),
            _ => "seen only in responses".to_string(),
        };
        let number = payer_claim.as_ref().map(|n| format!("payer claim number {n}")).unwrap_or_else(|| "no payer claim number".into());
        let call = match &payer_claim {
            Some(n) => format!("Call {payer} about the claim (payer claim number {n}): was it paid, and to whom?"),
            None => format!("Call {payer} about the claim (patient control number {pcn}): was it paid, and to whom?"),
        };
        out.push(Alert {
            severity: AlertSeverity::Alert,
            kind: AlertKind::ClaimEraOverdue,
            batch_id,
            batch_name,
            claim_id: Some(id),
            patient_control_number: Some(pcn.clone()),
            created_at: accepted + limit,
            title: format!("Claim {pcn}: accepted by the payer {days} days ago, no ERA yet"),
            message: format!(
                "Claim {pcn} ({batch}): {payer} accepted it {days} days ago ({number}) and no ERA/835 has arrived \
                 (status {status})."
            ),
            steps: vec![call, "Check that the practice is enrolled for ERA with this payer.".to_string()],
            connection: None,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(pcn: &str, status: &str, last_response: Option<&str>) -> ClaimRow {
        ClaimRow {
            id: 1,
            batch_id: Some(1),
            patient_control_number: pcn.into(),
            status: ClaimStatus::parse(status).expect("a claim status"),
            last_update: last_response.and_then(parse_stored),
            last_response: last_response.and_then(parse_stored),
            ..ClaimRow::default()
        }
    }

    fn batch(status: &str) -> BatchRow {
        BatchRow {
            id: 1,
            uid: "B1".into(),
            name: "b.txt".into(),
            submitted: parse_stored("2026-01-01T00:00:00Z").unwrap(),
            claim_count: 1,
            status: BatchStatus::parse(status).expect("a batch status"),
            rejected_claims: 0,
            clearinghouse_file_id: None,
            child_file_ids: Vec::new(),
            last_update: None,
            reasons: Vec::new(),
            archived: None,
            uploaded_at: None,
            claim_statuses: Vec::new(),
        }
    }

    #[test]
    fn the_window_closes_at_exactly_seven_days_for_open_claims_only() {
        let t = |s: &str| parse_stored(s).unwrap();
        let last = "2026-01-08T07:00:00Z";
        for status in ["AWAITING", "OA ACCEPTED", "PAYER ACCEPTED", "PENDING"] {
            let c = claim("P", status, Some(last));
            assert!(!waiting_for_era(&c, t("2026-01-15T06:59:59Z")), "{status}");
            assert!(waiting_for_era(&c, t("2026-01-15T07:00:00Z")), "{status}");
        }
        for status in ["QUEUED", "OA REJECTED", "PAYER REJECTED", "PAID", "DENIED", "REVERSED"] {
            assert!(!waiting_for_era(&claim("P", status, Some(last)), t("2027-01-01T00:00:00Z")), "{status}");
        }
        // Never answered: no window (the AWAITING alerts cover it).
        assert!(!waiting_for_era(&claim("P", "AWAITING", None), t("2027-01-01T00:00:00Z")));
    }

    #[test]
    fn eligibility_names_what_is_still_tracked() {
        let now = parse_stored("2026-01-10T00:00:00Z").unwrap();
        let mut open = claim("P1", "PAYER ACCEPTED", Some("2026-01-08T07:00:00Z"));
        open.waiting_for_era = waiting_for_era(&open, now);
        let done = claim("P2", "PAID", Some("2026-01-09T00:00:00Z"));
        let e = archive_eligibility(&batch("PAYER ACCEPTED"), &[open.clone(), done.clone()], now);
        assert!(!e.eligible);
        assert_eq!(e.blocking.len(), 1);
        assert!(e.blocking[0].starts_with("P1 is PAYER ACCEPTED: its tracking window closes in 5 days 7 h"), "{:?}", e.blocking);

        let later = parse_stored("2026-01-20T00:00:00Z").unwrap();
        let e = archive_eligibility(&batch("PAYER ACCEPTED"), &[open, done], later);
        assert!(e.eligible, "{e:?}");
        assert_eq!(e.since, parse_stored("2026-01-15T07:00:00Z"), "when the last claim settled");

        // An unanswered batch: one line, not one per claim.
        let e = archive_eligibility(&batch("AWAITING"), &[claim("P3", "AWAITING", None)], later);
        assert_eq!(e.blocking.len(), 1, "{e:?}");
        assert!(e.blocking[0].contains("AWAITING"));
        // Failed or fully rejected batches can go at once.
        let e = archive_eligibility(&batch("FAILED"), &[claim("P4", "OA REJECTED", Some("2026-01-02T00:00:00Z"))], later);
        assert!(e.eligible);
    }
}
