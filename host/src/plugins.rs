//! The set of plugins a host uses, and choosing one for a file.
//!
//! First-party plugins come embedded in the binary; third-party ones are `*.wasm` files
//! installed into the data folder's `plugins/` by [`crate::plugin_install`], which pins each
//! by its SHA-256. A plugin that fails to load (or whose bytes no longer match its pin, or
//! that was copied there without being installed) is reported and skipped: one bad plugin
//! never stops the others.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::{validate, Diagnostic, FileMetadata, ParsedFile, PluginInfo, StatusEvent};
use crate::runtime::ParseStop;
use crate::package::{self, PackageError, PackageLimits};
use crate::paths::DataDir;
use crate::plugin_install::{self, Manifest};
use crate::runtime::{embedded, Limits, LoadedPlugin, PluginError, PluginRef, PluginRuntime};

/// Where a plugin came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "path")]
pub enum Origin {
    /// Built with claimtrack and embedded in the binary.
    BuiltIn,
    /// Installed with `claimtrack plugin install`: a `.wasm` file in the data folder's
    /// `plugins/`, pinned by its SHA-256.
    Installed(PathBuf),
    /// A `.wasm` file loaded for the occasion (`claimtrack plugin test`), not installed.
    File(PathBuf),
}

/// A loaded, described plugin.
pub struct Plugin {
    loaded: LoadedPlugin,
    info: PluginInfo,
    origin: Origin,
    override_built_in: bool,
}

impl Plugin {
    /// What the plugin says it is: name, version, formats and file-name hints (validated).
    pub fn info(&self) -> &PluginInfo {
        &self.info
    }
    /// The plugin's unique name, e.g. "x12-835"; what `--plugin` and `forced` take.
    pub fn name(&self) -> &str {
        &self.info.name
    }
    /// Built in, or the `.wasm` file it was loaded from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }
    /// Whether the user installed it to be preferred over the built-in plugins (`plugin
    /// install --override`): it replaces a built-in plugin of the same name, and a built-in
    /// plugin reading one of its formats is not asked about a file this one takes.
    pub fn overrides_built_in(&self) -> bool {
        self.override_built_in
    }
    /// SHA-256 of the plugin's wasm, hex.
    pub fn sha256(&self) -> String {
        self.loaded.identity().sha256.clone()
    }
    /// The WIT package version the plugin was built against.
    pub fn wit_version(&self) -> String {
        self.loaded.identity().wit_version.clone()
    }
    /// Size of the plugin's wasm in bytes.
    pub fn size(&self) -> u64 {
        self.loaded.identity().wasm_bytes
    }
    fn plugin_ref(&self) -> PluginRef {
        PluginRef { name: self.info.name.clone(), version: Some(self.info.version.clone()) }
    }

    /// Ask the plugin how sure it is that it reads this file.
    pub fn sniff(&self, file_name: &str, head: &[u8]) -> Result<u8, PluginError> {
        self.loaded.sniff(file_name, head)
    }

    /// Parse a whole file and validate what the plugin returned.
    pub fn parse(&self, file_name: &str, contents: &[u8]) -> Result<ParsedFile, PluginError> {
        let mut events = Vec::new();
        let mut diagnostics = Vec::new();
        let (metadata, notes) = self.parse_each(file_name, contents, |e, d| {
            events.extend(e);
            diagnostics.extend(d);
            Ok::<(), std::convert::Infallible>(())
        })
        .map_err(|stop| match stop {
            ParseStop::Plugin(e) => e,
            ParseStop::Consumer(never) => match never {},
        })?;
        diagnostics.extend(notes);
        Ok(ParsedFile { metadata, events, diagnostics })
    }

    /// Parse a file a chunk at a time: `on_part` gets each chunk's validated events and
    /// diagnostics in file order, as the plugin sends them, and can stop the parse with its
    /// own error. Returns the file's metadata and the host's notes about the whole file
    /// (which come after every diagnostic of the plugin).
    pub(crate) fn parse_each<E>(
        &self,
        file_name: &str,
        contents: &[u8],
        mut on_part: impl FnMut(Vec<StatusEvent>, Vec<Diagnostic>) -> Result<(), E>,
    ) -> Result<(FileMetadata, Vec<Diagnostic>), ParseStop<E>> {
        let invalid = |message| PluginError::Invalid { plugin: self.plugin_ref(), message };
        let mut acceptor = validate::Acceptor::new(&self.info.formats);
        let raw = self.loaded.parse_stream(file_name, contents, |c| {
            let (events, diagnostics) = acceptor.chunk(c).map_err(Part::Invalid)?;
            on_part(events, diagnostics).map_err(Part::Consumer)
        });
        let (metadata, _stats) = raw.map_err(|stop| match stop {
            ParseStop::Plugin(e) => ParseStop::Plugin(e),
            ParseStop::Consumer(Part::Invalid(message)) => ParseStop::Plugin(invalid(message)),
            ParseStop::Consumer(Part::Consumer(e)) => ParseStop::Consumer(e),
        })?;
        acceptor.finish(metadata).map_err(|message| ParseStop::Plugin(invalid(message)))
    }
}

/// Why a chunk was not taken: the host's validation or the caller.
enum Part<E> {
    Invalid(String),
    Consumer(E),
}

/// A plugin that could not be loaded.
#[derive(Debug)]
pub struct LoadProblem {
    /// "built-in x12-835" or the file path.
    pub source: String,
    /// Why it could not be loaded.
    pub error: LoadError,
}

/// `plugins --json` (`plugin list`): the plugins loaded, and those that could not be.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ListingJson<'a> {
    /// Every plugin loaded, in the order they are tried.
    pub plugins: Vec<PluginJson<'a>>,
    /// Plugins that could not be loaded.
    pub problems: Vec<ProblemJson>,
}

impl<'a> ListingJson<'a> {
    /// The listing of `set`, with the `problems` opening it met.
    pub fn new(set: &'a PluginSet, problems: &[LoadProblem]) -> Self {
        ListingJson {
            plugins: set
                .plugins()
                .iter()
                .map(|p| PluginJson {
                    name: &p.info().name,
                    version: &p.info().version,
                    description: &p.info().description,
                    wit_version: p.wit_version(),
                    origin: p.origin(),
                    override_built_in: p.overrides_built_in(),
                    sha256: p.sha256(),
                    size: p.size(),
                    formats: &p.info().formats,
                })
                .collect(),
            problems: problems.iter().map(|p| ProblemJson { source: p.source.clone(), error: p.error.to_string() }).collect(),
        }
    }
}

/// One plugin of [`ListingJson`].
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PluginJson<'a> {
    /// Its unique name, e.g. "x12-835".
    pub name: &'a str,
    /// Its own version.
    pub version: &'a str,
    /// One line about it.
    pub description: &'a str,
    /// The WIT package version it was built against.
    pub wit_version: String,
    /// Where it came from.
    pub origin: &'a Origin,
    /// Installed to be preferred over the built-in plugins.
    pub override_built_in: bool,
    /// SHA-256 of its wasm, hex.
    pub sha256: String,
    /// Size of its wasm in bytes.
    pub size: u64,
    /// The formats it reads.
    pub formats: &'a [crate::model::FormatInfo],
}

/// A plugin of [`ListingJson`] that could not be loaded.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ProblemJson {
    /// "built-in x12-835" or the file path.
    pub source: String,
    /// Why it could not be loaded.
    pub error: String,
}

/// Why a plugin was not loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The plugin itself failed to load: not a component, wrong WIT version, a bad
    /// `describe`, a name already taken.
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// An installed plugin's file no longer has the bytes it was installed with.
    #[error(
        "plugin {name} changed on disk since it was installed (sha256 {installed}, now {now}), so it was not loaded; if you changed it, install the new build with `claimtrack plugin install FILE.wasm`, otherwise remove it with `claimtrack plugin remove {name}`"
    )]
    Changed {
        /// The plugin's name, as installed.
        name: String,
        /// The SHA-256 recorded when it was installed.
        installed: String,
        /// The SHA-256 of the file now.
        now: String,
    },
    /// An installed plugin's file is gone or unreadable.
    #[error("plugin {name} is installed but its file cannot be read ({message}); reinstall it with `claimtrack plugin install FILE.wasm` or forget it with `claimtrack plugin remove {name}`")]
    Unreadable {
        /// The plugin's name, as installed.
        name: String,
        /// Why the file could not be read.
        message: String,
    },
    /// A `.wasm` file was put in `plugins/` by hand: only installed plugins are loaded, so
    /// that each is checked once and pinned by its hash.
    #[error("it was not installed, so it was not loaded; check and pin it with `claimtrack plugin install {}`", .path.display())]
    NotInstalled {
        /// The file.
        path: PathBuf,
    },
    /// The list of installed plugins (`plugins/installed.json`) cannot be read.
    #[error(transparent)]
    Manifest(#[from] plugin_install::ManifestError),
}

impl LoadError {
    /// A stable identifier of what went wrong (the JSON contract's `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            LoadError::Plugin(_) => "plugin",
            LoadError::Changed { .. } => "changed",
            LoadError::Unreadable { .. } => "unreadable",
            LoadError::NotInstalled { .. } => "not_installed",
            LoadError::Manifest(_) => "manifest",
        }
    }
}

/// Why no plugin was chosen for a file.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SelectError {
    /// Every plugin answered 0 (or failed) when sniffing the file.
    #[error("no plugin reads this file ({}); if it is a payer- or clearinghouse-specific format, a plugin for it can be added (see `claimtrack plugins`)", describe_tried(.tried))]
    NoTaker {
        /// What each plugin answered.
        tried: Vec<SniffAnswer>,
    },
    /// Several plugins gave the same highest confidence; the caller must choose one.
    #[error("plugins {} are equally sure ({confidence}%) that they read this file; choose one with --plugin NAME", .names.join(" and "))]
    Tie {
        /// The plugins tied at the top.
        names: Vec<String>,
        /// Their shared confidence, 1 to 100.
        confidence: u8,
    },
    /// A plugin was asked for by name and none has that name.
    #[error("there is no plugin named {name:?}; installed plugins: {}", .available.join(", "))]
    UnknownPlugin {
        /// The name asked for.
        name: String,
        /// The names of the loaded plugins.
        available: Vec<String>,
    },
}

impl SelectError {
    /// A stable identifier of what went wrong (the JSON contract's `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            SelectError::NoTaker { .. } => "no_plugin",
            SelectError::Tie { .. } => "tie",
            SelectError::UnknownPlugin { .. } => "unknown_plugin",
        }
    }
}

/// What one plugin said when asked to sniff a file.
#[derive(Debug, Clone, Serialize)]
pub struct SniffAnswer {
    /// The plugin's name.
    pub plugin: String,
    /// 0 (not mine) to 100 (certain); 0 when the call failed.
    pub confidence: u8,
    /// Why the sniff call failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn describe_tried(tried: &[SniffAnswer]) -> String {
    let parts: Vec<String> = tried
        .iter()
        .map(|t| match &t.error {
            Some(e) => format!("{}: failed ({e})", t.plugin),
            None => format!("{}: {}%", t.plugin, t.confidence),
        })
        .collect();
    format!("tried {}", parts.join(", "))
}

/// The plugins a host uses.
pub struct PluginSet {
    plugins: Vec<Plugin>,
    // Declared last so the plugins (and their stores) drop before the engine and its ticker.
    runtime: PluginRuntime,
}

impl PluginSet {
    /// A runtime with `limits`, a compiled-plugin cache in `data_dir` (when given), the
    /// built-in plugins and the plugins installed in the data folder's `plugins/`.
    pub fn open(data_dir: Option<&DataDir>, limits: Limits) -> anyhow::Result<(PluginSet, Vec<LoadProblem>)> {
        let (mut set, mut problems) = PluginSet::built_in(data_dir, limits)?;
        if let Some(d) = data_dir {
            set.add_installed(d, &mut problems);
        }
        Ok((set, problems))
    }

    /// A runtime with `limits`, a compiled-plugin cache in `data_dir` (when given), and only
    /// the built-in plugins (what `claimtrack plugin test` runs a plugin among).
    pub fn built_in(data_dir: Option<&DataDir>, limits: Limits) -> anyhow::Result<(PluginSet, Vec<LoadProblem>)> {
        let cache = match data_dir {
            Some(d) => Some(d.ensure(Path::new("cache/components"))?),
            None => None,
        };
        let runtime = PluginRuntime::new(limits, cache.as_deref())?;
        let mut set = PluginSet { plugins: Vec::new(), runtime };
        let mut problems = Vec::new();
        for (crate_name, wasm) in embedded::first_party() {
            if let Err(error) = set.add(crate_name, wasm, Origin::BuiltIn) {
                problems.push(LoadProblem { source: format!("built-in {crate_name}"), error: error.into() });
            }
        }
        Ok((set, problems))
    }

    /// Adds the installed plugins whose files still have their pinned hash, and reports
    /// every other `*.wasm` in `plugins/` as not installed.
    fn add_installed(&mut self, data_dir: &DataDir, problems: &mut Vec<LoadProblem>) {
        let dir = data_dir.plugins();
        let manifest = match Manifest::load(data_dir) {
            Ok(m) => m,
            Err(e) => {
                problems.push(LoadProblem { source: plugin_install::manifest_path(data_dir).display().to_string(), error: e.into() });
                Manifest::default()
            }
        };
        for entry in &manifest.plugins {
            let path = dir.join(&entry.file);
            let source = path.display().to_string();
            let wasm = match std::fs::read(&path) {
                Ok(w) => w,
                Err(e) => {
                    let error = LoadError::Unreadable { name: entry.name.clone(), message: e.to_string() };
                    problems.push(LoadProblem { source, error });
                    continue;
                }
            };
            // Hash the very bytes that are then compiled: nothing can change in between.
            let now = plugin_install::sha256_hex(&wasm);
            if now != entry.sha256 {
                let error = LoadError::Changed { name: entry.name.clone(), installed: entry.sha256.clone(), now };
                problems.push(LoadProblem { source, error });
                continue;
            }
            let inserted = match self.load(&entry.name, &wasm, Origin::Installed(path.clone())) {
                Ok(mut plugin) => {
                    plugin.override_built_in = entry.override_built_in;
                    self.insert(plugin, entry.override_built_in).map(|_| ())
                }
                Err(e) => Err(e),
            };
            if let Err(error) = inserted {
                problems.push(LoadProblem { source, error: error.into() });
            }
        }
        let mut strays: Vec<PathBuf> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
            .filter(|p| !manifest.plugins.iter().any(|e| p.file_name().is_some_and(|n| *n == *e.file)))
            .collect();
        strays.sort();
        for path in strays {
            problems.push(LoadProblem { source: path.display().to_string(), error: LoadError::NotInstalled { path } });
        }
    }

    /// Load one plugin from wasm bytes and add it. A plugin with the same name as one
    /// already in the set is refused.
    pub fn add(&mut self, name_hint: &str, wasm: &[u8], origin: Origin) -> Result<&Plugin, PluginError> {
        let plugin = self.load(name_hint, wasm, origin)?;
        self.insert(plugin, false)
    }

    /// Load one plugin from wasm bytes and add it in place of the plugin with the same
    /// name, if there is one (a new build of a built-in plugin under test).
    pub fn add_replacing(&mut self, name_hint: &str, wasm: &[u8], origin: Origin) -> Result<&Plugin, PluginError> {
        let plugin = self.load(name_hint, wasm, origin)?;
        self.insert(plugin, true)
    }

    /// Load a plugin and check its `describe` answer, without adding it to the set.
    pub fn inspect(&self, name_hint: &str, wasm: &[u8], origin: Origin) -> Result<Plugin, PluginError> {
        self.load(name_hint, wasm, origin)
    }

    fn load(&self, name_hint: &str, wasm: &[u8], origin: Origin) -> Result<Plugin, PluginError> {
        let loaded = self.runtime.load(name_hint, wasm)?;
        let info = validate::accept_info(loaded.info_raw().clone()).map_err(|message| PluginError::Invalid {
            plugin: PluginRef { name: name_hint.to_string(), version: None },
            message,
        })?;
        Ok(Plugin { loaded, info, origin, override_built_in: false })
    }

    fn insert(&mut self, plugin: Plugin, replace: bool) -> Result<&Plugin, PluginError> {
        if let Some(i) = self.plugins.iter().position(|p| p.info.name == plugin.info.name) {
            if !replace {
                let reason = if self.plugins[i].origin == Origin::BuiltIn {
                    "a built-in plugin has the same name; to use this one instead, install it with `claimtrack plugin install --override`"
                } else {
                    "a plugin with the same name is already loaded"
                };
                return Err(PluginError::Incompatible {
                    plugin: PluginRef { name: plugin.info.name.clone(), version: Some(plugin.info.version.clone()) },
                    reason: reason.into(),
                });
            }
            self.plugins.remove(i);
        }
        self.plugins.push(plugin);
        Ok(self.plugins.last().expect("just pushed"))
    }

    /// Every loaded plugin: built-in ones first, then installed ones in the order of the
    /// installed list (by name).
    pub fn plugins(&self) -> &[Plugin] {
        &self.plugins
    }

    /// The plugin with this name, or [`SelectError::UnknownPlugin`].
    pub fn get(&self, name: &str) -> Result<&Plugin, SelectError> {
        self.plugins.iter().find(|p| p.info.name == name).ok_or_else(|| SelectError::UnknownPlugin {
            name: name.to_string(),
            available: self.plugins.iter().map(|p| p.info.name.clone()).collect(),
        })
    }

    /// The plugin most sure it reads this file. No taker, or a tie at the top, is an error
    /// listing what each plugin said: guessing would put statuses on the wrong claims.
    pub fn select(&self, file_name: &str, head: &[u8]) -> Result<&Plugin, SelectError> {
        let tried: Vec<SniffAnswer> = self
            .plugins
            .iter()
            .map(|p| match p.sniff(file_name, head) {
                Ok(c) => SniffAnswer { plugin: p.info.name.clone(), confidence: c, error: None },
                Err(e) => SniffAnswer { plugin: p.info.name.clone(), confidence: 0, error: Some(e.to_string()) },
            })
            .collect();
        let set_aside = self.overridden(&tried);
        let counted = |i: usize| if set_aside[i] { 0 } else { tried[i].confidence };
        let best = (0..tried.len()).map(counted).max().unwrap_or(0);
        if best == 0 {
            return Err(SelectError::NoTaker { tried });
        }
        let top: Vec<usize> = (0..tried.len()).filter(|&i| counted(i) == best).collect();
        if top.len() > 1 {
            return Err(SelectError::Tie { names: top.iter().map(|&i| tried[i].plugin.clone()).collect(), confidence: best });
        }
        Ok(&self.plugins[top[0]])
    }

    /// Which plugins' answers do not count: a built-in plugin reading a format that an
    /// installed plugin overriding the built-ins also reads, when that plugin takes the file
    /// (answers more than 0). The user asked for theirs on those formats.
    fn overridden(&self, tried: &[SniffAnswer]) -> Vec<bool> {
        let reads_same = |a: &Plugin, b: &Plugin| a.info.formats.iter().any(|f| b.info.formats.iter().any(|g| g.id == f.id));
        self.plugins
            .iter()
            .map(|p| {
                p.origin == Origin::BuiltIn
                    && self
                        .plugins
                        .iter()
                        .zip(tried)
                        .any(|(o, t)| o.override_built_in && t.confidence > 0 && reads_same(o, p))
            })
            .collect()
    }
}

/// A file parsed by a chosen plugin.
#[derive(Debug, Clone, Serialize)]
pub struct ParseReport {
    /// Name of the plugin that read the file.
    pub plugin: String,
    /// That plugin's version (stored with each event when the file is ingested).
    pub plugin_version: String,
    /// What the file says, validated (serialized inline, not nested).
    #[serde(flatten)]
    pub parsed: ParsedFile,
}

/// One file's result in `parse --json`: what it says, or why it could not be read.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ParseJson<'a> {
    /// The file, or `package.zip!member` for a member of a package.
    pub file: String,
    /// The package a member came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<&'a str>,
    /// The format it was read as; none when it could not be read.
    pub format: Option<&'a str>,
    /// The plugin that read it.
    pub plugin: Option<&'a str>,
    /// That plugin's version.
    pub plugin_version: Option<&'a str>,
    /// What the file says about itself.
    pub metadata: Option<&'a FileMetadata>,
    /// Every status statement, in file order.
    pub events: &'a [StatusEvent],
    /// What was tolerated or unreadable.
    pub diagnostics: &'a [Diagnostic],
    /// Why it could not be parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ParseErrorJson>,
}

/// Why a file of [`ParseJson`] could not be parsed.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ParseErrorJson {
    /// A stable identifier, as [`ParseFailure::kind`] (or "unreadable").
    pub kind: &'static str,
    /// What went wrong, for people.
    pub message: String,
}

/// Why a file produced no statuses.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ParseFailure {
    /// No plugin was chosen: no taker, a tie, or an unknown forced name.
    #[error(transparent)]
    NoPlugin(#[from] SelectError),
    /// The chosen plugin refused the file, failed, or returned invalid output.
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// The file is a zip package that could not be opened within the limits.
    #[error(transparent)]
    Package(#[from] PackageError),
}

impl ParseFailure {
    /// A stable, snake_case name for scripts (`--json`).
    pub fn kind(&self) -> &'static str {
        match self {
            ParseFailure::NoPlugin(SelectError::NoTaker { .. }) => "unknown_format",
            ParseFailure::NoPlugin(SelectError::Tie { .. }) => "ambiguous_format",
            ParseFailure::NoPlugin(SelectError::UnknownPlugin { .. }) => "unknown_plugin",
            ParseFailure::Plugin(PluginError::Refused { .. }) => "refused",
            ParseFailure::Plugin(PluginError::TimedOut { .. }) => "timed_out",
            ParseFailure::Plugin(PluginError::OutOfMemory { .. }) => "out_of_memory",
            ParseFailure::Plugin(PluginError::StackOverflow { .. }) => "stack_overflow",
            ParseFailure::Plugin(PluginError::Crashed { .. }) => "crashed",
            ParseFailure::Plugin(PluginError::OutputTooLarge { .. }) => "output_too_large",
            ParseFailure::Plugin(PluginError::InputTooLarge { .. }) => "input_too_large",
            ParseFailure::Plugin(PluginError::Incompatible { .. }) => "incompatible",
            ParseFailure::Plugin(PluginError::Invalid { .. }) => "invalid_output",
            ParseFailure::Plugin(_) => "host_error",
            ParseFailure::Package(e) => e.kind(),
        }
    }
}

/// The result for one file, or for one member of a package.
#[derive(Debug, Clone)]
pub struct FileOutcome {
    /// What to call it: the file as given, or `package.zip!member/path` for a member.
    pub name: String,
    /// The package it came from, for a member.
    pub package: Option<String>,
    /// What the file says, or why it could not be read.
    pub result: Result<ParseReport, ParseFailure>,
}

impl PluginSet {
    /// Parse a file as the user gave it: a package (an ERA zip) is opened within `limits`
    /// and each member parsed like any file; anything else is parsed directly.
    /// `name` is how the file is shown; plugins see only its last path component.
    pub fn parse_file(&self, name: &str, contents: &[u8], forced: Option<&str>, limits: &PackageLimits) -> Vec<FileOutcome> {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        if !package::is_zip(contents) {
            let result = self.parse(base, contents, forced);
            return vec![FileOutcome { name: name.to_string(), package: None, result }];
        }
        match package::open_zip(contents, limits) {
            Err(e) => vec![FileOutcome { name: name.to_string(), package: None, result: Err(e.into()) }],
            Ok(members) => members
                .iter()
                .map(|m| FileOutcome {
                    name: format!("{name}!{}", m.path),
                    package: Some(name.to_string()),
                    result: self.parse(m.file_name(), &m.bytes, forced),
                })
                .collect(),
        }
    }

    /// Choose a plugin (or use `forced`) and parse `contents`.
    pub fn parse(&self, file_name: &str, contents: &[u8], forced: Option<&str>) -> Result<ParseReport, ParseFailure> {
        let plugin = match forced {
            Some(name) => self.get(name)?,
            None => self.select(file_name, contents)?,
        };
        let parsed = plugin.parse(file_name, contents)?;
        Ok(ParseReport { plugin: plugin.info.name.clone(), plugin_version: plugin.info.version.clone(), parsed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_taker_message_lists_what_was_tried() {
        let e = SelectError::NoTaker {
            tried: vec![
                SniffAnswer { plugin: "x12-ack".into(), confidence: 0, error: None },
                SniffAnswer { plugin: "bad".into(), confidence: 0, error: Some("crashed".into()) },
            ],
        };
        assert!(e.to_string().starts_with("no plugin reads this file (tried x12-ack: 0%, bad: failed (crashed))"));
    }
}
