//! 997 rules, on the fixtures in tests/fixtures/x12-ack/997-*.x12.

mod common;

use claimtrack_plugin_sdk::prelude::*;
use common::*;

#[test]
fn partial_997_reads_ak3_ak4_ak5() {
    let o = parse("997-partial.x12");
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    assert_eq!(o.metadata.format_id, "x12-997");
    assert_eq!(o.metadata.implementation.as_deref(), Some("005010X230"));
    assert_eq!(raw_codes(&o), vec!["AK5 A", "AK5 R", "AK9 P"]);
    let sets = events_at(&o, Level::TransactionSet);
    assert_eq!(sets[0].status, StatusClass::Accepted);
    let rej = sets[1];
    assert_eq!((rej.status, set_ctl(rej), group_ctl(rej)), (StatusClass::Rejected, Some("0002"), Some("1020")));
    assert_eq!(codes(rej), vec!["5", "8", "1"]);
    let els: Vec<_> =
        rej.reasons.iter().map(|r| r.position.as_ref().and_then(|p| p.element.clone()).unwrap()).collect();
    assert_eq!(els, vec!["AK502", "AK304", "AK403"]);
    assert_eq!(
        description(rej, &CodeSet::AckSegmentError, "8"),
        "Segment has data element errors (segment CLM at position 22 of the 837 transaction set)"
    );
    let g = events_at(&o, Level::FunctionalGroup)[0];
    assert_eq!(g.status, StatusClass::AcceptedWithErrors);
    assert_eq!(g.reasons[0].description.as_deref(), Some("partially accepted: 1 of 2 transaction sets accepted"));
}

#[test]
fn implementation_codes_are_unknown_in_a_4010_997() {
    let o = parse("997-rejected-4010.x12");
    assert_eq!(o.metadata.format_id, "x12-997");
    assert_eq!(o.metadata.implementation.as_deref(), Some("004010"));
    let set = events_at(&o, Level::TransactionSet)[0];
    assert_eq!(set.status, StatusClass::Rejected);
    assert_eq!(set.raw_code, "AK5 R");
    assert_eq!(codes(set), vec!["5", "4", "I5", "I6", "7"]);
    assert_eq!(warnings(&o), vec!["unknown AK304 code I6 at segment #6", "unknown AK504 code I5 at segment #8"]);
    let i5 = set.reasons.iter().find(|r| r.code == "I5").unwrap();
    assert_eq!(i5.description, None);
    assert_eq!(
        description(set, &CodeSet::AckElementError, "7"),
        "Invalid code value (NM103, data element 66, in segment NM1 at position 8; bad value \"ZZ\")"
    );
    let g = events_at(&o, Level::FunctionalGroup)[0];
    assert_eq!(g.status, StatusClass::Rejected);
    assert_eq!(codes(g), vec!["R", "5"]);
}
