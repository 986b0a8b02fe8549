//! `claimtrack sync`: upload what the outbox holds, download what Office Ally left, ingest it.
//!
//! The order of the steps is what makes a sync safe to interrupt anywhere:
//!
//! 1. **Credentials rejected before?** With the same host, user and password, no attempt is
//!    made at all (office-ally.md §5.2: failed logins pause the account) until the
//!    credentials change or `--retry-auth`.
//! 2. **Connect**: host key checked before the password is sent; a rejected login blocks
//!    further attempts; every attempt is logged for the AWAITING alert and `doctor`.
//! 3. **Uploads**: each QUEUED batch goes to a temporary name, `publishing_at` is recorded,
//!    then it is renamed and the batch becomes AWAITING. A crash before the rename leaves a
//!    temporary file that the next sync removes and uploads again; a crash after it leaves
//!    `publishing_at`, and the next sync finds the file (or finds it gone: Office Ally took
//!    it) instead of uploading the batch a second time.
//! 4. **Downloads**: each file in `outbound` not known by name + size + mtime is copied to
//!    `<data>/incoming/` under a temporary name, renamed, ingested (the archive knows it by
//!    SHA-256, so a file seen before changes nothing), and only then remembered. If the
//!    policy says so, the reports are moved on the server at the end, once the archive is
//!    fsynced (one fsync for the whole sync: SQLite's WAL keeps commits in order, so a
//!    remembered report is always an archived one).
//! 5. Archive eligible batches (when configured) and record the alerts, to count new ones.

pub mod state;

use std::fs;
use std::io::BufWriter;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::config::{AfterDownload, Config, ConfigPaths, Secret, TransportKind};
use crate::ingest::{FileOrigin, IngestReport, Outcome};
use crate::paths::create_private_dir;
use crate::store::StoreError;
use crate::tracker::Tracker;
use crate::tracking::alerts::AlertSettings;
use crate::transport::{self, Folder, Mailbox, RemoteFile, TransportError, TrustNew};
use state::store_failed;

/// What a sync shows while it transfers (progress bars on a terminal; nothing otherwise).
pub trait Progress {
    /// A transfer begins: `action` is "upload" or "download".
    fn start(&mut self, _action: &str, _name: &str, _total: u64) {}
    /// `done` bytes of the current transfer are through.
    fn advance(&mut self, _done: u64) {}
    /// The current transfer ended (well or not).
    fn finish(&mut self) {}
}

/// Shows nothing.
pub struct NoProgress;
impl Progress for NoProgress {}

/// What a sync may do besides the defaults.
pub struct SyncOptions<'a> {
    /// Try to log in even though these credentials were rejected before.
    pub retry_auth: bool,
    /// How to treat a host key not pinned yet.
    pub trust: TrustNew<'a>,
    /// Set (e.g. by Ctrl-C) to stop after the current file.
    pub stop: Option<&'a AtomicBool>,
    /// Transfer progress.
    pub progress: &'a mut dyn Progress,
}

/// A batch uploaded by this sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct UploadedBatch {
    /// The batch.
    pub batch_id: Option<i64>,
    /// The name it was uploaded under.
    pub staged_name: String,
    /// Bytes sent (0 when an interrupted upload was only finished or found done).
    pub bytes: u64,
    /// An upload interrupted by an earlier sync, finished now.
    pub recovered: bool,
    /// Not sent: Office Ally had already answered for this batch (it went another way, e.g.
    /// the web portal), so it is only recorded as uploaded.
    pub answered_before: bool,
}

/// A report downloaded by this sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DownloadedFile {
    /// Its name in `outbound`.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// How ingesting it went.
    pub ingest: IngestReport,
}

/// Everything one sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default, schemars::JsonSchema)]
pub struct SyncReport {
    /// The mailbox, e.g. `sftp://user@ftp10.officeally.com:22` (never the password).
    pub mailbox: String,
    /// Batches uploaded (now AWAITING).
    pub uploaded: Vec<UploadedBatch>,
    /// Reports downloaded and ingested.
    pub downloaded: Vec<DownloadedFile>,
    /// Files in `outbound` downloaded by an earlier sync, skipped.
    pub already_downloaded: usize,
    /// Status events the downloaded files added.
    pub new_events: usize,
    /// Alerts raised since the last time alerts were recorded.
    pub new_alerts: usize,
    /// Batches archived because their tracking window closed (`auto_archive`).
    pub archived: usize,
    /// Files that could not be handled; the rest of the sync went on.
    pub problems: Vec<String>,
    /// Why the sync ended early (the connection broke, or it was stopped), if it did. What
    /// was not done is done by the next sync.
    pub ended_early: Option<String>,
    /// SFTP requests sent (for the benchmark).
    pub round_trips: u64,
}

impl SyncReport {
    /// "uploaded 1 · downloaded 3 (12 new events) · 0 new alerts".
    pub fn summary(&self) -> String {
        let mut s = format!(
            "uploaded {} · downloaded {} ({} new events, {} seen before) · {} new alert{}",
            self.uploaded.len(),
            self.downloaded.len(),
            self.new_events,
            self.already_downloaded,
            self.new_alerts,
            if self.new_alerts == 1 { "" } else { "s" }
        );
        if self.archived > 0 {
            s += &format!(" · archived {}", self.archived);
        }
        if !self.problems.is_empty() {
            s += &format!(" · {} problem{}", self.problems.len(), if self.problems.len() == 1 { "" } else { "s" });
        }
        if let Some(why) = &self.ended_early {
            s += &format!(" · ended early: {why}");
        }
        s
    }
}

/// Why a sync did nothing.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The same credentials were rejected before; no attempt was made.
    #[error("{}", auth_blocked_text(since, message))]
    AuthBlocked {
        /// When the login was rejected.
        since: String,
        /// What the server said then.
        message: String,
    },
    /// The connection could not be made (nothing was transferred; batches stay QUEUED).
    #[error("{0}")]
    Connect(#[from] TransportError),
    /// Another sync (e.g. `claimtrack watch`) is running on this data folder.
    #[error("another sync is running on this data folder (e.g. `claimtrack watch`); it does the work, nothing to do")]
    Busy,
    /// The SFTP password is missing.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// A short stable name for scripts (`--json`): `auth_blocked`, `busy`, `config`, `store`,
    /// or the transport's kind (`network`, `host_key`, `auth`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            SyncError::AuthBlocked { .. } => "auth_blocked",
            SyncError::Busy => "busy",
            SyncError::Connect(t) => t.kind(),
            SyncError::Config(_) => "config",
            SyncError::Store(_) => "store",
        }
    }
}

impl From<rusqlite::Error> for SyncError {
    fn from(e: rusqlite::Error) -> Self {
        SyncError::Store(StoreError::Sql(e))
    }
}

/// The mailbox's name in the store and in file origins, from the config alone (so failed
/// connections are logged under the same name).
pub fn mailbox_label(config: &Config) -> String {
    let c = &config.connection;
    match c.transport {
        TransportKind::Sftp => format!("sftp://{}@{}:{}", c.username, c.host, c.port),
        TransportKind::Local => format!("local:{}", c.local_folder.as_deref().unwrap_or(Path::new("")).display()),
    }
}

/// What the steps after connecting need of the options.
struct Run<'a> {
    stop: Option<&'a AtomicBool>,
    progress: &'a mut dyn Progress,
}

impl Run<'_> {
    fn stopped(&self) -> bool {
        self.stop.is_some_and(|s| s.load(Ordering::SeqCst))
    }
}

fn auth_blocked_text(since: &str, message: &str) -> String {
    let what = if message == state::ATTEMPT_UNANSWERED {
        format!("a login at {since} was interrupted before Office Ally's answer was recorded, so it may have failed")
    } else {
        format!("Office Ally rejected the SFTP login at {since} ({message})")
    };
    format!(
        "not connecting: {what}, and every failed attempt counts toward Office Ally pausing the account. If the SFTP \
         credentials changed, update them (`claimtrack init`) and sync again; if the account is paused (an unpaid invoice, \
         too many failed access attempts), call Office Ally at (360) 975-7000, option 1. When it is fixed, or if the \
         credentials are right, run `claimtrack sync --retry-auth`"
    )
}

/// Run one sync (see the module documentation for the order of the steps).
pub fn sync(
    tracker: &mut Tracker,
    config: &Config,
    paths: &ConfigPaths,
    password: Option<&Secret>,
    opts: SyncOptions<'_>,
) -> Result<SyncReport, SyncError> {
    let label = mailbox_label(config);
    let c = &config.connection;
    let SyncOptions { retry_auth, trust, stop, progress } = opts;
    let _lock = lock(tracker)?;
    if c.transport == TransportKind::Sftp {
        let pw = password.map(Secret::expose).unwrap_or_default();
        if let Some((since, message)) = state::auth_blocked(tracker.store().conn(), &c.host, &c.username, pw)?
            && !retry_auth
        {
            return Err(SyncError::AuthBlocked { since, message });
        }
    }
    let now = tracker.clock().stamp();
    let pw = password.map(Secret::expose).unwrap_or_default();
    let mut login = state::LoginRecord { store: tracker.store(), at: &now, host: &c.host, user: &c.username, password: pw };
    let mut mailbox = match transport::connect(config, paths, password, trust, &mut login) {
        Ok(m) => m,
        Err(e) => {
            let conn = tracker.store().conn();
            // The block first: it is what keeps the next attempt from happening.
            if let TransportError::AuthRejected { message, .. } = &e {
                state::block_auth(conn, &now, &c.host, &c.username, pw, message)?;
            }
            state::record_connection(conn, &now, &label, e.kind(), &e.to_string())?;
            return Err(e.into());
        }
    };
    run_steps(tracker, config, mailbox.as_mut(), stop, progress)
}

/// Steps 3 to 5 on a mailbox already connected (for embedding software with its own
/// transport, and for tests that break a mailbox on purpose).
pub fn sync_mailbox(
    tracker: &mut Tracker,
    config: &Config,
    mailbox: &mut dyn Mailbox,
    stop: Option<&AtomicBool>,
    progress: &mut dyn Progress,
) -> Result<SyncReport, SyncError> {
    let _lock = lock(tracker)?;
    run_steps(tracker, config, mailbox, stop, progress)
}

fn run_steps(
    tracker: &mut Tracker,
    config: &Config,
    mailbox: &mut dyn Mailbox,
    stop: Option<&AtomicBool>,
    progress: &mut dyn Progress,
) -> Result<SyncReport, SyncError> {
    let label = mailbox_label(config);
    let mut report = SyncReport { mailbox: label.clone(), ..SyncReport::default() };
    let mut run = Run { stop, progress };
    let result = upload_all(tracker, mailbox, &mut run, &mut report)
        .and_then(|()| download_all(tracker, config, &label, mailbox, &mut run, &mut report));
    report.round_trips = mailbox.round_trips();
    let (outcome, message) = match &result {
        Ok(()) => ("ok", String::new()),
        Err(e) => (e.kind(), e.to_string()),
    };
    if let Err(e) = result {
        report.ended_early = Some(e.to_string());
    }
    let now = tracker.clock().stamp();
    state::record_connection(tracker.store().conn(), &now, &label, outcome, &message)?;
    if config.sync.auto_archive {
        report.archived = tracker.archive_eligible()?;
    }
    let settings = AlertSettings { era_days: config.sync.era_days };
    report.new_alerts = tracker.record_alerts(&settings)?.1;
    Ok(report)
}

/// One sync at a time per data folder (a `watch` and a hand-run `sync` would otherwise both
/// upload the same queued batch). The lock is released when the file closes, also when the
/// process dies.
pub(crate) fn lock(tracker: &Tracker) -> Result<SyncLock, SyncError> {
    let path = tracker.data_dir().root().join("sync.lock");
    let local = |source| SyncError::Connect(TransportError::Local { path: path.clone(), source });
    let mut opts = fs::OpenOptions::new();
    opts.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        // Owner-only like everything in the data folder, and never through a link.
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = opts.open(&path).map_err(local)?;
    match file.try_lock() {
        Ok(()) => Ok(SyncLock(file)),
        Err(fs::TryLockError::WouldBlock) => Err(SyncError::Busy),
        Err(fs::TryLockError::Error(e)) => Err(local(e)),
    }
}

/// Holds `sync.lock` until dropped.
pub(crate) struct SyncLock(fs::File);

impl Drop for SyncLock {
    fn drop(&mut self) {
        // Unlocked explicitly, not only by closing: a child process forked by another
        // thread at that moment (before its exec closes the inherited descriptor) would
        // otherwise keep the lock, and the next sync would find it busy.
        let _ = self.0.unlock();
    }
}

/// Step 3: every QUEUED batch in the outbox.
fn upload_all(tracker: &mut Tracker, mailbox: &mut dyn Mailbox, opts: &mut Run<'_>, report: &mut SyncReport) -> Result<(), TransportError> {
    let queued = tracker.outbox().map_err(store_failed)?;
    if queued.is_empty() {
        return Ok(());
    }
    let inbound = mailbox.list(Folder::Inbound)?;
    let present = |name: &str| inbound.iter().any(|f| f.name == name);
    for entry in queued {
        if opts.stopped() {
            return Err(TransportError::Interrupted);
        }
        let temp = mailbox.temp_name(&entry.staged_name);
        let publishing = tracker.publishing_started(entry.file_id).map_err(store_failed)?;
        if publishing {
            // An earlier sync was renaming this upload when it stopped.
            if present(&temp) && !present(&entry.staged_name) {
                match mailbox.publish(&temp, &entry.staged_name) {
                    Ok(()) => {}
                    Err(e) if e.is_connection_lost() => return Err(e),
                    Err(e) => {
                        report.problems.push(format!("finishing the upload of {}: {e}", entry.staged_name));
                        continue;
                    }
                }
            }
            // Otherwise the rename happened: the file is in inbound, or Office Ally took it.
            let done = UploadedBatch { batch_id: entry.batch_id, staged_name: entry.staged_name, bytes: 0, recovered: true, answered_before: false };
            finish_upload(tracker, done, report);
            continue;
        }
        if entry.status.is_some_and(|s| s != crate::tracking::status::BatchStatus::Queued) {
            // Responses already name this batch: Office Ally has it. Sending it again would
            // submit its claims twice.
            let done = UploadedBatch { batch_id: entry.batch_id, staged_name: entry.staged_name, bytes: 0, recovered: false, answered_before: true };
            finish_upload(tracker, done, report);
            continue;
        }
        if present(&entry.staged_name) {
            // A resent batch whose first upload Office Ally never picked up: it is still
            // there, so it is not sent twice; Office Ally is not taking this account's files.
            report.problems.push(format!(
                "{} is still in Office Ally's inbound folder from its first upload: Office Ally has not picked it up, so \
                 it was not sent again (call Office Ally at (360) 975-7000, option 1, about the account)",
                entry.staged_name
            ));
            let done = UploadedBatch { batch_id: entry.batch_id, staged_name: entry.staged_name, bytes: 0, recovered: true, answered_before: false };
            finish_upload(tracker, done, report);
            continue;
        }
        if present(&temp) {
            // Left by an upload that stopped before its rename: never published, start over.
            match mailbox.remove_inbound(&temp) {
                Ok(()) => {}
                Err(e) if e.is_connection_lost() => return Err(e),
                Err(e) => {
                    report.problems.push(format!("removing the unfinished upload {temp}: {e}"));
                    continue;
                }
            }
        }
        if !entry.present {
            report.problems.push(format!(
                "{} (batch {}): its outbox file {} is missing; submit the same 837 again to restore it",
                entry.staged_name,
                entry.batch_id.map_or("-".into(), |b| b.to_string()),
                entry.path.display()
            ));
            continue;
        }
        // What goes to Office Ally is what `submit` checked: the archived bytes, and only while
        // the outbox copy still is them (a changed or swapped outbox file is refused, said,
        // and left for a person to look at).
        let bytes = match checked_upload(tracker, &entry) {
            Ok(b) => b,
            Err(problem) => {
                report.problems.push(problem);
                continue;
            }
        };
        opts.progress.start("upload", &entry.staged_name, bytes.len() as u64);
        let file_id = entry.file_id;
        let result = {
            let progress = &mut *opts.progress;
            let t: &Tracker = tracker;
            mailbox.upload(&entry.staged_name, &bytes, &mut || t.mark_publishing(file_id).map_err(store_failed), &mut |d| progress.advance(d))
        };
        opts.progress.finish();
        match result {
            Ok(()) => {
                let done = UploadedBatch {
                    batch_id: entry.batch_id,
                    staged_name: entry.staged_name,
                    bytes: bytes.len() as u64,
                    recovered: false,
                    answered_before: false,
                };
                finish_upload(tracker, done, report);
            }
            Err(e) if e.is_connection_lost() => return Err(e),
            Err(e) => report.problems.push(format!("uploading {}: {e}", entry.staged_name)),
        }
    }
    Ok(())
}

/// The bytes to upload for `entry`: the archived 837, when the outbox file (read without
/// following a link) is the same bytes; otherwise why not.
fn checked_upload(tracker: &Tracker, entry: &crate::submit::OutboxEntry) -> Result<Vec<u8>, String> {
    let mut opts = fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NOFOLLOW);
    }
    let staged = opts
        .open(&entry.path)
        .and_then(|mut f| {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut b).map(|_| b)
        })
        .map_err(|e| format!("{}: {e}", entry.path.display()))?;
    let archived = tracker
        .store()
        .stored_file(&entry.file_id.to_string())
        .map_err(|e| format!("{}: the archived 837 cannot be read: {e}", entry.staged_name))?
        .map(|(_, bytes)| bytes)
        .ok_or_else(|| format!("{}: the archived 837 is missing", entry.staged_name))?;
    if crate::ingest::sha256_hex(&staged) != crate::ingest::sha256_hex(&archived) {
        return Err(format!(
            "{} (batch {}): the outbox file is not the 837 `submit` checked (its SHA-256 differs from the archived \
             one), so it was not uploaded; delete it and submit the 837 again (the checked one is restored)",
            entry.staged_name,
            entry.batch_id.map_or("-".into(), |b| b.to_string())
        ));
    }
    Ok(archived)
}

/// Record an upload (the batch becomes AWAITING) and report it.
fn finish_upload(tracker: &mut Tracker, done: UploadedBatch, report: &mut SyncReport) {
    match tracker.mark_uploaded(&done.staged_name) {
        Ok(_) => report.uploaded.push(done),
        // The file is on the server; the next sync sees `publishing_at` and records it.
        Err(e) => report.problems.push(format!("{}: recording it as uploaded failed: {e}", done.staged_name)),
    }
}

/// Step 4: every file in `outbound` not downloaded before.
fn download_all(
    tracker: &mut Tracker,
    config: &Config,
    label: &str,
    mailbox: &mut dyn Mailbox,
    opts: &mut Run<'_>,
    report: &mut SyncReport,
) -> Result<(), TransportError> {
    let key = format!("{label}/{}", config.connection.outbound);
    let incoming = tracker.data_dir().root().join("incoming");
    create_private_dir(&incoming).map_err(|source| TransportError::Local { path: incoming.clone(), source })?;
    // Reports to move on the server once every download of this sync is archived on disk:
    // one fsync for all of them instead of one per file.
    let mut to_dispose = Vec::new();
    let mut ended = Ok(());
    for file in mailbox.list(Folder::Outbound)? {
        if opts.stopped() {
            ended = Err(TransportError::Interrupted);
            break;
        }
        let known = state::known_remote(tracker.store().conn(), &key, &file.name, file.size, file.mtime).map_err(store_failed)?;
        let archived = match known {
            Some((_, disposed)) => {
                report.already_downloaded += 1;
                !disposed
            }
            None => match download_one(tracker, &key, &incoming, mailbox, &file, opts, report) {
                Ok(archived) => archived,
                Err(e) => {
                    ended = Err(e);
                    break;
                }
            },
        };
        if archived {
            to_dispose.push(file);
        }
    }
    match ended {
        // The connection is gone: the moves wait for the next sync.
        Err(e) if e.is_connection_lost() && !matches!(e, TransportError::Interrupted) => Err(e),
        ended => {
            dispose_all(tracker, config, &key, mailbox, &to_dispose, report)?;
            ended
        }
    }
}

/// A writer that refuses to write more than `left` bytes.
struct Capped<W> {
    inner: W,
    left: u64,
}

impl<W: std::io::Write> std::io::Write for Capped<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() as u64 > self.left {
            return Err(std::io::Error::other("the file is larger than the largest file claimtrack reads (--max-file-mb)"));
        }
        let n = self.inner.write(buf)?;
        self.left -= n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Download, archive and remember one report. Returns whether it is archived (and so may
/// be moved on the server).
fn download_one(
    tracker: &mut Tracker,
    key: &str,
    incoming: &Path,
    mailbox: &mut dyn Mailbox,
    file: &RemoteFile,
    opts: &mut Run<'_>,
    report: &mut SyncReport,
) -> Result<bool, TransportError> {
    // The server's name only ever becomes the last component of a path of ours.
    let safe: String = file.name.chars().map(|c| if c == '/' || c == '\\' || c == '\0' { '_' } else { c }).collect();
    let partial = incoming.join(format!(".{safe}.part"));
    let done = incoming.join(&safe);
    let local = |path: &Path| {
        let path = path.to_path_buf();
        move |source| TransportError::Local { path, source }
    };
    let limit = tracker.max_file_bytes();
    if let Some(size) = file.size
        && size > limit
    {
        // Checked before a byte moves: the archive keeps files whole, and a file above
        // SQLite's row limit could never be archived, so it would be fetched at every sync.
        report.problems.push(format!(
            "{}: {} MiB on the server, more than the {} MiB a file may have; not downloaded (raise it with --max-file-mb)",
            file.name,
            size.div_ceil(1 << 20),
            limit >> 20
        ));
        return Ok(false);
    }
    opts.progress.start("download", &file.name, file.size.unwrap_or(0));
    let result = (|| {
        // Owner-only and never through a link someone left at that name (reports hold PHI).
        let staged = crate::paths::create_private_file(&partial).map_err(local(&partial))?;
        // A server that lists no size, or the wrong one, still cannot make us write more.
        let mut out = BufWriter::new(Capped { inner: staged, left: limit });
        let progress = &mut *opts.progress;
        let n = mailbox.download(file, &mut out, &mut |d| progress.advance(d))?;
        // Not fsynced: this staging copy is deleted once archived, and the archive is the
        // durable copy. A power cut before that leaves the report unremembered, and the
        // next sync downloads it again (the server keeps it until it is archived on disk).
        out.into_inner().map_err(|e| local(&partial)(e.into_error()))?;
        Ok::<u64, TransportError>(n)
    })();
    opts.progress.finish();
    let n = match result {
        Ok(n) => n,
        Err(e) => {
            let _ = fs::remove_file(&partial);
            if e.is_connection_lost() {
                return Err(e);
            }
            report.problems.push(format!("downloading {}: {e}", file.name));
            return Ok(false);
        }
    };
    if let Some(listed) = file.size
        && n != listed
    {
        // Still being written by the server, or cut short: the next sync tries again.
        let _ = fs::remove_file(&partial);
        report.problems.push(format!("{}: listed as {listed} bytes but {n} arrived; it will be downloaded again next sync", file.name));
        return Ok(false);
    }
    fs::rename(&partial, &done).map_err(local(&done))?;
    let bytes = fs::read(&done).map_err(local(&done))?;
    let ingest = match tracker.ingest(&file.name, &FileOrigin::mailbox(key, &file.name), &bytes) {
        Ok(r) => r,
        Err(e) => {
            // Not remembered: the next sync downloads and ingests it again.
            report.problems.push(format!("{}: downloaded but not stored ({e}); it is kept in {}", file.name, done.display()));
            return Ok(false);
        }
    };
    let file_id = archived_id(&ingest);
    let now = tracker.clock().stamp();
    state::record_remote(tracker.store().conn(), key, &file.name, file.size, file.mtime, file_id, &now).map_err(store_failed)?;
    let _ = fs::remove_file(&done);
    report.new_events += new_events(&ingest);
    report.downloaded.push(DownloadedFile { name: file.name.clone(), size: n, ingest });
    Ok(true)
}

/// Apply the after-download policy to reports that are archived.
fn dispose_all(
    tracker: &Tracker,
    config: &Config,
    key: &str,
    mailbox: &mut dyn Mailbox,
    files: &[RemoteFile],
    report: &mut SyncReport,
) -> Result<(), TransportError> {
    if config.sync.after_download != AfterDownload::Move || files.is_empty() {
        return Ok(());
    }
    // The server's copies go away next: the archive's copies must be on disk first.
    if let Err(e) = tracker.store().sync_to_disk() {
        report.problems.push(format!("no report was moved on the server: {e}"));
        return Ok(());
    }
    for file in files {
        match mailbox.move_outbound(&file.name, &config.sync.move_to) {
            Ok(()) => {
                let now = tracker.clock().stamp();
                state::mark_disposed(tracker.store().conn(), key, &file.name, file.size, file.mtime, &now).map_err(store_failed)?;
            }
            Err(e) if e.is_connection_lost() => return Err(e),
            Err(e) => {
                report.problems.push(format!("{} is archived, but moving it to {} on the server failed: {e}", file.name, config.sync.move_to));
            }
        }
    }
    Ok(())
}

fn archived_id(r: &IngestReport) -> i64 {
    match &r.outcome {
        Outcome::Ingested { file_id, .. } | Outcome::Package { file_id, .. } | Outcome::AlreadyIngested { file_id, .. } | Outcome::NeedsAttention { file_id, .. } => {
            *file_id
        }
    }
}

fn new_events(r: &IngestReport) -> usize {
    match &r.outcome {
        Outcome::Ingested { events, .. } => *events,
        Outcome::Package { members, .. } => members.iter().map(new_events).sum(),
        Outcome::AlreadyIngested { .. } | Outcome::NeedsAttention { .. } => 0,
    }
}

/// Wait before the next `watch` attempt after `failures` failed syncs in a row: the poll
/// interval, shortened while the connection is failing so batches go out soon after it
/// comes back (1, 2, 4, 8 … minutes, never more than the interval).
pub fn next_wait(poll: std::time::Duration, failures: u32) -> std::time::Duration {
    if failures == 0 {
        return poll;
    }
    let backoff = std::time::Duration::from_secs(60u64.saturating_mul(1u64 << (failures - 1).min(10)));
    backoff.min(poll)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn backoff_grows_to_the_poll_interval() {
        let poll = Duration::from_secs(15 * 60);
        let waits: Vec<u64> = (0..7).map(|f| next_wait(poll, f).as_secs()).collect();
        assert_eq!(waits, [900, 60, 120, 240, 480, 900, 900]);
        assert_eq!(next_wait(poll, 1000), poll);
    }
}
