//! The rules of this plugin, proven on the synthetic fixtures in
//! tests/fixtures/oa-file-summary (the same files the lead's golden tests run through the
//! WASM build).

use claimtrack_plugin_sdk::prelude::*;
use oa_file_summary::{FileSummaryParser, parse_bytes};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/oa-file-summary/");

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parse(name: &str) -> ParseOutput {
    parse_bytes(name, &bytes(name)).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

fn claims(o: &ParseOutput) -> Vec<&StatusEvent> {
    o.events.iter().filter(|e| e.level == Level::Claim).collect()
}

fn batch(o: &ParseOutput) -> &StatusEvent {
    assert_eq!(o.events[0].level, Level::Interchange);
    assert_eq!(o.events.iter().filter(|e| e.level == Level::Interchange).count(), 1);
    &o.events[0]
}

fn claim_by_pcn<'a>(o: &'a ParseOutput, pcn: &str) -> &'a StatusEvent {
    claims(o)
        .into_iter()
        .find(|e| e.claim.as_ref().and_then(|c| c.patient_control_number.as_deref()) == Some(pcn))
        .unwrap_or_else(|| panic!("no claim {pcn}"))
}

fn cref(e: &StatusEvent) -> &ClaimRef {
    e.claim.as_ref().unwrap()
}

fn codes(o: &ParseOutput) -> Vec<(Severity, &str, Option<u32>)> {
    o.diagnostics
        .iter()
        .map(|d| (d.severity, d.code.as_deref().unwrap_or(""), d.position.as_ref().and_then(|p| p.line)))
        .collect()
}

fn reasons(e: &StatusEvent) -> Vec<(&str, Option<&str>)> {
    e.reasons.iter().map(|r| (r.code.as_str(), r.description.as_deref())).collect()
}

#[test]
fn ten_digit_ids_three_payers_mixed() {
    let o = parse("fs-hcfa-10digit-mixed-3-payers.txt");
    let m = &o.metadata;
    assert_eq!(m.format_id, "oa-file-summary");
    assert_eq!(m.clearinghouse_file_id.as_deref(), Some("1100000001"));
    assert_eq!(m.original_file_name.as_deref(), Some("1100000001_2023-11-06-080000-batch.txt"));
    assert_eq!((m.implementation.as_deref(), m.created.as_deref()), (Some("HCFA"), Some("2023-11-07")));
    assert_eq!(m.claim_counts, Some(ClaimCounts { total: Some(4), accepted: Some(2), rejected: Some(2) }));
    type Kid<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<u32>, Option<i64>);
    let kids: Vec<Kid> = m
        .child_files
        .iter()
        .map(|c| {
            let p = c.payer.as_ref().unwrap();
            (c.id.as_str(), p.name.as_deref(), p.id.as_deref(), c.claim_count, c.total_charge)
        })
        .collect();
    assert_eq!(
        kids,
        [
            ("1100000002", Some("AETNA"), Some("60054"), Some(2), Some(35000)),
            ("1100000003", Some("BCBSDelaware"), Some("00570"), Some(1), Some(40000)),
            ("1100000004", Some("CIGNA"), Some("62308"), Some(1), Some(12550)),
        ]
    );
    assert_eq!(m.code_totals.len(), 3);
    assert!(m.code_totals.iter().all(|t| t.code_set == CodeSet::ClearinghouseEdit && t.count == 1));

    let b = batch(&o);
    assert_eq!((b.source, b.status), (Source::Clearinghouse, StatusClass::AcceptedWithErrors));
    assert_eq!(b.raw_code, "FS 2 accepted, 2 rejected");
    assert_eq!(b.correlation.submitted_file_name.as_deref(), Some("2023-11-06-080000-batch.txt"));
    assert_eq!(b.amounts.charged, Some(87550));
    assert_eq!(b.effective_date.as_deref(), Some("2023-11-07"));
    assert_eq!(reasons(b)[2], ("LC1762", Some("Claim Missing Diagnosis Codes")));
    assert_eq!(b.source_party.as_ref().and_then(|p| p.name.as_deref()), Some("Office Ally"));

    assert_eq!(claims(&o).len(), 4);
    let r1 = claim_by_pcn(&o, "PCN-1001");
    assert_eq!((r1.status, r1.raw_code.as_str()), (StatusClass::Rejected, "FE69,FE70"));
    assert_eq!(
        reasons(r1),
        [("FE69", Some("Patient Street Address Required")), ("FE70", Some("Patient City Missing/Invalid Length"))]
    );
    assert_eq!(r1.reasons[0].position.as_ref().and_then(|p| p.element.as_deref()), Some("ERRORS"));
    assert_eq!(cref(r1).patient_name.as_deref(), Some("DOE, JANE"));
    assert_eq!(cref(r1).diagnosis_codes, ["M9901"]);
    assert_eq!(r1.correlation.clearinghouse_child_file_id.as_deref(), Some("1100000002"));
    assert_eq!(cref(r1).payer.as_ref().and_then(|p| p.name.as_deref()), Some("AETNA"));
    let r4 = claim_by_pcn(&o, "PCN-1004");
    assert_eq!(r4.correlation.clearinghouse_child_file_id.as_deref(), Some("1100000004"));
    assert!(cref(r4).diagnosis_codes.is_empty());
    assert_eq!(
        (cref(r4).service_date_from.as_deref(), cref(r4).service_date_to.as_deref()),
        (Some("2023-11-02"), Some("2023-11-03"))
    );

    let a2 = claim_by_pcn(&o, "PCN-1002");
    assert_eq!((a2.status, a2.raw_code.as_str()), (StatusClass::Accepted, "ACCEPTED"));
    assert!(a2.reasons.is_empty());
    // "M99.02" as printed; the model carries ICD-10 without the point.
    assert_eq!(cref(a2).diagnosis_codes, ["M9902"]);
    assert_eq!(cref(a2).patient_birth_date.as_deref(), Some("1984-02-29"));
    let a3 = claim_by_pcn(&o, "PCN-1003");
    assert_eq!(a3.correlation.clearinghouse_child_file_id.as_deref(), Some("1100000003"));
    assert_eq!(a3.correlation.clearinghouse_file_id.as_deref(), Some("1100000001"));
    assert_eq!(cref(a3).clearinghouse_claim_id.as_deref(), Some("3100000003"));
    assert_eq!(cref(a3).member_id.as_deref(), Some("XYZ123456"));
    assert_eq!(a3.service_line.as_ref().and_then(|s| s.procedure_code.as_deref()), Some("99213"));
    let provs: Vec<_> = cref(a3).providers.iter().map(|p| (p.role, p.tax_id.as_deref(), p.npi.as_deref())).collect();
    assert_eq!(
        provs,
        [(ProviderRole::Billing, Some("123456789"), None), (ProviderRole::Rendering, None, Some("1234567893"))]
    );
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
}

#[test]
fn nine_digit_ids_all_accepted_crlf_own_column_spacing() {
    let raw = bytes("fs-hcfa-9digit-all-accepted-crlf.txt");
    assert!(raw.windows(2).any(|w| w == b"\r\n"));
    let o = parse("fs-hcfa-9digit-all-accepted-crlf.txt");
    assert_eq!(o.metadata.clearinghouse_file_id.as_deref(), Some("443130028"));
    let ids: Vec<&str> = o.metadata.child_files.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["443130029", "443130030"]);
    assert_eq!(o.metadata.child_files[1].total_charge, Some(125000));
    let b = batch(&o);
    assert_eq!((b.status, b.raw_code.as_str()), (StatusClass::Accepted, "FS 3 accepted, 0 rejected"));
    assert!(b.reasons.is_empty());
    assert_eq!(b.correlation.submitted_file_name.as_deref(), Some("claims_837P_20210310.txt"));
    let cs = claims(&o);
    assert_eq!(cs.len(), 3);
    assert!(cs.iter().all(|e| e.status == StatusClass::Accepted && e.raw_code == "ACCEPTED"));
    // Columns came from this report's own header, not the real sample's offsets.
    let last = cs[2];
    assert_eq!(cref(last).member_id.as_deref(), Some("1EG4TE5MK72"));
    assert_eq!(cref(last).patient_name.as_deref(), Some("ROE, MARY"));
    assert_eq!(cref(last).payer.as_ref().and_then(|p| p.id.as_deref()), Some("12102"));
    assert_eq!(last.correlation.clearinghouse_child_file_id.as_deref(), Some("443130030"));
    // Line and byte positions survive CRLF.
    let pos = last.position.as_ref().unwrap();
    let off = pos.byte_offset.unwrap() as usize;
    assert!(raw[off..].starts_with(b"3)"));
    assert_eq!(raw[..off].iter().filter(|&&b| b == b'\n').count() as u32 + 1, pos.line.unwrap());
    // The header has no ERRORS column: worth knowing, nothing wrong.
    assert_eq!(codes(&o), [(Severity::Info, "oa-fs-missing-column", Some(32))]);
}

#[test]
fn all_rejected_with_unknown_lines_unknown_code_and_long_accnt() {
    let o = parse("fs-hcfa-all-rejected-unknown-lines.txt");
    let b = batch(&o);
    assert_eq!((b.status, b.raw_code.as_str()), (StatusClass::Rejected, "FS 0 accepted, 2 rejected"));
    assert_eq!(o.metadata.claim_counts, Some(ClaimCounts { total: Some(2), accepted: Some(0), rejected: Some(2) }));
    let totals: Vec<(&str, u32)> = o.metadata.code_totals.iter().map(|t| (t.code.as_str(), t.count)).collect();
    assert_eq!(totals, [("FE69", 2), ("FE70", 1)]);
    let cs = claims(&o);
    assert!(cs.iter().all(|e| e.status == StatusClass::Rejected));
    let second = claim_by_pcn(&o, "PCN-77");
    assert_eq!(second.raw_code, "FE69, FE999");
    assert_eq!(reasons(second), [("FE69", Some("Patient Street Address Required")), ("FE999", None)]);
    claim_by_pcn(&o, "ABCDEFGHIJ1234");
    assert_eq!(
        codes(&o),
        [
            (Severity::Info, "oa-fs-unknown-count", Some(22)),
            (Severity::Info, "oa-fs-unknown-line", Some(23)),
            (Severity::Info, "oa-fs-unknown-line", Some(32)),
            (Severity::Warning, "oa-fs-accnt-maybe-truncated", Some(38)),
            (Severity::Warning, "oa-fs-unknown-edit-code", Some(39)),
        ]
    );
    assert!(o.diagnostics[4].message.contains("FE999"));
}

#[test]
fn failed_file_is_a_rejected_batch_with_oa_text() {
    let o = parse("fs-hcfa-failed-file.txt");
    assert_eq!(o.events.len(), 1);
    let b = batch(&o);
    assert_eq!((b.status, b.raw_code.as_str()), (StatusClass::Rejected, "FS FAILED"));
    assert_eq!(b.reasons.len(), 1);
    let r = &b.reasons[0];
    assert_eq!(r.code_set, CodeSet::FreeText);
    assert_eq!(
        r.code,
        "This file could not be processed and has been rejected. Reason: Invalid ISA segment - ISA08 must be 330897513."
    );
    assert_eq!(b.position.as_ref().and_then(|p| p.line), Some(13));
    assert_eq!(b.correlation.clearinghouse_file_id.as_deref(), Some("987654321"));
    assert_eq!(b.correlation.submitted_file_name.as_deref(), Some("bad-upload.txt"));
    assert!(o.metadata.child_files.is_empty());
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
}

#[test]
fn tabs_shifted_and_broken_rows() {
    let o = parse("fs-hcfa-tabs-shifted-rows.txt");
    assert_eq!(batch(&o).status, StatusClass::AcceptedWithErrors);
    // 4 readable error rows + 1 accepted; the unreadable 5th error row is skipped.
    assert_eq!(claims(&o).len(), 5);
    let shifted = claim_by_pcn(&o, "T-2");
    assert_eq!(cref(shifted).patient_birth_date.as_deref(), Some("1972-02-02"));
    assert_eq!(cref(shifted).clearinghouse_claim_id.as_deref(), Some("3200000002"));
    assert_eq!(shifted.raw_code, "FE70");
    let tabbed = claim_by_pcn(&o, "T-3");
    assert_eq!(cref(tabbed).patient_name.as_deref(), Some("ROE, ANN"));
    assert_eq!(cref(tabbed).patient_birth_date.as_deref(), Some("1973-03-03"));
    assert_eq!(cref(tabbed).service_date_to.as_deref(), Some("2024-04-30"));
    assert_eq!(cref(tabbed).diagnosis_codes, ["M545"]);
    assert_eq!(tabbed.correlation.clearinghouse_child_file_id.as_deref(), Some("1099999997"));
    // Values that fail their checks are dropped, not passed on.
    let doubtful = claim_by_pcn(&o, "T-4");
    assert_eq!(
        (cref(doubtful).clearinghouse_claim_id.as_deref(), cref(doubtful).patient_birth_date.as_deref()),
        (None, None)
    );
    assert_eq!(cref(doubtful).service_date_from.as_deref(), Some("2024-04-30"));
    let accepted = claim_by_pcn(&o, "T-5");
    assert_eq!(
        (accepted.status, cref(accepted).payer.as_ref().and_then(|p| p.id.as_deref())),
        (StatusClass::Accepted, Some("62308"))
    );
    assert_eq!(
        codes(&o),
        [
            (Severity::Warning, "oa-fs-row-shifted", Some(37)),
            (Severity::Warning, "oa-fs-row-shifted", Some(38)),
            (Severity::Warning, "oa-fs-row-mismatch", Some(39)),
            (Severity::Warning, "oa-fs-row-mismatch", Some(40)),
            (Severity::Warning, "oa-fs-row-shifted", Some(49)),
            (Severity::Warning, "oa-fs-count-mismatch", Some(24)),
        ]
    );
    assert!(o.diagnostics[2].message.contains("OA CLAIMID, DOB"));
    assert!(o.diagnostics[3].message.ends_with("skipped"));
}

#[test]
fn institutional_with_bom_and_cr_line_ends() {
    let raw = bytes("fs-ub-institutional-bom-cr.txt");
    assert!(raw.starts_with(b"\xEF\xBB\xBF") && !raw.contains(&b'\n'));
    let o = parse("fs-ub-institutional-bom-cr.txt");
    assert_eq!(o.metadata.implementation.as_deref(), Some("UB"));
    assert_eq!(o.metadata.clearinghouse_file_id.as_deref(), Some("1055555555"));
    assert_eq!(batch(&o).status, StatusClass::Accepted);
    let c = claims(&o)[0];
    assert_eq!(cref(c).diagnosis_codes, ["R0789", "I10"]);
    assert_eq!(c.service_line.as_ref().and_then(|s| s.procedure_code.as_deref()), Some("0450"));
    let pos = c.position.as_ref().unwrap();
    assert_eq!(pos.line, Some(33));
    assert!(raw[pos.byte_offset.unwrap() as usize..].starts_with(b"1)"));
    assert_eq!(codes(&o), [(Severity::Info, "oa-fs-bom", Some(1))]);
}

#[test]
fn error_report_variant() {
    let o = parse("fs-hcfa-error-report.txt");
    assert_eq!(o.metadata.format_id, "oa-file-summary-error-report");
    assert_eq!(o.metadata.clearinghouse_file_id.as_deref(), Some("1077777777"));
    assert_eq!(o.metadata.claim_counts, None);
    let b = batch(&o);
    assert_eq!((b.status, b.raw_code.as_str()), (StatusClass::Informational, "FS ? accepted, ? rejected"));
    let cs = claims(&o);
    assert_eq!(cs.len(), 2);
    assert!(cs.iter().all(
        |e| e.status == StatusClass::Rejected && reasons(e) == [("FE69", Some("Patient Street Address Required"))]
    ));
    assert_eq!(
        codes(&o),
        [(Severity::Info, "oa-fs-table-without-heading", Some(10)), (Severity::Warning, "oa-fs-no-counts", None)]
    );
    // By name alone, too.
    let text = String::from_utf8(bytes("fs-hcfa-error-report.txt")).unwrap().replace("ERROR REPORT", "");
    let by_name = parse_bytes("FS_HCFA_1077777777_ErrorReport.txt", text.as_bytes()).unwrap();
    assert_eq!(by_name.metadata.format_id, "oa-file-summary-error-report");
    let plain = parse_bytes("FS_HCFA_1077777777_IN_C.txt", text.as_bytes()).unwrap();
    assert_eq!(plain.metadata.format_id, "oa-file-summary");
}

#[test]
fn not_my_format() {
    for name in ["forced-edi-status-not-file-summary.txt", "forced-x12-999-not-file-summary.x12"] {
        match parse_bytes(name, &bytes(name)) {
            Err(ParseError::NotMyFormat(msg)) => assert!(msg.contains("not an Office Ally File Summary"), "{msg}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(matches!(parse_bytes("x", b""), Err(ParseError::NotMyFormat(_))));
}

#[test]
fn sniffing_fixtures() {
    for entry in std::fs::read_dir(DIR).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let b = std::fs::read(&path).unwrap();
        let got = <FileSummaryParser as Parser>::sniff(&name, b.get(..4096).unwrap_or(&b));
        let want = if name.starts_with("forced-") { 0 } else { 95 };
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn master_id_sources_and_conflicts() {
    let text = String::from_utf8(bytes("fs-hcfa-10digit-mixed-3-payers.txt")).unwrap();
    // Trailer disagreeing with the File Name prefix: the trailer wins, with a warning.
    let o = parse_bytes("x.txt", text.replace("fileID:1100000001", "fileID:1100000009").as_bytes()).unwrap();
    assert_eq!(o.metadata.clearinghouse_file_id.as_deref(), Some("1100000009"));
    assert_eq!(codes(&o), [(Severity::Warning, "oa-fs-file-id-conflict", Some(20))]);
    // The prefix is stripped only when it is the master ID.
    assert_eq!(batch(&o).correlation.submitted_file_name.as_deref(), Some("1100000001_2023-11-06-080000-batch.txt"));
    // No trailer: the File Name prefix.
    let no_trailer: String = text.lines().filter(|l| !l.contains("master file")).map(|l| format!("{l}\n")).collect();
    let o = parse_bytes("x.txt", no_trailer.as_bytes()).unwrap();
    assert_eq!(o.metadata.clearinghouse_file_id.as_deref(), Some("1100000001"));
    // The report's own name disagreeing is only worth knowing.
    let o = parse_bytes("FS_HCFA_1100000005_IN_C.txt", text.as_bytes()).unwrap();
    assert_eq!(o.metadata.clearinghouse_file_id.as_deref(), Some("1100000001"));
    assert_eq!(codes(&o), [(Severity::Info, "oa-fs-file-id-conflict", None)]);
}

#[test]
fn diagnostics_hold_no_phi() {
    for entry in std::fs::read_dir(DIR).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let Ok(o) = parse_bytes(&name, &std::fs::read(&path).unwrap()) else { continue };
        for e in claims(&o) {
            let c = cref(e);
            let mut phi: Vec<String> =
                [&c.patient_control_number, &c.member_id].into_iter().flatten().cloned().collect();
            if let Some(n) = &c.patient_name {
                phi.extend(n.split([',', ' ']).filter(|w| w.len() > 1).map(str::to_string));
            }
            if let Some(d) = &c.patient_birth_date {
                phi.push(format!("{}/{}/{}", &d[5..7], &d[8..10], &d[..4]));
            }
            for d in &o.diagnostics {
                for p in &phi {
                    assert!(!d.message.contains(p.as_str()), "{name}: diagnostic {:?} holds PHI", d.message);
                }
            }
        }
    }
}

#[test]
fn deterministic() {
    let b = bytes("fs-hcfa-tabs-shifted-rows.txt");
    assert_eq!(parse_bytes("a", &b).unwrap(), parse_bytes("a", &b).unwrap());
}

#[test]
fn never_panics_on_cut_or_damaged_input() {
    for entry in std::fs::read_dir(DIR).unwrap() {
        let b = std::fs::read(entry.unwrap().path()).unwrap();
        // Every line end, and bytes in between: a cut can fall anywhere.
        for cut in (0..b.len()).filter(|&i| i % 13 == 0 || b[i] == b'\n' || b[i] == b'\r') {
            let _ = parse_bytes("f", &b[..cut]);
        }
        let mut seed = 0x2545_f491_u64;
        for _ in 0..100 {
            let mut m = b.clone();
            for _ in 0..8 {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let i = (seed >> 33) as usize % m.len().max(1);
                if let Some(x) = m.get_mut(i) {
                    *x = (seed >> 17) as u8;
                }
            }
            if let Ok(o) = parse_bytes("f", &m) {
                assert!(!o.events.is_empty());
            }
        }
    }
}

#[test]
fn split_table_consistency_warnings() {
    let text = String::from_utf8(bytes("fs-hcfa-10digit-mixed-3-payers.txt")).unwrap();
    let damaged = text
        .replace("split into 3 file(s)", "split into 4 file(s)")
        .replace("Total: $875.50", "Total: $875.00")
        .replace("1100000004\t\t", "11000004\t\t")
        .replace("\t2 # of Claims Rejected", "\t3 # of Claims Rejected");
    let o = parse_bytes("x.txt", damaged.as_bytes()).unwrap();
    assert_eq!(
        codes(&o),
        [
            (Severity::Warning, "oa-fs-count-mismatch", Some(7)),
            (Severity::Warning, "oa-fs-total-mismatch", Some(15)),
            (Severity::Warning, "oa-fs-file-id-length", Some(14)),
            (Severity::Warning, "oa-fs-count-mismatch", Some(25)),
        ]
    );
    // The stated counts still decide the batch status and its raw code.
    assert_eq!(batch(&o).raw_code, "FS 2 accepted, 3 rejected");
    assert_eq!(claim_by_pcn(&o, "PCN-1004").correlation.clearinghouse_child_file_id.as_deref(), Some("11000004"));
}

#[test]
fn failure_text_beside_claims_and_empty_counts() {
    let text = String::from_utf8(bytes("fs-hcfa-10digit-mixed-3-payers.txt")).unwrap();
    let with_failure = text
        .replace("Date Processed: 11/07/2023\n", "Date Processed: 11/07/2023\n\tThe file could not be processed.\n");
    let o = parse_bytes("x.txt", with_failure.as_bytes()).unwrap();
    assert_eq!(batch(&o).status, StatusClass::AcceptedWithErrors);
    assert!(batch(&o).reasons.iter().all(|r| r.code_set == CodeSet::ClearinghouseEdit));
    assert_eq!(codes(&o), [(Severity::Warning, "oa-fs-failure-with-claims", Some(24))]);

    let empty = "Claims Upload File Summary\n     File Name:123456789_a.txt\n\t0 # of Claims Initially Accepted\n\t0 # of Claims Rejected\n";
    let o = parse_bytes("x.txt", empty.as_bytes()).unwrap();
    assert_eq!((batch(&o).status, batch(&o).raw_code.as_str()), (StatusClass::Rejected, "FS 0 accepted, 0 rejected"));
    assert_eq!(batch(&o).correlation.submitted_file_name.as_deref(), Some("a.txt"));
    assert_eq!(codes(&o), [(Severity::Warning, "oa-fs-no-claims", Some(1))]);
}
