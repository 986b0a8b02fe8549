//! Helpers shared by the integration tests.
#![allow(dead_code)]

use claimtrack_plugin_sdk::{Level, ParseOutput, Severity, StatusEvent};

pub fn fixture_path(name: &str) -> String {
    format!("{}/../../tests/fixtures/x12-835/{name}", env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

pub fn load(name: &str) -> ParseOutput {
    x12_835::parse_bytes(name, &fixture_bytes(name)).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

pub fn messages(out: &ParseOutput, severity: Severity) -> Vec<&str> {
    out.diagnostics.iter().filter(|d| d.severity == severity).map(|d| d.message.as_str()).collect()
}

pub fn warnings(out: &ParseOutput) -> Vec<&str> {
    messages(out, Severity::Warning)
}

pub fn infos(out: &ParseOutput) -> Vec<&str> {
    messages(out, Severity::Info)
}

pub fn errors(out: &ParseOutput) -> Vec<&str> {
    messages(out, Severity::Error)
}

pub fn at_level(out: &ParseOutput, level: Level) -> Vec<&StatusEvent> {
    out.events.iter().filter(|e| e.level == level).collect()
}

/// The claim-level events for patient control number `pcn`, in file order.
pub fn claims<'a>(out: &'a ParseOutput, pcn: &str) -> Vec<&'a StatusEvent> {
    out.events
        .iter()
        .filter(|e| {
            e.level == Level::Claim
                && e.claim.as_ref().and_then(|c| c.patient_control_number.as_deref()) == Some(pcn)
        })
        .collect()
}

pub fn claim<'a>(out: &'a ParseOutput, pcn: &str) -> &'a StatusEvent {
    claims(out, pcn).into_iter().next().unwrap_or_else(|| panic!("no claim {pcn}"))
}

/// Service-line events whose claim has patient control number `pcn` and payer claim
/// number `icn` (when given), in file order.
pub fn lines<'a>(out: &'a ParseOutput, pcn: &str, icn: Option<&str>) -> Vec<&'a StatusEvent> {
    out.events
        .iter()
        .filter(|e| {
            let c = e.claim.as_ref();
            e.level == Level::ServiceLine
                && c.and_then(|c| c.patient_control_number.as_deref()) == Some(pcn)
                && (icn.is_none() || c.and_then(|c| c.payer_claim_number.as_deref()) == icn)
        })
        .collect()
}
