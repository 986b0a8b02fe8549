//! Conformance run over the external corpus (../shared/samples): every file this plugin sniffs
//! as its own parses without panicking, and the imsweb 837 samples give what they hold
//! (x12-reference.md §10.6: multiple ISA with a wrong SE01; `~ ^ _` delimiters). Skips (passes)
//! when the corpus is absent.
//!
//! `cargo test -p x12-837 --test conformance -- --nocapture` prints one line per file.

use claimtrack_plugin_sdk::{Level, ParseOutput, Parser, Severity, StatusEvent, testing};
use x12_837::{X12Claim837, parse_bytes};

fn count(out: &ParseOutput, sev: Severity) -> usize {
    out.diagnostics.iter().filter(|d| d.severity == sev).count()
}

fn codes(out: &ParseOutput) -> Vec<&str> {
    out.diagnostics
        .iter()
        .filter_map(|d| d.code.as_deref())
        .collect()
}

fn claims(out: &ParseOutput) -> Vec<&StatusEvent> {
    out.events
        .iter()
        .filter(|e| e.level == Level::Claim)
        .collect()
}

fn pcns(out: &ParseOutput) -> Vec<String> {
    claims(out)
        .iter()
        .filter_map(|e| e.claim.as_ref()?.patient_control_number.clone())
        .collect()
}

/// What both imsweb files share: two claims under one billing provider, each with one line,
/// and the 4010-style HI (qualifier and code in separate elements) read as composites.
fn imsweb_claims(name: &str, out: &ParseOutput, first: &str, second: &str) {
    assert_eq!(
        pcns(out)[..2],
        [first.to_string(), second.to_string()],
        "{name}"
    );
    let c = claims(out)[0].claim.as_ref().expect("claim");
    assert_eq!(c.diagnosis_codes, ["8901", "87200", "5559"], "{name}");
    assert_eq!(c.frequency_code.as_deref(), Some("1"), "{name}");
    assert_eq!(
        c.providers.first().and_then(|p| p.npi.as_deref()),
        Some("1234567890"),
        "{name}"
    );
    assert_eq!(
        c.payer.as_ref().and_then(|p| p.id.as_deref()),
        Some("11122333"),
        "{name}"
    );
    assert_eq!(
        (c.service_date_from.as_deref(), c.service_date_to.as_deref()),
        (Some("2005-03-14"), Some("2005-03-25")),
        "{name}"
    );
    assert_eq!(claims(out)[0].amounts.charged, Some(50000), "{name}");
    let line = out
        .events
        .iter()
        .find(|e| e.level == Level::ServiceLine)
        .and_then(|e| e.service_line.as_ref())
        .expect("line");
    assert_eq!(
        (
            line.procedure_qualifier.as_deref(),
            line.procedure_code.as_deref()
        ),
        (Some("HC"), Some("99211")),
        "{name}"
    );
    assert_eq!(line.modifiers, ["25"], "{name}");
    // 500.00 claimed against a 12.25 line: the sample's own inconsistency, reported.
    assert!(codes(out).contains(&"oa-rule-claim-total"), "{name}");
    // The billing NPI 1234567890 is a placeholder whose check digit is wrong (1234567893 is
    // the valid one), reported once per billing provider loop, naming both claims.
    let npi: Vec<&str> = out
        .diagnostics
        .iter()
        .filter(|d| d.code.as_deref() == Some("oa-rule-npi-check-digit"))
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        npi[0].contains(&format!("claims {first}, {second}: 2010AA NM109"))
            && npi[0].contains("1234567890"),
        "{name}: {npi:?}"
    );
    // No 2000C loop follows either subscriber (HL04 1 notwithstanding), so each subscriber is
    // the patient, and neither 2010BA has the N3/N4 the 837 then requires.
    let address = out
        .diagnostics
        .iter()
        .filter(|d| d.code.as_deref() == Some("oa-rule-subscriber-address"))
        .count();
    assert!(address >= 2, "{name}: {address}");
}

#[test]
fn public_corpus() {
    let Some(dir) = testing::samples_dir(env!("CARGO_MANIFEST_DIR")) else {
        println!("skipping: ../shared/samples not found");
        return;
    };
    let mut seen = Vec::new();
    println!(
        "{:<70} {:<9} {:>6} {:>5} {:>5} {:>5}  rules",
        "file", "format", "events", "info", "warn", "error"
    );
    for path in testing::files_under(&dir) {
        let bytes = std::fs::read(&path).expect("readable sample");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let head = &bytes[..bytes.len().min(4096)];
        if X12Claim837::sniff(&name, head) == 0 {
            // Not ours: a parse must then refuse it or at least not panic.
            let _ = parse_bytes(&name, &bytes);
            continue;
        }
        let shown = path
            .strip_prefix(&dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        let out = parse_bytes(&name, &bytes)
            .unwrap_or_else(|e| panic!("{shown}: sniffed as an 837 but refused: {e:?}"));
        let mut rules: Vec<&str> = codes(&out);
        rules.dedup();
        println!(
            "{:<70} {:<9} {:>6} {:>5} {:>5} {:>5}  {}",
            shown,
            out.metadata.format_id,
            out.events.len(),
            count(&out, Severity::Info),
            count(&out, Severity::Warning),
            count(&out, Severity::Error),
            rules.join(",")
        );
        match name.as_str() {
            "837_5010__x12_multiple_isa.txt" => {
                assert_eq!(out.metadata.format_id, "x12-837p");
                assert!(
                    codes(&out).contains(&"oa-rule-one-isa"),
                    "{:?}",
                    codes(&out)
                );
                assert!(codes(&out).contains(&"oa-rule-one-gs"), "{:?}", codes(&out));
                assert_eq!(
                    out.metadata.interchange_control_numbers,
                    ["000000905", "000000906"]
                );
                assert_eq!(
                    pcns(&out),
                    ["A37YH556", "A37YH667", "A37YH5561", "A37YH6672"]
                );
                imsweb_claims(&name, &out, "A37YH556", "A37YH667");
                // The wrong SE01 (25 for 35 segments) is a warning, not a failure.
                assert!(
                    out.diagnostics
                        .iter()
                        .any(|d| d.message.starts_with("SE01"))
                );
                let second = claims(&out)[2];
                assert_eq!(
                    second.correlation.interchange_control_number.as_deref(),
                    Some("000000906")
                );
                assert_eq!(
                    second.claim.as_ref().and_then(|c| c.member_id.as_deref()),
                    Some("673431")
                );
            }
            "837_5010__x12_valid_different_separators.txt" => {
                assert_eq!(out.metadata.format_id, "x12-837p");
                assert_eq!(pcns(&out), ["A37YH556", "A37YH667"]);
                imsweb_claims(&name, &out, "A37YH556", "A37YH667");
                assert!(!codes(&out).contains(&"oa-rule-one-isa"));
                // The second line's SV107 pointers are composites with `^`: the procedure
                // composite still splits on it.
                let last = out
                    .events
                    .iter()
                    .rev()
                    .find(|e| e.level == Level::ServiceLine)
                    .and_then(|e| e.service_line.as_ref())
                    .expect("line");
                assert_eq!(last.procedure_code.as_deref(), Some("478331"));
            }
            _ => {}
        }
        seen.push(name);
    }
    for expected in [
        "837_5010__x12_multiple_isa.txt",
        "837_5010__x12_valid_different_separators.txt",
    ] {
        assert!(
            seen.iter().any(|s| s == expected),
            "{expected} not found or not sniffed"
        );
    }
    // The one real Office Ally file (a File Summary text report) is not an 837.
    let fs = dir.join("officeally/FS_HCFA_1026347812_IN_C.txt");
    if let Ok(b) = std::fs::read(&fs) {
        assert_eq!(
            X12Claim837::sniff("FS_HCFA_1026347812_IN_C.txt", &b[..b.len().min(4096)]),
            0
        );
    }
}
