//! The fixture test runner: a plugin over a folder of sample files, each compared with the
//! JSON it is expected to produce.
//!
//! One runner serves `claimtrack plugin test` (a plugin author's fixtures, with
//! `<fixture>.expected.json` beside each) and claimtrack's own golden tests
//! (`tests/fixtures/<plugin>/` against `tests/golden/<plugin>/`), so a third-party plugin is
//! tested exactly the way the built-in ones are.
//!
//! Each fixture goes through the real sandbox, and is given to the plugin the way `claimtrack
//! parse` would: by sniffing, among every plugin of the set. Its expected output is the JSON
//! of `claimtrack parse --json` for the file, pretty-printed. File names say what a fixture
//! is for:
//! - `forced-*`: handed to the plugin under test directly (as `parse --plugin` does),
//!   usually to show how it refuses a file that is not its format;
//! - `refused-*`: the plugin must refuse it; the expected JSON holds the error;
//! - anything else must be chosen by sniffing for the plugin under test, and parse.
//!
//! ```no_run
//! use claimtrack::plugin_test::{run, ExpectedAt, FixtureTest};
//! use claimtrack::{plugins::{Origin, PluginSet}, runtime::Limits};
//!
//! let (mut plugins, _) = PluginSet::built_in(None, Limits::default())?;
//! let wasm = std::fs::read("target/wasm32-wasip2/release/acme_status.wasm")?;
//! let name = plugins.add_replacing("acme_status", &wasm, Origin::File("acme_status.wasm".into()))?.name().to_string();
//! let report = run(&FixtureTest { plugins: &plugins, plugin: &name, fixtures: "fixtures".as_ref(), expected: ExpectedAt::Beside, bless: false })?;
//! print!("{}", report.render());
//! std::process::exit(if report.passed() { 0 } else { 1 });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod diff;

use std::path::{Path, PathBuf};

use crate::paths::files_under;
use crate::plugins::{ParseFailure, PluginSet};

pub use diff::unified as line_diff;

/// The suffix of an expected-output file beside its fixture.
pub const EXPECTED_SUFFIX: &str = ".expected.json";

/// Where each fixture's expected JSON is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectedAt {
    /// Beside the fixture: `sample.csv` → `sample.csv.expected.json` (plugin projects).
    Beside,
    /// In a separate folder mirroring the fixtures', extension replaced by `.json`:
    /// `x/a.x12` → `<dir>/x/a.json` (claimtrack's own goldens).
    Dir(PathBuf),
}

/// One run of a plugin over a fixtures folder.
#[derive(Clone)]
pub struct FixtureTest<'a> {
    /// The plugins a fixture may go to: the one under test, and those it must win against.
    pub plugins: &'a PluginSet,
    /// The name of the plugin under test.
    pub plugin: &'a str,
    /// The fixtures folder (read recursively; dot-files and expected files are skipped).
    pub fixtures: &'a Path,
    /// Where the expected JSON is.
    pub expected: ExpectedAt,
    /// Write the actual output as the expected one instead of comparing.
    pub bless: bool,
}

/// What happened to one fixture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The output equals the expected JSON.
    Matches,
    /// The output differs; `diff` is a unified diff from expected to actual.
    Differs {
        /// The line diff.
        diff: String,
    },
    /// There is no expected JSON yet.
    NoExpected,
    /// `bless`: the expected JSON was written (`changed` is false when it was already so).
    Blessed {
        /// Whether the file's content changed.
        changed: bool,
    },
    /// The fixture did not behave as its name says (not parsed, parsed when it must be
    /// refused, or taken by another plugin); nothing was compared or written.
    Failed {
        /// Why.
        message: String,
    },
}

impl Verdict {
    /// Whether this verdict fails the run.
    pub fn is_failure(&self) -> bool {
        matches!(self, Verdict::Differs { .. } | Verdict::NoExpected | Verdict::Failed { .. })
    }
}

/// One fixture's result.
#[derive(Debug, Clone)]
pub struct FixtureResult {
    /// The fixture, relative to the fixtures folder.
    pub fixture: PathBuf,
    /// Its expected JSON file.
    pub expected_path: PathBuf,
    /// What happened.
    pub verdict: Verdict,
}

/// The result of a whole run.
#[derive(Debug, Clone)]
pub struct TestReport {
    /// The fixtures folder.
    pub fixtures: PathBuf,
    /// Every fixture, in path order.
    pub results: Vec<FixtureResult>,
    /// Expected JSON files whose fixture is gone (left in place, even with `bless`).
    pub stale: Vec<PathBuf>,
}

impl TestReport {
    /// No fixture failed, no expected file is stale, and there was at least one fixture.
    pub fn passed(&self) -> bool {
        !self.results.is_empty() && self.failures() == 0 && self.stale.is_empty()
    }

    /// How many fixtures failed.
    pub fn failures(&self) -> usize {
        self.results.iter().filter(|r| r.verdict.is_failure()).count()
    }

    /// The report for people: one line per fixture, diffs under the ones that differ, a
    /// count at the end.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for r in &self.results {
            let name = r.fixture.display();
            let expected = r.expected_path.display();
            match &r.verdict {
                Verdict::Matches => out.push_str(&format!("ok       {name}\n")),
                Verdict::Blessed { changed: true } => out.push_str(&format!("blessed  {name} → {expected}\n")),
                Verdict::Blessed { changed: false } => out.push_str(&format!("ok       {name} (unchanged)\n")),
                Verdict::NoExpected => out.push_str(&format!(
                    "FAILED   {name}: no expected output {expected}; write it with --bless, then review it\n"
                )),
                Verdict::Failed { message } => out.push_str(&format!("FAILED   {name}: {message}\n")),
                Verdict::Differs { diff } => {
                    out.push_str(&format!("FAILED   {name}: the output differs from {expected}\n"));
                    for line in diff.lines() {
                        out.push_str("    ");
                        out.push_str(line);
                        out.push('\n');
                    }
                }
            }
        }
        for s in &self.stale {
            out.push_str(&format!("FAILED   {}: its fixture is gone; delete it or restore the fixture\n", s.display()));
        }
        if self.results.is_empty() {
            out.push_str(&format!("no fixtures found in {}\n", self.fixtures.display()));
        }
        let failed = self.failures() + self.stale.len();
        let blessed = self.results.iter().filter(|r| matches!(r.verdict, Verdict::Blessed { changed: true })).count();
        let mut tail = format!("{} fixtures: {} ok, {failed} failed", self.results.len(), self.results.len() - self.failures() - blessed);
        if blessed > 0 {
            tail.push_str(&format!(", {blessed} blessed (review the new expected files before committing them)"));
        }
        out.push_str(&tail);
        out.push('\n');
        out
    }
}

/// Runs the plugin over every fixture and compares (or, with `bless`, writes) the expected
/// JSON. Errors only when a folder or file cannot be read or written.
pub fn run(test: &FixtureTest) -> std::io::Result<TestReport> {
    if !test.fixtures.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("the fixtures folder {} does not exist", test.fixtures.display()),
        ));
    }
    let fixtures: Vec<PathBuf> = files_under(test.fixtures)
        .into_iter()
        .filter_map(|p| p.strip_prefix(test.fixtures).ok().map(Path::to_path_buf))
        .filter(|rel| !is_hidden(rel) && !rel.to_string_lossy().ends_with(EXPECTED_SUFFIX))
        .collect();
    let mut results = Vec::new();
    for rel in &fixtures {
        let expected_path = expected_path(test, rel);
        let bytes = std::fs::read(test.fixtures.join(rel))?;
        let name = rel.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let verdict = match actual_json(test.plugins, test.plugin, &name, &bytes) {
            Err(message) => Verdict::Failed { message },
            Ok(actual) => compare(&expected_path, &actual, test.bless)?,
        };
        results.push(FixtureResult { fixture: rel.clone(), expected_path, verdict });
    }
    let stale = stale_expected(test, &fixtures);
    Ok(TestReport { fixtures: test.fixtures.to_path_buf(), results, stale })
}

/// The JSON a fixture must produce (pretty-printed, with a final newline), or why the
/// fixture did not behave as its name says.
pub fn actual_json(plugins: &PluginSet, plugin: &str, file_name: &str, bytes: &[u8]) -> Result<String, String> {
    let forced = file_name.starts_with("forced-").then_some(plugin);
    let must_refuse = forced.is_some() || file_name.starts_with("refused-");
    let json = match plugins.parse(file_name, bytes, forced) {
        Ok(_) if file_name.starts_with("refused-") => {
            return Err("parsed, but a refused-* fixture must be refused".into());
        }
        Ok(report) if report.plugin != plugin => {
            return Err(format!(
                "plugin {} took it, not {plugin} (a file goes to the plugin most sure it reads it; make {plugin}'s sniff surer, or name the fixture forced-*)",
                report.plugin
            ));
        }
        Ok(report) => serde_json::to_string_pretty(&report),
        Err(e) if !must_refuse => return Err(format!("not parsed: {e}")),
        Err(e) => serde_json::to_string_pretty(&refusal_json(&e)),
    };
    Ok(json.expect("reports serialize") + "\n")
}

fn refusal_json(e: &ParseFailure) -> serde_json::Value {
    serde_json::json!({ "error": e.kind(), "message": e.to_string() })
}

fn compare(expected_path: &Path, actual: &str, bless: bool) -> std::io::Result<Verdict> {
    let expected = match std::fs::read_to_string(expected_path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if bless {
        let changed = expected.as_deref() != Some(actual);
        if changed {
            if let Some(dir) = expected_path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(expected_path, actual)?;
        }
        return Ok(Verdict::Blessed { changed });
    }
    Ok(match expected {
        None => Verdict::NoExpected,
        Some(e) if e == actual => Verdict::Matches,
        Some(e) => {
            let label = expected_path.display().to_string();
            Verdict::Differs { diff: line_diff(&e, actual, &label, "actual output") }
        }
    })
}

fn expected_path(test: &FixtureTest, rel: &Path) -> PathBuf {
    match &test.expected {
        ExpectedAt::Beside => {
            let mut name = test.fixtures.join(rel).into_os_string();
            name.push(EXPECTED_SUFFIX);
            PathBuf::from(name)
        }
        ExpectedAt::Dir(dir) => dir.join(rel.with_extension("json")),
    }
}

/// Expected files no fixture maps to.
fn stale_expected(test: &FixtureTest, fixtures: &[PathBuf]) -> Vec<PathBuf> {
    let wanted: Vec<PathBuf> = fixtures.iter().map(|f| expected_path(test, f)).collect();
    let candidates: Vec<PathBuf> = match &test.expected {
        ExpectedAt::Beside => {
            files_under(test.fixtures).into_iter().filter(|p| p.to_string_lossy().ends_with(EXPECTED_SUFFIX)).collect()
        }
        ExpectedAt::Dir(dir) => files_under(dir),
    };
    candidates.into_iter().filter(|c| !wanted.contains(c)).collect()
}

fn is_hidden(rel: &Path) -> bool {
    rel.components().any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
}
