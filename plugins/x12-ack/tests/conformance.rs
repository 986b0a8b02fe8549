//! Conformance over the external sample corpus (../shared/samples/public): every file this
//! plugin claims must parse without a panic, and the files with known outcomes
//! (x12-reference.md §10.7, plus the other acknowledgement samples of §10.1/§10.2) must give
//! them. Run with `--nocapture` for the per-file table.

mod common;

use std::collections::BTreeMap;

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::testing;
use x12_ack::AckParser;


fn by_level(o: &ParseOutput, level: Level) -> Vec<&StatusEvent> {
    o.events.iter().filter(|e| e.level == level).collect()
}

fn set<'a>(o: &'a ParseOutput, ctl: &str) -> &'a StatusEvent {
    o.events
        .iter()
        .find(|e| {
            e.level == Level::TransactionSet && e.correlation.transaction_set_control_number.as_deref() == Some(ctl)
        })
        .unwrap_or_else(|| panic!("no set event for {ctl}"))
}

fn reason<'a>(e: &'a StatusEvent, cs: CodeSet, code: &str) -> &'a Reason {
    e.reasons
        .iter()
        .find(|r| r.code_set == cs && r.code == code)
        .unwrap_or_else(|| panic!("no {cs:?} {code} in {:?}", e.reasons))
}

fn pcns(o: &ParseOutput) -> Vec<&str> {
    by_level(o, Level::Claim).iter().filter_map(|e| e.claim.as_ref()?.patient_control_number.as_deref()).collect()
}

fn group(o: &ParseOutput) -> &StatusEvent {
    by_level(o, Level::FunctionalGroup)[0]
}

fn check_imsweb_999_rejected(o: &ParseOutput) {
    let g = group(o);
    assert_eq!((g.raw_code.as_str(), g.status), ("AK9 R", StatusClass::Rejected));
    assert_eq!(g.correlation.group_control_number.as_deref(), Some("28"));
    assert_eq!(g.reasons[0].description.as_deref(), Some("rejected: 0 of 1 transaction sets accepted"));
    let s = set(o, "0028");
    assert_eq!((s.raw_code.as_str(), s.status), ("IK5 R", StatusClass::Rejected));
    reason(s, CodeSet::AckTransactionSetError, "5");
    let ik3 = reason(s, CodeSet::AckSegmentError, "1");
    assert_eq!(
        ik3.description.as_deref(),
        Some("Unrecognized segment ID (segment NM at position 17 of the 837 transaction set)")
    );
}

fn check_three_837s(o: &ParseOutput) {
    let g = group(o);
    assert_eq!((g.raw_code.as_str(), g.status), ("AK9 P", StatusClass::AcceptedWithErrors));
    assert_eq!(g.reasons[0].description.as_deref(), Some("partially accepted: 1 of 3 transaction sets accepted"));
    assert_eq!(set(o, "0001").status, StatusClass::Accepted);
    let s2 = set(o, "0002");
    assert_eq!(s2.status, StatusClass::Rejected);
    assert_eq!(s2.claim.as_ref().and_then(|c| c.patient_control_number.as_deref()), Some("123456789"));
    assert!(
        reason(s2, CodeSet::AckSegmentError, "8")
            .description
            .as_deref()
            .unwrap()
            .contains("segment CLM at position 22")
    );
    assert!(
        reason(s2, CodeSet::AckElementError, "1").description.as_deref().unwrap().contains("CLM02, data element 782")
    );
    let s3 = set(o, "0003");
    assert_eq!(s3.status, StatusClass::Rejected);
    let r = reason(s3, CodeSet::AckSegmentError, "3").description.as_deref().unwrap();
    assert!(r.starts_with("Required segment missing (segment REF at position 57"), "{r}");
    assert!(r.contains("situational trigger: segment CLM at position 43"), "{r}");
    assert_eq!(pcns(o), vec!["123456789", "987654321"]);
    assert!(by_level(o, Level::Claim).iter().all(|c| c.status == StatusClass::Rejected));
}

fn check_997_837s(o: &ParseOutput) {
    assert_eq!(o.metadata.format_id, "x12-997");
    assert_eq!(group(o).raw_code, "AK9 P");
    assert_eq!(set(o, "0001").raw_code, "AK5 A");
    let s = set(o, "0002");
    assert_eq!((s.raw_code.as_str(), s.status), ("AK5 R", StatusClass::Rejected));
    assert!(
        reason(s, CodeSet::AckElementError, "1")
            .description
            .as_deref()
            .unwrap()
            .starts_with("Required data element missing (CLM01, data element 1028")
    );
}

fn check_ta1(o: &ParseOutput, icn: &str, note: &str) {
    assert_eq!(o.metadata.format_id, "x12-ta1");
    assert_eq!(o.events.len(), 1);
    let e = &o.events[0];
    assert_eq!((e.level, e.status), (Level::Interchange, StatusClass::Rejected));
    assert_eq!(e.correlation.interchange_control_number.as_deref(), Some(icn));
    assert_eq!(e.reasons.len(), 1);
    assert_eq!((e.reasons[0].code_set.clone(), e.reasons[0].code.as_str()), (CodeSet::Ta1Note, note));
    assert!(e.reasons[0].description.is_some());
}

fn check_ta1_sample1(o: &ParseOutput) {
    assert_eq!(o.events.len(), 2);
    assert!(o.events.iter().all(|e| e.status == StatusClass::Accepted && e.reasons.is_empty()));
}

fn check_dhs_wisconsin(o: &ParseOutput) {
    assert_eq!(o.metadata.implementation.as_deref(), Some("005010X231"));
    assert_eq!(set(o, "002").status, StatusClass::Rejected);
    assert_eq!(pcns(o), vec!["123456789", "987654321"]);
    assert_eq!(group(o).raw_code, "AK9 P");
}

fn check_staedi_invalid999(o: &ParseOutput) {
    let w: Vec<_> = o.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert!(w.iter().any(|m| m.contains("IK5 at segment #4 comes before any AK1")), "{w:?}");
    assert!(w.contains(&"unknown IK501 code Q at segment #7"), "{w:?}");
    let s1 = set(o, "0001");
    assert_eq!((s1.raw_code.as_str(), s1.status), ("IK5 Q", StatusClass::Informational));
    assert_eq!(pcns(o), vec!["123456789", "987654321"]);
}

fn check_accepted_999(o: &ParseOutput) {
    assert!(o.events.iter().all(|e| e.status == StatusClass::Accepted), "{:?}", o.events);
    assert!(!o.events.is_empty());
}

fn check_multiple_997(o: &ParseOutput) {
    assert_eq!(o.metadata.interchange_control_numbers.len(), 3);
    assert_eq!(by_level(o, Level::FunctionalGroup).len(), 3);
    assert!(o.events.iter().all(|e| e.status == StatusClass::Rejected));
}

type Check = fn(&ParseOutput);

#[test]
fn public_samples() {
    let Some(root) = testing::samples_dir(env!("CARGO_MANIFEST_DIR")) else {
        println!("skipping: ../shared/samples not found");
        return;
    };
    let checks: BTreeMap<&str, Check> = BTreeMap::from([
        ("837_5010__x12_999_rejected.txt", check_imsweb_999_rejected as Check),
        ("837_5010__x12_999_accepted.txt", check_accepted_999),
        ("pass__response-to-functional-group-containing-3-837s.edi", check_three_837s),
        ("pass__response-to-functional-group-containing-837s.edi", check_997_837s),
        ("test-files__TA1.edi", |o| check_ta1(o, "000000100", "024")),
        ("Acknowledgments__TechnicalAcknowledgment_SampleFromJeffN825.txt", |o| check_ta1(o, "900000001", "006")),
        ("Acknowledgments__TechnicalAcknowledgment_Sample1.txt", check_ta1_sample1),
        ("_999__DHS_Wisconsin_Sample.txt", check_dhs_wisconsin),
        ("x12__simple999.edi", check_three_837s),
        ("x12__invalid999.edi", check_staedi_invalid999),
        ("x12__simple997-multiple-interchanges.edi", check_multiple_997),
        ("tests__834_ls_le_ls_5010.999.txt", check_accepted_999),
        ("tests__834_lui_id_5010.999.txt", check_accepted_999),
    ]);
    let all = testing::files_under(&root);
    let mut checked = Vec::new();
    println!("{:<78} {:<8} {:>6} {:>8} {:>6}", "file", "format", "events", "warnings", "errors");
    for path in &all {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let confidence = AckParser::sniff(&name, &bytes[..bytes.len().min(4096)]);
        // Every file must be safe to hand us, ours or not.
        let result = x12_ack::parse_bytes(&name, &bytes);
        if confidence == 0 {
            assert!(!checks.contains_key(name.as_str()), "{name} has expectations but was not sniffed as ours");
            continue;
        }
        let shown = path.strip_prefix(&root).unwrap_or(path).display().to_string();
        let o = result.unwrap_or_else(|e| panic!("{shown} sniffed {confidence} but failed: {e:?}"));
        common::assert_host_valid(&o, &shown);
        let count = |s: Severity| o.diagnostics.iter().filter(|d| d.severity == s).count();
        println!(
            "{:<78} {:<8} {:>6} {:>8} {:>6}",
            shown,
            o.metadata.format_id,
            o.events.len(),
            count(Severity::Warning),
            count(Severity::Error)
        );
        if let Some(check) = checks.get(name.as_str()) {
            check(&o);
            checked.push(name);
        }
    }
    for name in checks.keys() {
        assert!(checked.iter().any(|c| c == name), "expected sample {name} not found under {}", root.display());
    }
}
