//! PLACEHOLDER (lead): replaced by the real status rules. Only the API shape is here so the
//! crate compiles meanwhile.

use serde::Serialize;

use crate::model::{Level, Reason, Source, StatusClass};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ClaimStatus { Queued, Awaiting, OaAccepted, OaRejected, PayerAccepted, PayerRejected, Pending, Paid, Denied, Reversed }

impl ClaimStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Queued => "QUEUED",
            ClaimStatus::Awaiting => "AWAITING",
            ClaimStatus::OaAccepted => "OA ACCEPTED",
            ClaimStatus::OaRejected => "OA REJECTED",
            ClaimStatus::PayerAccepted => "PAYER ACCEPTED",
            ClaimStatus::PayerRejected => "PAYER REJECTED",
            ClaimStatus::Pending => "PENDING",
            ClaimStatus::Paid => "PAID",
            ClaimStatus::Denied => "DENIED",
            ClaimStatus::Reversed => "REVERSED",
        }
    }
    pub fn parse(s: &str) -> Option<ClaimStatus> {
        [ClaimStatus::Queued, ClaimStatus::Awaiting, ClaimStatus::OaAccepted, ClaimStatus::OaRejected, ClaimStatus::PayerAccepted,
         ClaimStatus::PayerRejected, ClaimStatus::Pending, ClaimStatus::Paid, ClaimStatus::Denied, ClaimStatus::Reversed]
            .into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BatchStatus { Queued, Awaiting, Failed, Rejected, OaAccepted, OaAcceptedWithRejections, PayerAccepted, PayerAcceptedWithRejections }

impl BatchStatus {
    pub fn as_str(self) -> &'static str { "AWAITING" }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via { Claim, TransactionSet, Interchange }

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub level: Level,
    pub source: Source,
    pub status: StatusClass,
    pub raw_code: String,
    pub reasons: Vec<Reason>,
    pub effective_date: Option<String>,
    pub seen: String,
    pub order: (i64, i64),
    pub applies_via: Via,
}

pub struct ClaimState { pub status: ClaimStatus, pub reasons: Vec<Reason>, pub source: Option<Source>, pub last_update: Option<String> }
pub struct BatchState { pub status: BatchStatus, pub reasons: Vec<Reason> }

pub fn claim_status(_uploaded: bool, _facts: &[Fact]) -> ClaimState {
    ClaimState { status: ClaimStatus::Awaiting, reasons: vec![], source: None, last_update: None }
}
pub fn batch_status(_uploaded: bool, _facts: &[Fact], _claims: &[ClaimStatus]) -> BatchState {
    BatchState { status: BatchStatus::Awaiting, reasons: vec![] }
}
