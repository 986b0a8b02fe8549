//! A payer's ERA package (office-ally.md §2, §3.3): `<ID>_ERA_STATUS_5010_<YYYYMMDD>.zip`
//! holding the 835 (`<ID>_ERA_835_5010_<date>.835`, 005010X221A1, x12-reference.md §6) and
//! the display-only text summary (`<ID>_ERA_STATUS_5010_<date>.txt`).
//!
//! The 835 has one transaction set per check: the first pays (or denies) every claim the
//! payer accepted; when some are reversed, a second check a few days later carries each
//! reversal (CLP02 22, the first payment negated, claim frequency 8) followed by its
//! correction (CLP02 1, a new payer claim number, frequency 7), as in our hand-written
//! scenario. Every claim balances (CLP03 − CLP04 = Σ CAS) and every check too (BPR02 = Σ CLP04).

use std::io::Write;

use anyhow::Result;
use chrono::{Duration, NaiveDateTime};

use crate::batch::{Batch, Claim};
use crate::decide::{Adjustment, Decisions, PayerDecision, Remit, SettleKind};
use crate::text::{decimal, us_date};
use crate::x12::{Envelope, Group, Set, interchange, money};

/// The names of the zip and of its two members for ERA file `id` written on `at`.
pub struct EraNames {
    /// The package.
    pub zip: String,
    /// The 835 inside it.
    pub x835: String,
    /// The text summary inside it.
    pub summary: String,
}

/// The ERA package's names.
pub fn names(id: &str, at: NaiveDateTime) -> EraNames {
    let d = at.format("%Y%m%d");
    EraNames {
        zip: format!("{id}_ERA_STATUS_5010_{d}.zip"),
        x835: format!("{id}_ERA_835_5010_{d}.835"),
        summary: format!("{id}_ERA_STATUS_5010_{d}.txt"),
    }
}

/// One check of the 835: its trace number, date and claim payments in order.
struct Check<'a> {
    trace: String,
    date: NaiveDateTime,
    /// (claim, remittance, sign: -1 for a reversal, frequency code)
    claims: Vec<(&'a Claim, &'a Remit, i64, &'static str)>,
}

impl Check<'_> {
    fn total(&self) -> i64 {
        self.claims.iter().map(|(_, r, sign, _)| r.paid * sign).sum()
    }
}

fn checks<'a>(batch: &'a Batch, decisions: &'a Decisions, payer_id: &str, at: NaiveDateTime, control: u32) -> Vec<Check<'a>> {
    let mut first = Check { trace: format!("EFT{}{:05}1", (at - Duration::days(3)).format("%y%m%d"), control % 100_000), date: at - Duration::days(3), claims: vec![] };
    let mut second = Check { trace: format!("EFT{}{:05}2", (at - Duration::days(1)).format("%y%m%d"), control % 100_000), date: at - Duration::days(1), claims: vec![] };
    for (c, d) in batch.claims.iter().zip(&decisions.claims) {
        if c.payer_id != payer_id {
            continue;
        }
        if let Some(PayerDecision::Accepted { settlement, .. }) = &d.payer {
            first.claims.push((c, &settlement.first, 1, "1"));
            if let (SettleKind::ReversedAndCorrected, Some(corr)) = (settlement.kind, &settlement.correction) {
                second.claims.push((c, &settlement.first, -1, "8"));
                second.claims.push((c, corr, 1, "7"));
            }
        }
    }
    let mut out = vec![first];
    if !second.claims.is_empty() {
        out.push(second);
    }
    out
}

/// Whether the payer settled any claim of `batch` (an ERA is due).
pub fn has_payments(batch: &Batch, decisions: &Decisions, payer_id: &str) -> bool {
    batch.claims.iter().zip(&decisions.claims).any(|(c, d)| c.payer_id == payer_id && matches!(d.payer, Some(PayerDecision::Accepted { .. })))
}

/// CAS segments for adjustments (each × `sign`), one per group in order of appearance.
fn cas(adjustments: &[Adjustment], sign: i64, out: &mut Vec<String>) {
    let mut groups: Vec<&str> = Vec::new();
    for a in adjustments {
        if !groups.contains(&a.group.as_str()) {
            groups.push(&a.group);
        }
    }
    for g in groups {
        let triples: Vec<String> = adjustments
            .iter()
            .filter(|a| a.group == g)
            .map(|a| format!("{}*{}", a.carc, money(a.amount * sign)))
            .collect();
        out.push(format!("CAS*{g}*{}", triples.join("**")));
    }
}

/// A reversal repeats the payment's adjustments at claim level, summed per group and reason.
fn summed(r: &Remit) -> Vec<Adjustment> {
    let mut out: Vec<Adjustment> = Vec::new();
    for a in r.all_adjustments() {
        match out.iter_mut().find(|o| o.group == a.group && o.carc == a.carc) {
            Some(o) => o.amount += a.amount,
            None => out.push(a.clone()),
        }
    }
    out
}

fn claim_segments(c: &Claim, r: &Remit, sign: i64, freq: &str, out: &mut Vec<String>) {
    let pr = r.patient_responsibility() * sign;
    let pr = if pr == 0 { String::new() } else { money(pr) };
    out.push(format!(
        "CLP*{}*{}*{}*{}*{pr}*12*{}*11*{freq}",
        c.pcn,
        if sign < 0 { "22" } else { &r.status },
        money(r.charge * sign),
        money(r.paid * sign),
        r.payer_claim_number
    ));
    if sign < 0 {
        cas(&summed(r), sign, out);
    } else {
        cas(&r.adjustments, 1, out);
    }
    out.push(format!("NM1*QC*1*{}*{}****MI*{}", c.last, c.first, c.member_id));
    let (from, to) = c.service_period();
    out.push(format!("DTM*232*{from}"));
    out.push(format!("DTM*233*{to}"));
    if sign < 0 {
        return;
    }
    for l in &r.lines {
        let line = &c.lines[l.line];
        let mut proc = format!("HC:{}", line.procedure);
        for m in &line.modifiers {
            proc.push(':');
            proc.push_str(m);
        }
        out.push(format!("SVC*{proc}*{}*{}**{}", money(l.charge), money(l.paid), line.units));
        out.push(format!("DTM*472*{}", line.date));
        cas(&l.adjustments, 1, out);
        if let Some(lr) = &line.line_ref {
            out.push(format!("REF*6R*{lr}"));
        }
        out.push(format!("AMT*B6*{}", money(l.allowed)));
    }
}

/// Render the 835 of `payer_id` for `batch`.
pub fn render_835(batch: &Batch, decisions: &Decisions, payer_id: &str, at: NaiveDateTime, control: u32) -> Vec<u8> {
    let payer_name = batch.claims.iter().find(|c| c.payer_id == payer_id).map(|c| c.payer_name.clone()).unwrap_or_default();
    let payer_tin = format!("1{:09}", payer_id.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))) % 1_000_000_000);
    let sets = checks(batch, decisions, payer_id, at, control)
        .into_iter()
        .map(|check| {
            let total = check.total();
            let date = check.date.format("%Y%m%d");
            let bpr = if total == 0 {
                format!("BPR*H*0*C*NON************{date}")
            } else {
                format!("BPR*I*{}*C*ACH*CCP*01*999999992*DA*1234567890*{payer_tin}**01*999988880*DA*7788990011*{date}", money(total))
            };
            let mut body = vec![
                bpr,
                format!("TRN*1*{}*{payer_tin}", check.trace),
                format!("REF*EV*{}", batch.submitter_id),
                format!("DTM*405*{date}"),
                format!("N1*PR*{payer_name}*XV*{payer_id}"),
                "N3*PO BOX 1000".into(),
                "N4*ANYTOWN*OR*970000000".into(),
                "PER*BL*PROVIDER SERVICES*TE*8005550100".into(),
                format!("N1*PE*{}*XX*{}", batch.billing.name, batch.billing.npi.as_deref().unwrap_or("")),
            ];
            if let Some(t) = &batch.billing.tax_id {
                body.push(format!("REF*TJ*{t}"));
            }
            body.push("LX*1".into());
            for (c, r, sign, freq) in &check.claims {
                claim_segments(c, r, *sign, freq, &mut body);
            }
            Set { kind: "835", guide: "005010X221A1", body }
        })
        .collect();
    let env = Envelope {
        sender_qualifier: "ZZ",
        sender: payer_id.into(),
        receiver_qualifier: "ZZ",
        receiver: batch.submitter_id.clone(),
        at,
        control,
    };
    let group = Group {
        functional_id: "HP",
        sender: payer_id.into(),
        receiver: batch.submitter_id.clone(),
        version: "005010X221A1",
        sets,
    };
    interchange(&env, &[], &[group])
}

/// Render the ERA text summary (display only: claimtrack reads the money from the 835).
pub fn render_summary(batch: &Batch, decisions: &Decisions, payer_id: &str, era_id: &str, at: NaiveDateTime, control: u32) -> Vec<u8> {
    let rule = "=".repeat(100);
    let dash = "-".repeat(100);
    let payer_name = batch.claims.iter().find(|c| c.payer_id == payer_id).map(|c| c.payer_name.clone()).unwrap_or_default();
    let mut out = vec![
        format!("{}OFFICE ALLY ERA STATUS REPORT (5010)", " ".repeat(34)),
        format!("ERA File ID: {era_id:<56}Date Received: {}", at.format("%m/%d/%Y")),
    ];
    for check in checks(batch, decisions, payer_id, at, control) {
        out.push(rule.clone());
        out.push(format!("Payer: {payer_name:<62}Payer ID: {payer_id}"));
        out.push(format!(
            "Check#: {:<18}Check Date: {:<14}Check Amount: {}",
            check.trace,
            check.date.format("%m/%d/%Y"),
            decimal(check.total())
        ));
        out.push(rule.clone());
        for (c, r, sign, _) in &check.claims {
            out.push("Check#          Patient ID        Last,First            Charge Amt   Payment Amt   Accnt#        Status                    Payer".into());
            out.push(dash.clone());
            let status = match (*sign, r.status.as_str()) {
                (s, _) if s < 0 => "REVERSAL OF PREVIOUS PAY",
                (_, "4") => "DENIED",
                _ => "PROCESSED AS PRIMARY",
            };
            out.push(format!(
                "{:<16}{:<18}{:<20}{:>12}{:>14}   {:<14}{:<26}{}",
                check.trace,
                c.member_id,
                format!("{},{}", c.last, c.first),
                decimal(r.charge * sign),
                decimal(r.paid * sign),
                c.pcn,
                status,
                payer_id
            ));
            out.push(format!("                Payer Claim Control Number: {}", r.payer_claim_number));
            let (from, to) = c.service_period();
            out.push(format!("                Claim Statement Period: {} - {}", us_date(&from), us_date(&to)));
            if *sign > 0 && !r.lines.is_empty() {
                out.push("                Line Item:".into());
                for l in &r.lines {
                    let line = &c.lines[l.line];
                    out.push(format!(
                        "                {}  {:<8}{:>8}{:>10}{:>10}",
                        us_date(&line.date),
                        line.procedure,
                        decimal(l.charge),
                        decimal(l.paid),
                        decimal(l.charge - l.paid)
                    ));
                    adjustment_lines(&l.adjustments, 1, &mut out);
                }
            } else {
                adjustment_lines(&if *sign < 0 { summed(r) } else { r.adjustments.clone() }, *sign, &mut out);
            }
            out.push(dash.clone());
        }
    }
    out.push(rule);
    let mut text = out.join("\n");
    text.push('\n');
    text.into_bytes()
}

fn adjustment_lines(adjustments: &[Adjustment], sign: i64, out: &mut Vec<String>) {
    if adjustments.is_empty() {
        return;
    }
    out.push("                    Adjustment Group    Amount    Reason".into());
    for a in adjustments {
        out.push(format!("                    {:<16}{:>10}    {}", a.group, decimal(a.amount * sign), a.carc));
    }
}

/// Zip the 835 and the summary into the ERA package (deflate, as Office Ally's are).
pub fn zip(names: &EraNames, x835: &[u8], summary: &[u8]) -> Result<Vec<u8>> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // A fixed timestamp: the same decisions give the same bytes.
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    w.start_file(names.x835.as_str(), opts)?;
    w.write_all(x835)?;
    w.start_file(names.summary.as_str(), opts)?;
    w.write_all(summary)?;
    Ok(w.finish()?.into_inner())
}
