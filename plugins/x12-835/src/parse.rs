//! File level: sniffing, which transaction sets are ours, diagnostics order.

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::x12;

use crate::notes::Notes;
use crate::remit::{self, FileState};

/// The one format id this plugin reads, for 5010 and 4010 alike.
pub const FORMAT_ID: &str = "x12-835";

/// Content-based confidence (0–100) that `head` starts an 835.
pub fn sniff_bytes(head: &[u8]) -> u8 {
    let Some(h) = x12::sniff_head(head) else { return 0 };
    match (h.functional_id.as_deref(), h.transaction_kind.as_deref()) {
        (Some("HP") | None, Some("835")) => 95,
        // GS01 and ST01 disagree: probably ours, but let a better match win.
        (Some(_), Some("835")) => 50,
        // The head ended before the first ST.
        (Some("HP"), None) => 80,
        _ => 0,
    }
}

/// Parse a whole file: the same entry point the WASM export uses, callable natively.
pub fn parse_bytes(_file_name: &str, bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    let doc = x12::parse(bytes)?;
    if !doc.transactions().any(|(_, _, t)| t.kind() == "835") {
        return Err(ParseError::NotMyFormat(format!("contains {}, not 835", contents(&doc))));
    }
    let mut events = Vec::new();
    let mut notes = Notes::default();
    let mut file = FileState::default();
    for (_, group, tx) in doc.transactions() {
        if tx.kind() == "835" {
            remit::transaction(tx, &mut events, &mut notes, &mut file);
        } else {
            notes.warn(
                format!(
                    "transaction set ST {} at segment #{} is a {} ({}), not an 835; skipped",
                    tx.control_number(),
                    tx.st.index,
                    shown(tx.kind()),
                    shown(group.functional_id())
                ),
                tx.st.position(),
            );
        }
    }
    let mut diagnostics = doc.diagnostics.clone();
    diagnostics.extend(notes.finish());
    let mut output = ParseOutput { metadata: doc.metadata(FORMAT_ID), events, diagnostics };
    claimtrack_plugin_sdk::fit_host_limits(&mut output);
    Ok(output)
}

fn shown(s: &str) -> &str {
    if s.is_empty() { "?" } else { s }
}

/// What an X12 file without an 835 contains, e.g. "999 (FA)", "TA1".
fn contents(doc: &x12::Document) -> String {
    let mut kinds: Vec<String> = Vec::new();
    let mut push = |k: String| {
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    };
    for ic in &doc.interchanges {
        if ic.interchange_segments.iter().any(|s| s.id == "TA1") {
            push("TA1".into());
        }
        for (g, t) in ic.transactions() {
            push(format!("{} ({})", shown(t.kind()), shown(g.functional_id())));
        }
    }
    if kinds.is_empty() { "no transaction sets".into() } else { kinds.join(", ") }
}
