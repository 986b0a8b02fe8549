//! The X12 acknowledgements Office Ally returns for an upload (x12-reference.md §2, §3): a
//! 999 (005010X231A1) per upload whose interchange was readable, or a TA1 when the
//! interchange itself was broken.
//!
//! Names: the 999 is `<FileID>_<uploaded name without extension>_999.999` (two integrations
//! agree on the `_999.999` suffix, office-ally.md §2); no source names a TA1 file, so the TA1
//! follows the same pattern as `…_TA1.ta1` (inferred).

use chrono::NaiveDateTime;

use crate::x12::{Envelope, Group, OA_TAX_ID, Set, interchange};

/// The 999's file name.
pub fn name_999(file_id: &str, uploaded_name: &str) -> String {
    format!("{file_id}_{}_999.999", stem(uploaded_name))
}

/// The TA1's file name.
pub fn name_ta1(file_id: &str, uploaded_name: &str) -> String {
    format!("{file_id}_{}_TA1.ta1", stem(uploaded_name))
}

fn stem(name: &str) -> &str {
    match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    }
}

/// One acknowledged transaction set.
#[derive(Debug, Clone)]
pub struct SetAck {
    /// AK202: the submitted ST02.
    pub control: String,
    /// IK502..: empty means accepted (IK5 A).
    pub errors: Vec<String>,
    /// Segment errors to report (IK3/CTX/IK4), each with the CLM01 it concerns.
    pub segment_errors: Vec<SegmentError>,
}

/// An IK3 (with its CTX CLM01 and one IK4) inside a set.
#[derive(Debug, Clone)]
pub struct SegmentError {
    /// IK301, IK302, IK304.
    pub segment: String,
    /// IK302: the segment's position in the set (ST = 1).
    pub position: u32,
    /// IK304: the segment syntax error code.
    pub code: String,
    /// CTX CLM01 value.
    pub pcn: Option<String>,
    /// IK401 element position, IK402 element reference, IK403 code.
    pub element: Option<(String, String, String)>,
}

/// What a 999 acknowledges.
#[derive(Debug, Clone)]
pub struct Ack999 {
    /// The submitter's ISA06, to address the 999 to.
    pub submitter_id: String,
    /// AK102: the submitted GS06.
    pub group_control: String,
    /// One per acknowledged set (AK2 … IK5).
    pub sets: Vec<SetAck>,
    /// AK905..: group errors (they reject the group).
    pub group_errors: Vec<String>,
    /// Reject the whole group (AK9 R) even when some sets are fine: Office Ally fails a
    /// file with a broken envelope as a whole, never in part.
    pub reject_whole: bool,
}

fn envelope(to: &str, at: NaiveDateTime, control: u32) -> Envelope {
    Envelope {
        sender_qualifier: "30",
        sender: OA_TAX_ID.into(),
        receiver_qualifier: "ZZ",
        receiver: to.into(),
        at,
        control,
    }
}

/// Render a 999.
pub fn render_999(ack: &Ack999, at: NaiveDateTime, control: u32) -> Vec<u8> {
    let mut body = vec![format!("AK1*HC*{}*005010X222A1", ack.group_control)];
    let mut accepted = 0;
    for set in &ack.sets {
        body.push(format!("AK2*837*{}*005010X222A1", set.control));
        for e in &set.segment_errors {
            body.push(format!("IK3*{}*{}**{}", e.segment, e.position, e.code));
            if let Some(pcn) = &e.pcn {
                body.push(format!("CTX*CLM01:{pcn}"));
            }
            if let Some((pos, reference, code)) = &e.element {
                body.push(format!("IK4*{pos}*{reference}*{code}"));
            }
        }
        if set.errors.is_empty() {
            accepted += 1;
            body.push("IK5*A".into());
        } else {
            body.push(format!("IK5*R*{}", set.errors.join("*")));
        }
    }
    let n = ack.sets.len();
    let code = if ack.reject_whole || !ack.group_errors.is_empty() || accepted == 0 && n > 0 {
        "R"
    } else if accepted < n {
        "P"
    } else {
        "A"
    };
    let mut ak9 = format!("AK9*{code}*{n}*{n}*{accepted}");
    for e in &ack.group_errors {
        ak9.push('*');
        ak9.push_str(e);
    }
    body.push(ak9);
    let group = Group {
        functional_id: "FA",
        sender: OA_TAX_ID.into(),
        receiver: ack.submitter_id.clone(),
        version: "005010X231A1",
        sets: vec![Set { kind: "999", guide: "005010X231A1", body }],
    };
    interchange(&envelope(&ack.submitter_id, at, control), &[], &[group])
}

/// Render a TA1-only interchange (IEA01 = 0: no groups) rejecting the submitted interchange.
pub fn render_ta1(
    to: &str,
    submitted_control: &str,
    submitted_date: &str,
    submitted_time: &str,
    note: &str,
    at: NaiveDateTime,
    control: u32,
) -> Vec<u8> {
    let ta1 = format!("TA1*{submitted_control}*{submitted_date}*{submitted_time}*R*{note}");
    interchange(&envelope(to, at, control), &[ta1], &[])
}
