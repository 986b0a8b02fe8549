//! The host's own status model: what a plugin's output becomes once it has crossed the
//! sandbox boundary and passed validation.
//!
//! The WIT package (`wit/types.wit`) is the source of truth for the shape; these types
//! mirror it so that embedders never see generated bindings, and they serialize to the
//! stable JSON of `claimtrack parse --json`. Conversion happens only through
//! [`validate::accept`], so an unvalidated plugin value cannot reach the rest of the host.

pub mod validate;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::runtime::FilePosition as Position;

/// Which thing in the submission hierarchy an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Interchange,
    FunctionalGroup,
    TransactionSet,
    Claim,
    ServiceLine,
}

/// Who made the statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Clearinghouse,
    Payer,
    Submitter,
}

/// What an event says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusClass {
    Received,
    Accepted,
    AcceptedWithErrors,
    Rejected,
    Pending,
    Paid,
    Denied,
    Reversed,
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
    ClaimStatusCategory,
    ClaimStatus,
    Entity,
    AckSegmentError,
    AckElementError,
    AckTransactionSetError,
    AckGroupError,
    Ta1Note,
    Carc,
    Rarc,
    ClearinghouseEdit,
    FreeText,
    Other(String),
}

impl CodeSet {
    pub fn name(&self) -> String {
        match self {
            CodeSet::ClaimStatusCategory => "claim_status_category".into(),
            CodeSet::ClaimStatus => "claim_status".into(),
            CodeSet::Entity => "entity".into(),
            CodeSet::AckSegmentError => "ack_segment_error".into(),
            CodeSet::AckElementError => "ack_element_error".into(),
            CodeSet::AckTransactionSetError => "ack_transaction_set_error".into(),
            CodeSet::AckGroupError => "ack_group_error".into(),
            CodeSet::Ta1Note => "ta1_note".into(),
            CodeSet::Carc => "carc".into(),
            CodeSet::Rarc => "rarc".into(),
            CodeSet::ClearinghouseEdit => "clearinghouse_edit".into(),
            CodeSet::FreeText => "free_text".into(),
            CodeSet::Other(n) => format!("other:{n}"),
        }
    }
}

impl<'de> Deserialize<'de> for CodeSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.as_str() {
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
        })
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
        s.serialize_str(&self.name())
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

/// One coded reason for a status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub code_set: CodeSet,
    pub code: String,
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
}

/// A payer, clearinghouse, sender or receiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: Option<String>,
    pub id: Option<String>,
    pub id_qualifier: Option<String>,
}

/// A provider's part on a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderRole {
    Billing,
    Rendering,
    Referring,
    Attending,
    Operating,
    Supervising,
    ServiceFacility,
    PayTo,
}

/// A provider named on a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provider {
    pub role: ProviderRole,
    pub name: Option<String>,
    pub npi: Option<String>,
    pub tax_id: Option<String>,
}

/// The claim an event is about. Contains PHI (patient name, member id, birth date).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRef {
    pub patient_control_number: Option<String>,
    pub clearinghouse_claim_id: Option<String>,
    pub payer_claim_number: Option<String>,
    pub patient_name: Option<String>,
    pub member_id: Option<String>,
    pub service_date_from: Option<String>,
    pub service_date_to: Option<String>,
    pub frequency_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient_birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer: Option<Party>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<Provider>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnosis_codes: Vec<String>,
}

/// The service line an event is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLineRef {
    pub procedure_code: Option<String>,
    pub procedure_qualifier: Option<String>,
    pub modifiers: Vec<String>,
    pub line_item_control_number: Option<String>,
    pub service_date: Option<String>,
    pub units: Option<String>,
}

/// Keys of the *submitted* file an event answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correlation {
    pub interchange_control_number: Option<String>,
    pub group_control_number: Option<String>,
    pub transaction_set_control_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clearinghouse_file_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clearinghouse_child_file_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_file_name: Option<String>,
}

/// Money in integer cents; only what the file states.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amounts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charged: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient_responsibility: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjusted: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<i64>,
}

/// One status statement about one thing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    pub level: Level,
    pub source: Source,
    pub status: StatusClass,
    pub raw_code: String,
    pub reasons: Vec<Reason>,
    pub claim: Option<ClaimRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_line: Option<ServiceLineRef>,
    #[serde(flatten)]
    pub correlation: Correlation,
    pub amounts: Amounts,
    pub effective_date: Option<String>,
    pub source_party: Option<Party>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_reference: Option<String>,
    pub position: Option<Position>,
}

/// A per-payer file a clearinghouse split an upload into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildFile {
    pub id: String,
    pub payer: Option<Party>,
    pub claim_count: Option<u32>,
    pub total_charge: Option<i64>,
}

/// Claim counts a file states about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimCounts {
    pub total: Option<u32>,
    pub accepted: Option<u32>,
    pub rejected: Option<u32>,
}

/// How often a code occurs, as a file states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeTotal {
    pub code_set: CodeSet,
    pub code: String,
    pub description: Option<String>,
    pub count: u32,
}

/// What a file says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMetadata {
    pub format_id: String,
    pub implementation: Option<String>,
    pub interchange_control_numbers: Vec<String>,
    pub group_control_numbers: Vec<String>,
    pub transaction_set_control_numbers: Vec<String>,
    pub sender: Option<Party>,
    pub receiver: Option<Party>,
    pub created: Option<String>,
    pub usage: Option<String>,
    pub clearinghouse_file_id: Option<String>,
    pub original_file_name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub child_files: Vec<ChildFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_counts: Option<ClaimCounts>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub code_totals: Vec<CodeTotal>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Something tolerated or unreadable in a file, from the plugin or the host's validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub position: Option<Position>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A validated parse result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedFile {
    pub metadata: FileMetadata,
    pub events: Vec<StatusEvent>,
    pub diagnostics: Vec<Diagnostic>,
}

impl ParsedFile {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == severity).count()
    }
}

/// One format a plugin reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormatInfo {
    pub id: String,
    pub description: String,
    pub file_name_hints: Vec<String>,
}

/// What a plugin says it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub description: String,
    pub formats: Vec<FormatInfo>,
}
