//! Signing in to the dashboard: one-time codes, session cookies and CSRF tokens.
//!
//! - A sign-in code is minted by `serve` when it starts and by `claimtrack dashboard`; it is
//!   stored as its SHA-256 (like API tokens), works once, and expires after
//!   [`CODE_LIFETIME`]. Codes live in the database so a second process can mint one for a
//!   running server.
//! - A session is a random cookie value (`HttpOnly`, `SameSite=Strict`, `Secure` over HTTPS,
//!   and no `Max-Age`: closing the browser ends it), held in memory by the server and
//!   dropped after [`IDLE_LIFETIME`] without a request, [`SESSION_LIFETIME`] in all, or at
//!   sign-out (a front-desk computer is shared); a restarted server forgets every session.
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
/// How long a session lasts at most, from sign-in: a working day.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// How long a session lasts without a request.
pub const IDLE_LIFETIME: Duration = Duration::from_secs(30 * 60);
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
    last_used: Instant,
}

impl Session {
    fn alive_at(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.started) < SESSION_LIFETIME && now.saturating_duration_since(self.last_used) < IDLE_LIFETIME
    }
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
        let now = Instant::now();
        let session = Session { csrf: super::super::tokens::random_value("")?, started: now, last_used: now };
        let mut all = self.by_hash.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|_, s| s.alive_at(now));
        if all.len() >= MAX_SESSIONS
            && let Some(oldest) = all.iter().min_by_key(|(_, s)| s.started).map(|(k, _)| k.clone())
        {
            all.remove(&oldest);
        }
        all.insert(hash(&cookie), session.clone());
        Ok((cookie, session))
    }

    /// The session of a cookie value, if it is one and has not expired; the request keeps
    /// it alive.
    pub fn get(&self, cookie: &str) -> Option<Session> {
        self.get_at(cookie, Instant::now())
    }

    fn get_at(&self, cookie: &str, now: Instant) -> Option<Session> {
        let mut all = self.by_hash.lock().unwrap_or_else(|p| p.into_inner());
        let key = hash(cookie);
        match all.get_mut(&key) {
            Some(s) if s.alive_at(now) => {
                s.last_used = s.last_used.max(now);
                Some(s.clone())
            }
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
    fn sessions_end_when_idle_and_after_a_working_day() {
        let s = Sessions::default();
        let (cookie, _) = s.open().unwrap();
        let t0 = Instant::now();
        let minutes = |m: u64| t0 + Duration::from_secs(m * 60);
        // Used every 20 minutes, it lives until 12 hours after sign-in.
        for m in (20..12 * 60).step_by(20) {
            assert!(s.get_at(&cookie, minutes(m)).is_some(), "alive at {m} min");
        }
        assert!(s.get_at(&cookie, minutes(12 * 60 + 1)).is_none(), "over after 12 hours");
        let (idle, _) = s.open().unwrap();
        assert!(s.get_at(&idle, minutes(29)).is_some());
        assert!(s.get_at(&idle, minutes(29 + 31)).is_none(), "31 minutes without a request end it");
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
