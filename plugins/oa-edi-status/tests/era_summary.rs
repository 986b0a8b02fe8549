//! The ERA text summary: recognised, described by its name, never a source of money.

mod common;

use claimtrack_plugin_sdk::prelude::*;
use common::*;
use oa_edi_status::codes;

const ERA: &str = "era-summary-1088623388_ERA_STATUS_5010_20230530.txt";

#[test]
fn era_summary_yields_metadata_and_a_note_but_no_events() {
    let raw = bytes(ERA);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("PROCESSED AS PRIMARY") && text.contains("DENIED") && text.contains("180.00"));
    let o = parse(ERA);
    assert_eq!(o.metadata.format_id, "oa-era-summary");
    assert_eq!(o.metadata.clearinghouse_file_id.as_deref(), Some("1088623388"));
    assert_eq!(o.metadata.created.as_deref(), Some("2023-05-30"));
    assert!(o.events.is_empty(), "no paid/denied statuses or amounts from a display file");
    assert_eq!(o.diagnostics.len(), 1);
    let d = &o.diagnostics[0];
    assert_eq!(d.severity, Severity::Info);
    assert_eq!(d.message, "ERA text summary: kept for display; payments come from the 835 in the same package");
    assert_eq!(d.code.as_deref(), Some(codes::CODE_DISPLAY_ONLY));
}

#[test]
fn era_summary_is_recognised_by_content_under_another_name() {
    let o = oa_edi_status::parse_bytes("download.txt", &bytes(ERA)).unwrap();
    assert_eq!(o.metadata.format_id, "oa-era-summary");
    assert_eq!(o.metadata.clearinghouse_file_id, None);
    assert!(o.events.is_empty());
}

#[test]
fn era_name_without_markers_is_read_with_a_warning() {
    let o = oa_edi_status::parse_bytes("792253152_ERA_STATUS_5010_20210112.txt", b"Nothing to show\n").unwrap();
    assert_eq!(o.metadata.format_id, "oa-era-summary");
    assert_eq!(o.metadata.created.as_deref(), Some("2021-01-12"));
    assert!(o.events.is_empty());
    assert_eq!(with_severity(&o, Severity::Warning).len(), 1);
    assert_eq!(codes_of(&o, Severity::Info), [codes::CODE_DISPLAY_ONLY]);
}

#[test]
fn the_835_beside_it_is_not_ours() {
    let x12 = b"ISA*00*          *00*          *ZZ*PAYER          *ZZ*OFFALLY        *230530*1200*^*00501*000000001*0*P*:~GS*HP*PAYER*OFFALLY*20230530*1200*1*X*005010X221A1~ST*835*0001~";
    match oa_edi_status::parse_bytes("1088623388_ERA_835_5010_20230530.835", x12) {
        Err(ParseError::NotMyFormat(m)) => assert!(m.contains("835"), "{m}"),
        other => panic!("{other:?}"),
    }
}
