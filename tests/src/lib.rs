//! Helpers shared by the end-to-end tests: the sample corpus, one plugin set per process.

pub mod five_claims;
pub mod sshd;

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
    claimtrack_plugin_sdk::testing::samples_dir(workspace())
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

pub use claimtrack_plugin_sdk::testing::files_under;
