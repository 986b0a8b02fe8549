#![allow(dead_code)]

use claimtrack_plugin_sdk::prelude::*;

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/oa-edi-status");

pub fn bytes(name: &str) -> Vec<u8> {
    let path = format!("{FIXTURES}/{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn parse(name: &str) -> ParseOutput {
    let o = oa_edi_status::parse_bytes(name, &bytes(name)).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    assert_host_valid(&o, name);
    o
}

pub fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(FIXTURES)
        .expect("fixture folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub fn with_severity(o: &ParseOutput, s: Severity) -> Vec<&Diagnostic> {
    o.diagnostics.iter().filter(|d| d.severity == s).collect()
}

pub fn codes_of(o: &ParseOutput, s: Severity) -> Vec<&str> {
    with_severity(o, s).iter().filter_map(|d| d.code.as_deref()).collect()
}

pub fn claim(e: &StatusEvent) -> &ClaimRef {
    e.claim.as_ref().expect("claim-level event has a claim")
}

pub fn oa_ids(o: &ParseOutput) -> Vec<&str> {
    o.events.iter().filter_map(|e| claim(e).clearinghouse_claim_id.as_deref()).collect()
}

pub fn statuses(o: &ParseOutput) -> Vec<StatusClass> {
    o.events.iter().map(|e| e.status).collect()
}

pub fn line_of(e: &StatusEvent) -> Option<u32> {
    e.position.as_ref().and_then(|p| p.line)
}

pub fn response(e: &StatusEvent) -> Option<&str> {
    e.reasons.iter().find(|r| r.code_set == CodeSet::FreeText).map(|r| r.code.as_str())
}

/// The host's acceptance rules (host/src/model/validate.rs) as far as this plugin's output
/// touches them, so a test fails where the host would refuse the whole output.
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
        assert_eq!(v, v.trim(), "{ctx}: {field} is not trimmed");
    }
    fn opt(ctx: &str, field: &str, v: &Option<String>, max: usize) {
        if let Some(v) = v {
            ident(ctx, field, v, max);
        }
    }
    fn date(ctx: &str, field: &str, v: &Option<String>) {
        if let Some(v) = v {
            let b = v.as_bytes();
            assert_eq!(b.len(), 10, "{ctx}: {field} {v:?} is not ISO");
            for (i, s) in b"dddd-dd-dd".iter().enumerate() {
                assert!(if *s == b'd' { b[i].is_ascii_digit() } else { b[i] == *s }, "{ctx}: {field} {v:?} is not ISO");
            }
        }
    }
    fn pos(ctx: &str, p: &Option<Position>) {
        if let Some(p) = p {
            assert_ne!(p.line, Some(0), "{ctx}: line 0");
            assert!(p.line.is_some(), "{ctx}: text positions name a line");
        }
    }
    let m = &o.metadata;
    assert!(["oa-edi-status", "oa-era-summary"].contains(&m.format_id.as_str()), "{ctx}: format {}", m.format_id);
    opt(ctx, "clearinghouse_file_id", &m.clearinghouse_file_id, 256);
    date(ctx, "created", &m.created);
    for e in &o.events {
        ident(ctx, "raw_code", &e.raw_code, 256);
        assert!(e.reasons.len() <= 1000);
        for r in &e.reasons {
            let max = if r.code_set == CodeSet::FreeText { 4096 } else { 64 };
            ident(ctx, "reason.code", &r.code, max);
            pos(ctx, &r.position);
        }
        let c = claim(e);
        for (f, v) in [
            ("patient_control_number", &c.patient_control_number),
            ("clearinghouse_claim_id", &c.clearinghouse_claim_id),
            ("payer_claim_number", &c.payer_claim_number),
            ("patient_name", &c.patient_name),
        ] {
            opt(ctx, f, v, 256);
        }
        if let Some(p) = &c.payer {
            opt(ctx, "payer.id", &p.id, 256);
        }
        for p in &c.providers {
            opt(ctx, "provider.tax_id", &p.tax_id, 64);
        }
        opt(ctx, "correlation.clearinghouse_file_id", &e.correlation.clearinghouse_file_id, 256);
        date(ctx, "effective_date", &e.effective_date);
        if let Some(a) = e.amounts.charged {
            assert!(a.abs() <= 100_000_000_000_000);
        }
        pos(ctx, &e.position);
    }
    for d in &o.diagnostics {
        ident(ctx, "diagnostic", &d.message, 4096);
        opt(ctx, "diagnostic.code", &d.code, 64);
        pos(ctx, &d.position);
    }
}

/// Synthetic PHI in the fixtures; none of it may reach a diagnostic.
pub const PHI: &[&str] = &["DOE", "ROE", "SMITH", "LEE", "WASHINGTON", "JANE", "RICHARD", "W1002003"];

pub fn assert_no_phi_in_diagnostics(o: &ParseOutput, ctx: &str) {
    for d in &o.diagnostics {
        for p in PHI {
            assert!(!d.message.to_uppercase().contains(p), "{ctx}: diagnostic names {p}: {}", d.message);
        }
    }
}
