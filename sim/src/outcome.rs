//! What claimtrack should show once it has read the simulator's files: per claim, its status
//! after each response and at the end, with the OA Claim ID, payer claim number, payment and
//! the reasons of the statement that decided the status; per upload, the batch status.
//!
//! Statuses use claimtrack's display words ("OA REJECTED", "PAID"…) and follow its status
//! rules (host/src/tracking/status.rs): a later statement overrides an earlier one, and the
//! reasons are those of the statement that decided the status. Reasons are given as
//! (code set, code, group) with the WIT code-set names (`clearinghouse-edit`, `carc`, …).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::batch::{Batch, Failure};
use crate::decide::{PayerDecision, Remit, SettleKind};
use crate::scenario::Scenario;
use crate::simulator::{ResponseKind, Upload, UploadResult};

/// One reason, as a plugin reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ExpectedReason {
    /// The WIT code-set name: `clearinghouse-edit`, `carc`, `claim-status-category`,
    /// `claim-status`, `entity`, `ta1-note`, `ack-transaction-set-error`, `free-text`.
    pub code_set: &'static str,
    /// The code exactly as the file sends it.
    pub code: String,
    /// CAS group for a CARC.
    pub group: Option<String>,
}

impl ExpectedReason {
    fn new(code_set: &'static str, code: impl Into<String>, group: Option<&str>) -> Self {
        ExpectedReason { code_set, code: code.into(), group: group.map(str::to_string) }
    }
}

/// A claim's status after one response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Milestone {
    /// When the response is written to `outbound/`.
    pub at: DateTime<Utc>,
    /// The response that says it.
    pub by: ResponseKind,
    /// claimtrack's display status: "OA ACCEPTED", "OA REJECTED", "PAYER ACCEPTED",
    /// "PAYER REJECTED", "PAID", "DENIED".
    pub status: &'static str,
    /// The reasons that statement gives, as the plugin reports them.
    pub reasons: Vec<ExpectedReason>,
}

/// Everything the simulator decided about one claim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectedClaim {
    /// The upload's name and master File ID.
    pub submitted_file_name: String,
    /// The upload's master File ID.
    pub file_id: String,
    /// The payer's child file (none for a file that failed).
    pub child_file_id: Option<String>,
    /// CLM01.
    pub patient_control_number: String,
    /// 2010BB payer id.
    pub payer_id: String,
    /// CLM02 in cents.
    pub charge_cents: i64,
    /// The 10-digit OA Claim ID (none for a file that failed).
    pub oa_claim_id: Option<String>,
    /// The final status and what decided it (the last milestone).
    pub status: &'static str,
    /// The reasons of the statement that decided the final status.
    pub reasons: Vec<ExpectedReason>,
    /// The payer claim number that stands at the end (a correction's, after a reversal).
    pub payer_claim_number: Option<String>,
    /// What the payer paid in the end (the corrected amount after a reversal).
    pub paid_cents: Option<i64>,
    /// How the payer settled it, when it did.
    pub settlement: Option<SettleKind>,
    /// The status after each response, in time order.
    pub history: Vec<Milestone>,
}

impl ExpectedClaim {
    /// The status claimtrack should show once every file written by `at` is read
    /// ("AWAITING" before the first response).
    pub fn status_at(&self, at: DateTime<Utc>) -> &'static str {
        self.history.iter().rev().find(|m| m.at <= at).map_or("AWAITING", |m| m.status)
    }
}

/// The final status of one upload's batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectedBatch {
    /// The name the file was uploaded under.
    pub submitted_file_name: String,
    /// Its master File ID.
    pub file_id: String,
    /// "FAILED", "REJECTED", "PAYER ACCEPTED" or "PAYER ACCEPTED with rejections".
    pub status: &'static str,
    /// Claims in the upload (for a failed file, those readable from it).
    pub claims: usize,
    /// Claims rejected (OA or payer; all of them for a failed file).
    pub rejected: usize,
}

fn due(u: &Upload, kind: ResponseKind, payer: Option<&str>) -> Option<DateTime<Utc>> {
    u.deliveries.iter().find(|d| d.kind == kind && (payer.is_none() || d.payer_id.as_deref() == payer)).map(|d| d.due)
}

/// The reasons an 835 claim event carries: claim-level CAS, then the lines' (group, CARC)
/// rolled up in order of first appearance (x12-835's remit.rs).
pub fn remit_reasons(r: &Remit) -> Vec<ExpectedReason> {
    let mut out: Vec<ExpectedReason> = r.adjustments.iter().map(|a| ExpectedReason::new("carc", &a.carc, Some(&a.group))).collect();
    let mut rolled: Vec<ExpectedReason> = Vec::new();
    for a in r.lines.iter().flat_map(|l| &l.adjustments) {
        let reason = ExpectedReason::new("carc", &a.carc, Some(&a.group));
        if !rolled.contains(&reason) {
            rolled.push(reason);
        }
    }
    out.extend(rolled);
    out
}

/// Expected outcomes of every claim of one upload. The claims of a file that failed are OA
/// REJECTED by its acknowledgement (TA1 or 999), with no OA Claim ID; a file whose claims
/// cannot be read at all (not X12) has none.
pub fn claims(u: &Upload, scenario: &Scenario) -> Vec<ExpectedClaim> {
    let _ = scenario;
    let (batch, decisions) = match &u.result {
        UploadResult::Read { batch, decisions } => (batch, decisions),
        UploadResult::Failed(f, batch) => return failed_claims(u, f, batch.as_ref()),
    };
    let fs_at = due(u, ResponseKind::FileSummary, None).expect("a File Summary is always planned");
    batch
        .claims
        .iter()
        .zip(&decisions.claims)
        .map(|(c, d)| {
            let mut history = Vec::new();
            let mut settlement = None;
            let mut paid = None;
            let mut icn = None;
            if d.edits.is_empty() {
                history.push(Milestone { at: fs_at, by: ResponseKind::FileSummary, status: "OA ACCEPTED", reasons: vec![] });
            } else {
                let reasons = d.edits.iter().map(|e| ExpectedReason::new("clearinghouse-edit", &e.code, None)).collect();
                history.push(Milestone { at: fs_at, by: ResponseKind::FileSummary, status: "OA REJECTED", reasons });
            }
            let ack_at = due(u, ResponseKind::ClaimAck277, Some(&c.payer_id));
            let edi_at = due(u, ResponseKind::EdiStatus, None);
            match &d.payer {
                None => {}
                Some(PayerDecision::Rejected(r)) => {
                    let mut reasons = vec![
                        ExpectedReason::new("claim-status-category", &r.category, None),
                        ExpectedReason::new("claim-status", &r.status, None),
                    ];
                    if !r.entity.is_empty() {
                        reasons.push(ExpectedReason::new("entity", &r.entity, None));
                    }
                    if let Some(at) = ack_at {
                        history.push(Milestone { at, by: ResponseKind::ClaimAck277, status: "PAYER REJECTED", reasons });
                    }
                    if let Some(at) = edi_at {
                        // The report's text opens with the composite, which the plugin also
                        // gives in its own code lists.
                        let text = format!("{}:{} - {}", r.category, r.status, r.text);
                        let reasons = vec![
                            ExpectedReason::new("claim-status-category", &r.category, None),
                            ExpectedReason::new("claim-status", &r.status, None),
                            ExpectedReason::new("free-text", text, None),
                        ];
                        history.push(Milestone { at, by: ResponseKind::EdiStatus, status: "PAYER REJECTED", reasons });
                    }
                }
                Some(PayerDecision::Accepted { payer_claim_number, settlement: s }) => {
                    icn = Some(payer_claim_number.clone());
                    if let Some(at) = ack_at {
                        let reasons = vec![
                            ExpectedReason::new("claim-status-category", "A2", None),
                            ExpectedReason::new("claim-status", "20", None),
                        ];
                        history.push(Milestone { at, by: ResponseKind::ClaimAck277, status: "PAYER ACCEPTED", reasons });
                    }
                    if let Some(at) = edi_at {
                        let reasons = vec![
                            ExpectedReason::new("claim-status-category", "A2", None),
                            ExpectedReason::new("claim-status", "20", None),
                            ExpectedReason::new("free-text", "A2:20 - Accepted for processing", None),
                        ];
                        history.push(Milestone { at, by: ResponseKind::EdiStatus, status: "PAYER ACCEPTED", reasons });
                    }
                    if let Some(at) = due(u, ResponseKind::Era, Some(&c.payer_id)) {
                        let last = s.last();
                        let status = if last.status == "4" || last.paid == 0 { "DENIED" } else { "PAID" };
                        history.push(Milestone { at, by: ResponseKind::Era, status, reasons: remit_reasons(last) });
                        icn = Some(last.payer_claim_number.clone());
                        paid = Some(last.paid);
                    }
                    settlement = Some(s.kind);
                }
            }
            history.sort_by_key(|m| m.at);
            let last = history.last().expect("the File Summary milestone");
            ExpectedClaim {
                submitted_file_name: u.name.clone(),
                file_id: u.file_id.clone(),
                child_file_id: Some(d.child_file_id.clone()),
                patient_control_number: c.pcn.clone(),
                payer_id: c.payer_id.clone(),
                charge_cents: c.charge,
                oa_claim_id: Some(d.oa_claim_id.clone()),
                status: last.status,
                reasons: last.reasons.clone(),
                payer_claim_number: icn,
                paid_cents: paid,
                settlement,
                history,
            }
        })
        .collect()
}

/// The final batch status of one upload (claimtrack's rules 12–14).
pub fn batch(u: &Upload, scenario: &Scenario) -> ExpectedBatch {
    let (status, claims, rejected) = match &u.result {
        UploadResult::Failed(..) => {
            let n = claims(u, scenario).len();
            ("FAILED", n, n)
        }
        UploadResult::Read { .. } => {
            let cs = claims(u, scenario);
            let rejected = cs.iter().filter(|c| c.status.ends_with("REJECTED")).count();
            let status = if rejected == cs.len() {
                "REJECTED"
            } else if rejected > 0 {
                "PAYER ACCEPTED with rejections"
            } else {
                "PAYER ACCEPTED"
            };
            (status, cs.len(), rejected)
        }
    };
    ExpectedBatch { submitted_file_name: u.name.clone(), file_id: u.file_id.clone(), status, claims, rejected }
}

fn failed_claims(u: &Upload, f: &Failure, batch: Option<&Batch>) -> Vec<ExpectedClaim> {
    let Some(batch) = batch else { return Vec::new() };
    let (by, at) = match f {
        Failure::Interchange { .. } => (ResponseKind::Ta1, due(u, ResponseKind::Ta1, None)),
        Failure::Group { .. } => (ResponseKind::Ack999, due(u, ResponseKind::Ack999, None)),
        Failure::NotX12 { .. } => (ResponseKind::FileSummary, due(u, ResponseKind::FileSummary, None)),
    };
    let at = at.expect("a failed file's acknowledgement is planned");
    let reasons = failure_reasons(f);
    batch
        .claims
        .iter()
        .map(|c| ExpectedClaim {
            submitted_file_name: u.name.clone(),
            file_id: u.file_id.clone(),
            child_file_id: None,
            patient_control_number: c.pcn.clone(),
            payer_id: c.payer_id.clone(),
            charge_cents: c.charge,
            oa_claim_id: None,
            status: "OA REJECTED",
            reasons: reasons.clone(),
            payer_claim_number: None,
            paid_cents: None,
            settlement: None,
            history: vec![Milestone { at, by, status: "OA REJECTED", reasons: reasons.clone() }],
        })
        .collect()
}

/// The reasons a failed file's acknowledgement gives (TA1 note, or the 999's IK5 codes).
pub fn failure_reasons(f: &Failure) -> Vec<ExpectedReason> {
    match f {
        Failure::NotX12 { reason } => vec![ExpectedReason::new("free-text", reason.clone(), None)],
        Failure::Interchange { note, .. } => vec![ExpectedReason::new("ta1-note", note.clone(), None)],
        Failure::Group { sets, group_errors, .. } => sets
            .iter()
            .flat_map(|(_, e)| e)
            .map(|e| ExpectedReason::new("ack-transaction-set-error", e.clone(), None))
            .chain(group_errors.iter().map(|e| ExpectedReason::new("ack-group-error", e.clone(), None)))
            .collect(),
    }
}
