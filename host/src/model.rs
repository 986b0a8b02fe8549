//! The host's own status model: what a plugin's output becomes once it has crossed the
//! sandbox boundary and passed validation.
//!
//! The WIT package (`wit/types.wit`) is the source of truth for the shape; these types
//! mirror it so that embedders never see generated bindings, and they serialize to the
//! stable JSON of `claimtrack parse --json`. Conversion happens only through the checks in
//! [`validate`], so an unvalidated plugin value cannot reach the rest of the host.

pub mod validate;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::runtime::FilePosition as Position;

/// Which thing in the submission hierarchy an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A whole interchange (ISA/IEA) or uploaded file: TA1, Office Ally file acceptance or failure.
    Interchange,
    /// A functional group (GS/GE): 999/997 AK9.
    FunctionalGroup,
    /// One transaction set (ST/SE): 999 IK5 / 997 AK5, and 277CA batch-level statements.
    TransactionSet,
    /// One claim (837 loop 2300, keyed by CLM01).
    Claim,
    /// One service line of a claim (837 loop 2400, 835 SVC, 277 SVC).
    ServiceLine,
}

/// Who made the statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Office Ally or another clearinghouse: TA1, 999, its 277CA, File Summary, its own edits.
    Clearinghouse,
    /// The payer: payer 277CA/277, 835 remittance, payer responses relayed by Office Ally.
    Payer,
    /// The practice itself: the `Received` events that register a submitted 837.
    Submitter,
}

/// What an event says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusClass {
    /// Received, nothing decided yet (an 837 batch or claim we submitted).
    Received,
    /// Accepted without errors (TA1 A, IK5 A, AK9 A, 277CA A0/A1/A2/A5, OA accepted).
    Accepted,
    /// Accepted with errors noted (TA1 E, IK5 E, AK9 E or P; partial acceptance).
    AcceptedWithErrors,
    /// Rejected: must be fixed and resubmitted (TA1 R, IK5 R, 277CA A3/A7, OA edits).
    Rejected,
    /// In adjudication, waiting for information, or finalized but unpaid (277 P*, R*, F0/F3).
    Pending,
    /// Paid fully or partly, or all patient responsibility (835 CLP02 1/2/3/19/20/21; 277 F1).
    Paid,
    /// Denied, or paid zero for another reason (835 CLP02 4 and 23; 277 F2/F4).
    Denied,
    /// A previous payment was taken back (835 CLP02 22).
    Reversed,
    /// Information that changes no status (payment header, PLB, inquiry error, text summary).
    Informational,
}

impl StatusClass {
    /// The JSON / display name (`accepted_with_errors`).
    pub fn as_str(self) -> &'static str {
        match self {
            StatusClass::Received => "received",
            StatusClass::Accepted => "accepted",
            StatusClass::AcceptedWithErrors => "accepted_with_errors",
            StatusClass::Rejected => "rejected",
            StatusClass::Pending => "pending",
            StatusClass::Paid => "paid",
            StatusClass::Denied => "denied",
            StatusClass::Reversed => "reversed",
            StatusClass::Informational => "informational",
        }
    }
}

impl Level {
    /// The JSON / display name (`functional_group`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Interchange => "interchange",
            Level::FunctionalGroup => "functional_group",
            Level::TransactionSet => "transaction_set",
            Level::Claim => "claim",
            Level::ServiceLine => "service_line",
        }
    }
}

impl Source {
    /// The JSON / display name (`clearinghouse`).
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Clearinghouse => "clearinghouse",
            Source::Payer => "payer",
            Source::Submitter => "submitter",
        }
    }
}

/// The code list a reason code belongs to. Serialized as a snake_case string;
/// a plugin-named list is `other:<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CodeSet {
    /// X12 code list 507, Claim Status Category (277 STC01-1: A0..F5).
    ClaimStatusCategory,
    /// X12 code list 508, Claim Status (277 STC01-2: 0..999).
    ClaimStatus,
    /// Entity identifier code (277 STC01-3: 85 billing provider, IL subscriber, QC patient…).
    Entity,
    /// 999 IK3 / 997 AK304 segment syntax error code.
    AckSegmentError,
    /// 999 IK4 / 997 AK403 element syntax error code.
    AckElementError,
    /// 999 IK5 / 997 AK5 transaction set syntax error code.
    AckTransactionSetError,
    /// 999 / 997 AK9 functional group syntax error code.
    AckGroupError,
    /// TA1 interchange note code (TA105).
    Ta1Note,
    /// Claim Adjustment Reason Code (835 CAS); the group code is in [`Reason::group`].
    Carc,
    /// Remittance Advice Remark Code (835 MOA/MIA/LQ*HE).
    Rarc,
    /// A clearinghouse's own edit code (Office Ally File Summary error codes).
    ClearinghouseEdit,
    /// Free text without a code list; the text is in [`Reason::code`].
    FreeText,
    /// Any other code list, named by the plugin (e.g. "NCPDP reject code").
    Other(String),
}

impl CodeSet {
    /// The JSON / display name (`claim_status`, or `other:<name>` for [`CodeSet::Other`]).
    pub fn name(&self) -> String {
        self.name_cow().into_owned()
    }

    /// [`CodeSet::name`], allocating only for [`CodeSet::Other`]: every reason of every event
    /// is serialized and stored by it.
    pub(crate) fn name_cow(&self) -> std::borrow::Cow<'static, str> {
        use std::borrow::Cow::Borrowed;
        match self {
            CodeSet::ClaimStatusCategory => Borrowed("claim_status_category"),
            CodeSet::ClaimStatus => Borrowed("claim_status"),
            CodeSet::Entity => Borrowed("entity"),
            CodeSet::AckSegmentError => Borrowed("ack_segment_error"),
            CodeSet::AckElementError => Borrowed("ack_element_error"),
            CodeSet::AckTransactionSetError => Borrowed("ack_transaction_set_error"),
            CodeSet::AckGroupError => Borrowed("ack_group_error"),
            CodeSet::Ta1Note => Borrowed("ta1_note"),
            CodeSet::Carc => Borrowed("carc"),
            CodeSet::Rarc => Borrowed("rarc"),
            CodeSet::ClearinghouseEdit => Borrowed("clearinghouse_edit"),
            CodeSet::FreeText => Borrowed("free_text"),
            CodeSet::Other(n) => format!("other:{n}").into(),
        }
    }
}

impl<'de> Deserialize<'de> for CodeSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(CodeSet::from_name(&s))
    }
}

impl CodeSet {
    /// The code set [`CodeSet::name`] names; an unknown name is [`CodeSet::Other`].
    pub fn from_name(s: &str) -> CodeSet {
        match s {
            "claim_status_category" => CodeSet::ClaimStatusCategory,
            "claim_status" => CodeSet::ClaimStatus,
            "entity" => CodeSet::Entity,
            "ack_segment_error" => CodeSet::AckSegmentError,
            "ack_element_error" => CodeSet::AckElementError,
            "ack_transaction_set_error" => CodeSet::AckTransactionSetError,
            "ack_group_error" => CodeSet::AckGroupError,
            "ta1_note" => CodeSet::Ta1Note,
            "carc" => CodeSet::Carc,
            "rarc" => CodeSet::Rarc,
            "clearinghouse_edit" => CodeSet::ClearinghouseEdit,
            "free_text" => CodeSet::FreeText,
            other => CodeSet::Other(other.strip_prefix("other:").unwrap_or(other).to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for Position {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            segment_index: Option<u32>,
            segment_id: Option<String>,
            line: Option<u32>,
            byte_offset: Option<u64>,
            element: Option<String>,
        }
        let r = Raw::deserialize(d)?;
        Ok(Position {
            segment_index: r.segment_index,
            segment_id: r.segment_id,
            line: r.line,
            byte_offset: r.byte_offset,
            element: r.element,
        })
    }
}

impl Serialize for CodeSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name_cow())
    }
}

impl Serialize for Position {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        if let Some(v) = self.segment_index {
            m.serialize_entry("segment_index", &v)?;
        }
        if let Some(v) = &self.segment_id {
            m.serialize_entry("segment_id", v)?;
        }
        if let Some(v) = self.line {
            m.serialize_entry("line", &v)?;
        }
        if let Some(v) = self.byte_offset {
            m.serialize_entry("byte_offset", &v)?;
        }
        if let Some(v) = &self.element {
            m.serialize_entry("element", v)?;
        }
        m.end()
    }
}

// The schemas of the two hand-written serializations above, for the JSON contract's schema
// files (`crate::contract::schema`): what they write, not what the enum or struct holds.
impl schemars::JsonSchema for CodeSet {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CodeSet".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        // An open set: plugins name their own lists (`other:<name>`), so no `enum`.
        schemars::json_schema!({
            "type": "string",
            "description": "The code list a reason's code belongs to: claim_status_category, claim_status, entity, \
                ack_segment_error, ack_element_error, ack_transaction_set_error, ack_group_error, ta1_note, carc, \
                rarc, clearinghouse_edit, free_text, or other:<name> for a list a plugin names.",
        })
    }
}

impl schemars::JsonSchema for Position {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Position".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        // Each field is written only when known, so none is required.
        schemars::json_schema!({
            "type": "object",
            "description": "Where something is in a file; only what is known is written.",
            "properties": {
                "segment_index": { "type": "integer", "minimum": 0, "description": "1-based ordinal of the segment in the whole file." },
                "segment_id": { "type": "string", "description": "The segment id, e.g. IK3, CLP, STC." },
                "line": { "type": "integer", "minimum": 0, "description": "1-based line on which the segment (or text line) starts." },
                "byte_offset": { "type": "integer", "minimum": 0, "description": "0-based byte offset where the segment (or text line) starts." },
                "element": { "type": "string", "description": "The element meant, e.g. CLM05-3, STC01." },
            },
        })
    }
}

/// One coded reason for a status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Reason {
    /// Which code list `code` belongs to.
    pub code_set: CodeSet,
    /// The code exactly as sent, e.g. "A7", "562", "45" (free text for [`CodeSet::FreeText`]).
    pub code: String,
    /// What the code means, when the plugin knows it.
    pub description: Option<String>,
    /// CAS group code (CO, OA, PI, PR, or legacy CR) for CARC reasons; `None` otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The amount attached to the reason (CAS adjustment), integer cents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// Where the reason was found in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
}

/// A payer, clearinghouse, sender or receiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Party {
    /// Organisation or person name, as sent.
    pub name: Option<String>,
    /// The identifier, e.g. payer id, ISA06, NPI, tax id.
    pub id: Option<String>,
    /// What kind of identifier `id` is, as sent (e.g. "PI", "XV", "ZZ", "46", "FI").
    pub id_qualifier: Option<String>,
}

/// A provider's part on a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProviderRole {
    /// Billing provider (837 loop 2010AA).
    Billing,
    /// Rendering provider: who performed the service.
    Rendering,
    /// Referring provider.
    Referring,
    /// Attending provider (institutional claims).
    Attending,
    /// Operating physician (institutional claims).
    Operating,
    /// Supervising provider.
    Supervising,
    /// Service facility location, when not the billing address.
    ServiceFacility,
    /// Pay-to provider (837 loop 2010AB), when payment goes elsewhere than the billing provider.
    PayTo,
}

/// A provider named on a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Provider {
    /// The provider's part on the claim.
    pub role: ProviderRole,
    /// Organisation or "LAST, FIRST" name.
    pub name: Option<String>,
    /// National Provider Identifier (10 digits), as sent.
    pub npi: Option<String>,
    /// EIN or SSN used as tax id, as sent.
    pub tax_id: Option<String>,
}

/// The claim an event is about. Contains PHI (patient name, member id, birth date).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClaimRef {
    /// CLM01 as submitted (999 CTX, 277 TRN02, 835 CLP01, OA ACCNT#); refiles reuse it.
    pub patient_control_number: Option<String>,
    /// Clearinghouse claim id: Office Ally's 10-digit OA Claim ID (277CA REF*D9).
    pub clearinghouse_claim_id: Option<String>,
    /// The payer's claim control number / ICN (277 REF*1K, 835 CLP07).
    pub payer_claim_number: Option<String>,
    /// PHI. Patient name as "LAST, FIRST MIDDLE".
    pub patient_name: Option<String>,
    /// PHI. Subscriber or patient member id.
    pub member_id: Option<String>,
    /// First date of service, ISO 8601 date.
    pub service_date_from: Option<String>,
    /// Last date of service, ISO 8601 date.
    pub service_date_to: Option<String>,
    /// Claim frequency code (CLM05-3: 1 original, 7 replacement, 8 void).
    pub frequency_code: Option<String>,
    /// PHI. Patient date of birth, ISO 8601 date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient_birth_date: Option<String>,
    /// The payer the claim is addressed to (the statement's maker: [`StatusEvent::source_party`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer: Option<Party>,
    /// Providers named on the claim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<Provider>,
    /// PHI. Diagnosis codes as sent (ICD-10, no decimal point), principal first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnosis_codes: Vec<String>,
}

/// The service line an event is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ServiceLineRef {
    /// Procedure code as sent, e.g. "99213".
    pub procedure_code: Option<String>,
    /// Qualifier of `procedure_code`, e.g. "HC" (HCPCS/CPT).
    pub procedure_qualifier: Option<String>,
    /// Procedure modifiers, in order.
    pub modifiers: Vec<String>,
    /// Line item control number (837 2400 REF*6R, echoed in 835 2110 REF*6R).
    pub line_item_control_number: Option<String>,
    /// Date of service of the line, ISO 8601 date.
    pub service_date: Option<String>,
    /// Units of service as sent (decimal string).
    pub units: Option<String>,
}

/// Keys of the *submitted* file an event answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Correlation {
    /// ISA13 of the submitted interchange (TA1 TA101).
    pub interchange_control_number: Option<String>,
    /// GS06 of the submitted functional group (999 AK102).
    pub group_control_number: Option<String>,
    /// ST02 of the submitted transaction set (999 AK202).
    pub transaction_set_control_number: Option<String>,
    /// BHT03 of the submitted 837 (277CA TRN02 in 2200B, when echoed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_reference: Option<String>,
    /// The clearinghouse's id for the uploaded file (Office Ally File ID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clearinghouse_file_id: Option<String>,
    /// The clearinghouse's id for a per-payer child file split from the upload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clearinghouse_child_file_id: Option<String>,
    /// The uploaded file's name, when the response names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_file_name: Option<String>,
}

/// Money in integer cents; only what the file states.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Amounts {
    /// Total submitted charge, integer cents (CLM02, CLP03, STC04, SVC02).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charged: Option<i64>,
    /// Amount paid, integer cents (CLP04, SVC03, STC05, BPR02 for a payment header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid: Option<i64>,
    /// Patient responsibility, integer cents (CLP05).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient_responsibility: Option<i64>,
    /// Sum of the CAS adjustments on this claim or line, integer cents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjusted: Option<i64>,
    /// Allowed amount, integer cents (835 AMT*B6; for a claim, the sum when every line states one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<i64>,
}

/// One status statement about one thing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StatusEvent {
    /// What the event is about: interchange, group, transaction set, claim or line.
    pub level: Level,
    /// Who made the statement.
    pub source: Source,
    /// What the statement says happened.
    pub status: StatusClass,
    /// The code as sent, prefixed with its origin: "TA1 R", "IK5 R", "A7:562:85", "CLP02 4".
    pub raw_code: String,
    /// Every coded reason for the status, in file order.
    pub reasons: Vec<Reason>,
    /// The claim, for claim and service-line events (and set errors naming one). Contains PHI.
    pub claim: Option<ClaimRef>,
    /// The service line, for service-line events (or a report's first procedure on a claim).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_line: Option<ServiceLineRef>,
    /// Keys of the submitted file this event answers (serialized inline, not nested).
    #[serde(flatten)]
    pub correlation: Correlation,
    /// Money the statement mentions, integer cents.
    pub amounts: Amounts,
    /// When the status took effect (STC02, BPR16, an ack's ISA09/GS04…), ISO 8601 date (and time).
    pub effective_date: Option<String>,
    /// The payer or clearinghouse that made the statement.
    pub source_party: Option<Party>,
    /// Check or EFT trace number (835 TRN02), when the event is about money.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_reference: Option<String>,
    /// Where the event was found in the file.
    pub position: Option<Position>,
}

/// A per-payer file a clearinghouse split an upload into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChildFile {
    /// The clearinghouse's id of the child file.
    pub id: String,
    /// The payer the child file goes to.
    pub payer: Option<Party>,
    /// Number of claims in the child file, as stated.
    pub claim_count: Option<u32>,
    /// Total charge of the child file's claims, integer cents.
    pub total_charge: Option<i64>,
}

/// Claim counts a file states about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClaimCounts {
    /// Claims the file reports on.
    pub total: Option<u32>,
    /// Claims the file says were accepted.
    pub accepted: Option<u32>,
    /// Claims the file says were rejected.
    pub rejected: Option<u32>,
}

/// How often a code occurs, as a file states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CodeTotal {
    /// Which code list `code` belongs to.
    pub code_set: CodeSet,
    /// The code as sent, e.g. "FE69".
    pub code: String,
    /// What the code means, as the file states it.
    pub description: Option<String>,
    /// How many times the file says the code occurs.
    pub count: u32,
}

/// What a file says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FileMetadata {
    /// The [`FormatInfo::id`] this file was read as, e.g. "x12-999".
    pub format_id: String,
    /// X12 implementation guide (GS08), e.g. "005010X231A1".
    pub implementation: Option<String>,
    /// This file's own ISA13 numbers, in file order.
    pub interchange_control_numbers: Vec<String>,
    /// This file's own GS06 numbers, in file order.
    pub group_control_numbers: Vec<String>,
    /// This file's own ST02 numbers, in file order.
    pub transaction_set_control_numbers: Vec<String>,
    /// Who sent the file (ISA06/GS02, or the report's sender).
    pub sender: Option<Party>,
    /// Who the file is addressed to (ISA08/GS03).
    pub receiver: Option<Party>,
    /// When the file was created (ISA09/10, GS04/05, a report's date), ISO 8601 date (and time).
    pub created: Option<String>,
    /// "production", "test" or "information" (ISA15 P/T/I), when stated.
    pub usage: Option<String>,
    /// The clearinghouse's id of this file, or of the upload it reports on (Office Ally File ID).
    pub clearinghouse_file_id: Option<String>,
    /// The original file name the file states (e.g. "File Name:" in a File Summary).
    pub original_file_name: Option<String>,
    /// Per-payer child files the upload was split into, when listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub child_files: Vec<ChildFile>,
    /// Claim counts the file states about itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_counts: Option<ClaimCounts>,
    /// Code totals the file states about itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub code_totals: Vec<CodeTotal>,
}

/// How serious a [`Diagnostic`] is; ordered `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing, nothing wrong (a BOM skipped, a format chosen by content).
    Info,
    /// Something was off and tolerated (count mismatch, unknown code, missing required element).
    Warning,
    /// Part of the file could not be read; events from the readable parts are still returned.
    Error,
}

impl Severity {
    /// Number of `diagnostics` of exactly this severity.
    pub fn count_in(self, diagnostics: &[Diagnostic]) -> usize {
        diagnostics.iter().filter(|d| d.severity == self).count()
    }

    /// The JSON / display name (`warning`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Something tolerated or unreadable in a file, from the plugin or the host's validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// What happened, for people. Never contains PHI.
    pub message: String,
    /// Where in the file, when known.
    pub position: Option<Position>,
    /// Stable kind of problem for programs, e.g. "oa-rule-isa08", "host-claim-without-key".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A validated parse result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedFile {
    /// What the file says about itself.
    pub metadata: FileMetadata,
    /// Every status statement, in file order.
    pub events: Vec<StatusEvent>,
    /// The plugin's diagnostics, then the host's validation notes.
    pub diagnostics: Vec<Diagnostic>,
}

impl ParsedFile {
    /// Number of diagnostics of exactly this severity.
    pub fn count(&self, severity: Severity) -> usize {
        severity.count_in(&self.diagnostics)
    }
}

/// One format a plugin reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FormatInfo {
    /// Stable lower-case format id, e.g. "x12-999", "x12-277ca", "oa-file-summary".
    pub id: String,
    /// One line for people, e.g. "X12 999 Implementation Acknowledgment (005010X231A1)".
    pub description: String,
    /// Case-insensitive globs (`*`, `?`) on the file name that suggest this format; hints only.
    pub file_name_hints: Vec<String>,
}

/// What a plugin says it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    /// Unique lower-case plugin name, e.g. "x12-ack".
    pub name: String,
    /// The plugin's own semver version.
    pub version: String,
    /// One line for people about the plugin.
    pub description: String,
    /// The formats the plugin reads (at least one).
    pub formats: Vec<FormatInfo>,
}
