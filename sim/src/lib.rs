//! claimtrack-sim: Office Ally, simulated, for claimtrack's demo, end-to-end tests and
//! benchmarks. Test and demo tooling only; never part of a user's normal path.
//!
//! - [`Simulator`] plays Office Ally on a mailbox folder (`inbound/`, `outbound/`): it picks
//!   up uploaded 837s and, after the scenario's delays, writes the File Summary, the 999 (or a
//!   TA1), the payers' 277CAs, the EDI Status report and the ERA zips. Time is whatever the
//!   caller says it is ([`Simulator::step`] takes `now`); everything else follows from the
//!   [`Scenario`] and its seed. [`Simulator::expected_outcomes`] says what claimtrack should
//!   show for every claim once it has read those files.
//! - [`generate::generate_837`] writes synthetic Office Ally-compliant 837P batches, with
//!   knobs to plant the flaws the scenario rules react to.
//! - [`generate`] also has the benchmark workloads (835, 277CA, 999, File Summary of any size).
//!
//! Every file written is valid X12 (or Office Ally's text layouts) and is read by claimtrack's
//! own plugins; `tests/` checks both with the plugin crates compiled natively.

#![warn(missing_docs)]

pub mod ack;
pub mod batch;
pub mod claim_ack;
pub mod decide;
pub mod edi_status;
pub mod era;
pub mod file_summary;
pub mod generate;
pub mod mailbox;
pub mod outcome;
pub mod receiver;
pub mod scenario;
pub mod simulator;
pub mod text;
pub mod x12;

pub use generate::{EnvelopeBreak, Options837, Payer, generate_837};
pub use outcome::{ExpectedBatch, ExpectedClaim, ExpectedReason, Milestone};
pub use scenario::{Delays, EraMix, Rules, Scenario};
pub use simulator::{Delivery, ResponseKind, Simulator, StepReport, Upload, UploadResult};
