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

/// Parse a whole file: what the WASM export returns, callable natively.
pub fn parse_bytes(file_name: &str, bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    claimtrack_plugin_sdk::parse_fitted::<crate::X12Remittance>(file_name, bytes)
}

/// [`parse_bytes`] without `fit_host_limits`, for the WASM export, which applies it itself
/// (`register_parser!`): a second pass over every string of a large output is a tenth of
/// the parse, and it changes nothing (the pass is idempotent).
pub(crate) fn parse_unfitted(_file_name: &str, bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    let mut doc = x12::parse(bytes)?;
    if !doc.transactions().any(|(_, _, t)| t.kind() == "835") {
        return Err(ParseError::NotMyFormat(format!("contains {}, not 835", contents(&doc))));
    }
    // An output of a large file is mostly its events (each several hundred bytes): sized
    // up front, the Vec neither holds up to twice their size nor copies them while growing.
    let capacity = doc.transactions().filter(|(_, _, t)| t.kind() == "835").map(|(_, _, t)| remit::event_count(t)).sum();
    let mut events = Vec::with_capacity(capacity);
    let mut notes = Notes::default();
    let mut file = FileState::default();
    for group in doc.interchanges.iter_mut().flat_map(|i| &mut i.groups) {
        for tx in &mut group.transactions {
            if tx.kind() == "835" {
                remit::transaction(tx, &mut events, &mut notes, &mut file);
            } else {
                notes.warn(
                    format!(
                        "transaction set ST {} at segment #{} is a {} ({}), not an 835; skipped",
                        tx.control_number(),
                        tx.st.index,
                        shown(tx.kind()),
                        shown(group.gs.get(1))
                    ),
                    tx.st.position(),
                );
            }
            // Nothing reads a body twice (the metadata needs only the envelopes): freed now,
            // its memory holds the events of the next transaction sets instead of adding to
            // them.
            tx.body = Vec::new();
        }
    }
    let mut diagnostics = std::mem::take(&mut doc.diagnostics);
    diagnostics.extend(notes.finish());
    Ok(ParseOutput { metadata: doc.metadata(FORMAT_ID), events, diagnostics })
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
