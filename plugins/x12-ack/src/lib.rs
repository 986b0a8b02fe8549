//! claimtrack plugin for X12 acknowledgements: TA1, 999 and 997.
//!
//! Formats: `x12-ta1` (interchanges holding only TA1s), `x12-999`, `x12-997`. A file is read
//! as the dominant one: 999 if it has any 999 set, else 997, else TA1. TA1s are read wherever
//! they are, including between ISA and GS of a 999 interchange.
//!
//! All events come from the clearinghouse (`source = clearinghouse`, the party is ISA06) and
//! are ordered as their status segments appear in the file.

mod ack;
mod codes;
mod context;
mod detect;
mod out;
mod ta1;

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::x12;

pub use detect::{FORMAT_997, FORMAT_999, FORMAT_TA1};

pub struct AckParser;

impl Parser for AckParser {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "x12-ack".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description:
                "X12 acknowledgements: TA1 interchange, 999 implementation and 997 functional acknowledgements".into(),
            formats: vec![
                FormatInfo {
                    id: FORMAT_999.into(),
                    description: "X12 999 Implementation Acknowledgment (005010X231A1)".into(),
                    file_name_hints: vec!["*.999".into(), "*_999_*".into(), "*_999.*".into()],
                },
                FormatInfo {
                    id: FORMAT_997.into(),
                    description: "X12 997 Functional Acknowledgment (005010X230 / 004010)".into(),
                    file_name_hints: vec!["*.997".into(), "*_997_*".into(), "*_997.*".into()],
                },
                FormatInfo {
                    id: FORMAT_TA1.into(),
                    description: "X12 TA1 Interchange Acknowledgment".into(),
                    file_name_hints: vec!["*.ta1".into(), "*_ta1_*".into(), "*_ta1.*".into()],
                },
            ],
        }
    }

    fn sniff(_file_name: &str, head: &[u8]) -> u8 {
        detect::sniff(head)
    }

    fn parse(file_name: &str, contents: &[u8]) -> Result<ParseOutput, ParseError> {
        // Fitted to the host's limits by the export (`register_parser!`), once.
        parse_unfitted(file_name, contents)
    }
}

register_parser!(AckParser);

/// Parse a TA1/999/997 file: what the WASM export returns, callable natively.
pub fn parse_bytes(file_name: &str, bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    claimtrack_plugin_sdk::parse_fitted::<AckParser>(file_name, bytes)
}

/// [`parse_bytes`] without `fit_host_limits`, for the WASM export, which applies it itself
/// (`register_parser!`): the pass is idempotent, so a second one is only time.
fn parse_unfitted(_file_name: &str, bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    let doc = x12::parse(bytes)?;
    let census = detect::Census::of(&doc);
    let Some(format_id) = census.format_id() else {
        return Err(ParseError::NotMyFormat(census.not_mine_message()));
    };

    // An output is mostly its events (each near a kilobyte): sized up front, the Vec neither
    // holds up to twice their size nor copies them while growing.
    let mut out = out::Out { events: Vec::with_capacity(event_bound(&doc)), diagnostics: Vec::new() };
    for ic in &doc.interchanges {
        for seg in ic.interchange_segments.iter().filter(|s| s.id == "TA1") {
            ta1::read(seg, ic, &mut out);
        }
        for (group, tx) in ic.transactions() {
            if detect::is_ack(tx.kind()) {
                ack::read(ic, group, tx, &mut out);
            } else {
                out.warn(
                    format!(
                        "transaction set {} at segment #{} is {}, not a 999/997; skipped",
                        tx.control_number(),
                        tx.st.index,
                        detect::kind_label(tx.kind(), group.functional_id())
                    ),
                    &tx.st,
                );
            }
        }
    }
    // TA1s are read per interchange before its groups; file order is what people expect.
    // Mostly the events are in order already, and the stable sort would first allocate a
    // scratch copy of them all.
    let at = |e: &StatusEvent| e.position.as_ref().and_then(|p| p.segment_index).unwrap_or(0);
    if !out.events.is_sorted_by_key(at) {
        out.events.sort_by_key(at);
    }

    let mut metadata = doc.metadata(format_id);
    // The implementation is that of the first set of the format chosen, even when another kind
    // of group (a 277, or a 997 beside a 999) comes first. A TA1-only file has none.
    let kind = detect::kind_of(format_id);
    metadata.implementation = doc
        .transactions()
        .find(|(_, _, t)| Some(t.kind()) == kind)
        .and_then(|(_, g, t)| g.gs.string(8).or_else(|| t.st.string(3)));
    let mut diagnostics = doc.diagnostics;
    diagnostics.extend(out.diagnostics);
    Ok(ParseOutput { metadata, events: out.events, diagnostics })
}

/// At least as many events as the parse emits, and seldom many more: one per TA1, AK2 loop
/// and AK9, and one per claim, which a CTX names.
fn event_bound(doc: &x12::Document) -> usize {
    let ta1s: usize = doc.interchanges.iter().map(|ic| ic.interchange_segments.iter().filter(|s| s.id == "TA1").count()).sum();
    let in_sets: usize = doc
        .transactions()
        .filter(|(_, _, t)| detect::is_ack(t.kind()))
        .map(|(_, _, t)| t.body.iter().filter(|s| matches!(s.id.as_str(), "AK2" | "AK9" | "CTX" | "TA1")).count())
        .sum();
    ta1s + in_sets
}
