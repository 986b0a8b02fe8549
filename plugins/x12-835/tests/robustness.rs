//! Never panic, and never return what the host would refuse, whatever the bytes: every
//! prefix of every fixture, and fixtures with bytes overwritten by delimiters, digits and
//! letters (a tiny deterministic PRNG, no dependency).

mod common;

use claimtrack_plugin_sdk::{ParseOutput, Position};

/// What the host's validator (claimtrack `model::validate`) refuses outright, checked after
/// `fit_host_limits` (which the WASM export applies) has cleaned what it can.
fn host_would_accept(out: &ParseOutput) -> Result<(), String> {
    fn ident(what: &str, v: &Option<String>) -> Result<(), String> {
        match v {
            Some(s) if s.trim().is_empty() => Err(format!("{what} is present but blank")),
            Some(s) if s.chars().any(char::is_control) => Err(format!("{what} has a control character")),
            // MAX_CODE for codes, MAX_ID for identifiers: 64 is the stricter of the two.
            Some(s) if s.len() > 256 || (what.starts_with("code") && s.len() > 64) => Err(format!("{what} is too long")),
            _ => Ok(()),
        }
    }
    fn cents(what: &str, v: Option<i64>) -> Result<(), String> {
        match v {
            Some(c) if c.unsigned_abs() > 100_000_000_000_000 => Err(format!("{what} {c} out of range")),
            _ => Ok(()),
        }
    }
    fn date(what: &str, v: &Option<String>) -> Result<(), String> {
        let Some(d) = v else { return Ok(()) };
        let b = d.as_bytes();
        let ok = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if ok { Ok(()) } else { Err(format!("{what} {d:?} is not YYYY-MM-DD")) }
    }
    fn position(p: &Option<Position>) -> Result<(), String> {
        if let Some(p) = p {
            if p.segment_index == Some(0) || p.line == Some(0) {
                return Err("0 index/line".into());
            }
            ident("segment_id", &p.segment_id)?;
            ident("element", &p.element)?;
        }
        Ok(())
    }
    for e in &out.events {
        if e.raw_code.trim().is_empty() {
            return Err("blank raw_code".into());
        }
        if e.reasons.len() > 1000 {
            return Err("too many reasons".into());
        }
        for r in &e.reasons {
            if r.code.trim().is_empty() {
                return Err(format!("blank reason code on {}", e.raw_code));
            }
            ident("code of a reason", &Some(r.code.clone()))?;
            ident("group", &r.group)?;
            cents("reason amount", r.amount)?;
            position(&r.position)?;
        }
        if let Some(c) = &e.claim {
            for (w, v) in [
                ("pcn", &c.patient_control_number),
                ("icn", &c.payer_claim_number),
                ("name", &c.patient_name),
                ("member", &c.member_id),
                ("freq", &c.frequency_code),
            ] {
                ident(w, v)?;
            }
            date("from", &c.service_date_from)?;
            date("to", &c.service_date_to)?;
        }
        if let Some(s) = &e.service_line {
            if s.modifiers.len() > 16 {
                return Err("modifiers".into());
            }
            for m in &s.modifiers {
                ident("code modifier", &Some(m.clone()))?;
            }
            for (w, v) in [
                ("code", &s.procedure_code),
                ("code qualifier", &s.procedure_qualifier),
                ("ctl", &s.line_item_control_number),
                ("units", &s.units),
            ] {
                ident(w, v)?;
            }
            date("service_date", &s.service_date)?;
        }
        let a = &e.amounts;
        for (w, v) in [
            ("charged", a.charged),
            ("paid", a.paid),
            ("pr", a.patient_responsibility),
            ("adjusted", a.adjusted),
            ("allowed", a.allowed),
        ] {
            cents(w, v)?;
        }
        date("effective_date", &e.effective_date)?;
        ident("payment_reference", &e.payment_reference)?;
        if let Some(p) = &e.source_party {
            ident("party name", &p.name)?;
            ident("party id", &p.id)?;
            ident("party qualifier", &p.id_qualifier)?;
        }
        position(&e.position)?;
    }
    for d in &out.diagnostics {
        if d.message.trim().is_empty() {
            return Err("blank diagnostic".into());
        }
        position(&d.position)?;
    }
    Ok(())
}

fn check(name: &str, bytes: &[u8]) {
    let result = std::panic::catch_unwind(|| x12_835::parse_bytes("f", bytes));
    let result = result.unwrap_or_else(|_| panic!("{name}: panicked on {:?}", String::from_utf8_lossy(bytes)));
    if let Ok(mut out) = result {
        // What register_parser! does in the WASM build before the host sees the output.
        claimtrack_plugin_sdk::fit_host_limits(&mut out);
        if let Err(e) = host_would_accept(&out) {
            panic!("{name}: host would refuse ({e}) for {:?}", String::from_utf8_lossy(bytes));
        }
    }
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = format!("{}/../../tests/fixtures/x12-835", env!("CARGO_MANIFEST_DIR"));
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn every_prefix_of_every_fixture() {
    for (name, bytes) in fixtures() {
        for n in 0..=bytes.len() {
            check(&name, &bytes[..n]);
        }
    }
}

#[test]
fn overwritten_bytes() {
    let mut state = 0x835u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b"*:~^>|-.0123456789ABCLPSVZ \r\n\x01\x7f";
    for (name, bytes) in fixtures() {
        for _ in 0..300 {
            let mut b = bytes.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % b.len() as u64) as usize;
                b[at] = alphabet[(next() % alphabet.len() as u64) as usize];
            }
            check(&name, &b);
        }
    }
}

#[test]
fn huge_and_odd_values() {
    let cases = [
        "CLP*A*1*99999999999999.99*99999999999999.99*1~",
        "CLP*A*1*1e5*abc*--1~",
        "CLP*A*1*10*10~CAS*PR*1*999999999999999*1*1*999999999999999~CAS*PR*2*999999999999999~",
        "CLP*A*1*10*10~SVC*HC:1:a:b:c:d:e:f:g:h*10*10~DTM*472*20241399~CAS*~LQ*~LQ*HE~",
        "CLP* *1~CLP~SVC~PLB~PLB*1*2*:*5~PLB*1*2*   *~CAS*CO*  *5~",
        "PLB*1*2*WO*999999999999999999999~SVC*HC:1*1*1~CLP*B*22~",
        "CLP*A*1*1*1~SVC*H\u{1}C:99\u{7f}213:2\u{1}5*1*1*\u{1}*\u{1}~REF*6R*\u{1}~",
        "CLP*A*1*1*1~SVC*HC:9999999999999999999999999999999999999999999999999999999999999999999999999999*1*1~",
    ];
    for body in cases {
        let file = format!(
            "ST*835*1~BPR*I*99999999999999999.99*C*ACH************20241301~TRN*1* ~N1*PR* *XV* ~REF*2U* ~{body}SE*1*1~"
        );
        check(body, file.as_bytes());
    }
}
