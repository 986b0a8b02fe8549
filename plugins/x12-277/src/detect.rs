//! Which 277 a transaction set is: claim acknowledgment (X214) or claim status (X212).
//!
//! ST03, then GS08, decide when they name a known implementation guide. When neither does
//! (missing, masked, 4010 without a guide id), the structure decides: the two guides differ in
//! their header (BHT01 0085/BHT06 TH vs 0010/DG), their patient levels (PT vs 22/23), STC03
//! (an X214 action code X212 does not use), batch totals (QTY/AMT, X214 only) and payment data
//! in STC05–STC09 (X212 only). The reading is reported as an info diagnostic.

use claimtrack_plugin_sdk::x12::Segment;

use crate::codes::Variant;
use crate::diag::Diags;
use crate::stc::shown;

fn from_version(v: &str) -> Option<Variant> {
    // X364 (277 data reporting acknowledgment) is built like X214; X093 and X070 are the 4010
    // claim status response and unsolicited status.
    if v.contains("X214") || v.contains("X364") {
        Some(Variant::ClaimAck)
    } else if v.contains("X212") || v.contains("X093") || v.contains("X070") {
        Some(Variant::StatusResponse)
    } else {
        None
    }
}

pub fn detect(gs: &Segment, st: &Segment, body: &[Segment], diags: &mut Diags) -> Variant {
    let st03 = st.get(3);
    let gs08 = gs.get(8);
    match (from_version(st03), from_version(gs08)) {
        (Some(a), Some(b)) if a != b => {
            diags.warning(
                format!("ST03 {} and GS08 {} name different 277 guides (segment #{}); ST03 is used", shown(st03), shown(gs08), st.index),
                Some(st.position_at("ST03")),
            );
            return a;
        }
        (Some(a), _) | (None, Some(a)) => return a,
        (None, None) => {}
    }

    let (mut ack, mut resp) = (Vec::new(), Vec::new());
    let mut level = "";
    for seg in body {
        match seg.id.as_str() {
            "BHT" => {
                match seg.get(1) {
                    "0085" => ack.push("BHT01 0085"),
                    "0010" => resp.push("BHT01 0010"),
                    _ => {}
                }
                match seg.get(6) {
                    "TH" => ack.push("BHT06 TH"),
                    "DG" => resp.push("BHT06 DG"),
                    _ => {}
                }
            }
            "HL" => {
                level = seg.get(3);
                match level {
                    "PT" => push_once(&mut ack, "HL level PT"),
                    "22" | "23" => push_once(&mut resp, "HL level 22/23"),
                    _ => {}
                }
            }
            "STC" => {
                if matches!(seg.get(3), "WQ" | "U") {
                    push_once(&mut ack, "STC03 action code");
                }
                if (5..=9).any(|n| seg.opt(n).is_some()) {
                    push_once(&mut resp, "STC05-STC09 payment data");
                }
            }
            "QTY" | "AMT" if matches!(level, "21" | "19") => push_once(&mut ack, "batch totals QTY/AMT"),
            _ => {}
        }
    }
    let (variant, signs) = if ack.len() > resp.len() {
        (Variant::ClaimAck, ack)
    } else {
        (Variant::StatusResponse, resp)
    };
    let why = if signs.is_empty() { "no distinguishing structure; the claim status reading is the default".to_string() } else { signs.join(", ") };
    let shown = |v: &str| if v.is_empty() { "absent".to_string() } else { shown(v) };
    diags.info(
        format!(
            "transaction set at segment #{}: neither ST03 ({}) nor GS08 ({}) names X214 or X212; read as {} from its content ({why})",
            st.index,
            shown(st03),
            shown(gs08),
            match variant {
                Variant::ClaimAck => "a 277CA claim acknowledgment",
                Variant::StatusResponse => "a 277 claim status response",
            }
        ),
        Some(st.position_at("ST03")),
    );
    variant
}

fn push_once(v: &mut Vec<&'static str>, s: &'static str) {
    if !v.contains(&s) {
        v.push(s);
    }
}
