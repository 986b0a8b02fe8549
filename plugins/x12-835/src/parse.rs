//! File level: sniffing, which transaction sets are ours, diagnostics order.

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::x12;

use claimtrack_plugin_sdk::x12::Item;

use crate::notes::Notes;
use crate::remit::{FileState, Remittance};

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

/// Reads a file a transaction set segment at a time ([`x12::Reader`]): what the WASM
/// export hands out in chunks, so memory follows one claim's segments and one chunk of
/// events, not the file's size. (The file's bytes are still held whole: the host passes
/// them in one value.)
pub(crate) fn stream(bytes: Vec<u8>) -> Result<Box<dyn EventStream>, ParseError> {
    let reader = x12::Reader::new(bytes)?;
    Ok(Box::new(Remittances { reader: Some(reader), open: None, notes: Notes::default(), file: FileState::default(), any: false, metadata: None }))
}

struct Remittances {
    /// `None` once the file is read.
    reader: Option<x12::Reader<'static>>,
    /// The 835 being read; `None` between sets and inside another kind of set.
    open: Option<Remittance>,
    notes: Notes,
    file: FileState,
    /// An 835 was seen: without one, the file is not this plugin's.
    any: bool,
    metadata: Option<FileMetadata>,
}

impl EventStream for Remittances {
    fn fill(&mut self, out: &mut Output) -> Result<bool, ParseError> {
        let Some(reader) = self.reader.as_mut() else { return Ok(false) };
        while !out.is_full() {
            let Some(item) = reader.next() else { return self.end(out) };
            match item {
                Item::Start { st, gs } => {
                    if st.get(1) == "835" {
                        self.any = true;
                        self.open = Some(Remittance::new(st));
                    } else {
                        self.open = None;
                        self.notes.warn(
                            format!(
                                "transaction set ST {} at segment #{} is a {} ({}), not an 835; skipped",
                                st.get(2),
                                st.index,
                                shown(st.get(1)),
                                shown(gs.get(1))
                            ),
                            st.position(),
                        );
                    }
                }
                Item::Segment(seg) => {
                    if let Some(r) = self.open.as_mut() {
                        r.segment(seg, &mut out.events, &mut self.notes, &mut self.file);
                    }
                }
                Item::End(se) => {
                    if let Some(r) = self.open.take() {
                        r.end(se.as_ref(), &mut out.events, &mut self.notes, &mut self.file);
                    }
                }
            }
        }
        Ok(true)
    }

    fn metadata(&mut self) -> FileMetadata {
        self.metadata.take().unwrap_or_else(|| FileMetadata::new(FORMAT_ID))
    }
}

impl Remittances {
    /// The file is read: the diagnostics and the metadata.
    fn end(&mut self, out: &mut Output) -> Result<bool, ParseError> {
        let Some(reader) = self.reader.take() else { return Ok(false) };
        let mut doc = reader.finish();
        if !self.any {
            return Err(ParseError::NotMyFormat(format!("contains {}, not 835", contents(&doc))));
        }
        // Diagnostics come last, as the whole-file reading gave them: the tokenizer's, then
        // this plugin's (whose repeats are counted at the end).
        out.diagnostics.append(&mut doc.diagnostics);
        out.diagnostics.extend(std::mem::take(&mut self.notes).finish());
        self.metadata = Some(doc.metadata(FORMAT_ID));
        Ok(false)
    }
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
