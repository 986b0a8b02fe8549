//! Helpers for a plugin's native tests: finding the shared sample corpus and its files.
//!
//! The public samples are an external conformance corpus: tests read them where they lie
//! (`shared/samples` beside the checkout, or `CLAIMTRACK_SAMPLES`) and never copy them.

use std::path::{Path, PathBuf};

/// The sample corpus: `$CLAIMTRACK_SAMPLES`, else the first `shared/samples` folder found
/// beside `start` or one of its ancestors (pass `env!("CARGO_MANIFEST_DIR")`). `None` when
/// there is none: the caller then skips with a message rather than failing.
pub fn samples_dir(start: impl AsRef<Path>) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CLAIMTRACK_SAMPLES") {
        let dir = PathBuf::from(dir);
        return dir.is_dir().then_some(dir);
    }
    start.as_ref().ancestors().map(|a| a.join("shared/samples")).find(|d| d.is_dir())
}

/// Every file under `dir`, recursively, sorted.
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
