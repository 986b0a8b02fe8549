//! Conformance run over the external public corpus (../shared/samples/public): every file this
//! plugin sniffs as its own parses without panicking, and the files with expectations in
//! x12-reference.md §10.7 give them. Skips (passes) when the corpus is absent.
//!
//! `cargo test -p x12-277 --test conformance -- --nocapture` prints one line per file;
//! with `X277_DUMP=1` it also prints every event.

use std::path::PathBuf;

use claimtrack_plugin_sdk::{testing, CodeSet, Level, ParseOutput, Parser, Severity, Source, StatusClass, StatusEvent};
use x12_277::{parse_bytes, X12Status277};

fn corpus() -> Option<PathBuf> {
    testing::samples_dir(env!("CARGO_MANIFEST_DIR")).map(|d| d.join("public"))
}

fn count(out: &ParseOutput, sev: Severity) -> usize {
    out.diagnostics.iter().filter(|d| d.severity == sev).count()
}

fn claim_events<'a>(out: &'a ParseOutput, pcn: &str) -> Vec<&'a StatusEvent> {
    out.events
        .iter()
        .filter(|e| e.level == Level::Claim && e.claim.as_ref().and_then(|c| c.patient_control_number.as_deref()) == Some(pcn))
        .collect()
}

fn reason_codes(e: &StatusEvent) -> Vec<(String, String)> {
    e.reasons
        .iter()
        .map(|r| {
            let set = match &r.code_set {
                CodeSet::ClaimStatusCategory => "507".to_string(),
                CodeSet::ClaimStatus => "508".to_string(),
                CodeSet::Entity => "98".to_string(),
                other => format!("{other:?}"),
            };
            (set, r.code.clone())
        })
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn public_corpus() {
    let Some(dir) = corpus() else {
        println!("skipping: ../shared/samples not found");
        return;
    };
    let dump = std::env::var_os("X277_DUMP").is_some();
    let mut seen = Vec::new();
    println!("{:<70} {:<10} {:>6} {:>5} {:>5} {:>5}", "file", "format", "events", "info", "warn", "error");
    for path in testing::files_under(&dir) {
        let bytes = std::fs::read(&path).expect("readable sample");
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        let head = &bytes[..bytes.len().min(4096)];
        if X12Status277::sniff(&name, head) == 0 {
            continue;
        }
        let shown = path.strip_prefix(&dir).unwrap_or(&path).display().to_string();
        match parse_bytes(&name, &bytes) {
            Ok(out) => {
                println!(
                    "{:<70} {:<10} {:>6} {:>5} {:>5} {:>5}",
                    shown,
                    out.metadata.format_id,
                    out.events.len(),
                    count(&out, Severity::Info),
                    count(&out, Severity::Warning),
                    count(&out, Severity::Error)
                );
                if dump {
                    for e in &out.events {
                        println!("    {:?} {:?} {:?} {} claim={:?} line={:?} amounts={:?} eff={:?} corr={:?}", e.level, e.source, e.status, e.raw_code, e.claim, e.service_line, e.amounts, e.effective_date, e.correlation.batch_reference);
                    }
                    for d in &out.diagnostics {
                        println!("    ! {:?} {}", d.severity, d.message);
                    }
                }
                check(&name, &out);
                seen.push(name);
            }
            Err(e) => {
                println!("{shown:<70} error: {e:?}");
                panic!("{shown}: a file sniffed as 277 failed to parse: {e:?}");
            }
        }
    }
    for must in [
        "277_5010__x12_277CA_accepted.txt",
        "277_5010__x12_277CA_rejected.txt",
        "pass__1.era",
        "277_005010X212__claim-level-status.277",
        "_5010__FromBogeyone.txt",
        "_5010__FromLatitude81uk.txt",
    ] {
        assert!(seen.iter().any(|s| s == must), "{must} was not sniffed/parsed as a 277");
    }
}

/// The §10.7 expectations, plus the two malformed files of §10.3.
fn check(name: &str, out: &ParseOutput) {
    match name {
        "277_5010__x12_277CA_accepted.txt" => {
            assert_eq!(out.metadata.format_id, "x12-277ca");
            let batch: Vec<_> = out.events.iter().filter(|e| e.level == Level::TransactionSet).collect();
            assert_eq!(batch.len(), 1);
            assert_eq!(batch[0].raw_code, "A1:20");
            assert_eq!(batch[0].status, StatusClass::Accepted);
            assert_eq!(batch[0].correlation.batch_reference.as_deref(), Some("000000674"));
            let claim = claim_events(out, "5781");
            assert_eq!(claim.len(), 1);
            let c = claim[0];
            assert_eq!(c.raw_code, "A2:20");
            assert_eq!(c.status, StatusClass::Accepted);
            assert_eq!(c.source, Source::Payer);
            assert_eq!(c.claim.as_ref().unwrap().payer_claim_number.as_deref(), Some("1107000000014420"));
            assert_eq!(c.amounts.charged, Some(12500));
            assert_eq!(c.effective_date.as_deref(), Some("2011-03-11"));
        }
        "277_5010__x12_277CA_rejected.txt" | "_5010__FromAlexbrodsky.txt" => {
            assert_eq!(out.metadata.format_id, "x12-277ca");
            let claim = claim_events(out, "3920394930203");
            assert_eq!(claim.len(), 1);
            let c = claim[0];
            assert_eq!(c.status, StatusClass::Rejected, "A7 rejects despite STC03=WQ");
            assert_eq!(c.raw_code, "A7:562:85");
            assert_eq!(reason_codes(c), pairs(&[("507", "A7"), ("508", "562"), ("98", "85")]));
            assert_eq!(c.claim.as_ref().unwrap().payer_claim_number.as_deref(), Some("1107000000001120"));
            assert_eq!(c.amounts.charged, Some(19914));
        }
        "pass__1.era" => {
            assert_eq!(out.metadata.format_id, "x12-277");
            let claim = claim_events(out, "567812");
            assert_eq!(claim.len(), 1);
            let c = claim[0];
            assert_eq!(c.status, StatusClass::Pending);
            assert_eq!(c.raw_code, "P5:3");
            let cr = c.claim.as_ref().unwrap();
            assert_eq!(cr.clearinghouse_claim_id.as_deref(), Some("56565656"));
            assert_eq!(cr.service_date_from.as_deref(), Some("2019-06-01"));
            // IEA02 ≠ ISA13 in this file.
            assert!(out.diagnostics.iter().any(|d| d.message.contains("IEA02")));
        }
        "277_005010X212__claim-level-status.277" | "demo-file__demo.277" | "pass__claim-response.edi" => {
            assert_eq!(out.metadata.format_id, "x12-277");
            let c1 = claim_events(out, "SM123456");
            assert_eq!(c1.len(), 1);
            assert_eq!((c1[0].status, c1[0].raw_code.as_str()), (StatusClass::Pending, "P3:317"));
            assert_eq!(c1[0].amounts.charged, Some(851388));
            // stupidedi's copy spells the account number with a letter O.
            let c2 = [claim_events(out, "J0234567"), claim_events(out, "JO234567")].concat();
            assert_eq!(c2.len(), 1);
            assert_eq!(c2[0].raw_code, "F0:3");
            assert_eq!(c2[0].status, StatusClass::Pending, "F0: finalized, awaiting the payment cycle / the 835");
            assert_eq!(c2[0].amounts.paid, Some(759900));
            let c3 = claim_events(out, "MA345678");
            assert_eq!(c3.len(), 1);
            assert_eq!((c3[0].status, c3[0].raw_code.as_str()), (StatusClass::Denied, "F2:88:QC"));
            let cr = c3[0].claim.as_ref().unwrap();
            assert_eq!(cr.patient_name.as_deref(), Some("MANN, JOSEPH"));
            assert_eq!(cr.member_id.as_deref(), Some("345678901"), "dependent takes the subscriber's id");
            let lines: Vec<_> = out.events.iter().filter(|e| e.level == Level::ServiceLine).collect();
            assert_eq!(lines.len(), 1);
            let l = lines[0];
            assert_eq!(l.status, StatusClass::Denied);
            let sl = l.service_line.as_ref().unwrap();
            assert_eq!(sl.procedure_code.as_deref(), Some("99203"));
            assert_eq!(sl.procedure_qualifier.as_deref(), Some("HC"));
            assert_eq!(sl.service_date.as_deref(), Some("2005-05-01"));
            assert_eq!(l.claim.as_ref().unwrap().patient_control_number.as_deref(), Some("MA345678"));
            assert_eq!(l.amounts.charged, Some(15000));
            assert_eq!(l.amounts.paid, Some(0));
        }
        "_5010__FromBogeyone.txt" => {
            assert!(out.events.is_empty());
            assert!(
                out.diagnostics.iter().any(|d| d.severity == Severity::Error && d.message.contains("truncated")),
                "the tokenizer's truncation error is kept"
            );
        }
        "_5010__FromLatitude81uk.txt" => {
            assert_eq!(out.metadata.format_id, "x12-277ca");
            assert!(out.diagnostics.iter().any(|d| d.message.contains("STC03") && d.message.contains("\"yh\"")));
            let claims: Vec<_> = out.events.iter().filter(|e| e.level == Level::Claim).collect();
            assert_eq!(claims.len(), 1);
            assert_eq!(claims[0].status, StatusClass::Accepted);
        }
        "277_005010X212__information-receiver-level-status.277" | "pass__info-receiver-response.edi" => {
            assert_eq!(out.events.len(), 1);
            assert_eq!(out.events[0].level, Level::TransactionSet);
            assert_eq!(out.events[0].status, StatusClass::Informational, "E0: the inquiry failed, not the claim");
        }
        _ => {}
    }
}
