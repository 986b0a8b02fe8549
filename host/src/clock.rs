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
        self.now().to_rfc3339_opts(SecondsFormat::Secs, true)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clocks_parse_and_stamp() {
        let c = Clock::parse_fixed("2026-01-05T09:30:00+01:00").unwrap();
        assert_eq!(c.stamp(), "2026-01-05T08:30:00Z");
        assert_eq!(Clock::parse_fixed("2026-01-05").unwrap().stamp(), "2026-01-05T00:00:00Z");
        assert!(Clock::parse_fixed("yesterday").unwrap_err().contains("RFC 3339"));
    }
}
