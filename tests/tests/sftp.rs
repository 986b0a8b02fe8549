//! `sync` against a real OpenSSH sshd on 127.0.0.1 (see `claimtrack_tests::sshd`): uploads,
//! downloads, statuses, the one-attempt login policy, host key pinning, a server crash in
//! the middle of a 50 MB download, and a server that is away for a while.
//!
//! Needs root and sshd (`.ci/run` installs openssh-server); fails with a message saying so
//! otherwise.

use std::path::Path;

use claimtrack::clock::Clock;
use claimtrack::config::{AfterDownload, Config, ConfigPaths, Secret};
use claimtrack::doctor::{self, Outcome, Scenario};
use claimtrack::ingest::sha256_hex;
use claimtrack::paths::DataDir;
use claimtrack::sync::{self, state, NoProgress, Progress, SyncError, SyncOptions, SyncReport};
use claimtrack::tracker::Tracker;
use claimtrack::transport::{self, LoginLog, TransportError, TrustNew};
use claimtrack_tests::sshd::Sshd;
use claimtrack_tests::five_claims::{era_zip, file as scenario};

const SCENARIO_837: &str = "ct-20260105-0930-837P.txt";

fn start_sshd() -> Sshd {
    Sshd::start().unwrap_or_else(|e| panic!("cannot run the SFTP tests: {e:#}"))
}

fn at(t: &str) -> Clock {
    Clock::parse_fixed(t).unwrap()
}

/// A data folder and a config pointing at `sshd`, with its key pinned in the config.
struct Client {
    _dir: tempfile::TempDir,
    data: DataDir,
    config: Config,
    paths: ConfigPaths,
    password: Secret,
}

impl Client {
    fn new(sshd: &Sshd) -> Client {
        let dir = tempfile::tempdir().unwrap();
        let mut config = sshd.config();
        config.connection.timeout_seconds = 10;
        let paths = ConfigPaths { config: dir.path().join("config/config.toml") };
        Client { data: DataDir::new(dir.path().join("data")), _dir: dir, config, paths, password: Secret::new(sshd.password.clone()) }
    }

    fn tracker(&self, now: &str) -> Tracker {
        Tracker::open(&self.data, at(now)).unwrap().0
    }

    fn sync_with<'a>(&self, t: &mut Tracker, retry_auth: bool, trust: TrustNew<'a>, progress: &'a mut dyn Progress) -> Result<SyncReport, SyncError> {
        let opts = SyncOptions { retry_auth, trust, stop: None, progress };
        sync::sync(t, &self.config, &self.paths, Some(&self.password), opts)
    }

    fn sync(&self, t: &mut Tracker) -> Result<SyncReport, SyncError> {
        self.sync_with(t, false, TrustNew::Refuse, &mut NoProgress)
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

fn claim_statuses(t: &Tracker, batch: i64) -> Vec<(String, String, Option<i64>)> {
    let (_, claims) = t.batch(batch).unwrap().unwrap();
    claims.into_iter().map(|c| (c.patient_control_number, c.status.to_string(), c.paid_cents)).collect()
}

#[test]
fn submit_upload_responses_download_and_statuses() {
    let sshd = start_sshd();
    let client = Client::new(&sshd);
    let mut t = client.tracker("2026-01-05T09:30:00Z");
    let sub = t.submit(SCENARIO_837, &scenario(SCENARIO_837), false, true).unwrap();
    assert_eq!(t.batch(sub.batch_id).unwrap().unwrap().0.status, "QUEUED");

    // Upload: the batch leaves the outbox, lands in inbound under its staged name, AWAITING.
    let r = client.sync(&mut t).unwrap();
    assert_eq!(r.uploaded.len(), 1, "{r:#?}");
    assert_eq!(r.uploaded[0].staged_name, sub.staged_name);
    assert!(r.downloaded.is_empty() && r.problems.is_empty() && r.ended_early.is_none(), "{r:#?}");
    let inbound = sshd.mailbox.join("inbound");
    assert_eq!(files_in(&inbound), vec![sub.staged_name.clone()], "no temporary upload left behind");
    assert_eq!(std::fs::read(inbound.join(&sub.staged_name)).unwrap(), scenario(SCENARIO_837));
    assert!(t.outbox().unwrap().is_empty());
    let batch = t.batch(sub.batch_id).unwrap().unwrap().0;
    assert_eq!(batch.status, "AWAITING");

    // Office Ally picks the file up and answers: the File Summary echoes the uploaded name.
    std::fs::remove_file(inbound.join(&sub.staged_name)).unwrap();
    let fs = String::from_utf8(scenario("FS_HCFA_1130000100_IN_C.txt")).unwrap().replace(SCENARIO_837, &sub.staged_name);
    sshd.put_outbound("FS_HCFA_1130000100_IN_C.txt", fs.as_bytes()).unwrap();
    sshd.put_outbound("1130000100_ct-20260105-0930-837P_999.999", &scenario("1130000100_ct-20260105-0930-837P_999.999")).unwrap();
    t.set_clock(at("2026-01-05T11:15:00Z"));
    let r = client.sync(&mut t).unwrap();
    assert_eq!(r.downloaded.len(), 2, "{r:#?}");
    assert!(r.new_events > 0);
    assert_eq!(t.batch(sub.batch_id).unwrap().unwrap().0.status, "OA ACCEPTED with rejections");

    for (name, when) in [
        ("bwfc0001_1130000100_HCFA_277ca_20260107.txt", "2026-01-07T08:00:00Z"),
        ("1130000250_EDI_STATUS_20260108.txt", "2026-01-08T08:00:00Z"),
    ] {
        sshd.put_outbound(name, &scenario(name)).unwrap();
        t.set_clock(at(when));
        let r = client.sync(&mut t).unwrap();
        assert_eq!(r.downloaded.len(), 1, "{name}: {r:#?}");
    }
    sshd.put_outbound("1130000400_ERA_STATUS_5010_20260128.zip", &era_zip()).unwrap();
    t.set_clock(at("2026-01-28T08:00:00Z"));
    let r = client.sync(&mut t).unwrap();
    assert_eq!(r.downloaded.len(), 1);
    assert_eq!(r.already_downloaded, 4);

    assert_eq!(t.batch(sub.batch_id).unwrap().unwrap().0.status, "PAYER ACCEPTED with rejections");
    assert_eq!(
        claim_statuses(&t, sub.batch_id),
        vec![
            ("PCN5001".into(), "PAID".into(), Some(7800)),
            ("PCN5002".into(), "DENIED".into(), Some(0)),
            ("PCN5003".into(), "PAID".into(), Some(11600)),
            ("PCN5004".into(), "PAYER REJECTED".into(), None),
            ("PCN5005".into(), "OA REJECTED".into(), None),
        ]
    );

    // Nothing new: nothing downloaded, nothing changes, the reports stay on the server.
    let before = claim_statuses(&t, sub.batch_id);
    let r = client.sync(&mut t).unwrap();
    assert_eq!((r.uploaded.len(), r.downloaded.len(), r.already_downloaded, r.new_events), (0, 0, 5, 0), "{r:#?}");
    assert_eq!(claim_statuses(&t, sub.batch_id), before);
    assert_eq!(files_in(&sshd.mailbox.join("outbound")).len(), 5);
    assert_eq!(sshd.failed_passwords(), 0);
}

#[test]
fn a_wrong_password_is_tried_exactly_once() {
    let sshd = start_sshd();
    let mut client = Client::new(&sshd);
    client.password = Secret::new("the web-portal password");
    let mut t = client.tracker("2026-01-05T09:30:00Z");
    let sub = t.submit(SCENARIO_837, &scenario(SCENARIO_837), false, true).unwrap();

    let e = client.sync(&mut t).unwrap_err();
    assert!(matches!(e, SyncError::Connect(TransportError::AuthRejected { .. })), "{e}");
    assert_eq!(sshd.failed_passwords(), 1, "exactly one attempt:\n{}", sshd.log());
    let connections = sshd.connections();

    // Later syncs make no attempt at all, and say what to do.
    for _ in 0..3 {
        let e = client.sync(&mut t).unwrap_err();
        let SyncError::AuthBlocked { .. } = e else { panic!("{e}") };
        let text = e.to_string();
        assert!(text.contains("--retry-auth") && text.contains("(360) 975-7000"), "{text}");
    }
    assert_eq!(sshd.failed_passwords(), 1);
    assert_eq!(sshd.connections(), connections, "no new connection to the server");
    assert_eq!(t.batch(sub.batch_id).unwrap().unwrap().0.status, "QUEUED");
    assert!(!client.password.expose().is_empty());
    assert!(db_contains(&t, &sub.staged_name), "the search finds what is stored");
    assert!(!db_contains(&t, client.password.expose()), "the rejected password is not stored");

    // The alert explains both situations.
    let alerts = t.alerts().unwrap();
    let a = alerts.iter().find(|a| a.kind.as_str() == "credentials_rejected").expect("a credentials alert");
    let steps = a.steps.join("\n");
    assert!(steps.contains("SFTP credentials changed") && steps.contains("paused"), "{steps}");

    // doctor respects the block too.
    let d = doctor::diagnose(Ok(client.config.clone()), &client.paths, Ok(client.password.clone()), &t, TrustNew::Refuse);
    assert_eq!(d.scenario, Scenario::CredentialsChanged, "{d:#?}");
    assert_eq!(sshd.failed_passwords(), 1);

    // New credentials lift the block by themselves: the batch goes out.
    client.password = Secret::new(sshd.password.clone());
    let r = client.sync(&mut t).unwrap();
    assert_eq!(r.uploaded.len(), 1);
    assert_eq!(sshd.failed_passwords(), 1);
    assert_eq!(sshd.accepted_passwords(), 1);
    assert!(t.alerts().unwrap().iter().all(|a| a.kind.as_str() != "credentials_rejected"));
}

/// Whether `needle` is anywhere in the database files (the main file and the WAL, where an
/// open database's newest rows are).
fn db_contains(t: &Tracker, needle: &str) -> bool {
    let root = t.data_dir().root();
    ["claimtrack.db", "claimtrack.db-wal"].iter().any(|f| {
        let bytes = std::fs::read(root.join(f)).unwrap_or_default();
        bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
    })
}

#[test]
fn retry_auth_makes_one_more_attempt() {
    let sshd = start_sshd();
    let mut client = Client::new(&sshd);
    client.password = Secret::new("wrong");
    let mut t = client.tracker("2026-01-05T09:30:00Z");
    assert!(client.sync(&mut t).is_err());
    assert!(matches!(client.sync(&mut t), Err(SyncError::AuthBlocked { .. })));
    let e = client.sync_with(&mut t, true, TrustNew::Refuse, &mut NoProgress).unwrap_err();
    assert!(matches!(e, SyncError::Connect(TransportError::AuthRejected { .. })), "{e}");
    assert_eq!(sshd.failed_passwords(), 2, "one attempt per explicit --retry-auth");
}

/// Stands for a process killed while the server answers: the attempt is recorded, the
/// answer never is.
struct KilledAfterSending<'a>(claimtrack::sync::state::LoginRecord<'a>);

impl LoginLog for KilledAfterSending<'_> {
    fn attempting(&mut self) -> Result<(), TransportError> {
        self.0.attempting()
    }
    fn accepted(&mut self) -> Result<(), TransportError> {
        Err(TransportError::Interrupted)
    }
}

/// Refuses to record the attempt, as a full disk would.
struct CannotRecord;

impl LoginLog for CannotRecord {
    fn attempting(&mut self) -> Result<(), TransportError> {
        Err(TransportError::Local { path: "claimtrack.db".into(), source: std::io::Error::other("disk full") })
    }
    fn accepted(&mut self) -> Result<(), TransportError> {
        unreachable!("the password must not be sent")
    }
}

#[test]
fn the_attempt_is_on_disk_before_the_password_is_sent() {
    let sshd = start_sshd();
    let client = Client::new(&sshd);
    let t = client.tracker("2026-01-05T09:30:00Z");
    let c = &client.config.connection;

    // Nothing recorded, nothing sent.
    let e = transport::connect(&client.config, &client.paths, Some(&client.password), TrustNew::Refuse, &mut CannotRecord).err().unwrap();
    assert!(e.to_string().contains("disk full"), "{e}");
    assert_eq!((sshd.accepted_passwords(), sshd.failed_passwords()), (0, 0), "{}", sshd.log());

    // Killed between sending the password and recording the answer: the next sync (from a
    // fresh process: the store is opened again) makes no attempt.
    let now = t.clock().stamp();
    let record = state::LoginRecord { store: t.store(), at: &now, host: &c.host, user: &c.username, password: client.password.expose() };
    assert!(transport::connect(&client.config, &client.paths, Some(&client.password), TrustNew::Refuse, &mut KilledAfterSending(record)).is_err());
    assert_eq!(sshd.accepted_passwords(), 1);
    drop(t);
    let mut t = client.tracker("2026-01-05T09:35:00Z");
    let connections = sshd.connections();
    let e = client.sync(&mut t).unwrap_err();
    let SyncError::AuthBlocked { message, .. } = &e else { panic!("{e}") };
    assert_eq!(message, state::ATTEMPT_UNANSWERED);
    assert!(e.to_string().contains("was interrupted") && e.to_string().contains("--retry-auth"), "{e}");
    assert_eq!(sshd.connections(), connections, "no new connection to the server");
    let alerts = t.alerts().unwrap();
    let a = alerts.iter().find(|a| a.kind.as_str() == "credentials_rejected").expect("an alert");
    assert_eq!(a.title, "A login to Office Ally was interrupted");
    assert!(a.steps[0].contains("--retry-auth"), "{a:?}");
    // doctor looks at the server but does not log in either.
    let d = doctor::diagnose(Ok(client.config.clone()), &client.paths, Ok(client.password.clone()), &t, TrustNew::Refuse);
    assert_eq!(d.scenario, Scenario::Other, "{d:#?}");
    let login = d.checks.iter().find(|c| c.name == "login").unwrap();
    assert!(login.outcome == Outcome::Fail && login.detail.contains("interrupted"), "{login:?}");
    assert_eq!((sshd.accepted_passwords(), sshd.failed_passwords()), (1, 0));

    // Retried on purpose, the login succeeds and lifts the block for good.
    client.sync_with(&mut t, true, TrustNew::Refuse, &mut NoProgress).unwrap();
    assert_eq!(sshd.accepted_passwords(), 2);
    client.sync(&mut t).expect("no block after a successful login");
    let d = doctor::diagnose(Ok(client.config.clone()), &client.paths, Ok(client.password.clone()), &t, TrustNew::Refuse);
    assert_eq!(d.scenario, Scenario::Healthy, "{d:#?}");
    client.sync(&mut t).expect("doctor lifts its own record of the attempt");
    assert_eq!((sshd.accepted_passwords(), sshd.failed_passwords()), (5, 0));
}

/// Servers that offer only outdated algorithms (one kind at a time, the rest modern): each
/// is refused in the handshake, with a message that says so, before the password is sent.
#[test]
fn a_server_offering_only_legacy_algorithms_is_refused() {
    let cases = [
        ("SHA-1 ssh-rsa host key", "rsa", "HostKeyAlgorithms ssh-rsa"),
        ("CBC ciphers", "ed25519", "Ciphers aes128-cbc,aes256-cbc,3des-cbc"),
        ("SHA-1 MACs", "ed25519", "Ciphers aes128-ctr\nMACs hmac-sha1,hmac-sha1-etm@openssh.com"),
        ("SHA-1 key exchange", "ed25519", "KexAlgorithms diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1"),
    ];
    for (what, key_type, extra) in cases {
        let sshd = Sshd::start_with(key_type, extra).unwrap_or_else(|e| panic!("cannot run the SFTP tests: {e:#}"));
        let client = Client::new(&sshd);
        let mut t = client.tracker("2026-01-05T09:30:00Z");
        let e = client.sync(&mut t).unwrap_err();
        let SyncError::Connect(TransportError::WeakAlgorithms { .. }) = &e else { panic!("{what}: {e}\n{}", sshd.log()) };
        let text = e.to_string();
        assert!(text.contains("does not accept") && text.contains("nothing was sent"), "{what}: {text}");
        assert_eq!((sshd.accepted_passwords(), sshd.failed_passwords()), (0, 0), "{what}");
        let d = doctor::diagnose(Ok(client.config.clone()), &client.paths, Ok(client.password.clone()), &t, TrustNew::Refuse);
        let handshake = d.checks.iter().find(|c| c.name == "SSH handshake").unwrap();
        assert!(handshake.outcome == Outcome::Fail && handshake.detail.contains("does not accept"), "{what}: {handshake:?}");
    }
    // The same server with its defaults is accepted (the refusal is about the algorithms).
    let sshd = Sshd::start_with("rsa", "").unwrap();
    let client = Client::new(&sshd);
    client.sync(&mut client.tracker("2026-01-05T09:30:00Z")).expect("rsa-sha2 host keys are fine");
}

#[test]
fn a_changed_host_key_is_refused_before_authentication() {
    let mut sshd = start_sshd();
    let client = Client::new(&sshd);
    let mut t = client.tracker("2026-01-05T09:30:00Z");
    client.sync(&mut t).unwrap();
    assert_eq!(sshd.accepted_passwords(), 1);

    sshd.change_host_key().unwrap();
    let e = client.sync(&mut t).unwrap_err();
    let SyncError::Connect(TransportError::HostKeyChanged { presented, .. }) = &e else { panic!("{e}") };
    assert_eq!(presented, &sshd.fingerprint());
    assert!(e.to_string().contains("password was not sent"), "{e}");
    assert_eq!(sshd.accepted_passwords(), 1, "no login after the key changed:\n{}", sshd.log());
    assert_eq!(sshd.failed_passwords(), 0);
}

#[test]
fn a_new_host_key_is_pinned_on_first_use_only_when_trusted() {
    let mut sshd = start_sshd();
    let mut client = Client::new(&sshd);
    client.config.connection.host_key = None;
    let mut t = client.tracker("2026-01-05T09:30:00Z");
    // Not on a terminal and not told the fingerprint: refused, nothing sent.
    let e = client.sync(&mut t).unwrap_err();
    assert!(matches!(e, SyncError::Connect(TransportError::HostKeyUnknown { .. })), "{e}");
    assert_eq!(sshd.accepted_passwords() + sshd.failed_passwords(), 0);
    // Told a different fingerprint: refused, saying it does not match.
    let other = claimtrack::transport::hostkey::Fingerprint::from_sha256(&[7u8; 32]);
    let e = client.sync_with(&mut t, false, TrustNew::Expect(other), &mut NoProgress).unwrap_err();
    assert!(matches!(e, SyncError::Connect(TransportError::HostKeyNotExpected { .. })), "{e}");
    assert!(!client.paths.known_hosts().exists());
    // Trusted with the fingerprint the administrator gave: pinned in known_hosts.
    let fp = claimtrack::transport::hostkey::Fingerprint::parse(&sshd.fingerprint()).unwrap();
    client.sync_with(&mut t, false, TrustNew::Expect(fp), &mut NoProgress).unwrap();
    let pinned = std::fs::read_to_string(client.paths.known_hosts()).unwrap();
    assert!(pinned.contains(&sshd.fingerprint()), "{pinned}");
    client.sync(&mut t).unwrap();
    // From now on a different key is refused.
    sshd.change_host_key().unwrap();
    assert!(matches!(client.sync(&mut t), Err(SyncError::Connect(TransportError::HostKeyChanged { .. }))));
    assert_eq!(sshd.accepted_passwords(), 2);
}

/// Kills sshd (and its sessions) once the download has passed a point.
struct KillAt<'a> {
    sshd: &'a mut Sshd,
    at: u64,
    killed: bool,
}

impl Progress for KillAt<'_> {
    fn advance(&mut self, done: u64) {
        if !self.killed && done >= self.at {
            self.killed = true;
            self.sshd.kill();
        }
    }
}

#[test]
fn sshd_killed_in_the_middle_of_a_50_mb_download() {
    let mut sshd = start_sshd();
    let client = Client::new(&sshd);
    let mut t = client.tracker("2026-01-05T09:30:00Z");
    // 50 MB no plugin reads: it is archived as needing attention, which is all this needs.
    let mut big = Vec::with_capacity(50 << 20);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while big.len() < 50 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        big.extend_from_slice(&x.to_le_bytes());
    }
    let name = "1130009999_LARGE_REPORT_20260105.bin";
    sshd.put_outbound(name, &big).unwrap();
    sshd.put_outbound("1130000100_ct-20260105-0930-837P_999.999", &scenario("1130000100_ct-20260105-0930-837P_999.999")).unwrap();

    let r = {
        let mut killer = KillAt { sshd: &mut sshd, at: 10 << 20, killed: false };
        let r = client.sync_with(&mut t, false, TrustNew::Refuse, &mut killer).unwrap();
        assert!(killer.killed, "the download never reached 10 MB");
        r
    };
    assert!(r.ended_early.is_some(), "{r:#?}");
    assert!(r.downloaded.iter().all(|d| d.name != name), "{r:#?}");
    assert!(t.store().archived_files(false).unwrap().iter().all(|f| f.name != name));
    let incoming = t.data_dir().root().join("incoming");
    assert!(files_in(&incoming).is_empty(), "no partial file kept: {:?}", files_in(&incoming));

    sshd.restart().unwrap();
    let r = client.sync(&mut t).unwrap();
    assert!(r.ended_early.is_none() && r.problems.is_empty(), "{r:#?}");
    assert!(r.downloaded.iter().any(|d| d.name == name));
    let archived: Vec<_> = t.store().archived_files(false).unwrap().into_iter().filter(|f| f.name == name).collect();
    assert_eq!(archived.len(), 1, "archived once");
    assert_eq!(archived[0].sha256, sha256_hex(&big), "intact");
    assert_eq!(archived[0].size, big.len() as i64);
    let r = client.sync(&mut t).unwrap();
    assert_eq!((r.downloaded.len(), r.already_downloaded), (0, 2));
}

#[test]
fn an_unreachable_server_leaves_batches_queued_until_it_returns() {
    let mut sshd = start_sshd();
    let client = Client::new(&sshd);
    let mut t = client.tracker("2026-01-05T09:30:00Z");
    let sub = t.submit(SCENARIO_837, &scenario(SCENARIO_837), false, true).unwrap();
    sshd.kill();
    for _ in 0..2 {
        let e = client.sync(&mut t).unwrap_err();
        assert!(matches!(e, SyncError::Connect(TransportError::Network { .. })), "{e}");
    }
    assert_eq!(t.batch(sub.batch_id).unwrap().unwrap().0.status, "QUEUED");
    assert_eq!(t.outbox().unwrap().len(), 1);

    // Three days later the batch is still queued: the AWAITING rules do not apply, the
    // connection state is recorded.
    let state = t.connection_state().unwrap();
    assert!(state.last_error.is_some() && state.last_success.is_none(), "{state:?}");

    sshd.restart().unwrap();
    t.set_clock(at("2026-01-05T10:00:00Z"));
    let r = client.sync(&mut t).unwrap();
    assert_eq!(r.uploaded.len(), 1);
    let batch = t.batch(sub.batch_id).unwrap().unwrap().0;
    assert_eq!(batch.status, "AWAITING");
    assert_eq!(files_in(&sshd.mailbox.join("inbound")), vec![sub.staged_name]);

    // 73 hours later with no answer: the alert quotes the last success and the last error.
    t.set_clock(at("2026-01-08T11:00:00Z"));
    let alerts = t.alerts().unwrap();
    let a = alerts.iter().find(|a| a.kind.as_str() == "batch_awaiting_72h").expect("72-hour alert");
    let state = a.connection.as_ref().expect("the alert carries the connection state").describe();
    assert!(state.contains("last successful connection 2026-01-05T10:00:00Z"), "{state}");
    assert!(state.contains("last error 2026-01-05T09:30:00Z (network)"), "{state}");
}

#[test]
fn reports_are_moved_on_the_server_only_once_archived() {
    let sshd = start_sshd();
    let mut client = Client::new(&sshd);
    client.config.sync.after_download = AfterDownload::Move;
    client.config.sync.move_to = "processed".into();
    let mut t = client.tracker("2026-01-05T09:30:00Z");
    let name = "1130000100_ct-20260105-0930-837P_999.999";
    sshd.put_outbound(name, &scenario(name)).unwrap();
    let r = client.sync(&mut t).unwrap();
    assert_eq!(r.downloaded.len(), 1, "{r:#?}");
    assert!(files_in(&sshd.mailbox.join("outbound")).is_empty());
    assert_eq!(files_in(&sshd.mailbox.join("processed")), vec![name.to_string()]);
    assert!(t.store().archived_files(false).unwrap().iter().any(|f| f.name == name));
}

#[test]
fn doctor_passes_on_a_healthy_server_and_names_files_not_picked_up() {
    let sshd = start_sshd();
    let client = Client::new(&sshd);
    let mut t = client.tracker("2026-01-05T09:30:00Z");
    let d = doctor::diagnose(Ok(client.config.clone()), &client.paths, Ok(client.password.clone()), &t, TrustNew::Refuse);
    assert_eq!(d.scenario, Scenario::Healthy, "{d:#?}");
    let names: Vec<_> = d.checks.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        ["config", "no sync running", "password", "DNS", "TCP", "SSH handshake", "host key", "login", "inbound folder", "outbound folder", "inbound writable", "uploads picked up", "newest report"]
    );
    assert!(d.checks.iter().all(|c| c.outcome == Outcome::Pass), "{d:#?}");

    // Uploaded, and still there 7 hours later: Office Ally is not picking files up.
    let sub = t.submit(SCENARIO_837, &scenario(SCENARIO_837), false, true).unwrap();
    client.sync(&mut t).unwrap();
    t.set_clock(at("2026-01-05T16:31:00Z"));
    let d = doctor::diagnose(Ok(client.config.clone()), &client.paths, Ok(client.password.clone()), &t, TrustNew::Refuse);
    assert_eq!(d.scenario, Scenario::AccountPaused, "{d:#?}");
    let stuck = d.checks.iter().find(|c| c.name == "uploads picked up").unwrap();
    assert_eq!(stuck.outcome, Outcome::Fail);
    assert!(stuck.detail.contains(&sub.staged_name), "{stuck:?}");
    assert!(d.verdict.contains("(360) 975-7000"));
}

/// Issue 6's end-to-end run: the simulator plays Office Ally behind a real sshd, `sync`
/// runs while the clock moves forward, and the final state is exactly what the simulator
/// decided for every claim: status, reasons, OA Claim ID, payer claim number, payment.
#[test]
fn the_simulator_behind_sshd_ends_in_exactly_its_scenario() {
    use claimtrack_sim::{generate_837, EnvelopeBreak, Options837, Scenario, Simulator};
    use std::collections::BTreeSet;

    let sshd = start_sshd();
    let client = Client::new(&sshd);
    let t0 = at("2026-03-02T09:00:00Z").now();
    let mut t = Tracker::open(&client.data, Clock::Fixed(t0)).unwrap().0;
    let base = Options837 { created: t0.naive_utc(), ..Options837::default() };
    let plan = [
        Options837 { control: 6101, pcn_prefix: "E2A".into(), first_pcn: 1, ..base.clone() },
        Options837 { control: 6102, pcn_prefix: "E2B".into(), first_pcn: 1, missing_address: vec![0], bad_npi: vec![3], ..base.clone() },
        Options837 { control: 6103, pcn_prefix: "E2C".into(), first_pcn: 1, payer_of: (0..6).map(|i| (i, "CSM02".into())).collect(), ..base.clone() },
        Options837 { control: 6104, pcn_prefix: "E2D".into(), first_pcn: 1, broken_envelope: Some(EnvelopeBreak::SegmentCount), ..base },
    ];
    let mut submitted = Vec::new();
    for (i, opts) in plan.iter().enumerate() {
        let bytes = generate_837(100 + i as u64, 6, opts);
        submitted.push(t.submit(&format!("e2e-{i}.837"), &bytes, false, true).unwrap());
    }
    let state = tempfile::tempdir().unwrap();
    let mut sim = Simulator::open(state.path(), Scenario::with_seed(77)).unwrap();
    let mut now = t0;
    // Bounded: a handful of responses per upload.
    for round in 0.. {
        assert!(round < 40, "the simulator never finished");
        t.set_clock(Clock::Fixed(now));
        let r = client.sync(&mut t).unwrap();
        assert!(r.problems.is_empty() && r.ended_early.is_none(), "{r:#?}");
        sim.step(&sshd.mailbox, now).unwrap();
        match sim.next_due() {
            Some(due) => now = due + std::time::Duration::from_secs(60),
            None if sim.uploads().len() == submitted.len() => break,
            None => now += std::time::Duration::from_secs(300),
        }
    }
    t.set_clock(Clock::Fixed(now));
    client.sync(&mut t).unwrap();

    let expected = sim.expected_outcomes();
    assert_eq!(expected.len(), 24);
    for b in sim.expected_batches() {
        let sub = submitted.iter().find(|s| s.staged_name == b.submitted_file_name).expect("a batch the test submitted");
        let batch = t.batch(sub.batch_id).unwrap().unwrap().0;
        assert_eq!(batch.status, b.status, "batch {}", b.submitted_file_name);
        assert_eq!(batch.clearinghouse_file_id.as_deref(), Some(b.file_id.as_str()));
    }
    let mut checked = 0;
    for e in &expected {
        let sub = submitted.iter().find(|s| s.staged_name == e.submitted_file_name).unwrap();
        let (_, claims) = t.batch(sub.batch_id).unwrap().unwrap();
        let c = claims.iter().find(|c| c.patient_control_number == e.patient_control_number).expect("the claim is tracked");
        let what = format!("{} {}", e.patient_control_number, e.status);
        assert_eq!(c.status, e.status, "{what}: {c:#?}");
        assert_eq!(c.clearinghouse_claim_id, e.oa_claim_id, "{what}");
        assert_eq!(c.charged_cents, Some(e.charge_cents), "{what}");
        if e.status == "PAID" || e.status == "DENIED" {
            assert_eq!(c.paid_cents, e.paid_cents, "{what}");
            assert_eq!(c.payer_claim_number, e.payer_claim_number, "{what}");
        }
        let got: BTreeSet<(String, String)> = c.reasons.iter().map(|r| (r.code_set.name(), r.code.clone())).collect();
        let want: BTreeSet<(String, String)> = e.reasons.iter().map(|r| (r.code_set.replace('-', "_"), r.code.clone())).collect();
        if e.child_file_id.is_some() {
            assert_eq!(got, want, "{what}");
        } else {
            // A file that failed as a whole: the simulator names the 999's (or TA1's) codes;
            // the File Summary, read after the 999 in the same sync, decides with its
            // free-text note of the same failure. Either is the right reason.
            let fs_note = got.iter().any(|(set, text)| set == "free_text" && text.contains("could not be processed"));
            assert!(want.is_subset(&got) || fs_note, "{what}: {got:?} vs {want:?}");
        }
        checked += 1;
    }
    assert_eq!(checked, 24);
    let statuses: BTreeSet<&str> = expected.iter().map(|e| e.status).collect();
    for s in ["PAID", "DENIED", "OA REJECTED", "PAYER REJECTED"] {
        assert!(statuses.contains(s), "the scenario covers {s}: {statuses:?}");
    }
}
