//! TA1 rules, on the fixtures in tests/fixtures/x12-ack/ta1-*.x12.

mod common;

use claimtrack_plugin_sdk::prelude::*;
use common::*;

#[test]
fn accepted_ta1_maps_every_field() {
    let o = parse("ta1-accepted.x12");
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    assert_eq!(o.metadata.format_id, "x12-ta1");
    assert_eq!(o.metadata.interchange_control_numbers, vec!["000000101"]);
    assert_eq!(o.metadata.implementation, None);
    assert_eq!(o.events.len(), 1);
    let e = &o.events[0];
    assert_eq!(e.level, Level::Interchange);
    assert_eq!(e.source, Source::Clearinghouse);
    assert_eq!(e.status, StatusClass::Accepted);
    assert_eq!(e.raw_code, "TA1 A");
    // TA101 is the submitted interchange, never the TA1 file's own ISA13.
    assert_eq!(e.correlation.interchange_control_number.as_deref(), Some("000000051"));
    assert_eq!(e.correlation.group_control_number, None);
    // When the acknowledgement was made: its own ISA09/ISA10, not TA102/TA103 (2024-02-29
    // 17:30), which date the submitted interchange.
    assert_eq!(e.effective_date.as_deref(), Some("2024-03-01T09:15"));
    let party = e.source_party.as_ref().unwrap();
    assert_eq!(party.id.as_deref(), Some("CLEARHOUSE01"));
    assert_eq!(party.id_qualifier.as_deref(), Some("ZZ"));
    assert_eq!(e.reasons.len(), 1);
    let r = &e.reasons[0];
    assert_eq!(r.code_set, CodeSet::Ta1Note);
    assert_eq!(r.code, "000");
    assert_eq!(r.description.as_deref(), Some("No error"));
    assert_eq!(r.position.as_ref().and_then(|p| p.element.as_deref()), Some("TA105"));
    let pos = e.position.as_ref().unwrap();
    assert_eq!((pos.segment_index, pos.segment_id.as_deref(), pos.line), (Some(2), Some("TA1"), Some(2)));
    assert!(e.claim.is_none());
}

#[test]
fn rejected_ta1_with_bom_crlf_and_indentation() {
    let o = parse("ta1-rejected-bom-crlf-indented.x12");
    assert!(warnings(&o).is_empty() && errors(&o).is_empty(), "{:?}", o.diagnostics);
    assert_eq!(o.events.len(), 1);
    let e = &o.events[0];
    assert_eq!(e.status, StatusClass::Rejected);
    assert_eq!(e.raw_code, "TA1 R");
    assert_eq!(codes(e), vec!["006"]);
    assert_eq!(description(e, &CodeSet::Ta1Note, "006"), "Invalid interchange sender ID");
    assert_eq!(e.correlation.interchange_control_number.as_deref(), Some("000000052"));
}

#[test]
fn e_is_accepted_with_errors_and_short_or_long_ta1s_are_warned() {
    let o = parse("ta1-multiple-short-and-extra-elements.x12");
    // TA105 is required; TA106+ do not exist; a trailing empty element (segment #4) is harmless.
    assert_eq!(
        warnings(&o),
        vec![
            "TA1 at segment #2 has no TA105 interchange note code (required by the standard)",
            "TA1 at segment #3 has unexpected extra elements after TA105 (TA106 to TA107); ignored",
        ]
    );
    let at = |i: usize| o.diagnostics[i].position.as_ref().and_then(|p| p.element.as_deref());
    assert_eq!((at(0), at(1)), (Some("TA105"), Some("TA106")));
    let statuses: Vec<_> = o.events.iter().map(|e| e.status).collect();
    assert_eq!(statuses, vec![StatusClass::Accepted, StatusClass::AcceptedWithErrors, StatusClass::Rejected]);
    assert_eq!(raw_codes(&o), vec!["TA1 A", "TA1 E", "TA1 R"]);
    // Four elements: no TA105, so no reason.
    assert!(o.events[0].reasons.is_empty());
    // Extra trailing elements are not read.
    assert_eq!(codes(&o.events[1]), vec!["020"]);
    assert_eq!(description(&o.events[2], &CodeSet::Ta1Note, "023"), "Improper (premature) end of file");
    let icns: Vec<_> = o.events.iter().map(|e| e.correlation.interchange_control_number.as_deref().unwrap()).collect();
    assert_eq!(icns, vec!["000000053", "000000054", "000000055"]);
}

#[test]
fn newline_terminator_and_unusual_delimiters() {
    let o = parse("ta1-newline-terminator-unusual-delimiters.x12");
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    assert_eq!(o.events.len(), 1);
    assert_eq!(o.events[0].status, StatusClass::Rejected);
    assert_eq!(codes(&o.events[0]), vec!["009"]);
    assert_eq!(o.events[0].effective_date.as_deref(), Some("2024-03-01T09:15"), "ISA09/ISA10, not TA102/TA103");
}

#[test]
fn unknown_codes_bad_dates_and_missing_ta101_are_warned_not_fatal() {
    let o = parse("ta1-unknown-codes-and-bad-values.x12");
    assert_eq!(o.events.len(), 4);
    // Lower-case "ta1" is read, with the tokenizer's warning.
    assert!(has_warning(&o, "\"ta1\" is lower-case"));
    let unknown = &o.events[0];
    assert_eq!(unknown.status, StatusClass::Informational, "an unknown TA104 decides nothing");
    assert_eq!(unknown.raw_code, "TA1 Z");
    assert!(warnings(&o).contains(&"unknown TA104 code Z at segment #2"));
    assert_eq!(unknown.reasons[0].code, "099");
    assert_eq!(unknown.reasons[0].description, None);
    assert!(warnings(&o).contains(&"unknown TA105 code 099 at segment #2"));

    let bad_date = &o.events[1];
    assert_eq!(bad_date.status, StatusClass::Rejected);
    // TA102/TA103 date the submission; the event is dated by the TA1's own interchange.
    assert_eq!(bad_date.effective_date.as_deref(), Some("2024-03-01T09:15"));
    assert!(warnings(&o).contains(&"TA102 at segment #3 is not a valid YYMMDD date"));
    // Both are checked, each on its own.
    assert!(warnings(&o).contains(&"TA103 at segment #3 is not a valid HHMM time"));
    let tagged = |element: &str| {
        o.diagnostics
            .iter()
            .filter(|d| d.position.as_ref().is_some_and(|p| p.element.as_deref() == Some(element)))
            .count()
    };
    assert_eq!((tagged("TA102"), tagged("TA103")), (1, 1));

    let short_icn = &o.events[2];
    assert_eq!(short_icn.correlation.interchange_control_number.as_deref(), Some("12345"), "kept as sent");
    assert!(has_warning(&o, "TA101 interchange control number at segment #4 is not 9 digits"));

    let no_icn = &o.events[3];
    assert_eq!(no_icn.status, StatusClass::Rejected);
    assert_eq!(no_icn.correlation.interchange_control_number, None);
    assert!(has_warning(&o, "TA1 at segment #5 has no TA101"));
}

#[test]
fn ta1_between_isa_and_gs_of_a_999_is_an_event_too() {
    let o = parse("999-with-ta1-before-gs.x12");
    assert_eq!(o.metadata.format_id, "x12-999", "the 999 dominates");
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    assert_eq!(raw_codes(&o), vec!["TA1 A", "IK5 A", "AK9 A"], "file order");
    assert_eq!(o.events[0].level, Level::Interchange);
    assert_eq!(o.events[0].correlation.interchange_control_number.as_deref(), Some("000000060"));
    // The TA1 is dated by the ISA, the 999's events by their GS04/GS05.
    let dates: Vec<_> = o.events.iter().map(|e| e.effective_date.as_deref()).collect();
    assert_eq!(dates, vec![Some("2024-03-01T09:15"), Some("2024-03-01T09:16"), Some("2024-03-01T09:16")]);
}

#[test]
fn ta102_in_ccyymmdd_is_read_with_a_warning() {
    let isa =
        "ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*PRACTICE0042   *240301*0915*^*00501*000000109*0*P*:~";
    let text = format!("{isa}TA1*000000059*20240229*1015*A*000~IEA*0*000000109~");
    let o = x12_ack::parse_bytes("t", text.as_bytes()).unwrap();
    assert_eq!(warnings(&o), vec!["TA102 at segment #2 is CCYYMMDD, not YYMMDD"]);
    assert_eq!(o.events[0].effective_date.as_deref(), Some("2024-03-01T09:15"));
}

#[test]
fn missing_ta102_and_ta103_are_warned() {
    let isa =
        "ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*PRACTICE0042   *240301*0915*^*00501*000000110*0*P*:~";
    let text = format!("{isa}TA1*000000061***A*000~IEA*0*000000110~");
    let o = x12_ack::parse_bytes("t", text.as_bytes()).unwrap();
    assert_eq!(
        warnings(&o),
        vec!["TA1 at segment #2 has no TA102 interchange date", "TA1 at segment #2 has no TA103 interchange time"]
    );
    assert_eq!(o.events[0].status, StatusClass::Accepted);
}

#[test]
fn a_ta1_without_a_usable_isa_date_has_no_effective_date() {
    let isa =
        "ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*PRACTICE0042   *241301*0915*^*00501*000000111*0*P*:~";
    let text = format!("{isa}TA1*000000062*240229*1015*A*000~IEA*0*000000111~");
    let o = x12_ack::parse_bytes("t", text.as_bytes()).unwrap();
    // TA102/TA103 are valid but are the submission's: they never stand in for the ISA date.
    assert_eq!(o.events[0].effective_date, None);
}

#[test]
fn an_element_of_bare_component_separators_after_ta105_is_not_content() {
    let isa =
        "ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*PRACTICE0042   *240301*0915*^*00501*000000112*0*P*:~";
    let text = format!("{isa}TA1*000000063*240229*1015*R*006*:~IEA*0*000000112~");
    let o = x12_ack::parse_bytes("t", text.as_bytes()).unwrap();
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    // An empty element between TA105 and one with content does not widen the range.
    let text = format!("{isa}TA1*000000063*240229*1015*R*006**X~IEA*0*000000112~");
    let o = x12_ack::parse_bytes("t", text.as_bytes()).unwrap();
    assert_eq!(warnings(&o), vec!["TA1 at segment #2 has unexpected extra elements after TA105 (TA107); ignored"]);
}
