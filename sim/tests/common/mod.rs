//! Reading the simulator's files the way claimtrack does: every first-party plugin sniffs the
//! file, the most confident one parses it (compiled natively). Plus an envelope check of our
//! own for X12 files (x12-reference.md §1.3).

#![allow(dead_code)]

use std::io::Read;

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::x12;

/// The six first-party plugins, by name.
pub const PLUGINS: [&str; 6] = ["x12-837", "x12-ack", "x12-277", "x12-835", "oa-file-summary", "oa-edi-status"];

fn sniff(plugin: &str, name: &str, head: &[u8]) -> u8 {
    match plugin {
        "x12-837" => x12_837::X12Claim837::sniff(name, head),
        "x12-ack" => x12_ack::AckParser::sniff(name, head),
        "x12-277" => x12_277::X12Status277::sniff(name, head),
        "x12-835" => x12_835::X12Remittance::sniff(name, head),
        "oa-file-summary" => oa_file_summary::FileSummaryParser::sniff(name, head),
        "oa-edi-status" => oa_edi_status::OaEdiStatus::sniff(name, head),
        _ => unreachable!(),
    }
}

pub fn parse(plugin: &str, name: &str, bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    match plugin {
        "x12-837" => x12_837::parse_bytes(name, bytes),
        "x12-ack" => x12_ack::parse_bytes(name, bytes),
        "x12-277" => x12_277::parse_bytes(name, bytes),
        "x12-835" => x12_835::parse_bytes(name, bytes),
        "oa-file-summary" => oa_file_summary::parse_bytes(name, bytes),
        "oa-edi-status" => oa_edi_status::parse_bytes(name, bytes),
        _ => unreachable!(),
    }
}

/// Sniff with every plugin, assert `expected` is the single most confident one, parse with
/// it, and assert the parse has no warnings or errors.
pub fn read(name: &str, bytes: &[u8], expected: &str) -> ParseOutput {
    let head = &bytes[..bytes.len().min(4096)];
    let scores: Vec<(&str, u8)> = PLUGINS.iter().map(|p| (*p, sniff(p, name, head))).collect();
    let best = scores.iter().map(|s| s.1).max().unwrap();
    let winners: Vec<&str> = scores.iter().filter(|s| s.1 == best && best > 0).map(|s| s.0).collect();
    assert_eq!(winners, vec![expected], "{name}: sniff scores {scores:?}");
    let out = parse(expected, name, bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let bad: Vec<&Diagnostic> =
        out.diagnostics.iter().filter(|d| matches!(d.severity, Severity::Warning | Severity::Error)).collect();
    assert!(bad.is_empty(), "{name}: {bad:#?}");
    if bytes.starts_with(b"ISA") {
        check_envelope(name, bytes);
    }
    out
}

/// Every count and control number of every interchange matches (x12-reference.md §1.3),
/// ISAs are 106 characters, and the shared tokenizer has nothing to say.
pub fn check_envelope(name: &str, bytes: &[u8]) {
    let doc = x12::parse(bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    assert!(doc.diagnostics.is_empty(), "{name}: {:#?}", doc.diagnostics);
    let text = String::from_utf8_lossy(bytes);
    for isa in text.split("ISA*").skip(1) {
        let seg = isa.split('~').next().unwrap();
        assert_eq!(seg.len() + 4 + 1, 106, "{name}: ISA is not 106 characters");
    }
    for ic in &doc.interchanges {
        let iea = ic.iea.as_ref().expect("IEA");
        assert_eq!(iea.get(2), ic.isa.get(13), "{name}: IEA02");
        assert_eq!(iea.get(1), ic.groups.len().to_string(), "{name}: IEA01");
        for g in &ic.groups {
            let ge = g.ge.as_ref().expect("GE");
            assert_eq!(ge.get(2), g.control_number(), "{name}: GE02");
            assert_eq!(ge.get(1), g.transactions.len().to_string(), "{name}: GE01");
            for t in &g.transactions {
                let se = t.se.as_ref().expect("SE");
                assert_eq!(se.get(2), t.control_number(), "{name}: SE02");
                assert_eq!(se.get(1), (t.body.len() + 2).to_string(), "{name}: SE01");
            }
        }
    }
}

/// The members of a zip: (name, bytes).
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (f.name().unwrap().to_string(), v)
        })
        .collect()
}

/// The WIT name of a code set.
pub fn code_set(c: &CodeSet) -> &'static str {
    match c {
        CodeSet::ClaimStatusCategory => "claim-status-category",
        CodeSet::ClaimStatus => "claim-status",
        CodeSet::Entity => "entity",
        CodeSet::AckSegmentError => "ack-segment-error",
        CodeSet::AckElementError => "ack-element-error",
        CodeSet::AckTransactionSetError => "ack-transaction-set-error",
        CodeSet::AckGroupError => "ack-group-error",
        CodeSet::Ta1Note => "ta1-note",
        CodeSet::Carc => "carc",
        CodeSet::Rarc => "rarc",
        CodeSet::ClearinghouseEdit => "clearinghouse-edit",
        CodeSet::FreeText => "free-text",
        CodeSet::Other(_) => "other",
    }
}

/// A reason as (code set, code, group), comparable with `ExpectedReason`.
pub fn reason_key(r: &Reason) -> (&'static str, String, Option<String>) {
    (code_set(&r.code_set), r.code.clone(), r.group.clone())
}

/// Claim-level events of a parse.
pub fn claim_events(out: &ParseOutput) -> Vec<&StatusEvent> {
    out.events.iter().filter(|e| e.level == Level::Claim).collect()
}

/// The CLM01 of an event.
pub fn pcn(e: &StatusEvent) -> String {
    e.claim.as_ref().and_then(|c| c.patient_control_number.clone()).unwrap_or_default()
}
