//! The EDI Status report, fixture by fixture.

mod common;

use claimtrack_plugin_sdk::prelude::*;
use common::*;
use oa_edi_status::codes;

const ALL_ACCEPTED: &str = "all-accepted-9digit-882990025_EDI_STATUS_20211019.txt";
const ALL_REJECTED: &str = "all-rejected-10digit-1026454084_EDI_STATUS_20221214.txt";
const MIXED: &str = "mixed-crlf-wrapped-several-payers-1088623390_EDI_STATUS_20230601.txt";
const UNKNOWN: &str = "unknown-lines-and-status-957151498_EDI_STATUS_20220301.txt";
const SHIFTED: &str = "rows-shifted-past-header-1102233445_EDI_STATUS_20240105.txt";
const BOM_TABS: &str = "bom-tabs-fewer-columns-1200000000_EDI_STATUS_20240702.txt";
const HEADERLESS: &str = "refused-headerless-rows-1026454099_EDI_STATUS_20221215.txt";
const EMPTY: &str = "empty-report-1026454100_EDI_STATUS_20221216.txt";

#[test]
fn nine_digit_file_ids_read_at_medcubics_offsets_with_every_field_mapped() {
    let o = parse(ALL_ACCEPTED);
    assert_eq!(o.metadata.format_id, "oa-edi-status");
    assert_eq!(o.metadata.clearinghouse_file_id.as_deref(), Some("882990025"), "File ID from the name");
    assert_eq!(o.metadata.created.as_deref(), Some("2021-10-19"), "date from the name");
    assert!(o.diagnostics.is_empty(), "title block, dash lines and header are silent: {:?}", o.diagnostics);
    assert_eq!(statuses(&o), vec![StatusClass::Accepted; 4]);
    assert_eq!(oa_ids(&o), ["2927096977", "2927096978", "2927096979", "2927096980"]);

    let e = &o.events[0];
    assert_eq!((e.level, e.source, e.raw_code.as_str()), (Level::Claim, Source::Payer, "ACCEPTED"));
    let c = claim(e);
    assert_eq!(c.patient_control_number.as_deref(), Some("1-49"));
    assert_eq!(c.patient_name.as_deref(), Some("DOE, JANE"));
    assert_eq!(c.payer_claim_number.as_deref(), Some("2021291000123"));
    assert_eq!(c.payer.as_ref().and_then(|p| p.id.as_deref()), Some("00570"));
    assert_eq!(c.providers.len(), 1);
    assert_eq!(c.providers[0].role, ProviderRole::Billing);
    assert_eq!(c.providers[0].tax_id.as_deref(), Some("123456789"));
    assert_eq!(e.source_party.as_ref().and_then(|p| p.id.as_deref()), Some("00570"), "the payer made the statement");
    assert_eq!(e.correlation.clearinghouse_child_file_id.as_deref(), Some("882990026"), "the row's File ID");
    assert_eq!(e.amounts.charged, Some(12500));
    assert_eq!(e.amounts.paid, None);
    assert_eq!(e.effective_date.as_deref(), Some("2021-10-18"));
    assert_eq!(response(e), Some("Claim accepted by payer for adjudication"));
    assert_eq!(e.reasons[0].code_set, CodeSet::FreeText);
    assert_eq!(e.reasons[0].description, None);
    assert_eq!(line_of(e), Some(11));
    assert_eq!(e.position.as_ref().and_then(|p| p.byte_offset), Some(bytes_before_line(ALL_ACCEPTED, 11)));

    assert_eq!(o.events[1].amounts.charged, Some(125_000), "$1,250.00");
    // Several payers, several child File IDs.
    let payers: Vec<_> = o.events.iter().map(|e| claim(e).payer.as_ref().and_then(|p| p.id.clone()).unwrap()).collect();
    assert_eq!(payers, ["00570", "00570", "62308", "SX063"]);
    let files: Vec<_> = o.events.iter().map(|e| e.correlation.clearinghouse_child_file_id.clone().unwrap()).collect();
    assert_eq!(files, ["882990026", "882990026", "882990027", "882990028"]);
    // "LEE,KIM" is written "LAST, FIRST"; a blank payer ref and response stay empty.
    let last = &o.events[3];
    assert_eq!(claim(last).patient_name.as_deref(), Some("LEE, KIM"));
    assert_eq!(claim(last).payer_claim_number, None);
    assert!(last.reasons.is_empty());
    assert_no_phi_in_diagnostics(&o, ALL_ACCEPTED);
}

fn bytes_before_line(name: &str, line: usize) -> u64 {
    let b = bytes(name);
    b.split_inclusive(|&c| c == b'\n').take(line - 1).map(|l| l.len() as u64).sum()
}

#[test]
fn ten_digit_file_ids_shift_the_columns_and_all_rejected_keep_their_coded_text() {
    let o = parse(ALL_REJECTED);
    assert_eq!(o.metadata.clearinghouse_file_id.as_deref(), Some("1026454084"));
    assert_eq!(o.metadata.created.as_deref(), Some("2022-12-14"));
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    assert_eq!(statuses(&o), vec![StatusClass::Rejected; 3]);
    assert!(o.events.iter().all(|e| e.raw_code == "REJECTED" && e.source == Source::Payer));
    assert_eq!(oa_ids(&o), ["2927100001", "2927100002", "2927100003"]);
    let accts: Vec<_> = o.events.iter().map(|e| claim(e).patient_control_number.clone().unwrap()).collect();
    assert_eq!(accts, ["2-17", "2-18", "2-21"]);
    // Text that opens with a code keeps the code and the words, whole, as one free-text reason,
    // after the code in its own code lists.
    assert_eq!(response(&o.events[0]), Some("A7:562 - Entity's National Provider Identifier (NPI)"));
    let sets: Vec<(CodeSet, &str)> = o.events[0].reasons.iter().map(|r| (r.code_set.clone(), r.code.as_str())).collect();
    assert_eq!(sets[..2], [(CodeSet::ClaimStatusCategory, "A7"), (CodeSet::ClaimStatus, "562")]);
    assert_eq!(o.events[0].reasons[1].description.as_deref(), Some("Entity's National Provider Identifier (NPI)"));
    assert_eq!(
        response(&o.events[1]),
        Some("CO-16 - Claim/service lacks information which is needed for adjudication")
    );
    let carc = &o.events[1].reasons[0];
    assert_eq!((carc.code_set.clone(), carc.code.as_str(), carc.group.as_deref()), (CodeSet::Carc, "16", Some("CO")));
    assert!(o.events.iter().all(|e| e.reasons.last().is_some_and(|r| r.code_set == CodeSet::FreeText)));
    assert_eq!(claim(&o.events[2]).payer_claim_number.as_deref(), Some("2022348R0001"));
    assert_eq!(o.events[2].correlation.clearinghouse_child_file_id.as_deref(), Some("1026454085"));
    assert_eq!(o.events[2].effective_date.as_deref(), Some("2022-12-14"));
    assert_eq!(o.events[2].amounts.charged, Some(6000));
}

#[test]
fn mixed_crlf_report_joins_a_wrapped_response_and_ignores_trailing_rules() {
    let raw = bytes(MIXED);
    assert!(raw.windows(2).any(|w| w == b"\r\n"), "fixture has CRLF line ends");
    let o = parse(MIXED);
    assert!(o.diagnostics.is_empty(), "trailing spaces, dash and equal lines are silent: {:?}", o.diagnostics);
    assert_eq!(
        statuses(&o),
        [StatusClass::Accepted, StatusClass::Rejected, StatusClass::Accepted, StatusClass::Rejected]
    );
    let wrapped = &o.events[1];
    assert_eq!(
        response(wrapped),
        Some(
            "A3:21 - Missing or invalid information. The subscriber's date of birth does not match the payer's \
             records for this member; correct the date of birth and resubmit the claim."
        )
    );
    assert_eq!(wrapped.reasons.len(), 3, "continuation lines extend the text, they add no reason: {:?}", wrapped.reasons);
    assert_eq!(wrapped.reasons[1].description.as_deref(), wrapped.reasons[2].code.strip_prefix("A3:21 - "), "the whole wrapped text describes 21");
    assert_eq!(wrapped.amounts.charged, Some(204_000));
    // The row after the wrapped text is still a row of its own, on its own line.
    assert_eq!(line_of(&o.events[2]), Some(12));
    assert_eq!(response(&o.events[2]), Some("Accepted"));
    let payers: Vec<_> = o.events.iter().map(|e| claim(e).payer.as_ref().and_then(|p| p.id.clone()).unwrap()).collect();
    assert_eq!(payers, ["00570", "00570", "62308", "60054"]);
    assert_eq!(claim(&o.events[3]).providers[0].tax_id.as_deref(), Some("987654321"));
    assert!(
        o.events.iter().all(|e| e.claim.as_ref().unwrap().patient_name.as_deref().is_some_and(|n| !n.ends_with(' ')))
    );
}

#[test]
fn unknown_status_words_lines_and_values_are_tolerated() {
    let o = parse(UNKNOWN);
    assert_eq!(o.metadata.clearinghouse_file_id.as_deref(), Some("957151498"));
    assert_eq!(oa_ids(&o), ["2901000001", "2901000002", "2901000003", "2901000004"], "both pages read");
    assert_eq!(
        statuses(&o),
        [StatusClass::Accepted, StatusClass::Informational, StatusClass::Rejected, StatusClass::Informational]
    );
    // An unknown word is kept as printed; the event carries the row, with a warning.
    let pending = &o.events[1];
    assert_eq!(pending.raw_code, "ON HOLD");
    assert_eq!(response(pending), Some("Claim held for review"));
    assert_eq!(pending.amounts.charged, None, "N/A is not money");
    assert_eq!(pending.effective_date.as_deref(), Some("2022-02-28"));
    assert_eq!(o.events[2].effective_date, None, "00/00/0000 is not a date");
    assert_eq!(o.events[3].raw_code, "(no status)");

    let warnings = codes_of(&o, Severity::Warning);
    assert_eq!(
        warnings,
        [
            codes::CODE_UNKNOWN_STATUS,
            codes::CODE_BAD_AMOUNT,
            codes::CODE_BAD_DATE,
            codes::CODE_NO_STATUS,
            codes::CODE_UNREAD_ROW
        ]
    );
    let lines: Vec<_> =
        with_severity(&o, Severity::Warning).iter().map(|d| d.position.as_ref().unwrap().line.unwrap()).collect();
    assert_eq!(lines, [9, 9, 15, 16, 18]);
    assert!(with_severity(&o, Severity::Warning)[0].message.contains("'ON HOLD'"));
    // A note, the totals line and the end marker are information; "Page 2 of 2" and the repeated
    // header are not worth a word.
    let infos: Vec<_> =
        with_severity(&o, Severity::Info).iter().map(|d| d.position.as_ref().unwrap().line.unwrap()).collect();
    assert_eq!(infos, [17, 20, 21]);
    assert!(with_severity(&o, Severity::Error).is_empty());
    assert_no_phi_in_diagnostics(&o, UNKNOWN);
}

#[test]
fn rows_printed_one_column_right_of_their_header_still_read() {
    let o = parse(SHIFTED);
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    let e = &o.events[0];
    assert_eq!(e.correlation.clearinghouse_child_file_id.as_deref(), Some("1102233446"));
    let c = claim(e);
    assert_eq!(c.clearinghouse_claim_id.as_deref(), Some("3100000001"));
    assert_eq!(c.patient_control_number.as_deref(), Some("LONGACCT-00001"), "a full-width Acct# is not cut");
    assert_eq!(c.payer_claim_number.as_deref(), Some("ICN20240040001"));
    assert_eq!(e.amounts.charged, Some(999_999));
    assert_eq!(e.status, StatusClass::Accepted);
    // A 20-character name runs one character into the Amount column and stays whole.
    let f = &o.events[1];
    assert_eq!(claim(f).patient_name.as_deref(), Some("WASHINGTON, GEORGINA"));
    assert_eq!(f.amounts.charged, Some(1000));
    assert_eq!(f.status, StatusClass::Rejected);
    assert_eq!(response(f), Some("Invalid procedure code"));
}

#[test]
fn bom_tabs_and_missing_optional_columns() {
    let raw = bytes(BOM_TABS);
    assert!(raw.starts_with(b"\xEF\xBB\xBF") && raw.contains(&b'\t'), "fixture has a BOM and tabs");
    let o = parse(BOM_TABS);
    assert_eq!(o.metadata.clearinghouse_file_id.as_deref(), Some("1200000000"));
    assert_eq!(o.metadata.created.as_deref(), Some("2024-07-02"));
    assert_eq!(statuses(&o), [StatusClass::Accepted, StatusClass::Rejected]);
    let e = &o.events[1];
    let c = claim(e);
    assert_eq!(c.clearinghouse_claim_id.as_deref(), Some("3200000002"));
    assert_eq!(c.patient_control_number.as_deref(), Some("6-2"));
    assert_eq!(c.patient_name.as_deref(), Some("ROE, RICHARD"));
    assert!(c.providers.is_empty(), "no Tax ID column, no provider");
    assert_eq!(c.payer_claim_number, None);
    assert_eq!(e.amounts.charged, Some(12000));
    assert_eq!(e.effective_date.as_deref(), Some("2024-07-01"));
    assert_eq!(response(e), Some("Invalid diagnosis code"));
    assert_eq!(codes_of(&o, Severity::Info), [codes::CODE_BOM, codes::CODE_COLUMNS]);
    let missing = &with_severity(&o, Severity::Info)[1].message;
    assert!(
        missing.contains("Practice ID") && missing.contains("Tax ID") && missing.contains("Payer ref ID"),
        "{missing}"
    );
    assert_eq!(with_severity(&o, Severity::Warning).len(), 0);
    // The BOM takes no line; its bytes count in the offset.
    let p = e.position.as_ref().unwrap();
    assert_eq!(p.line, Some(5));
    assert_eq!(p.byte_offset, Some(bytes_before_line(BOM_TABS, 5)));
}

#[test]
fn rows_without_a_header_are_a_broken_file() {
    match oa_edi_status::parse_bytes(HEADERLESS, &bytes(HEADERLESS)) {
        Err(ParseError::Malformed(d)) => {
            assert_eq!(d.position.and_then(|p| p.line), Some(3));
            assert!(d.message.contains("no column header"), "{}", d.message);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_report_without_rows_is_empty_not_broken() {
    let o = parse(EMPTY);
    assert!(o.events.is_empty());
    assert_eq!(o.metadata.clearinghouse_file_id.as_deref(), Some("1026454100"));
    assert_eq!(o.metadata.created.as_deref(), Some("2022-12-16"));
    assert_eq!(codes_of(&o, Severity::Warning), [codes::CODE_NO_HEADER]);
}

// ---- rules shown on small inline reports -------------------------------------------------

fn report(lines: &[&str]) -> Vec<u8> {
    lines.join("\n").into_bytes()
}

const H: &str = "    File ID    OA Claim ID Acct#          Status    Payer Response";

#[test]
fn a_name_without_the_pattern_leaves_file_id_and_date_empty() {
    let b = report(&[H, "    1026454084 2927100001  2-17           ACCEPTED  ok"]);
    let o = oa_edi_status::parse_bytes("status.txt", &b).unwrap();
    assert_eq!(o.metadata.clearinghouse_file_id, None);
    assert_eq!(o.metadata.created, None);
    assert_eq!(o.events.len(), 1, "content decides, not the name");
}

#[test]
fn a_long_response_is_kept_whole_up_to_the_host_limit() {
    let long = "X".repeat(300);
    let row = format!("    1026454084 2927100001  2-17           REJECTED  {long}");
    let more = format!("{}{}", " ".repeat(54), "Y".repeat(5000));
    let o = oa_edi_status::parse_bytes("a_EDI_STATUS_20240101.txt", &report(&[H, &row])).unwrap();
    assert_eq!(response(&o.events[0]).map(str::len), Some(300), "medcubics cut at 255; we do not");
    let o = oa_edi_status::parse_bytes("a_EDI_STATUS_20240101.txt", &report(&[H, &row, &more])).unwrap();
    let r = response(&o.events[0]).unwrap();
    assert!(r.len() <= 4096 && r.starts_with(&long) && r.ends_with('…'), "cut to the host's free-text limit");
    assert!(o.diagnostics.iter().any(|d| d.severity == Severity::Warning && d.message.contains("too long")));
}

#[test]
fn a_wrapped_line_after_a_row_without_response_becomes_its_reason() {
    let row = "    1026454084 2927100001  2-17           REJECTED";
    let more = format!("{}Payer could not identify the patient", " ".repeat(53));
    let o = oa_edi_status::parse_bytes("x.txt", &report(&[H, row, &more])).unwrap();
    assert_eq!(response(&o.events[0]), Some("Payer could not identify the patient"));
    assert_eq!(o.events[0].reasons[0].position.as_ref().and_then(|p| p.line), Some(3));
}

#[test]
fn a_blank_line_ends_a_wrapped_response() {
    let row = "    1026454084 2927100001  2-17           REJECTED  First part";
    let more = format!("{}stray text", " ".repeat(53));
    let o = oa_edi_status::parse_bytes("x.txt", &report(&[H, row, "", &more])).unwrap();
    assert_eq!(response(&o.events[0]), Some("First part"));
    let infos: Vec<_> = codes_of(&o, Severity::Info).into_iter().filter(|c| *c != codes::CODE_COLUMNS).collect();
    assert_eq!(infos, [codes::CODE_UNKNOWN_LINE]);
}

#[test]
fn each_header_sets_the_columns_for_the_rows_below_it() {
    // A 9-digit section, then a 10-digit one with its own header.
    let h9 = "    File ID   OA Claim ID Acct#          Status    Payer Response";
    let h10 = "    File ID    OA Claim ID Acct#          Status    Payer Response";
    let b = report(&[
        h9,
        "    882990026 2927096977  1-49           ACCEPTED  one",
        h10,
        "    1026454084 2927100001  2-17           REJECTED  two",
    ]);
    let o = oa_edi_status::parse_bytes("x.txt", &b).unwrap();
    assert_eq!(oa_ids(&o), ["2927096977", "2927100001"]);
    let accts: Vec<_> = o.events.iter().map(|e| claim(e).patient_control_number.clone().unwrap()).collect();
    assert_eq!(accts, ["1-49", "2-17"]);
    assert_eq!(statuses(&o), [StatusClass::Accepted, StatusClass::Rejected]);
}

#[test]
fn unknown_header_columns_are_noted_and_bound_their_neighbours() {
    let h = "    File ID    OA Claim ID Rendering NPI  Status    Payer Response";
    let r = "    1026454084 2927100001  1234567893     ACCEPTED  fine";
    let o = oa_edi_status::parse_bytes("x.txt", &report(&[h, r])).unwrap();
    assert_eq!(oa_ids(&o), ["2927100001"]);
    assert_eq!(o.events[0].status, StatusClass::Accepted);
    let info = with_severity(&o, Severity::Info);
    assert!(info.iter().any(|d| d.message.contains("Rendering NPI")), "{info:?}");
}

#[test]
fn lowercase_and_negative_values() {
    let h = "    File ID    OA Claim ID Amount     Payer Proc Date Status    Payer Response";
    let r = "    1026454084 2927100001  ($25.00)   1/2/2023        rejected  Duplicate";
    let o = oa_edi_status::parse_bytes("x.txt", &report(&[h, r])).unwrap();
    let e = &o.events[0];
    assert_eq!(e.status, StatusClass::Rejected);
    assert_eq!(e.raw_code, "rejected", "as printed");
    assert_eq!(e.amounts.charged, Some(-2500));
    assert_eq!(e.effective_date.as_deref(), Some("2023-01-02"));
}

#[test]
fn a_row_with_neither_claim_key_is_warned_about() {
    let h = "    File ID    OA Claim ID Acct#          Status    Payer Response";
    let r = "    1026454084                            REJECTED  No claim";
    let o = oa_edi_status::parse_bytes("x.txt", &report(&[h, r])).unwrap();
    assert_eq!(o.events.len(), 1);
    assert_eq!(codes_of(&o, Severity::Warning), [codes::CODE_NO_CLAIM_KEY]);
}

#[test]
fn latin1_names_are_read() {
    let mut b = report(&[
        "    File ID    OA Claim ID Patient Name        Status    Payer Response",
        "    1026454084 2927100001  MU",
    ]);
    b.push(0xD1); // Ñ in Latin-1
    b.extend_from_slice(b"OZ, ANA           ACCEPTED  ok");
    let o = oa_edi_status::parse_bytes("x.txt", &b).unwrap();
    assert_eq!(claim(&o.events[0]).patient_name.as_deref(), Some("MU\u{d1}OZ, ANA"));
    assert_eq!(o.events[0].status, StatusClass::Accepted);
    assert_eq!(
        codes_of(&o, Severity::Info),
        [codes::CODE_LATIN1, codes::CODE_COLUMNS],
        "columns: this header is short"
    );
}

#[test]
fn a_far_right_page_number_is_not_wrapped_response_text() {
    let row = "    1026454084 2927100001  2-17           REJECTED  Invalid member ID";
    let page = format!("{}Page 2 of 5", " ".repeat(70));
    let o = oa_edi_status::parse_bytes("x.txt", &report(&[H, row, &page])).unwrap();
    assert_eq!(response(&o.events[0]), Some("Invalid member ID"));
    assert!(!o.diagnostics.iter().any(|d| d.code.as_deref() == Some(codes::CODE_UNKNOWN_LINE)));
}

#[test]
fn a_header_repeated_per_page_is_described_once() {
    let h = "    File ID    OA Claim ID Status    Payer Response";
    let r = "    1026454084 2927100001  ACCEPTED  ok";
    let o = oa_edi_status::parse_bytes("x.txt", &report(&[h, r, "Page 2", h, r])).unwrap();
    assert_eq!(o.events.len(), 2);
    assert_eq!(codes_of(&o, Severity::Info), [codes::CODE_COLUMNS], "missing columns noted once");
}
