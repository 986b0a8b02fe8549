//! Sniffing, refusal, PHI-free diagnostics and no panics on any input.

mod common;

use claimtrack_plugin_sdk::prelude::*;
use common::*;
use x12_ack::AckParser;

#[test]
fn sniff_reads_the_content_not_the_name() {
    let head = |name: &str| {
        let b = bytes(name);
        b[..b.len().min(4096)].to_vec()
    };
    for name in fixture_names() {
        let expected = if name.starts_with("forced-") { 0 } else { 95 };
        // The name is deliberately misleading: content decides.
        assert_eq!(AckParser::sniff("remit.835", &head(&name)), expected, "{name}");
    }
    assert_eq!(AckParser::sniff("x.999", b"Hello, this is a text report"), 0);
    assert_eq!(AckParser::sniff("x.999", b""), 0);
    // A head cut before the first ST of an FA group.
    let fa = head("999-accepted.x12");
    let cut = fa.windows(3).position(|w| w == b"ST*").unwrap();
    assert_eq!(AckParser::sniff("x", &fa[..cut]), 80);
    // An ST-first 999 without envelope.
    assert_eq!(AckParser::sniff("x", b"ST*999*0001*005010X231A1~AK1*HC*1~"), 95);
    assert_eq!(AckParser::sniff("x", b"ST*277*0001*005010X214~"), 0);
}

#[test]
fn info_lists_the_three_formats() {
    let info = AckParser::info();
    assert_eq!(info.name, "x12-ack");
    let ids: Vec<_> = info.formats.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, vec!["x12-999", "x12-997", "x12-ta1"]);
    assert!(info.formats.iter().all(|f| !f.file_name_hints.is_empty() && !f.description.is_empty()));
}

#[test]
fn other_x12_is_not_my_format_and_non_x12_is_malformed() {
    match x12_ack::parse_bytes("x", &bytes("forced-not-mine-835.x12")) {
        Err(ParseError::NotMyFormat(m)) => assert_eq!(m, "contains 835 (HP), not 999/997/TA1"),
        other => panic!("{other:?}"),
    }
    let empty = "ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*PRACTICE0042   *240301*0915*^*00501*000000001*0*P*:~IEA*0*000000001~";
    assert!(matches!(x12_ack::parse_bytes("x", empty.as_bytes()), Err(ParseError::NotMyFormat(_))));
    assert!(matches!(
        x12_ack::parse_bytes("x", b"Dear provider, your file was received."),
        Err(ParseError::Malformed(_))
    ));
}

/// Values a fixture carries that would be PHI in a real file; none may reach a diagnostic.
#[test]
fn diagnostics_never_carry_claim_data() {
    let sensitive = ["PCN", "20241345", "ABC", "\"ZZ\"", "bad value"];
    for name in fixture_names() {
        let Ok(o) = x12_ack::parse_bytes(&name, &bytes(&name)) else { continue };
        for d in &o.diagnostics {
            for s in sensitive {
                assert!(!d.message.contains(s), "{name}: {:?} contains {s}", d.message);
            }
        }
    }
}

#[test]
fn every_event_is_from_the_clearinghouse_and_has_a_position() {
    for name in fixture_names() {
        let Ok(o) = x12_ack::parse_bytes(&name, &bytes(&name)) else { continue };
        assert_host_valid(&o, &name);
        for e in &o.events {
            assert_eq!(e.source, Source::Clearinghouse, "{name}");
            let p = e.position.as_ref().expect("position");
            assert!(p.segment_index.is_some() && p.line.is_some(), "{name}");
            assert!(!e.raw_code.is_empty());
            for r in &e.reasons {
                assert!(!r.code.is_empty(), "{name}: empty reason code");
                assert!(r.position.is_some(), "{name}: reason without position");
            }
        }
        let idx: Vec<_> = o.events.iter().map(|e| e.position.as_ref().unwrap().segment_index.unwrap()).collect();
        assert!(idx.windows(2).all(|w| w[0] <= w[1]), "{name}: events out of file order");
    }
}

/// Every prefix of every fixture, and deterministic byte mutations, parse without a panic.
#[test]
fn no_panic_on_truncated_or_mutated_input() {
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = b"*~:^|>\r\n ISAGSTEIK345CTX0123456789\x01\x85\xff";
    for name in fixture_names() {
        let b = bytes(&name);
        for end in 0..=b.len() {
            if let Ok(o) = x12_ack::parse_bytes(&name, &b[..end]) {
                assert_host_valid(&o, &format!("{name}[..{end}]"));
            }
            let _ = AckParser::sniff(&name, &b[..end]);
        }
        for _ in 0..300 {
            let mut m = b.clone();
            for _ in 0..(1 + next() % 4) {
                let at = (next() as usize) % m.len().max(1);
                let byte = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
                    0 if !m.is_empty() => m[at] = byte,
                    1 => m.insert(at.min(m.len()), byte),
                    _ if !m.is_empty() => {
                        m.remove(at);
                    }
                    _ => {}
                }
            }
            if let Ok(o) = x12_ack::parse_bytes(&name, &m) {
                assert_host_valid(&o, &format!("{name} mutated"));
            }
        }
    }
}

/// Control bytes, UTF-8 text (C1 controls once read as Latin-1), overlong codes and a set with
/// more reasons than the host takes: the output is cleaned, not refused by the host.
#[test]
fn hostile_values_are_cleaned_to_what_the_host_accepts() {
    let isa =
        "ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*PRACTICE0042   *240301*0915*^*00501*000000298*0*P*:~";
    let mut body = vec![
        "GS*FA*CLEARHOUSE01*PRACTICE0042*20240301*0916*298*X*005010X231A1".to_string(),
        "ST*999*0001*005010X231A1".to_string(),
        "AK1*HC*1098\u{1}*005010X222A1".to_string(),
        "AK2*837*0001*005010X222A1".to_string(),
        format!("IK3*CLM*22*2300*{}", "9".repeat(100)),
        "CTX*CLM01:DOE\u{2019}S".to_string(),
        "IK4*2*782*1*CAF\u{c9} \u{201c}X\u{201d}".to_string(),
    ];
    for i in 0..1100 {
        body.push(format!("IK3*SV1*{}*2400*8", 30 + i));
    }
    body.push("IK5*R*5".into());
    body.push("AK9*R*1*1*0".into());
    let n = body.len();
    body.push(format!("SE*{}*0001", n));
    body.push("GE*1*298".into());
    body.push("IEA*1*000000298".into());
    let text = format!("{isa}{}~", body.join("~"));
    let o = x12_ack::parse_bytes("t", text.as_bytes()).unwrap();
    assert_host_valid(&o, "hostile");
    let set = events_at(&o, Level::TransactionSet)[0];
    assert_eq!(set.reasons.len(), 1000);
    assert!(has_warning(&o, "only the first 1000 are kept"));
    assert!(has_warning(&o, "were cleaned"));
    assert!(group_ctl(set).unwrap().starts_with("1098"));
    let claim = events_at(&o, Level::Claim)[0];
    assert!(pcn(claim).unwrap().starts_with("DOE"), "the claim is still named");
    assert!(codes(set)[1].len() <= 64);
}
