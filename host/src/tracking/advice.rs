//! What to do next about the most common rejection and denial codes, in the words of a
//! billing office. Only codes whose fix is clear from the code itself are here; for the rest
//! the views show the code and its description and say where to look it up.
//!
//! Sources: Office Ally's edit codes as its File Summary names them (office-ally.md §3, and
//! its per-code help pages); X12 code list 508 (277 claim status) and the Claim Adjustment
//! Reason Codes as the plugins describe them (x12-277 and x12-835 `codes.rs`).

use crate::model::CodeSet;

/// The next step for a reason, when the code says it. `entity` is the entity code that came
/// with a 277 status code (85 billing provider, 82 rendering provider…).
pub fn next_step(code_set: &CodeSet, code: &str, entity: Option<&str>) -> Option<&'static str> {
    match code_set {
        CodeSet::ClearinghouseEdit => office_ally_edit(code),
        CodeSet::ClaimStatus => claim_status(code, entity),
        CodeSet::Carc => carc(code),
        _ => None,
    }
}

/// Where to look up a code that [`next_step`] has no advice for.
pub fn where_to_look(code_set: &CodeSet) -> Option<&'static str> {
    match code_set {
        CodeSet::ClearinghouseEdit => {
            Some("Office Ally's help page for this code (support.officeally.com, search the code) says what to fix.")
        }
        CodeSet::ClaimStatus | CodeSet::ClaimStatusCategory => {
            Some("The payer's 277CA text (`claimtrack claim KEY`) and its companion guide say what to fix.")
        }
        CodeSet::Carc | CodeSet::Rarc => Some("The remark codes on the ERA and the payer's policy say what to do."),
        _ => None,
    }
}

fn office_ally_edit(code: &str) -> Option<&'static str> {
    Some(match code.to_ascii_uppercase().as_str() {
        "FE69" => "Add the patient's street address (837 loop 2010CA N3, or 2010BA when the patient is the subscriber), then refile.",
        "FE70" => "Correct the patient's city (2010CA or 2010BA N4), then refile.",
        "FE61" => "Enter the member ID exactly as on the insurance card (2010BA NM109), then refile.",
        "FE117" => {
            "Enter a valid rendering or referring provider NPI (loop 2310A/2310B NM109; check it at the NPI registry), then refile."
        }
        "LC1762" => "Add the diagnosis codes (HI) and point each service line at one, then refile.",
        _ => return None,
    })
}

fn claim_status(code: &str, entity: Option<&str>) -> Option<&'static str> {
    Some(match (code, entity) {
        ("562", Some("85")) => {
            "The payer does not accept the billing provider's NPI: check 2010AA NM109 and that the provider is enrolled with \
             this payer (EDI enrollment), then refile the claims."
        }
        ("562", _) => "Check the NPI of the provider the code names (rendering 82, referring DN…) and that it is enrolled, then refile.",
        ("164", _) | ("33", _) => {
            "Check the member ID against the insurance card and verify eligibility; correct 2010BA NM109, then refile."
        }
        ("97", _) => "Verify the patient's eligibility with the payer; correct the member or the payer, then refile.",
        ("116", _) => "The claim went to the wrong payer: check the payer ID on the insurance card and refile to the right one.",
        ("145", _) => "Add or correct the provider's taxonomy code (PRV segment), then refile.",
        ("21", _) => "Something is missing or invalid: the other codes and the payer's text name it; correct it, then refile.",
        _ => return None,
    })
}

fn carc(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" | "2" | "3" => "The patient owes this amount (deductible, coinsurance or copay): bill the patient.",
        "4" => "Fix the modifier on the service line, then send a corrected claim (frequency code 7).",
        "11" => "Check that the diagnosis supports the procedure; send a corrected claim (frequency code 7).",
        "16" => "The claim lacks information: the remark codes (RARC) beside it say what; correct it and resubmit.",
        "18" => "A duplicate: do not send it again; follow the first claim instead.",
        "22" => "Another insurance is primary: bill it first, then send this payer the claim with the primary's payment.",
        "27" => "Coverage had ended: verify eligibility; bill the patient or the insurance that covered the date.",
        "29" => "Filed too late: appeal only with proof of timely filing (the first submission's 999 or 277CA); otherwise write off.",
        "31" => "The payer cannot find the patient: check the member ID, name and date of birth, then resubmit.",
        "45" => "A contractual adjustment: nothing to do (the amount above the fee schedule is written off).",
        "50" => "Not medically necessary for the payer: appeal with the medical records, or bill the patient if they signed a waiver.",
        "96" | "204" => "Not covered by the patient's plan: bill the patient if they agreed to pay, otherwise write off.",
        "97" => "Bundled into another service: check the codes and modifiers (25, 59) before appealing.",
        "109" => "Not this payer's claim: send it to the correct payer.",
        "197" => "No prior authorization: obtain it, add its number (REF*G1) and resubmit, or appeal.",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_codes_say_what_to_do() {
        assert!(next_step(&CodeSet::ClearinghouseEdit, "fe69", None).unwrap().contains("street address"));
        assert!(next_step(&CodeSet::ClaimStatus, "562", Some("85")).unwrap().contains("billing provider"));
        assert!(next_step(&CodeSet::Carc, "29", None).unwrap().contains("timely filing"));
        assert_eq!(next_step(&CodeSet::Carc, "999", None), None);
        assert_eq!(next_step(&CodeSet::FreeText, "FE69", None), None);
        assert!(where_to_look(&CodeSet::ClearinghouseEdit).unwrap().contains("support.officeally.com"));
    }
}
