//! Host bindings for the `parser` world, one module per WIT track the host loads:
//! `claimtrack:plugin@0.2.x` (`wit/types.wit`, the current one) and the frozen
//! `claimtrack:plugin@0.1.x` (`wit/since_v0.1/types.wit`), whose output is converted into the
//! current shape at the boundary ([`adapt_v0_1`]).
//!
//! Generated types stay inside the crate: `crate::model` converts them into the host's own
//! model types (and validates them) before anything else sees them. Nothing here is `pub`
//! outside the crate.

pub(crate) mod v0_2 {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "parser",
        // `PartialEq` lets tests and the model layer compare raw values; `Clone`/`Debug` are
        // generated anyway.
        additional_derives: [PartialEq],
    });
}

pub(crate) mod v0_1 {
    wasmtime::component::bindgen!({
        path: "wit/since_v0.1",
        world: "parser",
    });
}

pub(crate) use self::v0_2::claimtrack::plugin::types::*;

/// The WIT package version this host was built against (`package claimtrack:plugin@…`).
pub(crate) const WIT_PACKAGE: &str = "claimtrack:plugin";
/// The version of the plugin contract (`claimtrack:plugin@…`, wit/types.wit) this host runs;
/// `claimtrack plugin new` makes projects against it.
pub const WIT_VERSION: &str = "0.2.0";
/// Every track the host loads, each with the newest version of it the host knows: the
/// current one, then older ones read through an adapter (`wit/README.md`).
pub(crate) const WIT_TRACKS: [&str; 2] = [WIT_VERSION, "0.1.1"];
/// The functions the `parser` world of the current track requires a plugin to export
/// (`parse` lives in the exported `parsing` interface).
pub(crate) const REQUIRED_EXPORTS: [&str; 2] = ["describe", "sniff"];
/// The same for the 0.1 track.
pub(crate) const REQUIRED_EXPORTS_V0_1: [&str; 3] = ["describe", "sniff", "parse"];

/// Events per chunk when a 0.1 output is cut into chunks.
const ADAPTED_CHUNK_EVENTS: usize = 1024;

/// A 0.1 plugin's whole output as 0.2 chunks (1024 events each, the diagnostics with the
/// first) and its metadata: the shape the rest of the host reads. 0.1 repeated every table
/// row on every event; here each event gets its own rows, which the host resolves the same
/// way.
pub(crate) fn adapt_v0_1(out: v0_1::claimtrack::plugin::types::ParseOutput) -> (Vec<Chunk>, FileMetadata) {
    use v0_1::claimtrack::plugin::types as old;
    let metadata = old_metadata(out.metadata);
    let mut diagnostics: Vec<Diagnostic> = out.diagnostics.into_iter().map(old_diagnostic).collect();
    let mut chunks = Vec::new();
    let mut events = out.events.into_iter().peekable();
    while events.peek().is_some() || !diagnostics.is_empty() {
        let mut c = Chunk {
            parties: Vec::new(),
            claims: Vec::new(),
            payments: Vec::new(),
            correlations: Vec::new(),
            codes: Vec::new(),
            events: Vec::new(),
            diagnostics: std::mem::take(&mut diagnostics),
        };
        for e in events.by_ref().take(ADAPTED_CHUNK_EVENTS) {
            let row = |n: usize| u32::try_from(n).expect("a chunk holds at most 1024 events");
            let claim = e.claim.map(|cl: old::ClaimRef| {
                let payer = cl.payer.map(|p| {
                    c.parties.push(old_party(p));
                    row(c.parties.len() - 1)
                });
                c.claims.push(ClaimRef {
                    patient_control_number: cl.patient_control_number,
                    clearinghouse_claim_id: cl.clearinghouse_claim_id,
                    payer_claim_number: cl.payer_claim_number,
                    patient_name: cl.patient_name,
                    member_id: cl.member_id,
                    service_date_from: cl.service_date_from,
                    service_date_to: cl.service_date_to,
                    frequency_code: cl.frequency_code,
                    patient_birth_date: cl.patient_birth_date,
                    payer,
                    providers: cl.providers.into_iter().map(old_provider).collect(),
                    diagnosis_codes: cl.diagnosis_codes,
                });
                row(c.claims.len() - 1)
            });
            let reasons = e
                .reasons
                .into_iter()
                .map(|r| {
                    c.codes.push(Code { code_set: old_code_set(r.code_set), code: r.code, description: r.description });
                    Reason { code: row(c.codes.len() - 1), group: r.group, amount: r.amount, position: r.position.map(old_position) }
                })
                .collect();
            let k = e.correlation;
            let correlation = Correlation {
                interchange_control_number: k.interchange_control_number,
                group_control_number: k.group_control_number,
                transaction_set_control_number: k.transaction_set_control_number,
                batch_reference: k.batch_reference,
                clearinghouse_file_id: k.clearinghouse_file_id,
                clearinghouse_child_file_id: k.clearinghouse_child_file_id,
                submitted_file_name: k.submitted_file_name,
            };
            c.correlations.push(correlation);
            let correlation = Some(row(c.correlations.len() - 1));
            let source_party = e.source_party.map(|p| {
                c.parties.push(old_party(p));
                row(c.parties.len() - 1)
            });
            let payment = e.payment_reference.map(|reference| {
                c.payments.push(Payment { reference });
                row(c.payments.len() - 1)
            });
            let a = e.amounts;
            c.events.push(StatusEvent {
                level: match e.level {
                    old::Level::Interchange => Level::Interchange,
                    old::Level::FunctionalGroup => Level::FunctionalGroup,
                    old::Level::TransactionSet => Level::TransactionSet,
                    old::Level::Claim => Level::Claim,
                    old::Level::ServiceLine => Level::ServiceLine,
                },
                source: match e.source {
                    old::Source::Clearinghouse => Source::Clearinghouse,
                    old::Source::Payer => Source::Payer,
                    old::Source::Submitter => Source::Submitter,
                },
                status: match e.status {
                    old::StatusClass::Received => StatusClass::Received,
                    old::StatusClass::Accepted => StatusClass::Accepted,
                    old::StatusClass::AcceptedWithErrors => StatusClass::AcceptedWithErrors,
                    old::StatusClass::Rejected => StatusClass::Rejected,
                    old::StatusClass::Pending => StatusClass::Pending,
                    old::StatusClass::Paid => StatusClass::Paid,
                    old::StatusClass::Denied => StatusClass::Denied,
                    old::StatusClass::Reversed => StatusClass::Reversed,
                    old::StatusClass::Informational => StatusClass::Informational,
                },
                raw_code: e.raw_code,
                reasons,
                claim,
                service_line: e.service_line.map(|s| ServiceLineRef {
                    procedure_code: s.procedure_code,
                    procedure_qualifier: s.procedure_qualifier,
                    modifiers: s.modifiers,
                    line_item_control_number: s.line_item_control_number,
                    service_date: s.service_date,
                    units: s.units,
                }),
                correlation,
                amounts: Amounts {
                    charged: a.charged,
                    paid: a.paid,
                    patient_responsibility: a.patient_responsibility,
                    adjusted: a.adjusted,
                    allowed: a.allowed,
                },
                effective_date: e.effective_date,
                source_party,
                payment,
                position: e.position.map(old_position),
            });
        }
        chunks.push(c);
    }
    (chunks, metadata)
}

/// A 0.1 `describe` answer in the current shape (the record did not change).
pub(crate) fn adapt_v0_1_info(info: v0_1::claimtrack::plugin::types::PluginInfo) -> PluginInfo {
    PluginInfo {
        name: info.name,
        version: info.version,
        description: info.description,
        formats: info
            .formats
            .into_iter()
            .map(|f| FormatInfo { id: f.id, description: f.description, file_name_hints: f.file_name_hints })
            .collect(),
    }
}

/// A 0.1 refusal in the current shape (the variant did not change).
pub(crate) fn adapt_v0_1_error(e: v0_1::claimtrack::plugin::types::ParseError) -> ParseError {
    use v0_1::claimtrack::plugin::types as old;
    match e {
        old::ParseError::NotMyFormat(m) => ParseError::NotMyFormat(m),
        old::ParseError::Malformed(d) => {
            ParseError::Malformed(MalformedDetail { message: d.message, position: d.position.map(old_position) })
        }
        old::ParseError::UnsupportedVersion(m) => ParseError::UnsupportedVersion(m),
    }
}

fn old_position(p: v0_1::claimtrack::plugin::types::Position) -> Position {
    Position { segment_index: p.segment_index, segment_id: p.segment_id, line: p.line, byte_offset: p.byte_offset, element: p.element }
}

fn old_party(p: v0_1::claimtrack::plugin::types::Party) -> Party {
    Party { name: p.name, id: p.id, id_qualifier: p.id_qualifier }
}

fn old_provider(p: v0_1::claimtrack::plugin::types::Provider) -> Provider {
    use v0_1::claimtrack::plugin::types::ProviderRole as R;
    Provider {
        role: match p.role {
            R::Billing => ProviderRole::Billing,
            R::Rendering => ProviderRole::Rendering,
            R::Referring => ProviderRole::Referring,
            R::Attending => ProviderRole::Attending,
            R::Operating => ProviderRole::Operating,
            R::Supervising => ProviderRole::Supervising,
            R::ServiceFacility => ProviderRole::ServiceFacility,
            R::PayTo => ProviderRole::PayTo,
        },
        name: p.name,
        npi: p.npi,
        tax_id: p.tax_id,
    }
}

fn old_code_set(c: v0_1::claimtrack::plugin::types::CodeSet) -> CodeSet {
    use v0_1::claimtrack::plugin::types::CodeSet as C;
    match c {
        C::ClaimStatusCategory => CodeSet::ClaimStatusCategory,
        C::ClaimStatus => CodeSet::ClaimStatus,
        C::Entity => CodeSet::Entity,
        C::AckSegmentError => CodeSet::AckSegmentError,
        C::AckElementError => CodeSet::AckElementError,
        C::AckTransactionSetError => CodeSet::AckTransactionSetError,
        C::AckGroupError => CodeSet::AckGroupError,
        C::Ta1Note => CodeSet::Ta1Note,
        C::Carc => CodeSet::Carc,
        C::Rarc => CodeSet::Rarc,
        C::ClearinghouseEdit => CodeSet::ClearinghouseEdit,
        C::FreeText => CodeSet::FreeText,
        C::Other(name) => CodeSet::Other(name),
    }
}

fn old_diagnostic(d: v0_1::claimtrack::plugin::types::Diagnostic) -> Diagnostic {
    use v0_1::claimtrack::plugin::types::Severity as S;
    Diagnostic {
        severity: match d.severity {
            S::Info => Severity::Info,
            S::Warning => Severity::Warning,
            S::Error => Severity::Error,
        },
        message: d.message,
        position: d.position.map(old_position),
        code: d.code,
    }
}

fn old_metadata(m: v0_1::claimtrack::plugin::types::FileMetadata) -> FileMetadata {
    FileMetadata {
        format_id: m.format_id,
        implementation: m.implementation,
        interchange_control_numbers: m.interchange_control_numbers,
        group_control_numbers: m.group_control_numbers,
        transaction_set_control_numbers: m.transaction_set_control_numbers,
        sender: m.sender.map(old_party),
        receiver: m.receiver.map(old_party),
        created: m.created,
        usage: m.usage,
        clearinghouse_file_id: m.clearinghouse_file_id,
        original_file_name: m.original_file_name,
        child_files: m
            .child_files
            .into_iter()
            .map(|f| ChildFile { id: f.id, payer: f.payer.map(old_party), claim_count: f.claim_count, total_charge: f.total_charge })
            .collect(),
        claim_counts: m.claim_counts.map(|c| ClaimCounts { total: c.total, accepted: c.accepted, rejected: c.rejected }),
        code_totals: m
            .code_totals
            .into_iter()
            .map(|t| CodeTotal { code_set: old_code_set(t.code_set), code: t.code, description: t.description, count: t.count })
            .collect(),
    }
}
