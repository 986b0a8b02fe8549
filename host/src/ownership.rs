//! Whether a file or folder is the running user's alone.
//!
//! claimtrack runs native code from its compiled-plugin cache and sends the SFTP password
//! to the server `config.toml` names, pinned by `known_hosts`: another local account that
//! can change any of those gets code run, or the password sent, as this user. So these are
//! used only when they are owned by the running user (or root, who can change anything
//! anyway) and cannot be changed by group or others; the secrets file cannot be read by
//! them either. It is OpenSSH's `StrictModes` rule, checked on what was actually opened
//! (never through a symbolic link at the end of the path), before anything is read.

use std::fs::{self, File, Metadata};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// What other accounts must not be able to do to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Change it (the config, `known_hosts`, folders, the plugin cache).
    Change,
    /// Change it or read it (the secrets file).
    ChangeOrRead,
}

/// Why a file or folder is not used. The message starts with "it …" and says how to fix
/// it; callers put the path in front.
#[derive(Debug, thiserror::Error)]
pub enum Exposed {
    /// Owned by another account, which can change it (and its mode) at will.
    #[error(
        "it belongs to another account (uid {owner}, while claimtrack runs as uid {me}); claimtrack uses only files \
         and folders that are yours: `chown {me} {path}` if it should be yours, or choose another location"
    )]
    NotYours {
        /// The path, for the fix.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// The running (effective) user.
        me: u32,
    },
    /// Group or others may write it.
    #[error("it can be changed by other accounts (mode {mode:03o}); run `chmod go-w {path}`")]
    WritableByOthers {
        /// The path, for the fix.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Group or others may read a secret.
    #[error("it can be read by other accounts (mode {mode:03o}); run `chmod 600 {path}`")]
    ReadableByOthers {
        /// The path, for the fix.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A symbolic link where the file itself is expected: whoever made it chooses what is read.
    #[error("it is a symbolic link; claimtrack does not follow links here: put the file itself at {path}")]
    Link {
        /// The path, for the fix.
        path: PathBuf,
    },
    /// Not a regular file (or not a folder, where a folder is expected).
    #[error("it is not a {expected}")]
    WrongKind {
        /// "regular file" or "folder".
        expected: &'static str,
    },
    /// It could not be checked at all.
    #[error("cannot check it: {0}")]
    Io(#[from] io::Error),
}

impl Exposed {
    /// A stable identifier of what went wrong (the JSON contract's `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Exposed::NotYours { .. } => "not_yours",
            Exposed::WritableByOthers { .. } => "writable_by_others",
            Exposed::ReadableByOthers { .. } => "readable_by_others",
            Exposed::Link { .. } => "link",
            Exposed::WrongKind { .. } => "wrong_kind",
            Exposed::Io(_) => "unreadable",
        }
    }
}

/// The effective user claimtrack runs as.
pub fn running_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Checks `meta` (of `path`) against the rule: owned by the running user or root, and
/// nothing `guard` forbids allowed to group or others.
pub fn check(path: &Path, meta: &Metadata, guard: Guard) -> Result<(), Exposed> {
    let me = running_uid();
    let owner = meta.uid();
    if owner != me && owner != 0 {
        return Err(Exposed::NotYours { path: path.to_path_buf(), owner, me });
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(Exposed::WritableByOthers { path: path.to_path_buf(), mode: mode & 0o777 });
    }
    if guard == Guard::ChangeOrRead && mode & 0o044 != 0 {
        return Err(Exposed::ReadableByOthers { path: path.to_path_buf(), mode: mode & 0o777 });
    }
    Ok(())
}

/// Opens `path` for reading, without following a symbolic link at its end and without
/// waiting on a named pipe, then checks what was opened (so a file swapped in between a
/// check and the open is not used). `Ok(None)`: there is no such file.
pub fn open(path: &Path, guard: Guard) -> Result<Option<File>, Exposed> {
    let file = match fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        // ELOOP: the last component is a symbolic link.
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Err(Exposed::Link { path: path.to_path_buf() }),
        Err(e) => return Err(Exposed::Io(e)),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(Exposed::WrongKind { expected: "regular file" });
    }
    check(path, &meta, guard)?;
    Ok(Some(file))
}

/// Reads a text file [`open`] accepts; `Ok(None)`: there is no such file.
pub fn read_to_string(path: &Path, guard: Guard) -> Result<Option<String>, Exposed> {
    use io::Read;
    let Some(mut f) = open(path, guard)? else { return Ok(None) };
    let mut text = String::new();
    f.read_to_string(&mut text)?;
    Ok(Some(text))
}

/// Checks a folder (a link to a folder is followed: what counts is the folder itself).
pub fn check_folder(path: &Path) -> Result<(), Exposed> {
    let meta = fs::metadata(path)?;
    if !meta.is_dir() {
        return Err(Exposed::WrongKind { expected: "folder" });
    }
    check(path, &meta, Guard::Change)
}

/// Checks `path` and every folder above it: whoever can write a folder on the way can
/// replace what is below it. A folder owned by root with the sticky bit (like `/tmp`) is
/// fine above `path`: others can add entries there but not replace ours. Returns the first
/// folder that fails, with why.
pub fn check_folder_chain(path: &Path) -> Result<(), (PathBuf, Exposed)> {
    let absolute = std::path::absolute(path).map_err(|e| (path.to_path_buf(), Exposed::Io(e)))?;
    check_folder(&absolute).map_err(|e| (absolute.clone(), e))?;
    for folder in absolute.ancestors().skip(1) {
        let meta = fs::metadata(folder).map_err(|e| (folder.to_path_buf(), Exposed::Io(e)))?;
        let sticky_root = meta.uid() == 0 && meta.mode() & libc::S_ISVTX != 0;
        if sticky_root {
            continue;
        }
        check(folder, &meta, Guard::Change).map_err(|e| (folder.to_path_buf(), e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn chmod(p: &Path, mode: u32) {
        fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn modes_links_and_owners() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("config.toml");
        fs::write(&f, "x").unwrap();
        chmod(&f, 0o644);
        assert_eq!(read_to_string(&f, Guard::Change).unwrap().as_deref(), Some("x"));
        assert!(matches!(open(&f, Guard::ChangeOrRead), Err(Exposed::ReadableByOthers { mode: 0o644, .. })));
        chmod(&f, 0o664);
        let e = open(&f, Guard::Change).unwrap_err();
        assert!(e.to_string().contains(&format!("chmod go-w {}", f.display())), "{e}");
        chmod(&f, 0o600);
        assert!(open(&f, Guard::ChangeOrRead).unwrap().is_some());
        assert!(open(&tmp.path().join("absent"), Guard::Change).unwrap().is_none());

        let link = tmp.path().join("link.toml");
        std::os::unix::fs::symlink(&f, &link).unwrap();
        assert!(matches!(open(&link, Guard::Change), Err(Exposed::Link { .. })));
        assert!(matches!(open(tmp.path(), Guard::Change), Err(Exposed::WrongKind { .. })));

        let sub = tmp.path().join("a/b");
        fs::create_dir_all(&sub).unwrap();
        chmod(tmp.path(), 0o700);
        check_folder_chain(&sub).unwrap();
        chmod(&tmp.path().join("a"), 0o777);
        let (at, why) = check_folder_chain(&sub).unwrap_err();
        assert_eq!(at, tmp.path().join("a"));
        assert!(matches!(why, Exposed::WritableByOthers { mode: 0o777, .. }));

        // Another owner (only root can make one).
        if running_uid() == 0 {
            chmod(&tmp.path().join("a"), 0o700);
            std::os::unix::fs::chown(&f, Some(65534), None).unwrap();
            assert!(matches!(open(&f, Guard::Change), Err(Exposed::NotYours { owner: 65534, me: 0, .. })));
            std::os::unix::fs::chown(&sub, Some(65534), None).unwrap();
            assert!(matches!(check_folder_chain(&sub), Err((_, Exposed::NotYours { .. }))));
        }
    }
}
