//! TA1 interchange acknowledgement: one event per TA1 segment (x12-reference.md §2).
//!
//! `TA1*<TA101 ISA13 acked>*<TA102 YYMMDD>*<TA103 HHMM>*<TA104 A|E|R>*<TA105 note code>`

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::x12::{self, Interchange, Segment};

use crate::codes;
use crate::out::Out;

pub fn read(seg: &Segment, ic: &Interchange, out: &mut Out) {
    let ack = seg.opt(4);
    let status = match ack {
        Some(code) => codes::ta1_status(code).unwrap_or_else(|| {
            out.unknown_code("TA104", code, seg);
            StatusClass::Informational
        }),
        None => {
            out.warn_at(format!("TA1 at segment #{} has no TA104 acknowledgment code", seg.index), seg, "TA104");
            StatusClass::Informational
        }
    };
    let raw_code = match ack {
        Some(code) => format!("TA1 {code}"),
        None => "TA1".to_string(),
    };
    let mut ev = StatusEvent::new(Level::Interchange, Source::Clearinghouse, status, raw_code);
    // TA105 is optional in practice: old TA1s send only four elements.
    ev.reasons.extend(out.coded_reason(seg, 5, CodeSet::Ta1Note, codes::ta1_note));
    match seg.opt(1) {
        Some(n) => {
            if n.len() != 9 || !n.bytes().all(|b| b.is_ascii_digit()) {
                out.warn_at(
                    format!("TA101 interchange control number at segment #{} is not 9 digits; kept as sent", seg.index),
                    seg,
                    "TA101",
                );
            }
            ev.correlation.interchange_control_number = Some(n.to_string());
        }
        None => out.warn_at(
            format!(
                "TA1 at segment #{} has no TA101 interchange control number; it cannot be matched to a batch",
                seg.index
            ),
            seg,
            "TA101",
        ),
    }
    ev.effective_date = date_time(seg, out);
    ev.source_party = ic.sender();
    ev.position = Some(seg.position());
    out.events.push(ev);
}

/// TA102 + TA103. TA102 is YYMMDD; an 8-digit CCYYMMDD (seen in the wild) is read too, with
/// a warning, since its meaning is unambiguous.
fn date_time(seg: &Segment, out: &mut Out) -> Option<String> {
    let raw = seg.opt(2)?;
    let date = match x12::date_yymmdd(raw) {
        Some(d) => d,
        None => match x12::date_ccyymmdd(raw) {
            Some(d) => {
                out.warn_at(
                    format!("TA102 at segment #{} is CCYYMMDD, not YYMMDD; read as such", seg.index),
                    seg,
                    "TA102",
                );
                d
            }
            None => {
                out.warn_at(format!("TA102 at segment #{} is not a valid YYMMDD date", seg.index), seg, "TA102");
                return None;
            }
        },
    };
    match seg.opt(3) {
        Some(t) => match x12::time_hhmm(t) {
            Some(t) => Some(format!("{date}T{t}")),
            None => {
                out.warn_at(format!("TA103 at segment #{} is not a valid HHMM time", seg.index), seg, "TA103");
                Some(date)
            }
        },
        None => Some(date),
    }
}
