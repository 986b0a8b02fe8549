//! Where claimtrack keeps its data, and creating it owner-only.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The data folder: later the database and the archive; today the compiled-plugin cache and
/// third-party plugins. Chosen by `--data-dir` / `CLAIMTRACK_DATA_DIR`, else the user's
/// data directory (e.g. `~/.local/share/claimtrack` on Linux).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Use `root` as the data folder (it is created on first write, owner-only).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into() }
    }

    /// The platform default, or `None` when the platform has no home directory.
    pub fn platform_default() -> Option<Self> {
        directories::ProjectDirs::from("", "", "claimtrack").map(|d| DataDir::new(d.data_dir()))
    }

    /// The data folder itself; every other path here is inside it.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Compiled plugins, keyed by content hash and engine compatibility.
    pub fn component_cache(&self) -> PathBuf {
        self.root.join("cache").join("components")
    }

    /// Third-party plugins (`*.wasm`).
    pub fn plugins(&self) -> PathBuf {
        self.root.join("plugins")
    }

    /// Submitted 837s waiting to be uploaded, under their staged names (see
    /// [`crate::submit`]).
    pub fn outbox(&self) -> PathBuf {
        self.root.join("outbox")
    }

    /// Submitted 837s once their upload is recorded (moved out of the outbox, so they are
    /// never uploaded twice).
    pub fn sent(&self) -> PathBuf {
        self.root.join("sent")
    }

    /// Create the data folder (and `sub` beneath it) readable by the owner only.
    pub fn ensure(&self, sub: &Path) -> io::Result<PathBuf> {
        let target = self.root.join(sub);
        create_private_dir(&self.root)?;
        create_private_dir(&target)?;
        Ok(target)
    }
}

/// `mkdir -p` where every folder this call creates gets mode 0700. Existing folders are left
/// as they are: the user may have chosen their own permissions.
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent)?;
    }
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    match builder.create(path) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
        other => other,
    }
}

/// Create `path` as a new file readable by the owner only. A file already there (say a
/// temporary file a crash left behind) is removed first: reopening it would keep its old mode.
pub fn create_private_file(path: &Path) -> io::Result<fs::File> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

/// Write `bytes` to `path`, readable by the owner only, atomically: through a temporary file
/// in the same folder (created owner-only if needed), fsynced, then renamed.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use io::Write;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut f = create_private_file(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    fs::rename(&tmp, path)
}

/// Every file under `dir`, recursively, sorted (so runs are repeatable).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn created_folders_are_owner_only() {
        let tmp = tempfile::tempdir().unwrap();
        let d = DataDir::new(tmp.path().join("data"));
        let cache = d.ensure(Path::new("cache/components")).unwrap();
        for p in [d.root().to_path_buf(), d.root().join("cache"), cache] {
            let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", p.display());
        }
    }
}
