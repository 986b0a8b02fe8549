//! The claim edit the x12-837 plugin cannot make: a date of service after today. The plugin's
//! sandbox has no clock, so the host checks the parsed claims against the tracker's clock
//! (`--now`, `CLAIMTRACK_NOW`, else the system's), in the local time zone: "today" is the
//! practice's day, not UTC's.
//!
//! The finding has the shape of the plugin's claim edits (x12-837 `edits.rs`): a warning
//! coded `oa-rule-service-date-future`, its message starting with the claim's CLM01, its
//! position the service line (or claim) whose date is in the future. `submit` refuses it like
//! any `oa-rule-` code; `parse` shows it with the plugin's diagnostics.

use chrono::NaiveDate;

use crate::clock::Clock;
use crate::model::{Diagnostic, Level, Severity, Source, StatusEvent};

/// The code of a date of service after today.
pub const FUTURE: &str = "oa-rule-service-date-future";

/// Today in the local time zone, by `clock`.
pub fn today(clock: &Clock) -> NaiveDate {
    clock.now().with_timezone(&chrono::Local).date_naive()
}

fn date(iso: Option<&str>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(iso?, "%Y-%m-%d").ok()
}

/// One finding per submitted claim (an 837's `submitter` events) with a date of service after
/// `today`: at its first future service line, else at the claim when its own dates (2300
/// DTP*472/434) are the future ones. Events of other files give none.
pub fn future_service_dates(events: &[StatusEvent], today: NaiveDate) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let submitted = events.iter().filter(|e| e.source == Source::Submitter);
    // An 837's events are each claim followed by its lines.
    let mut claims: Vec<(&StatusEvent, Vec<&StatusEvent>)> = Vec::new();
    for e in submitted {
        match e.level {
            Level::Claim => claims.push((e, Vec::new())),
            Level::ServiceLine => {
                if let Some((_, lines)) = claims.last_mut() {
                    lines.push(e);
                }
            }
            _ => {}
        }
    }
    for (claim, lines) in claims {
        let Some(c) = &claim.claim else { continue };
        let future = |d: Option<NaiveDate>| d.is_some_and(|d| d > today);
        let late: Vec<&StatusEvent> = lines
            .iter()
            .copied()
            .filter(|l| future(date(l.service_line.as_ref().and_then(|s| s.service_date.as_deref()))))
            .collect();
        let claim_dates = future(date(c.service_date_to.as_deref())) || future(date(c.service_date_from.as_deref()));
        let name = match c.patient_control_number.as_deref() {
            Some(pcn) => format!("claim {pcn}"),
            None => "a claim without CLM01".to_string(),
        };
        let (at, what) = match late.first() {
            Some(line) => {
                let seg = line.position.as_ref().and_then(|p| p.segment_index).map(|i| format!(" at segment #{i}")).unwrap_or_default();
                let more = match late.len() {
                    1 => String::new(),
                    n => format!(" ({} more of its lines too)", n - 1),
                };
                (*line, format!("2400 DTP*472 date of service of the line{seg}{more}"))
            }
            None if claim_dates => (claim, "2300 date of service (DTP*472 or DTP*434 statement period)".to_string()),
            None => continue,
        };
        out.push(Diagnostic {
            severity: Severity::Warning,
            message: format!(
                "Office Ally rule: {name}: {what} is after today ({today}); a claim is billed once the service is given, and payers reject a future date"
            ),
            position: at.position.clone(),
            code: Some(FUTURE.to_string()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ClaimRef, ServiceLineRef, StatusClass};

    fn event(level: Level) -> StatusEvent {
        StatusEvent {
            level,
            source: Source::Submitter,
            status: StatusClass::Received,
            raw_code: String::new(),
            reasons: Vec::new(),
            claim: None,
            service_line: None,
            correlation: Default::default(),
            amounts: Default::default(),
            effective_date: None,
            source_party: None,
            payment_reference: None,
            position: None,
        }
    }

    fn claim(pcn: &str, from: &str, to: &str) -> StatusEvent {
        let mut e = event(Level::Claim);
        e.claim = Some(ClaimRef {
            patient_control_number: Some(pcn.into()),
            service_date_from: Some(from.into()),
            service_date_to: Some(to.into()),
            ..ClaimRef::default()
        });
        e
    }

    fn line(date: &str, segment: u32) -> StatusEvent {
        let mut e = event(Level::ServiceLine);
        e.service_line = Some(ServiceLineRef { service_date: Some(date.into()), ..ServiceLineRef::default() });
        e.position = Some(crate::model::Position { segment_index: Some(segment), line: Some(segment), ..Default::default() });
        e
    }

    #[test]
    fn a_date_after_the_clock_s_today_is_found_at_its_line() {
        // Noon UTC: the same calendar day in every time zone from UTC-12 to UTC+11, and at
        // most a day ahead elsewhere; the dates below are two days apart from it.
        let today = today(&Clock::parse_fixed("2026-02-03T12:00:00Z").unwrap());
        assert!(today >= NaiveDate::from_ymd_opt(2026, 2, 3).unwrap() && today <= NaiveDate::from_ymd_opt(2026, 2, 4).unwrap());
        let events = [
            claim("TODAY1", "2026-02-01", "2026-02-03"),
            line("2026-02-01", 10),
            line("2026-02-03", 14),
            claim("LATE02", "2026-02-01", "2026-02-09"),
            line("2026-02-01", 20),
            line("2026-02-09", 24),
            line("2026-02-10", 28),
        ];
        let d = future_service_dates(&events, today);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].code.as_deref(), Some(FUTURE));
        assert_eq!(d[0].severity, Severity::Warning);
        assert!(d[0].message.starts_with("Office Ally rule: claim LATE02: 2400 DTP*472"), "{}", d[0].message);
        assert!(d[0].message.contains("(1 more of its lines too)"), "{}", d[0].message);
        assert_eq!(d[0].position.as_ref().and_then(|p| p.segment_index), Some(24));

        // A week later both claims are in the past.
        let later = today + chrono::Duration::days(7);
        assert!(future_service_dates(&events, later).is_empty());
    }

    #[test]
    fn a_claim_level_period_counts_and_other_sources_do_not() {
        let today = NaiveDate::from_ymd_opt(2026, 2, 3).unwrap();
        // 837I: a statement period (DTP*434) ending after today, lines in the past.
        let events = [claim("INPT01", "2026-02-01", "2026-02-05"), line("2026-02-01", 30)];
        let d = future_service_dates(&events, today);
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("claim INPT01: 2300"), "{}", d[0].message);
        // A payer's statement about a claim is not a submission.
        let mut paid = claim("PAID01", "2026-03-01", "2026-03-01");
        paid.source = Source::Payer;
        assert!(future_service_dates(&[paid], today).is_empty());
    }
}
