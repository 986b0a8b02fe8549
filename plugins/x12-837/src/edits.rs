//! Office Ally's claim-level edits that can be checked before upload: the problems that get a
//! claim REJECTED in Office Ally's File Summary (an `FE…` edit) or by the payer, found in the
//! file itself. Like the file rules (`rules.rs`), a failed edit is a `warning` with a stable
//! `oa-rule-…` code, so `claimtrack submit` refuses the file unless forced; the parse still
//! reads everything.
//!
//! Every message starts with the claim it is about, by its CLM01 ("claim MSB00005: …"), names
//! the loop, segment and element to fix ("2310B NM109"), and the position points at that
//! segment. CLM01 and NPIs are quoted (they are what billing staff search by, and an NPI is a
//! public registry number); names, member ids, birth dates, diagnosis codes and amounts never
//! are.
//!
//! Sources:
//! - **TR3**: the HIPAA 5010 implementation guides: 837P 005010X222A1, 837I 005010X223A2,
//!   837D 005010X224A2 (loop and segment requirements; the 837P and 837I ones checked against
//!   the guide definitions kputnam/stupidedi carries, the 837D ones [INFERRED] by analogy).
//! - **CMS NPI**: the NPI check digit is the Luhn formula over the NPI prefixed with 80840
//!   (CMS, "Requirements for NPI check digit", the NPI final rule).
//! - **FS sample**: office-ally.md §3.1, Office Ally's File Summary sample, which names FE69
//!   (Patient Street Address Required), FE70 (Patient City Missing/Invalid Length) and LC1762
//!   (Claim Missing Diagnosis Codes).
//! - **#13**: issue 13, which names FE61 (member id) and FE117 (referring/rendering provider
//!   NPI) and the NPI rejection of the demo's walk-ins batch; office-ally.md only shows that an
//!   FE117 page exists, so their wording is not confirmed.
//!
//! | code | check | Office Ally edit it anticipates | P / I / D | source |
//! |------|-------|---------------------------------|-----------|--------|
//! | `oa-rule-npi-check-digit` | every NPI in the file (any NM1 with NM108 `XX`: 2010AA billing, 2310x/2420x providers, 2330x) is 10 digits and passes the check digit | "NPI invalid" (no FE code published; the simulator's stand-in is `SIMNPI`) | all | CMS NPI, #13 |
//! | `oa-rule-patient-address` | a patient loop (2000C/2010CA) has N3 with N301, and N4 with N401 city (and N402 state, N403 ZIP when N404 names no country) | FE69 street, FE70 city | all | TR3 (2010CA N3/N4 required), FS sample |
//! | `oa-rule-subscriber-address` | when the subscriber is the patient (no 2000C loop under the claim's subscriber) 2010BA has the same N3/N4 | FE69, FE70 | all | TR3 (2010BA N3/N4 required when the patient is the subscriber), FS sample |
//! | `oa-rule-member-id` | 2010BA NM109 (the subscriber's member id) is present | FE61 | all | TR3, #13 |
//! | `oa-rule-provider-npi` | a referring (NM1*DN/P3) or rendering (NM1*82) provider loop, claim (2310) or line (2420) level, carries NM108 `XX` and NM109 | FE117 | all (837I: 2310F referring, 2310D rendering; its attending/operating loops are not checked) | #13 |
//! | `oa-rule-service-date-before-birth` | no claim (DTP*472, DTP*434) or line (DTP*472) date of service is before the patient's birth date (2010CA DMG02, else 2010BA) | date of service before birth | all | TR3 |
//! | `oa-rule-diagnosis-pointer` | each line's diagnosis pointers (SV107 for 837P, required; SV311 for 837D, when sent) are 1 to 12 and point at one of the claim's HI diagnosis codes (ABK/ABF, BK/BF) | LC1762 and pointer edits | P, D (837I lines have no pointers) | TR3, FS sample |
//! | `oa-rule-icd10-shape` | every ICD-10-CM code in HI (ABK, ABF, ABJ, APR, ABN) is a letter, a digit, then 1 to 5 letters or digits, no decimal point | invalid diagnosis code | all | TR3 (ICD-10-CM, decimal point not sent) |
//! | `oa-rule-claim-total` | CLM02 equals the sum of the lines' charges (SV102, SV203, SV302), when every line was read | total charge mismatch | all | TR3 (CLM02 is the sum of the line charges) |
//! | `oa-rule-payer-id` | the claim's 2010BB NM1*PR is there and has NM109, the payer id Office Ally routes by | unknown payer | all | office-ally.md §1.3, TR3 |
//!
//! A date of service in the future needs today's date, which the plugin does not have (the
//! sandbox gives no clock): the host checks it (`oa-rule-service-date-future`,
//! host/src/claim_checks.rs). What Office Ally checks that no file can show (payer
//! enrolment, its payer list, eligibility, duplicates at the payer) is in
//! docs/claim-checks.md.
//!
//! Findings come claim by claim in file order, each claim's in the order of the table; a
//! billing provider's NPI is reported once, before the first claim it bills.

use claimtrack_plugin_sdk::x12::{self, Document, Segment, Transaction};
use claimtrack_plugin_sdk::{Diagnostic, Position};

use crate::claims::hi_entries;
use crate::codes::{self, HiKind};
use crate::detect::Variant;
use crate::diag;
use crate::rules::rule;

/// Most diagnosis codes an 837P/837D claim carries, and so the highest pointer.
pub const MAX_POINTER: u32 = 12;

/// Whether `npi` is 10 digits whose last is the check digit: the Luhn formula over "80840"
/// followed by the NPI (80840 makes it a card number of the health industry's issuer id).
pub fn npi_is_valid(npi: &str) -> bool {
    let b = npi.as_bytes();
    if b.len() != 10 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b"80840"
        .iter()
        .chain(b)
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            match i % 2 {
                0 => d,
                _ if d >= 5 => 2 * d - 9,
                _ => 2 * d,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Whether `code` is shaped like an ICD-10-CM code as X12 sends it: a letter, a digit, then
/// 1 to 5 letters or digits (3 to 7 characters), upper case, no decimal point.
pub fn icd10_shaped(code: &str) -> bool {
    let b = code.as_bytes();
    (3..=7).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b[1].is_ascii_digit()
        && b[2..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Every edit the claims of `doc`'s 837 sets fail.
pub fn check(doc: &Document, variant: Variant) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (_, _, t) in doc.transactions().filter(|(_, _, t)| t.kind() == "837") {
        check_set(&SetView::read(t), variant, &mut out);
    }
    out
}

// ---------------------------------------------------------------------------------------
// What the edits look at, gathered in one walk of a set.

/// A subscriber (2000B/2010BA) or patient (2000C/2010CA) loop.
struct Person<'a> {
    nm1: Option<&'a Segment>,
    n3: Option<&'a Segment>,
    n4: Option<&'a Segment>,
    dmg: Option<&'a Segment>,
}

struct Line<'a> {
    sv: Option<&'a Segment>,
    /// DTP*472.
    dates: Vec<&'a Segment>,
    /// 2420 NM1s.
    providers: Vec<&'a Segment>,
}

struct Claim<'a> {
    clm: &'a Segment,
    /// Index into `SetView::billing`.
    billing: Option<usize>,
    /// Index into `SetView::subscribers`.
    subscriber: Option<usize>,
    /// Index into `SetView::patients`; `None` when the subscriber is the patient.
    patient: Option<usize>,
    /// 2010BB NM1*PR.
    payer: Option<&'a Segment>,
    /// 2310 NM1s.
    providers: Vec<&'a Segment>,
    /// 2330 NM1s (another payer's view of the claim).
    other_payer: Vec<&'a Segment>,
    hi: Vec<&'a Segment>,
    /// Claim-level DTP*472 and DTP*434.
    dates: Vec<&'a Segment>,
    lines: Vec<Line<'a>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Loop {
    Header,
    Billing,
    Subscriber,
    Patient,
    UnknownLevel,
    Claim,
    OtherPayer,
    Line,
}

struct SetView<'a> {
    /// 2010AA NM1*85 of each billing provider loop.
    billing: Vec<&'a Segment>,
    subscribers: Vec<Person<'a>>,
    patients: Vec<Person<'a>>,
    claims: Vec<Claim<'a>>,
    /// NPIs outside any claim and billing provider name (e.g. a 2010AB with an NPI).
    stray_npis: Vec<&'a Segment>,
}

impl<'a> SetView<'a> {
    /// The set walked in file order, as `claims.rs` walks it (depth first: an HL 22 belongs
    /// to the last HL 20, a CLM to the last HL 22/23; an SBR inside a claim opens 2320/2330).
    fn read(t: &'a Transaction) -> Self {
        let mut v = SetView {
            billing: Vec::new(),
            subscribers: Vec::new(),
            patients: Vec::new(),
            claims: Vec::new(),
            stray_npis: Vec::new(),
        };
        let mut at = Loop::Header;
        let (mut billing, mut subscriber, mut patient, mut payer) = (None, None, None, None);
        // N3, N4 and DMG belong to the NM1 before them: the person's, or the payer's.
        let mut person_named = false;
        for seg in &t.body {
            match seg.id.as_str() {
                "HL" => {
                    person_named = false;
                    at = match seg.get(3) {
                        "20" => {
                            (billing, subscriber, patient, payer) = (None, None, None, None);
                            Loop::Billing
                        }
                        "22" => {
                            v.subscribers.push(Person::new());
                            (subscriber, patient, payer) =
                                (Some(v.subscribers.len() - 1), None, None);
                            Loop::Subscriber
                        }
                        "23" => {
                            v.patients.push(Person::new());
                            patient = Some(v.patients.len() - 1);
                            Loop::Patient
                        }
                        _ => Loop::UnknownLevel,
                    };
                }
                "NM1" => {
                    let entity = seg.get(1);
                    person_named = false;
                    match (at, entity) {
                        (Loop::Billing, "85") => {
                            v.billing.push(seg);
                            billing = Some(v.billing.len() - 1);
                        }
                        (Loop::Subscriber, "IL") => {
                            if let Some(p) = subscriber.and_then(|i| v.subscribers.get_mut(i)) {
                                p.nm1 = Some(seg);
                                person_named = true;
                            }
                        }
                        (Loop::Subscriber, "PR") => payer = Some(seg),
                        (Loop::Patient, "QC") => {
                            if let Some(p) = patient.and_then(|i| v.patients.get_mut(i)) {
                                p.nm1 = Some(seg);
                                person_named = true;
                            }
                        }
                        (Loop::Claim | Loop::OtherPayer | Loop::Line, _) => {
                            if let Some(c) = v.claims.last_mut() {
                                match at {
                                    Loop::Claim => c.providers.push(seg),
                                    Loop::OtherPayer => c.other_payer.push(seg),
                                    _ => match c.lines.last_mut() {
                                        Some(l) => l.providers.push(seg),
                                        None => c.providers.push(seg),
                                    },
                                }
                            }
                        }
                        _ if seg.get(8) == "XX" => v.stray_npis.push(seg),
                        _ => {}
                    }
                }
                "N3" | "N4" | "DMG" if person_named => {
                    let person = match at {
                        Loop::Subscriber => subscriber.and_then(|i| v.subscribers.get_mut(i)),
                        Loop::Patient => patient.and_then(|i| v.patients.get_mut(i)),
                        _ => None,
                    };
                    if let Some(p) = person {
                        let slot = match seg.id.as_str() {
                            "N3" => &mut p.n3,
                            "N4" => &mut p.n4,
                            _ => &mut p.dmg,
                        };
                        slot.get_or_insert(seg);
                    }
                }
                "CLM" => {
                    v.claims.push(Claim {
                        clm: seg,
                        billing,
                        subscriber,
                        patient,
                        payer,
                        providers: Vec::new(),
                        other_payer: Vec::new(),
                        hi: Vec::new(),
                        dates: Vec::new(),
                        lines: Vec::new(),
                    });
                    at = Loop::Claim;
                }
                "SBR" if matches!(at, Loop::Claim | Loop::Line) => at = Loop::OtherPayer,
                _ => {
                    let Some(c) = v.claims.last_mut() else {
                        continue;
                    };
                    match (seg.id.as_str(), at) {
                        ("HI", Loop::Claim) => c.hi.push(seg),
                        ("DTP", Loop::Claim) if matches!(seg.get(1), "472" | "434") => {
                            c.dates.push(seg)
                        }
                        ("DTP", Loop::Line) if seg.get(1) == "472" => {
                            if let Some(l) = c.lines.last_mut() {
                                l.dates.push(seg);
                            }
                        }
                        ("LX", Loop::Claim | Loop::OtherPayer | Loop::Line) => {
                            c.lines.push(Line::new());
                            at = Loop::Line;
                        }
                        ("SV1" | "SV2" | "SV3", Loop::Claim | Loop::OtherPayer | Loop::Line) => {
                            if !matches!(c.lines.last(), Some(l) if l.sv.is_none()) {
                                c.lines.push(Line::new());
                            }
                            if let Some(l) = c.lines.last_mut() {
                                l.sv = Some(seg);
                            }
                            at = Loop::Line;
                        }
                        _ => {}
                    }
                }
            }
        }
        v
    }

    /// The subscriber whose loop a claim is in.
    fn subscriber(&self, c: &Claim<'a>) -> Option<&Person<'a>> {
        c.subscriber.and_then(|i| self.subscribers.get(i))
    }

    /// The patient: the 2010CA person, else the subscriber.
    fn patient(&self, c: &Claim<'a>) -> Option<&Person<'a>> {
        match c.patient {
            Some(i) => self.patients.get(i),
            None => self.subscriber(c),
        }
    }
}

impl Person<'_> {
    fn new() -> Self {
        Person {
            nm1: None,
            n3: None,
            n4: None,
            dmg: None,
        }
    }
}

impl Line<'_> {
    fn new() -> Self {
        Line {
            sv: None,
            dates: Vec::new(),
            providers: Vec::new(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The edits.

fn check_set(v: &SetView<'_>, variant: Variant, out: &mut Vec<Diagnostic>) {
    let mut billing_done = vec![false; v.billing.len()];
    for c in &v.claims {
        let name = claim_name(c.clm);
        if let Some(b) = c.billing
            && !std::mem::replace(&mut billing_done[b], true)
        {
            billing_npi(v, b, out);
        }
        npi_check_digits(c, &name, variant, out);
        address(v, c, &name, out);
        member_id(v, c, &name, out);
        provider_npi(c, &name, variant, out);
        before_birth(v, c, &name, out);
        pointers(c, &name, out);
        icd10(c, &name, out);
        claim_total(c, &name, out);
        payer_id(c, &name, out);
    }
    for (b, _) in billing_done.iter().enumerate().filter(|(_, done)| !**done) {
        billing_npi(v, b, out);
    }
    for nm1 in &v.stray_npis {
        if let Some(problem) = npi_problem(nm1.get(9)) {
            out.push(rule(
                "oa-rule-npi-check-digit",
                format!(
                    "NM109 of the NM1*{} at segment #{}: {problem}",
                    entity(nm1),
                    nm1.index
                ),
                Some(nm1.position_at("NM109")),
            ));
        }
    }
}

/// CLM01 as shown: printable, at most its 38 characters.
fn pcn(clm: &Segment) -> String {
    clm.get(1)
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(38)
        .collect()
}

/// An NM101 entity code as part of a segment name ("NM1*82"); `?` when it is not a code.
fn entity(nm1: &Segment) -> &str {
    let e = nm1.get(1);
    if (1..=3).contains(&e.len()) && e.bytes().all(|b| b.is_ascii_alphanumeric()) {
        e
    } else {
        "?"
    }
}

/// "claim MSB00005", or the CLM's segment when it has no CLM01.
fn claim_name(clm: &Segment) -> String {
    let pcn = pcn(clm);
    if pcn.is_empty() {
        format!("claim at segment #{} (no CLM01)", clm.index)
    } else {
        format!("claim {pcn}")
    }
}

/// What is wrong with an NPI, for a message; `None` when it is a valid one (or absent: the
/// provider-npi edit and the parse report that).
fn npi_problem(npi: &str) -> Option<String> {
    if npi.is_empty() || npi_is_valid(npi) {
        None
    } else if npi.len() == 10 && npi.bytes().all(|b| b.is_ascii_digit()) {
        Some(format!(
            "NPI {npi} fails the NPI check digit (Luhn with the 80840 prefix), likely a typo; Office Ally rejects an invalid NPI"
        ))
    } else {
        // Not an NPI at all: its content is not quoted (it may be another id).
        Some(format!(
            "a {}-character value, not a 10-digit NPI; Office Ally rejects an invalid NPI",
            npi.chars().count()
        ))
    }
}

fn billing_npi(v: &SetView<'_>, b: usize, out: &mut Vec<Diagnostic>) {
    let nm1 = v.billing[b];
    let Some(problem) = npi_problem(nm1.get(9)) else {
        return;
    };
    let billed: Vec<String> = v
        .claims
        .iter()
        .filter(|c| c.billing == Some(b))
        .map(|c| claim_name(c.clm).trim_start_matches("claim ").to_string())
        .collect();
    // Every claim it bills is rejected: the message names them, as the claim edits do.
    let who = match billed.len() {
        0 => String::new(),
        1 => format!("claim {}: ", billed[0]),
        n if n <= 3 => format!("claims {}: ", billed.join(", ")),
        n => format!("claims {} and {} more: ", billed[..3].join(", "), n - 3),
    };
    out.push(rule(
        "oa-rule-npi-check-digit",
        format!(
            "{who}2010AA NM109 of the billing provider NM1*85 at segment #{}: {problem}",
            nm1.index
        ),
        Some(nm1.position_at("NM109")),
    ));
}

/// The TR3 loop of a provider NM1 inside a claim, by guide, level and NM101.
fn provider_loop(variant: Variant, line: bool, entity: &str) -> &'static str {
    use Variant::*;
    match (variant, line, entity) {
        (Professional, false, "DN" | "P3") => "2310A",
        (Professional, false, "82") => "2310B",
        (Professional, false, "77") => "2310C",
        (Professional, false, "DQ") => "2310D",
        (Professional, false, "PW") => "2310E",
        (Professional, false, "45") => "2310F",
        (Professional, true, "82") => "2420A",
        (Professional, true, "QB") => "2420B",
        (Professional, true, "77") => "2420C",
        (Professional, true, "DQ") => "2420D",
        (Professional, true, "DK") => "2420E",
        (Professional, true, "DN" | "P3") => "2420F",
        (Professional, true, "PW") => "2420G",
        (Professional, true, "45") => "2420H",
        (Institutional, false, "71") => "2310A",
        (Institutional, false, "72") => "2310B",
        (Institutional, false, "ZZ") => "2310C",
        (Institutional, false, "82") => "2310D",
        (Institutional, false, "77") => "2310E",
        (Institutional, false, "DN") => "2310F",
        (Institutional, true, "72") => "2420A",
        (Institutional, true, "ZZ") => "2420B",
        (Institutional, true, "82") => "2420C",
        (Institutional, true, "DN") => "2420D",
        (Dental, false, "DN" | "P3") => "2310A",
        (Dental, false, "82") => "2310B",
        (Dental, false, "77") => "2310C",
        (Dental, false, "DD") => "2310D",
        (Dental, true, "82") => "2420A",
        (Dental, true, "DD") => "2420B",
        (_, false, _) => "2310",
        (_, true, _) => "2420",
    }
}

/// "rendering provider NM1*82 at segment #31".
fn provider_name(nm1: &Segment) -> String {
    let role = codes::claim_entity(nm1.get(1)).map_or("provider", |(_, r)| r);
    format!("{role} NM1*{} at segment #{}", entity(nm1), nm1.index)
}

/// The provider NM1s of a claim with their loop: 2310, 2330, 2420.
fn claim_providers<'s>(
    c: &'s Claim<'_>,
    variant: Variant,
) -> impl Iterator<Item = (&'static str, &'s Segment)> {
    let claim = c
        .providers
        .iter()
        .map(move |s| (provider_loop(variant, false, s.get(1)), *s));
    let other = c.other_payer.iter().map(|s| ("2330", *s));
    let lines = c.lines.iter().flat_map(move |l| {
        l.providers
            .iter()
            .map(move |s| (provider_loop(variant, true, s.get(1)), *s))
    });
    claim.chain(other).chain(lines)
}

fn npi_check_digits(c: &Claim<'_>, name: &str, variant: Variant, out: &mut Vec<Diagnostic>) {
    for (at, nm1) in claim_providers(c, variant).filter(|(_, s)| s.get(8) == "XX") {
        if let Some(problem) = npi_problem(nm1.get(9)) {
            out.push(rule(
                "oa-rule-npi-check-digit",
                format!(
                    "{name}: {at} NM109 of the {}: {problem}",
                    provider_name(nm1)
                ),
                Some(nm1.position_at("NM109")),
            ));
        }
    }
}

fn address(v: &SetView<'_>, c: &Claim<'_>, name: &str, out: &mut Vec<Diagnostic>) {
    let (person, code, at, note) = match c.patient {
        Some(i) => (
            v.patients.get(i),
            "oa-rule-patient-address",
            "2010CA patient",
            "",
        ),
        None => (
            v.subscriber(c),
            "oa-rule-subscriber-address",
            "2010BA subscriber",
            "; the subscriber is the patient (no 2000C patient loop), so the 837 requires the address here",
        ),
    };
    // A loop without its NM1 is a structural problem the parse reports.
    let Some(p) = person else { return };
    let Some(nm1) = p.nm1 else { return };
    let mut missing = Vec::new();
    let mut edits = Vec::new();
    let mut position = None;
    // A missing segment is pointed at by its loop's NM1; a missing element, by its segment.
    if p.n3.and_then(|s| s.opt(1)).is_none() {
        missing.push("N3 street address (N301)");
        edits.push("FE69 Patient Street Address Required");
        position = Some(p.n3.map_or_else(|| nm1.position(), |n3| n3.position_at("N301")));
    }
    match p.n4 {
        None => {
            missing.push("N4 city, state and ZIP code");
            edits.push("FE70 Patient City Missing/Invalid Length");
            position.get_or_insert_with(|| nm1.position());
        }
        Some(n4) => {
            let mut add = |el: &'static str, what: &'static str| {
                missing.push(what);
                position.get_or_insert_with(|| n4.position_at(el));
            };
            if n4.opt(1).is_none() {
                add("N401", "N401 city");
                edits.push("FE70 Patient City Missing/Invalid Length");
            }
            // State and ZIP code are required for a US address (N404 names no country).
            if n4.opt(4).is_none() {
                if n4.opt(2).is_none() {
                    add("N402", "N402 state");
                }
                if n4.opt(3).is_none() {
                    add("N403", "N403 ZIP code");
                }
            }
        }
    }
    if missing.is_empty() {
        return;
    }
    let edits = if edits.is_empty() {
        String::new()
    } else {
        format!(" (Office Ally {})", edits.join("; "))
    };
    out.push(rule(
        code,
        format!(
            "{name}: {at} address (NM1*{} at segment #{}) has no {}{note}{edits}",
            entity(nm1),
            nm1.index,
            missing.join(", no ")
        ),
        position,
    ));
}

fn member_id(v: &SetView<'_>, c: &Claim<'_>, name: &str, out: &mut Vec<Diagnostic>) {
    let nm1 = v.subscriber(c).and_then(|p| p.nm1);
    let (message, position) = match nm1 {
        Some(nm1) if nm1.opt(9).is_some() => return,
        Some(nm1) => (
            format!(
                "{name}: 2010BA NM109 subscriber member id (NM1*IL at segment #{}) is empty; Office Ally rejects a claim without one (FE61)",
                nm1.index
            ),
            nm1.position_at("NM109"),
        ),
        None => (
            format!(
                "{name}: no 2010BA subscriber NM1*IL before the claim (CLM at segment #{}), so no member id (NM109); Office Ally rejects a claim without one (FE61)",
                c.clm.index
            ),
            c.clm.position(),
        ),
    };
    out.push(rule("oa-rule-member-id", message, Some(position)));
}

fn provider_npi(c: &Claim<'_>, name: &str, variant: Variant, out: &mut Vec<Diagnostic>) {
    let claim = c.providers.iter().map(|s| (false, *s));
    let lines = c
        .lines
        .iter()
        .flat_map(|l| l.providers.iter().map(|s| (true, *s)));
    for (line, nm1) in claim.chain(lines) {
        let referring_or_rendering = matches!(nm1.get(1), "DN" | "P3" | "82");
        if !referring_or_rendering || (nm1.get(8) == "XX" && nm1.opt(9).is_some()) {
            continue;
        }
        out.push(rule(
            "oa-rule-provider-npi",
            format!(
                "{name}: {} NM109 of the {} has no NPI (NM108 XX and the NPI in NM109); Office Ally rejects a referring or rendering provider without one (FE117)",
                provider_loop(variant, line, nm1.get(1)),
                provider_name(nm1)
            ),
            Some(nm1.position_at("NM109")),
        ));
    }
}

/// The first date of a DTP*472/434 (D8 or RD8), as `YYYY-MM-DD`.
fn dtp_from(dtp: &Segment) -> Option<String> {
    match dtp.get(2) {
        "D8" | "RD8" => x12::date_period(dtp.get(2), dtp.get(3)).map(|(from, _)| from),
        _ => None,
    }
}

fn before_birth(v: &SetView<'_>, c: &Claim<'_>, name: &str, out: &mut Vec<Diagnostic>) {
    let whose = if c.patient.is_some() {
        "2010CA"
    } else {
        "2010BA"
    };
    let Some(birth) = v
        .patient(c)
        .and_then(|p| p.dmg)
        .filter(|d| d.get(1) == "D8")
        .and_then(|d| x12::date_ccyymmdd(d.get(2)))
    else {
        return;
    };
    let claim_dates = c.dates.iter().map(|d| ("2300", *d));
    let line_dates = c
        .lines
        .iter()
        .flat_map(|l| l.dates.iter().map(|d| ("2400", *d)));
    let early: Vec<(&str, &Segment)> = claim_dates
        .chain(line_dates)
        .filter(|(_, d)| dtp_from(d).is_some_and(|from| from < birth))
        .collect();
    let Some((at, first)) = early.first() else {
        return;
    };
    let more = match early.len() {
        1 => String::new(),
        n => format!(" ({} more of its dates too)", n - 1),
    };
    out.push(rule(
        "oa-rule-service-date-before-birth",
        format!(
            "{name}: {at} DTP*{} date of service at segment #{} is before the patient's birth date ({whose} DMG02){more}; one of the two is wrong",
            first.get(1),
            first.index
        ),
        Some(first.position_at("DTP03")),
    ));
}

/// The claim's diagnosis codes a pointer can point at: ABK/BK then ABF/BF, in HI order.
fn diagnosis_count(c: &Claim<'_>) -> usize {
    c.hi.iter()
        .flat_map(|s| hi_entries(s))
        .filter(|e| {
            e.code.is_some()
                && matches!(
                    codes::hi_qualifier(e.qualifier),
                    Some((HiKind::Principal | HiKind::Other, _))
                )
        })
        .count()
}

fn pointers(c: &Claim<'_>, name: &str, out: &mut Vec<Diagnostic>) {
    let count = diagnosis_count(c);
    for sv in c.lines.iter().filter_map(|l| l.sv) {
        // SV107 is required in an 837P line; SV311 is sent in an 837D line only when the claim
        // has diagnoses; an 837I line has none.
        let (n, required) = match sv.id.as_str() {
            "SV1" => (7, true),
            "SV3" => (11, false),
            _ => continue,
        };
        let el = format!("{}{n:02}", sv.id);
        let given: Vec<&str> = sv
            .components(n)
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect();
        let problem = if given.is_empty() {
            required
                .then(|| "is empty: a line must point at one of the claim's diagnoses".to_string())
        } else {
            let bad: Vec<String> = given
                .iter()
                .filter(|p| {
                    !p.parse::<u32>()
                        .is_ok_and(|k| (1..=MAX_POINTER).contains(&k) && k as usize <= count)
                })
                .map(
                    |p| match p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 3 {
                        true => p.to_string(),
                        false => diag::code(p, 2),
                    },
                )
                .collect();
            (!bad.is_empty()).then(|| {
                let has = match count {
                    0 => "no diagnosis codes (Office Ally LC1762 Claim Missing Diagnosis Codes)"
                        .to_string(),
                    1 => "1 diagnosis code".to_string(),
                    k => format!("{k} diagnosis codes"),
                };
                format!(
                    "points at diagnosis {}, but the claim's HI has {has}",
                    bad.join(", ")
                )
            })
        };
        if let Some(problem) = problem {
            out.push(rule(
                "oa-rule-diagnosis-pointer",
                format!(
                    "{name}: 2400 {el} of the {} at segment #{} {problem}",
                    sv.id, sv.index
                ),
                Some(sv.position_at(el)),
            ));
        }
    }
}

/// The HI qualifiers whose codes are ICD-10-CM diagnoses.
fn icd10_qualifier(q: &str) -> bool {
    matches!(q, "ABK" | "ABF" | "ABJ" | "APR" | "ABN")
}

fn icd10(c: &Claim<'_>, name: &str, out: &mut Vec<Diagnostic>) {
    for hi in &c.hi {
        for e in hi_entries(hi) {
            let Some(code) = e.code.filter(|_| icd10_qualifier(e.qualifier)) else {
                continue;
            };
            if icd10_shaped(code) {
                continue;
            }
            // Why, without quoting the code (a diagnosis next to a claim number is PHI).
            let why = if code.contains('.') {
                "it has a decimal point, which X12 leaves out"
            } else if code.len() > 7 {
                "it is longer than 7 characters"
            } else if code.len() < 3 {
                "it is shorter than 3 characters"
            } else if code.bytes().any(|b| b.is_ascii_lowercase()) {
                "it has lower-case letters"
            } else {
                "ICD-10-CM codes are a letter, a digit, then 1 to 5 letters or digits"
            };
            let desc = codes::hi_qualifier(e.qualifier).map_or("diagnosis", |(_, d)| d);
            let el = if e.split {
                format!("HI{:02}", e.n + 1)
            } else {
                format!("HI{:02}-2", e.n)
            };
            out.push(rule(
                "oa-rule-icd10-shape",
                format!(
                    "{name}: 2300 {el} ({desc}, {}) at segment #{} is not an ICD-10-CM code: {why}",
                    e.qualifier, hi.index
                ),
                Some(hi.position_at(el)),
            ));
        }
    }
}

fn claim_total(c: &Claim<'_>, name: &str, out: &mut Vec<Diagnostic>) {
    // Only when every line was read: a line without its SV segment, or an unreadable amount,
    // is reported by the parse already.
    if c.lines.is_empty() {
        return;
    }
    let charges: Option<Vec<i64>> = c
        .lines
        .iter()
        .map(|l| {
            let sv = l.sv?;
            let n = if sv.id == "SV2" { 3 } else { 2 };
            x12::amount_cents(sv.opt(n)?)
        })
        .collect();
    let Some(charges) = charges else { return };
    let Some(total) = c.clm.opt(2).and_then(x12::amount_cents) else {
        return;
    };
    let sum = charges.iter().try_fold(0i64, |a, c| a.checked_add(*c));
    if sum == Some(total) {
        return;
    }
    let line_el = match c.lines.first().and_then(|l| l.sv).map(|s| s.id.as_str()) {
        Some("SV2") => "SV203",
        Some("SV3") => "SV302",
        _ => "SV102",
    };
    let lines = match charges.len() {
        1 => "its service line's charge".to_string(),
        n => format!("the sum of its {n} service line charges"),
    };
    out.push(rule(
        "oa-rule-claim-total",
        format!(
            "{name}: 2300 CLM02 total charge at segment #{} differs from {lines} (2400 {line_el}); Office Ally and payers reject the claim",
            c.clm.index
        ),
        Some(c.clm.position_at("CLM02")),
    ));
}

fn payer_id(c: &Claim<'_>, name: &str, out: &mut Vec<Diagnostic>) {
    let (message, position): (String, Position) = match c.payer {
        Some(nm1) if nm1.opt(9).is_some() => return,
        Some(nm1) => (
            format!(
                "{name}: 2010BB NM109 payer id (NM1*PR at segment #{}) is empty; Office Ally routes a claim by the payer id from its payer list",
                nm1.index
            ),
            nm1.position_at("NM109"),
        ),
        None => (
            format!(
                "{name}: no 2010BB payer NM1*PR before the claim (CLM at segment #{}), so no payer id; Office Ally routes a claim by it",
                c.clm.index
            ),
            c.clm.position(),
        ),
    };
    out.push(rule("oa-rule-payer-id", message, Some(position)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npi_check_digit_is_luhn_with_the_80840_prefix() {
        // CMS's worked example: 123456789 gets check digit 3.
        assert!(npi_is_valid("1234567893"));
        assert!(!npi_is_valid("1234567890"));
        // Every other last digit fails: the check digit is one of ten.
        for d in (0..10).filter(|d| *d != 3) {
            assert!(!npi_is_valid(&format!("123456789{d}")), "{d}");
        }
        // Without the 80840 prefix (plain Luhn) 1234567897 would pass: the prefix matters.
        assert!(!npi_is_valid("1234567897"));
        for ok in [
            "1245319599",
            "1679576722",
            "1588667638",
            "1003000126",
            "1922222223",
            "1811111115",
        ] {
            assert!(npi_is_valid(ok), "{ok}");
        }
        for bad in ["123456789", "12345678930", "12345678a3", "", "1234 67893"] {
            assert!(!npi_is_valid(bad), "{bad:?}");
        }
    }

    #[test]
    fn icd10_shape() {
        for ok in [
            "M545", "M5450", "M25511", "S72001A", "C4A0", "U071", "Z3A10",
        ] {
            assert!(icd10_shaped(ok), "{ok}");
        }
        for bad in [
            "M54.50", "m5450", "5559", "M5", "MM545", "M5450123", "E11 9", "",
        ] {
            assert!(!icd10_shaped(bad), "{bad:?}");
        }
    }

    fn set(body: &str) -> Vec<Diagnostic> {
        let text = format!(
            "ISA*00*          *00*          *ZZ*SUBMITTER01    *30*330897513      *250110*1430*^*00501*000000101*1*P*:~GS*HC*SUBMITTER01*330897513*20250110*1430*101*X*005010X222A1~ST*837*0001*005010X222A1~BHT*0019*00*B1*20250110*1430*CH~{body}SE*2*0001~GE*1*101~IEA*1*000000101~"
        );
        let doc = x12::parse(text.as_bytes()).expect("parses");
        check(&doc, Variant::Professional)
    }

    const BILLING: &str =
        "HL*1**20*1~NM1*85*2*CLINIC*****XX*1234567893~N3*1 MAIN~N4*TOWN*IL*62704~";
    const SUBSCRIBER: &str = "HL*2*1*22*0~SBR*P*18~NM1*IL*1*DOE*JANE****MI*M1~N3*1 ELM~N4*TOWN*IL*62704~DMG*D8*19800115*F~NM1*PR*2*PAYER*****PI*12345~";
    const CLAIM: &str = "CLM*C1*100***11:B:1*Y*A*Y*Y~HI*ABK:M5450*ABF:M546~";
    const LINE: &str = "LX*1~SV1*HC:98940*100*UN*1***1:2~DTP*472*D8*20250106~";

    fn codes_of(d: &[Diagnostic]) -> Vec<&str> {
        d.iter().filter_map(|d| d.code.as_deref()).collect()
    }

    /// The clean claim, with `from` replaced by `to` (which must occur).
    fn with(from: &str, to: &str) -> Vec<Diagnostic> {
        let body = format!("{BILLING}{SUBSCRIBER}{CLAIM}{LINE}");
        assert!(body.contains(from), "{from}");
        set(&body.replacen(from, to, 1))
    }

    #[test]
    fn a_clean_claim_passes_every_edit() {
        assert_eq!(codes_of(&with("", "")), Vec::<&str>::new());
    }

    #[test]
    fn each_edit_fires_on_its_problem_and_names_the_claim() {
        let cases: &[(&str, &str, &str)] = &[
            ("XX*1234567893", "XX*1234567890", "oa-rule-npi-check-digit"),
            (
                "CLM*C1*100***11:B:1*Y*A*Y*Y~",
                "CLM*C1*100***11:B:1*Y*A*Y*Y~NM1*82*1*BONES*BOB****XX*1234567891~",
                "oa-rule-npi-check-digit",
            ),
            ("N3*1 ELM~", "", "oa-rule-subscriber-address"),
            (
                "N4*TOWN*IL*62704~DMG",
                "N4**IL*62704~DMG",
                "oa-rule-subscriber-address",
            ),
            (
                "N4*TOWN*IL*62704~DMG",
                "N4*TOWN~DMG",
                "oa-rule-subscriber-address",
            ),
            ("****MI*M1", "", "oa-rule-member-id"),
            (
                "CLM*C1*100***11:B:1*Y*A*Y*Y~",
                "CLM*C1*100***11:B:1*Y*A*Y*Y~NM1*DN*1*WELBY*M~",
                "oa-rule-provider-npi",
            ),
            (
                "DTP*472*D8*20250106",
                "DTP*472*D8*19790101",
                "oa-rule-service-date-before-birth",
            ),
            ("***1:2~", "***1:3~", "oa-rule-diagnosis-pointer"),
            ("***1:2~", "~", "oa-rule-diagnosis-pointer"),
            ("***1:2~", "***X~", "oa-rule-diagnosis-pointer"),
            ("ABF:M546", "ABF:M54.6", "oa-rule-icd10-shape"),
            ("ABK:M5450", "ABK:7245", "oa-rule-icd10-shape"),
            ("CLM*C1*100", "CLM*C1*110", "oa-rule-claim-total"),
            ("*****PI*12345", "", "oa-rule-payer-id"),
        ];
        for (from, to, code) in cases {
            let d = with(from, to);
            assert_eq!(codes_of(&d), [*code], "{from} -> {to}: {d:#?}");
            assert!(d[0].message.contains("claim C1"), "{}", d[0].message);
            let p = d[0].position.as_ref().expect("position");
            assert!(p.segment_index.is_some() && p.line.is_some(), "{p:?}");
        }
    }

    #[test]
    fn a_patient_loop_needs_the_address_and_its_birth_date_counts() {
        let patient = "HL*2*1*22*1~SBR*P~NM1*IL*1*ROE*RICHARD****MI*M2~DMG*D8*19700304*M~NM1*PR*2*PAYER*****PI*12345~HL*3*2*23*0~PAT*19~NM1*QC*1*ROE*RICKY~N3*9 OAK~N4*TOWN*IL*62704~DMG*D8*20100520*M~";
        let clean = format!("{BILLING}{patient}{CLAIM}{LINE}");
        // The subscriber has no address: not required when someone else is the patient.
        assert_eq!(codes_of(&set(&clean)), Vec::<&str>::new());
        let d = set(&clean.replace("N3*9 OAK~", ""));
        assert_eq!(codes_of(&d), ["oa-rule-patient-address"]);
        assert!(
            d[0].message.contains("2010CA") && d[0].message.contains("FE69"),
            "{}",
            d[0].message
        );
        // 2009 is after the subscriber's birth but before the patient's.
        let d = set(&clean.replace("20250106", "20090101"));
        assert_eq!(codes_of(&d), ["oa-rule-service-date-before-birth"]);
        assert!(d[0].message.contains("2010CA DMG02"), "{}", d[0].message);
    }

    #[test]
    fn a_billing_npi_is_reported_once_naming_its_claims() {
        let body = format!(
            "{}{SUBSCRIBER}{CLAIM}{LINE}{}{LINE}",
            BILLING.replace("1234567893", "1234567899"),
            CLAIM.replace("C1", "C2")
        );
        let d = set(&body);
        assert_eq!(codes_of(&d), ["oa-rule-npi-check-digit"]);
        assert!(
            d[0].message
                .starts_with("Office Ally rule: claims C1, C2: 2010AA NM109"),
            "{}",
            d[0].message
        );
        assert!(d[0].message.contains("1234567899"), "{}", d[0].message);
    }

    #[test]
    fn other_payer_loops_do_not_change_the_claim_s_payer_or_providers() {
        // 2320/2330 name another payer's subscriber and a payer without NM109: not this claim's.
        let other = "SBR*S*01*GRP9******CI~NM1*IL*1*DOE*JOHN~NM1*PR*2*SECOND~";
        assert_eq!(
            codes_of(&with(
                "HI*ABK:M5450*ABF:M546~",
                &format!("HI*ABK:M5450*ABF:M546~{other}")
            )),
            Vec::<&str>::new()
        );
    }
}
