//! claimtrack plugin for Office Ally's own text reports that are not the File Summary.
//!
//! Formats:
//! - `oa-edi-status`: the EDI Status report (`<FileID>_EDI_STATUS_<YYYYMMDD>.txt`), payer
//!   acknowledgements relayed by Office Ally: one claim-level `payer` event per row.
//! - `oa-era-summary`: the ERA text summary (`<ID>_ERA_STATUS_5010_<YYYYMMDD>.txt`) found in
//!   the ERA zip beside the 835: metadata only, never money or statuses.
//!
//! Sniffing is by content: the EDI Status table header ("File ID … Claim ID … Status") with
//! ACCEPTED/REJECTED rows is 95; ERA summary markers with its file name 90, without it 60; a
//! file name alone 30; X12 or binary content 0. Layout assumptions live in `layout`.

mod columns;
mod edi_status;
mod era_summary;
mod layout;

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::text::{self, Text};
use claimtrack_plugin_sdk::{file_name_matches, x12};

pub use layout::{FORMAT_EDI_STATUS, FORMAT_ERA_SUMMARY};

/// Diagnostic codes, for programs and tests.
pub mod codes {
    pub use crate::edi_status::{
        CODE_BAD_AMOUNT, CODE_BAD_DATE, CODE_COLUMNS, CODE_NO_CLAIM_KEY, CODE_NO_HEADER, CODE_NO_STATUS,
        CODE_UNKNOWN_LINE, CODE_UNKNOWN_STATUS, CODE_UNREAD_ROW,
    };
    pub use crate::era_summary::CODE_DISPLAY_ONLY;
    pub const CODE_BOM: &str = "oa-text-bom";
    pub const CODE_LATIN1: &str = "oa-text-latin1";
}

pub struct OaEdiStatus;

fn hints(list: &[&str]) -> Vec<String> {
    list.iter().map(|h| h.to_string()).collect()
}

impl Parser for OaEdiStatus {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "oa-edi-status".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Office Ally EDI Status report (payer acknowledgements) and ERA text summary".into(),
            formats: vec![
                FormatInfo {
                    id: FORMAT_EDI_STATUS.into(),
                    description: "Office Ally EDI Status report: payer acceptances and rejections per claim".into(),
                    file_name_hints: hints(layout::EDI_STATUS_NAME_HINTS),
                },
                FormatInfo {
                    id: FORMAT_ERA_SUMMARY.into(),
                    description: "Office Ally ERA text summary (display only; the 835 beside it carries the payments)"
                        .into(),
                    file_name_hints: hints(layout::ERA_SUMMARY_NAME_HINTS),
                },
            ],
        }
    }

    fn sniff(file_name: &str, head: &[u8]) -> u8 {
        sniff(file_name, head)
    }

    fn parse(file_name: &str, contents: &[u8]) -> Result<ParseOutput, ParseError> {
        // Fitted to the host's limits by the export (`register_parser!`), once.
        parse_unfitted(file_name, contents)
    }
}

register_parser!(OaEdiStatus);

fn name_hits(file_name: &str, hints: &[&str]) -> bool {
    hints.iter().any(|h| file_name_matches(h, file_name))
}

/// How sure we are that the file is one of ours (see the crate doc).
pub fn sniff(file_name: &str, head: &[u8]) -> u8 {
    if text::looks_binary(head) || x12::sniff_head(head).is_some() {
        return 0;
    }
    let t = read_text(head);
    if let Some(h) = edi_status::find_header(&t) {
        let rows = t.lines.iter().any(|l| l.number > h.number && edi_status::has_status_word(&l.text));
        return if rows { 95 } else { 85 };
    }
    let joined: String = t.lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("\n");
    let markers = layout::era_marker_count(&joined);
    let era_name = name_hits(file_name, layout::ERA_SUMMARY_NAME_HINTS);
    if era_name && markers >= 1 {
        return 90;
    }
    if markers >= 2 {
        return 60;
    }
    if era_name || name_hits(file_name, layout::EDI_STATUS_NAME_HINTS) {
        return 30;
    }
    0
}

/// The report's lines as printed: columns are character indexes after tabs are expanded to
/// the layout's stops, and trailing blanks are dropped.
fn read_text(bytes: &[u8]) -> Text {
    let mut t = text::lines(bytes);
    for line in &mut t.lines {
        // A printable ASCII line is already as printed (`expand_tabs` would copy it
        // unchanged): trimmed where it is rather than copied twice.
        if line.text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            line.text.truncate(line.text.trim_end().len());
        } else {
            line.text = text::expand_tabs(&line.text, layout::TAB_WIDTH).trim_end().to_string();
        }
    }
    t
}

/// Parse an EDI Status report or an ERA text summary: what the WASM export returns (the
/// output fitted to the host's limits), callable natively.
pub fn parse_bytes(file_name: &str, bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    claimtrack_plugin_sdk::parse_fitted::<OaEdiStatus>(file_name, bytes)
}

/// An EDI Status report's or ERA text summary's output, before `fit_host_limits`.
fn parse_unfitted(file_name: &str, bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    if let Some(head) = x12::sniff_head(bytes) {
        let kind = head.transaction_kind.unwrap_or_else(|| "no transaction set".into());
        return Err(ParseError::NotMyFormat(format!(
            "X12 content ({kind}), not an Office Ally EDI Status report or ERA text summary"
        )));
    }
    if text::looks_binary(bytes) {
        return Err(ParseError::NotMyFormat(
            "binary content (NUL bytes), not an Office Ally text report; an ERA zip must be unpacked first".into(),
        ));
    }
    let t = read_text(bytes);
    let mut diagnostics = Vec::new();
    if t.bom {
        diagnostics.push(Diagnostic::info("UTF-8 byte order mark skipped", None).with_code(codes::CODE_BOM));
    }
    if t.latin1_lines > 0 {
        diagnostics.push(
            Diagnostic::info(format!("{} line(s) were not UTF-8 and were read as Latin-1", t.latin1_lines), None)
                .with_code(codes::CODE_LATIN1),
        );
    }

    let out = if edi_status::find_header(&t).is_some() {
        edi_status_output(file_name, &t, diagnostics)
    } else {
        let joined: String = t.lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("\n");
        let markers = layout::era_marker_count(&joined);
        let era_name = layout::name_parts(file_name, layout::ERA_SUMMARY_NAME_KEY).is_some();
        if markers >= 2 || (era_name && markers >= 1) {
            era_summary::read(file_name, &mut diagnostics)
        } else if layout::name_parts(file_name, layout::EDI_STATUS_NAME_KEY).is_some() {
            headerless_edi_status(file_name, &t, diagnostics)?
        } else if era_name {
            diagnostics.push(Diagnostic::warning(
                "none of the ERA summary's markers (Check#, Payer Claim Control Number:) were found; read by its file name",
                None,
            ));
            era_summary::read(file_name, &mut diagnostics)
        } else {
            return Err(ParseError::NotMyFormat(
                "text without the EDI Status column header (File ID, OA Claim ID, Status) or ERA summary markers (Check#, Payer Claim Control Number:)".into(),
            ));
        }
    };
    Ok(out)
}

fn edi_status_metadata(file_name: &str) -> FileMetadata {
    let mut metadata = FileMetadata::new(FORMAT_EDI_STATUS);
    if let Some(parts) = layout::name_parts(file_name, layout::EDI_STATUS_NAME_KEY) {
        metadata.clearinghouse_file_id = parts.file_id;
        metadata.created = parts.date;
    }
    metadata
}

fn edi_status_output(file_name: &str, t: &Text, mut diagnostics: Vec<Diagnostic>) -> ParseOutput {
    let events = edi_status::read(t, &mut diagnostics);
    if events.is_empty() {
        diagnostics.push(Diagnostic::info("the status table has no claim rows", None));
    }
    ParseOutput { metadata: edi_status_metadata(file_name), events, diagnostics }
}

/// Named as an EDI Status report but without its column header: rows we cannot place are
/// a broken file; no rows at all is an empty report.
fn headerless_edi_status(
    file_name: &str,
    t: &Text,
    mut diagnostics: Vec<Diagnostic>,
) -> Result<ParseOutput, ParseError> {
    if let Some(line) = t.lines.iter().find(|l| edi_status::looks_like_row(&l.text)) {
        return Err(ParseError::Malformed(MalformedDetail {
            message: format!(
                "line {} has a claim status but the file has no column header line (File ID, OA Claim ID, Status) to read it by",
                line.number
            ),
            position: Some(line.position()),
        }));
    }
    diagnostics.push(
        Diagnostic::warning(
            "no column header line (File ID, OA Claim ID, Status) and no claim rows; nothing read",
            None,
        )
        .with_code(codes::CODE_NO_HEADER),
    );
    Ok(ParseOutput { metadata: edi_status_metadata(file_name), events: Vec::new(), diagnostics })
}
