//! The X12 tokenizer every X12 plugin shares.
//!
//! It turns bytes into interchanges → groups → transaction sets → segments, tolerating what
//! real files do (x12-reference.md §1.2 and §11):
//! - delimiters found by *counting* element separators in the ISA, not by fixed offsets, so
//!   unpadded ISAs and 80-column wrapping inside the ISA still work;
//! - a UTF-8 BOM, leading whitespace, CR/LF pretty-printing and indentation;
//! - a newline, CR or control byte (0x1D) as the segment terminator, and multi-byte ones ("…");
//! - several ISA envelopes in one file, each with its own delimiters;
//! - SE/GE/IEA count and control-number mismatches, reported as warnings naming the segment;
//! - a truncated file, reported as an error naming the position, keeping what was complete.
//!
//! Fields are decoded as Latin-1 (every byte is one `char`), so no input is rejected for
//! not being UTF-8. Only a missing ISA or degenerate delimiters fail the whole file.
//!
//! [`parse`] builds the whole [`Document`]. [`Reader`] is the same tokenizer handing out a
//! transaction set's segments one at a time (for a plugin's `Parser::stream`), keeping only
//! the envelopes and the diagnostics, which it gives in the same order.

use std::borrow::Cow;
use std::collections::VecDeque;

use crate::{Diagnostic, FileMetadata, MalformedDetail, ParseError, Party, Position};

/// The delimiters of one interchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delimiters {
    pub element: u8,
    pub component: u8,
    /// ISA11 when ISA12 ≥ 00402 and it is not alphanumeric; `None` for 4010 files.
    pub repetition: Option<u8>,
    /// One byte usually; several for a multi-byte UTF-8 terminator.
    pub segment: Vec<u8>,
}

/// One segment, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Segment id, upper-cased (only the id: data is never changed).
    pub id: String,
    /// Elements after the id, as sent (trailing empties kept). `elements[0]` is element 01.
    pub elements: Elements,
    /// 1-based ordinal of this segment in the whole file.
    pub index: u32,
    /// 1-based line of the file on which the segment starts.
    pub line: u32,
    /// 0-based byte offset in the file where the segment starts.
    pub offset: u64,
    pub component_separator: char,
    pub repetition_separator: Option<char>,
    /// False for a last segment the file ended inside (no terminator after it): its last
    /// element may be cut short, e.g. half a claim id.
    pub terminated: bool,
}

/// The elements of a segment, in order: `elements[0]` is element 01.
///
/// One string holds them all, with where each lies in it: a large file has millions of
/// elements, and one allocation per segment instead of one per element is most of the
/// tokenizer's speed (inside the WebAssembly sandbox, allocation is slower still).
/// A whole file's segments can be in memory at once ([`parse`]), so the layout is kept small too: boxed
/// slices (no spare capacity, one word less each) and one offset per element rather than
/// two, its start being just past the separator that ends the element before it.
#[derive(Clone, Default)]
pub struct Elements {
    text: Box<str>,
    /// Byte offset in `text` of the separator before each element, then of the text's end:
    /// element `i` is between the separator at `ends[i]` and `ends[i + 1]`. Empty when
    /// there are no elements.
    ends: Box<[u32]>,
}

impl Elements {
    /// The elements of a segment's `text`, whose first `separator` is at byte `at`: the id
    /// before it stays in the text, outside every element.
    fn after_id(text: String, at: usize, separator: char) -> Self {
        let width = separator.len_utf8();
        let mut ends = Vec::with_capacity(text[at..].matches(separator).count() + 1);
        ends.push(at as u32);
        let base = at + width;
        ends.extend(text[base..].match_indices(separator).map(|(i, _)| (base + i) as u32));
        ends.push(text.len() as u32);
        Elements { text: text.into_boxed_str(), ends: ends.into_boxed_slice() }
    }

    /// The element between the separator at byte `sep` and byte `end`.
    #[inline]
    fn between(&self, sep: u32, end: u32) -> &str {
        let sep = sep as usize;
        // The separator is one character; its first byte says how long it is.
        let width = match self.text.as_bytes()[sep] {
            0..=0x7F => 1,
            0x80..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        &self.text[sep + width..end as usize]
    }

    /// Number of elements, trailing empties included.
    pub fn len(&self) -> usize {
        self.ends.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element `i` (0-based) as sent, untrimmed.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i.checked_add(1)?)?;
        Some(self.between(self.ends[i], end))
    }

    /// Every element as sent, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator + Clone + '_ {
        self.ends.windows(2).map(|w| self.between(w[0], w[1]))
    }
}

impl std::ops::Index<usize> for Elements {
    type Output = str;
    fn index(&self, i: usize) -> &str {
        match self.get(i) {
            Some(e) => e,
            None => panic!("element index {i} out of range for a segment with {} elements", self.len()),
        }
    }
}

impl<'a> IntoIterator for &'a Elements {
    type Item = &'a str;
    type IntoIter = Box<dyn DoubleEndedIterator<Item = &'a str> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// Equal when the elements are, however they are stored.
impl PartialEq for Elements {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Elements {}

/// Shown as a list of strings, like the `Vec<String>` it stands for.
impl std::fmt::Debug for Elements {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Built from separate strings (tests, hand-made segments).
impl<S: AsRef<str>> FromIterator<S> for Elements {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut text = String::new();
        let mut ends = Vec::new();
        for s in iter {
            // Any one character stands for the separator: it is skipped, never searched for.
            ends.push(text.len() as u32);
            text.push('*');
            text.push_str(s.as_ref());
        }
        if !ends.is_empty() {
            ends.push(text.len() as u32);
        }
        Elements { text: text.into_boxed_str(), ends: ends.into_boxed_slice() }
    }
}

impl Segment {
    /// Element `n` in X12 numbering (1 = the first after the id), trimmed; "" when absent.
    #[inline]
    pub fn get(&self, n: usize) -> &str {
        if n == 0 {
            return &self.id;
        }
        self.elements.get(n - 1).map(trim).unwrap_or("")
    }

    /// Element `n`, or `None` when absent or blank.
    #[inline]
    pub fn opt(&self, n: usize) -> Option<&str> {
        let v = self.get(n);
        if v.is_empty() { None } else { Some(v) }
    }

    /// Element `n` as an owned `Option<String>`.
    pub fn string(&self, n: usize) -> Option<String> {
        self.opt(n).map(str::to_string)
    }

    /// The components of element `n` (at least one, possibly empty).
    pub fn components(&self, n: usize) -> Vec<&str> {
        self.get(n).split(self.component_separator).map(str::trim).collect()
    }

    /// Component `c` (1-based) of element `n`; "" when absent.
    pub fn component(&self, n: usize, c: usize) -> &str {
        if c == 0 {
            return "";
        }
        self.get(n).split(self.component_separator).nth(c - 1).map(str::trim).unwrap_or("")
    }

    /// Component `c` of element `n`, or `None` when absent or blank.
    pub fn component_opt(&self, n: usize, c: usize) -> Option<&str> {
        let v = self.component(n, c);
        if v.is_empty() { None } else { Some(v) }
    }

    /// The repetitions of element `n` (one when the interchange has no repetition separator).
    pub fn repetitions(&self, n: usize) -> Vec<&str> {
        match self.repetition_separator {
            Some(r) => self.get(n).split(r).collect(),
            None => vec![self.get(n)],
        }
    }

    /// Number of elements after the id, trailing empties excluded.
    pub fn len(&self) -> usize {
        self.elements.iter().rposition(|e| !e.trim().is_empty()).map_or(0, |i| i + 1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An NM1 name as "LAST, FIRST MIDDLE" (NM103, NM104, NM105), or the organisation name;
    /// `None` when all three are blank.
    pub fn person_name(&self) -> Option<String> {
        let last = self.opt(3);
        let given: Vec<&str> = [self.opt(4), self.opt(5)].into_iter().flatten().collect();
        match (last, given.is_empty()) {
            (Some(l), true) => Some(l.to_string()),
            (Some(l), false) => Some(format!("{l}, {}", given.join(" "))),
            (None, false) => Some(given.join(" ")),
            (None, true) => None,
        }
    }

    /// Where this segment is, for diagnostics and reasons.
    pub fn position(&self) -> Position {
        Position {
            segment_index: Some(self.index),
            segment_id: Some(self.id.clone()),
            line: Some(self.line),
            byte_offset: Some(self.offset),
            element: None,
        }
    }

    /// Where element `element` (e.g. "CLM05-3") of this segment is.
    pub fn position_at(&self, element: impl Into<String>) -> Position {
        Position { element: Some(element.into()), ..self.position() }
    }
}

/// `s.trim()`, without decoding characters in the usual case of an element that starts and
/// ends with a visible ASCII character (plugins read elements through [`Segment::get`] all
/// the time, and inside WebAssembly the general trim is a call and a loop).
#[inline]
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// ST … SE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub st: Segment,
    /// Segments between ST and SE, exclusive.
    pub body: Vec<Segment>,
    /// `None` when the file ended (or a new ST/GE/IEA/ISA came) before SE.
    pub se: Option<Segment>,
}

impl Transaction {
    /// ST01, e.g. "999", "277", "835".
    pub fn kind(&self) -> &str {
        self.st.get(1)
    }
    /// ST02.
    pub fn control_number(&self) -> &str {
        self.st.get(2)
    }
}

/// GS … GE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The GS. Synthesized (index 0, no elements) when a transaction set had no GS.
    pub gs: Segment,
    pub transactions: Vec<Transaction>,
    pub ge: Option<Segment>,
}

impl Group {
    /// GS01 functional identifier code, e.g. "FA", "HN", "HP".
    pub fn functional_id(&self) -> &str {
        self.gs.get(1)
    }
    /// GS06.
    pub fn control_number(&self) -> &str {
        self.gs.get(6)
    }
    /// GS08, e.g. "005010X231A1".
    pub fn version(&self) -> &str {
        self.gs.get(8)
    }
}

/// ISA … IEA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interchange {
    /// The ISA. Synthesized (index 0, no elements) for a file that starts at GS or ST.
    pub isa: Segment,
    pub delimiters: Delimiters,
    /// Segments at interchange level outside any group (TA1, and anything unexpected).
    pub interchange_segments: Vec<Segment>,
    pub groups: Vec<Group>,
    pub iea: Option<Segment>,
}

impl Interchange {
    /// ISA13.
    pub fn control_number(&self) -> &str {
        self.isa.get(13)
    }
    /// ISA06 with its qualifier ISA05.
    pub fn sender(&self) -> Option<Party> {
        party(&self.isa, 6, 5)
    }
    /// ISA08 with its qualifier ISA07.
    pub fn receiver(&self) -> Option<Party> {
        party(&self.isa, 8, 7)
    }
    /// ISA09 + ISA10 as ISO 8601 (`20YY-MM-DDTHH:MM`), when valid.
    pub fn created(&self) -> Option<String> {
        let d = date_yymmdd(self.isa.get(9))?;
        match time_hhmm(self.isa.get(10)) {
            Some(t) => Some(format!("{d}T{t}")),
            None => Some(d),
        }
    }
    /// ISA15 as "production" / "test" / "information".
    pub fn usage(&self) -> Option<String> {
        match self.isa.get(15) {
            "P" => Some("production".into()),
            "T" => Some("test".into()),
            "I" => Some("information".into()),
            _ => None,
        }
    }
    /// Every transaction set of every group, with its group.
    pub fn transactions(&self) -> impl Iterator<Item = (&Group, &Transaction)> {
        self.groups.iter().flat_map(|g| g.transactions.iter().map(move |t| (g, t)))
    }
}

fn party(seg: &Segment, id: usize, qual: usize) -> Option<Party> {
    let value = seg.opt(id)?;
    Some(Party { name: None, id: Some(value.to_string()), id_qualifier: seg.string(qual) })
}

/// A tokenized file.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub interchanges: Vec<Interchange>,
    /// What was tolerated (warnings) or could not be read (errors).
    pub diagnostics: Vec<Diagnostic>,
    /// Total number of segments in the file.
    pub segment_count: u32,
}

impl Document {
    /// Every transaction set in the file, with its interchange and group.
    pub fn transactions(&self) -> impl Iterator<Item = (&Interchange, &Group, &Transaction)> {
        self.interchanges
            .iter()
            .flat_map(|i| i.groups.iter().flat_map(move |g| g.transactions.iter().map(move |t| (i, g, t))))
    }

    /// File metadata filled from the envelopes: control numbers in file order, the first
    /// interchange's sender/receiver/date/usage, the first group's GS08.
    pub fn metadata(&self, format_id: &str) -> FileMetadata {
        let mut m = FileMetadata::new(format_id);
        for ic in &self.interchanges {
            if let Some(n) = ic.isa.opt(13) {
                m.interchange_control_numbers.push(n.to_string());
            }
            for g in &ic.groups {
                if let Some(n) = g.gs.opt(6) {
                    m.group_control_numbers.push(n.to_string());
                }
                if m.implementation.is_none() {
                    m.implementation = g.gs.string(8).or_else(|| g.transactions.first().and_then(|t| t.st.string(3)));
                }
                for t in &g.transactions {
                    if let Some(n) = t.st.opt(2) {
                        m.transaction_set_control_numbers.push(n.to_string());
                    }
                }
            }
        }
        if let Some(first) = self.interchanges.first() {
            m.sender = first.sender();
            m.receiver = first.receiver();
            m.created = first.created();
            m.usage = first.usage();
        }
        m
    }
}

/// What the first bytes of a file say, for `sniff`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    /// GS01 of the first group, e.g. "FA".
    pub functional_id: Option<String>,
    /// ST01 of the first transaction set, e.g. "999".
    pub transaction_kind: Option<String>,
    /// GS08 (or ST03) of the first group, e.g. "005010X214".
    pub version: Option<String>,
    /// Whether a TA1 segment appears before the first GS.
    pub has_ta1: bool,
}

/// Peek at the first bytes of a file. `None` when it does not look like X12 at all.
/// A head cut mid-segment is fine: only complete segments are read.
pub fn sniff_head(head: &[u8]) -> Option<Head> {
    let (start, _) = skip_preamble(head);
    let body = &head[start..];
    let starts_isa = body.len() >= 4 && body[..3].eq_ignore_ascii_case(b"ISA");
    let starts_st = body.starts_with(b"ST*") || body.starts_with(b"GS*");
    if !starts_isa && !starts_st {
        return None;
    }
    let delims = if starts_isa {
        detect_delimiters(body).ok()?.0
    } else {
        Delimiters { element: b'*', component: b':', repetition: None, segment: b"~".to_vec() }
    };
    let mut out = Head::default();
    for raw in split_segments(body, &delims).take(64).filter(|r| r.terminated) {
        let text: String = raw.bytes.iter().map(|&b| b as char).collect();
        let mut parts = text.trim().split(delims.element as char);
        let id = parts.next().unwrap_or("").trim().to_ascii_uppercase();
        let els: Vec<&str> = parts.collect();
        let el = |n: usize| els.get(n - 1).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        match id.as_str() {
            "TA1" if out.functional_id.is_none() => out.has_ta1 = true,
            "GS" if out.functional_id.is_none() => {
                out.functional_id = el(1);
                out.version = el(8);
            }
            "ST" => {
                out.transaction_kind = el(1);
                if out.version.is_none() {
                    out.version = el(3);
                }
                break;
            }
            _ => {}
        }
    }
    Some(out)
}

/// Tokenize a whole file.
///
/// Returns `Err(ParseError::Malformed)` only when no interchange can be found (no ISA, GS or
/// ST at the start) or the ISA's delimiters are degenerate. Everything else is a diagnostic.
pub fn parse(bytes: &[u8]) -> Result<Document, ParseError> {
    let mut reader = Reader::new(bytes)?;
    reader.keep_bodies = true;
    Ok(reader.finish())
}

// ---------------------------------------------------------------------------------------
// Value helpers shared by X12 plugins.

/// An X12 decimal amount ("125.5", "-45", ".50") in integer cents, rounding half away from
/// zero past the second decimal. `None` when it is not a number.
pub fn amount_cents(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || int.len() > 15
    {
        return None;
    }
    let whole: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let fb = frac.as_bytes();
    let d = |i: usize| fb.get(i).map_or(0, |b| i64::from(b - b'0'));
    let mut cents = whole.checked_mul(100)? + d(0) * 10 + d(1);
    if d(2) >= 5 {
        cents += 1;
    }
    Some(if neg { -cents } else { cents })
}

/// CCYYMMDD → `YYYY-MM-DD`, when it is a real calendar date.
pub fn date_ccyymmdd(s: &str) -> Option<String> {
    let s = s.trim();
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, m, d) = (&s[0..4], &s[4..6], &s[6..8]);
    valid_ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).then(|| format!("{y}-{m}-{d}"))
}

/// YYMMDD (ISA09, TA102) → `20YY-MM-DD`.
pub fn date_yymmdd(s: &str) -> Option<String> {
    let s = s.trim();
    if s.len() != 6 {
        return None;
    }
    date_ccyymmdd(&format!("20{s}"))
}

/// HHMM[SS] → `HH:MM[:SS]`.
pub fn time_hhmm(s: &str) -> Option<String> {
    let s = s.trim();
    if !(s.len() == 4 || s.len() >= 6) || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: u32 = s[0..2].parse().ok()?;
    let m: u32 = s[2..4].parse().ok()?;
    if h > 23 || m > 59 {
        return None;
    }
    if s.len() >= 6 {
        let sec: u32 = s[4..6].parse().ok()?;
        if sec > 59 {
            return None;
        }
        return Some(format!("{}:{}:{}", &s[0..2], &s[2..4], &s[4..6]));
    }
    Some(format!("{}:{}", &s[0..2], &s[2..4]))
}

/// A DTP/DTM date by its format qualifier: D8 (CCYYMMDD) → one date; RD8
/// (CCYYMMDD-CCYYMMDD) → a range. Returns (from, to).
pub fn date_period(qualifier: &str, value: &str) -> Option<(String, Option<String>)> {
    match qualifier.trim() {
        "RD8" => {
            let (a, b) = value.split_once('-')?;
            Some((date_ccyymmdd(a)?, Some(date_ccyymmdd(b)?)))
        }
        _ => Some((date_ccyymmdd(value)?, None)),
    }
}

/// A calendar date in 1900–2200.
pub(crate) fn valid_ymd(y: u32, m: u32, d: u32) -> bool {
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2200).contains(&y) && (1..=days).contains(&d)
}

// ---------------------------------------------------------------------------------------
// Tokenizer internals.

/// A raw segment slice with its byte offset in the file.
struct RawSegment<'a> {
    bytes: &'a [u8],
    offset: usize,
    /// Whether a terminator followed it (false only for an unterminated last segment).
    terminated: bool,
}

/// BOM and leading whitespace/NULs: returns (offset of first real byte, BOM seen).
fn skip_preamble(bytes: &[u8]) -> (usize, bool) {
    let mut i = 0;
    let bom = bytes.starts_with(&[0xEF, 0xBB, 0xBF]);
    if bom {
        i = 3;
    }
    while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == 0) {
        i += 1;
    }
    (i, bom)
}

fn is_line_break(b: u8) -> bool {
    b == b'\r' || b == b'\n'
}

/// Detect the delimiters of the ISA at the start of `data` by counting element separators
/// (x12-reference.md §1.2). Returns the delimiters and the byte length of the ISA segment
/// including its terminator, and whether the ISA was fixed-width.
fn detect_delimiters(data: &[u8]) -> Result<(Delimiters, usize, bool), String> {
    if data.len() < 4 {
        return Err("file ends inside the ISA segment".into());
    }
    let e = data[3];
    if e.is_ascii_alphanumeric() || e == b' ' || is_line_break(e) {
        return Err(format!("ISA element separator {:?} is a letter, digit or space", e as char));
    }
    // The 16th element separator starts ISA16; CR/LF inside the ISA are wrapping.
    let mut count = 0;
    let mut i = 3;
    while i < data.len() {
        if data[i] == e {
            count += 1;
            if count == 16 {
                break;
            }
        }
        i += 1;
    }
    if count < 16 {
        return Err("file ends inside the ISA segment (fewer than 16 elements)".into());
    }
    let mut j = i + 1;
    while j < data.len() && is_line_break(data[j]) {
        j += 1;
    }
    let component = *data.get(j).ok_or("file ends before ISA16")?;
    // The terminator: skip CR/LF, spaces and tabs; a printable non-alphanumeric or control
    // byte is the terminator; a letter means the newline itself terminated the ISA.
    let mut k = j + 1;
    let mut first_break = None;
    while k < data.len() && matches!(data[k], b'\r' | b'\n' | b' ' | b'\t') {
        if first_break.is_none() && is_line_break(data[k]) {
            first_break = Some(data[k]);
        }
        k += 1;
    }
    let (segment, isa_len) = match data.get(k) {
        Some(&b) if b.is_ascii_alphanumeric() => match first_break {
            Some(nl) => {
                let pos = j + 1 + data[j + 1..].iter().position(|&x| x == nl).unwrap_or(0);
                (vec![nl], pos + 1)
            }
            None => return Err("no segment terminator after ISA16".into()),
        },
        Some(&b) if b >= 0x80 => {
            // A multi-byte UTF-8 terminator such as "…" (E2 80 A6).
            let width = match b {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => 1,
            };
            let end = (k + width).min(data.len());
            (data[k..end].to_vec(), end)
        }
        Some(&b) => (vec![b], k + 1),
        None if first_break.is_some() => (vec![first_break.unwrap_or(b'\n')], data.len()),
        None => return Err("file ends right after ISA16".into()),
    };
    // ISA11/ISA12 by counting too.
    let isa_text: Vec<u8> = data[..i].iter().copied().filter(|&b| !is_line_break(b)).collect();
    let fields: Vec<&[u8]> = isa_text.split(|&b| b == e).collect();
    let isa11 = fields.get(11).copied().unwrap_or(b"");
    let isa12 = fields.get(12).map(|f| String::from_utf8_lossy(f).trim().to_string()).unwrap_or_default();
    let repetition = match (isa11.first(), isa12.as_str() >= "00402") {
        (Some(&r), true) if isa11.len() == 1 && !r.is_ascii_alphanumeric() && r != b' ' => Some(r),
        _ => None,
    };
    let fixed = i == 103 && segment.len() == 1 && data.get(105) == Some(&segment[0]);
    let d = Delimiters { element: e, component, repetition, segment };
    let mut all = vec![d.element, d.component];
    all.extend(d.repetition);
    if d.segment.len() == 1 {
        all.push(d.segment[0]);
    }
    let mut sorted = all.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != all.len() {
        return Err(format!(
            "ISA delimiters are not distinct (element {:?}, component {:?}, segment {:?})",
            d.element as char, d.component as char, String::from_utf8_lossy(&d.segment)
        ));
    }
    Ok((d, isa_len, fixed))
}

/// Split `data` into raw segments on the terminator. When the terminator is not a line
/// break, CR/LF bytes are wrapping or pretty-printing and are removed by the caller when
/// decoding; here they are simply part of the slice.
fn split_segments<'a>(data: &'a [u8], d: &'a Delimiters) -> Splitter<'a> {
    Splitter { data, term: &d.segment, pos: 0 }
}

/// The iterator of [`split_segments`]. `Clone`, so the tokenizer can look ahead at the raw
/// segments of a transaction set (to size its body) without decoding them.
#[derive(Clone)]
struct Splitter<'a> {
    data: &'a [u8],
    term: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Splitter<'a> {
    type Item = RawSegment<'a>;

    fn next(&mut self) -> Option<RawSegment<'a>> {
        let (data, term, start) = (self.data, self.term, self.pos);
        if start >= data.len() {
            return None;
        }
        let (slice, next, terminated) = match find(&data[start..], term).map(|i| start + i) {
            Some(e) => (&data[start..e], e + term.len(), true),
            None => (&data[start..], data.len(), false),
        };
        self.pos = next;
        Some(RawSegment { bytes: slice, offset: start, terminated })
    }
}

/// Whether `b` is skipped around a segment (`Tokenizer::decode` trims these).
fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t' || b == 0 || is_line_break(b)
}

/// How many segments the transaction set body starting at `raws` will have: the raw
/// segments before the next SE, ST, GS, GE or IEA, blank ones aside. Only a capacity: a
/// wrapped or odd id makes it wrong, never the tokenizing.
fn body_len_hint(raws: Splitter<'_>, element: u8) -> usize {
    raws.filter_map(|r| {
        let lead = r.bytes.iter().position(|&b| !is_blank(b))?;
        let rest = &r.bytes[lead..];
        let id = &rest[..rest.iter().position(|&b| b == element).unwrap_or(rest.len())];
        let id = id.trim_ascii();
        Some(["SE", "ST", "GS", "GE", "IEA"].iter().any(|e| id.eq_ignore_ascii_case(e.as_bytes())))
    })
    .take_while(|&ends| !ends)
    .count()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() == 1 {
        return hay.iter().position(|&b| b == needle[0]);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Line numbers by counting line feeds, forward from the last offset asked about: segments
/// are decoded in file order, so the whole file is counted once, and no table of line starts
/// (a word per line) is kept.
#[derive(Default)]
struct Lines {
    offset: usize,
    /// 1-based line of `offset`.
    line: u32,
}

impl Lines {
    fn line_of(&mut self, bytes: &[u8], offset: usize) -> u32 {
        let offset = offset.min(bytes.len());
        if offset < self.offset || self.line == 0 {
            // Backwards (only for a diagnostic): count from the start.
            self.offset = 0;
            self.line = 1;
        }
        let feeds = bytes[self.offset..offset].iter().filter(|&&b| b == b'\n').count();
        self.line += feeds as u32;
        self.offset = offset;
        self.line
    }
}

/// The tokenizer's state that spans interchanges.
#[derive(Default)]
struct Tokenizer {
    lines: Lines,
    diagnostics: Vec<Diagnostic>,
    /// What was read of each interchange: its envelopes, and each transaction set's ST and
    /// SE (with its body too when bodies are kept).
    interchanges: Vec<Interchange>,
    index: u32,
    /// Warnings from decoding the segments of the current interchange (see `Reader::close`).
    decode_notes: Vec<Diagnostic>,
}

impl Tokenizer {
    fn at(&mut self, bytes: &[u8], offset: usize) -> Position {
        Position {
            segment_index: None,
            segment_id: None,
            line: Some(self.lines.line_of(bytes, offset)),
            byte_offset: Some(offset as u64),
            element: None,
        }
    }

    fn warn(&mut self, msg: String, pos: Position) {
        self.diagnostics.push(Diagnostic::warning(msg, Some(pos)));
    }

    /// Offset of the next "ISA<element separator>" that begins a segment (after a terminator
    /// and optional whitespace), so the name "ISAAC" in data never splits an interchange.
    fn find_next_isa(bytes: &[u8], from: usize, d: &Delimiters) -> Option<usize> {
        let mut i = from;
        while i < bytes.len() {
            let rel = find(&bytes[i..], &d.segment)?;
            let mut j = i + rel + d.segment.len();
            while j < bytes.len() && (bytes[j].is_ascii_whitespace() || bytes[j] == 0) {
                j += 1;
            }
            if bytes.len() >= j + 4 && bytes[j..j + 3].eq_ignore_ascii_case(b"ISA") && !bytes[j + 3].is_ascii_alphanumeric() {
                return Some(j);
            }
            i = i + rel + d.segment.len();
        }
        None
    }

    fn decode(&mut self, bytes: &[u8], raw: RawSegment<'_>, d: &Delimiters) -> Option<Segment> {
        // Leading blanks and line breaks are skipped (counted in `lead` so the offset names
        // the first real byte); line breaks inside are wrapping when the terminator is not
        // one itself, and are dropped.
        let strip_breaks = !d.segment.iter().all(|&b| is_line_break(b));
        let lead = raw
            .bytes
            .iter()
            .position(|&b| !is_blank(b))
            .unwrap_or(raw.bytes.len());
        let body = &raw.bytes[lead..];
        let owned = if strip_breaks && body.iter().any(|&b| is_line_break(b)) {
            body.iter().copied().filter(|&b| !is_line_break(b)).collect()
        } else {
            body.to_vec()
        };
        let mut text = decode_text(owned, d);
        // By bytes: these are ASCII, never part of a multi-byte character.
        let kept = text.bytes().rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0)).map_or(0, |i| i + 1);
        text.truncate(kept);
        if text.is_empty() {
            return None;
        }
        self.index += 1;
        let offset = raw.offset + lead;
        let separator = d.element as char;
        let id_end = text.find(separator).unwrap_or(text.len());
        let raw_id = text[..id_end].trim();
        let id = raw_id.to_ascii_uppercase();
        // Only a warning below needs the id as sent (and it is rare).
        let lower_case = (raw_id != id).then(|| format!("{raw_id:?}"));
        let elements = if id_end < text.len() { Elements::after_id(text, id_end, separator) } else { Elements::default() };
        let seg = Segment {
            id,
            elements,
            index: self.index,
            line: self.lines.line_of(bytes, offset),
            offset: offset as u64,
            component_separator: d.component as char,
            repetition_separator: d.repetition.map(|r| r as char),
            terminated: raw.terminated,
        };
        if !(2..=3).contains(&seg.id.len()) || !seg.id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            let shown: String = seg.id.chars().take(12).collect();
            let msg = format!("segment #{} has an invalid id {shown:?}; kept as unknown", seg.index);
            self.decode_notes.push(Diagnostic::warning(msg, Some(seg.position())));
        } else if let Some(raw_id) = lower_case {
            let msg = format!("segment #{} id {raw_id} is lower-case", seg.index);
            self.decode_notes.push(Diagnostic::warning(msg, Some(seg.position())));
        }
        Some(seg)
    }

    fn check_se(&mut self, st: &Segment, body_len: usize, se: &Segment) {
        let actual = body_len + 2;
        if se.get(1).parse::<usize>().ok() != Some(actual) {
            self.warn(
                format!("SE01 segment count is {:?} but transaction set {} has {actual} segments (segment #{})", se.get(1), st.get(2), se.index),
                se.position_at("SE01"),
            );
        }
        if se.get(2) != st.get(2) {
            self.warn(
                format!("SE02 control number {:?} does not match ST02 {:?} (segment #{})", se.get(2), st.get(2), se.index),
                se.position_at("SE02"),
            );
        }
    }

    fn check_ge(&mut self, g: &Group, ge: &Segment) {
        let actual = g.transactions.len();
        if ge.get(1).parse::<usize>().ok() != Some(actual) {
            self.warn(
                format!("GE01 transaction set count is {:?} but group {} has {actual} (segment #{})", ge.get(1), g.gs.get(6), ge.index),
                ge.position_at("GE01"),
            );
        }
        if ge.get(2).trim_start_matches('0') != g.gs.get(6).trim_start_matches('0') {
            self.warn(
                format!("GE02 control number {:?} does not match GS06 {:?} (segment #{})", ge.get(2), g.gs.get(6), ge.index),
                ge.position_at("GE02"),
            );
        }
    }

    fn check_iea(&mut self, ic: &Interchange, iea: &Segment) {
        let actual = ic.groups.len();
        if iea.get(1).parse::<usize>().ok() != Some(actual) {
            self.warn(
                format!("IEA01 group count is {:?} but the interchange has {actual} (segment #{})", iea.get(1), iea.index),
                iea.position_at("IEA01"),
            );
        }
        if ic.isa.index != 0 && iea.get(2) != ic.isa.get(13) {
            self.warn(
                format!("IEA02 control number {:?} does not match ISA13 {:?} (segment #{})", iea.get(2), ic.isa.get(13), iea.index),
                iea.position_at("IEA02"),
            );
        }
    }
}

/// What [`Reader::next`] hands out, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A transaction set begins: its ST, and the GS of its group (synthesized, index 0,
    /// when it has none).
    Start { st: Segment, gs: Segment },
    /// A segment between the ST and the SE of the transaction set begun last.
    Segment(Segment),
    /// The transaction set begun last ended: its SE, or `None` when it had none (the file
    /// ended, or an ST, GE or IEA came first; a diagnostic says which).
    End(Option<Segment>),
}

/// Reads a file a transaction set's segment at a time, so a plugin can turn a large file
/// into events without holding all its segments: [`parse`] is this reader keeping every
/// body. The envelopes (ISA, GS, each ST and SE) are kept either way, for
/// [`Reader::finish`]'s [`Document`] (metadata, control numbers). Diagnostics are kept
/// until then too, in the order [`parse`] gives them.
pub struct Reader<'a> {
    bytes: Cow<'a, [u8]>,
    tok: Tokenizer,
    /// Body segments go into the [`Document`]'s transaction sets instead of being handed out.
    keep_bodies: bool,
    phase: Phase,
    /// Read but not yet handed out (one segment can end one transaction set and begin the next).
    queue: VecDeque<Item>,
    /// Interchanges begun: a hard bound on the outer loop (each begins past the last).
    begun: usize,
}

enum Phase {
    /// The next interchange starts at this offset (whitespace skipped).
    Between(usize),
    Inside(Box<Open>),
    Done,
}

/// An interchange being read.
struct Open {
    start: usize,
    end: usize,
    d: Delimiters,
    /// Offset in `start..end` of the next raw segment.
    raw_pos: usize,
    ic: Interchange,
    /// `tok.diagnostics.len()` when the interchange began: decode notes go there.
    mark: usize,
    /// A segment read ahead (the first one, when the interchange has no ISA).
    pending: Option<Segment>,
    /// Where the last segment was, for the truncation message; its id is copied into one
    /// reused buffer rather than cloned for every segment.
    last: Option<(u64, u32, u32)>,
    last_id: String,
    group: Option<Group>,
    tx: Option<Transaction>,
    /// Body segments of `tx` (handed out or kept), for SE01.
    body_len: usize,
    /// The last segment, cut off by the end of the file (see `next_segment`).
    cut: Option<Segment>,
    /// The first segment was read.
    started: bool,
    /// The interchange had no segment at all: nothing of it is kept.
    empty: bool,
}

impl<'a> Reader<'a> {
    /// Starts reading `bytes`. Fails as [`parse`] does: when no interchange can be found
    /// (no ISA, GS or ST at the start) or the first ISA's delimiters cannot be read.
    pub fn new(bytes: impl Into<Cow<'a, [u8]>>) -> Result<Self, ParseError> {
        let bytes = bytes.into();
        let mut tok = Tokenizer::default();
        let (pos, bom) = skip_preamble(&bytes);
        if bom {
            tok.diagnostics.push(Diagnostic::info("UTF-8 byte order mark at the start of the file was skipped", None));
        }
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            return Err(malformed("the file is UTF-16 encoded; X12 files are single-byte text", Some(tok.at(&bytes, 0))));
        }
        if pos >= bytes.len() {
            return Err(malformed("the file is empty", None));
        }
        let rest = &bytes[pos..];
        let phase = if rest[..rest.len().min(3)].eq_ignore_ascii_case(b"ISA") {
            if let Err(msg) = detect_delimiters(rest) {
                return Err(malformed(msg, Some(tok.at(&bytes, pos))));
            }
            Phase::Between(pos)
        } else if rest.starts_with(b"ST*") || rest.starts_with(b"GS*") {
            let at = tok.at(&bytes, pos);
            tok.warn("no ISA envelope: the file starts at GS/ST; assumed delimiters * ~ :".into(), at);
            let d = Delimiters { element: b'*', component: b':', repetition: None, segment: b"~".to_vec() };
            Phase::Inside(Box::new(Open::new(pos, bytes.len(), d, tok.diagnostics.len())))
        } else {
            let shown: String = rest.iter().take(20).map(|&b| if b.is_ascii_graphic() || b == b' ' { b as char } else { '.' }).collect();
            return Err(malformed(format!("not an X12 file: it does not start with ISA (starts with {shown:?})"), Some(tok.at(&bytes, pos))));
        };
        Ok(Reader { bytes, tok, keep_bodies: false, phase, queue: VecDeque::new(), begun: 0 })
    }

    /// The next transaction set boundary or body segment; `None` at the end of the file.
    #[allow(clippy::should_implement_trait)] // not an Iterator: `finish` needs the reader back
    pub fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                return Some(item);
            }
            self.phase = match std::mem::replace(&mut self.phase, Phase::Done) {
                Phase::Done => return None,
                Phase::Between(pos) => self.begin(pos),
                Phase::Inside(mut open) => {
                    if self.step(&mut open) {
                        Phase::Inside(open)
                    } else {
                        self.close(*open)
                    }
                }
            };
        }
    }

    /// Reads what is left (handing none of it out) and returns the envelopes and the
    /// diagnostics.
    pub fn finish(mut self) -> Document {
        while self.next().is_some() {}
        let tok = self.tok;
        Document { interchanges: tok.interchanges, diagnostics: tok.diagnostics, segment_count: tok.index }
    }

    /// Begins the interchange at `pos`, or ends the file.
    fn begin(&mut self, pos: usize) -> Phase {
        let bytes = &self.bytes[..];
        self.begun += 1;
        let data = &bytes[pos.min(bytes.len())..];
        if data.is_empty() || self.begun > bytes.len() {
            return Phase::Done;
        }
        if !data[..data.len().min(3)].eq_ignore_ascii_case(b"ISA") {
            return self.trailing(pos);
        }
        if !data.starts_with(b"ISA") {
            let at = self.tok.at(bytes, pos);
            self.tok.warn("lower-case \"isa\" segment id accepted".into(), at);
        }
        let (d, isa_len, fixed) = match detect_delimiters(data) {
            Ok(v) => v,
            Err(msg) => {
                // The first ISA was checked by `new`: this is a later one.
                let at = self.tok.at(bytes, pos);
                self.tok.diagnostics.push(Diagnostic::error(format!("interchange starting here could not be read: {msg}"), Some(at)));
                return self.trailing(pos);
            }
        };
        if !fixed {
            let at = self.tok.at(bytes, pos);
            self.tok.warn("ISA is not the fixed 106 characters (unpadded or wrapped); delimiters were found by counting".into(), at);
        }
        // The interchange runs to the next ISA that starts right after a terminator.
        let end = Tokenizer::find_next_isa(bytes, pos + isa_len, &d).unwrap_or(bytes.len());
        Phase::Inside(Box::new(Open::new(pos, end, d, self.tok.diagnostics.len())))
    }

    /// The file ends at `pos`: anything after it is reported and ignored.
    fn trailing(&mut self, pos: usize) -> Phase {
        let len = self.bytes.len();
        if pos < len {
            let at = self.tok.at(&self.bytes, pos);
            self.tok.warn(format!("{} bytes after the last interchange were ignored", len - pos), at);
        }
        Phase::Done
    }

    /// The next segment of an interchange, `None` at its end. A file cut off inside a
    /// segment: that segment's last value may be partial (half a claim id, "200" of
    /// "2000.00"), so it is not passed on but left in `cut`. Envelope trailers carry no
    /// statuses and are kept: a file may simply lack its final terminator. Only the last
    /// raw segment can be unterminated, so no lookahead is needed to know it is the last.
    fn next_segment(&mut self, open: &mut Open) -> Option<Segment> {
        if let Some(s) = open.pending.take() {
            return Some(s);
        }
        let bytes = &self.bytes[..];
        let mut raws = Splitter { data: &bytes[open.start..open.end], term: &open.d.segment, pos: open.raw_pos };
        loop {
            let raw = raws.next()?;
            open.raw_pos = raws.pos;
            let raw = RawSegment { offset: raw.offset + open.start, ..raw };
            let Some(s) = self.tok.decode(bytes, raw, &open.d) else { continue };
            if !s.terminated && !matches!(s.id.as_str(), "SE" | "GE" | "IEA") {
                open.cut = Some(s);
                return None;
            }
            return Some(s);
        }
    }

    /// Reads one segment of the interchange; false at its end.
    fn step(&mut self, open: &mut Open) -> bool {
        if !open.started {
            open.started = true;
            // The ISA, or a stand-in when the file starts at GS or ST.
            match self.next_segment(open) {
                Some(s) if s.id == "ISA" => {
                    open.ic.isa = s;
                    return true;
                }
                Some(s) => {
                    open.ic.isa = open.synth("ISA", s.offset, s.line);
                    open.pending = Some(s);
                }
                None => {
                    open.empty = true;
                    return false;
                }
            }
        }
        let Some(seg) = self.next_segment(open) else { return false };
        open.last = Some((seg.offset, seg.line, seg.index));
        open.last_id.clear();
        open.last_id.push_str(&seg.id);
        match seg.id.as_str() {
            "ISA" => {
                // find_next_isa splits interchanges, so this is an ISA inside data.
                self.tok.warn(format!("unexpected ISA at segment #{}", seg.index), seg.position());
            }
            "GS" => {
                self.close_tx(open, &seg, "GS");
                self.close_group(open, &seg, "GS");
                open.group = Some(Group { gs: seg, transactions: Vec::new(), ge: None });
            }
            "ST" => {
                self.close_tx(open, &seg, "ST");
                if open.group.is_none() {
                    self.tok.warn(format!("ST at segment #{} is not inside a GS group", seg.index), seg.position());
                    open.group = Some(Group { gs: open.synth("GS", seg.offset, seg.line), transactions: Vec::new(), ge: None });
                }
                let body = if self.keep_bodies {
                    // Sized up front: a body grown by doubling holds up to twice the
                    // segments' size, and an 835 is often one transaction set of the file.
                    let raws = Splitter { data: &self.bytes[open.start..open.end], term: &open.d.segment, pos: open.raw_pos };
                    Vec::with_capacity(body_len_hint(raws, open.d.element))
                } else {
                    Vec::new()
                };
                let gs = open.group.as_ref().map_or_else(|| open.synth_at_start("GS"), |g| g.gs.clone());
                self.queue.push_back(Item::Start { st: seg.clone(), gs });
                open.tx = Some(Transaction { st: seg, body, se: None });
                open.body_len = 0;
            }
            "SE" => match open.tx.take() {
                Some(mut tx) => {
                    self.tok.check_se(&tx.st, open.body_len, &seg);
                    self.queue.push_back(Item::End(Some(seg.clone())));
                    tx.se = Some(seg);
                    open.group.get_or_insert_with(|| Group { gs: synth(&open.d, "GS", 0, 0), transactions: Vec::new(), ge: None }).transactions.push(tx);
                }
                None => self.tok.warn(format!("SE at segment #{} without an ST", seg.index), seg.position()),
            },
            "GE" => {
                self.close_tx(open, &seg, "GE");
                match open.group.take() {
                    Some(mut g) => {
                        self.tok.check_ge(&g, &seg);
                        g.ge = Some(seg);
                        open.ic.groups.push(g);
                    }
                    None => self.tok.warn(format!("GE at segment #{} without a GS", seg.index), seg.position()),
                }
            }
            "IEA" => {
                self.close_tx(open, &seg, "IEA");
                self.close_group(open, &seg, "IEA");
                self.tok.check_iea(&open.ic, &seg);
                open.ic.iea = Some(seg);
            }
            _ => {
                if open.ic.iea.is_some() {
                    self.tok.warn(format!("segment #{} {} after IEA was ignored", seg.index, seg.id), seg.position());
                } else if let Some(tx) = open.tx.as_mut() {
                    open.body_len += 1;
                    if self.keep_bodies {
                        tx.body.push(seg);
                    } else {
                        self.queue.push_back(Item::Segment(seg));
                    }
                } else if open.group.is_some() {
                    self.tok.warn(format!("segment #{} {} is outside any transaction set", seg.index, seg.id), seg.position());
                } else {
                    open.ic.interchange_segments.push(seg);
                }
            }
        }
        true
    }

    fn close_tx(&mut self, open: &mut Open, at: &Segment, by: &str) {
        if let Some(t) = open.tx.take() {
            self.tok.warn(format!("transaction set ST {} has no SE before {by} at segment #{}", t.st.get(2), at.index), at.position());
            self.queue.push_back(Item::End(None));
            open.group.get_or_insert_with(|| Group { gs: synthetic("GS", at), transactions: Vec::new(), ge: None }).transactions.push(t);
        }
    }

    fn close_group(&mut self, open: &mut Open, at: &Segment, by: &str) {
        if let Some(g) = open.group.take() {
            self.tok.warn(format!("group GS {} has no GE before {by} at segment #{}", g.gs.get(6), at.index), at.position());
            open.ic.groups.push(g);
        }
    }

    /// The interchange ended: what is still open means the file ended early. Returns where
    /// the next one begins.
    fn close(&mut self, mut open: Open) -> Phase {
        // Decoded segments were grouped as they came, but the diagnostics keep the order
        // they had when the whole interchange was decoded first: what decoding found, then
        // what the envelopes say.
        let decoded = std::mem::take(&mut self.tok.decode_notes);
        if !open.empty {
            let group_unclosed = open.group.as_ref().is_some_and(|g| g.gs.index != 0);
            let ic = &open.ic;
            if open.tx.is_some() || group_unclosed || (ic.iea.is_none() && ic.isa.index != 0) {
                let (offset, line, index, id) = match open.last {
                    Some((offset, line, index)) => (offset, line, index, std::mem::take(&mut open.last_id)),
                    None => (ic.isa.offset, ic.isa.line, ic.isa.index, "ISA".to_string()),
                };
                let missing: Vec<&str> = [open.tx.as_ref().map(|_| "SE"), group_unclosed.then_some("GE"), ic.iea.is_none().then_some("IEA")]
                    .into_iter()
                    .flatten()
                    .collect();
                let (message, pos) = match &open.cut {
                    Some(c) => (
                        format!(
                            "file is truncated: it ends inside segment #{} {} (line {}, byte {}), which was ignored, with no {}; statuses from the incomplete part may be missing",
                            c.index,
                            c.id,
                            c.line,
                            c.offset,
                            missing.join("/")
                        ),
                        c.position(),
                    ),
                    None => (
                        format!(
                            "file is truncated: it ends after segment #{index} {id} (line {line}, byte {offset}) with no {}; statuses from the incomplete part may be missing",
                            missing.join("/")
                        ),
                        Position { segment_index: Some(index), segment_id: Some(id), line: Some(line), byte_offset: Some(offset), element: None },
                    ),
                };
                self.tok.diagnostics.push(Diagnostic::error(message, Some(pos)));
            }
            if let Some(tx) = open.tx.take() {
                self.queue.push_back(Item::End(None));
                open.group.get_or_insert_with(|| Group { gs: synth(&open.d, "GS", 0, 0), transactions: Vec::new(), ge: None }).transactions.push(tx);
            }
            if let Some(g) = open.group.take() {
                open.ic.groups.push(g);
            }
            self.tok.interchanges.push(open.ic);
        }
        self.tok.diagnostics.splice(open.mark..open.mark, decoded);
        let bytes = &self.bytes[..];
        let mut pos = open.end;
        while pos < bytes.len() && (bytes[pos].is_ascii_whitespace() || bytes[pos] == 0) {
            pos += 1;
        }
        Phase::Between(pos)
    }
}

impl Open {
    fn new(start: usize, end: usize, d: Delimiters, mark: usize) -> Self {
        // Replaced by the ISA, or a stand-in, when the first segment is read.
        let isa = synth(&d, "", 0, 0);
        Open {
            start,
            end,
            ic: Interchange { isa, delimiters: d.clone(), interchange_segments: Vec::new(), groups: Vec::new(), iea: None },
            d,
            raw_pos: 0,
            mark,
            pending: None,
            last: None,
            last_id: String::new(),
            group: None,
            tx: None,
            body_len: 0,
            cut: None,
            started: false,
            empty: false,
        }
    }

    /// A stand-in for an envelope segment the interchange lacks.
    fn synth(&self, id: &str, offset: u64, line: u32) -> Segment {
        synth(&self.d, id, offset, line)
    }

    fn synth_at_start(&self, id: &str) -> Segment {
        synth(&self.d, id, 0, 0)
    }
}

/// Segment bytes as text: UTF-8 when they are valid UTF-8 (payers do send names with
/// accents), else Latin-1, where every byte is one `char`, so no file is refused for its
/// encoding. UTF-8 is only tried when the delimiters are ASCII, so splitting stays exact.
fn decode_text(bytes: Vec<u8>, d: &Delimiters) -> String {
    let ascii_delims = d.element.is_ascii() && d.component.is_ascii() && d.repetition.is_none_or(|r| r.is_ascii());
    if ascii_delims {
        match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => e.into_bytes().iter().map(|&b| b as char).collect(),
        }
    } else {
        bytes.iter().map(|&b| b as char).collect()
    }
}

/// A stand-in for an envelope segment (index 0, no elements) with `d`'s separators.
fn synth(d: &Delimiters, id: &str, offset: u64, line: u32) -> Segment {
    Segment {
        id: id.to_string(),
        elements: Elements::default(),
        index: 0,
        line,
        offset,
        component_separator: d.component as char,
        repetition_separator: d.repetition.map(|r| r as char),
        terminated: true,
    }
}

/// A stand-in for an envelope segment the file lacks, placed where `at` is.
fn synthetic(id: &str, at: &Segment) -> Segment {
    Segment { id: id.to_string(), elements: Elements::default(), index: 0, terminated: true, ..at.clone() }
}

fn malformed(message: impl Into<String>, position: Option<Position>) -> ParseError {
    ParseError::Malformed(MalformedDetail { message: message.into(), position })
}

pub mod codes;

#[cfg(test)]
mod tests;
