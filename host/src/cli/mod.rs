//! The `claimtrack` command line: a thin layer over the library.

mod alerts;
mod connect;
mod demo;
mod docs;
mod files;
mod ingest;
mod output;
mod parse;
mod plugins;
mod submit;
mod track;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::clock::Clock;
use crate::paths::DataDir;

fn parse_now(s: &str) -> Result<Clock, String> {
    Clock::parse_fixed(s)
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
Exit codes: 0 success · 1 some files failed or contain errors (the rest were processed) ·
2 bad command line · 3 setup failed (data folder, plugin runtime, configuration, or the
connection to Office Ally) · 130 `watch` stopped by Ctrl-C.

Logging goes to stderr; set CLAIMTRACK_LOG=debug for more. Patient data is never logged at
the default level.";

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

    #[command(subcommand)]
    pub command: Command,
}

#[doc(hidden)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read response files and show the statuses they contain.
    ///
    /// Each file goes to the plugin most sure it reads it (see `claimtrack plugins`). Nothing
    /// is stored: this only shows what a file says.
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

    /// Submit an 837 batch: check it against Office Ally's rules and stage it in the outbox.
    ///
    /// The file must be an 837P, 837I or 837D. It is checked as Office Ally will see it,
    /// under the name it is staged under: each broken Office Ally rule (oa-rule-…) and each
    /// error reading the file (file-error) is listed with its code, nothing is stored and
    /// the exit code is 1, unless --force. Otherwise it is archived, its batch and claims are
    /// QUEUED, and it is copied into the data folder's outbox/ under an Office Ally name:
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
    /// Their files are in the data folder's outbox/. Upload each under its name to Office
    /// Ally's inbound folder, then `claimtrack mark-uploaded BATCH`.
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

    /// Run the whole job on a demo practice, with a simulated Office Ally: no account needed.
    ///
    /// Creates a fresh folder, submits four generated 837P batches, lets the clearinghouse
    /// simulator answer through a local mailbox folder, and syncs while the clock moves
    /// through hours and days: AWAITING → OA ACCEPTED (one batch with rejections) → PAYER
    /// ACCEPTED → PAID / DENIED, one batch stuck AWAITING past 72 hours with its alert, and
    /// the errors report. Every step is the real command. Ends with the commands to explore
    /// the demo's data. Takes a few seconds.
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
    /// the config, never printed. Running init again changes only what is given.
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
    Watch(connect::WatchArgs),

    /// Check the connection to Office Ally step by step and say what to do.
    ///
    /// Checks, in order: config, password, DNS, TCP, SSH handshake, host key, login, the
    /// inbound and outbound folders, uploads still waiting in inbound hours later (not
    /// picked up by Office Ally), and the age of the newest report. The verdict names the
    /// likely cause: changed SFTP credentials, or an account Office Ally paused.
    /// The login is tried at most once, and not at all while the same credentials stand
    /// rejected. Exit code 0 when healthy, 1 otherwise.
    #[command(verbatim_doc_comment)]
    Doctor(connect::DoctorArgs),

    /// List the archived files: what each was read as, or why it needs attention.
    Files(files::FilesArgs),

    /// The batches: submitted, claim count, status (R marks rejected claims), Office Ally
    /// file IDs, age.
    /// Archived batches are hidden unless --all.
    Batches(track::BatchesArgs),

    /// One batch's claims: patient control number, patient, dates, charge, OA Claim ID,
    /// status, last update, reasons.
    Batch(track::BatchArgs),

    /// Everything said about a claim, by patient control number, OA Claim ID or payer
    /// claim number: which file, which plugin, what it said.
    Claim(track::ClaimArgs),

    /// "Print Errors": every rejection and denial reason with its code, description and
    /// the claims it hit, grouped so claims can be fixed in bulk.
    Errors(track::ErrorsArgs),

    /// Every batch and claim with its status, reasons, identifiers and amounts.
    Export(track::ExportArgs),

    /// What needs attention now: batches still AWAITING after 24 hours (a notice) or 72
    /// hours (an alert, with the SFTP and account checklist), claims accepted by the payer
    /// with no ERA after --era-days, batches that can be archived. Newest first.
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

    /// Re-read every archived file with the current plugins and derive every status again;
    /// lists each status that changed.
    Rebuild(track::ListArgs),

    /// List the plugins that read files: versions, formats, hashes (the same as `plugin
    /// list`).
    ///
    /// Built-in plugins come with claimtrack; others are installed with `claimtrack plugin
    /// install`.
    Plugins(plugins::PluginsArgs),

    /// Third-party plugins: create a project (new), test it over sample files (test),
    /// install it (install), uninstall it (remove), list every plugin (list).
    Plugin(plugins::PluginArgs),
}

/// Run the CLI; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help/version to stdout with code 0, usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE } else { exit::OK });
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
    let clock = cli.now.unwrap_or(Clock::System);
    let code = match cli.command {
        Command::Parse(args) => parse::run(&data_dir, &clock, args),
        Command::Plugins(args) => plugins::run(&data_dir, args),
        Command::Plugin(args) => plugins::plugin(&data_dir, args),
        Command::Ingest(args) => ingest::run(&data_dir, &clock, args),
        Command::Submit(args) => submit::submit(&data_dir, &clock, args, connect::config_test_mode(cli.config.as_deref())),
        Command::Demo(args) => demo::run(args),
        Command::Completions(args) => docs::completions(args),
        Command::Man(args) => docs::man(args),
        Command::Init(args) => connect::init(cli.config.as_deref(), args),
        Command::Sync(args) => connect::sync(&data_dir, &clock, cli.config.as_deref(), args),
        Command::Watch(args) => connect::watch(&data_dir, &clock, cli.config.as_deref(), args),
        Command::Doctor(args) => connect::doctor(&data_dir, &clock, cli.config.as_deref(), args),
        Command::Outbox(args) => submit::outbox(&data_dir, &clock, args),
        Command::MarkUploaded(args) => submit::mark_uploaded(&data_dir, &clock, args),
        Command::Files(args) => files::run(&data_dir, args),
        Command::Batches(args) => track::batches(&data_dir, &clock, args),
        Command::Batch(args) => track::batch(&data_dir, &clock, args),
        Command::Claim(args) => track::claim(&data_dir, &clock, args),
        Command::Rebuild(args) => track::rebuild(&data_dir, &clock, args),
        Command::Errors(args) => track::errors(&data_dir, &clock, args),
        Command::Export(args) => track::export(&data_dir, &clock, args),
        Command::Alerts(args) => alerts::alerts(&data_dir, &clock, args),
        Command::Archive(args) => alerts::archive(&data_dir, &clock, args),
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

/// Print a setup error with what to do next, and return the setup exit code.
fn setup_failed(what: &str, err: &anyhow::Error) -> u8 {
    eprintln!("error: {what}: {err:#}");
    exit::SETUP
}
