//! The simulator: Office Ally on a mailbox folder, driven by an explicit clock.
//!
//! [`Simulator::step`] picks up every upload in `inbound/`, decides everything about it at
//! once (ids, edits, payer verdicts, payments; `decide.rs`), records that in its state file,
//! and removes the upload; then it writes each response whose delay has elapsed by `now`. The
//! state lives in its own folder, never in the mailbox, and is saved after every change, so
//! `step` can be called again after a crash: an upload recorded but not yet removed is
//! removed (not picked up twice), and a response written but not yet recorded is rewritten
//! with the same bytes.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use x12_835::generate::Rng;

use crate::ack::{self, Ack999, SetAck};
use crate::batch::{self, Batch, Failure};
use crate::decide::{self, Decisions, Ids};
use crate::file_summary::{self, Content};
use crate::mailbox;
use crate::outcome::{self, ExpectedBatch, ExpectedClaim};
use crate::scenario::Scenario;
use crate::{claim_ack, edi_status, era};

/// The kinds of file Office Ally writes to `outbound/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ResponseKind {
    /// `FS_HCFA_<FileID>_IN_C.txt`.
    FileSummary,
    /// `<FileID>_<name>_999.999`.
    Ack999,
    /// `<FileID>_<name>_TA1.ta1` (a broken interchange).
    Ta1,
    /// `<user>_<ChildFileID>_HCFA_277ca_<date>.txt`, one per payer.
    ClaimAck277,
    /// `<FileID>_EDI_STATUS_<date>.txt`.
    EdiStatus,
    /// `<ID>_ERA_STATUS_5010_<date>.zip`, one per payer.
    Era,
}

/// One upload the simulator picked up.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Upload {
    /// The name it was uploaded under.
    pub name: String,
    /// Its master Office Ally File ID.
    pub file_id: String,
    /// The simulated time it was picked up.
    pub picked_up: DateTime<Utc>,
    /// Its size and fingerprint, to recognise it in `inbound/` after a crash.
    pub size: u64,
    /// FNV-1a of its bytes.
    pub fingerprint: u64,
    /// Removed from `inbound/` (false only between recording and removing).
    pub removed: bool,
    /// What Office Ally made of it.
    pub result: UploadResult,
    /// The responses, in the order they were planned.
    pub deliveries: Vec<Delivery>,
}

/// What Office Ally made of an upload.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum UploadResult {
    /// Failed as a whole: Office Ally created no claims. The batch is what the file holds
    /// as far as it could be read (the claims the practice sent), when it could be.
    Failed(Failure, Option<Batch>),
    /// Read: its claims and what was decided about them.
    Read {
        /// The claims read from the file.
        batch: Batch,
        /// What was decided about them.
        decisions: Decisions,
    },
}

/// One response file, planned at pickup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Delivery {
    /// What kind of response.
    pub kind: ResponseKind,
    /// The payer, for per-payer files (277CA, ERA).
    pub payer_id: Option<String>,
    /// The File ID the response is named by.
    pub file_id: String,
    /// Its name in `outbound/`.
    pub name: String,
    /// When it appears in `outbound/`.
    pub due: DateTime<Utc>,
    /// ISA13/GS06 of an X12 response.
    pub control: u32,
    /// Written to `outbound/` already.
    pub written: bool,
}

/// What one [`Simulator::step`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StepReport {
    /// Uploads picked up: (uploaded name, File ID).
    pub picked_up: Vec<(String, String)>,
    /// Names written to `outbound/`.
    pub written: Vec<String>,
    /// Uploads left in `inbound/` on purpose (scenario `hold_names`).
    pub held: Vec<String>,
}

const STATE_FILE: &str = "claimtrack-sim-state.json";
const STATE_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct State {
    version: u32,
    seed: u64,
    ids: Ids,
    uploads: Vec<Upload>,
}

/// Office Ally, simulated. See the module documentation.
pub struct Simulator {
    dir: PathBuf,
    scenario: Scenario,
    state: State,
}

impl Simulator {
    /// Open (or start) the simulator whose state is kept in `state_dir`. The state remembers
    /// the seed it was started with; opening it with another seed is an error, since the
    /// decisions already made came from the first.
    pub fn open(state_dir: &Path, scenario: Scenario) -> Result<Simulator> {
        scenario.validate()?;
        fs::create_dir_all(state_dir).with_context(|| format!("creating {}", state_dir.display()))?;
        let path = state_dir.join(STATE_FILE);
        let state = match fs::read(&path) {
            Ok(bytes) => {
                let s: State = serde_json::from_slice(&bytes).with_context(|| format!("reading {}", path.display()))?;
                if s.version != STATE_VERSION {
                    bail!("{} is state version {}, this simulator reads {STATE_VERSION}", path.display(), s.version);
                }
                if s.seed != scenario.seed {
                    bail!("{} was started with seed {}, not {}", path.display(), s.seed, scenario.seed);
                }
                s
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                State { version: STATE_VERSION, seed: scenario.seed, ids: Ids::from_seed(scenario.seed), uploads: Vec::new() }
            }
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        Ok(Simulator { dir: state_dir.to_path_buf(), scenario, state })
    }

    /// The scenario in force.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Every upload picked up so far, in pickup order.
    pub fn uploads(&self) -> &[Upload] {
        &self.state.uploads
    }

    /// When the next response not yet written is due (to move a clock straight to it).
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.state.uploads.iter().flat_map(|u| &u.deliveries).filter(|d| !d.written).map(|d| d.due).min()
    }

    /// What the simulator decided for every claim of every upload: the final status,
    /// OA Claim ID, payment and reasons, and the status after each response.
    pub fn expected_outcomes(&self) -> Vec<ExpectedClaim> {
        self.state.uploads.iter().flat_map(|u| outcome::claims(u, &self.scenario)).collect()
    }

    /// The final status of every upload's batch.
    pub fn expected_batches(&self) -> Vec<ExpectedBatch> {
        self.state.uploads.iter().map(|u| outcome::batch(u, &self.scenario)).collect()
    }

    /// Pick up uploads and write the responses due by `now` (see the module documentation).
    pub fn step(&mut self, mailbox: &Path, now: DateTime<Utc>) -> Result<StepReport> {
        let mut report = StepReport::default();
        let inbound = mailbox::inbound(mailbox);
        let outbound = mailbox::outbound(mailbox);
        let tmp = mailbox.join(".claimtrack-sim-tmp");
        fs::create_dir_all(&inbound).with_context(|| format!("creating {}", inbound.display()))?;
        fs::create_dir_all(&outbound).with_context(|| format!("creating {}", outbound.display()))?;

        // An upload recorded by a step that stopped before removing it.
        for i in 0..self.state.uploads.len() {
            if !self.state.uploads[i].removed {
                let u = &self.state.uploads[i];
                let path = inbound.join(&u.name);
                if let Ok(bytes) = fs::read(&path)
                    && bytes.len() as u64 == u.size
                    && mailbox::fingerprint(&bytes) == u.fingerprint
                {
                    fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
                }
                self.state.uploads[i].removed = true;
                self.save()?;
            }
        }

        for name in mailbox::files(&inbound)? {
            if mailbox::is_partial(&name) {
                continue;
            }
            if self.scenario.rules.hold_names.iter().any(|h| name.contains(h.as_str())) {
                report.held.push(name);
                continue;
            }
            let path = inbound.join(&name);
            let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let upload = self.pick_up(&name, &bytes, now);
            report.picked_up.push((name.clone(), upload.file_id.clone()));
            self.state.uploads.push(upload);
            self.save()?;
            fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            self.state.uploads.last_mut().expect("just pushed").removed = true;
            self.save()?;
        }

        let mut due: Vec<(DateTime<Utc>, usize, usize)> = Vec::new();
        for (u, upload) in self.state.uploads.iter().enumerate() {
            for (d, delivery) in upload.deliveries.iter().enumerate() {
                if !delivery.written && delivery.due <= now {
                    due.push((delivery.due, u, d));
                }
            }
        }
        due.sort();
        for (_, u, d) in due {
            let upload = &self.state.uploads[u];
            let delivery = &upload.deliveries[d];
            let bytes = render(upload, delivery, &self.scenario)?;
            mailbox::write_atomic(&tmp, &outbound, &delivery.name, &bytes)?;
            report.written.push(delivery.name.clone());
            self.state.uploads[u].deliveries[d].written = true;
            self.save()?;
        }
        Ok(report)
    }

    fn save(&self) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(&self.state)?;
        mailbox::write_atomic(&self.dir, &self.dir, STATE_FILE, &bytes)
    }

    /// Record an upload: its File ID, what Office Ally makes of it, and its responses.
    fn pick_up(&mut self, name: &str, bytes: &[u8], now: DateTime<Utc>) -> Upload {
        let ids = &mut self.state.ids;
        let delays = &self.scenario.delays;
        let file_id = ids.next_file_id();
        let mut rng = Rng(self.scenario.seed ^ ids.file_id.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut deliveries = Vec::new();
        let mut plan = |kind: ResponseKind, payer_id: Option<String>, file_id: String, name: String, control: u32| {
            deliveries.push(Delivery { kind, payer_id, file_id, name, due: now + delays.of(kind), control, written: false });
        };
        let result = match batch::read(bytes) {
            Err(failure) => {
                match &failure {
                    Failure::NotX12 { .. } => {}
                    Failure::Interchange { .. } => {
                        plan(ResponseKind::Ta1, None, file_id.clone(), ack::name_ta1(&file_id, name), ids.next_control())
                    }
                    Failure::Group { .. } => {
                        plan(ResponseKind::Ack999, None, file_id.clone(), ack::name_999(&file_id, name), ids.next_control())
                    }
                }
                UploadResult::Failed(failure, batch::read_claims_anyway(bytes))
            }
            Ok(batch) => {
                plan(ResponseKind::Ack999, None, file_id.clone(), ack::name_999(&file_id, name), ids.next_control());
                let claim_ack_at = (now + delays.of(ResponseKind::ClaimAck277)).naive_utc();
                let decisions = decide::decide(&batch, &self.scenario.rules, &mut rng, ids, &claim_ack_at.format("%Y%j").to_string());
                for child in &decisions.children {
                    let forwarded = batch.claims.iter().zip(&decisions.claims).any(|(c, d)| c.payer_id == child.payer_id && d.payer.is_some());
                    if forwarded {
                        let n = claim_ack::file_name(&batch.submitter_id, &child.file_id, claim_ack_at);
                        plan(ResponseKind::ClaimAck277, Some(child.payer_id.clone()), child.file_id.clone(), n, ids.next_control());
                    }
                }
                if decisions.claims.iter().any(|d| d.payer.is_some()) {
                    let id = ids.next_file_id();
                    let n = edi_status::file_name(&id, (now + delays.of(ResponseKind::EdiStatus)).date_naive());
                    plan(ResponseKind::EdiStatus, None, id, n, 0);
                }
                for child in &decisions.children {
                    if era::has_payments(&batch, &decisions, &child.payer_id) {
                        let id = ids.next_file_id();
                        let n = era::names(&id, (now + delays.of(ResponseKind::Era)).naive_utc()).zip;
                        plan(ResponseKind::Era, Some(child.payer_id.clone()), id, n, ids.next_control());
                    }
                }
                UploadResult::Read { batch, decisions }
            }
        };
        // The File Summary comes first in the plan: it is what a person reads first.
        deliveries.insert(0, Delivery {
            kind: ResponseKind::FileSummary,
            payer_id: None,
            file_id: file_id.clone(),
            name: file_summary::file_name(&file_id),
            due: now + delays.of(ResponseKind::FileSummary),
            control: 0,
            written: false,
        });
        Upload {
            name: name.to_string(),
            file_id,
            picked_up: now,
            size: bytes.len() as u64,
            fingerprint: mailbox::fingerprint(bytes),
            removed: false,
            result,
            deliveries,
        }
    }
}

/// Office Ally's practice id for a submitter, as the EDI Status report prints it.
fn practice_id(seed: u64, submitter: &str) -> String {
    format!("P1{:05}", Rng(seed ^ mailbox::fingerprint(submitter.as_bytes())).below(100_000))
}

/// The bytes of one response.
pub fn render(upload: &Upload, d: &Delivery, scenario: &Scenario) -> Result<Vec<u8>> {
    let at = d.due.naive_utc();
    let picked = upload.picked_up.naive_utc();
    Ok(match (&upload.result, d.kind) {
        (UploadResult::Failed(f, _), ResponseKind::FileSummary) => {
            file_summary::render(&upload.file_id, &upload.name, picked.date(), at.date(), Content::Failed(f))
        }
        (UploadResult::Read { batch, decisions }, ResponseKind::FileSummary) => {
            file_summary::render(&upload.file_id, &upload.name, picked.date(), at.date(), Content::Read(batch, decisions))
        }
        (UploadResult::Failed(Failure::Interchange { control, date, time, submitter_id, note, .. }, _), ResponseKind::Ta1) => {
            ack::render_ta1(submitter_id, control, date, time, note, at, d.control)
        }
        (UploadResult::Failed(Failure::Group { control, submitter_id, group_errors, sets, .. }, _), ResponseKind::Ack999) => {
            let ack = Ack999 {
                submitter_id: submitter_id.clone(),
                group_control: control.clone(),
                sets: sets.iter().map(|(c, e)| SetAck { control: c.clone(), errors: e.clone(), segment_errors: vec![] }).collect(),
                group_errors: group_errors.clone(),
                reject_whole: true,
            };
            ack::render_999(&ack, at, d.control)
        }
        (UploadResult::Read { batch, .. }, ResponseKind::Ack999) => {
            let ack = Ack999 {
                submitter_id: batch.submitter_id.clone(),
                group_control: batch.group_control.clone(),
                sets: batch.set_controls.iter().map(|c| SetAck { control: c.clone(), errors: vec![], segment_errors: vec![] }).collect(),
                group_errors: vec![],
                reject_whole: false,
            };
            ack::render_999(&ack, at, d.control)
        }
        (UploadResult::Read { batch, decisions }, ResponseKind::ClaimAck277) => {
            claim_ack::render(batch, decisions, d.payer_id.as_deref().unwrap_or(""), picked, at, d.control)
        }
        (UploadResult::Read { batch, decisions }, ResponseKind::EdiStatus) => {
            let processed = (upload.picked_up + scenario.delays.of(ResponseKind::ClaimAck277)).date_naive();
            edi_status::render(batch, decisions, at.date(), processed, &practice_id(scenario.seed, &batch.submitter_id))
        }
        (UploadResult::Read { batch, decisions }, ResponseKind::Era) => {
            let payer = d.payer_id.as_deref().unwrap_or("");
            let names = era::names(&d.file_id, at);
            let x835 = era::render_835(batch, decisions, payer, at, d.control);
            let summary = era::render_summary(batch, decisions, payer, &d.file_id, at, d.control);
            era::zip(&names, &x835, &summary)?
        }
        (_, kind) => bail!("no {kind:?} is planned for this upload"),
    })
}
