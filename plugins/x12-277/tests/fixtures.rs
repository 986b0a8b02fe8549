//! Every mapping rule of the plugin, proven on the synthetic fixtures in
//! tests/fixtures/x12-277/ (the same files the lead's golden tests run through the WASM build).

use claimtrack_plugin_sdk::{
    ClaimRef, CodeSet, Level, ParseError, ParseOutput, Parser, Provider, ProviderRole, Severity, Source, StatusClass,
    StatusEvent,
};
use x12_277::{parse_bytes, X12Status277};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/x12-277");

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{name}")).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn load(name: &str) -> ParseOutput {
    parse_bytes(name, &bytes(name)).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

fn pcn(e: &StatusEvent) -> Option<&str> {
    e.claim.as_ref().and_then(|c| c.patient_control_number.as_deref())
}

/// Claim-level events of one claim, in file order.
fn claim<'a>(out: &'a ParseOutput, number: &str) -> Vec<&'a StatusEvent> {
    out.events.iter().filter(|e| e.level == Level::Claim && pcn(e) == Some(number)).collect()
}

fn one<'a>(out: &'a ParseOutput, number: &str) -> &'a StatusEvent {
    let v = claim(out, number);
    assert_eq!(v.len(), 1, "claim {number}: {v:#?}");
    v[0]
}

fn batch(out: &ParseOutput) -> Vec<&StatusEvent> {
    out.events.iter().filter(|e| e.level == Level::TransactionSet).collect()
}

fn set(code_set: &CodeSet) -> String {
    match code_set {
        CodeSet::ClaimStatusCategory => "507".into(),
        CodeSet::ClaimStatus => "508".into(),
        CodeSet::Entity => "98".into(),
        CodeSet::FreeText => "text".into(),
        CodeSet::Other(name) => name.clone(),
        other => format!("{other:?}"),
    }
}

/// (code set, code, element) of every reason.
fn reasons(e: &StatusEvent) -> Vec<(String, String, String)> {
    e.reasons
        .iter()
        .map(|r| (set(&r.code_set), r.code.clone(), r.position.as_ref().and_then(|p| p.element.clone()).unwrap_or_default()))
        .collect()
}

fn r(set: &str, code: &str, el: &str) -> (String, String, String) {
    (set.into(), code.into(), el.into())
}

/// The claim of a provider-level statement: the billing provider, and no claim keys.
fn provider_only(npi: Option<&str>, tax_id: Option<&str>) -> ClaimRef {
    let name = if npi == Some("1045678905") { "MAPLE PHYSICAL THERAPY" } else { "SUNRISE CHIROPRACTIC" };
    ClaimRef {
        providers: vec![Provider {
            role: ProviderRole::Billing,
            name: Some(name.into()),
            npi: npi.map(str::to_string),
            tax_id: tax_id.map(str::to_string),
        }],
        ..ClaimRef::default()
    }
}

fn diags(out: &ParseOutput, sev: Severity) -> Vec<&str> {
    out.diagnostics.iter().filter(|d| d.severity == sev).map(|d| d.message.as_str()).collect()
}

fn has(out: &ParseOutput, sev: Severity, needle: &str) -> bool {
    diags(out, sev).iter().any(|m| m.contains(needle))
}

// ---------------------------------------------------------------------------------------------
// 277CA (X214)

#[test]
fn clearinghouse_277ca_batch_and_claims_accepted() {
    let out = load("277ca-clearinghouse-batch-accepted.x12");
    assert_eq!(out.metadata.format_id, "x12-277ca");
    assert_eq!(out.metadata.implementation.as_deref(), Some("005010X214"));
    assert_eq!(out.metadata.interchange_control_numbers, ["000000101"]);
    assert_eq!(out.metadata.transaction_set_control_numbers, ["0001"]);
    assert!(diags(&out, Severity::Warning).is_empty(), "{:?}", out.diagnostics);

    // Source: 2100A NM1*AY → clearinghouse, with the party.
    for e in &out.events {
        assert_eq!(e.source, Source::Clearinghouse);
        let p = e.source_party.as_ref().expect("party");
        assert_eq!(p.name.as_deref(), Some("OFFICE ALLY"));
        assert_eq!(p.id.as_deref(), Some("OFFICEALLY"));
        assert_eq!(p.id_qualifier.as_deref(), Some("46"));
        // 2200B TRN02 is on every event beneath the receiver.
        assert_eq!(e.correlation.batch_reference.as_deref(), Some("BATCH0001"));
        assert_eq!(e.correlation.interchange_control_number, None, "never the response's own envelope");
        assert_eq!(e.position.as_ref().and_then(|p| p.segment_id.as_deref()), Some("STC"));
    }

    // 2200B and 2200C acceptances: transaction-set level, and they do not cascade.
    let b = batch(&out);
    assert_eq!(b.len(), 2);
    assert_eq!((b[0].status, b[0].raw_code.as_str()), (StatusClass::Accepted, "A1:20"));
    assert_eq!(b[0].amounts.charged, Some(45000));
    assert_eq!(b[0].effective_date.as_deref(), Some("2024-03-15"));
    assert!(b[0].claim.is_none());
    assert_eq!(b[0].position.as_ref().and_then(|p| p.segment_index), Some(13));
    // The 2200C acceptance covers one provider's claims only: its class, and a claim that
    // names only the provider (2100C NM108 XX: the NPI).
    assert_eq!((b[1].status, b[1].raw_code.as_str()), (StatusClass::Accepted, "A1:20"));
    assert_eq!(b[1].claim, Some(provider_only(Some("1234567893"), None)));
    assert_eq!(out.events.iter().filter(|e| e.level == Level::Claim).count(), 3);

    let c1 = one(&out, "PCN1001");
    assert_eq!((c1.status, c1.raw_code.as_str()), (StatusClass::Accepted, "A2:20"));
    assert_eq!(reasons(c1), [r("507", "A2", "STC01-1"), r("508", "20", "STC01-2")]);
    assert!(c1.reasons[0].description.as_deref().unwrap().contains("Acceptance into the adjudication system"));
    let cr = c1.claim.as_ref().unwrap();
    assert_eq!(cr.clearinghouse_claim_id.as_deref(), Some("1234500001"));
    assert_eq!(cr.patient_name.as_deref(), Some("DOE, JANE Q"));
    assert_eq!(cr.member_id.as_deref(), Some("MBR0001"));
    assert_eq!((cr.service_date_from.as_deref(), cr.service_date_to.as_deref()), (Some("2024-03-01"), Some("2024-03-01")));
    assert_eq!(c1.amounts.charged, Some(12500));

    // Two claim loops under one patient HL; RD8 dates.
    let cr2 = one(&out, "PCN1002").claim.clone().unwrap();
    assert_eq!((cr2.service_date_from.as_deref(), cr2.service_date_to.as_deref()), (Some("2024-03-04"), Some("2024-03-08")));
    assert_eq!(cr2.patient_name.as_deref(), Some("DOE, JANE Q"));
    assert_eq!(one(&out, "PCN1003").claim.as_ref().unwrap().patient_name.as_deref(), Some("ROE, RICHARD"));

    // QTY/AMT totals as info diagnostics.
    assert!(has(&out, Severity::Info, "2200B totals (segment #14): accepted 3 claims $450.00"));
    assert!(has(&out, Severity::Info, "2200C totals (segment #20): accepted 3 claims $450.00"));
}

#[test]
fn payer_277ca_category_decides_not_stc03() {
    let out = load("277ca-payer-claims-rejected.x12");
    for e in &out.events {
        assert_eq!(e.source, Source::Payer);
        assert_eq!(e.source_party.as_ref().and_then(|p| p.id.as_deref()), Some("12345"));
    }
    // A7 with STC03=WQ is rejected; the contradiction is noted.
    let c1 = one(&out, "PCN2001");
    assert_eq!((c1.status, c1.raw_code.as_str()), (StatusClass::Rejected, "A7:562:85"));
    assert_eq!(reasons(c1), [r("507", "A7", "STC01-1"), r("508", "562", "STC01-2"), r("98", "85", "STC01-3")]);
    assert_eq!(c1.reasons[2].description.as_deref(), Some("Billing provider"));
    assert_eq!(c1.claim.as_ref().unwrap().payer_claim_number.as_deref(), Some("ICN20240001"));
    assert!(has(&out, Severity::Info, "STC03 action code \"WQ\" at segment #24 contradicts category \"A7\""));

    // STC01 says A2 but STC10/STC11 reject: the most severe wins, and the composite that
    // decided (STC10, the first of the equally severe A7/A3) is the raw code, so a rejected
    // event is not labelled "A2:20". Every composite and STC12 become reasons.
    let c2 = one(&out, "PCN2002");
    assert_eq!(c2.status, StatusClass::Rejected);
    assert_eq!(c2.raw_code, "A7:128:85", "raw_code is the deciding composite, STC10");
    assert_eq!(
        reasons(c2),
        [
            r("507", "A2", "STC01-1"),
            r("508", "20", "STC01-2"),
            r("507", "A7", "STC10-1"),
            r("508", "128", "STC10-2"),
            r("98", "85", "STC10-3"),
            r("507", "A3", "STC11-1"),
            r("508", "21", "STC11-2"),
            r("text", "BILLING PROVIDER TAX ID DOES NOT MATCH NPI", "STC12"),
        ]
    );
    // The first of equally severe categories (A7, not A3) is named, so segment #29's note is the
    // same as segment #24's and is counted there.
    assert!(has(&out, Severity::Info, "segment #24 contradicts category \"A7\"; the category decides the status (2 occurrences"));
    assert!(!out.diagnostics.iter().any(|d| d.message.contains("#29")));

    // Equally severe STC01 and STC09 composites: STC01 stays the raw code (checked below for
    // PCN2005). Two STC segments on one claim: one event each.
    let c3 = claim(&out, "PCN2003");
    assert_eq!(c3.iter().map(|e| e.raw_code.as_str()).collect::<Vec<_>>(), ["A3:21:85", "A6:145:82"]);
    assert!(c3.iter().all(|e| e.status == StatusClass::Rejected));

    // E4 in a 277CA is a rejection (in a 277 it is an inquiry error: see the X212 test).
    assert_eq!(one(&out, "PCN2004").status, StatusClass::Rejected);

    // A status composite misplaced in STC09 (the check number's place) is read as one.
    let c5 = one(&out, "PCN2005");
    assert_eq!(c5.status, StatusClass::Rejected);
    assert_eq!(
        reasons(c5),
        [r("507", "A3", "STC01-1"), r("508", "21", "STC01-2"), r("507", "A3", "STC09-1"), r("508", "562", "STC09-2"), r("98", "85", "STC09-3")]
    );
    assert_eq!(c5.payment_reference, None);
    assert_eq!(c5.raw_code, "A3:21", "STC01 decides among equally severe composites");
    assert!(has(&out, Severity::Warning, "STC09 at segment #42 holds a status composite"));

    // The 2200B acceptance does not cascade; totals with both sides.
    assert_eq!(batch(&out).len(), 1);
    assert_eq!(batch(&out)[0].status, StatusClass::Accepted);
    assert_eq!(out.events.len(), 7);
    assert!(has(&out, Severity::Info, "2200B totals (segment #14): accepted 1 claim $200.00, rejected 3 claims $400.00"));
}

#[test]
fn provider_level_rejection_cascades_to_its_claims_only() {
    let out = load("277ca-provider-rejected-cascade.x12");
    let b = batch(&out);
    // 2200B and each 2200C statement keep their class at transaction-set level; a 2200C
    // statement names its provider (and no claim), so it is not read as the batch's.
    assert_eq!(b.iter().map(|e| (e.status, e.raw_code.as_str())).collect::<Vec<_>>(), [
        (StatusClass::Accepted, "A1:20"),
        (StatusClass::Rejected, "A3:562:85"),
        (StatusClass::Accepted, "A1:20"),
    ]);
    assert_eq!(b[0].claim, None, "the receiver's statement is the batch's");
    assert_eq!(b[1].claim, Some(provider_only(Some("1234567893"), None)));
    assert_eq!(b[2].claim, Some(provider_only(Some("1045678905"), None)));
    assert_eq!(reasons(b[1]), [r("507", "A3", "STC01-1"), r("508", "562", "STC01-2"), r("98", "85", "STC01-3")]);
    for p in &b[1..] {
        let d = p.reasons[0].description.as_deref().unwrap();
        assert!(d.contains("billing-provider-level statement (2200C): covers only that provider's claims"), "{d}");
    }
    assert!(!b[0].reasons[0].description.as_deref().unwrap().contains("2200C"));
    assert_eq!(b[1].amounts.charged, Some(30000));
    let provider_stc = b[1].position.as_ref().and_then(|p| p.segment_index);
    assert_eq!(provider_stc, Some(21));

    // PCN3001 has no STC of its own: it is rejected only through its provider.
    let c1 = one(&out, "PCN3001");
    assert_eq!((c1.status, c1.raw_code.as_str()), (StatusClass::Rejected, "A3:562:85"));
    assert_eq!(c1.position.as_ref().and_then(|p| p.segment_index), provider_stc);
    assert_eq!(reasons(c1), reasons(b[1]), "same reasons as the provider-level statement");
    let note = c1.reasons[0].description.as_deref().unwrap();
    assert!(note.contains("Returned as unprocessable") && note.contains("inherited") && note.contains("2200C"), "{note}");
    assert!(!note.contains("covers only"), "the claim carries the cascade note, not the provider-level one: {note}");
    assert_eq!(c1.amounts.charged, None, "the provider's STC04 is not this claim's charge");
    assert_eq!(c1.correlation.batch_reference.as_deref(), Some("BATCH0003"));
    let cr = c1.claim.as_ref().unwrap();
    assert_eq!(cr.clearinghouse_claim_id.as_deref(), Some("1234500021"));
    assert_eq!(cr.service_date_from.as_deref(), Some("2024-03-10"));
    // The cascade says whose rejection it is; the claim's own statements do not.
    assert_eq!(cr.providers, provider_only(Some("1234567893"), None).providers);

    // PCN3002: the inherited rejection, then its own.
    let c2 = claim(&out, "PCN3002");
    assert_eq!(c2.len(), 2);
    assert_eq!(c2[0].position.as_ref().and_then(|p| p.segment_index), provider_stc);
    assert_eq!(c2[1].position.as_ref().and_then(|p| p.segment_index), Some(32));
    assert_eq!(c2[1].amounts.charged, Some(10000));
    assert!(!c2[1].reasons[0].description.as_deref().unwrap().contains("inherited"));
    assert!(c2[1].claim.as_ref().unwrap().providers.is_empty());

    // The second provider accepted: its claim has only its own acceptance.
    let c3 = one(&out, "PCN3003");
    assert_eq!(c3.status, StatusClass::Accepted);
    assert_eq!(out.events.iter().filter(|e| e.status == StatusClass::Rejected && e.level == Level::Claim).count(), 3);
}

#[test]
fn receiver_level_rejection_cascades_to_every_claim() {
    let out = load("277ca-receiver-rejected-cascade.x12");
    let b = batch(&out);
    assert_eq!(b.len(), 1);
    assert_eq!((b[0].status, b[0].raw_code.as_str()), (StatusClass::Rejected, "A3:24:41"));
    assert_eq!(b[0].correlation.batch_reference.as_deref(), Some("BATCH0004"));
    assert_eq!(b[0].amounts.charged, Some(50000));
    for number in ["PCN4001", "PCN4002"] {
        let c = one(&out, number);
        assert_eq!(c.status, StatusClass::Rejected);
        assert_eq!(c.source, Source::Clearinghouse);
        assert_eq!(c.correlation.batch_reference.as_deref(), Some("BATCH0004"));
        assert_eq!(reasons(c), [r("507", "A3", "STC01-1"), r("508", "24", "STC01-2"), r("98", "41", "STC01-3")]);
        assert!(c.reasons[0].description.as_deref().unwrap().contains("information receiver level (2200B)"));
        assert_eq!(c.effective_date.as_deref(), Some("2024-03-19"));
    }
    assert!(has(&out, Severity::Info, "2200B totals (segment #14): rejected 2 claims $500.00"));
}

#[test]
fn service_lines_of_a_277ca() {
    let out = load("277ca-service-lines.x12");
    let c = one(&out, "PCN5001");
    assert_eq!(c.status, StatusClass::Rejected);
    let lines: Vec<_> = out.events.iter().filter(|e| e.level == Level::ServiceLine).collect();
    assert_eq!(lines.len(), 1, "the second line has no STC, so no event");
    // …but it does not vanish silently.
    assert!(has(&out, Severity::Warning, "SVC at segment #27 (service line) has no STC line status; no event for this line"));
    assert!(!has(&out, Severity::Warning, "SVC at segment #23"), "the first line has its STC");
    let l = lines[0];
    assert_eq!((l.status, l.raw_code.as_str()), (StatusClass::Rejected, "A7:453"));
    let sl = l.service_line.as_ref().unwrap();
    assert_eq!(sl.procedure_qualifier.as_deref(), Some("HC"));
    assert_eq!(sl.procedure_code.as_deref(), Some("99213"));
    assert_eq!(sl.modifiers, ["25"]);
    assert_eq!(sl.line_item_control_number.as_deref(), Some("LINE0001"));
    assert_eq!(sl.service_date.as_deref(), Some("2024-03-01"));
    assert_eq!(sl.units.as_deref(), Some("1"));
    assert_eq!((l.amounts.charged, l.amounts.paid), (Some(15000), None));
    assert_eq!(l.claim, c.claim, "the line carries its claim");
    assert_eq!(l.position.as_ref().and_then(|p| p.segment_index), Some(24));
}

// ---------------------------------------------------------------------------------------------
// 277 (X212)

#[test]
fn x212_claim_status_classes() {
    let out = load("277-x212-claim-status.x12");
    assert_eq!(out.metadata.format_id, "x12-277");
    for e in &out.events {
        assert_eq!(e.source, Source::Payer);
        assert_eq!(e.source_party.as_ref().and_then(|p| p.name.as_deref()), Some("ACME HEALTH PLAN"));
        assert_eq!(e.correlation.batch_reference, None, "no 2200B TRN in this file");
    }
    // In a 277 (X212) REF*EJ (CLM01) keys the claim, not TRN02 (the 276 trace number).
    assert!(out.events.iter().all(|e| pcn(e) != Some("STAT6001")));
    let c1 = one(&out, "ACCT6001");
    assert_eq!((c1.status, c1.raw_code.as_str()), (StatusClass::Pending, "P1:20"));
    let cr = c1.claim.as_ref().unwrap();
    assert_eq!(cr.payer_claim_number.as_deref(), Some("ICN6001"));
    assert_eq!(cr.clearinghouse_claim_id.as_deref(), Some("1234560001"));
    assert_eq!(cr.frequency_code.as_deref(), Some("1"), "REF*BLT 131 → frequency 1");
    assert_eq!((cr.service_date_from.as_deref(), cr.service_date_to.as_deref()), (Some("2024-03-01"), Some("2024-03-03")));
    assert_eq!(cr.patient_name.as_deref(), Some("DOE, JOHN A"));
    assert_eq!(c1.amounts.charged, Some(30000));

    let paid = one(&out, "STAT6002");
    assert_eq!(paid.status, StatusClass::Paid);
    assert_eq!((paid.amounts.charged, paid.amounts.paid), (Some(20000), Some(16000)));
    assert_eq!(paid.payment_reference.as_deref(), Some("EFT20240401"));
    assert_eq!(paid.effective_date.as_deref(), Some("2024-03-28"));

    assert_eq!(one(&out, "STAT6003").status, StatusClass::Denied, "F4: no payment forthcoming");
    assert_eq!(one(&out, "STAT6003").amounts.paid, Some(0));
    assert_eq!(one(&out, "STAT6004").status, StatusClass::Pending, "R4: documentation requested");
    let f0 = one(&out, "STAT6005");
    assert_eq!(f0.status, StatusClass::Pending, "F0: finalized, waiting for the 835");
    assert_eq!(f0.amounts.paid, Some(6400));
    assert_eq!(one(&out, "STAT6006").status, StatusClass::Informational, "E4 in a 277 is an inquiry error");
    assert_eq!(one(&out, "STAT6007").status, StatusClass::Informational, "D0: nothing found");

    // STC01-4 RX: the status code is an NCPDP code, not code list 508.
    let rx = one(&out, "STAT6008");
    assert_eq!((rx.status, rx.raw_code.as_str()), (StatusClass::Denied, "F2:80::RX"));
    assert_eq!(reasons(rx), [r("507", "F2", "STC01-1"), r("NCPDP reject/payment code", "80", "STC01-2")]);
    assert!(!out.diagnostics.iter().any(|d| d.message.contains("\"80\"")));

    // TRN*2 without TRN02: REF*EJ gives the patient control number, with a warning.
    let ej = one(&out, "ACCT6009");
    // In a 277 TRN02 is the 276 inquiry's trace number, not the claim's patient control number.
    assert!(has(&out, Severity::Warning, "TRN at segment #42 has no TRN02 (the trace number of the 276 inquiry)"));
    assert!(!out.diagnostics.iter().any(|d| d.message.contains("patient control number")), "{:#?}", out.diagnostics);
    // P2 with an STC10 F1: pending outranks paid.
    assert_eq!(ej.status, StatusClass::Pending);
    assert_eq!(reasons(ej)[2], r("507", "F1", "STC10-1"));

    // HL 23 dependent: its own name, the subscriber's member id.
    let dep = one(&out, "STAT6010");
    assert_eq!(dep.status, StatusClass::Denied);
    assert_eq!(reasons(dep), [r("507", "F2", "STC01-1"), r("508", "88", "STC01-2"), r("98", "QC", "STC01-3")]);
    let dcr = dep.claim.as_ref().unwrap();
    assert_eq!(dcr.patient_name.as_deref(), Some("DOE, JIMMY"));
    assert_eq!(dcr.member_id.as_deref(), Some("MBR1000"));
    let line = out.events.iter().find(|e| e.level == Level::ServiceLine).expect("line event");
    assert_eq!(line.status, StatusClass::Denied);
    let sl = line.service_line.as_ref().unwrap();
    assert_eq!((sl.procedure_code.as_deref(), sl.modifiers.as_slice()), (Some("99214"), &["25".to_string(), "59".to_string()][..]));
    assert_eq!(sl.line_item_control_number.as_deref(), Some("LINE6010"));
    assert_eq!(sl.service_date.as_deref(), Some("2024-03-11"));
    assert_eq!((line.amounts.charged, line.amounts.paid), (Some(12000), Some(0)));
    assert_eq!(pcn(line), Some("STAT6010"));
}

#[test]
fn x212_inquiry_errors_are_informational_and_do_not_cascade() {
    let out = load("277-x212-inquiry-errors.x12");
    let b = batch(&out);
    assert_eq!(b.iter().map(|e| (e.status, e.raw_code.as_str())).collect::<Vec<_>>(), [
        (StatusClass::Informational, "E0:0"),
        (StatusClass::Informational, "E1:484:1P"),
    ]);
    // The 2200B TRN02 of a 277 is the 276 inquiry's trace, not the 837 BHT03 that
    // batch_reference stands for: no event carries it.
    assert!(out.events.iter().all(|e| e.correlation.batch_reference.is_none()), "{:#?}", out.events);
    assert!(!out.events.iter().any(|e| format!("{:?}", e.correlation).contains("INQ276A")));
    let d = b[1].reasons[0].description.as_deref().unwrap();
    assert!(d.contains("service-provider-level statement (2200C)"), "{d}");
    // An inquiry error names its provider like any provider-level statement; it stays
    // informational, so it changes no claim of that provider.
    assert_eq!(b[1].claim, Some(provider_only(Some("1234567893"), None)));
    let c = one(&out, "STAT7001");
    assert_eq!(c.status, StatusClass::Pending);
    assert_eq!(out.events.len(), 3);
}

#[test]
fn variant_decided_by_content_when_no_guide_is_named() {
    let ca = load("277ca-no-version-by-content.x12");
    assert_eq!(ca.metadata.format_id, "x12-277ca");
    assert!(has(&ca, Severity::Info, "read as a 277CA claim acknowledgment from its content"));
    assert!(has(&ca, Severity::Info, "HL level PT"));
    assert_eq!(one(&ca, "PCN8001").status, StatusClass::Accepted);

    let rs = load("277-no-version-by-content.x12");
    assert_eq!(rs.metadata.format_id, "x12-277");
    assert!(has(&rs, Severity::Info, "read as a 277 claim status response from its content"));
    assert!(has(&rs, Severity::Info, "GS08 (\"005010\")"));
    assert_eq!(one(&rs, "STAT9001").status, StatusClass::Pending);
}

// ---------------------------------------------------------------------------------------------
// Malformations (x12-reference.md §11)

/// level, status, raw code, patient control number, batch reference.
type Essence = (Level, StatusClass, String, Option<String>, Option<String>);

/// What matters of an event, without its position (lines and offsets differ between layouts).
fn essence(out: &ParseOutput) -> Vec<Essence> {
    out.events
        .iter()
        .map(|e| (e.level, e.status, e.raw_code.clone(), pcn(e).map(str::to_string), e.correlation.batch_reference.clone()))
        .collect()
}

#[test]
fn bom_crlf_indentation_and_newline_terminators_read_the_same() {
    let pretty = load("277ca-bom-crlf-indented.x12");
    let newline = load("277ca-newline-terminator.x12");
    let expected = vec![
        (Level::TransactionSet, StatusClass::Accepted, "A1:20".to_string(), None, Some("BATCH0010".to_string())),
        (Level::Claim, StatusClass::Accepted, "A2:20".to_string(), Some("PCN1101".to_string()), Some("BATCH0010".to_string())),
    ];
    assert_eq!(essence(&pretty), expected);
    assert_eq!(essence(&newline), expected);
    assert!(has(&pretty, Severity::Info, "byte order mark"));
    assert!(diags(&pretty, Severity::Warning).is_empty(), "{:?}", pretty.diagnostics);
    assert!(diags(&newline, Severity::Warning).is_empty(), "{:?}", newline.diagnostics);
    // Positions point into the pretty-printed file: the claim STC is on line 22.
    let stc = pretty.events[1].position.as_ref().unwrap();
    assert_eq!(stc.line, Some(22));
}

#[test]
fn unusual_delimiters_still_give_colon_joined_raw_codes() {
    let out = load("277ca-unusual-delimiters.x12");
    let c = one(&out, "PCN1101");
    assert_eq!((c.status, c.raw_code.as_str()), (StatusClass::Rejected, "A7:562:85"));
    assert_eq!(reasons(c), [r("507", "A7", "STC01-1"), r("508", "562", "STC01-2"), r("98", "85", "STC01-3")]);
    assert_eq!(c.claim.as_ref().unwrap().patient_name.as_deref(), Some("DOE, JANE Q"));
}

#[test]
fn multiple_interchanges_with_their_own_delimiters_and_sources() {
    let out = load("277ca-multiple-isa-different-delimiters.x12");
    assert_eq!(out.metadata.interchange_control_numbers, ["000000113", "000000114"]);
    let claims = claim(&out, "PCN1101");
    assert_eq!(claims.len(), 2);
    assert_eq!(claims[0].source, Source::Clearinghouse);
    assert_eq!(claims[1].source, Source::Payer);
    assert_eq!(claims[1].claim.as_ref().unwrap().payer_claim_number.as_deref(), Some("ICN20241101"));
    assert_eq!(batch(&out)[1].raw_code, "A1:19:PR");
    assert!(diags(&out, Severity::Warning).is_empty(), "{:?}", out.diagnostics);
}

#[test]
fn wrong_counts_and_control_numbers_are_warnings_only() {
    let out = load("277ca-wrong-counts-and-control-numbers.x12");
    for needle in ["SE01", "SE02", "GE01", "GE02", "IEA01", "IEA02"] {
        assert!(has(&out, Severity::Warning, needle), "{needle}: {:?}", out.diagnostics);
    }
    assert_eq!(out.events.len(), 2);
    assert_eq!(one(&out, "PCN1101").status, StatusClass::Accepted);
}

#[test]
fn truncated_file_keeps_what_is_complete() {
    let out = load("277ca-truncated-mid-claim.x12");
    assert!(has(&out, Severity::Error, "truncated"));
    // Tokenizer diagnostics first.
    assert_eq!(out.diagnostics[0].severity, Severity::Error);
    assert_eq!(one(&out, "PCN1101").claim.as_ref().unwrap().clearinghouse_claim_id.as_deref(), Some("1234501101"));
    // The last, unterminated segment (half a REF*D9) is not trusted.
    let c2 = one(&out, "PCN1102");
    assert_eq!(c2.claim.as_ref().unwrap().clearinghouse_claim_id, None);
    assert!(has(&out, Severity::Error, "ends inside segment #27 REF"), "{:?}", out.diagnostics);
}

#[test]
fn short_segments_are_read_best_effort() {
    let out = load("277ca-short-segments.x12");
    assert_eq!(out.events.len(), 4);
    let b = &batch(&out)[0];
    assert_eq!((b.source, b.status), (Source::Clearinghouse, StatusClass::Accepted));
    assert_eq!(b.source_party, None, "NM1*AY*2 names nobody");
    assert_eq!(b.correlation.batch_reference, None, "TRN*2 without TRN02");
    let c = one(&out, "PCN1601");
    assert_eq!((c.raw_code.as_str(), c.status), ("A2", StatusClass::Accepted));
    assert_eq!(c.claim.as_ref().unwrap().patient_name.as_deref(), Some("DOE"));
    // Every short segment is reported once, by segment index and element, without values.
    let expected = [
        "information source NM1 at segment #6 has neither a name (NM103) nor an id (NM109)",
        "TRN at segment #9 (2200B) has no TRN02 (the claim transaction batch number; the batch cannot be matched)",
        "STC at segment #10 has no STC02",
        "STC01 at segment #16 has no claim status code (STC01-2)",
        "STC at segment #16 has no STC02",
        "DTP*472 at segment #17 is not a valid D8 or RD8 service date",
        "TRN at segment #18 has no TRN02 (the claim's patient control number)",
        "STC at segment #19 has no STC02",
        "REF*1K at segment #20 has no REF02 value",
        "REF*D9 at segment #21 has no REF02 value",
        "REF*EJ at segment #22 has no REF02 value",
        "SVC at segment #23 has no SVC02 line item charge amount",
        "STC at segment #24 has no STC02",
    ];
    let warnings = diags(&out, Severity::Warning);
    assert_eq!(warnings.len(), expected.len(), "{warnings:#?}");
    for (w, e) in warnings.iter().zip(expected) {
        assert!(w.starts_with(e), "{w:?} should start with {e:?}");
    }
    for d in out.diagnostics.iter().filter(|d| d.severity == Severity::Warning) {
        assert!(d.position.as_ref().and_then(|p| p.element.as_deref()).is_some(), "{:?} points at its element", d.message);
    }
    let anonymous: Vec<_> = out.events.iter().filter(|e| e.level != Level::TransactionSet && pcn(e).is_none()).collect();
    assert_eq!(anonymous.len(), 2, "the claim without TRN02 and its line still report");
    let line = anonymous.iter().find(|e| e.level == Level::ServiceLine).unwrap();
    assert_eq!(line.service_line.as_ref().unwrap().procedure_code.as_deref(), Some("99213"));
    assert_eq!(line.amounts.charged, None);
}

#[test]
fn lowercase_segment_ids_and_codes_are_read_as_upper_case() {
    let out = load("277ca-lowercase-ids-and-codes.x12");
    assert!(has(&out, Severity::Warning, "id \"stc\" is lower-case"));
    let c1 = one(&out, "PCN1801");
    assert_eq!(c1.status, StatusClass::Accepted);
    assert_eq!(c1.claim.as_ref().unwrap().clearinghouse_claim_id.as_deref(), Some("1234501801"));
    // A lower-case "a7" is read as A7 (a hidden rejection is worse than a tolerated case slip),
    // and so is "wq"; the codes are reported as sent, with one warning for the file.
    let c2 = one(&out, "PCN1802");
    assert_eq!((c2.status, c2.raw_code.as_str()), (StatusClass::Rejected, "a7:562:85"));
    assert_eq!(reasons(c2), [r("507", "a7", "STC01-1"), r("508", "562", "STC01-2"), r("98", "85", "STC01-3")]);
    assert!(c2.reasons[0].description.as_deref().unwrap().contains("Rejected for invalid information"));
    let lower: Vec<_> = diags(&out, Severity::Warning).into_iter().filter(|m| m.contains("lower-case status codes")).collect();
    assert_eq!(lower.len(), 1, "{lower:?}");
    assert!(lower[0].starts_with("lower-case status codes were read as upper-case (the first: \"a7\" at segment #23 STC01-1)"), "{}", lower[0]);
    assert!(lower[0].contains("2 occurrences"), "a7 and wq: {}", lower[0]);
    assert!(!has(&out, Severity::Warning, "unknown claim status category code"));
    assert!(!has(&out, Severity::Warning, "unknown STC03 action code"));
    assert!(has(&out, Severity::Info, "STC03 action code \"wq\" at segment #23 contradicts category \"A7\""));
}

#[test]
fn unknown_codes_junk_values_and_levels() {
    let out = load("277ca-unknown-codes.x12");
    // Unknown category: never optimistic. STC03 WQ does not make it accepted (informational);
    // U makes it rejected (x12-reference.md §9). With diagnostics.
    let b = batch(&out);
    assert_eq!((b[0].raw_code.as_str(), b[0].status), ("X9:99:XX", StatusClass::Informational));
    assert!(has(&out, Severity::Info, "segment #13 has no known category code; read as informational (STC03 \"WQ\" alone does not make it accepted)"));
    assert_eq!(b[0].reasons[0].description, None);
    assert_eq!(one(&out, "PCN1901").status, StatusClass::Rejected);
    assert!(has(&out, Severity::Warning, "unknown claim status category code \"X9\" at segment #13 (STC01-1) (2 occurrences"));
    assert!(has(&out, Severity::Info, "status read from STC03 \"U\" as rejected"));
    // Source NM101 neither AY nor PR → payer, once.
    assert_eq!(b[0].source, Source::Payer);
    assert!(has(&out, Severity::Info, "NM101 \"ZZ\" at segment #6 is neither AY nor PR"));
    assert!(!has(&out, Severity::Info, "occurrences; the first is shown) read as"));
    // Junk in one STC: unknown status (non-numeric → warning), unknown entity (info),
    // unknown qualifier, junk STC03, bad amount and date → None.
    let c2 = one(&out, "PCN1902");
    assert_eq!(c2.status, StatusClass::Accepted);
    assert_eq!((c2.amounts.charged, c2.effective_date.as_deref()), (None, None));
    assert_eq!(reasons(c2), [r("507", "A2", "STC01-1"), r("508", "ABC", "STC01-2"), r("98", "ZZZ", "STC01-3")]);
    assert_eq!(c2.reasons[1].description, None);
    for (sev, needle) in [
        (Severity::Warning, "unknown claim status code \"ABC\" at segment #25 (STC01-2)"),
        (Severity::Info, "entity identifier code \"ZZZ\" at segment #25"),
        (Severity::Warning, "unknown code list qualifier \"ZZ\" at segment #25"),
        (Severity::Warning, "unknown STC03 action code \"yh\" at segment #25"),
        (Severity::Warning, "STC04 at segment #25 is not a valid amount"),
        (Severity::Warning, "STC02 at segment #25 is not a valid CCYYMMDD date"),
        (Severity::Warning, "AMT02 at segment #15 is not a valid amount"),
        (Severity::Warning, "DTP*472 at segment #23 is not a valid D8 or RD8 service date"),
        (Severity::Warning, "unknown level code HL03 \"99\"; its loop names a patient or subscriber (NM1*QC/IL), so it is read as a patient level with claims"),
    ] {
        assert!(has(&out, sev, needle), "{needle}: {:#?}", out.diagnostics);
    }
    // A numeric status code outside the table: a valid-looking code, only an info.
    let c3 = one(&out, "PCN1903");
    assert_eq!(c3.reasons[1].description, None);
    assert!(has(&out, Severity::Info, "claim status code \"999\" at segment #22 (STC01-2) is not in this plugin's code list 508 table"));
    // The unknown HL level 99 names a patient (NM1*QC) and has a TRN: a claim loop, not a
    // provider-level batch statement.
    assert_eq!(b.len(), 1);
    let c4 = one(&out, "PCN1904");
    assert_eq!((c4.status, c4.raw_code.as_str()), (StatusClass::Accepted, "A2:20"));
    let cr4 = c4.claim.as_ref().unwrap();
    assert_eq!((cr4.patient_name.as_deref(), cr4.member_id.as_deref()), (Some("ROE, RICHARD"), Some("MBR0002")));
    // Rejected-count totals without a readable amount.
    assert!(has(&out, Severity::Info, "2200B totals (segment #14): rejected 2 claims"));
    // Diagnostics are in file order after the tokenizer's.
    let idx: Vec<u32> = out.diagnostics.iter().filter_map(|d| d.position.as_ref().and_then(|p| p.segment_index)).collect();
    assert!(idx.windows(2).all(|w| w[0] <= w[1]), "{idx:?}");
}

#[test]
fn other_transaction_sets_are_skipped_with_a_warning() {
    let out = load("277ca-with-835-group.x12");
    assert_eq!(out.metadata.format_id, "x12-277ca");
    assert_eq!(out.events.len(), 2);
    assert!(has(&out, Severity::Warning, "transaction set 835 (HP) at segment #28 is not a 277 and was skipped"));
}

// ---------------------------------------------------------------------------------------------
// Inline cases: errors, mixed files, sniffing, robustness, PHI.

fn isa(ctl: &str) -> String {
    format!("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240315*0930*^*00501*{ctl}*0*P*:~")
}

#[test]
fn not_my_format_says_what_the_file_contains() {
    let ack = format!(
        "{}GS*FA*S*R*20240315*0930*1*X*005010X231A1~ST*999*0001*005010X231A1~AK1*HC*1*005010X222A1~AK9*A*1*1*1~SE*4*0001~GE*1*1~IEA*1*000000001~",
        isa("000000001")
    );
    match parse_bytes("x.999", ack.as_bytes()) {
        Err(ParseError::NotMyFormat(m)) => assert_eq!(m, "contains 999 (FA), not 277"),
        other => panic!("{other:?}"),
    }
    let ta1 = format!("{}TA1*000000123*240315*0930*R*006~IEA*0*000000001~", isa("000000001"));
    match parse_bytes("x.ta1", ta1.as_bytes()) {
        Err(ParseError::NotMyFormat(m)) => assert!(m.contains("TA1"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(parse_bytes("x", b"hello"), Err(ParseError::Malformed(_))));
    assert!(matches!(parse_bytes("x", b""), Err(ParseError::Malformed(_))));
}

#[test]
fn mixed_277ca_and_277_in_one_file() {
    let s = format!(
        "{}GS*HN*S*R*20240315*0930*1*X*005010X214~\
         ST*277*0001*005010X214~HL*1**20*1~NM1*PR*2*ACME*****PI*1~HL*2*1*21*1~TRN*2*B1~STC*A1:20*20240315*WQ*10~SE*7*0001~\
         ST*277*0002*005010X212~HL*1**20*1~NM1*PR*2*ACME*****PI*1~HL*2*1*21*1~HL*3*2*19*1~HL*4*3*22*0~NM1*IL*1*DOE*JANE~TRN*2*C1~STC*P1:20*20240315~SE*10*0002~\
         GE*2*1~IEA*1*000000001~",
        isa("000000001")
    );
    let out = parse_bytes("m", s.as_bytes()).unwrap();
    assert_eq!(out.metadata.format_id, "x12-277ca");
    assert!(has(&out, Severity::Warning, "mixes x12-277ca and x12-277"));
    assert_eq!(out.events.len(), 2);
    assert_eq!(out.events[1].status, StatusClass::Pending);
}

/// A 277CA around the given HL 3.. levels (source: a payer; receiver 2200B with TRN02 B1).
fn ca_with(levels: &str) -> String {
    format!(
        "{}GS*HN*S*R*20240315*0930*1*X*005010X214~ST*277*0001*005010X214~BHT*0085*08*B*20240315*0930*TH~\
         HL*1**20*1~NM1*PR*2*ACME*****PI*1~HL*2*1*21*1~TRN*2*B1~STC*A1:20*20240315*WQ*10~{levels}SE*1*0001~GE*1*1~IEA*1*000000001~",
        isa("000000001")
    )
}

#[test]
fn raw_code_names_the_deciding_composite() {
    let s = ca_with(
        "HL*3*2*19*1~HL*4*3*PT~TRN*2*C1~STC*A2:20*20240315*WQ*1******A7:128:85~\
         TRN*2*C2~STC*X9:1*20240315*WQ*1******A3:21~\
         TRN*2*C3~STC*A7:562*20240315*U*1******A2:20~\
         TRN*2*C4~STC*A1:20*20240315*WQ*1******A2:20*P1:20~\
         TRN*2*C5~STC**20240315*U*1******A3:21:85~\
         TRN*2*C6~STC**20240315*U*1*****A6:21:85~",
    );
    let out = parse_bytes("raw", s.as_bytes()).unwrap();
    let got: Vec<_> =
        ["C1", "C2", "C3", "C4", "C5", "C6"].iter().map(|n| (one(&out, n).status, one(&out, n).raw_code.clone())).collect();
    assert_eq!(got, [
        (StatusClass::Rejected, "A7:128:85".to_string()), // STC10 rejects: it names the event
        (StatusClass::Rejected, "A3:21".to_string()),     // STC01's category is unknown
        (StatusClass::Rejected, "A7:562".to_string()),    // STC01 is the most severe
        (StatusClass::Pending, "P1:20".to_string()),      // STC11 pending outranks accepted
        (StatusClass::Rejected, "A3:21:85".to_string()),  // empty STC01 (warned)
        (StatusClass::Rejected, "A6:21:85".to_string()),  // empty STC01, composite misplaced in STC09
    ]);
    // The reasons still list every composite.
    assert_eq!(reasons(one(&out, "C1")).len(), 5);
    assert!(has(&out, Severity::Warning, "has no STC01 status composite"));
}

#[test]
fn unknown_level_without_a_patient_name_is_a_provider_level() {
    let s = ca_with("HL*3*2*99*1~NM1*85*2*CLINIC*****XX*1234567893~TRN*1*0~STC*A3:562:85*20240315*U*5~HL*4*3*PT~TRN*2*C1~");
    let out = parse_bytes("unknown-level", s.as_bytes()).unwrap();
    assert!(has(&out, Severity::Warning, "unknown level code HL03 \"99\"; its statuses are read as provider-level statuses"));
    let b = batch(&out);
    assert_eq!(b.iter().map(|e| e.status).collect::<Vec<_>>(), [StatusClass::Accepted, StatusClass::Informational]);
    assert!(b[1].reasons[0].description.as_deref().unwrap().contains("unknown code \"99\", read as provider level"));
    // Its rejection still reaches the claims beneath it.
    assert_eq!((one(&out, "C1").status, one(&out, "C1").raw_code.as_str()), (StatusClass::Rejected, "A3:562:85"));
}

#[test]
fn provider_level_statement_names_its_provider_by_npi_or_tax_id_or_stays_informational() {
    for (qualifier, npi, tax_id) in [("FI", None, Some("123456789")), ("24", None, Some("123456789")), ("XX", Some("123456789"), None)] {
        let s = ca_with(&format!("HL*3*2*19*1~NM1*85*2*CLINIC*****{qualifier}*123456789~TRN*1*0~STC*A7:562:85*20240315*U*5~"));
        let out = parse_bytes("provider", s.as_bytes()).unwrap();
        let b = batch(&out);
        assert_eq!((b[1].status, b[1].raw_code.as_str()), (StatusClass::Rejected, "A7:562:85"), "{qualifier}");
        let p = &b[1].claim.as_ref().expect("names the provider").providers;
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].role, p[0].name.as_deref()), (ProviderRole::Billing, Some("CLINIC")));
        assert_eq!((p[0].npi.as_deref(), p[0].tax_id.as_deref()), (npi, tax_id), "{qualifier}");
        // No claim loop beneath: no claim-level event; the host finds the claims.
        assert_eq!(out.events.len(), 2);
    }
    // A payer-assigned id (SV) is not on the practice's claims: nothing to match it by, so the
    // statement stays informational and its rejection reaches only the claims listed beneath.
    let s = ca_with("HL*3*2*19*1~NM1*85*2*CLINIC*****SV*P123~TRN*1*0~STC*A3:562:85*20240315*U*5~HL*4*3*PT~TRN*2*C1~");
    let out = parse_bytes("provider-sv", s.as_bytes()).unwrap();
    let b = batch(&out);
    assert_eq!((b[1].status, b[1].claim.as_ref()), (StatusClass::Informational, None));
    let c1 = one(&out, "C1");
    assert_eq!(c1.status, StatusClass::Rejected);
    assert!(c1.claim.as_ref().unwrap().providers.is_empty());
}

#[test]
fn provider_level_inquiry_errors_stay_informational() {
    let file = |guide: &str, category: &str| {
        format!(
            "{}GS*HN*S*R*20240315*0930*1*X*{guide}~ST*277*0001*{guide}~HL*1**20*1~NM1*PR*2*ACME~HL*2*1*21*1~TRN*2*B1~\
             HL*3*2*19*1~NM1*85*2*CLINIC*****XX*1234567893~TRN*1*0~STC*{category}:484:85*20240315~SE*10*0001~GE*1*1~IEA*1*000000001~",
            isa("000000001")
        )
    };
    // E0-E2 and D0: the response could not be given; E3/E4 too in a 277, where what needs
    // correcting is the 276 inquiry.
    for (guide, category) in [
        ("005010X214", "E0"),
        ("005010X214", "E1"),
        ("005010X214", "E2"),
        ("005010X214", "D0"),
        ("005010X212", "E0"),
        ("005010X212", "E3"),
        ("005010X212", "E4"),
        ("005010X212", "D0"),
    ] {
        let out = parse_bytes("p", file(guide, category).as_bytes()).unwrap();
        assert_eq!(out.events.len(), 1);
        assert_eq!(out.events[0].status, StatusClass::Informational, "{guide} {category}");
        assert!(out.events[0].claim.is_some(), "still names its provider");
    }
    // In a 277CA, E3/E4 say the submission needs correcting: a rejection, as at every level.
    for category in ["E3", "E4"] {
        let out = parse_bytes("p", file("005010X214", category).as_bytes()).unwrap();
        assert_eq!(out.events[0].status, StatusClass::Rejected, "{category}");
    }
}

#[test]
fn x212_receiver_trn_without_trn02_is_named_as_the_inquiry_trace() {
    let s = format!(
        "{}GS*HN*S*R*20240315*0930*1*X*005010X212~ST*277*0001*005010X212~BHT*0010*08*S*20240315*0930*DG~\
         HL*1**20*1~NM1*PR*2*ACME*****PI*1~HL*2*1*21*1~NM1*41*2*SUB*****46*S1~TRN*2~STC*E0:0*20240315~SE*1*0001~GE*1*1~IEA*1*000000001~",
        isa("000000001")
    );
    let out = parse_bytes("x212", s.as_bytes()).unwrap();
    assert!(has(&out, Severity::Warning, "TRN at segment #9 (2200B) has no TRN02 (the trace number of the 276 inquiry)"));
    assert!(!has(&out, Severity::Warning, "batch cannot be matched"));
}

#[test]
fn e3_depends_on_the_variant() {
    let file = |guide: &str| {
        format!(
            "{}GS*HN*S*R*20240315*0930*1*X*{guide}~ST*277*0001*{guide}~HL*1**20*1~NM1*PR*2*ACME~HL*2*1*21*1~HL*3*2*19*1~HL*4*3*PT~TRN*2*C1~STC*E3:21*20240315~SE*10*0001~GE*1*1~IEA*1*000000001~",
            isa("000000001")
        )
    };
    let ca = parse_bytes("a", file("005010X214").as_bytes()).unwrap();
    let rs = parse_bytes("b", file("005010X212").as_bytes()).unwrap();
    assert_eq!(ca.events[0].status, StatusClass::Rejected);
    assert_eq!(rs.events[0].status, StatusClass::Informational);
}

#[test]
fn sniff_by_content() {
    for name in ["277ca-clearinghouse-batch-accepted.x12", "277-x212-claim-status.x12", "277ca-bom-crlf-indented.x12", "277ca-unusual-delimiters.x12"] {
        let b = bytes(name);
        assert_eq!(X12Status277::sniff(name, &b[..b.len().min(4096)]), 95, "{name}");
    }
    let ack = format!("{}GS*FA*S*R*20240315*0930*1*X*005010X231A1~ST*999*0001~", isa("000000001"));
    assert_eq!(X12Status277::sniff("response.277", ack.as_bytes()), 0, "content beats the name");
    assert_eq!(X12Status277::sniff("x.277", b"File Summary report"), 0);
    let cut = format!("{}GS*HN*S*R*20240315*0930*1*X*005010X214~ST*2", isa("000000001"));
    assert_eq!(X12Status277::sniff("x", cut.as_bytes()), 60, "GS*HN, ST cut off");
    assert_eq!(X12Status277::sniff("x", b"ST*277*0001*005010X212~BHT*0010*08*1*20240101*1200*DG~"), 95);
    let odd = format!("{}GS*HC*S*R*20240315*0930*1*X*005010X214~ST*277*0001~", isa("000000001"));
    assert_eq!(X12Status277::sniff("x", odd.as_bytes()), 70);
}

#[test]
fn info_lists_both_formats() {
    let info = X12Status277::info();
    assert_eq!(info.name, "x12-277");
    let ids: Vec<_> = info.formats.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["x12-277ca", "x12-277"]);
    assert!(info.formats.iter().all(|f| !f.file_name_hints.is_empty()));
}

#[test]
fn no_panic_on_any_prefix_or_corruption_of_the_fixtures() {
    let mut names: Vec<_> = std::fs::read_dir(DIR).unwrap().flatten().map(|e| e.file_name().into_string().unwrap()).collect();
    names.sort();
    assert!(names.len() >= 19);
    for name in &names {
        let b = bytes(name);
        for cut in 0..b.len() {
            let _ = parse_bytes(name, &b[..cut]);
        }
        // Overwrite every 5th byte with each delimiter in turn.
        for (k, junk) in [b'*', b':', b'~', b'\n', 0xFF].into_iter().enumerate() {
            let mut m = b.clone();
            for i in (k..m.len()).step_by(5) {
                m[i] = junk;
            }
            let _ = parse_bytes(name, &m);
        }
    }
}

#[test]
fn diagnostics_carry_no_phi() {
    let phi = ["DOE", "ROE", "POE", "JANE", "JOHN", "JIMMY", "RICHARD", "EDGAR", "MBR0", "MBR1", "PCN", "STAT", "ACCT", "ICN2", "ICN6", "12345000", "20240301", "2024-03-01"];
    for entry in std::fs::read_dir(DIR).unwrap().flatten() {
        let name = entry.file_name().into_string().unwrap();
        let Ok(out) = parse_bytes(&name, &bytes(&name)) else { continue };
        for d in &out.diagnostics {
            for p in phi {
                assert!(!d.message.contains(p), "{name}: diagnostic {:?} contains {p:?}", d.message);
            }
        }
    }
}

/// A 277CA with `n` claims under one rejected provider, and a hostile chain of `n` nested HLs.
fn big_files(n: usize) -> (String, String) {
    let mut flat = format!("{}GS*HN*S*R*20240315*0930*1*X*005010X214~ST*277*0001*005010X214~", isa("000000001"));
    flat.push_str("HL*1**20*1~NM1*PR*2*ACME~HL*2*1*21*1~TRN*2*B1~STC*A1:20*20240315*WQ*1~HL*3*2*19*1~STC*A3:562:85*20240315*U*1~");
    for i in 0..n {
        flat.push_str(&format!("HL*{}*3*PT~NM1*QC*1*DOE*JANE~TRN*2*C{i}~STC*A7:562:85*20240315*U*10~REF*1K*I{i}~DTP*472*D8*20240301~", i + 4));
    }
    flat.push_str("SE*1*0001~GE*1*1~IEA*1*000000001~");
    let mut deep = format!("{}GS*HN*S*R*20240315*0930*1*X*005010X214~ST*277*0001*005010X214~", isa("000000001"));
    deep.push_str("HL*1**20*1~NM1*PR*2*ACME~HL*2*1*21*1~TRN*2*B1~STC*A3:24:41*20240315*U*1~");
    for i in 3..n {
        deep.push_str(&format!("HL*{i}*{}*PT~TRN*2*C{i}~", i - 1));
    }
    deep.push_str("SE*1*0001~GE*1*1~IEA*1*000000001~");
    (flat, deep)
}

#[test]
fn large_and_hostile_hierarchies_stay_fast() {
    let (flat, deep) = big_files(20_000);
    let t = std::time::Instant::now();
    let out = parse_bytes("flat", flat.as_bytes()).unwrap();
    // 2 batch events, and per claim: the inherited rejection plus its own.
    assert_eq!(out.events.len(), 2 + 2 * 20_000);
    let out = parse_bytes("deep", deep.as_bytes()).unwrap();
    // Claims deeper than the plugin's depth bound are not reached by the cascade, but the
    // file is read and the ones near the top are.
    assert!(out.events.iter().any(|e| pcn(e) == Some("C3")));
    assert!(t.elapsed() < std::time::Duration::from_secs(20), "{:?}", t.elapsed());
}
