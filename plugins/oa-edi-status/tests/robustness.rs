//! Whatever the bytes, no panic, and an output the host accepts.

mod common;

use claimtrack_plugin_sdk::prelude::*;
use common::*;

fn check(name: &str, b: &[u8]) {
    let _ = oa_edi_status::sniff(name, &b[..b.len().min(4096)]);
    if let Ok(o) = oa_edi_status::parse_bytes(name, b) {
        assert_host_valid(&o, name);
    }
}

#[test]
fn every_fixture_cut_at_every_byte() {
    for name in fixture_names() {
        let b = bytes(&name);
        for cut in 0..b.len() {
            check(&name, &b[..cut]);
        }
    }
}

#[test]
fn every_fixture_with_bytes_replaced() {
    // A deterministic walk over positions and nasty bytes (NUL aside: that makes it binary).
    let nasty = [b'\r', b'\n', b'\t', 0x0c, 0xff, 0xc3, b'$', b' ', b'9', b'-', 0x7f];
    for name in fixture_names() {
        let b = bytes(&name);
        let mut state = 0x2545_f491_u32;
        for _ in 0..400 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let mut m = b.clone();
            let at = state as usize % m.len().max(1);
            if let Some(x) = m.get_mut(at) {
                *x = nasty[(state >> 8) as usize % nasty.len()];
            }
            check(&name, &m);
        }
    }
}

#[test]
fn pathological_lines() {
    let h = "    File ID    OA Claim ID Acct#          Status    Payer Response";
    let wide = format!("{h}\n    1026454084 2927100001  {}", "9".repeat(100_000));
    check("x.txt", wide.as_bytes());
    let many_rows: String = std::iter::once(h.to_string())
        .chain((0..5000).map(|i| format!("    1026454084 {:010}  A-{i:<12} ACCEPTED  ok", i)))
        .collect::<Vec<_>>()
        .join("\n");
    let o = oa_edi_status::parse_bytes("x.txt", many_rows.as_bytes()).unwrap();
    assert_eq!(o.events.len(), 5000);
    assert!(o.events.iter().all(|e| e.status == StatusClass::Accepted));
    let only_header = format!("{h}\n");
    let o = oa_edi_status::parse_bytes("x.txt", only_header.as_bytes()).unwrap();
    assert!(o.events.is_empty());
    check("x.txt", "\u{feff}\u{feff}\r\r\r".as_bytes());
    check("x.txt", "File ID Claim ID Status\n\u{1F600}\u{1F600} 123456 ACCEPTED".as_bytes());
}
