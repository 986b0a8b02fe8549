//! Numbered schema migrations. `PRAGMA user_version` records how many have run; each runs
//! in its own transaction, so a crash mid-migration leaves the previous version intact.
//!
//! Rules: never edit a migration that has shipped; add a new one. Every earlier schema is
//! migrated forward by the tests (`migrations_apply_from_every_earlier_version`).

use rusqlite::Connection;

/// The migrations, in order. Index 0 takes an empty database to version 1.
const MIGRATIONS: &[&str] = &[
    // 1: the archive and the event log.
    r#"
    -- Every file ever seen, raw bytes included, content-addressed. Never edited or deleted
    -- (only last_seen moves).
    CREATE TABLE files (
        id              INTEGER PRIMARY KEY,
        sha256          TEXT NOT NULL UNIQUE,
        size            INTEGER NOT NULL,
        bytes           BLOB NOT NULL,
        -- The name the file had when first seen, and where it came from
        -- ("ingest", "sftp", "submit", "package").
        original_name   TEXT NOT NULL,
        origin          TEXT NOT NULL,
        first_seen      TEXT NOT NULL,
        last_seen       TEXT NOT NULL,
        -- "document" (parsed by a plugin) or "package" (a zip whose members are files too).
        kind            TEXT NOT NULL CHECK (kind IN ('document', 'package')),
        -- "parsed" or "needs_attention" (no plugin, a plugin failure, a refused package).
        outcome         TEXT NOT NULL CHECK (outcome IN ('parsed', 'needs_attention')),
        format          TEXT,
        plugin          TEXT,
        plugin_version  TEXT,
        problem_kind    TEXT,
        problem         TEXT,
        warnings        INTEGER NOT NULL DEFAULT 0,
        errors          INTEGER NOT NULL DEFAULT 0,
        -- The file's metadata and diagnostics as the plugin returned them (validated), JSON.
        metadata_json   TEXT,
        diagnostics_json TEXT
    );
    CREATE INDEX files_outcome ON files(outcome);

    -- Which files a package held, under which path.
    CREATE TABLE package_members (
        package_id  INTEGER NOT NULL REFERENCES files(id),
        member_id   INTEGER NOT NULL REFERENCES files(id),
        path        TEXT NOT NULL,
        PRIMARY KEY (package_id, path)
    );

    -- The append-only event log: each event with the file and plugin version that produced
    -- it. Rebuilding replaces a file's events by a new parse; nothing else changes them.
    CREATE TABLE events (
        id              INTEGER PRIMARY KEY,
        file_id         INTEGER NOT NULL REFERENCES files(id),
        seq             INTEGER NOT NULL,
        plugin          TEXT NOT NULL,
        plugin_version  TEXT NOT NULL,
        level           TEXT NOT NULL,
        source          TEXT NOT NULL,
        status          TEXT NOT NULL,
        raw_code        TEXT NOT NULL,
        effective_date  TEXT,
        -- Correlation keys, copied out of the event for lookups.
        patient_control_number          TEXT,
        clearinghouse_claim_id          TEXT,
        payer_claim_number              TEXT,
        interchange_control_number      TEXT,
        group_control_number            TEXT,
        transaction_set_control_number  TEXT,
        batch_reference                 TEXT,
        clearinghouse_file_id           TEXT,
        clearinghouse_child_file_id     TEXT,
        -- The whole validated event, JSON (the `parse --json` shape).
        body            TEXT NOT NULL,
        UNIQUE (file_id, seq)
    );
    CREATE INDEX events_pcn ON events(patient_control_number);
    CREATE INDEX events_oa_claim ON events(clearinghouse_claim_id);
    CREATE INDEX events_payer_claim ON events(payer_claim_number);
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

#[derive(Debug)]
pub(crate) enum MigrateError {
    TooNew { found: u32 },
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Sql(e)
    }
}

/// Apply every migration the database has not had yet.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    migrate_to(conn, SCHEMA_VERSION)
}

fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), MigrateError> {
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(MigrateError::TooNew { found: current });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().take(target as usize).skip(current as usize) {
        // IMMEDIATE: two processes opening a new database at once migrate one after the
        // other; the second then finds nothing left to do.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let now: u32 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if now as usize > i {
            tx.commit()?;
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as u32 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_from_every_earlier_version() {
        for start in 0..=SCHEMA_VERSION {
            let mut conn = Connection::open_in_memory().unwrap();
            migrate_to(&mut conn, start).unwrap();
            let v: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
            assert_eq!(v, start);
            migrate(&mut conn).unwrap();
            let v: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
            assert_eq!(v, SCHEMA_VERSION, "from version {start}");
            let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
            assert_eq!(ok, "ok");
        }
    }
}
