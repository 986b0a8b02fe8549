//! What the store remembers about the connection: every attempt's outcome, the
//! "credentials rejected" block, and the reports already downloaded.

use std::path::PathBuf;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::Sha256;

use crate::store::{Store, StoreError};
use crate::transport::{LoginLog, TransportError};

/// Connection attempts kept in the log; older ones are pruned (a `watch` every 15 minutes
/// writes about 35,000 a year).
const KEEP_CONNECTIONS: i64 = 1000;

/// Record one connection attempt.
pub fn record_connection(conn: &Connection, at: &str, mailbox: &str, outcome: &str, message: &str) -> rusqlite::Result<()> {
    conn.execute("INSERT INTO connections (at, mailbox, outcome, message) VALUES (?1, ?2, ?3, ?4)", params![at, mailbox, outcome, message])?;
    conn.execute("DELETE FROM connections WHERE id <= (SELECT MAX(id) FROM connections) - ?1", params![KEEP_CONNECTIONS])?;
    Ok(())
}

/// The last successful connection and the last failed one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ConnectionState {
    /// When the last connection succeeded, RFC 3339.
    pub last_success: Option<String>,
    /// When the last attempt failed, what kind of failure, and its message.
    pub last_error: Option<(String, String, String)>,
    /// The login was rejected and claimtrack stopped trying (when, and what the server said).
    pub credentials_rejected: Option<(String, String)>,
}

/// Read the connection state.
pub fn connection_state(conn: &Connection) -> rusqlite::Result<ConnectionState> {
    let last_success = conn.query_row("SELECT MAX(at) FROM connections WHERE outcome = 'ok'", [], |r| r.get(0))?;
    let last_error = conn
        .query_row("SELECT at, outcome, message FROM connections WHERE outcome <> 'ok' ORDER BY id DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let credentials_rejected =
        conn.query_row("SELECT at, message FROM auth_block ORDER BY at DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    Ok(ConnectionState { last_success, last_error, credentials_rejected })
}

impl ConnectionState {
    /// One line for messages: "last successful connection …; last error …".
    pub fn describe(&self) -> String {
        if self.last_success.is_none() && self.last_error.is_none() {
            return "no connection to Office Ally recorded yet".to_string();
        }
        let mut parts = vec![match &self.last_success {
            Some(at) => format!("last successful connection {at}"),
            None => "no successful connection yet".to_string(),
        }];
        if let Some((at, kind, message)) = &self.last_error {
            parts.push(format!("last error {at} ({kind}): {message}"));
        }
        if self.credentials_rejected.is_some() {
            parts.push("credentials rejected: claimtrack has stopped trying".to_string());
        }
        parts.join("; ")
    }
}

/// PBKDF2 rounds for the rejected-credentials hash: slow enough that a copy of the
/// database does not give the password away cheaply (it is often the web-portal password,
/// office-ally.md §5.2), fast enough for one check per sync.
const HASH_ROUNDS: u32 = 100_000;

fn credentials_hash(salt: &str, host: &str, user: &str, password: &str) -> String {
    let mut material = Vec::new();
    for part in [host, user, password] {
        material.extend_from_slice(part.as_bytes());
        material.push(0);
    }
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(&material, salt.as_bytes(), HASH_ROUNDS, &mut out);
    hex::encode(out)
}

fn fresh_salt() -> String {
    let mut bytes = [0u8; 16];
    // /dev/urandom is there on every system claimtrack runs on; the time is only a fallback,
    // the salt just has to differ between rows and databases.
    if std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes)).is_err() {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        bytes.copy_from_slice(&t.to_le_bytes());
    }
    hex::encode(bytes)
}

/// The rejected credentials matching these, if any: (when, message). Several can stand
/// (say a wrong password in the environment and another in `secrets.toml`); each stays
/// blocked until a login succeeds or `--retry-auth`.
pub fn auth_blocked(conn: &Connection, host: &str, user: &str, password: &str) -> rusqlite::Result<Option<(String, String)>> {
    let rows: Vec<(String, String, String, String)> = {
        let mut stmt = conn.prepare("SELECT credentials, salt, at, message FROM auth_block ORDER BY at DESC")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<Result<_, _>>()?
    };
    Ok(rows.into_iter().find(|(hash, salt, _, _)| *hash == credentials_hash(salt, host, user, password)).map(|(_, _, at, m)| (at, m)))
}

/// The message of a block recorded before the password is sent: it stands if the process
/// stops before the server's answer is recorded (the answer then replaces it).
pub const ATTEMPT_UNANSWERED: &str =
    "a login was attempted with these credentials and its answer was not recorded (claimtrack stopped while logging in)";

/// Block further logins with these credentials.
pub fn block_auth(conn: &Connection, at: &str, host: &str, user: &str, password: &str, message: &str) -> rusqlite::Result<()> {
    let rows: Vec<(String, String)> = {
        let mut stmt = conn.prepare("SELECT credentials, salt FROM auth_block")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?
    };
    // The same credentials rejected again (after --retry-auth): one row, the newest time.
    if let Some((hash, _)) = rows.iter().find(|(hash, salt)| *hash == credentials_hash(salt, host, user, password)) {
        conn.execute("UPDATE auth_block SET at = ?2, message = ?3 WHERE credentials = ?1", params![hash, at, message])?;
        return Ok(());
    }
    let salt = fresh_salt();
    conn.execute(
        "INSERT INTO auth_block (credentials, salt, at, message) VALUES (?1, ?2, ?3, ?4)",
        params![credentials_hash(&salt, host, user, password), salt, at, message],
    )?;
    Ok(())
}

/// Lift every block (a login succeeded).
pub fn clear_auth_block(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM auth_block", []).map(|_| ())
}

/// The login block kept around one login (for `sync` and `doctor`): the attempt is a block
/// on disk before the password leaves, the server's acceptance lifts every block.
pub struct LoginRecord<'a> {
    /// Where the block is kept.
    pub store: &'a Store,
    /// The local time stamp of the attempt.
    pub at: &'a str,
    /// The server and account.
    pub host: &'a str,
    /// The SFTP user name.
    pub user: &'a str,
    /// Only its salted hash is stored.
    pub password: &'a str,
}

impl LoginLog for LoginRecord<'_> {
    fn attempting(&mut self) -> Result<(), TransportError> {
        block_auth(self.store.conn(), self.at, self.host, self.user, self.password, ATTEMPT_UNANSWERED)
            .map_err(StoreError::from)
            .and_then(|()| self.store.sync_to_disk())
            .map_err(store_failed)
    }

    fn accepted(&mut self) -> Result<(), TransportError> {
        clear_auth_block(self.store.conn()).map_err(store_failed)
    }
}

/// A database failure met while talking to the server, as the transport reports it.
pub(super) fn store_failed(e: impl std::fmt::Display) -> TransportError {
    TransportError::Local { path: PathBuf::from("claimtrack.db"), source: std::io::Error::other(e.to_string()) }
}

/// A report downloaded before: (file id, disposed).
pub fn known_remote(conn: &Connection, mailbox: &str, name: &str, size: Option<u64>, mtime: Option<i64>) -> rusqlite::Result<Option<(i64, bool)>> {
    // Once per listed file on every sync: prepared once per connection.
    conn.prepare_cached(
        "SELECT file_id, disposed_at IS NOT NULL FROM remote_files WHERE mailbox = ?1 AND name = ?2 AND size = ?3 AND mtime = ?4",
    )?
    .query_row(params![mailbox, name, size.map_or(-1, |s| s as i64), mtime.unwrap_or(-1)], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// Remember a downloaded report (a second record of the same one changes nothing).
pub fn record_remote(conn: &Connection, mailbox: &str, name: &str, size: Option<u64>, mtime: Option<i64>, file_id: i64, at: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO remote_files (mailbox, name, size, mtime, file_id, downloaded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![mailbox, name, size.map_or(-1, |s| s as i64), mtime.unwrap_or(-1), file_id, at])?;
    Ok(())
}

/// The after-download policy was applied to a report.
pub fn mark_disposed(conn: &Connection, mailbox: &str, name: &str, size: Option<u64>, mtime: Option<i64>, at: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE remote_files SET disposed_at = ?5 WHERE mailbox = ?1 AND name = ?2 AND size = ?3 AND mtime = ?4",
        params![mailbox, name, size.map_or(-1, |s| s as i64), mtime.unwrap_or(-1), at],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut conn).unwrap();
        conn
    }

    #[test]
    fn blocks_hold_for_the_rejected_credentials_only_until_a_login_succeeds() {
        let conn = db();
        assert_eq!(auth_blocked(&conn, "h", "u", "pw").unwrap(), None);
        block_auth(&conn, "2026-01-01T00:00:00Z", "h", "u", "pw", "denied").unwrap();
        assert_eq!(auth_blocked(&conn, "h", "u", "pw").unwrap().unwrap().1, "denied");
        let stored: String = conn.query_row("SELECT credentials || salt || message FROM auth_block", [], |r| r.get(0)).unwrap();
        assert!(!stored.contains("pw"));
        // Other credentials are not blocked, and checking them does not lift the first block.
        assert_eq!(auth_blocked(&conn, "h", "u", "new-pw").unwrap(), None);
        assert_eq!(auth_blocked(&conn, "h", "other", "pw").unwrap(), None);
        assert!(auth_blocked(&conn, "h", "u", "pw").unwrap().is_some());
        // A second rejected password stands beside the first; the same one again is one row.
        block_auth(&conn, "2026-01-02T00:00:00Z", "h", "u", "pw2", "denied").unwrap();
        block_auth(&conn, "2026-01-03T00:00:00Z", "h", "u", "pw", "denied again").unwrap();
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM auth_block", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 2);
        assert_eq!(auth_blocked(&conn, "h", "u", "pw").unwrap().unwrap(), ("2026-01-03T00:00:00Z".into(), "denied again".into()));
        assert!(auth_blocked(&conn, "h", "u", "pw2").unwrap().is_some());
        clear_auth_block(&conn).unwrap();
        assert_eq!(auth_blocked(&conn, "h", "u", "pw").unwrap(), None);
    }

    #[test]
    fn connection_state_quotes_last_success_and_error() {
        let conn = db();
        assert_eq!(connection_state(&conn).unwrap().describe(), "no connection to Office Ally recorded yet");
        record_connection(&conn, "2026-01-01T00:00:00Z", "m", "ok", "").unwrap();
        record_connection(&conn, "2026-01-02T00:00:00Z", "m", "network", "connection refused").unwrap();
        let s = connection_state(&conn).unwrap().describe();
        assert_eq!(s, "last successful connection 2026-01-01T00:00:00Z; last error 2026-01-02T00:00:00Z (network): connection refused");
    }

    #[test]
    fn the_log_is_pruned() {
        let conn = db();
        for i in 0..(KEEP_CONNECTIONS + 10) {
            record_connection(&conn, &format!("t{i}"), "m", "ok", "").unwrap();
        }
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM connections", [], |r| r.get(0)).unwrap();
        assert_eq!(n, KEEP_CONNECTIONS);
    }
}
