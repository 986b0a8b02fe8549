//! Validation of everything a plugin returns, and its conversion into the host model.
//!
//! A plugin is untrusted code: its output is checked field by field before anything else
//! in the host sees it. A violation rejects the whole output with a message naming the
//! event and the field, because half-trusting an output would let a buggy plugin write
//! wrong statuses. Things that are merely unusual (a claim-level event without any claim
//! key) become host diagnostics instead.

use super::*;
use crate::runtime::bindings as wit;

/// The limits every plugin output must stay within. The plugin SDK holds the same numbers
/// (`claimtrack_plugin_sdk::limits`) and trims outputs to them; a workspace test keeps the
/// two equal.
pub mod limits {
    /// Longest code (reason code, CARC, edit code, qualifier).
    pub const MAX_CODE: usize = 64;
    /// Longest identifier (control numbers, claim ids, names, file names).
    pub const MAX_ID: usize = 256;
    /// Longest raw code ("A7:562:85", "IK5 R"): generous for composite codes.
    pub const MAX_RAW_CODE: usize = 256;
    /// Longest description or diagnostic message.
    pub const MAX_TEXT: usize = 4096;
    /// Reasons on one event: 835 claims with many CAS triples stay far below this.
    pub const MAX_REASONS: usize = 1_000;
    /// Service-line modifiers (X12 allows 4).
    pub const MAX_MODIFIERS: usize = 16;
    /// |amount| in cents: a trillion dollars is not a medical claim.
    pub const MAX_ABS_CENTS: i64 = 100_000_000_000_000;
    /// Formats and hints a plugin may declare.
    pub const MAX_FORMATS: usize = 64;
    /// Entries in a claim's providers or diagnosis codes, and in a file's child files or
    /// code totals: real files have a handful.
    pub const MAX_LIST: usize = 1_000;
}

use limits::*;

/// Where a violation was found, for the message ("event #12.reasons[0].code").
///
/// Built on the stack and only formatted when a check fails: a large 835 has hundreds of
/// thousands of fields, and formatting every path up front cost more than the checks.
#[derive(Clone, Copy)]
enum Path<'a> {
    /// "metadata", "plugin info".
    Root(&'static str),
    /// "event #3", "diagnostic #1" (1-based).
    Numbered(&'static str, usize),
    /// `parent.field`.
    Field(&'a Path<'a>, &'static str),
    /// `parent.field[i]` (0-based).
    Index(&'a Path<'a>, &'static str, usize),
}

impl Path<'_> {
    fn at(&self, field: &'static str) -> Path<'_> {
        Path::Field(self, field)
    }

    fn index(&self, field: &'static str, i: usize) -> Path<'_> {
        Path::Index(self, field, i)
    }
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Root(name) => f.write_str(name),
            Path::Numbered(name, n) => write!(f, "{name} #{n}"),
            Path::Field(parent, field) => write!(f, "{parent}.{field}"),
            Path::Index(parent, field, i) => write!(f, "{parent}.{field}[{i}]"),
        }
    }
}

type Check<T> = Result<T, String>;

fn text(path: &Path, value: String, max: usize) -> Check<String> {
    if value.len() > max {
        return Err(format!("{} is {} bytes long (limit {max})", path, value.len()));
    }
    // Almost every value is printable ASCII: check the bytes, and look at characters (for
    // C1 controls such as U+0085) only when there is something else.
    let plain = value.bytes().all(|b| matches!(b, b' '..=b'~' | b'\n' | b'\t'));
    if !plain && let Some(c) = value.chars().find(|c| c.is_control() && *c != '\n' && *c != '\t') {
        return Err(format!("{} contains the control character {:?}", path, c));
    }
    Ok(value)
}

/// An identifier or code: single line, non-empty when present.
fn ident(path: &Path, value: String, max: usize) -> Check<String> {
    let v = text(path, value, max)?;
    if v.contains('\n') {
        return Err(format!("{} contains a line break", path));
    }
    if v.trim().is_empty() {
        return Err(format!("{} is present but blank (use none for \"not stated\")", path));
    }
    Ok(v)
}

fn opt_ident(path: &Path, value: Option<String>, max: usize) -> Check<Option<String>> {
    value.map(|v| ident(path, v, max)).transpose()
}

fn opt_text(path: &Path, value: Option<String>, max: usize) -> Check<Option<String>> {
    value.map(|v| text(path, v, max)).transpose()
}

/// ISO 8601 date `YYYY-MM-DD` or date-time `YYYY-MM-DDTHH:MM[:SS]`, a real calendar value.
fn iso_date(path: &Path, value: Option<String>) -> Check<Option<String>> {
    let Some(v) = value else { return Ok(None) };
    let ok = plain_iso_date(v.as_bytes()) || chrono_iso_date(&v);
    if !ok {
        let shown: String = v.chars().take(40).collect();
        return Err(format!("{} {shown:?} is not an ISO 8601 date (YYYY-MM-DD[THH:MM[:SS]])", path));
    }
    Ok(Some(v))
}

/// What [`iso_date`] accepts, by chrono's parser.
fn chrono_iso_date(v: &str) -> bool {
    match v.len() {
        10 => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok(),
        16 => chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M").is_ok(),
        19 => chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S").is_ok(),
        _ => false,
    }
}

/// The common case of [`iso_date`] without chrono's format parser: exactly
/// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` in digits, a real calendar date
/// and time. Everything it accepts chrono accepts too; anything else goes to chrono.
fn plain_iso_date(b: &[u8]) -> bool {
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(r)?;
        digits.iter().all(u8::is_ascii_digit).then(|| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let date = b.len() >= 10
        && b[4] == b'-'
        && b[7] == b'-'
        && matches!((num(0..4), num(5..7), num(8..10)), (Some(y), Some(m), Some(d))
            if chrono::NaiveDate::from_ymd_opt(y as i32, m, d).is_some());
    let time = |len: usize| match (num(11..13), num(14..16)) {
        (Some(h), Some(m)) => b[10] == b'T' && b[13] == b':' && h < 24 && m < 60 && (len == 16 || (b[16] == b':' && num(17..19).is_some_and(|s| s < 60))),
        _ => false,
    };
    date && match b.len() {
        10 => true,
        16 | 19 => time(b.len()),
        _ => false,
    }
}

fn cents(path: &Path, value: Option<i64>) -> Check<Option<i64>> {
    match value {
        Some(c) if c.unsigned_abs() > MAX_ABS_CENTS.unsigned_abs() => Err(format!("{} {c} cents is out of range", path)),
        v => Ok(v),
    }
}

fn position(path: &Path, p: Option<wit::Position>) -> Check<Option<Position>> {
    let Some(p) = p else { return Ok(None) };
    if p.line == Some(0) {
        return Err(format!("{} is 0 (lines are 1-based)", path.at("line")));
    }
    if p.segment_index == Some(0) {
        return Err(format!("{} is 0 (segments are 1-based)", path.at("segment_index")));
    }
    Ok(Some(Position {
        segment_index: p.segment_index,
        segment_id: opt_ident(&path.at("segment_id"), p.segment_id, MAX_CODE)?,
        line: p.line,
        byte_offset: p.byte_offset,
        element: opt_ident(&path.at("element"), p.element, MAX_CODE)?,
    }))
}

fn party(path: &Path, p: Option<wit::Party>) -> Check<Option<Party>> {
    let Some(p) = p else { return Ok(None) };
    Ok(Some(Party {
        name: opt_ident(&path.at("name"), p.name, MAX_ID)?,
        id: opt_ident(&path.at("id"), p.id, MAX_ID)?,
        id_qualifier: opt_ident(&path.at("id_qualifier"), p.id_qualifier, MAX_CODE)?,
    }))
}

fn code_set(path: &Path, c: wit::CodeSet) -> Check<CodeSet> {
    Ok(match c {
        wit::CodeSet::ClaimStatusCategory => CodeSet::ClaimStatusCategory,
        wit::CodeSet::ClaimStatus => CodeSet::ClaimStatus,
        wit::CodeSet::Entity => CodeSet::Entity,
        wit::CodeSet::AckSegmentError => CodeSet::AckSegmentError,
        wit::CodeSet::AckElementError => CodeSet::AckElementError,
        wit::CodeSet::AckTransactionSetError => CodeSet::AckTransactionSetError,
        wit::CodeSet::AckGroupError => CodeSet::AckGroupError,
        wit::CodeSet::Ta1Note => CodeSet::Ta1Note,
        wit::CodeSet::Carc => CodeSet::Carc,
        wit::CodeSet::Rarc => CodeSet::Rarc,
        wit::CodeSet::ClearinghouseEdit => CodeSet::ClearinghouseEdit,
        wit::CodeSet::FreeText => CodeSet::FreeText,
        wit::CodeSet::Other(name) => CodeSet::Other(ident(path, name, MAX_CODE)?),
    })
}

/// A chunk's tables, validated once and looked up by its events (`wit/types.wit`, since 0.2).
struct Tables {
    /// "chunk #2", to name a table in messages.
    chunk: usize,
    parties: Vec<Party>,
    claims: Vec<ClaimRef>,
    payments: Vec<String>,
    correlations: Vec<Correlation>,
    codes: Vec<(CodeSet, String, Option<String>)>,
}

/// Row `i` of a chunk table, or an error naming the field that pointed at it.
fn row<'t, T>(path: &Path, rows: &'t [T], table: &str, chunk: usize, i: u32) -> Check<&'t T> {
    rows.get(i as usize).ok_or_else(|| {
        format!("{path} names row {i} of chunk #{chunk}'s {table}, which has {} rows", rows.len())
    })
}

impl Tables {
    fn accept(chunk: usize, c: &mut wit::Chunk) -> Check<Tables> {
        let cp = Path::Numbered("chunk", chunk);
        let parties = std::mem::take(&mut c.parties)
            .into_iter()
            .enumerate()
            .map(|(i, p)| party(&cp.index("parties", i), Some(p)).map(|p| p.expect("given a party")))
            .collect::<Check<Vec<_>>>()?;
        let claims = std::mem::take(&mut c.claims)
            .into_iter()
            .enumerate()
            .map(|(i, k)| claim(&cp.index("claims", i), k, &parties, chunk))
            .collect::<Check<Vec<_>>>()?;
        let payments = std::mem::take(&mut c.payments)
            .into_iter()
            .enumerate()
            .map(|(i, p)| ident(&cp.index("payments", i).at("reference"), p.reference, MAX_ID))
            .collect::<Check<Vec<_>>>()?;
        let correlations = std::mem::take(&mut c.correlations)
            .into_iter()
            .enumerate()
            .map(|(i, k)| correlation(&cp.index("correlations", i), k))
            .collect::<Check<Vec<_>>>()?;
        let codes = std::mem::take(&mut c.codes)
            .into_iter()
            .enumerate()
            .map(|(i, k)| {
                let p = cp.index("codes", i);
                let free = matches!(k.code_set, wit::CodeSet::FreeText);
                Ok((
                    code_set(&p.at("code_set"), k.code_set)?,
                    // Free text travels in `code` when there is no code: allow it to be long.
                    ident(&p.at("code"), k.code, if free { MAX_TEXT } else { MAX_CODE })?,
                    opt_text(&p.at("description"), k.description, MAX_TEXT)?,
                ))
            })
            .collect::<Check<Vec<_>>>()?;
        Ok(Tables { chunk, parties, claims, payments, correlations, codes })
    }

    fn party(&self, path: &Path, i: Option<u32>) -> Check<Option<Party>> {
        i.map(|i| row(path, &self.parties, "parties", self.chunk, i).cloned()).transpose()
    }
}

fn reason(path: &Path, r: wit::Reason, t: &Tables) -> Check<Reason> {
    let (code_set, code, description) = row(&path.at("code"), &t.codes, "codes", t.chunk, r.code)?.clone();
    Ok(Reason {
        code_set,
        code,
        description,
        group: opt_ident(&path.at("group"), r.group, MAX_CODE)?,
        amount: cents(&path.at("amount"), r.amount)?,
        position: position(&path.at("position"), r.position)?,
    })
}

fn claim(path: &Path, c: wit::ClaimRef, parties: &[Party], chunk: usize) -> Check<ClaimRef> {
    Ok(ClaimRef {
        patient_control_number: opt_ident(&path.at("patient_control_number"), c.patient_control_number, MAX_ID)?,
        clearinghouse_claim_id: opt_ident(&path.at("clearinghouse_claim_id"), c.clearinghouse_claim_id, MAX_ID)?,
        payer_claim_number: opt_ident(&path.at("payer_claim_number"), c.payer_claim_number, MAX_ID)?,
        patient_name: opt_ident(&path.at("patient_name"), c.patient_name, MAX_ID)?,
        member_id: opt_ident(&path.at("member_id"), c.member_id, MAX_ID)?,
        service_date_from: iso_date(&path.at("service_date_from"), c.service_date_from)?,
        service_date_to: iso_date(&path.at("service_date_to"), c.service_date_to)?,
        frequency_code: opt_ident(&path.at("frequency_code"), c.frequency_code, MAX_CODE)?,
        patient_birth_date: iso_date(&path.at("patient_birth_date"), c.patient_birth_date)?,
        payer: c.payer.map(|i| row(&path.at("payer"), parties, "parties", chunk, i).cloned()).transpose()?,
        providers: bounded(&path.at("providers"), c.providers, MAX_LIST)?
            .into_iter()
            .enumerate()
            .map(|(i, p)| provider(&path.index("providers", i), p))
            .collect::<Check<_>>()?,
        diagnosis_codes: {
            let dp = path.at("diagnosis_codes");
            bounded(&dp, c.diagnosis_codes, MAX_LIST)?.into_iter().map(|d| ident(&dp, d, MAX_CODE)).collect::<Check<_>>()?
        },
    })
}

fn provider(path: &Path, p: wit::Provider) -> Check<Provider> {
    Ok(Provider {
        role: match p.role {
            wit::ProviderRole::Billing => ProviderRole::Billing,
            wit::ProviderRole::Rendering => ProviderRole::Rendering,
            wit::ProviderRole::Referring => ProviderRole::Referring,
            wit::ProviderRole::Attending => ProviderRole::Attending,
            wit::ProviderRole::Operating => ProviderRole::Operating,
            wit::ProviderRole::Supervising => ProviderRole::Supervising,
            wit::ProviderRole::ServiceFacility => ProviderRole::ServiceFacility,
            wit::ProviderRole::PayTo => ProviderRole::PayTo,
        },
        name: opt_ident(&path.at("name"), p.name, MAX_ID)?,
        npi: opt_ident(&path.at("npi"), p.npi, MAX_CODE)?,
        tax_id: opt_ident(&path.at("tax_id"), p.tax_id, MAX_CODE)?,
    })
}

/// A list of at most `max` entries.
fn bounded<T>(path: &Path, v: Vec<T>, max: usize) -> Check<Vec<T>> {
    if v.len() > max {
        return Err(format!("{} has {} entries (limit {max})", path, v.len()));
    }
    Ok(v)
}

fn service_line(path: &Path, s: Option<wit::ServiceLineRef>) -> Check<Option<ServiceLineRef>> {
    let Some(s) = s else { return Ok(None) };
    if s.modifiers.len() > MAX_MODIFIERS {
        return Err(format!("{} has {} entries (limit {MAX_MODIFIERS})", path.at("modifiers"), s.modifiers.len()));
    }
    let mp = path.at("modifiers");
    Ok(Some(ServiceLineRef {
        procedure_code: opt_ident(&path.at("procedure_code"), s.procedure_code, MAX_CODE)?,
        procedure_qualifier: opt_ident(&path.at("procedure_qualifier"), s.procedure_qualifier, MAX_CODE)?,
        modifiers: s.modifiers.into_iter().map(|m| ident(&mp, m, MAX_CODE)).collect::<Check<_>>()?,
        line_item_control_number: opt_ident(&path.at("line_item_control_number"), s.line_item_control_number, MAX_ID)?,
        service_date: iso_date(&path.at("service_date"), s.service_date)?,
        units: opt_ident(&path.at("units"), s.units, MAX_CODE)?,
    }))
}

fn correlation(path: &Path, c: wit::Correlation) -> Check<Correlation> {
    Ok(Correlation {
        interchange_control_number: opt_ident(&path.at("interchange_control_number"), c.interchange_control_number, MAX_ID)?,
        group_control_number: opt_ident(&path.at("group_control_number"), c.group_control_number, MAX_ID)?,
        transaction_set_control_number: opt_ident(
            &path.at("transaction_set_control_number"),
            c.transaction_set_control_number,
            MAX_ID,
        )?,
        batch_reference: opt_ident(&path.at("batch_reference"), c.batch_reference, MAX_ID)?,
        clearinghouse_file_id: opt_ident(&path.at("clearinghouse_file_id"), c.clearinghouse_file_id, MAX_ID)?,
        clearinghouse_child_file_id: opt_ident(
            &path.at("clearinghouse_child_file_id"),
            c.clearinghouse_child_file_id,
            MAX_ID,
        )?,
        submitted_file_name: opt_ident(&path.at("submitted_file_name"), c.submitted_file_name, MAX_ID)?,
    })
}

fn amounts(path: &Path, a: wit::Amounts) -> Check<Amounts> {
    Ok(Amounts {
        charged: cents(&path.at("charged"), a.charged)?,
        paid: cents(&path.at("paid"), a.paid)?,
        patient_responsibility: cents(&path.at("patient_responsibility"), a.patient_responsibility)?,
        adjusted: cents(&path.at("adjusted"), a.adjusted)?,
        allowed: cents(&path.at("allowed"), a.allowed)?,
    })
}

fn event(path: &Path, e: wit::StatusEvent, t: &Tables) -> Check<StatusEvent> {
    if e.reasons.len() > MAX_REASONS {
        return Err(format!("{} has {} entries (limit {MAX_REASONS})", path.at("reasons"), e.reasons.len()));
    }
    let level = match e.level {
        wit::Level::Interchange => Level::Interchange,
        wit::Level::FunctionalGroup => Level::FunctionalGroup,
        wit::Level::TransactionSet => Level::TransactionSet,
        wit::Level::Claim => Level::Claim,
        wit::Level::ServiceLine => Level::ServiceLine,
    };
    let reasons = e
        .reasons
        .into_iter()
        .enumerate()
        .map(|(i, r)| reason(&path.index("reasons", i), r, t))
        .collect::<Check<Vec<_>>>()?;
    let ev = StatusEvent {
        level,
        source: match e.source {
            wit::Source::Clearinghouse => Source::Clearinghouse,
            wit::Source::Payer => Source::Payer,
            wit::Source::Submitter => Source::Submitter,
        },
        status: match e.status {
            wit::StatusClass::Received => StatusClass::Received,
            wit::StatusClass::Accepted => StatusClass::Accepted,
            wit::StatusClass::AcceptedWithErrors => StatusClass::AcceptedWithErrors,
            wit::StatusClass::Rejected => StatusClass::Rejected,
            wit::StatusClass::Pending => StatusClass::Pending,
            wit::StatusClass::Paid => StatusClass::Paid,
            wit::StatusClass::Denied => StatusClass::Denied,
            wit::StatusClass::Reversed => StatusClass::Reversed,
            wit::StatusClass::Informational => StatusClass::Informational,
        },
        raw_code: ident(&path.at("raw_code"), e.raw_code, MAX_RAW_CODE)?,
        reasons,
        claim: e.claim.map(|i| row(&path.at("claim"), &t.claims, "claims", t.chunk, i).cloned()).transpose()?,
        service_line: service_line(&path.at("service_line"), e.service_line)?,
        correlation: match e.correlation {
            Some(i) => row(&path.at("correlation"), &t.correlations, "correlations", t.chunk, i)?.clone(),
            None => Correlation::default(),
        },
        amounts: amounts(&path.at("amounts"), e.amounts)?,
        effective_date: iso_date(&path.at("effective_date"), e.effective_date)?,
        source_party: t.party(&path.at("source_party"), e.source_party)?,
        payment_reference: e.payment.map(|i| row(&path.at("payment"), &t.payments, "payments", t.chunk, i).cloned()).transpose()?,
        position: position(&path.at("position"), e.position)?,
    };
    Ok(ev)
}

/// Most host notes about claim events that name no claim kept for one file; the rest are
/// counted in one more note.
const MAX_KEYLESS_NOTES: usize = 100;

/// A warning for a claim or service-line event that names no claim key.
fn keyless_note(path: &Path, ev: &StatusEvent) -> Option<Diagnostic> {
    if matches!(ev.level, Level::Claim | Level::ServiceLine) {
        let keyless = ev.claim.as_ref().is_none_or(|c| {
            c.patient_control_number.is_none() && c.clearinghouse_claim_id.is_none() && c.payer_claim_number.is_none()
        });
        if keyless {
            return Some(Diagnostic {
                severity: Severity::Warning,
                message: format!(
                    "{} is about a {} but names no claim (no patient control number, clearinghouse or payer claim id); it cannot be matched to a claim",
                    path,
                    ev.level.as_str().replace('_', " ")
                ),
                position: ev.position.clone(),
                code: Some("host-claim-without-key".into()),
            });
        }
    }
    None
}

fn metadata(m: wit::FileMetadata, formats: &[FormatInfo]) -> Check<FileMetadata> {
    let p = Path::Root("metadata");
    let format_id = ident(&p.at("format_id"), m.format_id, MAX_CODE)?;
    if !formats.iter().any(|f| f.id == format_id) {
        let declared: Vec<&str> = formats.iter().map(|f| f.id.as_str()).collect();
        return Err(format!(
            "metadata.format_id {format_id:?} is not one of the formats the plugin declares ({})",
            declared.join(", ")
        ));
    }
    let list = |field: &'static str, v: Vec<String>| -> Check<Vec<String>> {
        let fp = p.at(field);
        v.into_iter().map(|s| ident(&fp, s, MAX_ID)).collect()
    };
    Ok(FileMetadata {
        format_id,
        implementation: opt_ident(&p.at("implementation"), m.implementation, MAX_CODE)?,
        interchange_control_numbers: list("interchange_control_numbers", m.interchange_control_numbers)?,
        group_control_numbers: list("group_control_numbers", m.group_control_numbers)?,
        transaction_set_control_numbers: list("transaction_set_control_numbers", m.transaction_set_control_numbers)?,
        sender: party(&p.at("sender"), m.sender)?,
        receiver: party(&p.at("receiver"), m.receiver)?,
        created: iso_date(&p.at("created"), m.created)?,
        usage: opt_ident(&p.at("usage"), m.usage, MAX_CODE)?,
        clearinghouse_file_id: opt_ident(&p.at("clearinghouse_file_id"), m.clearinghouse_file_id, MAX_ID)?,
        original_file_name: opt_ident(&p.at("original_file_name"), m.original_file_name, MAX_ID)?,
        child_files: bounded(&p.at("child_files"), m.child_files, MAX_LIST)?
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let cp = p.index("child_files", i);
                Ok(ChildFile {
                    id: ident(&cp.at("id"), c.id, MAX_ID)?,
                    payer: party(&cp.at("payer"), c.payer)?,
                    claim_count: c.claim_count,
                    total_charge: cents(&cp.at("total_charge"), c.total_charge)?,
                })
            })
            .collect::<Check<_>>()?,
        claim_counts: m.claim_counts.map(|c| ClaimCounts { total: c.total, accepted: c.accepted, rejected: c.rejected }),
        code_totals: bounded(&p.at("code_totals"), m.code_totals, MAX_LIST)?
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let cp = p.index("code_totals", i);
                Ok(CodeTotal {
                    code_set: code_set(&cp.at("code_set"), c.code_set)?,
                    code: ident(&cp.at("code"), c.code, MAX_CODE)?,
                    description: opt_text(&cp.at("description"), c.description, MAX_TEXT)?,
                    count: c.count,
                })
            })
            .collect::<Check<_>>()?,
    })
}

/// Validates one file's output chunk by chunk as it arrives, converting it into the host
/// model. `formats` are the formats the plugin declared in `describe`. An error names the
/// chunk, table row, event and field that failed; the file is then refused as a whole.
pub(crate) struct Acceptor<'f> {
    formats: &'f [FormatInfo],
    chunks: usize,
    events: usize,
    diagnostics: usize,
    /// The host's own notes, given after the plugin's diagnostics (see [`Acceptor::finish`]).
    notes: Vec<Diagnostic>,
    /// Keyless events past [`MAX_KEYLESS_NOTES`].
    keyless_unnoted: usize,
}

impl<'f> Acceptor<'f> {
    pub(crate) fn new(formats: &'f [FormatInfo]) -> Self {
        Acceptor { formats, chunks: 0, events: 0, diagnostics: 0, notes: Vec::new(), keyless_unnoted: 0 }
    }

    /// One chunk's events and diagnostics, validated, in file order.
    pub(crate) fn chunk(&mut self, mut c: wit::Chunk) -> Check<(Vec<StatusEvent>, Vec<Diagnostic>)> {
        self.chunks += 1;
        let tables = Tables::accept(self.chunks, &mut c)?;
        let mut events = Vec::with_capacity(c.events.len());
        for e in c.events {
            self.events += 1;
            let path = Path::Numbered("event", self.events);
            let ev = event(&path, e, &tables)?;
            if let Some(note) = keyless_note(&path, &ev) {
                if self.notes.len() < MAX_KEYLESS_NOTES {
                    self.notes.push(note);
                } else {
                    self.keyless_unnoted += 1;
                }
            }
            events.push(ev);
        }
        let diagnostics = c
            .diagnostics
            .into_iter()
            .map(|d| {
                self.diagnostics += 1;
                let p = Path::Numbered("diagnostic", self.diagnostics);
                Ok(Diagnostic {
                    severity: match d.severity {
                        wit::Severity::Info => Severity::Info,
                        wit::Severity::Warning => Severity::Warning,
                        wit::Severity::Error => Severity::Error,
                    },
                    message: ident(&p.at("message"), d.message, MAX_TEXT)?,
                    position: position(&p.at("position"), d.position)?,
                    code: opt_ident(&p.at("code"), d.code, MAX_CODE)?,
                })
            })
            .collect::<Check<Vec<_>>>()?;
        Ok((events, diagnostics))
    }

    /// The file's metadata, validated, and the host's notes about the whole file (they come
    /// after the plugin's diagnostics).
    pub(crate) fn finish(self, m: wit::FileMetadata) -> Check<(FileMetadata, Vec<Diagnostic>)> {
        let metadata = metadata(m, self.formats)?;
        let mut notes = self.notes;
        if self.keyless_unnoted > 0 {
            notes.push(Diagnostic {
                severity: Severity::Warning,
                message: format!(
                    "{} more claim or service-line events name no claim (no patient control number, clearinghouse or payer claim id) and cannot be matched to a claim",
                    self.keyless_unnoted
                ),
                position: None,
                code: Some("host-claim-without-key".into()),
            });
        }
        Ok((metadata, notes))
    }
}

/// A whole output given as one chunk and its metadata, validated: for tests.
#[cfg(test)]
pub(crate) fn accept((c, m): (wit::Chunk, wit::FileMetadata), formats: &[FormatInfo]) -> Result<ParsedFile, String> {
    let mut a = Acceptor::new(formats);
    let (events, mut diagnostics) = a.chunk(c)?;
    let (metadata, notes) = a.finish(m)?;
    diagnostics.extend(notes);
    Ok(ParsedFile { metadata, events, diagnostics })
}

/// Validate and convert what `describe` returned.
pub(crate) fn accept_info(info: wit::PluginInfo) -> Result<PluginInfo, String> {
    let p = Path::Root("plugin info");
    let name = ident(&p.at("name"), info.name, MAX_CODE)?;
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_') {
        return Err(format!("plugin name {name:?} must be lower-case letters, digits, '-' or '_'"));
    }
    if info.formats.is_empty() || info.formats.len() > MAX_FORMATS {
        return Err(format!("the plugin declares {} formats (1 to {MAX_FORMATS} allowed)", info.formats.len()));
    }
    let formats = info
        .formats
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let fp = p.index("formats", i);
            if f.file_name_hints.len() > MAX_FORMATS {
                return Err(format!("{} declares too many file-name hints", fp));
            }
            let hp = fp.at("file_name_hints");
            Ok(FormatInfo {
                id: ident(&fp.at("id"), f.id, MAX_CODE)?,
                description: text(&fp.at("description"), f.description, MAX_TEXT)?,
                file_name_hints: f.file_name_hints.into_iter().map(|h| ident(&hp, h, MAX_CODE)).collect::<Check<_>>()?,
            })
        })
        .collect::<Check<Vec<_>>>()?;
    Ok(PluginInfo {
        name,
        version: ident(&p.at("version"), info.version, MAX_CODE)?,
        description: text(&p.at("description"), info.description, MAX_TEXT)?,
        formats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formats() -> Vec<FormatInfo> {
        vec![FormatInfo { id: "x12-999".into(), description: String::new(), file_name_hints: vec![] }]
    }

    fn meta() -> wit::FileMetadata {
        wit::FileMetadata {
            format_id: "x12-999".into(),
            implementation: None,
            interchange_control_numbers: vec![],
            group_control_numbers: vec![],
            transaction_set_control_numbers: vec![],
            sender: None,
            receiver: None,
            created: None,
            usage: None,
            clearinghouse_file_id: None,
            original_file_name: None,
            child_files: vec![],
            claim_counts: None,
            code_totals: vec![],
        }
    }

    fn ev() -> wit::StatusEvent {
        wit::StatusEvent {
            level: wit::Level::TransactionSet,
            source: wit::Source::Clearinghouse,
            status: wit::StatusClass::Rejected,
            raw_code: "IK5 R".into(),
            reasons: vec![],
            claim: None,
            service_line: None,
            correlation: Some(0),
            amounts: wit::Amounts { charged: None, paid: None, patient_responsibility: None, adjusted: None, allowed: None },
            effective_date: None,
            source_party: None,
            payment: None,
            position: None,
        }
    }

    fn chunk(events: Vec<wit::StatusEvent>) -> wit::Chunk {
        wit::Chunk {
            parties: vec![],
            claims: vec![],
            payments: vec![],
            correlations: vec![wit::Correlation {
                interchange_control_number: None,
                group_control_number: Some("17456".into()),
                transaction_set_control_number: Some("0028".into()),
                batch_reference: None,
                clearinghouse_file_id: None,
                clearinghouse_child_file_id: None,
                submitted_file_name: None,
            }],
            codes: vec![],
            events,
            diagnostics: vec![],
        }
    }

    fn out(events: Vec<wit::StatusEvent>) -> (wit::Chunk, wit::FileMetadata) {
        (chunk(events), meta())
    }

    #[test]
    fn a_valid_output_converts() {
        let mut e = ev();
        e.effective_date = Some("2024-01-05T12:30".into());
        let f = accept(out(vec![e]), &formats()).unwrap();
        assert_eq!(f.events[0].status, StatusClass::Rejected);
        assert_eq!(f.events[0].correlation.transaction_set_control_number.as_deref(), Some("0028"));
        assert!(f.diagnostics.is_empty());
    }

    #[test]
    fn bad_dates_are_rejected_naming_the_event_and_field() {
        let mut e = ev();
        e.effective_date = Some("2024-13-45".into());
        let err = accept(out(vec![ev(), e]), &formats()).unwrap_err();
        assert_eq!(err, "event #2.effective_date \"2024-13-45\" is not an ISO 8601 date (YYYY-MM-DD[THH:MM[:SS]])");
    }

    #[test]
    fn oversized_and_control_character_strings_are_rejected() {
        let mut e = ev();
        e.raw_code = "X".repeat(100_000);
        assert!(accept(out(vec![e]), &formats()).unwrap_err().contains("event #1.raw_code is 100000 bytes long"));
        let mut e = ev();
        e.raw_code = "IK5\u{1b}[31m R".into();
        assert!(accept(out(vec![e]), &formats()).unwrap_err().contains("control character"));
    }

    #[test]
    fn blank_identifiers_amounts_and_zero_lines_are_rejected() {
        let mut e = ev();
        e.payment = Some(0);
        let mut o = out(vec![e]);
        o.0.payments.push(wit::Payment { reference: "  ".into() });
        assert!(accept(o, &formats()).unwrap_err().contains("chunk #1.payments[0].reference is present but blank"));
        let mut e = ev();
        e.amounts.paid = Some(i64::MAX);
        assert!(accept(out(vec![e]), &formats()).unwrap_err().contains("amounts.paid"));
        // abs() of i64::MIN overflows: refused, not a panic (debug) or accepted (release).
        let mut e = ev();
        e.amounts.adjusted = Some(i64::MIN);
        assert!(accept(out(vec![e]), &formats()).unwrap_err().contains("amounts.adjusted"));
        let mut e = ev();
        e.position = Some(wit::Position { segment_index: None, segment_id: None, line: Some(0), byte_offset: None, element: None });
        assert!(accept(out(vec![e]), &formats()).unwrap_err().contains("position.line is 0"));
    }

    #[test]
    fn the_plain_date_check_accepts_only_what_chrono_accepts() {
        let samples = [
            "2024-01-05", "2024-02-29", "2023-02-29", "2024-13-01", "2024-00-10", "0000-01-01", "9999-12-31",
            "2024-01-05T23:59", "2024-01-05T24:00", "2024-01-05T12:60", "2024-01-05T12:30:59", "2024-01-05T12:30:60",
            "2024-1-05", "2024-01-5 ", "2024/01/05", "2024-01-05T12:3", "+024-01-05", "2024-01-05 12:30",
            "2024-01-05T12:30:5x", "２０２４-01-05",
        ];
        for v in samples {
            if plain_iso_date(v.as_bytes()) {
                assert!(chrono_iso_date(v), "{v} passes the plain check but not chrono");
            }
        }
        for v in ["2024-01-05", "2024-02-29", "2024-01-05T23:59", "2024-01-05T12:30:59"] {
            assert!(plain_iso_date(v.as_bytes()), "{v}");
        }
        // Leap seconds and odd spacing are chrono's to judge, as before.
        assert_eq!(
            iso_date(&Path::Root("t"), Some("2024-01-05T12:30:60".into())).is_ok(),
            chrono_iso_date("2024-01-05T12:30:60")
        );
    }

    #[test]
    fn undeclared_format_is_rejected() {
        let mut o = out(vec![]);
        o.1.format_id = "x12-835".into();
        assert!(accept(o, &formats()).unwrap_err().contains("not one of the formats the plugin declares (x12-999)"));
    }

    #[test]
    fn keyless_claim_event_becomes_a_warning() {
        let mut e = ev();
        e.level = wit::Level::Claim;
        let f = accept(out(vec![e]), &formats()).unwrap();
        assert_eq!(f.diagnostics.len(), 1);
        assert!(f.diagnostics[0].message.starts_with("event #1 is about a claim but names no claim"));
    }

    #[test]
    fn the_stored_json_reads_back_unchanged() {
        let mut e = ev();
        e.level = wit::Level::Claim;
        e.reasons = vec![wit::Reason {
            code: 0,
            group: None,
            amount: Some(-5),
            position: Some(wit::Position { segment_index: Some(3), segment_id: None, line: Some(2), byte_offset: None, element: None }),
        }];
        let mut o = out(vec![e]);
        o.0.codes.push(wit::Code { code_set: wit::CodeSet::Other("payment method".into()), code: "ACH".into(), description: None });
        let f = accept(o, &formats()).unwrap();
        let json = serde_json::to_string(&f.events[0]).unwrap();
        let back: StatusEvent = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f.events[0]);
    }

    #[test]
    fn table_rows_resolve_and_a_missing_row_names_the_field() {
        let party = wit::Party { name: Some("ACME".into()), id: Some("123".into()), id_qualifier: None };
        let claim = wit::ClaimRef {
            patient_control_number: Some("PCN1".into()),
            clearinghouse_claim_id: None,
            payer_claim_number: None,
            patient_name: None,
            member_id: None,
            service_date_from: None,
            service_date_to: None,
            frequency_code: None,
            patient_birth_date: None,
            payer: Some(0),
            providers: vec![],
            diagnosis_codes: vec![],
        };
        let mut e = ev();
        e.level = wit::Level::Claim;
        e.claim = Some(0);
        e.source_party = Some(0);
        let mut o = out(vec![e.clone(), e.clone()]);
        o.0.parties.push(party.clone());
        o.0.claims.push(claim.clone());
        let f = accept(o, &formats()).unwrap();
        assert_eq!(f.events[1].claim.as_ref().unwrap().patient_control_number.as_deref(), Some("PCN1"));
        assert_eq!(f.events[1].claim.as_ref().unwrap().payer.as_ref().unwrap().name.as_deref(), Some("ACME"));
        assert_eq!(f.events[0].source_party.as_ref().unwrap().id.as_deref(), Some("123"));
        // An index past the table: refused, naming the event, field and table.
        let mut bad = e.clone();
        bad.claim = Some(3);
        let mut o = out(vec![e.clone(), bad]);
        o.0.parties.push(party.clone());
        o.0.claims.push(claim.clone());
        assert_eq!(accept(o, &formats()).unwrap_err(), "event #2.claim names row 3 of chunk #1's claims, which has 1 rows");
        // A claim row naming a payer the chunk lacks.
        let mut o = out(vec![]);
        o.0.claims.push(claim);
        assert!(accept(o, &formats()).unwrap_err().starts_with("chunk #1.claims[0].payer names row 0 of chunk #1's parties"));
        // Event numbers run on across chunks.
        let declared = formats();
        let mut a = Acceptor::new(&declared);
        a.chunk(chunk(vec![ev(), ev()])).unwrap();
        let mut late = ev();
        late.effective_date = Some("nope".into());
        assert!(a.chunk(chunk(vec![late])).unwrap_err().starts_with("event #3.effective_date"));
    }

    #[test]
    fn plugin_names_are_restricted() {
        let info = wit::PluginInfo {
            name: "Bad Name".into(),
            version: "1".into(),
            description: String::new(),
            formats: vec![wit::FormatInfo { id: "f".into(), description: String::new(), file_name_hints: vec![] }],
        };
        assert!(accept_info(info).unwrap_err().contains("must be lower-case"));
    }
}
