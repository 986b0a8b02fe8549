//! The generators: every file is valid X12 (or Office Ally's layout), read by our own plugin
//! with no warnings, holds the number of claims asked for, and depends only on the seed.

mod common;

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_sim::generate::{self, EnvelopeBreak, Options837};
use claimtrack_sim::x12::npi_is_valid;
use common::{check_envelope, claim_events, parse, read};

#[test]
fn the_837_follows_office_ally_rules_and_plants_flaws() {
    let o = Options837 {
        missing_address: vec![0],
        bad_npi: vec![2],
        payer_of: vec![(1, "CSM02".into()), (3, "ZZZ99".into())],
        lines: Some(2),
        ..Options837::default()
    };
    let bytes = generate::generate_837(11, 5, &o);
    let name = o.file_name();
    assert!(name.contains("837P") && !name.contains("TEST"));
    // No `oa-rule-…` warning but the planted flaws: ISA08, GS03, GS08, NM1*40, CLM05-3, CLM01
    // length, file name and every other claim edit pass; the same batch without the flaws
    // reads with no warning at all.
    let clean = Options837 { missing_address: vec![], bad_npi: vec![], ..o.clone() };
    read(&name, &generate::generate_837(11, 5, &clean), "x12-837");
    check_envelope(&name, &bytes);
    let out = parse("x12-837", &name, &bytes).unwrap();
    let found: Vec<(&str, &str)> = out
        .diagnostics
        .iter()
        .map(|d| {
            let claim = d.message.split("claim ").nth(1).and_then(|r| r.split(':').next()).unwrap_or("");
            (d.code.as_deref().unwrap_or("uncoded"), claim)
        })
        .collect();
    assert_eq!(found, [("oa-rule-subscriber-address", "SIM00001"), ("oa-rule-npi-check-digit", "SIM00003")]);
    let claims = claim_events(&out);
    assert_eq!(claims.len(), 5);
    assert_eq!(out.events.iter().filter(|e| e.level == Level::ServiceLine).count(), 10);
    assert_eq!(out.metadata.implementation.as_deref(), Some("005010X222A1"));
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.contains("*30*330897513      *"));
    assert!(text.contains("NM1*40*2*OFFICE ALLY*****46*330897513~"));
    for c in &claims {
        assert_eq!(c.claim.as_ref().unwrap().frequency_code.as_deref(), Some("1"));
    }
    let payer = |i: usize| claims[i].claim.as_ref().unwrap().payer.as_ref().unwrap().id.clone().unwrap();
    assert_eq!(payer(1), "CSM02");
    assert_eq!(payer(3), "ZZZ99");
    let rendering = |i: usize| {
        claims[i].claim.as_ref().unwrap().providers.iter().find(|p| p.role == ProviderRole::Rendering).unwrap().npi.clone().unwrap()
    };
    assert!(!npi_is_valid(&rendering(2)));
    assert!(npi_is_valid(&rendering(0)) && npi_is_valid(&rendering(4)));
    // The planted missing street: claim 0's subscriber has no N3.
    let b = claimtrack_sim::batch::read(&bytes).unwrap();
    assert!(!b.claims[0].has_street && b.claims[1].has_street);

    assert_eq!(generate::generate_837(11, 5, &o), bytes);
    assert_ne!(generate::generate_837(12, 5, &o), bytes);
}

#[test]
fn broken_envelopes_are_broken_as_asked() {
    for (brk, note) in [(EnvelopeBreak::SegmentCount, None), (EnvelopeBreak::InterchangeControl, Some("001"))] {
        let o = Options837 { broken_envelope: Some(brk), ..Options837::default() };
        let bytes = generate::generate_837(1, 3, &o);
        match (claimtrack_sim::batch::read(&bytes), note) {
            (Err(claimtrack_sim::batch::Failure::Group { sets, .. }), None) => assert_eq!(sets[0].1, vec!["4"]),
            (Err(claimtrack_sim::batch::Failure::Interchange { note: n, .. }), Some(want)) => assert_eq!(n, want),
            (other, _) => panic!("{brk:?}: {other:?}"),
        }
        // Still an 837 our plugin reads, with the count mismatch as a warning.
        let out = x12_837::parse_bytes(&o.file_name(), &bytes).unwrap();
        assert_eq!(claim_events(&out).len(), 3);
        assert!(out.diagnostics.iter().any(|d| d.severity == Severity::Warning));
    }
}

#[test]
fn workload_835_with_claims_and_lines() {
    let bytes = generate::workload_835(3, 200, Some(3));
    let out = read("w_ERA_835_5010_20260115.835", &bytes, "x12-835");
    let claims = claim_events(&out);
    // Reversals add a reversal and a correction CLP for one claim.
    let distinct: std::collections::HashSet<String> = claims.iter().map(|e| common::pcn(e)).collect();
    assert_eq!(distinct.len(), 200);
    let lines = out.events.iter().filter(|e| e.level == Level::ServiceLine).count();
    assert!(lines >= 3 * 150, "{lines}");
    for status in [StatusClass::Paid, StatusClass::Denied, StatusClass::Reversed] {
        assert!(claims.iter().any(|e| e.status == status), "{status:?}");
    }
    assert_eq!(generate::workload_835(3, 200, Some(3)), bytes);
    // Without --lines: the host benchmarks' synthetic 835, unchanged.
    assert_eq!(generate::workload_835(3, 50, None), x12_835::generate::synthetic_835(50, 3));
    read("s.835", &generate::workload_835(3, 50, None), "x12-835");
}

#[test]
fn workload_277ca_999_and_file_summary() {
    let bytes = generate::workload_277ca(4, 300);
    let out = read("sim_1_HCFA_277ca_20260115.txt", &bytes, "x12-277");
    let claims = claim_events(&out);
    assert_eq!(claims.len(), 300);
    let rejected = claims.iter().filter(|e| e.status == StatusClass::Rejected).count();
    assert!((50..150).contains(&rejected), "{rejected}");

    let bytes = generate::workload_999(5, 400);
    let out = read("w_999.999", &bytes, "x12-ack");
    let sets = out.events.iter().filter(|e| e.level == Level::TransactionSet).count();
    assert_eq!(sets, 400);
    assert!(out.events.iter().any(|e| e.status == StatusClass::Rejected));
    assert!(out.events.iter().any(|e| e.level == Level::FunctionalGroup && e.status == StatusClass::AcceptedWithErrors));

    let bytes = generate::workload_file_summary(6, 500);
    let text = String::from_utf8(bytes.clone()).unwrap();
    let id = text.split("master file with fileID:").nth(1).unwrap().lines().next().unwrap().to_string();
    let out = read(&format!("FS_HCFA_{id}_IN_C.txt"), &bytes, "oa-file-summary");
    let claims = claim_events(&out);
    assert_eq!(claims.len(), 500);
    let rejected = claims.iter().filter(|e| e.status == StatusClass::Rejected).count();
    assert!((20..100).contains(&rejected), "{rejected}");
    assert_eq!(out.metadata.child_files.len(), 3);
    assert_eq!(generate::workload_file_summary(6, 500), bytes);
}
