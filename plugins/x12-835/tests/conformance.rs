//! Conformance run over the external public corpus (../shared/samples/public): every file
//! this plugin sniffs as an 835 must parse without panicking; the files with expectations
//! in x12-reference.md §10.7 (and the brief) must meet them. Read-only: nothing is copied.
//!
//! `cargo test -p x12-835 --test conformance -- --nocapture` prints one line per file.

mod common;


use claimtrack_plugin_sdk::{testing, Level, ParseOutput, Severity, StatusClass};
use common::claims;


fn count(out: &ParseOutput, s: Severity) -> usize {
    out.diagnostics.iter().filter(|d| d.severity == s).count()
}

#[test]
fn public_835_samples() {
    let Some(dir) = testing::samples_dir(env!("CARGO_MANIFEST_DIR")).map(|d| d.join("public")) else {
        println!("skipping: ../shared/samples not found");
        return;
    };
    let mut parsed = Vec::new();
    println!("{:<80} {:<8} {:>7} {:>6} {:>6}", "file", "format", "events", "warn", "errors");
    for path in testing::files_under(&dir) {
        let bytes = std::fs::read(&path).unwrap();
        let head = &bytes[..bytes.len().min(4096)];
        let name = path.strip_prefix(&dir).unwrap().display().to_string();
        if x12_835::sniff_bytes(head) == 0 {
            continue;
        }
        let result = std::panic::catch_unwind(|| x12_835::parse_bytes(&name, &bytes));
        let result = result.unwrap_or_else(|_| panic!("{name}: parser panicked"));
        let out = result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
        println!(
            "{name:<80} {:<8} {:>7} {:>6} {:>6}",
            out.metadata.format_id,
            out.events.len(),
            count(&out, Severity::Warning),
            count(&out, Severity::Error)
        );
        parsed.push((name, out));
    }
    let find = |suffix: &str| parsed.iter().find(|(n, _)| n.ends_with(suffix)).map(|(_, o)| o);

    // LinuxForHealth managed-care.835: BPR I 945.00 ACH; two paid claims; Σ CLP04 = BPR02.
    if let Some(out) = find("835_005010X221A1__managed-care.835") {
        let h = &out.events[0];
        assert_eq!((h.raw_code.as_str(), h.amounts.paid), ("BPR01 I", Some(94500)));
        assert_eq!(h.reasons[0].code, "ACH");
        for (pcn, paid, pr, icn) in [("5554555444", 45000, 30000, "94060555410000"), ("8765432112", 49500, 60000, "94077799230000")] {
            let c = claims(out, pcn)[0];
            assert_eq!(c.status, StatusClass::Paid, "{pcn}");
            assert_eq!((c.amounts.paid, c.amounts.patient_responsibility), (Some(paid), Some(pr)), "{pcn}");
            assert_eq!(c.claim.as_ref().unwrap().payer_claim_number.as_deref(), Some(icn));
        }
        assert!(!out.diagnostics.iter().any(|d| d.message.contains("does not balance")), "Σ CLP04 = BPR02");
    } else {
        panic!("managed-care.835 missing from the corpus");
    }

    // OopFactory _5010__Example1.txt: BPR H; CLP02 1,4,4,2,4,1,25,22,22,22; CAS CR present.
    if let Some(out) = find("_5010__Example1.txt") {
        assert_eq!(out.events[0].raw_code, "BPR01 H");
        let codes: Vec<&str> = out.events.iter().filter(|e| e.level == Level::Claim).map(|e| e.raw_code.as_str()).collect();
        assert_eq!(codes, ["CLP02 1", "CLP02 4", "CLP02 4", "CLP02 2", "CLP02 4", "CLP02 1", "CLP02 25", "CLP02 22", "CLP02 22", "CLP02 22"]);
        assert!(out.events.iter().flat_map(|e| &e.reasons).any(|r| r.group.as_deref() == Some("CR")));
        assert!(out.diagnostics.iter().any(|d| d.message.contains("is missing CLP03/CLP04")));
        let last = out.events.iter().rfind(|e| e.level == Level::Claim).unwrap();
        assert_eq!(last.status, StatusClass::Reversed);
    } else {
        panic!("_5010__Example1.txt missing from the corpus");
    }

    // keironstoddart blue_cross_nc_sample: starts at ST*835, no envelope.
    let out = find("blue_cross_nc_sample.txt").expect("blue_cross_nc_sample");
    assert!(out.events.iter().any(|e| e.level == Level::Claim && e.status == StatusClass::Paid));

    // tastypackets profee-multiple: 156 interchanges, all read.
    let out = find("835__profee-multiple.edi").expect("profee-multiple");
    assert_eq!(out.metadata.interchange_control_numbers.len(), 156);
    assert_eq!(out.events.iter().filter(|e| e.level == Level::TransactionSet && e.raw_code.starts_with("BPR")).count(), 156);

    // LinuxForHealth `HC>55669` composites are re-split.
    let out = find("835_005010X221A1__cob-contractural-adjustment.835").expect("cob");
    let l = out.events.iter().find(|e| e.level == Level::ServiceLine).unwrap();
    assert_eq!(l.service_line.as_ref().unwrap().procedure_code.as_deref(), Some("55669"));

    assert!(parsed.len() >= 20, "only {} 835 files found", parsed.len());
}
