//! claimtrack plugin: X12 835 Health Care Claim Payment/Advice (ERA) → status events.
//!
//! One format id, `x12-835`, for 005010X221A1 and the older 004010X091A1 (the metadata's
//! `implementation` field, GS08, tells them apart). See `remit.rs` for the loop layout,
//! `status.rs` for the CLP02 mapping, `codes.rs` for the code tables.

use claimtrack_plugin_sdk::prelude::*;

mod codes;
mod composite;
mod notes;
mod parse;
mod remit;
mod status;

#[cfg(not(target_arch = "wasm32"))]
pub mod generate;

pub use parse::{FORMAT_ID, parse_bytes, sniff_bytes};

/// The plugin (public so native callers can use `Parser::info` and `Parser::sniff` too).
pub struct X12Remittance;

impl Parser for X12Remittance {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "x12-835".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "X12 835 electronic remittance advice: payments, claim paid/denied/reversed, adjustments".into(),
            formats: vec![FormatInfo {
                id: FORMAT_ID.into(),
                description: "X12 835 Health Care Claim Payment/Advice (005010X221A1; 004010X091A1 also read)".into(),
                file_name_hints: vec!["*.835".into(), "*_835_*".into(), "*_835.*".into(), "*.era".into()],
            }],
        }
    }

    fn sniff(_file_name: &str, head: &[u8]) -> u8 {
        sniff_bytes(head)
    }

    fn parse(file_name: &str, contents: &[u8]) -> Result<ParseOutput, ParseError> {
        claimtrack_plugin_sdk::collect(Self::stream(file_name, contents.to_vec())?)
    }

    fn stream(_file_name: &str, contents: Vec<u8>) -> Result<Box<dyn EventStream>, ParseError> {
        parse::stream(contents)
    }
}

register_parser!(X12Remittance);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_lists_the_format() {
        let info = X12Remittance::info();
        assert_eq!(info.name, "x12-835");
        assert_eq!(info.formats.len(), 1);
        assert_eq!(info.formats[0].id, "x12-835");
        assert!(claimtrack_plugin_sdk::file_name_matches(&info.formats[0].file_name_hints[0], "abc.835"));
    }
}
