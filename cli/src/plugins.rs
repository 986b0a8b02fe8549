//! `claimtrack plugin …` (and `claimtrack plugins`, the same as `plugin list`): what reads
//! which files; creating, testing, installing and removing third-party plugins.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::output::{self, outln};
use super::table::{Cell, Table};
use super::{exit, setup_failed};
use claimtrack::paths::DataDir;
use claimtrack::plugin_install::{self, InstallOptions};
use claimtrack::plugin_test::{self, ExpectedAt, FixtureTest};
use claimtrack::plugins::{ListingJson, Origin, PluginSet};
use claimtrack::runtime::Limits;

/// `claimtrack plugins` and `claimtrack plugin list`.
#[derive(Debug, clap::Args)]
pub struct PluginsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// `claimtrack plugin SUBCOMMAND`.
#[derive(Debug, clap::Args)]
pub struct PluginArgs {
    #[command(subcommand)]
    command: PluginCommand,
}

#[derive(Debug, Subcommand)]
enum PluginCommand {
    /// List the plugins: built-in and installed, with versions, WIT versions, formats and
    /// SHA-256 hashes, and every plugin that was not loaded, with why.
    List(PluginsArgs),

    /// Create a plugin project, ready to build, in a new folder (default: ./NAME).
    ///
    /// The project is standalone: it carries claimtrack's plugin SDK and WIT contract
    /// (vendor/, wit/), a sample parser for a small claim-status CSV, a sample file with
    /// its expected output (fixtures/), and unit tests.
    ///
    /// Examples:
    ///   claimtrack plugin new acme-status
    ///   claimtrack plugin new acme-status --dir ~/src/acme-status
    #[command(verbatim_doc_comment)]
    New(NewArgs),

    /// Run a plugin over sample files and compare each output with the expected JSON
    /// beside it (<fixture>.expected.json); print a diff where they differ.
    ///
    /// Each fixture goes to the plugin most sure it reads it, among the built-in plugins
    /// and this one, as `claimtrack parse` would. A fixture named forced-* is handed to
    /// this plugin directly; one named refused-* must be refused. Exit code 1 when a
    /// fixture fails.
    ///
    /// Examples:
    ///   claimtrack plugin test target/wasm32-wasip2/release/acme_status.wasm fixtures
    ///   claimtrack plugin test acme_status.wasm fixtures --bless
    #[command(verbatim_doc_comment)]
    Test(TestArgs),

    /// Check a plugin and install it: copy it into the data folder and pin it by its
    /// SHA-256.
    ///
    /// The plugin must be a component of the `parser` world of a WIT version this
    /// claimtrack runs, say what it is, and answer a sniff. It is refused from then on if
    /// its file changes, until it is installed again. Installing a plugin of the same name
    /// again replaces it.
    ///
    /// Examples:
    ///   claimtrack plugin install target/wasm32-wasip2/release/acme_status.wasm
    ///   claimtrack plugin install --override my-x12-835.wasm
    #[command(verbatim_doc_comment)]
    Install(InstallArgs),

    /// Uninstall a plugin: delete its file from the data folder and forget its hash.
    Remove(RemoveArgs),
}

#[derive(Debug, clap::Args)]
struct NewArgs {
    /// The plugin's name: lower-case letters, digits and '-' (e.g. acme-status).
    name: String,
    /// The folder to create it in (absent or empty). Default: ./NAME.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct TestArgs {
    /// The plugin (.wasm).
    wasm: PathBuf,
    /// The folder of sample files (read recursively).
    fixtures: PathBuf,
    /// Write each output as its expected JSON instead of comparing (review the result
    /// before committing it).
    #[arg(long)]
    bless: bool,
}

#[derive(Debug, clap::Args)]
struct InstallArgs {
    /// The plugin (.wasm).
    wasm: PathBuf,
    /// Prefer this plugin over the built-in ones: it replaces a built-in plugin of the same
    /// name, and takes the files it reads from built-in plugins that read one of its
    /// formats. Without it, the plugin most sure it reads a file wins, and a tie is
    /// reported.
    #[arg(long = "override")]
    override_built_in: bool,
}

#[derive(Debug, clap::Args)]
struct RemoveArgs {
    /// The installed plugin's name (see `claimtrack plugin list`).
    name: String,
}

/// `claimtrack plugin …`.
pub fn plugin(data_dir: &DataDir, args: PluginArgs) -> u8 {
    match args.command {
        PluginCommand::List(a) => run(data_dir, a),
        PluginCommand::New(a) => new(a),
        PluginCommand::Test(a) => test(data_dir, a),
        PluginCommand::Install(a) => install(data_dir, a),
        PluginCommand::Remove(a) => remove(data_dir, a),
    }
}

/// `claimtrack plugins` / `claimtrack plugin list`.
pub fn run(data_dir: &DataDir, args: PluginsArgs) -> u8 {
    let (set, problems) = match PluginSet::open(Some(data_dir), Limits::default()) {
        Ok(v) => v,
        Err(e) => return setup_failed("the plugin runtime could not start", &e),
    };
    if args.json {
        let listing = ListingJson::new(&set, &problems);
        output::json("plugins", &listing);
    } else {
        let mut t = Table::new(&["Plugin", "Version", "WIT", "Origin", "SHA-256"]);
        for p in set.plugins() {
            let info = p.info();
            let origin = match p.origin() {
                Origin::BuiltIn => "built-in".to_string(),
                Origin::Installed(_) if p.overrides_built_in() => "installed, overrides built-in".to_string(),
                Origin::Installed(_) => "installed".to_string(),
                Origin::File(path) => path.display().to_string(),
            };
            let sha = p.sha256();
            t.row(vec![
                Cell::new(info.name.clone()),
                Cell::new(info.version.clone()),
                Cell::new(p.wit_version().to_string()),
                Cell::new(origin),
                Cell::new(sha[..16].to_string()),
            ]);
            for f in &info.formats {
                let hints = if f.file_name_hints.is_empty() { String::new() } else { format!(" ({})", f.file_name_hints.join(" ")) };
                t.note(format!("{}: {}{hints}", f.id, f.description));
            }
        }
        output::print_table(&t);
        outln!("Installed plugins are in {}; add one with `claimtrack plugin install FILE.wasm`.", data_dir.plugins().display());
        for p in &problems {
            outln!("{}: plugin {} was not loaded: {}", output::severity_label(claimtrack::model::Severity::Error), p.source, p.error);
        }
    }
    if problems.is_empty() { exit::OK } else { exit::SOME_FAILED }
}

fn new(args: NewArgs) -> u8 {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from(&args.name));
    match crate::plugin_new::create(&args.name, &dir) {
        Ok(created) => {
            let shown = created.dir.display();
            let wasm = created.wasm.display();
            outln!("Created plugin project {} in {shown} ({} files).", args.name, created.files.len());
            outln!();
            outln!("Next:");
            outln!("  cd {shown}");
            outln!("  cargo build --target wasm32-wasip2 --release");
            outln!("  claimtrack plugin test {wasm} fixtures");
            outln!("  claimtrack plugin install {wasm}");
            outln!();
            outln!("Edit src/lib.rs to read your format, and keep fixtures/ in step (plugin test --bless).");
            exit::OK
        }
        Err(e @ crate::plugin_new::NewError::Write { .. }) => {
            eprintln!("error: {e}");
            exit::SETUP
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::SOME_FAILED
        }
    }
}

fn test(data_dir: &DataDir, args: TestArgs) -> u8 {
    let (mut set, problems) = match PluginSet::built_in(Some(data_dir), Limits::default()) {
        Ok(v) => v,
        Err(e) => return setup_failed("the plugin runtime could not start", &e),
    };
    for p in &problems {
        eprintln!("warning: plugin {} was not loaded: {}", p.source, p.error);
    }
    let Some(wasm) = read_or_report(&args.wasm) else { return exit::SOME_FAILED };
    let built_in: Vec<String> = set.plugins().iter().map(|p| p.name().to_string()).collect();
    let name = match set.add_replacing(&hint(&args.wasm), &wasm, Origin::File(args.wasm.clone())) {
        Ok(p) => p.name().to_string(),
        Err(e) => {
            eprintln!("error: {} is not a plugin claimtrack can run: {e}", args.wasm.display());
            return exit::SOME_FAILED;
        }
    };
    if built_in.contains(&name) {
        eprintln!("note: testing {name} from {} in place of the built-in {name}", args.wasm.display());
    }
    let run = plugin_test::run(&FixtureTest {
        plugins: &set,
        plugin: &name,
        fixtures: &args.fixtures,
        expected: ExpectedAt::Beside,
        bless: args.bless,
    });
    match run {
        Ok(report) => {
            output::out(&report.render());
            if report.passed() { exit::OK } else { exit::SOME_FAILED }
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::SOME_FAILED
        }
    }
}

fn install(data_dir: &DataDir, args: InstallArgs) -> u8 {
    let options = InstallOptions { override_built_in: args.override_built_in };
    let done = match plugin_install::install(data_dir, &args.wasm, options) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return if e.is_setup() { exit::SETUP } else { exit::SOME_FAILED };
        }
    };
    let p = &done.plugin;
    outln!("Installed {} {} → {}", p.name, p.version, done.path.display());
    outln!("  WIT     claimtrack:plugin@{}", p.wit_version);
    outln!("  sha256  {}", p.sha256);
    outln!("  reads");
    for f in &done.formats {
        let hints = if f.file_name_hints.is_empty() { String::new() } else { format!(" (file names {})", f.file_name_hints.join(" ")) };
        outln!("    {} — {}{hints}", f.id, f.description);
    }
    if let Some(old) = &done.replaced {
        outln!("It replaces the {} {} installed before (sha256 {}).", old.name, old.version, old.sha256);
    }
    for (built_in, formats) in &done.shares_formats_with {
        if p.override_built_in {
            outln!("It is preferred over built-in {built_in} for {} (--override).", formats.join(", "));
        } else {
            outln!(
                "Built-in {built_in} also reads {}: the plugin most sure it reads a file wins, and a tie is reported; install with --override to prefer yours.",
                formats.join(", ")
            );
        }
    }
    exit::OK
}

fn remove(data_dir: &DataDir, args: RemoveArgs) -> u8 {
    match plugin_install::remove(data_dir, &args.name) {
        Ok(old) => {
            outln!("Removed {} {} (sha256 {}).", old.name, old.version, old.sha256);
            exit::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            if e.is_setup() { exit::SETUP } else { exit::SOME_FAILED }
        }
    }
}

fn read_or_report(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).map_err(|e| eprintln!("error: cannot read {}: {e}", path.display())).ok()
}

/// What to call a plugin in errors until it has said its name: its file name.
fn hint(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}
