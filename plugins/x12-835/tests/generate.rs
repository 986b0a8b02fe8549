//! The benchmark generator writes valid, balanced 835s that parse cleanly.

use claimtrack_plugin_sdk::{Level, Severity, StatusClass};
use x12_835::generate::{CLAIMS_PER_PAYMENT, synthetic_835};

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[test]
fn generated_file_parses_cleanly_with_the_right_counts() {
    for (claims, seed) in [(1, 1), (2, 2), (37, 3), (2500, 42)] {
        let bytes = synthetic_835(claims, seed);
        let text = std::str::from_utf8(&bytes).unwrap();
        let out = x12_835::parse_bytes("synthetic.835", &bytes).unwrap();
        let bad: Vec<_> = out.diagnostics.iter().filter(|d| d.severity != Severity::Info).collect();
        assert!(bad.is_empty(), "claims={claims}: {bad:?}");

        let sets = claims.div_ceil(CLAIMS_PER_PAYMENT);
        let svc = count(text, "~SVC*");
        let plb_pairs = 2 * count(text, "~PLB*");
        assert_eq!(count(text, "~CLP*"), claims);
        assert_eq!(count(text, "~ST*835*"), sets);
        let by_level = |l| out.events.iter().filter(|e| e.level == l).count();
        assert_eq!(by_level(Level::Claim), claims);
        assert_eq!(by_level(Level::ServiceLine), svc);
        assert_eq!(by_level(Level::TransactionSet), sets + plb_pairs);
        assert_eq!(out.events.len(), sets + claims + svc + plb_pairs);

        // Every reversal is followed by its correction.
        let reversals = out.events.iter().filter(|e| e.level == Level::Claim && e.status == StatusClass::Reversed).count();
        let notes = out.diagnostics.iter().filter(|d| d.message.contains("corrects the reversal")).count();
        assert_eq!(reversals, notes);
        assert_eq!(out.diagnostics.len(), notes, "{:?}", out.diagnostics);

        // BPR02 = Σ CLP04 − Σ PLB, recomputed from the events.
        let mut paid = 0i64;
        let mut plb = 0i64;
        let mut bpr = Vec::new();
        for e in &out.events {
            match (e.level, e.raw_code.as_str()) {
                (Level::TransactionSet, "PLB") => plb += e.amounts.adjusted.unwrap(),
                (Level::TransactionSet, _) => bpr.push(e.amounts.paid.unwrap()),
                (Level::Claim, _) => paid += e.amounts.paid.unwrap(),
                _ => {}
            }
        }
        assert_eq!(bpr.iter().sum::<i64>(), paid - plb, "claims={claims}");
        assert!(bpr.iter().all(|&b| b >= 0));
    }
}

#[test]
fn generated_mix_has_every_kind_of_claim() {
    let out = x12_835::parse_bytes("s", &synthetic_835(2000, 9)).unwrap();
    let n = |s| out.events.iter().filter(|e| e.level == Level::Claim && e.status == s).count();
    assert!(n(StatusClass::Paid) > 1200, "{}", n(StatusClass::Paid));
    assert!(n(StatusClass::Denied) > 150, "{}", n(StatusClass::Denied));
    assert!(n(StatusClass::Reversed) > 40, "{}", n(StatusClass::Reversed));
    let with_lq = out.events.iter().filter(|e| e.reasons.iter().any(|r| r.code_set == claimtrack_plugin_sdk::CodeSet::Rarc)).count();
    assert!(with_lq > 50);
    let max_lines = out
        .events
        .iter()
        .filter(|e| e.level == Level::ServiceLine)
        .fold(std::collections::HashMap::<String, usize>::new(), |mut m, e| {
            let c = e.claim.as_ref().unwrap();
            *m.entry(format!("{:?}{:?}", c.patient_control_number, c.payer_claim_number)).or_default() += 1;
            m
        })
        .into_values()
        .max()
        .unwrap();
    assert_eq!(max_lines, 4);
}

#[test]
fn twenty_thousand_claims_is_about_four_megabytes() {
    let bytes = synthetic_835(20_000, 2024);
    let mb = bytes.len() as f64 / 1_000_000.0;
    assert!((3.7..=4.5).contains(&mb), "{mb:.2} MB");
    // Envelope counts: IEA01 = 1, GE01 = number of sets, ISA13 = IEA02.
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(text.ends_with(&format!("GE*20*{}~IEA*1*{}~", &text[90..99].trim_start_matches('0'), &text[90..99])));
}
