//! CLP02 → status class: the whole mapping, in one place.

use claimtrack_plugin_sdk::StatusClass;

/// What a CLP02 code (with the money) means for the claim or one of its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapped {
    pub status: StatusClass,
    /// CLP02 19/20/21/23: the payer forwarded the claim to another payer (crossover). Carried
    /// as a reason so the "forwarded" flag of x12-reference.md §6 is visible.
    pub forwarded: bool,
    /// CLP02 is one of the values valid in 005010X221A1 / 004010X091A1.
    pub known: bool,
}

/// Map a CLP02 claim status code to the shared status model.
///
/// `paid` is CLP04 for a claim or SVC03 for a service line (`None` when missing or
/// unreadable). `cost_share` is the sum of the patient-responsibility (group PR)
/// adjustments whose CARC is an ordinary cost share (deductible, coinsurance, copay:
/// codes::is_cost_share_carc) on that claim or line.
///
/// Decisions, following x12-reference.md §6 (its CLP02 table and "paid vs denied" rule):
/// - 1/2/3 processed as primary/secondary/tertiary, and 19/20/21 the same "forwarded to
///   additional payer(s)": `paid` when money was paid (> 0). When nothing was paid:
///   * `paid` (a $0 payment, adjudicated) when the patient's cost share took it all (e.g.
///     the whole allowed amount went to the deductible): §6 says this is "not a denial";
///   * `denied` otherwise: zero pay is how many payers deny instead of using 4. This also
///     covers zero pay whose only PR adjustments are non-covered codes such as PR-204 or
///     PR-16: §6 only asks for "PR > 0", but a billing person must act on those, which is
///     what `denied` signals, so only cost-share CARCs count (a deliberate refinement).
///   * when the amount is missing (a short CLP) the claim's outcome is unknown:
///     `informational`, so that the status does not change on a guess.
/// - 19/20/21 are not `pending` as the WIT doc comment suggests: the claim *was* adjudicated
///   by this payer; only the remainder goes on to the next payer. The forwarded flag says so.
/// - 4 denied: `denied`, whatever the money says.
/// - 22 reversal of previous payment: `reversed` (amounts are negative, kept as sent).
/// - 23 not our claim, forwarded: `denied` by this payer (§6: "denied by this payer /
///   forwarded"), with the forwarded flag.
/// - 25 predetermination pricing only: `informational` (not an adjudicated claim).
/// - anything else (5–18, 24, 26+ exist in DE 1029 but are invalid in X221A1, or garbage):
///   `informational`, and the caller warns.
pub fn map_clp02(clp02: &str, paid: Option<i64>, cost_share: i64) -> Mapped {
    let adjudicated = |forwarded| {
        let status = match paid {
            Some(p) if p > 0 => StatusClass::Paid,
            Some(_) if cost_share > 0 => StatusClass::Paid,
            Some(_) => StatusClass::Denied,
            None => StatusClass::Informational,
        };
        Mapped { status, forwarded, known: true }
    };
    let fixed = |status, forwarded| Mapped { status, forwarded, known: true };
    match clp02 {
        "1" | "2" | "3" => adjudicated(false),
        "19" | "20" | "21" => adjudicated(true),
        "4" => fixed(StatusClass::Denied, false),
        "22" => fixed(StatusClass::Reversed, false),
        "23" => fixed(StatusClass::Denied, true),
        "25" => fixed(StatusClass::Informational, false),
        _ => Mapped { status: StatusClass::Informational, forwarded: false, known: false },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StatusClass::*;

    fn st(code: &str, paid: Option<i64>, cs: i64) -> StatusClass {
        map_clp02(code, paid, cs).status
    }

    #[test]
    fn processed_codes_depend_on_money() {
        for c in ["1", "2", "3", "19", "20", "21"] {
            assert_eq!(st(c, Some(100), 0), Paid, "{c}");
            assert_eq!(st(c, Some(0), 0), Denied, "{c} zero pay is a denial");
            assert_eq!(st(c, Some(0), 5000), Paid, "{c} zero pay to the deductible is adjudicated");
            assert_eq!(st(c, None, 0), Informational, "{c} with no CLP04");
        }
        assert!(map_clp02("19", Some(1), 0).forwarded);
        assert!(!map_clp02("1", Some(1), 0).forwarded);
    }

    #[test]
    fn fixed_codes() {
        assert_eq!(st("4", Some(100), 0), Denied);
        assert_eq!(st("22", Some(-100), 0), Reversed);
        assert_eq!(st("22", None, 0), Reversed);
        let m = map_clp02("23", Some(0), 0);
        assert_eq!((m.status, m.forwarded), (Denied, true));
        assert_eq!(st("25", Some(0), 0), Informational);
    }

    #[test]
    fn unknown_codes_are_informational_and_flagged() {
        for c in ["5", "24", "27", "", "x"] {
            let m = map_clp02(c, Some(100), 0);
            assert_eq!((m.status, m.known), (Informational, false), "{c:?}");
        }
    }
}
