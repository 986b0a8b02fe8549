//! The claim detail tables (ERROR CLAIM DETAIL, ACCEPTED CLAIM DETAIL): columns located from
//! the header line, rows read against them.
//!
//! A row value is printed left-aligned under its header word, but may run past the next
//! column's start (a long CPT, a long name), so a row is not cut at fixed offsets: each
//! whitespace-separated token goes to the column its first character falls in. When that
//! gives values that cannot be right (two tokens in a one-word column, a date that is not
//! one), the row is read again by the order of its tokens, anchored on the OA Claim ID and
//! the three dates.

use std::borrow::Cow;

use claimtrack_plugin_sdk::text::{Token, expand_tabs, find_ci, is_digits, tokens};

use crate::layout::{self, COLUMN_NAMES, Column, HEADER_MIN_COLUMNS, TAB_WIDTH};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Error,
    Accepted,
}

#[derive(Clone, Debug)]
struct Col {
    /// None for a header word this plugin does not know: its values are ignored.
    key: Option<Column>,
    start: usize,
}

/// The columns of one claim detail table, in header order.
#[derive(Clone, Debug)]
pub struct Columns {
    cols: Vec<Col>,
    /// Header words not known, as printed (column names are not PHI).
    pub unknown: Vec<String>,
}

impl Columns {
    pub fn has(&self, c: Column) -> bool {
        self.cols.iter().any(|k| k.key == Some(c))
    }

    /// Known columns this header lacks (for a diagnostic).
    pub fn missing(&self) -> Vec<Column> {
        COLUMN_NAMES.iter().map(|(c, _)| *c).filter(|c| !self.has(*c)).collect()
    }

    fn known(&self) -> impl Iterator<Item = Column> + '_ {
        self.cols.iter().filter_map(|c| c.key)
    }
}

/// The header line's columns, or None when the line is not a claim table header.
pub fn header(line: &str) -> Option<Columns> {
    // Cheap refusal first: most lines are not headers, and every header names the claim id.
    let names_claim_id = COLUMN_NAMES
        .iter()
        .filter(|(c, _)| *c == Column::ClaimId)
        .flat_map(|(_, names)| names.iter())
        .any(|n| n.split_whitespace().all(|w| find_ci(line, w).is_some()));
    if !names_claim_id {
        return None;
    }
    let printed = expand_tabs(line, TAB_WIDTH);
    let toks = tokens(&printed);
    let mut cols: Vec<Col> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    // End column of the previous token when it was an unknown word, to join "FOO BAR".
    let mut prev_unknown_end: Option<usize> = None;
    let mut i = 0;
    while i < toks.len() {
        let best = COLUMN_NAMES
            .iter()
            .filter(|(c, _)| !cols.iter().any(|k| k.key == Some(*c)))
            .flat_map(|(c, names)| names.iter().map(move |n| (*c, *n)))
            .filter_map(|(c, name)| {
                let words: Vec<&str> = name.split_whitespace().collect();
                let hit = toks
                    .get(i..i + words.len())
                    .is_some_and(|ts| ts.iter().zip(&words).all(|(t, w)| t.text.eq_ignore_ascii_case(w)));
                hit.then_some((c, words.len()))
            })
            .max_by_key(|(_, n)| *n);
        let Token { start, end, text: word } = toks[i];
        match best {
            Some((c, n)) => {
                cols.push(Col { key: Some(c), start });
                prev_unknown_end = None;
                i += n;
            }
            None => {
                let joined = prev_unknown_end.is_some_and(|end| start == end + 1);
                if joined {
                    if let Some(last) = unknown.last_mut() {
                        last.push(' ');
                        last.push_str(word);
                    }
                } else {
                    cols.push(Col { key: None, start });
                    unknown.push(word.to_string());
                }
                prev_unknown_end = Some(end);
                i += 1;
            }
        }
    }
    let columns = Columns { cols, unknown };
    (columns.has(Column::ClaimId) && columns.known().count() >= HEADER_MIN_COLUMNS).then_some(columns)
}

/// The columns of the real sample's header, for rows met before any header.
pub fn default_columns() -> Columns {
    // The constant is a valid header; a change that breaks it fails the unit tests.
    header(layout::DEFAULT_HEADER).unwrap_or(Columns { cols: Vec::new(), unknown: Vec::new() })
}

/// One row's values, as printed (trimmed; several tokens joined by one space).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fields([Option<String>; 14]);

impl Fields {
    pub fn get(&self, c: Column) -> Option<&str> {
        self.0[c as usize].as_deref()
    }

    /// The value, moved out (the output keeps the row's own string instead of a copy).
    pub fn take(&mut self, c: Column) -> Option<String> {
        self.0[c as usize].take()
    }

    fn set(&mut self, c: Column, v: String) {
        if !v.is_empty() {
            self.0[c as usize] = Some(v);
        }
    }

    fn push(&mut self, c: Column, token: &str) {
        match &mut self.0[c as usize] {
            Some(v) => {
                v.push(' ');
                v.push_str(token);
            }
            slot => *slot = Some(token.to_string()),
        }
    }

    fn clear(&mut self, c: Column) {
        self.0[c as usize] = None;
    }
}

/// How a row was read.
#[derive(Debug, PartialEq)]
pub enum Reading {
    /// Lined up with the header.
    Aligned(Fields),
    /// Did not line up; read by token order instead, and everything checked out.
    Shifted(Fields),
    /// Neither way gave plausible values: the header-aligned values without those of the
    /// columns that failed their checks (listed).
    Doubtful(Fields, Vec<Column>),
}

pub fn read_row(line: &str, columns: &Columns, section: Section) -> Reading {
    // A row without tabs or control characters is already as printed: not copied.
    let printed = if line.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        Cow::Borrowed(line)
    } else {
        Cow::Owned(expand_tabs(line, TAB_WIDTH))
    };
    let toks = tokens(&printed);
    let aligned = by_columns(&toks, columns);
    let bad = check(&aligned);
    if bad.is_empty() {
        return Reading::Aligned(aligned);
    }
    if let Some(f) = by_order(&toks, columns, section).filter(|f| check(f).is_empty()) {
        return Reading::Shifted(f);
    }
    let mut f = aligned;
    for c in &bad {
        f.clear(*c);
    }
    Reading::Doubtful(f, bad)
}

fn by_columns(toks: &[Token], columns: &Columns) -> Fields {
    let mut f = Fields::default();
    for tok in toks {
        // The last column starting at or before the token; a token left of the first column
        // belongs to the first.
        let col = columns.cols.iter().rev().find(|c| c.start <= tok.start).or(columns.cols.first());
        if let Some(key) = col.and_then(|c| c.key) {
            f.push(key, tok.text);
        }
    }
    f
}

/// Values by token order: "n)", the claim id, patient id and name up to the first date, the
/// dates, then one token per remaining column (an empty DIAG or ERRORS allowed; extra tokens
/// at the end belong to ERRORS when it is last). None when that cannot work.
fn by_order(toks: &[Token], columns: &Columns, section: Section) -> Option<Fields> {
    if !columns.unknown.is_empty() {
        return None;
    }
    let known: Vec<Column> = columns.known().collect();
    let t: Vec<&str> = toks.iter().map(|tok| tok.text).collect();
    let mut f = Fields::default();
    let mut i = 0;
    if columns.has(Column::RowNumber) {
        if !layout::is_row_start(t.first()?) {
            return None;
        }
        f.set(Column::RowNumber, t[0].to_string());
        i = 1;
    }
    let claim_id = t.get(i)?;
    if !is_digits(claim_id) {
        return None;
    }
    f.set(Column::ClaimId, claim_id.to_string());
    i += 1;

    let date_cols: Vec<Column> =
        known.iter().copied().filter(|c| matches!(c, Column::Dob | Column::FromDos | Column::ToDos)).collect();
    let first_date = (i..t.len()).find(|&j| layout::is_date(t[j]))?;
    let who = &t[i..first_date];
    match (columns.has(Column::PatientId), columns.has(Column::Name)) {
        (true, true) => {
            if let Some((id, name)) = who.split_first() {
                f.set(Column::PatientId, id.to_string());
                f.set(Column::Name, name.join(" "));
            }
        }
        (true, false) => f.set(Column::PatientId, who.join(" ")),
        (false, true) => f.set(Column::Name, who.join(" ")),
        (false, false) if who.is_empty() => {}
        (false, false) => return None,
    }
    i = first_date;
    for c in &date_cols {
        let d = t.get(i)?;
        if !layout::is_date(d) {
            return None;
        }
        f.set(*c, d.to_string());
        i += 1;
    }

    let last_date_pos = known.iter().rposition(|c| date_cols.contains(c)).map_or(0, |p| p + 1);
    let rest_cols: Vec<Column> = known.get(last_date_pos..)?.to_vec();
    let rest = &t[i..];
    let mut cols = rest_cols.clone();
    if rest.len() < cols.len() {
        let preference: &[Column] = match section {
            Section::Accepted => &[Column::Errors, Column::Diag],
            Section::Error => &[Column::Diag, Column::Errors],
        };
        for c in preference {
            if cols.len() > rest.len() && cols.contains(c) {
                cols.retain(|k| k != c);
            }
        }
        if cols.len() != rest.len() {
            return None;
        }
    }
    if rest.len() > cols.len() && cols.last() != Some(&Column::Errors) {
        return None;
    }
    for (n, c) in cols.iter().enumerate() {
        let value = if n + 1 == cols.len() { rest.get(n..)?.join(" ") } else { rest.get(n)?.to_string() };
        f.set(*c, value);
    }
    Some(f)
}

/// The columns whose values cannot be right.
fn check(f: &Fields) -> Vec<Column> {
    let one_word = |s: &str| !s.contains(' ');
    let alnum = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric());
    let mut bad = Vec::new();
    let mut test = |c: Column, ok: &dyn Fn(&str) -> bool, required: bool| match f.get(c) {
        Some(v) if !ok(v) => bad.push(c),
        None if required => bad.push(c),
        _ => {}
    };
    test(Column::ClaimId, &is_digits, true);
    test(Column::PatientId, &one_word, false);
    for c in [Column::Dob, Column::FromDos, Column::ToDos] {
        test(c, &layout::is_date, false);
    }
    test(Column::Cpt, &one_word, false);
    test(
        Column::Diag,
        &|v| {
            v.split(',')
                .all(|d| !d.trim().is_empty() && d.trim().chars().all(|c| c.is_ascii_alphanumeric() || c == '.'))
        },
        false,
    );
    test(Column::TaxId, &|v| v.chars().all(|c| c.is_ascii_digit() || c == '-'), false);
    test(Column::Accnt, &one_word, false);
    test(Column::PhysId, &is_digits, false);
    test(Column::Payer, &alnum, false);
    test(Column::Errors, &|v| v.split(',').all(|e| !e.trim().is_empty() && alnum(e.trim())), false);
    // A date anywhere else means the values slid across columns (a name swallowing the DOB).
    for c in COLUMN_NAMES.iter().map(|(c, _)| *c) {
        let is_date_col = matches!(c, Column::Dob | Column::FromDos | Column::ToDos);
        if !is_date_col
            && !bad.contains(&c)
            && f.get(c).is_some_and(|v| v.split(' ').any(layout::is_date))
        {
            bad.push(c);
        }
    }
    bad
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = layout::DEFAULT_HEADER;
    const ROW: &str = "1)     2927096977  P12345            TEST TEST           11/17/1977   12/08/2022 12/08/2022 0002A            845141801   1-49          1750952958 00570  FE69,FE70,LC1762              ";

    fn aligned(r: Reading) -> Fields {
        match r {
            Reading::Aligned(f) => f,
            other => panic!("not aligned: {other:?}"),
        }
    }

    #[test]
    fn header_columns_and_starts() {
        let cols = header(HEADER).unwrap();
        let starts: Vec<(Option<Column>, usize)> = cols.cols.iter().map(|c| (c.key, c.start)).collect();
        assert_eq!(starts[0], (Some(Column::RowNumber), 0));
        assert_eq!(starts[1], (Some(Column::ClaimId), 7));
        assert_eq!(starts[5], (Some(Column::FromDos), 70));
        assert_eq!(starts[6], (Some(Column::ToDos), 81));
        assert_eq!(starts[13], (Some(Column::Errors), 153));
        assert!(cols.unknown.is_empty() && cols.missing().is_empty());
        assert!(header("-------ERROR CLAIM DETAIL").is_none());
        assert!(header("File ID\t\tPayer (PayerID)   Claims   Totals").is_none());
    }

    #[test]
    fn unknown_header_words_become_ignored_columns() {
        let cols = header("CLAIM# OA CLAIMID  PATIENT ID  REF NO   DOB  FROM DOS   TO DOS  PAYER").unwrap();
        assert_eq!(cols.unknown, ["REF NO"]);
        let f = aligned(read_row(
            "1)     1234567890  M1          X9       01/02/1990  03/04/2024 03/04/2024 12345",
            &cols,
            Section::Accepted,
        ));
        assert_eq!(f.get(Column::PatientId), Some("M1"));
        assert_eq!(f.get(Column::Payer), Some("12345"));
    }

    #[test]
    fn sample_row() {
        let f = aligned(read_row(ROW, &header(HEADER).unwrap(), Section::Error));
        assert_eq!(f.get(Column::ClaimId), Some("2927096977"));
        assert_eq!(f.get(Column::Name), Some("TEST TEST"));
        assert_eq!(f.get(Column::Cpt), Some("0002A"));
        assert_eq!(f.get(Column::Diag), None);
        assert_eq!(f.get(Column::Accnt), Some("1-49"));
        assert_eq!(f.get(Column::Errors), Some("FE69,FE70,LC1762"));
    }

    #[test]
    fn overflowing_value_stays_in_its_column() {
        // CPT with a modifier runs 4 characters into DIAG, which is empty.
        let row = ROW.replacen("0002A   ", "99213-25", 1);
        let f = aligned(read_row(&row, &header(HEADER).unwrap(), Section::Error));
        assert_eq!(f.get(Column::Cpt), Some("99213-25"));
        assert_eq!(f.get(Column::Diag), None);
    }

    #[test]
    fn shifted_row_read_by_token_order() {
        // Everything after the name moved 2 columns left.
        let row = ROW.replacen("TEST TEST           ", "DOE,JANE          ", 1);
        let cols = header(HEADER).unwrap();
        match read_row(&row, &cols, Section::Error) {
            Reading::Shifted(f) => {
                assert_eq!(f.get(Column::Name), Some("DOE,JANE"));
                assert_eq!(f.get(Column::Dob), Some("11/17/1977"));
                assert_eq!(f.get(Column::Diag), None);
                assert_eq!(f.get(Column::Payer), Some("00570"));
                assert_eq!(f.get(Column::Errors), Some("FE69,FE70,LC1762"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tab_separated_row_read_by_token_order() {
        let row = "2)\t2927096978\tP1\tDOE,JOHN\t01/02/1980\t03/04/2024\t03/04/2024\t99213\tM545\t123456789\tA-1\t1234567893\t62308\tFE1, FE2";
        match read_row(row, &header(HEADER).unwrap(), Section::Error) {
            Reading::Shifted(f) => {
                assert_eq!(f.get(Column::Diag), Some("M545"));
                assert_eq!(f.get(Column::Errors), Some("FE1, FE2"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn garbage_row_is_doubtful_and_keeps_no_bad_date() {
        let row = format!("{:<57}{:<13}{}", "3)     29270X6979  P1", "13/45/1977", "12/08/2022");
        match read_row(&row, &header(HEADER).unwrap(), Section::Error) {
            Reading::Doubtful(f, bad) => {
                assert_eq!(bad, [Column::ClaimId, Column::Dob]);
                assert!(f.get(Column::Dob).is_none() && f.get(Column::ClaimId).is_none());
                assert_eq!(f.get(Column::FromDos), Some("12/08/2022"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn name_swallowing_a_date_is_not_aligned() {
        // Tabs expand so that the DOB lands under LAST,FIRST and the dates slide one column.
        let row = "3)\t3200000003\tM1000003\tROE,ANN\t03/03/1973\t04/30/2024\t04/30/2024\t97110\tM545\t123456789\tT-3\t1234567893\t62308\tFE69";
        match read_row(row, &header(HEADER).unwrap(), Section::Error) {
            Reading::Shifted(f) => {
                assert_eq!(f.get(Column::Name), Some("ROE,ANN"));
                assert_eq!(f.get(Column::Dob), Some("03/03/1973"));
                assert_eq!(f.get(Column::ToDos), Some("04/30/2024"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn accepted_row_without_errors_or_diag() {
        let row = "1)\t1111111111 M1 DOE,JANE 01/02/1990 03/04/2024 03/04/2024 97110 123456789 A1 1234567893 62308";
        match read_row(row, &header(HEADER).unwrap(), Section::Accepted) {
            Reading::Shifted(f) => {
                assert_eq!(f.get(Column::Errors), None);
                assert_eq!(f.get(Column::Diag), None);
                assert_eq!(f.get(Column::Payer), Some("62308"));
            }
            other => panic!("{other:?}"),
        }
    }
}
