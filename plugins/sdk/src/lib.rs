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
//! # Large files
//!
//! The host receives the output in chunks: `register_parser!` sends what `parse` returned
//! [`stream::CHUNK_EVENTS`] events at a time. For formats whose files can be large, implement
//! [`Parser::stream`] too: an [`EventStream`] reads a piece at a time, so only one chunk of
//! events ever exists, in the plugin and in the host.
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
mod model;
mod sniff;
pub mod stream;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;
pub mod text;
// Natively nothing sends chunks but the tests.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod wire;
pub mod x12;

pub use limits::fit_host_limits;
pub use model::{ClaimRef, ParseOutput, Reason, StatusEvent};
pub use sniff::{file_name_matches, hint_confidence};
pub use stream::{collect, EventStream, Output, Whole};

#[doc(hidden)]
pub mod __private {
    wit_bindgen::generate!({
        world: "parser",
        path: "../../wit",
        pub_export_macro: true,
        export_macro_name: "export",
        additional_derives: [PartialEq, Eq, Hash],
    });

    #[cfg(target_arch = "wasm32")]
    pub use crate::stream::SessionResource;
    pub use crate::stream::Session;

    /// A chunk in the wire form, exactly as given: no cleaning, for `test-misbehave`.
    pub fn raw_chunk(events: Vec<crate::StatusEvent>, diagnostics: Vec<crate::Diagnostic>) -> claimtrack::plugin::types::Chunk {
        crate::wire::chunk(events, diagnostics)
    }
}

pub use __private::claimtrack::plugin::types::{
    Amounts, ChildFile, ClaimCounts, CodeSet, CodeTotal, Correlation, Diagnostic, FileMetadata,
    FormatInfo, Level, MalformedDetail, ParseError, Party, PluginInfo, Position, Provider,
    ProviderRole, ServiceLineRef, Severity, Source, StatusClass,
};

/// Everything a plugin usually needs, in one `use`.
pub mod prelude {
    pub use crate::{
        register_parser, Amounts, ChildFile, ClaimCounts, ClaimRef, CodeSet, CodeTotal,
        Correlation, Diagnostic, EventStream, FileMetadata, FormatInfo, Level, MalformedDetail,
        Output, ParseError, ParseOutput, Parser, Party, PluginInfo, Position, Provider,
        ProviderRole, Reason, ServiceLineRef, Severity, Source, StatusClass, StatusEvent,
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

    /// Read a file a piece at a time. The default runs [`Parser::parse`] and hands its output
    /// to the host in chunks, which is right for most files. Implement it for formats whose
    /// files can be large (a remittance of 200,000 claims is 40 MB): then only a chunk of
    /// events exists at a time, in the plugin and in the host. `parse` can then be
    /// `collect(Self::stream(file_name, contents.to_vec())?)`.
    ///
    /// A file that is not this plugin's format should be refused here, before any chunk.
    fn stream(file_name: &str, contents: Vec<u8>) -> Result<Box<dyn EventStream>, ParseError> {
        Ok(Box::new(Whole::new(Self::parse(file_name, &contents)?)))
    }
}

/// What the [`register_parser!`] export sends for a file, every chunk read back into one
/// output: `P::stream` (by default `P::parse`), each part fitted to the host's limits.
/// Natively, the output the host would receive.
pub fn parse_fitted<P: Parser>(file_name: &str, contents: &[u8]) -> Result<ParseOutput, ParseError> {
    stream::drain(__private::Session::start::<P>(file_name.to_owned(), contents.to_vec())?)
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
                    <$parser as $crate::Parser>::info()
                }

                fn sniff(file_name: ::std::string::String, head: ::std::vec::Vec<u8>) -> u8 {
                    <$parser as $crate::Parser>::sniff(&file_name, &head).min(100)
                }
            }

            impl $crate::__private::exports::claimtrack::plugin::parsing::Guest for __ClaimtrackExport {
                type Session = $crate::__private::SessionResource;

                fn parse(
                    file_name: ::std::string::String,
                    contents: ::std::vec::Vec<u8>,
                ) -> ::std::result::Result<$crate::__private::exports::claimtrack::plugin::parsing::Session, $crate::ParseError> {
                    let session = $crate::__private::Session::start::<$parser>(file_name, contents)?;
                    ::std::result::Result::Ok($crate::__private::exports::claimtrack::plugin::parsing::Session::new(
                        $crate::__private::SessionResource::new(session),
                    ))
                }
            }

            $crate::__private::export!(__ClaimtrackExport with_types_in $crate::__private);
        };
    };
}

