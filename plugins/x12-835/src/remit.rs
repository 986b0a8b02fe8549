//! One 835 transaction set (ST…SE) → status events.
//!
//! Layout assumptions (005010X221A1; 004010X091A1 is the same for what we read), all here:
//! - Table 1 (header) is everything before the first LX, CLP or PLB: BPR, TRN, DTM*405 and
//!   the N1 loops. The payer is loop 1000A: `N1*PR` and, inside that loop (until the next
//!   N1), `REF*2U` as its id when N104 is absent.
//! - A claim (loop 2100) starts at CLP and runs to the next CLP, LX, PLB or SE. Its
//!   segments before the first SVC (CAS, NM1, MIA, MOA, REF, DTM, AMT, QTY) are claim
//!   level; from SVC on, CAS/DTM/REF/AMT/QTY/LQ belong to the latest service line (loop
//!   2110), which is how the TR3 orders them.
//! - PLB (provider adjustments) comes after the last claim.
//! - Anything else (TS3, TS2, CUR, PER, NM1*82 provider ids, claim-level AMT such as AU
//!   "coverage amount", …) is read past silently.
//!
//! Events are emitted in file order: the payment header (one per transaction set, at BPR),
//! then for each claim its claim event followed by its service-line events, then one event
//! per PLB adjustment pair.
//!
//! Derived claim values (the 835 states them per line only):
//! - `amounts.allowed`: a service line's is its `AMT*B6`. A claim's is the sum of its lines'
//!   `AMT*B6` when every line has one, else None (also None for a claim without lines).
//!   Claim-level `AMT*AU` is the *coverage* amount, not the allowed amount, and is not used.
//! - `amounts.adjusted`: Σ of the CAS amounts of the claim and of all its lines, each
//!   counted once (computed from the CAS segments, never from the reasons below).
//! - `reasons` of a claim event: first the claim's own (claim-level CAS, then MOA/MIA
//!   remarks, LQ, and the CLP02 reason when the claim was forwarded or settled by a prior
//!   payer), then ALWAYS the reasons of its service lines rolled up: one reason per distinct
//!   (code set, group, code) over all lines, in order of first appearance, its `amount` the
//!   sum of the lines' stated amounts (None when no line states one) and its `position` the
//!   first line segment that carries it (a CAS/LQ inside loop 2110, so it is recognisable as
//!   a line reason). Payers often put every CARC on the lines only (a denied claim then has
//!   no claim-level reason at all), and even a claim with its own CAS/MOA (Medicare sends
//!   MOA*MA01 or CO-253 on almost every claim) would otherwise hide the line denials that
//!   explain it. The line events keep their own reasons unchanged, so a reason amount
//!   appears at both levels: never add claim and line reason amounts together.

use std::collections::HashMap;

use claimtrack_plugin_sdk::x12::Segment;
use claimtrack_plugin_sdk::{
    ClaimRef, CodeSet, Level, Party, Position, Reason, ServiceLineRef, Severity, Source, StatusClass,
    StatusEvent,
};

use crate::codes::{self, Group};
use crate::composite;
use crate::notes::{Notes, dollars};
use crate::status::{self, AdjustmentKinds, Mapped};

/// State that spans transaction sets: reversals waiting for their correction.
#[derive(Default)]
pub struct FileState {
    /// CLP01 → segment index of a CLP02=22 reversal not yet followed by a correction.
    reversals: HashMap<String, u32>,
}

/// What every event of one transaction set shares: who paid, which payment, when.
struct Payment {
    party: Option<Party>,
    reference: Option<String>,
    date: Option<String>,
}

impl Payment {
    fn event(&self, level: Level, status: StatusClass, raw_code: String, pos: Position) -> StatusEvent {
        let mut e = StatusEvent::new(level, Source::Payer, status, raw_code);
        e.source_party = self.party.clone();
        e.payment_reference = self.reference.clone();
        e.effective_date = self.date.clone();
        e.position = Some(pos);
        e
    }
}

/// Transaction-set-wide counters.
#[derive(Default)]
struct Totals {
    clp04: i64,
    plb: i64,
    /// First composite split on a separator other than ISA16 (segment index, element,
    /// ISA16, separator used, where), and how many there were.
    resplit: Option<(u32, String, char, char, Position)>,
    resplits: u32,
}

/// One transaction set, read a segment at a time (the [`claimtrack_plugin_sdk::x12::Item`]s of its ST … SE), so
/// that only its header and one claim's segments are held, never the whole set: a
/// Medicare remittance can be one transaction set of tens of thousands of claims.
pub struct Remittance {
    st: Segment,
    /// Table 1, until the first LX, CLP or PLB (then `payment` is read from it).
    header: Vec<Segment>,
    payment: Option<(Payment, Option<Segment>)>,
    totals: Totals,
    /// The open claim: its CLP and the segments after it so far.
    claim: Vec<Segment>,
}

impl Remittance {
    /// Begins the transaction set `st`.
    pub fn new(st: Segment) -> Self {
        Remittance { st, header: Vec::new(), payment: None, totals: Totals::default(), claim: Vec::new() }
    }

    /// The next segment of the set (after ST, before SE).
    pub fn segment(&mut self, seg: Segment, events: &mut Vec<StatusEvent>, notes: &mut Notes, file: &mut FileState) {
        if self.payment.is_none() {
            if !matches!(seg.id.as_str(), "LX" | "CLP" | "PLB") {
                self.header.push(seg);
                return;
            }
            self.read_header(events, notes);
        }
        let Remittance { payment, totals, claim, .. } = self;
        let Some((pay, _)) = payment.as_ref() else { return };
        match seg.id.as_str() {
            "LX" => close(claim, pay, events, notes, file, totals),
            "CLP" => {
                close(claim, pay, events, notes, file, totals);
                claim.push(seg);
            }
            "PLB" => {
                close(claim, pay, events, notes, file, totals);
                plb(&seg, pay, events, notes, totals);
            }
            "SVC" if claim.is_empty() => notes.warn(
                format!("SVC at segment #{} is not inside a claim (no CLP before it); skipped", seg.index),
                seg.position(),
            ),
            _ => {
                if !claim.is_empty() {
                    claim.push(seg);
                }
            }
        }
    }

    /// The set ended, at its SE or (`se` none) without one.
    pub fn end(mut self, se: Option<&Segment>, events: &mut Vec<StatusEvent>, notes: &mut Notes, file: &mut FileState) {
        if self.payment.is_none() {
            self.read_header(events, notes);
        }
        let Remittance { payment, mut totals, mut claim, .. } = self;
        let Some((pay, bpr)) = payment else { return };
        close(&mut claim, &pay, events, notes, file, &mut totals);

        if let Some((index, element, isa16, used, pos)) = totals.resplit.take() {
            let more = match totals.resplits {
                0 | 1 => String::new(),
                n => format!(" ({} composites in this transaction set)", n),
            };
            notes.info(
                format!(
                    "{element} at segment #{index} does not contain the ISA16 component separator {isa16:?} but uses {used:?}; its components were split on {used:?}{more}"
                ),
                pos,
            );
        }

        // Balancing (x12-reference.md §6): BPR02 = Σ CLP04 − Σ PLB. Only for a complete
        // transaction set: a truncated one is already reported as such.
        let bpr02 = bpr.as_ref().filter(|_| se.is_some()).and_then(|b| b.opt(2)).and_then(claimtrack_plugin_sdk::x12::amount_cents);
        if let (Some(bpr), Some(bpr02)) = (bpr, bpr02) {
            let expected = totals.clp04.saturating_sub(totals.plb);
            if expected != bpr02 {
                notes.warn(
                    format!(
                        "BPR02 at segment #{} is {} but the claims pay {} (sum of CLP04) less provider adjustments {} (sum of PLB) = {}: the remittance does not balance",
                        bpr.index,
                        dollars(bpr02),
                        dollars(totals.clp04),
                        dollars(totals.plb),
                        dollars(expected)
                    ),
                    bpr.position_at("BPR02"),
                );
            }
        }
    }

    /// Table 1 is read: the payment, and its event.
    fn read_header(&mut self, events: &mut Vec<StatusEvent>, notes: &mut Notes) {
        let header = std::mem::take(&mut self.header);
        let bpr = header.iter().find(|s| s.id == "BPR");
        let payment = read_header(&self.st, &header, bpr, notes);
        match bpr {
            Some(bpr) => events.push(header_event(bpr, &payment, notes)),
            None => notes.warn(
                format!("transaction set ST {} (segment #{}) has no BPR payment header", self.st.get(2), self.st.index),
                self.st.position(),
            ),
        }
        let bpr = bpr.cloned();
        self.payment = Some((payment, bpr));
    }
}

/// "CLP02 1", or "CLP02" when the (trimmed) code is blank: what `format!` then
/// `trim_end` gave, in one allocation instead of two, for every event.
fn raw_code(element: &str, code: &str) -> String {
    if code.is_empty() { element.to_string() } else { format!("{element} {code}") }
}

/// Payer, payment reference and date from Table 1.
fn read_header(st: &Segment, header: &[Segment], bpr: Option<&Segment>, notes: &mut Notes) -> Payment {
    let reference = header.iter().find(|s| s.id == "TRN").and_then(|s| s.string(2));
    let mut date = bpr.and_then(|b| notes.date(b, 16));
    if date.is_none() {
        date = header
            .iter()
            .find(|s| s.id == "DTM" && s.get(1) == "405")
            .and_then(|s| notes.date(s, 2));
    }
    let mut party: Option<Party> = None;
    let mut in_payer_loop = false;
    for s in header {
        match s.id.as_str() {
            "N1" => {
                in_payer_loop = s.get(1) == "PR" && party.is_none();
                if in_payer_loop {
                    party = Some(Party { name: s.string(2), id: s.string(4), id_qualifier: s.string(4).and(s.string(3)) });
                }
            }
            "REF" if in_payer_loop && s.get(1) == "2U" => {
                if let Some(p) = party.as_mut().filter(|p| p.id.is_none()) {
                    p.id = s.string(2);
                    p.id_qualifier = p.id.as_ref().map(|_| "2U".to_string());
                }
            }
            _ => {}
        }
    }
    if party.is_none() {
        notes.warn(
            format!("transaction set ST {} (segment #{}) has no N1*PR payer identification", st.get(2), st.index),
            st.position(),
        );
    }
    Payment { party, reference, date }
}

/// The payment header event: what was paid, how, and when.
fn header_event(bpr: &Segment, pay: &Payment, notes: &mut Notes) -> StatusEvent {
    let handling = bpr.get(1);
    let mut e = pay.event(
        Level::TransactionSet,
        StatusClass::Informational,
        raw_code("BPR01", handling),
        bpr.position(),
    );
    e.amounts.paid = notes.amount(bpr, 2);
    if bpr.opt(2).is_none() {
        notes.warn(format!("BPR at segment #{} is missing BPR02 (total payment)", bpr.index), bpr.position_at("BPR02"));
    }
    if let Some(method) = bpr.opt(4) {
        let description = codes::payment_method(method);
        if description.is_none() {
            notes.unknown_code(Severity::Warning, "payment method (BPR04)", method, bpr.position_at("BPR04"));
        }
        let mut r = Reason::new(CodeSet::Other("payment method".into()), method, description.map(str::to_string));
        r.position = Some(bpr.position_at("BPR04"));
        e.reasons.push(r);
    }
    if !handling.is_empty() {
        let description = codes::handling(handling);
        if description.is_none() {
            notes.unknown_code(Severity::Warning, "transaction handling (BPR01)", handling, bpr.position_at("BPR01"));
        }
        let mut r = Reason::new(CodeSet::Other("transaction handling".into()), handling, description.map(str::to_string));
        r.position = Some(bpr.position_at("BPR01"));
        e.reasons.push(r);
    }
    e
}

/// Loop 2100 as read so far.
struct ClaimParts<'s> {
    clp: &'s Segment,
    cas: Vec<&'s Segment>,
    patient: Option<&'s Segment>,
    insured: Option<&'s Segment>,
    remarks: Vec<&'s Segment>,
    lq: Vec<&'s Segment>,
    from: Option<&'s Segment>,
    to: Option<&'s Segment>,
    lines: Vec<LineParts<'s>>,
}

/// Loop 2110 as read so far.
struct LineParts<'s> {
    svc: &'s Segment,
    cas: Vec<&'s Segment>,
    lq: Vec<&'s Segment>,
    date: Option<&'s Segment>,
    from: Option<&'s Segment>,
    to: Option<&'s Segment>,
    control: Option<&'s Segment>,
    allowed: Option<&'s Segment>,
}

impl<'s> ClaimParts<'s> {
    fn new(clp: &'s Segment) -> Self {
        ClaimParts {
            clp,
            cas: Vec::new(),
            patient: None,
            insured: None,
            remarks: Vec::new(),
            lq: Vec::new(),
            from: None,
            to: None,
            lines: Vec::new(),
        }
    }

    fn attach(&mut self, seg: &'s Segment) {
        if let Some(line) = self.lines.last_mut() {
            line.attach(seg);
            return;
        }
        match (seg.id.as_str(), seg.get(1)) {
            ("CAS", _) => self.cas.push(seg),
            ("NM1", "QC") => self.patient = self.patient.or(Some(seg)),
            ("NM1", "IL") => self.insured = self.insured.or(Some(seg)),
            ("MOA" | "MIA", _) => self.remarks.push(seg),
            ("LQ", _) => self.lq.push(seg),
            ("DTM", "232") => self.from = self.from.or(Some(seg)),
            ("DTM", "233") => self.to = self.to.or(Some(seg)),
            _ => {}
        }
    }
}

impl<'s> LineParts<'s> {
    fn new(svc: &'s Segment) -> Self {
        LineParts { svc, cas: Vec::new(), lq: Vec::new(), date: None, from: None, to: None, control: None, allowed: None }
    }

    fn attach(&mut self, seg: &'s Segment) {
        match (seg.id.as_str(), seg.get(1)) {
            ("CAS", _) => self.cas.push(seg),
            ("LQ", _) => self.lq.push(seg),
            ("DTM", "472") => self.date = self.date.or(Some(seg)),
            ("DTM", "150") => self.from = self.from.or(Some(seg)),
            ("DTM", "151") => self.to = self.to.or(Some(seg)),
            ("REF", "6R") => self.control = self.control.or(Some(seg)),
            ("AMT", "B6") => self.allowed = self.allowed.or(Some(seg)),
            _ => {}
        }
    }
}

/// The reasons of some CAS segments with their total and the cost-share part of it.
#[derive(Default)]
struct Adjustments {
    reasons: Vec<Reason>,
    /// Σ amounts, `None` when no amount was read.
    total: Option<i64>,
    /// Cost share, prior payer, anything else refused (status.rs).
    kinds: AdjustmentKinds,
}

/// CAS: up to six (reason, amount, quantity) triples after the group code.
fn read_cas(segs: &[&Segment], notes: &mut Notes, adj: &mut Adjustments) {
    // Most events have one or two reasons, and a Vec grown from empty holds four.
    adj.reasons.reserve_exact(segs.iter().map(|s| (0..6).filter(|k| s.opt(2 + 3 * k).is_some()).count()).sum());
    for seg in segs {
        let group = seg.get(1);
        match codes::cas_group(group) {
            Group::Valid => {}
            Group::Legacy => notes.once(
                Severity::Info,
                "CAS group CR".into(),
                || format!("CAS at segment #{} uses group code CR (corrections and reversals), valid only in 4010; accepted", seg.index),
                seg.position_at("CAS01"),
            ),
            Group::Unknown if group.is_empty() => {
                notes.warn(format!("CAS at segment #{} is missing CAS01 (group code)", seg.index), seg.position_at("CAS01"))
            }
            Group::Unknown => notes.unknown_code(Severity::Warning, "CAS group", group, seg.position_at("CAS01")),
        }
        for k in 0..6 {
            let (code_el, amount_el) = (2 + 3 * k, 3 + 3 * k);
            let Some(code) = seg.opt(code_el) else {
                if seg.opt(amount_el).is_some() {
                    notes.warn(
                        format!("CAS at segment #{} has an amount in CAS{amount_el:02} with no reason code", seg.index),
                        seg.position_at(format!("CAS{amount_el:02}")),
                    );
                }
                continue;
            };
            let element = format!("CAS{code_el:02}");
            let description = codes::carc(code);
            if description.is_none() {
                notes.unknown_code(Severity::Info, "CARC", code, seg.position_at(element.clone()));
            }
            let amount = notes.amount(seg, amount_el);
            if seg.opt(amount_el).is_none() {
                notes.warn(
                    format!("CAS at segment #{} has reason code {element} with no amount", seg.index),
                    seg.position_at(format!("CAS{amount_el:02}")),
                );
            }
            if let Some(a) = amount {
                adj.total = Some(adj.total.unwrap_or(0).saturating_add(a));
            }
            adj.kinds.add(group, code, amount);
            adj.reasons.push(Reason {
                code_set: CodeSet::Carc,
                code: code.to_string(),
                description: description.map(str::to_string),
                group: (!group.is_empty()).then(|| group.to_string()),
                amount,
                position: Some(seg.position_at(element)),
            });
        }
    }
}

fn rarc_reason(seg: &Segment, n: usize, notes: &mut Notes) -> Option<Reason> {
    let code = seg.opt(n)?;
    let element = crate::notes::element_name(seg, n);
    let description = codes::rarc(code);
    if description.is_none() {
        notes.unknown_code(Severity::Info, "RARC", code, seg.position_at(element.clone()));
    }
    let mut r = Reason::new(CodeSet::Rarc, code, description.map(str::to_string));
    r.position = Some(seg.position_at(element));
    Some(r)
}

/// MOA03–MOA07, MIA05 and MIA20–MIA24 remark codes.
fn remark_reasons(segs: &[&Segment], notes: &mut Notes, out: &mut Vec<Reason>) {
    for seg in segs {
        let elements: &[usize] = if seg.id == "MOA" { &[3, 4, 5, 6, 7] } else { &[5, 20, 21, 22, 23, 24] };
        out.extend(elements.iter().filter_map(|&n| rarc_reason(seg, n, notes)));
    }
}

/// LQ*HE remark codes (LQ*RX carries an NCPDP reject code).
fn lq_reasons(segs: &[&Segment], notes: &mut Notes, out: &mut Vec<Reason>) {
    for seg in segs {
        match seg.get(1) {
            "HE" => out.extend(rarc_reason(seg, 2, notes)),
            "RX" => {
                if let Some(code) = seg.opt(2) {
                    let mut r = Reason::new(CodeSet::Other("NCPDP reject code".into()), code, None);
                    r.position = Some(seg.position_at("LQ02"));
                    out.push(r);
                }
            }
            other => notes.unknown_code(Severity::Warning, "LQ01 code list qualifier", other, seg.position_at("LQ01")),
        }
    }
}

/// Finish the open claim (its CLP and the segments after it), if any: emit its claim
/// event and its service-line events.
fn close(
    claim: &mut Vec<Segment>,
    pay: &Payment,
    events: &mut Vec<StatusEvent>,
    notes: &mut Notes,
    file: &mut FileState,
    totals: &mut Totals,
) {
    if let Some((clp, rest)) = claim.split_first() {
        let mut c = ClaimParts::new(clp);
        for seg in rest {
            if seg.id == "SVC" {
                c.lines.push(LineParts::new(seg));
            } else {
                c.attach(seg);
            }
        }
        emit(c, pay, events, notes, file, totals);
    }
    claim.clear();
}

/// A claim's claim event and service-line events.
fn emit(c: ClaimParts, pay: &Payment, events: &mut Vec<StatusEvent>, notes: &mut Notes, file: &mut FileState, totals: &mut Totals) {
    let clp = c.clp;

    let missing: Vec<String> =
        (1..=4).filter(|&n| clp.opt(n).is_none()).map(|n| crate::notes::element_name(clp, n)).collect();
    if !missing.is_empty() {
        notes.warn(format!("CLP at segment #{} is missing {}", clp.index, missing.join("/")), clp.position());
    }
    let clp02 = clp.get(2);
    let charged = notes.amount(clp, 3);
    let paid = notes.amount(clp, 4);
    let patient_responsibility = notes.amount(clp, 5);
    totals.clp04 = totals.clp04.saturating_add(paid.unwrap_or(0));

    // Claim-level adjustments first, then each line's (read once, used twice).
    let mut claim_adj = Adjustments::default();
    read_cas(&c.cas, notes, &mut claim_adj);
    let mut line_adjs = Vec::with_capacity(c.lines.len());
    for line in &c.lines {
        let mut a = Adjustments::default();
        read_cas(&line.cas, notes, &mut a);
        line_adjs.push(a);
    }
    let adjusted = line_adjs.iter().fold(claim_adj.total, |acc, a| match (acc, a.total) {
        (Some(x), Some(y)) => Some(x.saturating_add(y)),
        (x, y) => x.or(y),
    });
    let adjusted = notes.sum_in_range(adjusted, "adjustments", clp);
    let kinds = line_adjs.iter().fold(claim_adj.kinds, |acc, a| acc.merge(&a.kinds));

    let mapped = status::map_clp02(clp02, paid, &kinds);
    if !mapped.known && !clp02.is_empty() {
        notes.unknown_code(Severity::Warning, "claim status (CLP02)", clp02, clp.position_at("CLP02"));
    }

    // Service dates: the claim period, else the span of the lines' dates.
    let line_dates: Vec<(Option<String>, Option<String>, Option<String>)> = c
        .lines
        .iter()
        .map(|l| {
            (
                l.date.and_then(|d| notes.date(d, 2)),
                l.from.and_then(|d| notes.date(d, 2)),
                l.to.and_then(|d| notes.date(d, 2)),
            )
        })
        .collect();
    let all_line_dates = line_dates.iter().flat_map(|(a, b, c)| [a, b, c]).flatten();
    let earliest = all_line_dates.clone().min().cloned();
    let latest = all_line_dates.max().cloned();
    let claim_ref = ClaimRef {
        patient_control_number: clp.string(1),
        clearinghouse_claim_id: None,
        payer_claim_number: clp.string(7),
        patient_name: c.patient.and_then(Segment::person_name),
        member_id: c.patient.and_then(|n| n.string(9)).or_else(|| c.insured.and_then(|n| n.string(9))),
        service_date_from: c.from.and_then(|d| notes.date(d, 2)).or(earliest),
        service_date_to: c.to.and_then(|d| notes.date(d, 2)).or(latest),
        frequency_code: clp.string(9),
        ..ClaimRef::default()
    };

    track_reversal(clp, &mut file.reversals, notes);

    // Allowed (layout comment above): the lines' AMT*B6, summed only when every line has one.
    let line_allowed: Vec<Option<i64>> = c.lines.iter().map(|l| l.allowed.and_then(|a| notes.amount(a, 2))).collect();
    let allowed = (!line_allowed.is_empty() && line_allowed.iter().all(Option::is_some))
        .then(|| line_allowed.iter().flatten().fold(0i64, |a, b| a.saturating_add(*b)));
    let allowed = notes.sum_in_range(allowed, "allowed amounts", clp);

    let mut e = pay.event(Level::Claim, mapped.status, raw_code("CLP02", clp02), clp.position());
    e.reasons = claim_adj.reasons;
    remark_reasons(&c.remarks, notes, &mut e.reasons);
    lq_reasons(&c.lq, notes, &mut e.reasons);
    if mapped.forwarded || mapped.prior_payer_settled {
        let label = codes::claim_status(clp02).unwrap_or_default();
        let description = if mapped.prior_payer_settled {
            format!("{label}; paid nothing because the prior payer(s) already settled the claim (CARC 23): nothing more is due from this payer")
        } else {
            label.to_string()
        };
        let mut r = Reason::new(CodeSet::Other("claim status (CLP02)".into()), clp02, Some(description));
        r.position = Some(clp.position_at("CLP02"));
        e.reasons.push(r);
    }
    e.amounts.charged = charged;
    e.amounts.paid = paid;
    e.amounts.patient_responsibility = patient_responsibility;
    e.amounts.adjusted = adjusted;
    e.amounts.allowed = allowed;
    e.claim = Some(claim_ref.clone());
    let claim_at = events.len();
    events.push(e);

    // A line inherits what the claim-level CAS say about a prior payer (CARC 23) or a refusal:
    // they speak for the whole claim. Its cost share stays its own (as before).
    let claim_level = AdjustmentKinds { cost_share: 0, ..claim_adj.kinds };
    for (((line, adj), dates), allowed) in c.lines.iter().zip(line_adjs).zip(line_dates).zip(line_allowed) {
        events.push(line_event(line, adj, &claim_level, dates, allowed, clp02, &mapped, &claim_ref, pay, notes, totals));
    }
    // The lines' reasons, rolled up onto the claim (layout comment above).
    let rolled = roll_up(events.get(claim_at + 1..).unwrap_or_default(), clp, notes);
    if let Some(claim_event) = events.get_mut(claim_at) {
        claim_event.reasons.reserve_exact(rolled.len());
        claim_event.reasons.extend(rolled);
        // Kept for the whole output: no room for reasons that never come.
        claim_event.reasons.shrink_to_fit();
    }
}

/// One reason per distinct (code set, group, code) of the service-line events, amounts summed.
fn roll_up(line_events: &[StatusEvent], clp: &Segment, notes: &mut Notes) -> Vec<Reason> {
    let mut out: Vec<Reason> = Vec::new();
    // The code set by its variant (and text, for `Other`): the same key as its Debug form,
    // without formatting a string for every line reason.
    type Key<'e> = (std::mem::Discriminant<CodeSet>, Option<&'e str>, Option<&'e str>, &'e str);
    let mut seen: HashMap<Key, usize> = HashMap::new();
    for r in line_events.iter().flat_map(|e| &e.reasons) {
        let other = match &r.code_set {
            CodeSet::Other(s) => Some(s.as_str()),
            _ => None,
        };
        let key = (std::mem::discriminant(&r.code_set), other, r.group.as_deref(), r.code.as_str());
        match seen.get(&key).and_then(|&i| out.get_mut(i)) {
            Some(o) => {
                o.amount = match (o.amount, r.amount) {
                    (Some(x), Some(y)) => Some(x.saturating_add(y)),
                    (x, y) => x.or(y),
                }
            }
            None => {
                seen.insert(key, out.len());
                out.push(r.clone());
            }
        }
    }
    for r in &mut out {
        let what = match &r.group {
            Some(g) => format!("service-line {g}-{} adjustments", r.code),
            None => format!("service-line {} amounts", r.code),
        };
        r.amount = notes.sum_in_range(r.amount, &what, clp);
    }
    out
}

/// A reversal (CLP02 22) waits for its correction: a later, non-reversal CLP with the same
/// CLP01 (its CLP07 may differ), in this or a later transaction set of the file.
fn track_reversal(clp: &Segment, reversals: &mut HashMap<String, u32>, notes: &mut Notes) {
    let Some(pcn) = clp.opt(1) else { return };
    if clp.get(2) == "22" {
        reversals.insert(pcn.to_string(), clp.index);
    } else if let Some(m) = reversals.remove(pcn) {
        notes.info(format!("claim at segment #{} corrects the reversal at segment #{m}", clp.index), clp.position());
    }
}

#[allow(clippy::too_many_arguments)]
fn line_event(
    line: &LineParts,
    adj: Adjustments,
    claim_level: &AdjustmentKinds,
    (date, from, _to): (Option<String>, Option<String>, Option<String>),
    allowed: Option<i64>,
    clp02: &str,
    claim_status: &Mapped,
    claim_ref: &ClaimRef,
    pay: &Payment,
    notes: &mut Notes,
    totals: &mut Totals,
) -> StatusEvent {
    let svc = line.svc;
    let (parts, resplit) = composite::components(svc, 1);
    if let Some(sep) = resplit {
        note_resplit(totals, svc, 1, sep);
    }
    let qualifier = parts.first().filter(|s| !s.is_empty()).map(|s| s.to_string());
    let code = parts.get(1).filter(|s| !s.is_empty()).map(|s| s.to_string());
    if code.is_none() {
        notes.warn(format!("SVC01 at segment #{} has no procedure code", svc.index), svc.position_at("SVC01"));
    }
    let modifiers: Vec<String> = parts.iter().skip(2).take(4).filter(|s| !s.is_empty()).map(|s| s.to_string()).collect();

    let missing: Vec<&str> = [(2, "SVC02"), (3, "SVC03")].into_iter().filter(|(n, _)| svc.opt(*n).is_none()).map(|(_, e)| e).collect();
    if !missing.is_empty() {
        notes.warn(format!("SVC at segment #{} is missing {}", svc.index, missing.join("/")), svc.position());
    }
    let charged = notes.amount(svc, 2);
    let paid = notes.amount(svc, 3);

    // A line follows its claim's CLP02; its own money (and adjustments, with the claim-level
    // prior-payer facts) decides paid or denied.
    let status = match claim_status.status {
        StatusClass::Reversed => StatusClass::Reversed,
        _ => status::map_clp02(clp02, paid, &adj.kinds.merge(claim_level)).status,
    };

    let mut e = pay.event(Level::ServiceLine, status, raw_code("CLP02", clp02), svc.position());
    e.reasons = adj.reasons;
    lq_reasons(&line.lq, notes, &mut e.reasons);
    e.reasons.shrink_to_fit();
    e.amounts.charged = charged;
    e.amounts.paid = paid;
    e.amounts.adjusted = notes.sum_in_range(adj.total, "adjustments", svc);
    e.amounts.allowed = allowed;
    e.claim = Some(claim_ref.clone());
    e.service_line = Some(ServiceLineRef {
        procedure_code: code,
        procedure_qualifier: qualifier,
        modifiers,
        line_item_control_number: line.control.and_then(|r| r.string(2)),
        service_date: date.or(from),
        units: svc.string(5),
    });
    e
}

fn note_resplit(totals: &mut Totals, seg: &Segment, n: usize, used: char) {
    totals.resplits += 1;
    if totals.resplit.is_none() {
        let element = crate::notes::element_name(seg, n);
        let pos = seg.position_at(element.clone());
        totals.resplit = Some((seg.index, element, seg.component_separator, used, pos));
    }
}

/// PLB: up to six (reason:reference, amount) pairs, one informational event each.
fn plb(seg: &Segment, pay: &Payment, events: &mut Vec<StatusEvent>, notes: &mut Notes, totals: &mut Totals) {
    let mut any = false;
    for k in 0..6 {
        let (comp_el, amount_el) = (3 + 2 * k, 4 + 2 * k);
        if seg.opt(comp_el).is_none() && seg.opt(amount_el).is_none() {
            continue;
        }
        any = true;
        let element = crate::notes::element_name(seg, comp_el);
        let (parts, resplit) = composite::components(seg, comp_el);
        if let Some(sep) = resplit {
            note_resplit(totals, seg, comp_el, sep);
        }
        let code = parts.first().copied().unwrap_or("");
        let reference = parts.get(1).filter(|s| !s.is_empty());
        if code.is_empty() {
            notes.warn(format!("PLB at segment #{} has an amount in PLB{amount_el:02} with no reason code", seg.index), seg.position_at(element.clone()));
        }
        let amount = notes.amount(seg, amount_el);
        if seg.opt(amount_el).is_none() {
            notes.warn(
                format!("PLB at segment #{} has adjustment {element} with no amount in PLB{amount_el:02}", seg.index),
                seg.position_at(format!("PLB{amount_el:02}")),
            );
        }
        totals.plb = totals.plb.saturating_add(amount.unwrap_or(0));
        let label = codes::plb_reason(code);
        if label.is_none() && !code.is_empty() {
            notes.unknown_code(Severity::Warning, "provider adjustment reason (PLB03-1)", code, seg.position_at(element.clone()));
        }
        let description = match (label, reference) {
            (Some(l), Some(r)) => Some(format!("{l}; reference {r}")),
            (Some(l), None) => Some(l.to_string()),
            (None, Some(r)) => Some(format!("reference {r}")),
            (None, None) => None,
        };
        let mut e = pay.event(Level::TransactionSet, StatusClass::Informational, "PLB".into(), seg.position_at(element.clone()));
        // A reason needs a code (the host refuses blank ones); the amount stays on the event.
        if !code.is_empty() {
            e.reasons.push(Reason {
                code_set: CodeSet::Other("provider adjustment reason".into()),
                code: code.to_string(),
                description,
                group: None,
                amount,
                position: Some(seg.position_at(element)),
            });
        }
        e.amounts.adjusted = amount;
        events.push(e);
    }
    if !any {
        notes.warn(format!("PLB at segment #{} has no adjustments", seg.index), seg.position());
    }
}
