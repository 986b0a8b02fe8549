//! Columns located from the header line's words, and rows cut along them.
//!
//! A column starts where its header word starts and ends where the next header word (known
//! or not) starts. Rows are cut at those points, except that a value straddling a cut (a
//! 10-digit File ID printed where the header was laid out for 9, a right-aligned amount
//! wider than its header) goes whole to the side holding most of its characters.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use claimtrack_plugin_sdk::text::{find_ci, tokens};

use crate::layout::{COLUMN_WORDS, Col, HEADER_REQUIRED};

#[derive(Debug, PartialEq)]
pub struct Columns {
    /// Start (character index) of every header column, known or not, in order.
    starts: Vec<(usize, Option<Col>)>,
    /// Header words no known column claimed, as printed (column titles, never data).
    pub unknown: Vec<String>,
}

/// Every spelling of every column as words, longest first (stable, so the table's order
/// breaks ties).
fn spellings() -> &'static [(Col, Vec<&'static str>)] {
    static SPELLINGS: OnceLock<Vec<(Col, Vec<&'static str>)>> = OnceLock::new();
    SPELLINGS.get_or_init(|| {
        let mut v: Vec<(Col, Vec<&'static str>)> = COLUMN_WORDS
            .iter()
            .flat_map(|(col, names)| names.iter().map(move |n| (*col, n.split_whitespace().collect::<Vec<_>>())))
            .collect();
        v.sort_by_key(|(_, w)| std::cmp::Reverse((w.len(), w.iter().map(|s| s.len()).sum::<usize>())));
        v
    })
}

impl Columns {
    /// The columns of `line` when it is the table's header (it names every column of
    /// [`HEADER_REQUIRED`]).
    pub fn from_header(line: &str) -> Option<Columns> {
        // Every line of a report is offered; most are rows, and rows have no Status title.
        let mut status_titles = COLUMN_WORDS.iter().filter(|(c, _)| *c == Col::Status).flat_map(|(_, n)| n.iter());
        if !status_titles.any(|t| find_ci(line, t).is_some()) {
            return None;
        }
        let ws = tokens(line);
        if ws.is_empty() {
            return None;
        }
        let mut claimed = vec![false; ws.len()];
        let mut found: BTreeMap<Col, (usize, usize)> = BTreeMap::new();
        for (col, spelling) in spellings() {
            if found.contains_key(col) {
                continue;
            }
            let n = spelling.len();
            let hit = (0..ws.len().saturating_sub(n - 1)).find(|&i| {
                (i..i + n).all(|k| !claimed[k])
                    && spelling.iter().zip(&ws[i..i + n]).all(|(s, w)| w.text.eq_ignore_ascii_case(s))
            });
            if let Some(i) = hit {
                claimed[i..i + n].iter_mut().for_each(|c| *c = true);
                found.insert(*col, (i, i + n));
            }
        }
        if !HEADER_REQUIRED.iter().all(|c| found.contains_key(c)) {
            return None;
        }
        let mut starts: Vec<(usize, Option<Col>)> = found.iter().map(|(c, (i, _))| (ws[*i].start, Some(*c))).collect();
        // Unclaimed words are columns we do not read; they still end the column before them.
        // Words one space apart are one title ("Provider NPI").
        let mut unknown = Vec::new();
        let mut i = 0;
        while i < ws.len() {
            if claimed[i] {
                i += 1;
                continue;
            }
            let first = i;
            while i + 1 < ws.len() && !claimed[i + 1] && ws[i + 1].start == ws[i].end + 1 {
                i += 1;
            }
            starts.push((ws[first].start, None));
            unknown.push(ws[first..=i].iter().map(|w| w.text).collect::<Vec<_>>().join(" "));
            i += 1;
        }
        starts.sort_by_key(|(s, _)| *s);
        Some(Columns { starts, unknown })
    }

    pub fn start(&self, col: Col) -> Option<usize> {
        self.starts.iter().find(|(_, c)| *c == Some(col)).map(|(s, _)| *s)
    }

    pub fn has(&self, col: Col) -> bool {
        self.start(col).is_some()
    }

    /// The known columns this header lacks.
    pub fn missing(&self) -> Vec<Col> {
        COLUMN_WORDS.iter().map(|(c, _)| *c).filter(|c| !self.has(*c)).collect()
    }

    /// Cut a row into its columns' values (trimmed; `None` when blank).
    pub fn cut(&self, row: &str) -> Row {
        // Sized by the bytes (as many as the characters of an ASCII row): collected
        // without growing.
        let mut chars: Vec<char> = Vec::with_capacity(row.len());
        chars.extend(row.chars());
        let len = chars.len();
        let blank = |i: usize| chars.get(i).is_none_or(|c| c.is_whitespace());
        let mut cuts = Vec::with_capacity(self.starts.len() + 1);
        // The first column takes whatever lies left of its header too.
        cuts.push(0);
        for (start, _) in self.starts.iter().skip(1) {
            let mut c = (*start).min(len);
            if c > 0 && c < len && !blank(c - 1) && !blank(c) {
                let mut rs = c;
                while rs > 0 && !blank(rs - 1) {
                    rs -= 1;
                }
                let mut re = c;
                while re < len && !blank(re) {
                    re += 1;
                }
                c = if re - c > c - rs { rs } else { re };
            }
            let prev = cuts.last().copied().unwrap_or(0);
            cuts.push(c.max(prev));
        }
        cuts.push(len.max(cuts.last().copied().unwrap_or(0)));
        let mut values = BTreeMap::new();
        for (k, (_, col)) in self.starts.iter().enumerate() {
            let (Some(col), Some(&a), Some(&b)) = (col, cuts.get(k), cuts.get(k + 1)) else { continue };
            // Trimmed before it is collected: one string per value, not two.
            let v = &chars[a.min(len)..b.min(len)];
            let from = v.iter().position(|c| !c.is_whitespace()).unwrap_or(v.len());
            let to = v.iter().rposition(|c| !c.is_whitespace()).map_or(from, |i| i + 1);
            if from < to {
                values.insert(*col, v[from..to].iter().collect());
            }
        }
        Row { values }
    }
}

#[derive(Debug, Default)]
pub struct Row {
    values: BTreeMap<Col, String>,
}

impl Row {
    pub fn get(&self, col: Col) -> Option<&str> {
        self.values.get(&col).map(String::as_str)
    }

    /// The value, moved out (an event keeps the row's own string instead of a copy).
    pub fn take(&mut self, col: Col) -> Option<String> {
        self.values.remove(&col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header with each title at the given start, as OA's 9-digit-era report would print it
    /// if its titles start where medcubics' offsets start.
    pub(crate) fn header_at(titles: &[(usize, &str)]) -> String {
        let mut s = String::new();
        for (at, t) in titles {
            while s.len() < *at {
                s.push(' ');
            }
            s.push_str(t);
        }
        s
    }

    pub(crate) const MEDCUBICS: &[(usize, &str)] = &[
        (4, "File ID"),
        (14, "OA Claim ID"),
        (26, "Acct#"),
        (41, "Patient Name"),
        (61, "Amount"),
        (73, "PracticeID"),
        (84, "Tax ID"),
        (95, "Payer ID"),
        (105, "Payer Proc Date"),
        (122, "Payer Ref ID"),
        (142, "Status"),
        (152, "Payer Response"),
    ];

    #[test]
    fn header_words_give_medcubics_offsets() {
        let c = Columns::from_header(&header_at(MEDCUBICS)).expect("header");
        let got: Vec<(Col, usize)> =
            COLUMN_WORDS.iter().filter_map(|(col, _)| c.start(*col).map(|s| (*col, s))).collect();
        let want: Vec<(Col, usize)> =
            COLUMN_WORDS.iter().map(|(c, _)| *c).zip(MEDCUBICS.iter().map(|(a, _)| *a)).collect();
        assert_eq!(got, want);
        assert!(c.unknown.is_empty());
        assert!(c.missing().is_empty());
    }

    #[test]
    fn not_a_header() {
        assert!(Columns::from_header("File ID\t\tPayer (PayerID)   Claims  Totals").is_none());
        assert!(Columns::from_header("CLAIM# OA CLAIMID  PATIENT ID   LAST,FIRST  ERRORS").is_none());
        assert!(Columns::from_header("").is_none());
    }

    #[test]
    fn unknown_titles_end_the_column_before() {
        let c = Columns::from_header("File ID    Claim ID    Provider NPI   Status   Response").unwrap();
        assert_eq!(c.unknown, ["Provider NPI"]);
        let r = c.cut("123456789  1234567890  1234567893     REJECTED Bad NPI");
        assert_eq!(r.get(Col::ClaimId), Some("1234567890"));
        assert_eq!(r.get(Col::Status), Some("REJECTED"));
        assert_eq!(r.get(Col::Response), Some("Bad NPI"));
        assert!(c.missing().contains(&Col::Acct));
    }

    #[test]
    fn straddling_values_go_to_the_side_holding_most_of_them() {
        let c = Columns::from_header("    File ID  Claim ID   Amount Status").unwrap();
        // A 10-digit File ID spills one character into the Claim ID column, the Claim ID
        // into the Amount column, and the amount runs into the Status column.
        let r = c.cut("    1026454084 2927096977 $1,250.00 ACCEPTED");
        assert_eq!(r.get(Col::FileId), Some("1026454084"));
        assert_eq!(r.get(Col::ClaimId), Some("2927096977"));
        assert_eq!(r.get(Col::Amount), Some("$1,250.00"));
        assert_eq!(r.get(Col::Status), Some("ACCEPTED"));
    }

    #[test]
    fn short_rows_leave_later_columns_empty() {
        let c = Columns::from_header(&header_at(MEDCUBICS)).unwrap();
        let r = c.cut("    882990025 2927096977");
        assert_eq!(r.get(Col::ClaimId), Some("2927096977"));
        assert_eq!(r.get(Col::Status), None);
    }
}
