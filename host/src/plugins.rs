//! The set of plugins a host uses, and choosing one for a file.
//!
//! First-party plugins come embedded in the binary; third-party ones are `*.wasm` files in
//! the data folder's `plugins/`. A plugin that fails to load is reported and skipped: one
//! bad plugin never stops the others.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::{validate, ParsedFile, PluginInfo};
use crate::package::{self, PackageError, PackageLimits};
use crate::paths::DataDir;
use crate::runtime::{embedded, Limits, LoadedPlugin, PluginError, PluginRef, PluginRuntime};

/// Where a plugin came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "path")]
pub enum Origin {
    /// Built with claimtrack and embedded in the binary.
    BuiltIn,
    /// A `.wasm` file from the plugins folder.
    File(PathBuf),
}

/// A loaded, described plugin.
pub struct Plugin {
    loaded: LoadedPlugin,
    info: PluginInfo,
    origin: Origin,
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
        let (raw, _stats) = self.loaded.parse_raw(file_name, contents)?;
        validate::accept(raw, &self.info.formats)
            .map_err(|message| PluginError::Invalid { plugin: self.plugin_ref(), message })
    }
}

/// A plugin that could not be loaded.
#[derive(Debug)]
pub struct LoadProblem {
    /// "built-in x12-835" or the file path.
    pub source: String,
    /// Why it could not be loaded.
    pub error: PluginError,
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
    /// built-in plugins and every `*.wasm` in the data folder's `plugins/`.
    pub fn open(data_dir: Option<&DataDir>, limits: Limits) -> anyhow::Result<(PluginSet, Vec<LoadProblem>)> {
        let cache = match data_dir {
            Some(d) => Some(d.ensure(Path::new("cache/components"))?),
            None => None,
        };
        let runtime = PluginRuntime::new(limits, cache.as_deref())?;
        let mut set = PluginSet { plugins: Vec::new(), runtime };
        let mut problems = Vec::new();
        for (crate_name, wasm) in embedded::first_party() {
            if let Err(error) = set.add(crate_name, wasm, Origin::BuiltIn) {
                problems.push(LoadProblem { source: format!("built-in {crate_name}"), error });
            }
        }
        if let Some(dir) = data_dir.map(DataDir::plugins).filter(|p| p.is_dir()) {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
                .collect();
            files.sort();
            for path in files {
                let hint = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                let result = std::fs::read(&path)
                    .map_err(|e| PluginError::Host { plugin: PluginRef { name: hint.clone(), version: None }, message: e.to_string() })
                    .and_then(|wasm| set.add(&hint, &wasm, Origin::File(path.clone())));
                if let Err(error) = result {
                    problems.push(LoadProblem { source: path.display().to_string(), error });
                }
            }
        }
        Ok((set, problems))
    }

    /// Load one plugin from wasm bytes and add it.
    pub fn add(&mut self, name_hint: &str, wasm: &[u8], origin: Origin) -> Result<&Plugin, PluginError> {
        let loaded = self.runtime.load(name_hint, wasm)?;
        let info = validate::accept_info(loaded.info_raw().clone()).map_err(|message| PluginError::Invalid {
            plugin: PluginRef { name: name_hint.to_string(), version: None },
            message,
        })?;
        if self.plugins.iter().any(|p| p.info.name == info.name) {
            return Err(PluginError::Incompatible {
                plugin: PluginRef { name: info.name.clone(), version: Some(info.version.clone()) },
                reason: "a plugin with the same name is already loaded (built-in plugins cannot be replaced by a file)".into(),
            });
        }
        self.plugins.push(Plugin { loaded, info, origin });
        Ok(self.plugins.last().expect("just pushed"))
    }

    /// Every loaded plugin: built-in ones first, then files from `plugins/` by path.
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
        let best = tried.iter().map(|t| t.confidence).max().unwrap_or(0);
        if best == 0 {
            return Err(SelectError::NoTaker { tried });
        }
        let top: Vec<usize> = tried.iter().enumerate().filter(|(_, t)| t.confidence == best).map(|(i, _)| i).collect();
        if top.len() > 1 {
            return Err(SelectError::Tie { names: top.iter().map(|&i| tried[i].plugin.clone()).collect(), confidence: best });
        }
        Ok(&self.plugins[top[0]])
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
