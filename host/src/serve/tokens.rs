//! API tokens (`claimtrack token create|list|revoke`): random bearer tokens, shown once and
//! stored only as their SHA-256. A token is 32 random bytes, so a fast hash is enough: there
//! is nothing to guess that a slow hash would protect.

use base64::Engine as _;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// What every token starts with: recognisable in a config file or a leaked log.
pub const PREFIX: &str = "ct_";

/// One token, as listed (never its value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct TokenInfo {
    /// Its number.
    pub id: i64,
    /// The name given when it was created (who or what uses it).
    pub name: String,
    /// When it was created, RFC 3339.
    pub created_at: String,
    /// When it was revoked, RFC 3339; `None` while it works.
    pub revoked_at: Option<String>,
}

/// A token just made, with its value (`token create`): the one time the value is shown.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CreatedToken<'a> {
    /// The value to send as `Authorization: Bearer …`; only its hash is kept.
    pub token: &'a str,
    /// The token as listed.
    #[serde(flatten)]
    pub info: &'a TokenInfo,
}

/// Why a token could not be created or revoked.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The name is empty, too long, or has control characters.
    #[error("a token name must be 1 to 64 printable characters")]
    BadName,
    /// A working token already has this name.
    #[error("a token named {0:?} already exists; revoke it first or choose another name")]
    Exists(String),
    /// No working token has this name or number.
    #[error("there is no working token {0:?}")]
    NotFound(String),
    /// The system's random source failed.
    #[error("no randomness for a token: {0}")]
    Random(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] rusqlite::Error),
}

impl TokenError {
    /// A stable identifier (the JSON contract's `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            TokenError::BadName => "bad_name",
            TokenError::Exists(_) => "exists",
            TokenError::NotFound(_) => "not_found",
            TokenError::Random(_) => "setup",
            TokenError::Database(_) => "database",
        }
    }
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// `prefix` and 32 bytes from the operating system's random source, as URL-safe base64 (43
/// characters): API tokens and webhook secrets.
pub(crate) fn random_value(prefix: &str) -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
    Ok(format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)))
}

/// Creates a token named `name` at `now`; returns its value (shown once) and what is stored.
pub fn create(conn: &Connection, name: &str, now: &str) -> Result<(String, TokenInfo), TokenError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(TokenError::BadName);
    }
    let taken: Option<i64> =
        conn.query_row("SELECT id FROM api_tokens WHERE name = ?1 AND revoked_at IS NULL", params![name], |r| r.get(0)).optional()?;
    if taken.is_some() {
        return Err(TokenError::Exists(name.to_string()));
    }
    let value = random_value(PREFIX).map_err(TokenError::Random)?;
    conn.execute(
        "INSERT INTO api_tokens (name, hash, created_at) VALUES (?1, ?2, ?3)",
        params![name, hash(&value), now],
    )?;
    let id = conn.last_insert_rowid();
    Ok((value, TokenInfo { id, name: name.to_string(), created_at: now.to_string(), revoked_at: None }))
}

/// Every token, oldest first.
pub fn list(conn: &Connection) -> Result<Vec<TokenInfo>, TokenError> {
    let mut stmt = conn.prepare("SELECT id, name, created_at, revoked_at FROM api_tokens ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok(TokenInfo { id: r.get(0)?, name: r.get(1)?, created_at: r.get(2)?, revoked_at: r.get(3)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes the working token named (or numbered) `key` at `now`: requests with it are
/// refused from then on.
pub fn revoke(conn: &Connection, key: &str, now: &str) -> Result<TokenInfo, TokenError> {
    let key = key.trim();
    let id: Option<i64> = conn
        .query_row(
            "SELECT id FROM api_tokens WHERE revoked_at IS NULL AND (name = ?1 OR CAST(id AS TEXT) = ?1) ORDER BY id LIMIT 1",
            params![key],
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = id else { return Err(TokenError::NotFound(key.to_string())) };
    conn.execute("UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1", params![id, now])?;
    Ok(conn.query_row("SELECT id, name, created_at, revoked_at FROM api_tokens WHERE id = ?1", params![id], |r| {
        Ok(TokenInfo { id: r.get(0)?, name: r.get(1)?, created_at: r.get(2)?, revoked_at: r.get(3)? })
    })?)
}

/// Whether `presented` has the shape of a token `create` makes (the prefix and 43
/// characters of URL-safe base64): anything else is refused without a database lookup.
pub fn looks_like_one(presented: &str) -> bool {
    presented.strip_prefix(PREFIX).is_some_and(|rest| rest.len() == 43 && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// The working token whose value is `presented`, if any.
pub fn check(conn: &Connection, presented: &str) -> rusqlite::Result<Option<i64>> {
    if !presented.starts_with(PREFIX) {
        return Ok(None);
    }
    conn.prepare_cached("SELECT id FROM api_tokens WHERE hash = ?1 AND revoked_at IS NULL")?
        .query_row(params![hash(presented)], |r| r.get(0))
        .optional()
}
