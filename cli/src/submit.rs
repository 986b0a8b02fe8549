//! `claimtrack submit`, `outbox` and `mark-uploaded`: submission bookkeeping (see
//! [`claimtrack::submit`]).

use std::path::PathBuf;

use super::output::{self, outln};
use super::table::{Cell, Table, Tone};
use super::track::{open, open_existing};
use super::words::count;
use super::{exit, setup_failed, Ctx};
use claimtrack::model::Severity;
use claimtrack::submit::{ResendError, SubmitError, SubmitOutcome, UploadError};

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

    /// Print JSON (docs/json.md): the submission, or why it was not made.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct OutboxArgs {
    /// Print JSON (docs/json.md) instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ResendArgs {
    /// The batch: its number, or the name it was uploaded under.
    #[arg(value_name = "BATCH")]
    key: String,

    /// Print JSON (docs/json.md): what was put back in the outbox.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct MarkUploadedArgs {
    /// The batch id (`claimtrack outbox`, first column) or the staged file name.
    #[arg(value_name = "BATCH|STAGED_NAME")]
    key: String,

    /// Print JSON (docs/json.md): what was recorded.
    #[arg(long)]
    json: bool,
}

/// A broken rule's message without the plugin's "Office Ally rule: " lead (the code says it).
fn rule_text(message: &str) -> &str {
    message.strip_prefix("Office Ally rule: ").unwrap_or(message)
}

/// Submit; the config's `sync.test_mode` makes --test the default.
pub fn submit(ctx: &Ctx, mut args: SubmitArgs) -> u8 {
    let config = super::connect::config_of(ctx);
    if let Some(code) = config.as_ref().and_then(|c| super::connect::refuse_pretend_for(ctx, c, "submit a batch for Office Ally")) {
        return code;
    }
    args.test |= config.is_some_and(|c| c.sync.test_mode);
    let file = args.file.display().to_string();
    let bytes = match claimtrack::paths::read_file(&args.file, ctx.max_file_bytes) {
        Ok(b) => b,
        Err(e) => {
            output::fail("unreadable", &format!("{}: cannot read it: {e}", output::clean(&file)), None);
            return exit::SOME_FAILED;
        }
    };
    let mut t = match open(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let result = t.submit(&file, &bytes, args.test, args.force);
    if args.json
        && let Some(outcome) = SubmitOutcome::of(&file, &result)
    {
        output::json("submit", &outcome);
        // A refusal goes on to say why on stderr, for the person, and to exit 1.
        if !matches!(outcome, SubmitOutcome::Refused { .. }) {
            return exit::OK;
        }
    }
    let err = match result {
        Ok(s) => {
            let mode = if s.test_mode { "test file (OATEST)" } else { "production" };
            outln!(
                "queued {} as {} (batch {}, {} claim{}, {}, {mode})",
                s.original_name,
                s.staged_name,
                s.batch_id,
                s.claim_count,
                if s.claim_count == 1 { "" } else { "s" },
                s.format.trim_start_matches("x12-").to_ascii_uppercase(),
            );
            outln!("  outbox: {}", s.outbox_path.display());
            if !s.forced_rules.is_empty() {
                outln!(
                    "  {}: submitted despite these problems (--force): {}",
                    output::severity_label(Severity::Warning),
                    s.forced_rules.join(", ")
                );
            }
            outln!(
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
            eprintln!(
                "error: {} has {} Office Ally or the payer would reject it for; nothing was stored:",
                output::clean(&file),
                count(rules.len() as i64, "problem", "problems")
            );
            for (code, message) in rules {
                eprintln!("  {code}: {}", output::clean(rule_text(message)));
            }
            if rules.iter().any(|(c, _)| c == "oa-rule-isa15-test") && !args.test {
                eprintln!("If this is a test file, pass --test: its staged name then carries OATEST.");
            }
            eprintln!("Fix the file, or pass --force to submit anyway.");
            exit::SOME_FAILED
        }
        SubmitError::AlreadySubmitted { status, queued_at, uploaded_at, restored, .. } => {
            let when = match uploaded_at {
                Some(at) => format!("uploaded {}", ctx.times.at_str(at)),
                None => format!("queued {}, not uploaded yet", ctx.times.at_str(queued_at)),
            };
            outln!("already submitted {}: {err} — {when}; {}", output::clean(&file), status.map_or("no batch", |s| s.as_str()));
            if *restored {
                outln!("  its outbox file was missing and has been put back");
            }
            exit::OK
        }
        other => {
            let code = match other {
                SubmitError::NotAn837 { .. } | SubmitError::NoClaims { .. } | SubmitError::AlreadyIngested { .. } => exit::SOME_FAILED,
                _ => exit::SETUP,
            };
            output::fail(other.kind(), &other.to_string(), None);
            code
        }
    }
}

pub fn outbox(ctx: &Ctx, args: OutboxArgs) -> u8 {
    let t = match open_existing(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let entries = match t.outbox() {
        Ok(e) => e,
        Err(e) => return setup_failed("the outbox could not be read", &e.into()),
    };
    if args.json {
        output::json("outbox", &entries);
        return exit::OK;
    }
    if entries.is_empty() {
        outln!("The outbox is empty: every submitted batch has been uploaded (`claimtrack submit FILE.837` adds one).");
        return exit::OK;
    }
    let mut table = Table::new(&["Batch", "Queued", "Claims", "From"]).right(&[0, 2]);
    for e in &entries {
        table.row(vec![
            Cell::new(e.batch_id.map(|b| b.to_string()).unwrap_or_default()),
            Cell::new(ctx.times.at_and_ago_str(&e.queued_at)),
            Cell::new(e.claim_count.to_string()),
            Cell::new(output::clean(&e.original_name)),
        ]);
        table.note(format!("uploads as {}", e.staged_name));
        if !e.present {
            table.note_toned("its outbox file is missing: submit the same 837 again to restore it", Tone::Bad);
        }
        if !e.forced_rules.is_empty() {
            table.note_toned(format!("submitted despite {}", e.forced_rules.join(", ")), Tone::Warn);
        }
    }
    output::print_table(&table);
    outln!(
        "\nFolder: {}. `claimtrack sync` uploads them; or upload each file under its name to Office Ally's inbound \
         folder by hand, then run `claimtrack mark-uploaded BATCH`.",
        ctx.data_dir.outbox().display()
    );
    exit::OK
}

pub fn mark_uploaded(ctx: &Ctx, args: MarkUploadedArgs) -> u8 {
    let mut t = match open_existing(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    match t.mark_uploaded(&args.key) {
        Ok(u) => {
            if args.json {
                output::json("mark-uploaded", &u);
                return exit::OK;
            }
            let batch = u.batch_id.map(|b| format!("batch {b} ")).unwrap_or_default();
            let status = u.status.map_or("no batch", |s| s.as_str());
            let at = ctx.times.at_str(&u.uploaded_at);
            if u.already {
                outln!("{batch}({}) was already marked uploaded at {at}; {status}", u.staged_name);
            } else {
                outln!("{batch}({}) marked uploaded at {at}: now {status}", u.staged_name);
                outln!(
                    "Office Ally's File Summary usually follows within 6–12 hours; `claimtrack sync` (or `claimtrack \
                     ingest` it) and the batch's status moves on."
                );
            }
            if let Some(to) = &u.moved_to {
                outln!("  moved out of the outbox to {}", to.display());
            }
            exit::OK
        }
        Err(e @ (UploadError::Unknown(_) | UploadError::NotSubmitted { .. })) => {
            output::fail("not_found", &e.to_string(), None);
            exit::SOME_FAILED
        }
        Err(e @ UploadError::Move { .. }) => {
            output::fail("outbox", &e.to_string(), None);
            exit::SETUP
        }
        Err(UploadError::Store(e)) => setup_failed("the upload could not be recorded", &e.into()),
    }
}

pub fn resend(ctx: &Ctx, args: ResendArgs) -> u8 {
    if let Some(code) = super::connect::config_of(ctx).and_then(|c| super::connect::refuse_pretend_for(ctx, &c, "resend a batch")) {
        return code;
    }
    let mut t = match open_existing(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let id = match t.find_batch(&args.key) {
        Ok(Some(id)) => id,
        Ok(None) => {
            output::fail("not_found", &format!("there is no batch {:?}", args.key), Some("`claimtrack batches` lists them."));
            return exit::SOME_FAILED;
        }
        Err(e) => return setup_failed("the batches could not be read", &e.into()),
    };
    match t.resend(id) {
        Ok(r) => {
            if args.json {
                output::json("resend", &r);
                return exit::OK;
            }
            outln!(
                "Batch {} is back in the outbox (QUEUED) as {}; it was uploaded {} and Office Ally never answered.",
                r.batch_id,
                r.staged_name,
                ctx.times.at_and_ago_str(&r.previously_uploaded_at)
            );
            outln!("`claimtrack sync` sends it again (it is not sent if it is still waiting in Office Ally's inbound folder).");
            exit::OK
        }
        Err(e @ (ResendError::Unknown(_) | ResendError::NotSubmitted(_) | ResendError::NotUploaded(_) | ResendError::Answered { .. })) => {
            let kind = if matches!(e, ResendError::Unknown(_)) { "not_found" } else { "refused" };
            output::fail(kind, &e.to_string(), None);
            exit::SOME_FAILED
        }
        Err(e @ ResendError::Outbox { .. }) => {
            output::fail("outbox", &e.to_string(), None);
            exit::SETUP
        }
        Err(ResendError::Store(e)) => setup_failed("the batch could not be put back in the outbox", &e.into()),
    }
}
