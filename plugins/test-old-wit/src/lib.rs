//! A plugin built against the WIT as it was at `claimtrack:plugin@0.1.0` (kept in `wit/`
//! beside this file), for the host's test that a plugin built against an older version of
//! the same track still loads and runs (`host/tests/plugins.rs`). It does not use the SDK,
//! which follows the current WIT.
//!
//! `parse` of a file named `old-*.txt` returns a valid output with no events; anything else
//! is `not-my-format`.

wit_bindgen::generate!({
    path: "wit",
    world: "parser",
});

use claimtrack::plugin::types::{FileMetadata, FormatInfo};

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
            events: vec![],
            diagnostics: vec![],
        })
    }
}

export!(OldWit);
