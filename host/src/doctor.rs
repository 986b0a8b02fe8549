//! `claimtrack doctor`: check the connection to Office Ally step by step and say, in plain
//! words, what to do about the first thing that fails.
//!
//! The checks run in the order a connection goes, and stop at the first one that makes the
//! rest impossible: config, password, DNS, TCP, SSH handshake, host key, login, the inbound
//! and outbound folders, our uploads still sitting in inbound (Office Ally did not pick them
//! up), and the age of the newest report. The verdict maps what failed onto the two
//! situations of office-ally.md §5.1: the SFTP credentials changed, or Office Ally paused
//! the account.
//!
//! The login is attempted at most once, and not at all while the same credentials stand
//! rejected (the account could be paused for repeated failures).

use chrono::{DateTime, Duration, Utc};
use rusqlite::params;
use serde::Serialize;

use crate::config::{Config, ConfigError, ConfigPaths, Secret, TransportKind};
use crate::sync::{mailbox_label, state};
use crate::tracker::Tracker;
use crate::transport::hostkey::Pins;
use crate::transport::local::LocalMailbox;
use crate::transport::sftp::{self, SftpMailbox};
use crate::transport::{Folder, LoginLog, Mailbox, RemoteFile, TransportError, TrustNew};

/// Uploads still in inbound this long after upload were not picked up by Office Ally.
pub const STUCK_HOURS: i64 = 6;
/// The newest report older than this, while batches are AWAITING, is suspicious.
pub const QUIET_HOURS: i64 = 72;

/// How one check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "CheckOutcome")]
pub enum Outcome {
    /// Fine.
    Pass,
    /// Worth a look, but not broken.
    Warn,
    /// Broken: the next step says what to do.
    Fail,
    /// Not run, because an earlier check failed (or it would risk the account).
    Skip,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Check {
    /// What was checked, e.g. "host key".
    pub name: &'static str,
    /// How it went.
    pub outcome: Outcome,
    /// What was found.
    pub detail: String,
    /// What to do about it, for a failure or warning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_step: Option<String>,
}

/// Which of the two situations of office-ally.md §5.1 the checks point to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Everything works.
    Healthy,
    /// The login is rejected: the SFTP credentials changed (or a paused account rejects
    /// them; both are named).
    CredentialsChanged,
    /// Logging in works but Office Ally does not pick up uploads or answer: the account is
    /// likely paused (unpaid invoice, too many failed access attempts).
    AccountPaused,
    /// The server cannot be reached, or something else is wrong on this side.
    Other,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Diagnosis {
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// The situation the checks point to.
    pub scenario: Scenario,
    /// One paragraph: what it means and what to do.
    pub verdict: String,
}

struct Report {
    checks: Vec<Check>,
}

impl Report {
    fn pass(&mut self, name: &'static str, detail: impl Into<String>) {
        self.checks.push(Check { name, outcome: Outcome::Pass, detail: detail.into(), next_step: None });
    }
    fn warn(&mut self, name: &'static str, detail: impl Into<String>, next: impl Into<String>) {
        self.checks.push(Check { name, outcome: Outcome::Warn, detail: detail.into(), next_step: Some(next.into()) });
    }
    fn fail(&mut self, name: &'static str, detail: impl Into<String>, next: impl Into<String>) {
        self.checks.push(Check { name, outcome: Outcome::Fail, detail: detail.into(), next_step: Some(next.into()) });
    }
    fn skip_rest(&mut self, names: &[&'static str]) {
        for &name in names {
            if !self.checks.iter().any(|c| c.name == name) {
                self.checks.push(Check { name, outcome: Outcome::Skip, detail: "not checked: an earlier check failed".into(), next_step: None });
            }
        }
    }
    fn done(mut self, scenario: Scenario, verdict: impl Into<String>) -> Diagnosis {
        self.skip_rest(&ALL);
        Diagnosis { checks: self.checks, scenario, verdict: verdict.into() }
    }
}

const ALL: [&str; 13] = [
    "config",
    "no sync running",
    "password",
    "DNS",
    "TCP",
    "SSH handshake",
    "host key",
    "login",
    "inbound folder",
    "outbound folder",
    "inbound writable",
    "uploads picked up",
    "newest report",
];

const PAUSED: &str = "If the SFTP credentials did not change, Office Ally may have paused the account (an unpaid invoice, too many \
                      failed access attempts): call Office Ally at (360) 975-7000, option 1.";

/// Run the checks. `tracker` gives the uploads and batches to compare with the mailbox; the
/// connection attempt and its outcome are recorded in its store like a sync's.
///
/// The report is kept in the database ([`last_report`]): the dashboard's Connection page
/// shows the last one, from the terminal or from the page.
pub fn diagnose(
    config: Result<Config, ConfigError>,
    paths: &ConfigPaths,
    password: Result<Secret, ConfigError>,
    tracker: &Tracker,
    trust: TrustNew<'_>,
) -> Diagnosis {
    let d = run_checks(config, paths, password, tracker, trust);
    if let Err(e) = keep_report(tracker.store().conn(), &tracker.clock().stamp(), &d) {
        tracing::warn!("the doctor's report could not be kept: {e}");
    }
    d
}

/// Reports kept: the last few, for the dashboard.
const KEPT_REPORTS: i64 = 10;

fn keep_report(conn: &rusqlite::Connection, at: &str, d: &Diagnosis) -> rusqlite::Result<()> {
    let json = serde_json::to_string(d).expect("a report serializes");
    conn.execute("INSERT INTO doctor_reports (at, report) VALUES (?1, ?2)", params![at, json])?;
    conn.execute("DELETE FROM doctor_reports WHERE id <= (SELECT MAX(id) FROM doctor_reports) - ?1", params![KEPT_REPORTS])?;
    Ok(())
}

/// The last report [`diagnose`] kept: when it ran, and the report as JSON (its shape is
/// [`Diagnosis`]'s).
pub fn last_report(conn: &rusqlite::Connection) -> rusqlite::Result<Option<(DateTime<Utc>, serde_json::Value)>> {
    use rusqlite::OptionalExtension;
    let row: Option<(String, String)> =
        conn.query_row("SELECT at, report FROM doctor_reports ORDER BY id DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    Ok(row.and_then(|(at, json)| Some((crate::clock::parse_stored(&at)?, serde_json::from_str(&json).ok()?))))
}

fn run_checks(
    config: Result<Config, ConfigError>,
    paths: &ConfigPaths,
    password: Result<Secret, ConfigError>,
    tracker: &Tracker,
    trust: TrustNew<'_>,
) -> Diagnosis {
    let mut r = Report { checks: Vec::new() };
    let config = match config {
        Ok(c) => {
            r.pass("config", format!("{} ({})", paths.config.display(), mailbox_label(&c)));
            c
        }
        Err(e) => {
            r.fail("config", e.to_string(), "run `claimtrack init` to write the configuration");
            return r.done(Scenario::Other, "claimtrack is not configured yet: run `claimtrack init`.");
        }
    };
    // Not while a sync runs: both could send a wrong password before either records it.
    let _lock = match crate::sync::lock(tracker) {
        Ok(l) => {
            r.pass("no sync running", "nothing else is connecting from this data folder");
            l
        }
        Err(e) => {
            r.fail("no sync running", e.to_string(), "wait for it to finish (or stop `claimtrack watch`), then run `claimtrack doctor` again");
            return r.done(Scenario::Other, "Another sync is running on this data folder; nothing was checked.");
        }
    };
    let now = tracker.clock().now();
    let conn = tracker.store().conn();
    let label = mailbox_label(&config);
    let record = |outcome: &str, message: &str| {
        let _ = state::record_connection(conn, &tracker.clock().stamp(), &label, outcome, message);
    };
    let mut mailbox: Box<dyn Mailbox> = match config.connection.transport {
        TransportKind::Local => {
            let root = config.connection.local_folder.clone().unwrap_or_default();
            match LocalMailbox::open(&root, &config.connection.inbound, &config.connection.outbound) {
                Ok(m) => {
                    r.pass("inbound folder", "present");
                    Box::new(m)
                }
                Err(e) => {
                    r.fail("inbound folder", e.to_string(), "create the folder or fix connection.local_folder in the config");
                    return r.done(Scenario::Other, "The local mailbox folder is not usable; fix it and run `claimtrack doctor` again.");
                }
            }
        }
        TransportKind::Sftp => {
            let c = &config.connection;
            let password = match password {
                Ok(p) => {
                    r.pass("password", "found (not shown)");
                    p
                }
                Err(e) => {
                    r.fail("password", e.to_string(), "set CLAIMTRACK_SFTP_PASSWORD or run `claimtrack init`");
                    return r.done(Scenario::Other, "No SFTP password is configured; nothing was sent to Office Ally.");
                }
            };
            let addrs = match sftp::resolve(c) {
                Ok(a) => {
                    r.pass("DNS", format!("{} → {}", c.host, a.iter().map(|a| a.ip().to_string()).collect::<Vec<_>>().join(", ")));
                    a
                }
                Err(e) => {
                    r.fail("DNS", e.to_string(), "check the host name against Office Ally's setup email, and this computer's internet connection");
                    record(e.kind(), &e.to_string());
                    return r.done(Scenario::Other, "The Office Ally server's name does not resolve: check the host in the config and the internet connection.");
                }
            };
            let tcp = match sftp::open_tcp(c, &addrs) {
                Ok(t) => {
                    r.pass("TCP", format!("connected to {}", sftp::server_name(c)));
                    t
                }
                Err(e) => {
                    r.fail("TCP", e.to_string(), "check the port (Office Ally uses 22), the internet connection and any firewall blocking outgoing port 22");
                    record(e.kind(), &e.to_string());
                    return r.done(Scenario::Other, "The Office Ally server cannot be reached. This is a network problem on this side, not the account.");
                }
            };
            let session = match sftp::handshake(c, tcp) {
                Ok(s) => {
                    r.pass("SSH handshake", "the server speaks SSH");
                    s
                }
                Err(e) => {
                    r.fail("SSH handshake", e.to_string(), "check that the host and port are Office Ally's SFTP server");
                    record(e.kind(), &e.to_string());
                    return r.done(Scenario::Other, "The server answered but the SSH handshake failed; check host and port.");
                }
            };
            let pins = Pins::new(c.host_key.as_deref(), paths.known_hosts());
            match sftp::verify_host_key(c, &session, &pins, trust) {
                Ok(f) => r.pass("host key", format!("{f} matches the pinned key")),
                Err(e) => {
                    r.fail("host key", e.to_string(), "compare the fingerprint with the one Office Ally gives before trusting it");
                    record(e.kind(), &e.to_string());
                    return r.done(Scenario::Other, "The server's host key is not the trusted one, so the password was not sent.");
                }
            }
            match state::auth_blocked(conn, &c.host, &c.username, password.expose()) {
                Ok(Some((since, message))) if message == state::ATTEMPT_UNANSWERED => {
                    r.fail(
                        "login",
                        format!("not attempted: a login at {since} was interrupted before Office Ally's answer was recorded, so it may have failed"),
                        "if the SFTP credentials are right, run `claimtrack sync --retry-auth` (one attempt)",
                    );
                    return r.done(
                        Scenario::Other,
                        "An earlier login was interrupted; claimtrack holds back further logins until you retry on purpose, \
                         because failed attempts count toward Office Ally pausing the account.",
                    );
                }
                Ok(Some((since, message))) => {
                    r.fail(
                        "login",
                        format!("not attempted: these credentials were rejected at {since} ({message})"),
                        "update the credentials (`claimtrack init`), or once Office Ally has unpaused the account run `claimtrack sync --retry-auth`",
                    );
                    return r.done(Scenario::CredentialsChanged, credentials_verdict());
                }
                Ok(None) => {}
                Err(e) => {
                    r.fail("login", format!("the database could not be read: {e}"), "run `claimtrack doctor` again");
                    return r.done(Scenario::Other, "The database failed; nothing was sent.");
                }
            }
            // The attempt first, durably: a doctor killed while the server answers must not
            // leave the way open for another try; a failure to record it stops the login.
            let now = tracker.clock().stamp();
            let mut login = state::LoginRecord { store: tracker.store(), at: &now, host: &c.host, user: &c.username, password: password.expose() };
            if let Err(e) = login.attempting() {
                r.fail("login", format!("not attempted: the attempt could not be recorded first ({e})"), "check the data folder (disk space, permissions), then run `claimtrack doctor` again");
                return r.done(Scenario::Other, "The database failed; the password was not sent.");
            }
            if let Err(e) = sftp::authenticate(c, &session, &password) {
                record(e.kind(), &e.to_string());
                if let TransportError::AuthRejected { message, .. } = &e {
                    // The server's answer replaces the recorded attempt; if writing it fails
                    // the attempt's block still stands, so the next login is held back anyway.
                    let kept = match state::block_auth(conn, &now, &c.host, &c.username, password.expose(), message) {
                        Ok(()) => String::new(),
                        Err(db) => format!(" (the rejection could not be recorded: {db}; the record of the attempt still holds further logins back)"),
                    };
                    r.fail("login", format!("{e}{kept}"), "check the SFTP username and password from Office Ally's two setup emails (not the web-portal login)");
                    return r.done(Scenario::CredentialsChanged, credentials_verdict());
                }
                r.fail("login", e.to_string(), "the answer to the login was lost, so claimtrack will not try again by itself; check the connection, then run `claimtrack sync --retry-auth`");
                return r.done(Scenario::Other, "The connection broke while logging in.");
            }
            match login.accepted() {
                Ok(()) => r.pass("login", format!("logged in as {}", c.username)),
                Err(e) => r.warn(
                    "login",
                    format!("logged in as {}, but the record of the attempt could not be lifted ({e})", c.username),
                    "once the data folder is writable run `claimtrack sync --retry-auth`",
                ),
            }
            match SftpMailbox::open(c, session) {
                Ok(m) => Box::new(m),
                Err(e) => {
                    r.fail("inbound folder", e.to_string(), "the server accepted the login but refused SFTP; call Office Ally");
                    record(e.kind(), &e.to_string());
                    return r.done(Scenario::AccountPaused, PAUSED);
                }
            }
        }
    };
    let inbound = match mailbox.list(Folder::Inbound) {
        Ok(files) => {
            if !r.checks.iter().any(|c| c.name == "inbound folder") {
                r.pass("inbound folder", format!("{} listable, {} file(s)", config.connection.inbound, files.len()));
            }
            Some(files)
        }
        Err(e) => {
            r.fail("inbound folder", e.to_string(), "check connection.inbound in the config (Office Ally's is inbound)");
            None
        }
    };
    let outbound = match mailbox.list(Folder::Outbound) {
        Ok(files) => {
            r.pass("outbound folder", format!("{} listable, {} file(s)", config.connection.outbound, files.len()));
            Some(files)
        }
        Err(e) => {
            r.fail("outbound folder", e.to_string(), "check connection.outbound in the config (Office Ally's is outbound)");
            None
        }
    };
    record(if inbound.is_some() && outbound.is_some() { "ok" } else { "remote" }, "doctor");
    if let Some(files) = &inbound {
        writable_check(&mut r, mailbox.as_mut());
        stuck_check(&mut r, files, tracker, now);
    }
    if let Some(files) = &outbound {
        newest_check(&mut r, files, tracker, now);
    }
    let failed = |name: &str| r.checks.iter().any(|c| c.name == name && c.outcome == Outcome::Fail);
    if failed("uploads picked up") || failed("newest report") {
        return r.done(
            Scenario::AccountPaused,
            format!("Logging in works, but Office Ally is not picking up uploads or not answering. {PAUSED}"),
        );
    }
    if r.checks.iter().any(|c| c.outcome == Outcome::Fail) {
        return r.done(Scenario::Other, "The connection works, but a folder is not usable; see the failed check.");
    }
    if r.checks.iter().any(|c| c.outcome == Outcome::Warn) {
        return r.done(Scenario::Healthy, "The connection to Office Ally works; see the warning above.");
    }
    r.done(Scenario::Healthy, "The connection to Office Ally works: uploads are picked up and reports arrive.")
}

fn credentials_verdict() -> String {
    format!(
        "Office Ally rejects the SFTP login. If the SFTP credentials changed, update them with `claimtrack init` (Office Ally \
         sends the username and password in two separate emails; they are not the web-portal login). {PAUSED} claimtrack \
         does not retry a rejected login on its own."
    )
}

/// Whether the inbound folder allows writing, from its permission bits: claimtrack never
/// writes a probe file there, because Office Ally would try to process it as a claim file.
fn writable_check(r: &mut Report, mailbox: &mut dyn Mailbox) {
    match mailbox.folder_mode(Folder::Inbound) {
        Ok(Some(mode)) if mode & 0o222 == 0 => r.fail(
            "inbound writable",
            format!("inbound is read-only (mode {:o})", mode & 0o7777),
            "uploads will be refused: ask Office Ally to enable uploads for this SFTP account",
        ),
        Ok(Some(mode)) => r.pass("inbound writable", format!("mode {:o} (judged from its permissions: no test file is written, Office Ally would process it)", mode & 0o7777)),
        Ok(None) => r.warn("inbound writable", "the server does not report permissions", "the next `claimtrack sync` with a queued batch shows whether uploads work"),
        Err(e) => r.fail("inbound writable", e.to_string(), "check connection.inbound in the config"),
    }
}

fn stuck_check(r: &mut Report, files: &[RemoteFile], tracker: &Tracker, now: DateTime<Utc>) {
    let conn = tracker.store().conn();
    let mut stuck = Vec::new();
    for f in files {
        let uploaded: Option<String> = conn
            .query_row("SELECT uploaded_at FROM submissions WHERE staged_name = ?1", params![f.name], |row| row.get(0))
            .ok()
            .flatten();
        let since = uploaded
            .and_then(|u| DateTime::parse_from_rfc3339(&u).ok().map(|t| t.with_timezone(&Utc)))
            .or_else(|| f.mtime.and_then(|m| DateTime::from_timestamp(m, 0)));
        if let Some(t) = since
            && now - t > Duration::hours(STUCK_HOURS)
            && !f.name.starts_with('.')
        {
            stuck.push(format!("{} ({} h)", f.name, (now - t).num_hours()));
        }
    }
    if stuck.is_empty() {
        r.pass("uploads picked up", format!("no file has waited in inbound more than {STUCK_HOURS} hours"));
    } else {
        r.fail(
            "uploads picked up",
            format!("still in inbound after more than {STUCK_HOURS} hours: {}", stuck.join(", ")),
            "Office Ally is not picking files up: check the account is active (call (360) 975-7000, option 1)",
        );
    }
}

fn newest_check(r: &mut Report, files: &[RemoteFile], tracker: &Tracker, now: DateTime<Utc>) {
    let newest = files.iter().filter_map(|f| f.mtime).max().and_then(|m| DateTime::from_timestamp(m, 0));
    let awaiting: i64 = tracker
        .store()
        .conn()
        .query_row("SELECT COUNT(*) FROM batches WHERE status = 'AWAITING'", [], |row| row.get(0))
        .unwrap_or(0);
    match newest {
        None if awaiting > 0 => r.warn(
            "newest report",
            format!("outbound is empty while {awaiting} batch(es) are AWAITING"),
            "reports may still be on their way (Office Ally answers within 24 hours); see `claimtrack alerts`",
        ),
        None => r.pass("newest report", "outbound is empty"),
        Some(t) => {
            let hours = (now - t).num_hours();
            if hours > QUIET_HOURS && awaiting > 0 {
                r.fail(
                    "newest report",
                    format!("the newest report is {hours} hours old while {awaiting} batch(es) are AWAITING"),
                    "Office Ally has not answered for days: check the account (call (360) 975-7000, option 1)",
                );
            } else {
                r.pass("newest report", format!("{hours} hours old"));
            }
        }
    }
}
