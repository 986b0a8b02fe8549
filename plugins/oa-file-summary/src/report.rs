//! Reading the report line by line into what it states, before any mapping.
//!
//! Lines are recognised one at a time (see `layout.rs` for every pattern); the only state is
//! which table the reader is in, which a line of '=' ends. A line nobody recognises becomes an
//! info diagnostic naming its number, never its text (it may hold PHI).

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::text::{Line, find_ci, is_digits, is_separator, money_cents, squeeze, starts_with_ci};

use crate::detail::{self, Columns, Fields, Reading, Section};
use crate::layout::{self, Column};

/// A value and where it was printed.
#[derive(Clone, Debug)]
pub struct At<T> {
    pub value: T,
    pub pos: Position,
}

fn at<T>(value: T, line: &Line) -> At<T> {
    At { value, pos: line.position() }
}

/// A row of the split table: one per-payer child file.
#[derive(Debug)]
pub struct ChildRow {
    pub id: String,
    pub payer_name: Option<String>,
    pub payer_id: Option<String>,
    pub claims: Option<u32>,
    pub total: Option<i64>,
}

/// "+---> 1 # errors FE69 - Patient Street Address Required".
#[derive(Debug)]
pub struct CodeTotalRow {
    pub count: u32,
    pub code: String,
    pub description: Option<String>,
    pub pos: Position,
}

/// A row of a claim detail table.
#[derive(Debug)]
pub struct ClaimRow {
    /// None when the table had no ERROR/ACCEPTED heading.
    pub section: Option<Section>,
    pub fields: Fields,
    pub line: u32,
    pub pos: Position,
}

#[derive(Default, Debug)]
pub struct Report {
    /// "The file <name> was split into <n> file(s)".
    pub split_file_name: Option<String>,
    pub split_count: Option<At<u32>>,
    pub child_files: Vec<At<ChildRow>>,
    pub split_total: Option<At<i64>>,
    /// The "Claims Upload File Summary" heading.
    pub summary: Option<Position>,
    pub file_name: Option<At<String>>,
    pub date_uploaded: Option<At<String>>,
    pub type_of_file: Option<At<String>>,
    pub date_processed: Option<At<String>>,
    pub accepted: Option<At<u32>>,
    pub rejected: Option<At<u32>>,
    pub code_totals: Vec<CodeTotalRow>,
    /// From "…master file with fileID:<id>".
    pub master_id: Option<At<String>>,
    /// The message of a file that failed as a whole, its lines joined.
    pub failure: Option<At<String>>,
    pub rows: Vec<ClaimRow>,
    /// Detail tables met, by heading.
    pub sections: Vec<Section>,
    pub error_report_heading: bool,
    pub diagnostics: Vec<Diagnostic>,
}

enum Table {
    None,
    Split,
    Detail { section: Option<Section>, columns: Option<Columns>, warned_no_header: bool },
}

/// Unknown lines reported one by one up to this many, then counted in one diagnostic.
const MAX_UNKNOWN_LINE_NOTES: usize = 50;

pub fn read(lines: &[Line]) -> Report {
    // Each row is a few hundred bytes: sized up front from the lines that start like one,
    // the Vec neither holds up to twice their size nor copies them while growing.
    let rows = lines.iter().filter(|l| layout::is_row_start(l.text.trim_start())).count();
    let mut r = Report { rows: Vec::with_capacity(rows), ..Report::default() };
    let mut table = Table::None;
    // Lines after a failure message that nobody else claims belong to it.
    let mut in_failure = false;
    let mut unknown_lines = 0usize;

    for line in lines {
        let raw = line.text.as_str();
        let t = raw.trim();
        if t.is_empty() {
            in_failure = false;
            continue;
        }
        if is_separator(t, layout::SEPARATOR_CHARS, layout::SEPARATOR_MIN) {
            if t.starts_with(layout::TABLE_END_CHAR) {
                table = Table::None;
            }
            in_failure = false;
            continue;
        }

        let heading = t.trim_start_matches(layout::SEPARATOR_CHARS).trim();
        if find_ci(heading, layout::ERROR_DETAIL_HEADING).is_some() {
            r.sections.push(Section::Error);
            table = Table::Detail { section: Some(Section::Error), columns: None, warned_no_header: false };
            continue;
        }
        if find_ci(heading, layout::ACCEPTED_DETAIL_HEADING).is_some() {
            r.sections.push(Section::Accepted);
            table = Table::Detail { section: Some(Section::Accepted), columns: None, warned_no_header: false };
            continue;
        }
        if starts_with_ci(heading, layout::SUMMARY_HEADING) {
            r.summary = Some(line.position());
            table = Table::None;
            continue;
        }
        if starts_with_ci(heading, layout::ERROR_REPORT_HEADING) {
            r.error_report_heading = true;
            continue;
        }

        if let Some(columns) = detail::header(raw) {
            note_header(&mut r, &columns, line);
            table = match table {
                Table::Detail { section, .. } => {
                    Table::Detail { section, columns: Some(columns), warned_no_header: false }
                }
                _ => {
                    r.diagnostics.push(
                        Diagnostic::info(
                            format!(
                                "claim table header at line {} has no ERROR/ACCEPTED CLAIM DETAIL heading: rows \
                                 with edit codes are read as rejected, the others as accepted",
                                line.number
                            ),
                            Some(line.position()),
                        )
                        .with_code("oa-fs-table-without-heading"),
                    );
                    Table::Detail { section: None, columns: Some(columns), warned_no_header: false }
                }
            };
            continue;
        }
        if layout::is_row_start(t) {
            match &mut table {
                Table::Detail { section, columns, warned_no_header } => {
                    if columns.is_none() && !*warned_no_header {
                        *warned_no_header = true;
                        r.diagnostics.push(
                            Diagnostic::warning(
                                format!(
                                    "claim row at line {} comes before any column header; read with the usual \
                                     Office Ally columns",
                                    line.number
                                ),
                                Some(line.position()),
                            )
                            .with_code("oa-fs-no-header"),
                        );
                    }
                    // Borrowed, not cloned for every row.
                    let default;
                    let cols = match columns {
                        Some(c) => &*c,
                        None => {
                            default = detail::default_columns();
                            &default
                        }
                    };
                    claim_row(&mut r, raw, cols, *section, line);
                }
                _ => r.diagnostics.push(
                    Diagnostic::warning(
                        format!("claim row at line {} is outside any claim detail table; skipped", line.number),
                        Some(line.position()),
                    )
                    .with_code("oa-fs-row-outside-table"),
                ),
            }
            continue;
        }

        if let Some(rest) = split_line(t) {
            split_announcement(&mut r, rest, line);
            table = Table::Split;
            continue;
        }
        if matches!(table, Table::Split) {
            if layout::SPLIT_HEADER_WORDS.iter().all(|w| find_ci(t, w).is_some()) {
                continue;
            }
            if let Some(total) = t.strip_prefix(layout::SPLIT_TOTAL_LABEL) {
                match money_cents(total) {
                    Some(c) => r.split_total = Some(at(c, line)),
                    None => r.diagnostics.push(bad_amount(line)),
                }
                continue;
            }
            if t.split_whitespace().next().is_some_and(is_digits) {
                child_row(&mut r, t, line);
                continue;
            }
        }

        if let Some(i) = find_ci(t, layout::MASTER_ID_LABEL) {
            let rest = t[i + layout::MASTER_ID_LABEL.len()..].trim_start_matches([':', ' ', '\t']);
            let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if id.is_empty() {
                r.diagnostics.push(
                    Diagnostic::warning(
                        format!("no master file ID after its label at line {}", line.number),
                        Some(line.position()),
                    )
                    .with_code("oa-fs-bad-file-id"),
                );
            } else {
                r.master_id = Some(at(id, line));
            }
            continue;
        }
        if let Some(rest) = code_total_arrow(t) {
            code_total(&mut r, rest, line);
            continue;
        }
        if let Some((n, label)) = count_line(t) {
            let label = label.to_ascii_lowercase();
            if label.contains(layout::COUNT_ACCEPTED_WORD) {
                r.accepted = Some(at(n, line));
            } else if label.contains(layout::COUNT_REJECTED_WORD) {
                r.rejected = Some(at(n, line));
            } else {
                r.diagnostics.push(
                    Diagnostic::info(
                        format!("count at line {} is of an unknown kind; ignored", line.number),
                        Some(line.position()),
                    )
                    .with_code("oa-fs-unknown-count"),
                );
            }
            continue;
        }
        if let Some((label, value)) = t.split_once(':') {
            let label = squeeze(label);
            let value = value.trim().to_string();
            let slot = [
                (layout::LABEL_FILE_NAME, &mut r.file_name),
                (layout::LABEL_DATE_UPLOADED, &mut r.date_uploaded),
                (layout::LABEL_TYPE_OF_FILE, &mut r.type_of_file),
                (layout::LABEL_DATE_PROCESSED, &mut r.date_processed),
            ]
            .into_iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(&label));
            if let Some((_, slot)) = slot {
                if !value.is_empty() {
                    *slot = Some(at(value, line));
                }
                continue;
            }
        }
        if is_boilerplate(t) {
            continue;
        }
        if layout::FAILURE_PHRASES.iter().any(|p| find_ci(t, p).is_some()) || in_failure {
            let text = squeeze(t);
            match &mut r.failure {
                Some(f) => {
                    f.value.push(' ');
                    f.value.push_str(&text);
                }
                None => r.failure = Some(at(text, line)),
            }
            in_failure = true;
            continue;
        }

        unknown_lines += 1;
        if unknown_lines <= MAX_UNKNOWN_LINE_NOTES {
            r.diagnostics.push(
                Diagnostic::info(
                    format!("line {} is not a known File Summary line; skipped", line.number),
                    Some(line.position()),
                )
                .with_code("oa-fs-unknown-line"),
            );
        }
    }
    if unknown_lines > MAX_UNKNOWN_LINE_NOTES {
        r.diagnostics.push(
            Diagnostic::info(format!("{} more unknown lines skipped", unknown_lines - MAX_UNKNOWN_LINE_NOTES), None)
                .with_code("oa-fs-unknown-line"),
        );
    }
    r
}

fn is_boilerplate(t: &str) -> bool {
    layout::BOILERPLATE_STARTS.iter().any(|p| starts_with_ci(t, p))
        || layout::BOILERPLATE_CONTAINS.iter().any(|p| find_ci(t, p).is_some())
}

fn bad_amount(line: &Line) -> Diagnostic {
    Diagnostic::warning(format!("unreadable amount at line {}", line.number), Some(line.position()))
        .with_code("oa-fs-bad-amount")
}

/// The text after "The file ", when the line announces the split.
fn split_line(t: &str) -> Option<&str> {
    if !starts_with_ci(t, layout::SPLIT_PREFIX) {
        return None;
    }
    let rest = &t[layout::SPLIT_PREFIX.len()..];
    find_ci(rest, layout::SPLIT_INFIX).map(|_| rest)
}

fn split_announcement(r: &mut Report, rest: &str, line: &Line) {
    let Some(i) = find_ci(rest, layout::SPLIT_INFIX) else { return };
    let name = rest[..i].trim();
    if !name.is_empty() {
        r.split_file_name = Some(name.to_string());
    }
    let after = rest[i + layout::SPLIT_INFIX.len()..].trim_start();
    let n: String = after.chars().take_while(char::is_ascii_digit).collect();
    if let Ok(n) = n.parse() {
        r.split_count = Some(at(n, line));
    }
}

/// "1026454084<TAB><TAB>BCBSDelaware (00570)      1     $400.00": the id first, then from the
/// end the total and the claim count; the payer is what is left, its id in the last
/// parentheses.
fn child_row(r: &mut Report, t: &str, line: &Line) {
    let toks: Vec<&str> = t.split_whitespace().collect();
    let Some((id, mut rest)) = toks.split_first() else { return };
    let mut total = None;
    // A total has a '$'; a bare number is a total only when a count precedes it.
    if let Some((last, before)) = rest.split_last()
        && (last.contains('$') || (money_cents(last).is_some() && before.last().is_some_and(|b| is_digits(b))))
    {
        total = money_cents(last);
        if total.is_none() {
            r.diagnostics.push(bad_amount(line));
        }
        rest = before;
    }
    let mut claims = None;
    if let Some((last, before)) = rest.split_last()
        && is_digits(last)
    {
        claims = last.parse().ok();
        rest = before;
    }
    let payer = rest.join(" ");
    let (payer_name, payer_id) = match (payer.rfind('('), payer.strip_suffix(')')) {
        (Some(open), Some(inner)) => {
            let id = inner[open + 1..].trim();
            let name = payer[..open].trim();
            ((!name.is_empty()).then(|| name.to_string()), (!id.is_empty()).then(|| id.to_string()))
        }
        _ => ((!payer.is_empty()).then_some(payer), None),
    };
    if claims.is_none() || total.is_none() || payer_id.is_none() {
        r.diagnostics.push(
            Diagnostic::warning(
                format!("child file row at line {} lacks its payer ID, claim count or total", line.number),
                Some(line.position()),
            )
            .with_code("oa-fs-child-row"),
        );
    }
    r.child_files.push(at(ChildRow { id: id.to_string(), payer_name, payer_id, claims, total }, line));
}

/// The text after an arrow "+--->" (any number of '-').
fn code_total_arrow(t: &str) -> Option<&str> {
    let rest = t.strip_prefix(layout::CODE_TOTAL_ARROW_START)?;
    let rest = rest.trim_start_matches('-');
    rest.strip_prefix('>')
}

fn code_total(r: &mut Report, rest: &str, line: &Line) {
    let rest = rest.trim();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let after = rest[digits.len()..].trim_start();
    let after = if starts_with_ci(after, layout::CODE_TOTAL_WORD) {
        after[layout::CODE_TOTAL_WORD.len()..].trim_start_matches(['s', 'S']).trim_start()
    } else {
        after
    };
    let code_end = after.find(char::is_whitespace).unwrap_or(after.len());
    let code = after[..code_end].trim_end_matches('-');
    let description = squeeze(after[code_end..].trim_start().trim_start_matches('-'));
    match (digits.parse::<u32>(), code.is_empty()) {
        (Ok(count), false) => r.code_totals.push(CodeTotalRow {
            count,
            code: code.to_string(),
            description: (!description.is_empty()).then_some(description),
            pos: line.position(),
        }),
        _ => r.diagnostics.push(
            Diagnostic::warning(
                format!("error total at line {} is unreadable; skipped", line.number),
                Some(line.position()),
            )
            .with_code("oa-fs-bad-code-total"),
        ),
    }
}

/// "<n> # of <label>" (spacing free).
fn count_line(t: &str) -> Option<(u32, String)> {
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let rest = squeeze(&t[digits..]);
    if !starts_with_ci(&rest, layout::COUNT_MARK) {
        return None;
    }
    let label = &rest[layout::COUNT_MARK.len()..];
    if !label.is_empty() && !label.starts_with(' ') {
        return None;
    }
    Some((t[..digits].parse().ok()?, label.trim().to_string()))
}

fn note_header(r: &mut Report, columns: &Columns, line: &Line) {
    let missing = columns.missing();
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|c| column_label(*c)).collect();
        r.diagnostics.push(
            Diagnostic::info(
                format!("claim table header at line {} has no {} column(s)", line.number, names.join(", ")),
                Some(line.position()),
            )
            .with_code("oa-fs-missing-column"),
        );
    }
    if !columns.unknown.is_empty() {
        r.diagnostics.push(
            Diagnostic::info(
                format!(
                    "claim table header at line {} has unknown columns {:?}; ignored",
                    line.number, columns.unknown
                ),
                Some(line.position()),
            )
            .with_code("oa-fs-unknown-column"),
        );
    }
}

fn claim_row(r: &mut Report, raw: &str, cols: &Columns, section: Option<Section>, line: &Line) {
    // The accepted table may lack ERRORS; a row's own section decides when the table had none.
    let reading_section = section.unwrap_or(Section::Error);
    let fields = match detail::read_row(raw, cols, reading_section) {
        Reading::Aligned(f) => f,
        Reading::Shifted(f) => {
            r.diagnostics.push(
                Diagnostic::warning(
                    format!(
                        "claim row at line {} does not line up with the column header; read by the order of its values",
                        line.number
                    ),
                    Some(line.position()),
                )
                .with_code("oa-fs-row-shifted"),
            );
            f
        }
        Reading::Doubtful(f, bad) => {
            let names: Vec<&str> = bad.iter().map(|c| column_label(*c)).collect();
            // Values that failed their checks are already dropped.
            let usable = f.get(Column::ClaimId).is_some() || f.get(Column::Accnt).is_some();
            r.diagnostics.push(
                Diagnostic::warning(
                    format!(
                        "claim row at line {} does not match the column header (doubtful: {}){}",
                        line.number,
                        names.join(", "),
                        if usable { "; those values are dropped, the others may be misplaced" } else { "; skipped" }
                    ),
                    Some(line.position()),
                )
                .with_code("oa-fs-row-mismatch"),
            );
            if !usable {
                return;
            }
            f
        }
    };
    r.rows.push(ClaimRow { section, fields, line: line.number, pos: line.position() });
}

/// A column's header word, for diagnostics.
pub fn column_label(c: Column) -> &'static str {
    layout::COLUMN_NAMES.iter().find(|(k, _)| *k == c).and_then(|(_, n)| n.first().copied()).unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;
    use claimtrack_plugin_sdk::text::lines;

    fn read_str(s: &str) -> Report {
        read(&lines(s.as_bytes()).lines)
    }

    #[test]
    fn code_totals() {
        let r =
            read_str("\t+---> 3 # errors FE69 - Patient Street Address Required\n+-> 1 # error X1\n+---> x # errors\n");
        assert_eq!(r.code_totals.len(), 2);
        assert_eq!((r.code_totals[0].count, r.code_totals[0].code.as_str()), (3, "FE69"));
        assert_eq!(r.code_totals[0].description.as_deref(), Some("Patient Street Address Required"));
        assert_eq!((r.code_totals[1].code.as_str(), r.code_totals[1].description.as_deref()), ("X1", None));
        assert_eq!(r.diagnostics.len(), 1);
        assert_eq!(r.diagnostics[0].code.as_deref(), Some("oa-fs-bad-code-total"));
    }

    #[test]
    fn counts_and_labels() {
        let r = read_str(
            "\t12 # of Claims Initially Accepted\n\t3  #  OF Claims Rejected\n 7 # of widgets\n 8 # often\n  Type of File: UB\nDate Processed: 01/02/2023\n",
        );
        assert_eq!(r.accepted.map(|a| a.value), Some(12));
        assert_eq!(r.rejected.map(|a| a.value), Some(3));
        assert_eq!(r.type_of_file.map(|a| a.value).as_deref(), Some("UB"));
        assert_eq!(r.date_processed.map(|a| (a.value, a.pos.line)), Some(("01/02/2023".into(), Some(6))));
        let codes: Vec<_> = r.diagnostics.iter().map(|d| (d.code.as_deref(), d.position.as_ref().and_then(|p| p.line))).collect();
        assert_eq!(codes, [(Some("oa-fs-unknown-count"), Some(3)), (Some("oa-fs-unknown-line"), Some(4))]);
    }

    #[test]
    fn split_table() {
        let r = read_str(concat!(
            "The file 123456789_x.txt was split into 2 file(s) \n",
            "File ID\t\tPayer (PayerID)     Claims   Totals\n",
            "---------------\n",
            "123456790\t\tAETNA (60054)        2    $1,200.50\n",
            "123456791\t\tBLUE CROSS (BC) OF X (00570)   1  $75.00\n",
            "                      Total: $1,275.50\n",
            "=================\n",
            "123456792 stray\n",
        ));
        assert_eq!(r.split_file_name.as_deref(), Some("123456789_x.txt"));
        assert_eq!(r.split_count.map(|c| c.value), Some(2));
        let c: Vec<_> = r.child_files.iter().map(|c| &c.value).collect();
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].id.as_str(), c[0].payer_id.as_deref(), c[0].claims, c[0].total),
            ("123456790", Some("60054"), Some(2), Some(120050))
        );
        assert_eq!(c[1].payer_name.as_deref(), Some("BLUE CROSS (BC) OF X"));
        assert_eq!(c[1].payer_id.as_deref(), Some("00570"));
        assert_eq!(r.split_total.map(|t| t.value), Some(127550));
        // The stray line after the table's end is not a child file.
        assert_eq!(r.diagnostics.iter().filter(|d| d.code.as_deref() == Some("oa-fs-unknown-line")).count(), 1);
    }

    #[test]
    fn failure_message_with_continuation() {
        let r = read_str(
            "Date Processed: 01/02/2023\n\tThis file could not be processed.\n\tReason:  bad ISA segment\n\n\t0 # of Claims Rejected\nsomething else\n",
        );
        let f = r.failure.unwrap();
        assert_eq!(f.value, "This file could not be processed. Reason: bad ISA segment");
        assert_eq!(f.pos.line, Some(2));
        assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
    }

    #[test]
    fn boilerplate_is_silent() {
        let r = read_str(concat!(
            "Dear Practice Owner\n",
            "Your claims file has now been processed by Office Ally, claims that are accepted\n",
            "for final processing. Processing results for your claim file are as follows.\n",
            "for processing. These file(s) are:\n",
            "please track each individual file by their unique file ID.\n",
            "This summary is regarding the master file with fileID:1026347812\n",
            "-------------------------------------------\n",
        ));
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(r.master_id.map(|m| m.value).as_deref(), Some("1026347812"));
    }

    #[test]
    fn row_outside_table_and_before_header() {
        let r = read_str("1)     2927096977\n-------ERROR CLAIM DETAIL\n1)     2927096977  P1   X\n");
        let codes: Vec<_> = r.diagnostics.iter().filter_map(|d| d.code.as_deref()).collect();
        assert_eq!(codes, ["oa-fs-row-outside-table", "oa-fs-no-header", "oa-fs-row-mismatch"]);
    }
}
