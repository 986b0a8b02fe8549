//! First-party plugins, compiled by `host/build.rs` for `wasm32-wasip2` and embedded in the
//! binary so claimtrack works after one `cargo build`, with no separate install step.

mod generated {
    include!(concat!(env!("OUT_DIR"), "/plugins.rs"));
}

/// Every first-party plugin as (crate name, component bytes), in build.rs order.
pub fn first_party() -> impl Iterator<Item = (&'static str, &'static [u8])> {
    generated::FIRST_PARTY.iter().copied()
}

/// Path of the `test-misbehave` component (built, not embedded): for the sandbox tests only.
pub(crate) fn test_misbehave_wasm_path() -> &'static str {
    generated::TEST_MISBEHAVE_WASM
}

/// Path of the `test-old-wit` component, built against `claimtrack:plugin@0.1.0` (built, not
/// embedded): for the WIT version tests only.
pub(crate) fn test_old_wit_wasm_path() -> &'static str {
    generated::TEST_OLD_WIT_WASM
}
