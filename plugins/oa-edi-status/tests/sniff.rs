//! Sniffing and refusing.

mod common;

use claimtrack_plugin_sdk::prelude::*;
use common::*;
use oa_edi_status::OaEdiStatus;

fn sniff(name: &str, content: &[u8]) -> u8 {
    OaEdiStatus::sniff(name, &content[..content.len().min(4096)])
}

#[test]
fn sniff_scores_by_content_first() {
    let cases: &[(&str, u8)] = &[
        ("all-accepted-9digit-882990025_EDI_STATUS_20211019.txt", 95),
        ("all-rejected-10digit-1026454084_EDI_STATUS_20221214.txt", 95),
        ("mixed-crlf-wrapped-several-payers-1088623390_EDI_STATUS_20230601.txt", 95),
        ("bom-tabs-fewer-columns-1200000000_EDI_STATUS_20240702.txt", 95),
        ("unknown-lines-and-status-957151498_EDI_STATUS_20220301.txt", 95),
        ("rows-shifted-past-header-1102233445_EDI_STATUS_20240105.txt", 95),
        ("era-summary-1088623388_ERA_STATUS_5010_20230530.txt", 90),
        ("refused-headerless-rows-1026454099_EDI_STATUS_20221215.txt", 30),
        ("empty-report-1026454100_EDI_STATUS_20221216.txt", 30),
        ("forced-file-summary-lookalike.txt", 0),
        ("forced-x12-999.x12", 0),
    ];
    for (name, want) in cases {
        assert_eq!(sniff(name, &bytes(name)), *want, "{name}");
    }
    // Content decides whatever the name says.
    let edi = bytes("all-accepted-9digit-882990025_EDI_STATUS_20211019.txt");
    assert_eq!(sniff("report.dat", &edi), 95);
    assert_eq!(sniff("report.dat", &bytes("era-summary-1088623388_ERA_STATUS_5010_20230530.txt")), 60);
    assert_eq!(sniff("1_EDI_STATUS_20240101.txt", &bytes("forced-x12-999.x12")), 0, "X12 is never ours");
    assert_eq!(sniff("1_ERA_STATUS_5010_20240101.txt", b"PK\x03\x04\x14\x00\x00\x00"), 0, "binary is never ours");
    // A header whose rows are past the first 4096 bytes is still most likely ours.
    let header_only: Vec<u8> = edi.split(|&b| b == b'\n').take(10).collect::<Vec<_>>().join(&b'\n');
    assert_eq!(sniff("x.txt", &header_only), 85);
    assert_eq!(sniff("x.txt", b"hello"), 0);
}

#[test]
fn info_lists_both_formats_with_hints_that_match_the_documented_names() {
    let info = OaEdiStatus::info();
    assert_eq!(info.name, "oa-edi-status");
    let ids: Vec<_> = info.formats.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["oa-edi-status", "oa-era-summary"]);
    let matches = |i: usize, n: &str| {
        info.formats[i].file_name_hints.iter().any(|h| claimtrack_plugin_sdk::file_name_matches(h, n))
    };
    assert!(matches(0, "882990025_EDI_STATUS_20211019.txt"));
    assert!(matches(0, "1026454084_edi_status_20221214.TXT"));
    assert!(!matches(0, "FS_HCFA_1026347812_IN_C.txt"));
    assert!(matches(1, "1088623388_ERA_STATUS_5010_20230530.txt"));
    assert!(!matches(1, "1640601333_ERA_STATUS_5010_20260910.zip"));
}

#[test]
fn other_files_are_refused_as_not_mine() {
    for name in ["forced-file-summary-lookalike.txt", "forced-x12-999.x12"] {
        match oa_edi_status::parse_bytes(name, &bytes(name)) {
            Err(ParseError::NotMyFormat(m)) => assert!(!m.is_empty()),
            other => panic!("{name}: {other:?}"),
        }
    }
    match oa_edi_status::parse_bytes("1_ERA_STATUS_5010_20240101.zip", b"PK\x03\x04\x14\x00\x00\x00") {
        Err(ParseError::NotMyFormat(m)) => assert!(m.contains("binary"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(oa_edi_status::parse_bytes("notes.txt", b""), Err(ParseError::NotMyFormat(_))));
}

#[test]
fn every_fixture_is_host_valid_and_free_of_phi_in_diagnostics() {
    let names = fixture_names();
    assert!(names.len() >= 11, "{names:?}");
    for name in names {
        match oa_edi_status::parse_bytes(&name, &bytes(&name)) {
            Ok(o) => {
                assert_host_valid(&o, &name);
                assert_no_phi_in_diagnostics(&o, &name);
                assert!(!name.starts_with("forced-"), "{name} is a refusal case");
            }
            Err(ParseError::NotMyFormat(_)) => assert!(name.starts_with("forced-"), "{name} refused"),
            Err(ParseError::Malformed(_)) => assert!(name.starts_with("refused-"), "{name} malformed"),
            Err(e) => panic!("{name}: {e:?}"),
        }
    }
}
