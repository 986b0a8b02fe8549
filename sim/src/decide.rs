//! The scenario rules applied to one upload: Office Ally's edits, the payers' verdicts and
//! how each accepted claim is settled, with every amount. Decided once, at pickup, and kept
//! in the simulator's state: the response files are renderings of these decisions, so the
//! files and [`crate::Simulator::expected_outcomes`] can never disagree.

use serde::{Deserialize, Serialize};
use x12_835::generate::Rng;

use crate::batch::{Batch, Claim};
use crate::scenario::{Edit, PayerRejection, Rules, EraMix};
use crate::x12::npi_is_valid;

/// Everything decided about one upload that did not fail as a whole.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Decisions {
    /// The per-payer child files, in order of the payer's first claim.
    pub children: Vec<Child>,
    /// One per claim of the batch, in the same order.
    pub claims: Vec<ClaimDecision>,
}

/// One per-payer child file Office Ally split the upload into.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Child {
    /// The child file's File ID.
    pub file_id: String,
    /// The payer's Office Ally payer id.
    pub payer_id: String,
    /// The payer's name.
    pub payer_name: String,
}

/// What happens to one claim.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClaimDecision {
    /// The 10-digit OA Claim ID.
    pub oa_claim_id: String,
    /// The child file (per payer) the claim went into.
    pub child_file_id: String,
    /// Office Ally's edits; empty when Office Ally accepted the claim.
    pub edits: Vec<Edit>,
    /// The payer's verdict; `None` when Office Ally rejected the claim.
    pub payer: Option<PayerDecision>,
}

/// A payer's verdict on a claim Office Ally forwarded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum PayerDecision {
    /// Rejected in the 277CA (and the EDI Status report).
    Rejected(PayerRejection),
    /// Accepted into adjudication under this payer claim number, then settled in an 835.
    Accepted {
        /// REF*1K of the 277CA; CLP07 of the first payment.
        payer_claim_number: String,
        /// How the claim is settled.
        settlement: Settlement,
    },
}

/// How an accepted claim is settled.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum SettleKind {
    /// Paid the allowed amount (less a copay, sometimes).
    Paid,
    /// Paid in part: a line denied, or part left to the deductible.
    Partial,
    /// Denied (CLP02 4).
    Denied,
    /// Paid, then reversed and corrected with a new payer claim number.
    ReversedAndCorrected,
}

/// The 835 claim payment(s) of one claim: the first, and for a reversal the correction (the
/// reversal itself is the first one negated).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Settlement {
    /// How it is settled.
    pub kind: SettleKind,
    /// The first payment (or denial).
    pub first: Remit,
    /// The correction, after a reversal.
    pub correction: Option<Remit>,
}

impl Settlement {
    /// The remittance that stands at the end.
    pub fn last(&self) -> &Remit {
        self.correction.as_ref().unwrap_or(&self.first)
    }
}

/// One CLP and its lines, amounts in cents.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Remit {
    /// CLP02.
    pub status: String,
    /// CLP07, the payer claim number.
    pub payer_claim_number: String,
    /// CLP03.
    pub charge: i64,
    /// CLP04.
    pub paid: i64,
    /// Claim-level CAS.
    pub adjustments: Vec<Adjustment>,
    /// SVC loops (empty for a claim denied as a whole).
    pub lines: Vec<LineRemit>,
}

impl Remit {
    /// CLP05: the patient's share (Σ PR adjustments).
    pub fn patient_responsibility(&self) -> i64 {
        self.all_adjustments().filter(|a| a.group == "PR").map(|a| a.amount).sum()
    }

    /// Claim-level adjustments, then every line's, in file order.
    pub fn all_adjustments(&self) -> impl Iterator<Item = &Adjustment> {
        self.adjustments.iter().chain(self.lines.iter().flat_map(|l| &l.adjustments))
    }
}

/// One SVC loop.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LineRemit {
    /// Index of the line in the claim.
    pub line: usize,
    /// SVC02.
    pub charge: i64,
    /// SVC03.
    pub paid: i64,
    /// AMT*B6.
    pub allowed: i64,
    /// The line's CAS.
    pub adjustments: Vec<Adjustment>,
}

/// One CAS group/reason/amount.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Adjustment {
    /// CAS01 group code (CO, PR…).
    pub group: String,
    /// Claim Adjustment Reason Code.
    pub carc: String,
    /// In cents.
    pub amount: i64,
}

fn adj(group: &str, carc: &str, amount: i64) -> Adjustment {
    Adjustment { group: group.into(), carc: carc.into(), amount }
}

/// Counters that hand out identifiers; kept in the simulator's state so ids never repeat.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Ids {
    /// Next Office Ally File ID (10 digits).
    pub file_id: u64,
    /// Next OA Claim ID (10 digits).
    pub claim_id: u64,
    /// Next payer claim number sequence.
    pub payer_claim: u64,
    /// Next ISA13/GS06 of a file the simulator writes.
    pub control: u32,
}

impl Ids {
    /// Starting points drawn from the seed, so two scenarios' ids do not look alike.
    pub fn from_seed(seed: u64) -> Ids {
        let mut r = Rng(seed ^ 0x0A11_F11E);
        Ids {
            file_id: 1_100_000_000 + r.below(800_000) * 1000,
            claim_id: 3_000_000_000 + r.below(900_000) * 1000,
            payer_claim: 100 + r.below(800_000),
            control: 1000 + r.below(800_000) as u32 * 100,
        }
    }

    /// A new File ID.
    pub fn next_file_id(&mut self) -> String {
        self.file_id += 1;
        self.file_id.to_string()
    }

    /// A new ISA13/GS06.
    pub fn next_control(&mut self) -> u32 {
        self.control += 1;
        self.control
    }
}

/// The Office Ally edits a claim fails, in File Summary order.
pub fn edits(batch: &Batch, claim: &Claim, rules: &Rules) -> Vec<Edit> {
    let mut out = Vec::new();
    if !claim.has_street {
        out.push(rules.missing_street.clone());
    }
    if !claim.has_city {
        out.push(rules.missing_city.clone());
    }
    if !claim.physician_npi(batch).is_some_and(npi_is_valid) {
        out.push(rules.bad_npi.clone());
    }
    out
}

/// Decide everything about `batch`. `icn_prefix` starts every payer claim number (the
/// payer's CCYYJJJ receipt date, as in the hand-written scenario).
pub fn decide(batch: &Batch, rules: &Rules, rng: &mut Rng, ids: &mut Ids, icn_prefix: &str) -> Decisions {
    let mut children: Vec<Child> = Vec::new();
    for c in &batch.claims {
        if !children.iter().any(|ch| ch.payer_id == c.payer_id) {
            children.push(Child { file_id: ids.next_file_id(), payer_id: c.payer_id.clone(), payer_name: c.payer_name.clone() });
        }
    }
    let mut claims: Vec<ClaimDecision> = batch
        .claims
        .iter()
        .map(|c| {
            ids.claim_id += 1;
            ClaimDecision {
                oa_claim_id: ids.claim_id.to_string(),
                child_file_id: children.iter().find(|ch| ch.payer_id == c.payer_id).map(|ch| ch.file_id.clone()).unwrap_or_default(),
                edits: edits(batch, c, rules),
                payer: None,
            }
        })
        .collect();

    // Which forwarded claims each rejecting payer rejects.
    let mut rejected = vec![false; claims.len()];
    for child in &children {
        if !rules.rejecting_payers.contains(&child.payer_id) {
            continue;
        }
        let mut theirs: Vec<usize> = (0..claims.len())
            .filter(|&i| batch.claims[i].payer_id == child.payer_id && claims[i].edits.is_empty())
            .collect();
        shuffle(&mut theirs, rng);
        let n = theirs.len();
        let mut k = (n * usize::from(rules.payer_reject_percent)).div_ceil(100);
        if n >= 2 {
            k = k.min(n - 1);
        }
        for &i in &theirs[..k.min(n)] {
            rejected[i] = true;
        }
    }

    // How the accepted ones are settled.
    let mut accepted: Vec<usize> = (0..claims.len()).filter(|&i| claims[i].edits.is_empty() && !rejected[i]).collect();
    shuffle(&mut accepted, rng);
    let mut kinds = vec![SettleKind::Paid; claims.len()];
    for (n, &i) in accepted.iter().enumerate() {
        kinds[i] = settle_kind(&rules.era, n, accepted.len(), rng);
    }

    let mut rejections = 0usize;
    for (i, d) in claims.iter_mut().enumerate() {
        if !d.edits.is_empty() {
            continue;
        }
        if rejected[i] {
            let list = &rules.payer_rejections;
            let r = if list.is_empty() {
                PayerRejection { category: "A7".into(), status: "21".into(), entity: String::new(), text: "Missing or invalid information".into() }
            } else {
                list[rejections % list.len()].clone()
            };
            rejections += 1;
            d.payer = Some(PayerDecision::Rejected(r));
            continue;
        }
        ids.payer_claim += 1;
        let icn = format!("{icn_prefix}{:06}", ids.payer_claim % 1_000_000);
        let settlement = settle(&batch.claims[i], kinds[i], &icn, rng, ids, icn_prefix);
        d.payer = Some(PayerDecision::Accepted { payer_claim_number: icn, settlement });
    }
    Decisions { children, claims }
}

/// Fisher–Yates with the seeded generator.
fn shuffle<T>(v: &mut [T], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        v.swap(i, j);
    }
}

fn settle_kind(mix: &EraMix, n: usize, total: usize, rng: &mut Rng) -> SettleKind {
    const COVER: [SettleKind; 4] =
        [SettleKind::Paid, SettleKind::Denied, SettleKind::Partial, SettleKind::ReversedAndCorrected];
    let roll = rng.below(100) as u8;
    if mix.cover_every_kind && total >= COVER.len() && n < COVER.len() {
        return COVER[n];
    }
    let (d, p, r) = (mix.denied_percent, mix.partial_percent, mix.reversal_percent);
    match roll {
        x if x < d => SettleKind::Denied,
        x if x < d + p => SettleKind::Partial,
        x if x < d + p + r => SettleKind::ReversedAndCorrected,
        _ => SettleKind::Paid,
    }
}

/// Whole dollars of `pct` percent of `cents`.
fn share(cents: i64, pct: u64) -> i64 {
    cents * pct as i64 / 100 / 100 * 100
}

fn paid_lines(claim: &Claim, rng: &mut Rng, copay: bool) -> Vec<LineRemit> {
    claim
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let allowed = share(l.charge, rng.range(60, 90));
            let mut adjustments = Vec::new();
            if l.charge > allowed {
                adjustments.push(adj("CO", "45", l.charge - allowed));
            }
            let mut paid = allowed;
            if copay && i == 0 && allowed > 2000 {
                adjustments.push(adj("PR", "3", 1000));
                paid -= 1000;
            }
            LineRemit { line: i, charge: l.charge, paid, allowed, adjustments }
        })
        .collect()
}

fn remit(status: &str, icn: &str, claim_charge: i64, adjustments: Vec<Adjustment>, lines: Vec<LineRemit>) -> Remit {
    let charge = if lines.is_empty() { claim_charge } else { lines.iter().map(|l| l.charge).sum() };
    let paid = lines.iter().map(|l| l.paid).sum();
    Remit { status: status.into(), payer_claim_number: icn.into(), charge, paid, adjustments, lines }
}

fn settle(claim: &Claim, kind: SettleKind, icn: &str, rng: &mut Rng, ids: &mut Ids, icn_prefix: &str) -> Settlement {
    let (first, correction) = match kind {
        SettleKind::Paid => {
            let copay = rng.chance(50);
            (remit("1", icn, claim.charge, vec![], paid_lines(claim, rng, copay)), None)
        }
        SettleKind::Partial => {
            let mut lines = paid_lines(claim, rng, false);
            if lines.len() >= 2 {
                // The last line is denied: bundled into another service.
                let l = lines.last_mut().expect("two lines");
                *l = LineRemit { line: l.line, charge: l.charge, paid: 0, allowed: 0, adjustments: vec![adj("CO", "97", l.charge)] };
            } else if let Some(l) = lines.first_mut() {
                // Half the allowed amount goes to the patient's deductible.
                let deductible = share(l.allowed, 50);
                l.paid -= deductible;
                l.adjustments.push(adj("PR", "1", deductible));
            }
            (remit("1", icn, claim.charge, vec![], lines), None)
        }
        SettleKind::Denied => {
            let carc = rng.pick(&["50", "96", "27", "29"]);
            let charge = claim.charge;
            (remit("4", icn, charge, vec![adj("CO", carc, charge)], vec![]), None)
        }
        SettleKind::ReversedAndCorrected => {
            let first = remit("1", icn, claim.charge, vec![], paid_lines(claim, rng, false));
            // The correction moves half of each contractual write-off into the payment, so the
            // second check is never negative.
            let lines = first
                .lines
                .iter()
                .map(|l| {
                    let mut l = l.clone();
                    if let Some(co) = l.adjustments.iter_mut().find(|a| a.group == "CO") {
                        let delta = share(co.amount, 50);
                        co.amount -= delta;
                        l.paid += delta;
                        l.allowed += delta;
                    }
                    l.adjustments.retain(|a| a.amount != 0);
                    l
                })
                .collect();
            ids.payer_claim += 1;
            let new_icn = format!("{icn_prefix}{:06}", ids.payer_claim % 1_000_000);
            let correction = remit("1", &new_icn, claim.charge, vec![], lines);
            (first, Some(correction))
        }
    };
    Settlement { kind, first, correction }
}
