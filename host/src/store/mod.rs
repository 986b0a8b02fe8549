//! The store: one SQLite file in the data folder holding the archive (every file's raw
//! bytes, content-addressed by SHA-256) and the append-only event log.
//!
//! The archive lives inside the database on purpose: a file and the events parsed from it
//! are written in one transaction, so a crash at any point leaves either both or neither,
//! and a second process ingesting the same file finds it already there.
//!
//! The file is created owner-only (0600, in a 0700 folder); SQLite gives its WAL and
//! shared-memory files the same mode.

pub mod changes;
pub(crate) mod event_log;
pub(crate) mod schema;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use crate::paths::{create_private_dir, DataDir};

pub use schema::SCHEMA_VERSION;

/// The database file name inside the data folder.
pub const DB_FILE: &str = "claimtrack.db";

/// How long a writer waits for another process's transaction before giving up. One file's
/// transaction (store its events, correlate, derive) takes about a second for a 4 MB ERA.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// Why the store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data folder or database file could not be created or made owner-only.
    #[error("cannot create the data folder {path}: {source}")]
    Folder {
        /// The folder or file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// SQLite could not open or configure the database (locked, corrupt, not a database).
    #[error("the database {path} could not be opened: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// The database was written by a newer claimtrack; it is left untouched.
    #[error(
        "the database {path} has schema version {found}, newer than this claimtrack understands ({supported}); upgrade claimtrack"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The newest version this build understands ([`SCHEMA_VERSION`]).
        supported: u32,
    },
    /// Committed data could not be flushed to disk.
    #[error("cannot flush {path} to disk: {source}")]
    Flush {
        /// The database file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Any other SQLite error while reading or writing (e.g. busy past the 60 s timeout).
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
}

impl StoreError {
    /// A stable identifier of what went wrong (the JSON contract's `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            StoreError::Folder { .. } | StoreError::Open { .. } => "setup",
            StoreError::TooNew { .. } => "too_new",
            StoreError::Flush { .. } | StoreError::Sql(_) => "database",
        }
    }
}

/// Switch a database to WAL. Switching needs an exclusive lock that SQLite does not wait for
/// through the busy handler, so two processes opening a new database at once could see
/// "database is locked": the mode is persistent, so it is only set when needed, and a busy
/// answer is retried until [`BUSY_TIMEOUT`].
fn enable_wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if mode.eq_ignore_ascii_case("wal") {
            return Ok(());
        }
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Ok(()) => return Ok(()),
            Err(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(e),
        }
    }
}

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Store {
    /// Open (creating if needed) the store in `data_dir`, and bring its schema up to date.
    pub fn open(data_dir: &DataDir) -> Result<Store, StoreError> {
        let root = data_dir.root();
        create_private_dir(root).map_err(|source| StoreError::Folder { path: root.to_path_buf(), source })?;
        Store::open_file(&root.join(DB_FILE))
    }

    /// Open (creating if needed) the database at `path`.
    pub fn open_file(path: &Path) -> Result<Store, StoreError> {
        create_owner_only(path).map_err(|source| StoreError::Folder { path: path.to_path_buf(), source })?;
        let open_err = |source| StoreError::Open { path: path.to_path_buf(), source };
        let conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // WAL: readers never block the writer, and a crash loses at most the transaction
        // being written. NORMAL sync is durable at each checkpoint and safe against
        // corruption in WAL mode.
        enable_wal(&conn).map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", true).map_err(open_err)?;
        // The query planner stability guarantee: one plan per statement whatever the bound
        // values. Without it, SQLite (built with STAT4) marks statements whose planning
        // looked at a bound value and prepares them again after every new binding; that
        // re-preparation was a fifth of the time of ingesting a large ERA.
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).map_err(open_err)?;
        // Memory-mapped reads, and a 16 MiB page cache (the default is 2 MiB): correlating a
        // large ERA reads the same claim and event pages many times, and these keep those
        // reads off the kernel. The cache mostly holds a large ingest's dirty pages, and is
        // a part of its peak memory: 64 MiB was no faster (BENCHMARKS.md, "WIT 0.2, streamed
        // 835": 1.65–1.74 s either way for the 20,000-claim 835) and cost 18 MB more of it.
        conn.pragma_update(None, "cache_size", -16384).map_err(open_err)?;
        conn.pragma_update(None, "mmap_size", 256i64 << 20).map_err(open_err)?;
        let mut store = Store { conn, path: path.to_path_buf() };
        store.migrate()?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version on disk.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        schema::migrate(&mut self.conn).map_err(|e| match e {
            schema::MigrateError::TooNew { found } => {
                StoreError::TooNew { path: self.path.clone(), found, supported: SCHEMA_VERSION }
            }
            schema::MigrateError::Sql(e) => StoreError::Sql(e),
        })
    }

    /// Make every committed transaction durable now. With `synchronous = NORMAL` a commit
    /// reaches the WAL file but not necessarily the disk; before something irreversible
    /// happens elsewhere (a report moved away on Office Ally's server), fsync the WAL.
    pub fn sync_to_disk(&self) -> Result<(), StoreError> {
        let wal = PathBuf::from(format!("{}-wal", self.path.display()));
        for p in [&wal, &self.path] {
            match std::fs::File::open(p).and_then(|f| f.sync_all()) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(StoreError::Flush { path: p.clone(), source }),
            }
        }
        Ok(())
    }

    /// `PRAGMA integrity_check`: "ok", or what is wrong.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The id of the archived file with this SHA-256, if any.
    pub fn file_id(&self, sha256: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.conn.query_row("SELECT id FROM files WHERE sha256 = ?1", params![sha256], |r| r.get(0)).optional()?)
    }
}

/// One archived file, as listed by `claimtrack files`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct ArchivedFile {
    /// The file's id (`files.id`), as in ingest reports.
    pub id: i64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// The name the file had when first seen (last path component).
    pub name: String,
    /// Size in bytes.
    pub size: i64,
    /// Where it came from: "ingest", "submit", "package" (a zip member) or the mailbox and
    /// its name there.
    pub origin: crate::ingest::FileOrigin,
    /// When it was first archived, RFC 3339 UTC.
    pub first_seen: chrono::DateTime<chrono::Utc>,
    /// When the same bytes were last seen again, RFC 3339 UTC.
    pub last_seen: chrono::DateTime<chrono::Utc>,
    /// "document" or "package".
    pub kind: String,
    /// "parsed" or "needs_attention".
    pub outcome: String,
    /// The format it was read as, when parsed.
    pub format: Option<String>,
    /// The plugin that read it, when parsed.
    pub plugin: Option<String>,
    /// That plugin's version.
    pub plugin_version: Option<String>,
    /// Stable snake_case reason it needs attention (as [`crate::plugins::ParseFailure::kind`]).
    pub problem_kind: Option<String>,
    /// What went wrong, for people.
    pub problem: Option<String>,
    /// Warning diagnostics of the last parse.
    pub warnings: i64,
    /// Error diagnostics of the last parse.
    pub errors: i64,
    /// Status events stored from it.
    pub events: i64,
}

const ARCHIVED_SELECT: &str = "SELECT f.id, f.sha256, f.original_name, f.size, f.origin, f.first_seen, f.last_seen, f.kind,
        f.outcome, f.format, f.plugin, f.plugin_version, f.problem_kind, f.problem, f.warnings, f.errors,
        (SELECT COUNT(*) FROM events e WHERE e.file_id = f.id)
     FROM files f";

fn archived_file(r: &rusqlite::Row<'_>) -> rusqlite::Result<ArchivedFile> {
    Ok(ArchivedFile {
        id: r.get(0)?,
        sha256: r.get(1)?,
        name: r.get(2)?,
        size: r.get(3)?,
        origin: r.get(4)?,
        first_seen: crate::clock::column(r, 5)?,
        last_seen: crate::clock::column(r, 6)?,
        kind: r.get(7)?,
        outcome: r.get(8)?,
        format: r.get(9)?,
        plugin: r.get(10)?,
        plugin_version: r.get(11)?,
        problem_kind: r.get(12)?,
        problem: r.get(13)?,
        warnings: r.get(14)?,
        errors: r.get(15)?,
        events: r.get(16)?,
    })
}

impl Store {
    /// The archive, oldest first; with `attention`, only files not read, refused, or read
    /// with errors.
    pub fn archived_files(&self, attention: bool) -> Result<Vec<ArchivedFile>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "{ARCHIVED_SELECT} WHERE ?1 = 0 OR f.outcome = 'needs_attention' OR f.errors > 0 ORDER BY f.id"
        ))?;
        let rows = stmt.query_map(params![attention as i64], archived_file)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One archived file's name and exact bytes, by its id or its SHA-256 (the whole hex
    /// digest, or a prefix of at least 8 characters that only one file has). `Ok(None)` when
    /// no file matches; an ambiguous prefix also gives `None`.
    pub fn stored_file(&self, key: &str) -> Result<Option<(ArchivedFile, Vec<u8>)>, StoreError> {
        let key = key.trim();
        let id: Option<i64> = if let Ok(id) = key.parse::<i64>()
            && self.conn.query_row("SELECT 1 FROM files WHERE id = ?1", params![id], |_| Ok(())).optional()?.is_some()
        {
            Some(id)
        } else if key.len() >= 8 && key.chars().all(|c| c.is_ascii_hexdigit()) {
            let lower = key.to_ascii_lowercase();
            let mut stmt = self.conn.prepare("SELECT id FROM files WHERE sha256 >= ?1 AND sha256 < ?1 || 'g' LIMIT 2")?;
            let ids: Vec<i64> = stmt.query_map(params![lower], |r| r.get(0))?.collect::<Result<_, _>>()?;
            if ids.len() == 1 { Some(ids[0]) } else { None }
        } else {
            None
        };
        let Some(id) = id else { return Ok(None) };
        let file = self.conn.query_row(&format!("{ARCHIVED_SELECT} WHERE f.id = ?1"), params![id], archived_file)?;
        let bytes: Vec<u8> = self.conn.query_row("SELECT bytes FROM files WHERE id = ?1", params![id], |r| r.get(0))?;
        Ok(Some((file, bytes)))
    }

    /// How many events the log holds.
    pub fn event_count(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))?)
    }
}

/// Create the database file with mode 0600 before SQLite opens it (SQLite would use the
/// process umask, typically 0644), and tighten an existing one.
fn create_owner_only(path: &Path) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        opts.open(path)?;
        let meta = std::fs::metadata(path)?;
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
        return Ok(());
    }
    #[allow(unreachable_code)]
    {
        opts.open(path)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processes_opening_a_new_database_at_once_all_succeed() {
        // Bounded: 20 rounds of 3 connections racing to create and switch the same database.
        for _ in 0..20 {
            let tmp = tempfile::tempdir().unwrap();
            let path = tmp.path().join("race.db");
            let start = std::sync::Arc::new(std::sync::Barrier::new(3));
            let opened: Vec<_> = (0..3)
                .map(|_| {
                    let (start, path) = (start.clone(), path.clone());
                    std::thread::spawn(move || {
                        start.wait();
                        Store::open_file(&path).map(|s| s.schema_version().unwrap())
                    })
                })
                .collect();
            for o in opened {
                assert_eq!(o.join().unwrap().unwrap(), SCHEMA_VERSION);
            }
        }
    }

    #[test]
    fn a_new_store_has_the_current_schema_and_is_owner_only() {
        let tmp = tempfile::tempdir().unwrap();
        let data = DataDir::new(tmp.path().join("data"));
        let store = Store::open(&data).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.integrity_check().unwrap(), "ok");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(data.root()), 0o700);
            assert_eq!(mode(store.path()), 0o600);
            let wal = store.path().with_extension("db-wal");
            if wal.exists() {
                assert_eq!(mode(&wal), 0o600);
            }
        }
        drop(store);
        // Reopening is a no-op migration.
        assert_eq!(Store::open(&data).unwrap().schema_version().unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn a_newer_database_is_refused_not_downgraded() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x.db");
        {
            let c = Connection::open(&path).unwrap();
            c.pragma_update(None, "user_version", SCHEMA_VERSION + 5).unwrap();
        }
        match Store::open_file(&path) {
            Err(StoreError::TooNew { found, .. }) => assert_eq!(found, SCHEMA_VERSION + 5),
            other => panic!("{other:?}"),
        }
    }
}
