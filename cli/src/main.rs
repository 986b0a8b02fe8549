//! The `claimtrack` command line: a thin layer over the `claimtrack` library (host/), with
//! the dependencies only a terminal needs (clap, tables, progress bars, the password prompt,
//! the simulator behind `claimtrack demo`, the allocator), so a program embedding the library
//! pulls in none of them.

// Ingesting a large ERA makes and drops millions of small strings (lifting the plugin's
// output, validating it, serializing the stored events); mimalloc does that faster than
// glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod alerts;
mod changes;
mod connect;
mod demo;
mod docs;
mod files;
mod ingest;
mod output;
mod parse;
mod plugin_new;
mod plugins;
mod serve;
mod submit;
mod table;
mod track;
mod webhook;
mod words;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use claimtrack::clock::Clock;
use claimtrack::paths::DataDir;

fn parse_now(s: &str) -> Result<Clock, String> {
    Clock::parse_fixed(s)
}

/// Set by `claimtrack demo` for the commands it runs: its pretended clock is the point of the
/// demo, which says so once instead of every command warning about it.
const DEMO_ENV: &str = "CLAIMTRACK_DEMO";

/// What every command gets: where the data is, what time it is, how to show times.
pub(crate) struct Ctx {
    pub data_dir: DataDir,
    pub clock: Clock,
    /// The clock is pretended (`--now` / `CLAIMTRACK_NOW`): nothing may reach Office Ally.
    pub pretend: bool,
    pub config: Option<PathBuf>,
    pub times: words::Times,
    /// The largest file read (`--max-file-mb`), in bytes.
    pub max_file_bytes: u64,
}

impl Ctx {
    pub fn config_path(&self) -> Option<&Path> {
        self.config.as_deref()
    }

    /// Refuse work that reaches Office Ally (or names an upload) under a pretended clock: the
    /// upload would carry the pretended date and every age would be wrong. Returns the exit
    /// code when refused.
    pub fn refuse_pretend_clock(&self, what: &str) -> Option<u8> {
        if !self.pretend {
            return None;
        }
        eprintln!(
            "error: refusing to {what} with a pretended clock (--now or CLAIMTRACK_NOW = {}): uploads would be named \
             and dated with it, and Office Ally's answers would look days old or not yet sent.",
            self.clock.stamp()
        );
        eprintln!("Unset CLAIMTRACK_NOW (`unset CLAIMTRACK_NOW`) and drop --now, then run it again.");
        Some(exit::USAGE)
    }
}

/// Exit codes scripts can rely on.
pub mod exit {
    /// Everything asked for was done.
    pub const OK: u8 = 0;
    /// Some input could not be processed (no plugin, a plugin failed, a file unreadable, or
    /// errors inside a file); the rest was processed.
    pub const SOME_FAILED: u8 = 1;
    /// The command line was wrong (clap's own code).
    pub const USAGE: u8 = 2;
    /// claimtrack could not start: the data folder or the plugin runtime failed.
    pub const SETUP: u8 = 3;
    /// Stopped by Ctrl-C (`watch`), as shells report a process ended by SIGINT.
    pub const INTERRUPTED: u8 = 130;
}

const AFTER_HELP: &str = "\
A day's work:
  claimtrack sync          upload queued batches, download Office Ally's reports
  claimtrack alerts        what needs attention now
  claimtrack errors        rejected and denied claims, grouped by reason, with what to do
  claimtrack submit F.837  send the fixed claims again (checked before anything is queued)
  claimtrack archive       put away the batches whose tracking is over

Exit codes: 0 success · 1 some files failed or contain errors, a problem was found, or
what was asked for does not exist (the rest was done) · 2 bad command line · 3 setup failed
(data folder, plugin runtime, configuration, or the connection to Office Ally) · 130
`watch` stopped by Ctrl-C.

Times are shown in your time zone (TZ), or UTC with --utc. Every listing takes --json: one
envelope {\"schema_version\", \"command\", \"data\" or \"error\"} (docs/json.md). Logging
goes to stderr; set CLAIMTRACK_LOG=debug for more. Patient data is never logged at the
default level.";

/// Track medical claims sent through the Office Ally clearinghouse.
///
/// claimtrack reads the files Office Ally and payers send back (999 and TA1
/// acknowledgements, 277CA claim acknowledgements, 835 remittances, …) with sandboxed
/// plugins, and shows what they say about each batch and claim.
#[doc(hidden)]
#[derive(Debug, Parser)]
#[command(name = "claimtrack", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    /// The data folder (database, archive, plugin cache). Default: the user's data
    /// directory, e.g. ~/.local/share/claimtrack.
    #[arg(long, global = true, env = "CLAIMTRACK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Pretend it is this time (RFC 3339 or a date), for the demo and tests; time rules and
    /// timestamps use it.
    #[arg(long, global = true, env = "CLAIMTRACK_NOW", value_name = "TIME", value_parser = parse_now)]
    pub now: Option<Clock>,

    /// The configuration file (see `claimtrack init`). Default: the user's config
    /// directory, e.g. ~/.config/claimtrack/config.toml.
    #[arg(long, global = true, env = "CLAIMTRACK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// More log output on stderr (-v info, -vv debug). Overridden by CLAIMTRACK_LOG.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Show times in UTC instead of your time zone.
    #[arg(long, global = true)]
    pub utc: bool,

    /// The largest file claimtrack reads, in MiB (ingest, parse, submit); a larger one is
    /// refused before anything is archived.
    #[arg(long, global = true, env = "CLAIMTRACK_MAX_FILE_MB", value_name = "MIB", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_file_mb: u64,

    #[command(subcommand)]
    pub command: Command,
}

#[doc(hidden)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read response files and show the statuses they contain.
    ///
    /// Each file goes to the plugin most sure it reads it (see `claimtrack plugins`). Nothing
    /// is stored: this only shows what a file says. An 837 is checked as `submit` checks it.
    ///
    /// Examples:
    ///   claimtrack parse 837_999.txt
    ///   claimtrack parse --json downloads/*.835 > statuses.json
    ///   claimtrack parse --plugin x12-277 odd-name.txt
    #[command(verbatim_doc_comment)]
    Parse(parse::ParseArgs),

    /// Archive response files, read them, and store what they say.
    ///
    /// Each file is kept forever in the data folder's archive, whatever happens. Files are
    /// known by their content: the same file again changes nothing ("already ingested").
    /// A file no plugin reads is archived and listed as needing attention (see `claimtrack
    /// files --attention`). A folder is read recursively; a zip (an ERA package) is opened
    /// and each file inside is ingested.
    ///
    /// Examples:
    ///   claimtrack ingest ~/Downloads/officeally/
    ///   claimtrack ingest --json 1640601333_ERA_STATUS_5010_20260910.zip
    #[command(verbatim_doc_comment)]
    Ingest(ingest::IngestArgs),

    /// Submit an 837 batch: check it, then stage it in the outbox for upload.
    ///
    /// The file must be an 837P, 837I or 837D. It is checked as Office Ally will see it,
    /// under the name it is staged under: every broken Office Ally rule and claim edit
    /// (oa-rule-…), every claim already paid, denied or in adjudication (a duplicate-claim
    /// denial is likely), and every error reading the file is listed with its code and
    /// claim; nothing is stored and the exit code is 1, unless --force. Otherwise it is
    /// archived, its batch and claims are QUEUED, and it is copied into the data folder's
    /// outbox/ under an Office Ally name:
    ///   [OATEST_]<practice>_<YYYYMMDD-HHMMSS>[-n]_<837P|837I|837D>.txt
    /// (OATEST with --test, or with test_mode in the config: Office Ally ignores ISA15).
    /// `claimtrack sync` uploads it; or upload it by hand under that name, then
    /// `claimtrack mark-uploaded`. The same file again is "already submitted" (exit 0).
    ///
    /// Examples:
    ///   claimtrack submit batch-0105.837
    ///   claimtrack submit --test trial.837
    ///   claimtrack submit --json --force legacy.837
    #[command(verbatim_doc_comment)]
    Submit(submit::SubmitArgs),

    /// The submitted batches waiting for upload: batch, staged name, claims, when queued.
    ///
    /// Their files are in the data folder's outbox/. `claimtrack sync` uploads them; or
    /// upload each under its name to Office Ally's inbound folder, then `claimtrack
    /// mark-uploaded BATCH`.
    ///
    /// Examples:
    ///   claimtrack outbox
    ///   claimtrack outbox --json
    #[command(verbatim_doc_comment)]
    Outbox(submit::OutboxArgs),

    /// Record that a submitted batch was uploaded to Office Ally: it becomes AWAITING.
    ///
    /// Takes the batch id or the staged file name (see `claimtrack outbox`). The time is
    /// now (or --now); the file moves from outbox/ to sent/ so it is never uploaded twice.
    /// Marking a batch again changes nothing.
    ///
    /// Examples:
    ///   claimtrack mark-uploaded 7
    ///   claimtrack mark-uploaded SUNNY-CHIROPRACTIC_20260105-093000_837P.txt
    #[command(verbatim_doc_comment)]
    MarkUploaded(submit::MarkUploadedArgs),

    /// Send a batch again that Office Ally never answered (still AWAITING), once the
    /// connection problem is fixed.
    ///
    /// The batch keeps its number, its claims and its staged name: its file goes back to
    /// the outbox and the next `claimtrack sync` uploads it, with the same safeguards as
    /// the first time (an upload interrupted at the rename is never sent twice; a batch
    /// Office Ally has answered in the meantime is not sent at all). Only AWAITING batches
    /// can be resent: one Office Ally answered is fixed claim by claim and resubmitted
    /// with `claimtrack submit`.
    ///
    /// Examples:
    ///   claimtrack resend 4
    ///   claimtrack resend MAPLE-STREET-FAMILY-CHIR_20260302-090000-4_837P.txt
    #[command(verbatim_doc_comment)]
    Resend(submit::ResendArgs),

    /// Run the whole job on a demo practice, with a simulated Office Ally: no account needed.
    ///
    /// Creates a fresh folder, submits four generated 837P batches, lets the clearinghouse
    /// simulator answer through a local mailbox folder, and syncs while the clock moves
    /// through the last ten days up to now: AWAITING → OA ACCEPTED (one batch with
    /// rejections) → PAYER ACCEPTED → PAID / DENIED, one batch stuck AWAITING past 72
    /// hours with its alert, and the errors report. Every step is the real command. Ends
    /// with the commands to explore the demo's data. Takes a few seconds.
    ///
    /// Examples:
    ///   claimtrack demo
    ///   claimtrack demo --dir ~/claimtrack-demo
    #[command(verbatim_doc_comment)]
    Demo(demo::DemoArgs),

    /// Print shell completions for claimtrack.
    ///
    /// Examples:
    ///   claimtrack completions bash > ~/.local/share/bash-completion/completions/claimtrack
    ///   claimtrack completions zsh > ~/.zfunc/_claimtrack
    ///   claimtrack completions fish > ~/.config/fish/completions/claimtrack.fish
    #[command(verbatim_doc_comment)]
    Completions(docs::CompletionsArgs),

    /// Print the man page (roff), or write a page per command with --out DIR.
    ///
    /// Examples:
    ///   claimtrack man | man -l -
    ///   claimtrack man --out ~/.local/share/man/man1
    #[command(verbatim_doc_comment)]
    Man(docs::ManArgs),

    /// Write the configuration: the Office Ally SFTP account, folders, test mode, polling.
    ///
    /// On a terminal, init asks for what is missing (the password without echo) and shows
    /// the server's host key fingerprint to trust and pin. Otherwise everything comes from
    /// flags, and the password from --password-stdin or CLAIMTRACK_SFTP_PASSWORD. The
    /// password goes to secrets.toml beside the config, readable by you only; never into
    /// the config, never printed. Running init again changes only what is given (a stored
    /// password is kept unless a new one is given).
    ///
    /// Ask Office Ally (support@officeally.com) for SFTP credentials and, in the same
    /// request, for 999 and 277CA reports; they arrive in two emails (username, password).
    ///
    /// Examples:
    ///   claimtrack init
    ///   claimtrack init --host ftp10.officeally.com --username ACME01 --password-stdin < pw.txt
    ///   claimtrack init --local-folder ~/officeally-mailbox
    #[command(verbatim_doc_comment)]
    Init(connect::InitArgs),

    /// Upload queued batches to Office Ally and download and ingest its new reports.
    ///
    /// Every QUEUED batch in the outbox is uploaded to inbound (under a temporary name,
    /// then renamed) and becomes AWAITING. Every file in outbound not downloaded before
    /// (known by name, size and time, then by content) is downloaded, archived and read.
    /// A sync interrupted anywhere is finished by the next one: nothing lost, nothing twice.
    ///
    /// If the server cannot be reached, batches stay QUEUED and go out with the next sync
    /// that connects. If Office Ally rejects the login, claimtrack stops trying (failed
    /// attempts can pause the account) until the credentials change or --retry-auth.
    /// A changed host key is refused before the password is sent.
    ///
    /// Examples:
    ///   claimtrack sync
    ///   claimtrack sync --json > last-sync.json
    ///   claimtrack sync --retry-auth
    #[command(verbatim_doc_comment)]
    Sync(connect::SyncArgs),

    /// Sync every polling interval until stopped; Ctrl-C lets the current file finish.
    ///
    /// While the connection fails, syncs come sooner (1, 2, 4 … minutes, up to the
    /// interval) so queued batches go out soon after it returns. A rejected login is never
    /// retried. The config and password are read again before each sync.
    ///
    /// Examples:
    ///   claimtrack watch
    ///   claimtrack watch --every 30 --json >> sync-log.jsonl
    #[command(verbatim_doc_comment)]
    Watch(connect::WatchArgs),

    /// Check the connection to Office Ally step by step and say what to do.
    ///
    /// Checks, in order: config, password, DNS, TCP, SSH handshake, host key, login, the
    /// inbound and outbound folders, uploads still waiting in inbound hours later (not
    /// picked up by Office Ally), and the age of the newest report. The verdict names the
    /// likely cause: changed SFTP credentials, or an account Office Ally paused.
    /// The login is tried at most once, and not at all while the same credentials stand
    /// rejected. Exit code 0 when healthy, 1 otherwise.
    ///
    /// Examples:
    ///   claimtrack doctor
    ///   claimtrack doctor --json
    #[command(verbatim_doc_comment)]
    Doctor(connect::DoctorArgs),

    /// The archive: every file ever read, what each was read as, or why it needs
    /// attention; `files get` gives a stored file back.
    ///
    /// Examples:
    ///   claimtrack files
    ///   claimtrack files --attention
    ///   claimtrack files get 12 --out ~/Desktop
    #[command(verbatim_doc_comment)]
    Files(files::FilesArgs),

    /// The batches: uploaded when, claims, status (R: some claims rejected), Office Ally
    /// file IDs, age.
    ///
    /// Archived batches are hidden unless --all.
    ///
    /// Examples:
    ///   claimtrack batches
    ///   claimtrack batches --all --json
    #[command(verbatim_doc_comment)]
    Batches(track::BatchesArgs),

    /// One batch's claims: patient, dates, OA Claim ID, status, money, and the reasons of
    /// each rejected or denied claim.
    ///
    /// The batch can be named by its number, Office Ally's File ID for it (or a per-payer
    /// child file ID), or the name it was uploaded or submitted under.
    ///
    /// Examples:
    ///   claimtrack batch 2
    ///   claimtrack batch 1512405001
    ///   claimtrack batch walk-ins.837 --json
    #[command(verbatim_doc_comment)]
    Batch(track::BatchArgs),

    /// Everything said about a claim: which file, who said it, what it said, and whether
    /// it was about this claim or its whole file.
    ///
    /// The claim is found by its patient control number (CLM01, ACCNT#), its OA Claim ID or
    /// the payer's claim number; spaces, case and a CLM01's leading zeros do not matter.
    ///
    /// Examples:
    ///   claimtrack claim MSB00002
    ///   claimtrack claim 3099630002
    ///   claimtrack claim msb00002 --json
    #[command(verbatim_doc_comment)]
    Claim(track::ClaimArgs),

    /// "Print Errors": the open rejections and denials, grouped by code, with who said it,
    /// what it means, what to do, and the claims hit.
    ///
    /// A claim refiled since (its CLM01 went out again in a later batch) leaves the list;
    /// --all shows those too.
    ///
    /// Examples:
    ///   claimtrack errors
    ///   claimtrack errors 2
    ///   claimtrack errors --all --json
    #[command(verbatim_doc_comment)]
    Errors(track::ErrorsArgs),

    /// Every claim with its batch, status, money, dates and reasons: a spreadsheet (CSV, in
    /// dollars) or JSON (cents).
    ///
    /// Examples:
    ///   claimtrack export --format csv > claims.csv
    ///   claimtrack export --json > claims.json
    #[command(verbatim_doc_comment)]
    Export(track::ExportArgs),

    /// What needs attention now: a rejected login, batches still AWAITING after 24 hours
    /// (a notice) or 72 hours (an alert, with the SFTP and account checklist), batches not
    /// uploaded, claims accepted by the payer with no ERA after --era-days, batches that can
    /// be archived. Newest first.
    ///
    /// Examples:
    ///   claimtrack alerts
    ///   claimtrack alerts --era-days 45 --json
    #[command(verbatim_doc_comment)]
    Alerts(alerts::AlertsArgs),

    /// Archive a batch once its tracking is over: every claim paid, denied, rejected, or
    /// waiting for ERA/EOB (no update for 7 days). Without BATCH, archives every batch that
    /// can be. Archived batches leave `claimtrack batches` (see --all).
    ///
    /// Examples:
    ///   claimtrack archive 12
    ///   claimtrack archive
    #[command(verbatim_doc_comment)]
    Archive(alerts::ArchiveArgs),

    /// What changed, in order: files archived, batch and claim statuses, alerts raised and
    /// resolved.
    ///
    /// Every change is numbered (its cursor); `--since` shows only those after one, so a
    /// script that keeps the last cursor it read sees each change once. The table names
    /// a claim by its patient control number and batch; --json names batches and claims by
    /// their stable ids (`uid` in `batches --json`, `batch --json`), which `rebuild` keeps.
    ///
    /// Examples:
    ///   claimtrack changes
    ///   claimtrack changes --since 120 --json
    #[command(verbatim_doc_comment)]
    Changes(changes::ChangesArgs),

    /// Serve the dashboard for billing staff (a web page) and the HTTP API (/api/v1) for
    /// other programs: batches, claims, errors, alerts, files and the change log, as JSON
    /// (docs/json.md, docs/embedding.md).
    ///
    /// It listens on 127.0.0.1 only, unless told otherwise. It prints a sign-in link for the
    /// dashboard (one use, for an hour; `claimtrack dashboard` gives another). Every API
    /// request needs a token (`claimtrack token create NAME`). It reads the same data folder
    /// `sync`, `watch` and `ingest` write: run them beside it. Ctrl-C stops it.
    ///
    /// Examples:
    ///   claimtrack serve
    ///   claimtrack serve --listen 127.0.0.1:8080
    ///   curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:7171/api/v1/batches
    #[command(verbatim_doc_comment)]
    Serve(serve::ServeArgs),

    /// A new sign-in link for the dashboard of a running `claimtrack serve` (one use, for an
    /// hour). The link goes in the browser on this computer; it signs that browser in.
    ///
    /// Examples:
    ///   claimtrack dashboard
    ///   claimtrack dashboard --url http://127.0.0.1:8080
    #[command(verbatim_doc_comment)]
    Dashboard(serve::DashboardArgs),

    /// API tokens for `claimtrack serve`: create (shown once), list, revoke.
    ///
    /// Examples:
    ///   claimtrack token create billing-sync
    ///   claimtrack token list
    ///   claimtrack token revoke billing-sync
    #[command(verbatim_doc_comment)]
    Token(serve::TokenArgs),

    /// Webhooks: changes POSTed to your URL as they happen (statuses, alerts, files), signed
    /// with HMAC-SHA256, in order, retried for up to 3 days. `claimtrack serve` delivers them.
    ///
    /// Examples:
    ///   claimtrack webhook add https://pm.example.org/claimtrack --events status,alert
    ///   claimtrack webhook list
    ///   claimtrack webhook deliveries --failing
    ///   claimtrack webhook remove 1
    #[command(verbatim_doc_comment)]
    Webhook(webhook::WebhookArgs),

    /// Re-read every archived file with the current plugins and derive every status again;
    /// lists each status that changed.
    ///
    /// Examples:
    ///   claimtrack rebuild
    ///   claimtrack rebuild --json
    #[command(verbatim_doc_comment)]
    Rebuild(track::ListArgs),

    /// List the plugins that read files: versions, formats, hashes (the same as `plugin
    /// list`).
    ///
    /// Built-in plugins come with claimtrack; others are installed with `claimtrack plugin
    /// install`.
    ///
    /// Examples:
    ///   claimtrack plugins
    ///   claimtrack plugins --json
    #[command(verbatim_doc_comment)]
    Plugins(plugins::PluginsArgs),

    /// Third-party plugins: create a project (new), test it over sample files (test),
    /// install it (install), uninstall it (remove), list every plugin (list).
    ///
    /// Examples:
    ///   claimtrack plugin new acme-status
    ///   claimtrack plugin install acme_status.wasm
    #[command(verbatim_doc_comment)]
    Plugin(plugins::PluginArgs),
}

/// Run the CLI; returns the process exit code.
fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help/version to stdout with code 0, usage errors to stderr with 2;
            // a help page piped into `head` ends quietly like any other output.
            if e.use_stderr() {
                let _ = e.print();
                return ExitCode::from(exit::USAGE);
            }
            output::out(&e.render().to_string());
            return ExitCode::from(exit::OK);
        }
    };
    init_logging(cli.verbose);
    let data_dir = match cli.data_dir.clone().map(DataDir::new).or_else(DataDir::platform_default) {
        Some(d) => d,
        None => {
            eprintln!("error: no data folder: there is no home directory; pass --data-dir DIR or set CLAIMTRACK_DATA_DIR");
            return ExitCode::from(exit::SETUP);
        }
    };
    let pretend = cli.now.is_some();
    let clock = cli.now.unwrap_or(Clock::System);
    if pretend && std::env::var_os(DEMO_ENV).is_none() && !matches!(cli.command, Command::Demo(_)) {
        eprintln!(
            "warning: pretending it is {} (--now or CLAIMTRACK_NOW): times and ages are not real; unset CLAIMTRACK_NOW for real work",
            clock.stamp()
        );
    }
    if wants_json(&cli.command) {
        output::set_json_command(cli.command.name());
    }
    let ctx = Ctx {
        data_dir,
        clock,
        pretend,
        config: cli.config.clone(),
        times: words::Times::new(cli.utc, clock.now()),
        max_file_bytes: cli.max_file_mb << 20,
    };
    let code = match cli.command {
        Command::Parse(args) => parse::run(&ctx, args),
        Command::Plugins(args) => plugins::run(&ctx.data_dir, args),
        Command::Plugin(args) => plugins::plugin(&ctx.data_dir, args),
        Command::Ingest(args) => ingest::run(&ctx, args),
        Command::Submit(args) => submit::submit(&ctx, args),
        Command::Demo(args) => demo::run(args, cli.now),
        Command::Completions(args) => docs::completions(args),
        Command::Man(args) => docs::man(args),
        Command::Init(args) => connect::init(ctx.config_path(), args),
        Command::Sync(args) => connect::sync(&ctx, args),
        Command::Watch(args) => connect::watch(&ctx, args),
        Command::Doctor(args) => connect::doctor(&ctx, args),
        Command::Outbox(args) => submit::outbox(&ctx, args),
        Command::MarkUploaded(args) => submit::mark_uploaded(&ctx, args),
        Command::Resend(args) => submit::resend(&ctx, args),
        Command::Files(args) => files::run(&ctx, args),
        Command::Batches(args) => track::batches(&ctx, args),
        Command::Batch(args) => track::batch(&ctx, args),
        Command::Claim(args) => track::claim(&ctx, args),
        Command::Rebuild(args) => track::rebuild(&ctx, args),
        Command::Errors(args) => track::errors(&ctx, args),
        Command::Export(args) => track::export(&ctx, args),
        Command::Alerts(args) => alerts::alerts(&ctx, args),
        Command::Archive(args) => alerts::archive(&ctx, args),
        Command::Changes(args) => changes::changes(&ctx, args),
        Command::Serve(args) => serve::serve(&ctx, args),
        Command::Dashboard(args) => serve::dashboard(&ctx, args),
        Command::Token(args) => serve::token(&ctx, args),
        Command::Webhook(args) => webhook::webhook(&ctx, args),
    };
    ExitCode::from(code)
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_env("CLAIMTRACK_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(output::stderr_color())
        .without_time()
        .try_init();
}

/// Print a setup error with what to do next (in the JSON envelope too with `--json`), and
/// return the setup exit code.
fn setup_failed(what: &str, err: &anyhow::Error) -> u8 {
    output::fail("setup", &format!("{what}: {}", causes(err)), None);
    exit::SETUP
}

/// An error and its causes, each said once: many errors already quote their cause ("cannot
/// create …: File exists"), which `{:#}` would repeat.
fn causes(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let c = cause.to_string();
        if text.contains(&c) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&c);
    }
    text
}

impl Command {
    /// The command's name, as typed and as the JSON envelope names it.
    fn name(&self) -> &'static str {
        match self {
            Command::Parse(_) => "parse",
            Command::Ingest(_) => "ingest",
            Command::Submit(_) => "submit",
            Command::Outbox(_) => "outbox",
            Command::MarkUploaded(_) => "mark-uploaded",
            Command::Resend(_) => "resend",
            Command::Demo(_) => "demo",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
            Command::Init(_) => "init",
            Command::Sync(_) => "sync",
            Command::Watch(_) => "watch",
            Command::Doctor(_) => "doctor",
            Command::Files(_) => "files",
            Command::Batches(_) => "batches",
            Command::Batch(_) => "batch",
            Command::Claim(_) => "claim",
            Command::Errors(_) => "errors",
            Command::Export(_) => "export",
            Command::Alerts(_) => "alerts",
            Command::Archive(_) => "archive",
            Command::Changes(_) => "changes",
            Command::Serve(_) => "serve",
            Command::Dashboard(_) => "dashboard",
            Command::Token(_) => "token",
            Command::Webhook(_) => "webhook",
            Command::Rebuild(_) => "rebuild",
            Command::Plugins(_) => "plugins",
            Command::Plugin(_) => "plugins",
        }
    }
}

/// Whether the command line asks for JSON output: `--json`, or `export` in its default or
/// `--format json`.
fn wants_json(command: &Command) -> bool {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    match command {
        Command::Export(_) => !args.windows(2).any(|w| w[0] == "--format" && w[1] == "csv") && !flag("--format=csv"),
        _ => flag("--json"),
    }
}
