//! What a parse accumulates: events and the plugin's own diagnostics.

use claimtrack_plugin_sdk::x12::Segment;
use claimtrack_plugin_sdk::{CodeSet, Diagnostic, Reason, StatusEvent};

#[derive(Default)]
pub struct Out {
    pub events: Vec<StatusEvent>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Out {
    pub fn warn(&mut self, message: impl Into<String>, seg: &Segment) {
        self.diagnostics.push(Diagnostic::warning(message, Some(seg.position())));
    }

    pub fn warn_at(&mut self, message: impl Into<String>, seg: &Segment, element: &str) {
        self.diagnostics.push(Diagnostic::warning(message, Some(seg.position_at(element))));
    }

    /// A reason for the code in element `n` of `seg`, described from `table`; an unknown code
    /// keeps its place (so nothing sent is lost) with no description and a warning.
    /// `None` when the element is empty.
    pub fn coded_reason(
        &mut self,
        seg: &Segment,
        n: usize,
        code_set: CodeSet,
        table: impl Fn(&str) -> Option<&'static str>,
    ) -> Option<Reason> {
        let code = seg.opt(n)?;
        let element = element_name(seg, n);
        let description = table(code).map(str::to_string);
        if description.is_none() {
            self.unknown_code(&element, code, seg);
        }
        Some(Reason { position: Some(seg.position_at(element)), ..Reason::new(code_set, code, description) })
    }

    /// "unknown IK501 code Q at segment #7"
    pub fn unknown_code(&mut self, element: &str, code: &str, seg: &Segment) {
        let shown: String = code.chars().take(12).collect();
        self.warn_at(format!("unknown {element} code {shown} at segment #{}", seg.index), seg, element);
    }
}

/// "IK304", "AK502", "TA105": the element reference of element `n`.
pub fn element_name(seg: &Segment, n: usize) -> String {
    format!("{}{n:02}", seg.id)
}
