//! Helpers for plugins reading text reports (clearinghouse and payer printouts).
//!
//! A report is read as [`lines`] (whatever its line ends, byte order mark or encoding); a
//! line's columns are counted in characters after [`expand_tabs`], and [`tokens`] gives the
//! words of a line with the columns they start and end at. The value helpers read what such
//! reports print: [`date_mdy`] for US dates, [`money_cents`] for dollar amounts,
//! [`person_name`] for "LAST,FIRST" names.
//!
//! What a given report prints (its tab width, whether it uses two-digit years) is the
//! plugin's to say: it stays in the plugin's layout module and is passed in here.

use crate::x12;
use crate::Position;

/// The UTF-8 byte order mark some Windows tools put at the start of a file.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One line of a report, without its line end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// 1-based.
    pub number: u32,
    /// 0-based byte offset of the line's first byte in the file.
    pub offset: u64,
    pub text: String,
}

impl Line {
    /// The line, with its byte offset, for diagnostics and events.
    pub fn position(&self) -> Position {
        Position { byte_offset: Some(self.offset), ..Position::line(self.number) }
    }

    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// A report split into lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text {
    pub lines: Vec<Line>,
    /// A UTF-8 byte order mark was skipped.
    pub bom: bool,
    /// How many lines were not valid UTF-8 and were read as Latin-1.
    pub latin1_lines: usize,
}

/// Split a report into lines on LF, CRLF, or a lone CR when the file has no LF at all (old
/// Mac exports). A leading byte order mark is skipped (offsets still count it). A line that
/// is not valid UTF-8 is read as Latin-1, every byte one `char`, as the X12 tokenizer does:
/// no file is refused for its encoding and no byte is lost.
pub fn lines(bytes: &[u8]) -> Text {
    let (bom, body) = match bytes.strip_prefix(BOM) {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    let sep = if body.contains(&b'\n') { b'\n' } else { b'\r' };
    let mut text = Text { lines: Vec::new(), bom, latin1_lines: 0 };
    let mut offset = if bom { BOM.len() as u64 } else { 0 };
    let mut pieces = body.split(|&b| b == sep).peekable();
    let mut number = 0u32;
    while let Some(piece) = pieces.next() {
        // The empty piece after a final line end is not a line.
        if piece.is_empty() && pieces.peek().is_none() {
            break;
        }
        number = number.saturating_add(1);
        let content = piece.strip_suffix(b"\r").unwrap_or(piece);
        let decoded = match std::str::from_utf8(content) {
            Ok(s) => s.to_string(),
            Err(_) => {
                text.latin1_lines += 1;
                content.iter().map(|&b| b as char).collect()
            }
        };
        text.lines.push(Line { number, offset, text: decoded });
        offset += piece.len() as u64 + 1;
    }
    text
}

/// NUL bytes do not occur in text reports; zips and other binaries have them early.
pub fn looks_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(4096).any(|&b| b == 0)
}

/// The line as a printer lays it out, so that character indexes are columns: tabs expanded
/// to the next multiple of `tab_width`, form feeds (a new printed page) taking no column,
/// other control characters shown as one space.
pub fn expand_tabs(s: &str, tab_width: usize) -> String {
    // Most report lines are printable ASCII with nothing to expand or replace.
    if s.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return s.to_string();
    }
    let tab_width = tab_width.max(1);
    let mut out = String::with_capacity(s.len());
    let mut col = 0usize;
    for c in s.chars() {
        match c {
            '\t' => {
                let n = tab_width - col % tab_width;
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            '\x0c' => {}
            c if c.is_control() => {
                out.push(' ');
                col += 1;
            }
            c => {
                out.push(c);
                col += 1;
            }
        }
    }
    out
}

/// A whitespace-separated word of a line and where it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    /// Column (character index) of its first character.
    pub start: usize,
    /// Column just past its last character.
    pub end: usize,
    pub text: &'a str,
}

/// The whitespace-separated words of `s` with their columns (character indexes: expand
/// tabs first when they should count as columns).
pub fn tokens(s: &str) -> Vec<Token<'_>> {
    if s.is_ascii() {
        return ascii_tokens(s);
    }
    let mut out = Vec::new();
    // (column, byte index) where the current token started.
    let mut open: Option<(usize, usize)> = None;
    let mut col = 0;
    for (col_here, (byte, c)) in s.char_indices().enumerate() {
        col = col_here + 1;
        match (c.is_whitespace(), open) {
            (false, None) => open = Some((col_here, byte)),
            (true, Some((start, from))) => {
                out.push(Token { start, end: col_here, text: &s[from..byte] });
                open = None;
            }
            _ => {}
        }
    }
    if let Some((start, from)) = open {
        out.push(Token { start, end: col, text: &s[from..] });
    }
    out
}

/// [`tokens`] of an ASCII line, where columns are byte indexes: the same tokens without
/// decoding characters (report parsers tokenize every line).
fn ascii_tokens(s: &str) -> Vec<Token<'_>> {
    // `char::is_whitespace` of the ASCII characters (it includes the vertical tab, which
    // `u8::is_ascii_whitespace` does not).
    let blank = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if blank(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !blank(b[i]) {
            i += 1;
        }
        out.push(Token { start, end: i, text: &s[start..i] });
    }
    out
}

/// ASCII case-insensitive `haystack.find(needle)`, as a byte offset into `haystack`.
pub fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    // Jump from one occurrence of the needle's first byte (in either case) to the next
    // rather than comparing at every position: report parsers search every line.
    let last = h.len().checked_sub(n.len())?;
    let (lower, upper) = (n[0].to_ascii_lowercase(), n[0].to_ascii_uppercase());
    let mut from = 0;
    while from <= last {
        let at = from + h[from..=last].iter().position(|&b| b == lower || b == upper)?;
        if h[at..at + n.len()].eq_ignore_ascii_case(n) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// ASCII case-insensitive `s.starts_with(prefix)`.
pub fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.as_bytes().get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Runs of whitespace collapsed to one space, ends trimmed.
pub fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A ruler line ("-----", "=====", "+---+"): made only of `chars` and whitespace, with at
/// least `min` of `chars`. Which characters rule a report's lines is the plugin's to say.
pub fn is_separator(line: &str, chars: &[char], min: usize) -> bool {
    line.chars().all(|c| c.is_whitespace() || chars.contains(&c))
        && line.chars().filter(|c| chars.contains(c)).count() >= min
}

/// One or more ASCII digits and nothing else.
pub fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// How many digits a report prints in the year of an M/D/Y date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YearDigits {
    /// `MM/DD/YYYY` only.
    Four,
    /// `MM/DD/YYYY` or `MM/DD/YY`, a two-digit year being 20YY (fit for report and process
    /// dates, not for birth dates).
    FourOrTwo,
}

/// A US date as printed, `MM/DD/YYYY` (or `M/D/YYYY`; `MM/DD/YY` when `years` allows it), →
/// ISO `YYYY-MM-DD`, when it is a real calendar date. Surrounding spaces are ignored;
/// anything else (a time after it, other separators) makes it not a date.
pub fn date_mdy(s: &str, years: YearDigits) -> Option<String> {
    let (y, m, d) = mdy(s, years)?;
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// `date_mdy(s, years).is_some()`, without building the string: reports test many values
/// for being dates.
pub fn is_date_mdy(s: &str, years: YearDigits) -> bool {
    mdy(s, years).is_some()
}

/// (year, month, day) of [`date_mdy`]'s dates.
fn mdy(s: &str, years: YearDigits) -> Option<(u32, u32, u32)> {
    let mut parts = s.trim().split('/');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    let day_or_month = |p: &str| (1..=2).contains(&p.len()) && is_digits(p);
    if parts.next().is_some() || !day_or_month(m) || !day_or_month(d) || !is_digits(y) {
        return None;
    }
    let y: u32 = match (y.len(), years) {
        (4, _) => y.parse().ok()?,
        (2, YearDigits::FourOrTwo) => 2000 + y.parse::<u32>().ok()?,
        _ => return None,
    };
    let (m, d) = (m.parse().ok()?, d.parse().ok()?);
    x12::valid_ymd(y, m, d).then_some((y, m, d))
}

/// A dollar amount as printed → cents: `$1,234.50`, `1234.5`, `-$5.00`, `$-5.00`, `($5.00)`,
/// `5.00-`. One sign at most; spaces around the sign, parentheses or `$` are ignored, commas
/// in the number are thousands separators. The number itself is read by
/// [`x12::amount_cents`].
pub fn money_cents(s: &str) -> Option<i64> {
    let s = s.trim();
    let (mut neg, s) = if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        (true, inner.trim())
    } else if let Some(rest) = s.strip_prefix('-') {
        (true, rest.trim_start())
    } else if let Some(rest) = s.strip_suffix('-') {
        (true, rest.trim_end())
    } else {
        (false, s)
    };
    let mut s = s.strip_prefix('$').map_or(s, str::trim_start);
    if !neg && let Some(rest) = s.strip_prefix('-') {
        neg = true;
        s = rest;
    }
    if s.is_empty() || s.starts_with(['-', '+']) {
        return None;
    }
    let number: String = s.chars().filter(|&c| c != ',').collect();
    x12::amount_cents(&number).map(|c| if neg { -c } else { c })
}

/// The fields of one CSV line, as payer portals export them (RFC 4180 quoting): fields are
/// separated by commas; a field in double quotes may hold commas, and `""` inside quotes is
/// one quote. Nothing is trimmed. Each line is read on its own (use [`lines`] first): a
/// quoted field running over a line end is not joined, and an unterminated quote runs to the
/// end of the line.
///
/// ```
/// use claimtrack_plugin_sdk::text::csv_fields;
/// assert_eq!(csv_fields(r#"PCN1,"DOE, JANE",,"say ""hi""""#), ["PCN1", "DOE, JANE", "", r#"say "hi""#]);
/// ```
pub fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            // A quote opens quoting only at the start of a field; elsewhere it is text.
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// A printed person name as "LAST, FIRST MIDDLE" (the form [`x12::Segment::person_name`]
/// gives): single spaces, one space after the first comma, no trailing comma. A name without
/// a comma is kept as printed (which word is the last name cannot be told); `None` when
/// blank.
pub fn person_name(s: &str) -> Option<String> {
    let words = squeeze(s);
    let name = match words.split_once(',') {
        Some((last, first)) => format!("{}, {}", last.trim(), first.trim()),
        None => words,
    };
    let name = name.trim().trim_end_matches(',').trim();
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The character-by-character definitions the fast paths must agree with.
    fn tokens_by_char(s: &str) -> Vec<Token<'_>> {
        let mut out = Vec::new();
        let mut open: Option<(usize, usize)> = None;
        let mut col = 0;
        for (col_here, (byte, c)) in s.char_indices().enumerate() {
            col = col_here + 1;
            match (c.is_whitespace(), open) {
                (false, None) => open = Some((col_here, byte)),
                (true, Some((start, from))) => {
                    out.push(Token { start, end: col_here, text: &s[from..byte] });
                    open = None;
                }
                _ => {}
            }
        }
        if let Some((start, from)) = open {
            out.push(Token { start, end: col, text: &s[from..] });
        }
        out
    }

    #[test]
    fn fast_paths_agree_with_the_character_definitions() {
        let every_ascii: String = (0u8..128).map(char::from).collect();
        let samples = [
            "", " ", "  a  bb\tccc\x0bd\x0ce\rf\ng\x1ch ", "ACCNT#  1234   JANE DOE", every_ascii.as_str(),
            "Payer Proc Date", "FILE  ID\t\tSTATUS", "  trailing   ",
        ];
        for s in samples {
            assert_eq!(tokens(s), tokens_by_char(s), "{s:?}");
            let naive = |h: &str, n: &str| h.as_bytes().windows(n.len()).position(|w| w.eq_ignore_ascii_case(n.as_bytes()));
            for n in ["a", "ID", "status", "proc date", "#", "\t", "zz", "Payer Proc Date!"] {
                assert_eq!(find_ci(s, n), naive(s, n), "{s:?} {n:?}");
            }
        }
        assert_eq!(expand_tabs("A\tB", 4), "A   B");
        assert_eq!(expand_tabs("plain line", 8), "plain line");
    }

    fn texts(b: &[u8]) -> Vec<String> {
        lines(b).lines.into_iter().map(|l| l.text).collect()
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_fields("a,b,,c"), ["a", "b", "", "c"]);
        assert_eq!(csv_fields(""), [""]);
        assert_eq!(csv_fields(r#""DOE, JANE",x"#), ["DOE, JANE", "x"]);
        assert_eq!(csv_fields(r#""a ""b"" c""#), [r#"a "b" c"#]);
        assert_eq!(csv_fields(r#"5" wide,"open"#), [r#"5" wide"#, "open"]);
    }

    #[test]
    fn line_ends() {
        assert_eq!(texts(b"a\nb\n"), ["a", "b"]);
        assert_eq!(texts(b"a\r\nb\r\n\r\n"), ["a", "b", ""]);
        assert_eq!(texts(b"a\rb"), ["a", "b"]);
        assert_eq!(texts(b"one\rtwo\r"), ["one", "two"]);
        assert_eq!(texts(b"a\r\nb"), ["a", "b"]);
        // An LF anywhere makes LF the line end; a lone CR is then part of the line's text.
        assert_eq!(texts(b"a\rb\nc"), ["a\rb", "c"]);
        assert!(texts(b"").is_empty());
        assert_eq!(texts(b"\n"), [""]);
    }

    #[test]
    fn numbers_offsets_and_bom() {
        let t = lines(b"\xEF\xBB\xBFab\r\n\tc\r\nd");
        assert!(t.bom);
        let got: Vec<(u32, u64)> = t.lines.iter().map(|l| (l.number, l.offset)).collect();
        assert_eq!(got, [(1, 3), (2, 7), (3, 11)]);
        let p = t.lines[1].position();
        assert_eq!((p.line, p.byte_offset), (Some(2), Some(7)));
        assert!(!lines(b"ab").bom);
        assert_eq!(lines(b"ab").lines[0].offset, 0);
    }

    #[test]
    fn non_utf8_lines_are_latin1() {
        let t = lines(b"caf\xC3\xA9\ntw\xE9\nx\xFFy\n");
        assert_eq!(t.lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(), ["café", "tw\u{e9}", "x\u{ff}y"]);
        assert_eq!(t.latin1_lines, 2);
    }

    #[test]
    fn blank_lines_and_binary() {
        let t = lines(b"  \t\nx");
        assert!(t.lines[0].is_blank() && !t.lines[1].is_blank());
        assert!(looks_binary(b"PK\x03\x04\x00\x00"));
        assert!(!looks_binary(b"plain text\r\n"));
        let mut late = vec![b'a'; 5000];
        late.push(0);
        assert!(!looks_binary(&late), "only the first 4096 bytes are looked at");
    }

    #[test]
    fn tabs_expand_to_columns() {
        let c = expand_tabs("ab\tc\t\td", 8);
        assert_eq!(c, format!("ab{}c{}d", " ".repeat(6), " ".repeat(15)));
        assert_eq!(expand_tabs("\tc", 4), "    c");
        assert_eq!(expand_tabs("d\te", 8), "d       e");
        // A page break takes no column; another control character takes one.
        assert_eq!(expand_tabs("\x0cab\x01c", 8), "ab c");
        assert_eq!(expand_tabs("a\tb", 0), "a b", "a zero width is one");
        assert_eq!(expand_tabs("é\tx", 4), "é   x", "columns are characters, not bytes");
    }

    #[test]
    fn tokens_with_columns() {
        let c = expand_tabs("ab\tc\t\td", 8);
        let got: Vec<(usize, usize, &str)> = tokens(&c).iter().map(|t| (t.start, t.end, t.text)).collect();
        assert_eq!(got, [(0, 2, "ab"), (8, 9, "c"), (24, 25, "d")]);
        let got: Vec<(usize, usize, &str)> = tokens("  é  xy ").iter().map(|t| (t.start, t.end, t.text)).collect();
        assert_eq!(got, [(2, 3, "é"), (5, 7, "xy")]);
        assert!(tokens("   ").is_empty());
        assert!(tokens("").is_empty());
    }

    #[test]
    fn case_insensitive() {
        assert_eq!(find_ci("the Master File with", "master file"), Some(4));
        assert_eq!(find_ci("é master", "master"), Some(3));
        assert_eq!(find_ci("abc", ""), Some(0));
        assert_eq!(find_ci("ab", "abc"), None);
        assert!(starts_with_ci("Dear x", "dear "));
        assert!(!starts_with_ci("De", "dear "));
        assert!(starts_with_ci("anything", ""));
    }

    #[test]
    fn separators() {
        let rule = |s: &str| is_separator(s, &['-', '=', '+'], 3);
        assert!(rule("   ------------  ----- "));
        assert!(rule("======"));
        assert!(rule("+---+"));
        assert!(rule("- - -"));
        assert!(!rule("--"));
        assert!(!rule("- -"), "spaces do not count");
        assert!(!rule("-- Total --"));
        assert!(!rule("***"), "only the given characters");
        assert!(!rule(""));
    }

    #[test]
    fn squeeze_and_digits() {
        assert_eq!(squeeze("  a \t b\n c  "), "a b c");
        assert_eq!(squeeze("   "), "");
        assert!(is_digits("0123456789"));
        assert!(!is_digits(""));
        assert!(!is_digits("12a"));
        assert!(!is_digits("-1"));
        assert!(!is_digits("１"), "ASCII digits only");
    }

    #[test]
    fn dates() {
        use YearDigits::{Four, FourOrTwo};
        assert_eq!(date_mdy("12/08/2022", Four).as_deref(), Some("2022-12-08"));
        assert_eq!(date_mdy(" 2/9/2020 ", Four).as_deref(), Some("2020-02-09"));
        assert_eq!(date_mdy("10/19/21", FourOrTwo).as_deref(), Some("2021-10-19"));
        assert_eq!(date_mdy("1/9/21", FourOrTwo).as_deref(), Some("2021-01-09"));
        assert_eq!(date_mdy("10/19/2021", FourOrTwo).as_deref(), Some("2021-10-19"));
        assert_eq!(date_mdy("12/08/22", Four), None);
        assert_eq!(date_mdy("02/29/2021", Four), None);
        assert_eq!(date_mdy("02/29/2020", Four).as_deref(), Some("2020-02-29"));
        assert_eq!(date_mdy("02/30/21", FourOrTwo), None);
        assert_eq!(date_mdy("13/01/2021", Four), None);
        assert_eq!(date_mdy("001/01/2021", Four), None);
        assert_eq!(date_mdy("1/1/202", FourOrTwo), None);
        assert_eq!(date_mdy("10/19-2021", FourOrTwo), None);
        assert_eq!(date_mdy("1/9/2021 10:15", Four), None, "the caller picks the word");
        assert_eq!(date_mdy("2022-12-08", Four), None);
        assert_eq!(date_mdy("+1/01/2021", Four), None);
        assert_eq!(date_mdy("", Four), None);
        for s in ["12/08/2022", "10/19/21", "02/29/2021", "02/29/2020", "13/01/2021", "1/1/202", "", "x"] {
            for y in [Four, FourOrTwo] {
                assert_eq!(is_date_mdy(s, y), date_mdy(s, y).is_some(), "{s:?} {y:?}");
            }
        }
    }

    #[test]
    fn money() {
        assert_eq!(money_cents("$400.00"), Some(40000));
        assert_eq!(money_cents("$1,234.50"), Some(123450));
        assert_eq!(money_cents("  250.00 "), Some(25000));
        assert_eq!(money_cents("75"), Some(7500));
        assert_eq!(money_cents("$12"), Some(1200));
        assert_eq!(money_cents("-$5.25"), Some(-525));
        assert_eq!(money_cents("$-5.25"), Some(-525));
        assert_eq!(money_cents("($5.25)"), Some(-525));
        assert_eq!(money_cents("( $5.25 )"), Some(-525));
        assert_eq!(money_cents("5.00-"), Some(-500));
        assert_eq!(money_cents("$ 5.00"), Some(500));
        assert_eq!(money_cents("$"), None);
        assert_eq!(money_cents("()"), None);
        assert_eq!(money_cents("-"), None);
        assert_eq!(money_cents("$4x0"), None);
        assert_eq!(money_cents("$--1"), None);
        assert_eq!(money_cents("-5.00-"), None, "one sign at most");
        assert_eq!(money_cents("($-5.00)"), None, "one sign at most");
        assert_eq!(money_cents("+5.00"), None);
        assert_eq!(money_cents("N/A"), None);
        assert_eq!(money_cents("12.3.4"), None);
        assert_eq!(money_cents("1 234.50"), None);
        assert_eq!(money_cents(""), None);
    }

    #[test]
    fn person_names() {
        assert_eq!(person_name("DOE,JANE").as_deref(), Some("DOE, JANE"));
        assert_eq!(person_name("  SMITH ,  JOHN   Q ").as_deref(), Some("SMITH, JOHN Q"));
        assert_eq!(person_name("DOE ,  JANE  Q").as_deref(), Some("DOE, JANE Q"));
        assert_eq!(person_name("TEST TEST").as_deref(), Some("TEST TEST"));
        assert_eq!(person_name("ROE").as_deref(), Some("ROE"));
        assert_eq!(person_name("DOE,").as_deref(), Some("DOE"));
        assert_eq!(person_name("DOE,JANE,").as_deref(), Some("DOE, JANE"));
        assert_eq!(person_name("  "), None);
        assert_eq!(person_name(","), None);
    }
}
