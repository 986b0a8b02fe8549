//! Generators: synthetic 837P batches for the demo and the tests ([`generate_837`]), and the
//! workloads of the benchmarks (issue 7): 835s with N claims × M lines, 277CAs with N claims,
//! 999s for N transaction sets, File Summaries with N rows. Everything is deterministic from
//! the seed, and every person, id and amount is invented.
//!
//! The workloads are rendered by the simulator's own writers from a synthetic upload, so the
//! benchmarks read the same files the simulator serves.

use chrono::{NaiveDate, NaiveDateTime};
use x12_835::generate::Rng;

use crate::ack::{self, Ack999, SegmentError, SetAck};
use crate::batch::{self, Batch};
use crate::decide::{self, Decisions, Ids};
use crate::file_summary::{self, Content};
use crate::scenario::Rules;
use crate::x12::{Envelope, Group, OA_TAX_ID, Set, interchange, money, npi_with_check_digit};
use crate::{claim_ack, era};

/// A way to break an 837's envelope, so Office Ally fails the file as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeBreak {
    /// SE01 one more than the segments counted: a 999 rejects the set (IK5 R 4, AK9 R).
    SegmentCount,
    /// IEA02 differs from ISA13: a TA1 rejects the interchange (note 001).
    InterchangeControl,
}

/// A payer: Office Ally payer id and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payer {
    /// Office Ally payer id (2010BB NM109).
    pub id: String,
    /// Payer name (2010BB NM103).
    pub name: String,
}

impl Payer {
    /// A payer.
    pub fn new(id: &str, name: &str) -> Self {
        Payer { id: id.into(), name: name.into() }
    }
}

/// The three invented payers of the hand-written scenario and the default options; the
/// default scenario's rejecting payer is the second.
pub fn default_payers() -> Vec<Payer> {
    vec![
        Payer::new("MVH01", "MERIDIAN VALLEY HEALTH"),
        Payer::new("CSM02", "COASTAL STATES MUTUAL"),
        Payer::new("PHP03", "PINECREST HEALTH PLAN"),
    ]
}

/// How to build an 837P batch.
#[derive(Debug, Clone)]
pub struct Options837 {
    /// ISA06 / 1000A NM109 (at most 15 characters).
    pub submitter_id: String,
    /// Practice (billing provider and submitter) name.
    pub practice_name: String,
    /// Billing provider NPI (2010AA) and tax id (REF*EI).
    pub billing_npi: String,
    /// Billing provider tax id (REF*EI).
    pub tax_id: String,
    /// Payers the claims are spread over (by the seed).
    pub payers: Vec<Payer>,
    /// When the batch was created (ISA09/10, GS04/05, BHT04/05): no wall clock inside.
    pub created: NaiveDateTime,
    /// ISA13 and GS06; ST02 is its last four digits.
    pub control: u32,
    /// CLM01 is this prefix and a five-digit number (keep it ≤ 9 characters: CLM01 ≤ 14).
    pub pcn_prefix: String,
    /// First CLM01 number.
    pub first_pcn: u32,
    /// Service lines per claim; `None`: one to three, by the seed.
    pub lines: Option<usize>,
    /// Claims (0-based) whose patient has no street address (no N3): OA edit FE69.
    pub missing_address: Vec<usize>,
    /// Claims (0-based) whose rendering provider's NPI has a wrong check digit.
    pub bad_npi: Vec<usize>,
    /// Claims (0-based) sent to a given payer id (one of `payers`, else a payer of that id).
    pub payer_of: Vec<(usize, String)>,
    /// Break the envelope.
    pub broken_envelope: Option<EnvelopeBreak>,
}

impl Default for Options837 {
    fn default() -> Self {
        Options837 {
            submitter_id: "SIMCLINIC01".into(),
            practice_name: "SIMULATED FAMILY CHIROPRACTIC".into(),
            billing_npi: "1234567893".into(),
            tax_id: "123456789".into(),
            payers: default_payers(),
            created: NaiveDate::from_ymd_opt(2026, 1, 5).and_then(|d| d.and_hms_opt(9, 30, 0)).expect("valid date"),
            control: 4170,
            pcn_prefix: "SIM".into(),
            first_pcn: 1,
            lines: None,
            missing_address: Vec::new(),
            bad_npi: Vec::new(),
            payer_of: Vec::new(),
            broken_envelope: None,
        }
    }
}

impl Options837 {
    /// An upload name Office Ally accepts: with the `837P` keyword, unique per submitter,
    /// time and control number.
    pub fn file_name(&self) -> String {
        format!("{}_837P_{}_{}.txt", self.submitter_id.to_ascii_lowercase(), self.created.format("%Y%m%d%H%M%S"), self.control)
    }
}

const LAST: &[&str] = &[
    "SAMPLE", "EXAMPLE", "TESTER", "PLACEHOLD", "FICTUS", "MOCKER", "DUMMY", "NOMEN", "IGNOTUS", "ANONYMA", "PSEUDO",
    "SYNTHER",
];
const FIRST: &[&str] = &["JANE", "JOHN", "ALEX", "SAM", "PAT", "CHRIS", "DANA", "LEE", "ROBIN", "KIM", "JESSE", "TERRY"];
/// Procedure, modifier and charge in cents.
const PROCEDURES: &[(&str, &str, i64)] = &[
    ("98940", "", 5000),
    ("98941", "", 6500),
    ("97140", "GP", 4500),
    ("97110", "GP", 4000),
    ("97112", "GP", 4000),
    ("97012", "", 3000),
    ("97010", "", 1500),
    ("99213", "25", 11000),
];
const DIAGNOSES: &[&str] = &["M9901", "M9903", "M5450", "M5416", "M542", "M25511", "M5459"];

/// A synthetic, Office Ally-compliant 837P batch with `claims` claims, deterministic from
/// `seed` and `options`.
pub fn generate_837(seed: u64, claims: usize, options: &Options837) -> Vec<u8> {
    let o = options;
    let mut rng = Rng(seed ^ 0x837_837_837);
    let created = o.created;
    let st02 = format!("{:04}", o.control % 10_000);
    let bht03 = format!("{}{}", o.pcn_prefix, created.format("%y%m%d%H%M"));
    let mut body = vec![
        format!("BHT*0019*00*{bht03}*{}*{}*CH", created.format("%Y%m%d"), created.format("%H%M")),
        format!("NM1*41*2*{}*****46*{}", o.practice_name, o.submitter_id),
        "PER*IC*BILLING OFFICE*TE*5555550142".into(),
        format!("NM1*40*2*OFFICE ALLY*****46*{OA_TAX_ID}"),
        "HL*1**20*1".into(),
        "PRV*BI*PXC*111N00000X".into(),
        format!("NM1*85*2*{}*****XX*{}", o.practice_name, o.billing_npi),
        "N3*100 EXAMPLE AVE".into(),
        "N4*ANYTOWN*OR*970000000".into(),
        format!("REF*EI*{}", o.tax_id),
    ];
    let day0 = created.date() - chrono::Duration::days(3);
    for i in 0..claims {
        let payer = match o.payer_of.iter().find(|(n, _)| *n == i) {
            Some((_, id)) => o.payers.iter().find(|p| &p.id == id).cloned().unwrap_or_else(|| Payer::new(id, "SIMULATED PAYER")),
            None => o.payers[rng.below(o.payers.len().max(1) as u64) as usize % o.payers.len().max(1)].clone(),
        };
        let last = rng.pick(LAST);
        let first = rng.pick(FIRST);
        let member = format!("{}{:09}", &payer.id[..payer.id.len().min(3)], rng.range(1, 999_999_999));
        let birth = NaiveDate::from_ymd_opt(1940 + rng.range(0, 65) as i32, rng.range(1, 12) as u32, rng.range(1, 28) as u32).expect("valid date");
        let dos = (day0 - chrono::Duration::days(rng.below(5) as i64)).format("%Y%m%d").to_string();
        let pcn = format!("{}{:05}", o.pcn_prefix, o.first_pcn as usize + i);
        let n_lines = o.lines.unwrap_or_else(|| rng.range(1, 3) as usize).max(1);
        let lines: Vec<(&str, &str, i64)> = (0..n_lines).map(|_| PROCEDURES[rng.below(PROCEDURES.len() as u64) as usize]).collect();
        let charge: i64 = lines.iter().map(|l| l.2).sum();
        // Individual NPIs start with 1.
        let mut npi = npi_with_check_digit(100_000_000 + rng.below(100_000_000));
        if o.bad_npi.contains(&i) {
            let last_digit = npi.pop().and_then(|c| c.to_digit(10)).unwrap_or(0);
            npi.push(char::from_digit((last_digit + 1) % 10, 10).expect("a digit"));
        }
        body.push(format!("HL*{}*1*22*0", i + 2));
        body.push(format!("SBR*P*18*GRP{:05}******CI", rng.below(100_000)));
        body.push(format!("NM1*IL*1*{last}*{first}****MI*{member}"));
        if !o.missing_address.contains(&i) {
            body.push(format!("N3*{} EXAMPLE ST", rng.range(1, 9999)));
        }
        body.push("N4*ANYTOWN*OR*97000".into());
        body.push(format!("DMG*D8*{}*{}", birth.format("%Y%m%d"), if rng.chance(50) { "F" } else { "M" }));
        body.push(format!("NM1*PR*2*{}*****PI*{}", payer.name, payer.id));
        body.push(format!("CLM*{pcn}*{}***11:B:1*Y*A*Y*Y", money(charge)));
        let dx1 = rng.pick(DIAGNOSES);
        let dx2 = rng.pick(DIAGNOSES);
        body.push(format!("HI*ABK:{dx1}*ABF:{dx2}"));
        body.push(format!("NM1*82*1*{}*{}****XX*{npi}", rng.pick(LAST), rng.pick(FIRST)));
        body.push("PRV*PE*PXC*111N00000X".into());
        for (n, (code, modifier, cents)) in lines.iter().enumerate() {
            body.push(format!("LX*{}", n + 1));
            let proc = if modifier.is_empty() { format!("HC:{code}") } else { format!("HC:{code}:{modifier}") };
            let pointer = if n == 0 { "1:2" } else { "1" };
            body.push(format!("SV1*{proc}*{}*UN*1***{pointer}", money(*cents)));
            body.push(format!("DTP*472*D8*{dos}"));
            body.push(format!("REF*6R*{pcn}L{}", n + 1));
        }
    }
    let env = Envelope {
        sender_qualifier: "ZZ",
        sender: o.submitter_id.clone(),
        receiver_qualifier: "30",
        receiver: OA_TAX_ID.into(),
        at: created,
        control: o.control,
    };
    let group = Group {
        functional_id: "HC",
        sender: o.submitter_id.clone(),
        receiver: OA_TAX_ID.into(),
        version: "005010X222A1",
        sets: vec![Set { kind: "837", guide: "005010X222A1", body }],
    };
    let bytes = interchange(&env, &[], &[group]);
    // ST02 is "0001" from the writer; use the batch's own number, as the scenario does.
    let mut text = String::from_utf8(bytes).expect("ASCII");
    text = text.replacen("ST*837*0001*", &format!("ST*837*{st02}*"), 1);
    let se = text.rfind("SE*").expect("an SE");
    let se_end = se + text[se..].find('~').expect("terminated");
    let count: usize = text[se + 3..se_end].split('*').next().and_then(|c| c.parse().ok()).expect("SE01");
    let extra = usize::from(o.broken_envelope == Some(EnvelopeBreak::SegmentCount));
    text.replace_range(se..se_end, &format!("SE*{}*{st02}", count + extra));
    if o.broken_envelope == Some(EnvelopeBreak::InterchangeControl) {
        let iea = text.rfind("IEA*").expect("an IEA");
        let end = iea + text[iea..].find('~').expect("terminated");
        text.replace_range(iea..end, &format!("IEA*1*{:09}", o.control + 1));
    }
    text.into_bytes()
}

/// A synthetic upload of `claims` claims with `lines` lines each (1–3 when `None`) over
/// `payers` of the default payers, read and decided as the simulator would; `flawed_percent`
/// of the claims lack a street address or have a bad NPI.
/// Returns the upload's master File ID too.
fn synthetic(seed: u64, claims: usize, lines: Option<usize>, payers: usize, flawed_percent: u64, rules: &Rules) -> (String, Batch, Decisions) {
    let mut rng = Rng(seed ^ 0x5EED);
    let mut o = Options837 { lines, payers: default_payers().into_iter().take(payers.max(1)).collect(), ..Options837::default() };
    for i in 0..claims {
        if rng.chance(flawed_percent) {
            if rng.chance(50) { o.missing_address.push(i) } else { o.bad_npi.push(i) }
        }
    }
    let bytes = generate_837(seed, claims, &o);
    let batch = batch::read(&bytes).expect("the generator writes a valid envelope");
    let mut ids = Ids::from_seed(seed);
    let master = ids.next_file_id();
    let decisions = decide::decide(&batch, rules, &mut rng, &mut ids, "2026007");
    (master, batch, decisions)
}

fn workload_time() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 1, 15).and_then(|d| d.and_hms_opt(6, 15, 0)).expect("valid date")
}

/// An 835 with `claims` claims. With `lines`, every claim has that many service lines and the
/// file is the simulator's own (paid, partial, denied, reversal + correction); without, it is
/// `x12_835::generate::synthetic_835`, the file the host's benchmarks already use.
pub fn workload_835(seed: u64, claims: usize, lines: Option<usize>) -> Vec<u8> {
    let Some(m) = lines else {
        return x12_835::generate::synthetic_835(claims, seed);
    };
    let rules = Rules { rejecting_payers: vec![], ..Rules::default() };
    let (_, batch, decisions) = synthetic(seed, claims, Some(m), 1, 0, &rules);
    era::render_835(&batch, &decisions, &default_payers()[0].id, workload_time(), 1 + (seed % 900_000_000) as u32)
}

/// A payer's 277CA for `claims` claims, about a third of them rejected.
pub fn workload_277ca(seed: u64, claims: usize) -> Vec<u8> {
    let payer = default_payers()[0].id.clone();
    let rules = Rules { rejecting_payers: vec![payer.clone()], payer_reject_percent: 33, ..Rules::default() };
    let (_, batch, decisions) = synthetic(seed, claims, None, 1, 0, &rules);
    let at = workload_time();
    claim_ack::render(&batch, &decisions, &payer, at - chrono::Duration::days(1), at, 1 + (seed % 900_000_000) as u32)
}

/// A 999 acknowledging `sets` transaction sets; about 5 % are rejected with a segment error
/// naming a claim (IK3, CTX CLM01, IK4).
pub fn workload_999(seed: u64, sets: usize) -> Vec<u8> {
    let mut rng = Rng(seed ^ 0x999);
    let sets = (0..sets)
        .map(|i| {
            let rejected = rng.chance(5);
            SetAck {
                control: format!("{:04}", i + 1),
                errors: if rejected { vec!["5".into()] } else { vec![] },
                segment_errors: if rejected {
                    vec![SegmentError {
                        segment: "CLM".into(),
                        position: rng.range(20, 400) as u32,
                        code: "8".into(),
                        pcn: Some(format!("SIM{:05}", rng.range(1, 99_999))),
                        element: Some(("2".into(), "782".into(), "1".into())),
                    }]
                } else {
                    vec![]
                },
            }
        })
        .collect();
    let ack = Ack999 { submitter_id: "SIMCLINIC01".into(), group_control: "4170".into(), sets, group_errors: vec![], reject_whole: false };
    ack::render_999(&ack, workload_time(), 1 + (seed % 900_000_000) as u32)
}

/// A File Summary with `rows` claim rows over three payers, about 10 % rejected by edits.
pub fn workload_file_summary(seed: u64, rows: usize) -> Vec<u8> {
    let (id, batch, decisions) = synthetic(seed, rows, None, 3, 10, &Rules::default());
    let day = workload_time().date();
    file_summary::render(&id, &Options837::default().file_name(), day, day, Content::Read(&batch, &decisions))
}
