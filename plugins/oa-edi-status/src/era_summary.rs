//! The ERA text summary that travels in the ERA zip beside the 835.
//!
//! It repeats the 835 for people. Reading money or paid/denied statuses from it would count
//! every payment twice and trust a display format over the X12, so it yields no events: only
//! what the file name says (File ID, date) and a note that it was seen.

use claimtrack_plugin_sdk::prelude::*;

use crate::layout::{self, ERA_DISPLAY_ONLY, FORMAT_ERA_SUMMARY};

pub const CODE_DISPLAY_ONLY: &str = "oa-era-summary-display-only";

pub fn read(file_name: &str, diagnostics: &mut Vec<Diagnostic>) -> ParseOutput {
    let mut metadata = FileMetadata::new(FORMAT_ERA_SUMMARY);
    if let Some(parts) = layout::name_parts(file_name, layout::ERA_SUMMARY_NAME_KEY) {
        metadata.clearinghouse_file_id = parts.file_id;
        metadata.created = parts.date;
    }
    diagnostics.push(Diagnostic::info(ERA_DISPLAY_ONLY, None).with_code(CODE_DISPLAY_ONLY));
    ParseOutput { metadata, events: Vec::new(), diagnostics: std::mem::take(diagnostics) }
}
