//! Conformance over the external sample corpus (../shared/samples): every file this plugin
//! sniffs as its own must parse without a panic, and Office Ally's one real File Summary
//! (officeally/FS_HCFA_1026347812_IN_C.txt) must give what it plainly says. Run with
//! `--nocapture` for the per-file table.

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::testing;
use oa_file_summary::{FileSummaryParser, parse_bytes};

fn check_real_sample(o: &ParseOutput) {
    let m = &o.metadata;
    assert_eq!(m.format_id, "oa-file-summary");
    assert_eq!(m.clearinghouse_file_id.as_deref(), Some("1026347812"));
    assert_eq!(m.original_file_name.as_deref(), Some("1026347812_2022-12-08-050037-batch.txt"));
    assert_eq!(m.implementation.as_deref(), Some("HCFA"));
    assert_eq!(m.created.as_deref(), Some("2022-12-12"));
    assert_eq!(m.child_files.len(), 1);
    let c = &m.child_files[0];
    assert_eq!(c.id, "1026454084");
    let payer = c.payer.as_ref().unwrap();
    assert_eq!((payer.name.as_deref(), payer.id.as_deref()), (Some("BCBSDelaware"), Some("00570")));
    assert_eq!((c.claim_count, c.total_charge), (Some(1), Some(40000)));
    assert_eq!(m.claim_counts, Some(ClaimCounts { total: Some(1), accepted: Some(0), rejected: Some(1) }));
    let totals: Vec<(&str, u32)> = m.code_totals.iter().map(|t| (t.code.as_str(), t.count)).collect();
    assert_eq!(totals, [("FE69", 1), ("FE70", 1), ("LC1762", 1)]);

    assert_eq!(o.events.len(), 2);
    let batch = &o.events[0];
    assert_eq!((batch.level, batch.status), (Level::Interchange, StatusClass::Rejected));
    assert_eq!(batch.raw_code, "FS 0 accepted, 1 rejected");
    assert_eq!(batch.correlation.clearinghouse_file_id.as_deref(), Some("1026347812"));
    assert_eq!(batch.correlation.submitted_file_name.as_deref(), Some("2022-12-08-050037-batch.txt"));
    assert_eq!(batch.effective_date.as_deref(), Some("2022-12-12"));
    assert_eq!(batch.amounts.charged, Some(40000));

    let claim = &o.events[1];
    assert_eq!((claim.level, claim.source, claim.status), (Level::Claim, Source::Clearinghouse, StatusClass::Rejected));
    assert_eq!(claim.raw_code, "FE69,FE70,LC1762");
    let r = claim.claim.as_ref().unwrap();
    assert_eq!(r.patient_control_number.as_deref(), Some("1-49"));
    assert_eq!(r.clearinghouse_claim_id.as_deref(), Some("2927096977"));
    assert_eq!(r.member_id.as_deref(), Some("P12345"));
    // Printed without a comma: kept as printed.
    assert_eq!(r.patient_name.as_deref(), Some("TEST TEST"));
    assert_eq!(claim.position.as_ref().and_then(|p| p.line), Some(36));
    assert_eq!(r.patient_birth_date.as_deref(), Some("1977-11-17"));
    assert_eq!(
        (r.service_date_from.as_deref(), r.service_date_to.as_deref()),
        (Some("2022-12-08"), Some("2022-12-08"))
    );
    assert!(r.diagnosis_codes.is_empty());
    assert_eq!(r.payer.as_ref().and_then(|p| p.id.as_deref()), Some("00570"));
    let roles: Vec<_> = r.providers.iter().map(|p| (p.role, p.tax_id.as_deref(), p.npi.as_deref())).collect();
    assert_eq!(
        roles,
        [(ProviderRole::Billing, Some("845141801"), None), (ProviderRole::Rendering, None, Some("1750952958"))]
    );
    assert_eq!(claim.service_line.as_ref().and_then(|s| s.procedure_code.as_deref()), Some("0002A"));
    assert_eq!(claim.correlation.clearinghouse_file_id.as_deref(), Some("1026347812"));
    assert_eq!(claim.correlation.clearinghouse_child_file_id.as_deref(), Some("1026454084"));
    let reasons: Vec<(&CodeSet, &str, Option<&str>)> =
        claim.reasons.iter().map(|r| (&r.code_set, r.code.as_str(), r.description.as_deref())).collect();
    assert_eq!(
        reasons,
        [
            (&CodeSet::ClearinghouseEdit, "FE69", Some("Patient Street Address Required")),
            (&CodeSet::ClearinghouseEdit, "FE70", Some("Patient City Missing/Invalid Length")),
            (&CodeSet::ClearinghouseEdit, "LC1762", Some("Claim Missing Diagnosis Codes")),
        ]
    );
    // Nothing in the real report is unknown or off.
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
}

#[test]
fn sample_corpus() {
    let Some(dir) = testing::samples_dir(env!("CARGO_MANIFEST_DIR")) else {
        println!("skipping: ../shared/samples not found");
        return;
    };
    let mut checked_real = false;
    for path in testing::files_under(&dir) {
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let head = bytes.get(..4096).unwrap_or(&bytes);
        if <FileSummaryParser as Parser>::sniff(name, head) == 0 {
            continue;
        }
        let shown = path.strip_prefix(&dir).unwrap_or(&path).display().to_string();
        match parse_bytes(name, &bytes) {
            Ok(o) => {
                let count = |s: Severity| o.diagnostics.iter().filter(|d| d.severity == s).count();
                println!(
                    "{shown} → {}, {} events, {} warnings, {} errors",
                    o.metadata.format_id,
                    o.events.len(),
                    count(Severity::Warning),
                    count(Severity::Error)
                );
                if name == "FS_HCFA_1026347812_IN_C.txt" {
                    check_real_sample(&o);
                    checked_real = true;
                }
            }
            Err(e) => println!("{shown} → refused: {e:?}"),
        }
    }
    let real = dir.join("officeally/FS_HCFA_1026347812_IN_C.txt");
    assert!(checked_real || !real.exists(), "the real File Summary was not sniffed as one");
}
