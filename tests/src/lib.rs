//! Helpers shared by the end-to-end tests: the sample corpus, one plugin set per process.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use claimtrack::plugins::PluginSet;
use claimtrack::runtime::Limits;

/// The workspace root.
pub fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The external conformance corpus (`../shared/samples` beside the checkout, or
/// `CLAIMTRACK_SAMPLES`). `None` when absent: tests then skip with a message.
pub fn samples_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CLAIMTRACK_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("../shared/samples"));
    dir.is_dir().then_some(dir)
}

/// The built-in plugins, loaded once per test process (no disk cache: tests must not
/// depend on what an earlier run left behind).
pub fn plugins() -> &'static PluginSet {
    static SET: OnceLock<PluginSet> = OnceLock::new();
    SET.get_or_init(|| {
        let (set, problems) = PluginSet::open(None, Limits::default()).expect("plugin runtime starts");
        assert!(problems.is_empty(), "built-in plugins failed to load: {problems:?}");
        set
    })
}

/// Every file under `dir`, sorted, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
