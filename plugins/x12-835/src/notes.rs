//! Diagnostics this plugin adds, and the value readers that report what they tolerate.
//!
//! Messages never contain PHI: segments are named by their ordinal ("segment #12") and
//! element, never by content. Code values are not PHI and are shown.

use std::collections::HashMap;

use claimtrack_plugin_sdk::x12::{self, Segment};
use claimtrack_plugin_sdk::{Diagnostic, Position, Severity};

/// Largest amount the host accepts: amounts beyond it are left empty, with a warning.
pub use claimtrack_plugin_sdk::limits::MAX_ABS_CENTS;

#[derive(Default)]
pub struct Notes {
    diags: Vec<Diagnostic>,
    /// Key → (index in `diags` of the first report, occurrences). Unknown codes and other
    /// repetitive notes are reported once per file with a count: de-identified ERAs
    /// repeat a placeholder code hundreds of times.
    once: HashMap<String, (usize, u32)>,
}

impl Notes {
    pub fn warn(&mut self, message: impl Into<String>, pos: Position) {
        self.diags.push(Diagnostic::warning(message, Some(pos)));
    }

    pub fn info(&mut self, message: impl Into<String>, pos: Position) {
        self.diags.push(Diagnostic::info(message, Some(pos)));
    }

    /// "unknown <list> code X at segment #n", once per (list, code).
    pub fn unknown_code(&mut self, severity: Severity, list: &str, code: &str, pos: Position) {
        let at = pos.segment_index.map(|i| format!(" at segment #{i}")).unwrap_or_default();
        self.once(severity, format!("{list}\u{0}{code}"), || format!("unknown {list} code {code:?}{at}"), pos);
    }

    /// Report `message` the first time `key` is seen; later times only count.
    pub fn once(&mut self, severity: Severity, key: String, message: impl FnOnce() -> String, pos: Position) {
        if let Some((_, n)) = self.once.get_mut(&key) {
            *n += 1;
            return;
        }
        self.once.insert(key, (self.diags.len(), 1));
        self.diags.push(Diagnostic { severity, message: message(), position: Some(pos), code: None });
    }

    pub fn finish(mut self) -> Vec<Diagnostic> {
        for (at, n) in self.once.values() {
            if let Some(d) = self.diags.get_mut(*at).filter(|_| *n > 1) {
                d.message.push_str(&format!(" ({} more times in this file)", n - 1));
            }
        }
        self.diags
    }

    /// Element `n` of `seg` as cents; `None` when absent, or unreadable (with a warning).
    pub fn amount(&mut self, seg: &Segment, n: usize) -> Option<i64> {
        let v = seg.opt(n)?;
        // The element's name is only needed for a warning: formatting it for every amount
        // read was a tenth of this plugin's time.
        let result = x12::amount_cents(v);
        if let Some(c) = result.filter(|c| c.abs() <= MAX_ABS_CENTS) {
            return Some(c);
        }
        let el = element_name(seg, n);
        match result {
            Some(_) => {
                self.warn(format!("{el} at segment #{} is out of range; left empty", seg.index), seg.position_at(el));
                None
            }
            None => {
                self.warn(format!("{el} at segment #{} is not a valid amount; left empty", seg.index), seg.position_at(el));
                None
            }
        }
    }

    /// A computed sum, kept only when the host can take it.
    pub fn sum_in_range(&mut self, sum: Option<i64>, what: &str, seg: &Segment) -> Option<i64> {
        match sum {
            // unsigned_abs: a sum saturated at i64::MIN has no i64 absolute value.
            Some(c) if c.unsigned_abs() > MAX_ABS_CENTS as u64 => {
                self.warn(format!("the {what} of the {} at segment #{} add up beyond range; left empty", seg.id, seg.index), seg.position());
                None
            }
            v => v,
        }
    }

    /// Element `n` of `seg` as an ISO date from CCYYMMDD; `None` when absent, or invalid
    /// (with a warning).
    pub fn date(&mut self, seg: &Segment, n: usize) -> Option<String> {
        let v = seg.opt(n)?;
        let d = x12::date_ccyymmdd(v);
        if d.is_none() {
            let el = element_name(seg, n);
            self.warn(format!("{el} at segment #{} is not a valid CCYYMMDD date; left empty", seg.index), seg.position_at(el));
        }
        d
    }
}

/// "CLP04", "BPR16".
pub fn element_name(seg: &Segment, n: usize) -> String {
    format!("{}{n:02}", seg.id)
}

/// Cents as a dollar amount for messages: -127 → "-1.27".
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_format() {
        assert_eq!(dollars(94500), "945.00");
        assert_eq!(dollars(-127), "-1.27");
        assert_eq!(dollars(5), "0.05");
    }

    #[test]
    fn unknown_codes_are_reported_once_with_a_count() {
        let mut n = Notes::default();
        let pos = |i| Position { segment_index: Some(i), segment_id: None, line: None, byte_offset: None, element: None };
        n.unknown_code(Severity::Info, "RARC", "X1", pos(3));
        n.unknown_code(Severity::Info, "RARC", "X1", pos(9));
        n.unknown_code(Severity::Info, "RARC", "X2", pos(10));
        n.unknown_code(Severity::Info, "RARC", "X1", pos(11));
        let d = n.finish();
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].message, "unknown RARC code \"X1\" at segment #3 (2 more times in this file)");
        assert_eq!(d[1].message, "unknown RARC code \"X2\" at segment #10");
    }
}
