#![allow(dead_code)]

use claimtrack_plugin_sdk::prelude::*;

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/x12-ack");

pub fn bytes(name: &str) -> Vec<u8> {
    let path = format!("{FIXTURES}/{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn parse(name: &str) -> ParseOutput {
    match x12_ack::parse_bytes(name, &bytes(name)) {
        Ok(o) => o,
        Err(e) => panic!("{name}: {e:?}"),
    }
}

pub fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(FIXTURES)
        .expect("fixture folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".x12"))
        .collect();
    names.sort();
    names
}

pub fn warnings(o: &ParseOutput) -> Vec<&str> {
    o.diagnostics.iter().filter(|d| d.severity == Severity::Warning).map(|d| d.message.as_str()).collect()
}

pub fn errors(o: &ParseOutput) -> Vec<&str> {
    o.diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| d.message.as_str()).collect()
}

pub fn has_warning(o: &ParseOutput, text: &str) -> bool {
    warnings(o).iter().any(|w| w.contains(text))
}

pub fn raw_codes(o: &ParseOutput) -> Vec<&str> {
    o.events.iter().map(|e| e.raw_code.as_str()).collect()
}

pub fn events_at(o: &ParseOutput, level: Level) -> Vec<&StatusEvent> {
    o.events.iter().filter(|e| e.level == level).collect()
}

pub fn pcn(e: &StatusEvent) -> Option<&str> {
    e.claim.as_ref().and_then(|c| c.patient_control_number.as_deref())
}

pub fn codes(e: &StatusEvent) -> Vec<&str> {
    e.reasons.iter().map(|r| r.code.as_str()).collect()
}

pub fn set_ctl(e: &StatusEvent) -> Option<&str> {
    e.correlation.transaction_set_control_number.as_deref()
}

pub fn group_ctl(e: &StatusEvent) -> Option<&str> {
    e.correlation.group_control_number.as_deref()
}

pub fn description<'a>(e: &'a StatusEvent, code_set: &CodeSet, code: &str) -> &'a str {
    e.reasons
        .iter()
        .find(|r| &r.code_set == code_set && r.code == code)
        .and_then(|r| r.description.as_deref())
        .unwrap_or_else(|| panic!("no described {code_set:?} {code} in {:?}", e.reasons))
}

/// The host's acceptance rules (host/src/model/validate.rs), restated so the plugin's tests
/// catch an output the host would refuse as a whole.
pub fn assert_host_valid(o: &ParseOutput, ctx: &str) {
    fn text(ctx: &str, field: &str, v: &str, max: usize, single_line: bool) {
        assert!(v.len() <= max, "{ctx}: {field} is {} bytes", v.len());
        assert!(
            !v.chars().any(|c| c.is_control() && (single_line || (c != '\n' && c != '\t'))),
            "{ctx}: {field} has a control character: {v:?}"
        );
    }
    fn ident(ctx: &str, field: &str, v: &str, max: usize) {
        text(ctx, field, v, max, true);
        assert!(!v.trim().is_empty(), "{ctx}: {field} is blank");
    }
    fn opt(ctx: &str, field: &str, v: &Option<String>, max: usize) {
        if let Some(v) = v {
            ident(ctx, field, v, max);
        }
    }
    fn date(ctx: &str, field: &str, v: &Option<String>) {
        if let Some(v) = v {
            let b = v.as_bytes();
            let shape = match v.len() {
                10 => "dddd-dd-dd",
                16 => "dddd-dd-ddTdd:dd",
                19 => "dddd-dd-ddTdd:dd:dd",
                _ => panic!("{ctx}: {field} {v:?} is not ISO"),
            };
            for (i, s) in shape.bytes().enumerate() {
                assert!(if s == b'd' { b[i].is_ascii_digit() } else { b[i] == s }, "{ctx}: {field} {v:?} is not ISO");
            }
        }
    }
    fn pos(ctx: &str, p: &Option<Position>) {
        if let Some(p) = p {
            assert_ne!(p.line, Some(0), "{ctx}: line 0");
            assert_ne!(p.segment_index, Some(0), "{ctx}: segment index 0");
            opt(ctx, "segment_id", &p.segment_id, 64);
            opt(ctx, "element", &p.element, 64);
        }
    }
    let m = &o.metadata;
    assert!(["x12-999", "x12-997", "x12-ta1"].contains(&m.format_id.as_str()), "{ctx}: format {}", m.format_id);
    opt(ctx, "implementation", &m.implementation, 64);
    for v in
        m.interchange_control_numbers.iter().chain(&m.group_control_numbers).chain(&m.transaction_set_control_numbers)
    {
        ident(ctx, "metadata control number", v, 256);
    }
    date(ctx, "created", &m.created);
    for p in [&m.sender, &m.receiver].into_iter().flatten() {
        opt(ctx, "party.id", &p.id, 256);
        opt(ctx, "party.id_qualifier", &p.id_qualifier, 64);
    }
    for e in &o.events {
        ident(ctx, "raw_code", &e.raw_code, 256);
        assert!(e.reasons.len() <= 1000, "{ctx}: {} reasons", e.reasons.len());
        for r in &e.reasons {
            // Free text travels in `code` when there is no code, so it may be long.
            let max = if r.code_set == CodeSet::FreeText { 4096 } else { 64 };
            ident(ctx, "reason.code", &r.code, max);
            if let Some(d) = &r.description {
                text(ctx, "reason.description", d, 4096, false);
            }
            pos(ctx, &r.position);
        }
        if let Some(c) = &e.claim {
            opt(ctx, "patient_control_number", &c.patient_control_number, 256);
        }
        let k = &e.correlation;
        for v in [&k.interchange_control_number, &k.group_control_number, &k.transaction_set_control_number] {
            opt(ctx, "correlation", v, 256);
        }
        date(ctx, "effective_date", &e.effective_date);
        if let Some(p) = &e.source_party {
            opt(ctx, "source_party.id", &p.id, 256);
            opt(ctx, "source_party.id_qualifier", &p.id_qualifier, 64);
        }
        pos(ctx, &e.position);
    }
    for d in &o.diagnostics {
        ident(ctx, "diagnostic", &d.message, 4096);
        pos(ctx, &d.position);
    }
}
