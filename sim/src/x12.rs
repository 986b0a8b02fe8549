//! Writing X12: one interchange with its groups and transaction sets, the trailers counted
//! and numbered by construction (SE01 = segments ST…SE, SE02 = ST02, GE01 = sets, GE02 =
//! GS06, IEA01 = groups, IEA02 = ISA13; x12-reference.md §1.3), so no writer in this crate
//! counts segments by hand.

use chrono::NaiveDateTime;

/// Office Ally's tax id: ISA08 / GS03 of an upload, ISA06 / GS02 of what Office Ally sends.
pub const OA_TAX_ID: &str = "330897513";

/// One transaction set: ST01, ST03 and the segments between ST and SE (without `~`).
pub struct Set {
    /// ST01, e.g. "999".
    pub kind: &'static str,
    /// ST03, the implementation guide, e.g. "005010X231A1".
    pub guide: &'static str,
    /// Segments after ST and before SE.
    pub body: Vec<String>,
}

/// One functional group.
pub struct Group {
    /// GS01, e.g. "FA", "HN", "HP", "HC".
    pub functional_id: &'static str,
    /// GS02 / GS03.
    pub sender: String,
    /// GS03.
    pub receiver: String,
    /// GS08.
    pub version: &'static str,
    /// The transaction sets.
    pub sets: Vec<Set>,
}

/// The ISA values that vary.
pub struct Envelope {
    /// ISA05 / ISA06 (the id is padded to 15 here).
    pub sender_qualifier: &'static str,
    /// ISA06 (the qualifier is the field above).
    pub sender: String,
    /// ISA07 / ISA08.
    pub receiver_qualifier: &'static str,
    /// ISA08.
    pub receiver: String,
    /// ISA09/ISA10 and GS04/GS05.
    pub at: NaiveDateTime,
    /// ISA13 (9 digits) and GS06 (the same number: one group per interchange here).
    pub control: u32,
}

/// Write `segments` as an interchange: ISA, the groups (each numbered `control + i`), IEA.
/// Segments end with `~` and a newline, as Office Ally's files and our fixtures do.
pub fn interchange(env: &Envelope, interchange_segments: &[String], groups: &[Group]) -> Vec<u8> {
    let mut out: Vec<String> = Vec::new();
    out.push(format!(
        "ISA*00*          *00*          *{}*{:<15}*{}*{:<15}*{}*{}*^*00501*{:09}*0*P*:",
        env.sender_qualifier,
        env.sender,
        env.receiver_qualifier,
        env.receiver,
        env.at.format("%y%m%d"),
        env.at.format("%H%M"),
        env.control
    ));
    out.extend(interchange_segments.iter().cloned());
    for (g, group) in groups.iter().enumerate() {
        let gs06 = env.control + g as u32;
        out.push(format!(
            "GS*{}*{}*{}*{}*{}*{gs06}*X*{}",
            group.functional_id,
            group.sender,
            group.receiver,
            env.at.format("%Y%m%d"),
            env.at.format("%H%M"),
            group.version
        ));
        for (s, set) in group.sets.iter().enumerate() {
            let st02 = format!("{:04}", s + 1);
            out.push(format!("ST*{}*{st02}*{}", set.kind, set.guide));
            out.extend(set.body.iter().cloned());
            out.push(format!("SE*{}*{st02}", set.body.len() + 2));
        }
        out.push(format!("GE*{}*{gs06}", group.sets.len()));
    }
    out.push(format!("IEA*{}*{:09}", groups.len(), env.control));
    let mut bytes = Vec::with_capacity(out.iter().map(|s| s.len() + 2).sum());
    for s in out {
        bytes.extend_from_slice(s.as_bytes());
        bytes.extend_from_slice(b"~\n");
    }
    bytes
}

/// X12 decimal with no trailing zeros: 12000 → "120", 12050 → "120.5", -4258 → "-42.58".
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    match a % 100 {
        0 => format!("{sign}{}", a / 100),
        c if c % 10 == 0 => format!("{sign}{}.{}", a / 100, c / 10),
        c => format!("{sign}{}.{c:02}", a / 100),
    }
}

/// `D8` or `RD8` date qualifier and value for a service period (CCYYMMDD dates).
pub fn period(from: &str, to: &str) -> (&'static str, String) {
    if from == to { ("D8", from.to_string()) } else { ("RD8", format!("{from}-{to}")) }
}

/// Whether an NPI passes its check digit: the Luhn algorithm over "80840" followed by the
/// NPI (the CMS rule; the constant 24 below is what the "80840" prefix adds to the sum).
pub fn npi_is_valid(npi: &str) -> bool {
    if npi.len() != 10 || !npi.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = npi.bytes().map(|b| u32::from(b - b'0')).collect();
    let mut sum = 24;
    // From the right, the check digit is position 0; every odd position is doubled.
    for (i, d) in digits.iter().rev().enumerate() {
        let v = if i % 2 == 1 {
            let x = d * 2;
            if x > 9 { x - 9 } else { x }
        } else {
            *d
        };
        sum += v;
    }
    sum % 10 == 0
}

/// The NPI whose first nine digits are `base` (taken modulo 10⁹), with its check digit.
pub fn npi_with_check_digit(base: u64) -> String {
    let nine = format!("{:09}", base % 1_000_000_000);
    (0..10)
        .map(|c| format!("{nine}{c}"))
        .find(|n| npi_is_valid(n))
        .expect("one of ten check digits is right")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_minimal_x12_decimal() {
        assert_eq!(money(12000), "120");
        assert_eq!(money(12050), "120.5");
        assert_eq!(money(-4258), "-42.58");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(0), "0");
    }

    #[test]
    fn npi_check_digit() {
        // CMS's worked example, and the NPIs of our hand-written scenario.
        assert!(npi_is_valid("1234567893"));
        assert!(npi_is_valid("1582403170"));
        assert!(npi_is_valid("1720498363"));
        assert!(!npi_is_valid("1234567890"));
        assert!(!npi_is_valid("123456789"));
        assert!(!npi_is_valid("12345678a3"));
        for base in [0, 1, 158240317, 999_999_999] {
            assert!(npi_is_valid(&npi_with_check_digit(base)));
        }
    }
}
