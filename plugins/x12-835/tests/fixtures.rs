//! Every mapping rule, proven on the fixtures in tests/fixtures/x12-835 (synthetic data).

mod common;

use claimtrack_plugin_sdk::{CodeSet, Level, ParseError, Severity, Source, StatusClass};
use common::*;

// ---------------------------------------------------------------------------------------
// Payment header (BPR/TRN/N1*PR)

#[test]
fn payment_header_is_one_informational_event_at_bpr() {
    let out = load("835-paid-claims-ach.x12");
    let headers = at_level(&out, Level::TransactionSet);
    assert_eq!(headers.len(), 1);
    let h = headers[0];
    assert!(std::ptr::eq(h, &out.events[0]), "the header comes first");
    assert_eq!(h.status, StatusClass::Informational);
    assert_eq!(h.source, Source::Payer);
    assert_eq!(h.raw_code, "BPR01 I");
    assert_eq!(h.amounts.paid, Some(32250));
    assert_eq!(h.payment_reference.as_deref(), Some("EFT0000100"));
    assert_eq!(h.effective_date.as_deref(), Some("2024-03-15"), "BPR16");
    let party = h.source_party.as_ref().expect("payer");
    assert_eq!(party.name.as_deref(), Some("ACME HEALTH PLAN"));
    assert_eq!(party.id.as_deref(), Some("ACME01"), "N1*PR04");
    assert_eq!(party.id_qualifier.as_deref(), Some("XV"));
    let pos = h.position.as_ref().unwrap();
    assert_eq!((pos.segment_id.as_deref(), pos.segment_index), (Some("BPR"), Some(4)));
    assert!(h.claim.is_none() && h.service_line.is_none());

    let method = &h.reasons[0];
    assert_eq!(method.code_set, CodeSet::Other("payment method".into()));
    assert_eq!(method.code, "ACH");
    assert!(method.description.as_deref().unwrap().contains("ACH"));
    assert_eq!(method.position.as_ref().unwrap().element.as_deref(), Some("BPR04"));
    let handling = &h.reasons[1];
    assert_eq!(handling.code_set, CodeSet::Other("transaction handling".into()));
    assert_eq!(handling.code, "I");
    assert!(handling.description.as_deref().unwrap().contains("remittance information only"));
}

#[test]
fn payer_id_from_ref_2u_and_check_payment() {
    let out = load("835-claim-status-codes.x12");
    let h = &out.events[0];
    let party = h.source_party.as_ref().unwrap();
    assert_eq!(party.name.as_deref(), Some("BETA MUTUAL INSURANCE"));
    assert_eq!((party.id.as_deref(), party.id_qualifier.as_deref()), (Some("PAYER42"), Some("2U")));
    assert_eq!(h.reasons[0].code, "CHK");
    assert_eq!(h.reasons[0].description.as_deref(), Some("check"));
    assert_eq!(h.payment_reference.as_deref(), Some("CHK000777"));
    assert_eq!(h.effective_date.as_deref(), Some("2024-03-20"));
    // Every event of the transaction set carries the payer, the payment and its date.
    for e in &out.events {
        assert_eq!(e.source, Source::Payer);
        assert_eq!(e.source_party.as_ref(), Some(party));
        assert_eq!(e.payment_reference.as_deref(), Some("CHK000777"));
        assert_eq!(e.effective_date.as_deref(), Some("2024-03-20"));
    }
}

#[test]
fn notification_only_without_bpr16_uses_dtm_405() {
    let out = load("835-4010-x091.x12");
    let h = &out.events[0];
    assert_eq!(h.raw_code, "BPR01 H");
    assert_eq!(h.amounts.paid, Some(0));
    assert_eq!(h.reasons[0].code, "NON");
    assert_eq!(h.reasons[1].description.as_deref(), Some("notification only (no payment)"));
    assert_eq!(h.effective_date.as_deref(), Some("2004-03-10"), "DTM*405");
}

#[test]
fn balanced_files_do_not_warn_and_unbalanced_bpr_does() {
    for name in ["835-paid-claims-ach.x12", "835-claim-status-codes.x12", "835-reversal-correction.x12", "835-4010-x091.x12", "835-plb-adjustments.x12", "835-svc-component-heuristic.x12"] {
        let out = load(name);
        assert!(!warnings(&out).iter().any(|w| w.contains("does not balance")), "{name}: {:?}", warnings(&out));
    }
    let out = load("835-unbalanced-bpr.x12");
    let w = warnings(&out);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with("BPR02 at segment #4 is 1000.00"), "{}", w[0]);
    assert!(w[0].contains("900.00") && w[0].contains("does not balance"), "{}", w[0]);
    let d = out.diagnostics.iter().find(|d| d.severity == Severity::Warning).unwrap();
    assert_eq!(d.position.as_ref().unwrap().element.as_deref(), Some("BPR02"));
}

// ---------------------------------------------------------------------------------------
// Claims (CLP)

#[test]
fn claim_event_carries_every_key_and_amount() {
    let out = load("835-paid-claims-ach.x12");
    let e = claim(&out, "PCN1001");
    assert_eq!((e.status, e.raw_code.as_str(), e.source), (StatusClass::Paid, "CLP02 1", Source::Payer));
    let c = e.claim.as_ref().unwrap();
    assert_eq!(c.payer_claim_number.as_deref(), Some("ICN9000001"));
    assert_eq!(c.patient_name.as_deref(), Some("DOE, JANE Q"));
    assert_eq!(c.member_id.as_deref(), Some("MEM123456"), "NM1*QC09");
    assert_eq!(c.service_date_from.as_deref(), Some("2024-03-01"), "DTM*232");
    assert_eq!(c.service_date_to.as_deref(), Some("2024-03-02"), "DTM*233");
    assert_eq!(c.frequency_code.as_deref(), Some("1"), "CLP09");
    assert!(c.clearinghouse_claim_id.is_none());
    assert_eq!(e.amounts.charged, Some(30000));
    assert_eq!(e.amounts.paid, Some(15000));
    assert_eq!(e.amounts.patient_responsibility, Some(6000));
    // 3.00 claim-level + 80.00 and 67.00 on the lines: CLP03 − CLP04.
    assert_eq!(e.amounts.adjusted, Some(15000));
    assert_eq!(e.amounts.allowed, Some(21300), "Σ lines' AMT*B6 (160 + 53), not AMT*AU (250, coverage amount)");
    assert_eq!(e.payment_reference.as_deref(), Some("EFT0000100"));
    assert_eq!(e.effective_date.as_deref(), Some("2024-03-15"));
    assert_eq!(e.position.as_ref().unwrap().segment_id.as_deref(), Some("CLP"));

    // Claim-level CAS and MOA first, then the lines' reasons rolled up.
    assert_eq!(e.reasons.len(), 6, "{:?}", e.reasons);
    let carc = &e.reasons[0];
    assert_eq!((carc.code_set.clone(), carc.code.as_str()), (CodeSet::Carc, "253"));
    assert_eq!(carc.group.as_deref(), Some("CO"));
    assert_eq!(carc.amount, Some(300));
    assert!(carc.description.as_deref().unwrap().contains("Sequestration"));
    assert_eq!(carc.position.as_ref().unwrap().element.as_deref(), Some("CAS02"));
    let rarc = &e.reasons[1];
    assert_eq!((rarc.code_set.clone(), rarc.code.as_str()), (CodeSet::Rarc, "MA01"));
    assert!(rarc.description.is_some() && rarc.group.is_none());
    assert_eq!(rarc.position.as_ref().unwrap().element.as_deref(), Some("MOA03"));
    let rolled: Vec<_> = e.reasons[2..].iter().map(|r| (r.code_set.clone(), r.group.as_deref(), r.code.as_str(), r.amount)).collect();
    assert_eq!(rolled, [
        (CodeSet::Carc, Some("CO"), "45", Some(8700)),
        (CodeSet::Carc, Some("PR"), "2", Some(4000)),
        (CodeSet::Carc, Some("PR"), "3", Some(2000)),
        (CodeSet::Rarc, None, "N130", None),
    ]);
}

#[test]
fn claim_reasons_roll_up_the_line_reasons() {
    // Denied claims whose CARCs sit only on their lines: the claim says why.
    let out = load("835-claim-status-codes.x12");
    for (pcn, status, expected) in [
        ("ST02", StatusClass::Denied, vec![(CodeSet::Carc, Some("CO"), "96", Some(10000), 20)]),
        ("ST07", StatusClass::Denied, vec![(CodeSet::Carc, Some("CO"), "50", Some(10000), 39), (CodeSet::Rarc, None, "N130", None, 40)]),
        ("ST03", StatusClass::Paid, vec![(CodeSet::Carc, Some("PR"), "1", Some(10000), 25)]),
    ] {
        let e = claim(&out, pcn);
        assert_eq!(e.status, status, "{pcn}");
        let got: Vec<_> = e
            .reasons
            .iter()
            .map(|r| (r.code_set.clone(), r.group.as_deref(), r.code.as_str(), r.amount, r.position.as_ref().unwrap().segment_index.unwrap()))
            .collect();
        assert_eq!(got, expected, "{pcn}: positioned at the line's CAS/LQ");
        assert!(e.reasons.iter().all(|r| r.description.is_some()), "{pcn}");
        // Adjusted comes from the CAS segments, not from the reasons: counted once.
        assert_eq!(e.amounts.adjusted, Some(10000), "{pcn}");
        // The line keeps its own reasons.
        assert_eq!(lines(&out, pcn, None)[0].reasons.len(), expected.len(), "{pcn}");
    }
    // A claim with no line has nothing to roll up; one with claim-level CAS keeps just those.
    let e = claim(&out, "ST04");
    assert_eq!(e.reasons.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(), ["204"]);

    // Same (group, code) on several lines: one reason, amounts summed, first position.
    let out = load("835-paid-claims-ach.x12");
    let e = claim(&out, "PCN1003");
    let got: Vec<_> = e
        .reasons
        .iter()
        .map(|r| (r.group.as_deref(), r.code.as_str(), r.amount, r.position.as_ref().unwrap().segment_index.unwrap()))
        .collect();
    assert_eq!(got, [(Some("CO"), "45", Some(4000), 48), (Some("PR"), "3", Some(2000), 49)]);
    assert_eq!(e.amounts.adjusted, Some(6000), "CO-45 20 + PR-3 20 + CO-45 20, once");
    assert_eq!(claim(&out, "PCN1001").amounts.adjusted, Some(15000), "not double-counted with the rolled-up reasons");
}

#[test]
fn member_id_falls_back_to_the_insured_and_dates_to_the_lines() {
    let out = load("835-paid-claims-ach.x12");
    let c = claim(&out, "PCN1002");
    let r = c.claim.as_ref().unwrap();
    assert_eq!(r.patient_name.as_deref(), Some("ROE, JOHN"), "NM1*QC, not NM1*IL");
    assert_eq!(r.member_id.as_deref(), Some("SUB998877"), "NM1*IL09 when NM1*QC has none");
    assert_eq!((r.service_date_from.as_deref(), r.service_date_to.as_deref()), (Some("2024-03-05"), Some("2024-03-05")));
    assert_eq!(c.amounts.allowed, Some(8250), "sum of the lines' AMT*B6 when there is no AMT*AU");
    assert_eq!(c.amounts.patient_responsibility, None, "CLP05 empty");

    let c = claim(&out, "PCN1003");
    let r = c.claim.as_ref().unwrap();
    assert_eq!(r.service_date_from.as_deref(), Some("2024-03-10"), "earliest DTM*472");
    assert_eq!(r.service_date_to.as_deref(), Some("2024-03-12"), "latest DTM*472");
    assert_eq!(c.amounts.allowed, None, "no AMT at all");
    assert_eq!(c.amounts.adjusted, Some(6000));
}

#[test]
fn clp02_mapping_follows_the_reference_table() {
    let out = load("835-claim-status-codes.x12");
    let expect = [
        ("ST01", StatusClass::Paid, "CLP02 1", false),
        ("ST02", StatusClass::Denied, "CLP02 1", false),
        ("ST03", StatusClass::Paid, "CLP02 1", false),
        ("ST04", StatusClass::Denied, "CLP02 1", false),
        ("ST05", StatusClass::Paid, "CLP02 2", false),
        ("ST06", StatusClass::Paid, "CLP02 3", false),
        ("ST07", StatusClass::Denied, "CLP02 4", false),
        ("ST08", StatusClass::Paid, "CLP02 19", true),
        // Secondary, forwarded, $0 because the prior payer settled it (OA-23): nothing more due.
        ("ST09", StatusClass::Paid, "CLP02 20", true),
        ("ST10", StatusClass::Paid, "CLP02 21", true),
        ("ST11", StatusClass::Denied, "CLP02 23", true),
        ("ST12", StatusClass::Informational, "CLP02 25", false),
    ];
    for (pcn, status, raw, forwarded) in expect {
        let e = claim(&out, pcn);
        assert_eq!((e.status, e.raw_code.as_str()), (status, raw), "{pcn}");
        let fwd = e.reasons.iter().find(|r| r.code_set == CodeSet::Other("claim status (CLP02)".into()));
        assert_eq!(fwd.is_some(), forwarded, "{pcn} forwarded flag");
        if let Some(r) = fwd {
            assert!(r.description.as_deref().unwrap().contains("forwarded"), "{pcn}");
        }
    }
    let st09 = claim(&out, "ST09").reasons.iter().find(|r| r.code == "20").unwrap().description.clone().unwrap();
    assert!(st09.contains("forwarded") && st09.contains("prior payer"), "{st09}");
    assert!(warnings(&out).is_empty(), "{:?}", warnings(&out));
}

#[test]
fn secondary_zero_pay_settled_by_the_prior_payer_is_paid() {
    let out = load("835-secondary-zero-pay-prior-payer.x12");
    let clp02_reason = |pcn| {
        claim(&out, pcn)
            .reasons
            .iter()
            .find(|r| r.code_set == CodeSet::Other("claim status (CLP02)".into()))
            .map(|r| (r.code.clone(), r.description.clone().unwrap(), r.position.as_ref().unwrap().element.clone().unwrap()))
    };
    use StatusClass::*;
    // (claim, claim status, settled by the prior payer, its lines' statuses)
    for (pcn, status, settled, line_status) in [
        ("SEC01", Paid, true, vec![Paid]),    // 2, claim-level OA-23; the bare line inherits it
        ("SEC02", Paid, true, vec![Paid]),    // 3, line-level OA-23 + CO-45
        ("SEC03", Paid, true, vec![]),        // 21, OA-23 + PR-2
        ("SEC04", Denied, false, vec![Denied]), // 2, OA-23 + CO-50: this payer denied the rest
        ("SEC05", Denied, false, vec![]),     // 1, processed as primary: no prior payer
        ("SEC06", Paid, false, vec![]),       // 2, money paid
        ("SEC07", Denied, false, vec![Paid, Denied]), // one line settled, one denied
    ] {
        let e = claim(&out, pcn);
        assert_eq!(e.status, status, "{pcn}");
        assert_eq!(e.amounts.paid, Some(if pcn == "SEC06" { 2500 } else { 0 }), "{pcn}");
        let r = clp02_reason(pcn);
        assert_eq!(r.as_ref().is_some_and(|r| r.1.contains("prior payer(s) already settled the claim (CARC 23)")), settled, "{pcn}: {r:?}");
        assert_eq!(lines(&out, pcn, None).iter().map(|l| l.status).collect::<Vec<_>>(), line_status, "{pcn}");
    }
    let (code, description, element) = clp02_reason("SEC01").unwrap();
    assert_eq!((code.as_str(), element.as_str()), ("2", "CLP02"));
    assert_eq!(description, "processed as secondary; paid nothing because the prior payer(s) already settled the claim (CARC 23): nothing more is due from this payer");
    assert!(clp02_reason("SEC03").unwrap().1.starts_with("processed as tertiary, forwarded"), "the forwarded flag stays");
    // The CARC 23 itself is among the claim's reasons, rolled up from the line when it is there.
    let sec02: Vec<_> = claim(&out, "SEC02").reasons.iter().map(|r| (r.group.as_deref(), r.code.as_str(), r.amount)).collect();
    assert_eq!(sec02, [(None, "3", None), (Some("OA"), "23", Some(6000)), (Some("CO"), "45", Some(2000))]);
    assert_eq!(claim(&out, "SEC02").amounts.allowed, Some(6000));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
}

#[test]
fn service_lines_follow_their_claim_with_their_own_money() {
    let out = load("835-claim-status-codes.x12");
    let status_of = |pcn| lines(&out, pcn, None).iter().map(|e| e.status).collect::<Vec<_>>();
    assert_eq!(status_of("ST02"), [StatusClass::Denied], "zero pay line");
    assert_eq!(status_of("ST03"), [StatusClass::Paid], "zero pay to the deductible");
    assert_eq!(status_of("ST07"), [StatusClass::Denied]);
    let l = lines(&out, "ST07", None)[0];
    assert_eq!(l.raw_code, "CLP02 4");
    assert_eq!(l.reasons.iter().map(|r| (r.code_set.clone(), r.code.as_str())).collect::<Vec<_>>(), [
        (CodeSet::Carc, "50"),
        (CodeSet::Rarc, "N130")
    ]);
}

#[test]
fn service_line_fields() {
    let out = load("835-paid-claims-ach.x12");
    let parent = claim(&out, "PCN1001");
    let ls = lines(&out, "PCN1001", None);
    assert_eq!(ls.len(), 2);
    let (a, b) = (ls[0], ls[1]);
    for l in [a, b] {
        assert_eq!(l.claim.as_ref(), parent.claim.as_ref(), "the parent claim's ClaimRef");
        assert_eq!(l.status, StatusClass::Paid);
        assert_eq!(l.raw_code, "CLP02 1");
        assert_eq!(l.position.as_ref().unwrap().segment_id.as_deref(), Some("SVC"));
        assert_eq!(l.payment_reference.as_deref(), Some("EFT0000100"));
    }
    let s = a.service_line.as_ref().unwrap();
    assert_eq!((s.procedure_qualifier.as_deref(), s.procedure_code.as_deref()), (Some("HC"), Some("98941")));
    assert!(s.modifiers.is_empty());
    assert_eq!(s.units.as_deref(), Some("1"));
    assert_eq!(s.line_item_control_number.as_deref(), Some("LINE1001A"), "REF*6R");
    assert_eq!(s.service_date.as_deref(), Some("2024-03-01"), "DTM*472");
    assert_eq!((a.amounts.charged, a.amounts.paid, a.amounts.adjusted, a.amounts.allowed), (Some(20000), Some(12000), Some(8000), Some(16000)));
    let r: Vec<_> = a.reasons.iter().map(|r| (r.group.as_deref(), r.code.as_str(), r.amount)).collect();
    assert_eq!(r, [(Some("CO"), "45", Some(4000)), (Some("PR"), "2", Some(4000))]);

    let s = b.service_line.as_ref().unwrap();
    assert_eq!(s.procedure_code.as_deref(), Some("97140"));
    assert_eq!(s.modifiers, ["GP", "59"]);
    assert_eq!(s.units.as_deref(), Some("2"), "SVC05");
    assert_eq!(b.amounts.adjusted, Some(6700));
    let rarc = b.reasons.iter().find(|r| r.code_set == CodeSet::Rarc).expect("LQ*HE");
    assert_eq!(rarc.code, "N130");
    assert_eq!(rarc.position.as_ref().unwrap().element.as_deref(), Some("LQ02"));
}

#[test]
fn events_come_in_file_order() {
    let out = load("835-paid-claims-ach.x12");
    let order: Vec<(Level, Option<&str>)> = out
        .events
        .iter()
        .map(|e| (e.level, e.claim.as_ref().and_then(|c| c.patient_control_number.as_deref())))
        .collect();
    use Level::*;
    assert_eq!(order, [
        (TransactionSet, None),
        (Claim, Some("PCN1001")),
        (ServiceLine, Some("PCN1001")),
        (ServiceLine, Some("PCN1001")),
        (Claim, Some("PCN1002")),
        (ServiceLine, Some("PCN1002")),
        (Claim, Some("PCN1003")),
        (ServiceLine, Some("PCN1003")),
        (ServiceLine, Some("PCN1003")),
    ]);
    let idx: Vec<u32> = out.events.iter().map(|e| e.position.as_ref().unwrap().segment_index.unwrap()).collect();
    assert!(idx.windows(2).all(|w| w[0] < w[1]), "{idx:?}");
}

// ---------------------------------------------------------------------------------------
// Reversals and corrections

#[test]
fn reversal_then_correction_in_order_with_an_info_note() {
    let out = load("835-reversal-correction.x12");
    let pair = claims(&out, "PCN2002");
    assert_eq!(pair.len(), 2);
    let (rev, cor) = (pair[0], pair[1]);
    assert_eq!((rev.status, rev.raw_code.as_str()), (StatusClass::Reversed, "CLP02 22"));
    assert_eq!((rev.amounts.charged, rev.amounts.paid), (Some(-15000), Some(-15000)), "negative as sent");
    assert_eq!(rev.claim.as_ref().unwrap().payer_claim_number.as_deref(), Some("ICN2002A"));
    assert_eq!(rev.claim.as_ref().unwrap().frequency_code.as_deref(), Some("8"));
    let rev_lines = lines(&out, "PCN2002", Some("ICN2002A"));
    assert_eq!(rev_lines.len(), 1);
    assert_eq!(rev_lines[0].status, StatusClass::Reversed);
    assert_eq!(rev_lines[0].amounts.paid, Some(-15000));
    assert_eq!(rev_lines[0].service_line.as_ref().unwrap().units.as_deref(), Some("-1"));
    assert_eq!(cor.status, StatusClass::Paid);
    assert_eq!(cor.claim.as_ref().unwrap().payer_claim_number.as_deref(), Some("ICN2002B"));
    let i = infos(&out);
    assert_eq!(i, ["claim at segment #22 corrects the reversal at segment #17", "claim at segment #43 corrects the reversal at segment #28"]);
    // Across transaction sets too, and an uncorrected reversal gets no note.
    assert_eq!(claims(&out, "PCN2003").iter().map(|e| e.status).collect::<Vec<_>>(), [StatusClass::Reversed, StatusClass::Paid]);
    assert_eq!(claim(&out, "PCN2004").status, StatusClass::Reversed);
    assert_eq!(at_level(&out, Level::TransactionSet).len(), 2, "one payment header per transaction set");
    assert!(warnings(&out).is_empty(), "{:?}", warnings(&out));
}

// ---------------------------------------------------------------------------------------
// 4010, CAS CR, MIA

#[test]
fn x091_file_reads_as_the_same_format() {
    let out = load("835-4010-x091.x12");
    assert_eq!(out.metadata.format_id, "x12-835");
    assert_eq!(out.metadata.implementation.as_deref(), Some("004010X091A1"));
    assert_eq!(out.metadata.transaction_set_control_numbers, ["0041"]);
    // Zero pay that went to the deductible is adjudicated, not denied.
    let e = claim(&out, "PCN4001");
    assert_eq!(e.status, StatusClass::Paid);
    assert_eq!(e.amounts.paid, Some(0));
    let rarcs: Vec<(&str, &str)> = e
        .reasons
        .iter()
        .filter(|r| r.code_set == CodeSet::Rarc)
        .map(|r| (r.code.as_str(), r.position.as_ref().unwrap().element.as_deref().unwrap()))
        .collect();
    assert_eq!(rarcs, [("N130", "MIA05"), ("MA04", "MIA20"), ("N362", "MIA21")]);
    // Legacy CR group is kept as sent with one info note for the file.
    let rev = lines(&out, "PCN4003", Some("ICN4003A"))[0];
    assert_eq!(rev.reasons[0].group.as_deref(), Some("CR"));
    assert_eq!(rev.status, StatusClass::Reversed);
    let i = infos(&out);
    assert!(i.iter().any(|m| m.contains("group code CR") && m.contains("(1 more times in this file)")), "{i:?}");
    assert!(i.iter().any(|m| m.contains("corrects the reversal")), "{i:?}");
    assert!(warnings(&out).is_empty(), "{:?}", warnings(&out));
}

// ---------------------------------------------------------------------------------------
// PLB

#[test]
fn each_plb_pair_is_an_informational_event() {
    let out = load("835-plb-adjustments.x12");
    let plbs: Vec<_> = out.events.iter().filter(|e| e.raw_code == "PLB").collect();
    assert_eq!(plbs.len(), 10);
    let got: Vec<(&str, Option<i64>)> = plbs.iter().map(|e| (e.reasons[0].code.as_str(), e.reasons[0].amount)).collect();
    assert_eq!(got, [
        ("WO", Some(10000)),
        ("L6", Some(-250)),
        ("72", Some(5000)),
        ("B2", Some(1000)),
        ("FB", Some(-2000)),
        ("J1", Some(500)),
        ("90", Some(100)),
        ("CT", Some(10000)),
        ("CS", Some(-10000)),
        ("CV", Some(300)),
    ]);
    for e in &plbs {
        assert_eq!((e.level, e.status, e.source), (Level::TransactionSet, StatusClass::Informational, Source::Payer));
        assert_eq!(e.reasons[0].code_set, CodeSet::Other("provider adjustment reason".into()));
        assert_eq!(e.amounts.adjusted, e.reasons[0].amount);
        assert_eq!(e.payment_reference.as_deref(), Some("EFT0000500"));
    }
    assert_eq!(plbs[0].reasons[0].description.as_deref(), Some("overpayment recovery; reference OVERPAY123"));
    assert_eq!(plbs[1].reasons[0].description.as_deref(), Some("interest owed"));
    assert_eq!(plbs[9].reasons[0].description.as_deref(), Some("capital passthru; reference CP"));
    let el: Vec<&str> = plbs.iter().map(|e| e.reasons[0].position.as_ref().unwrap().element.as_deref().unwrap()).collect();
    assert_eq!(el, ["PLB03", "PLB05", "PLB07", "PLB09", "PLB03", "PLB05", "PLB07", "PLB09", "PLB11", "PLB13"]);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
}

// ---------------------------------------------------------------------------------------
// Tolerance

#[test]
fn short_segments_give_what_is_there_and_warn() {
    let out = load("835-short-segments.x12");
    let w = warnings(&out);
    assert!(w.contains(&"CLP at segment #9 is missing CLP04"), "{w:?}");
    assert!(w.contains(&"CLP at segment #14 is missing CLP03/CLP04"), "{w:?}");
    assert!(w.contains(&"SVC at segment #11 is missing SVC03"), "{w:?}");
    assert!(w.iter().any(|m| m.starts_with("CAS at segment #13 has reason code CAS02 with no amount")), "{w:?}");
    assert!(w.iter().any(|m| m.starts_with("PLB at segment #15 has adjustment PLB03 with no amount")), "{w:?}");

    let short = claim(&out, "090909");
    assert_eq!((short.status, short.raw_code.as_str()), (StatusClass::Reversed, "CLP02 22"));
    assert_eq!((short.amounts.charged, short.amounts.paid), (None, None));
    let unknown_outcome = claim(&out, "PCN7001");
    assert_eq!(unknown_outcome.status, StatusClass::Informational, "processed, but CLP04 missing");
    assert_eq!(unknown_outcome.amounts.charged, Some(10000));
    assert_eq!(unknown_outcome.claim.as_ref().unwrap().patient_name.as_deref(), Some("DOE"));
    let l = lines(&out, "PCN7001", None)[0];
    assert_eq!(l.status, StatusClass::Informational);
    assert_eq!(l.reasons[0].amount, None);
}

#[test]
fn svc_composite_resplit_on_greater_than() {
    let out = load("835-svc-component-heuristic.x12");
    let ls = lines(&out, "PCN8001", None);
    let got: Vec<(Option<&str>, Option<&str>, Vec<String>)> = ls
        .iter()
        .map(|l| {
            let s = l.service_line.as_ref().unwrap();
            (s.procedure_qualifier.as_deref(), s.procedure_code.as_deref(), s.modifiers.clone())
        })
        .collect();
    assert_eq!(got, [
        (Some("HC"), Some("99213"), vec!["25".to_string()]),
        (Some("HC"), Some("97140"), vec!["GP".to_string(), "59".to_string()]),
    ]);
    let plb = out.events.iter().find(|e| e.raw_code == "PLB").unwrap();
    assert_eq!(plb.reasons[0].code, "WO");
    assert!(plb.reasons[0].description.as_deref().unwrap().ends_with("reference OVR1"));
    let i = infos(&out);
    assert_eq!(i.len(), 1, "{i:?}");
    assert!(i[0].starts_with("SVC01 at segment #17 does not contain the ISA16 component separator ':' but uses '>'"), "{}", i[0]);
    assert!(i[0].contains("(3 composites in this transaction set)"), "{}", i[0]);
    assert!(warnings(&out).is_empty());
}

#[test]
fn unknown_codes_pass_through_with_diagnostics() {
    let out = load("835-unknown-codes.x12");
    let h = &out.events[0];
    assert_eq!(h.raw_code, "BPR01 Z");
    assert!(h.reasons.iter().all(|r| r.description.is_none()));
    let c = claim(&out, "PCN9901");
    assert_eq!((c.status, c.raw_code.as_str()), (StatusClass::Informational, "CLP02 7"));
    assert_eq!((c.reasons[0].code.as_str(), c.reasons[0].group.as_deref(), c.reasons[0].description.as_deref()), ("9999", Some("XX"), None));
    let l = lines(&out, "PCN9901", None)[0];
    assert_eq!(l.status, StatusClass::Informational);
    assert_eq!(l.reasons[0].group.as_deref(), Some("co"), "codes are never upper-cased");
    let plb = out.events.iter().find(|e| e.raw_code == "PLB").unwrap();
    assert_eq!(plb.reasons[0].code, "QQ");
    assert_eq!(plb.reasons[0].description.as_deref(), Some("reference REF1"));

    let w = warnings(&out);
    for expected in [
        "unknown payment method (BPR04) code \"XYZ\" at segment #4",
        "unknown transaction handling (BPR01) code \"Z\" at segment #4",
        "unknown CAS group code \"XX\" at segment #10",
        "unknown CAS group code \"co\" at segment #15",
        "unknown claim status (CLP02) code \"7\" at segment #9",
        "unknown LQ01 code list qualifier code \"ZZ\" at segment #17",
        "unknown provider adjustment reason (PLB03-1) code \"QQ\" at segment #18",
    ] {
        assert!(w.contains(&expected), "missing {expected:?} in {w:?}");
    }
    let i = infos(&out);
    for expected in ["unknown CARC code \"9999\" at segment #10", "unknown RARC code \"ZZ99\" at segment #12", "unknown RARC code \"ZZ98\" at segment #16"] {
        assert!(i.contains(&expected), "missing {expected:?} in {i:?}");
    }
}

/// The same small paid claim, whatever the envelope looks like.
fn assert_small_paid(out: &claimtrack_plugin_sdk::ParseOutput, pcn: &str) {
    let c = claim(out, pcn);
    assert_eq!((c.status, c.amounts.paid, c.amounts.charged), (StatusClass::Paid, Some(8000), Some(10000)), "{pcn}");
    assert_eq!(c.claim.as_ref().unwrap().patient_name.as_deref(), Some("DOE, JANE"));
    let l = lines(out, pcn, None);
    assert_eq!(l.len(), 1);
    let s = l[0].service_line.as_ref().unwrap();
    assert_eq!((s.procedure_qualifier.as_deref(), s.procedure_code.as_deref()), (Some("HC"), Some("98941")));
    assert_eq!(s.line_item_control_number.as_deref(), Some(format!("LINE{pcn}").as_str()));
    assert_eq!(l[0].reasons.len(), 2);
    assert_eq!(out.events[0].raw_code, "BPR01 I");
}

#[test]
fn bom_crlf_indentation_newline_and_unusual_delimiters() {
    for (name, pcn) in [
        ("835-utf8-bom.x12", "PCN9101"),
        ("835-crlf-indented.x12", "PCN9201"),
        ("835-newline-terminator.x12", "PCN9301"),
        ("835-unusual-delimiters.x12", "PCN9401"),
    ] {
        let out = load(name);
        assert_small_paid(&out, pcn);
        assert!(warnings(&out).is_empty() && errors(&out).is_empty(), "{name}: {:?}", out.diagnostics);
        assert_eq!(out.events.len(), 3, "{name}");
    }
    assert_eq!(infos(&load("835-utf8-bom.x12")), ["UTF-8 byte order mark at the start of the file was skipped"]);
}

#[test]
fn multiple_interchanges_with_their_own_delimiters() {
    let out = load("835-multiple-isa-different-delimiters.x12");
    assert_eq!(out.metadata.interchange_control_numbers, ["000000113", "000000114", "000000115"]);
    assert_eq!(at_level(&out, Level::TransactionSet).len(), 3);
    assert_small_paid(&out, "PCN9501");
    for (pcn, paid) in [("PCN9502", 7000), ("PCN9503", 6000)] {
        assert_eq!(claim(&out, pcn).amounts.paid, Some(paid));
        let s = lines(&out, pcn, None)[0].service_line.clone().unwrap();
        assert_eq!(s.procedure_code.as_deref(), Some("98941"), "{pcn}: components split on that ISA16");
    }
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
}

#[test]
fn wrong_counts_and_control_numbers_are_warnings_only() {
    let out = load("835-wrong-counts-control-numbers.x12");
    assert_small_paid(&out, "PCN9601");
    let w = warnings(&out);
    assert_eq!(w.len(), 6, "{w:?}");
    for prefix in ["SE01", "SE02", "GE01", "GE02", "IEA01", "IEA02"] {
        assert!(w.iter().any(|m| m.starts_with(prefix)), "{prefix}: {w:?}");
    }
}

#[test]
fn truncated_file_keeps_what_is_complete() {
    let out = load("835-truncated.x12");
    assert_small_paid(&out, "PCN9701");
    let cut = claim(&out, "PCN9702");
    assert_eq!((cut.status, cut.amounts.paid), (StatusClass::Paid, Some(15000)));
    // The SDK tokenizer drops the cut-off `SVC*HC:99213*200` itself: no service line is
    // reported, so nothing is said about its missing SVC03 either.
    assert!(lines(&out, "PCN9702", None).is_empty());
    assert_eq!((cut.reasons.len(), cut.amounts.allowed), (0, None), "nothing rolled up from a dropped line");
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    let d = &out.diagnostics[0];
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.starts_with("file is truncated: it ends inside segment #24 SVC"), "{}", d.message);
    let pos = d.position.as_ref().unwrap();
    assert_eq!((pos.segment_index, pos.segment_id.as_deref()), (Some(24), Some("SVC")));
    // BPR02 (80.00) is not Σ CLP04 (230.00), but the cut transaction set is not balanced.
    assert!(!warnings(&out).iter().any(|w| w.contains("balance")), "no balancing on a cut transaction set");

    // The same file completed by its trailers: the line is read and the balance is checked.
    let mut whole = fixture_bytes("835-truncated.x12");
    whole.extend_from_slice(b"~SE*23*0171~GE*1*117~IEA*1*000000117~");
    let out = x12_835::parse_bytes("whole.835", &whole).unwrap();
    assert_eq!(lines(&out, "PCN9702", None).len(), 1);
    let w = warnings(&out);
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(w.contains(&"SVC at segment #24 is missing SVC03"), "{w:?}");
    assert!(w.iter().any(|m| m.starts_with("BPR02 at segment #4 is 80.00") && m.contains("230.00") && m.contains("does not balance")), "{w:?}");
    assert!(errors(&out).is_empty(), "{:?}", errors(&out));
}

#[test]
fn lowercase_segment_ids_are_read() {
    let out = load("835-lowercase-segment-ids.x12");
    assert_small_paid(&out, "PCN9801");
    let w = warnings(&out);
    assert!(w.iter().any(|m| m.contains("\"clp\" is lower-case")), "{w:?}");
}

#[test]
fn file_without_envelope_starting_at_st() {
    let out = load("835-no-envelope-starts-at-st.x12");
    assert_small_paid(&out, "PCN9A01");
    assert!(warnings(&out).iter().any(|m| m.starts_with("no ISA envelope")));
}

#[test]
fn other_transaction_sets_are_skipped_with_a_warning() {
    let out = load("835-mixed-with-999.x12");
    assert_small_paid(&out, "PCN9B01");
    assert_eq!(out.events.len(), 3);
    assert_eq!(warnings(&out), ["transaction set ST 0212 at segment #25 is a 999 (FA), not an 835; skipped"]);
}

#[test]
fn a_file_without_an_835_is_not_ours() {
    let err = x12_835::parse_bytes("x.999", &fixture_bytes("forced-999-not-an-835.x12")).unwrap_err();
    assert_eq!(err, ParseError::NotMyFormat("contains 999 (FA), not 835".into()));
    assert!(matches!(x12_835::parse_bytes("x", b"hello world"), Err(ParseError::Malformed(_))));
    assert!(matches!(x12_835::parse_bytes("x", b""), Err(ParseError::Malformed(_))));
}

// ---------------------------------------------------------------------------------------
// Sniffing, PHI, positions

#[test]
fn sniff_reads_the_content() {
    for name in ["835-paid-claims-ach.x12", "835-utf8-bom.x12", "835-no-envelope-starts-at-st.x12", "835-4010-x091.x12", "835-unusual-delimiters.x12"] {
        let bytes = fixture_bytes(name);
        assert_eq!(x12_835::sniff_bytes(&bytes[..bytes.len().min(4096)]), 95, "{name}");
    }
    assert_eq!(x12_835::sniff_bytes(&fixture_bytes("forced-999-not-an-835.x12")), 0);
    assert_eq!(x12_835::sniff_bytes(b"File Summary report\n"), 0);
    // The head ends before the first ST of a GS*HP group.
    let head = fixture_bytes("835-paid-claims-ach.x12");
    let gs_end = head.windows(3).position(|w| w == b"ST*").unwrap();
    assert_eq!(x12_835::sniff_bytes(&head[..gs_end]), 80);
}

#[test]
fn diagnostics_never_contain_phi() {
    let dir = format!("{}/../../tests/fixtures/x12-835", env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let Ok(out) = x12_835::parse_bytes("f", &std::fs::read(&path).unwrap()) else { continue };
        for d in &out.diagnostics {
            seen += 1;
            for phi in ["DOE", "ROE", "POE", "JANE", "JOHN", "MEM", "SUB99", "PCN", "090909"] {
                assert!(!d.message.contains(phi), "{}: {phi} in {:?}", path.display(), d.message);
            }
        }
    }
    assert!(seen > 30, "{seen}");
}

#[test]
fn every_event_and_reason_has_a_position() {
    let dir = format!("{}/../../tests/fixtures/x12-835", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let Ok(out) = x12_835::parse_bytes("f", &std::fs::read(&path).unwrap()) else { continue };
        for e in &out.events {
            let p = e.position.as_ref().expect("event position");
            assert!(p.segment_index.is_some() && p.line.is_some() && p.byte_offset.is_some());
            assert!(e.reasons.iter().all(|r| r.position.is_some()), "{}", path.display());
            assert!(e.claim.is_some() == matches!(e.level, Level::Claim | Level::ServiceLine));
            assert!(e.service_line.is_some() == (e.level == Level::ServiceLine));
        }
    }
}
