//! `claimtrack parse`: show what response files say.

use std::io::Write;
use std::path::PathBuf;

use super::output::{self, outln};
use super::table::{Cell, Table};
use super::{exit, setup_failed, Ctx};
use claimtrack::claim_checks;
use claimtrack::model::{ParsedFile, Severity, StatusEvent};
use claimtrack::package::PackageLimits;
use claimtrack::plugins::{ParseErrorJson, ParseFailure, ParseJson as FileJson, ParseReport, PluginSet};
use claimtrack::runtime::Limits;

#[derive(Debug, clap::Args)]
pub struct ParseArgs {
    /// Files to read. A zip (an ERA package) is opened and each file inside is read.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Print JSON (docs/json.md) instead of tables: `data` is one object per file, or an
    /// array for several files.
    #[arg(long)]
    json: bool,

    /// Use this plugin instead of choosing by content (see `claimtrack plugins`).
    #[arg(long, value_name = "NAME")]
    plugin: Option<String>,
}

/// A parsed file, or why not: (message, kind for `--json`).
type FileResult = Result<ParseReport, (String, &'static str)>;

pub fn run(ctx: &Ctx, args: ParseArgs) -> u8 {
    let (set, problems) = match PluginSet::open(Some(&ctx.data_dir), Limits::default()) {
        Ok(v) => v,
        Err(e) => return setup_failed("the plugin runtime could not start", &e),
    };
    for p in &problems {
        eprintln!("warning: plugin {} was not loaded: {}", p.source, p.error);
    }
    // A plugin asked for by a name no plugin has is a mistake on the command line.
    if let Some(name) = &args.plugin
        && !set.plugins().iter().any(|p| p.name() == name)
    {
        let names: Vec<&str> = set.plugins().iter().map(|p| p.name()).collect();
        output::fail(
            "unknown_plugin",
            &format!("there is no plugin named {name:?}; installed plugins: {}", names.join(", ")),
            Some("`claimtrack plugins` lists them."),
        );
        return exit::USAGE;
    }
    let mut code = exit::OK;
    let mut results: Vec<(String, Option<String>, FileResult)> = Vec::new();
    let limits = PackageLimits::default();
    for path in &args.files {
        let shown = path.display().to_string();
        let outcomes: Vec<(String, Option<String>, FileResult)> = match claimtrack::paths::read_file(path, ctx.max_file_bytes) {
            Err(e) => vec![(shown.clone(), None, Err((e.to_string(), "unreadable")))],
            Ok(bytes) => set
                .parse_file(&shown, &bytes, args.plugin.as_deref(), &limits)
                .into_iter()
                .map(|o| (o.name, o.package, o.result.map_err(|e: ParseFailure| (e.to_string(), e.kind()))))
                .collect(),
        };
        for (name, package, mut result) in outcomes {
            if let Ok(r) = &mut result {
                r.parsed.diagnostics.extend(claim_checks::future_service_dates(&r.parsed.events, claim_checks::today(&ctx.clock)));
            }
            match &result {
                Err(_) => code = exit::SOME_FAILED,
                Ok(r) if r.parsed.count(Severity::Error) > 0 => code = exit::SOME_FAILED,
                Ok(_) => {}
            }
            if !args.json {
                print_human(&name, &result);
            }
            results.push((name, package, result));
        }
    }
    if args.json {
        let objs: Vec<FileJson> = results
            .iter()
            .map(|(file, package, r)| match r {
                Ok(rep) => FileJson {
                    file: file.clone(),
                    package: package.as_deref(),
                    format: Some(&rep.parsed.metadata.format_id),
                    plugin: Some(&rep.plugin),
                    plugin_version: Some(&rep.plugin_version),
                    metadata: Some(&rep.parsed.metadata),
                    events: &rep.parsed.events,
                    diagnostics: &rep.parsed.diagnostics,
                    error: None,
                },
                Err((message, kind)) => FileJson {
                    file: file.clone(),
                    package: package.as_deref(),
                    format: None,
                    plugin: None,
                    plugin_version: None,
                    metadata: None,
                    events: &[],
                    diagnostics: &[],
                    error: Some(ParseErrorJson { kind, message: message.clone() }),
                },
            })
            .collect();
        // Streamed: a 20,000-claim ERA is ~90 MB of JSON, not worth holding in memory first.
        // The envelope is written around the streamed `data` by hand.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let written = write!(out, "{{\n  \"schema_version\": {},\n  \"command\": \"parse\",\n  \"data\": ", output::JSON_SCHEMA_VERSION)
            .map_err(serde_json::Error::io)
            .and_then(|()| {
                if objs.len() == 1 {
                    serde_json::to_writer_pretty(&mut out, &objs[0])
                } else {
                    serde_json::to_writer_pretty(&mut out, &objs)
                }
            })
            .and_then(|()| writeln!(out, "\n}}").and_then(|()| out.flush()).map_err(serde_json::Error::io));
        // A closed pipe (`| head`) is not an error worth reporting; the model always serializes.
        if let Err(e) = written
            && e.io_error_kind() != Some(std::io::ErrorKind::BrokenPipe)
        {
            eprintln!("error: cannot write the output: {e}");
            return exit::SETUP;
        }
    }
    code
}

fn print_human(file: &str, result: &FileResult) {
    let file = output::clean(file);
    match result {
        Err((message, _)) => {
            let label = if output::stderr_color() { output::severity_label(Severity::Error) } else { "error".to_string() };
            eprintln!("{file}: {label}: {}\n", output::clean(message));
        }
        Ok(rep) => {
            let p = &rep.parsed;
            outln!(
                "{file}: {} (plugin {} {}) — {} events, {} warnings, {} errors",
                p.metadata.format_id,
                rep.plugin,
                rep.plugin_version,
                p.events.len(),
                p.count(Severity::Warning),
                p.count(Severity::Error)
            );
            if !p.events.is_empty() {
                output::print_table(&events_table(p));
            }
            for d in &p.diagnostics {
                let at = d.position.as_ref().map(|p| format!(" ({p})")).unwrap_or_default();
                let code = d.code.as_deref().map(|c| format!("[{c}] ")).unwrap_or_default();
                outln!("  {}: {code}{}{at}", output::severity_label(d.severity), output::clean(&d.message));
            }
            outln!();
        }
    }
}

/// One row per event. Patient names are not shown here (the JSON has them): the claim is
/// identified by its patient control number, which is what the billing system shows too.
fn events_table(p: &ParsedFile) -> Table {
    let mut t = Table::new(&["Level", "Source", "Status", "Code", "Refers to", "Amounts"]).fold(&[5, 4]);
    for e in &p.events {
        let refers = refers_to(e);
        let mut amounts = Vec::new();
        if let Some(c) = e.amounts.charged {
            amounts.push(format!("charged {}", output::dollars(c)));
        }
        if let Some(c) = e.amounts.paid {
            amounts.push(format!("paid {}", output::dollars(c)));
        }
        if let Some(c) = e.amounts.patient_responsibility {
            amounts.push(format!("patient {}", output::dollars(c)));
        }
        let reasons: Vec<String> = e
            .reasons
            .iter()
            .take(4)
            .map(|r| {
                let code = match &r.group {
                    Some(g) => format!("{g}-{}", r.code),
                    None => r.code.clone(),
                };
                match &r.description {
                    Some(d) => format!("{code} {}", output::clean(d)),
                    None => output::clean(&code),
                }
            })
            .chain((e.reasons.len() > 4).then(|| format!("… {} more", e.reasons.len() - 4)))
            .collect();
        t.row(vec![
            Cell::new(e.level.as_str().replace('_', " ")),
            Cell::new(e.source.as_str()),
            Cell::new(e.status.as_str().replace('_', " ")).tone(output::status_tone(e.status)),
            Cell::new(output::clean(&e.raw_code)),
            Cell::new(refers),
            Cell::new(amounts.join("\n")),
        ]);
        for r in reasons {
            t.note(r);
        }
    }
    t
}

/// What an event refers to, one key a line (each shown escaped: keys come from the file).
fn refers_to(e: &StatusEvent) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(c) = &e.claim {
        if let Some(v) = &c.patient_control_number {
            parts.push(format!("claim {v}"));
        }
        if let Some(v) = &c.clearinghouse_claim_id {
            parts.push(format!("OA {v}"));
        }
        if let Some(v) = &c.payer_claim_number {
            parts.push(format!("ICN {v}"));
        }
    }
    if let Some(v) = e.service_line.as_ref().and_then(|s| s.procedure_code.as_ref()) {
        parts.push(format!("line {v}"));
    }
    let c = &e.correlation;
    if let Some(v) = &c.interchange_control_number {
        parts.push(format!("ISA13 {v}"));
    }
    if let Some(v) = &c.group_control_number {
        parts.push(format!("GS06 {v}"));
    }
    if let Some(v) = &c.transaction_set_control_number {
        parts.push(format!("ST02 {v}"));
    }
    if let Some(v) = &c.batch_reference {
        parts.push(format!("batch {v}"));
    }
    if let Some(v) = &e.payment_reference {
        parts.push(format!("payment {v}"));
    }
    parts.iter().map(|p| output::clean(p)).collect::<Vec<_>>().join("\n")
}
