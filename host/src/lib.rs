//! claimtrack: track electronic medical claims sent through the Office Ally clearinghouse.
//!
//! The library behind the `claimtrack` command, for clinic software that embeds it. Start
//! from [`tracker::Tracker`]: one data folder (the archive of every file, and the statuses
//! derived from them), opened with a [`clock::Clock`].
//! - [`Tracker::ingest`](tracker::Tracker::ingest) archives a file and stores what it says;
//!   [`Tracker::submit`](tracker::Tracker::submit) checks and queues an 837.
//! - [`Tracker::batches`](tracker::Tracker::batches), [`batch`](tracker::Tracker::batch),
//!   [`claim`](tracker::Tracker::claim), [`search_claims`](tracker::Tracker::search_claims),
//!   [`errors`](tracker::Tracker::errors) and [`alerts`](tracker::Tracker::alerts) are the
//!   views billing staff read; statuses are the [`tracking::status`] enums.
//! - [`Tracker::changes_since`](tracker::Tracker::changes_since) is the change feed: what
//!   changed since a cursor, from every process using the folder, by stable ids.
//! - [`serve`] is the same over HTTP for other languages (docs/embedding.md), and
//!   [`contract`] the JSON both speak (docs/json.md).
//!
//! Below it: [`plugins::PluginSet`] loads the sandboxed parser plugins and picks one per
//! file, [`model`] is the validated status model their output becomes, and [`runtime`] is
//! the WebAssembly sandbox itself.
//!
//! ```no_run
//! use claimtrack::{clock::Clock, ingest::FileOrigin, paths::DataDir, tracker::Tracker};
//!
//! let (mut tracker, _plugin_problems) = Tracker::open(&DataDir::new("/var/lib/claimtrack"), Clock::System)?;
//! tracker.ingest("response.999", &FileOrigin::Ingest, &std::fs::read("response.999")?)?;
//! let mut since = 0; // keep it in your own database
//! for change in tracker.changes_since(since, 500)? {
//!     println!("{} {:?}", change.cursor, change.what);
//!     since = change.cursor;
//! }
//! for batch in tracker.batches()? {
//!     println!("{} {} {}", batch.uid, batch.name, batch.status);
//! }
//! # Ok::<(), anyhow::Error>(())
//! ```

// Plugin errors carry the plugin's identity and its message; they are the rare path, and
// boxing them would only make every match noisier.
#![allow(clippy::result_large_err)]
// Every public item is part of the embedding API and must say what it is for; items public
// only for the CLI binary or the tests are `#[doc(hidden)]` instead.
#![warn(missing_docs)]

pub mod claim_checks;
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
pub mod webhooks;
