//! The claimtrack plugin SDK.
//!
//! A plugin reads one clearinghouse or payer file format and maps it onto claimtrack's
//! shared status model (`wit/types.wit`). Writing one takes one `impl Parser` and one
//! macro line:
//!
//! ```ignore
//! use claimtrack_plugin_sdk::prelude::*;
//!
//! struct MyPayerCsv;
//!
//! impl Parser for MyPayerCsv {
//!     fn info() -> PluginInfo {
//!         PluginInfo {
//!             name: "my-payer-csv".into(),
//!             version: env!("CARGO_PKG_VERSION").into(),
//!             description: "Acme payer status CSV".into(),
//!             formats: vec![FormatInfo {
//!                 id: "acme-status-csv".into(),
//!                 description: "Acme claim status export".into(),
//!                 file_name_hints: vec!["ACME_*.csv".into()],
//!             }],
//!         }
//!     }
//!
//!     fn parse(file_name: &str, contents: &[u8]) -> Result<ParseOutput, ParseError> {
//!         todo!()
//!     }
//! }
//!
//! register_parser!(MyPayerCsv);
//! ```
//!
//! # Start here
//!
//! `claimtrack plugin new NAME` creates a project with this SDK vendored, a sample parser,
//! a sample fixture and its expected output; `plugins/README.md` in claimtrack's repository
//! is the author's guide. In short:
//!
//! ```text
//! cargo build --target wasm32-wasip2 --release      # the plugin: target/wasm32-wasip2/release/<crate>.wasm
//! cargo test                                        # unit tests, natively
//! claimtrack plugin test <plugin>.wasm fixtures     # fixtures through the real sandbox
//! claimtrack plugin install <plugin>.wasm           # copied into the data folder, pinned by SHA-256
//! ```
//!
//! # The model
//!
//! [`Parser::parse`] returns a [`ParseOutput`]: [`FileMetadata`] about the file, a list of
//! [`StatusEvent`]s (one per statement the file makes about an interchange, group,
//! transaction set, claim or service line: its [`Level`], [`Source`], [`StatusClass`], the
//! code as sent, coded [`Reason`]s, the [`ClaimRef`] it is about, [`Amounts`] in integer
//! cents, dates in ISO 8601), and [`Diagnostic`]s for what the plugin had to tolerate. A
//! file that is not the plugin's is [`ParseError::NotMyFormat`]; one too broken to read is
//! [`ParseError::Malformed`]. Report what the file says and leave out what cannot be read
//! (with a warning); claimtrack derives batch and claim statuses itself, and validates
//! everything a plugin returns. `wit/types.wit` documents every field.
//!
//! # Helpers
//!
//! - [`text`]: reports and CSV exports: [`text::lines`], [`text::csv_fields`],
//!   [`text::date_mdy`], [`text::money_cents`], [`text::person_name`];
//! - [`x12`]: a tolerant X12 tokenizer (delimiters, several envelopes, wrapping, truncation);
//! - [`hint_confidence`] / [`file_name_matches`]: the file-name hints of [`Parser::info`];
//! - [`StatusEvent::new`], [`FileMetadata::new`], [`Reason::new`], [`Diagnostic::warning`]
//!   and the `Default`s of the optional parts, so a plugin names only what it knows.
//!
//! # The sandbox
//!
//! A plugin runs in a fresh instance for every call, with no files, no network, no
//! environment and a frozen clock, under memory, time, stack and output limits. It keeps no
//! state between calls (the trait's methods take no `self`), and everything it needs is
//! compiled in. A panic costs the one file being read, with its message shown to the user.
//!
//! The generated WIT bindings are private; the model types are re-exported below under
//! the names the WIT gives them (`status-event` is [`StatusEvent`], and so on).

pub mod limits;
mod sniff;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;
pub mod text;
pub mod x12;

pub use limits::fit_host_limits;
pub use sniff::{file_name_matches, hint_confidence};

#[cfg(all(target_arch = "wasm32", feature = "skip-output-frees"))]
mod teardown;

#[doc(hidden)]
pub mod __private {
    /// Called by `register_parser!` when an export starts.
    #[inline]
    pub fn call_started() {
        #[cfg(all(target_arch = "wasm32", feature = "skip-output-frees"))]
        crate::teardown::call_started();
    }

    /// Called by `register_parser!` once `parse`'s output is built and fitted.
    #[inline]
    pub fn output_built() {
        #[cfg(all(target_arch = "wasm32", feature = "skip-output-frees"))]
        crate::teardown::output_built();
    }

    wit_bindgen::generate!({
        world: "parser",
        path: "../../wit",
        pub_export_macro: true,
        export_macro_name: "export",
        additional_derives: [PartialEq],
    });
}

pub use __private::claimtrack::plugin::types::{
    Amounts, ChildFile, ClaimCounts, ClaimRef, CodeSet, CodeTotal, Correlation, Diagnostic,
    FileMetadata, FormatInfo, Level, MalformedDetail, ParseError, ParseOutput, Party, PluginInfo,
    Position, Provider, ProviderRole, Reason, ServiceLineRef, Severity, Source, StatusClass,
    StatusEvent,
};

/// Everything a plugin usually needs, in one `use`.
pub mod prelude {
    pub use crate::{
        register_parser, Amounts, ChildFile, ClaimCounts, ClaimRef, CodeSet, CodeTotal,
        Correlation, Diagnostic, FileMetadata, FormatInfo, Level, MalformedDetail, ParseError,
        ParseOutput, Parser, Party, PluginInfo, Position, Provider, ProviderRole, Reason,
        ServiceLineRef, Severity, Source, StatusClass, StatusEvent,
    };
}

/// A file-format parser. Implement this once per plugin and export it with
/// [`register_parser!`].
///
/// Methods are associated functions: the host runs every call in a fresh instance, so a
/// plugin has no state to keep between calls.
pub trait Parser {
    /// Name, version and the formats this plugin reads.
    fn info() -> PluginInfo;

    /// How sure the plugin is (0–100) that it reads this file, from the file name and its
    /// first bytes (at most 4096).
    ///
    /// The default looks only at the file-name hints of [`Parser::info`]: 30 when a hint
    /// matches, 0 otherwise. Override it to look at the content, which is what a careful
    /// plugin does: file names lie.
    fn sniff(file_name: &str, head: &[u8]) -> u8 {
        let _ = head;
        hint_confidence(&Self::info(), file_name)
    }

    /// Parse one whole file into metadata, status events and diagnostics.
    fn parse(file_name: &str, contents: &[u8]) -> Result<ParseOutput, ParseError>;
}

/// What the [`register_parser!`] export returns for a file: `P::parse`, then
/// [`fit_host_limits`]. Natively, the output the host would receive.
pub fn parse_fitted<P: Parser>(file_name: &str, contents: &[u8]) -> Result<ParseOutput, ParseError> {
    let mut output = P::parse(file_name, contents)?;
    fit_host_limits(&mut output);
    Ok(output)
}

/// Export a [`Parser`] implementation as the plugin's component exports.
///
/// On targets other than wasm32 this expands to nothing, so the same crate compiles
/// natively for unit tests and benchmarks.
#[macro_export]
macro_rules! register_parser {
    ($parser:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            struct __ClaimtrackExport;

            impl $crate::__private::Guest for __ClaimtrackExport {
                fn describe() -> $crate::PluginInfo {
                    $crate::__private::call_started();
                    <$parser as $crate::Parser>::info()
                }

                fn sniff(file_name: ::std::string::String, head: ::std::vec::Vec<u8>) -> u8 {
                    $crate::__private::call_started();
                    <$parser as $crate::Parser>::sniff(&file_name, &head).min(100)
                }

                fn parse(
                    file_name: ::std::string::String,
                    contents: ::std::vec::Vec<u8>,
                ) -> ::std::result::Result<$crate::ParseOutput, $crate::ParseError> {
                    $crate::__private::call_started();
                    let output = $crate::parse_fitted::<$parser>(&file_name, &contents)?;
                    // Freed while frees still happen, so lowering the output can reuse the
                    // input's memory; after `output_built` nothing is freed.
                    ::std::mem::drop((file_name, contents));
                    $crate::__private::output_built();
                    ::std::result::Result::Ok(output)
                }
            }

            $crate::__private::export!(__ClaimtrackExport with_types_in $crate::__private);
        };
    };
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
impl Default for ClaimRef {
    fn default() -> Self {
        ClaimRef {
            patient_control_number: None,
            clearinghouse_claim_id: None,
            payer_claim_number: None,
            patient_name: None,
            member_id: None,
            service_date_from: None,
            service_date_to: None,
            frequency_code: None,
            patient_birth_date: None,
            payer: None,
            providers: Vec::new(),
            diagnosis_codes: Vec::new(),
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
