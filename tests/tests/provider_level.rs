//! What a 277CA (and a 277) says at each level of its hierarchy does to the claims of a batch
//! (issue 18: a payer's rejection of the billing provider must reject the claims it covers),
//! through the real embedded plugins and a real SQLite store in a temporary data folder.
//!
//! Every case has a batch of its own: an 837P (BHT03 `<case>BATCH`) billed by two providers,
//! A (NPI 1234567893, tax id 123456789) with claims `<case>A1` and `<case>A2`, and B (NPI
//! 1588667638, tax id 987654321) with claim `<case>B1`. Office Ally's 277CA has accepted the
//! batch (2200B `A1:20`), so every claim starts OA ACCEPTED. Then the payer's 277CA of the
//! case, whose only STC is the statement under test, made at one level:
//!
//! | level | where the STC is | "listed" | "not listed" |
//! |---|---|---|---|
//! | 2200B | the receiver (TRN02 = the 837's BHT03) | every claim appears as a 2200D loop (TRN, no STC) under its provider's 2000C | the 2000B alone |
//! | 2200C | provider A's 2000C (2100C `NM1*85…XX*<A's NPI>`) | A's claims appear as 2200D loops (no STC) beneath it, B's beneath B's 2000C | A's 2000C alone, no claim loops (what payers send) |
//! | 2200D | a claim's own 2200D | the claim named is A1 | the claim named is B1: A1 is a claim of the batch the file does not name |
//! | 2220D | a service line (SVC) of a claim's 2200D, which has no STC of its own | the line is A1's | the line is B1's |
//!
//! The categories: accepted `A2:20`, rejected `A7:562:85` (invalid billing provider NPI),
//! pending `P1:20`, informational `E0:0` (response not possible). Each row gives the expected
//! status of A1, A2 and B1 and of the batch (status.rs rules 1–15). Further cases: a 277
//! (X212) provider-level statement, a provider named by tax id or by a payer-assigned id, the
//! issue's own file, and the timeline and `errors` views.

use claimtrack::clock::Clock;
use claimtrack::ingest::{FileOrigin, Outcome};
use claimtrack::paths::DataDir;
use claimtrack::tracker::Tracker;
use claimtrack::tracking::query::{ClaimRow, TimelineEntry};

// ---------------------------------------------------------------------------------------
// The practice

const NPI_A: &str = "1234567893";
const TAX_A: &str = "123456789";
const NPI_B: &str = "1588667638";
const TAX_B: &str = "987654321";

const OA: &str = "OA ACCEPTED";
const PA: &str = "PAYER ACCEPTED";
const PR: &str = "PAYER REJECTED";
const PE: &str = "PENDING";

/// One case: its own batch, files and claims, named by `id` (e.g. "R07").
struct Case {
    id: String,
}

impl Case {
    fn new(n: usize) -> Case {
        Case { id: format!("R{n:02}") }
    }

    fn bht03(&self) -> String {
        format!("{}BATCH", self.id)
    }

    fn pcn(&self, claim: Claim) -> String {
        format!("{}{}", self.id, claim.suffix())
    }

    /// The 837P: provider A's claims A1 and A2, then provider B's B1.
    fn batch_837(&self, control: u32) -> Vec<u8> {
        let mut body = vec![
            format!("BHT*0019*00*{}*20250110*1430*CH", self.bht03()),
            "NM1*41*2*SUNNY CHIROPRACTIC*****46*SUB12345".into(),
            "PER*IC*BILLING OFFICE*TE*5555550100".into(),
            "NM1*40*2*OFFICE ALLY*****46*330897513".into(),
        ];
        let mut hl = 0;
        for (name, npi, tax, claims) in [
            ("SUNNY CHIROPRACTIC", NPI_A, TAX_A, [Claim::A1, Claim::A2].as_slice()),
            ("NORTH PHYSICAL THERAPY", NPI_B, TAX_B, [Claim::B1].as_slice()),
        ] {
            hl += 1;
            let provider_hl = hl;
            body.extend([
                format!("HL*{provider_hl}**20*1"),
                format!("NM1*85*2*{name}*****XX*{npi}"),
                "N3*100 MAIN ST".into(),
                "N4*SPRINGFIELD*IL*627040001".into(),
                format!("REF*EI*{tax}"),
            ]);
            hl += 1;
            body.extend([
                format!("HL*{hl}*{provider_hl}*22*0"),
                "SBR*P*18*GRP100******CI".into(),
                "NM1*IL*1*DOE*JANE****MI*MEM0001".into(),
                "N3*1 ELM ST".into(),
                "N4*SPRINGFIELD*IL*62704".into(),
                "DMG*D8*19800115*F".into(),
                "NM1*PR*2*ACME HEALTH*****PI*12345".into(),
            ]);
            for &c in claims {
                body.extend([
                    format!("CLM*{}*75***11:B:1*Y*A*Y*Y", self.pcn(c)),
                    "HI*ABK:M5450".into(),
                    "LX*1".into(),
                    "SV1*HC:98941*75*UN*1***1".into(),
                    "DTP*472*D8*20250106".into(),
                ]);
            }
        }
        envelope(("SUB12345", "330897513"), control, ("HC", "005010X222A1", "837"), body)
    }

    /// Office Ally's 277CA: the whole batch received (2200B only).
    fn oa_acceptance(&self, control: u32) -> Vec<u8> {
        let mut t = Tree::new(Speaker::OfficeAlly, &self.bht03());
        t.receiver(Some("A1:20"));
        t.finish(control)
    }

    /// The payer's 277CA of a table row.
    fn payer_277ca(&self, at: At, stc: &str, listed: bool, control: u32) -> Vec<u8> {
        let mut t = Tree::new(Speaker::Payer, &self.bht03());
        let receiver = t.receiver((at == At::B).then_some(stc));
        match at {
            At::B if listed => {
                for (npi, claims) in [(NPI_A, [Claim::A1, Claim::A2].as_slice()), (NPI_B, [Claim::B1].as_slice())] {
                    let p = t.provider(receiver, "XX", npi, None);
                    for &c in claims {
                        t.patient(p, &self.pcn(c), None, None);
                    }
                }
            }
            At::B => {}
            At::C => {
                let a = t.provider(receiver, "XX", NPI_A, Some(stc));
                if listed {
                    t.patient(a, &self.pcn(Claim::A1), None, None);
                    t.patient(a, &self.pcn(Claim::A2), None, None);
                    let b = t.provider(receiver, "XX", NPI_B, None);
                    t.patient(b, &self.pcn(Claim::B1), None, None);
                }
            }
            At::D | At::L => {
                let (named, npi) = if listed { (Claim::A1, NPI_A) } else { (Claim::B1, NPI_B) };
                let p = t.provider(receiver, "XX", npi, None);
                let (claim_stc, line_stc) = if at == At::D { (Some(stc), None) } else { (None, Some(stc)) };
                t.patient(p, &self.pcn(named), claim_stc, line_stc);
            }
        }
        t.finish(control)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Claim {
    A1,
    A2,
    B1,
}

impl Claim {
    const ALL: [Claim; 3] = [Claim::A1, Claim::A2, Claim::B1];

    fn suffix(self) -> &'static str {
        match self {
            Claim::A1 => "A1",
            Claim::A2 => "A2",
            Claim::B1 => "B1",
        }
    }
}

/// The level a statement is made at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    /// 2200B, the information receiver: the batch.
    B,
    /// 2200C, the billing provider.
    C,
    /// 2200D, a claim.
    D,
    /// 2220D, a service line.
    L,
}

#[derive(Clone, Copy, Debug)]
enum Category {
    Accepted,
    Rejected,
    Pending,
    Informational,
}

impl Category {
    fn composite(self) -> &'static str {
        match self {
            Category::Accepted => "A2:20",
            Category::Rejected => "A7:562:85",
            Category::Pending => "P1:20",
            Category::Informational => "E0:0",
        }
    }
}

// ---------------------------------------------------------------------------------------
// X12 text

/// An interchange of one functional group of one transaction set: (sender, receiver), ISA13
/// (and GS06), (GS01, guide, ST01), and the segments between ST and SE.
fn envelope(parties: (&str, &str), control: u32, kind: (&str, &str, &str), body: Vec<String>) -> Vec<u8> {
    let (sender, receiver) = parties;
    let (functional_id, guide, set) = kind;
    let mut segs = vec![
        format!("ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*{receiver:<15}*250115*0900*^*00501*{control:09}*0*P*:"),
        format!("GS*{functional_id}*{sender}*{receiver}*20250115*0900*{control}*X*{guide}"),
        format!("ST*{set}*0001*{guide}"),
    ];
    let count = body.len() + 2;
    segs.extend(body);
    segs.extend([format!("SE*{count}*0001"), format!("GE*1*{control}"), format!("IEA*1*{control:09}")]);
    let mut text = segs.join("~\n");
    text.push_str("~\n");
    text.into_bytes()
}

#[derive(Clone, Copy)]
enum Speaker {
    OfficeAlly,
    Payer,
}

/// A 277CA's HL tree under construction, in file order.
struct Tree {
    body: Vec<String>,
    next_hl: u32,
    bht03: String,
}

impl Tree {
    fn new(speaker: Speaker, bht03: &str) -> Tree {
        let source = match speaker {
            Speaker::OfficeAlly => "NM1*AY*2*OFFICE ALLY*****46*330897513",
            Speaker::Payer => "NM1*PR*2*ACME HEALTH*****PI*12345",
        };
        let body = vec![
            "BHT*0085*08*ACK0001*20250115*0900*TH".into(),
            "HL*1**20*1".into(),
            source.into(),
            "TRN*1*ACK0001".into(),
            "DTP*050*D8*20250114".into(),
            "DTP*009*D8*20250115".into(),
        ];
        Tree { body, next_hl: 2, bht03: bht03.into() }
    }

    fn hl(&mut self, parent: u32, code: &str) -> u32 {
        let id = self.next_hl;
        self.next_hl += 1;
        let child = if code == "PT" { String::new() } else { "*1".into() };
        self.body.push(format!("HL*{id}*{parent}*{code}{child}"));
        id
    }

    fn receiver(&mut self, stc: Option<&str>) -> u32 {
        let id = self.hl(1, "21");
        self.body.push("NM1*41*2*SUNNY CHIROPRACTIC*****46*SUB12345".into());
        self.body.push(format!("TRN*2*{}", self.bht03));
        self.body.extend(stc.map(stc_segment));
        id
    }

    fn provider(&mut self, receiver: u32, qualifier: &str, id: &str, stc: Option<&str>) -> u32 {
        let hl = self.hl(receiver, "19");
        self.body.push(format!("NM1*85*2*BILLING PROVIDER*****{qualifier}*{id}"));
        self.body.push("TRN*1*0".into());
        self.body.extend(stc.map(stc_segment));
        hl
    }

    /// A patient with one claim (TRN02 = its CLM01), its own STC and one service line's STC
    /// when given.
    fn patient(&mut self, provider: u32, pcn: &str, claim_stc: Option<&str>, line_stc: Option<&str>) {
        self.hl(provider, "PT");
        self.body.push("NM1*QC*1*DOE*JANE****MI*MEM0001".into());
        self.body.push(format!("TRN*2*{pcn}"));
        self.body.extend(claim_stc.map(stc_segment));
        self.body.push("DTP*472*D8*20250106".into());
        if let Some(stc) = line_stc {
            self.body.extend(["SVC*HC:98941*75*******1".to_string(), stc_segment(stc), "DTP*472*D8*20250106".into()]);
        }
    }

    fn finish(self, control: u32) -> Vec<u8> {
        envelope(("ACMEHP", "SUB12345"), control, ("HN", "005010X214", "277"), self.body)
    }
}

/// An STC with the composite `c`: STC03 U for a rejecting category, WQ for the others, none
/// for a status that is no acknowledgement.
fn stc_segment(c: &str) -> String {
    let action = if c.starts_with("A3") || c.starts_with("A7") {
        "U"
    } else if c.starts_with('A') {
        "WQ"
    } else {
        ""
    };
    format!("STC*{c}*20250115*{action}*75")
}

/// A 277 (X212) answering a 276: the service provider (2100C `NM1*1P…XX*<A's NPI>`) with the
/// statement under test, and, when `listed`, claim A1 beneath it (2200D with REF*EJ = its
/// CLM01 and no STC of its own). A 277 carries no batch reference.
fn x212(case: &Case, stc: &str, listed: bool, control: u32) -> Vec<u8> {
    let mut body: Vec<String> = vec![
        "BHT*0010*08*STATUS0001*20250115*0900*DG".into(),
        "HL*1**20*1".into(),
        "NM1*PR*2*ACME HEALTH*****PI*12345".into(),
        "HL*2*1*21*1".into(),
        "NM1*41*2*SUNNY CHIROPRACTIC*****46*SUB12345".into(),
        "TRN*2*INQ276A".into(),
        "HL*3*2*19*1".into(),
        format!("NM1*1P*2*SUNNY CHIROPRACTIC*****XX*{NPI_A}"),
        "TRN*1*0".into(),
        stc_segment(stc),
    ];
    if listed {
        body.extend([
            "HL*4*3*22*0".to_string(),
            "NM1*IL*1*DOE*JANE****MI*MEM0001".into(),
            "TRN*2*TRACE0001".into(),
            format!("REF*EJ*{}", case.pcn(Claim::A1)),
            "DTP*472*D8*20250106".into(),
        ]);
    }
    envelope(("ACMEHP", "SUB12345"), control, ("HN", "005010X212", "277"), body)
}

// ---------------------------------------------------------------------------------------
// Driving the tracker

/// One data folder for a whole test: each case's batch and files are its own (their keys
/// differ), so the plugins are compiled once.
struct Practice {
    _dir: tempfile::TempDir,
    tracker: Tracker,
    next_control: u32,
}

impl Practice {
    fn open() -> Practice {
        let dir = tempfile::tempdir().unwrap();
        let clock = Clock::parse_fixed("2025-01-10T15:00:00Z").unwrap();
        let (tracker, problems) = Tracker::open(&DataDir::new(dir.path()), clock).expect("the tracker opens");
        assert!(problems.is_empty(), "built-in plugins failed to load: {problems:?}");
        Practice { _dir: dir, tracker, next_control: 100 }
    }

    fn control(&mut self) -> u32 {
        self.next_control += 1;
        self.next_control
    }

    fn ingest(&mut self, name: &str, at: &str, bytes: &[u8]) {
        self.tracker.set_clock(Clock::parse_fixed(at).unwrap());
        let origin = if name.ends_with("837P.txt") { FileOrigin::Ingest } else { FileOrigin::mailbox("office-ally", name) };
        let r = self.tracker.ingest(name, &origin, bytes).expect("ingest");
        match r.outcome {
            Outcome::Ingested { errors: 0, events, .. } => assert!(events > 0, "{name}: no events"),
            other => panic!("{name}: {other:?}"),
        }
    }

    /// A case's batch, uploaded and accepted by Office Ally: every claim OA ACCEPTED.
    fn accepted_batch(&mut self, n: usize) -> Case {
        let case = Case::new(n);
        let (c1, c2) = (self.control(), self.control());
        self.ingest(&format!("{}-837P.txt", case.id), "2025-01-10T15:00:00Z", &case.batch_837(c1));
        self.ingest(&format!("{}_oa_277ca.txt", case.id), "2025-01-11T08:00:00Z", &case.oa_acceptance(c2));
        assert_eq!(self.statuses(&case), ([OA, OA, OA], OA.to_string()), "{}: before the payer's file", case.id);
        case
    }

    fn payer_file(&mut self, case: &Case, name: &str, bytes: &[u8]) {
        self.ingest(&format!("{}_{name}", case.id), "2025-01-15T09:00:00Z", bytes);
    }

    /// The case's claim, with its timeline.
    fn claim(&self, case: &Case, c: Claim) -> (ClaimRow, Vec<TimelineEntry>) {
        let mut found = self.tracker.claim(&case.pcn(c)).unwrap();
        assert_eq!(found.len(), 1, "{}: one claim", case.pcn(c));
        found.pop().unwrap()
    }

    fn batch_status(&self, case: &Case) -> String {
        let name = format!("{}-837P.txt", case.id);
        let b = self.tracker.batches().unwrap().into_iter().find(|b| b.name == name).expect("the case's batch");
        b.status.to_string()
    }

    fn statuses(&self, case: &Case) -> ([&'static str; 3], String) {
        let claims = Claim::ALL.map(|c| {
            let status = self.claim(case, c).0.status;
            [OA, PA, PR, PE].into_iter().find(|s| *s == status).unwrap_or_else(|| panic!("unexpected status {status}"))
        });
        (claims, self.batch_status(case))
    }

    fn batch_id(&self, case: &Case) -> i64 {
        self.claim(case, Claim::A1).0.batch_id.expect("a claim of the batch")
    }
}

fn codes(c: &ClaimRow) -> Vec<&str> {
    c.reasons.iter().map(|r| r.code.as_str()).collect()
}

/// Each statement at most once in a timeline: no two entries from one file at one segment.
fn assert_each_statement_once(what: &str, timeline: &[TimelineEntry]) {
    let mut seen = std::collections::BTreeSet::new();
    for t in timeline {
        if let Some(i) = t.event.position.as_ref().and_then(|p| p.segment_index) {
            assert!(seen.insert((t.file_id, i)), "{what}: segment #{i} of file {} shown twice: {timeline:#?}", t.file_id);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The table

#[test]
fn every_level_and_category_listed_or_not() {
    use Category::*;
    let table: &[(At, Category, bool, [&str; 3], &str)] = &[
        // level  category       listed  A1  A2  B1     batch
        (At::B, Accepted,      true,  [PA, PA, PA], "PAYER ACCEPTED"),
        (At::B, Accepted,      false, [PA, PA, PA], "PAYER ACCEPTED"),
        (At::B, Rejected,      true,  [PR, PR, PR], "REJECTED"),
        (At::B, Rejected,      false, [PR, PR, PR], "REJECTED"),
        (At::B, Pending,       true,  [PE, PE, PE], "PAYER ACCEPTED"),
        (At::B, Pending,       false, [PE, PE, PE], "PAYER ACCEPTED"),
        (At::B, Informational, true,  [OA, OA, OA], "OA ACCEPTED"),
        (At::B, Informational, false, [OA, OA, OA], "OA ACCEPTED"),
        // Provider A's statement reaches A's claims, listed or not, and never B's.
        (At::C, Accepted,      true,  [PA, PA, OA], "OA ACCEPTED"),
        (At::C, Accepted,      false, [PA, PA, OA], "OA ACCEPTED"),
        (At::C, Rejected,      true,  [PR, PR, OA], "OA ACCEPTED with rejections"),
        (At::C, Rejected,      false, [PR, PR, OA], "OA ACCEPTED with rejections"),
        (At::C, Pending,       true,  [PE, PE, OA], "OA ACCEPTED"),
        (At::C, Pending,       false, [PE, PE, OA], "OA ACCEPTED"),
        (At::C, Informational, true,  [OA, OA, OA], "OA ACCEPTED"),
        (At::C, Informational, false, [OA, OA, OA], "OA ACCEPTED"),
        // A claim's own statement is about that claim only.
        (At::D, Accepted,      true,  [PA, OA, OA], "OA ACCEPTED"),
        (At::D, Accepted,      false, [OA, OA, PA], "OA ACCEPTED"),
        (At::D, Rejected,      true,  [PR, OA, OA], "OA ACCEPTED with rejections"),
        (At::D, Rejected,      false, [OA, OA, PR], "OA ACCEPTED with rejections"),
        (At::D, Pending,       true,  [PE, OA, OA], "OA ACCEPTED"),
        (At::D, Pending,       false, [OA, OA, PE], "OA ACCEPTED"),
        (At::D, Informational, true,  [OA, OA, OA], "OA ACCEPTED"),
        (At::D, Informational, false, [OA, OA, OA], "OA ACCEPTED"),
        // A service line's status does not decide its claim (rule 5).
        (At::L, Accepted,      true,  [OA, OA, OA], "OA ACCEPTED"),
        (At::L, Accepted,      false, [OA, OA, OA], "OA ACCEPTED"),
        (At::L, Rejected,      true,  [OA, OA, OA], "OA ACCEPTED"),
        (At::L, Rejected,      false, [OA, OA, OA], "OA ACCEPTED"),
        (At::L, Pending,       true,  [OA, OA, OA], "OA ACCEPTED"),
        (At::L, Pending,       false, [OA, OA, OA], "OA ACCEPTED"),
        (At::L, Informational, true,  [OA, OA, OA], "OA ACCEPTED"),
        (At::L, Informational, false, [OA, OA, OA], "OA ACCEPTED"),
    ];
    let mut p = Practice::open();
    for (n, &(at, category, listed, claims, batch)) in table.iter().enumerate() {
        let case = p.accepted_batch(n);
        let control = p.control();
        p.payer_file(&case, "payer_277ca.txt", &case.payer_277ca(at, category.composite(), listed, control));
        let row = format!("{} {at:?} {category:?} listed={listed}", case.id);
        assert_eq!(p.statuses(&case), (claims, batch.to_string()), "{row}");
        for c in Claim::ALL {
            let (claim, timeline) = p.claim(&case, c);
            assert_each_statement_once(&format!("{row} {c:?}"), &timeline);
            if claim.status == PR {
                assert_eq!(codes(&claim), ["A7", "562", "85"], "{row} {c:?}: the rejection's reasons");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Beyond the table

#[test]
fn provider_named_otherwise_and_a_277_provider_level_status() {
    let mut p = Practice::open();

    // By tax id (2100C NM108 FI): the same claims as by NPI.
    let case = p.accepted_batch(40);
    let mut t = Tree::new(Speaker::Payer, &case.bht03());
    let r = t.receiver(None);
    t.provider(r, "FI", TAX_A, Some("A3:562:85"));
    let control = p.control();
    p.payer_file(&case, "tax_id.277ca", &t.finish(control));
    assert_eq!(p.statuses(&case), ([PR, PR, OA], "OA ACCEPTED with rejections".into()));

    // By a payer-assigned id (SV): nothing to match, so only the claims listed beneath.
    for (n, listed, want) in [(41, false, [OA, OA, OA]), (42, true, [PR, OA, OA])] {
        let case = p.accepted_batch(n);
        let mut t = Tree::new(Speaker::Payer, &case.bht03());
        let r = t.receiver(None);
        let prov = t.provider(r, "SV", "PAYER0001", Some("A3:562:85"));
        if listed {
            t.patient(prov, &case.pcn(Claim::A1), None, None);
        }
        let control = p.control();
        p.payer_file(&case, "sv.277ca", &t.finish(control));
        assert_eq!(p.statuses(&case).0, want, "SV, listed={listed}");
    }

    // E3 in a 277CA: correction required, a rejection (x12-reference §7/§9); E2 is not.
    for (n, category, want) in [(43, "E3:562:85", PR), (44, "E2:0", OA)] {
        let case = p.accepted_batch(n);
        let control = p.control();
        p.payer_file(&case, "e.277ca", &case.payer_277ca(At::C, category, false, control));
        assert_eq!(p.statuses(&case).0, [want, want, OA], "{category}");
    }

    // A 277 (X212) has no batch reference: its provider-level rejection reaches the claims it
    // lists beneath the provider (A1), not the provider's other claims (A2); an inquiry error
    // (E4 in a 277) reaches none.
    for (n, stc, listed, want, batch) in [
        (45, "A3:562:1P", true, [PR, OA, OA], "OA ACCEPTED with rejections"),
        (46, "A3:562:1P", false, [OA, OA, OA], "OA ACCEPTED"),
        (47, "E4:484:1P", true, [OA, OA, OA], "OA ACCEPTED"),
    ] {
        let case = p.accepted_batch(n);
        let control = p.control();
        p.payer_file(&case, "status.277", &x212(&case, stc, listed, control));
        assert_eq!(p.statuses(&case), (want, batch.to_string()), "277 {stc} listed={listed}");
        let (_, timeline) = p.claim(&case, Claim::A1);
        assert_each_statement_once("277", &timeline);
    }
}

/// The file: the batch acknowledged at 2200B (`A1:19`), billing provider A rejected at
/// 2200C (`A3:562:85`, QTY*QC = its claims), no claim loops.
#[test]
fn a_payer_rejecting_the_billing_provider_rejects_its_claims() {
    let mut p = Practice::open();
    let case = p.accepted_batch(50);
    let mut t = Tree::new(Speaker::Payer, &case.bht03());
    let r = t.receiver(Some("A1:19"));
    t.body.extend(["QTY*90*1".to_string(), "QTY*AA*2".into()]);
    t.provider(r, "XX", NPI_A, Some("A3:562:85"));
    t.body.extend(["QTY*QC*2".to_string(), "AMT*YY*150".into()]);
    let control = p.control();
    let file = t.finish(control);
    p.payer_file(&case, "277ca.txt", &file);
    assert_eq!(p.statuses(&case), ([PR, PR, PA], "PAYER ACCEPTED with rejections".into()));

    // The claim says which level the rejection came from: the provider's statement, naming
    // the provider's NPI, once.
    let (a1, timeline) = p.claim(&case, Claim::A1);
    assert_eq!(codes(&a1), ["A3", "562", "85"]);
    assert_eq!(a1.status_source.as_deref(), Some("payer"));
    let from_provider: Vec<&TimelineEntry> = timeline.iter().filter(|t| t.via == "provider").collect();
    assert_eq!(from_provider.len(), 1, "{timeline:#?}");
    let e = &from_provider[0].event;
    assert_eq!(e.raw_code, "A3:562:85");
    let named = &e.claim.as_ref().expect("names the provider").providers;
    assert_eq!(named.iter().map(|p| p.npi.as_deref()).collect::<Vec<_>>(), [Some(NPI_A)]);
    assert_each_statement_once("A1", &timeline);
    // Provider B's claim: accepted with the batch, no word of A's rejection.
    let (_, b1_timeline) = p.claim(&case, Claim::B1);
    assert!(b1_timeline.iter().all(|t| t.via != "provider"), "{b1_timeline:#?}");

    // `errors` groups both claims under the provider-level reason.
    let groups = p.tracker.errors(Some(p.batch_id(&case)), false).unwrap();
    let group = |code: &str| groups.iter().find(|g| g.code == code).unwrap_or_else(|| panic!("no group {code}: {groups:#?}"));
    // One problem per status composite: 562 (the NPI) of entity 85 (the billing provider),
    // in category A3; the category and the entity qualify it.
    let g = group("562");
    let pcns: Vec<&str> = g.claims.iter().map(|c| c.patient_control_number.as_str()).collect();
    assert_eq!(pcns, [case.pcn(Claim::A1), case.pcn(Claim::A2)]);
    assert_eq!(g.count, 2);
    assert_eq!(g.entity.as_deref(), Some("85"));
    assert!(g.category.as_deref().is_some_and(|c| c.starts_with("A3")), "{g:?}");
    assert!(g.next_step.as_deref().is_some_and(|n| n.contains("billing provider")), "{g:?}");
    assert!(groups.iter().all(|g| g.code != "85" && g.code != "A3"), "entity and category qualify the code: {groups:#?}");

    // The same file again, and a rebuild from the archive, change nothing.
    let before = (p.statuses(&case), p.claim(&case, Claim::A1));
    p.tracker.set_clock(Clock::parse_fixed("2025-01-16T09:00:00Z").unwrap());
    let again = p.tracker.ingest(&format!("{}_again.txt", case.id), &FileOrigin::Ingest, &file).unwrap();
    assert!(matches!(again.outcome, Outcome::AlreadyIngested { .. }), "{again:?}");
    assert!(p.tracker.rebuild().unwrap().is_empty(), "rebuild changes no status");
    assert_eq!((p.statuses(&case), p.claim(&case, Claim::A1)), before);
}

/// Within one file the claim's own statement decides for it; across files an acceptance of
/// the provider moves a claim only forward.
#[test]
fn claim_level_statements_and_earlier_statuses_still_count() {
    let mut p = Practice::open();

    // 2200C accepts provider A; A1's own 2200D rejects it: A1 rejected for its own reasons.
    let case = p.accepted_batch(60);
    let mut t = Tree::new(Speaker::Payer, &case.bht03());
    let r = t.receiver(None);
    let a = t.provider(r, "XX", NPI_A, Some("A2:20"));
    t.patient(a, &case.pcn(Claim::A1), Some("A7:21:QC"), None);
    let control = p.control();
    p.payer_file(&case, "277ca.txt", &t.finish(control));
    assert_eq!(p.statuses(&case).0, [PR, PA, OA]);
    assert_eq!(codes(&p.claim(&case, Claim::A1).0), ["A7", "21", "QC"]);

    // 2200C rejects provider A and A1 repeats it with a reason of its own: rejected, the
    // provider's statement shown once (as the claim's, which says where it was stated).
    let case = p.accepted_batch(61);
    let mut t = Tree::new(Speaker::Payer, &case.bht03());
    let r = t.receiver(None);
    let a = t.provider(r, "XX", NPI_A, Some("A3:562:85"));
    t.patient(a, &case.pcn(Claim::A1), Some("A7:21:QC"), None);
    let control = p.control();
    p.payer_file(&case, "277ca.txt", &t.finish(control));
    assert_eq!(p.statuses(&case).0, [PR, PR, OA]);
    let (a1, timeline) = p.claim(&case, Claim::A1);
    assert!(codes(&a1).contains(&"21") && codes(&a1).contains(&"562"), "{:?}", codes(&a1));
    assert_each_statement_once("A1", &timeline);
    assert!(timeline.iter().all(|t| t.via != "provider"), "the cascade is the statement: {timeline:#?}");
    let (a2, timeline) = p.claim(&case, Claim::A2);
    assert_eq!(codes(&a2), ["A3", "562", "85"]);
    assert_eq!(timeline.iter().filter(|t| t.via == "provider").count(), 1);

    // A1 already pending at the payer: a later acceptance of its provider leaves it pending,
    // and lifts A2 from OA ACCEPTED.
    let case = p.accepted_batch(62);
    let control = p.control();
    p.payer_file(&case, "pending.277ca", &case.payer_277ca(At::D, "P1:20", true, control));
    let control = p.control();
    let bytes = case.payer_277ca(At::C, "A2:20", false, control);
    p.ingest(&format!("{}_later.277ca", case.id), "2025-01-20T09:00:00Z", &bytes);
    assert_eq!(p.statuses(&case).0, [PE, PA, OA]);
}
