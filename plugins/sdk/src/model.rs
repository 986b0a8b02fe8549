//! The model a plugin builds: status events with their claim, payer and reasons spelled out.
//!
//! On the wire (`wit/types.wit` since 0.2) a chunk carries tables of parties, claims,
//! payments, correlation keys and codes, and its events name rows by index. A plugin does not
//! deal with indices: it fills in these types as the file states them, and the SDK builds the
//! tables when it sends a chunk (`crate::wire`), so the 1,000 claims of a remittance that name
//! the same payer and check send them once per chunk.
//!
//! The types that are the same on the wire (parties, positions, amounts, correlation keys,
//! metadata, diagnostics…) are the generated ones, re-exported from the crate root.

use crate::{Amounts, CodeSet, Correlation, Diagnostic, FileMetadata, Level, Party, Position, Provider, ServiceLineRef, Severity, Source, StatusClass};

/// Why an event has its status: one coded reason.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reason {
    /// The code list `code` belongs to.
    pub code_set: CodeSet,
    /// The code exactly as sent, e.g. "A7", "562"; "CO-45" is split into group "CO" and code
    /// "45".
    pub code: String,
    /// What the code means, when the plugin knows it.
    pub description: Option<String>,
    /// CAS group code (CO, OA, PI, PR, or legacy CR) for CARC reasons; none otherwise.
    pub group: Option<String>,
    /// The amount attached to the reason (CAS adjustment amount), in cents.
    pub amount: Option<i64>,
    /// Where the reason was found.
    pub position: Option<Position>,
}

/// The claim an event is about. Every key the file gives is filled in; the host uses them to
/// find the claim. See `claim-ref` in `wit/types.wit` for each field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ClaimRef {
    /// CLM01 as submitted (999 CTX CLM01, 277 TRN02 in 2200D, 835 CLP01, Office Ally ACCNT#).
    pub patient_control_number: Option<String>,
    /// The clearinghouse's claim id (Office Ally's OA Claim ID).
    pub clearinghouse_claim_id: Option<String>,
    /// The payer's claim control number / ICN (277 REF*1K, 835 CLP07).
    pub payer_claim_number: Option<String>,
    /// Patient name as "LAST, FIRST MIDDLE". PHI.
    pub patient_name: Option<String>,
    /// Subscriber or patient member id. PHI.
    pub member_id: Option<String>,
    /// First date of service.
    pub service_date_from: Option<String>,
    /// Last date of service.
    pub service_date_to: Option<String>,
    /// Claim frequency code (CLM05-3: 1 original, 7 replacement, 8 void).
    pub frequency_code: Option<String>,
    /// Patient date of birth. PHI.
    pub patient_birth_date: Option<String>,
    /// The payer the claim is addressed to (as opposed to [`StatusEvent::source_party`]).
    pub payer: Option<Party>,
    /// Providers named on the claim.
    pub providers: Vec<Provider>,
    /// Diagnosis codes as sent (ICD-10, no decimal point), principal first.
    pub diagnosis_codes: Vec<String>,
}

/// One status statement about one thing. See `status-event` in `wit/types.wit`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatusEvent {
    /// What the event is about.
    pub level: Level,
    /// Who made the statement.
    pub source: Source,
    /// What it says happened.
    pub status: StatusClass,
    /// The code as sent, prefixed with where it came from: "TA1 R", "IK5 R", "A7:562:85".
    pub raw_code: String,
    /// Coded reasons, in file order.
    pub reasons: Vec<Reason>,
    /// The claim, for claim and service-line events (and set errors that name one).
    pub claim: Option<ClaimRef>,
    /// The service line, for service-line events.
    pub service_line: Option<ServiceLineRef>,
    /// Keys of the submitted file this event answers.
    pub correlation: Correlation,
    /// Money the statement mentions, integer cents.
    pub amounts: Amounts,
    /// When the status took effect.
    pub effective_date: Option<String>,
    /// The payer or clearinghouse that made the statement.
    pub source_party: Option<Party>,
    /// Check or EFT trace number (835 TRN02, 277 STC09), when the event is about money.
    pub payment_reference: Option<String>,
    /// Where the event was found in the file.
    pub position: Option<Position>,
}

/// A whole file's output, for a plugin that builds it at once ([`crate::Parser::parse`]).
/// The SDK sends it to the host in chunks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOutput {
    /// What the file says about itself.
    pub metadata: FileMetadata,
    /// Every status statement, in file order.
    pub events: Vec<StatusEvent>,
    /// What the plugin tolerated or could not read.
    pub diagnostics: Vec<Diagnostic>,
}

impl Position {
    /// A position naming only a line (text reports).
    pub fn line(line: u32) -> Self {
        Position { segment_index: None, segment_id: None, line: Some(line), byte_offset: None, element: None }
    }
}

impl Diagnostic {
    /// Something the plugin tolerated that the user may want to know (a row skipped, a value
    /// left out).
    pub fn warning(message: impl Into<String>, position: Option<Position>) -> Self {
        Diagnostic { severity: Severity::Warning, message: message.into(), position, code: None }
    }
    /// Something wrong in the file that makes what it says incomplete or doubtful.
    pub fn error(message: impl Into<String>, position: Option<Position>) -> Self {
        Diagnostic { severity: Severity::Error, message: message.into(), position, code: None }
    }
    /// A remark that needs no action (e.g. "the report lists no claims").
    pub fn info(message: impl Into<String>, position: Option<Position>) -> Self {
        Diagnostic { severity: Severity::Info, message: message.into(), position, code: None }
    }
    /// The same diagnostic with a stable `code` programs can match on.
    pub fn with_code(self, code: impl Into<String>) -> Self {
        Diagnostic { code: Some(code.into()), ..self }
    }
}

// Generated records cannot derive it: the bindings' enums have no default.
#[allow(clippy::derivable_impls)]
impl Default for Amounts {
    fn default() -> Self {
        Amounts { charged: None, paid: None, patient_responsibility: None, adjusted: None, allowed: None }
    }
}

// Generated records cannot derive it: the bindings' enums have no default.
#[allow(clippy::derivable_impls)]
impl Default for Correlation {
    fn default() -> Self {
        Correlation {
            interchange_control_number: None,
            group_control_number: None,
            transaction_set_control_number: None,
            batch_reference: None,
            clearinghouse_file_id: None,
            clearinghouse_child_file_id: None,
            submitted_file_name: None,
        }
    }
}

// Generated records cannot derive it: the bindings' enums have no default.
#[allow(clippy::derivable_impls)]
impl Default for ServiceLineRef {
    fn default() -> Self {
        ServiceLineRef {
            procedure_code: None,
            procedure_qualifier: None,
            modifiers: Vec::new(),
            line_item_control_number: None,
            service_date: None,
            units: None,
        }
    }
}

impl FileMetadata {
    /// Metadata with only the format id set.
    pub fn new(format_id: impl Into<String>) -> Self {
        FileMetadata {
            format_id: format_id.into(),
            implementation: None,
            interchange_control_numbers: Vec::new(),
            group_control_numbers: Vec::new(),
            transaction_set_control_numbers: Vec::new(),
            sender: None,
            receiver: None,
            created: None,
            usage: None,
            clearinghouse_file_id: None,
            original_file_name: None,
            child_files: Vec::new(),
            claim_counts: None,
            code_totals: Vec::new(),
        }
    }
}

impl StatusEvent {
    /// An event with every optional part empty.
    pub fn new(level: Level, source: Source, status: StatusClass, raw_code: impl Into<String>) -> Self {
        StatusEvent {
            level,
            source,
            status,
            raw_code: raw_code.into(),
            reasons: Vec::new(),
            claim: None,
            service_line: None,
            correlation: Correlation::default(),
            amounts: Amounts::default(),
            effective_date: None,
            source_party: None,
            payment_reference: None,
            position: None,
        }
    }
}

impl Reason {
    /// A reason with its code set, the code as sent and its description; `group`, `amount`
    /// and `position` empty.
    pub fn new(code_set: CodeSet, code: impl Into<String>, description: Option<String>) -> Self {
        Reason { code_set, code: code.into(), description, group: None, amount: None, position: None }
    }
}
