//! What the simulator reads from an uploaded 837P: the envelope numbers its responses quote,
//! the billing provider, and per claim exactly what the scenario rules and the response
//! files need. An envelope that does not hold together is a [`Failure`]: Office Ally fails
//! such a file as a whole (office-ally.md §2, "FAILED file") and creates no claims.

use claimtrack_plugin_sdk::x12::{self, Document, Segment};
use serde::{Deserialize, Serialize};

use crate::x12::OA_TAX_ID;

/// One uploaded 837 whose envelope holds together.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Batch {
    /// ISA06 (trimmed): the submitter's id, which Office Ally's X12 responses are addressed to.
    pub submitter_id: String,
    /// ISA09/ISA10 as sent (YYMMDD, HHMM): quoted by a TA1.
    pub isa_date: String,
    /// ISA10 as sent (HHMM).
    pub isa_time: String,
    /// ISA13, GS06 and each ST02, quoted by TA1 / 999.
    pub interchange_control: String,
    /// GS06, quoted by the 999's AK102.
    pub group_control: String,
    /// ST02 of each set, quoted by the 999's AK202.
    pub set_controls: Vec<String>,
    /// BHT03 of the first set: what a 277CA's 2200B TRN02 echoes.
    pub batch_reference: Option<String>,
    /// 1000A NM1*41 name.
    pub submitter_name: String,
    /// 2010AA billing provider.
    pub billing: Provider,
    /// The claims, in file order.
    pub claims: Vec<Claim>,
}

/// A provider: name, NPI, tax id.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Provider {
    /// Organisation or person name (NM103).
    pub name: String,
    /// NPI, when NM108 is XX.
    pub npi: Option<String>,
    /// Tax id (REF*EI).
    pub tax_id: Option<String>,
}

/// One claim (loop 2300) with what the responses repeat about it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claim {
    /// CLM01, the patient control number.
    pub pcn: String,
    /// CLM02 in cents.
    pub charge: i64,
    /// ST02 of the transaction set the claim is in.
    pub set_control: String,
    /// 2010BB NM1*PR: the Office Ally payer id (NM109) and name.
    pub payer_id: String,
    /// NM103 of 2010BB.
    pub payer_name: String,
    /// The patient (2010CA when there is a patient loop, else the subscriber).
    pub last: String,
    /// The patient's first name.
    pub first: String,
    /// DMG02, CCYYMMDD.
    pub birth_date: Option<String>,
    /// The subscriber's member id (2010BA NM109).
    pub member_id: String,
    /// The patient's street (N3) and city (N401) are present.
    pub has_street: bool,
    /// N401 present.
    pub has_city: bool,
    /// 2310B rendering provider NPI, when there is one.
    pub rendering_npi: Option<String>,
    /// Diagnosis codes, principal first.
    pub diagnoses: Vec<String>,
    /// Service lines, in file order.
    pub lines: Vec<Line>,
}

/// One service line (loop 2400).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Line {
    /// SV101-2 and the modifiers SV101-3…
    pub procedure: String,
    /// SV101-3 … SV101-6.
    pub modifiers: Vec<String>,
    /// SV102 in cents.
    pub charge: i64,
    /// SV104.
    pub units: String,
    /// DTP*472, CCYYMMDD (the claim's when the line has none).
    pub date: String,
    /// REF*6R.
    pub line_ref: Option<String>,
}

impl Claim {
    /// The NPI Office Ally prints as PHYS.ID and checks: the rendering provider's, else the
    /// billing provider's.
    pub fn physician_npi<'a>(&'a self, batch: &'a Batch) -> Option<&'a str> {
        self.rendering_npi.as_deref().or(batch.billing.npi.as_deref())
    }

    /// First and last date of service (CCYYMMDD).
    pub fn service_period(&self) -> (String, String) {
        let from = self.lines.iter().map(|l| l.date.clone()).min().unwrap_or_default();
        let to = self.lines.iter().map(|l| l.date.clone()).max().unwrap_or_default();
        (from, to)
    }
}

/// Why a whole file failed, in the terms of the acknowledgement that reports it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum Failure {
    /// No readable ISA: nothing to acknowledge in X12; only the File Summary says so.
    NotX12 {
        /// The File Summary's explanation.
        reason: String,
    },
    /// The interchange envelope is broken: a TA1 R with this note code (TA105).
    Interchange {
        /// TA101: the submitted ISA13.
        control: String,
        /// TA102: the submitted ISA09.
        date: String,
        /// TA103: the submitted ISA10.
        time: String,
        /// The submitter (ISA06) to address the TA1 to.
        submitter_id: String,
        /// TA105 note code.
        note: String,
        /// The File Summary's explanation.
        reason: String,
    },
    /// A functional group or transaction set is broken: a 999 with AK9 R.
    Group {
        /// AK102: the submitted GS06.
        control: String,
        /// The submitter (ISA06) to address the 999 to.
        submitter_id: String,
        /// AK905.. codes (group errors).
        group_errors: Vec<String>,
        /// Per ST02, its IK502.. codes (empty: that set is fine).
        sets: Vec<(String, Vec<String>)>,
        /// The File Summary's explanation.
        reason: String,
    },
}

impl Failure {
    /// The sentence the File Summary prints after "Reason:".
    pub fn reason(&self) -> &str {
        match self {
            Failure::NotX12 { reason } | Failure::Interchange { reason, .. } | Failure::Group { reason, .. } => reason,
        }
    }
}

/// Read an uploaded 837: its claims, or why Office Ally would fail the whole file.
// Called once per upload: the size of the error does not matter.
#[allow(clippy::result_large_err)]
pub fn read(bytes: &[u8]) -> Result<Batch, Failure> {
    let doc = x12::parse(bytes).map_err(|_| Failure::NotX12 {
        reason: "Invalid file format - the file does not start with an ISA segment.".into(),
    })?;
    check_envelope(&doc)?;
    Ok(claims(&doc))
}

/// The claims of a file that failed, as far as they can be read (what the practice sent;
/// Office Ally created none of them). `None` when there is no functional group to read.
pub fn read_claims_anyway(bytes: &[u8]) -> Option<Batch> {
    let doc = x12::parse(bytes).ok()?;
    let has_group = doc.interchanges.first().is_some_and(|ic| !ic.groups.is_empty());
    has_group.then(|| claims(&doc))
}

/// Office Ally's envelope checks (x12-reference.md §1.3 counts and control numbers; S1's
/// ISA08, one ISA and one GS per file), mapped to the TA1 note codes (§2) and 999 codes (§3).
#[allow(clippy::result_large_err)]
fn check_envelope(doc: &Document) -> Result<(), Failure> {
    let Some(ic) = doc.interchanges.first() else {
        return Err(Failure::NotX12 { reason: "Invalid file format - no interchange found.".into() });
    };
    let isa = &ic.isa;
    let ta1 = |note: &str, reason: &str| Failure::Interchange {
        control: isa.get(13).to_string(),
        date: isa.get(9).to_string(),
        time: isa.get(10).to_string(),
        submitter_id: isa.get(6).to_string(),
        note: note.to_string(),
        reason: reason.to_string(),
    };
    if isa.get(8) != OA_TAX_ID {
        return Err(ta1("008", "Invalid ISA segment - ISA08 must be 330897513."));
    }
    if doc.interchanges.len() != 1 {
        return Err(ta1("022", "Invalid control structure - one ISA per file."));
    }
    let Some(iea) = &ic.iea else {
        return Err(ta1("023", "Improper end of file - IEA segment missing."));
    };
    if iea.get(2) != isa.get(13) {
        return Err(ta1("001", "Interchange control numbers in ISA13 and IEA02 do not match."));
    }
    if iea.get(1) != ic.groups.len().to_string() {
        return Err(ta1("021", "Number of included groups in IEA01 is wrong."));
    }
    if ic.groups.len() != 1 {
        return Err(ta1("024", "Invalid interchange content - one GS per file."));
    }
    let group = &ic.groups[0];
    let mut group_errors = Vec::new();
    match &group.ge {
        None => group_errors.push("3".to_string()),
        Some(ge) => {
            if ge.get(2) != group.control_number() {
                group_errors.push("4".into());
            }
            if ge.get(1) != group.transactions.len().to_string() {
                group_errors.push("5".into());
            }
        }
    }
    let mut sets = Vec::new();
    let mut any_set = false;
    for tx in &group.transactions {
        let mut codes = Vec::new();
        match &tx.se {
            None => codes.push("2".to_string()),
            Some(se) => {
                if se.get(2) != tx.control_number() {
                    codes.push("3".into());
                }
                // SE01 counts ST and SE themselves.
                if se.get(1) != (tx.body.len() + 2).to_string() {
                    codes.push("4".into());
                }
            }
        }
        any_set |= !codes.is_empty();
        sets.push((tx.control_number().to_string(), codes));
    }
    if group_errors.is_empty() && !any_set {
        return Ok(());
    }
    let reason = if any_set {
        "Transaction set trailer (SE) does not match its header - segment count or control number."
    } else {
        "Functional group trailer (GE) does not match its header - set count or control number."
    };
    Err(Failure::Group {
        control: group.control_number().to_string(),
        submitter_id: isa.get(6).to_string(),
        group_errors,
        sets,
        reason: reason.into(),
    })
}

/// Who the N3/N4/DMG after an NM1 describe.
#[derive(Clone, Copy, PartialEq)]
enum Person {
    Subscriber,
    Patient,
    Other,
}

#[derive(Default, Clone)]
struct PersonInfo {
    last: String,
    first: String,
    id: String,
    birth: Option<String>,
    street: bool,
    city: bool,
}

fn cents(s: &str) -> i64 {
    x12::amount_cents(s).unwrap_or(0)
}

fn claims(doc: &Document) -> Batch {
    let ic = &doc.interchanges[0];
    let group = &ic.groups[0];
    let mut batch = Batch {
        submitter_id: ic.isa.get(6).to_string(),
        isa_date: ic.isa.get(9).to_string(),
        isa_time: ic.isa.get(10).to_string(),
        interchange_control: ic.isa.get(13).to_string(),
        group_control: group.control_number().to_string(),
        set_controls: group.transactions.iter().map(|t| t.control_number().to_string()).collect(),
        batch_reference: None,
        submitter_name: String::new(),
        billing: Provider::default(),
        claims: Vec::new(),
    };
    for tx in &group.transactions {
        let st02 = tx.control_number().to_string();
        let mut who = Person::Other;
        let mut subscriber = PersonInfo::default();
        let mut patient: Option<PersonInfo> = None;
        let mut payer = (String::new(), String::new());
        let mut claim_date: Option<String> = None;
        for seg in &tx.body {
            let no_claim_yet = batch.claims.is_empty();
            let cur = batch.claims.last_mut().filter(|c| c.set_control == st02);
            match seg.id.as_str() {
                "BHT" if batch.batch_reference.is_none() => batch.batch_reference = seg.string(3),
                "HL" => {
                    who = Person::Other;
                    match seg.get(3) {
                        "22" => {
                            subscriber = PersonInfo::default();
                            patient = None;
                        }
                        "23" => patient = Some(PersonInfo::default()),
                        _ => {}
                    }
                }
                "NM1" => {
                    who = Person::Other;
                    match seg.get(1) {
                        "41" => batch.submitter_name = seg.get(3).to_string(),
                        "85" => {
                            batch.billing.name = seg.get(3).to_string();
                            batch.billing.npi = (seg.get(8) == "XX").then(|| seg.get(9).to_string());
                        }
                        "IL" => {
                            who = Person::Subscriber;
                            name_into(seg, &mut subscriber);
                        }
                        "QC" => {
                            who = Person::Patient;
                            name_into(seg, patient.get_or_insert_with(PersonInfo::default));
                        }
                        "PR" => payer = (seg.get(9).to_string(), seg.get(3).to_string()),
                        "82" => {
                            if let Some(c) = cur {
                                c.rendering_npi = (seg.get(8) == "XX").then(|| seg.get(9).to_string());
                            }
                        }
                        _ => {}
                    }
                }
                "N3" | "N4" | "DMG" => {
                    let p = match who {
                        Person::Subscriber => Some(&mut subscriber),
                        Person::Patient => patient.as_mut(),
                        Person::Other => None,
                    };
                    if let Some(p) = p {
                        match seg.id.as_str() {
                            "N3" => p.street |= seg.opt(1).is_some(),
                            "N4" => p.city |= seg.opt(1).is_some(),
                            _ => p.birth = seg.string(2),
                        }
                    }
                }
                "REF" if seg.get(1) == "EI" && no_claim_yet => batch.billing.tax_id = seg.string(2),
                "CLM" => {
                    let p = patient.clone().unwrap_or_else(|| subscriber.clone());
                    claim_date = None;
                    batch.claims.push(Claim {
                        pcn: seg.get(1).to_string(),
                        charge: cents(seg.get(2)),
                        set_control: st02.clone(),
                        payer_id: payer.0.clone(),
                        payer_name: payer.1.clone(),
                        last: p.last,
                        first: p.first,
                        birth_date: p.birth,
                        member_id: subscriber.id.clone(),
                        has_street: p.street,
                        has_city: p.city,
                        rendering_npi: None,
                        diagnoses: Vec::new(),
                        lines: Vec::new(),
                    });
                }
                "HI" => {
                    if let Some(c) = cur {
                        for n in 1..=seg.len() {
                            if let Some(code) = seg.component_opt(n, 2) {
                                c.diagnoses.push(code.to_string());
                            }
                        }
                    }
                }
                "SV1" => {
                    if let Some(c) = cur {
                        let comps = seg.components(1);
                        c.lines.push(Line {
                            procedure: comps.get(1).unwrap_or(&"").to_string(),
                            modifiers: comps.iter().skip(2).filter(|m| !m.is_empty()).map(|m| m.to_string()).collect(),
                            charge: cents(seg.get(2)),
                            units: seg.opt(4).unwrap_or("1").to_string(),
                            date: claim_date.clone().unwrap_or_default(),
                            line_ref: None,
                        });
                    }
                }
                "DTP" if seg.get(1) == "472" => {
                    let d = seg.get(3).split('-').next().unwrap_or("").to_string();
                    match cur.and_then(|c| c.lines.last_mut()) {
                        Some(l) => l.date = d,
                        None => claim_date = Some(d),
                    }
                }
                "REF" if seg.get(1) == "6R" => {
                    if let Some(l) = cur.and_then(|c| c.lines.last_mut()) {
                        l.line_ref = seg.string(2);
                    }
                }
                _ => {}
            }
        }
    }
    batch
}

fn name_into(seg: &Segment, p: &mut PersonInfo) {
    p.last = seg.get(3).to_string();
    p.first = seg.get(4).to_string();
    if let Some(id) = seg.opt(9) {
        p.id = id.to_string();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIVE: &[u8] = include_bytes!("../../tests/scenarios/five-claims/ct-20260105-0930-837P.txt");

    #[test]
    fn reads_the_five_claim_scenario() {
        let b = read(FIVE).unwrap();
        assert_eq!(b.submitter_id, "BWFC0001");
        assert_eq!((b.interchange_control.as_str(), b.group_control.as_str()), ("000004170", "4170"));
        assert_eq!(b.set_controls, vec!["0417"]);
        assert_eq!(b.batch_reference.as_deref(), Some("CT2601050930"));
        assert_eq!(b.billing.npi.as_deref(), Some("1234567893"));
        assert_eq!(b.billing.tax_id.as_deref(), Some("123456789"));
        let pcns: Vec<&str> = b.claims.iter().map(|c| c.pcn.as_str()).collect();
        assert_eq!(pcns, ["PCN5001", "PCN5002", "PCN5003", "PCN5004", "PCN5005"]);
        assert_eq!(b.claims.iter().map(|c| c.charge).sum::<i64>(), 49500);
        let c5 = &b.claims[4];
        assert!(!c5.has_street && c5.has_city);
        assert_eq!((c5.payer_id.as_str(), c5.member_id.as_str()), ("CSM02", "CSM778899001"));
        assert!(b.claims[..4].iter().all(|c| c.has_street && c.has_city));
        assert_eq!(b.claims[3].rendering_npi.as_deref(), Some("1720498363"));
        assert_eq!(b.claims[2].lines.len(), 3);
        assert_eq!(b.claims[2].lines[1].procedure, "97110");
        assert_eq!(b.claims[2].lines[1].modifiers, vec!["GP"]);
        assert_eq!(b.claims[2].lines[1].date, "20260103");
        assert_eq!(b.claims[0].diagnoses, vec!["M9901", "M5450"]);
        assert_eq!(b.claims[0].birth_date.as_deref(), Some("19840312"));
    }

    #[test]
    fn envelope_faults() {
        let text = String::from_utf8(FIVE.to_vec()).unwrap();
        let bad_se = text.replace("SE*110*0417", "SE*109*0417");
        match read(bad_se.as_bytes()) {
            Err(Failure::Group { sets, group_errors, .. }) => {
                assert_eq!(sets, vec![("0417".to_string(), vec!["4".to_string()])]);
                assert!(group_errors.is_empty());
            }
            other => panic!("{other:?}"),
        }
        let bad_iea = text.replace("IEA*1*000004170", "IEA*1*000004171");
        assert!(matches!(read(bad_iea.as_bytes()), Err(Failure::Interchange { ref note, .. }) if note == "001"));
        let bad_isa08 = text.replacen("330897513      ", "999999999      ", 1);
        assert!(matches!(read(bad_isa08.as_bytes()), Err(Failure::Interchange { ref note, .. }) if note == "008"));
        assert!(matches!(read(b"hello"), Err(Failure::NotX12 { .. })));
    }
}
