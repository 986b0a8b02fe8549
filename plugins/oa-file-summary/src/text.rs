//! Lines of a text report, whatever its line ends, and the small text helpers the readers
//! share.

use claimtrack_plugin_sdk::Position;

use crate::layout::TAB_WIDTH;

/// One line of the file, without its line end.
pub struct Line {
    /// 1-based.
    pub number: u32,
    /// 0-based byte offset of the line's first byte in the file.
    pub offset: u64,
    pub text: String,
}

impl Line {
    pub fn position(&self) -> Position {
        Position { byte_offset: Some(self.offset), ..Position::line(self.number) }
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Split into lines on LF, CRLF, or lone CR when the file has no LF at all (old Mac
/// exports). Bytes that are not UTF-8 are replaced, never rejected. Returns the lines and
/// whether a UTF-8 byte order mark was skipped.
pub fn lines(bytes: &[u8]) -> (Vec<Line>, bool) {
    let (bom, body) = match bytes.strip_prefix(BOM) {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    let start = if bom { BOM.len() as u64 } else { 0 };
    let sep = if body.contains(&b'\n') { b'\n' } else { b'\r' };
    let mut out = Vec::new();
    let mut offset = start;
    let mut pieces = body.split(|&b| b == sep).peekable();
    let mut number = 0u32;
    while let Some(piece) = pieces.next() {
        // The empty piece after a final line end is not a line.
        if piece.is_empty() && pieces.peek().is_none() {
            break;
        }
        number = number.saturating_add(1);
        let content = piece.strip_suffix(b"\r").unwrap_or(piece);
        out.push(Line { number, offset, text: String::from_utf8_lossy(content).into_owned() });
        offset += piece.len() as u64 + 1;
    }
    (out, bom)
}

/// The line's characters with tabs expanded to [`TAB_WIDTH`] stops, so that character
/// indexes are columns.
pub fn expand_tabs(s: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        if c == '\t' {
            let n = TAB_WIDTH - out.len() % TAB_WIDTH;
            out.extend(std::iter::repeat_n(' ', n));
        } else {
            out.push(c);
        }
    }
    out
}

/// Whitespace-separated tokens with the column each starts at.
pub fn tokens(chars: &[char]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() {
            i += 1;
        }
        out.push((start, chars[start..i].iter().collect()));
    }
    out
}

/// ASCII case-insensitive `haystack.find(needle)`, as a byte offset into `haystack`.
pub fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    h.windows(n.len()).position(|w| w.eq_ignore_ascii_case(n))
}

pub fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.as_bytes().get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Runs of whitespace collapsed to one space, ends trimmed.
pub fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(b: &[u8]) -> Vec<String> {
        lines(b).0.into_iter().map(|l| l.text).collect()
    }

    #[test]
    fn line_ends() {
        assert_eq!(texts(b"a\nb\n"), ["a", "b"]);
        assert_eq!(texts(b"a\r\nb\r\n\r\n"), ["a", "b", ""]);
        assert_eq!(texts(b"a\rb"), ["a", "b"]);
        assert_eq!(texts(b"a\r\nb"), ["a", "b"]);
        assert!(texts(b"").is_empty());
        let (ls, bom) = lines(b"\xEF\xBB\xBFab\r\ncd");
        assert!(bom);
        assert_eq!((ls[0].offset, ls[1].offset, ls[1].number), (3, 7, 2));
        assert_eq!(texts(b"a\xFFb"), ["a\u{FFFD}b"]);
    }

    #[test]
    fn tabs_and_tokens() {
        let c = expand_tabs("ab\tc\t\td");
        assert_eq!(c.iter().collect::<String>(), format!("ab{}c{}d", " ".repeat(6), " ".repeat(15)));
        assert_eq!(tokens(&c), vec![(0, "ab".into()), (8, "c".into()), (24, "d".into())]);
    }

    #[test]
    fn case_insensitive() {
        assert_eq!(find_ci("the Master File with", "master file"), Some(4));
        assert_eq!(find_ci("é master", "master"), Some(3));
        assert!(starts_with_ci("Dear x", "dear "));
        assert!(!starts_with_ci("De", "dear "));
    }
}
