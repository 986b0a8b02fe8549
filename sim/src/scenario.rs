//! A scenario: the seed, the delays, and the rules that decide every outcome. Built in code
//! (`Scenario::default()` and struct update syntax) or loaded from TOML or JSON; every field
//! has a default, so a file names only what it changes:
//!
//! ```toml
//! seed = 7
//! [delays]
//! era_minutes = 4320
//! [rules]
//! rejecting_payers = ["CSM02"]
//! payer_reject_percent = 50
//! ```

use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::Duration;
use serde::{Deserialize, Serialize};

/// Everything that decides what the simulator answers and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Seed of every choice (ids, which claims a payer rejects, payment outcomes, amounts).
    pub seed: u64,
    /// When each response appears.
    pub delays: Delays,
    /// What each response says.
    pub rules: Rules,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario { seed: 1, delays: Delays::default(), rules: Rules::default() }
    }
}

impl Scenario {
    /// A default scenario with this seed.
    pub fn with_seed(seed: u64) -> Self {
        Scenario { seed, ..Scenario::default() }
    }

    /// Load a scenario from a `.toml` or `.json` file (by extension; anything else is read
    /// as TOML).
    pub fn load(path: &Path) -> Result<Scenario> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let is_json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let s: Scenario = if is_json {
            serde_json::from_str(&text).with_context(|| format!("{} is not a scenario (JSON)", path.display()))?
        } else {
            toml::from_str(&text).with_context(|| format!("{} is not a scenario (TOML)", path.display()))?
        };
        s.validate()?;
        Ok(s)
    }

    /// Reject values that cannot be meant (percentages over 100).
    pub fn validate(&self) -> Result<()> {
        let r = &self.rules;
        if r.payer_reject_percent > 100 {
            bail!("rules.payer_reject_percent is over 100");
        }
        let era = &r.era;
        if u32::from(era.denied_percent) + u32::from(era.partial_percent) + u32::from(era.reversal_percent) > 100 {
            bail!("rules.era: denied + partial + reversal percentages are over 100");
        }
        Ok(())
    }
}

/// Minutes from pickup until each response appears in `outbound/`. The defaults follow
/// office-ally.md §1.4: reports within hours of upload, payer acknowledgements in a day or
/// two, the remittance after about ten days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Delays {
    /// The File Summary (`FS_HCFA_…`).
    pub file_summary_minutes: u32,
    /// The 999, or the TA1 of an interchange that failed.
    pub ack_minutes: u32,
    /// The payers' 277CAs.
    pub claim_ack_minutes: u32,
    /// The EDI Status report.
    pub edi_status_minutes: u32,
    /// The ERA zips (835 + text summary).
    pub era_minutes: u32,
}

impl Default for Delays {
    fn default() -> Self {
        Delays {
            file_summary_minutes: 120,
            ack_minutes: 120,
            claim_ack_minutes: 24 * 60,
            edi_status_minutes: 2 * 24 * 60,
            era_minutes: 10 * 24 * 60,
        }
    }
}

impl Delays {
    /// The delay of one kind of response.
    pub fn of(&self, kind: crate::ResponseKind) -> Duration {
        use crate::ResponseKind::*;
        let m = match kind {
            FileSummary => self.file_summary_minutes,
            Ack999 | Ta1 => self.ack_minutes,
            ClaimAck277 => self.claim_ack_minutes,
            EdiStatus => self.edi_status_minutes,
            Era => self.era_minutes,
        };
        Duration::minutes(i64::from(m))
    }
}

/// An Office Ally edit: code and text, as the File Summary prints them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edit {
    /// The edit code, e.g. FE69.
    pub code: String,
    /// Its description, as printed after the code.
    pub text: String,
}

impl Edit {
    fn new(code: &str, text: &str) -> Self {
        Edit { code: code.into(), text: text.into() }
    }
}

/// A payer's 277CA rejection: STC01 category, status and entity, and the text the EDI Status
/// report prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayerRejection {
    /// STC01-1, e.g. A7.
    pub category: String,
    /// STC01-2, e.g. 562.
    pub status: String,
    /// STC01-3; empty for none.
    #[serde(default)]
    pub entity: String,
    /// The payer response text of the EDI Status report.
    pub text: String,
}

impl PayerRejection {
    fn new(category: &str, status: &str, entity: &str, text: &str) -> Self {
        PayerRejection { category: category.into(), status: status.into(), entity: entity.into(), text: text.into() }
    }

    /// The STC01 composite, e.g. "A7:562:82".
    pub fn composite(&self) -> String {
        if self.entity.is_empty() {
            format!("{}:{}", self.category, self.status)
        } else {
            format!("{}:{}:{}", self.category, self.status, self.entity)
        }
    }
}

/// The rules that decide outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// Office Ally edit for a patient without a street address (no N3). FE69 is in the real
    /// File Summary sample (office-ally.md §3.1).
    pub missing_street: Edit,
    /// Office Ally edit for a patient without a city (no N4 / empty N401). FE70, same sample.
    pub missing_city: Edit,
    /// Office Ally edit for an NPI whose check digit is wrong. No public source names Office
    /// Ally's real code for this, so the default is an obvious stand-in, `SIMNPI`; set the real
    /// one here once known.
    pub bad_npi: Edit,
    /// Payer ids (2010BB NM109) whose payer rejects some claims in its 277CA and EDI Status.
    pub rejecting_payers: Vec<String>,
    /// Of a rejecting payer's claims in one upload, this percentage is rejected (rounded, at
    /// least one, and at least one left accepted when there are two or more).
    pub payer_reject_percent: u8,
    /// The rejections a payer gives, taken in turn.
    pub payer_rejections: Vec<PayerRejection>,
    /// File names containing any of these strings are never picked up (they stay in
    /// `inbound/`, as when Office Ally has paused an account): the 72-hour AWAITING alert.
    pub hold_names: Vec<String>,
    /// What the payers' 835s do with the claims they accepted.
    pub era: EraMix,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            missing_street: Edit::new("FE69", "Patient Street Address Required"),
            missing_city: Edit::new("FE70", "Patient City Missing/Invalid Length"),
            bad_npi: Edit::new("SIMNPI", "Rendering Provider NPI Invalid"),
            rejecting_payers: vec!["CSM02".into()],
            payer_reject_percent: 50,
            payer_rejections: vec![
                PayerRejection::new("A7", "562", "82", "Entity's National Provider Identifier (NPI)"),
                PayerRejection::new("A7", "164", "IL", "Entity's contract/member number"),
                PayerRejection::new("A3", "116", "", "Claim submitted to the incorrect payer"),
            ],
            hold_names: Vec::new(),
            era: EraMix::default(),
        }
    }
}

/// How payers settle the claims they accepted. The rest of the percentages are plain
/// payments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EraMix {
    /// Denied outright (CLP02 4, a CO denial CARC).
    pub denied_percent: u8,
    /// Paid in part: a line denied, or part of the allowed amount left to the deductible.
    pub partial_percent: u8,
    /// Paid, then reversed (CLP02 22) and corrected (CLP02 1, new payer claim number) on a
    /// later check in the same ERA.
    pub reversal_percent: u8,
    /// In every upload with at least four claims accepted by payers, the first four (in a
    /// seeded order) are one of each: paid, denied, partial, reversal + correction; so a
    /// small demo shows them all.
    pub cover_every_kind: bool,
}

impl Default for EraMix {
    fn default() -> Self {
        EraMix { denied_percent: 15, partial_percent: 15, reversal_percent: 10, cover_every_kind: true }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_and_json_name_only_what_they_change() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("s.toml");
        std::fs::write(&t, "seed = 7\n[delays]\nera_minutes = 60\n[rules]\nrejecting_payers = [\"MVH01\"]\n").unwrap();
        let s = Scenario::load(&t).unwrap();
        assert_eq!(s.seed, 7);
        assert_eq!(s.delays.era_minutes, 60);
        assert_eq!(s.delays.file_summary_minutes, 120);
        assert_eq!(s.rules.rejecting_payers, vec!["MVH01"]);
        assert_eq!(s.rules.missing_street.code, "FE69");

        let j = dir.path().join("s.json");
        std::fs::write(&j, serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(Scenario::load(&j).unwrap(), s);

        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/demo.toml");
        let d = Scenario::load(&demo).unwrap();
        assert_eq!((d.seed, d.rules.hold_names.as_slice()), (2026, ["HOLD".to_string()].as_slice()));
        assert_eq!(d.delays, Delays::default());

        std::fs::write(&t, "seed = 7\nbogus = 1\n").unwrap();
        assert!(Scenario::load(&t).is_err());
        std::fs::write(&t, "[rules]\npayer_reject_percent = 101\n").unwrap();
        assert!(Scenario::load(&t).is_err());
    }
}
