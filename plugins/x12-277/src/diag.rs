//! The plugin's own diagnostics, returned in file order.
//!
//! Repeated findings of the same kind (an unknown code used in every STC of a masked file)
//! are reported once, at their first position, with a count, so one oddity does not bury the
//! others. Messages never carry PHI: segments are named by index, and only codes from code
//! lists (never names, ids, dates or account numbers) are quoted.

use std::collections::HashMap;

use claimtrack_plugin_sdk::{Diagnostic, Position};

#[derive(Default)]
pub struct Diags {
    list: Vec<Diagnostic>,
    /// Key of a once-only diagnostic → (its index in `list`, how many times it was seen).
    once: HashMap<String, (usize, u32)>,
}

impl Diags {
    pub fn warning(&mut self, message: impl Into<String>, position: Option<Position>) {
        self.list.push(Diagnostic::warning(message, position));
    }

    pub fn info(&mut self, message: impl Into<String>, position: Option<Position>) {
        self.list.push(Diagnostic::info(message, position));
    }

    /// Record `diagnostic` the first time `key` is seen; afterwards only count it.
    pub fn once(&mut self, key: String, diagnostic: Diagnostic) {
        match self.once.get_mut(&key) {
            Some((_, n)) => *n += 1,
            None => {
                self.once.insert(key, (self.list.len(), 1));
                self.list.push(diagnostic);
            }
        }
    }

    pub fn finish(mut self) -> Vec<Diagnostic> {
        for (idx, n) in self.once.into_values() {
            if n > 1
                && let Some(d) = self.list.get_mut(idx)
            {
                d.message.push_str(&format!(" ({n} occurrences; the first is shown)"));
            }
        }
        // File order, whatever order they were found in (claim references are read before
        // the statuses that precede them); diagnostics without a segment go last.
        self.list.sort_by_key(|d| d.position.as_ref().and_then(|p| p.segment_index).unwrap_or(u32::MAX));
        self.list
    }
}
