//! payer-csv: an example third-party claimtrack plugin for a payer portal's claim rejection
//! export.
//!
//! Payer portals let a billing office download the claims they rejected or denied as CSV.
//! This plugin reads one such layout (a made-up payer, with the columns such exports have):
//!
//! ```text
//! Claim Number,Patient Account,Patient Name,Member ID,From DOS,To DOS,Billed,Status,Reason Code,Reason Text,Status Date
//! 2024011500123,PCN1001,"DOE, JANE",XYZ123456789,01/05/2024,01/05/2024,$150.00,REJECTED,CO-16,Claim lacks information,01/15/2024
//! ```
//!
//! - one event per claim, from the payer, at claim level: `REJECTED` → rejected,
//!   `DENIED` → denied, `PENDED` → pending, `ACCEPTED` → accepted; any other status is kept
//!   as `informational` with a warning, never guessed;
//! - the claim is named by its patient account (the 837's CLM01, what claimtrack matches
//!   claims by), the payer's claim number, patient, member ID and dates of service;
//! - a claim with several reasons comes as several rows, which become one event with
//!   several reasons: `CO-16` is a Claim Adjustment Reason Code with its group, `N290` or
//!   `MA130` a Remittance Advice Remark Code, anything else the portal's own code;
//! - a row that cannot be read is skipped with a warning naming its line; a bad date or
//!   amount is left out with a warning, and the rest of the row is kept.

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::text::{self, YearDigits};

/// The format id (what `claimtrack parse --json` shows as `format`).
const FORMAT: &str = "payer-portal-rejections-csv";
/// The export's columns, in order.
const COLUMNS: [&str; 11] = [
    "Claim Number",
    "Patient Account",
    "Patient Name",
    "Member ID",
    "From DOS",
    "To DOS",
    "Billed",
    "Status",
    "Reason Code",
    "Reason Text",
    "Status Date",
];
/// The code set of the portal's own reason codes.
const PORTAL_CODES: &str = "payer portal reason code";

pub struct PayerCsv;

impl Parser for PayerCsv {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "payer-csv".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Example third-party plugin: a payer portal's claim rejection export (CSV)".into(),
            formats: vec![FormatInfo {
                id: FORMAT.into(),
                description: "Payer portal claim rejection export: claim, patient, dates of service, status, reason".into(),
                file_name_hints: vec!["ClaimRejections_*.csv".into(), "*rejection*.csv".into()],
            }],
        }
    }

    /// Sure when the first line is the export's header. The file name alone proves
    /// nothing: any CSV could be called that.
    fn sniff(_file_name: &str, head: &[u8]) -> u8 {
        match text::lines(head).lines.first() {
            Some(first) if is_header(&first.text) => 95,
            _ => 0,
        }
    }

    fn parse(_file_name: &str, contents: &[u8]) -> Result<ParseOutput, ParseError> {
        if text::looks_binary(contents) {
            return Err(ParseError::NotMyFormat("the file is binary, not a CSV export".into()));
        }
        let report = text::lines(contents);
        let Some(header) = report.lines.first() else {
            return Err(ParseError::NotMyFormat("the file is empty".into()));
        };
        if !is_header(&header.text) {
            return Err(ParseError::NotMyFormat(format!("the first line is not the rejection export's header ({})", COLUMNS.join(","))));
        }
        let mut out = ParseOutput { metadata: FileMetadata::new(FORMAT), events: Vec::new(), diagnostics: Vec::new() };
        if report.latin1_lines > 0 {
            out.diagnostics.push(Diagnostic::info(format!("{} lines were not UTF-8 and were read as Latin-1", report.latin1_lines), None));
        }
        for line in report.lines.iter().skip(1).filter(|l| !l.is_blank()) {
            let fields = text::csv_fields(&line.text);
            let Ok(row) = <&[String; 11]>::try_from(fields.as_slice()) else {
                out.diagnostics.push(
                    Diagnostic::warning(format!("expected {} columns, found {}; row skipped", COLUMNS.len(), fields.len()), Some(line.position()))
                        .with_code("payer-csv-columns"),
                );
                continue;
            };
            read_row(row, line, &mut out);
        }
        if out.events.is_empty() && out.diagnostics.is_empty() {
            out.diagnostics.push(Diagnostic::info("the export lists no claims", None));
        }
        Ok(out)
    }
}

register_parser!(PayerCsv);

fn is_header(line: &str) -> bool {
    let names = text::csv_fields(line);
    names.len() == COLUMNS.len() && names.iter().zip(COLUMNS).all(|(n, c)| n.trim().eq_ignore_ascii_case(c))
}

/// Adds one row: a new event, or one more reason on the event of the row before when it is
/// the same claim (the portal writes one row per reason).
fn read_row(row: &[String; 11], line: &text::Line, out: &mut ParseOutput) {
    let [claim_number, account, patient, member, from, to, billed, status, code, reason_text, status_date] = row;
    let at = || Some(line.position());
    let mut warn = |what: &str, value: &str| {
        out.diagnostics.push(
            Diagnostic::warning(format!("{what} {value:?} is not readable; left out"), at()).with_code("payer-csv-value"),
        );
    };
    let mut date = |what: &str, value: &str| {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        let iso = text::date_mdy(value, YearDigits::Four);
        if iso.is_none() {
            warn(what, value);
        }
        iso
    };
    let service_from = date("from date of service", from);
    let service_to = date("to date of service", to);
    let effective = date("status date", status_date);
    let charged = match billed.trim() {
        "" => None,
        b => text::money_cents(b).or_else(|| {
            warn("billed amount", b);
            None
        }),
    };
    let reason = reason(code, reason_text);

    let claim = ClaimRef {
        patient_control_number: non_empty(account),
        payer_claim_number: non_empty(claim_number),
        patient_name: text::person_name(patient),
        member_id: non_empty(member),
        service_date_from: service_from,
        service_date_to: service_to,
        ..ClaimRef::default()
    };
    let raw_code = status.trim().to_ascii_uppercase();
    if let Some(last) = out.events.last_mut()
        && last.claim.as_ref() == Some(&claim)
        && last.raw_code == raw_code
    {
        last.reasons.extend(reason);
        return;
    }
    let class = match raw_code.as_str() {
        "REJECTED" => StatusClass::Rejected,
        "DENIED" => StatusClass::Denied,
        "PENDED" | "PENDING" => StatusClass::Pending,
        "ACCEPTED" => StatusClass::Accepted,
        other => {
            out.diagnostics.push(
                Diagnostic::warning(format!("unknown status {other:?}; kept as informational"), at()).with_code("payer-csv-status"),
            );
            StatusClass::Informational
        }
    };
    let mut event = StatusEvent::new(Level::Claim, Source::Payer, class, raw_code);
    event.claim = Some(claim);
    event.reasons.extend(reason);
    event.amounts.charged = charged;
    event.effective_date = effective;
    event.position = at();
    out.events.push(event);
}

/// `CO-16` → CARC 16 in group CO; `N290`, `M15`, `MA130` → RARC; other codes are the
/// portal's own. A text without a code is free text.
fn reason(code: &str, description: &str) -> Option<Reason> {
    let (code, description) = (code.trim(), non_empty(description));
    if code.is_empty() {
        return description.map(|d| Reason::new(CodeSet::FreeText, d, None));
    }
    let carc = code.split_once('-').filter(|(group, number)| {
        ["CO", "PR", "OA", "PI", "CR"].contains(&group.to_ascii_uppercase().as_str()) && text::is_digits(number)
    });
    if let Some((group, number)) = carc {
        let mut r = Reason::new(CodeSet::Carc, number, description);
        r.group = Some(group.to_ascii_uppercase());
        return Some(r);
    }
    let digits_after = |prefix: &str| code.strip_prefix(prefix).is_some_and(text::is_digits);
    if digits_after("MA") || digits_after("M") || digits_after("N") {
        return Some(Reason::new(CodeSet::Rarc, code, description));
    }
    Some(Reason::new(CodeSet::Other(PORTAL_CODES.into()), code, description))
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Claim Number,Patient Account,Patient Name,Member ID,From DOS,To DOS,Billed,Status,Reason Code,Reason Text,Status Date\n";

    fn parse(rows: &str) -> ParseOutput {
        PayerCsv::parse("ClaimRejections_20240115.csv", format!("{HEADER}{rows}").as_bytes()).unwrap()
    }

    #[test]
    fn sniffs_the_header_not_the_name() {
        assert_eq!(PayerCsv::sniff("x.csv", HEADER.as_bytes()), 95);
        assert_eq!(PayerCsv::sniff("x.csv", format!("\u{feff}{}", HEADER.to_lowercase()).as_bytes()), 95);
        assert_eq!(PayerCsv::sniff("ClaimRejections_1.csv", b"a,b,c\n"), 0);
    }

    #[test]
    fn rows_of_one_claim_become_one_event_with_each_reason() {
        let out = parse(
            "C1,PCN1,\"DOE, JANE\",M1,01/05/2024,01/06/2024,$150.00,REJECTED,CO-16,Lacks information,01/15/2024\n\
             C1,PCN1,\"DOE, JANE\",M1,01/05/2024,01/06/2024,$150.00,REJECTED,N290,Missing rendering provider,01/15/2024\n\
             C2,PCN2,\"ROE, RICHARD\",M2,01/07/2024,,$80.00,DENIED,X42,Portal code,01/15/2024\n",
        );
        assert_eq!(out.events.len(), 2);
        let e = &out.events[0];
        assert_eq!(e.status, StatusClass::Rejected);
        assert_eq!(e.reasons.len(), 2);
        assert_eq!((e.reasons[0].code_set.clone(), e.reasons[0].group.as_deref()), (CodeSet::Carc, Some("CO")));
        assert_eq!(e.reasons[1].code_set, CodeSet::Rarc);
        let claim = e.claim.as_ref().unwrap();
        assert_eq!(claim.patient_control_number.as_deref(), Some("PCN1"));
        assert_eq!(claim.service_date_to.as_deref(), Some("2024-01-06"));
        assert_eq!(e.amounts.charged, Some(15000));
        assert_eq!(out.events[1].status, StatusClass::Denied);
        assert_eq!(out.events[1].reasons[0].code_set, CodeSet::Other(PORTAL_CODES.into()));
        assert!(out.diagnostics.is_empty());
    }

    #[test]
    fn unreadable_values_and_rows_are_warnings() {
        let out = parse("C1,PCN1,DOE,M1,13/45/2024,,abc,ON HOLD,,,\nonly,three,columns\n");
        assert_eq!(out.events.len(), 1);
        assert_eq!(out.events[0].status, StatusClass::Informational);
        let codes: Vec<_> = out.diagnostics.iter().map(|d| d.code.as_deref().unwrap()).collect();
        assert_eq!(codes, ["payer-csv-value", "payer-csv-value", "payer-csv-status", "payer-csv-columns"]);
    }

    #[test]
    fn another_csv_is_not_mine() {
        assert!(matches!(PayerCsv::parse("x.csv", b"a,b\n1,2\n"), Err(ParseError::NotMyFormat(_))));
        assert!(matches!(PayerCsv::parse("x.csv", b""), Err(ParseError::NotMyFormat(_))));
    }
}
