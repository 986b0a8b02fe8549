//! Latency of the tracking views (`batches`, `batch`, `claim`, `errors`, `alerts`) on a
//! database of 100,000 claims, through the library and through the CLI (a new process per
//! call, start-up included); and the database's size per 1,000 claims.
//!
//!   cargo bench -p claimtrack-cli --bench view_latency
//!
//! The database is built through the real ingest path (`Tracker::ingest`), from generated
//! files that correlate the way Office Ally's do: 100 batches, each an 837P of 1,000 claims
//! (two service lines each), its 999, the payer's 277CA (a few claims rejected) and the
//! payer's 835 (most claims paid, some denied with CARC reasons, some with no ERA yet).
//! Everything depends only on the batch number: every run builds the same database.
//!
//! Building takes minutes, so the full run keeps the database under the target folder
//! (`target/tmp/view_latency/<key>/`) and later runs reuse it, printing the build times of
//! the run that built it. The key holds [`DATA_VERSION`], the schema version and a hash of
//! the embedded plugins; bump `DATA_VERSION` when the generator or the ingest/tracking code
//! changes what gets stored, or set `VIEW_LATENCY_REBUILD=1` to build afresh. Building a new
//! key deletes the older ones (about 1.1 GB each).
//!
//! Without `--bench` (as under `cargo test --all-targets`) it builds 2 batches of 20 claims
//! in a temporary folder and measures each view once, so the benchmark cannot rot.
//!
//! `VIEW_LATENCY_DUMP=DIR` also writes batch 1's four files into DIR (to check them with
//! `claimtrack parse`).

// The allocator the `claimtrack` binary uses (src/main.rs), so figures are what it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use claimtrack::clock::Clock;
use claimtrack::ingest::Outcome;
use claimtrack::paths::DataDir;
use claimtrack::store::{DB_FILE, SCHEMA_VERSION};
use claimtrack::tracker::Tracker;
use x12_835::generate::Rng;

/// Bump when the generated files, or what ingest stores for them, change: a cached
/// database from an older version is then built again.
const DATA_VERSION: u32 = 2;

struct Config {
    batches: usize,
    claims_per_batch: usize,
    /// Timed calls per library view.
    runs: usize,
    /// Timed processes per CLI command.
    cli_runs: usize,
}

// ---------------------------------------------------------------------------------------
// Generated files
// ---------------------------------------------------------------------------------------

const LAST: &[&str] = &["DOE", "ROE", "POE", "MOE", "LOE", "VOE", "DAWE", "RAWE", "SAMPLE", "EXAMPLE", "TESTER", "NOBODY"];
const FIRST: &[&str] = &["JANE", "JOHN", "ALEX", "SAM", "PAT", "CHRIS", "DANA", "LEE", "ROBIN", "KIM", "JESSE", "TERRY"];
const PROCEDURES: &[&str] = &["98940", "98941", "97110", "97140", "97530", "97012", "99213", "99214"];
const DIAGNOSES: &[&str] = &["M545", "M5450", "M546", "M542", "S134XXA", "G4489"];
/// (name, payer id): one payer per batch.
const PAYERS: &[(&str, &str)] = &[
    ("ACME HEALTH", "12345"),
    ("BETA INSURANCE", "67890"),
    ("GAMMA CARE", "24680"),
    ("DELTA MUTUAL", "13579"),
];
/// 277CA STC01 of a payer rejection.
const REJECTIONS: &[&str] = &["A7:562:85", "A3:21:85", "A6:145:82", "A7:128:85"];
/// CARC of a denial (CAS*CO).
const DENIALS: &[&str] = &["16", "18", "27", "29", "50", "96", "97", "109", "197", "204"];

/// What the payer does with a claim.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fate {
    /// Rejected in the 277CA; no 835.
    Rejected(&'static str),
    /// Accepted, then paid in the 835.
    Paid,
    /// Accepted, then denied in the 835 (CAS*CO with this CARC).
    Denied(&'static str),
    /// Accepted; no 835 yet (an ERA follow-up alert at the view time).
    NoEra,
}

struct Line {
    code: &'static str,
    cents: i64,
}

struct Claim {
    pcn: String,
    /// The payer's claim number (277CA REF*1K, 835 CLP07).
    icn: String,
    /// Office Ally's claim id (277CA REF*D9).
    oa_id: String,
    last: &'static str,
    first: &'static str,
    member: String,
    diagnosis: &'static str,
    date: String,
    lines: Vec<Line>,
    fate: Fate,
}

impl Claim {
    fn charge(&self) -> i64 {
        self.lines.iter().map(|l| l.cents).sum()
    }
}

struct Batch {
    number: usize,
    /// The day the 837 is sent.
    day: NaiveDate,
    isa13: String,
    gs06: String,
    bht03: String,
    payer: (&'static str, &'static str),
    claims: Vec<Claim>,
}

/// X12 decimal with no trailing zeros: 12000 → "120", 12050 → "120.5".
fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    match a % 100 {
        0 => format!("{sign}{}", a / 100),
        c if c % 10 == 0 => format!("{sign}{}.{}", a / 100, c / 10),
        c => format!("{sign}{}.{c:02}", a / 100),
    }
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

fn yymmdd(d: NaiveDate) -> String {
    d.format("%y%m%d").to_string()
}

const FIRST_DAY: (i32, u32, u32) = (2026, 1, 5);

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(FIRST_DAY.0, FIRST_DAY.1, FIRST_DAY.2).expect("date")
}

/// Batch `number` (1-based): sent on day `number - 1`; its claims' CLM01s are `B###C####`,
/// unique across batches. Claims 1–4 of every batch are paid, denied, rejected and left
/// without an ERA, so each outcome exists however small the batch; the rest are drawn
/// (about 3 % rejected, 12 % denied, 10 % without an ERA, 75 % paid).
fn batch(number: usize, claims: usize) -> Batch {
    let mut rng = Rng(0x0837_0000 ^ number as u64);
    let day = first_day() + Days::new(number as u64 - 1);
    let claims = (1..=claims)
        .map(|n| {
            let fate = match n {
                1 => Fate::Paid,
                2 => Fate::Denied(DENIALS[number % DENIALS.len()]),
                3 => Fate::Rejected(REJECTIONS[number % REJECTIONS.len()]),
                4 => Fate::NoEra,
                _ => match rng.range(0, 99) {
                    0..=2 => Fate::Rejected(rng.pick(REJECTIONS)),
                    3..=14 => Fate::Denied(rng.pick(DENIALS)),
                    15..=24 => Fate::NoEra,
                    _ => Fate::Paid,
                },
            };
            let date = ymd(day - Days::new(rng.range(1, 10)));
            let lines = (0..2)
                .map(|_| Line { code: rng.pick(PROCEDURES), cents: rng.range(40, 300) as i64 * 100 + rng.range(0, 3) as i64 * 25 })
                .collect();
            Claim {
                pcn: format!("B{number:03}C{n:04}"),
                icn: format!("26{number:04}{n:05}"),
                oa_id: format!("9{number:04}{n:05}"),
                last: rng.pick(LAST),
                first: rng.pick(FIRST),
                member: format!("M{number:03}{n:05}"),
                diagnosis: rng.pick(DIAGNOSES),
                date,
                lines,
                fate,
            }
        })
        .collect();
    Batch {
        number,
        day,
        isa13: format!("{:09}", 100_000 + number),
        gs06: format!("{}", 100_000 + number),
        bht03: format!("VL{number:06}"),
        payer: PAYERS[number % PAYERS.len()],
        claims,
    }
}

/// Wrap a transaction set's segments (without ST/SE) in ST…SE, GS…GE and ISA…IEA.
#[allow(clippy::too_many_arguments)]
fn interchange(
    sender: &str,
    receiver_qualifier: &str,
    receiver: &str,
    day: NaiveDate,
    time: &str,
    isa13: &str,
    gs: (&str, &str),
    st: (&str, &str),
    body: &[String],
) -> Vec<u8> {
    let (functional_id, gs06) = gs;
    let (set_id, version) = st;
    let mut out = String::with_capacity(body.iter().map(|s| s.len() + 1).sum::<usize>() + 512);
    out.push_str(&format!(
        "ISA*00*          *00*          *ZZ*{sender:<15}*{receiver_qualifier}*{receiver:<15}*{}*{time}*^*00501*{isa13}*0*P*:~",
        yymmdd(day)
    ));
    out.push_str(&format!("GS*{functional_id}*{sender}*{receiver}*{}*{time}*{gs06}*X*{version}~", ymd(day)));
    out.push_str(&format!("ST*{set_id}*0001*{version}~"));
    for s in body {
        out.push_str(s);
        out.push('~');
    }
    out.push_str(&format!("SE*{}*0001~GE*1*{gs06}~IEA*1*{isa13}~", body.len() + 2));
    out.into_bytes()
}

/// The 837P the practice sent: one transaction set, a subscriber HL per claim.
fn file_837(b: &Batch) -> Vec<u8> {
    let mut s: Vec<String> = vec![
        format!("BHT*0019*00*{}*{}*1700*CH", b.bht03, ymd(b.day)),
        "NM1*41*2*SUNNY CHIROPRACTIC*****46*SUB12345".into(),
        "PER*IC*BILLING OFFICE*TE*5555550100".into(),
        "NM1*40*2*OFFICE ALLY*****46*330897513".into(),
        "HL*1**20*1".into(),
        "PRV*BI*PXC*111N00000X".into(),
        "NM1*85*2*SUNNY CHIROPRACTIC*****XX*1234567893".into(),
        "N3*100 MAIN ST".into(),
        "N4*SPRINGFIELD*IL*627040001".into(),
        "REF*EI*123456789".into(),
    ];
    let (payer, payer_id) = b.payer;
    for (i, c) in b.claims.iter().enumerate() {
        s.push(format!("HL*{}*1*22*0", i + 2));
        s.push(format!("SBR*P*18*GRP{:03}******CI", b.number));
        s.push(format!("NM1*IL*1*{}*{}****MI*{}", c.last, c.first, c.member));
        s.push("N3*1 ELM ST".into());
        s.push("N4*SPRINGFIELD*IL*62704".into());
        s.push("DMG*D8*19800115*F".into());
        s.push(format!("NM1*PR*2*{payer}*****PI*{payer_id}"));
        s.push(format!("CLM*{}*{}***11:B:1*Y*A*Y*Y", c.pcn, money(c.charge())));
        s.push(format!("HI*ABK:{}", c.diagnosis));
        for (j, l) in c.lines.iter().enumerate() {
            s.push(format!("LX*{}", j + 1));
            s.push(format!("SV1*HC:{}*{}*UN*1***1", l.code, money(l.cents)));
            s.push(format!("DTP*472*D8*{}", c.date));
            s.push(format!("REF*6R*{}L{}", c.pcn, j + 1));
        }
    }
    interchange("SUBMITTER01", "30", "330897513", b.day, "1700", &b.isa13, ("HC", &b.gs06), ("837", "005010X222A1"), &s)
}

/// Office Ally's 999: the transaction set accepted.
fn file_999(b: &Batch) -> Vec<u8> {
    let s: Vec<String> = vec![
        format!("AK1*HC*{}*005010X222A1", b.gs06),
        "AK2*837*0001*005010X222A1".into(),
        "IK5*A".into(),
        "AK9*A*1*1*1".into(),
    ];
    let isa13 = format!("{:09}", 200_000 + b.number);
    let gs06 = format!("{}", 200_000 + b.number);
    interchange("330897513", "ZZ", "SUBMITTER01", b.day, "1800", &isa13, ("FA", &gs06), ("999", "005010X231A1"), &s)
}

/// The payer's 277CA, the next day: every claim accepted (with its payer claim number and
/// Office Ally claim id) or rejected.
fn file_277ca(b: &Batch) -> Vec<u8> {
    let day = b.day + Days::new(1);
    let (payer, payer_id) = b.payer;
    let total: i64 = b.claims.iter().map(Claim::charge).sum();
    let mut s: Vec<String> = vec![
        format!("BHT*0085*08*CA{:06}*{}*0930*TH", b.number, ymd(day)),
        "HL*1**20*1".into(),
        format!("NM1*PR*2*{payer}*****PI*{payer_id}"),
        format!("TRN*1*CA{:06}", b.number),
        format!("DTP*050*D8*{}", ymd(day)),
        format!("DTP*009*D8*{}", ymd(day)),
        "HL*2*1*21*1".into(),
        "NM1*41*2*SUNNY CHIROPRACTIC*****46*SUB12345".into(),
        format!("TRN*2*{}", b.bht03),
        format!("STC*A1:19:PR*{}*WQ*{}", ymd(day), money(total)),
        "HL*3*2*19*1".into(),
        "NM1*85*2*SUNNY CHIROPRACTIC*****XX*1234567893".into(),
        "TRN*1*0".into(),
    ];
    for (i, c) in b.claims.iter().enumerate() {
        s.push(format!("HL*{}*3*PT", i + 4));
        s.push(format!("NM1*QC*1*{}*{}****MI*{}", c.last, c.first, c.member));
        s.push(format!("TRN*2*{}", c.pcn));
        match c.fate {
            Fate::Rejected(stc) => s.push(format!("STC*{stc}*{}*U*{}", ymd(day), money(c.charge()))),
            _ => {
                s.push(format!("STC*A2:20*{}*WQ*{}", ymd(day), money(c.charge())));
                s.push(format!("REF*1K*{}", c.icn));
            }
        }
        s.push(format!("REF*D9*{}", c.oa_id));
        s.push(format!("DTP*472*D8*{}", c.date));
    }
    let isa13 = format!("{:09}", 300_000 + b.number);
    let gs06 = format!("{}", 300_000 + b.number);
    interchange("330897513", "ZZ", "SUBMITTER01", day, "0930", &isa13, ("HN", &gs06), ("277", "005010X214"), &s)
}

/// The day the batch's 835 arrives.
fn era_day(b: &Batch) -> NaiveDate {
    b.day + Days::new(14)
}

/// The payer's 835, two weeks later: paid and denied claims, balanced (charge − paid = Σ CAS
/// per line, BPR02 = Σ CLP04).
fn file_835(b: &Batch) -> Vec<u8> {
    let day = era_day(b);
    let (payer, payer_id) = b.payer;
    let mut rng = Rng(0x0835_0000 ^ b.number as u64);
    let mut claims: Vec<String> = Vec::new();
    let mut total = 0i64;
    for c in &b.claims {
        let (status, denial) = match c.fate {
            Fate::Paid => ("1", None),
            Fate::Denied(carc) => ("4", Some(carc)),
            Fate::Rejected(_) | Fate::NoEra => continue,
        };
        let mut lines: Vec<String> = Vec::new();
        let (mut paid, mut patient) = (0i64, 0i64);
        for (j, l) in c.lines.iter().enumerate() {
            let (line_paid, cas): (i64, Vec<String>) = match denial {
                Some(carc) => (0, vec![format!("CAS*CO*{carc}*{}", money(l.cents))]),
                None => {
                    let allowed = l.cents * rng.range(55, 90) as i64 / 100;
                    let copay = if rng.range(0, 99) < 40 { 2000.min(allowed) } else { 0 };
                    patient += copay;
                    let mut cas = vec![format!("CAS*CO*45*{}", money(l.cents - allowed))];
                    if copay > 0 {
                        cas.push(format!("CAS*PR*3*{}", money(copay)));
                    }
                    (allowed - copay, cas)
                }
            };
            paid += line_paid;
            lines.push(format!("SVC*HC:{}*{}*{}**1", l.code, money(l.cents), money(line_paid)));
            lines.push(format!("DTM*472*{}", c.date));
            lines.extend(cas);
            lines.push(format!("REF*6R*{}L{}", c.pcn, j + 1));
        }
        total += paid;
        let pr = if patient == 0 { String::new() } else { money(patient) };
        claims.push(format!("CLP*{}*{status}*{}*{}*{pr}*12*{}*11*1", c.pcn, money(c.charge()), money(paid), c.icn));
        claims.push(format!("NM1*QC*1*{}*{}****MI*{}", c.last, c.first, c.member));
        claims.extend(lines);
    }
    let mut s: Vec<String> = vec![
        format!(
            "BPR*I*{}*C*ACH*CCP*01*999999992*DA*123456789*1234567890**01*999988880*DA*98765*{}",
            money(total),
            ymd(day)
        ),
        format!("TRN*1*EFT{:08}*1{payer_id}", b.number),
        format!("DTM*405*{}", ymd(day)),
        format!("N1*PR*{payer}*XV*{payer_id}"),
        "N3*1 EXAMPLE WAY".into(),
        "N4*ANYTOWN*IL*627040000".into(),
        "N1*PE*SUNNY CHIROPRACTIC*XX*1234567893".into(),
        "LX*1".into(),
    ];
    s.extend(claims);
    let isa13 = format!("{:09}", 400_000 + b.number);
    let gs06 = format!("{}", 400_000 + b.number);
    interchange(payer_id, "ZZ", "SUBMITTER01", day, "1200", &isa13, ("HP", &gs06), ("835", "005010X221A1"), &s)
}

/// The four files of a batch, each with the name it is ingested under and when it arrives.
fn files_of(b: &Batch) -> [(String, NaiveDate, &'static str, Vec<u8>); 4] {
    let tag = format!("{}-{:03}", ymd(b.day), b.number);
    [
        (format!("SUNNY_{tag}_837P.txt"), b.day, "17:00", file_837(b)),
        (format!("{tag}_999.x12"), b.day, "18:00", file_999(b)),
        (format!("{tag}_277CA.x12"), b.day + Days::new(1), "09:30", file_277ca(b)),
        (format!("{tag}_ERA.835"), era_day(b), "12:00", file_835(b)),
    ]
}

// ---------------------------------------------------------------------------------------
// Building the database
// ---------------------------------------------------------------------------------------

fn clock_at(day: NaiveDate, time: &str) -> Clock {
    Clock::parse_fixed(&format!("{}T{time}:00Z", day.format("%Y-%m-%d"))).expect("fixed time")
}

fn ingest_clean(t: &mut Tracker, name: &str, bytes: &[u8]) -> usize {
    let r = t.ingest(name, &claimtrack::ingest::FileOrigin::Ingest, bytes).expect("ingest");
    match r.outcome {
        Outcome::Ingested { errors: 0, warnings, events, .. } => {
            assert_eq!(warnings, 0, "{name}: the generated file has warnings");
            events
        }
        other => panic!("{name} was not ingested cleanly: {other:?}"),
    }
}

struct Build {
    /// Every 837, 999 and 277CA, batch by batch.
    sends: Duration,
    /// Every 835.
    eras: Duration,
    input_bytes: usize,
    events: usize,
    files: usize,
}

impl Build {
    fn to_json(&self) -> String {
        serde_json::json!({
            "sends_s": self.sends.as_secs_f64(),
            "eras_s": self.eras.as_secs_f64(),
            "input_bytes": self.input_bytes,
            "events": self.events,
            "files": self.files,
        })
        .to_string()
    }

    fn from_json(text: &str) -> Option<Build> {
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        Some(Build {
            sends: Duration::from_secs_f64(v["sends_s"].as_f64()?),
            eras: Duration::from_secs_f64(v["eras_s"].as_f64()?),
            input_bytes: v["input_bytes"].as_u64()? as usize,
            events: v["events"].as_u64()? as usize,
            files: v["files"].as_u64()? as usize,
        })
    }
}

/// Where the full run keeps its database, by what it depends on.
fn cache_dir(cfg: &Config) -> (PathBuf, String) {
    let plugins: Vec<u8> = claimtrack::runtime::embedded::first_party()
        .flat_map(|(name, bytes)| name.as_bytes().iter().chain(bytes).copied())
        .collect();
    let hash = claimtrack::ingest::sha256_hex(&plugins);
    let key = format!("v{DATA_VERSION}-schema{SCHEMA_VERSION}-{}x{}-plugins{}", cfg.batches, cfg.claims_per_batch, &hash[..12]);
    (PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("view_latency"), key)
}

/// The cached database for `cfg`, built now unless an earlier run left it. Returns its data
/// folder, how it was built, and whether it was reused.
fn cached_database(cfg: &Config, batches: &[Batch]) -> (DataDir, Build, bool) {
    let (parent, key) = cache_dir(cfg);
    let dir = parent.join(&key);
    let data = DataDir::new(dir.join("data"));
    let stats = dir.join("build.json");
    if std::env::var_os("VIEW_LATENCY_REBUILD").is_none()
        && let Some(b) = std::fs::read_to_string(&stats).ok().as_deref().and_then(Build::from_json)
        && data.root().join(DB_FILE).exists()
    {
        return (data, b, true);
    }
    // Only one database at a time: they are large.
    if let Ok(entries) = std::fs::read_dir(&parent) {
        for e in entries.flatten() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
    let partial = parent.join(format!("{key}.partial"));
    std::fs::create_dir_all(&partial).expect("cache folder");
    let b = build(&DataDir::new(partial.join("data")), batches);
    std::fs::write(partial.join("build.json"), b.to_json()).expect("build stats");
    std::fs::rename(&partial, &dir).expect("cache folder");
    (data, b, false)
}

/// Ingest every batch's 837, 999 and 277CA in the order they arrive, then every 835.
///
/// The 835s come last on purpose: an 835's payment-level events (the BPR, PLBs) link to no
/// batch, and `tracking::track_stored` re-derives every batch and claim when a new 837 arrives
/// while such links exist, so interleaving would rebuild the whole database once per batch.
/// Each claim still sees its files in the order (and at the times) they were sent.
fn build(data: &DataDir, batches: &[Batch]) -> Build {
    let (mut t, problems) = Tracker::open(data, clock_at(first_day(), "00:00")).expect("open");
    assert!(problems.is_empty(), "{problems:?}");
    let (mut input_bytes, mut events, mut files) = (0, 0, 0);
    let start = Instant::now();
    let mut eras = Vec::new();
    for b in batches {
        let [f837, f999, f277, f835] = files_of(b);
        for (name, day, time, bytes) in [f837, f999, f277] {
            t.set_clock(clock_at(day, time));
            events += ingest_clean(&mut t, &name, &bytes);
            input_bytes += bytes.len();
            files += 1;
        }
        eras.push(f835);
    }
    let sends = start.elapsed();
    let start = Instant::now();
    for (name, day, time, bytes) in eras {
        t.set_clock(clock_at(day, time));
        events += ingest_clean(&mut t, &name, &bytes);
        input_bytes += bytes.len();
        files += 1;
    }
    Build { sends, eras: start.elapsed(), input_bytes, events, files }
}

// ---------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------

struct Timing {
    median: Duration,
    min: Duration,
    max: Duration,
}

fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (Timing, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = std::hint::black_box(f());
        times.push(t.elapsed());
        last = Some(v);
    }
    times.sort();
    (Timing { median: times[times.len() / 2], min: times[0], max: times[times.len() - 1] }, last.expect("runs > 0"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn row(what: &str, result: &str, t: &Timing) {
    println!("  | {what:<52} | {result:>14} | {:>10.2} ms | {:>10.2} ms | {:>10.2} ms |", ms(t.median), ms(t.min), ms(t.max));
}

/// Run the CLI `runs` times (after one untimed run); its stdout size from the last run.
fn cli(data: &Path, now: &str, args: &[&str], runs: usize, expect_ok: bool) -> (Timing, usize) {
    let run = || {
        let out = Command::new(env!("CARGO_BIN_EXE_claimtrack"))
            .args(args)
            .env("CLAIMTRACK_DATA_DIR", data)
            .env("CLAIMTRACK_NOW", now)
            .env_remove("CLAIMTRACK_LOG")
            .stdin(Stdio::null())
            .output()
            .expect("run claimtrack");
        assert_eq!(out.status.success(), expect_ok, "claimtrack {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout.len()
    };
    run();
    timed(runs, run)
}

fn kb(bytes: usize) -> String {
    format!("{:.1} kB out", bytes as f64 / 1e3)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let cfg = if full {
        Config { batches: 100, claims_per_batch: 1000, runs: 7, cli_runs: 5 }
    } else {
        Config { batches: 2, claims_per_batch: 20, runs: 1, cli_runs: 1 }
    };
    let total_claims = cfg.batches * cfg.claims_per_batch;
    let started = Instant::now();

    let gen_start = Instant::now();
    let batches: Vec<Batch> = (1..=cfg.batches).map(|n| batch(n, cfg.claims_per_batch)).collect();
    let generate = gen_start.elapsed();
    if let Some(dir) = std::env::var_os("VIEW_LATENCY_DUMP") {
        let dir = Path::new(&dir);
        std::fs::create_dir_all(dir).expect("dump folder");
        for (name, _, _, bytes) in files_of(&batches[0]) {
            std::fs::write(dir.join(name), bytes).expect("dump");
        }
    }

    // The smoke run's database lives (and dies) with this folder.
    let tmp = tempfile::tempdir().expect("tempdir");
    let (data, built, cached) = if full {
        cached_database(&cfg, &batches)
    } else {
        let data = DataDir::new(tmp.path().join("data"));
        let b = build(&data, &batches);
        (data, b, false)
    };

    // Closing checkpoints the WAL into the database file (the last connection deletes it):
    // the database file's size is the store's.
    let db = data.root().join(DB_FILE);
    let wal = std::fs::metadata(data.root().join(format!("{DB_FILE}-wal"))).map(|m| m.len()).unwrap_or(0);
    let db_bytes = std::fs::metadata(&db).expect("database").len() + wal;
    let (archive_bytes, event_json_bytes, statuses) = {
        let conn = rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
        let archive: i64 = conn.query_row("SELECT SUM(length(bytes)) FROM files", [], |r| r.get(0)).expect("sum");
        let json: i64 = conn.query_row("SELECT SUM(length(body)) FROM events", [], |r| r.get(0)).expect("sum");
        let mut stmt = conn.prepare("SELECT status, COUNT(*) FROM claims GROUP BY status ORDER BY 2 DESC").expect("sql");
        let statuses: Vec<(String, i64)> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("sql").collect::<Result<_, _>>().expect("rows");
        (archive, json, statuses)
    };
    let claims_stored: i64 = statuses.iter().map(|(_, n)| n).sum();
    assert_eq!(claims_stored, total_claims as i64, "every response found its claim: {statuses:?}");

    // The views, 60 days after the last batch was sent: the time rules have something to say.
    let now_day = batches.last().expect("batches").day + Days::new(60);
    let now = clock_at(now_day, "08:00");
    let now_text = now.stamp();
    let (t, problems) = Tracker::open(&data, now).expect("open");
    assert!(problems.is_empty(), "{problems:?}");

    let mid = &batches[batches.len() / 2];
    let mid_id = t
        .batches()
        .expect("batches")
        .into_iter()
        .find(|b| b.name.contains(&format!("-{:03}_837P", mid.number)))
        .expect("the middle batch")
        .id;
    let paid = mid.claims.iter().find(|c| c.fate == Fate::Paid).expect("a paid claim");

    println!(
        "claimtrack view latency benchmark ({})",
        if full { "full" } else { "smoke run; use `cargo bench` for figures" }
    );
    println!(
        "  database: {} batches × {} claims = {total_claims} claims; {} files ({:.1} MB), {} events",
        cfg.batches,
        cfg.claims_per_batch,
        built.files,
        built.input_bytes as f64 / 1e6,
        built.events
    );
    println!(
        "  claim statuses: {}",
        statuses.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(", ")
    );
    println!(
        "  built through Tracker::ingest in {:.1} s{}: 837 + 999 + 277CA {:.1} s, 835 {:.1} s (generating the files: {:.2} s)",
        (built.sends + built.eras).as_secs_f64(),
        if cached { " (by an earlier run; reused from the target folder)" } else { "" },
        built.sends.as_secs_f64(),
        built.eras.as_secs_f64(),
        generate.as_secs_f64()
    );
    let per_k = |b: f64| b / (total_claims as f64 / 1_000.0) / 1e6;
    println!(
        "  database on disk: {:.2} MB = {:.3} MB per 1,000 claims (input files {:.3} MB per 1,000 claims)",
        db_bytes as f64 / 1e6,
        per_k(db_bytes as f64),
        per_k(built.input_bytes as f64)
    );
    println!(
        "    of which raw files {:.2} MB, event JSON {:.2} MB, columns/indexes/tracking {:.2} MB",
        archive_bytes as f64 / 1e6,
        event_json_bytes as f64 / 1e6,
        (db_bytes as i64 - archive_bytes - event_json_bytes) as f64 / 1e6
    );
    println!("  views at {now_text}; library: median of {} calls, CLI: median of {} processes", cfg.runs, cfg.cli_runs);
    println!("  | {:<52} | {:>14} | {:>13} | {:>13} | {:>13} |", "view", "result", "median", "min", "max");
    println!("  |{}|{}|{}|{}|{}|", "-".repeat(54), "-".repeat(16), "-".repeat(15), "-".repeat(15), "-".repeat(15));

    let (tm, v) = timed(cfg.runs, || t.batches().expect("batches"));
    assert_eq!(v.len(), cfg.batches);
    row("Tracker::batches()", &format!("{} batches", v.len()), &tm);

    let (tm, v) = timed(cfg.runs, || t.batch(mid_id).expect("batch").expect("exists"));
    assert_eq!(v.1.len(), cfg.claims_per_batch);
    row(&format!("Tracker::batch({mid_id})"), &format!("{} claims", v.1.len()), &tm);

    let (tm, v) = timed(cfg.runs, || t.claim(&paid.pcn).expect("claim"));
    assert_eq!(v.len(), 1, "{}", paid.pcn);
    assert!(v[0].0.status == "PAID", "{:?}", v[0].0);
    row(&format!("Tracker::claim(\"{}\") (patient control number)", paid.pcn), &format!("{} events", v[0].1.len()), &tm);

    let (tm, v) = timed(cfg.runs, || t.claim(&paid.icn).expect("claim"));
    assert_eq!(v.len(), 1, "{}", paid.icn);
    row(&format!("Tracker::claim(\"{}\") (payer claim number)", paid.icn), &format!("{} events", v[0].1.len()), &tm);

    let (tm, v) = timed(cfg.runs, || t.claim(&paid.oa_id).expect("claim"));
    assert_eq!(v.len(), 1, "{}", paid.oa_id);
    row(&format!("Tracker::claim(\"{}\") (OA claim id)", paid.oa_id), &format!("{} events", v[0].1.len()), &tm);

    let (tm, v) = timed(cfg.runs, || t.errors(None, false).expect("errors"));
    let hit: usize = v.iter().map(|g| g.count).sum();
    assert!(!v.is_empty());
    row("Tracker::errors(None)", &format!("{} codes/{hit}", v.len()), &tm);

    let (tm, v) = timed(cfg.runs, || t.errors(Some(mid_id), false).expect("errors"));
    let hit: usize = v.iter().map(|g| g.count).sum();
    assert!(!v.is_empty());
    row(&format!("Tracker::errors(Some({mid_id}))"), &format!("{} codes/{hit}", v.len()), &tm);

    let (tm, v) = timed(cfg.runs, || t.alerts().expect("alerts"));
    assert!(!v.is_empty());
    row("Tracker::alerts()", &format!("{} alerts", v.len()), &tm);
    drop(t);

    let dir = data.root();
    let id = mid_id.to_string();
    let cli_rows: [(&str, Vec<&str>, bool); 8] = [
        ("claimtrack batch 999999 (start-up: no such batch)", vec!["batch", "999999"], false),
        ("claimtrack batches --json", vec!["batches", "--json"], true),
        ("claimtrack batches", vec!["batches"], true),
        ("claimtrack batch ID", vec!["batch", &id], true),
        ("claimtrack claim PCN", vec!["claim", &paid.pcn], true),
        ("claimtrack claim PAYER-CLAIM-NUMBER", vec!["claim", &paid.icn], true),
        ("claimtrack errors", vec!["errors"], true),
        ("claimtrack alerts", vec!["alerts"], true),
    ];
    for (what, args, ok) in &cli_rows {
        let (tm, out) = cli(dir, &now_text, args, cfg.cli_runs, *ok);
        row(what, &kb(out), &tm);
    }
    println!("  errors: reason codes / claims hit, summed over codes; CLI: new process each, data folder open + plugins loaded");

    // A copy for what writes (the cached database stays as built): the API's token and
    // webhook, then `rebuild`.
    let copy = tempfile::tempdir().expect("temp dir");
    let copy_data = DataDir::new(copy.path().join("data"));
    std::fs::create_dir_all(copy_data.root()).expect("copy folder");
    std::fs::copy(dir.join(DB_FILE), copy_data.root().join(DB_FILE)).expect("copy the database");

    api::run(copy_data.root(), &now_text, if full { api::FULL } else { api::SMOKE }, &paid.pcn, total_claims);

    // `rebuild`: every archived file read again and everything derived again, once.
    // Target: no slower than ingesting the same files.
    let (mut t, problems) = Tracker::open(&copy_data, now).expect("open the copy");
    assert!(problems.is_empty(), "{problems:?}");
    let began = Instant::now();
    let changes = t.rebuild().expect("rebuild");
    let took = began.elapsed();
    assert!(changes.is_empty(), "the same plugins change no status: {:?}", &changes[..changes.len().min(5)]);
    println!(
        "  Tracker::rebuild(): {:.1} s for {total_claims} claims ({} files), against {:.1} s to ingest them",
        took.as_secs_f64(),
        built.files,
        (built.sends + built.eras).as_secs_f64()
    );
    println!("  whole benchmark: {:.1} s", started.elapsed().as_secs_f64());
}

/// `claimtrack serve` on the same database: latency seen by 16 concurrent HTTP clients, and
/// webhook deliveries per second to a receiver on 127.0.0.1.
mod api {
    use std::io::{BufRead, BufReader};
    use std::net::TcpListener;
    use std::path::Path;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use claimtrack_sim::receiver::{Mode, Receiver};

    pub struct Load {
        clients: usize,
        /// Requests per client per endpoint.
        requests: usize,
        /// Changes delivered to the webhook.
        deliveries: usize,
        /// Requests per dashboard page, one at a time.
        page_requests: usize,
    }
    pub const FULL: Load = Load { clients: 16, requests: 200, deliveries: 5_000, page_requests: 50 };
    pub const SMOKE: Load = Load { clients: 2, requests: 2, deliveries: 20, page_requests: 1 };

    /// The dashboard's pages, signed in as a browser is: the time from request to the last
    /// byte (server-rendered, so that is the server's time plus loopback), one request at a
    /// time; and what a first visit downloads (the home page and the stylesheet).
    fn pages(base: &str, sign_in: &str, get: &dyn Fn(&ureq::Agent, &str) -> (u16, String), uids: &[String], requests: usize) {
        let site = base.trim_end_matches("/api/v1");
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into();
        let code = sign_in.split_once("code=").expect("a code").1;
        let r = agent
            .post(format!("{site}/sign-in"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(format!("code={code}"))
            .expect("sign in");
        assert_eq!(r.status().as_u16(), 303);
        let cookie = r.headers().get("set-cookie").and_then(|v| v.to_str().ok()).and_then(|v| v.split(';').next()).expect("a session cookie").to_string();
        let (_, batches) = get(&agent, "/batches");
        let batches: serde_json::Value = serde_json::from_str(&batches).expect("JSON");
        let batch = batches["data"][0]["uid"].as_str().expect("a batch").to_string();
        let fetch = |path: &str| -> (Duration, usize) {
            let t = Instant::now();
            let mut r = agent.get(format!("{site}{path}")).header("Cookie", &cookie).call().expect("page");
            let status = r.status().as_u16();
            let body = r.body_mut().read_to_string().expect("body");
            assert_eq!(status, 200, "{path}: {body}");
            (t.elapsed(), body.len())
        };
        let claim = format!("/claims/{}", uids[0]);
        let paths = [
            ("home", "/".to_string()),
            ("batches (50 per page)", "/batches".to_string()),
            ("batches, one expanded", format!("/batches?open={batch}")),
            ("one batch (its first 250 claims)", format!("/batches/{batch}")),
            ("one claim with its timeline", claim),
            ("work queues (25 claims each)", "/queues".to_string()),
            ("one work queue (100 claims)", "/queues?only=no_era".to_string()),
            ("errors (25 claims per problem)", "/errors".to_string()),
            ("files (100 per page)", "/files".to_string()),
        ];
        println!("  dashboard pages, one request at a time ({requests} each after a first one), signed in");
        println!("  | {:<52} | {:>10} | {:>10} | {:>10} | {:>10} | {:>12} |", "page", "first", "p50", "p99", "max", "size");
        println!("  |{}|{}|{}|{}|{}|{}|", "-".repeat(54), "-".repeat(12), "-".repeat(12), "-".repeat(12), "-".repeat(12), "-".repeat(14));
        for (what, path) in &paths {
            // The first request reads what `serve` then keeps until the database changes.
            let (first, _) = fetch(path);
            let mut size = 0;
            let mut times: Vec<Duration> = (0..requests)
                .map(|_| {
                    let (t, n) = fetch(path);
                    size = n;
                    t
                })
                .collect();
            times.sort();
            println!(
                "  | {what:<52} | {:>7.2} ms | {:>7.2} ms | {:>7.2} ms | {:>7.2} ms | {:>9.1} KB |",
                super::ms(first),
                pct(&times, 0.5),
                pct(&times, 0.99),
                pct(&times, 1.0),
                size as f64 / 1024.0
            );
        }
        let (_, home) = fetch("/");
        let (_, css) = fetch("/assets/app.css");
        println!("  first page load (home HTML + the stylesheet; no script, no images): {:.1} KB", (home + css) as f64 / 1024.0);
    }

    struct Server(Child);
    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn claimtrack(data: &Path, now: &str) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_claimtrack"));
        c.env("CLAIMTRACK_DATA_DIR", data).env("CLAIMTRACK_NOW", now).env("CLAIMTRACK_CONFIG", data.join("none.toml")).env_remove("CLAIMTRACK_LOG");
        c
    }

    fn output(c: &mut Command) -> String {
        let o = c.output().expect("claimtrack runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).expect("UTF-8")
    }

    fn pct(sorted: &[Duration], p: f64) -> f64 {
        let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[i].as_secs_f64() * 1e3
    }

    pub fn run(data: &Path, now: &str, load: Load, pcn: &str, claims: usize) {
        let token = output(claimtrack(data, now).args(["token", "create", "bench"])).trim().to_string();
        let mut child = claimtrack(data, now)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let server = Server(child);
        // The dashboard's sign-in link comes first, then the API's address.
        let (mut base, mut sign_in) = (None, None);
        for _ in 0..6 {
            let mut line = String::new();
            out.read_line(&mut line).expect("serve says where");
            match line.split_whitespace().find(|w| w.starts_with("http://")) {
                Some(u) if u.contains("/sign-in?code=") => sign_in = Some(u.to_string()),
                Some(u) if u.ends_with("/api/v1") => {
                    base = Some(u.to_string());
                    break;
                }
                _ => {}
            }
        }
        let base = base.expect("serve prints the API's address");
        let sign_in = sign_in.expect("serve prints a dashboard sign-in link");
        let agent = || -> ureq::Agent { ureq::Agent::config_builder().http_status_as_error(false).build().into() };
        let get = |a: &ureq::Agent, path: &str| -> (u16, String) {
            let mut r = a.get(format!("{base}{path}")).header("Authorization", format!("Bearer {token}")).call().expect("request");
            (r.status().as_u16(), r.body_mut().read_to_string().expect("body"))
        };

        // Claim uids to fetch: a page of the newest, spread over the clients.
        let (status, page) = get(&agent(), "/claims?limit=500");
        assert_eq!(status, 200, "{page}");
        let page: serde_json::Value = serde_json::from_str(&page).expect("JSON");
        let uids: Vec<String> = page["data"]["claims"].as_array().expect("claims").iter().map(|c| c["uid"].as_str().expect("uid").to_string()).collect();
        assert!(!uids.is_empty());

        // Each endpoint with the path of its i-th request.
        type PathOf<'a> = Box<dyn Fn(usize) -> String + Sync + 'a>;
        let endpoints: [(&str, PathOf<'_>); 4] = [
            ("GET /api/v1/batches (all)", Box::new(|_| "/batches".to_string())),
            ("GET /api/v1/claims?q=PCN (search)", Box::new(move |i| format!("/claims?q={}", if i % 2 == 0 { pcn.to_string() } else { format!("B{:03}C{:04}", 1 + i % 100, 1 + i % 1000) }))),
            ("GET /api/v1/claims?status=DENIED (a page)", Box::new(|_| "/claims?status=DENIED&limit=50".to_string())),
            ("GET /api/v1/claims/{uid} (one claim)", Box::new(|i| format!("/claims/{}", uids[i % uids.len()]))),
        ];
        println!(
            "  API (`claimtrack serve`, 8 workers) on the same {claims} claims: {} concurrent clients × {} requests each, keep-alive",
            load.clients, load.requests
        );
        println!("  | {:<52} | {:>10} | {:>10} | {:>10} | {:>12} |", "request", "p50", "p99", "max", "requests/s");
        println!("  |{}|{}|{}|{}|{}|", "-".repeat(54), "-".repeat(12), "-".repeat(12), "-".repeat(12), "-".repeat(14));
        for (what, path) in &endpoints {
            let began = Instant::now();
            let mut times: Vec<Duration> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..load.clients)
                    .map(|c| {
                        let (get, path, agent) = (&get, path, agent());
                        scope.spawn(move || {
                            // One untimed request per client opens its connection.
                            let _ = get(&agent, &path(c));
                            (0..load.requests)
                                .map(|i| {
                                    let p = path(c * load.requests + i);
                                    let t = Instant::now();
                                    let (status, body) = get(&agent, &p);
                                    let took = t.elapsed();
                                    assert_eq!(status, 200, "{p}: {body}");
                                    took
                                })
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                handles.into_iter().flat_map(|h| h.join().expect("client")).collect()
            });
            let wall = began.elapsed();
            times.sort();
            println!(
                "  | {what:<52} | {:>7.2} ms | {:>7.2} ms | {:>7.2} ms | {:>12.0} |",
                pct(&times, 0.5),
                pct(&times, 0.99),
                pct(&times, 1.0),
                times.len() as f64 / wall.as_secs_f64()
            );
        }

        pages(&base, &sign_in, &get, &uids, load.page_requests);

        // Webhook deliveries: the last N changes of the log, to a receiver answering at once.
        let latest: i64 = {
            let conn = rusqlite::Connection::open(data.join(claimtrack::store::DB_FILE)).expect("db");
            conn.query_row("SELECT MAX(id) FROM changes", [], |r| r.get(0)).expect("changes")
        };
        let n = load.deliveries.min(latest as usize);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("port").port();
        let receiver = Receiver::start(listener, Mode::Take);
        let url = format!("http://127.0.0.1:{port}/hook");
        let since = (latest - n as i64).to_string();
        let began = Instant::now();
        output(claimtrack(data, now).args(["webhook", "add", &url, "--since", &since]));
        receiver.wait_for(Duration::from_secs(600), "the deliveries", |inbox| inbox.got.len() >= n);
        let took = began.elapsed();
        let got = receiver.got();
        assert!(got.windows(2).all(|w| w[0].id < w[1].id), "in order, none twice");
        println!(
            "  webhooks: {n} changes delivered in {:.2} s = {:.0} deliveries/s (one POST each, in order, signed; \
             including the up to 250 ms before serve notices the new webhook)",
            took.as_secs_f64(),
            n as f64 / took.as_secs_f64()
        );
        drop(server);
    }
}
