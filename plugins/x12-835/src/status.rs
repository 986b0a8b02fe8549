//! CLP02 → status class: the whole mapping, in one place.

use claimtrack_plugin_sdk::StatusClass;

use crate::codes;

/// What a CLP02 code (with the money) means for the claim or one of its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapped {
    pub status: StatusClass,
    /// CLP02 19/20/21/23: the payer forwarded the claim to another payer (crossover). Carried
    /// as a reason so the "forwarded" flag of x12-reference.md §6 is visible.
    pub forwarded: bool,
    /// Zero pay from a secondary/tertiary payer because the prior payer(s) settled the claim
    /// (CARC 23): `paid`, nothing more due. Carried as a reason so the "why" is visible.
    pub prior_payer_settled: bool,
    /// CLP02 is one of the values valid in 005010X221A1 / 004010X091A1.
    pub known: bool,
}

/// What the CAS adjustments of a claim or line say, as far as the status needs it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AdjustmentKinds {
    /// Σ group PR amounts with a cost-share CARC (codes::is_cost_share_carc).
    pub cost_share: i64,
    /// Σ CARC 23 amounts, "impact of prior payer(s) adjudication" (any group).
    pub prior_payer: i64,
    /// Some adjustment other than CARC 23, a fee-schedule CARC (45/42) or a PR cost share,
    /// with a non-zero or unreadable amount: something this payer refused.
    pub other: bool,
}

impl AdjustmentKinds {
    /// Account for one CAS reason/amount pair.
    pub fn add(&mut self, group: &str, carc: &str, amount: Option<i64>) {
        let a = amount.unwrap_or(0);
        if codes::is_prior_payer_carc(carc) {
            self.prior_payer = self.prior_payer.saturating_add(a);
        } else if group == "PR" && codes::is_cost_share_carc(carc) {
            self.cost_share = self.cost_share.saturating_add(a);
        } else if !codes::is_fee_schedule_carc(carc) && amount != Some(0) {
            self.other = true;
        }
    }

    pub fn merge(mut self, o: &AdjustmentKinds) -> Self {
        self.cost_share = self.cost_share.saturating_add(o.cost_share);
        self.prior_payer = self.prior_payer.saturating_add(o.prior_payer);
        self.other |= o.other;
        self
    }
}

/// Map a CLP02 claim status code to the shared status model.
///
/// `paid` is CLP04 for a claim or SVC03 for a service line (`None` when missing or
/// unreadable); `adj` summarises the CAS adjustments on that claim or line.
///
/// Decisions, following x12-reference.md §6 (its CLP02 table and "paid vs denied" rule):
/// - 1/2/3 processed as primary/secondary/tertiary, and 19/20/21 the same "forwarded to
///   additional payer(s)": `paid` when money was paid (> 0). When nothing was paid:
///   * secondary/tertiary (2/3/20/21) whose zero pay is explained by the prior payer(s)
///     (CARC 23 > 0, usually OA-23) with nothing else refused (only fee-schedule 45/42 and
///     PR cost-share adjustments beside it): `paid`, flagged `prior_payer_settled`. The
///     primary's payment covered what this payer allows, so nothing more is due from it:
///     that is not a denial the practice must work, and `denied` would send a clerk after
///     money that does not exist. Not for 1/19 (processed as *primary*: there is no prior
///     payer, so a CARC 23 there is inconsistent and zero pay stays `denied` to be looked
///     at), and not when another CARC (e.g. CO-50) refused part of the charge: that part
///     is a real denial by this payer;
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
pub fn map_clp02(clp02: &str, paid: Option<i64>, adj: &AdjustmentKinds) -> Mapped {
    let adjudicated = |forwarded, after_prior_payer: bool| {
        let settled = after_prior_payer && adj.prior_payer > 0 && !adj.other;
        let (status, prior_payer_settled) = match paid {
            Some(p) if p > 0 => (StatusClass::Paid, false),
            Some(_) if settled => (StatusClass::Paid, true),
            Some(_) if adj.cost_share > 0 => (StatusClass::Paid, false),
            Some(_) => (StatusClass::Denied, false),
            None => (StatusClass::Informational, false),
        };
        Mapped { status, forwarded, prior_payer_settled, known: true }
    };
    let fixed = |status, forwarded| Mapped { status, forwarded, prior_payer_settled: false, known: true };
    match clp02 {
        "1" => adjudicated(false, false),
        "2" | "3" => adjudicated(false, true),
        "19" => adjudicated(true, false),
        "20" | "21" => adjudicated(true, true),
        "4" => fixed(StatusClass::Denied, false),
        "22" => fixed(StatusClass::Reversed, false),
        "23" => fixed(StatusClass::Denied, true),
        "25" => fixed(StatusClass::Informational, false),
        _ => Mapped { status: StatusClass::Informational, forwarded: false, prior_payer_settled: false, known: false },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StatusClass::*;

    fn st(code: &str, paid: Option<i64>, cs: i64) -> StatusClass {
        map_clp02(code, paid, &AdjustmentKinds { cost_share: cs, ..Default::default() }).status
    }

    fn kinds(cas: &[(&str, &str, Option<i64>)]) -> AdjustmentKinds {
        let mut k = AdjustmentKinds::default();
        for (g, c, a) in cas {
            k.add(g, c, *a);
        }
        k
    }

    #[test]
    fn processed_codes_depend_on_money() {
        for c in ["1", "2", "3", "19", "20", "21"] {
            assert_eq!(st(c, Some(100), 0), Paid, "{c}");
            assert_eq!(st(c, Some(0), 0), Denied, "{c} zero pay is a denial");
            assert_eq!(st(c, Some(0), 5000), Paid, "{c} zero pay to the deductible is adjudicated");
            assert_eq!(st(c, None, 0), Informational, "{c} with no CLP04");
        }
        assert!(map_clp02("19", Some(1), &AdjustmentKinds::default()).forwarded);
        assert!(!map_clp02("1", Some(1), &AdjustmentKinds::default()).forwarded);
    }

    #[test]
    fn zero_pay_after_the_prior_payer_settled_is_paid_for_secondary_and_tertiary() {
        let settled = kinds(&[("OA", "23", Some(8000)), ("CO", "45", Some(2000)), ("CO", "42", Some(0))]);
        for c in ["2", "3", "20", "21"] {
            let m = map_clp02(c, Some(0), &settled);
            assert_eq!((m.status, m.prior_payer_settled), (Paid, true), "{c}");
            assert_eq!(m.forwarded, c.len() == 2, "{c}");
            assert!(!map_clp02(c, Some(100), &settled).prior_payer_settled, "{c}: money was paid");
            assert_eq!(st(c, None, 0), Informational, "{c} with no CLP04");
        }
        for c in ["1", "19"] {
            let m = map_clp02(c, Some(0), &settled);
            assert_eq!((m.status, m.prior_payer_settled), (Denied, false), "{c}: processed as primary");
        }
        // Something else refused: a denial by this payer.
        let refused = kinds(&[("OA", "23", Some(4000)), ("CO", "50", Some(6000))]);
        assert_eq!(map_clp02("2", Some(0), &refused).status, Denied);
        // CARC 23 in another group still names the prior payer; a zero or negative sum does not.
        assert!(map_clp02("2", Some(0), &kinds(&[("CO", "23", Some(100))])).prior_payer_settled);
        assert_eq!(map_clp02("2", Some(0), &kinds(&[("OA", "23", Some(0))])).status, Denied);
        assert_eq!(map_clp02("2", Some(0), &kinds(&[("OA", "23", Some(-500))])).status, Denied);
        // An unreadable amount on another CARC counts as refused.
        assert_eq!(map_clp02("2", Some(0), &kinds(&[("OA", "23", Some(100)), ("CO", "96", None)])).status, Denied);
        // PR cost share beside it: still nothing more due from this payer.
        assert!(map_clp02("3", Some(0), &kinds(&[("OA", "23", Some(100)), ("PR", "2", Some(50))])).prior_payer_settled);
    }

    #[test]
    fn adjustment_kinds_merge() {
        let a = kinds(&[("PR", "1", Some(100)), ("OA", "23", Some(50))]);
        let b = kinds(&[("PR", "204", Some(10))]);
        assert_eq!(a.merge(&b), AdjustmentKinds { cost_share: 100, prior_payer: 50, other: true });
        assert_eq!(a, AdjustmentKinds { cost_share: 100, prior_payer: 50, other: false });
    }

    #[test]
    fn fixed_codes() {
        assert_eq!(st("4", Some(100), 0), Denied);
        assert_eq!(st("22", Some(-100), 0), Reversed);
        assert_eq!(st("22", None, 0), Reversed);
        let m = map_clp02("23", Some(0), &AdjustmentKinds::default());
        assert_eq!((m.status, m.forwarded), (Denied, true));
        assert_eq!(st("25", Some(0), 0), Informational);
    }

    #[test]
    fn unknown_codes_are_informational_and_flagged() {
        for c in ["5", "24", "27", "", "x"] {
            let m = map_clp02(c, Some(100), &AdjustmentKinds::default());
            assert_eq!((m.status, m.known), (Informational, false), "{c:?}");
        }
    }
}
