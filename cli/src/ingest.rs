//! `claimtrack ingest`: archive and read files into the store.

use std::io::Write;
use std::path::PathBuf;

use super::output::{self, outln};
use super::{exit, setup_failed, Ctx};
use claimtrack::ingest::{self, IngestLine as Line, IngestReport, Outcome, Unreadable};
use claimtrack::model::Severity;
use claimtrack::package::PackageLimits;
use claimtrack::paths::{read_file, walk, DataDir};
use claimtrack::plugins::PluginSet;
use claimtrack::runtime::Limits;
use claimtrack::store::Store;

#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Files or folders (read recursively).
    #[arg(required = true, value_name = "FILE|DIR")]
    paths: Vec<PathBuf>,

    /// Print JSON (docs/json.md): one object per file with its outcome.
    #[arg(long)]
    json: bool,

    /// Follow symbolic links that lead out of the folders given (by default they are skipped,
    /// and said).
    #[arg(long)]
    follow_links: bool,
}

pub fn run(ctx: &Ctx, args: IngestArgs) -> u8 {
    let (data_dir, clock) = (&ctx.data_dir, &ctx.clock);
    let mut store = match Store::open(data_dir) {
        Ok(s) => s,
        Err(e) => return setup_failed("the database could not be opened", &e.into()),
    };
    let (set, problems) = match PluginSet::open(Some(data_dir), Limits::default()) {
        Ok(v) => v,
        Err(e) => return setup_failed("the plugin runtime could not start", &e),
    };
    for p in &problems {
        eprintln!("warning: plugin {} was not loaded: {}", p.source, p.error);
    }
    let limits = PackageLimits::default();
    let mut code = exit::OK;
    let mut lines = Vec::new();
    let (paths, skipped) = files_of(&args.paths, data_dir, args.follow_links);
    for (path, why) in &skipped {
        eprintln!("skipped {}: {why}", output::clean(&path.display().to_string()));
    }
    for path in paths {
        let name = path.display().to_string();
        let line = match read_file(&path, ctx.max_file_bytes) {
            Err(e) => Line::Unreadable(Unreadable::new(name.clone(), e.to_string())),
            Ok(bytes) => match ingest::ingest_bytes(&mut store, &set, clock, &limits, &name, &ingest::FileOrigin::Ingest, &bytes) {
                Ok(r) => Line::Report(r),
                Err(e) => {
                    // The database failed (disk full, locked too long): stop, nothing half-written.
                    eprintln!("error: {name}: {e}; nothing of this file was stored");
                    return exit::SETUP;
                }
            },
        };
        match &line {
            Line::Unreadable(_) => code = exit::SOME_FAILED,
            Line::Report(r) if r.needs_attention() => code = exit::SOME_FAILED,
            Line::Report(_) => {}
        }
        if !args.json {
            let (mut good, mut bad) = (Vec::new(), Vec::new());
            print_line(&mut good, &mut bad, &line, "");
            output::out(&String::from_utf8_lossy(&good));
            eprint!("{}", String::from_utf8_lossy(&bad));
        }
        lines.push(line);
    }
    if args.json {
        output::json("ingest", &lines);
    } else {
        outln!("{}", summary(&lines));
    }
    code
}

/// Every file under the given paths, folders recursively ([`walk`]), in a stable order,
/// leaving out the data folder itself (ingesting a folder that holds it must not archive the
/// database into itself); and what was skipped, with why. A path named directly is taken as
/// given: reading it says what is wrong with it.
fn files_of(paths: &[PathBuf], data_dir: &DataDir, follow_links: bool) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let data = std::fs::canonicalize(data_dir.root()).ok();
    let inside_data = |p: &PathBuf| match (&data, std::fs::canonicalize(p)) {
        (Some(d), Ok(c)) => c.starts_with(d),
        _ => false,
    };
    let (mut out, mut skipped) = (Vec::new(), Vec::new());
    for p in paths {
        if p.is_dir() {
            let w = walk(p, follow_links);
            out.extend(w.files.into_iter().filter(|f| !inside_data(f)));
            skipped.extend(w.skipped);
        } else {
            out.push(p.clone());
        }
    }
    (out, skipped)
}

/// One file's outcome: what went well to `out` (stdout), what needs attention to `err`
/// (stderr), so a script reading stdout sees the files read and a person sees the problems.
fn print_line(out: &mut impl Write, err: &mut impl Write, line: &Line, indent: &str) {
    // Problems are said on stderr, which a terminal shows in colour on its own.
    let label = |s: Severity| if output::stderr_color() { output::severity_label(s) } else { s.as_str().to_string() };
    match line {
        Line::Unreadable(u) => {
            let _ = writeln!(err, "{indent}{}: {}: {}", label(Severity::Error), output::clean(&u.name), u.problem);
        }
        Line::Report(r) => match &r.outcome {
            Outcome::Ingested { format, events, warnings, errors, .. } => {
                let _ = writeln!(
                    out,
                    "{indent}ingested {} ({format}, {events} events, {warnings} warnings, {errors} errors)",
                    output::clean(&r.name)
                );
            }
            Outcome::AlreadyIngested { needs_attention: false, .. } => {
                let _ = writeln!(out, "{indent}already ingested {}", output::clean(&r.name));
            }
            Outcome::AlreadyIngested { needs_attention: true, .. } => {
                let _ = writeln!(
                    err,
                    "{indent}{}: {} was ingested before and still needs attention (`claimtrack files --attention`)",
                    label(Severity::Warning),
                    output::clean(&r.name)
                );
            }
            Outcome::NeedsAttention { problem, .. } => {
                let _ = writeln!(
                    err,
                    "{indent}{}: {} was archived but needs attention: {}",
                    label(Severity::Warning),
                    output::clean(&r.name),
                    output::clean(problem)
                );
            }
            Outcome::Package { members, .. } => {
                let _ = writeln!(out, "{indent}package {} ({} files)", output::clean(&r.name), members.len());
                for m in members {
                    print_line(out, err, &Line::Report(m.clone()), "  ");
                }
            }
        },
    }
}

fn summary(lines: &[Line]) -> String {
    let (mut new, mut again, mut attention, mut unreadable) = (0, 0, 0, 0);
    fn count(r: &IngestReport, new: &mut usize, again: &mut usize, attention: &mut usize) {
        match &r.outcome {
            Outcome::Ingested { errors, .. } => {
                *new += 1;
                if *errors > 0 {
                    *attention += 1;
                }
            }
            Outcome::AlreadyIngested { needs_attention, .. } => {
                *again += 1;
                if *needs_attention {
                    *attention += 1;
                }
            }
            Outcome::NeedsAttention { .. } => *attention += 1,
            Outcome::Package { members, .. } => {
                for m in members {
                    count(m, new, again, attention);
                }
            }
        }
    }
    for l in lines {
        match l {
            Line::Report(r) => count(r, &mut new, &mut again, &mut attention),
            Line::Unreadable(_) => unreadable += 1,
        }
    }
    let mut s = format!("{new} ingested, {again} already ingested, {attention} need attention");
    if unreadable > 0 {
        s.push_str(&format!(", {unreadable} unreadable"));
    }
    if attention > 0 {
        s.push_str(" (see `claimtrack files --attention`)");
    }
    s
}
