//! Every assumption this plugin makes about the layout of Office Ally's File Summary report,
//! in one place, so a real file that differs is a one-line fix here.
//!
//! Office Ally does not publish the layout. What is known comes from ONE real report
//! (`FS_HCFA_1026347812_IN_C.txt`, Dec 2022, see office-ally.md §3.1) and from the
//! hard-coded offsets of two third-party parsers that agree with it. Everything else below
//! is marked ASSUMPTION.
//!
//! The report, top to bottom (every part optional; they are recognised line by line, in any
//! order):
//! 1. a salutation ("Dear …") and two boilerplate sentences;
//! 2. the split table: "The file <FileID>_<name> was split into N file(s)", a header
//!    ("File ID<TAB><TAB>Payer (PayerID)   Claims   Totals"), one row per child file
//!    ("<ChildID><TAB><TAB><payer name> (<payer id>)   <claims>   $<total>") and a
//!    "Total: $<sum>" line;
//! 3. "Claims Upload File Summary" with `Label: value` lines (File Name, Date Uploaded, Type of
//!    File, Date Processed), the counts ("<n> # of Claims Initially Accepted", "<n> # of Claims
//!    Rejected") and the edit-code totals ("+---> <n> # errors <CODE> - <description>");
//! 4. claim detail tables: a heading ("-------ERROR CLAIM DETAIL" or, ASSUMPTION (heading name
//!    known only from a third-party parser, no sample), "ACCEPTED CLAIM DETAIL"), a dashed
//!    line, a column header, a dashed line, rows ("1)     2927096977  …"), closed by a line of
//!    '='. ASSUMPTION: the accepted table has the same columns, its ERRORS column empty or
//!    absent;
//! 5. the trailer "This summary is regarding the master file with fileID:<FileID>" and
//!    "please track each individual file by their unique file ID.", then separator lines.
//!
//! A FAILED file (OA could not read the upload; no claims created): no sample exists.
//! ASSUMPTION (invented for the fixture `fs-hcfa-failed-file.txt`): the same report with no
//! split table and no claim tables, whose summary block has a line containing one of
//! [`FAILURE_PHRASES`] (e.g. "This file could not be processed and has been rejected."),
//! possibly followed by more lines of explanation, which are kept as the reason text.
//!
//! The error report (`FS_HCFA_<FileID>_ErrorReport…`): no sample exists. ASSUMPTION: it uses
//! the same parts (at least a claim detail table); it is recognised by its name or by a line
//! starting with [`ERROR_REPORT_HEADING`].

use claimtrack_plugin_sdk::text::{self, YearDigits};

/// Format id of the File Summary.
pub const FORMAT_FILE_SUMMARY: &str = "oa-file-summary";
/// Format id of the File Summary error report (`FS_HCFA_<FileID>_ErrorReport…`).
pub const FORMAT_ERROR_REPORT: &str = "oa-file-summary-error-report";

/// File-name hints (globs, case-insensitive). Hints only: the content decides.
/// `FS_*` rather than `FS_HCFA_*`: the institutional report is very likely `FS_UB_…`
/// (unverified).
pub const HINTS_FILE_SUMMARY: &[&str] = &["FS_*_IN_C.txt", "FS_*_IN_C*"];
pub const HINTS_ERROR_REPORT: &[&str] = &["FS_*_ErrorReport*"];

/// What a file name contains (case-insensitive, ignoring '-' and '_') when it is the error
/// report.
pub const ERROR_REPORT_NAME_MARK: &str = "errorreport";
/// ASSUMPTION: a line that starts with this (case-insensitive, after trimming) names the
/// error report by content.
pub const ERROR_REPORT_HEADING: &str = "ERROR REPORT";

/// Content markers (case-insensitive substrings). The first five are in the real sample (or,
/// for ACCEPTED CLAIM DETAIL, in a third-party parser); the claim table's column header is
/// added so an error report without the summary parts is still recognised.
pub const MARKERS: &[&str] = &[
    "Claims Upload File Summary",
    "ERROR CLAIM DETAIL",
    "ACCEPTED CLAIM DETAIL",
    "was split into",
    "master file with fileID",
    "OA CLAIMID",
];

/// Sniff confidence: two or more markers, one marker, a file-name hint alone.
pub const SNIFF_STRONG: u8 = 95;
pub const SNIFF_ONE_MARKER: u8 = 60;
pub const SNIFF_NAME_ONLY: u8 = 30;

pub const SUMMARY_HEADING: &str = "Claims Upload File Summary";
pub const ERROR_DETAIL_HEADING: &str = "ERROR CLAIM DETAIL";
pub const ACCEPTED_DETAIL_HEADING: &str = "ACCEPTED CLAIM DETAIL";

/// "The file <name> was split into <n> file(s)": the text before and after the name.
pub const SPLIT_PREFIX: &str = "The file ";
pub const SPLIT_INFIX: &str = " was split into ";
/// The split table's header contains both words (case-insensitive).
pub const SPLIT_HEADER_WORDS: &[&str] = &["File ID", "Payer"];
/// The split table's closing sum: "Total: $400.00".
pub const SPLIT_TOTAL_LABEL: &str = "Total:";

/// "…master file with fileID:1026347812": the id follows this text (and an optional ':').
pub const MASTER_ID_LABEL: &str = "master file with fileID";

/// `Label: value` lines of the summary block (compared case-insensitively, spaces trimmed).
pub const LABEL_FILE_NAME: &str = "File Name";
pub const LABEL_DATE_UPLOADED: &str = "Date Uploaded";
pub const LABEL_TYPE_OF_FILE: &str = "Type of File";
pub const LABEL_DATE_PROCESSED: &str = "Date Processed";

/// "<n> # of <label>": the label says which count it is. Words searched in the label,
/// case-insensitive ("Claims Initially Accepted", "Claims Rejected").
pub const COUNT_MARK: &str = "# of";
pub const COUNT_ACCEPTED_WORD: &str = "accepted";
pub const COUNT_REJECTED_WORD: &str = "rejected";

/// "+---> 1 # errors FE69 - Patient Street Address Required": an arrow made of '+', any
/// number of '-', '>'; then the count, "# errors" (or "# error"), the code, " - ", the text.
pub const CODE_TOTAL_ARROW_START: char = '+';
pub const CODE_TOTAL_WORD: &str = "# error";

/// ASSUMPTION (no sample): phrases (case-insensitive) of the message of a file that failed as
/// a whole.
pub const FAILURE_PHRASES: &[&str] = &[
    "could not be processed",
    "cannot be processed",
    "unable to process",
    "file has been rejected",
    "file was rejected",
    "file failed",
    "failed file",
];

/// Known lines that carry nothing: the salutation and OA's boilerplate sentences. A line that
/// starts with (`starts`) or contains (`contains`) one of these, case-insensitively, is
/// skipped silently.
pub const BOILERPLATE_STARTS: &[&str] =
    &["Dear ", "for final processing", "for processing. These file(s) are", "please track each individual file"];
pub const BOILERPLATE_CONTAINS: &[&str] = &["has now been processed by Office Ally"];

/// Characters of separator lines ("=====", "-----"). A line made only of these (and spaces),
/// at least [`SEPARATOR_MIN`] of them, is a separator. A line of '=' closes a table.
pub const SEPARATOR_CHARS: &[char] = &['=', '-', '_', '*'];
pub const SEPARATOR_MIN: usize = 3;
pub const TABLE_END_CHAR: char = '=';

/// Tab stops used to expand tabs before locating columns.
pub const TAB_WIDTH: usize = 8;

/// Dates are printed MM/DD/YYYY (one-digit month/day tolerated). ASSUMPTION: always with a
/// four-digit year, as in the sample; a two-digit year is not taken for a date, so a stray
/// "1/2/34" in another column does not pass for one.
pub const DATE_YEARS: YearDigits = YearDigits::Four;

// Money is printed "$1,234.50" ("Total: $400.00"): read with `text::money_cents`, which also
// takes a leading '-', parentheses or a trailing '-' for a negative amount. Names are printed
// "LAST,FIRST" or without a comma ("TEST TEST"): read with `text::person_name`.

/// Columns of the claim detail tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    RowNumber,
    ClaimId,
    PatientId,
    Name,
    Dob,
    FromDos,
    ToDos,
    Cpt,
    Diag,
    TaxId,
    Accnt,
    PhysId,
    Payer,
    Errors,
}

/// Header spellings of each column (case-insensitive, words separated by whitespace). The
/// first is the real sample's; the others are guesses at harmless variants.
pub const COLUMN_NAMES: &[(Column, &[&str])] = &[
    (Column::RowNumber, &["CLAIM#", "CLAIM #"]),
    (Column::ClaimId, &["OA CLAIMID", "OA CLAIM ID", "CLAIMID"]),
    (Column::PatientId, &["PATIENT ID", "PAT ID", "MEMBER ID"]),
    (Column::Name, &["LAST,FIRST", "LAST, FIRST", "PATIENT NAME"]),
    (Column::Dob, &["DOB"]),
    (Column::FromDos, &["FROM DOS"]),
    (Column::ToDos, &["TO DOS"]),
    (Column::Cpt, &["CPT"]),
    (Column::Diag, &["DIAG"]),
    (Column::TaxId, &["TAX ID"]),
    (Column::Accnt, &["ACCNT#", "ACCT#", "ACCOUNT#"]),
    (Column::PhysId, &["PHYS.ID", "PHYS ID", "NPI"]),
    (Column::Payer, &["PAYER", "PAYER ID"]),
    (Column::Errors, &["ERRORS", "ERROR"]),
];

/// A line is the claim table's column header when it names the OA Claim ID column and at least
/// this many known columns in all.
pub const HEADER_MIN_COLUMNS: usize = 4;

/// The real sample's header, used for rows met before any header (with a warning).
pub const DEFAULT_HEADER: &str = "CLAIM# OA CLAIMID  PATIENT ID        LAST,FIRST          DOB          FROM DOS   TO DOS     CPT     DIAG     TAX ID      ACCNT#        PHYS.ID    PAYER  ERRORS";

/// ACCNT# column width: a printed ACCNT# of exactly this length may be a cut-off CLM01.
pub const ACCNT_WIDTH: usize = 14;

/// Expected digits of an Office Ally File ID (9 until about 2022, 10 since).
pub const FILE_ID_DIGITS: std::ops::RangeInclusive<usize> = 9..=10;

/// A claim row starts (after spaces) with its number and ')': "1)", "12)".
pub fn is_row_start(trimmed: &str) -> bool {
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && trimmed.as_bytes().get(digits) == Some(&b')')
}

/// A printed date (see [`DATE_YEARS`]) as ISO `YYYY-MM-DD`.
pub fn date(s: &str) -> Option<String> {
    text::date_mdy(s, DATE_YEARS)
}

/// `date(s).is_some()` without building the string: a row's values are checked for dates a
/// dozen times.
pub fn is_date(s: &str) -> bool {
    text::is_date_mdy(s, DATE_YEARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_have_four_digit_years() {
        assert_eq!(date("2/9/2020").as_deref(), Some("2020-02-09"));
        assert_eq!(date("12/08/22"), None);
    }

    #[test]
    fn is_date_agrees_with_date() {
        let parts = ["", "0", "1", "2", "9", "00", "01", "02", "12", "13", "28", "29", "30", "31", "32", "001", "1a", " 3"];
        let years = ["", "22", "022", "1899", "1900", "1996", "2000", "2023", "2024", "2100", "2200", "2201", "20x4", "12345"];
        for m in parts {
            for d in parts {
                for y in years {
                    for s in [format!("{m}/{d}/{y}"), format!(" {m}/{d}/{y} "), format!("{m}/{d}/{y}/"), format!("{m}/{d}")] {
                        assert_eq!(is_date(&s), date(&s).is_some(), "{s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn row_starts() {
        assert!(is_row_start("1)     2927096977"));
        assert!(is_row_start("12)"));
        assert!(!is_row_start(")"));
        assert!(!is_row_start("1026454084\t\tBCBS"));
        assert!(!is_row_start("CLAIM# OA"));
    }
}
