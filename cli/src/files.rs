//! `claimtrack files`: the archive, what needs attention, and `files get` to have a stored
//! file back.

use std::path::PathBuf;

use clap::Subcommand;

use super::output::{self, outln};
use super::table::{Cell, Table, Tone};
use super::words::{count, file_kind};
use super::{exit, setup_failed, Ctx};
use claimtrack::paths::write_private;
use claimtrack::store::Store;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct FilesArgs {
    #[command(subcommand)]
    command: Option<FilesCommand>,

    /// Only files that need attention: not read by any plugin, refused, or read with errors.
    #[arg(long)]
    attention: bool,

    /// Print JSON (docs/json.md) instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum FilesCommand {
    /// Write a stored file's exact bytes: an 835 for payment posting, a File Summary to send
    /// Office Ally, a file that needs attention to look at.
    ///
    /// The file is named by its id (first column of `claimtrack files`) or its SHA-256 (or
    /// the first 8+ characters of it). It is written under its original name, readable by
    /// you only (it holds patient data), and its SHA-256 is checked against the archive's.
    ///
    /// Examples:
    ///   claimtrack files get 12
    ///   claimtrack files get 12 --out ~/Desktop
    ///   claimtrack files get 3f9a1c07 --out - | less
    #[command(verbatim_doc_comment)]
    Get(GetArgs),
}

#[derive(Debug, clap::Args)]
struct GetArgs {
    /// The file's id or SHA-256.
    #[arg(value_name = "ID|SHA256")]
    key: String,
    /// The folder to write it into (default: the current folder); `-` writes the bytes to
    /// standard output.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace a file of the same name in that folder.
    #[arg(long)]
    force: bool,
}

pub fn run(ctx: &Ctx, args: FilesArgs) -> u8 {
    if let Err(code) = super::track::no_data_yet(ctx) {
        return code;
    }
    let store = match Store::open(&ctx.data_dir) {
        Ok(s) => s,
        Err(e) => return setup_failed("the database could not be opened", &e.into()),
    };
    match args.command {
        Some(FilesCommand::Get(get_args)) => get(&store, get_args),
        None => list(ctx, &store, args.attention, args.json),
    }
}

fn list(ctx: &Ctx, store: &Store, attention: bool, json: bool) -> u8 {
    let files = match store.archived_files(attention) {
        Ok(f) => f,
        Err(e) => return setup_failed("the archive could not be read", &e.into()),
    };
    if json {
        output::json("files", &files);
        return exit::OK;
    }
    if files.is_empty() {
        outln!("{}", if attention { "No file needs attention." } else { "The archive is empty." });
        return exit::OK;
    }
    let mut t = Table::new(&["Id", "First seen", "Read as", "Events"]).right(&[0, 3]);
    for f in &files {
        let read_as = match &f.format {
            Some(fmt) => Cell::new(file_kind(fmt)),
            None if f.kind == "package" && f.problem.is_none() => Cell::new("zip package"),
            None => Cell::new("not read").tone(Tone::Bad),
        };
        t.row(vec![Cell::new(f.id.to_string()), Cell::new(ctx.times.at(f.first_seen)), read_as, Cell::new(f.events.to_string())]);
        t.note(output::clean(&f.name));
        match (&f.problem, f.errors, f.warnings) {
            (Some(p), _, _) => {
                t.note_toned(format!("needs attention: {}", output::clean(p)), Tone::Bad);
            }
            (None, e, _) if e > 0 => {
                t.note_toned(format!("{} while reading it", count(e, "error", "errors")), Tone::Bad);
            }
            (None, _, w) if w > 0 => {
                t.note_toned(count(w, "warning", "warnings"), Tone::Dim);
            }
            _ => {}
        }
    }
    output::print_table(&t);
    let attention_n = files.iter().filter(|f| f.problem.is_some() || f.errors > 0).count();
    if attention_n > 0 {
        outln!(
            "\n{} need attention. `claimtrack files get ID` writes a stored file out, to read it with \
             `claimtrack parse` or send it to Office Ally.",
            count(attention_n as i64, "file", "files")
        );
    }
    exit::OK
}

fn get(store: &Store, args: GetArgs) -> u8 {
    let (file, bytes) = match store.stored_file(&args.key) {
        Ok(Some(v)) => v,
        Ok(None) => {
            eprintln!("error: no stored file has the id or SHA-256 {:?}", args.key);
            eprintln!("`claimtrack files` lists them with their ids; a SHA-256 prefix must be 8+ characters and match one file.");
            return exit::SOME_FAILED;
        }
        Err(e) => return setup_failed("the archive could not be read", &e.into()),
    };
    // The archive is content-addressed: what comes out must be what went in.
    if claimtrack::ingest::sha256_hex(&bytes) != file.sha256 {
        eprintln!("error: stored file {} does not match its SHA-256; the database is damaged (`claimtrack doctor`)", file.id);
        return exit::SETUP;
    }
    if args.out.as_deref() == Some(std::path::Path::new("-")) {
        use std::io::Write;
        let mut o = std::io::stdout().lock();
        return match o.write_all(&bytes).and_then(|()| o.flush()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                eprintln!("error: cannot write the file to standard output: {e}");
                exit::SETUP
            }
            _ => exit::OK,
        };
    }
    // Only the last component of the stored name, and nothing that climbs out of the folder.
    let base = file.name.rsplit(['/', '\\']).next().unwrap_or("").replace(['!', '\0'], "_");
    let base = if base.is_empty() || base == "." || base == ".." { format!("file-{}", file.id) } else { base };
    let dir = args.out.unwrap_or_else(|| PathBuf::from("."));
    let path = dir.join(&base);
    if path.exists() && !args.force {
        eprintln!("error: {} already exists; pass --force to replace it, or --out DIR to write elsewhere", output::clean(&path.display().to_string()));
        return exit::SOME_FAILED;
    }
    match write_private(&path, &bytes) {
        Ok(()) => {
            outln!(
                "wrote {} ({} bytes, {}, SHA-256 {}…; readable by you only)",
                output::clean(&path.display().to_string()),
                bytes.len(),
                file.format.as_deref().map(file_kind).unwrap_or_else(|| "not read by any plugin".into()),
                &file.sha256[..12]
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", output::clean(&path.display().to_string()));
            exit::SETUP
        }
    }
}
