//! The loop walk of one 837 transaction set: claims (2300) and their service lines (2400),
//! with the parties above them, turned into `received` events.
//!
//! The walk is sequential, as the 837 is written depth first: an HL 20 opens a billing
//! provider, an HL 22 a subscriber beneath the last billing provider, an HL 23 a patient
//! beneath the last subscriber; a CLM belongs to the last of these. HL01/HL02 ids are only
//! checked (a parent that names no earlier HL is a warning), never followed, so a file with
//! repeated or wrong HL ids (the imsweb samples have both) still reads the way it is written.
//!
//! Inside a claim, an SBR opens the other-payer loops (2320/2330), whose NM1*IL/PR/82… name
//! another payer's subscriber and providers: they never touch this claim's payer, subscriber
//! or providers. An LX (or an SV1/SV2/SV3 without one) opens a service line; NM1s in a line
//! (2420) name line-level providers the model has no place for and are read past.

use std::collections::HashSet;

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::x12::{self, Segment, Transaction};

use crate::codes::{self, ClaimEntity, HiKind};
use crate::detect::Variant;
use crate::diag::{self, Diags};

/// What every event of one transaction set shares.
pub struct SetContext {
    pub correlation: Correlation,
    pub effective_date: Option<String>,
    pub source_party: Option<Party>,
    pub variant: Variant,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Loop {
    /// Before the first HL: 1000A/1000B.
    Header,
    /// 2000A/2010AA–AC.
    BillingProvider,
    /// 2000B/2010BA–BB.
    Subscriber,
    /// 2000C/2010CA.
    Patient,
    /// An HL whose level code is not 20/22/23: read past until the next HL.
    UnknownLevel,
    /// 2300/2310.
    Claim,
    /// 2320/2330: another payer's view of the claim.
    OtherPayer,
    /// 2400 and the loops within it.
    Line,
}

#[derive(Default)]
struct Person {
    name: Option<String>,
    id: Option<String>,
    birth_date: Option<String>,
    /// Whether the loop's NM1 was seen (a patient loop without one is warned about once).
    named: bool,
}

struct LineBuild<'a> {
    /// LX, or the SV segment itself when the line had no LX.
    opened_by: &'a Segment,
    sv: Option<&'a Segment>,
    r: ServiceLineRef,
    charged: Option<i64>,
    /// Last date of service when the line's DTP*472 is a range.
    date_to: Option<String>,
}

struct ClaimBuild<'a> {
    clm: &'a Segment,
    r: ClaimRef,
    charged: Option<i64>,
    /// Claim-level DTP*434 statement period and DTP*472 service date(s).
    statement: Option<(String, String)>,
    service: Option<(String, String)>,
    principal: Vec<String>,
    other_dx: Vec<String>,
    lines: Vec<LineBuild<'a>>,
}

/// Events of one 837 transaction set, claim by claim, each followed by its lines.
/// The events of one 837 transaction set, appended to `events`.
pub fn map_set(t: &Transaction, ctx: &SetContext, diags: &mut Diags, events: &mut Vec<StatusEvent>) {
    let mut w = Walk {
        ctx,
        loop_: Loop::Header,
        billing: None,
        subscriber: Person::default(),
        payer: None,
        patient: None,
        claim: None,
        hl_ids: HashSet::new(),
        events: std::mem::take(events),
    };
    for seg in &t.body {
        w.segment(seg, diags);
    }
    w.close_claim(diags);
    *events = w.events;
}

struct Walk<'c, 'a> {
    ctx: &'c SetContext,
    loop_: Loop,
    billing: Option<Provider>,
    subscriber: Person,
    payer: Option<Party>,
    /// `Some` beneath an HL 23.
    patient: Option<Person>,
    claim: Option<ClaimBuild<'a>>,
    /// HL01s so far: a set, not a list searched at every HL (a batch has thousands).
    hl_ids: HashSet<&'a str>,
    events: Vec<StatusEvent>,
}

impl<'a> Walk<'_, 'a> {
    fn segment(&mut self, seg: &'a Segment, diags: &mut Diags) {
        match seg.id.as_str() {
            "HL" => self.hl(seg, diags),
            "NM1" => self.nm1(seg, diags),
            "REF" => self.reference(seg, diags),
            "DMG" => self.demographics(seg, diags),
            "CLM" => self.clm(seg, diags),
            "DTP" => self.date(seg, diags),
            "HI" => {
                if let (Loop::Claim, Some(c)) = (self.loop_, self.claim.as_mut()) {
                    diagnoses(seg, c, diags);
                }
            }
            "SBR" if matches!(self.loop_, Loop::Claim | Loop::Line) => {
                self.loop_ = Loop::OtherPayer
            }
            "LX" => match self.claim.as_mut() {
                Some(c) => {
                    c.lines.push(LineBuild::new(seg));
                    self.loop_ = Loop::Line;
                }
                None => diags.warn(
                    format!(
                        "LX at segment #{} is not inside a claim (no CLM before it); ignored",
                        seg.index
                    ),
                    seg.position(),
                ),
            },
            "SV1" | "SV2" | "SV3" => self.service(seg, diags),
            _ => {}
        }
    }

    fn hl(&mut self, seg: &'a Segment, diags: &mut Diags) {
        self.close_claim(diags);
        if let Some(parent) = seg.opt(2)
            && !self.hl_ids.contains(parent)
        {
            diags.warn(
                format!("HL at segment #{} names parent HL02 {}, which is no earlier HL; read in file order", seg.index, diag::code(parent, 12)),
                seg.position_at("HL02"),
            );
        }
        if let Some(id) = seg.opt(1) {
            self.hl_ids.insert(id);
        }
        self.loop_ = match seg.get(3) {
            "20" => {
                self.billing = None;
                self.subscriber = Person::default();
                self.payer = None;
                self.patient = None;
                Loop::BillingProvider
            }
            "22" => {
                self.subscriber = Person::default();
                self.payer = None;
                self.patient = None;
                Loop::Subscriber
            }
            "23" => {
                self.patient = Some(Person::default());
                Loop::Patient
            }
            other => {
                diags.warn(
                    format!("HL at segment #{} has level code HL03 {}, not 20/22/23; its loop is read past", seg.index, diag::code(other, 3)),
                    seg.position_at("HL03"),
                );
                Loop::UnknownLevel
            }
        };
    }

    fn nm1(&mut self, seg: &'a Segment, diags: &mut Diags) {
        let entity = seg.get(1);
        match (self.loop_, entity) {
            (Loop::BillingProvider, "85") => {
                let mut p = provider(ProviderRole::Billing, seg);
                // 4010 files identified the billing provider by EIN (24) or SSN (34) here.
                if matches!(seg.get(8), "24" | "34") {
                    p.tax_id = seg.string(9);
                }
                if p.npi.is_none() {
                    diags.warn(
                        format!("billing provider NM1*85 at segment #{} has no NPI (NM108 XX with NM109)", seg.index),
                        seg.position_at("NM109"),
                    );
                }
                self.billing = Some(p);
            }
            (Loop::Subscriber, "IL") => {
                self.subscriber.name = seg.person_name();
                self.subscriber.id = seg.string(9);
                self.subscriber.named = true;
            }
            (Loop::Subscriber, "PR") => {
                let party = Party {
                    name: seg.string(3),
                    id: seg.string(9),
                    id_qualifier: seg.string(8),
                };
                self.payer = (party.name.is_some() || party.id.is_some()).then_some(party);
            }
            (Loop::Patient, "QC") => {
                if let Some(p) = self.patient.as_mut() {
                    p.name = seg.person_name();
                    p.named = true;
                }
            }
            (Loop::Claim, _) => match codes::claim_entity(entity) {
                Some((ClaimEntity::Provider(role), _)) => {
                    if let Some(c) = self.claim.as_mut() {
                        c.r.providers.push(provider(role, seg));
                    }
                }
                Some((ClaimEntity::Other, _)) => {}
                None => diags.warn(
                    format!(
                        "unknown claim-level NM101 entity code {} at segment #{}; ignored",
                        diag::code(entity, 3),
                        seg.index
                    ),
                    seg.position_at("NM101"),
                ),
            },
            _ => {}
        }
    }

    fn reference(&mut self, seg: &'a Segment, diags: &mut Diags) {
        let value = seg.string(2);
        match (self.loop_, seg.get(1)) {
            (Loop::BillingProvider, q @ ("EI" | "SY")) => {
                if let Some(p) = self.billing.as_mut() {
                    // EIN preferred over an SSN when a file (wrongly) sends both.
                    if q == "EI" || p.tax_id.is_none() {
                        p.tax_id = value.clone();
                    }
                }
                if value.is_none() {
                    missing_ref(seg, diags);
                }
            }
            (Loop::Claim, "D9") => match (self.claim.as_mut(), value) {
                (Some(c), Some(v)) => c.r.clearinghouse_claim_id = Some(v),
                (_, None) => missing_ref(seg, diags),
                _ => {}
            },
            // A replacement or void (CLM05-3 7/8) names the payer's claim number of the claim
            // it replaces: the key that ties the refile to the original claim.
            (Loop::Claim, "F8") => match (self.claim.as_mut(), value) {
                (Some(c), Some(v)) => c.r.payer_claim_number = Some(v),
                (_, None) => missing_ref(seg, diags),
                _ => {}
            },
            (Loop::Line, "6R") => {
                match (self.claim.as_mut().and_then(|c| c.lines.last_mut()), value) {
                    (Some(l), Some(v)) => l.r.line_item_control_number = Some(v),
                    (_, None) => missing_ref(seg, diags),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn demographics(&mut self, seg: &'a Segment, diags: &mut Diags) {
        let person = match self.loop_ {
            Loop::Subscriber => &mut self.subscriber,
            Loop::Patient => match self.patient.as_mut() {
                Some(p) => p,
                None => return,
            },
            _ => return,
        };
        if seg.opt(2).is_none() {
            diags.warn(
                format!("DMG at segment #{} has no DMG02 birth date", seg.index),
                seg.position_at("DMG02"),
            );
            return;
        }
        let date = match seg.get(1) {
            "D8" => x12::date_ccyymmdd(seg.get(2)),
            _ => None,
        };
        if date.is_none() {
            diags.warn(
                format!(
                    "DMG at segment #{} has no valid D8 birth date; ignored",
                    seg.index
                ),
                seg.position_at("DMG02"),
            );
        }
        person.birth_date = date;
    }

    fn clm(&mut self, seg: &'a Segment, diags: &mut Diags) {
        self.close_claim(diags);
        self.loop_ = Loop::Claim;
        let mut r = ClaimRef {
            patient_control_number: seg.string(1),
            ..ClaimRef::default()
        };
        if r.patient_control_number.is_none() {
            diags.warn(
                format!(
                    "CLM at segment #{} has no CLM01 patient control number",
                    seg.index
                ),
                seg.position_at("CLM01"),
            );
        }
        if seg.opt(2).is_none() {
            diags.warn(
                format!(
                    "CLM at segment #{} has no CLM02 total claim charge",
                    seg.index
                ),
                seg.position_at("CLM02"),
            );
        }
        let charged = diags.amount(seg, 2, "CLM02");
        if let Some(q) = seg.component_opt(5, 2)
            && codes::facility_qualifier(q).is_none()
        {
            diags.warn(
                format!(
                    "unknown CLM05-2 facility code qualifier {} at segment #{}",
                    diag::code(q, 3),
                    seg.index
                ),
                seg.position_at("CLM05-2"),
            );
        }
        r.frequency_code = seg.component_opt(5, 3).map(str::to_string);
        if let Some(f) = r.frequency_code.as_deref() {
            let known = match self.ctx.variant {
                Variant::Institutional => codes::frequency_institutional(f),
                _ => codes::frequency_professional(f),
            };
            if known.is_none() {
                diags.warn(
                    format!(
                        "unknown {} claim frequency code CLM05-3 {} at segment #{}",
                        self.ctx.variant.keyword(),
                        diag::code(f, 3),
                        seg.index
                    ),
                    seg.position_at("CLM05-3"),
                );
            }
        }
        if self.subscriber.name.is_none() && self.subscriber.id.is_none() {
            diags.warn(
                format!(
                    "CLM at segment #{} has no subscriber (HL 22 with NM1*IL) before it",
                    seg.index
                ),
                seg.position(),
            );
        }
        if let Some(p) = self.patient.as_mut()
            && !p.named
        {
            diags.warn(
                format!(
                    "CLM at segment #{} is in a patient loop (HL 23) without NM1*QC",
                    seg.index
                ),
                seg.position(),
            );
            // Once per patient loop.
            p.named = true;
        }
        let (name, birth) = match &self.patient {
            Some(p) => (p.name.clone(), p.birth_date.clone()),
            None => (
                self.subscriber.name.clone(),
                self.subscriber.birth_date.clone(),
            ),
        };
        r.patient_name = name;
        r.patient_birth_date = birth;
        r.member_id = self.subscriber.id.clone();
        r.payer = self.payer.clone();
        if r.payer.is_none() {
            diags.warn(
                format!(
                    "CLM at segment #{} has no payer (NM1*PR in the subscriber loop) before it",
                    seg.index
                ),
                seg.position(),
            );
        }
        match &self.billing {
            Some(p) => r.providers.push(p.clone()),
            None => diags.warn(
                format!(
                    "CLM at segment #{} has no billing provider (HL 20 with NM1*85) before it",
                    seg.index
                ),
                seg.position(),
            ),
        }
        self.claim = Some(ClaimBuild {
            clm: seg,
            r,
            charged,
            statement: None,
            service: None,
            principal: Vec::new(),
            other_dx: Vec::new(),
            lines: Vec::new(),
        });
    }

    fn date(&mut self, seg: &'a Segment, diags: &mut Diags) {
        let Some(c) = self.claim.as_mut() else { return };
        match (self.loop_, seg.get(1)) {
            (Loop::Claim, "434") => {
                c.statement = c.statement.take().or_else(|| diags.dtp_period(seg))
            }
            (Loop::Claim, "472") => c.service = c.service.take().or_else(|| diags.dtp_period(seg)),
            (Loop::Line, "472") => {
                if let Some(l) = c.lines.last_mut()
                    && l.r.service_date.is_none()
                    && let Some((from, to)) = diags.dtp_period(seg)
                {
                    l.r.service_date = Some(from);
                    l.date_to = Some(to);
                }
            }
            _ => {}
        }
    }

    fn service(&mut self, seg: &'a Segment, diags: &mut Diags) {
        let Some(c) = self.claim.as_mut() else {
            diags.warn(
                format!(
                    "{} at segment #{} is not inside a claim (no CLM before it); ignored",
                    seg.id, seg.index
                ),
                seg.position(),
            );
            return;
        };
        if !matches!(c.lines.last(), Some(l) if l.sv.is_none()) {
            diags.warn(
                format!(
                    "{} at segment #{} has no LX before it; read as a new service line",
                    seg.id, seg.index
                ),
                seg.position(),
            );
            c.lines.push(LineBuild::new(seg));
        }
        self.loop_ = Loop::Line;
        let Some(line) = c.lines.last_mut() else {
            return;
        };
        line.sv = Some(seg);
        let (charge_el, units_el) = match seg.id.as_str() {
            "SV1" => (2, 4),
            "SV2" => (3, 5),
            _ => (2, 6),
        };
        let composite = match seg.id.as_str() {
            "SV2" => 2,
            _ => 1,
        };
        let comps = seg.components(composite);
        let code = comps.get(1).copied().filter(|c| !c.is_empty());
        if let Some(code) = code {
            let q = comps.first().copied().unwrap_or("");
            if codes::procedure_qualifier(q).is_none() {
                diags.warn(
                    format!(
                        "unknown {}{composite:02}-1 product/service id qualifier {} at segment #{}",
                        seg.id,
                        diag::code(q, 3),
                        seg.index
                    ),
                    seg.position_at(format!("{}{composite:02}-1", seg.id)),
                );
            }
            line.r.procedure_qualifier = (!q.is_empty()).then(|| q.to_string());
            line.r.procedure_code = Some(code.to_string());
            line.r.modifiers = comps
                .iter()
                .skip(2)
                .take(4)
                .filter(|m| !m.is_empty())
                .map(|m| m.to_string())
                .collect();
        } else if let (true, Some(rev)) = (seg.id == "SV2", seg.opt(1)) {
            // An institutional line with only a revenue code: the 835 answers it as NU:<code>.
            line.r.procedure_qualifier = Some("NU".into());
            line.r.procedure_code = Some(rev.to_string());
        } else {
            diags.warn(
                format!("{} at segment #{} has no procedure code", seg.id, seg.index),
                seg.position_at(format!("{}{composite:02}", seg.id)),
            );
        }
        line.r.units = seg.string(units_el);
        let el = format!("{}{charge_el:02}", seg.id);
        if seg.opt(charge_el).is_none() {
            diags.warn(
                format!(
                    "{} at segment #{} has no {el} line charge",
                    seg.id, seg.index
                ),
                seg.position_at(el.clone()),
            );
        }
        line.charged = diags.amount(seg, charge_el, &el);
    }

    /// Emit the open claim's event and its lines' events.
    fn close_claim(&mut self, diags: &mut Diags) {
        let Some(mut c) = self.claim.take() else {
            return;
        };
        let clm = c.clm;
        c.r.diagnosis_codes = c.principal.drain(..).chain(c.other_dx.drain(..)).collect();
        // A claim-level single service date applies to lines that state none (837D sends
        // one DTP*472 in 2300 when every line shares it).
        let inherited = c
            .service
            .as_ref()
            .filter(|(f, t)| f == t)
            .map(|(f, _)| f.clone());
        for l in &mut c.lines {
            if l.r.service_date.is_none() {
                l.r.service_date = inherited.clone();
            }
        }
        let period = c
            .statement
            .clone()
            .or_else(|| c.service.clone())
            .or_else(|| {
                let from = c
                    .lines
                    .iter()
                    .filter_map(|l| l.r.service_date.clone())
                    .min()?;
                let to = c
                    .lines
                    .iter()
                    .filter_map(|l| l.date_to.clone().or_else(|| l.r.service_date.clone()))
                    .max()?;
                Some((from, to))
            });
        if let Some((from, to)) = period {
            c.r.service_date_from = Some(from);
            c.r.service_date_to = Some(to);
        }
        if c.lines.is_empty() {
            diags.warn(
                format!(
                    "claim at segment #{} has no service lines (LX/{})",
                    clm.index,
                    self.ctx.variant.line_segment()
                ),
                clm.position(),
            );
        }
        let lines_with_sv: Vec<&LineBuild<'_>> =
            c.lines.iter().filter(|l| l.sv.is_some()).collect();
        for l in c.lines.iter().filter(|l| l.sv.is_none()) {
            diags.warn(
                format!(
                    "service line LX at segment #{} has no SV1/SV2/SV3 segment; no line event",
                    l.opened_by.index
                ),
                l.opened_by.position(),
            );
        }
        // The claim's last event takes its reference, the others a copy; each line's event
        // takes the line's.
        let mut copies = lines_with_sv.len();
        let mut claim_ref = Some(c.r);
        let mut next_ref = || {
            let r = if copies == 0 { claim_ref.take() } else { claim_ref.clone() };
            copies = copies.saturating_sub(1);
            r
        };
        let mut e = self.event(Level::Claim, "CLM".into(), clm);
        e.amounts.charged = c.charged;
        e.claim = next_ref();
        self.events.push(e);
        for l in c.lines {
            let Some(sv) = l.sv else { continue };
            let mut e = self.event(Level::ServiceLine, sv.id.clone(), sv);
            e.amounts.charged = l.charged;
            e.claim = next_ref();
            e.service_line = Some(l.r);
            self.events.push(e);
        }
    }

    fn event(&self, level: Level, raw_code: String, seg: &Segment) -> StatusEvent {
        let mut e = StatusEvent::new(level, Source::Submitter, StatusClass::Received, raw_code);
        e.correlation = self.ctx.correlation.clone();
        e.effective_date = self.ctx.effective_date.clone();
        e.source_party = self.ctx.source_party.clone();
        e.position = Some(seg.position());
        e
    }
}

impl<'a> LineBuild<'a> {
    fn new(opened_by: &'a Segment) -> Self {
        LineBuild {
            opened_by,
            sv: None,
            r: ServiceLineRef::default(),
            charged: None,
            date_to: None,
        }
    }
}

fn missing_ref(seg: &Segment, diags: &mut Diags) {
    diags.warn(
        format!(
            "REF*{} at segment #{} has no REF02 value; ignored",
            seg.get(1),
            seg.index
        ),
        seg.position_at("REF02"),
    );
}

/// A provider NM1: name, and NM109 as the NPI when NM108 is XX.
fn provider(role: ProviderRole, nm1: &Segment) -> Provider {
    Provider {
        role,
        name: nm1.person_name(),
        npi: if nm1.get(8) == "XX" {
            nm1.string(9)
        } else {
            None
        },
        tax_id: None,
    }
}

/// One code of an HI segment, as the claim mapping and the claim edits read it.
pub(crate) struct HiEntry<'s> {
    /// The element number (1 for HI01).
    pub n: usize,
    pub qualifier: &'s str,
    pub code: Option<&'s str>,
    /// Qualifier and code came in two elements (HI0n, HI0n+1), the 4010 style.
    pub split: bool,
}

/// The codes of an HI segment, element by element (elements without a qualifier skipped).
///
/// Tolerates the 4010-style `HI*BK*8901*BF*87200` (a qualifier and its code in two
/// elements instead of one composite) that the imsweb samples carry: a lone known
/// qualifier followed by a lone code is read as one composite.
pub(crate) fn hi_entries(seg: &Segment) -> Vec<HiEntry<'_>> {
    let mut out = Vec::new();
    let mut n = 1;
    while n <= seg.elements.len() {
        let comps = seg.components(n);
        let q = comps.first().copied().unwrap_or("");
        let mut code = comps.get(1).copied().filter(|s| !s.is_empty());
        let mut step = 1;
        if code.is_none() && comps.len() == 1 && codes::hi_qualifier(q).is_some() {
            let next = seg.components(n + 1);
            if next.len() == 1 && !next[0].is_empty() && codes::hi_qualifier(next[0]).is_none() {
                code = Some(seg.get(n + 1));
                step = 2;
            }
        }
        if !q.is_empty() {
            out.push(HiEntry {
                n,
                qualifier: q,
                code,
                split: step == 2,
            });
        }
        n += step;
    }
    out
}

/// The diagnoses of an HI segment: principal (ABK/BK) and other (ABF/BF) codes, as sent
/// (split 4010-style elements read as composites, with a warning).
fn diagnoses(seg: &Segment, c: &mut ClaimBuild<'_>, diags: &mut Diags) {
    let mut split_warned = false;
    for HiEntry {
        n,
        qualifier: q,
        code,
        split,
    } in hi_entries(seg)
    {
        let el = format!("HI{n:02}");
        if split && !split_warned {
            split_warned = true;
            diags.warn(
                format!("HI at segment #{} sends qualifier and code in separate elements ({el}); read as composites", seg.index),
                seg.position_at(el.clone()),
            );
        }
        match codes::hi_qualifier(q) {
            None => diags.warn(
                format!(
                    "unknown HI code list qualifier {} at segment #{} ({el}); ignored",
                    diag::code(q, 3),
                    seg.index
                ),
                seg.position_at(format!("{el}-1")),
            ),
            Some((kind, _)) => match (kind, code) {
                (HiKind::NotDiagnosis, _) => {}
                (_, None) => diags.warn(
                    format!(
                        "HI at segment #{} {el} has qualifier {q} but no code",
                        seg.index
                    ),
                    seg.position_at(format!("{el}-2")),
                ),
                (HiKind::Principal, Some(code)) => c.principal.push(code.to_string()),
                (HiKind::Other, Some(code)) => c.other_dx.push(code.to_string()),
            },
        }
    }
}
