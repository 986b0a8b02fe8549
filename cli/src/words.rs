//! The words billing staff read: times in their time zone, who said something, what a file
//! is, what a statement said. Raw codes are shown beside these, never replaced by them.

use chrono::{DateTime, Utc};
use jiff::tz::TimeZone;

use claimtrack::clock::describe_duration;

/// Times as the user reads them: the system's time zone with its abbreviation ("CST"), or
/// UTC with `--utc`.
#[derive(Clone)]
pub struct Times {
    tz: TimeZone,
    now: DateTime<Utc>,
}

impl Times {
    pub fn new(utc: bool, now: DateTime<Utc>) -> Times {
        // An unknown system zone reads as UTC, and the times say so ("UTC").
        Times { tz: if utc { TimeZone::UTC } else { TimeZone::system() }, now }
    }

    fn zoned(&self, t: DateTime<Utc>) -> Option<jiff::Zoned> {
        let ts = jiff::Timestamp::from_second(t.timestamp()).ok()?;
        Some(ts.to_zoned(self.tz.clone()))
    }

    /// "2026-03-12 03:20 CST".
    pub fn at(&self, t: DateTime<Utc>) -> String {
        match self.zoned(t) {
            Some(z) => z.strftime("%Y-%m-%d %H:%M %Z").to_string(),
            None => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }

    /// [`Times::at`] of a stored RFC 3339 time; anything else as it is.
    pub fn at_str(&self, s: &str) -> String {
        parse(s).map(|t| self.at(t)).unwrap_or_else(|| s.to_string())
    }

    /// The local date: "2026-03-12".
    pub fn day(&self, t: DateTime<Utc>) -> String {
        match self.zoned(t) {
            Some(z) => z.strftime("%Y-%m-%d").to_string(),
            None => t.format("%Y-%m-%d").to_string(),
        }
    }

    /// How long ago `t` was: "3 days 3 h"; "in 2 h" for a time still to come.
    pub fn ago(&self, t: DateTime<Utc>) -> String {
        if t <= self.now { describe_duration(self.now - t) } else { format!("in {}", describe_duration(t - self.now)) }
    }

    /// "2026-03-12 03:20 CST (3 days 3 h ago)".
    pub fn at_and_ago(&self, t: DateTime<Utc>) -> String {
        if t <= self.now { format!("{} ({} ago)", self.at(t), describe_duration(self.now - t)) } else { self.at(t) }
    }

    /// [`Times::at_and_ago`] of a stored RFC 3339 time; anything else as it is.
    pub fn at_and_ago_str(&self, s: &str) -> String {
        parse(s).map(|t| self.at_and_ago(t)).unwrap_or_else(|| s.to_string())
    }
}

use claimtrack::clock::parse_stored as parse;

pub use claimtrack::tracking::words::{file_kind, who};

/// "1 claim", "3 claims".
pub fn count(n: impl Into<i64>, one: &str, many: &str) -> String {
    let n = n.into();
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse(s).unwrap()
    }

    #[test]
    fn times_in_utc_say_so() {
        let times = Times::new(true, t("2026-03-12T09:20:00Z"));
        assert_eq!(times.at_str("2026-03-09T06:00:00Z"), "2026-03-09 06:00 UTC");
        assert_eq!(times.ago(parse("2026-03-09T06:00:00Z").unwrap()), "3 days 3 h");
        assert_eq!(times.at_and_ago_str("2026-03-12T09:00:00Z"), "2026-03-12 09:00 UTC (20 min ago)");
        assert_eq!(times.ago(parse("2026-03-12T11:20:00Z").unwrap()), "in 2 h");
        assert_eq!(times.at_str("not a time"), "not a time");
    }

    #[test]
    fn local_times_carry_the_zone() {
        // A named zone from the system database, as TZ would name it.
        let times = Times { tz: TimeZone::get("America/Chicago").unwrap(), now: t("2026-03-12T09:20:00Z") };
        assert_eq!(times.at_str("2026-03-02T09:05:00Z"), "2026-03-02 03:05 CST");
        assert_eq!(times.at_str("2026-03-09T09:05:00Z"), "2026-03-09 04:05 CDT");
        assert_eq!(times.day(parse("2026-03-02T03:00:00Z").unwrap()), "2026-03-01");
    }
}
