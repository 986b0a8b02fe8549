//! The whole-file parse: tokenize, pick the 837 sets, map each, check Office Ally's rules
//! and claim edits.

use std::collections::BTreeSet;

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::x12::{self, Document, Group, Interchange, Segment, Transaction};

use crate::claims::{self, SetContext};
use crate::detect;
use crate::diag::Diags;
use crate::{edits, rules};

/// Parse an 837 batch file (plain Rust entry point; the plugin's `parse` calls it).
pub fn parse_bytes(file_name: &str, bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    let doc = x12::parse(bytes)?;
    let sets: Vec<(&Interchange, &Group, &Transaction)> = doc
        .transactions()
        .filter(|(_, _, t)| t.kind() == "837")
        .collect();
    let claim_group = doc
        .interchanges
        .iter()
        .flat_map(|ic| ic.groups.iter())
        .any(|g| g.functional_id() == "HC");
    if sets.is_empty() && !claim_group {
        return Err(ParseError::NotMyFormat(format!(
            "contains {}, not 837",
            contents(&doc)
        )));
    }
    let mut diags = Diags {
        list: doc.diagnostics.clone(),
    };
    for (_, g, t) in doc.transactions().filter(|(_, _, t)| t.kind() != "837") {
        diags.warn(
            format!(
                "transaction set at segment #{} is a {} ({}), not an 837; ignored",
                t.st.index,
                shown(t.kind()),
                shown(g.functional_id())
            ),
            t.st.position_at("ST01"),
        );
    }
    let pairs: Vec<(&Group, &Transaction)> = sets.iter().map(|(_, g, t)| (*g, *t)).collect();
    let variant = if pairs.is_empty() {
        diags.info(
            "the file has a claim (HC) group but no complete 837 transaction set; read as 837P",
            None,
        );
        detect::Variant::Professional
    } else {
        detect::detect(&pairs, &mut diags)
    };

    let mut meta = doc.metadata(variant.format_id());
    if let Some((_, _, t)) = sets.first() {
        let named = |code: &str| {
            t.body
                .iter()
                .take_while(|s| s.id != "HL")
                .find(|s| s.id == "NM1" && s.get(1) == code)
                .and_then(Segment::person_name)
        };
        if let (Some(p), Some(name)) = (meta.sender.as_mut(), named("41")) {
            p.name = Some(name);
        }
        if let (Some(p), Some(name)) = (meta.receiver.as_mut(), named("40")) {
            p.name = Some(name);
        }
    }

    // An output is mostly its events (each near a kilobyte): sized up front from the
    // segments that make one (CLM, SV1/SV2/SV3), the Vec neither holds up to twice their
    // size nor copies them while growing.
    let capacity = sets
        .iter()
        .flat_map(|(_, _, t)| &t.body)
        .filter(|s| matches!(s.id.as_str(), "CLM" | "SV1" | "SV2" | "SV3"))
        .count();
    let mut events = Vec::with_capacity(capacity);
    for (ic, g, t) in &sets {
        let ctx = set_context(ic, g, t, variant, &mut diags);
        claims::map_set(t, &ctx, &mut diags, &mut events);
    }
    diags.list.extend(rules::check(file_name, &doc, variant));
    diags.list.extend(edits::check(&doc, variant));
    Ok(ParseOutput {
        metadata: meta,
        events,
        diagnostics: diags.list,
    })
}

/// Correlation, date and submitter shared by a set's events. For an 837 the "submitted file"
/// the correlation record speaks of is this very file: its own ISA13, GS06, ST02 and BHT03
/// are what a TA1, 999 or 277CA will quote back.
fn set_context(
    ic: &Interchange,
    g: &Group,
    t: &Transaction,
    variant: detect::Variant,
    diags: &mut Diags,
) -> SetContext {
    let bht = t.body.iter().find(|s| s.id == "BHT");
    let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let correlation = Correlation {
        interchange_control_number: nonempty(ic.control_number()),
        group_control_number: nonempty(g.control_number()),
        transaction_set_control_number: nonempty(t.control_number()),
        batch_reference: bht.and_then(|b| b.string(3)),
        ..Correlation::default()
    };
    let mut effective_date = None;
    match bht {
        None => diags.warn(
            format!(
                "transaction set at segment #{} has no BHT (batch reference and creation date)",
                t.st.index
            ),
            t.st.position(),
        ),
        Some(b) => {
            if b.opt(3).is_none() {
                diags.warn(
                    format!("BHT at segment #{} has no BHT03 batch reference", b.index),
                    b.position_at("BHT03"),
                );
            }
            match x12::date_ccyymmdd(b.get(4)) {
                Some(d) => {
                    effective_date = Some(match x12::time_hhmm(b.get(5)) {
                        Some(time) => format!("{d}T{time}"),
                        None => d,
                    })
                }
                None => diags.warn(
                    format!(
                        "BHT at segment #{} has no valid BHT04 creation date",
                        b.index
                    ),
                    b.position_at("BHT04"),
                ),
            }
        }
    }
    let submitter = t
        .body
        .iter()
        .take_while(|s| s.id != "HL")
        .find(|s| s.id == "NM1" && s.get(1) == "41");
    let source_party = match submitter {
        Some(nm1) => Some(Party {
            name: nm1.person_name(),
            id: nm1.string(9),
            id_qualifier: nm1.string(8),
        }),
        None => {
            diags.warn(
                format!(
                    "transaction set at segment #{} has no loop 1000A submitter NM1*41",
                    t.st.index
                ),
                t.st.position(),
            );
            ic.sender()
        }
    };
    SetContext {
        correlation,
        effective_date,
        source_party,
        variant,
    }
}

/// "835 (HP), 999 (FA)": what a file holds instead of 837s.
fn contents(doc: &Document) -> String {
    let kinds: BTreeSet<String> = doc
        .transactions()
        .map(|(_, g, t)| format!("{} ({})", shown(t.kind()), shown(g.functional_id())))
        .collect();
    if kinds.is_empty() {
        let ta1 = doc
            .interchanges
            .iter()
            .any(|ic| ic.interchange_segments.iter().any(|s| s.id == "TA1"));
        return if ta1 {
            "a TA1".into()
        } else {
            "no transaction sets".into()
        };
    }
    kinds.into_iter().collect::<Vec<_>>().join(", ")
}

/// A code from the file, bounded and printable, for a message.
fn shown(code: &str) -> String {
    let s: String = code
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(12)
        .collect();
    if s.is_empty() { "?".into() } else { s }
}
