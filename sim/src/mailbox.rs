//! The mailbox folder as Office Ally's SFTP root has it: `inbound/` (uploads, removed on
//! pickup) and `outbound/` (reports). Files are written under a temporary name in
//! `.claimtrack-sim-tmp/` beside them and renamed into place, so a reader listing
//! `outbound/` never sees half a file and never sees the temporary one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The upload folder.
pub fn inbound(mailbox: &Path) -> PathBuf {
    mailbox.join("inbound")
}

/// The report folder.
pub fn outbound(mailbox: &Path) -> PathBuf {
    mailbox.join("outbound")
}

/// Write `bytes` to `dir/name` atomically: a temporary file in `tmp_dir` (same file system as
/// `dir`), flushed to disk, then renamed over the target.
pub fn write_atomic(tmp_dir: &Path, dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    fs::create_dir_all(tmp_dir).with_context(|| format!("creating {}", tmp_dir.display()))?;
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = tmp_dir.join(format!("{name}.{}.tmp", std::process::id()));
    {
        let mut f = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    let target = dir.join(name);
    fs::rename(&tmp, &target).with_context(|| format!("renaming into {}", target.display()))?;
    Ok(())
}

/// Whether an inbound name is an upload still in progress or not an upload at all: hidden
/// files and the usual partial-transfer suffixes are left alone.
pub fn is_partial(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.') || [".part", ".tmp", ".filepart", ".partial"].iter().any(|s| lower.ends_with(s))
}

/// Regular files in `dir` (sorted by name), or none when it does not exist.
pub fn files(dir: &Path) -> Result<Vec<String>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
    };
    let mut out = Vec::new();
    for e in entries {
        let e = e?;
        if e.file_type()?.is_file()
            && let Some(n) = e.file_name().to_str()
        {
            out.push(n.to_string());
        }
    }
    out.sort();
    Ok(out)
}

/// FNV-1a: a fingerprint to recognise a file already picked up (no cryptography needed).
pub fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}
