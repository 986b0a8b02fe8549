//! Synthetic 835 files for benchmarks and load tests (native only).
//!
//! [`synthetic_835`] writes a valid 005010X221A1 interchange: correct SE01/GE01/IEA01 counts
//! and matching control numbers, every claim and line balanced (charge − paid = Σ CAS),
//! every transaction set balanced (BPR02 = Σ CLP04 − Σ PLB), and only codes the plugin
//! knows, so it parses with no warnings. Names, ids and amounts are invented; the output
//! depends only on `(claims, seed)`.
//!
//! Shape: one transaction set (one payment) per [`CLAIMS_PER_PAYMENT`] claims; claims are
//! about 72 % paid, 8 % paid $0 to the deductible, 12 % denied and 8 % reversal +
//! correction pairs; each has 1–4 service lines with DTM*472, CAS, REF*6R and sometimes
//! AMT*B6 / LQ*HE; each transaction set ends with a PLB. 20,000 claims come to about 4 MB.

/// Claims per transaction set (one check or EFT each).
pub const CLAIMS_PER_PAYMENT: usize = 1000;

/// A tiny deterministic PRNG (SplitMix64): no dependency, same output on every platform.
/// Public so the host's tests and benchmarks draw their synthetic workloads from the same one.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits. (Not an `Iterator`: the generator never ends, and callers
    /// want bits, not `Option`s.)
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// One of `items`, uniformly.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const LAST: &[&str] = &[
    "DOE", "ROE", "POE", "MOE", "LOE", "VOE", "DAWE", "RAWE", "SAMPLE", "EXAMPLE", "TESTER", "PLACEHOLD", "NOBODY",
    "ANYONE", "FICTUS", "MOCKER",
];
const FIRST: &[&str] = &["JANE", "JOHN", "ALEX", "SAM", "PAT", "CHRIS", "DANA", "LEE", "ROBIN", "KIM", "JESSE", "TERRY"];
const PROCEDURES: &[&str] = &["99213", "99214", "98941", "97110", "97140", "97530", "97012", "99203", "G0283", "97035"];
const DENIALS: &[&str] = &["16", "18", "27", "29", "50", "96", "97", "109", "197", "204"];
const DENIAL_REMARKS: &[&str] = &["N130", "MA130", "N362", "M15", "N381", "MA01"];

/// X12 decimal with no trailing zeros: 12000 → "120", 12050 → "120.5", -4258 → "-42.58".
fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    match a % 100 {
        0 => format!("{sign}{}", a / 100),
        c if c % 10 == 0 => format!("{sign}{}.{}", a / 100, c / 10),
        c => format!("{sign}{}.{c:02}", a / 100),
    }
}

/// Segments of one transaction set body, with its running totals.
struct Body {
    segs: Vec<String>,
    paid: i64,
}

/// One service line, before it is written (amounts are positive; a reversal negates).
struct Line {
    code: &'static str,
    modifier: Option<&'static str>,
    charge: i64,
    paid: i64,
    /// (group, CARC, amount)
    adjustments: Vec<(&'static str, &'static str, i64)>,
    allowed: Option<i64>,
    remark: Option<&'static str>,
    date: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Paid,
    Deductible,
    Denied,
}

fn date(rng: &mut Rng) -> String {
    format!("2024{:02}{:02}", rng.range(1, 12), rng.range(1, 28))
}

fn lines(rng: &mut Rng, kind: Kind) -> Vec<Line> {
    let n = match rng.range(0, 99) {
        0..=77 => 1,
        78..=92 => 2,
        93..=96 => 3,
        _ => 4,
    };
    let day = date(rng);
    (0..n)
        .map(|_| {
            let charge = rng.range(40, 300) as i64 * 100 + rng.range(0, 3) as i64 * 25;
            let mut l = Line {
                code: rng.pick(PROCEDURES),
                modifier: if rng.chance(15) { Some("25") } else { None },
                charge,
                paid: 0,
                adjustments: Vec::new(),
                allowed: None,
                remark: None,
                date: day.clone(),
            };
            match kind {
                Kind::Denied => {
                    l.adjustments.push(("CO", rng.pick(DENIALS), charge));
                    if rng.chance(50) {
                        l.remark = Some(rng.pick(DENIAL_REMARKS));
                    }
                }
                Kind::Paid | Kind::Deductible => {
                    let allowed = charge * rng.range(55, 90) as i64 / 100;
                    let patient = match kind {
                        Kind::Deductible => allowed,
                        _ if rng.chance(40) => allowed / 5,
                        _ if rng.chance(30) => 2000.min(allowed),
                        _ => 0,
                    };
                    l.paid = allowed - patient;
                    l.adjustments.push(("CO", "45", charge - allowed));
                    if patient > 0 {
                        let carc = match kind {
                            Kind::Deductible => "1",
                            _ if patient == 2000 => "3",
                            _ => "2",
                        };
                        l.adjustments.push(("PR", carc, patient));
                    }
                    if rng.chance(25) {
                        l.allowed = Some(allowed);
                    }
                }
            }
            l
        })
        .collect()
}

/// Write one claim (CLP … its lines). `sign` is -1 for a reversal.
#[allow(clippy::too_many_arguments)]
fn claim(body: &mut Body, rng: &mut Rng, pcn: &str, icn: &str, status: &str, sign: i64, lines: &[Line], with_moa: bool) {
    let charge: i64 = lines.iter().map(|l| l.charge).sum::<i64>() * sign;
    let paid: i64 = lines.iter().map(|l| l.paid).sum::<i64>() * sign;
    let patient: i64 =
        lines.iter().flat_map(|l| &l.adjustments).filter(|a| a.0 == "PR").map(|a| a.2).sum::<i64>() * sign;
    body.paid += paid;
    let pr = if patient == 0 { String::new() } else { money(patient) };
    body.segs.push(format!("CLP*{pcn}*{status}*{}*{}*{pr}*12*{icn}*11*1", money(charge), money(paid)));
    let last = rng.pick(LAST);
    let first = rng.pick(FIRST);
    body.segs.push(format!("NM1*QC*1*{last}*{first}****MI*M{:09}", rng.range(1, 999_999_999)));
    if with_moa {
        body.segs.push("MOA***MA01".into());
    }
    for (i, l) in lines.iter().enumerate() {
        let proc = match l.modifier {
            Some(m) => format!("HC:{}:{m}", l.code),
            None => format!("HC:{}", l.code),
        };
        let units = if sign < 0 { "-1" } else { "1" };
        body.segs.push(format!("SVC*{proc}*{}*{}**{units}", money(l.charge * sign), money(l.paid * sign)));
        body.segs.push(format!("DTM*472*{}", l.date));
        for group in ["CO", "PR"] {
            let triples: Vec<String> = l
                .adjustments
                .iter()
                .filter(|a| a.0 == group)
                .map(|a| format!("{}*{}", a.1, money(a.2 * sign)))
                .collect();
            if !triples.is_empty() {
                body.segs.push(format!("CAS*{group}*{}", triples.join("**")));
            }
        }
        body.segs.push(format!("REF*6R*{pcn}{}", i + 1));
        if let Some(a) = l.allowed {
            body.segs.push(format!("AMT*B6*{}", money(a * sign)));
        }
        if let Some(r) = l.remark {
            body.segs.push(format!("LQ*HE*{r}"));
        }
    }
}

/// A synthetic, valid 5010 835 with `claims` CLP segments, deterministic from `seed`.
pub fn synthetic_835(claims: usize, seed: u64) -> Vec<u8> {
    synthetic_835_in_sets(claims, CLAIMS_PER_PAYMENT, seed)
}

/// [`synthetic_835`] with `per_set` claims per transaction set (one payment): a hospital's
/// or Medicare's remittance can be one payment of tens of thousands of claims.
pub fn synthetic_835_in_sets(claims: usize, per_set: usize, seed: u64) -> Vec<u8> {
    let per_set = per_set.max(1);
    let mut rng = Rng(seed ^ 0x835_835_835);
    let icn = 1 + seed % 999_999_998;
    let mut out = String::with_capacity(claims * 210 + 1024);
    out.push_str(&format!(
        "ISA*00*          *00*          *ZZ*SYNTHPAYER     *ZZ*SYNTHCLINIC    *240301*1200*^*00501*{icn:09}*0*T*:~"
    ));
    out.push_str(&format!("GS*HP*SYNTHPAYER*SYNTHCLINIC*20240301*1200*{icn}*X*005010X221A1~"));

    let mut written = 0usize;
    let mut sets = 0usize;
    let mut claim_no = 0u64;
    while written < claims || sets == 0 {
        sets += 1;
        let in_set = (claims - written).min(per_set);
        let mut body = Body { segs: Vec::with_capacity(in_set * 8), paid: 0 };
        body.segs.push("LX*1".into());
        let mut n = 0usize;
        while n < in_set {
            claim_no += 1;
            let pcn = format!("C{claim_no:07}");
            let icn_of = |k: u64| format!("{}", 24_000_000_000 + claim_no * 10 + k);
            let roll = rng.range(0, 99);
            if roll < 8 && in_set - n >= 2 {
                // A reversal of an earlier payment, then its correction (new ICN).
                let ls = lines(&mut rng, Kind::Paid);
                claim(&mut body, &mut rng, &pcn, &icn_of(1), "22", -1, &ls, false);
                let ls = lines(&mut rng, Kind::Paid);
                claim(&mut body, &mut rng, &pcn, &icn_of(2), "1", 1, &ls, false);
                n += 2;
                continue;
            }
            let kind = match roll {
                8..=19 => Kind::Denied,
                20..=27 => Kind::Deductible,
                _ => Kind::Paid,
            };
            let status = if kind == Kind::Denied && rng.chance(70) { "4" } else { "1" };
            let ls = lines(&mut rng, kind);
            let moa = kind != Kind::Denied && rng.chance(10);
            claim(&mut body, &mut rng, &pcn, &icn_of(0), status, 1, &ls, moa);
            n += 1;
        }
        // Interest owed raises the payment (negative PLB); an overpayment recovery lowers it.
        let interest = rng.range(1, 999) as i64;
        let recovery = (rng.range(1, 50) as i64 * 100).min(body.paid + interest);
        let plb_total = -interest + recovery;
        body.segs.push(format!(
            "PLB*1234567893*20241231*L6*{}*WO:{}*{}",
            money(-interest),
            format_args!("REC{sets:05}"),
            money(recovery)
        ));
        let total = body.paid - plb_total;

        let st = format!("{sets:04}");
        let header = [
            format!("ST*835*{st}*005010X221A1"),
            format!("BPR*I*{}*C*ACH*CCP*01*999999992*DA*123456789*1234567890**01*999988880*DA*98765*20240301", money(total)),
            format!("TRN*1*EFT{icn}{st}*1234567890"),
            "DTM*405*20240229".into(),
            "N1*PR*SYNTHETIC HEALTH PLAN*XV*SYN01".into(),
            "N3*1 EXAMPLE WAY".into(),
            "N4*ANYTOWN*ZZ*000000000".into(),
            "N1*PE*SYNTHETIC CLINIC*XX*1234567893".into(),
        ];
        for s in &header {
            out.push_str(s);
            out.push('~');
        }
        for s in &body.segs {
            out.push_str(s);
            out.push('~');
        }
        out.push_str(&format!("SE*{}*{st}~", header.len() + body.segs.len() + 1));
        written += in_set;
    }
    out.push_str(&format!("GE*{sets}*{icn}~IEA*1*{icn:09}~"));
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_minimal_x12_decimal() {
        assert_eq!(money(12000), "120");
        assert_eq!(money(12050), "120.5");
        assert_eq!(money(12055), "120.55");
        assert_eq!(money(-4258), "-42.58");
        assert_eq!(money(5), "0.05");
    }

    #[test]
    fn deterministic_and_seed_dependent() {
        assert_eq!(synthetic_835(50, 7), synthetic_835(50, 7));
        assert_ne!(synthetic_835(50, 7), synthetic_835(50, 8));
    }
}
