//! A plugin built against the WIT as it was at `claimtrack:plugin@0.1.0` (kept in `wit/`
//! beside this file), for the host's test that a plugin built against an older version of
//! the same track still loads and runs (`host/tests/plugins.rs`). It does not use the SDK,
//! which follows the current WIT.
//!
//! `parse` of a file named `old-*.txt` returns a valid output: no events, except for
//! `old-events.txt`, which gives two events that use every part of the 0.1 event (a claim
//! with its payer and providers, a service line, coded reasons, correlation keys, the
//! payment) and a diagnostic, for the host's test that the 0.1 adapter passes them on
//! unchanged. Anything else is `not-my-format`.

wit_bindgen::generate!({
    path: "wit",
    world: "parser",
});

use claimtrack::plugin::types::*;

struct OldWit;

impl Guest for OldWit {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "test-old-wit".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Built against claimtrack:plugin@0.1.0".into(),
            formats: vec![FormatInfo {
                id: "test-old-wit".into(),
                description: "Test files of a plugin built against an older WIT".into(),
                file_name_hints: vec!["old-*.txt".into()],
            }],
        }
    }

    fn sniff(file_name: String, _head: Vec<u8>) -> u8 {
        if file_name.starts_with("old-") { 100 } else { 0 }
    }

    fn parse(file_name: String, _contents: Vec<u8>) -> Result<ParseOutput, ParseError> {
        if !file_name.starts_with("old-") {
            return Err(ParseError::NotMyFormat(format!("{file_name} is not an old-*.txt test file")));
        }
        Ok(ParseOutput {
            metadata: FileMetadata {
                format_id: "test-old-wit".into(),
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
            },
            events: if file_name == "old-events.txt" { events() } else { vec![] },
            diagnostics: vec![Diagnostic {
                severity: Severity::Warning,
                message: "read by a 0.1 plugin".into(),
                position: Some(Position { segment_index: None, segment_id: None, line: Some(1), byte_offset: None, element: None }),
                code: Some("old-note".into()),
            }],
        })
    }
}

/// A paid claim and one of its lines, as a 0.1 plugin states them (every string repeated).
fn events() -> Vec<StatusEvent> {
    let payer = Party { name: Some("OLD PAYER".into()), id: Some("OP123".into()), id_qualifier: Some("PI".into()) };
    let claim = ClaimRef {
        patient_control_number: Some("PCN-OLD-1".into()),
        clearinghouse_claim_id: None,
        payer_claim_number: Some("ICN77".into()),
        patient_name: Some("DOE, JANE".into()),
        member_id: Some("M123".into()),
        service_date_from: Some("2024-02-01".into()),
        service_date_to: Some("2024-02-01".into()),
        frequency_code: Some("1".into()),
        patient_birth_date: None,
        payer: Some(payer.clone()),
        providers: vec![Provider { role: ProviderRole::Billing, name: Some("CLINIC".into()), npi: Some("1234567893".into()), tax_id: None }],
        diagnosis_codes: vec!["J069".into()],
    };
    let event = |level, raw: &str, paid| StatusEvent {
        level,
        source: Source::Payer,
        status: StatusClass::Paid,
        raw_code: raw.into(),
        reasons: vec![Reason {
            code_set: CodeSet::Carc,
            code: "45".into(),
            description: Some("Charge exceeds fee schedule".into()),
            group: Some("CO".into()),
            amount: Some(500),
            position: None,
        }],
        claim: Some(claim.clone()),
        service_line: None,
        correlation: Correlation {
            interchange_control_number: None,
            group_control_number: None,
            transaction_set_control_number: None,
            batch_reference: Some("BATCH9".into()),
            clearinghouse_file_id: None,
            clearinghouse_child_file_id: None,
            submitted_file_name: None,
        },
        amounts: Amounts { charged: Some(10000), paid: Some(paid), patient_responsibility: None, adjusted: Some(500), allowed: None },
        effective_date: Some("2024-03-01".into()),
        source_party: Some(payer.clone()),
        payment_reference: Some("CHK42".into()),
        position: Some(Position { segment_index: Some(12), segment_id: Some("CLP".into()), line: Some(12), byte_offset: Some(400), element: None }),
    };
    let mut line = event(Level::ServiceLine, "SVC", 9500);
    line.service_line = Some(ServiceLineRef {
        procedure_code: Some("99213".into()),
        procedure_qualifier: Some("HC".into()),
        modifiers: vec!["25".into()],
        line_item_control_number: None,
        service_date: Some("2024-02-01".into()),
        units: Some("1".into()),
    });
    vec![event(Level::Claim, "CLP02 1", 9500), line]
}

export!(OldWit);
