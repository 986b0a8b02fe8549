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

/// Every regular file under `dir`, recursively, sorted (so runs are repeatable); links that
/// lead out of `dir` are not followed. See [`walk`].
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    walk(dir, false).files
}

/// What [`walk`] found under a folder.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Walk {
    /// The regular files, sorted.
    pub files: Vec<PathBuf>,
    /// What was not read, and why (a link out of the folder, a loop, a named pipe…), sorted.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Every regular file under `root`, each real folder read once (known by device and inode,
/// so links that make a loop are walked once, not forever), sorted. A symbolic link is
/// followed when it leads inside `root` (or anywhere, with `follow_links`); named pipes,
/// sockets and devices are never read (opening a pipe waits for a writer forever). What is
/// left out is listed with the reason, for the caller to say.
pub fn walk(root: &Path, follow_links: bool) -> Walk {
    let mut out = Walk::default();
    let real_root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut seen: std::collections::HashSet<FolderId> = std::collections::HashSet::new();
    let mut stack = vec![root.to_path_buf()];
    // Bounded: a folder is pushed only the first time its identity is seen.
    if let Ok(m) = fs::metadata(root) {
        seen.insert(FolderId::of(root, &m));
    }
    while let Some(d) = stack.pop() {
        let entries = match fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) => {
                out.skipped.push((d, format!("cannot read this folder: {e}")));
                continue;
            }
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(lmeta) = fs::symlink_metadata(&p) else { continue };
            let (meta, via_link) = if lmeta.file_type().is_symlink() {
                let target = match fs::canonicalize(&p) {
                    Ok(t) => t,
                    Err(_) => {
                        out.skipped.push((p, "a link to nothing (its target does not exist)".into()));
                        continue;
                    }
                };
                if !follow_links && !target.starts_with(&real_root) {
                    out.skipped.push((p, format!("a link out of {} (to {}); --follow-links reads it", root.display(), target.display())));
                    continue;
                }
                match fs::metadata(&target) {
                    Ok(m) => (m, true),
                    Err(_) => continue,
                }
            } else {
                (lmeta, false)
            };
            if meta.is_dir() {
                if seen.insert(FolderId::of(&p, &meta)) {
                    stack.push(p);
                } else if via_link {
                    out.skipped.push((p, "a link to a folder already read".into()));
                }
            } else if meta.is_file() {
                out.files.push(p);
            } else {
                out.skipped.push((p, format!("not a regular file ({}); only files are read", kind_of(&meta))));
            }
        }
    }
    out.files.sort();
    out.skipped.sort();
    out
}

/// A folder's identity: device and inode where there are some, else its real path.
#[derive(Debug, PartialEq, Eq, Hash)]
enum FolderId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

impl FolderId {
    fn of(path: &Path, meta: &fs::Metadata) -> FolderId {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let _ = path;
            FolderId::Inode(meta.dev(), meta.ino())
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            FolderId::Path(fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
        }
    }
}

/// "a named pipe", "a socket", "a device", "a folder": what a path is, when not a file.
fn kind_of(meta: &fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if meta.is_dir() { "a folder" } else { "not a regular file" }
}

/// Why [`read_file`] read nothing.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A named pipe, socket, device or folder: only regular files are read.
    #[error("it is {0}, not a file; only regular files are read")]
    NotAFile(&'static str),
    /// Larger than the limit: refused before anything was read or archived.
    #[error(
        "it is {} MiB, more than the {} MiB a file may have (raise it with --max-file-mb or CLAIMTRACK_MAX_FILE_MB)",
        .size.div_ceil(1 << 20),
        .limit >> 20
    )]
    TooLarge {
        /// The file's size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file could not be opened or read.
    #[error("cannot read it: {0}")]
    Io(#[from] io::Error),
}

impl ReadError {
    /// A stable identifier of what went wrong (the JSON contract's `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            ReadError::NotAFile(_) => "not_a_file",
            ReadError::TooLarge { .. } => "too_large",
            ReadError::Io(_) => "unreadable",
        }
    }
}

/// A regular file's bytes, at most `limit` of them. Opened without waiting (a named pipe
/// would block the open until someone writes to it), then checked by what was opened, so a
/// path swapped between a check and the open cannot slip a pipe or a device in.
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    use io::Read;
    let mut opts = fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let f = opts.open(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile(kind_of(&meta)));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge { size: meta.len(), limit });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // One byte past the limit tells a file that grew while it was read.
    f.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { size: bytes.len() as u64, limit });
    }
    Ok(bytes)
}

/// The default of the largest file claimtrack reads: four times the largest 835 seen in the
/// wild (hospital remittances reach 60 MB), well below what the archive can hold in a row.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 << 20;

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn loops_of_links_are_walked_once_and_links_out_are_skipped() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("in");
        fs::create_dir_all(root.join("sub")).unwrap();
        fs::write(root.join("a.835"), b"a").unwrap();
        fs::write(root.join("sub/b.999"), b"b").unwrap();
        std::os::unix::fs::symlink(".", root.join("s1")).unwrap();
        std::os::unix::fs::symlink(".", root.join("s2")).unwrap();
        std::os::unix::fs::symlink("..", root.join("sub/up")).unwrap();
        let outside = tmp.path().join("outside");
        fs::create_dir(&outside).unwrap();
        fs::write(outside.join("secret.txt"), b"x").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("out")).unwrap();
        std::os::unix::fs::symlink("a.835", root.join("same.835")).unwrap();
        let w = walk(&root, false);
        let names: Vec<String> = w.files.iter().map(|p| p.strip_prefix(&root).unwrap().display().to_string()).collect();
        assert_eq!(names, ["a.835", "same.835", "sub/b.999"], "each real folder once: {w:#?}");
        let skipped: Vec<(String, &str)> =
            w.skipped.iter().map(|(p, why)| (p.strip_prefix(&root).unwrap().display().to_string(), why.as_str())).collect();
        assert_eq!(skipped.len(), 4, "{skipped:#?}");
        assert!(skipped.iter().any(|(p, why)| p == "out" && why.contains("a link out of")), "{skipped:#?}");
        for link in ["s1", "s2", "sub/up"] {
            assert!(skipped.iter().any(|(p, why)| p == link && why.contains("already read")), "{link}: {skipped:#?}");
        }
        let w = walk(&root, true);
        assert!(w.files.iter().any(|p| p.ends_with("out/secret.txt")), "followed when asked: {w:#?}");
    }

    #[test]
    fn named_pipes_are_skipped_and_never_opened_for_reading() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("pipe.835");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        fs::write(tmp.path().join("ok.835"), b"x").unwrap();
        let w = walk(tmp.path(), false);
        assert_eq!(w.files, [tmp.path().join("ok.835")]);
        assert_eq!(w.skipped, [(fifo.clone(), "not a regular file (a named pipe); only files are read".to_string())]);
        // Named directly: refused without blocking (no writer will ever come).
        let e = read_file(&fifo, DEFAULT_MAX_FILE_BYTES).unwrap_err();
        assert!(matches!(e, ReadError::NotAFile("a named pipe")), "{e}");
        let e = read_file(tmp.path(), DEFAULT_MAX_FILE_BYTES).unwrap_err();
        assert!(matches!(e, ReadError::NotAFile("a folder")), "{e}");
    }

    #[test]
    fn files_over_the_limit_are_refused_before_reading() {
        let tmp = tempfile::tempdir().unwrap();
        let big = tmp.path().join("big.835");
        fs::write(&big, vec![b'x'; 3 << 20]).unwrap();
        let e = read_file(&big, 2 << 20).unwrap_err();
        assert!(matches!(e, ReadError::TooLarge { size, limit } if size == 3 << 20 && limit == 2 << 20), "{e}");
        assert!(e.to_string().contains("3 MiB, more than the 2 MiB") && e.to_string().contains("--max-file-mb"), "{e}");
        assert_eq!(read_file(&big, 3 << 20).unwrap().len(), 3 << 20);
    }

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
