//! Webhooks (`claimtrack webhook add|list|remove|deliveries`): every change of the change log
//! ([`crate::store::changes`]) POSTed to the URLs that asked for its kind, signed, in order,
//! at least once.
//!
//! - **The outbox is written with the change.** A trigger on `changes` adds one row per
//!   webhook that wants the change to `webhook_outbox`, inside the transaction that logs the
//!   change: a change committed is a delivery owed, whatever process made it (`sync`,
//!   `watch`, `ingest`, `submit`, `rebuild`, `serve`).
//! - **Delivered by `claimtrack serve`** ([`deliver`]): one worker per webhook takes its
//!   oldest undelivered change, POSTs it, and goes on only when the receiver answers 2xx, so a
//!   receiver gets its changes in order. A failure is retried with exponential backoff; a
//!   change still undelivered 3 days after it happened is given up (`expired`, listed by
//!   `claimtrack webhook deliveries`), and the next one is tried.
//! - **Signed** ([`sign`]): `Claimtrack-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." +
//!   body)>` with the `Claimtrack-Timestamp` it covers; the secret is shown once, at `add`.
//! - **At least once**: a delivery cut short (the receiver timed out, `serve` was killed
//!   before it recorded the answer) is sent again. Each carries its change's cursor as its id
//!   (`Claimtrack-Delivery` and `data.id`), for the receiver to drop repeats.

pub mod deliver;
pub mod sign;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::store::changes::Change;

/// What a webhook can ask for; a change is of exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A batch or claim is new, changed status, or is gone.
    Status,
    /// An alert was raised or resolved.
    Alert,
    /// A file was archived, or read again with another outcome.
    File,
}

impl EventKind {
    /// Every kind, the default of `webhook add`.
    pub const ALL: [EventKind; 3] = [EventKind::Status, EventKind::Alert, EventKind::File];

    /// Its name (`--events status,alert,file`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Status => "status",
            EventKind::Alert => "alert",
            EventKind::File => "file",
        }
    }

    /// The kind named `s`.
    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

/// A webhook, as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Webhook {
    /// Its number (`webhook remove ID`).
    pub id: i64,
    /// Where changes are POSTed.
    pub url: String,
    /// The kinds of change it gets.
    pub events: Vec<EventKind>,
    /// When it was added, RFC 3339.
    pub created_at: String,
    /// When it was removed, RFC 3339; `None` while it gets changes.
    pub removed_at: Option<String>,
    /// Changes owed to it and not delivered yet.
    pub pending: i64,
    /// Changes delivered to it.
    pub delivered: i64,
    /// Changes given up after failing for 3 days.
    pub expired: i64,
    /// The last failure (of the oldest pending change), if it is failing.
    pub last_error: Option<String>,
}

/// One change owed to a webhook, and how its delivery went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Delivery {
    /// The webhook.
    pub webhook: i64,
    /// The change's cursor: the delivery's id.
    pub id: i64,
    /// `pending`, `delivered`, or `expired` (failed for 3 days, given up).
    pub state: String,
    /// Attempts made so far.
    pub attempts: i64,
    /// The last attempt, RFC 3339.
    pub last_attempt_at: Option<String>,
    /// Why the last attempt failed (the HTTP status or the connection error).
    pub last_error: Option<String>,
    /// When the receiver took it, RFC 3339.
    pub delivered_at: Option<String>,
}

/// The body POSTed to a webhook (in the JSON contract's envelope, `command` "webhook").
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Payload<'a> {
    /// The delivery's id, the change's cursor: the same change always has the same id, so a
    /// receiver keeps the ids it handled and drops repeats.
    pub id: i64,
    /// The webhook it was sent for.
    pub webhook: i64,
    /// The change (its `at` is when it happened).
    pub change: &'a Change,
}

/// A webhook just added, with its secret (`webhook add`): the one time the secret is shown.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CreatedWebhook<'a> {
    /// The key its deliveries are signed with (`Claimtrack-Signature`); kept to sign with,
    /// never shown again.
    pub secret: &'a str,
    /// The webhook as listed.
    #[serde(flatten)]
    pub webhook: &'a Webhook,
}

/// Why a webhook could not be added, removed or listed.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// Not an http(s) URL with a host.
    #[error("{0:?} is not a URL claimtrack can POST to: give http:// or https:// and a host")]
    BadUrl(String),
    /// Plain HTTP to another machine, without `--insecure-http`.
    #[error(
        "{0} would send patient data unencrypted to another machine: use https://, or pass --insecure-http on a network you trust"
    )]
    PlainHttp(String),
    /// An unknown event kind.
    #[error("{0:?} is not an event kind: use status, alert, file (comma-separated)")]
    BadEvents(String),
    /// No such webhook.
    #[error("there is no webhook {0}")]
    NotFound(i64),
    /// The system's random source failed.
    #[error("no randomness for a webhook secret: {0}")]
    Random(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] rusqlite::Error),
}

impl WebhookError {
    /// A stable identifier (the JSON contract's `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            WebhookError::BadUrl(_) | WebhookError::BadEvents(_) => "bad_request",
            WebhookError::PlainHttp(_) => "refused",
            WebhookError::NotFound(_) => "not_found",
            WebhookError::Random(_) => "setup",
            WebhookError::Database(_) => "database",
        }
    }
}

/// Parses `--events status,alert`; empty means all.
pub fn parse_events(list: &str) -> Result<Vec<EventKind>, WebhookError> {
    let mut kinds = Vec::new();
    for part in list.split(',').filter(|p| !p.trim().is_empty()) {
        let k = EventKind::parse(part).ok_or_else(|| WebhookError::BadEvents(part.trim().to_string()))?;
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    Ok(if kinds.is_empty() { EventKind::ALL.to_vec() } else { kinds })
}

/// The URL checked: http(s), a host, and plain HTTP only to this machine unless
/// `insecure_http`. Returns it trimmed.
fn check_url(url: &str, insecure_http: bool) -> Result<String, WebhookError> {
    let url = url.trim();
    let bad = || WebhookError::BadUrl(url.to_string());
    let uri: axum::http::Uri = url.parse().map_err(|_| bad())?;
    let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(bad)?;
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") => {
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let loopback = host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if !loopback && !insecure_http {
                return Err(WebhookError::PlainHttp(url.to_string()));
            }
        }
        _ => return Err(bad()),
    }
    Ok(url.to_string())
}

/// Adds a webhook at `now`; it is owed every change after `since` (the newest change, for
/// only what comes next; 0 for the whole log). Returns its secret (shown once) and listing.
pub fn add(
    conn: &Connection,
    url: &str,
    events: &[EventKind],
    since: i64,
    insecure_http: bool,
    now: &str,
) -> Result<(String, Webhook), WebhookError> {
    let url = check_url(url, insecure_http)?;
    let events = if events.is_empty() { EventKind::ALL.to_vec() } else { events.to_vec() };
    let secret = crate::serve::tokens::random_value(SECRET_PREFIX).map_err(WebhookError::Random)?;
    let list = events.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(",");
    let tx = conn.unchecked_transaction()?;
    tx.execute("INSERT INTO webhooks (url, events, secret, created_at) VALUES (?1, ?2, ?3, ?4)", params![url, list, secret, now])?;
    let id = tx.last_insert_rowid();
    // What it is owed from the log as it stands; the trigger adds what comes next.
    tx.execute(
        &format!("INSERT INTO webhook_outbox (webhook_id, change_id) SELECT ?1, id FROM changes WHERE id > ?2 AND {WANTS}"),
        params![id, since, list],
    )?;
    tx.commit()?;
    let webhook = get(conn, id)?.ok_or(WebhookError::NotFound(id))?;
    Ok((secret, webhook))
}

/// What every secret starts with: recognisable in a config file or a leaked log.
pub const SECRET_PREFIX: &str = "whsec_";

/// SQL: the change (a row of `changes`) is of a kind in the list `?3`.
const WANTS: &str = "instr(',' || ?3 || ',', ',' || CASE kind WHEN 'batch' THEN 'status' WHEN 'claim' THEN 'status' ELSE kind END || ',') > 0";

const LISTED: &str = "SELECT w.id, w.url, w.events, w.created_at, w.removed_at,
        (SELECT COUNT(*) FROM webhook_outbox o WHERE o.webhook_id = w.id AND o.state = 'pending'),
        (SELECT COUNT(*) FROM webhook_outbox o WHERE o.webhook_id = w.id AND o.state = 'delivered'),
        (SELECT COUNT(*) FROM webhook_outbox o WHERE o.webhook_id = w.id AND o.state = 'expired'),
        (SELECT o.last_error FROM webhook_outbox o WHERE o.webhook_id = w.id AND o.state = 'pending' ORDER BY o.change_id LIMIT 1)
    FROM webhooks w";

fn listed(r: &rusqlite::Row<'_>) -> rusqlite::Result<Webhook> {
    let events: String = r.get(2)?;
    Ok(Webhook {
        id: r.get(0)?,
        url: r.get(1)?,
        events: events.split(',').filter_map(EventKind::parse).collect(),
        created_at: r.get(3)?,
        removed_at: r.get(4)?,
        pending: r.get(5)?,
        delivered: r.get(6)?,
        expired: r.get(7)?,
        last_error: r.get(8)?,
    })
}

/// The webhook numbered `id`, removed or not.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Webhook>, WebhookError> {
    Ok(conn.query_row(&format!("{LISTED} WHERE w.id = ?1"), params![id], listed).optional()?)
}

/// Every webhook still getting changes, oldest first (`all`: the removed ones too).
pub fn list(conn: &Connection, all: bool) -> Result<Vec<Webhook>, WebhookError> {
    let filter = if all { "" } else { " WHERE w.removed_at IS NULL" };
    let mut stmt = conn.prepare(&format!("{LISTED}{filter} ORDER BY w.id"))?;
    let rows = stmt.query_map([], listed)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Removes webhook `id` at `now`: nothing more is sent to it, and what it was still owed is
/// dropped. Its deliveries stay listed.
pub fn remove(conn: &Connection, id: i64, now: &str) -> Result<Webhook, WebhookError> {
    let tx = conn.unchecked_transaction()?;
    if tx.execute("UPDATE webhooks SET removed_at = ?2 WHERE id = ?1 AND removed_at IS NULL", params![id, now])? == 0 {
        return Err(WebhookError::NotFound(id));
    }
    tx.execute("DELETE FROM webhook_outbox WHERE webhook_id = ?1 AND state = 'pending'", params![id])?;
    tx.commit()?;
    get(conn, id)?.ok_or(WebhookError::NotFound(id))
}

/// The newest `limit` deliveries (of webhook `webhook`, or all), newest first; only the
/// undelivered ones (`pending` and `expired`) when `failing`.
pub fn deliveries(conn: &Connection, webhook: Option<i64>, failing: bool, limit: usize) -> Result<Vec<Delivery>, WebhookError> {
    let mut stmt = conn.prepare(
        "SELECT webhook_id, change_id, state, attempts, last_attempt_at, last_error, delivered_at FROM webhook_outbox
         WHERE (?1 IS NULL OR webhook_id = ?1) AND (?2 = 0 OR state <> 'delivered')
         ORDER BY change_id DESC, webhook_id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![webhook, failing, limit.min(10_000) as i64], |r| {
        Ok(Delivery {
            webhook: r.get(0)?,
            id: r.get(1)?,
            state: r.get(2)?,
            attempts: r.get(3)?,
            last_attempt_at: r.get(4)?,
            last_error: r.get(5)?,
            delivered_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        for ok in ["https://example.org/hook", "http://127.0.0.1:9000/x", "http://localhost/x", "http://[::1]:8/x"] {
            assert!(check_url(ok, false).is_ok(), "{ok}");
        }
        assert!(matches!(check_url("http://10.0.0.5/hook", false), Err(WebhookError::PlainHttp(_))));
        assert!(check_url("http://10.0.0.5/hook", true).is_ok());
        for bad in ["ftp://example.org/", "example.org/hook", "https://", "", "not a url"] {
            assert!(matches!(check_url(bad, false), Err(WebhookError::BadUrl(_))), "{bad}");
        }
    }

    #[test]
    fn events() {
        assert_eq!(parse_events("").unwrap(), EventKind::ALL.to_vec());
        assert_eq!(parse_events("alert, status,alert").unwrap(), vec![EventKind::Alert, EventKind::Status]);
        assert!(matches!(parse_events("status,claims"), Err(WebhookError::BadEvents(e)) if e == "claims"));
    }
}
