//! 999 rules, on the fixtures in tests/fixtures/x12-ack/999-*.x12.

mod common;

use claimtrack_plugin_sdk::prelude::*;
use common::*;

#[test]
fn accepted_999_gives_a_set_and_a_group_event() {
    let o = parse("999-accepted.x12");
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    let m = &o.metadata;
    assert_eq!(m.format_id, "x12-999");
    assert_eq!(m.implementation.as_deref(), Some("005010X231A1"));
    assert_eq!(m.interchange_control_numbers, vec!["000000201"]);
    assert_eq!(m.group_control_numbers, vec!["201"]);
    assert_eq!(m.transaction_set_control_numbers, vec!["0001"]);
    assert_eq!(raw_codes(&o), vec!["IK5 A", "AK9 A"]);

    let set = &o.events[0];
    assert_eq!(set.level, Level::TransactionSet);
    assert_eq!(set.status, StatusClass::Accepted);
    assert_eq!(set.source, Source::Clearinghouse);
    // AK102 / AK202 point at the submitted 837, not at the 999's own GS06/ST02.
    assert_eq!(group_ctl(set), Some("1001"));
    assert_eq!(set_ctl(set), Some("0001"));
    assert_eq!(set.correlation.interchange_control_number, None);
    assert!(set.reasons.is_empty() && set.claim.is_none());
    assert_eq!(set.effective_date.as_deref(), Some("2024-03-01T09:16"), "GS04/GS05 of the 999");
    assert_eq!(set.source_party.as_ref().and_then(|p| p.id.as_deref()), Some("CLEARHOUSE01"));
    assert_eq!(set.position.as_ref().and_then(|p| p.segment_id.as_deref()), Some("IK5"));

    let group = &o.events[1];
    assert_eq!(group.level, Level::FunctionalGroup);
    assert_eq!(group.status, StatusClass::Accepted);
    assert_eq!(group_ctl(group), Some("1001"));
    assert_eq!(set_ctl(group), None);
    assert!(group.reasons.is_empty(), "a plain acceptance needs no reason");
    assert_eq!(group.position.as_ref().and_then(|p| p.segment_index), Some(7));
}

#[test]
fn partial_acceptance_with_claims_named_by_ctx() {
    let o = parse("999-partial-3-sets.x12");
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    let sets = events_at(&o, Level::TransactionSet);
    assert_eq!(sets.iter().map(|e| set_ctl(e).unwrap()).collect::<Vec<_>>(), vec!["0001", "0002", "0003"]);
    assert_eq!(
        sets.iter().map(|e| e.status).collect::<Vec<_>>(),
        vec![StatusClass::Accepted, StatusClass::Rejected, StatusClass::Rejected]
    );
    assert!(sets.iter().all(|e| group_ctl(e) == Some("1002")));
    assert_eq!(sets[1].raw_code, "IK5 R");

    // Set 0002: IK5 code 5, IK3 CLM 22 code 8, IK4 CLM02 DE 782 code 1, claim PCN0002A.
    let s2 = sets[1];
    assert_eq!(pcn(s2), Some("PCN0002A"));
    assert_eq!(codes(s2), vec!["5", "8", "1"]);
    assert_eq!(description(s2, &CodeSet::AckTransactionSetError, "5"), "One or more segments in error");
    assert_eq!(
        description(s2, &CodeSet::AckSegmentError, "8"),
        "Segment has data element errors (segment CLM at position 22 of the 837 transaction set, loop 2300)"
    );
    assert_eq!(
        description(s2, &CodeSet::AckElementError, "1"),
        "Required data element missing (CLM02, data element 782, in segment CLM at position 22)"
    );
    let elements: Vec<_> =
        s2.reasons.iter().map(|r| r.position.as_ref().and_then(|p| p.element.clone()).unwrap()).collect();
    assert_eq!(elements, vec!["IK502", "IK304", "IK403"]);

    // Set 0003: the situational trigger becomes part of the IK3 description.
    let s3 = sets[2];
    assert_eq!(pcn(s3), Some("PCN0003B"));
    assert_eq!(
        description(s3, &CodeSet::AckSegmentError, "3"),
        "Required segment missing (segment REF at position 57 of the 837 transaction set, loop 2300; \
         situational trigger: segment CLM at position 43, element CLM05-3 (C023:1325))"
    );

    // A claim-level event per CTX CLM01, rejected with its set, same reasons and correlation.
    let claims = events_at(&o, Level::Claim);
    assert_eq!(claims.len(), 2);
    assert_eq!(claims.iter().map(|e| pcn(e).unwrap()).collect::<Vec<_>>(), vec!["PCN0002A", "PCN0003B"]);
    for (c, s) in claims.iter().zip([s2, s3]) {
        assert_eq!(c.status, StatusClass::Rejected);
        assert_eq!(c.raw_code, "IK5 R");
        assert_eq!(c.reasons, s.reasons);
        assert_eq!(c.correlation, s.correlation);
        assert_eq!(c.position, s.position);
    }

    let groups = events_at(&o, Level::FunctionalGroup);
    assert_eq!(groups.len(), 1);
    let g = groups[0];
    assert_eq!(g.raw_code, "AK9 P");
    assert_eq!(g.status, StatusClass::AcceptedWithErrors);
    assert_eq!(group_ctl(g), Some("1002"));
    assert_eq!(g.reasons.len(), 1);
    assert_eq!(g.reasons[0].code_set, CodeSet::Other("ack-group-code".into()));
    assert_eq!(g.reasons[0].description.as_deref(), Some("partially accepted: 1 of 3 transaction sets accepted"));
    // File order: set, set, claim, set, claim, group.
    assert_eq!(raw_codes(&o), vec!["IK5 A", "IK5 R", "IK5 R", "IK5 R", "IK5 R", "AK9 P"]);
    assert_eq!(o.events[2].level, Level::Claim);
}

#[test]
fn rejected_group_with_every_code_position() {
    let o = parse("999-rejected-group-codes.x12");
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    let set = events_at(&o, Level::TransactionSet)[0];
    assert_eq!(set.status, StatusClass::Rejected);
    assert_eq!(codes(set), vec!["5", "I5", "4", "8", "8"]);
    assert_eq!(
        description(set, &CodeSet::AckTransactionSetError, "I5"),
        "Implementation one or more segments in error"
    );
    assert_eq!(
        description(set, &CodeSet::AckTransactionSetError, "4"),
        "Number of included segments (SE01) does not match the actual count"
    );
    assert_eq!(
        description(set, &CodeSet::AckElementError, "8"),
        "Invalid date (DTP03, data element 1251, in segment DTP at position 30; bad value \"20241345\")"
    );
    assert!(set.claim.is_none(), "no CTX: the error belongs to the whole set");
    assert!(events_at(&o, Level::Claim).is_empty());

    let g = events_at(&o, Level::FunctionalGroup)[0];
    assert_eq!(g.status, StatusClass::Rejected);
    assert_eq!(g.raw_code, "AK9 R");
    assert_eq!(codes(g), vec!["R", "4", "5", "19"]);
    assert_eq!(g.reasons[0].description.as_deref(), Some("rejected: 0 of 1 transaction sets accepted"));
    assert_eq!(description(g, &CodeSet::AckGroupError, "4"), "Group control numbers in GS06 and GE02 differ");
    assert_eq!(
        description(g, &CodeSet::AckGroupError, "19"),
        "Functional group control number not unique within the interchange"
    );
    let els: Vec<_> = g.reasons.iter().map(|r| r.position.as_ref().and_then(|p| p.element.clone()).unwrap()).collect();
    assert_eq!(els, vec!["AK901", "AK905", "AK906", "AK907"]);
}

#[test]
fn accepted_with_errors_names_the_claim_without_rejecting_it() {
    let o = parse("999-accepted-with-errors-claim.x12");
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    let set = events_at(&o, Level::TransactionSet)[0];
    assert_eq!(set.status, StatusClass::AcceptedWithErrors);
    assert_eq!(set.raw_code, "IK5 E");
    assert_eq!(pcn(set), Some("PCN0004"));
    let claim = events_at(&o, Level::Claim)[0];
    assert_eq!(claim.status, StatusClass::AcceptedWithErrors);
    assert_eq!(pcn(claim), Some("PCN0004"));
    assert_eq!(codes(claim), vec!["I5", "I9", "I12"]);
    assert_eq!(
        description(claim, &CodeSet::AckElementError, "I12"),
        "Implementation pattern match failure (REF02, data element 127, in segment REF at position 12; bad value \"ABC\")"
    );
    let g = events_at(&o, Level::FunctionalGroup)[0];
    assert_eq!(g.status, StatusClass::AcceptedWithErrors);
    assert_eq!(g.raw_code, "AK9 E");
}

#[test]
fn several_claims_in_one_set_each_get_only_their_errors() {
    let o = parse("999-two-claims-one-set.x12");
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    let set = events_at(&o, Level::TransactionSet)[0];
    assert_eq!(set.claim, None, "two claims: the set event names neither");
    assert_eq!(codes(set), vec!["5", "8", "7", "8", "1", "8", "1"]);
    // The N4 error has no CTX CLM01: it stays with the set, with its element context.
    assert!(set.reasons.iter().any(|r| r.description.as_deref()
        == Some("Required data element missing (N402, data element 19, in segment N4 at position 40; situational trigger: segment N3 at position 39, loop 2010AA)")));

    let claims = events_at(&o, Level::Claim);
    assert_eq!(claims.iter().map(|e| pcn(e).unwrap()).collect::<Vec<_>>(), vec!["PCNA100", "PCNB200"]);
    assert!(claims.iter().all(|c| c.status == StatusClass::Rejected && set_ctl(c) == Some("0001")));
    assert_eq!(codes(claims[0]), vec!["5", "8", "7"]);
    assert_eq!(
        description(claims[0], &CodeSet::AckElementError, "7"),
        "Invalid code value (CLM05-3, data element 1325, in segment CLM at position 5; bad value \"9\")"
    );
    assert_eq!(codes(claims[1]), vec!["5", "8", "1"]);
    assert!(claims[1].reasons.iter().all(|r| !r.description.as_deref().unwrap_or("").contains("N4")));
}

#[test]
fn unknown_codes_are_informational_with_warnings() {
    let o = parse("999-unknown-codes-lowercase.x12");
    let set = events_at(&o, Level::TransactionSet)[0];
    assert_eq!(set.status, StatusClass::Informational);
    assert_eq!(set.raw_code, "IK5 Q");
    let w = warnings(&o);
    for expected in [
        "segment #6 id \"ik3\" is lower-case",
        "unknown IK304 code 99 at segment #6",
        "unknown IK403 code 77 at segment #7",
        "unknown IK501 code Q at segment #8",
        "unknown IK502 code 99 at segment #8",
        "unknown AK901 code Z at segment #9",
        "unknown AK905 code 98 at segment #9",
    ] {
        assert!(w.contains(&expected), "missing {expected:?} in {w:?}");
    }
    // Diagnostics follow the file: tokenizer first, then ours by segment.
    let ours: Vec<_> = w.iter().filter(|m| m.starts_with("unknown")).collect();
    assert_eq!(ours.first().map(|s| **s), Some("unknown IK304 code 99 at segment #6"));
    // Unknown codes keep their place with no meaning (location kept for IK3/IK4).
    let ik502 = set.reasons.iter().find(|r| r.code_set == CodeSet::AckTransactionSetError).unwrap();
    assert_eq!((ik502.code.as_str(), ik502.description.as_deref()), ("99", None));
    assert_eq!(
        description(set, &CodeSet::AckSegmentError, "99"),
        "segment CLM at position 8 of the 837 transaction set, loop 2300"
    );
    let g = events_at(&o, Level::FunctionalGroup)[0];
    assert_eq!(g.status, StatusClass::Informational);
    assert_eq!(g.raw_code, "AK9 Z");
    let ak905 = g.reasons.iter().find(|r| r.code_set == CodeSet::AckGroupError).unwrap();
    assert_eq!((ak905.code.as_str(), ak905.description.as_deref()), ("98", None));
}

#[test]
fn ik5_before_ak1_and_loops_without_ik5_are_tolerated() {
    let o = parse("999-ik5-before-ak1.x12");
    assert!(has_warning(&o, "IK5 at segment #4 comes before any AK1 and is outside an AK2 loop; ignored"));
    assert!(has_warning(&o, "AK2 loop of transaction set 0001 (segment #6) ends at segment #9 without an IK5/AK5"));
    assert!(has_warning(&o, "IK5 at segment #11 is outside an AK2 loop; ignored"));
    assert!(o.events.iter().all(|e| e.position.as_ref().and_then(|p| p.segment_index) != Some(4)));
    // Set 0001 had errors but no IK5: informational, still naming its claim.
    let sets = events_at(&o, Level::TransactionSet);
    assert_eq!(sets.len(), 2);
    assert_eq!(
        (set_ctl(sets[0]), sets[0].status, sets[0].raw_code.as_str()),
        (Some("0001"), StatusClass::Informational, "AK2")
    );
    assert_eq!(pcn(sets[0]), Some("PCN0008"));
    assert_eq!((set_ctl(sets[1]), sets[1].status), (Some("0002"), StatusClass::Accepted));
    let claims = events_at(&o, Level::Claim);
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].status, StatusClass::Informational);
    assert_eq!(events_at(&o, Level::FunctionalGroup)[0].raw_code, "AK9 P");
}

#[test]
fn several_interchanges_with_different_delimiters() {
    let o = parse("999-multiple-isa-different-delimiters.x12");
    assert!(warnings(&o).is_empty() && errors(&o).is_empty(), "{:?}", o.diagnostics);
    assert_eq!(o.metadata.format_id, "x12-999");
    assert_eq!(o.metadata.interchange_control_numbers, vec!["000000209", "000000210", "000000211"]);
    assert_eq!(raw_codes(&o), vec!["IK5 A", "AK9 A", "IK5 R", "IK5 R", "AK9 R", "TA1 A"]);
    // The second interchange uses '|' and '>' (component): CTX and IK4 composites still split.
    let claim = events_at(&o, Level::Claim)[0];
    assert_eq!(pcn(claim), Some("PCN0010"));
    assert_eq!(group_ctl(claim), Some("1010"));
    assert!(
        description(claim, &CodeSet::AckElementError, "7")
            .starts_with("Invalid code value (CLM05-1, data element 1331")
    );
    let ta1 = events_at(&o, Level::Interchange)[0];
    assert_eq!(ta1.correlation.interchange_control_number.as_deref(), Some("000000061"));
}

#[test]
fn wrong_counts_and_control_numbers_are_warnings_and_statuses_survive() {
    let o = parse("999-wrong-counts-and-control-numbers.x12");
    assert!(errors(&o).is_empty());
    for w in [
        "SE01 segment count",
        "SE02 control number",
        "GE01 transaction set count",
        "GE02 control number",
        "IEA01 group count",
        "IEA02 control number",
    ] {
        assert!(has_warning(&o, w), "missing {w}: {:?}", o.diagnostics);
    }
    assert_eq!(raw_codes(&o), vec!["IK5 A", "AK9 A"]);
    assert_eq!(set_ctl(&o.events[0]), Some("0001"));
}

#[test]
fn truncated_file_keeps_what_was_read() {
    let o = parse("999-truncated.x12");
    let errs = errors(&o);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].contains("file is truncated"));
    assert_eq!(o.diagnostics[0].severity, Severity::Error, "tokenizer diagnostics first");
    let sets = events_at(&o, Level::TransactionSet);
    assert_eq!((set_ctl(sets[0]), sets[0].status), (Some("0001"), StatusClass::Accepted));
    assert_eq!((set_ctl(sets[1]), sets[1].status), (Some("0002"), StatusClass::Informational));
    assert_eq!(codes(sets[1]), vec!["8", "1"]);
    assert_eq!(pcn(events_at(&o, Level::Claim)[0]), Some("PCN0012"));
    assert!(events_at(&o, Level::FunctionalGroup).is_empty());
    assert!(has_warning(&o, "has no AK9"));
}

#[test]
fn short_segments_missing_trailing_elements() {
    let o = parse("999-short-segments.x12");
    // Every required element that is missing is named, in file order.
    assert_eq!(
        warnings(&o),
        vec![
            "AK1 at segment #4 has no AK103 version identifier",
            "IK3 at segment #6 has no IK304 segment error code",
            "IK4 at segment #7 has no IK402 data element reference number",
            "IK5 at segment #8 rejects the set but has no IK502 transaction set error code",
            "AK2 at segment #9 has no AK202 transaction set control number",
            "IK5 at segment #10 has no IK501 acknowledgment code",
            "AK9 at segment #11 has no AK902, AK903, AK904 transaction set counts",
        ]
    );
    let elements: Vec<_> =
        o.diagnostics.iter().map(|d| d.position.as_ref().and_then(|p| p.element.as_deref()).unwrap()).collect();
    assert_eq!(elements, vec!["AK103", "IK304", "IK402", "IK502", "AK202", "IK501", "AK902"]);
    let sets = events_at(&o, Level::TransactionSet);
    assert_eq!(sets.len(), 2);
    assert_eq!(sets[0].status, StatusClass::Rejected);
    assert_eq!(sets[0].raw_code, "IK5 R");
    // No IK304: the IK3 is still a reason, saying where; the IK4 still says what and where.
    assert_eq!(sets[0].reasons.len(), 2);
    let ik3 = &sets[0].reasons[0];
    assert_eq!(ik3.code_set, CodeSet::FreeText);
    assert_eq!(ik3.code, "segment CLM at position 22 of the 837 transaction set (segment error without an IK304 code)");
    let at = ik3.position.as_ref().unwrap();
    assert_eq!((at.segment_index, at.segment_id.as_deref(), at.element.as_deref()), (Some(6), Some("IK3"), None));
    assert_eq!(
        description(sets[0], &CodeSet::AckElementError, "1"),
        "Required data element missing (CLM02, in segment CLM at position 22)"
    );
    assert_eq!(
        (sets[1].status, sets[1].raw_code.as_str(), set_ctl(sets[1])),
        (StatusClass::Informational, "IK5", None)
    );
    let g = events_at(&o, Level::FunctionalGroup)[0];
    assert_eq!((g.status, g.reasons.len()), (StatusClass::Rejected, 0), "no counts, no summary");
}

#[test]
fn an_incomplete_ik3_keeps_its_claim_and_its_place() {
    let isa =
        "ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*PRACTICE0042   *240301*0915*^*00501*000000298*0*P*:~";
    let body = [
        "GS*FA*CLEARHOUSE01*PRACTICE0042*20240301*0916*298*X*005010X231A1",
        "ST*999*0001*005010X231A1",
        "AK1*HC*1098*005010X222A1",
        "AK2*837*0001*005010X222A1",
        "IK3*REF*57*2300",
        "CTX*CLM01:PCN0098",
        "IK5*R*5",
        "AK9*R*1*1*0",
        "SE*8*0001",
        "GE*1*298",
        "IEA*1*000000298",
    ];
    let text = format!("{isa}{}~", body.join("~"));
    let o = x12_ack::parse_bytes("t", text.as_bytes()).unwrap();
    assert_eq!(warnings(&o), vec!["IK3 at segment #6 has no IK304 segment error code"]);
    let claim = events_at(&o, Level::Claim)[0];
    assert_eq!(pcn(claim), Some("PCN0098"));
    let place = "segment REF at position 57 of the 837 transaction set, loop 2300 (segment error without an IK304 code)";
    assert_eq!(codes(claim), vec!["5", place]);
    assert_host_valid(&o, "incomplete IK3");
}

#[test]
fn a_997_does_not_require_what_only_the_999_guide_requires() {
    // 4010 997: no AK103, AK4 without AK402, AK5*R without AK502 are all allowed there.
    let isa =
        "ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*PRACTICE0042   *240301*0915*^*00401*000000297*0*P*:~";
    let body = [
        "GS*FA*CLEARHOUSE01*PRACTICE0042*20240301*0916*297*X*004010",
        "ST*997*0001",
        "AK1*HC*1097",
        "AK2*837*0001",
        "AK3*CLM*22**8",
        "AK4*2**1",
        "AK5*R",
        "AK9*R*1*1*0",
        "SE*8*0001",
        "GE*1*297",
        "IEA*1*000000297",
    ];
    let text = format!("{isa}{}~", body.join("~"));
    let o = x12_ack::parse_bytes("t", text.as_bytes()).unwrap();
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    // AK902..AK904 are mandatory in the 997 too.
    let short = text.replace("AK9*R*1*1*0", "AK9*R*1");
    let o = x12_ack::parse_bytes("t", short.as_bytes()).unwrap();
    assert_eq!(warnings(&o), vec!["AK9 at segment #9 has no AK903, AK904 transaction set counts"]);
}

#[test]
fn other_transaction_sets_are_skipped_with_a_warning() {
    let o = parse("999-and-277-mixed.x12");
    assert_eq!(o.metadata.format_id, "x12-999");
    assert_eq!(o.metadata.implementation.as_deref(), Some("005010X231A1"));
    assert_eq!(warnings(&o), vec!["transaction set 0001 at segment #11 is 277 (HN), not a 999/997; skipped"]);
    assert_eq!(raw_codes(&o), vec!["IK5 A", "AK9 A"]);
}

#[test]
fn a_999_dominates_a_997_in_the_same_file() {
    let o = parse("999-and-997-in-one-file.x12");
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    assert_eq!(o.metadata.format_id, "x12-999");
    // The implementation is the 999's (second group), not the 997's that comes first.
    assert_eq!(o.metadata.implementation.as_deref(), Some("005010X231A1"));
    assert_eq!(raw_codes(&o), vec!["AK5 A", "AK9 A", "IK5 R", "AK9 R"]);
}

#[test]
fn stray_segments_outside_their_loops_are_warned_and_ignored() {
    let isa =
        "ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*PRACTICE0042   *240301*0915*^*00501*000000299*0*P*:~";
    let body = [
        "GS*FA*CLEARHOUSE01*PRACTICE0042*20240301*0916*299*X*005010X231A1",
        "ST*999*0001*005010X231A1",
        "AK9*A*1*1*1",
        "AK1*HC*1099*005010X222A1",
        "IK3*CLM*22**8",
        "CTX*CLM01:PCN0099",
        "AK2*837*0001*005010X222A1",
        "IK4*2*782*1",
        "CTX*CLM01:PCN0099",
        "TA1*000000099*240301*0900*R*022",
        "IK5*A",
        "AK1*HC*1100",
        "AK2*837*0002",
        "IK5*R*5",
        "SE*14*0001",
        "GE*1*299",
        "IEA*1*000000299",
    ];
    let text = format!("{isa}{}~", body.join("~"));
    let o = x12_ack::parse_bytes("t", text.as_bytes()).unwrap();
    assert!(!has_warning(&o, "SE01"), "{:?}", o.diagnostics);
    for w in [
        "AK9 at segment #4 comes before any AK1; ignored",
        "IK3 at segment #6 is outside an AK2 loop; ignored",
        "CTX at segment #7 is not inside a segment error loop; ignored",
        "IK4 at segment #9 is not inside a segment error loop; ignored",
        "CTX at segment #10 is not inside a segment error loop; ignored",
        "TA1 at segment #11 is inside a transaction set; read anyway",
        "second AK1 at segment #13",
        "999 transaction set 0001 has no AK9",
    ] {
        assert!(has_warning(&o, w), "missing {w:?} in {:?}", warnings(&o));
    }
    assert!(events_at(&o, Level::Claim).is_empty(), "a CTX outside an IK3 loop names no claim");
    assert_eq!(raw_codes(&o), vec!["TA1 R", "IK5 A", "IK5 R"]);
    assert_eq!(group_ctl(&o.events[2]), Some("1100"), "the second AK1 is in force");
}
