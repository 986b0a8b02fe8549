//! `claimtrack plugin new`: a standalone plugin project, ready to build.
//!
//! The SDK is not published on crates.io, so the project carries it: the SDK sources and
//! the WIT contract of this claimtrack are embedded in the binary and written into the
//! project (`vendor/claimtrack-plugin-sdk/`, `wit/`). The project then builds anywhere,
//! offline too, against exactly the contract this claimtrack runs. It has a `[workspace]`
//! of its own (so a parent folder's workspace does not claim it), a `Cargo.lock` with the
//! dependency versions claimtrack itself is built and tested with, the toolchain file of
//! claimtrack, a sample parser (a small claim-status CSV), a sample fixture with its
//! expected output, and unit tests. The template is in `plugins/template/` of the
//! claimtrack repository; `plugins/examples/payer-csv/` was started from it.

use std::path::{Path, PathBuf};

use claimtrack::runtime::WIT_VERSION;

/// The project files, from `plugins/template/` (`{{…}}` placeholders filled in).
const TEMPLATE: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("../../plugins/template/Cargo.toml.tmpl")),
    (".gitignore", include_str!("../../plugins/template/gitignore.tmpl")),
    ("README.md", include_str!("../../plugins/template/README.md.tmpl")),
    ("src/lib.rs", include_str!("../../plugins/template/src/lib.rs.tmpl")),
    ("fixtures/sample.csv", include_str!("../../plugins/template/fixtures/sample.csv")),
    ("fixtures/sample.csv.expected.json", include_str!("../../plugins/template/fixtures/sample.csv.expected.json.tmpl")),
    ("rust-toolchain.toml", include_str!("../../rust-toolchain.toml")),
];

/// Where the SDK goes in the project. Its `wit_bindgen::generate!` reads `../../wit`, which
/// from here is the project's own `wit/`.
const SDK_DIR: &str = "vendor/claimtrack-plugin-sdk";

/// Every source file of the SDK (a test keeps this list complete).
const SDK_SOURCES: &[(&str, &str)] = &[
    ("src/lib.rs", include_str!("../../plugins/sdk/src/lib.rs")),
    ("src/limits.rs", include_str!("../../plugins/sdk/src/limits.rs")),
    ("src/model.rs", include_str!("../../plugins/sdk/src/model.rs")),
    ("src/sniff.rs", include_str!("../../plugins/sdk/src/sniff.rs")),
    ("src/stream.rs", include_str!("../../plugins/sdk/src/stream.rs")),
    ("src/testing.rs", include_str!("../../plugins/sdk/src/testing.rs")),
    ("src/text.rs", include_str!("../../plugins/sdk/src/text.rs")),
    ("src/wire.rs", include_str!("../../plugins/sdk/src/wire.rs")),
    ("src/x12.rs", include_str!("../../plugins/sdk/src/x12.rs")),
    ("src/x12/tests.rs", include_str!("../../plugins/sdk/src/x12/tests.rs")),
    ("src/x12/codes.rs", include_str!("../../plugins/sdk/src/x12/codes.rs")),
];

/// Every file of the WIT contract (a test keeps this list complete).
const WIT_FILES: &[(&str, &str)] =
    &[("types.wit", include_str!("../../wit/types.wit")), ("README.md", include_str!("../../wit/README.md"))];

const SDK_MANIFEST: &str = include_str!("../../plugins/sdk/Cargo.toml");
const WORKSPACE_MANIFEST: &str = include_str!("../../Cargo.toml");
const WORKSPACE_LOCK: &str = include_str!("../../Cargo.lock");
const SDK_PACKAGE: &str = "claimtrack-plugin-sdk";

/// Why a project was not created.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    /// The name cannot be a plugin's (nor a crate's) name.
    #[error("{name:?} cannot be a plugin name: {why}")]
    BadName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The folder exists and has files in it.
    #[error("{} already exists and is not empty; choose another folder with --dir", .0.display())]
    NotEmpty(PathBuf),
    /// A file could not be written.
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A created project.
#[derive(Debug, Clone)]
pub struct Created {
    /// The project folder.
    pub dir: PathBuf,
    /// Every file written, relative to `dir`.
    pub files: Vec<PathBuf>,
    /// Where `cargo build --target wasm32-wasip2 --release` puts the plugin, relative to
    /// `dir`.
    pub wasm: PathBuf,
}

/// Checks that `name` can name a plugin and its crate: lower-case ASCII letters, digits and
/// `-`, starting with a letter, at most 64 bytes (what the host accepts in `describe`, and
/// what Cargo accepts as a package name).
pub fn check_name(name: &str) -> Result<(), NewError> {
    let bad = |why| Err(NewError::BadName { name: name.to_string(), why });
    if name.is_empty() || name.len() > 64 {
        return bad("it must be 1 to 64 characters long");
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return bad("it must start with a lower-case letter");
    }
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return bad("use only lower-case letters, digits and '-'");
    }
    if name.ends_with('-') || name.contains("--") {
        return bad("'-' must separate words");
    }
    Ok(())
}

/// Creates the project for plugin `name` in `dir` (which must be absent or empty).
pub fn create(name: &str, dir: &Path) -> Result<Created, NewError> {
    check_name(name)?;
    if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(NewError::NotEmpty(dir.to_path_buf()));
    }
    let crate_name = name.replace('-', "_");
    let type_name: String = name
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect();
    let fill = |text: &str| {
        text.replace("{{name}}", name)
            .replace("{{crate_name}}", &crate_name)
            .replace("{{type_name}}", &type_name)
            .replace("{{claimtrack_version}}", env!("CARGO_PKG_VERSION"))
            .replace("{{wit_version}}", WIT_VERSION)
    };
    let mut files: Vec<(PathBuf, String)> = TEMPLATE.iter().map(|(path, text)| (PathBuf::from(path), fill(text))).collect();
    files.push(("Cargo.lock".into(), plugin_lockfile(WORKSPACE_LOCK, name)));
    files.push((Path::new(SDK_DIR).join("Cargo.toml"), vendored_sdk_manifest()));
    files.extend(SDK_SOURCES.iter().map(|(path, text)| (Path::new(SDK_DIR).join(path), text.to_string())));
    files.extend(WIT_FILES.iter().map(|(path, text)| (Path::new("wit").join(path), text.to_string())));

    for (rel, text) in &files {
        let path = dir.join(rel);
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(path.parent().expect("files are in the project folder"))?;
            std::fs::write(&path, text)
        };
        write().map_err(|source| NewError::Write { path: path.clone(), source })?;
    }
    Ok(Created {
        dir: dir.to_path_buf(),
        files: files.into_iter().map(|(rel, _)| rel).collect(),
        wasm: Path::new("target/wasm32-wasip2/release").join(format!("{crate_name}.wasm")),
    })
}

/// The SDK's manifest with what it inherits from claimtrack's workspace written out
/// (`version.workspace = true` → `version = "0.1.0"`), since the project is not in that
/// workspace.
fn vendored_sdk_manifest() -> String {
    let mut out = format!(
        "# The claimtrack plugin SDK of claimtrack {}, vendored by `claimtrack plugin new`. Do not edit.\n",
        env!("CARGO_PKG_VERSION")
    );
    let mut section = "";
    for line in SDK_MANIFEST.lines() {
        if line.starts_with('[') {
            section = line;
        }
        match line.strip_suffix(".workspace = true") {
            Some(key) => {
                let from = if section == "[package]" { "[workspace.package]" } else { "[workspace.dependencies]" };
                out.push_str(workspace_entry(from, key.trim()));
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// The line `key = …` of a section of claimtrack's workspace manifest.
fn workspace_entry(section: &str, key: &str) -> &'static str {
    let lines = WORKSPACE_MANIFEST.lines().skip_while(|l| l.trim() != section).skip(1);
    lines
        .take_while(|l| !l.starts_with('['))
        .find(|l| l.split('=').next().is_some_and(|k| k.trim() == key))
        .unwrap_or_else(|| panic!("the workspace manifest has no {key} in {section}"))
}

/// The workspace's `Cargo.lock` cut down to what a plugin project needs: the SDK and what
/// it depends on, at the versions claimtrack is tested with, plus the project's own package.
fn plugin_lockfile(workspace_lock: &str, name: &str) -> String {
    struct Package<'a> {
        name: &'a str,
        version: &'a str,
        text: &'a str,
        deps: Vec<&'a str>,
    }
    let first = workspace_lock.find("[[package]]").expect("a lock file lists packages");
    let header = &workspace_lock[..first];
    let packages: Vec<Package> = workspace_lock[first..]
        .split("\n\n")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|text| {
            let value = |key: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(key)?.strip_prefix(" = \"")?.strip_suffix('"'))
                    .expect("every package has a name and a version")
            };
            let deps = text
                .lines()
                .skip_while(|l| *l != "dependencies = [")
                .skip(1)
                .take_while(|l| *l != "]")
                .map(|l| l.trim().trim_end_matches(',').trim_matches('"'))
                .collect();
            Package { name: value("name"), version: value("version"), text, deps }
        })
        .collect();
    // "name", "name version" or "name version (source)" → the package it means.
    let find = |dep: &str| {
        let mut parts = dep.split(' ');
        let (name, version) = (parts.next().unwrap_or(dep), parts.next());
        packages.iter().position(|p| p.name == name && version.is_none_or(|v| v == p.version))
    };
    let mut keep = vec![false; packages.len()];
    let mut todo: Vec<usize> = find(SDK_PACKAGE).into_iter().collect();
    while let Some(i) = todo.pop() {
        if !std::mem::replace(&mut keep[i], true) {
            todo.extend(packages[i].deps.iter().filter_map(|d| find(d)));
        }
    }
    let kept: Vec<&Package> = packages.iter().zip(&keep).filter(|(_, k)| **k).map(|(p, _)| p).collect();
    // Cargo names a dependency by name alone unless the lock holds several versions of it.
    let ambiguous = |name: &str| kept.iter().filter(|p| p.name == name).count() > 1;
    let render = |p: &Package| -> String {
        let mut lines: Vec<String> = Vec::new();
        let mut in_deps = false;
        for l in p.text.lines() {
            if in_deps && l != "]" {
                let dep = l.trim().trim_end_matches(',').trim_matches('"');
                let dep_name = dep.split(' ').next().unwrap_or(dep);
                lines.push(if ambiguous(dep_name) { l.to_string() } else { format!(" \"{dep_name}\",") });
                continue;
            }
            in_deps = l == "dependencies = [";
            lines.push(l.to_string());
        }
        lines.join("\n")
    };
    let own = format!("[[package]]\nname = \"{name}\"\nversion = \"0.1.0\"\ndependencies = [\n \"{SDK_PACKAGE}\",\n]");
    let mut blocks: Vec<(&str, String)> = kept.iter().map(|p| (p.name, render(p))).collect();
    let at = blocks.iter().position(|(n, _)| *n > name).unwrap_or(blocks.len());
    blocks.insert(at, (name, own));
    let body: Vec<String> = blocks.into_iter().map(|(_, b)| b).collect();
    format!("{header}{}\n", body.join("\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(dir: &Path, list: &[(&str, &str)]) {
        let mut on_disk: Vec<String> = claimtrack::paths::files_under(dir)
            .iter()
            .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/"))
            // Frozen earlier tracks are the host's business: a new plugin builds against the
            // current one only.
            .filter(|p| !p.starts_with("since_v"))
            .collect();
        let mut embedded: Vec<String> = list.iter().map(|(p, _)| p.trim_start_matches("src/").to_string()).collect();
        on_disk.sort();
        embedded.sort();
        assert_eq!(on_disk, embedded, "add new files of {} to plugin_new.rs", dir.display());
    }

    #[test]
    fn every_sdk_and_wit_file_is_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        listed(&root.join("plugins/sdk/src"), SDK_SOURCES);
        listed(&root.join("wit"), WIT_FILES);
    }

    #[test]
    fn names() {
        assert!(check_name("acme-status").is_ok());
        assert!(check_name("payer2-csv").is_ok());
        for bad in ["", "Acme", "2acme", "acme_status", "acme-", "a--b", "acme status"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_sdk_manifest_inherits_nothing() {
        let m = vendored_sdk_manifest();
        assert!(!m.contains(".workspace"), "{m}");
        assert!(m.contains("version = \"") && m.contains("wit-bindgen = {"), "{m}");
    }

    #[test]
    fn the_lock_file_holds_the_sdk_closure_and_the_project() {
        let lock = plugin_lockfile(WORKSPACE_LOCK, "acme-status");
        assert!(lock.starts_with("# This file is automatically @generated by Cargo."));
        assert!(lock.contains("name = \"acme-status\"\nversion = \"0.1.0\"\ndependencies = [\n \"claimtrack-plugin-sdk\",\n]"));
        assert!(lock.contains("name = \"wit-bindgen\""));
        assert!(!lock.contains("name = \"wasmtime\""), "only what the SDK needs");
        assert!(!lock.contains("name = \"claimtrack\"\n"));
    }

    #[test]
    fn a_project_is_created_in_an_empty_folder_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("acme-status");
        let created = create("acme-status", &dir).unwrap();
        assert_eq!(created.wasm, Path::new("target/wasm32-wasip2/release/acme_status.wasm"));
        let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
        assert!(lib.contains("pub struct AcmeStatus;") && !lib.contains("{{"), "placeholders filled");
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("name = \"acme-status\"") && manifest.contains("\n[workspace]\n"));
        assert!(dir.join("wit/types.wit").is_file() && dir.join("vendor/claimtrack-plugin-sdk/src/x12/tests.rs").is_file());
        assert!(matches!(create("acme-status", &dir), Err(NewError::NotEmpty(_))));
    }
}
