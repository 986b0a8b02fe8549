//! claimtrack plugin for Office Ally's File Summary report (`FS_HCFA_<FileID>_IN_C.txt`, the
//! institutional `FS_UB_…` very likely alike) and its error report
//! (`FS_HCFA_<FileID>_ErrorReport…`, layout unknown, read with the same logic).
//!
//! Formats: `oa-file-summary`, `oa-file-summary-error-report`. Office Ally's front-end verdict
//! on an uploaded 837 file: one batch-level event for the upload, one claim-level event per
//! claim row. Layout assumptions are all in `layout.rs`; the mapping rules are at the top of
//! `mapping.rs`.

mod detail;
mod detect;
mod layout;
mod mapping;
mod report;

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::text;

pub use layout::{FORMAT_ERROR_REPORT, FORMAT_FILE_SUMMARY};

pub struct FileSummaryParser;

impl Parser for FileSummaryParser {
    fn info() -> PluginInfo {
        let hints = |h: &[&str]| h.iter().map(|s| s.to_string()).collect();
        PluginInfo {
            name: "oa-file-summary".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Office Ally File Summary: the clearinghouse's acceptance or rejection of an uploaded claim file and of each claim".into(),
            formats: vec![
                FormatInfo {
                    id: FORMAT_FILE_SUMMARY.into(),
                    description: "Office Ally File Summary report (FS_HCFA_<FileID>_IN_C.txt)".into(),
                    file_name_hints: hints(layout::HINTS_FILE_SUMMARY),
                },
                FormatInfo {
                    id: FORMAT_ERROR_REPORT.into(),
                    description: "Office Ally File Summary error report (FS_HCFA_<FileID>_ErrorReport…)".into(),
                    file_name_hints: hints(layout::HINTS_ERROR_REPORT),
                },
            ],
        }
    }

    fn sniff(file_name: &str, head: &[u8]) -> u8 {
        detect::sniff(file_name, head)
    }

    fn parse(file_name: &str, contents: &[u8]) -> Result<ParseOutput, ParseError> {
        // Fitted to the host's limits by the export (`register_parser!`), once.
        parse_unfitted(file_name, contents)
    }
}

register_parser!(FileSummaryParser);

/// Parse a whole file: what the WASM export returns (the output fitted to the host's limits),
/// callable natively.
pub fn parse_bytes(file_name: &str, bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    claimtrack_plugin_sdk::parse_fitted::<FileSummaryParser>(file_name, bytes)
}

/// A File Summary's output, before `fit_host_limits`.
fn parse_unfitted(file_name: &str, bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    let text = text::lines(bytes);
    let found = text.lines.iter().any(|l| detect::markers(&l.text) > 0);
    if !found {
        let what = if String::from_utf8_lossy(bytes.get(..64).unwrap_or(bytes)).trim_start().starts_with("ISA") {
            "an X12 interchange"
        } else {
            "text without any File Summary heading"
        };
        return Err(ParseError::NotMyFormat(format!(
            "not an Office Ally File Summary: {what} (none of {:?})",
            layout::MARKERS
        )));
    }
    let report = report::read(&text.lines);
    // The report holds copies of what it needs: the lines' memory is free for the output.
    let bom = text.bom;
    drop(text);
    let format_id = if detect::is_error_report(file_name, report.error_report_heading) {
        FORMAT_ERROR_REPORT
    } else {
        FORMAT_FILE_SUMMARY
    };
    let mut output = mapping::map(report, format_id, file_name);
    if bom {
        output.diagnostics.insert(
            0,
            Diagnostic::info("UTF-8 byte order mark skipped", Some(Position::line(1))).with_code("oa-fs-bom"),
        );
    }
    Ok(output)
}
