//! Signing in to the dashboard: one-time codes, session cookies and CSRF tokens.
//!
//! - A sign-in code is minted by `serve` when it starts and by `claimtrack dashboard`; it is
//!   stored as its SHA-256 (like API tokens), works once, and expires after
//!   [`CODE_LIFETIME`]. Codes live in the database so a second process can mint one for a
//!   running server.
//! - A session is a random cookie value (`HttpOnly`, `SameSite=Strict`, `Secure` over HTTPS),
//!   held in memory by the server and dropped after [`SESSION_LIFETIME`] or at sign-out; a
//!   restarted server forgets every session (sign in again with a new code).
//! - Each session has a CSRF token, written into every form and checked on every POST.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use sha2::{Digest, Sha256};

use super::super::tokens::TokenError;
use crate::clock::stored;

/// How long a sign-in code works.
pub const CODE_LIFETIME: chrono::Duration = chrono::Duration::hours(1);
/// How long a session lasts, from sign-in: a working day.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// Sessions held at most; past it, the oldest are dropped (each sign-in needs a code, so
/// this bounds memory, not access).
const MAX_SESSIONS: usize = 1000;
/// The session cookie's name.
pub const COOKIE: &str = "claimtrack_session";

fn hash(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// Mints a sign-in code valid for [`CODE_LIFETIME`] from `now`; returns it (shown once).
pub fn mint_code(conn: &Connection, now: DateTime<Utc>) -> Result<String, TokenError> {
    let code = super::super::tokens::random_value("").map_err(TokenError::Random)?;
    conn.execute(
        "INSERT INTO signin_codes (hash, created_at, expires_at) VALUES (?1, ?2, ?3)",
        params![hash(&code), stored(now), stored(now + CODE_LIFETIME)],
    )?;
    // Spent and expired codes are of no use: keep the table small.
    let _ = conn.execute("DELETE FROM signin_codes WHERE expires_at < ?1 OR used_at IS NOT NULL", params![stored(now)]);
    Ok(code)
}

/// Spends `code`: true when it was minted, unused and unexpired at `now`; it never works again.
pub fn spend_code(conn: &Connection, code: &str, now: DateTime<Utc>) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE signin_codes SET used_at = ?2 WHERE hash = ?1 AND used_at IS NULL AND expires_at > ?2",
        params![hash(code), stored(now)],
    )?;
    Ok(n == 1)
}

/// A signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    /// Written into every form as `csrf`; a POST without it is refused.
    pub csrf: String,
    started: Instant,
}

/// The sessions of one server.
#[derive(Default)]
pub struct Sessions {
    by_hash: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// A new session: the cookie value to set, and the session.
    pub fn open(&self) -> Result<(String, Session), String> {
        let cookie = super::super::tokens::random_value("")?;
        let session = Session { csrf: super::super::tokens::random_value("")?, started: Instant::now() };
        let mut all = self.by_hash.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|_, s| s.started.elapsed() < SESSION_LIFETIME);
        if all.len() >= MAX_SESSIONS
            && let Some(oldest) = all.iter().min_by_key(|(_, s)| s.started).map(|(k, _)| k.clone())
        {
            all.remove(&oldest);
        }
        all.insert(hash(&cookie), session.clone());
        Ok((cookie, session))
    }

    /// The session of a cookie value, if it is one and has not expired.
    pub fn get(&self, cookie: &str) -> Option<Session> {
        let mut all = self.by_hash.lock().unwrap_or_else(|p| p.into_inner());
        let key = hash(cookie);
        match all.get(&key) {
            Some(s) if s.started.elapsed() < SESSION_LIFETIME => Some(s.clone()),
            Some(_) => {
                all.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Ends the session of a cookie value.
    pub fn close(&self, cookie: &str) {
        self.by_hash.lock().unwrap_or_else(|p| p.into_inner()).remove(&hash(cookie));
    }
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|kv| kv.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE signin_codes (hash TEXT PRIMARY KEY, created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT)")
            .unwrap();
        c
    }

    #[test]
    fn a_code_works_once_and_not_after_it_expires() {
        let c = db();
        let t0 = crate::clock::parse_stored("2026-01-05T09:00:00Z").unwrap();
        let code = mint_code(&c, t0).unwrap();
        assert!(!spend_code(&c, "not-it", t0).unwrap());
        assert!(spend_code(&c, &code, t0).unwrap(), "a fresh code works");
        assert!(!spend_code(&c, &code, t0).unwrap(), "but only once");
        let late = mint_code(&c, t0).unwrap();
        assert!(!spend_code(&c, &late, t0 + CODE_LIFETIME).unwrap(), "not at its expiry");
    }

    #[test]
    fn sessions_are_found_by_their_cookie_and_closed() {
        let s = Sessions::default();
        let (cookie, session) = s.open().unwrap();
        assert_eq!(s.get(&cookie).unwrap().csrf, session.csrf);
        assert!(s.get("someone-else").is_none());
        s.close(&cookie);
        assert!(s.get(&cookie).is_none());
    }

    #[test]
    fn cookies_and_secrets() {
        assert_eq!(cookie_value("a=1; claimtrack_session=xyz; b=2", COOKIE), Some("xyz"));
        assert_eq!(cookie_value("a=1", COOKIE), None);
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
