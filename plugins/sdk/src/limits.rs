//! The limits the host enforces on a plugin's output, and a pass that keeps an output
//! inside them whatever bytes the file had.
//!
//! The host rejects a whole output for one bad field (control characters, a blank
//! identifier, a code longer than [`MAX_CODE`] bytes, more than [`MAX_REASONS`] reasons on an
//! event, a 0 line or segment index): a stray control byte in one field would otherwise cost
//! the user every status in the file. [`fit_host_limits`] replaces such characters, shortens
//! what is too long, and says how many values it touched (never which: they may be PHI).
//! `register_parser!` applies it to every chunk it sends, so plugin authors need not.
//!
//! The host's copy of these numbers is in `claimtrack::model::validate::limits`; a test in
//! the workspace keeps the two equal.

use crate::{CodeSet, Diagnostic, FileMetadata, ParseOutput, Party, Position, StatusEvent};

/// Longest code (reason code, CARC, edit code, qualifier, segment id, element).
pub const MAX_CODE: usize = 64;
/// Longest identifier (control numbers, claim ids, names, file names).
pub const MAX_ID: usize = 256;
/// Longest raw code ("A7:562:85", "IK5 R").
pub const MAX_RAW_CODE: usize = 256;
/// Longest description, free text or diagnostic message.
pub const MAX_TEXT: usize = 4096;
/// Most reasons on one event.
pub const MAX_REASONS: usize = 1_000;
/// Most modifiers on one service line.
pub const MAX_MODIFIERS: usize = 16;
/// Largest absolute amount, in cents (a trillion dollars).
pub const MAX_ABS_CENTS: i64 = 100_000_000_000_000;
/// Most entries in a claim's providers or diagnosis codes, and in a file's child files or
/// code totals.
pub const MAX_LIST: usize = 1_000;

#[derive(Default)]
struct Cleaner {
    touched: usize,
}

impl Cleaner {
    /// Control characters become U+FFFD (line breaks and tabs too when `single_line`), then
    /// the value is cut to `max` bytes on a character boundary.
    fn text(&mut self, s: &mut String, max: usize, single_line: bool) {
        // Nearly every value is printable ASCII, which has no control characters: a byte
        // check settles it without decoding characters (an output holds a million strings).
        if s.len() <= max && printable_ascii(s) {
            return;
        }
        let bad = |c: char| c.is_control() && (single_line || (c != '\n' && c != '\t'));
        if s.chars().any(bad) {
            *s = s.chars().map(|c| if bad(c) { '\u{FFFD}' } else { c }).collect();
            self.touched += 1;
        }
        if s.len() > max {
            // Room for the ellipsis, which is 3 bytes.
            let mut cut = max.saturating_sub(3);
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s.push('…');
            self.touched += 1;
        }
    }

    fn ident(&mut self, s: &mut String, max: usize) {
        self.text(s, max, true);
    }

    /// An optional identifier: cleaned, and `None` when nothing printable is left.
    fn opt(&mut self, v: &mut Option<String>, max: usize) {
        if let Some(s) = v.as_mut() {
            // The usual value: short printable ASCII with something besides spaces in it
            // (the only whitespace in printable ASCII is the space).
            if s.len() <= max && scan(s) == Some(true) {
                return;
            }
            self.ident(s, max);
            if s.trim().is_empty() {
                *v = None;
                self.touched += 1;
            }
        }
    }

    /// A list cut to [`MAX_LIST`] entries.
    fn list<T>(&mut self, v: &mut Vec<T>) {
        if v.len() > MAX_LIST {
            v.truncate(MAX_LIST);
            self.touched += 1;
        }
    }

    /// An amount beyond what the host accepts is dropped (the field then says "not stated").
    fn amount(&mut self, v: &mut Option<i64>) {
        // unsigned_abs: i64::MIN has no i64 absolute value (abs() panics or wraps).
        if v.is_some_and(|x| x.unsigned_abs() > MAX_ABS_CENTS as u64) {
            *v = None;
            self.touched += 1;
        }
    }

    fn position(&mut self, p: &mut Option<Position>) {
        if let Some(p) = p.as_mut() {
            if p.segment_index == Some(0) {
                p.segment_index = None;
            }
            if p.line == Some(0) {
                p.line = None;
            }
            self.opt(&mut p.segment_id, MAX_CODE);
            self.opt(&mut p.element, MAX_CODE);
        }
    }

    fn party(&mut self, p: &mut Option<Party>) {
        if let Some(p) = p.as_mut() {
            self.opt(&mut p.name, MAX_ID);
            self.opt(&mut p.id, MAX_ID);
            self.opt(&mut p.id_qualifier, MAX_CODE);
        }
    }
}

/// Whether every byte of `s` is printable ASCII (space to `~`).
#[inline]
fn printable_ascii(s: &str) -> bool {
    scan(s).is_some()
}

/// `Some(has a byte other than a space)` when every byte of `s` is printable ASCII, else
/// `None`. Eight bytes at a time: an output holds a million short strings and every one is
/// checked (twice, when a plugin's own `parse` already called `fit_host_limits`); inside
/// WebAssembly a byte loop pays an interruption check per byte.
#[inline]
fn scan(s: &str) -> Option<bool> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let bytes = s.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    let mut visible = false;
    for chunk in &mut chunks {
        let w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        // With no high bit set, these are exact: some byte below 0x20, some byte 0x7F.
        let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
        let del = (w ^ (ONES * 0x7f)).wrapping_sub(ONES) & !(w ^ (ONES * 0x7f)) & HIGH;
        if (w & HIGH) | control | del != 0 {
            return None;
        }
        visible |= w != ONES * u64::from(b' ');
    }
    for &b in chunks.remainder() {
        if !(b' '..=b'~').contains(&b) {
            return None;
        }
        visible |= b != b' ';
    }
    Some(visible)
}

/// Clean `out` so the host accepts it; adds one warning saying how many values changed.
pub fn fit_host_limits(out: &mut ParseOutput) {
    let mut f = Fitter::default();
    f.events(&mut out.events);
    f.metadata(&mut out.metadata);
    f.diagnostics(&mut out.diagnostics);
    out.diagnostics.extend(f.take_notes());
    out.diagnostics.extend(f.summary());
}

/// [`fit_host_limits`] a part at a time, for output sent in chunks: events and diagnostics
/// as each chunk is sent, the metadata at the end, and one summary for the whole file.
#[derive(Default)]
pub(crate) struct Fitter {
    c: Cleaner,
    notes: Vec<Diagnostic>,
    /// Events fitted so far, to number them in notes.
    events_seen: usize,
}

impl Fitter {
    pub(crate) fn events(&mut self, events: &mut [StatusEvent]) {
        let c = &mut self.c;
        for e in events.iter_mut() {
            self.events_seen += 1;
            c.ident(&mut e.raw_code, MAX_RAW_CODE);
            if e.reasons.len() > MAX_REASONS {
                self.notes.push(Diagnostic::warning(
                    format!(
                        "event #{} ({}) has {} reasons; only the first {MAX_REASONS} are kept",
                        self.events_seen,
                        e.raw_code,
                        e.reasons.len()
                    ),
                    e.position.clone(),
                ));
                e.reasons.truncate(MAX_REASONS);
            }
            let before = e.reasons.len();
            e.reasons.retain(|r| !r.code.trim().is_empty());
            c.touched += before - e.reasons.len();
            for r in &mut e.reasons {
                c.amount(&mut r.amount);
                let max = if r.code_set == CodeSet::FreeText { MAX_TEXT } else { MAX_CODE };
                c.ident(&mut r.code, max);
                if let Some(d) = r.description.as_mut() {
                    c.text(d, MAX_TEXT, false);
                }
                c.opt(&mut r.group, MAX_CODE);
                c.position(&mut r.position);
            }
            if let Some(claim) = e.claim.as_mut() {
                c.opt(&mut claim.patient_control_number, MAX_ID);
                c.opt(&mut claim.clearinghouse_claim_id, MAX_ID);
                c.opt(&mut claim.payer_claim_number, MAX_ID);
                c.opt(&mut claim.patient_name, MAX_ID);
                c.opt(&mut claim.member_id, MAX_ID);
                c.opt(&mut claim.frequency_code, MAX_CODE);
                c.party(&mut claim.payer);
                for p in &mut claim.providers {
                    c.opt(&mut p.name, MAX_ID);
                    c.opt(&mut p.npi, MAX_CODE);
                    c.opt(&mut p.tax_id, MAX_CODE);
                }
                c.list(&mut claim.providers);
                for d in &mut claim.diagnosis_codes {
                    c.ident(d, MAX_CODE);
                }
                let n = claim.diagnosis_codes.len();
                claim.diagnosis_codes.retain(|d| !d.trim().is_empty());
                c.touched += n - claim.diagnosis_codes.len();
                c.list(&mut claim.diagnosis_codes);
            }
            if let Some(s) = e.service_line.as_mut() {
                c.opt(&mut s.procedure_code, MAX_CODE);
                c.opt(&mut s.procedure_qualifier, MAX_CODE);
                c.opt(&mut s.line_item_control_number, MAX_ID);
                c.opt(&mut s.units, MAX_CODE);
                for m in s.modifiers.iter_mut() {
                    c.ident(m, MAX_CODE);
                }
                let n = s.modifiers.len();
                s.modifiers.retain(|m| !m.trim().is_empty());
                s.modifiers.truncate(MAX_MODIFIERS);
                c.touched += n - s.modifiers.len();
            }
            let a = &mut e.amounts;
            for v in [&mut a.charged, &mut a.paid, &mut a.patient_responsibility, &mut a.adjusted, &mut a.allowed] {
                c.amount(v);
            }
            let k = &mut e.correlation;
            for v in [
                &mut k.interchange_control_number,
                &mut k.group_control_number,
                &mut k.transaction_set_control_number,
                &mut k.batch_reference,
                &mut k.clearinghouse_file_id,
                &mut k.clearinghouse_child_file_id,
                &mut k.submitted_file_name,
            ] {
                c.opt(v, MAX_ID);
            }
            c.party(&mut e.source_party);
            c.opt(&mut e.payment_reference, MAX_ID);
            c.position(&mut e.position);
        }
    }

    pub(crate) fn metadata(&mut self, m: &mut FileMetadata) {
        let c = &mut self.c;
        c.opt(&mut m.implementation, MAX_CODE);
        for list in
            [&mut m.interchange_control_numbers, &mut m.group_control_numbers, &mut m.transaction_set_control_numbers]
        {
            for v in list.iter_mut() {
                c.ident(v, MAX_ID);
            }
            list.retain(|v| !v.trim().is_empty());
        }
        c.party(&mut m.sender);
        c.party(&mut m.receiver);
        c.opt(&mut m.usage, MAX_CODE);
        c.opt(&mut m.clearinghouse_file_id, MAX_ID);
        c.opt(&mut m.original_file_name, MAX_ID);
        for f in &mut m.child_files {
            c.ident(&mut f.id, MAX_ID);
            c.party(&mut f.payer);
            c.amount(&mut f.total_charge);
        }
        let n = m.child_files.len();
        m.child_files.retain(|f| !f.id.trim().is_empty());
        c.touched += n - m.child_files.len();
        c.list(&mut m.child_files);
        for t in &mut m.code_totals {
            c.ident(&mut t.code, MAX_CODE);
            if let Some(d) = t.description.as_mut() {
                c.text(d, MAX_TEXT, false);
            }
        }
        let n = m.code_totals.len();
        m.code_totals.retain(|t| !t.code.trim().is_empty());
        c.touched += n - m.code_totals.len();
        c.list(&mut m.code_totals);
    }

    pub(crate) fn diagnostics(&mut self, diagnostics: &mut [Diagnostic]) {
        for d in diagnostics {
            self.c.ident(&mut d.message, MAX_TEXT);
            self.c.opt(&mut d.code, MAX_CODE);
            self.c.position(&mut d.position);
        }
    }

    /// Notes about events cut short, since the last call.
    pub(crate) fn take_notes(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.notes)
    }

    /// One warning saying how many values were cleaned, when any was.
    pub(crate) fn summary(&self) -> Option<Diagnostic> {
        (self.c.touched > 0).then(|| {
            Diagnostic::warning(
                format!(
                    "{} values had control characters or were too long for claimtrack and were cleaned (replaced characters show as \u{FFFD})",
                    self.c.touched
                ),
                None,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_scan_agrees_with_a_byte_loop() {
        let by_byte = |s: &str| {
            s.bytes().all(|b| (b' '..=b'~').contains(&b)).then(|| s.bytes().any(|b| b != b' '))
        };
        let mut samples: Vec<String> = vec![
            String::new(),
            " ".into(),
            "        ".into(),
            "                 ".into(),
            "CO45 2024-01-05 ABCDEFGH".into(),
            "ABCDEFG\u{7f}".into(),
            "ABCDEFGH\u{1f}IJ".into(),
            "ABCDEFGHé".into(),
            "~~~~~~~~ ~".into(),
        ];
        // Every byte value in every position of a 9-byte string (a word and a tail).
        for b in 0u8..=255 {
            for at in 0..9 {
                let mut v = b"ABCDEFGHI".to_vec();
                v[at] = b;
                if let Ok(s) = String::from_utf8(v) {
                    samples.push(s);
                }
            }
        }
        for s in &samples {
            assert_eq!(scan(s), by_byte(s), "{s:?}");
        }
    }

    #[test]
    fn control_characters_and_overlong_values_are_cleaned() {
        let mut c = Cleaner::default();
        let mut s = "AB\u{1}C\u{85}".to_string();
        c.ident(&mut s, MAX_CODE);
        assert_eq!(s, "AB\u{FFFD}C\u{FFFD}");
        let mut long = "é".repeat(100);
        c.ident(&mut long, MAX_CODE);
        assert!(long.len() <= MAX_CODE && long.ends_with('…'));
        let mut blank = Some("\u{1}".to_string());
        c.opt(&mut blank, MAX_ID);
        assert_eq!(blank.as_deref(), Some("\u{FFFD}"), "a replaced character is still a value");
        let mut spaces = Some("   ".to_string());
        c.opt(&mut spaces, MAX_ID);
        assert_eq!(spaces, None);
        let mut text = "line one\nline two\u{7}".to_string();
        c.text(&mut text, MAX_TEXT, false);
        assert_eq!(text, "line one\nline two\u{FFFD}");
        assert_eq!(c.touched, 5);
    }

    #[test]
    fn amounts_out_of_range_are_dropped_even_at_i64_min() {
        let mut c = Cleaner::default();
        for v in [i64::MIN, i64::MAX, -MAX_ABS_CENTS - 1, MAX_ABS_CENTS + 1] {
            let mut a = Some(v);
            c.amount(&mut a);
            assert_eq!(a, None, "{v}");
        }
        for v in [-MAX_ABS_CENTS, MAX_ABS_CENTS, 0] {
            let mut a = Some(v);
            c.amount(&mut a);
            assert_eq!(a, Some(v));
        }
        assert_eq!(c.touched, 4);
    }
}
