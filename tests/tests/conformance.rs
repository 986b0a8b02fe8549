//! Conformance run over the external sample corpus (`../shared/samples/public`): every file
//! goes through plugin selection and the real WASM plugins. No crash, no hang, no invalid
//! output; each X12 response file parses, everything else gets a precise error. The
//! expectations of x12-reference.md §10.7 are checked on the way.
//!
//! Run `cargo test -p claimtrack-tests --test conformance -- --nocapture` to see the table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use claimtrack::model::{Severity, StatusClass};
use claimtrack::plugins::{ParseFailure, ParseReport};
use claimtrack_plugin_sdk::x12;
use claimtrack_tests::{files_under, plugins, samples_dir};

/// Whether the file is one of the X12 kinds the built-in plugins read (responses, and the
/// 837 batches we submit).
fn is_supported_response(bytes: &[u8]) -> bool {
    match x12::sniff_head(&bytes[..bytes.len().min(4096)]) {
        Some(h) => {
            h.has_ta1
                || matches!(h.functional_id.as_deref(), Some("FA" | "HN" | "HP" | "HC"))
                || matches!(h.transaction_kind.as_deref(), Some("999" | "997" | "277" | "835" | "837"))
        }
        None => false,
    }
}

#[test]
fn public_samples() {
    let Some(samples) = samples_dir() else {
        eprintln!("skipping: ../shared/samples not found (set CLAIMTRACK_SAMPLES to run the conformance corpus)");
        return;
    };
    let public = samples.join("public");
    let mut table = String::from("| file | result | format | events | warnings | errors |\n|---|---|---|---|---|---|\n");
    let mut results: BTreeMap<String, Result<ParseReport, ParseFailure>> = BTreeMap::new();
    let mut problems = Vec::new();
    for path in files_under(&public) {
        let rel = path.strip_prefix(&public).unwrap().display().to_string();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let supported = is_supported_response(&bytes);
        let result = plugins().parse(&name, &bytes, None);
        match &result {
            Ok(r) => {
                let p = &r.parsed;
                let _ = writeln!(
                    table,
                    "| {rel} | parsed by {} | {} | {} | {} | {} |",
                    r.plugin,
                    p.metadata.format_id,
                    p.events.len(),
                    p.count(Severity::Warning),
                    p.count(Severity::Error)
                );
                if !supported {
                    problems.push(format!("{rel}: parsed by {} although it is not a supported response kind", r.plugin));
                }
            }
            Err(e) => {
                let _ = writeln!(table, "| {rel} | {}: {} | – | – | – | – |", e.kind(), e.to_string().replace('|', "\\|"));
                if let ParseFailure::Plugin(pe) = e
                    && pe.is_plugin_fault()
                {
                    problems.push(format!("{rel}: plugin fault: {pe}"));
                }
                if supported {
                    problems.push(format!("{rel}: supported response kind but not parsed: {e}"));
                }
            }
        }
        results.insert(rel, result);
    }
    println!("{table}");
    if let Some(dir) = option_env!("CARGO_TARGET_TMPDIR") {
        let _ = std::fs::write(std::path::Path::new(dir).join("conformance.md"), &table);
    }
    assert!(results.len() >= 40, "expected the whole corpus, found {} files", results.len());
    assert!(problems.is_empty(), "conformance problems:\n{}", problems.join("\n"));
    expectations(&results);
}

fn report<'a>(results: &'a BTreeMap<String, Result<ParseReport, ParseFailure>>, suffix: &str) -> &'a ParseReport {
    let (name, r) = results.iter().find(|(k, _)| k.ends_with(suffix)).unwrap_or_else(|| panic!("sample {suffix} missing"));
    r.as_ref().unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// x12-reference.md §10.7, checked through the whole host pipeline.
fn expectations(results: &BTreeMap<String, Result<ParseReport, ParseFailure>>) {
    // imsweb rejected 999: AK9 R, ST 0028 rejected (IK5 R), IK3 NM code 1.
    let r = report(results, "x12_999_rejected.txt");
    let ev = &r.parsed.events;
    assert!(ev.iter().any(|e| e.raw_code == "AK9 R" && e.status == StatusClass::Rejected), "AK9 R");
    let set = ev.iter().find(|e| e.raw_code == "IK5 R").expect("IK5 R event");
    assert_eq!(set.correlation.transaction_set_control_number.as_deref(), Some("0028"));
    assert!(set.reasons.iter().any(|x| x.code == "1" && x.code_set.name() == "ack_segment_error"), "{:?}", set.reasons);

    // stupidedi 3-837 999: partial acceptance, claim 123456789 rejected.
    let r = report(results, "response-to-functional-group-containing-3-837s.edi");
    let ev = &r.parsed.events;
    assert!(ev.iter().any(|e| e.raw_code == "AK9 P" && e.status == StatusClass::AcceptedWithErrors));
    assert!(ev.iter().any(|e| e.status == StatusClass::Rejected
        && e.claim.as_ref().and_then(|c| c.patient_control_number.as_deref()) == Some("123456789")));
    assert!(ev.iter().any(|e| e.status == StatusClass::Rejected
        && e.claim.as_ref().and_then(|c| c.patient_control_number.as_deref()) == Some("987654321")));

    // TA1 rejections.
    for (file, icn, note) in [("test-files__TA1.edi", "000000100", "024"), ("TechnicalAcknowledgment_SampleFromJeffN825.txt", "900000001", "006")] {
        let r = report(results, file);
        let e = r.parsed.events.iter().find(|e| e.raw_code == "TA1 R").unwrap_or_else(|| panic!("{file}: TA1 R"));
        assert_eq!(e.correlation.interchange_control_number.as_deref(), Some(icn), "{file}");
        assert_eq!(e.reasons[0].code, note, "{file}");
    }

    // imsweb 277CA: accepted claim 5781 (charge 125.00), rejected 3920394930203 with A7:562:85.
    let r = report(results, "x12_277CA_accepted.txt");
    let e = claim_event(r, "5781");
    assert_eq!(e.status, StatusClass::Accepted);
    assert_eq!(e.amounts.charged, Some(12500));
    let r = report(results, "x12_277CA_rejected.txt");
    let e = claim_event(r, "3920394930203");
    assert_eq!(e.status, StatusClass::Rejected);
    assert_eq!(e.raw_code, "A7:562:85");
    assert_eq!(e.claim.as_ref().unwrap().payer_claim_number.as_deref(), Some("1107000000001120"));

    // LinuxForHealth 277: ABCXYC3 denied (F2:88:QC). In a 277 (X212) the claim is keyed by
    // REF*EJ (CLM01), not by TRN02, the 276 trace number: ABCXYZ1 is SM123456, ABCXYC3 MA345678.
    let r = report(results, "277_005010X212__claim-level-status.277");
    assert_eq!(claim_event(r, "SM123456").status, StatusClass::Pending);
    assert_eq!(claim_event(r, "MA345678").status, StatusClass::Denied);

    // LinuxForHealth managed-care 835: two paid claims; Σ paid = BPR02 = 945.00.
    let r = report(results, "835_005010X221A1__managed-care.835");
    let a = claim_event(r, "5554555444");
    assert_eq!((a.status, a.amounts.paid, a.amounts.patient_responsibility), (StatusClass::Paid, Some(45000), Some(30000)));
    let b = claim_event(r, "8765432112");
    assert_eq!((b.status, b.amounts.paid, b.amounts.patient_responsibility), (StatusClass::Paid, Some(49500), Some(60000)));
    assert_eq!(b.claim.as_ref().unwrap().payer_claim_number.as_deref(), Some("94077799230000"));
}

fn claim_event<'a>(r: &'a ParseReport, pcn: &str) -> &'a claimtrack::model::StatusEvent {
    r.parsed
        .events
        .iter()
        .find(|e| {
            e.level == claimtrack::model::Level::Claim
                && e.claim.as_ref().and_then(|c| c.patient_control_number.as_deref()) == Some(pcn)
        })
        .unwrap_or_else(|| panic!("no claim-level event for {pcn}"))
}

/// The one real Office Ally File Summary (an external sample, read where it lies).
#[test]
fn office_ally_file_summary_sample() {
    let Some(samples) = samples_dir() else {
        eprintln!("skipping: ../shared/samples not found");
        return;
    };
    let path = samples.join("officeally/FS_HCFA_1026347812_IN_C.txt");
    let bytes = std::fs::read(&path).expect("the File Summary sample");
    let r = plugins().parse("FS_HCFA_1026347812_IN_C.txt", &bytes, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.plugin, "oa-file-summary");
    let m = &r.parsed.metadata;
    assert_eq!(m.clearinghouse_file_id.as_deref(), Some("1026347812"));
    assert_eq!(m.original_file_name.as_deref(), Some("1026347812_2022-12-08-050037-batch.txt"));
    assert_eq!(m.child_files.len(), 1);
    let child = &m.child_files[0];
    assert_eq!(child.id, "1026454084");
    let payer = child.payer.as_ref().unwrap();
    assert_eq!((payer.name.as_deref(), payer.id.as_deref()), (Some("BCBSDelaware"), Some("00570")));
    assert_eq!((child.claim_count, child.total_charge), (Some(1), Some(40000)));
    let claim = claim_event(&r, "1-49");
    assert_eq!(claim.status, StatusClass::Rejected);
    assert_eq!(claim.claim.as_ref().unwrap().clearinghouse_claim_id.as_deref(), Some("2927096977"));
    let reasons: Vec<(&str, Option<&str>)> = claim.reasons.iter().map(|x| (x.code.as_str(), x.description.as_deref())).collect();
    assert_eq!(
        reasons,
        [
            ("FE69", Some("Patient Street Address Required")),
            ("FE70", Some("Patient City Missing/Invalid Length")),
            ("LC1762", Some("Claim Missing Diagnosis Codes")),
        ]
    );
    assert!(reasons.iter().all(|_| claim.reasons.iter().all(|x| x.code_set.name() == "clearinghouse_edit")));
}
