//! CTX (context) segments of the 999, and element references for descriptions.
//!
//! Two forms exist (x12-reference.md §3):
//! - business unit: `CTX*CLM01:123456789` names the claim (or another key: TRN02, NM109…)
//!   the error belongs to;
//! - segment/element context: `CTX*SITUATIONAL TRIGGER*CLM*43**5:3*C023:1325` points at the
//!   segment whose data made the erroneous segment required or forbidden.
//!
//! CTX01 may repeat (staedi sends `SITUATIONAL TRIGGER^SITUATIONAL TRIGGER:2^…`): only the
//! first repetition names the form.

use claimtrack_plugin_sdk::x12::Segment;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Context {
    /// `CTX*CLM01:<patient control number>`.
    Claim(String),
    /// Any other context, already worded for a reason description.
    Text(String),
}

pub fn read(seg: &Segment) -> Option<Context> {
    let first = seg.repetitions(1).first().map(|r| r.trim()).unwrap_or("");
    let mut parts = first.split(seg.component_separator).map(str::trim);
    let name = parts.next().unwrap_or("");
    let value = parts.next().unwrap_or("");
    if name.eq_ignore_ascii_case("SITUATIONAL TRIGGER") {
        return Some(Context::Text(trigger(seg)));
    }
    if name.eq_ignore_ascii_case("CLM01") && !value.is_empty() {
        return Some(Context::Claim(value.to_string()));
    }
    if !name.is_empty() && !value.is_empty() {
        return Some(Context::Text(format!("business unit {name} {value}")));
    }
    let raw: Vec<&str> = seg.elements.iter().map(|e| e.trim()).filter(|e| !e.is_empty()).collect();
    (!raw.is_empty()).then(|| Context::Text(format!("context {}", raw.join(" "))))
}

/// "situational trigger: segment CLM at position 43, loop 2300, element CLM05-3 (C023:1325)"
fn trigger(seg: &Segment) -> String {
    let seg_id = seg.opt(2);
    let mut parts = Vec::new();
    match seg_id {
        Some(id) => parts.push(format!("segment {id}")),
        None => parts.push("segment".to_string()),
    }
    if let Some(p) = seg.opt(3) {
        parts[0].push_str(&format!(" at position {p}"));
    }
    if let Some(l) = seg.opt(4) {
        parts.push(format!("loop {l}"));
    }
    if let Some(e) = element_ref(seg_id, &seg.components(5)) {
        let mut s = format!("element {e}");
        if let Some(r) = seg.opt(6) {
            s.push_str(&format!(" ({r})"));
        }
        parts.push(s);
    } else if let Some(r) = seg.opt(6) {
        parts.push(format!("data element {r}"));
    }
    format!("situational trigger: {}", parts.join(", "))
}

/// An element reference in the host's style from a position composite `elem[:comp[:rep]]`:
/// "CLM05-3", "CLM02", "CLM05-3 repetition 2"; "05" when the segment id is unknown.
/// `None` when the position is empty.
pub fn element_ref(seg_id: Option<&str>, position: &[&str]) -> Option<String> {
    let elem = position.first().copied().filter(|e| !e.is_empty())?;
    let elem = match elem.parse::<u32>() {
        Ok(n) => format!("{n:02}"),
        Err(_) => elem.to_string(),
    };
    let mut s = format!("{}{elem}", seg_id.unwrap_or(""));
    if let Some(c) = position.get(1).filter(|c| !c.is_empty()) {
        s.push('-');
        s.push_str(c);
    }
    if let Some(r) = position.get(2).filter(|r| !r.is_empty()) {
        s.push_str(&format!(" repetition {r}"));
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(elements: &[&str]) -> Segment {
        Segment {
            id: "CTX".into(),
            elements: elements.iter().map(|s| s.to_string()).collect(),
            index: 9,
            line: 9,
            offset: 0,
            component_separator: ':',
            repetition_separator: Some('^'),
            terminated: true,
        }
    }

    #[test]
    fn claim_context() {
        assert_eq!(read(&seg(&["CLM01:123456789"])), Some(Context::Claim("123456789".into())));
        assert_eq!(read(&seg(&["clm01: ABC-1 "])), Some(Context::Claim("ABC-1".into())));
    }

    #[test]
    fn situational_trigger_is_worded() {
        let c = read(&seg(&["SITUATIONAL TRIGGER", "CLM", "43", "", "5:3", "C023:1325"]));
        assert_eq!(
            c,
            Some(Context::Text("situational trigger: segment CLM at position 43, element CLM05-3 (C023:1325)".into()))
        );
        let c = read(&seg(&["SITUATIONAL TRIGGER^SITUATIONAL TRIGGER:2", "NM1", "12", "2010BA", "", "66"]));
        assert_eq!(
            c,
            Some(Context::Text("situational trigger: segment NM1 at position 12, loop 2010BA, data element 66".into()))
        );
    }

    #[test]
    fn other_business_units_and_unknown_forms() {
        assert_eq!(read(&seg(&["TRN02:BATCH1"])), Some(Context::Text("business unit TRN02 BATCH1".into())));
        assert_eq!(read(&seg(&["SOMETHING", "X"])), Some(Context::Text("context SOMETHING X".into())));
        assert_eq!(read(&seg(&[])), None);
    }

    #[test]
    fn element_refs() {
        assert_eq!(element_ref(Some("CLM"), &["2"]).as_deref(), Some("CLM02"));
        assert_eq!(element_ref(Some("CLM"), &["5", "3"]).as_deref(), Some("CLM05-3"));
        assert_eq!(element_ref(Some("HI"), &["1", "2", "3"]).as_deref(), Some("HI01-2 repetition 3"));
        assert_eq!(element_ref(None, &["12"]).as_deref(), Some("12"));
        assert_eq!(element_ref(Some("CLM"), &[""]), None);
    }
}
