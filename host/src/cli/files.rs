//! `claimtrack files`: the archive, and what needs attention.

use std::io::Write;

use comfy_table::Cell;
use serde::Serialize;

use super::{exit, output, setup_failed};
use crate::paths::DataDir;
use crate::store::{ArchivedFile, Store};

#[derive(Debug, clap::Args)]
pub struct FilesArgs {
    /// Only files that need attention: not read by any plugin, refused, or read with errors.
    #[arg(long)]
    attention: bool,

    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Listing<'a> {
    files: &'a [ArchivedFile],
}

pub fn run(data_dir: &DataDir, args: FilesArgs) -> u8 {
    let store = match Store::open(data_dir) {
        Ok(s) => s,
        Err(e) => return setup_failed("the database could not be opened", &e.into()),
    };
    let files = match store.archived_files(args.attention) {
        Ok(f) => f,
        Err(e) => return setup_failed("the archive could not be read", &e.into()),
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&Listing { files: &files }).expect("serializes"));
        return exit::OK;
    }
    let mut t = output::table(&["Id", "First seen", "File", "Read as", "Events", "Problem"]);
    for f in &files {
        let read_as = match (&f.format, &f.plugin) {
            (Some(fmt), Some(p)) => format!("{fmt} ({p})"),
            _ if f.kind == "package" && f.problem.is_none() => "package".to_string(),
            _ => "—".to_string(),
        };
        let problem = match (&f.problem, f.errors, f.warnings) {
            (Some(p), _, _) => p.clone(),
            (None, e, _) if e > 0 => format!("{e} errors while reading (see `claimtrack parse`)"),
            (None, _, w) if w > 0 => format!("{w} warnings"),
            _ => String::new(),
        };
        t.add_row(vec![
            Cell::new(f.id),
            Cell::new(&f.first_seen),
            Cell::new(&f.name),
            Cell::new(read_as),
            Cell::new(f.events),
            Cell::new(problem),
        ]);
    }
    if files.is_empty() {
        let _ = writeln!(out, "{}", if args.attention { "No file needs attention." } else { "The archive is empty." });
    } else {
        let _ = writeln!(out, "{t}");
    }
    exit::OK
}
