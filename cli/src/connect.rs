//! The Office Ally connection: `init`, `sync`, `watch` and `doctor`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::output::{self, outln};
use super::track::open;
use super::{exit, Ctx};
use zeroize::Zeroizing;

use claimtrack::config::{self, AfterDownload, Config, ConfigError, ConfigPaths, Secret, TransportKind};
use claimtrack::doctor::{self, Outcome, Scenario};
use claimtrack::sync::{self, Progress, SyncError, SyncOptions, SyncReport};
use claimtrack::transport::hostkey::{Fingerprint, Pins};
use claimtrack::transport::{sftp, TrustNew};

fn parse_fingerprint(s: &str) -> Result<Fingerprint, String> {
    Fingerprint::parse(s).ok_or_else(|| format!("{s:?} is not a SHA256 fingerprint (SHA256: and 43 base64 characters, as `ssh-keygen -lf` prints)"))
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The SFTP host from Office Ally's setup email.
    #[arg(long, value_name = "HOST")]
    host: Option<String>,
    /// The SFTP port.
    #[arg(long, value_name = "PORT")]
    port: Option<u16>,
    /// The SFTP username from Office Ally's setup email (not the web-portal login).
    #[arg(long, value_name = "NAME")]
    username: Option<String>,
    /// Read the SFTP password from the first line of standard input and store it in
    /// secrets.toml (owner-only). On a terminal, init asks for it without echo instead.
    #[arg(long)]
    password_stdin: bool,
    /// The upload folder on the server.
    #[arg(long, value_name = "DIR")]
    inbound: Option<String>,
    /// The reports folder on the server.
    #[arg(long, value_name = "DIR")]
    outbound: Option<String>,
    /// Use a local folder with inbound/ and outbound/ instead of SFTP (reports downloaded
    /// from the web portal by hand, or the demo).
    #[arg(long, value_name = "DIR")]
    local_folder: Option<PathBuf>,
    /// Pin the server's host key (SHA256:..., from Office Ally or `ssh-keyscan | ssh-keygen -lf -`).
    #[arg(long, value_name = "FINGERPRINT", value_parser = parse_fingerprint)]
    host_key: Option<Fingerprint>,
    /// Stage submissions as Office Ally test files (OATEST) by default.
    #[arg(long)]
    test_mode: Option<bool>,
    /// Minutes between syncs of `claimtrack watch`.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1440))]
    poll_minutes: Option<u32>,
    /// After a report is archived: leave it on the server, or move it to --move-to.
    #[arg(long, value_name = "leave|move", value_parser = ["leave", "move"])]
    after_download: Option<String>,
    /// The server folder reports are moved to with --after-download move.
    #[arg(long, value_name = "DIR")]
    move_to: Option<String>,
    /// Archive batches automatically once their tracking window closed.
    #[arg(long)]
    auto_archive: Option<bool>,
    /// Seconds before a connection attempt or a stalled transfer gives up.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=3600))]
    timeout_seconds: Option<u32>,
}

#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// Log in even though Office Ally rejected these credentials before. Use it once the
    /// account is unpaused; every failed attempt counts toward a pause.
    #[arg(long)]
    retry_auth: bool,
    /// Trust the server's host key on first use if it has this fingerprint.
    #[arg(long, value_name = "FINGERPRINT", value_parser = parse_fingerprint)]
    trust_host_key: Option<Fingerprint>,
    /// Print JSON (docs/json.md): everything the sync did.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// Minutes between syncs (default: sync.poll_minutes of the config).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1440))]
    every: Option<u32>,
    /// Stop after this many syncs (default: until Ctrl-C).
    #[arg(long, value_name = "N")]
    runs: Option<u32>,
    /// Print each sync's report as one JSON line (the docs/json.md envelope, compact).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Trust the server's host key on first use if it has this fingerprint.
    #[arg(long, value_name = "FINGERPRINT", value_parser = parse_fingerprint)]
    trust_host_key: Option<Fingerprint>,
    /// Print JSON (docs/json.md).
    #[arg(long)]
    json: bool,
}

fn paths(explicit: Option<&Path>) -> Result<ConfigPaths, u8> {
    ConfigPaths::resolve(explicit).ok_or_else(|| {
        eprintln!("error: no config folder: there is no home directory; pass --config FILE or set {}", config::CONFIG_ENV);
        exit::SETUP
    })
}

fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn prompt(question: &str, default: &str) -> String {
    eprint!("{question}{}: ", if default.is_empty() { String::new() } else { format!(" [{default}]") });
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    let line = line.trim();
    if line.is_empty() { default.to_string() } else { line.to_string() }
}

fn ask_trust(server: &str, key: &Fingerprint) -> bool {
    eprintln!("The server {server} presents the host key\n    {key}\nCompare it with the fingerprint Office Ally gives you.");
    matches!(prompt("Trust this key and pin it? (yes/no)", "no").to_ascii_lowercase().as_str(), "y" | "yes")
}

pub fn init(config_path: Option<&Path>, args: InitArgs) -> u8 {
    let paths = match paths(config_path) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut c = match Config::load(&paths.config) {
        Ok(c) => c,
        Err(ConfigError::Missing(_)) => Config::default(),
        // Starting from defaults would silently drop the host, username and folders in it.
        Err(e) => {
            eprintln!("error: the existing config cannot be read, so init leaves it alone: {e}");
            eprintln!("fix it, or move it away to start over");
            return exit::SETUP;
        }
    };
    let tty = interactive();
    let conn = &mut c.connection;
    if let Some(dir) = args.local_folder {
        conn.transport = TransportKind::Local;
        conn.local_folder = Some(std::path::absolute(&dir).unwrap_or(dir));
    } else if args.host.is_some() || args.username.is_some() {
        conn.transport = TransportKind::Sftp;
    }
    if let Some(h) = args.host {
        conn.host = h;
    } else if tty && conn.transport == TransportKind::Sftp {
        eprintln!("Use the SFTP host named in Office Ally's setup email ({} for most accounts).", config::DEFAULT_HOST);
        conn.host = prompt("SFTP host", &conn.host);
    }
    if let Some(p) = args.port {
        conn.port = p;
    }
    if let Some(u) = args.username {
        conn.username = u;
    } else if tty && conn.transport == TransportKind::Sftp {
        conn.username = prompt("SFTP username (from Office Ally's first setup email)", &conn.username);
    }
    if let Some(d) = args.inbound {
        conn.inbound = d;
    }
    if let Some(d) = args.outbound {
        conn.outbound = d;
    }
    if let Some(k) = &args.host_key {
        conn.host_key = Some(k.to_string());
    }
    if let Some(t) = args.timeout_seconds {
        conn.timeout_seconds = t;
    }
    let s = &mut c.sync;
    if let Some(v) = args.test_mode {
        s.test_mode = v;
    }
    if let Some(v) = args.poll_minutes {
        s.poll_minutes = v;
    }
    if let Some(v) = args.after_download {
        s.after_download = if v == "move" { AfterDownload::Move } else { AfterDownload::Leave };
    }
    if let Some(v) = args.move_to {
        s.move_to = v;
    }
    if let Some(v) = args.auto_archive {
        s.auto_archive = v;
    }
    if let Err(e) = c.check() {
        eprintln!("error: {e}; pass it as a flag (see `claimtrack init --help`)");
        return exit::USAGE;
    }
    if let Err(e) = c.save(&paths.config) {
        eprintln!("error: {e}");
        return exit::SETUP;
    }
    outln!("wrote {}", paths.config.display());
    if c.connection.transport == TransportKind::Local {
        return exit::OK;
    }
    // Every buffer the password passes through is wiped when dropped.
    let password: Option<Zeroizing<String>> = if args.password_stdin {
        // Room enough that reading never moves the buffer (a move would leave a copy behind).
        let mut line = Zeroizing::new(String::with_capacity(4096));
        let _ = std::io::stdin().read_line(&mut line);
        let end = line.trim_end_matches(['\r', '\n']).len();
        line.truncate(end);
        Some(line)
    } else if tty {
        rpassword::prompt_password("SFTP password (from Office Ally's second setup email; not shown): ").ok().map(Zeroizing::new)
    } else {
        None
    };
    match password.filter(|p| !p.is_empty()) {
        Some(p) => match config::save_password(&paths, &Secret::new(p.as_str())) {
            Ok(()) => {
                outln!("stored the password in {} (readable by you only)", paths.secrets().display());
                if std::env::var_os(config::PASSWORD_ENV).is_some() {
                    eprintln!("warning: {} is set in this environment and wins over the stored password", config::PASSWORD_ENV);
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                return exit::SETUP;
            }
        },
        None if std::env::var_os(config::PASSWORD_ENV).is_some() => outln!("the password comes from {}", config::PASSWORD_ENV),
        // Running init again to change one setting keeps the password stored before.
        None => match config::load_password(&paths) {
            Ok(_) => outln!("kept the password stored in {}", paths.secrets().display()),
            Err(ConfigError::NoPassword(_)) => {
                outln!("no password stored: set {} or run `claimtrack init --password-stdin`", config::PASSWORD_ENV)
            }
            Err(e) => eprintln!("warning: the stored password cannot be used: {e}"),
        },
    }
    // Pin the host key now, without logging in: handshake and key only.
    let mut ask = ask_trust;
    let trust = match (&args.host_key, tty) {
        (Some(_), _) => return exit::OK,
        (None, true) => TrustNew::Ask(&mut ask),
        (None, false) => {
            outln!("the server's host key is not pinned yet: run `claimtrack doctor` on a terminal, or pass --host-key");
            return exit::OK;
        }
    };
    let conn = &c.connection;
    let pins = Pins::new(None, paths.known_hosts());
    let pinned = sftp::resolve(conn)
        .and_then(|a| sftp::open_tcp(conn, &a))
        .and_then(|t| sftp::handshake(conn, t))
        .and_then(|s| sftp::verify_host_key(conn, &s, &pins, trust));
    match pinned {
        Ok(f) => {
            outln!("host key {f} pinned in {}", paths.known_hosts().display());
            exit::OK
        }
        Err(e) => {
            eprintln!("warning: the host key was not pinned: {e}");
            exit::SOME_FAILED
        }
    }
}

/// Progress bars on stderr, for transfers big enough to watch.
struct Bars {
    bar: Option<ProgressBar>,
}

impl Progress for Bars {
    fn start(&mut self, action: &str, name: &str, total: u64) {
        if total < 256 * 1024 {
            return;
        }
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(format!("{action} {name}"));
        self.bar = Some(bar);
    }
    fn advance(&mut self, done: u64) {
        if let Some(b) = &self.bar {
            b.set_position(done);
        }
    }
    fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

/// Everything a sync needs besides the tracker; loaded again before each `watch` round so
/// new credentials take effect without a restart.
fn load(paths: &ConfigPaths) -> Result<(Config, Option<Secret>), String> {
    config::load_for_sync(paths).map_err(|e| e.to_string())
}

fn print_report(r: &SyncReport) {
    for u in &r.uploaded {
        let batch = u.batch_id.map_or("-".into(), |b| b.to_string());
        if u.answered_before {
            outln!("did not send {} (batch {batch}): Office Ally already answered for it, so it was sent another way", u.staged_name);
            continue;
        }
        let how = if u.recovered { "finished an interrupted upload of" } else { "uploaded" };
        outln!("{how} {} (batch {batch}): now AWAITING", u.staged_name);
    }
    for d in &r.downloaded {
        let what = match &d.ingest.outcome {
            claimtrack::ingest::Outcome::Ingested { format, events, .. } => format!("{format}, {events} events"),
            claimtrack::ingest::Outcome::Package { members, .. } => format!("package of {} files", members.len()),
            claimtrack::ingest::Outcome::AlreadyIngested { .. } => "already in the archive".to_string(),
            claimtrack::ingest::Outcome::NeedsAttention { problem, .. } => format!("needs attention: {problem}"),
        };
        outln!("downloaded {} ({} bytes): {what}", output::clean(&d.name), d.size);
    }
    for p in &r.problems {
        eprintln!("problem: {}", output::clean(p));
    }
    outln!("{}", r.summary());
}

fn trust_for<'a>(fingerprint: Option<Fingerprint>, ask: &'a mut dyn FnMut(&str, &Fingerprint) -> bool) -> TrustNew<'a> {
    match fingerprint {
        Some(f) => TrustNew::Expect(f),
        None if interactive() => TrustNew::Ask(ask),
        None => TrustNew::Refuse,
    }
}

/// A pretended clock never reaches the real Office Ally (a local folder is fine: the demo).
pub fn refuse_pretend_for(ctx: &Ctx, c: &Config, what: &str) -> Option<u8> {
    if c.connection.transport == TransportKind::Sftp { ctx.refuse_pretend_clock(what) } else { None }
}

pub fn sync(ctx: &Ctx, args: SyncArgs) -> u8 {
    let paths = match paths(ctx.config_path()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    // Before the password is read: a pretended clock stops here whatever else is wrong.
    if let Ok(c) = Config::load(&paths.config)
        && let Some(code) = refuse_pretend_for(ctx, &c, "sync with Office Ally")
    {
        return code;
    }
    let (c, password) = match load(&paths) {
        Ok(x) => x,
        Err(e) => {
            output::fail("config", &e, None);
            return exit::SETUP;
        }
    };
    let mut t = match open(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    t.set_max_file_bytes(ctx.max_file_bytes);
    let mut bars = Bars { bar: None };
    let mut none = sync::NoProgress;
    let progress: &mut dyn Progress = if !args.json && std::io::stderr().is_terminal() { &mut bars } else { &mut none };
    let mut ask = ask_trust;
    let opts = SyncOptions { retry_auth: args.retry_auth, trust: trust_for(args.trust_host_key, &mut ask), stop: None, progress };
    match sync::sync(&mut t, &c, &paths, password.as_ref(), opts) {
        Ok(r) => {
            if args.json {
                output::json("sync", &r);
            } else {
                print_report(&r);
            }
            // A report no plugin could read is as much a problem here as in `ingest`: a
            // script watching the exit code must hear of it.
            let attention = r.downloaded.iter().any(|d| d.ingest.needs_attention());
            if r.problems.is_empty() && r.ended_early.is_none() && !attention { exit::OK } else { exit::SOME_FAILED }
        }
        Err(e) => {
            if args.json {
                output::json_error("sync", e.kind(), &e.to_string(), None);
            }
            eprintln!("error: {e}");
            if matches!(e, SyncError::Connect(ref t) if t.kind() == "network") {
                eprintln!("note: queued batches stay in the outbox and go out with the next sync that connects");
            }
            if matches!(e, SyncError::Busy) { exit::SOME_FAILED } else { exit::SETUP }
        }
    }
}

pub fn watch(ctx: &Ctx, args: WatchArgs) -> u8 {
    let paths = match paths(ctx.config_path()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Ok(c) = Config::load(&paths.config)
        && let Some(code) = refuse_pretend_for(ctx, &c, "watch Office Ally")
    {
        return code;
    }
    let mut t = match open(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    t.set_max_file_bytes(ctx.max_file_bytes);
    let stop = Arc::new(AtomicBool::new(false));
    let (wake, sleep) = mpsc::channel::<()>();
    {
        let stop = stop.clone();
        // The first Ctrl-C lets the current file finish and the sync stop between files; a
        // second one stops at once (what is not finished is finished by the next sync).
        let installed = ctrlc::set_handler(move || {
            if stop.swap(true, Ordering::SeqCst) {
                std::process::exit(i32::from(exit::INTERRUPTED));
            }
            let _ = wake.send(());
        });
        if let Err(e) = installed {
            eprintln!("warning: Ctrl-C handling is not available ({e}); Ctrl-C stops watch at once");
        }
    }
    let mut failures = 0u32;
    let mut runs = 0u32;
    let mut code = exit::OK;
    loop {
        let (c, password) = match load(&paths) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::SETUP;
            }
        };
        let mut none = sync::NoProgress;
        let opts = SyncOptions { retry_auth: false, trust: TrustNew::Refuse, stop: Some(&stop), progress: &mut none };
        let started = ctx.times.at(chrono::Utc::now());
        match sync::sync(&mut t, &c, &paths, password.as_ref(), opts) {
            Ok(r) => {
                failures = if r.ended_early.is_some() { failures + 1 } else { 0 };
                if args.json {
                    let line = serde_json::json!({ "schema_version": output::JSON_SCHEMA_VERSION, "command": "watch", "data": r });
                    outln!("{line}");
                } else {
                    outln!("[{started}] {}", r.summary());
                    for p in &r.problems {
                        eprintln!("problem: {}", output::clean(p));
                    }
                }
            }
            Err(e) => {
                failures += 1;
                code = exit::SOME_FAILED;
                if args.json {
                    let error = serde_json::json!({ "kind": e.kind(), "message": e.to_string() });
                    let line = serde_json::json!({ "schema_version": output::JSON_SCHEMA_VERSION, "command": "watch", "error": error });
                    outln!("{line}");
                } else {
                    eprintln!("[{started}] error: {e}");
                }
            }
        }
        runs += 1;
        if stop.load(Ordering::SeqCst) {
            return exit::INTERRUPTED;
        }
        if args.runs.is_some_and(|n| runs >= n) {
            return code;
        }
        let poll = Duration::from_secs(u64::from(args.every.unwrap_or(c.sync.poll_minutes)) * 60);
        let wait = sync::next_wait(poll, failures);
        if !args.json {
            outln!("next sync in {} (Ctrl-C to stop)", claimtrack::clock::describe_duration(chrono::Duration::seconds(wait.as_secs().div_ceil(60) as i64 * 60)));
        }
        match sleep.recv_timeout(wait) {
            // Woken early by Ctrl-C.
            Ok(()) => return exit::INTERRUPTED,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // No handler holds the sender: wait the plain way.
            Err(mpsc::RecvTimeoutError::Disconnected) => std::thread::sleep(wait),
        }
        if stop.load(Ordering::SeqCst) {
            return exit::INTERRUPTED;
        }
    }
}

pub fn doctor(ctx: &Ctx, args: DoctorArgs) -> u8 {
    let paths = match paths(ctx.config_path()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let t = match open(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let config = Config::load(&paths.config);
    let password = config::load_password(&paths);
    let mut ask = ask_trust;
    let d = doctor::diagnose(config, &paths, password, &t, trust_for(args.trust_host_key, &mut ask));
    if args.json {
        output::json("doctor", &d);
    } else {
        let color = output::stdout_color();
        for c in &d.checks {
            let (label, code) = match c.outcome {
                Outcome::Pass => ("PASS", "32"),
                Outcome::Warn => ("WARN", "33"),
                Outcome::Fail => ("FAIL", "31"),
                Outcome::Skip => ("SKIP", "2"),
            };
            let label = if color { format!("\x1b[{code}m{label}\x1b[0m") } else { label.to_string() };
            outln!("{label}  {:<18} {}", c.name, output::clean(&c.detail));
            if let Some(next) = &c.next_step {
                outln!("      {:<18} → {next}", "");
            }
        }
        outln!("\n{}", d.verdict);
    }
    if d.scenario == Scenario::Healthy { exit::OK } else { exit::SOME_FAILED }
}

/// The config, when there is one that reads.
pub fn config_of(ctx: &Ctx) -> Option<Config> {
    ConfigPaths::resolve(ctx.config_path()).and_then(|p| Config::load(&p.config).ok())
}
