//! The diagnostics a parse collects, and the value readers that report what they cannot read.
//! Messages name segments by index, element and code-list code, never by content: an 837 is
//! full of PHI (names, member ids, birth dates, account numbers).

use claimtrack_plugin_sdk::x12::{self, Segment};
use claimtrack_plugin_sdk::{Diagnostic, Position};

#[derive(Default)]
pub struct Diags {
    pub list: Vec<Diagnostic>,
}

impl Diags {
    pub fn warn(&mut self, message: impl Into<String>, position: Position) {
        self.list.push(Diagnostic::warning(message, Some(position)));
    }

    pub fn info(&mut self, message: impl Into<String>, position: Option<Position>) {
        self.list.push(Diagnostic::info(message, position));
    }

    /// Element `n` of `seg` as cents; a warning when it is present but not a number.
    pub fn amount(&mut self, seg: &Segment, n: usize, element: &str) -> Option<i64> {
        let raw = seg.opt(n)?;
        let cents = x12::amount_cents(raw);
        if cents.is_none() {
            self.warn(
                format!(
                    "{element} at segment #{} {} is not a valid amount; ignored",
                    seg.index, seg.id
                ),
                seg.position_at(element),
            );
        }
        cents
    }

    /// A DTP date (D8 or RD8) as (from, to); a warning when it cannot be read. `to` is the
    /// same as `from` for a single date.
    pub fn dtp_period(&mut self, dtp: &Segment) -> Option<(String, String)> {
        let parsed = match dtp.get(2) {
            "D8" | "RD8" => x12::date_period(dtp.get(2), dtp.get(3)),
            _ => None,
        };
        match parsed {
            Some((from, to)) => {
                let to = to.unwrap_or_else(|| from.clone());
                Some((from, to))
            }
            None => {
                self.warn(
                    format!(
                        "DTP*{} at segment #{} is not a valid D8 or RD8 date; ignored",
                        dtp.get(1),
                        dtp.index
                    ),
                    dtp.position_at("DTP03"),
                );
                None
            }
        }
    }
}

/// A code from the file, quoted for a message when it is short and alphanumeric like the
/// code lists it belongs to (`max` characters at most); otherwise only its length is told: a
/// shifted element can put a name or an id where a code belongs.
pub fn code(value: &str, max: usize) -> String {
    if value.len() <= max
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.')
    {
        format!("{value:?}")
    } else {
        format!("(a {}-character value)", value.chars().count())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_code_like_values_are_quoted() {
        assert_eq!(super::code("Q9", 3), "\"Q9\"");
        assert_eq!(super::code("005010X222", 12), "\"005010X222\"");
        assert_eq!(super::code("SMITH", 3), "(a 5-character value)");
        assert_eq!(super::code("A B", 3), "(a 3-character value)");
    }
}
