//! The time claimtrack believes it is. Every time rule reads this clock, never the system
//! clock directly, so tests and the demo can move time forward (`--now`, `CLAIMTRACK_NOW`).

use chrono::{DateTime, SecondsFormat, Utc};

/// Where "now" comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system clock.
    System,
    /// A fixed instant (tests, the demo, `--now`).
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// The current instant, in UTC: the system time, or the fixed one.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }

    /// `now()` as RFC 3339 in UTC with seconds, the form stored in the database.
    pub fn stamp(&self) -> String {
        stored(self.now())
    }

    /// Parse `--now` / `CLAIMTRACK_NOW`: RFC 3339 (`2026-01-05T09:30:00Z`) or a date
    /// (`2026-01-05`, midnight UTC).
    pub fn parse_fixed(s: &str) -> Result<Clock, String> {
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(Clock::Fixed(t.with_timezone(&Utc)));
        }
        if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Ok(Clock::Fixed(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()));
        }
        Err(format!("{s:?} is not a time: use RFC 3339 (2026-01-05T09:30:00Z) or a date (2026-01-05)"))
    }
}

/// `t` in the form the database stores times: RFC 3339 in UTC with whole seconds
/// ("2026-01-05T09:30:00Z"), which sorts as text in time order.
pub fn stored(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A stored time read back; `None` for text that is not RFC 3339.
pub fn parse_stored(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.to_utc())
}

/// Column `i` of `r`: a time stored as [`stored`] writes it. Text that is not one is a
/// conversion error naming the column, never a silent default.
pub fn column(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = r.get(i)?;
    parse_stored(&text).ok_or_else(|| not_a_time(i, text))
}

/// As [`column`], for a column that may be NULL.
pub fn column_opt(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match r.get::<_, Option<String>>(i)? {
        None => Ok(None),
        Some(text) => parse_stored(&text).map(Some).ok_or_else(|| not_a_time(i, text)),
    }
}

fn not_a_time(i: usize, text: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, format!("{text:?} is not an RFC 3339 time").into())
}

/// A duration as billing staff say it: "3 days 3 h", "5 h", "40 min", "less than a minute".
/// Minutes are dropped past a day and hours past a month, where they no longer matter; a
/// negative duration reads as its size (callers say "ago" or "from now").
pub fn describe_duration(d: chrono::Duration) -> String {
    let minutes = d.num_minutes().unsigned_abs();
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let plural = |n: u64, one: &str, many: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {many}") };
    match (days, hours, mins) {
        (0, 0, 0) => "less than a minute".to_string(),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) | (d @ 30.., _, _) => plural(d, "day", "days"),
        (d, h, _) => format!("{} {h} h", plural(d, "day", "days")),
    }
}

/// Sleeps `d` in short steps, waking early when `stop` is set; false when it was. For the
/// background threads of `serve` (webhooks, syncs), which must end promptly when it stops.
pub(crate) fn pause(stop: &std::sync::atomic::AtomicBool, d: std::time::Duration) -> bool {
    let step = std::time::Duration::from_millis(20);
    let mut left = d;
    while !left.is_zero() {
        if stop.load(std::sync::atomic::Ordering::SeqCst) {
            return false;
        }
        let s = left.min(step);
        std::thread::sleep(s);
        left -= s;
    }
    !stop.load(std::sync::atomic::Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        let d = |m: i64| describe_duration(chrono::Duration::minutes(m));
        assert_eq!(d(0), "less than a minute");
        assert_eq!(d(40), "40 min");
        assert_eq!(d(5 * 60), "5 h");
        assert_eq!(d(5 * 60 + 7), "5 h 7 min");
        assert_eq!(d(24 * 60), "1 day");
        assert_eq!(d(3 * 1440 + 3 * 60 + 59), "3 days 3 h");
        assert_eq!(d(10 * 1440), "10 days");
        assert_eq!(d(45 * 1440 + 5 * 60), "45 days");
        assert_eq!(d(-(26 * 60)), "1 day 2 h");
    }

    #[test]
    fn fixed_clocks_parse_and_stamp() {
        let c = Clock::parse_fixed("2026-01-05T09:30:00+01:00").unwrap();
        assert_eq!(c.stamp(), "2026-01-05T08:30:00Z");
        assert_eq!(Clock::parse_fixed("2026-01-05").unwrap().stamp(), "2026-01-05T00:00:00Z");
        assert!(Clock::parse_fixed("yesterday").unwrap_err().contains("RFC 3339"));
    }
}
