//! `sync` through the local-folder transport, and what happens when a sync is cut short at
//! each point of an upload or between downloads: the next sync finishes the work, nothing
//! is uploaded twice and nothing is lost.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use claimtrack::clock::Clock;
use claimtrack::config::{Config, ConfigPaths, TransportKind};
use claimtrack::paths::DataDir;
use claimtrack::sync::{self, NoProgress, Progress, SyncOptions, SyncReport};
use claimtrack::tracker::Tracker;
use claimtrack::transport::local::LocalMailbox;
use claimtrack::transport::{Folder, Mailbox, RemoteFile, TransportError, TrustNew};

const BATCH: &str = "ct-20260105-0930-837P.txt";
const ACK: &str = "1130000100_ct-20260105-0930-837P_999.999";

fn scenario(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios/five-claims").join(name);
    fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

struct Setup {
    _dir: tempfile::TempDir,
    mailbox: PathBuf,
    config: Config,
    paths: ConfigPaths,
    tracker: Tracker,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let mailbox = dir.path().join("mailbox");
    fs::create_dir_all(mailbox.join("inbound")).unwrap();
    fs::create_dir_all(mailbox.join("outbound")).unwrap();
    let mut config = Config::default();
    config.connection.transport = TransportKind::Local;
    config.connection.local_folder = Some(mailbox.clone());
    let paths = ConfigPaths { config: dir.path().join("config.toml") };
    let clock = Clock::parse_fixed("2026-01-05T09:30:00Z").unwrap();
    let (tracker, _) = Tracker::open(&DataDir::new(dir.path().join("data")), clock).unwrap();
    Setup { _dir: dir, mailbox, config, paths, tracker }
}

impl Setup {
    fn sync(&mut self) -> SyncReport {
        let opts = SyncOptions { retry_auth: false, trust: TrustNew::Refuse, stop: None, progress: &mut NoProgress };
        sync::sync(&mut self.tracker, &self.config, &self.paths, None, opts).unwrap()
    }
    fn sync_through(&mut self, mailbox: &mut dyn Mailbox, stop: Option<&AtomicBool>, progress: &mut dyn Progress) -> SyncReport {
        sync::sync_mailbox(&mut self.tracker, &self.config, mailbox, stop, progress).unwrap()
    }
    fn local(&self) -> LocalMailbox {
        LocalMailbox::open(&self.mailbox, "inbound", "outbound").unwrap()
    }
    fn inbound(&self) -> Vec<String> {
        names(&self.mailbox.join("inbound"))
    }
    fn status(&self, batch: i64) -> String {
        self.tracker.batch(batch).unwrap().unwrap().0.status.to_string()
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// Where a wrapped upload stops, as if the process died there.
#[derive(Clone, Copy, PartialEq)]
enum CrashAt {
    /// Half the bytes are in the temporary file.
    WritingTemp,
    /// `publishing_at` is recorded; the rename did not happen.
    BeforeRename,
    /// The rename happened; recording the upload did not.
    AfterRename,
}

struct Crashing {
    inner: LocalMailbox,
    inbound: PathBuf,
    at: CrashAt,
}

fn lost() -> TransportError {
    TransportError::Network { during: "uploading".into(), message: "connection reset (simulated crash)".into() }
}

impl Mailbox for Crashing {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn list(&mut self, folder: Folder) -> Result<Vec<RemoteFile>, TransportError> {
        self.inner.list(folder)
    }
    fn download(&mut self, file: &RemoteFile, to: &mut dyn Write, progress: &mut dyn FnMut(u64)) -> Result<u64, TransportError> {
        self.inner.download(file, to, progress)
    }
    fn upload(
        &mut self,
        name: &str,
        bytes: &[u8],
        before_publish: &mut dyn FnMut() -> Result<(), TransportError>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), TransportError> {
        match self.at {
            CrashAt::WritingTemp => {
                fs::write(self.inbound.join(self.temp_name(name)), &bytes[..bytes.len() / 2]).unwrap();
                Err(lost())
            }
            CrashAt::BeforeRename => self.inner.upload(
                name,
                bytes,
                &mut || {
                    before_publish()?;
                    Err(lost())
                },
                progress,
            ),
            CrashAt::AfterRename => {
                self.inner.upload(name, bytes, before_publish, progress)?;
                Err(lost())
            }
        }
    }
    fn publish(&mut self, temp: &str, name: &str) -> Result<(), TransportError> {
        self.inner.publish(temp, name)
    }
    fn remove_inbound(&mut self, name: &str) -> Result<(), TransportError> {
        self.inner.remove_inbound(name)
    }
    fn move_outbound(&mut self, name: &str, to: &str) -> Result<(), TransportError> {
        self.inner.move_outbound(name, to)
    }
    fn folder_mode(&mut self, folder: Folder) -> Result<Option<u32>, TransportError> {
        self.inner.folder_mode(folder)
    }
    fn round_trips(&self) -> u64 {
        self.inner.round_trips()
    }
}

#[test]
fn an_upload_cut_short_anywhere_is_finished_once_by_the_next_sync() {
    for at in [CrashAt::WritingTemp, CrashAt::BeforeRename, CrashAt::AfterRename] {
        let mut s = setup();
        let sub = s.tracker.submit(BATCH, &scenario(BATCH), false, true).unwrap();
        let mut crashing = Crashing { inner: s.local(), inbound: s.mailbox.join("inbound"), at };
        let r = s.sync_through(&mut crashing, None, &mut NoProgress);
        assert!(r.ended_early.is_some() && r.uploaded.is_empty(), "{r:#?}");
        assert_eq!(s.status(sub.batch_id), "QUEUED", "not AWAITING before the upload is recorded");

        let r = s.sync();
        assert_eq!(r.uploaded.len(), 1, "{r:#?}");
        assert_eq!(r.uploaded[0].recovered, at != CrashAt::WritingTemp);
        assert_eq!(s.inbound(), vec![sub.staged_name.clone()], "exactly one file, no temporary left");
        assert_eq!(fs::read(s.mailbox.join("inbound").join(&sub.staged_name)).unwrap(), scenario(BATCH), "intact");
        assert_eq!(s.status(sub.batch_id), "AWAITING");
        let r = s.sync();
        assert!(r.uploaded.is_empty(), "never uploaded twice: {r:#?}");
    }
}

#[test]
fn a_published_upload_office_ally_already_took_is_not_sent_again() {
    let mut s = setup();
    let sub = s.tracker.submit(BATCH, &scenario(BATCH), false, true).unwrap();
    let mut crashing = Crashing { inner: s.local(), inbound: s.mailbox.join("inbound"), at: CrashAt::AfterRename };
    s.sync_through(&mut crashing, None, &mut NoProgress);
    // Office Ally picked it up before the next sync.
    fs::remove_file(s.mailbox.join("inbound").join(&sub.staged_name)).unwrap();
    let r = s.sync();
    assert_eq!(r.uploaded.len(), 1);
    assert!(r.uploaded[0].recovered);
    assert!(s.inbound().is_empty(), "not uploaded a second time");
    assert_eq!(s.status(sub.batch_id), "AWAITING");
}

/// Sets the stop flag when the first download begins (as Ctrl-C would).
struct StopOnFirstDownload<'a>(&'a AtomicBool);
impl Progress for StopOnFirstDownload<'_> {
    fn start(&mut self, action: &str, _name: &str, _total: u64) {
        if action == "download" {
            self.0.store(true, Ordering::SeqCst);
        }
    }
}

#[test]
fn a_stop_request_finishes_the_current_file_and_the_next_sync_the_rest() {
    let mut s = setup();
    fs::write(s.mailbox.join("outbound").join(ACK), scenario(ACK)).unwrap();
    fs::write(s.mailbox.join("outbound/1130000250_EDI_STATUS_20260108.txt"), scenario("1130000250_EDI_STATUS_20260108.txt")).unwrap();
    let stop = AtomicBool::new(false);
    let mut mailbox = s.local();
    let r = s.sync_through(&mut mailbox, Some(&stop), &mut StopOnFirstDownload(&stop));
    assert_eq!(r.downloaded.len(), 1, "the file in progress is finished: {r:#?}");
    assert_eq!(r.ended_early.as_deref(), Some("stopped on request"));
    let r = s.sync();
    assert_eq!((r.downloaded.len(), r.already_downloaded), (1, 1), "{r:#?}");
}

#[test]
fn local_folder_sync_uploads_downloads_and_counts_new_alerts() {
    let mut s = setup();
    let sub = s.tracker.submit(BATCH, &scenario(BATCH), false, true).unwrap();
    let r = s.sync();
    assert_eq!(r.uploaded.len(), 1);
    assert_eq!(r.mailbox, format!("local:{}", s.mailbox.display()));
    assert_eq!(r.new_alerts, 0);
    // 25 hours later, no answer: one new notice; the same again is not new.
    s.tracker.set_clock(Clock::parse_fixed("2026-01-06T10:31:00Z").unwrap());
    assert_eq!(s.sync().new_alerts, 1);
    assert_eq!(s.sync().new_alerts, 0);
    // Past 72 hours the notice becomes the alert: new again.
    s.tracker.set_clock(Clock::parse_fixed("2026-01-08T10:31:00Z").unwrap());
    assert_eq!(s.sync().new_alerts, 1);
    // The answer resolves it.
    fs::write(s.mailbox.join("outbound").join(ACK), scenario(ACK)).unwrap();
    let r = s.sync();
    assert_eq!(r.downloaded.len(), 1);
    assert_ne!(s.status(sub.batch_id), "AWAITING");
    assert!(s.tracker.alerts().unwrap().iter().all(|a| a.kind.as_str() != "batch_awaiting_72h"));
    assert!(r.summary().starts_with("uploaded 0 · downloaded 1"), "{}", r.summary());
}

#[test]
fn a_missing_mailbox_folder_is_a_clear_error() {
    let mut s = setup();
    fs::remove_dir(s.mailbox.join("outbound")).unwrap();
    let opts = SyncOptions { retry_auth: false, trust: TrustNew::Refuse, stop: None, progress: &mut NoProgress };
    let e = sync::sync(&mut s.tracker, &s.config, &s.paths, None, opts).unwrap_err().to_string();
    assert!(e.contains("outbound") && e.contains("local_folder"), "{e}");
}

#[test]
fn one_sync_at_a_time_per_data_folder() {
    let mut s = setup();
    let held = fs::OpenOptions::new().create(true).truncate(false).write(true).open(s.tracker.data_dir().root().join("sync.lock")).unwrap();
    held.lock().unwrap();
    let opts = SyncOptions { retry_auth: false, trust: TrustNew::Refuse, stop: None, progress: &mut NoProgress };
    let e = sync::sync(&mut s.tracker, &s.config, &s.paths, None, opts).unwrap_err();
    assert!(matches!(e, sync::SyncError::Busy), "{e}");
    drop(held);
    s.sync();
}

/// A sync that stopped after ingesting a report but before remembering its download: the
/// next one downloads it again, finds it in the archive by content, and adds nothing.
#[test]
fn a_report_archived_but_not_remembered_is_not_stored_twice() {
    let mut s = setup();
    fs::write(s.mailbox.join("outbound").join(ACK), scenario(ACK)).unwrap();
    let first = s.tracker.ingest(ACK, &claimtrack::ingest::FileOrigin::Ingest, &scenario(ACK)).unwrap();
    let events_before = s.tracker.store().archived_files(false).unwrap().iter().map(|f| f.events).sum::<i64>();
    let r = s.sync();
    assert_eq!(r.downloaded.len(), 1);
    assert!(matches!(r.downloaded[0].ingest.outcome, claimtrack::ingest::Outcome::AlreadyIngested { .. }), "{r:#?}");
    assert_eq!(r.new_events, 0);
    let files = s.tracker.store().archived_files(false).unwrap();
    assert_eq!(files.len(), 1, "archived once");
    assert_eq!(files.iter().map(|f| f.events).sum::<i64>(), events_before);
    assert_eq!(first.sha256, files[0].sha256);
    assert_eq!(s.sync().already_downloaded, 1, "remembered now");
}

/// `auto_archive = true`: once a batch's tracking window has closed, a sync archives it.
#[test]
fn auto_archive_archives_batches_whose_window_closed() {
    let mut s = setup();
    s.config.sync.auto_archive = true;
    let sub = s.tracker.submit(BATCH, &scenario(BATCH), false, true).unwrap();
    s.sync();
    let fs_report = String::from_utf8(scenario("FS_HCFA_1130000100_IN_C.txt")).unwrap().replace(BATCH, &sub.staged_name);
    fs::write(s.mailbox.join("outbound/FS_HCFA_1130000100_IN_C.txt"), fs_report).unwrap();
    fs::write(s.mailbox.join("outbound").join(ACK), scenario(ACK)).unwrap();
    s.tracker.set_clock(Clock::parse_fixed("2026-01-05T11:15:00Z").unwrap());
    let r = s.sync();
    assert_eq!((r.downloaded.len(), r.archived), (2, 0), "{r:#?}");
    // Seven days without news: every claim waits for its ERA, the batch is archived.
    s.tracker.set_clock(Clock::parse_fixed("2026-01-12T11:16:00Z").unwrap());
    let r = s.sync();
    assert_eq!(r.archived, 1, "{r:#?}");
    assert!(s.tracker.batch(sub.batch_id).unwrap().unwrap().0.archived.is_some());
    assert_eq!(s.sync().archived, 0);
}

/// A batch that cannot be uploaded for a day raises a notice quoting the connection state;
/// uploading it clears the notice.
#[test]
fn a_batch_queued_for_a_day_raises_a_notice() {
    let mut s = setup();
    let sub = s.tracker.submit(BATCH, &scenario(BATCH), false, true).unwrap();
    fs::remove_dir(s.mailbox.join("inbound")).unwrap();
    let opts = SyncOptions { retry_auth: false, trust: TrustNew::Refuse, stop: None, progress: &mut NoProgress };
    assert!(sync::sync(&mut s.tracker, &s.config, &s.paths, None, opts).is_err());
    s.tracker.set_clock(Clock::parse_fixed("2026-01-06T09:29:00Z").unwrap());
    assert!(s.tracker.alerts().unwrap().is_empty(), "not before 24 hours");
    s.tracker.set_clock(Clock::parse_fixed("2026-01-06T09:31:00Z").unwrap());
    let alerts = s.tracker.alerts().unwrap();
    let a = alerts.iter().find(|a| a.kind.as_str() == "batch_queued_24h").expect("a queued notice");
    assert_eq!(a.batch_id, Some(sub.batch_id));
    assert_eq!(claimtrack::clock::stored(a.created_at), "2026-01-06T09:30:00Z");
    assert_eq!(a.title, format!("Batch {}: submitted 1 day ago and not uploaded yet", sub.batch_id));
    let state = a.connection.as_ref().expect("the notice carries the connection state");
    assert!(state.describe().contains("last error 2026-01-05T09:30:00Z (remote)"), "{}", state.describe());
    fs::create_dir(s.mailbox.join("inbound")).unwrap();
    assert_eq!(s.sync().uploaded.len(), 1);
    assert!(s.tracker.alerts().unwrap().iter().all(|a| a.kind.as_str() != "batch_queued_24h"));
}

/// A QUEUED batch that Office Ally has already answered for (it went through the web
/// portal while the connection was broken) is recorded as uploaded, never sent again.
#[test]
fn a_batch_office_ally_already_answered_is_not_sent_again() {
    let mut s = setup();
    let sub = s.tracker.submit(BATCH, &scenario(BATCH), false, true).unwrap();
    s.tracker.ingest(ACK, &claimtrack::ingest::FileOrigin::Ingest, &scenario(ACK)).unwrap();
    assert_ne!(s.status(sub.batch_id), "QUEUED");
    let r = s.sync();
    assert_eq!(r.uploaded.len(), 1);
    assert!(r.uploaded[0].answered_before && r.uploaded[0].bytes == 0, "{r:#?}");
    assert!(s.inbound().is_empty(), "nothing sent");
    assert!(s.tracker.outbox().unwrap().is_empty());
}
