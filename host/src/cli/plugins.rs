//! `claimtrack plugins`: what reads which files.

use std::io::Write;

use comfy_table::Cell;
use serde::Serialize;

use super::{exit, output, setup_failed};
use crate::model::FormatInfo;
use crate::paths::DataDir;
use crate::plugins::{Origin, PluginSet};
use crate::runtime::Limits;

#[derive(Debug, clap::Args)]
pub struct PluginsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct PluginJson<'a> {
    name: &'a str,
    version: &'a str,
    description: &'a str,
    wit_version: String,
    origin: &'a Origin,
    sha256: String,
    size: u64,
    formats: &'a [FormatInfo],
}

#[derive(Serialize)]
struct ProblemJson {
    source: String,
    error: String,
}

#[derive(Serialize)]
struct ListingJson<'a> {
    plugins: Vec<PluginJson<'a>>,
    problems: Vec<ProblemJson>,
}

pub fn run(data_dir: &DataDir, args: PluginsArgs) -> u8 {
    let (set, problems) = match PluginSet::open(Some(data_dir), Limits::default()) {
        Ok(v) => v,
        Err(e) => return setup_failed("the plugin runtime could not start", &e),
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        let listing = ListingJson {
            plugins: set
                .plugins()
                .iter()
                .map(|p| PluginJson {
                    name: &p.info().name,
                    version: &p.info().version,
                    description: &p.info().description,
                    wit_version: p.wit_version(),
                    origin: p.origin(),
                    sha256: p.sha256(),
                    size: p.size(),
                    formats: &p.info().formats,
                })
                .collect(),
            problems: problems.iter().map(|p| ProblemJson { source: p.source.clone(), error: p.error.to_string() }).collect(),
        };
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&listing).expect("serializes"));
    } else {
        let mut t = output::table(&["Plugin", "Version", "WIT", "Formats", "File names", "Origin", "SHA-256"]);
        for p in set.plugins() {
            let info = p.info();
            let formats: Vec<String> = info.formats.iter().map(|f| format!("{} — {}", f.id, f.description)).collect();
            let hints: Vec<String> = info.formats.iter().map(|f| f.file_name_hints.join(" ")).collect();
            let origin = match p.origin() {
                Origin::BuiltIn => "built-in".to_string(),
                Origin::File(path) => path.display().to_string(),
            };
            let sha = p.sha256();
            t.add_row(vec![
                Cell::new(&info.name),
                Cell::new(&info.version),
                Cell::new(p.wit_version()),
                Cell::new(formats.join("\n")),
                Cell::new(hints.join("\n")),
                Cell::new(origin),
                Cell::new(&sha[..16]),
            ]);
        }
        let _ = writeln!(out, "{t}");
        let _ = writeln!(out, "Third-party plugins go in {}", data_dir.plugins().display());
        for p in &problems {
            let _ = writeln!(out, "{}: plugin {} was not loaded: {}", output::severity_label(crate::model::Severity::Error), p.source, p.error);
        }
    }
    if problems.is_empty() { exit::OK } else { exit::SOME_FAILED }
}
