//! A file's segments for the file page: X12 split at each interchange's own terminator (found
//! by counting the ISA's element separators, as the plugins' tokenizer does, so unpadded ISAs
//! and several envelopes work), or a text report's lines. Each keeps the byte offset and line
//! it starts at: plugins report a statement's position as those, so the page marks the very
//! segment the statement came from.

/// One segment (or line) of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Where it starts in the file, in bytes (past leading blanks).
    pub offset: usize,
    /// The 1-based line it starts on.
    pub line: usize,
    /// Its text without the terminator, each byte one character (Latin-1, as plugins read
    /// X12), line breaks inside it dropped.
    pub text: String,
}

/// The segments of an X12 file, or the lines of anything else.
pub fn split(bytes: &[u8]) -> Vec<Segment> {
    let start = first_content(bytes);
    if bytes.len() >= start + 4 && bytes[start..start + 3].eq_ignore_ascii_case(b"ISA") {
        x12(bytes, start)
    } else {
        lines(bytes)
    }
}

/// Past a UTF-8 byte order mark and leading whitespace.
fn first_content(bytes: &[u8]) -> usize {
    let mut i = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) { 3 } else { 0 };
    while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == 0) {
        i += 1;
    }
    i
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

fn lines(bytes: &[u8]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut offset = 0;
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let text = raw.strip_suffix(b"\r").unwrap_or(raw);
        // No segment for the empty piece after a final newline.
        if !(offset + raw.len() == bytes.len() && raw.is_empty()) {
            out.push(Segment { offset, line: i + 1, text: String::from_utf8_lossy(text).into_owned() });
        }
        offset += raw.len() + 1;
    }
    out
}

/// The terminator of the interchange whose ISA starts at `isa`: the bytes after ISA16, the
/// element after the sixteenth element separator ("\r\n" counts as one terminator).
fn terminator(bytes: &[u8], isa: usize) -> Option<Vec<u8>> {
    let separator = *bytes.get(isa + 3)?;
    let mut seen = 0;
    let mut i = isa + 3;
    while i < bytes.len() {
        if bytes[i] == separator {
            seen += 1;
            if seen == 16 {
                // ISA16 is one byte; the terminator follows it.
                let t = *bytes.get(i + 2)?;
                return Some(if t == b'\r' && bytes.get(i + 3) == Some(&b'\n') { b"\r\n".to_vec() } else { vec![t] });
            }
        }
        i += 1;
    }
    None
}

fn x12(bytes: &[u8], start: usize) -> Vec<Segment> {
    let mut out = Vec::new();
    let Some(mut term) = terminator(bytes, start) else { return lines(bytes) };
    let (mut i, mut line, mut counted) = (start, 1, 0);
    while i < bytes.len() {
        let end = find(&bytes[i..], &term).map_or(bytes.len(), |r| i + r);
        let raw = &bytes[i..end];
        let lead = raw.iter().position(|&b| !(b.is_ascii_whitespace() || b == 0)).unwrap_or(raw.len());
        let offset = i + lead;
        line += bytes[counted..offset].iter().filter(|&&b| b == b'\n').count();
        counted = offset;
        let breaks_inside = !term.iter().all(|&b| b == b'\n' || b == b'\r');
        let body: Vec<u8> = raw[lead..].iter().copied().filter(|&b| !(breaks_inside && (b == b'\n' || b == b'\r'))).collect();
        let text = latin1(&body).trim_end().to_string();
        if !text.is_empty() {
            // Each interchange has its own delimiters.
            if text.len() >= 4 && text[..3].eq_ignore_ascii_case("ISA") && offset != start
                && let Some(t) = terminator(bytes, offset)
            {
                term = t;
                // Split this ISA again with its own terminator.
                if find(&bytes[offset..], &term).map_or(bytes.len(), |r| offset + r) != end {
                    i = offset;
                    continue;
                }
            }
            out.push(Segment { offset, line, text });
        }
        i = end + term.len();
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The segment that holds byte `offset`: the last one starting at or before it.
pub fn at_offset(segments: &[Segment], offset: usize) -> Option<usize> {
    segments.iter().rposition(|s| s.offset <= offset)
}

/// The segment starting on `line` (or the last one before it).
pub fn at_line(segments: &[Segment], line: usize) -> Option<usize> {
    segments.iter().rposition(|s| s.line <= line)
}

/// Whether a segment names `key` as a whole element (X12) or contains it (a text report).
pub fn names(segment: &str, key: &str) -> bool {
    !key.is_empty() && (segment.split(['*', '|', '^', ':']).any(|e| e.trim() == key) || (!segment.contains('*') && segment.contains(key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISA: &str = "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*OFFALLY        *260105*0930*^*00501*000000001*0*P*:~";

    #[test]
    fn x12_splits_at_the_isa_terminator_with_offsets_and_lines() {
        let file = format!("{ISA}\nGS*HC*X~ST*837*0001~CLM*PCN1*100~");
        let s = split(file.as_bytes());
        assert_eq!(s.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(), [ISA.trim_end_matches('~'), "GS*HC*X", "ST*837*0001", "CLM*PCN1*100"]);
        assert_eq!(s[1].offset, ISA.len() + 1, "past the newline");
        assert_eq!((s[0].line, s[1].line), (1, 2));
        assert_eq!(at_offset(&s, file.find("CLM").unwrap() + 4), Some(3));
        assert!(names(&s[3].text, "PCN1") && !names(&s[3].text, "PCN"));
    }

    #[test]
    fn an_unpadded_isa_and_a_second_envelope_with_other_delimiters() {
        let first = "ISA|00||00||ZZ|A|ZZ|B|260105|0930|^|00501|1|0|P|:!GS|HC!IEA|1|1!";
        let second = "ISA*00*  *00*  *ZZ*A*ZZ*B*260105*0930*^*00501*2*0*P*:~GS*HC~IEA*1*2~";
        let file = format!("{first}\n{second}");
        let s: Vec<String> = split(file.as_bytes()).into_iter().map(|s| s.text).collect();
        assert_eq!(s.len(), 6, "{s:?}");
        assert_eq!(s[1], "GS|HC");
        assert_eq!(s[4], "GS*HC");
    }

    #[test]
    fn text_reports_are_lines() {
        let s = split(b"Claim PCN1 rejected\r\nsecond\n");
        assert_eq!(s.len(), 2);
        assert_eq!((s[1].line, s[1].offset, s[1].text.as_str()), (2, 21, "second"));
        assert_eq!(at_line(&s, 2), Some(1));
        assert!(names("Claim PCN1 rejected", "PCN1"));
        assert!(split(b"").is_empty());
    }
}
