//! claimtrack: track electronic medical claims sent through the Office Ally clearinghouse.
//!
//! The library behind the `claimtrack` command, for clinic software that embeds it:
//! - [`plugins::PluginSet`] loads the sandboxed parser plugins and picks one per file;
//! - [`model`] is the validated status model every plugin's output becomes;
//! - [`runtime`] is the WebAssembly sandbox itself (limits, typed errors, compile cache);
//! - [`paths::DataDir`] is where data lives.
//!
//! ```no_run
//! use claimtrack::{plugins::PluginSet, runtime::Limits};
//!
//! let (plugins, _problems) = PluginSet::open(None, Limits::default())?;
//! let bytes = std::fs::read("response.999")?;
//! let report = plugins.parse("response.999", &bytes, None)?;
//! for event in &report.parsed.events {
//!     println!("{:?} {} {}", event.level, event.status.as_str(), event.raw_code);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Plugin errors carry the plugin's identity and its message; they are the rare path, and
// boxing them would only make every match noisier.
#![allow(clippy::result_large_err)]
// Every public item is part of the embedding API and must say what it is for; items public
// only for the CLI binary or the tests are `#[doc(hidden)]` instead.
#![warn(missing_docs)]

mod claim_checks;
pub mod cli;
pub mod clock;
pub mod config;
pub mod contract;
pub mod doctor;
pub mod ingest;
pub mod model;
pub mod ownership;
pub mod package;
pub mod paths;
pub mod plugin_install;
pub mod plugin_new;
pub mod plugin_test;
pub mod plugins;
pub mod runtime;
pub mod serve;
pub mod store;
pub mod submit;
pub mod sync;
pub mod tracker;
pub mod tracking;
pub mod transport;
