//! On-disk cache of compiled components (`.cwasm`), so a plugin is compiled once per
//! (plugin bytes, Wasmtime build and configuration) rather than at every start.
//!
//! Loading a `.cwasm` is `unsafe`: Wasmtime only lightly validates it, and a crafted file
//! runs arbitrary native code. So the cache only reads files no one but this user could
//! have written:
//! - the cache folder and every folder above it must pass [`crate::ownership`]'s rule
//!   (owned by this user or root, not writable by others; root's sticky `/tmp` is fine
//!   above it); otherwise the cache is not used at all, plugins are compiled in memory, and
//!   the runtime says so once;
//! - each file must be a regular file owned by the running user, readable by nobody else;
//! - the directory is created owner-only (0700) and files are written owner-only (0600),
//!   to a temporary name and then renamed, so a half-written file is never seen;
//! - the file name is the key: SHA-256 of (format tag, SHA-256 of the wasm,
//!   `Engine::precompile_compatibility_hash`), so another Wasmtime or configuration never
//!   picks up an old file;
//! - each file starts with a header (magic, SHA-256 of the wasm it was compiled from,
//!   SHA-256 of the payload) that is checked before deserializing.
//!
//! The header is an integrity check, not a signature: with the ownership rule, whoever can
//! still write a cache file is this user (or root), who can run code as this user anyway.
//! A key to sign the files with would have to live where the same people can read it, so
//! it would add nothing. Anything that fails a check is recompiled and overwritten.

use sha2::{Digest, Sha256};
use std::fs;
use std::hash::Hash;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use wasmtime::Engine;

use crate::ownership;

const MAGIC: &[u8; 8] = b"CTCWASM1";
const HEADER_LEN: usize = MAGIC.len() + 32 + 32;

/// What the cache did for one load, so callers (and the benchmark) can tell cold from warm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheOutcome {
    /// No cache directory configured: compiled in memory.
    Disabled,
    /// Loaded a compiled component written earlier; nothing was compiled.
    Hit,
    /// Not in the cache: compiled, then stored (`stored` is false when writing failed,
    /// which only costs the next start a compile).
    Miss {
        /// Whether the compiled component was written to the cache.
        stored: bool,
    },
    /// A cache file existed but was not trusted or did not load; it was recompiled and
    /// overwritten. `reason` says what was wrong.
    Rejected {
        /// What was wrong with the cache file, for the log.
        reason: String,
    },
    /// The cache folder is not trusted (another account owns or can write it, or a folder
    /// above it): compiled in memory; nothing was read from or written to the folder.
    Refused {
        /// Which folder, and what is wrong with it.
        reason: String,
    },
}

impl CacheOutcome {
    /// Whether the component came from the cache without compiling.
    pub fn is_hit(&self) -> bool {
        matches!(self, CacheOutcome::Hit)
    }
}

/// Feeds a `Hash` impl into SHA-256 (for `precompile_compatibility_hash`).
struct ShaHasher(Sha256);

impl std::hash::Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        unreachable!("only used to feed bytes into SHA-256")
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

pub(crate) struct ComponentCache {
    dir: PathBuf,
    /// SHA-256 of the engine's compatibility hash, computed once.
    engine_key: [u8; 32],
}

pub(crate) enum Lookup {
    Found(Vec<u8>),
    Absent,
    Untrusted(String),
}

impl ComponentCache {
    /// Opens (creating it owner-only if needed) the cache directory. `Ok(Err(reason))`: the
    /// folder exists but is not trusted, so there is no cache.
    pub(crate) fn open(dir: &Path, engine: &Engine) -> std::io::Result<Result<Self, String>> {
        fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        let meta = fs::metadata(dir)?;
        if meta.uid() == ownership::running_uid() && meta.permissions().mode() & 0o077 != 0 {
            // Our own folder, too open: tighten it. Files others put there are refused one
            // by one (they are not ours).
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
        if let Err((folder, why)) = ownership::check_folder_chain(dir) {
            return Ok(Err(format!("{}: {why}", folder.display())));
        }
        let mut h = ShaHasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut h);
        Ok(Ok(ComponentCache { dir: dir.to_owned(), engine_key: h.0.finalize().into() }))
    }

    pub(crate) fn path_for(&self, wasm_sha: &[u8; 32]) -> PathBuf {
        let mut h = Sha256::new();
        h.update(MAGIC);
        h.update(wasm_sha);
        h.update(self.engine_key);
        self.dir.join(format!("{}.cwasm", hex::encode(h.finalize())))
    }

    /// Reads and checks the cache file for `wasm_sha`; returns the payload to deserialize.
    pub(crate) fn lookup(&self, wasm_sha: &[u8; 32]) -> Lookup {
        let path = self.path_for(wasm_sha);
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Lookup::Absent,
            Err(e) => return Lookup::Untrusted(format!("cannot stat {}: {e}", path.display())),
        };
        if !meta.file_type().is_file() {
            return Lookup::Untrusted("not a regular file".into());
        }
        if meta.permissions().mode() & 0o077 != 0 {
            return Lookup::Untrusted(format!("mode {:o} is not owner-only", meta.permissions().mode() & 0o777));
        }
        if meta.uid() != ownership::running_uid() {
            return Lookup::Untrusted(format!("owned by another account (uid {})", meta.uid()));
        }
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) => return Lookup::Untrusted(format!("cannot read: {e}")),
        };
        if bytes.len() < HEADER_LEN || &bytes[..MAGIC.len()] != MAGIC {
            return Lookup::Untrusted("bad header".into());
        }
        let (header, payload) = bytes.split_at(HEADER_LEN);
        if header[MAGIC.len()..MAGIC.len() + 32] != wasm_sha[..] {
            return Lookup::Untrusted("compiled from other wasm bytes".into());
        }
        if header[MAGIC.len() + 32..] != Sha256::digest(payload)[..] {
            return Lookup::Untrusted("checksum mismatch (file modified or truncated)".into());
        }
        Lookup::Found(payload.to_vec())
    }

    /// Stores a serialized component: temp file (0600, create_new), fsync, rename.
    pub(crate) fn store(&self, wasm_sha: &[u8; 32], payload: &[u8]) -> std::io::Result<()> {
        let path = self.path_for(wasm_sha);
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        let tmp = self.dir.join(format!(".tmp-{}-{seq}", std::process::id()));
        let result = (|| {
            let mut f = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
            f.write_all(MAGIC)?;
            f.write_all(wasm_sha)?;
            f.write_all(&Sha256::digest(payload))?;
            f.write_all(payload)?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }
}
