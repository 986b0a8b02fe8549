//! Inputs the `x12_835` fuzz target (fuzz/, scripts/fuzz) crashed on, minimized, kept so
//! they stay fixed.

use claimtrack_plugin_sdk::{Level, Severity};

/// 92,238 claim adjustments of -$1,000,000,000,000 (the largest amount accepted) saturate
/// the claim's adjustment sum at i64::MIN, which has no i64 absolute value: the range check
/// panicked in debug builds and, in the plugin, wrapped and passed i64::MIN on as the
/// claim's adjusted amount. Written by hand to reach the sum spotted in review (the fuzzer's
/// inputs are far smaller than the 1.8 MB it takes), then confirmed as a crash of the fuzz
/// target.
#[test]
fn adjustments_saturating_at_i64_min_are_left_empty() {
    let mut x12 = String::from(
        "ISA*00*          *00*          *ZZ*SYNTHPAYER     *ZZ*SUNRISECHIRO   *240315*1200*^*00501*000000101*0*T*:~\
         GS*HP*SYNTHPAYER*SUNRISECHIRO*20240315*1200*101*X*005010X221A1~ST*835*0001*005010X221A1~\
         BPR*I*1*C*ACH~TRN*1*EFT1*1234567890~N1*PR*ACME~N1*PE*SUNRISE*XX*1234567893~LX*1~\
         CLP*PCN1001*1*300*150*60*12*ICN9000001*11*1~",
    );
    let cas = format!("CAS*CO{}~", "*45*-1000000000000*".repeat(6));
    x12.push_str(&cas.repeat(92_238 / 6));
    x12.push_str("SE*5*0001~GE*1*101~IEA*1*000000101~");

    let out = x12_835::parse_bytes("big.835", x12.as_bytes()).expect("parsed");
    let claim = out.events.iter().find(|e| e.level == Level::Claim).expect("a claim event");
    assert_eq!(claim.amounts.adjusted, None);
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Warning && d.message.contains("adjustments of the CLP") && d.message.contains("beyond range")),
        "no out-of-range warning"
    );
}
