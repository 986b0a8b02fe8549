//! Bytes to report lines: line ends, byte order mark, encoding, tabs and page breaks.
//!
//! Column positions are counted in characters after tabs are expanded, so every line is
//! normalised the same way before the header or a row is looked at.

use claimtrack_plugin_sdk::Position;

/// Tab stops of a line printer.
const TAB: usize = 8;

pub struct Line {
    /// 1-based.
    pub no: u32,
    /// Byte offset of the line's first byte in the file.
    pub offset: u64,
    /// Tabs expanded, page breaks dropped, other control characters turned into spaces,
    /// trailing whitespace and the line end removed.
    pub text: String,
}

impl Line {
    pub fn position(&self) -> Position {
        Position { byte_offset: Some(self.offset), ..Position::line(self.no) }
    }

    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

pub struct Text {
    pub lines: Vec<Line>,
    pub bom: bool,
    /// Lines that were not valid UTF-8 and were read as Latin-1.
    pub latin1_lines: usize,
}

/// NUL bytes do not occur in text reports; zips and other binaries have them early.
pub fn looks_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(4096).any(|&b| b == 0)
}

pub fn split(bytes: &[u8]) -> Text {
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let start = if bom { 3 } else { 0 };
    // Old Mac files end lines with a bare CR; everything else has LF (CRLF's CR is dropped).
    let sep = if bytes.contains(&b'\n') { b'\n' } else { b'\r' };
    let mut lines = Vec::new();
    let mut latin1_lines = 0;
    let mut offset = start;
    let body = &bytes[start..];
    let mut pieces = body.split(|&b| b == sep).peekable();
    let mut no = 0u32;
    while let Some(raw) = pieces.next() {
        // A final line end leaves an empty piece that is not a line.
        if raw.is_empty() && pieces.peek().is_none() {
            break;
        }
        no = no.saturating_add(1);
        let raw_trimmed = raw.strip_suffix(b"\r").unwrap_or(raw);
        let decoded = match std::str::from_utf8(raw_trimmed) {
            Ok(s) => s.to_string(),
            Err(_) => {
                latin1_lines += 1;
                raw_trimmed.iter().map(|&b| b as char).collect()
            }
        };
        lines.push(Line { no, offset: offset as u64, text: normalise(&decoded) });
        offset += raw.len() + 1;
    }
    Text { lines, bom, latin1_lines }
}

fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut col = 0usize;
    for c in s.chars() {
        match c {
            '\t' => {
                let n = TAB - col % TAB;
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            // A form feed starts a printed page; it takes no column.
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
    out.truncate(out.trim_end().len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_offsets_tabs() {
        let t = split(b"\xEF\xBB\xBFab\r\n\tc\x0c  \r\nd\te");
        assert!(t.bom);
        let texts: Vec<&str> = t.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["ab", "        c", "d       e"]);
        let offsets: Vec<u64> = t.lines.iter().map(|l| l.offset).collect();
        assert_eq!(offsets, [3, 7, 14]);
        assert_eq!(t.lines[2].no, 3);
    }

    #[test]
    fn bare_cr_and_latin1() {
        let t = split(b"one\rtw\xE9\r");
        assert_eq!(t.lines.len(), 2);
        assert_eq!(t.lines[1].text, "tw\u{e9}");
        assert_eq!(t.latin1_lines, 1);
    }

    #[test]
    fn empty_file_has_no_lines() {
        assert!(split(b"").lines.is_empty());
        assert_eq!(split(b"\n").lines.len(), 1);
    }
}
