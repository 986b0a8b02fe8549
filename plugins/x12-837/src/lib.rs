//! claimtrack plugin `x12-837`: the 837 claim batches the practice submits, read as what
//! was sent: 837P professional (005010X222A1, format id `x12-837p`), 837I institutional
//! (005010X223A2, `x12-837i`), 837D dental (005010X224A2, `x12-837d`). It also checks the
//! file against Office Ally's submission rules (`rules.rs`) and its claims against the edits
//! that get a claim rejected (`edits.rs`; docs/claim-checks.md lists both).
//!
//! # Layout and mapping assumptions (all in one place)
//!
//! **Which 837** (`detect.rs`): ST03, else GS08, names the guide; without one the content
//! decides (SV2 or CLM05-2 `A` → 837I, SV3/TOO → 837D, SV1 or CLM05-2 `B` → 837P), with an
//! info diagnostic. All three line kinds are read whatever the variant.
//!
//! **Loops** (`claims.rs`), walked in file order: 1000A NM1*41 submitter, 1000B NM1*40
//! receiver; HL 20 billing provider (2010AA NM1*85, REF*EI/SY); HL 22 subscriber (2010BA
//! NM1*IL, DMG; 2010BB NM1*PR payer); HL 23 patient (2010CA NM1*QC, DMG); CLM opens a claim
//! (2300/2310), SBR inside a claim opens the other-payer loops (2320/2330, read past), LX opens
//! a service line (2400; 2420 NM1s read past). HL ids are checked, not followed.
//!
//! **Events.** Every event is `received`, source `submitter` (the practice's own submission).
//! - One per claim, level `claim`, `raw_code` "CLM", positioned at the CLM.
//! - One per service line, level `service-line`, `raw_code` the line segment id ("SV1", "SV2",
//!   "SV3"), positioned at it, with `claim` = the parent claim's `ClaimRef`. An LX without an
//!   SV segment gives no event (warning); an SV segment without LX opens a line (warning).
//! - `correlation`: ISA13, GS06, ST02 and BHT03 of the set. For an 837 the "submitted file"
//!   the correlation record speaks of IS this file: these are the numbers a TA1, 999 or 277CA
//!   quotes back. `submitted_file_name` is left to the host, which knows the uploaded name
//!   (the name passed to `parse` may be a local path).
//! - `effective_date`: BHT04 (+ BHT05 time), when the batch was created.
//! - `source_party`: the 1000A submitter NM1*41 (name, NM109, NM108), else ISA06/ISA05.
//! - `amounts.charged`: CLM02 for a claim; SV102 / SV203 / SV302 for a line, in cents.
//!
//! **ClaimRef.** patient_control_number CLM01; patient_name "LAST, FIRST MIDDLE" from the
//! patient loop (HL 23) when there is one, else the subscriber; patient_birth_date from that
//! same person's DMG (never the subscriber's for a dependent); member_id the subscriber's
//! NM109; frequency_code CLM05-3; payer 2010BB {NM103, NM109, NM108}; clearinghouse_claim_id
//! REF*D9 of the claim; providers: billing (2010AA, NPI when NM108 is XX, tax id from REF*EI,
//! else REF*SY, else a 4010 NM108 24/34), then the 2310 NM1s in file order (DN/P3 referring,
//! 82 rendering, 77 service facility, DQ supervising, 71 attending, 72/ZZ operating, each with
//! its NPI); diagnosis_codes: principal (ABK/BK) first, then other diagnoses (ABF/BF) in file
//! order (admitting, reason-for-visit, external-cause and procedure codes are not the claim's
//! diagnoses and are left out); service dates: the claim's DTP*434 statement period, else its
//! DTP*472, else the earliest and latest line DTP*472.
//!
//! **ServiceLineRef.** SV101 / SV202 / SV301 composite → qualifier, code, modifiers (up to 4);
//! an SV2 without SV202 gives its SV201 revenue code with qualifier `NU` (as the 835 answers
//! it). Units SV104 / SV205 / SV306 as sent. REF*6R line item control number. Service date:
//! the line's DTP*472 (first date of a range), else a single-date claim-level DTP*472.
//!
//! **Metadata.** `Document::metadata` (ISA13s, GS06s, ST02s, GS08, ISA06/ISA08 sender and
//! receiver with ISA15 usage), sender and receiver named from NM1*41 / NM1*40.
//!
//! **Diagnostics** never quote names, member ids, dates or amounts: segments are named by
//! index and element, codes by their code-list value. The claim edits name their claim by
//! CLM01 (how billing staff find it) and quote a failing NPI (a public registry number).
//! Unknown HI qualifiers, claim-level NM1 entities, CLM05-2 qualifiers, frequency codes and
//! procedure qualifiers are warnings; Office Ally rule breaks and failed claim edits (a claim
//! whose CLM02 differs from its lines' sum among them: `oa-rule-claim-total`, formerly
//! `claim-charge-sum`) are warnings coded `oa-rule-…`.

mod claims;
pub mod codes;
pub mod detect;
mod diag;
pub mod edits;
mod parse;
pub mod rules;

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::x12;

pub use parse::parse_bytes;

pub struct X12Claim837;

impl Parser for X12Claim837 {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "x12-837".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "X12 837 claim batches as submitted (professional, institutional, dental), checked against Office Ally's rules".into(),
            formats: vec![
                FormatInfo {
                    id: "x12-837p".into(),
                    description: "X12 837P Health Care Claim: Professional (005010X222A1)".into(),
                    file_name_hints: vec!["*837P*".into(), "*.837".into()],
                },
                FormatInfo {
                    id: "x12-837i".into(),
                    description: "X12 837I Health Care Claim: Institutional (005010X223A2)".into(),
                    file_name_hints: vec!["*837I*".into()],
                },
                FormatInfo {
                    id: "x12-837d".into(),
                    description: "X12 837D Health Care Claim: Dental (005010X224A2)".into(),
                    file_name_hints: vec!["*837D*".into()],
                },
            ],
        }
    }

    /// 95 when ST01 is 837 inside a GS*HC group (or with no GS); 70 when ST01 is 837 under
    /// another GS01; 60 for a GS*HC group whose ST is not in the head; 0 otherwise (not X12,
    /// or another X12 transaction).
    fn sniff(_file_name: &str, head: &[u8]) -> u8 {
        let Some(h) = x12::sniff_head(head) else {
            return 0;
        };
        match (h.transaction_kind.as_deref(), h.functional_id.as_deref()) {
            (Some("837"), Some("HC") | None) => 95,
            (Some("837"), Some(_)) => 70,
            (None, Some("HC")) => 60,
            _ => 0,
        }
    }

    fn parse(file_name: &str, contents: &[u8]) -> Result<ParseOutput, ParseError> {
        parse_bytes(file_name, contents)
    }
}

register_parser!(X12Claim837);
