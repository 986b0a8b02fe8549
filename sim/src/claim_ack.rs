//! A payer's 277CA (005010X214, x12-reference.md §4) for the claims of one upload that Office
//! Ally forwarded to it: 2000A the payer (NM1*PR), 2000B the submitter with the batch's
//! STC and counts (2200B TRN02 = the 837's BHT03), 2000C the billing provider, 2000D one
//! patient level per claim (TRN02 = CLM01, REF*1K when accepted, REF*D9 = OA Claim ID).
//!
//! Name: `<username>_<FileID>_HCFA_277ca_<YYYYMMDD>.txt`, the one pattern a source gives
//! (office-ally.md §2, unverified); the FileID is the payer's child file, so each payer's
//! 277CA has its own name.

use chrono::NaiveDateTime;

use crate::batch::Batch;
use crate::decide::{Decisions, PayerDecision};
use crate::x12::{Envelope, Group, Set, interchange, money, period};

/// The 277CA's file name.
pub fn file_name(submitter_id: &str, child_file_id: &str, at: NaiveDateTime) -> String {
    format!("{}_{child_file_id}_HCFA_277ca_{}.txt", submitter_id.to_ascii_lowercase(), at.format("%Y%m%d"))
}

/// Render the 277CA of `payer_id` for `batch`. `received` is when the payer received the
/// claims (DTP*050); `at` when it wrote the acknowledgement.
pub fn render(batch: &Batch, decisions: &Decisions, payer_id: &str, received: NaiveDateTime, at: NaiveDateTime, control: u32) -> Vec<u8> {
    let claims: Vec<usize> = (0..batch.claims.len())
        .filter(|&i| batch.claims[i].payer_id == payer_id && decisions.claims[i].payer.is_some())
        .collect();
    let payer_name = claims.first().map(|&i| batch.claims[i].payer_name.clone()).unwrap_or_default();
    let date = at.format("%Y%m%d").to_string();
    let bht03 = format!("{payer_id}{}{control:06}", at.format("%y%m%d"));
    let rejected = |i: &usize| matches!(decisions.claims[*i].payer, Some(PayerDecision::Rejected(_)));
    let (acc_n, rej_n) = (claims.iter().filter(|i| !rejected(i)).count(), claims.iter().filter(|i| rejected(i)).count());
    let (acc_amt, rej_amt): (i64, i64) = (
        claims.iter().filter(|i| !rejected(i)).map(|&i| batch.claims[i].charge).sum(),
        claims.iter().filter(|i| rejected(i)).map(|&i| batch.claims[i].charge).sum(),
    );
    let counts = |body: &mut Vec<String>, acc_q: &str, rej_q: &str| {
        if acc_n > 0 {
            body.push(format!("QTY*{acc_q}*{acc_n}"));
        }
        if rej_n > 0 {
            body.push(format!("QTY*{rej_q}*{rej_n}"));
        }
        if acc_n > 0 {
            body.push(format!("AMT*YU*{}", money(acc_amt)));
        }
        if rej_n > 0 {
            body.push(format!("AMT*YY*{}", money(rej_amt)));
        }
    };

    let mut body = vec![
        format!("BHT*0085*08*{bht03}*{date}*{}*TH", at.format("%H%M")),
        "HL*1**20*1".into(),
        format!("NM1*PR*2*{payer_name}*****PI*{payer_id}"),
        format!("TRN*1*{bht03}"),
        format!("DTP*050*D8*{}", received.format("%Y%m%d")),
        format!("DTP*009*D8*{date}"),
        "HL*2*1*21*1".into(),
        format!("NM1*41*2*{}*****46*{}", batch.submitter_name, batch.submitter_id),
        format!("TRN*2*{}", batch.batch_reference.as_deref().unwrap_or("0")),
        format!("STC*A1:19:PR*{date}*WQ*{}", money(acc_amt + rej_amt)),
    ];
    counts(&mut body, "90", "AA");
    body.push("HL*3*2*19*1".into());
    let npi = batch.billing.npi.as_deref().unwrap_or("");
    body.push(format!("NM1*85*2*{}*****XX*{npi}", batch.billing.name));
    body.push("TRN*1*0".into());
    counts(&mut body, "QA", "QC");
    for (n, &i) in claims.iter().enumerate() {
        let c = &batch.claims[i];
        let d = &decisions.claims[i];
        body.push(format!("HL*{}*3*PT", n + 4));
        body.push(format!("NM1*QC*1*{}*{}****MI*{}", c.last, c.first, c.member_id));
        body.push(format!("TRN*2*{}", c.pcn));
        match &d.payer {
            Some(PayerDecision::Rejected(r)) => {
                body.push(format!("STC*{}*{date}*U*{}", r.composite(), money(c.charge)));
            }
            Some(PayerDecision::Accepted { payer_claim_number, .. }) => {
                body.push(format!("STC*A2:20*{date}*WQ*{}", money(c.charge)));
                body.push(format!("REF*1K*{payer_claim_number}"));
            }
            None => unreachable!("only forwarded claims are listed"),
        }
        body.push(format!("REF*D9*{}", d.oa_claim_id));
        let (from, to) = c.service_period();
        let (q, v) = period(&from, &to);
        body.push(format!("DTP*472*{q}*{v}"));
    }
    let env = Envelope {
        sender_qualifier: "ZZ",
        sender: payer_id.into(),
        receiver_qualifier: "ZZ",
        receiver: batch.submitter_id.clone(),
        at,
        control,
    };
    let group = Group {
        functional_id: "HN",
        sender: payer_id.into(),
        receiver: batch.submitter_id.clone(),
        version: "005010X214",
        sets: vec![Set { kind: "277", guide: "005010X214", body }],
    };
    interchange(&env, &[], &[group])
}
