//! The words billing staff read: times in their time zone, who said something, what a file
//! is, what a statement said. Raw codes are shown beside these, never replaced by them.

use chrono::{DateTime, Utc};
use jiff::tz::TimeZone;

use claimtrack::clock::describe_duration;
use claimtrack::model::{Party, Source};

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

    /// The local date of a stored RFC 3339 time: "2026-03-12".
    pub fn day_str(&self, s: &str) -> String {
        match parse(s).and_then(|t| self.zoned(t)) {
            Some(z) => z.strftime("%Y-%m-%d").to_string(),
            None => s.get(..10).unwrap_or(s).to_string(),
        }
    }

    /// How long ago a stored time was: "3 days 3 h"; "in 2 h" for a time still to come.
    pub fn ago_str(&self, s: &str) -> String {
        match parse(s) {
            Some(t) if t <= self.now => describe_duration(self.now - t),
            Some(t) => format!("in {}", describe_duration(t - self.now)),
            None => String::new(),
        }
    }

    /// "2026-03-12 03:20 CST (3 days 3 h ago)".
    pub fn at_and_ago(&self, s: &str) -> String {
        match parse(s) {
            Some(t) if t <= self.now => format!("{} ({} ago)", self.at(t), describe_duration(self.now - t)),
            Some(t) => self.at(t),
            None => s.to_string(),
        }
    }
}

fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

/// Who made a statement: "Office Ally", the payer's name, or "you" (your own 837).
pub fn who(source: Source, party: Option<&Party>) -> String {
    match source {
        Source::Clearinghouse => match party.and_then(|p| p.name.as_deref()) {
            Some(name) if !name.to_ascii_uppercase().contains("OFFICE ALLY") => name.to_string(),
            _ => "Office Ally".to_string(),
        },
        Source::Payer => party.and_then(|p| p.name.clone().or_else(|| p.id.clone())).unwrap_or_else(|| "the payer".to_string()),
        Source::Submitter => "you".to_string(),
    }
}

/// What kind of file a format is, as Office Ally's customers call it.
pub fn file_kind(format: &str) -> String {
    match format {
        "x12-999" => "999 acknowledgement".into(),
        "x12-997" => "997 acknowledgement".into(),
        "x12-ta1" => "TA1 acknowledgement".into(),
        "x12-277ca" => "277CA claim acknowledgement".into(),
        "x12-277" => "277 claim status".into(),
        "x12-835" => "ERA (835)".into(),
        "oa-file-summary" => "File Summary".into(),
        "oa-edi-status" => "EDI Status report".into(),
        "oa-era-summary" => "ERA summary".into(),
        f if f.starts_with("x12-837") => format!("{} batch", f.trim_start_matches("x12-").to_ascii_uppercase()),
        other => other.to_string(),
    }
}

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
        assert_eq!(times.ago_str("2026-03-09T06:00:00Z"), "3 days 3 h");
        assert_eq!(times.at_and_ago("2026-03-12T09:00:00Z"), "2026-03-12 09:00 UTC (20 min ago)");
        assert_eq!(times.ago_str("2026-03-12T11:20:00Z"), "in 2 h");
        assert_eq!(times.at_str("not a time"), "not a time");
    }

    #[test]
    fn local_times_carry_the_zone() {
        // A named zone from the system database, as TZ would name it.
        let times = Times { tz: TimeZone::get("America/Chicago").unwrap(), now: t("2026-03-12T09:20:00Z") };
        assert_eq!(times.at_str("2026-03-02T09:05:00Z"), "2026-03-02 03:05 CST");
        assert_eq!(times.at_str("2026-03-09T09:05:00Z"), "2026-03-09 04:05 CDT");
        assert_eq!(times.day_str("2026-03-02T03:00:00Z"), "2026-03-01");
    }

    #[test]
    fn speakers_in_plain_words() {
        let oa = Party { name: Some("OFFICE ALLY".into()), id: None, id_qualifier: None };
        let payer = Party { name: Some("PINECREST HEALTH PLAN".into()), id: Some("PHP03".into()), id_qualifier: None };
        assert_eq!(who(Source::Clearinghouse, Some(&oa)), "Office Ally");
        assert_eq!(who(Source::Clearinghouse, None), "Office Ally");
        assert_eq!(who(Source::Payer, Some(&payer)), "PINECREST HEALTH PLAN");
        assert_eq!(who(Source::Payer, None), "the payer");
        assert_eq!(file_kind("x12-837p"), "837P batch");
    }
}
