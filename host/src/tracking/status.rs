//! Status rules: how the statements linked to a claim, and to a batch, become the statuses
//! billing staff see (architecture.md, "Status vocabulary"; x12-reference.md §9).
//!
//! Pure functions: no database, no I/O, no clock. The caller gathers the [`Fact`]s linked to
//! a claim or batch and calls [`claim_status`] or [`batch_status`]; the same facts always give
//! the same status, so statuses can be rebuilt from the event log at any time.
//!
//! # The rules
//!
//! A *statement* is one event from a response file: who said it (clearinghouse, payer, or the
//! practice's own 837), what it says (accepted, rejected, pending, paid…), and whether it names
//! the claim itself, the claim's billing provider, or only the claim's transaction set or file
//! ("via").
//!
//! ## Claims
//!
//! 1. **Starting point.** A claim is QUEUED until its batch is uploaded, then AWAITING. A claim
//!    known only from responses (no 837 of ours names it) starts AWAITING: someone sent it.
//! 2. **Submission.** The practice's own 837 statement (`submitter`, `received`) is the
//!    submission. The first one only confirms the starting point: it never overrides a
//!    response filed before it. A submission from a *later* 837 file is a refile: the claim
//!    starts again at QUEUED / AWAITING (by whether that latest batch is uploaded) and its old
//!    reasons are cleared (but see rule 8).
//! 3. **Clearinghouse statements.** Accepted, or accepted with errors → OA ACCEPTED. Rejected
//!    → OA REJECTED, with that statement's reasons.
//! 4. **Payer statements.** Accepted, or accepted with errors → PAYER ACCEPTED; rejected →
//!    PAYER REJECTED; pending → PENDING; paid → PAID; denied → DENIED; reversed → REVERSED.
//!    Pending, paid, denied and reversed mean the same from whoever relays them.
//! 5. **Statements that change nothing.** Informational statements; `received` from a
//!    clearinghouse or payer; anything from the practice other than `received`; and
//!    statements about a single service line (the same response's claim-level statement
//!    speaks for the claim: one denied line does not deny a paid claim).
//! 6. **Order.** Statements apply in file order (the order the files were archived, then their
//!    order in the file). A later statement that applies overrides an earlier one: a payer
//!    rejection after an OA acceptance makes the claim PAYER REJECTED. Rules 7–10 are the
//!    exceptions.
//! 7. **Statements about the whole set or file** (999 IK5 or AK9, TA1, File Summary batch
//!    line, failed file, 277CA batch-level STC) reach every claim in it, except that a
//!    payer's reaches only the claims addressed to that payer, when the payer ids tell
//!    (Office Ally forwards one file per payer: [`super::payer`]); **statements about a
//!    billing provider** (277CA 2200C, 277 2000C, naming the provider by NPI or tax id) reach
//!    every claim of the batch billed by that provider, whether the file lists the claim or
//!    not. A *rejection* applies as if it named the claim: a 999 that rejects the claim's
//!    transaction set, a TA1 rejection, a failed file or a payer's rejection of the billing
//!    provider's NPI make it OA or PAYER REJECTED. Anything else only moves a claim forward
//!    along AWAITING → OA ACCEPTED → PAYER ACCEPTED → PENDING → PAID / DENIED / REVERSED, and
//!    never moves a rejected claim: a 999 "accepted" arriving after a payer acceptance, or
//!    after the File Summary rejected the claim, changes nothing.
//! 8. **Finished claims.** Once a claim is PAID, DENIED or REVERSED only another paid, denied
//!    or reversed statement changes it: a late 277 "pending" or "accepted", a rejection, or a
//!    refile does not (x12-reference §9.5). A reversal followed by its correction ends in the
//!    corrected state (the correction is the later paid or denied statement); a reversal with
//!    no correction stays REVERSED.
//! 9. **Clearinghouse acceptance is the weakest word.** It only moves a claim from QUEUED or
//!    AWAITING to OA ACCEPTED (or refreshes OA ACCEPTED). It never overrides a payer status,
//!    and never clears a rejection: a rejected claim moves on only by a refile (rule 2) or a
//!    payer statement.
//! 10. **One response, one verdict.** Statements from the same file that give the claim the
//!     same status are read together: the one that names the claim most precisely (claim,
//!     then billing provider, then transaction set, then file) supplies the reasons; equally
//!     precise ones add their reasons up. Within one file, a rejection is not overridden by an
//!     acceptance or a pending statement of the same file (the rejecting status composite
//!     decides, x12-reference §9.2): a claim listed under a rejected billing provider with an
//!     acceptance of its own stays rejected, and a claim-level rejection under an accepted
//!     provider rejects the claim.
//!
//! The claim's reasons are those of the statement(s) that decided its current status; its
//! source, last update (when that statement's file was first seen) and deciding statement
//! come with them. A statement about the claim's set or file gives the claim its reasons
//! only when it rejects (and so rejects every claim in it), and never the clearinghouse edit
//! codes it tallies; otherwise its reasons describe other claims (a File Summary's error
//! totals, a 999's errors in another set) and the claim keeps none from it
//! ([`speaks_for_claim`]).
//!
//! ## Batches
//!
//! 11. **QUEUED / AWAITING.** With no response yet (no statement from the clearinghouse or a
//!     payer about the batch or any of its claims, informational ones aside, and every claim
//!     still QUEUED or AWAITING), a batch is QUEUED until uploaded, then AWAITING.
//! 12. **FAILED.** The batch's latest clearinghouse verdict on the whole batch (TA1, 999 AK9,
//!     File Summary batch line, 277CA batch-level STC from the clearinghouse; never a statement
//!     about one billing provider, which is about some claims only) is a rejection,
//!     and it failed the file as a whole: a functional-group rejection (999 AK9 R) always
//!     does; any other batch-level rejection (TA1 R, a File Summary "failed file") does when
//!     its file said nothing about individual claims of the batch. A File Summary that lists
//!     every claim as rejected is a tally of claim rejections, not a failure: rule 13 decides.
//!     Reasons: the failing statement's.
//! 13. **REJECTED.** Every claim of the batch is OA REJECTED or PAYER REJECTED. Reasons: the
//!     latest batch-level or billing-provider rejection's (e.g. the File Summary's error
//!     totals, a 277CA's rejection of the only billing provider's NPI), if any.
//! 14. **PAYER ACCEPTED.** Every claim that is not rejected has reached the payer (PAYER
//!     ACCEPTED, PENDING, PAID, DENIED or REVERSED): PAYER ACCEPTED, or "PAYER ACCEPTED with
//!     rejections" when some claims are OA or PAYER REJECTED.
//! 15. **OA ACCEPTED.** Otherwise the clearinghouse has answered and not every remaining claim
//!     has reached the payer: OA ACCEPTED, or "OA ACCEPTED with rejections" when some claims
//!     are rejected. A claim still AWAITING in a batch the clearinghouse has answered counts
//!     here (not yet past the clearinghouse). A batch whose claims are unknown follows its
//!     verdict: REJECTED if it is a rejection, otherwise OA ACCEPTED.
//!
//! ARCHIVED (after the 7-day tracking window) is not a status here: it depends on the clock,
//! and the views show it as a flag next to the status these rules give.

use std::cmp::Ordering;
use std::fmt;

use serde::Serialize;

use crate::model::{CodeSet, Level, Reason, Source, StatusClass};

/// The status of one claim, as billing staff see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClaimStatus {
    /// Submitted with claimtrack, not yet recorded as uploaded.
    Queued,
    /// Uploaded (or known only from responses), and no response has decided anything yet.
    #[default]
    Awaiting,
    /// The clearinghouse accepted it and no payer has answered yet.
    OaAccepted,
    /// The clearinghouse rejected it (edits, 999, TA1, 277CA, failed file): fix and refile.
    OaRejected,
    /// The payer accepted it (277CA, EDI Status); not adjudicated yet.
    PayerAccepted,
    /// The payer rejected it (277CA): fix and refile.
    PayerRejected,
    /// In adjudication, waiting for information, or finalized but unpaid (277).
    Pending,
    /// Paid, fully or partly, or all patient responsibility (835, 277 F1). Finished (rule 8).
    Paid,
    /// Denied or paid zero (835, 277 F2/F4). Finished (rule 8).
    Denied,
    /// A payment was taken back, with no correction since (835 CLP02 22). Finished (rule 8).
    Reversed,
}

impl ClaimStatus {
    /// Every claim status, earliest stage first (for filters and legends).
    pub const ALL: [ClaimStatus; 10] = [
        ClaimStatus::Queued,
        ClaimStatus::Awaiting,
        ClaimStatus::OaAccepted,
        ClaimStatus::OaRejected,
        ClaimStatus::PayerAccepted,
        ClaimStatus::PayerRejected,
        ClaimStatus::Pending,
        ClaimStatus::Paid,
        ClaimStatus::Denied,
        ClaimStatus::Reversed,
    ];

    /// The display text of architecture.md ("OA ACCEPTED"); also what the store keeps.
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

    /// The status in billing staff's words: "rejected by Office Ally", "paid".
    pub fn words(self) -> &'static str {
        match self {
            ClaimStatus::Queued => "queued",
            ClaimStatus::Awaiting => "awaiting",
            ClaimStatus::OaAccepted => "accepted by Office Ally",
            ClaimStatus::OaRejected => "rejected by Office Ally",
            ClaimStatus::PayerAccepted => "accepted by the payer",
            ClaimStatus::PayerRejected => "rejected by the payer",
            ClaimStatus::Pending => "pending",
            ClaimStatus::Paid => "paid",
            ClaimStatus::Denied => "denied",
            ClaimStatus::Reversed => "reversed",
        }
    }

    /// The status whose [`as_str`](Self::as_str) is `s`.
    pub fn parse(s: &str) -> Option<ClaimStatus> {
        ClaimStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// No response yet: QUEUED or AWAITING.
    pub fn is_waiting(self) -> bool {
        matches!(self, ClaimStatus::Queued | ClaimStatus::Awaiting)
    }

    /// Must be fixed and refiled: OA REJECTED or PAYER REJECTED.
    pub fn is_rejected(self) -> bool {
        matches!(self, ClaimStatus::OaRejected | ClaimStatus::PayerRejected)
    }

    /// Finished by the payer's money statement: PAID, DENIED or REVERSED (rule 8).
    pub fn is_final(self) -> bool {
        matches!(self, ClaimStatus::Paid | ClaimStatus::Denied | ClaimStatus::Reversed)
    }

    /// Accepted by the payer or beyond: PAYER ACCEPTED, PENDING, PAID, DENIED, REVERSED.
    pub fn reached_payer(self) -> bool {
        matches!(
            self,
            ClaimStatus::PayerAccepted
                | ClaimStatus::Pending
                | ClaimStatus::Paid
                | ClaimStatus::Denied
                | ClaimStatus::Reversed
        )
    }

    /// How far along AWAITING → OA ACCEPTED → PAYER ACCEPTED → PENDING → final a status is
    /// (rule 7). Rejections are off this line; callers check them first.
    fn stage(self) -> u8 {
        match self {
            ClaimStatus::Queued | ClaimStatus::Awaiting => 0,
            ClaimStatus::OaAccepted | ClaimStatus::OaRejected => 1,
            ClaimStatus::PayerAccepted | ClaimStatus::PayerRejected => 2,
            ClaimStatus::Pending => 3,
            ClaimStatus::Paid | ClaimStatus::Denied | ClaimStatus::Reversed => 4,
        }
    }
}

impl fmt::Display for ClaimStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status of one batch (one uploaded 837 file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BatchStatus {
    /// Submitted with claimtrack, not yet recorded as uploaded.
    Queued,
    /// Uploaded, and no clearinghouse or payer response about it or its claims yet.
    Awaiting,
    /// The clearinghouse failed the whole file (999 AK9 R, TA1 R, a failed file; rule 12).
    Failed,
    /// Every claim of the batch is OA REJECTED or PAYER REJECTED.
    Rejected,
    /// The clearinghouse answered, no claim is rejected, and not all have reached the payer.
    OaAccepted,
    /// As `OaAccepted`, but some claims are rejected (ChiroFusion's red R / ACCEPTED*).
    OaAcceptedWithRejections,
    /// Every claim has reached the payer (PAYER ACCEPTED, PENDING, PAID, DENIED, REVERSED).
    PayerAccepted,
    /// Every claim not rejected has reached the payer, and some are rejected.
    PayerAcceptedWithRejections,
}

impl BatchStatus {
    /// Every batch status, earliest stage first (for filters and legends).
    pub const ALL: [BatchStatus; 8] = [
        BatchStatus::Queued,
        BatchStatus::Awaiting,
        BatchStatus::Failed,
        BatchStatus::Rejected,
        BatchStatus::OaAccepted,
        BatchStatus::OaAcceptedWithRejections,
        BatchStatus::PayerAccepted,
        BatchStatus::PayerAcceptedWithRejections,
    ];

    /// The display text of architecture.md ("OA ACCEPTED with rejections"); also what the
    /// store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Queued => "QUEUED",
            BatchStatus::Awaiting => "AWAITING",
            BatchStatus::Failed => "FAILED",
            BatchStatus::Rejected => "REJECTED",
            BatchStatus::OaAccepted => "OA ACCEPTED",
            BatchStatus::OaAcceptedWithRejections => "OA ACCEPTED with rejections",
            BatchStatus::PayerAccepted => "PAYER ACCEPTED",
            BatchStatus::PayerAcceptedWithRejections => "PAYER ACCEPTED with rejections",
        }
    }

    /// The status whose [`as_str`](Self::as_str) is `s`.
    pub fn parse(s: &str) -> Option<BatchStatus> {
        BatchStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Some or all claims need fixing: FAILED, REJECTED, or "… with rejections".
    pub fn has_rejections(self) -> bool {
        matches!(
            self,
            BatchStatus::Failed
                | BatchStatus::Rejected
                | BatchStatus::OaAcceptedWithRejections
                | BatchStatus::PayerAcceptedWithRejections
        )
    }
}

impl fmt::Display for BatchStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The statuses as the views and the JSON contract spell them ("OA ACCEPTED"), the one
/// spelling a reader sees; the store keeps the same text.
pub trait Shown: Copy {
    /// The display text.
    fn shown(self) -> &'static str;
    /// The status whose display text is `s`.
    fn from_shown(s: &str) -> Option<Self>;
}

impl Shown for ClaimStatus {
    fn shown(self) -> &'static str {
        self.as_str()
    }
    fn from_shown(s: &str) -> Option<Self> {
        ClaimStatus::parse(s)
    }
}

impl Shown for BatchStatus {
    fn shown(self) -> &'static str {
        self.as_str()
    }
    fn from_shown(s: &str) -> Option<Self> {
        BatchStatus::parse(s)
    }
}

/// `#[serde(with = "shown")]` / `#[serde(serialize_with = "shown::serialize")]`: a status
/// field written as its display text.
pub(crate) mod shown {
    use super::Shown;

    pub(crate) fn serialize<S: serde::Serializer, T: Shown>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.shown())
    }

    /// The same for an optional status (`null` for none).
    pub(crate) fn option<S: serde::Serializer, T: Shown>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(v.shown()),
            None => s.serialize_none(),
        }
    }
}

macro_rules! status_traits {
    ($t:ty) => {
        impl PartialEq<str> for $t {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }
        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
        impl PartialEq<$t> for &str {
            fn eq(&self, other: &$t) -> bool {
                *self == other.as_str()
            }
        }
        impl rusqlite::types::FromSql for $t {
            fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let text = value.as_str()?;
                <$t>::parse(text).ok_or_else(|| rusqlite::types::FromSqlError::Other(format!("{text:?} is not a status").into()))
            }
        }
    };
}
status_traits!(ClaimStatus);
status_traits!(BatchStatus);

/// How a statement reaches a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The statement names this claim (or one of its service lines).
    Claim,
    /// A statement about the claim's billing provider (277CA 2200C, 277 2000C STC naming the
    /// provider by NPI or tax id), reaching the claims of its batch that provider billed.
    Provider,
    /// A statement about the claim's transaction set: 999 IK5 / 997 AK5 (or a 277CA batch-level
    /// STC, when correlated by set).
    TransactionSet,
    /// A statement about the whole file: TA1, 999 AK9, a File Summary batch line or failed
    /// file, a 277CA batch-level STC.
    Interchange,
}

impl Via {
    /// The JSON / display name (`transaction_set`).
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Claim => "claim",
            Via::Provider => "provider",
            Via::TransactionSet => "transaction_set",
            Via::Interchange => "interchange",
        }
    }

    /// How precisely the statement names the claim (rule 10): claim > billing provider > set >
    /// file. A provider is named more precisely than the set or file (it covers fewer claims)
    /// and less than the claim itself.
    fn precision(self) -> u8 {
        match self {
            Via::Claim => 3,
            Via::Provider => 2,
            Via::TransactionSet => 1,
            Via::Interchange => 0,
        }
    }
}

/// One event as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fact {
    /// What the event is about (rule 5: service-line events don't decide a claim; rule 12:
    /// a functional-group rejection always fails a batch).
    pub level: Level,
    /// Who made the statement (rules 2–5).
    pub source: Source,
    /// What the statement says (rules 3–5).
    pub status: StatusClass,
    /// As the file sent it ("TA1 R", "A7:562:85"); not used by the rules, reported back as the
    /// deciding statement's code.
    pub raw_code: String,
    /// The statement's reasons; the deciding statement's become the claim's.
    pub reasons: Vec<Reason>,
    /// Not used by the rules: the file order decides (rule 6).
    pub effective_date: Option<String>,
    /// When the event's file was first seen (RFC 3339).
    pub seen: String,
    /// (file id, seq): the order statements apply in (rule 6). Statements with the same file
    /// id come from one file (rules 2, 10, 12).
    pub order: (i64, i64),
    /// How the statement reaches the claim (rules 7, 10).
    pub applies_via: Via,
}

/// A claim's derived status, with what decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimState {
    /// The claim's status.
    pub status: ClaimStatus,
    /// The reasons of the statement(s) that decided the status (a rejection's codes, a
    /// payment's adjustments); empty for QUEUED / AWAITING.
    pub reasons: Vec<Reason>,
    /// Who made the deciding statement; `None` when no statement decided anything.
    pub source: Option<Source>,
    /// `seen` of the deciding statement.
    pub last_update: Option<String>,
    /// How the deciding statement reached the claim.
    pub via: Option<Via>,
    /// `order` of the deciding statement (the latest one when several of one file agree).
    pub decided_by: Option<(i64, i64)>,
    /// `raw_code` of the deciding statement.
    pub raw_code: Option<String>,
}

/// A batch's derived status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchState {
    /// The batch's status (ARCHIVED is a separate flag, not a status).
    pub status: BatchStatus,
    /// The batch-level rejection's reasons when FAILED or REJECTED; empty otherwise (each
    /// claim carries its own).
    pub reasons: Vec<Reason>,
}

/// What one statement does to a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Rule 5.
    Nothing,
    /// Rule 2.
    Submission,
    /// Rules 3 and 4.
    Status(ClaimStatus),
}

fn effect(f: &Fact) -> Effect {
    use StatusClass as S;
    if f.level == Level::ServiceLine {
        return Effect::Nothing;
    }
    match (f.source, f.status) {
        (Source::Submitter, S::Received) => Effect::Submission,
        (Source::Submitter, _) | (_, S::Received | S::Informational) => Effect::Nothing,
        (Source::Clearinghouse, S::Accepted | S::AcceptedWithErrors) => Effect::Status(ClaimStatus::OaAccepted),
        (Source::Clearinghouse, S::Rejected) => Effect::Status(ClaimStatus::OaRejected),
        (Source::Payer, S::Accepted | S::AcceptedWithErrors) => Effect::Status(ClaimStatus::PayerAccepted),
        (Source::Payer, S::Rejected) => Effect::Status(ClaimStatus::PayerRejected),
        (_, S::Pending) => Effect::Status(ClaimStatus::Pending),
        (_, S::Paid) => Effect::Status(ClaimStatus::Paid),
        (_, S::Denied) => Effect::Status(ClaimStatus::Denied),
        (_, S::Reversed) => Effect::Status(ClaimStatus::Reversed),
    }
}

fn sorted(facts: &[Fact]) -> Vec<&Fact> {
    let mut v: Vec<&Fact> = facts.iter().collect();
    v.sort_by_key(|f| f.order);
    v
}

/// The status of a claim from the statements linked to it (rules 1–10).
///
/// `uploaded`: whether the batch of the claim's latest submission has been uploaded.
/// `facts`: the claim's own statements and those of its transaction set and file; their order
/// in the slice does not matter, `order` does.
pub fn claim_status(uploaded: bool, facts: &[Fact]) -> ClaimState {
    let facts = sorted(facts);
    let submitted = facts.iter().any(|f| effect(f) == Effect::Submission);
    let waiting = if uploaded { ClaimStatus::Awaiting } else { ClaimStatus::Queued };
    // Rule 1.
    let mut st = ClaimState {
        status: if submitted || facts.is_empty() { waiting } else { ClaimStatus::Awaiting },
        reasons: Vec::new(),
        source: None,
        last_update: None,
        via: None,
        decided_by: None,
        raw_code: None,
    };
    let mut submission_file: Option<i64> = None;
    for f in facts {
        let target = match effect(f) {
            Effect::Nothing => continue,
            Effect::Submission => {
                let refile = submission_file.is_some_and(|file| file != f.order.0);
                submission_file = Some(f.order.0);
                if refile {
                    // Rule 8: a finished claim is not reopened by a refile.
                    if st.status.is_final() {
                        continue;
                    }
                } else if !st.status.is_waiting() {
                    // Rule 2: the first submission never overrides a response.
                    continue;
                }
                waiting
            }
            Effect::Status(target) => {
                // Rule 8.
                if st.status.is_final() && !target.is_final() {
                    continue;
                }
                // Rule 9.
                if target == ClaimStatus::OaAccepted
                    && !(st.status.is_waiting() || st.status == ClaimStatus::OaAccepted)
                {
                    continue;
                }
                // Rule 7.
                if f.applies_via != Via::Claim
                    && !target.is_rejected()
                    && (st.status.is_rejected() || st.status.stage() >= target.stage())
                {
                    continue;
                }
                target
            }
        };
        decide(&mut st, f, target);
    }
    st
}

/// Make `f` the deciding statement with status `target`, reading it together with the
/// statements of its own file (rule 10).
fn decide(st: &mut ClaimState, f: &Fact, target: ClaimStatus) {
    let same_file = st.decided_by.is_some_and(|(file, _)| file == f.order.0);
    let reasons = reasons_for_claim(f);
    if same_file && st.status == target {
        let current = st.via.map_or(0, Via::precision);
        match f.applies_via.precision().cmp(&current) {
            Ordering::Less => return,
            Ordering::Equal => {
                for r in reasons {
                    if !st.reasons.contains(&r) {
                        st.reasons.push(r);
                    }
                }
            }
            Ordering::Greater => st.reasons = reasons,
        }
    } else {
        if same_file && st.status.is_rejected() && !target.is_rejected() && !target.is_final() {
            return;
        }
        st.reasons = reasons;
    }
    st.status = target;
    st.source = Some(f.source);
    st.via = Some(f.applies_via);
    st.decided_by = Some(f.order);
    st.last_update = Some(f.seen.clone());
    st.raw_code = Some(f.raw_code.clone());
}

/// Whether a reason of a statement reached through `via` speaks for the claim (rule 7): a
/// rejection of the claim's set or file rejects every claim in it, so its reasons are the
/// claim's, except clearinghouse edit codes, which a file-level line only tallies over its
/// claims (a File Summary's "3 # errors FE69"); any other statement about the set or file
/// (a 999 accepted with errors, "4 accepted, 2 rejected") lists what it found in *other*
/// claims, which must not read as this claim's reasons. The views apply the same rule.
pub fn speaks_for_claim(via: Via, status: StatusClass, reason: &Reason) -> bool {
    via == Via::Claim || (status == StatusClass::Rejected && !matches!(reason.code_set, CodeSet::ClearinghouseEdit))
}

fn reasons_for_claim(f: &Fact) -> Vec<Reason> {
    f.reasons.iter().filter(|r| speaks_for_claim(f.applies_via, f.status, r)).cloned().collect()
}

/// A statement from the clearinghouse or a payer that says something (rule 11).
fn is_response(f: &Fact) -> bool {
    f.source != Source::Submitter && !matches!(f.status, StatusClass::Received | StatusClass::Informational)
}

/// The status of a batch (rules 11–15).
///
/// `batch_facts`: the statements about the batch as a whole (TA1, 999 AK9, File Summary batch
/// line, 277CA batch-level STC; via `Interchange` or `TransactionSet`), and those about one
/// of its billing providers (via `Provider`: an answer (rule 11) and a REJECTED batch's reasons
/// (rule 13), never the verdict on the whole batch (rule 12)). They may also include
/// the claim-level statements about the batch's claims (via `Claim`): those are used only to
/// tell a File Summary that rejects every claim it lists (REJECTED) from a failed file
/// (FAILED), rule 12. Without them every batch-level rejection other than a tally the claims
/// already show reads as FAILED.
/// `claims`: the current status of every claim of the batch ([`claim_status`]).
pub fn batch_status(uploaded: bool, batch_facts: &[Fact], claims: &[ClaimStatus]) -> BatchState {
    let facts = sorted(batch_facts);
    let own = || facts.iter().copied().filter(|f| f.applies_via != Via::Claim);
    let verdict = own().rev().find(|f| {
        f.applies_via != Via::Provider
            && f.source == Source::Clearinghouse
            && matches!(f.status, StatusClass::Accepted | StatusClass::AcceptedWithErrors | StatusClass::Rejected)
    });
    let rejected_verdict = verdict.filter(|v| v.status == StatusClass::Rejected);

    // Rule 12.
    if let Some(v) = rejected_verdict {
        let itemized = facts.iter().any(|f| f.applies_via == Via::Claim && f.order.0 == v.order.0 && is_response(f));
        if v.level == Level::FunctionalGroup || !itemized {
            return BatchState { status: BatchStatus::Failed, reasons: v.reasons.clone() };
        }
    }

    // Rule 11.
    let answered = facts.iter().any(|f| is_response(f)) || claims.iter().any(|c| !c.is_waiting());
    if !answered {
        let status = if uploaded { BatchStatus::Awaiting } else { BatchStatus::Queued };
        return BatchState { status, reasons: Vec::new() };
    }

    // Rule 13.
    let batch_rejection_reasons =
        || own().rev().find(|f| f.status == StatusClass::Rejected).map(|f| f.reasons.clone()).unwrap_or_default();
    if claims.is_empty() {
        // Rule 15, last sentence.
        return match rejected_verdict {
            Some(v) => BatchState { status: BatchStatus::Rejected, reasons: v.reasons.clone() },
            None => BatchState { status: BatchStatus::OaAccepted, reasons: Vec::new() },
        };
    }
    let rejected = claims.iter().filter(|c| c.is_rejected()).count();
    if rejected == claims.len() {
        return BatchState { status: BatchStatus::Rejected, reasons: batch_rejection_reasons() };
    }

    // Rules 14 and 15.
    let status = match (claims.iter().all(|c| c.is_rejected() || c.reached_payer()), rejected > 0) {
        (true, false) => BatchStatus::PayerAccepted,
        (true, true) => BatchStatus::PayerAcceptedWithRejections,
        (false, false) => BatchStatus::OaAccepted,
        (false, true) => BatchStatus::OaAcceptedWithRejections,
    };
    BatchState { status, reasons: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClaimStatus as C;
    use Source::{Clearinghouse as Ch, Payer as Py, Submitter as Sub};
    use StatusClass as S;

    // ---- builders -------------------------------------------------------------------

    fn reason(code: &str) -> Reason {
        Reason {
            code_set: CodeSet::FreeText,
            code: code.to_string(),
            description: None,
            group: None,
            amount: None,
            position: None,
        }
    }

    /// A statement from file `file` (seen on day `file` of January), event `seq`.
    fn fact(file: i64, seq: i64, source: Source, status: StatusClass, via: Via) -> Fact {
        let level = match via {
            Via::Claim => Level::Claim,
            Via::Provider | Via::TransactionSet => Level::TransactionSet,
            Via::Interchange => Level::Interchange,
        };
        Fact {
            level,
            source,
            status,
            raw_code: format!("{} {}", source.as_str(), status.as_str()),
            reasons: Vec::new(),
            effective_date: None,
            seen: format!("2025-01-{file:02}T12:00:00Z"),
            order: (file, seq),
            applies_via: via,
        }
    }

    fn claim(file: i64, seq: i64, source: Source, status: StatusClass) -> Fact {
        fact(file, seq, source, status, Via::Claim)
    }

    /// The claim's own 837 (CLM) statement.
    fn submitted(file: i64) -> Fact {
        claim(file, 1, Sub, S::Received)
    }

    fn with(mut f: Fact, codes: &[&str]) -> Fact {
        f.reasons = codes.iter().map(|c| reason(c)).collect();
        f
    }

    fn at(mut f: Fact, level: Level) -> Fact {
        f.level = level;
        f
    }

    fn codes(reasons: &[Reason]) -> Vec<&str> {
        reasons.iter().map(|r| r.code.as_str()).collect()
    }

    fn status(uploaded: bool, facts: &[Fact]) -> ClaimStatus {
        claim_status(uploaded, facts).status
    }

    // ---- vocabulary -----------------------------------------------------------------

    #[test]
    fn display_text_is_the_architecture_vocabulary_and_parses_back() {
        let claims: Vec<&str> = C::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            claims,
            [
                "QUEUED",
                "AWAITING",
                "OA ACCEPTED",
                "OA REJECTED",
                "PAYER ACCEPTED",
                "PAYER REJECTED",
                "PENDING",
                "PAID",
                "DENIED",
                "REVERSED"
            ]
        );
        for c in C::ALL {
            assert_eq!(C::parse(c.as_str()), Some(c));
            assert_eq!(c.to_string(), c.as_str());
        }
        assert_eq!(BatchStatus::OaAcceptedWithRejections.as_str(), "OA ACCEPTED with rejections");
        assert_eq!(BatchStatus::PayerAcceptedWithRejections.as_str(), "PAYER ACCEPTED with rejections");
        for b in BatchStatus::ALL {
            assert_eq!(BatchStatus::parse(b.as_str()), Some(b));
        }
        assert_eq!(C::parse("ACCEPTED"), None);
    }

    #[test]
    fn serialized_names_are_screaming_snake_case() {
        assert_eq!(serde_json::to_string(&C::OaAccepted).unwrap(), "\"OA_ACCEPTED\"");
        assert_eq!(
            serde_json::to_string(&BatchStatus::PayerAcceptedWithRejections).unwrap(),
            "\"PAYER_ACCEPTED_WITH_REJECTIONS\""
        );
        assert_eq!(serde_json::to_string(&Via::TransactionSet).unwrap(), "\"transaction_set\"");
        // The timeline's `via` and the stored links spell it the same way.
        assert_eq!(serde_json::to_string(&Via::Provider).unwrap(), format!("\"{}\"", Via::Provider.as_str()));
    }

    // ---- claim rules ----------------------------------------------------------------

    #[test]
    fn rule1_claim_starts_queued_then_awaiting_once_uploaded() {
        assert_eq!(status(false, &[submitted(1)]), C::Queued);
        assert_eq!(status(true, &[submitted(1)]), C::Awaiting);
        assert_eq!(status(false, &[]), C::Queued, "no statement at all");
        assert_eq!(status(true, &[]), C::Awaiting);
        let s = claim_status(true, &[submitted(1)]);
        assert_eq!(s.source, Some(Sub));
        assert_eq!(s.last_update.as_deref(), Some("2025-01-01T12:00:00Z"));
        assert!(s.reasons.is_empty());
    }

    #[test]
    fn rule1_claim_known_only_from_responses_starts_awaiting_whatever_uploaded_says() {
        let only_info = [claim(3, 0, Py, S::Informational)];
        assert_eq!(status(false, &only_info), C::Awaiting);
        assert_eq!(claim_status(false, &only_info).source, None);
        assert_eq!(status(false, &[claim(3, 0, Py, S::Accepted)]), C::PayerAccepted);
    }

    #[test]
    fn rule2_first_submission_never_overrides_an_earlier_response() {
        // The 837 was archived after its responses (history imported out of order).
        let facts = [claim(2, 0, Py, S::Accepted), submitted(5)];
        let s = claim_status(false, &facts);
        assert_eq!(s.status, C::PayerAccepted);
        assert_eq!(s.decided_by, Some((2, 0)));
    }

    #[test]
    fn rule2_refile_starts_the_claim_again() {
        let rejected = [submitted(1), with(claim(2, 3, Ch, S::Rejected), &["FE69"])];
        let mut refiled = rejected.to_vec();
        refiled.push(submitted(4));
        let s = claim_status(true, &refiled);
        assert_eq!(s.status, C::Awaiting);
        assert!(s.reasons.is_empty(), "old reasons cleared");
        assert_eq!(status(false, &refiled), C::Queued, "refile not uploaded yet");
        refiled.push(claim(5, 2, Ch, S::Accepted));
        assert_eq!(status(true, &refiled), C::OaAccepted);
    }

    #[test]
    fn rule2_statements_of_one_837_are_one_submission() {
        // The 837's file-level and claim-level `received` are the same submission, not a refile.
        let facts = [fact(1, 0, Sub, S::Received, Via::Interchange), claim(2, 1, Ch, S::Rejected), submitted(1)];
        assert_eq!(status(true, &facts), C::OaRejected);
    }

    #[test]
    fn rule3_clearinghouse_acceptance_is_oa_accepted() {
        for class in [S::Accepted, S::AcceptedWithErrors] {
            let s = claim_status(true, &[submitted(1), with(claim(2, 0, Ch, class), &["W1"])]);
            assert_eq!(s.status, C::OaAccepted, "{class:?}");
            assert_eq!(codes(&s.reasons), ["W1"], "errors noted are kept");
            assert_eq!(s.source, Some(Ch));
        }
    }

    #[test]
    fn rule3_clearinghouse_rejection_is_oa_rejected_with_its_reasons() {
        let s = claim_status(true, &[submitted(1), with(claim(2, 4, Ch, S::Rejected), &["FE69", "FE117"])]);
        assert_eq!(s.status, C::OaRejected);
        assert_eq!(codes(&s.reasons), ["FE69", "FE117"]);
        assert_eq!(s.via, Some(Via::Claim));
    }

    #[test]
    fn rule4_payer_statements_map_to_payer_statuses() {
        let table = [
            (S::Accepted, C::PayerAccepted),
            (S::AcceptedWithErrors, C::PayerAccepted),
            (S::Rejected, C::PayerRejected),
            (S::Pending, C::Pending),
            (S::Paid, C::Paid),
            (S::Denied, C::Denied),
            (S::Reversed, C::Reversed),
        ];
        for (class, want) in table {
            let s = claim_status(true, &[submitted(1), claim(2, 0, Ch, S::Accepted), claim(3, 0, Py, class)]);
            assert_eq!(s.status, want, "{class:?}");
            assert_eq!(s.source, Some(Py));
        }
    }

    #[test]
    fn rule4_money_and_pending_mean_the_same_from_a_clearinghouse() {
        for (class, want) in
            [(S::Pending, C::Pending), (S::Paid, C::Paid), (S::Denied, C::Denied), (S::Reversed, C::Reversed)]
        {
            assert_eq!(status(true, &[submitted(1), claim(2, 0, Ch, class)]), want, "{class:?}");
        }
    }

    #[test]
    fn rule5_informational_statements_never_change_status() {
        let base = [submitted(1), with(claim(2, 0, Py, S::Rejected), &["A7"])];
        let mut facts = base.to_vec();
        facts.push(with(claim(3, 0, Py, S::Informational), &["X"]));
        facts.push(fact(4, 0, Py, S::Informational, Via::Interchange));
        assert_eq!(claim_status(true, &facts), claim_status(true, &base));
    }

    #[test]
    fn rule5_service_line_statements_do_not_decide_the_claim() {
        let facts = [
            submitted(1),
            claim(5, 0, Py, S::Paid),
            with(at(claim(5, 1, Py, S::Denied), Level::ServiceLine), &["CO-97"]),
        ];
        let s = claim_status(true, &facts);
        assert_eq!(s.status, C::Paid);
        assert_eq!(s.decided_by, Some((5, 0)));
        // An 837's service lines are not submissions of their own either.
        assert_eq!(status(true, &[submitted(1), at(claim(1, 2, Sub, S::Received), Level::ServiceLine)]), C::Awaiting);
    }

    #[test]
    fn rule5_received_from_a_response_and_other_submitter_classes_change_nothing() {
        let facts = [submitted(1), claim(2, 0, Ch, S::Received), claim(3, 0, Sub, S::Rejected)];
        let s = claim_status(true, &facts);
        assert_eq!(s.status, C::Awaiting);
        assert_eq!(s.decided_by, Some((1, 1)));
    }

    #[test]
    fn rule6_later_statement_overrides_earlier() {
        // A payer rejection after an OA acceptance.
        let s = claim_status(
            true,
            &[submitted(1), claim(2, 0, Ch, S::Accepted), with(claim(3, 0, Py, S::Rejected), &["A7"])],
        );
        assert_eq!((s.status, codes(&s.reasons)), (C::PayerRejected, vec!["A7"]));
        // A payer acceptance after a payer rejection (reprocessed), a pending after it.
        assert_eq!(status(true, &[claim(2, 0, Py, S::Rejected), claim(3, 0, Py, S::Accepted)]), C::PayerAccepted);
        assert_eq!(status(true, &[claim(2, 0, Py, S::Pending), claim(3, 0, Py, S::Accepted)]), C::PayerAccepted);
        // An OA rejection after an OA acceptance.
        assert_eq!(status(true, &[claim(2, 0, Ch, S::Accepted), claim(3, 0, Ch, S::Rejected)]), C::OaRejected);
        // A payer acceptance after an OA rejection (the claim was corrected in Office Ally).
        assert_eq!(status(true, &[claim(2, 0, Ch, S::Rejected), claim(3, 0, Py, S::Accepted)]), C::PayerAccepted);
    }

    #[test]
    fn rule6_only_order_counts_not_the_slice_order() {
        let facts = vec![
            submitted(1),
            fact(2, 0, Ch, S::Accepted, Via::Interchange),
            with(claim(2, 5, Ch, S::Rejected), &["FE1"]),
            claim(3, 0, Py, S::Pending),
            with(claim(4, 1, Py, S::Reversed), &["R"]),
            with(claim(4, 2, Py, S::Paid), &["P"]),
        ];
        let want = claim_status(true, &facts);
        assert_eq!(want.status, C::Paid);
        let mut reversed = facts.clone();
        reversed.reverse();
        assert_eq!(claim_status(true, &reversed), want);
        let mut rotated = facts.clone();
        rotated.rotate_left(3);
        assert_eq!(claim_status(true, &rotated), want);
    }

    #[test]
    fn rule7_999_rejection_of_the_set_rejects_the_claim() {
        let ik5 = with(fact(2, 3, Ch, S::Rejected, Via::TransactionSet), &["IK5 5"]);
        let s = claim_status(true, &[submitted(1), ik5]);
        assert_eq!(s.status, C::OaRejected);
        assert_eq!(codes(&s.reasons), ["IK5 5"]);
        assert_eq!(s.via, Some(Via::TransactionSet));
    }

    #[test]
    fn rule7_ta1_rejection_and_failed_file_reject_the_claim() {
        let ta1 = with(fact(2, 0, Ch, S::Rejected, Via::Interchange), &["024"]);
        assert_eq!(status(true, &[submitted(1), ta1]), C::OaRejected);
        let failed = with(fact(3, 0, Ch, S::Rejected, Via::Interchange), &["FS FAILED"]);
        assert_eq!(status(true, &[submitted(1), fact(2, 0, Ch, S::Accepted, Via::Interchange), failed]), C::OaRejected);
        // A 999 AK9 rejection reaches the claim through the file too.
        let ak9 = at(fact(2, 9, Ch, S::Rejected, Via::Interchange), Level::FunctionalGroup);
        assert_eq!(status(true, &[submitted(1), ak9]), C::OaRejected);
        // So does a payer's batch-level rejection.
        assert_eq!(status(true, &[submitted(1), fact(4, 0, Py, S::Rejected, Via::Interchange)]), C::PayerRejected);
    }

    #[test]
    fn rule7_set_or_file_acceptance_only_moves_a_claim_forward() {
        let ack = || fact(6, 0, Ch, S::Accepted, Via::TransactionSet);
        assert_eq!(status(true, &[submitted(1), ack()]), C::OaAccepted);
        // A 999 accepted set does not downgrade a claim past OA ACCEPTED.
        assert_eq!(status(true, &[submitted(1), claim(3, 0, Py, S::Accepted), ack()]), C::PayerAccepted);
        let s = claim_status(true, &[submitted(1), with(claim(3, 0, Ch, S::Accepted), &["W"]), ack()]);
        assert_eq!((s.status, s.decided_by), (C::OaAccepted, Some((3, 0))), "no refresh by a set statement");
        // A payer's batch-level acceptance lifts an OA-accepted claim, but no further.
        let payer_batch = || fact(7, 0, Py, S::Accepted, Via::Interchange);
        assert_eq!(status(true, &[submitted(1), claim(2, 0, Ch, S::Accepted), payer_batch()]), C::PayerAccepted);
        assert_eq!(status(true, &[submitted(1), claim(3, 0, Py, S::Pending), payer_batch()]), C::Pending);
    }

    #[test]
    fn rule7_set_or_file_acceptance_never_clears_a_rejection() {
        let facts = [
            submitted(1),
            with(claim(2, 1, Ch, S::Rejected), &["FE69"]),
            fact(3, 0, Py, S::Accepted, Via::Interchange),
        ];
        assert_eq!(status(true, &facts), C::OaRejected);
        let facts = [submitted(1), claim(2, 1, Py, S::Rejected), fact(3, 0, Py, S::Pending, Via::TransactionSet)];
        assert_eq!(status(true, &facts), C::PayerRejected);
    }

    #[test]
    fn rule7_billing_provider_rejection_rejects_the_claim() {
        // A payer 277CA's 2200C "A3:562:85": the billing provider's NPI is not on file.
        let npi = with(fact(3, 2, Py, S::Rejected, Via::Provider), &["A3", "562"]);
        let s = claim_status(true, &[submitted(1), fact(2, 0, Ch, S::Accepted, Via::Interchange), npi]);
        assert_eq!((s.status, codes(&s.reasons), s.via), (C::PayerRejected, vec!["A3", "562"], Some(Via::Provider)));
        // From Office Ally's own 277CA it is Office Ally's rejection.
        assert_eq!(status(true, &[submitted(1), fact(2, 2, Ch, S::Rejected, Via::Provider)]), C::OaRejected);
    }

    #[test]
    fn rule7_billing_provider_acceptance_only_moves_a_claim_forward() {
        let provider = |status| fact(5, 2, Py, status, Via::Provider);
        assert_eq!(status(true, &[submitted(1), claim(2, 0, Ch, S::Accepted), provider(S::Accepted)]), C::PayerAccepted);
        assert_eq!(status(true, &[submitted(1), provider(S::Pending)]), C::Pending);
        // Never backwards, never over a rejection, and informational says nothing.
        assert_eq!(status(true, &[submitted(1), claim(3, 0, Py, S::Pending), provider(S::Accepted)]), C::Pending);
        assert_eq!(status(true, &[submitted(1), claim(2, 1, Ch, S::Rejected), provider(S::Accepted)]), C::OaRejected);
        assert_eq!(status(true, &[submitted(1), claim(2, 0, Ch, S::Accepted), provider(S::Informational)]), C::OaAccepted);
    }

    #[test]
    fn rule8_finished_claims_change_only_with_money_statements() {
        for done in [S::Paid, S::Denied, S::Reversed] {
            let want = status(true, &[submitted(1), claim(5, 0, Py, done)]);
            for late in [
                claim(6, 0, Py, S::Pending),
                claim(6, 0, Py, S::Accepted),
                claim(6, 0, Py, S::Rejected),
                claim(6, 0, Ch, S::Rejected),
                claim(6, 0, Ch, S::Accepted),
                fact(6, 0, Ch, S::Rejected, Via::Interchange),
                submitted(6),
            ] {
                let s = claim_status(true, &[submitted(1), claim(5, 0, Py, done), late.clone()]);
                assert_eq!((s.status, s.decided_by), (want, Some((5, 0))), "{done:?} then {late:?}");
            }
        }
        // Money statements still apply: paid then denied on reprocessing.
        assert_eq!(status(true, &[claim(5, 0, Py, S::Paid), claim(6, 0, Py, S::Denied)]), C::Denied);
    }

    #[test]
    fn rule8_reversal_followed_by_its_correction_ends_corrected() {
        // In one 835 (CLP02 22 then the corrected claim) and across 835s.
        let same_file =
            [submitted(1), claim(5, 0, Py, S::Paid), claim(8, 3, Py, S::Reversed), claim(8, 4, Py, S::Paid)];
        assert_eq!(status(true, &same_file), C::Paid);
        let corrected_to_denied = [claim(5, 0, Py, S::Paid), claim(8, 3, Py, S::Reversed), claim(9, 0, Py, S::Denied)];
        assert_eq!(status(true, &corrected_to_denied), C::Denied);
        let uncorrected = [claim(5, 0, Py, S::Paid), claim(8, 3, Py, S::Reversed), claim(9, 0, Py, S::Pending)];
        assert_eq!(status(true, &uncorrected), C::Reversed);
    }

    #[test]
    fn rule9_clearinghouse_acceptance_never_overrides_a_payer_status() {
        for payer in [S::Accepted, S::Rejected, S::Pending] {
            let facts = [submitted(1), claim(3, 0, Py, payer), claim(4, 0, Ch, S::Accepted)];
            let s = claim_status(true, &facts);
            assert_eq!(s.decided_by, Some((3, 0)), "{payer:?}");
            assert_eq!(s.source, Some(Py));
        }
    }

    #[test]
    fn rule9_clearinghouse_acceptance_never_clears_a_rejection() {
        // The File Summary rejected the claim; the 999 (archived after it) accepted its syntax.
        let facts = [
            submitted(1),
            with(claim(2, 4, Ch, S::Rejected), &["FE69"]),
            with(claim(3, 2, Ch, S::AcceptedWithErrors), &["IK4 7"]),
        ];
        let s = claim_status(true, &facts);
        assert_eq!((s.status, codes(&s.reasons)), (C::OaRejected, vec!["FE69"]));
        // A refreshed OA acceptance is allowed, and replaces the reasons.
        let s = claim_status(
            true,
            &[with(claim(2, 0, Ch, S::AcceptedWithErrors), &["IK4 7"]), claim(3, 0, Ch, S::Accepted)],
        );
        assert_eq!((s.status, s.reasons.len(), s.decided_by), (C::OaAccepted, 0, Some((3, 0))));
    }

    #[test]
    fn rule10_same_status_in_one_file_adds_reasons_up() {
        // Two STC segments of one 277CA claim, both rejecting.
        let facts = [
            submitted(1),
            with(claim(4, 7, Py, S::Rejected), &["A3:21"]),
            with(claim(4, 8, Py, S::Rejected), &["A7:562", "A3:21"]),
        ];
        let s = claim_status(true, &facts);
        assert_eq!(codes(&s.reasons), ["A3:21", "A7:562"]);
        assert_eq!(s.decided_by, Some((4, 8)));
        // In different files the later one replaces.
        let facts = [with(claim(4, 7, Py, S::Rejected), &["A3:21"]), with(claim(5, 0, Py, S::Rejected), &["A7:562"])];
        assert_eq!(codes(&claim_status(true, &facts).reasons), ["A7:562"]);
    }

    #[test]
    fn rule10_the_most_precise_statement_of_one_file_supplies_the_reasons() {
        // File Summary: the batch line "0 accepted, 2 rejected" with every edit code of the
        // file, then this claim's own row.
        let tally = with(fact(2, 0, Ch, S::Rejected, Via::Interchange), &["FE69", "FE117"]);
        let row = with(claim(2, 3, Ch, S::Rejected), &["FE117"]);
        let s = claim_status(true, &[submitted(1), tally.clone(), row.clone()]);
        assert_eq!((codes(&s.reasons), s.via), (vec!["FE117"], Some(Via::Claim)));
        // A less precise statement after a more precise one of the same file changes nothing.
        let mut late_tally = tally;
        late_tally.order = (2, 9);
        let s = claim_status(true, &[submitted(1), row, late_tally]);
        assert_eq!((codes(&s.reasons), s.decided_by), (vec!["FE117"], Some((2, 3))));
    }

    #[test]
    fn rule10_a_rejection_stands_within_one_response() {
        // A 277CA provider-level rejection cascaded to the claim, then the claim's own STC.
        let facts = [submitted(1), with(claim(4, 2, Py, S::Rejected), &["A3:562:85"]), claim(4, 5, Py, S::Accepted)];
        assert_eq!(status(true, &facts), C::PayerRejected);
        let facts = [claim(4, 2, Py, S::Rejected), claim(4, 5, Py, S::Pending)];
        assert_eq!(status(true, &facts), C::PayerRejected);
        // Across responses the later one still wins (rule 6).
        let facts = [claim(4, 2, Py, S::Rejected), claim(5, 0, Py, S::Accepted)];
        assert_eq!(status(true, &facts), C::PayerAccepted);
    }

    #[test]
    fn rule10_a_billing_provider_is_named_between_the_claim_and_its_set() {
        // One 277CA: the batch's rejection, the provider's, the claim's own.
        let batch = with(fact(4, 1, Py, S::Rejected, Via::Interchange), &["A3:24:41"]);
        let provider = with(fact(4, 2, Py, S::Rejected, Via::Provider), &["A3:562:85"]);
        let own = with(claim(4, 5, Py, S::Rejected), &["A7:21"]);
        let s = claim_status(true, &[submitted(1), batch.clone(), provider.clone()]);
        assert_eq!((codes(&s.reasons), s.via), (vec!["A3:562:85"], Some(Via::Provider)));
        let s = claim_status(true, &[submitted(1), batch, provider.clone(), own.clone()]);
        assert_eq!((codes(&s.reasons), s.via), (vec!["A7:21"], Some(Via::Claim)));
        // The provider's statement after the claim's own (same file, same status) adds nothing.
        let mut late = provider;
        late.order = (4, 9);
        assert_eq!(codes(&claim_status(true, &[submitted(1), own, late]).reasons), ["A7:21"]);
        // The claim's own rejection under an accepted provider rejects it; the provider's
        // rejection stands against the claim's own acceptance in the same file.
        let facts = [submitted(1), fact(4, 2, Py, S::Accepted, Via::Provider), claim(4, 5, Py, S::Rejected)];
        assert_eq!(status(true, &facts), C::PayerRejected);
        let facts = [submitted(1), fact(4, 2, Py, S::Rejected, Via::Provider), claim(4, 5, Py, S::Accepted)];
        assert_eq!(status(true, &facts), C::PayerRejected);
    }

    #[test]
    fn claim_state_reports_the_deciding_statement() {
        let mut f = with(claim(7, 3, Py, S::Denied), &["CO-97"]);
        f.raw_code = "CLP02 4".into();
        let s = claim_status(true, &[submitted(1), claim(2, 0, Ch, S::Accepted), f, claim(8, 0, Py, S::Informational)]);
        assert_eq!(s.status, C::Denied);
        assert_eq!(s.source, Some(Py));
        assert_eq!(s.via, Some(Via::Claim));
        assert_eq!(s.decided_by, Some((7, 3)));
        assert_eq!(s.raw_code.as_deref(), Some("CLP02 4"));
        assert_eq!(s.last_update.as_deref(), Some("2025-01-07T12:00:00Z"));
        assert_eq!(codes(&s.reasons), ["CO-97"]);
    }

    // ---- claim sequences --------------------------------------------------------------

    #[test]
    fn claim_sequences() {
        let fs_batch = |file, class| fact(file, 0, Ch, class, Via::Interchange);
        type Case = (&'static str, bool, Vec<Fact>, ClaimStatus, &'static [&'static str]);
        let table: Vec<Case> = vec![
            ("837 only, staged", false, vec![submitted(1)], C::Queued, &[]),
            ("837 uploaded", true, vec![submitted(1)], C::Awaiting, &[]),
            (
                "837 → FS accept → 277CA payer reject",
                true,
                vec![
                    submitted(1),
                    fs_batch(2, S::Accepted),
                    claim(2, 1, Ch, S::Accepted),
                    with(claim(3, 4, Py, S::Rejected), &["A7:562:85"]),
                ],
                C::PayerRejected,
                &["A7:562:85"],
            ),
            (
                "837 → 999 R of its set",
                true,
                vec![submitted(1), with(fact(2, 2, Ch, S::Rejected, Via::TransactionSet), &["5"])],
                C::OaRejected,
                &["5"],
            ),
            (
                "837 → 999 A of its set → FS rejects the claim",
                true,
                vec![
                    submitted(1),
                    fact(2, 2, Ch, S::Accepted, Via::TransactionSet),
                    with(claim(3, 2, Ch, S::Rejected), &["FE69"]),
                ],
                C::OaRejected,
                &["FE69"],
            ),
            (
                "837 → TA1 R",
                true,
                vec![submitted(1), with(fact(2, 0, Ch, S::Rejected, Via::Interchange), &["006"])],
                C::OaRejected,
                &["006"],
            ),
            (
                "837 → FS failed file",
                true,
                vec![submitted(1), with(fs_batch(2, S::Rejected), &["FS FAILED"])],
                C::OaRejected,
                &["FS FAILED"],
            ),
            (
                "835 paid, then a late 277 pending",
                true,
                vec![submitted(1), claim(5, 0, Py, S::Paid), claim(6, 0, Py, S::Pending)],
                C::Paid,
                &[],
            ),
            (
                "paid → reversal → correction",
                true,
                vec![
                    submitted(1),
                    claim(5, 0, Py, S::Paid),
                    claim(6, 1, Py, S::Reversed),
                    with(claim(6, 2, Py, S::Paid), &["CO-45"]),
                ],
                C::Paid,
                &["CO-45"],
            ),
            (
                "payer accepted, then a late OA accepted",
                true,
                vec![submitted(1), claim(3, 0, Py, S::Accepted), claim(4, 0, Ch, S::Accepted)],
                C::PayerAccepted,
                &[],
            ),
            (
                "only in responses: 277CA payer accepted, not uploaded by us",
                false,
                vec![claim(3, 0, Py, S::Accepted)],
                C::PayerAccepted,
                &[],
            ),
            (
                "only in responses: 835 denied",
                false,
                vec![with(claim(9, 0, Py, S::Denied), &["CO-29"])],
                C::Denied,
                &["CO-29"],
            ),
            (
                "rejected → refiled → OA accepted",
                true,
                vec![
                    submitted(1),
                    with(claim(2, 1, Ch, S::Rejected), &["FE69"]),
                    submitted(3),
                    fs_batch(4, S::Accepted),
                ],
                C::OaAccepted,
                &[],
            ),
            (
                "full life: FS, 277CA, 277 pending, 835 denied, reversal, paid",
                true,
                vec![
                    submitted(1),
                    fact(2, 0, Ch, S::Accepted, Via::Interchange),
                    claim(2, 1, Ch, S::Accepted),
                    claim(3, 0, Py, S::Accepted),
                    claim(4, 0, Py, S::Pending),
                    claim(5, 0, Py, S::Denied),
                    claim(6, 0, Py, S::Reversed),
                    claim(6, 1, Py, S::Paid),
                    claim(7, 0, Py, S::Pending),
                ],
                C::Paid,
                &[],
            ),
        ];
        for (name, uploaded, facts, want, want_codes) in table {
            let s = claim_status(uploaded, &facts);
            assert_eq!(s.status, want, "{name}");
            assert_eq!(codes(&s.reasons), want_codes, "{name}");
        }
    }

    // ---- batch rules ----------------------------------------------------------------

    fn batch(uploaded: bool, facts: &[Fact], claims: &[ClaimStatus]) -> BatchStatus {
        batch_status(uploaded, facts, claims).status
    }

    #[test]
    fn rule11_batch_queued_until_uploaded_then_awaiting() {
        let own_837 = [fact(1, 0, Sub, S::Received, Via::Interchange)];
        assert_eq!(batch(false, &own_837, &[C::Queued, C::Queued]), BatchStatus::Queued);
        assert_eq!(batch(true, &own_837, &[C::Awaiting, C::Awaiting]), BatchStatus::Awaiting);
        assert_eq!(batch(true, &[], &[]), BatchStatus::Awaiting);
        // Informational statements are no answer.
        let info = [fact(2, 0, Ch, S::Informational, Via::Interchange)];
        assert_eq!(batch(true, &info, &[C::Awaiting]), BatchStatus::Awaiting);
        // Any answer ends AWAITING, even for a batch we never saw uploaded.
        assert_eq!(
            batch(false, &[fact(2, 0, Ch, S::Accepted, Via::Interchange)], &[C::Queued]),
            BatchStatus::OaAccepted
        );
        assert_eq!(batch(true, &[], &[C::Awaiting, C::OaAccepted]), BatchStatus::OaAccepted);
    }

    #[test]
    fn rule12_ta1_rejection_fails_the_batch() {
        let ta1 = with(fact(2, 0, Ch, S::Rejected, Via::Interchange), &["024"]);
        let b = batch_status(true, &[ta1], &[C::OaRejected, C::OaRejected]);
        assert_eq!((b.status, codes(&b.reasons)), (BatchStatus::Failed, vec!["024"]));
    }

    #[test]
    fn rule12_failed_file_fails_the_batch() {
        let facts = [
            fact(1, 0, Sub, S::Received, Via::Interchange),
            fact(2, 0, Ch, S::Accepted, Via::Interchange),
            with(fact(3, 0, Ch, S::Rejected, Via::Interchange), &["FS FAILED"]),
        ];
        let b = batch_status(true, &facts, &[C::OaRejected]);
        assert_eq!((b.status, codes(&b.reasons)), (BatchStatus::Failed, vec!["FS FAILED"]));
        // With no claims known at all.
        assert_eq!(batch(true, &facts, &[]), BatchStatus::Failed);
    }

    #[test]
    fn rule12_group_rejection_fails_the_batch_even_with_claim_errors() {
        let ak9 = with(at(fact(2, 9, Ch, S::Rejected, Via::Interchange), Level::FunctionalGroup), &["AK9 5"]);
        let named_claim = claim(2, 4, Ch, S::Rejected);
        let b = batch_status(true, &[ak9, named_claim], &[C::OaRejected, C::OaRejected]);
        assert_eq!((b.status, codes(&b.reasons)), (BatchStatus::Failed, vec!["AK9 5"]));
    }

    #[test]
    fn rule12_file_summary_rejecting_every_listed_claim_is_rejected_not_failed() {
        let tally = with(fact(2, 0, Ch, S::Rejected, Via::Interchange), &["FE69", "FE117"]);
        let rows = [with(claim(2, 1, Ch, S::Rejected), &["FE69"]), with(claim(2, 2, Ch, S::Rejected), &["FE117"])];
        let facts = [tally.clone(), rows[0].clone(), rows[1].clone()];
        let b = batch_status(true, &facts, &[C::OaRejected, C::OaRejected]);
        assert_eq!((b.status, codes(&b.reasons)), (BatchStatus::Rejected, vec!["FE69", "FE117"]));
        // Claim statements from another file do not make a failure a tally.
        let other = [tally, claim(1, 1, Sub, S::Received), claim(3, 0, Py, S::Rejected)];
        assert_eq!(batch(true, &other, &[C::OaRejected]), BatchStatus::Failed);
    }

    #[test]
    fn rule12_only_the_latest_verdict_counts() {
        let facts = [fact(2, 0, Ch, S::Rejected, Via::Interchange), fact(3, 0, Ch, S::Accepted, Via::Interchange)];
        assert_eq!(batch(true, &facts, &[C::OaAccepted]), BatchStatus::OaAccepted);
        // A payer's batch-level rejection is no clearinghouse failure: the claims decide.
        let payer = [fact(2, 0, Ch, S::Accepted, Via::Interchange), fact(4, 0, Py, S::Rejected, Via::Interchange)];
        assert_eq!(batch(true, &payer, &[C::PayerRejected]), BatchStatus::Rejected);
    }

    #[test]
    fn rule12_a_billing_provider_rejection_is_no_verdict_on_the_batch() {
        // Office Ally's 277CA rejects one billing provider: its claims are rejected, the file
        // did not fail.
        let provider = with(fact(2, 2, Ch, S::Rejected, Via::Provider), &["A3:562:85"]);
        let ack = fact(2, 1, Ch, S::Accepted, Via::Interchange);
        let b = batch(true, &[ack, provider.clone()], &[C::OaRejected, C::OaAccepted]);
        assert_eq!(b, BatchStatus::OaAcceptedWithRejections);
        // When it bills every claim of the batch, the batch is rejected for its reasons.
        let b = batch_status(true, &[provider], &[C::OaRejected, C::OaRejected]);
        assert_eq!((b.status, codes(&b.reasons)), (BatchStatus::Rejected, vec!["A3:562:85"]));
    }

    #[test]
    fn rule13_rejected_when_every_claim_is_rejected() {
        assert_eq!(batch(true, &[], &[C::OaRejected, C::OaRejected]), BatchStatus::Rejected);
        assert_eq!(batch(true, &[], &[C::OaRejected, C::PayerRejected]), BatchStatus::Rejected);
        // Reasons: the latest batch-level rejection's, none without one.
        let payer = with(fact(4, 0, Py, S::Rejected, Via::Interchange), &["A3:24"]);
        let b = batch_status(true, &[payer], &[C::PayerRejected]);
        assert_eq!((b.status, codes(&b.reasons)), (BatchStatus::Rejected, vec!["A3:24"]));
        assert!(batch_status(true, &[], &[C::OaRejected]).reasons.is_empty());
    }

    #[test]
    fn rule14_payer_accepted_when_every_remaining_claim_reached_the_payer() {
        assert_eq!(batch(true, &[], &[C::PayerAccepted, C::PayerAccepted]), BatchStatus::PayerAccepted);
        assert_eq!(
            batch(true, &[], &[C::PayerAccepted, C::Pending, C::Paid, C::Denied, C::Reversed]),
            BatchStatus::PayerAccepted
        );
        let b = batch_status(true, &[], &[C::PayerAccepted, C::Paid]);
        assert!(b.reasons.is_empty());
    }

    #[test]
    fn rule14_payer_accepted_with_rejections() {
        assert_eq!(batch(true, &[], &[C::PayerAccepted, C::OaRejected]), BatchStatus::PayerAcceptedWithRejections);
        assert_eq!(batch(true, &[], &[C::Paid, C::PayerRejected]), BatchStatus::PayerAcceptedWithRejections);
    }

    #[test]
    fn rule15_oa_accepted() {
        assert_eq!(batch(true, &[], &[C::OaAccepted, C::OaAccepted]), BatchStatus::OaAccepted);
        assert_eq!(batch(true, &[], &[C::OaAccepted, C::PayerAccepted]), BatchStatus::OaAccepted);
    }

    #[test]
    fn rule15_oa_accepted_with_rejections() {
        assert_eq!(batch(true, &[], &[C::OaAccepted, C::OaRejected]), BatchStatus::OaAcceptedWithRejections);
        assert_eq!(
            batch(true, &[], &[C::PayerAccepted, C::OaAccepted, C::PayerRejected]),
            BatchStatus::OaAcceptedWithRejections
        );
    }

    #[test]
    fn rule15_unanswered_claims_in_an_answered_batch_count_as_not_past_the_clearinghouse() {
        assert_eq!(batch(true, &[], &[C::Awaiting, C::OaRejected]), BatchStatus::OaAcceptedWithRejections);
        assert_eq!(batch(true, &[], &[C::Awaiting, C::PayerAccepted]), BatchStatus::OaAccepted);
        let ack = [fact(2, 0, Ch, S::Accepted, Via::Interchange)];
        assert_eq!(batch(true, &ack, &[C::Awaiting]), BatchStatus::OaAccepted);
    }

    #[test]
    fn rule15_batch_without_known_claims_follows_its_verdict() {
        let accepted = [fact(2, 0, Ch, S::AcceptedWithErrors, Via::Interchange)];
        assert_eq!(batch(true, &accepted, &[]), BatchStatus::OaAccepted);
        let tally = [with(fact(2, 0, Ch, S::Rejected, Via::Interchange), &["FE1"]), claim(2, 1, Ch, S::Rejected)];
        let b = batch_status(true, &tally, &[]);
        assert_eq!((b.status, codes(&b.reasons)), (BatchStatus::Rejected, vec!["FE1"]));
    }

    // ---- batch sequences: claims derived by the claim rules ---------------------------

    #[test]
    fn batch_sequences() {
        // Each case: the batch's statements, and each claim's own statements (the batch's
        // statements reach every claim through the file, as the caller links them).
        struct Case {
            name: &'static str,
            batch: Vec<Fact>,
            claims: Vec<Vec<Fact>>,
            want: BatchStatus,
            want_claims: Vec<ClaimStatus>,
        }
        let received = || fact(1, 0, Sub, S::Received, Via::Interchange);
        let clm = |seq| claim(1, seq, Sub, S::Received);
        let cases = vec![
            Case {
                name: "837 uploaded, nothing back",
                batch: vec![received()],
                claims: vec![vec![clm(1)], vec![clm(2)]],
                want: BatchStatus::Awaiting,
                want_claims: vec![C::Awaiting, C::Awaiting],
            },
            Case {
                name: "TA1 R",
                batch: vec![received(), with(fact(2, 0, Ch, S::Rejected, Via::Interchange), &["006"])],
                claims: vec![vec![clm(1)], vec![clm(2)]],
                want: BatchStatus::Failed,
                want_claims: vec![C::OaRejected, C::OaRejected],
            },
            Case {
                name: "FS failed file",
                batch: vec![received(), with(fact(2, 0, Ch, S::Rejected, Via::Interchange), &["FS FAILED"])],
                claims: vec![vec![clm(1)]],
                want: BatchStatus::Failed,
                want_claims: vec![C::OaRejected],
            },
            Case {
                name: "FS: every claim rejected",
                batch: vec![received(), fact(2, 0, Ch, S::Rejected, Via::Interchange)],
                claims: vec![vec![clm(1), claim(2, 1, Ch, S::Rejected)], vec![clm(2), claim(2, 2, Ch, S::Rejected)]],
                want: BatchStatus::Rejected,
                want_claims: vec![C::OaRejected, C::OaRejected],
            },
            Case {
                name: "FS: one accepted, one rejected",
                batch: vec![received(), fact(2, 0, Ch, S::AcceptedWithErrors, Via::Interchange)],
                claims: vec![vec![clm(1), claim(2, 1, Ch, S::Accepted)], vec![clm(2), claim(2, 2, Ch, S::Rejected)]],
                want: BatchStatus::OaAcceptedWithRejections,
                want_claims: vec![C::OaAccepted, C::OaRejected],
            },
            Case {
                name: "FS accepts all, then 277CA: one payer accepted, one payer rejected",
                batch: vec![received(), fact(2, 0, Ch, S::Accepted, Via::Interchange)],
                claims: vec![
                    vec![clm(1), claim(2, 1, Ch, S::Accepted), claim(3, 1, Py, S::Accepted)],
                    vec![clm(2), claim(2, 2, Ch, S::Accepted), claim(3, 2, Py, S::Rejected)],
                ],
                want: BatchStatus::PayerAcceptedWithRejections,
                want_claims: vec![C::PayerAccepted, C::PayerRejected],
            },
            Case {
                name: "999 AK9 P: one set rejected, FS accepts the rest, payer accepts them",
                batch: vec![
                    received(),
                    at(fact(2, 9, Ch, S::AcceptedWithErrors, Via::Interchange), Level::FunctionalGroup),
                ],
                claims: vec![
                    vec![clm(1), fact(2, 1, Ch, S::Rejected, Via::TransactionSet)],
                    vec![
                        clm(2),
                        fact(2, 2, Ch, S::Accepted, Via::TransactionSet),
                        claim(3, 1, Ch, S::Accepted),
                        claim(4, 0, Py, S::Accepted),
                    ],
                ],
                want: BatchStatus::PayerAcceptedWithRejections,
                want_claims: vec![C::OaRejected, C::PayerAccepted],
            },
            Case {
                name: "all accepted by payers, then paid and denied",
                batch: vec![received(), fact(2, 0, Ch, S::Accepted, Via::Interchange)],
                claims: vec![
                    vec![clm(1), claim(3, 1, Py, S::Accepted), claim(5, 1, Py, S::Paid)],
                    vec![clm(2), claim(3, 2, Py, S::Accepted), claim(5, 2, Py, S::Denied), claim(6, 0, Py, S::Pending)],
                ],
                want: BatchStatus::PayerAccepted,
                want_claims: vec![C::Paid, C::Denied],
            },
        ];
        for case in cases {
            let states: Vec<ClaimStatus> = case
                .claims
                .iter()
                .map(|own| {
                    let mut facts = own.clone();
                    facts.extend(case.batch.iter().cloned());
                    claim_status(true, &facts).status
                })
                .collect();
            assert_eq!(states, case.want_claims, "{}: claims", case.name);
            let mut batch_facts = case.batch.clone();
            batch_facts.extend(case.claims.iter().flatten().filter(|f| f.applies_via == Via::Claim).cloned());
            assert_eq!(batch(true, &batch_facts, &states), case.want, "{}", case.name);
        }
    }
}
