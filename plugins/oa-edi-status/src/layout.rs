//! Every assumption this plugin makes about Office Ally's EDI Status report and ERA text
//! summary, in one place.
//!
//! Neither layout is published and no public sample of either exists (office-ally.md §3.2,
//! §3.3). What is known:
//! - EDI Status (`<FileID>_EDI_STATUS_<YYYYMMDD>.txt`): medcubics' production parser starts the
//!   table at a line beginning `"    File ID"` and reads fixed offsets written in the 9-digit
//!   File ID era: File ID 4, OA Claim ID 14, Acct# 26, Patient name 41, Amount 61, Practice ID
//!   73, Tax ID 84, Payer ID 95, Payer process date 105, Payer ref ID 122, Status 142 (ACCEPTED /
//!   REJECTED), Payer response 152 (up to 255 characters). File IDs have 10 digits since late
//!   2022, which must shift those offsets, so columns are located from the header words here
//!   and the offsets are only what the fixtures reproduce.
//! - ERA summary (`<ID>_ERA_STATUS_5010_<YYYYMMDD>.txt`, inside the ERA zip): human-readable,
//!   `Check#` header rows, `Payer Claim Control Number:` lines, `=====`/`-----` separators of
//!   30+ characters. Display only: the 835 in the same zip carries the money.
//!
//! When a real file differs, the fix belongs here: a header word, a status word, a name
//! pattern, a date or money shape.

use claimtrack_plugin_sdk::text::{self, YearDigits, find_ci, is_digits, starts_with_ci};
use claimtrack_plugin_sdk::x12;

pub const FORMAT_EDI_STATUS: &str = "oa-edi-status";
pub const FORMAT_ERA_SUMMARY: &str = "oa-era-summary";

/// Tab stops of a line printer: columns are counted after tabs are expanded to these.
pub const TAB_WIDTH: usize = 8;

// ---------------------------------------------------------------------------------------
// File names
// ---------------------------------------------------------------------------------------

pub const EDI_STATUS_NAME_HINTS: &[&str] = &["*_EDI_STATUS_*.txt"];
pub const ERA_SUMMARY_NAME_HINTS: &[&str] = &["*_ERA_STATUS_*.txt"];

/// The marker between the File ID and the date in an EDI Status report's name.
pub const EDI_STATUS_NAME_KEY: &str = "_EDI_STATUS_";
/// The marker in an ERA summary's name (`<ID>_ERA_STATUS_5010_<date>`; the 5010 is skipped
/// because it is not 8 digits).
pub const ERA_SUMMARY_NAME_KEY: &str = "_ERA_STATUS_";

/// What a report's file name says about it.
#[derive(Debug, Default, PartialEq)]
pub struct NameParts {
    /// The digits right before the key: the OA File ID. Taken as the trailing digit run so a
    /// prefix added by a download tool (`ACME_882990025_EDI_STATUS_…`) does not hide it.
    pub file_id: Option<String>,
    /// The first 8-digit token after the key, read as YYYYMMDD, as ISO.
    pub date: Option<String>,
}

/// `None` when the name does not contain `key` (case-insensitive); the last path component
/// is used.
pub fn name_parts(file_name: &str, key: &str) -> Option<NameParts> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let at = find_ci(base, key)?;
    let prefix = &base[..at];
    let digits: String = prefix.chars().rev().take_while(|c| c.is_ascii_digit()).collect();
    let file_id = (!digits.is_empty()).then(|| digits.chars().rev().collect());
    let date = base[at + key.len()..]
        .split(['_', '.', '-', ' '])
        .find(|t| t.len() == 8 && is_digits(t))
        .and_then(x12::date_ccyymmdd);
    Some(NameParts { file_id, date })
}

// ---------------------------------------------------------------------------------------
// EDI Status report: the column header line
// ---------------------------------------------------------------------------------------

/// The columns of the EDI Status table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Col {
    FileId,
    ClaimId,
    Acct,
    Patient,
    Amount,
    PracticeId,
    TaxId,
    PayerId,
    ProcessDate,
    PayerRef,
    Status,
    Response,
}

impl Col {
    /// How diagnostics name the column (never its content).
    pub fn label(self) -> &'static str {
        match self {
            Col::FileId => "File ID",
            Col::ClaimId => "OA Claim ID",
            Col::Acct => "Acct#",
            Col::Patient => "Patient name",
            Col::Amount => "Amount",
            Col::PracticeId => "Practice ID",
            Col::TaxId => "Tax ID",
            Col::PayerId => "Payer ID",
            Col::ProcessDate => "Payer process date",
            Col::PayerRef => "Payer ref ID",
            Col::Status => "Status",
            Col::Response => "Payer response",
        }
    }
}

/// Header words per column, compared word by word, ignoring case and the number of spaces
/// between words. The first spelling of each is the one medcubics' field names suggest; the
/// others are guesses at OA's wording. Longer spellings are matched first, so "Payer Ref ID"
/// is never mistaken for "Payer ID" and "OA Claim ID" wins over "Claim ID".
pub const COLUMN_WORDS: &[(Col, &[&str])] = &[
    (Col::FileId, &["File ID", "FileID", "File #"]),
    (Col::ClaimId, &["OA Claim ID", "Claim ID", "OA ClaimID", "ClaimID", "OA Claim #"]),
    (Col::Acct, &["Acct#", "Acct #", "Acct No", "Account#", "Account #", "Accnt#", "Patient Acct#", "Patient Account"]),
    (Col::Patient, &["Patient Name", "Patient", "Last,First", "Last, First", "Name"]),
    (Col::Amount, &["Amount", "Amt", "Billed Amount", "Total Charge", "Charge"]),
    (Col::PracticeId, &["Practice ID", "PracticeID", "Prac ID", "Practice"]),
    (Col::TaxId, &["Tax ID", "TaxID", "TIN"]),
    (Col::PayerId, &["Payer ID", "PayerID", "Payer"]),
    (
        Col::ProcessDate,
        &[
            "Payer Process Date",
            "Payer Proc Date",
            "Payer Processed Date",
            "Process Date",
            "Processed Date",
            "Payer Date",
            "Proc Date",
            "Date",
        ],
    ),
    (Col::PayerRef, &["Payer Ref ID", "Payer Ref #", "Payer Ref", "Payer Reference ID", "Payer Claim #", "Ref ID"]),
    (Col::Status, &["Status"]),
    (Col::Response, &["Payer Response Text", "Payer Response", "Response Text", "Response", "Message"]),
];

/// A line is the table's header when it has these three columns (the File Summary's
/// "File ID … Payer (PayerID)" split table has no Claim ID or Status; its claim table says
/// "OA CLAIMID" without a space and has no File ID).
pub const HEADER_REQUIRED: &[Col] = &[Col::FileId, Col::ClaimId, Col::Status];

// ---------------------------------------------------------------------------------------
// EDI Status report: rows
// ---------------------------------------------------------------------------------------

/// A data row has a File ID of at least this many digits in the File ID column (medcubics:
/// `is_numeric(substr($line, 4, 9))`), or, when that column is blank, an OA Claim ID of at
/// least this many digits.
pub const MIN_ID_DIGITS: usize = 6;

/// The status words and what they mean. Anything else is kept as `informational` with a
/// warning. medcubics knows only ACCEPTED and REJECTED; PENDING (a payer that pended the
/// claim) is our assumption.
pub const STATUS_WORDS: &[(&str, Status)] =
    &[("ACCEPTED", Status::Accepted), ("REJECTED", Status::Rejected), ("PENDING", Status::Pending)];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Accepted,
    Rejected,
    Pending,
}

pub fn status_of(word: &str) -> Option<Status> {
    let w = word.trim();
    STATUS_WORDS.iter().find(|(k, _)| w.eq_ignore_ascii_case(k)).map(|(_, s)| *s)
}

/// A line that is not a row and whose first character is at most this many characters left
/// of the response column's start (or anywhere right of it) continues the previous row's
/// response text. Two characters absorb a one-character shift from a 10-digit File ID.
pub const CONTINUATION_SLACK: usize = 2;

/// Ruler lines (`-----`, `=====`, `_____`, `+----+`) carry nothing: a line made only of these
/// characters and spaces, at least [`SEPARATOR_MIN`] of them.
pub const SEPARATOR_CHARS: &[char] = &['-', '=', '_', '+', '*', '|'];
pub const SEPARATOR_MIN: usize = 3;

pub fn is_separator(line: &str) -> bool {
    text::is_separator(line, SEPARATOR_CHARS, SEPARATOR_MIN)
}

/// Report furniture repeated on every page (title, run date): skipped without a diagnostic
/// wherever it appears. Compared case-insensitively at the start of the trimmed line.
pub const FURNITURE_PREFIXES: &[&str] = &["office ally", "edi status report", "report date", "run date"];

pub fn is_furniture(line: &str) -> bool {
    let t = line.trim();
    FURNITURE_PREFIXES.iter().any(|p| starts_with_ci(t, p)) || is_page_number(line)
}

/// "Page 2", "Page 2 of 3", "PAGE: 2": may sit far right, where it would otherwise pass for
/// wrapped response text, so it is checked before continuations.
pub fn is_page_number(line: &str) -> bool {
    let t = line.trim();
    if !starts_with_ci(t, "page") {
        return false;
    }
    let words: Vec<&str> = t["page".len()..].trim_start_matches(':').split_whitespace().collect();
    match words.as_slice() {
        [n] => is_digits(n),
        [n, of, m] => is_digits(n) && of.eq_ignore_ascii_case("of") && is_digits(m),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------
// ERA text summary
// ---------------------------------------------------------------------------------------

/// Markers of the ERA summary's content (office-ally.md §3.3). Two of them, or one with the
/// `*_ERA_STATUS_*.txt` name, identify it.
pub const ERA_MARKERS: &[&str] = &["Check#", "Payer Claim Control Number:", "Claim Statement Period:", "Line Item:"];
/// The summary's separators are at least this long.
pub const ERA_SEPARATOR_MIN: usize = 30;

pub fn era_marker_count(text: &str) -> usize {
    let mut n = ERA_MARKERS.iter().filter(|m| text.contains(*m)).count();
    let long_rule = text.lines().any(|l| {
        let t = l.trim();
        t.len() >= ERA_SEPARATOR_MIN && (t.bytes().all(|b| b == b'=') || t.bytes().all(|b| b == b'-'))
    });
    if long_rule && n > 0 {
        n += 1;
    }
    n
}

pub const ERA_DISPLAY_ONLY: &str = "ERA text summary: kept for display; payments come from the 835 in the same package";

// ---------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------

// Money is printed `$1,234.50` (a negative as `-$5.00`, `($5.00)` or `5.00-`): read with
// `text::money_cents`. Names are printed "LAST,FIRST": read with `text::person_name`.

/// Dates as printed: `MM/DD/YYYY` (OA's reports), also `M/D/YYYY` and `MM/DD/YY` (20YY: these
/// are process dates, never birth dates).
pub const DATE_YEARS: YearDigits = YearDigits::FourOrTwo;

/// A date as printed (see [`DATE_YEARS`]), or `YYYY-MM-DD` (`YYYY/MM/DD`) or `YYYYMMDD`. Only
/// the first word counts (a time may follow). → ISO.
pub fn date_iso(s: &str) -> Option<String> {
    let t = s.split_whitespace().next()?;
    text::date_mdy(t, DATE_YEARS).or_else(|| match t.split(['/', '-']).collect::<Vec<_>>().as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => x12::date_ccyymmdd(&format!("{y}{m}{d}")),
        [one] if one.len() == 8 => x12::date_ccyymmdd(one),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_give_file_id_and_date() {
        let p = name_parts("out/882990025_EDI_STATUS_20211019.txt", EDI_STATUS_NAME_KEY).unwrap();
        assert_eq!(p, NameParts { file_id: Some("882990025".into()), date: Some("2021-10-19".into()) });
        let p = name_parts("acme-1026454084_edi_status_20221214.TXT", EDI_STATUS_NAME_KEY).unwrap();
        assert_eq!(p.file_id.as_deref(), Some("1026454084"));
        assert_eq!(p.date.as_deref(), Some("2022-12-14"));
        let p = name_parts("1088623388_ERA_STATUS_5010_20230530.txt", ERA_SUMMARY_NAME_KEY).unwrap();
        assert_eq!(p.file_id.as_deref(), Some("1088623388"));
        assert_eq!(p.date.as_deref(), Some("2023-05-30"));
        let p = name_parts("792253152_ERA_STATUS_5010_20210112-1.txt", ERA_SUMMARY_NAME_KEY).unwrap();
        assert_eq!(p.date.as_deref(), Some("2021-01-12"));
        let p = name_parts("EDI_STATUS_20211399.txt", "EDI_STATUS_").unwrap();
        assert_eq!(p, NameParts { file_id: None, date: None }, "no digits before the key, invalid month");
        assert!(name_parts("FS_HCFA_1026347812_IN_C.txt", EDI_STATUS_NAME_KEY).is_none());
    }

    #[test]
    fn dates() {
        assert_eq!(date_iso("10/19/2021").as_deref(), Some("2021-10-19"));
        assert_eq!(date_iso("1/9/2021 10:15").as_deref(), Some("2021-01-09"));
        assert_eq!(date_iso("10/19/21").as_deref(), Some("2021-10-19"));
        assert_eq!(date_iso("2021-10-19").as_deref(), Some("2021-10-19"));
        assert_eq!(date_iso("20211019").as_deref(), Some("2021-10-19"));
        assert_eq!(date_iso("2021/10/19").as_deref(), Some("2021-10-19"));
        assert_eq!(date_iso("02/30/2021"), None);
        assert_eq!(date_iso("13/01/2021"), None);
        assert_eq!(date_iso("PENDING"), None);
    }

    #[test]
    fn statuses_and_lines() {
        assert_eq!(status_of("ACCEPTED"), Some(Status::Accepted));
        assert_eq!(status_of(" rejected "), Some(Status::Rejected));
        assert_eq!(status_of("pending"), Some(Status::Pending));
        assert_eq!(status_of("DENIED"), None);
        assert!(is_separator("   ------------  ----- "));
        assert!(is_separator("======"));
        assert!(!is_separator("--"));
        assert!(!is_separator("-- Total --"));
        assert!(is_furniture("  Page 2 of 3"));
        assert!(is_furniture("OFFICE ALLY, INC."));
        assert!(!is_furniture("Total claims: 3"));
        assert!(is_page_number("                        PAGE: 12"));
        assert!(is_page_number("Page 2 of 3"));
        assert!(!is_page_number("Page the provider"));
        assert!(!is_page_number("Pages 2"));
    }

    #[test]
    fn era_markers() {
        assert_eq!(era_marker_count("nothing here"), 0);
        assert_eq!(era_marker_count("Check#  Patient ID\nPayer Claim Control Number: 1"), 2);
        let with_rule = format!("Check#\n{}\n", "=".repeat(40));
        assert_eq!(era_marker_count(&with_rule), 2);
        assert_eq!(era_marker_count(&"-".repeat(40)), 0, "a rule alone is not a marker");
    }
}
