//! Ingest: archive a file, parse it with the plugin that reads it, and store its events,
//! in one transaction per file.
//!
//! - **Idempotent.** Files are known by the SHA-256 of their bytes: the same bytes again
//!   change nothing but the file's `last_seen`, and say "already ingested".
//! - **Nothing is dropped.** A file no plugin reads, a plugin failure or a refused package is
//!   archived anyway and listed as needing attention; a later plugin can read it
//!   (`rebuild`).
//! - **Bounded memory.** A file is read inside its write transaction and each chunk the
//!   plugin sends is stored and correlated as it arrives (`claimtrack:plugin@0.2`), so the
//!   host holds one chunk of events, not the file's.
//! - **Crash-safe and concurrent.** One transaction per file (a savepoint per package
//!   member): a crash or a plugin failing at any chunk leaves nothing of what was read, and
//!   two processes ingesting the same file store it once (the second waits for the first's
//!   transaction, up to the store's busy timeout, and then finds the file).

use rusqlite::{params, Transaction, TransactionBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::model::Severity;
use crate::package::{self, PackageLimits};
use crate::model::StatusEvent;
use crate::plugins::{ParseFailure, ParseReport, PluginSet};
use crate::runtime::ParseStop;
use crate::store::event_log::Codebook;
use crate::store::{Store, StoreError};

/// Where a file came from, as the archive records it (`files.origin`, shown by `files`).
///
/// Stored and written in JSON as text: "ingest", "submit", "package", or the mailbox and
/// the name the file had there ("office-ally/FS_HCFA_1026347812_IN_C.txt").
#[derive(Debug, Clone, PartialEq, Eq, Hash, schemars::JsonSchema)]
#[schemars(with = "String")]
pub enum FileOrigin {
    /// Given to `ingest` (the CLI's, or [`crate::tracker::Tracker::ingest`]) from a folder or
    /// a program.
    Ingest,
    /// An 837 submitted through claimtrack (`submit`, `POST /api/v1/submit`).
    Submit,
    /// A member of a zip package (its package is archived with the package's origin).
    Package,
    /// Downloaded by `sync`.
    Mailbox {
        /// The mailbox's name in the store ([`crate::sync::mailbox_label`]), and the folder
        /// the file was in.
        mailbox: String,
        /// The file's name in the mailbox.
        file: String,
    },
    /// Text this version does not write (kept as it was stored).
    Other(String),
}

impl FileOrigin {
    /// A file `sync` downloaded from `mailbox` under the name `file`.
    pub fn mailbox(mailbox: &str, file: &str) -> FileOrigin {
        FileOrigin::Mailbox { mailbox: mailbox.to_string(), file: file.to_string() }
    }

    /// Where the file came from, for people: "downloaded from Office Ally (office-ally)".
    pub fn words(&self) -> String {
        match self {
            FileOrigin::Ingest => "given to `claimtrack ingest`".into(),
            FileOrigin::Submit => "submitted with claimtrack".into(),
            FileOrigin::Package => "inside a zip package".into(),
            FileOrigin::Mailbox { mailbox, .. } if mailbox.starts_with("local:") => {
                format!("copied by sync from the local mailbox folder {}", mailbox.trim_start_matches("local:"))
            }
            FileOrigin::Mailbox { .. } => "downloaded by sync from Office Ally's SFTP server".into(),
            FileOrigin::Other(text) => text.clone(),
        }
    }

    /// The origin stored as `text`.
    pub fn from_stored(text: &str) -> FileOrigin {
        match text {
            "ingest" => FileOrigin::Ingest,
            "submit" => FileOrigin::Submit,
            "package" => FileOrigin::Package,
            // The mailbox's own name has slashes ("sftp://…", "local:/path"); a file name has none.
            _ => match text.rsplit_once('/') {
                Some((mailbox, file)) if !mailbox.is_empty() && !file.is_empty() => FileOrigin::mailbox(mailbox, file),
                _ => FileOrigin::Other(text.to_string()),
            },
        }
    }
}

impl std::fmt::Display for FileOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileOrigin::Ingest => f.write_str("ingest"),
            FileOrigin::Submit => f.write_str("submit"),
            FileOrigin::Package => f.write_str("package"),
            FileOrigin::Mailbox { mailbox, file } => write!(f, "{mailbox}/{file}"),
            FileOrigin::Other(text) => f.write_str(text),
        }
    }
}

impl Serialize for FileOrigin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl rusqlite::types::FromSql for FileOrigin {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        v.as_str().map(FileOrigin::from_stored)
    }
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[schemars(rename = "IngestOutcome")]
pub enum Outcome {
    /// Archived and parsed; its events are stored.
    Ingested {
        /// The archived file's id (`files.id`).
        file_id: i64,
        /// The format it was read as, e.g. "x12-835".
        format: String,
        /// Name of the plugin that read it.
        plugin: String,
        /// Status events stored.
        events: usize,
        /// Warning diagnostics.
        warnings: usize,
        /// Error diagnostics: parts of the file could not be read (needs attention).
        errors: usize,
    },
    /// A package (zip): archived, and each member ingested.
    Package {
        /// The archived zip's id.
        file_id: i64,
        /// Each member's own result, in archive order.
        members: Vec<IngestReport>,
    },
    /// These exact bytes were ingested before; nothing changed.
    AlreadyIngested {
        /// The id it was archived under.
        file_id: i64,
        /// It still needs attention (no plugin read it, a plugin failed, or it was read with
        /// errors, itself or a member of it): ingesting it again does not make it right.
        needs_attention: bool,
    },
    /// Archived, but not read: no plugin reads it, a plugin failed, or the package was refused.
    NeedsAttention {
        /// The archived file's id.
        file_id: i64,
        /// Stable snake_case reason, e.g. "unknown_format", "crashed", "package_too_large".
        kind: String,
        /// What went wrong, for people.
        problem: String,
    },
}

/// One file's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct IngestReport {
    /// The name the file was given under (a path, or a member's path in its package).
    pub name: String,
    /// SHA-256 of the bytes, lower-case hex: the file's identity in the archive.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// What happened (serialized inline, tagged by `outcome`).
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl IngestReport {
    /// Whether this file, or a member of this package, needs someone to look at it.
    pub fn needs_attention(&self) -> bool {
        match &self.outcome {
            Outcome::NeedsAttention { .. } => true,
            Outcome::Ingested { errors, .. } => *errors > 0,
            Outcome::Package { members, .. } => members.iter().any(IngestReport::needs_attention),
            Outcome::AlreadyIngested { needs_attention, .. } => *needs_attention,
        }
    }
}

/// A file given to `ingest` that could not even be read from disk: nothing was archived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Unreadable {
    /// The name it was given under.
    pub name: String,
    /// Always "unreadable" (the place of [`Outcome`]'s tag).
    #[schemars(schema_with = "unreadable_tag")]
    pub outcome: &'static str,
    /// Why it could not be read: not a regular file, over the size limit, …
    pub problem: String,
}

impl Unreadable {
    /// `name` could not be read, for this reason.
    pub fn new(name: String, problem: String) -> Self {
        Unreadable { name, outcome: "unreadable", problem }
    }
}

fn unreadable_tag(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "string", "const": "unreadable" })
}

/// One file's line of `ingest --json`: its report, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum IngestLine {
    /// It was read, and archived.
    Report(IngestReport),
    /// It could not be read.
    Unreadable(Unreadable),
}

/// Whether an archived file (or a member of it, for a package) needs attention: not read, a
/// plugin failed, or read with errors.
fn still_needs_attention(conn: &rusqlite::Connection, file_id: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM files f WHERE (f.id = ?1 OR f.id IN (SELECT member_id FROM package_members WHERE package_id = ?1))
                        AND (f.outcome = 'needs_attention' OR f.errors > 0))",
    )?
    .query_row(params![file_id], |r| r.get(0))
}

/// The SHA-256 of `bytes`, lower-case hex: a file's identity in the archive.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Ingest one file's bytes. `name` is how it was given (its last path component is what
/// plugins see); `origin` says where it came from.
pub fn ingest_bytes(
    store: &mut Store,
    plugins: &PluginSet,
    clock: &Clock,
    limits: &PackageLimits,
    name: &str,
    origin: &FileOrigin,
    bytes: &[u8],
) -> Result<IngestReport, StoreError> {
    let origin = &origin.to_string();
    let sha = sha256_hex(bytes);
    let now = clock.stamp();
    if let Some(file_id) = store.file_id(&sha)? {
        touch(store, file_id, &now)?;
        let needs_attention = still_needs_attention(store.conn(), file_id)?;
        return Ok(report(name, &sha, bytes, Outcome::AlreadyIngested { file_id, needs_attention }));
    }
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    // A package is opened (within its limits) before the transaction; its members, like a
    // single document, are parsed inside it, each stored as its plugin sends it.
    let members = package::is_zip(bytes).then(|| package::open_zip(bytes, limits));

    let tx = store.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have stored the same bytes before this one got the lock.
    if let Some(file_id) = existing(&tx, &sha)? {
        tx.execute("UPDATE files SET last_seen = ?2 WHERE id = ?1", params![file_id, now])?;
        let needs_attention = still_needs_attention(&tx, file_id)?;
        tx.commit()?;
        return Ok(report(name, &sha, bytes, Outcome::AlreadyIngested { file_id, needs_attention }));
    }
    let outcome = match members {
        None => stream_document(&tx, plugins, base, origin, &sha, bytes, &now)?,
        Some(Err(e)) => {
            let file_id = insert_file(&tx, base, origin, &sha, bytes, &now, "package", &Failed::new(e.kind(), e.to_string()))?;
            Outcome::NeedsAttention { file_id, kind: e.kind().to_string(), problem: e.to_string() }
        }
        Some(Ok(members)) => {
            let file_id = insert_file(&tx, base, origin, &sha, bytes, &now, "package", &Stored::Package)?;
            let mut reports = Vec::new();
            for m in members {
                let msha = sha256_hex(&m.bytes);
                let member_outcome = match existing(&tx, &msha)? {
                    Some(member_id) => {
                        tx.execute("UPDATE files SET last_seen = ?2 WHERE id = ?1", params![member_id, now])?;
                        let needs_attention = still_needs_attention(&tx, member_id)?;
                        Outcome::AlreadyIngested { file_id: member_id, needs_attention }
                    }
                    None => stream_document(&tx, plugins, m.file_name(), &FileOrigin::Package.to_string(), &msha, &m.bytes, &now)?,
                };
                let member_id = match &member_outcome {
                    Outcome::Ingested { file_id, .. }
                    | Outcome::AlreadyIngested { file_id, .. }
                    | Outcome::NeedsAttention { file_id, .. }
                    | Outcome::Package { file_id, .. } => *file_id,
                };
                tx.execute(
                    "INSERT INTO package_members (package_id, member_id, path) VALUES (?1, ?2, ?3)",
                    params![file_id, member_id, m.path],
                )?;
                reports.push(report(&format!("{name}!{}", m.path), &msha, &m.bytes, member_outcome));
            }
            Outcome::Package { file_id, members: reports }
        }
    };
    crate::store::changes::flush(&tx, &now)?;
    let commit = std::time::Instant::now();
    tx.commit()?;
    tracing::debug!(target: "claimtrack::timing", ms = ms(commit), "committed");
    Ok(report(name, &sha, bytes, outcome))
}

/// Milliseconds since `t`, for the `claimtrack::timing` debug lines
/// (`CLAIMTRACK_LOG=claimtrack::timing=debug`).
pub(crate) fn ms(t: std::time::Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn report(name: &str, sha: &str, bytes: &[u8], outcome: Outcome) -> IngestReport {
    IngestReport { name: name.to_string(), sha256: sha.to_string(), size: bytes.len() as u64, outcome }
}

fn touch(store: &mut Store, file_id: i64, now: &str) -> Result<(), StoreError> {
    store.conn().execute("UPDATE files SET last_seen = ?2 WHERE id = ?1", params![file_id, now])?;
    Ok(())
}

fn existing(tx: &Transaction<'_>, sha: &str) -> rusqlite::Result<Option<i64>> {
    use rusqlite::OptionalExtension;
    tx.query_row("SELECT id FROM files WHERE sha256 = ?1", params![sha], |r| r.get(0)).optional()
}

/// What is written in a file's row besides its bytes.
enum Stored<'a> {
    Parsed(&'a ParseReport),
    /// Being read by this plugin (name, version): the rest is filled in once it is read.
    Reading(&'a str, &'a str),
    Package,
}

/// A file that was not read, and why.
struct Failed {
    kind: String,
    problem: String,
}

impl Failed {
    fn new(kind: &str, problem: String) -> Self {
        Failed { kind: kind.to_string(), problem }
    }
}

trait FileRow {
    fn outcome(&self) -> &'static str;
    fn columns(&self) -> [Option<String>; 7];
    fn counts(&self) -> (usize, usize);
}

impl FileRow for Stored<'_> {
    fn outcome(&self) -> &'static str {
        "parsed"
    }
    fn columns(&self) -> [Option<String>; 7] {
        match self {
            Stored::Parsed(r) => [
                Some(r.parsed.metadata.format_id.clone()),
                Some(r.plugin.clone()),
                Some(r.plugin_version.clone()),
                None,
                None,
                serde_json::to_string(&r.parsed.metadata).ok(),
                serde_json::to_string(&r.parsed.diagnostics).ok(),
            ],
            Stored::Reading(plugin, version) => [None, Some(plugin.to_string()), Some(version.to_string()), None, None, None, None],
            Stored::Package => [None, None, None, None, None, None, None],
        }
    }
    fn counts(&self) -> (usize, usize) {
        match self {
            Stored::Parsed(r) => (r.parsed.count(Severity::Warning), r.parsed.count(Severity::Error)),
            Stored::Reading(..) | Stored::Package => (0, 0),
        }
    }
}

impl FileRow for Failed {
    fn outcome(&self) -> &'static str {
        "needs_attention"
    }
    fn columns(&self) -> [Option<String>; 7] {
        [None, None, None, Some(self.kind.clone()), Some(self.problem.clone()), None, None]
    }
    fn counts(&self) -> (usize, usize) {
        (0, 0)
    }
}

#[allow(clippy::too_many_arguments)]
fn insert_file(
    tx: &Transaction<'_>,
    name: &str,
    origin: &str,
    sha: &str,
    bytes: &[u8],
    now: &str,
    kind: &str,
    row: &dyn FileRow,
) -> rusqlite::Result<i64> {
    let [format, plugin, version, problem_kind, problem, metadata, diagnostics] = row.columns();
    let (warnings, errors) = row.counts();
    tx.execute(
        "INSERT INTO files (sha256, size, bytes, original_name, origin, first_seen, last_seen, kind, outcome,
                            format, plugin, plugin_version, problem_kind, problem, warnings, errors,
                            metadata_json, diagnostics_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        params![
            sha,
            bytes.len() as i64,
            bytes,
            name,
            origin,
            now,
            kind,
            row.outcome(),
            format,
            plugin,
            version,
            problem_kind,
            problem,
            warnings as i64,
            errors as i64,
            metadata,
            diagnostics
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Most events of one file kept in memory for `derive` after it is read: one chunk as the
/// SDK sends it, which is all of most files.
const KEEP_FOR_DERIVE: usize = 1024;

/// Archive a document and read it into the store as its plugin sends it, in `tx`: each
/// chunk's events are stored and correlated as they arrive, so only one chunk is in memory
/// whatever the file's size; the derived statuses are updated once the file is read. A file
/// no plugin takes, or whose plugin fails (at any chunk), is archived with nothing of what
/// was read, as needing attention: the transaction is all-or-nothing per file.
fn stream_document(
    tx: &Transaction<'_>,
    plugins: &PluginSet,
    name: &str,
    origin: &str,
    sha: &str,
    bytes: &[u8],
    now: &str,
) -> rusqlite::Result<Outcome> {
    let failed = |e: ParseFailure| -> rusqlite::Result<Outcome> {
        let file_id = insert_file(tx, name, origin, sha, bytes, now, "document", &Failed::new(e.kind(), e.to_string()))?;
        Ok(Outcome::NeedsAttention { file_id, kind: e.kind().to_string(), problem: e.to_string() })
    };
    let plugin = match plugins.select(name, bytes) {
        Ok(p) => p,
        Err(e) => return failed(e.into()),
    };
    // What a failed read stored is rolled back to here, keeping the rest of the transaction
    // (the other members of a package).
    tx.execute_batch("SAVEPOINT reading")?;
    // The row goes in first, for the events to name it; its bytes (and what the reading
    // found) go in at the end, in one write: an update rewrites the whole row, blob and all.
    let reading = Stored::Reading(&plugin.info().name, &plugin.info().version);
    let file_id = insert_file(tx, name, origin, sha, &[], now, "document", &reading)?;
    let read = match read_chunks(tx, plugin, file_id, name, bytes, |_| true)? {
        Ok(read) => read,
        Err(e) => {
            tx.execute_batch("ROLLBACK TO reading; RELEASE reading")?;
            return failed(e.into());
        }
    };
    record_read(tx, file_id, plugin, &read, Some(bytes))?;
    let (warnings, errors) = (read.warnings(), read.errors());
    let t = std::time::Instant::now();
    crate::tracking::derive_touched(tx, file_id, read.touched, &read.kept)?;
    tracing::debug!(target: "claimtrack::timing", ms = ms(t), "derived");
    tx.execute_batch("RELEASE reading")?;
    Ok(Outcome::Ingested {
        file_id,
        format: read.metadata.format_id,
        plugin: plugin.info().name.clone(),
        events: read.events,
        warnings,
        errors,
    })
}

/// What [`read_chunks`] found in a file.
struct Read {
    metadata: crate::model::FileMetadata,
    diagnostics: Vec<crate::model::Diagnostic>,
    /// Events stored.
    events: usize,
    /// What correlating them changed.
    touched: crate::tracking::Touched,
    /// The events with their row ids when the file was one chunk (see `KEEP_FOR_DERIVE`).
    kept: Vec<(i64, StatusEvent)>,
}

impl Read {
    fn warnings(&self) -> usize {
        Severity::Warning.count_in(&self.diagnostics)
    }
    fn errors(&self) -> usize {
        Severity::Error.count_in(&self.diagnostics)
    }
}

/// Reads `bytes` with `plugin` into the store as file `file_id`, as the plugin sends it:
/// each chunk's events are stored, and correlated when `correlate` says so for that chunk's
/// events, as they arrive, so only one chunk is in memory whatever the file's size. A plugin
/// failure (at any chunk) is returned as such with what was stored left in place: the caller
/// rolls back to its savepoint.
fn read_chunks(
    tx: &Transaction<'_>,
    plugin: &crate::plugins::Plugin,
    file_id: i64,
    name: &str,
    bytes: &[u8],
    mut correlate: impl FnMut(&[StatusEvent]) -> bool,
) -> rusqlite::Result<Result<Read, crate::runtime::PluginError>> {
    let (plugin_name, version) = (plugin.info().name.as_str(), plugin.info().version.as_str());
    let started = std::time::Instant::now();
    let mut correlator = crate::tracking::correlate::Correlator::new(file_id, None);
    let mut book = Codebook::new();
    let mut seq = 0usize;
    let mut diagnostics = Vec::new();
    // The events of a small file stay in memory for `derive` (most files are one chunk);
    // past one chunk's worth they are dropped, and `derive` reads them back.
    let mut kept: Vec<(i64, StatusEvent)> = Vec::new();
    let read = plugin.parse_each(name, bytes, |events, diags| -> rusqlite::Result<()> {
        let ids = insert_event_rows(tx, &mut book, file_id, seq, plugin_name, version, &events)?;
        seq += events.len();
        if correlate(&events) {
            correlator.feed(tx, &ids, events.iter())?;
        }
        diagnostics.extend(diags);
        if seq <= KEEP_FOR_DERIVE {
            kept.extend(ids.into_iter().zip(events));
        } else {
            kept = Vec::new();
        }
        Ok(())
    });
    let (metadata, notes) = match read {
        Ok(read) => read,
        Err(ParseStop::Consumer(e)) => return Err(e),
        Err(ParseStop::Plugin(e)) => return Ok(Err(e)),
    };
    diagnostics.extend(notes);
    tracing::debug!(target: "claimtrack::timing", ms = ms(started), events = seq, "read, stored and correlated");
    let touched = correlator.finish(tx, Some(&metadata))?;
    Ok(Ok(Read { metadata, diagnostics, events: seq, touched, kept }))
}

/// Records on the file's row what reading it found, and (`bytes`, once: on ingest) its bytes.
fn record_read(tx: &Transaction<'_>, file_id: i64, plugin: &crate::plugins::Plugin, read: &Read, bytes: Option<&[u8]>) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE files SET outcome = 'parsed', format = ?2, plugin = ?3, plugin_version = ?4, problem_kind = NULL, problem = NULL,
             metadata_json = ?5, diagnostics_json = ?6, warnings = ?7, errors = ?8, size = COALESCE(?9, size), bytes = COALESCE(?10, bytes)
         WHERE id = ?1",
        params![
            file_id,
            read.metadata.format_id,
            plugin.info().name,
            plugin.info().version,
            serde_json::to_string(&read.metadata).ok(),
            serde_json::to_string(&read.diagnostics).ok(),
            read.warnings() as i64,
            read.errors() as i64,
            bytes.map(|b| b.len() as i64),
            bytes
        ],
    )?;
    Ok(())
}

/// Archive a parsed document, store its events and correlate them, in `tx`.
/// `before_tracking` runs once the file has its id and before its events are correlated:
/// `submit` records the submission there, so the batch is registered under its staged name.
#[allow(clippy::too_many_arguments)]
pub(crate) fn store_parsed(
    tx: &Transaction<'_>,
    name: &str,
    origin: &str,
    sha: &str,
    bytes: &[u8],
    now: &str,
    r: &ParseReport,
    before_tracking: impl FnOnce(&Transaction<'_>, i64) -> rusqlite::Result<()>,
) -> rusqlite::Result<Outcome> {
    let t = std::time::Instant::now();
    let file_id = insert_file(tx, name, origin, sha, bytes, now, "document", &Stored::Parsed(r))?;
    tracing::debug!(target: "claimtrack::timing", ms = ms(t), "archived");
    before_tracking(tx, file_id)?;
    let t = std::time::Instant::now();
    let ids = insert_events(tx, file_id, r)?;
    tracing::debug!(target: "claimtrack::timing", ms = ms(t), events = ids.len(), "events stored");
    crate::tracking::track_stored(tx, file_id, &ids, &r.parsed.events, &r.parsed.metadata)?;
    Ok(Outcome::Ingested {
        file_id,
        format: r.parsed.metadata.format_id.clone(),
        plugin: r.plugin.clone(),
        events: r.parsed.events.len(),
        warnings: r.parsed.count(Severity::Warning),
        errors: r.parsed.count(Severity::Error),
    })
}

/// Store a file's events; returns their row ids, in order. Also used by `rebuild` after
/// deleting a file's old events.
pub(crate) fn insert_events(tx: &Transaction<'_>, file_id: i64, r: &ParseReport) -> rusqlite::Result<Vec<i64>> {
    let mut book = Codebook::new();
    insert_event_rows(tx, &mut book, file_id, 0, &r.plugin, &r.plugin_version, &r.parsed.events)
}

/// Store events of a file from position `first_seq` on; returns their row ids, in order.
fn insert_event_rows(
    tx: &Transaction<'_>,
    book: &mut Codebook,
    file_id: i64,
    first_seq: usize,
    plugin: &str,
    plugin_version: &str,
    events: &[StatusEvent],
) -> rusqlite::Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(events.len());
    let mut stmt = tx.prepare_cached(
        "INSERT INTO events (file_id, seq, plugin, plugin_version, level, source, status, raw_code, effective_date,
                             patient_control_number, clearinghouse_claim_id, payer_claim_number,
                             interchange_control_number, group_control_number, transaction_set_control_number,
                             batch_reference, clearinghouse_file_id, clearinghouse_child_file_id, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    )?;
    for (i, e) in events.iter().enumerate() {
        let claim = e.claim.as_ref();
        let c = &e.correlation;
        stmt.execute(params![
            file_id,
            (first_seq + i) as i64,
            plugin,
            plugin_version,
            e.level.as_str(),
            e.source.as_str(),
            e.status.as_str(),
            e.raw_code,
            e.effective_date,
            claim.and_then(|c| c.patient_control_number.as_deref()),
            claim.and_then(|c| c.clearinghouse_claim_id.as_deref()),
            claim.and_then(|c| c.payer_claim_number.as_deref()),
            c.interchange_control_number,
            c.group_control_number,
            c.transaction_set_control_number,
            c.batch_reference,
            c.clearinghouse_file_id,
            c.clearinghouse_child_file_id,
            book.encode(tx, e)?,
        ])?;
        ids.push(tx.last_insert_rowid());
    }
    Ok(ids)
}


/// `rebuild`: read every archived document again with the current plugins, replace its
/// events, and derive every batch and claim again, in the caller's transaction.
///
/// Each file is read, stored and correlated in turn, from memory, as `ingest` does, and
/// everything is derived once at the end: reading 700 MB of stored events back from JSON cost
/// more than parsing the files again. Correlation needs the 837s first (every response must
/// find its batch, whatever order files arrived in), so the files the last reading took for
/// 837s come first; if a plugin now reads some other file as an 837 after responses were
/// correlated, the links are made again from the stored events, in order
/// ([`crate::tracking::rebuild`]).
pub(crate) fn rebuild_all(tx: &Transaction<'_>, plugins: &PluginSet) -> rusqlite::Result<()> {
    // Every batch and claim is forgotten and made again: the log gets what differs.
    let before = crate::store::changes::Snapshot::take(tx)?;
    crate::tracking::forget(tx)?;
    // A submitted 837 is read under the name it was staged (and uploaded) under, as `submit`
    // read it: its Office Ally file-name rules are about that name, not the user's.
    let files: Vec<(i64, String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT f.id, COALESCE(s.staged_name, f.original_name), f.outcome FROM files f
             LEFT JOIN submissions s ON s.file_id = f.id
             WHERE f.kind = 'document' ORDER BY COALESCE(f.format LIKE 'x12-837%', 0) DESC, f.id",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?
    };
    let mut touched = crate::tracking::Touched::default();
    let (mut responses_seen, mut out_of_order) = (false, false);
    // Where the time goes, for `CLAIMTRACK_LOG=claimtrack::timing=debug`.
    let (mut t_delete, mut t_read) = (0.0, 0.0);
    for (id, name, outcome_before) in files {
        let bytes: Vec<u8> = tx.query_row("SELECT bytes FROM files WHERE id = ?1", params![id], |r| r.get(0))?;
        let t = std::time::Instant::now();
        tx.execute("DELETE FROM events WHERE file_id = ?1", params![id])?;
        t_delete += ms(t);
        let t = std::time::Instant::now();
        // Read as ingest reads, a chunk at a time: a file too large to hold its events in
        // memory at once was ingested that way, so it must be read again that way.
        tx.execute_batch("SAVEPOINT reading")?;
        let mut is_837 = None;
        let read = match plugins.select(&name, &bytes) {
            Err(e) => Err(ParseFailure::from(e)),
            Ok(plugin) => {
                let gate = |events: &[StatusEvent]| {
                    // An 837 read after a response file means correlating in file order
                    // would be wrong: everything is correlated again at the end instead.
                    if is_837.is_none() && !events.is_empty() {
                        let submitted = events.iter().any(|e| e.source == crate::model::Source::Submitter);
                        is_837 = Some(submitted);
                        out_of_order |= submitted && responses_seen;
                    }
                    !out_of_order
                };
                match read_chunks(tx, plugin, id, &name, &bytes, gate)? {
                    Ok(read) => {
                        record_read(tx, id, plugin, &read, None)?;
                        Ok(read)
                    }
                    Err(e) => Err(e.into()),
                }
            }
        };
        t_read += ms(t);
        let outcome = if read.is_ok() { "parsed" } else { "needs_attention" };
        match read {
            Ok(read) => {
                tx.execute_batch("RELEASE reading")?;
                responses_seen |= is_837 == Some(false);
                if !out_of_order {
                    touched.batches.extend(read.touched.batches);
                    touched.claims.extend(read.touched.claims);
                }
            }
            Err(e) => {
                tx.execute_batch("ROLLBACK TO reading; RELEASE reading")?;
                tx.execute(
                    "UPDATE files SET outcome = 'needs_attention', format = NULL, plugin = NULL, plugin_version = NULL,
                         problem_kind = ?2, problem = ?3, warnings = 0, errors = 0, metadata_json = NULL, diagnostics_json = NULL
                     WHERE id = ?1",
                    params![id, e.kind(), e.to_string()],
                )?;
            }
        }
        // After the savepoint: a failed read rolls back what it wrote, not this.
        if outcome != outcome_before {
            crate::store::changes::log_file_outcome(tx, id, &outcome_before, outcome)?;
        }
    }
    tracing::debug!(target: "claimtrack::timing", t_delete, t_read, "rebuild: files read again");
    if out_of_order {
        crate::tracking::rederive(tx)?;
        return before.log_changes(tx);
    }
    let t = std::time::Instant::now();
    use crate::tracking::derive;
    derive::derive_with(tx, &touched, derive::Fresh::new(), derive::Log::Nothing)?;
    tracing::debug!(target: "claimtrack::timing", ms = ms(t), claims = touched.claims.len(), "rebuild: derived");
    before.log_changes(tx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_hex_of_the_bytes() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn an_origin_reads_back_as_it_was_stored() {
        for (origin, text) in [
            (FileOrigin::Ingest, "ingest"),
            (FileOrigin::Submit, "submit"),
            (FileOrigin::Package, "package"),
            (FileOrigin::mailbox("sftp://practice@ftp10.officeally.com:22", "FS_HCFA_1_IN_C.txt"), "sftp://practice@ftp10.officeally.com:22/FS_HCFA_1_IN_C.txt"),
            (FileOrigin::mailbox("local:/srv/mailbox", "a.999"), "local:/srv/mailbox/a.999"),
            (FileOrigin::Other("sftp".into()), "sftp"),
        ] {
            assert_eq!(origin.to_string(), text);
            assert_eq!(FileOrigin::from_stored(text), origin, "{text}");
            assert_eq!(serde_json::to_value(&origin).unwrap(), text);
        }
        assert!(FileOrigin::from_stored("local:/srv/mailbox/a.999").words().contains("/srv/mailbox"));
    }
}
