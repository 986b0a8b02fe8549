//! `claimtrack submit`, `outbox` and `mark-uploaded`: submission bookkeeping (see
//! [`crate::submit`]).

use std::path::PathBuf;

use comfy_table::Cell;
use serde::Serialize;

use super::track::{json_out, open};
use super::{exit, output, setup_failed};
use crate::clock::Clock;
use crate::model::Severity;
use crate::paths::DataDir;
use crate::submit::{SubmitError, UploadError};

#[derive(Debug, clap::Args)]
pub struct SubmitArgs {
    /// The 837P, 837I or 837D batch file.
    #[arg(value_name = "FILE.837")]
    file: PathBuf,

    /// Stage it as an Office Ally test file: its name carries OATEST, so Office Ally checks
    /// it but does not send its claims to payers. (ISA15 `T` alone does not do that.)
    #[arg(long)]
    test: bool,

    /// Submit even though the file breaks Office Ally rules or has errors (their codes are
    /// recorded with it).
    #[arg(long)]
    force: bool,

    /// Print JSON: the submission, or why it was not made.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct OutboxArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct MarkUploadedArgs {
    /// The batch id (`claimtrack outbox`, first column) or the staged file name.
    #[arg(value_name = "BATCH|STAGED_NAME")]
    key: String,

    /// Print JSON: what was recorded.
    #[arg(long)]
    json: bool,
}

/// A broken rule's message without the plugin's "Office Ally rule: " lead (the code says it).
fn rule_text(message: &str) -> &str {
    message.strip_prefix("Office Ally rule: ").unwrap_or(message)
}

#[derive(Serialize)]
struct Rule<'a> {
    code: &'a str,
    message: &'a str,
}

/// `submit --json` when nothing new was submitted.
#[derive(Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
enum NotSubmitted<'a> {
    Refused { file: String, broken_rules: Vec<Rule<'a>> },
    AlreadySubmitted {
        file: String,
        staged_name: &'a str,
        batch_id: Option<i64>,
        status: Option<&'a str>,
        queued_at: &'a str,
        uploaded_at: Option<&'a str>,
        restored_to_outbox: bool,
    },
    Error { file: String, kind: &'static str, message: String },
}

/// `config_test_mode`: the config's `sync.test_mode`, which makes --test the default.
pub fn submit(data_dir: &DataDir, clock: &Clock, mut args: SubmitArgs, config_test_mode: bool) -> u8 {
    args.test |= config_test_mode;
    let file = args.file.display().to_string();
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {file}: cannot read it: {e}");
            return exit::SOME_FAILED;
        }
    };
    let mut t = match open(data_dir, clock) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let err = match t.submit(&file, &bytes, args.test, args.force) {
        Ok(s) => {
            if args.json {
                #[derive(Serialize)]
                struct Queued<'a> {
                    outcome: &'static str,
                    #[serde(flatten)]
                    submission: &'a crate::submit::Submission,
                }
                json_out(&Queued { outcome: "queued", submission: &s });
                return exit::OK;
            }
            let mode = if s.test_mode { "test file (OATEST)" } else { "production" };
            println!(
                "queued {} as {} (batch {}, {} claim{}, {}, {mode})",
                s.original_name,
                s.staged_name,
                s.batch_id,
                s.claim_count,
                if s.claim_count == 1 { "" } else { "s" },
                s.format.trim_start_matches("x12-").to_ascii_uppercase(),
            );
            println!("  outbox: {}", s.outbox_path.display());
            if !s.forced_rules.is_empty() {
                println!(
                    "  {}: submitted despite broken Office Ally rules: {}",
                    output::severity_label(Severity::Warning),
                    s.forced_rules.join(", ")
                );
            }
            println!(
                "It is QUEUED: `claimtrack sync` uploads it (or upload it by hand under exactly this name, then run \
                 `claimtrack mark-uploaded {}`).",
                s.batch_id
            );
            return exit::OK;
        }
        Err(e) => e,
    };
    match &err {
        SubmitError::RulesBroken(rules) => {
            if args.json {
                let broken_rules = rules.iter().map(|(c, m)| Rule { code: c, message: rule_text(m) }).collect();
                json_out(&NotSubmitted::Refused { file: file.clone(), broken_rules });
            }
            let n = rules.len();
            let what = if n == 1 { "problem" } else { "problems" };
            eprintln!("error: {file} has {n} {what} Office Ally would fail or misroute it for; nothing was stored:");
            for (code, message) in rules {
                eprintln!("  {code}: {}", rule_text(message));
            }
            if rules.iter().any(|(c, _)| c == "oa-rule-isa15-test") && !args.test {
                eprintln!("If this is a test file, pass --test: its staged name then carries OATEST.");
            }
            eprintln!("Fix the file, or pass --force to submit anyway.");
            exit::SOME_FAILED
        }
        SubmitError::AlreadySubmitted { staged_name, batch_id, status, queued_at, uploaded_at, restored } => {
            if args.json {
                json_out(&NotSubmitted::AlreadySubmitted {
                    file: file.clone(),
                    staged_name,
                    batch_id: *batch_id,
                    status: status.as_deref(),
                    queued_at,
                    uploaded_at: uploaded_at.as_deref(),
                    restored_to_outbox: *restored,
                });
                return exit::OK;
            }
            let when = match uploaded_at {
                Some(at) => format!("uploaded {at}"),
                None => format!("queued {queued_at}, not uploaded yet"),
            };
            println!("already submitted {file}: {err} — {when}; {}", status.as_deref().unwrap_or("no batch"));
            if *restored {
                println!("  its outbox file was missing and has been put back");
            }
            exit::OK
        }
        other => {
            let (kind, code) = match other {
                SubmitError::NotAn837 { .. } => ("not_an_837", exit::SOME_FAILED),
                SubmitError::NoClaims { .. } => ("no_claims", exit::SOME_FAILED),
                SubmitError::AlreadyIngested { .. } => ("already_ingested", exit::SOME_FAILED),
                SubmitError::Outbox { .. } | SubmitError::NotStaged { .. } => ("outbox", exit::SETUP),
                _ => ("database", exit::SETUP),
            };
            if args.json {
                json_out(&NotSubmitted::Error { file: file.clone(), kind, message: other.to_string() });
            }
            eprintln!("error: {other}");
            code
        }
    }
}

pub fn outbox(data_dir: &DataDir, clock: &Clock, args: OutboxArgs) -> u8 {
    let t = match open(data_dir, clock) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let entries = match t.outbox() {
        Ok(e) => e,
        Err(e) => return setup_failed("the outbox could not be read", &e.into()),
    };
    if args.json {
        json_out(&entries);
        return exit::OK;
    }
    if entries.is_empty() {
        println!("The outbox is empty: every submitted batch has been uploaded (`claimtrack submit FILE.837` adds one).");
        return exit::OK;
    }
    let mut table = output::table(&["Batch", "Staged name", "From", "Claims", "Queued", "Forced rules"]);
    for e in &entries {
        let mut name = e.staged_name.clone();
        if !e.present {
            name.push_str("\n(missing: submit the file again to restore it)");
        }
        table.add_row(vec![
            Cell::new(e.batch_id.map(|b| b.to_string()).unwrap_or_default()),
            Cell::new(name),
            Cell::new(&e.original_name),
            Cell::new(e.claim_count),
            Cell::new(&e.queued_at),
            Cell::new(e.forced_rules.join("\n")),
        ]);
    }
    println!("{table}");
    println!(
        "Folder: {}. `claimtrack sync` uploads them; or upload each file under its name to Office Ally's inbound \
         folder by hand, then run `claimtrack mark-uploaded BATCH`.",
        data_dir.outbox().display()
    );
    exit::OK
}

pub fn mark_uploaded(data_dir: &DataDir, clock: &Clock, args: MarkUploadedArgs) -> u8 {
    let mut t = match open(data_dir, clock) {
        Ok(t) => t,
        Err(code) => return code,
    };
    match t.mark_uploaded(&args.key) {
        Ok(u) => {
            if args.json {
                json_out(&u);
                return exit::OK;
            }
            let batch = u.batch_id.map(|b| format!("batch {b} ")).unwrap_or_default();
            let status = u.status.as_deref().unwrap_or("no batch");
            if u.already {
                println!("{batch}({}) was already marked uploaded at {}; {status}", u.staged_name, u.uploaded_at);
            } else {
                println!("{batch}({}) marked uploaded at {}: now {status}", u.staged_name, u.uploaded_at);
                println!(
                    "Office Ally's File Summary usually follows within 6–12 hours; `claimtrack ingest` it and the \
                     batch's status moves on."
                );
            }
            if let Some(to) = &u.moved_to {
                println!("  moved out of the outbox to {}", to.display());
            }
            exit::OK
        }
        Err(e @ (UploadError::Unknown(_) | UploadError::NotSubmitted { .. })) => {
            eprintln!("error: {e}");
            exit::SOME_FAILED
        }
        Err(e @ UploadError::Move { .. }) => {
            eprintln!("error: {e}");
            exit::SETUP
        }
        Err(UploadError::Store(e)) => setup_failed("the upload could not be recorded", &e.into()),
    }
}
