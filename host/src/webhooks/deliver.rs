//! Delivering what the outbox owes, while `claimtrack serve` runs.
//!
//! A supervisor thread starts one worker thread per webhook (and notices webhooks added or
//! removed by other processes). A worker POSTs its webhook's oldest pending change and moves
//! on only after a 2xx answer: a receiver gets changes in order, and one that is down, slow
//! or failing holds up only its own deliveries. What a worker learns is written to the
//! outbox before it takes the next change, so a `serve` killed at any point sends again at
//! most the one change it was delivering.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use super::sign::{signature, DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use super::Payload;
use crate::clock::{pause, Clock};
use crate::paths::DataDir;
use crate::store::changes::Change;
use crate::store::Store;

/// How deliveries are paced. Every knob has the default `claimtrack serve` uses.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The wait before the first retry of a failed delivery; it doubles with each failure up
    /// to `max_backoff`. Default 10 s.
    pub first_retry: Duration,
    /// The longest wait between retries. Default 1 hour.
    pub max_backoff: Duration,
    /// A change still undelivered this long after it happened (or after the webhook was
    /// added, for one replayed from the log) is given up (`expired`) and the next one is
    /// tried. Default 3 days.
    pub give_up_after: chrono::Duration,
    /// How long a receiver has to answer (connecting included). Default 10 s.
    pub timeout: Duration,
    /// How often an idle worker looks for new changes, and the supervisor for new webhooks.
    /// Default 250 ms.
    pub poll: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            first_retry: Duration::from_secs(10),
            max_backoff: Duration::from_secs(3600),
            give_up_after: chrono::Duration::days(3),
            timeout: Duration::from_secs(10),
            poll: Duration::from_millis(250),
        }
    }
}

impl Settings {
    /// The wait after the `failures`-th failure in a row (1, 2, …).
    pub fn backoff(&self, failures: u32) -> Duration {
        let doubled = self.first_retry.saturating_mul(1u32 << failures.saturating_sub(1).min(20));
        doubled.min(self.max_backoff)
    }

    /// Whether a change owed since `at` that just failed at `now` is given up.
    pub fn gives_up(&self, at: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> bool {
        now.signed_duration_since(at) >= self.give_up_after
    }
}

/// The delivery threads; stopped (and joined) by [`Deliverer::stop`] or when dropped.
pub struct Deliverer {
    stop: Arc<AtomicBool>,
    supervisor: Option<JoinHandle<()>>,
}

impl Deliverer {
    /// Starts delivering for the data folder. `clock` dates the attempts and decides when a
    /// change is given up.
    pub fn start(data_dir: &DataDir, clock: Clock, settings: Settings) -> Deliverer {
        let stop = Arc::new(AtomicBool::new(false));
        let (dir, flag) = (data_dir.clone(), stop.clone());
        let supervisor = std::thread::Builder::new()
            .name("webhooks".into())
            .spawn(move || supervise(&dir, clock, &settings, &flag))
            .expect("a thread for webhooks");
        Deliverer { stop, supervisor: Some(supervisor) }
    }

    /// Stops after the deliveries in flight (each at most `Settings::timeout`).
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.supervisor.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Deliverer {
    fn drop(&mut self) {
        self.halt();
    }
}

fn supervise(data_dir: &DataDir, clock: Clock, settings: &Settings, stop: &Arc<AtomicBool>) {
    let mut workers: HashMap<i64, JoinHandle<()>> = HashMap::new();
    let mut store = None;
    while !stop.load(Ordering::SeqCst) {
        if store.is_none() {
            store = Store::open(data_dir).map_err(|e| tracing::warn!(target: "claimtrack::webhooks", "cannot open the data folder: {e}")).ok();
        }
        if let Some(s) = &store {
            match active(s.conn()) {
                Ok(ids) => {
                    workers.retain(|_, h| !h.is_finished());
                    for id in ids {
                        if workers.contains_key(&id) {
                            continue;
                        }
                        let (dir, settings, stop) = (data_dir.clone(), settings.clone(), stop.clone());
                        let spawned = std::thread::Builder::new()
                            .name(format!("webhook-{id}"))
                            .spawn(move || work(&dir, id, clock, &settings, &stop));
                        match spawned {
                            Ok(h) => {
                                workers.insert(id, h);
                            }
                            Err(e) => tracing::warn!(target: "claimtrack::webhooks", webhook = id, "no thread to deliver with: {e}"),
                        }
                    }
                }
                Err(e) => tracing::warn!(target: "claimtrack::webhooks", "cannot list the webhooks: {e}"),
            }
        }
        let _ = pause(stop, settings.poll);
    }
    for (_, h) in workers {
        let _ = h.join();
    }
}

fn active(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM webhooks WHERE removed_at IS NULL ORDER BY id")?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

/// The oldest change owed to the webhook.
fn next(conn: &Connection, webhook: i64) -> rusqlite::Result<Option<Change>> {
    let cursor: Option<i64> = conn
        .prepare_cached("SELECT change_id FROM webhook_outbox WHERE webhook_id = ?1 AND state = 'pending' ORDER BY change_id LIMIT 1")?
        .query_row(params![webhook], |r| r.get(0))
        .optional()?;
    let Some(cursor) = cursor else { return Ok(None) };
    Ok(crate::store::changes::since(conn, cursor - 1, 1)?.into_iter().next().filter(|c| c.cursor == cursor))
}

/// Delivers webhook `id`'s changes until it is removed or the deliverer stops.
fn work(data_dir: &DataDir, id: i64, clock: Clock, settings: &Settings, stop: &AtomicBool) {
    let log_err = |what: &str, e: &dyn std::fmt::Display| tracing::warn!(target: "claimtrack::webhooks", webhook = id, "{what}: {e}");
    let store = match Store::open(data_dir) {
        Ok(s) => s,
        Err(e) => return log_err("cannot open the data folder", &e),
    };
    let conn = store.conn();
    let target: Option<(String, String, String)> = match conn
        .query_row("SELECT url, secret, created_at FROM webhooks WHERE id = ?1 AND removed_at IS NULL", params![id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()
    {
        Ok(t) => t,
        Err(e) => return log_err("cannot read the webhook", &e),
    };
    let Some((url, secret, created_at)) = target else { return };
    // A change is owed from when it happened, or from when the webhook was added for one
    // replayed from the log (`webhook add --since`).
    let added = chrono::DateTime::parse_from_rfc3339(&created_at).map(|t| t.to_utc()).unwrap_or_default();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(settings.timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("claimtrack/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut failures = 0u32;
    while !stop.load(Ordering::SeqCst) {
        let change = match next(conn, id) {
            Ok(Some(c)) => c,
            Ok(None) => {
                let removed = conn
                    .query_row("SELECT removed_at IS NOT NULL FROM webhooks WHERE id = ?1", params![id], |r| r.get::<_, bool>(0))
                    .unwrap_or(true);
                if removed {
                    return;
                }
                let _ = pause(stop, settings.poll);
                continue;
            }
            Err(e) => {
                log_err("cannot read the outbox", &e);
                let _ = pause(stop, settings.poll);
                continue;
            }
        };
        let body = crate::contract::data("webhook", &Payload { id: change.cursor, webhook: id, change: &change });
        let outcome = post(&agent, &url, &secret, change.cursor, &body);
        let now = clock.now();
        let stamp = clock.stamp();
        let recorded = match &outcome {
            Ok(()) => {
                failures = 0;
                tracing::debug!(target: "claimtrack::webhooks", webhook = id, delivery = change.cursor, "delivered");
                conn.execute(
                    "UPDATE webhook_outbox SET state = 'delivered', attempts = attempts + 1, last_attempt_at = ?3, delivered_at = ?3,
                         last_error = NULL WHERE webhook_id = ?1 AND change_id = ?2",
                    params![id, change.cursor, stamp],
                )
            }
            Err(why) => {
                failures += 1;
                let state = if settings.gives_up(change.at.max(added), now) { "expired" } else { "pending" };
                tracing::info!(target: "claimtrack::webhooks", webhook = id, delivery = change.cursor, attempt = failures, "{why}");
                conn.execute(
                    "UPDATE webhook_outbox SET state = ?4, attempts = attempts + 1, last_attempt_at = ?3, last_error = ?5
                     WHERE webhook_id = ?1 AND change_id = ?2",
                    params![id, change.cursor, stamp, state, why],
                )
            }
        };
        if let Err(e) = recorded {
            // Not recorded: the change stays pending and is sent again (at least once).
            log_err("cannot record a delivery", &e);
            let _ = pause(stop, settings.poll);
        } else if outcome.is_err() {
            let _ = pause(stop, settings.backoff(failures));
        }
    }
}

/// POSTs one delivery; `Err` says why it did not count (for `webhook deliveries`).
fn post(agent: &ureq::Agent, url: &str, secret: &str, id: i64, body: &[u8]) -> Result<(), String> {
    // The receiver's clock judges the timestamp, so it is the system's, whatever `--now` says.
    let timestamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let sent = agent
        .post(url)
        .header("Content-Type", "application/json")
        .header(DELIVERY_HEADER, id.to_string())
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, signature(secret, timestamp, body))
        .send(body);
    match sent {
        Ok(response) => {
            let status = response.status();
            // Read what little it says, so the connection can carry the next delivery.
            let _ = response.into_body().with_config().limit(64 * 1024).read_to_vec();
            if status.is_success() { Ok(()) } else { Err(format!("answered HTTP {}", status.as_u16())) }
        }
        Err(e) => Err(format!("no answer: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap() {
        let s = Settings::default();
        let waits: Vec<u64> = (1..=11).map(|n| s.backoff(n).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]);
        assert_eq!(s.backoff(500).as_secs(), 3600);
    }

    #[test]
    fn a_change_is_given_up_three_days_after_it_happened() {
        let s = Settings::default();
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        assert!(!s.gives_up(at, at + chrono::Duration::hours(71)));
        assert!(!s.gives_up(at, at + chrono::Duration::days(3) - chrono::Duration::seconds(1)));
        assert!(s.gives_up(at, at + chrono::Duration::days(3)));
    }
}
