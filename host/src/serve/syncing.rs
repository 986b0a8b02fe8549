//! Syncing from `serve`: `POST /api/v1/sync` starts one, `GET /api/v1/sync` says how it goes
//! and how the last one ended, and `--sync-every` starts one on a schedule.
//!
//! A sync runs on a thread of its own with its own tracker, exactly as `claimtrack sync`
//! would, except that nobody is there to answer questions: a host key not pinned yet is
//! refused (run `claimtrack sync` once at a terminal), and credentials Office Ally rejected
//! are never tried again by themselves (`claimtrack sync --retry-auth` does that). The
//! data folder's sync lock keeps it from running beside `claimtrack sync` or `watch`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Serialize;

use crate::clock::{pause, Clock};
use crate::config::{self, ConfigPaths};
use crate::paths::DataDir;
use crate::sync::{self, Progress, SyncOptions, SyncReport};
use crate::tracker::Tracker;
use crate::transport::TrustNew;

/// How `serve` syncs.
#[derive(Debug, Clone)]
pub struct SyncSetup {
    /// The configuration (`config.toml`, and the SFTP password file beside it).
    pub paths: ConfigPaths,
    /// Also sync on this schedule (`--sync-every`); `None`: only when asked.
    pub every: Option<Duration>,
}

/// What `GET /api/v1/sync` answers.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct SyncState {
    /// A sync is running.
    pub running: bool,
    /// When the running sync started, RFC 3339.
    pub started_at: Option<String>,
    /// The transfer under way, when there is one.
    pub transfer: Option<Transfer>,
    /// How the last sync started from `serve` ended.
    pub last: Option<LastSync>,
    /// When the next scheduled sync starts (`--sync-every`), RFC 3339.
    pub next_at: Option<String>,
}

/// A file being uploaded or downloaded.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Transfer {
    /// `upload` or `download`.
    pub action: String,
    /// The file's name.
    pub name: String,
    /// Bytes through.
    pub done: u64,
    /// Bytes in all.
    pub total: u64,
}

/// A finished sync.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LastSync {
    /// When it started, RFC 3339.
    pub started_at: String,
    /// When it ended, RFC 3339.
    pub finished_at: String,
    /// `ok`, `problems` (it ran, but some file or step failed: see `report`), or `failed`.
    pub outcome: &'static str,
    /// What it did (as `sync --json`), when it ran.
    pub report: Option<SyncReport>,
    /// Why it failed, when it did not run: `kind` as `sync --json`'s errors, and a message.
    pub error: Option<SyncFailure>,
}

/// Why a sync did not run.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SyncFailure {
    /// A stable identifier (`auth_blocked`, `busy`, `config`, `network`, `host_key`, …).
    pub kind: String,
    /// What went wrong, for a person.
    pub message: String,
}

/// The syncs of one `serve`.
pub(super) struct Syncer {
    setup: SyncSetup,
    data_dir: DataDir,
    clock: Clock,
    state: Arc<Mutex<SyncState>>,
    /// Set when `serve` stops: the running sync finishes its current file, the schedule ends.
    stop: Arc<AtomicBool>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Syncer {
    pub(super) fn new(setup: SyncSetup, data_dir: &DataDir, clock: Clock) -> Arc<Syncer> {
        let s = Arc::new(Syncer {
            setup,
            data_dir: data_dir.clone(),
            clock,
            state: Arc::new(Mutex::new(SyncState::default())),
            stop: Arc::new(AtomicBool::new(false)),
            threads: Mutex::new(Vec::new()),
        });
        if let Some(every) = s.setup.every {
            let me = s.clone();
            let h = std::thread::Builder::new().name("sync-schedule".into()).spawn(move || me.schedule(every));
            if let Ok(h) = h {
                s.threads.lock().unwrap_or_else(|p| p.into_inner()).push(h);
            }
        }
        s
    }

    pub(super) fn state(&self) -> SyncState {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Starts a sync unless one is running; returns the state, and whether it started.
    pub(super) fn start(self: &Arc<Self>) -> (SyncState, bool) {
        {
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if st.running || self.stop.load(Ordering::SeqCst) {
                return (st.clone(), false);
            }
            st.running = true;
            st.started_at = Some(self.clock.stamp());
            st.transfer = None;
        }
        let me = self.clone();
        let spawned = std::thread::Builder::new().name("sync".into()).spawn(move || me.run_one());
        let mut threads = self.threads.lock().unwrap_or_else(|p| p.into_inner());
        threads.retain(|h| !h.is_finished());
        match spawned {
            Ok(h) => threads.push(h),
            Err(e) => self.finish(Err(SyncFailure { kind: "setup".into(), message: format!("no thread to sync with: {e}") })),
        }
        (self.state(), true)
    }

    /// Stops the schedule and waits for a running sync to finish its current file.
    pub(super) fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|p| p.into_inner()));
        for h in threads {
            let _ = h.join();
        }
    }

    fn schedule(self: Arc<Self>, every: Duration) {
        let mut failures = 0;
        loop {
            let wait = sync::next_wait(every, failures);
            self.state.lock().unwrap_or_else(|p| p.into_inner()).next_at =
                Some(crate::clock::stored(self.clock.now() + chrono::Duration::from_std(wait).unwrap_or_default()));
            if !pause(&self.stop, wait) {
                return;
            }
            let (_, started) = self.start();
            // Wait for it to end (or for `serve` to stop) before counting the next wait.
            while started && self.state().running {
                if !pause(&self.stop, Duration::from_millis(200)) {
                    return;
                }
            }
            let failed = self.state().last.is_some_and(|l| l.outcome == "failed");
            failures = if failed { failures + 1 } else { 0 };
        }
    }

    fn run_one(&self) {
        let outcome = self.sync_once();
        self.finish(outcome);
    }

    fn sync_once(&self) -> Result<SyncReport, SyncFailure> {
        let fail = |kind: &str, message: String| SyncFailure { kind: kind.into(), message };
        let (config, password) = config::load_for_sync(&self.setup.paths).map_err(|e| fail("config", e.to_string()))?;
        if config.refuses_clock(&self.clock) {
            return Err(fail("refused", "refusing to sync with Office Ally with a pretended clock (--now or CLAIMTRACK_NOW)".into()));
        }
        let (mut tracker, _) = Tracker::open(&self.data_dir, self.clock).map_err(|e| fail("setup", format!("{e:#}")))?;
        let mut progress = Shown { state: self.state.clone() };
        let opts = SyncOptions { retry_auth: false, trust: TrustNew::Refuse, stop: Some(&self.stop), progress: &mut progress };
        sync::sync(&mut tracker, &config, &self.setup.paths, password.as_ref(), opts).map_err(|e| fail(e.kind(), e.to_string()))
    }

    fn finish(&self, outcome: Result<SyncReport, SyncFailure>) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let started_at = st.started_at.take().unwrap_or_default();
        let finished_at = self.clock.stamp();
        st.last = Some(match outcome {
            Ok(report) => {
                let clean = report.problems.is_empty() && report.ended_early.is_none();
                LastSync { started_at, finished_at, outcome: if clean { "ok" } else { "problems" }, report: Some(report), error: None }
            }
            Err(e) => {
                tracing::warn!(target: "claimtrack::api", kind = e.kind, "a sync failed: {}", e.message);
                LastSync { started_at, finished_at, outcome: "failed", report: None, error: Some(e) }
            }
        });
        st.running = false;
        st.transfer = None;
    }
}

/// The running sync's transfers, in the state `GET /sync` shows.
struct Shown {
    state: Arc<Mutex<SyncState>>,
}

impl Progress for Shown {
    fn start(&mut self, action: &str, name: &str, total: u64) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).transfer =
            Some(Transfer { action: action.into(), name: name.into(), done: 0, total });
    }
    fn advance(&mut self, done: u64) {
        if let Some(t) = &mut self.state.lock().unwrap_or_else(|p| p.into_inner()).transfer {
            t.done = done;
        }
    }
    fn finish(&mut self) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).transfer = None;
    }
}
