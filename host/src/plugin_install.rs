//! Installing third-party plugins: check a `.wasm` component, copy it into the data
//! folder's `plugins/`, and pin it by its SHA-256 in `plugins/installed.json`.
//!
//! Only installed plugins are loaded ([`crate::plugins::PluginSet::open`]), and only while
//! their bytes still have the hash recorded here: a plugin is checked once, when the user
//! installs it, and a file that changes afterwards (a rebuild copied over it, a disk error,
//! tampering) is refused until it is installed again. The list is owner-only, like the rest
//! of the data folder.
//!
//! ```no_run
//! use claimtrack::{paths::DataDir, plugin_install::{install, InstallOptions}};
//!
//! let data = DataDir::new("/var/lib/clinic/claimtrack");
//! let done = install(&data, "acme_status.wasm".as_ref(), InstallOptions::default())?;
//! println!("installed {} {} (sha256 {})", done.plugin.name, done.plugin.version, done.plugin.sha256);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::FormatInfo;
use crate::paths::DataDir;
use crate::plugins::{Origin, PluginSet};
use crate::runtime::{Limits, PluginError};

/// The installed-plugins list, inside the data folder's `plugins/`.
pub const MANIFEST_FILE: &str = "installed.json";

/// Version of the manifest's own layout.
const MANIFEST_LAYOUT: u32 = 1;

/// Where the installed-plugins list of `data_dir` is.
pub fn manifest_path(data_dir: &DataDir) -> PathBuf {
    data_dir.plugins().join(MANIFEST_FILE)
}

/// SHA-256 of `bytes`, lower-case hex: what plugins are pinned by.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// One installed plugin, as recorded when it was installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalledPlugin {
    /// The name its `describe` gave.
    pub name: String,
    /// The version its `describe` gave.
    pub version: String,
    /// Its file, inside `plugins/` (`<name>.wasm`).
    pub file: String,
    /// SHA-256 of the file's bytes: the file is loaded only while it still has this hash.
    pub sha256: String,
    /// The `claimtrack:plugin` WIT version it was built against.
    pub wit_version: String,
    /// The ids of the formats it reads.
    pub formats: Vec<String>,
    /// The user asked for it over the built-in plugins (`--override`): it replaces a
    /// built-in plugin of the same name, and wins the files it takes over built-in plugins
    /// that read one of its formats.
    #[serde(default)]
    pub override_built_in: bool,
}

/// The installed-plugins list (`plugins/installed.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Layout version of this file (1).
    pub layout: u32,
    /// Installed plugins, by name.
    pub plugins: Vec<InstalledPlugin>,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest { layout: MANIFEST_LAYOUT, plugins: Vec::new() }
    }
}

/// The installed-plugins list could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("the installed-plugins list {} {what} ({message}); {fix}", .path.display())]
pub struct ManifestError {
    /// The list's file.
    pub path: PathBuf,
    /// "cannot be read", "cannot be written", …
    pub what: &'static str,
    /// The underlying error.
    pub message: String,
    /// What to do about it.
    pub fix: &'static str,
}

/// A plugin name that is one plain path component: lower-case letters, digits, `-` and `_`.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

impl Manifest {
    /// The list of `data_dir`; an empty one when nothing was ever installed.
    pub fn load(data_dir: &DataDir) -> Result<Manifest, ManifestError> {
        let path = manifest_path(data_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Manifest::default()),
            Err(e) => {
                return Err(ManifestError { path, what: "cannot be read", message: e.to_string(), fix: "check its permissions" });
            }
        };
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| ManifestError {
            path: path.clone(),
            what: "is damaged",
            message: e.to_string(),
            fix: "delete it and install the plugins again with `claimtrack plugin install FILE.wasm`",
        })?;
        if manifest.layout != MANIFEST_LAYOUT {
            return Err(ManifestError {
                path,
                what: "was written by another claimtrack version",
                message: format!("layout {}, this claimtrack reads {MANIFEST_LAYOUT}", manifest.layout),
                fix: "use that claimtrack version, or delete it and install the plugins again",
            });
        }
        // Install only ever writes `<name>.wasm` in the plugins folder: an entry naming any
        // other file (`../../x`) was not written by it, and loading or removing it would
        // touch a file outside the folder.
        if let Some(bad) = manifest.plugins.iter().find(|p| !is_plain_name(&p.name) || p.file != format!("{}.wasm", p.name)) {
            return Err(ManifestError {
                path,
                what: "names a file claimtrack never installs",
                message: format!("plugin {:?} points at {:?}, not <name>.wasm in the plugins folder", bad.name, bad.file),
                fix: "delete it and install the plugins again with `claimtrack plugin install FILE.wasm`",
            });
        }
        Ok(manifest)
    }

    /// Writes the list owner-only, atomically (a crash leaves the old list or the new one).
    pub fn save(&self, data_dir: &DataDir) -> Result<(), ManifestError> {
        let path = manifest_path(data_dir);
        let text = serde_json::to_string_pretty(self).expect("the manifest serializes") + "\n";
        crate::paths::write_private(&path, text.as_bytes()).map_err(|e| ManifestError {
            path,
            what: "cannot be written",
            message: e.to_string(),
            fix: "check that the data folder is writable",
        })
    }

    /// The installed plugin with this name.
    pub fn get(&self, name: &str) -> Option<&InstalledPlugin> {
        self.plugins.iter().find(|p| p.name == name)
    }
}

/// How to install.
#[derive(Debug, Clone, Copy, Default)]
pub struct InstallOptions {
    /// Prefer the plugin over the built-in ones (see [`InstalledPlugin::override_built_in`]).
    pub override_built_in: bool,
}

/// What [`install`] did.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The new entry of the installed list.
    pub plugin: InstalledPlugin,
    /// Where the plugin's file now is.
    pub path: PathBuf,
    /// The formats it reads, as its `describe` gave them.
    pub formats: Vec<FormatInfo>,
    /// The entry it replaced: an earlier install of a plugin with the same name.
    pub replaced: Option<InstalledPlugin>,
    /// Built-in plugins that read one of its formats, with those formats: with
    /// `--override` it is preferred over them; without, the most confident plugin wins and
    /// a tie is reported, as for any two plugins.
    pub shares_formats_with: Vec<(String, Vec<String>)>,
}

/// Why a plugin was not installed or removed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The plugin runtime could not start (a setup problem, not the plugin's).
    #[error("the plugin runtime could not start: {0:#}")]
    Runtime(anyhow::Error),
    /// The file is not a plugin this claimtrack can run, or it misbehaved when asked what
    /// it is.
    #[error("{} is not a plugin claimtrack can install: {error}", .path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        error: PluginError,
    },
    /// A built-in plugin has the plugin's name, and `--override` was not given.
    #[error(
        "a built-in plugin is already named {name}; to use yours instead of it, install with `claimtrack plugin install --override`, or give your plugin another name in its `info()`"
    )]
    NameTaken {
        /// The name.
        name: String,
    },
    /// No installed plugin has that name.
    #[error("no installed plugin is named {name:?}{}", installed_list(.installed))]
    NotInstalled {
        /// The name asked for.
        name: String,
        /// The installed plugins' names.
        installed: Vec<String>,
    },
    /// The installed list could not be read or written.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The plugin's file could not be written into the data folder.
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl InstallError {
    /// A stable identifier of what went wrong (the JSON contract's `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            InstallError::Read { .. } => "unreadable",
            InstallError::Runtime(_) => "setup",
            InstallError::Invalid { .. } => "invalid",
            InstallError::NameTaken { .. } => "name_taken",
            InstallError::NotInstalled { .. } => "not_installed",
            InstallError::Manifest(_) => "manifest",
            InstallError::Write { .. } => "unwritable",
        }
    }
}

fn installed_list(names: &[String]) -> String {
    if names.is_empty() { "; no plugin is installed".to_string() } else { format!("; installed: {}", names.join(", ")) }
}

impl InstallError {
    /// Whether this is a setup problem (exit code 3) rather than a problem with the plugin
    /// or the request (exit code 1).
    pub fn is_setup(&self) -> bool {
        matches!(self, InstallError::Runtime(_) | InstallError::Manifest(_) | InstallError::Write { .. })
    }
}

/// Checks `wasm_path` and installs it into `data_dir`.
///
/// The component must load (a component of the `parser` world, a WIT version this host
/// runs), give a valid `describe` answer, and answer `sniff` without failing. It is then
/// written to `plugins/<name>.wasm` and recorded with its SHA-256, replacing an earlier
/// install of the same name. A file already inside `plugins/` under another name is moved,
/// not copied, so no unpinned copy is left behind.
pub fn install(data_dir: &DataDir, wasm_path: &Path, options: InstallOptions) -> Result<Installed, InstallError> {
    let wasm = std::fs::read(wasm_path).map_err(|source| InstallError::Read { path: wasm_path.to_path_buf(), source })?;
    let sha256 = sha256_hex(&wasm);
    let (built_in, _problems) = PluginSet::built_in(Some(data_dir), Limits::default()).map_err(InstallError::Runtime)?;
    let invalid = |error: PluginError| InstallError::Invalid { path: wasm_path.to_path_buf(), error };
    let hint = wasm_path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let plugin = built_in.inspect(&hint, &wasm, Origin::File(wasm_path.to_path_buf())).map_err(invalid)?;
    // A plugin that cannot even answer `sniff` would fail on every file it is shown.
    plugin.sniff("", b"").map_err(invalid)?;
    let info = plugin.info().clone();
    if built_in.plugins().iter().any(|p| p.name() == info.name) && !options.override_built_in {
        return Err(InstallError::NameTaken { name: info.name });
    }
    let shares_formats_with = built_in
        .plugins()
        .iter()
        .filter(|b| b.name() != info.name)
        .filter_map(|b| {
            let shared: Vec<String> =
                b.info().formats.iter().filter(|f| info.formats.iter().any(|g| g.id == f.id)).map(|f| f.id.clone()).collect();
            (!shared.is_empty()).then(|| (b.name().to_string(), shared))
        })
        .collect();

    let mut manifest = Manifest::load(data_dir)?;
    let dir = data_dir.ensure(Path::new("plugins")).map_err(|source| InstallError::Write { path: data_dir.plugins(), source })?;
    let file = format!("{}.wasm", info.name);
    let dest = dir.join(&file);
    // Write the bytes that were checked and hashed, not a second read of the source.
    crate::paths::write_private(&dest, &wasm).map_err(|source| InstallError::Write { path: dest.clone(), source })?;
    if let (Ok(src), Ok(d)) = (wasm_path.canonicalize(), dir.canonicalize())
        && src.parent() == Some(d.as_path())
        && src.file_name() != Some(file.as_ref())
    {
        let _ = std::fs::remove_file(&src);
    }
    let entry = InstalledPlugin {
        name: info.name.clone(),
        version: info.version.clone(),
        file,
        sha256,
        wit_version: plugin.wit_version(),
        formats: info.formats.iter().map(|f| f.id.clone()).collect(),
        override_built_in: options.override_built_in,
    };
    let replaced = manifest.plugins.iter().position(|p| p.name == entry.name).map(|i| manifest.plugins.remove(i));
    if let Some(old) = &replaced
        && old.file != entry.file
    {
        let _ = std::fs::remove_file(dir.join(&old.file));
    }
    manifest.plugins.push(entry.clone());
    manifest.plugins.sort_by(|a, b| a.name.cmp(&b.name));
    manifest.save(data_dir)?;
    Ok(Installed { plugin: entry, path: dest, formats: info.formats, replaced, shares_formats_with })
}

/// Uninstalls the plugin named `name`: its file is deleted and its entry removed.
pub fn remove(data_dir: &DataDir, name: &str) -> Result<InstalledPlugin, InstallError> {
    let mut manifest = Manifest::load(data_dir)?;
    let Some(i) = manifest.plugins.iter().position(|p| p.name == name) else {
        return Err(InstallError::NotInstalled {
            name: name.to_string(),
            installed: manifest.plugins.iter().map(|p| p.name.clone()).collect(),
        });
    };
    let entry = manifest.plugins.remove(i);
    let path = data_dir.plugins().join(&entry.file);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => return Err(InstallError::Write { path, source }),
    }
    manifest.save(data_dir)?;
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_entry_that_points_outside_the_plugins_folder_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let data = DataDir::new(tmp.path().join("data"));
        let victim = tmp.path().join("victim.txt");
        std::fs::write(&victim, "keep me").unwrap();
        for (name, file) in [("evil", "../../victim.txt"), ("evil", "other.wasm"), ("../evil", "../evil.wasm")] {
            let m = Manifest {
                layout: MANIFEST_LAYOUT,
                plugins: vec![InstalledPlugin {
                    name: name.into(),
                    version: "1.0.0".into(),
                    file: file.into(),
                    sha256: "0".repeat(64),
                    wit_version: "0.1.1".into(),
                    formats: vec![],
                    override_built_in: false,
                }],
            };
            m.save(&data).unwrap();
            let e = Manifest::load(&data).unwrap_err().to_string();
            assert!(e.contains("names a file claimtrack never installs"), "{file}: {e}");
            assert!(remove(&data, name).is_err(), "{file}: remove refused");
            assert!(victim.exists(), "{file}: nothing outside the plugins folder is deleted");
        }
    }

    #[test]
    fn a_missing_manifest_is_empty_and_a_damaged_one_says_what_to_do() {
        let tmp = tempfile::tempdir().unwrap();
        let data = DataDir::new(tmp.path());
        assert_eq!(Manifest::load(&data).unwrap(), Manifest::default());
        std::fs::create_dir_all(data.plugins()).unwrap();
        std::fs::write(manifest_path(&data), "{ not json").unwrap();
        let e = Manifest::load(&data).unwrap_err().to_string();
        assert!(e.contains("is damaged") && e.contains("claimtrack plugin install"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn the_manifest_is_owner_only_and_round_trips() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let data = DataDir::new(tmp.path().join("data"));
        let mut m = Manifest::default();
        m.plugins.push(InstalledPlugin {
            name: "acme".into(),
            version: "1.0.0".into(),
            file: "acme.wasm".into(),
            sha256: sha256_hex(b"x"),
            wit_version: "0.1.0".into(),
            formats: vec!["acme-csv".into()],
            override_built_in: false,
        });
        m.save(&data).unwrap();
        assert_eq!(Manifest::load(&data).unwrap(), m);
        let mode = std::fs::metadata(manifest_path(&data)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn removing_an_unknown_plugin_lists_the_installed_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let e = remove(&DataDir::new(tmp.path()), "nope").unwrap_err();
        assert_eq!(e.to_string(), "no installed plugin is named \"nope\"; no plugin is installed");
        assert!(!e.is_setup());
    }
}
