//! TA1 interchange acknowledgement: one event per TA1 segment (x12-reference.md §2).
//!
//! `TA1*<TA101 ISA13 acked>*<TA102 YYMMDD>*<TA103 HHMM>*<TA104 A|E|R>*<TA105 note code>`
//!
//! TA101–TA103 identify the *submitted* interchange (its ISA13, ISA09, ISA10): they are
//! correlation data, not the moment of the acknowledgement. The event's `effective_date` is
//! therefore the acknowledgement's own ISA09/ISA10 (the interchange carrying the TA1), as the
//! 999/997 use their own GS04/GS05. TA102/TA103 are still checked, since a bad one means the
//! submission may be misidentified.

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::x12::{self, Interchange, Segment};

use crate::codes;
use crate::out::Out;

/// TA105 is the last element the standard defines.
const LAST_ELEMENT: usize = 5;

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
    match out.coded_reason(seg, 5, CodeSet::Ta1Note, codes::ta1_note) {
        Some(r) => ev.reasons.push(r),
        // Required by the standard; some senders stop after TA104 anyway. The status still holds.
        None => out.warn_at(
            format!("TA1 at segment #{} has no TA105 interchange note code (required by the standard)", seg.index),
            seg,
            "TA105",
        ),
    }
    // Only elements with content count: a trailing separator, or an element made only of
    // component separators (seen in the wild: `…*R*006*:`), is harmless.
    let extra: Vec<usize> = (LAST_ELEMENT + 1..=seg.len())
        .filter(|&n| seg.components(n).iter().any(|c| !c.is_empty()))
        .collect();
    if let (Some(&first), Some(&last)) = (extra.first(), extra.last()) {
        let range = if first == last { format!("TA1{first:02}") } else { format!("TA1{first:02} to TA1{last:02}") };
        out.warn_at(
            format!("TA1 at segment #{} has unexpected extra elements after TA105 ({range}); ignored", seg.index),
            seg,
            &format!("TA1{first:02}"),
        );
    }
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
    check_submission_date_time(seg, out);
    ev.effective_date = ic.created();
    ev.source_party = ic.sender();
    ev.position = Some(seg.position());
    out.events.push(ev);
}

/// TA102 (YYMMDD) and TA103 (HHMM), each on its own. An 8-digit CCYYMMDD TA102 (seen in the
/// wild) is accepted with a warning, since its meaning is unambiguous.
fn check_submission_date_time(seg: &Segment, out: &mut Out) {
    match seg.opt(2) {
        None => out.warn_at(format!("TA1 at segment #{} has no TA102 interchange date", seg.index), seg, "TA102"),
        Some(raw) if x12::date_yymmdd(raw).is_some() => {}
        Some(raw) if x12::date_ccyymmdd(raw).is_some() => {
            out.warn_at(format!("TA102 at segment #{} is CCYYMMDD, not YYMMDD", seg.index), seg, "TA102")
        }
        Some(_) => out.warn_at(format!("TA102 at segment #{} is not a valid YYMMDD date", seg.index), seg, "TA102"),
    }
    match seg.opt(3) {
        None => out.warn_at(format!("TA1 at segment #{} has no TA103 interchange time", seg.index), seg, "TA103"),
        Some(t) if x12::time_hhmm(t).is_some() => {}
        Some(_) => out.warn_at(format!("TA103 at segment #{} is not a valid HHMM time", seg.index), seg, "TA103"),
    }
}
