//! The whole file: tokenize, pick the 277 transaction sets, map each one.

use claimtrack_plugin_sdk::x12;
use claimtrack_plugin_sdk::{ParseError, ParseOutput};

use crate::codes::Variant;
use crate::diag::Diags;
use crate::{detect, hierarchy, mapping};

/// Parse a 277CA / 277 file into events. The plain-Rust entry point the plugin export, the
/// host's native tests and benchmarks share.
pub fn parse_bytes(_file_name: &str, bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    let doc = x12::parse(bytes)?;
    let mut diags = Diags::default();
    // An output is mostly its events (each near a kilobyte): sized up front from the STCs
    // (one event each, bar cascaded rejections), the Vec neither holds up to twice their size
    // nor copies them while growing.
    let stcs = doc.transactions().filter(|(_, _, t)| t.kind() == "277").flat_map(|(_, _, t)| &t.body).filter(|s| s.id == "STC").count();
    let mut events = Vec::with_capacity(stcs);
    let mut variants: Vec<Variant> = Vec::new();
    let mut others: Vec<String> = Vec::new();

    for (_, group, tx) in doc.transactions() {
        if tx.kind() != "277" {
            let what = describe(tx.kind(), group.functional_id());
            diags.warning(
                format!("transaction set {what} at segment #{} is not a 277 and was skipped", tx.st.index),
                Some(tx.st.position()),
            );
            if !others.contains(&what) {
                others.push(what);
            }
            continue;
        }
        let variant = detect::detect(&group.gs, &tx.st, &tx.body, &mut diags);
        variants.push(variant);
        let body = tx.body.as_slice();
        let tree = hierarchy::build(body, &mut diags);
        mapping::events(&tree, variant, &mut diags, &mut events);
    }

    let format = match variants.first() {
        Some(&first) => {
            if let Some(&other) = variants.iter().find(|&&v| v != first) {
                diags.warning(
                    format!(
                        "the file mixes {} and {} transaction sets; its format id is that of the first",
                        first.format_id(),
                        other.format_id()
                    ),
                    None,
                );
            }
            first
        }
        None => {
            // A 277 group cut off before its first ST (a truncated file) is still ours: the
            // tokenizer's diagnostics say what happened.
            let hn = doc.interchanges.iter().flat_map(|ic| ic.groups.iter()).find(|g| g.functional_id() == "HN");
            match hn {
                Some(g) if others.is_empty() => {
                    diags.warning(format!("group HN at segment #{} contains no 277 transaction set", g.gs.index), Some(g.gs.position()));
                    if g.version().contains("X214") { Variant::ClaimAck } else { Variant::StatusResponse }
                }
                _ => {
                    let has_ta1 = doc.interchanges.iter().any(|ic| ic.interchange_segments.iter().any(|s| s.id == "TA1"));
                    let found = if !others.is_empty() {
                        others.join(", ")
                    } else if has_ta1 {
                        "TA1".to_string()
                    } else {
                        "no transaction sets".to_string()
                    };
                    return Err(ParseError::NotMyFormat(format!("contains {found}, not 277")));
                }
            }
        }
    };

    let mut diagnostics = doc.diagnostics.clone();
    diagnostics.extend(diags.finish());
    Ok(ParseOutput { metadata: doc.metadata(format.format_id()), events, diagnostics })
}

fn describe(kind: &str, functional_id: &str) -> String {
    let cap = |s: &str| s.chars().take(12).collect::<String>();
    let (kind, functional_id) = (cap(kind), cap(functional_id));
    match (kind.is_empty(), functional_id.is_empty()) {
        (false, false) => format!("{kind} ({functional_id})"),
        (false, true) => kind.to_string(),
        (true, _) => "with an empty ST01".to_string(),
    }
}
