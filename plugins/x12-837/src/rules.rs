//! Office Ally's submission rules for uploaded 837 files: every file-level one (name,
//! envelope, and the two per-claim rules of the companion guide and openemr#8452) that can be
//! checked from the file and its name, each with its source. The claim-level edits that get a
//! claim rejected (addresses, NPIs, member and payer ids, dates, diagnoses, totals) are in
//! `edits.rs`, with the same kind of diagnostic. A broken rule is a `warning` with a stable
//! `code` (`oa-rule-…`) naming the segment and element; it never stops the parse: the file is
//! still read, the user learns before (or after) uploading why Office Ally may fail it.
//!
//! Sources, as cited in /work/shared/docs/office-ally.md:
//! - **S1** Office Ally Companion Guide, Professional (837P), rev. 06/08/2022 (§1.3, [STATED]).
//! - **openemr#8452** (§5 item 8, [STATED], Office Ally support confirmed): CLM05-3 required.
//! - **§3.1 / §6** ([INFERRED] from the File Summary layout): ACCNT# keeps 14 characters.
//!
//! | code                     | rule                                                            | source |
//! |--------------------------|-----------------------------------------------------------------|--------|
//! | `oa-rule-file-name-type` | the file name includes 837P, 837I or 837D, matching the claims  | S1 §1.3 |
//! | `oa-rule-oatest-keyword` | a test file is named with `OATEST`; `OA_TEST`, `TEST_`… are not recognised, so a name with TEST but not OATEST goes to production | S1 §1.3 |
//! | `oa-rule-isa15-test`     | ISA15 `T` does not make a test file ("Office Ally does not utilize the ISA15 for testing purposes"): ISA15 T without OATEST in the name is processed in production | S1 §1.3, §5 item 4 |
//! | `oa-rule-one-isa`        | one ISA per file                                                 | S1 §1.3 |
//! | `oa-rule-one-gs`         | one GS per file                                                  | S1 §1.3 |
//! | `oa-rule-max-5000-sets`  | at most 5000 ST transaction sets per file                        | S1 §1.3 |
//! | `oa-rule-isa-qualifier`  | ISA05 and ISA07 are `30` or `ZZ`                                 | S1 §1.3 |
//! | `oa-rule-isa08`          | ISA08 (receiver id) is `330897513`, Office Ally's tax id          | S1 §1.3 |
//! | `oa-rule-gs03`           | GS03 (receiver code) is `OA` or `330897513`                      | S1 §1.3 |
//! | `oa-rule-gs08`           | GS08 is `005010X222A1` for 837P (stated); `005010X223A2` for 837I and `005010X224A2` for 837D by analogy (the HIPAA-adopted 5010 guides; [INFERRED], S1 covers only 837P) | S1 §1.3 |
//! | `oa-rule-receiver-1000b` | loop 1000B is `NM1*40*2*OFFICE ALLY*****46*330897513`            | S1 §1.3 |
//! | `oa-rule-clm05-3`        | every claim has CLM05-3 (claim frequency code, Box 22)            | openemr#8452, §5 item 8 |
//! | `oa-rule-clm01-14`       | CLM01 is at most 14 characters: the ACCNT# column of Office Ally's reports keeps 14, so a longer one could not be matched to its responses | §3.1, §6 [INFERRED] |
//!
//! Stated but not checkable from the file: ISA06 is a submitter id of the practice's choosing;
//! 2010BB NM109 must be the Office Ally-assigned payer id (needs Office Ally's payer list;
//! `edits.rs` checks that there is one);
//! some payers need EDI/ERA enrolment first. §1.3 states no per-file claim limit (only the
//! 5000 transaction sets), so none is applied.
//!
//! The file-name rules look at the last path component of the name the host passes, and
//! match keywords case-insensitively ([INFERRED]: S1 spells them in capitals and does not say
//! whether case matters). An empty file name skips them.

use claimtrack_plugin_sdk::x12::{Document, Group};
use claimtrack_plugin_sdk::{Diagnostic, Position};

use crate::detect::Variant;
use crate::diag;

/// Office Ally's tax id: ISA08, GS03, 1000B NM109.
pub const OA_TAX_ID: &str = "330897513";
/// Most transaction sets Office Ally takes in one file.
pub const MAX_SETS: usize = 5000;
/// Characters of CLM01 that Office Ally's ACCNT# column keeps.
pub const MAX_CLM01: usize = 14;

/// An Office Ally rule broken: a warning coded `code` (the claim edits share it).
pub(crate) fn rule(code: &str, message: String, position: Option<Position>) -> Diagnostic {
    Diagnostic::warning(format!("Office Ally rule: {message}"), position).with_code(code)
}

/// Every rule the file breaks, in the order of the table above.
pub fn check(file_name: &str, doc: &Document, variant: Variant) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    file_name_rules(file_name, doc, variant, &mut out);
    envelope_rules(doc, variant, &mut out);
    claim_rules(doc, &mut out);
    out
}

fn file_name_rules(file_name: &str, doc: &Document, variant: Variant, out: &mut Vec<Diagnostic>) {
    let base = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    if base.is_empty() {
        return;
    }
    let keywords = [
        Variant::Professional,
        Variant::Institutional,
        Variant::Dental,
    ];
    if !base.contains(variant.keyword()) {
        let named: Vec<&str> = keywords
            .iter()
            .map(|v| v.keyword())
            .filter(|k| base.contains(k))
            .collect();
        let message = if named.is_empty() {
            format!(
                "the file name must include {} (one of 837P, 837I, 837D, matching the claim type) for Office Ally to route it",
                variant.keyword()
            )
        } else {
            format!(
                "the file name says {} but the file holds {} claims; Office Ally routes by the name",
                named.join("/"),
                variant.keyword()
            )
        };
        out.push(rule("oa-rule-file-name-type", message, None));
    }
    let oatest = base.contains("OATEST");
    if !oatest && base.contains("TEST") {
        out.push(rule(
            "oa-rule-oatest-keyword",
            "the file name contains TEST but not the OATEST keyword Office Ally looks for (OA_TEST, TEST_… are not recognised): its claims would be processed in production".into(),
            None,
        ));
    }
    if !oatest {
        for ic in doc.interchanges.iter().filter(|ic| ic.isa.get(15) == "T") {
            out.push(rule(
                "oa-rule-isa15-test",
                format!(
                    "ISA15 at segment #{} marks the interchange as a test, but Office Ally ignores ISA15: without OATEST in the file name its claims go to the payers",
                    ic.isa.index
                ),
                Some(ic.isa.position_at("ISA15")),
            ));
        }
    }
}

fn envelope_rules(doc: &Document, variant: Variant, out: &mut Vec<Diagnostic>) {
    if let Some(second) = doc.interchanges.get(1) {
        out.push(rule(
            "oa-rule-one-isa",
            format!(
                "one ISA per file: this file has {} interchanges; the second starts at segment #{}",
                doc.interchanges.len(),
                second.isa.index
            ),
            Some(second.isa.position()),
        ));
    }
    let groups: Vec<&Group> = doc
        .interchanges
        .iter()
        .flat_map(|ic| ic.groups.iter())
        .filter(|g| g.gs.index != 0)
        .collect();
    if let Some(second) = groups.get(1) {
        out.push(rule(
            "oa-rule-one-gs",
            format!("one GS per file: this file has {} functional groups; the second starts at segment #{}", groups.len(), second.gs.index),
            Some(second.gs.position()),
        ));
    }
    if let Some((_, _, t)) = doc.transactions().nth(MAX_SETS) {
        out.push(rule(
            "oa-rule-max-5000-sets",
            format!(
                "at most {MAX_SETS} transaction sets per file: this file has {}; set {} starts at segment #{}",
                doc.transactions().count(),
                MAX_SETS + 1,
                t.st.index
            ),
            Some(t.st.position()),
        ));
    }
    for ic in doc.interchanges.iter().filter(|ic| ic.isa.index != 0) {
        let isa = &ic.isa;
        for (n, el) in [(5, "ISA05"), (7, "ISA07")] {
            let q = isa.get(n);
            if q != "30" && q != "ZZ" {
                out.push(rule(
                    "oa-rule-isa-qualifier",
                    format!("{el} interchange id qualifier at segment #{} is {}; Office Ally takes 30 or ZZ", isa.index, diag::code(q, 2)),
                    Some(isa.position_at(el)),
                ));
            }
        }
        if isa.get(8) != OA_TAX_ID {
            out.push(rule(
                "oa-rule-isa08",
                format!(
                    "ISA08 receiver id at segment #{} is not Office Ally's {OA_TAX_ID}",
                    isa.index
                ),
                Some(isa.position_at("ISA08")),
            ));
        }
    }
    // GS03/GS08 rules are about the claim group; another group (a stray 999) is already
    // reported by the one-GS rule and the parse.
    for g in groups
        .iter()
        .filter(|g| g.functional_id() == "HC" || g.transactions.iter().any(|t| t.kind() == "837"))
    {
        let gs = &g.gs;
        let gs03 = gs.get(3);
        if gs03 != "OA" && gs03 != OA_TAX_ID {
            out.push(rule(
                "oa-rule-gs03",
                format!(
                    "GS03 receiver code at segment #{} is neither OA nor {OA_TAX_ID}",
                    gs.index
                ),
                Some(gs.position_at("GS03")),
            ));
        }
        let gs08 = gs.get(8);
        if gs08 != variant.guide() {
            let sent = if gs08.is_empty() {
                "empty".to_string()
            } else {
                diag::code(gs08, 12)
            };
            out.push(rule(
                "oa-rule-gs08",
                format!(
                    "GS08 at segment #{} is {sent}; Office Ally expects {} for {} files",
                    gs.index,
                    variant.guide(),
                    variant.keyword()
                ),
                Some(gs.position_at("GS08")),
            ));
        }
    }
    for (_, _, t) in doc.transactions().filter(|(_, _, t)| t.kind() == "837") {
        // 1000B is the NM1*40 before the first HL.
        let header = t.body.iter().take_while(|s| s.id != "HL");
        match header.clone().find(|s| s.id == "NM1" && s.get(1) == "40") {
            None => out.push(rule(
                "oa-rule-receiver-1000b",
                format!("transaction set at segment #{} has no loop 1000B receiver NM1*40 (Office Ally: NM1*40*2*OFFICE ALLY*****46*{OA_TAX_ID})", t.st.index),
                Some(t.st.position()),
            )),
            Some(nm1) => {
                let expected = [(2, "NM102", "2"), (3, "NM103", "OFFICE ALLY"), (8, "NM108", "46"), (9, "NM109", OA_TAX_ID)];
                let wrong: Vec<&str> = expected
                    .iter()
                    .filter(|(n, _, want)| !nm1.get(*n).eq_ignore_ascii_case(want))
                    .map(|(_, el, _)| *el)
                    .collect();
                if let Some(first) = wrong.first() {
                    out.push(rule(
                        "oa-rule-receiver-1000b",
                        format!(
                            "receiver NM1*40 at segment #{} differs in {} from Office Ally's NM1*40*2*OFFICE ALLY*****46*{OA_TAX_ID}",
                            nm1.index,
                            wrong.join(", ")
                        ),
                        Some(nm1.position_at(*first)),
                    ));
                }
            }
        }
    }
}

fn claim_rules(doc: &Document, out: &mut Vec<Diagnostic>) {
    let claims = doc
        .transactions()
        .filter(|(_, _, t)| t.kind() == "837")
        .flat_map(|(_, _, t)| t.body.iter().filter(|s| s.id == "CLM"));
    for clm in claims {
        if clm.component_opt(5, 3).is_none() {
            out.push(rule(
                "oa-rule-clm05-3",
                format!("claim at segment #{} has no CLM05-3 claim frequency code, which Office Ally requires on every claim", clm.index),
                Some(clm.position_at("CLM05-3")),
            ));
        }
        let len = clm.get(1).chars().count();
        if len > MAX_CLM01 {
            out.push(rule(
                "oa-rule-clm01-14",
                format!(
                    "CLM01 at segment #{} is {len} characters; Office Ally's reports keep {MAX_CLM01} (ACCNT#), so its responses could not be matched to the claim",
                    clm.index
                ),
                Some(clm.position_at("CLM01")),
            ));
        }
    }
}
