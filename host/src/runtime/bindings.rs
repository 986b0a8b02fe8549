//! Host bindings for the `parser` world of `wit/types.wit` (`claimtrack:plugin@0.1.x`).
//!
//! Generated types stay inside the crate: `crate::model` converts them into the host's own
//! model types (and validates them) before anything else sees them. Nothing here is `pub`
//! outside the crate.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "parser",
    // `PartialEq` lets tests and the model layer compare raw values; `Clone`/`Debug` are
    // generated anyway.
    additional_derives: [PartialEq],
});

pub(crate) use self::claimtrack::plugin::types::*;

/// The WIT package version this host was built against (`package claimtrack:plugin@…`).
pub(crate) const WIT_PACKAGE: &str = "claimtrack:plugin";
pub(crate) const WIT_VERSION: &str = "0.1.1";
/// The functions the `parser` world requires a plugin to export.
pub(crate) const REQUIRED_EXPORTS: [&str; 3] = ["describe", "sniff", "parse"];
