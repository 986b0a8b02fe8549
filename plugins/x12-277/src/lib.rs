//! claimtrack plugin `x12-277`: X12 277CA claim acknowledgments (005010X214, format id
//! `x12-277ca`) and 277 claim status responses (005010X212, format id `x12-277`, including
//! unsolicited/HR277 status notifications built the same way).
//!
//! # Layout and mapping assumptions (all in one place)
//!
//! **Which 277.** ST03, then GS08, name the guide (X214/X364 → `x12-277ca`; X212/X093/X070 →
//! `x12-277`). Without them the structure decides, with an info diagnostic (`detect.rs`).
//!
//! **Hierarchy** (`hierarchy.rs`). HL03 gives the level: 20 information source, 21 information
//! receiver, 19 billing/service provider, 22 subscriber, 23 dependent, PT patient (X214).
//! HL02 links a level to its parent, so a statement made at a level applies to what is
//! beneath it. At 22/23/PT each TRN opens one claim (2200D/E); an SVC opens a service line
//! (2220D/E) of the claim before it. An unknown HL03 (e.g. 99) whose loop names a patient or
//! subscriber (NM1*QC/IL) is read as a patient level, anything else unknown as a provider
//! level; both with a warning.
//!
//! **Who speaks.** The 2100A NM1 of the level-20 ancestor: `AY` → `clearinghouse`, `PR` (or
//! anything else, or nothing) → `payer`; `source_party` is that NM1 (NM103 name, NM109 id,
//! NM108 qualifier), None (with a warning) when it has neither name nor id.
//!
//! **Events** (`mapping.rs`). One per STC segment, positioned at the STC:
//! - STC at 2200B (receiver): level `transaction-set` with its own class, a statement about
//!   the whole batch.
//! - STC at 2200C (provider, HL03 19) whose 2100C NM1 names the provider by NPI (NM108 `XX`)
//!   or tax id (`FI`, or the 4010 `24`/`34`): level `transaction-set` with its own class, and
//!   a `claim` that names only the provider: `providers` = [billing provider: NM103 name, the
//!   NPI or the tax id], no claim keys (the WIT convention for a provider-level statement).
//!   The host applies it to the claims of the batch (2200B TRN02) whose billing provider that
//!   is, listed in the file or not. A 277CA's 2100C is the billing provider (NM1*85); a 277's
//!   service provider (NM1*1P) is the provider the 276 asked about, read as billing too.
//!   E0/E1/E2/D0 stay `informational` (the inquiry could not be answered), and so do E3/E4 in
//!   a 277; E3/E4 in a 277CA are rejections at every level (`codes::classify`, one table).
//! - STC at a 2200C that names neither (e.g. NM108 `SV`, a payer-assigned id the claims do not
//!   carry), or at an unknown non-patient level: level `transaction-set` but status
//!   `informational`, codes and reasons intact, since nothing lets the host find the claims it
//!   covers and with its real class a provider's rejection would read as the whole batch's.
//! - Either kind of provider-level statement has the category's description saying it is a
//!   provider-level statement covering only that provider's claims.
//! - A rejection at 2200B or 2200C (its real class) also gives one claim-level rejected event
//!   per claim beneath that HL (same reasons; the category's description says where it was
//!   stated; positioned at the higher-level STC, which tells the host the claim has that
//!   statement already; a provider's cascade adds the provider to the claim's `providers`).
//!   It reaches the listed claims when the host cannot find the batch (a 277 has no batch
//!   reference). Acceptances do not cascade: they are summaries ("A1:20 batch received").
//! - STC at 2200D/E: level `claim`; STC at 2220D/E: level `service-line` with `service_line`
//!   from SVC01 (`HC:99213:25` → qualifier HC, code 99213, modifiers [25]), SVC07 units,
//!   REF*FJ, DTP*472, amounts SVC02 charged / SVC03 paid, and `claim` set to its claim. A
//!   2220 line without an STC gives no event but a warning naming its SVC.
//! - `raw_code` is the composite that decided the class, as sent, its components joined with
//!   ':' ("A7:562:85"): STC01, unless STC10/STC11 is more severe (`A2:20 … A7:128:85` is a
//!   rejected event labelled "A7:128:85"; its reasons still list every composite).
//! - Reasons, for each of STC01, STC10, STC11: category (code list 507, full table),
//!   status (508 subset; with STC01-4 `RX` it is an NCPDP code, code set `other`), entity
//!   (DE 98); then STC12 as a `free-text` reason.
//! - Status class: from the category code only (`codes::classify`, the one table), never from
//!   STC03: the imsweb sample rejects with A7 and STC03=WQ. When STC01/10/11 disagree the most
//!   severe wins (`codes::severity`). When no category is known, STC03 U → rejected
//!   (x12-reference.md §9); anything else (WQ included) → informational: an unknown category
//!   is never read as accepted.
//! - Codes are looked up as sent; a lower-case code (category, status, entity, STC03, the RX
//!   qualifier) that is only known upper-cased is read upper-cased, with one warning per file:
//!   a rejection hidden behind "a7" is worse than a tolerated case slip. Reasons and
//!   `raw_code` keep the code as sent.
//! - `effective_date` STC02; amounts STC04 charged, STC05 paid; `payment_reference` STC09
//!   (the check/EFT number of a finalized X212 claim). A status composite found in STC09
//!   (one separator short of STC10) is read as a composite, with a warning.
//! - `correlation.batch_reference`, 277CA only: TRN02 of the 2200B above the event (the claim
//!   transaction batch number, commonly the 837 BHT03), on every event beneath that receiver.
//!   In a 277 (X212) the 2200B TRN02 traces the 276 inquiry, not the 837: None.
//! - Claim: TRN02 → patient control number in a 277CA (REF*EJ when TRN02 is absent); in a
//!   277 (X212) REF*EJ first, since TRN02 there is the 276 inquiry's trace number; REF*1K → payer
//!   claim number; REF*D9 → clearinghouse claim id; REF*BLT last digit → frequency code;
//!   NM1*QC/IL → patient name "LAST, FIRST MIDDLE" and member id (a dependent without an id
//!   takes its subscriber's); DTP*472 D8/RD8 → service dates (a single date is both).
//! - 2200B/2200C QTY/AMT totals become one info diagnostic per loop (counts and money only).
//! - Short segments are warned about by segment index and element: a 2200B TRN without TRN02,
//!   an STC without STC01-2 or STC02, a claim TRN without TRN02, REF*1K/D9/EJ/FJ without a
//!   value, an SVC without SVC02, a source NM1 without name or id.
//!
//! Diagnostics never quote names, ids, account numbers or dates: only segment indexes and
//! codes from code lists.

pub mod codes;
mod detect;
mod diag;
mod hierarchy;
mod mapping;
mod parse;
mod stc;

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::x12;

pub use parse::parse_bytes;

pub struct X12Status277;

impl Parser for X12Status277 {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "x12-277".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "X12 277CA claim acknowledgments and 277 claim status responses".into(),
            formats: vec![
                FormatInfo {
                    id: "x12-277ca".into(),
                    description: "X12 277CA Health Care Claim Acknowledgment (005010X214)".into(),
                    file_name_hints: vec!["*.277ca".into(), "*277ca*".into(), "*.277".into()],
                },
                FormatInfo {
                    id: "x12-277".into(),
                    description: "X12 277 Health Care Claim Status Response (005010X212)".into(),
                    file_name_hints: vec!["*.277".into(), "*_277_*".into(), "*.era".into()],
                },
            ],
        }
    }

    /// 95 when ST01 is 277 inside a GS*HN group (or with no GS); 70 when ST01 is 277 under
    /// another GS01; 60 for a GS*HN group whose ST is not readable in the head (beyond it, or
    /// cut off: `sniff_head` reads a trailing partial "ST*2" as kind "2"); 0 otherwise.
    fn sniff(_file_name: &str, head: &[u8]) -> u8 {
        let Some(h) = x12::sniff_head(head) else { return 0 };
        match (h.transaction_kind.as_deref(), h.functional_id.as_deref()) {
            (Some("277"), Some("HN") | None) => 95,
            (Some("277"), Some(_)) => 70,
            (_, Some("HN")) => 60,
            _ => 0,
        }
    }

    fn parse(file_name: &str, contents: &[u8]) -> Result<ParseOutput, ParseError> {
        parse_bytes(file_name, contents)
    }
}

register_parser!(X12Status277);
