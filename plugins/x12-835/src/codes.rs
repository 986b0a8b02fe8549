//! Code tables used by the 835, with short meanings.
//!
//! Descriptions are short paraphrases (x12-reference.md §6 and the public code lists it
//! cites), not the official long texts. The CARC and RARC lists are partial on purpose:
//! they cover the codes a small practice meets most; an unknown CARC/RARC is still passed
//! through as sent with `description: None`. The BPR, CLP02, CAS group and PLB lists are
//! complete for 005010X221A1 (plus legacy 4010 values where noted).

/// BPR01 transaction handling code.
pub fn handling(code: &str) -> Option<&'static str> {
    Some(match code {
        "C" => "payment accompanies remittance advice",
        "D" => "make payment only",
        "H" => "notification only (no payment)",
        "I" => "remittance information only (payment sent separately)",
        "P" => "prenotification of future transfers",
        "U" => "split payment and remittance",
        "X" => "handling party's option to split payment and remittance",
        _ => return None,
    })
}

/// BPR04 payment method code.
pub fn payment_method(code: &str) -> Option<&'static str> {
    Some(match code {
        "ACH" => "automated clearing house (ACH) transfer",
        "BOP" => "financial institution option",
        "CHK" => "check",
        "FWT" => "federal reserve funds/wire transfer",
        "NON" => "non-payment data (no payment)",
        _ => return None,
    })
}

/// CLP02 claim status code (DE 1029) values valid in 005010X221A1 (and 004010X091A1).
pub fn claim_status(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "processed as primary",
        "2" => "processed as secondary",
        "3" => "processed as tertiary",
        "4" => "denied",
        "19" => "processed as primary, forwarded to additional payer(s)",
        "20" => "processed as secondary, forwarded to additional payer(s)",
        "21" => "processed as tertiary, forwarded to additional payer(s)",
        "22" => "reversal of previous payment",
        "23" => "not our claim, forwarded to additional payer(s)",
        "25" => "predetermination pricing only, no payment",
        _ => return None,
    })
}

/// How a CAS01 group code is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// CO, OA, PI, PR: valid in 5010.
    Valid,
    /// CR: 4010 only (corrections and reversals); accepted with an info diagnostic.
    Legacy,
    Unknown,
}

/// CAS01 claim adjustment group code.
pub fn cas_group(code: &str) -> Group {
    match code {
        "CO" | "OA" | "PI" | "PR" => Group::Valid,
        "CR" => Group::Legacy,
        _ => Group::Unknown,
    }
}

/// CARCs that are the patient's ordinary cost share (deductible, coinsurance, copay). A
/// zero-pay claim whose patient-responsibility adjustments include one of these was
/// adjudicated and applied to the patient's share; it is not a denial (status.rs).
pub fn is_cost_share_carc(code: &str) -> bool {
    matches!(code, "1" | "2" | "3" | "66" | "241" | "247" | "248")
}

/// CARC 23, "impact of prior payer(s) adjudication": the part of the charge a prior payer's
/// payment and adjustments already settled. Whatever the group (OA is the usual one; some
/// payers send CO-23), the code itself carries the meaning (status.rs).
pub fn is_prior_payer_carc(code: &str) -> bool {
    code == "23"
}

/// CARCs that only bring the charge down to what the payer allows (45 fee schedule or
/// contracted amount; 42, its inactive predecessor). Next to CARC 23 on a zero-paid
/// secondary claim they explain nothing beyond "nothing more is due" (status.rs).
pub fn is_fee_schedule_carc(code: &str) -> bool {
    matches!(code, "45" | "42")
}

/// Claim Adjustment Reason Codes (external code list 139), the common ones.
pub fn carc(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "Deductible amount",
        "2" => "Coinsurance amount",
        "3" => "Co-payment amount",
        "4" => "Procedure code inconsistent with the modifier, or a required modifier is missing",
        "5" => "Procedure code or bill type inconsistent with the place of service",
        "6" => "Procedure or revenue code inconsistent with the patient's age",
        "7" => "Procedure or revenue code inconsistent with the patient's gender",
        "8" => "Procedure code inconsistent with the provider type or specialty",
        "9" => "Diagnosis inconsistent with the patient's age",
        "10" => "Diagnosis inconsistent with the patient's gender",
        "11" => "Diagnosis inconsistent with the procedure",
        "12" => "Diagnosis inconsistent with the provider type",
        "13" => "Date of death precedes the date of service",
        "14" => "Date of birth follows the date of service",
        "15" => "Authorization number missing, invalid, or not valid for this service or provider",
        "16" => "Claim or service lacks information or has submission/billing errors",
        "18" => "Exact duplicate claim or service",
        "19" => "Work-related injury or illness: liability of the workers' compensation carrier",
        "20" => "Injury or illness covered by the liability carrier",
        "21" => "Injury or illness is the liability of the no-fault carrier",
        "22" => "Care may be covered by another payer (coordination of benefits)",
        "23" => "Impact of prior payer(s) adjudication, including payments and adjustments",
        "24" => "Covered under a capitation agreement or managed care plan",
        "26" => "Expenses incurred before coverage began",
        "27" => "Expenses incurred after coverage ended",
        "29" => "Time limit for filing has expired",
        "31" => "Patient cannot be identified as the payer's insured",
        "32" => "Patient is not an eligible dependent",
        "33" => "Insured has no dependent coverage",
        "34" => "Insured has no coverage for newborns",
        "35" => "Lifetime benefit maximum reached",
        "39" => "Services denied when authorization or precertification was requested",
        "40" => "Charges do not meet the criteria for emergency or urgent care",
        "42" => "Charges exceed the fee schedule or maximum allowable (inactive; see 45)",
        "45" => "Charge exceeds the fee schedule, maximum allowable or contracted amount",
        "49" => "Routine or preventive service not covered",
        "50" => "Not covered: not deemed a medical necessity by the payer",
        "51" => "Not covered: pre-existing condition",
        "53" => "Services by an immediate relative or household member are not covered",
        "54" => "Multiple physicians or assistants are not covered in this case",
        "55" => "Procedure, treatment or drug considered experimental or investigational",
        "56" => "Procedure or treatment not proven effective for this condition",
        "58" => "Service rendered in an inappropriate or invalid place of service",
        "59" => "Processed under multiple or concurrent procedure rules",
        "60" => "Outpatient service too close to an inpatient admission",
        "66" => "Blood deductible",
        "89" => "Professional fees removed from the charges",
        "90" => "Ingredient cost adjustment",
        "94" => "Processed in excess of charges",
        "95" => "Plan procedures were not followed",
        "96" => "Non-covered charge(s)",
        "97" => "Included in the payment for another service or procedure already adjudicated",
        "100" => "Payment made to the patient, insured or responsible party",
        "101" => "Predetermination: anticipated payment once services are completed",
        "104" => "Managed care withholding",
        "107" => "The related or qualifying claim or service was not identified on this claim",
        "109" => "Not covered by this payer or contractor: send to the correct payer",
        "110" => "Billing date precedes the service date",
        "111" => "Not covered unless the provider accepts assignment",
        "119" => "Benefit maximum for this period or occurrence has been reached",
        "125" => "Submission or billing error(s)",
        "128" => "Newborn's services are covered in the mother's allowance",
        "129" => "Prior processing information appears incorrect",
        "130" => "Claim submission fee",
        "131" => "Claim-specific negotiated discount",
        "133" => "Disposition of this claim or service is pending further review",
        "136" => "Prior payer's coverage rules were not followed",
        "140" => "Patient/insured health identification number and name do not match",
        "141" => "Claim spans eligible and ineligible periods of coverage",
        "142" => "Monthly Medicaid patient liability amount",
        "144" => "Incentive adjustment",
        "146" => "Diagnosis was invalid for the date(s) of service",
        "150" => "Information submitted does not support this level of service",
        "151" => "Information submitted does not support this many or this frequency of services",
        "163" => "Attachment or documentation referenced on the claim was not received",
        "164" => "Attachment or documentation was not received in time",
        "165" => "Referral absent or exceeded",
        "167" => "Diagnosis(es) not covered",
        "169" => "Alternate benefit has been provided",
        "170" => "Not paid when performed or billed by this type of provider",
        "171" => "Not paid when performed or billed by this provider type in this facility type",
        "172" => "Adjusted when performed or billed by a provider of this specialty",
        "181" => "Procedure code was invalid on the date of service",
        "182" => "Procedure modifier was invalid on the date of service",
        "183" => "Referring provider is not eligible to refer the service billed",
        "185" => "Rendering provider is not eligible to perform the service billed",
        "186" => "Level of care change adjustment",
        "187" => "Consumer spending account payments",
        "189" => "Unlisted or not-otherwise-classified code billed when a specific code exists",
        "190" => "Included in the allowance for a skilled nursing facility stay",
        "193" => "Original payment decision maintained upon review",
        "197" => "Precertification, authorization or notification absent",
        "198" => "Precertification, authorization or notification exceeded",
        "199" => "Revenue code and procedure code do not match",
        "200" => "Expenses incurred during a lapse in coverage",
        "204" => "Service, equipment or drug not covered under the patient's current benefit plan",
        "208" => "National Provider Identifier (NPI) not matched",
        "209" => "Provider cannot collect this amount from the patient (regulation or agreement)",
        "222" => "Exceeds the contracted maximum hours, days or units for this period",
        "223" => "Adjustment required by federal, state or local law not covered by another code",
        "226" => "Information requested from the provider was not provided or was insufficient",
        "227" => "Information requested from the patient or insured was not provided or was insufficient",
        "234" => "This procedure is not paid separately",
        "236" => "Procedure or modifier combination not compatible with another on the same day",
        "237" => "Legislated or regulatory penalty",
        "241" => "Low income subsidy (LIS) co-payment amount",
        "242" => "Services not provided by network or primary care providers",
        "243" => "Services not authorized by network or primary care providers",
        "246" => "Non-payable code, for required reporting only",
        "247" => "Deductible for a professional service billed on an institutional claim",
        "248" => "Coinsurance for a professional service billed on an institutional claim",
        "250" => "Attachment or documentation received was the wrong type or insufficient",
        "251" => "Attachment or documentation received was incomplete or deficient",
        "252" => "An attachment or other documentation is required to adjudicate this claim",
        "253" => "Sequestration: reduction in federal payment",
        "256" => "Service not payable under the managed care contract",
        "A1" => "Claim or service denied (see the remark codes)",
        "A2" => "Contractual adjustment (inactive; see 45)",
        "B7" => "Provider was not certified or eligible to be paid for this service on this date",
        "B13" => "Previously paid: payment may have been made in an earlier remittance",
        "B15" => "Requires a qualifying service or procedure that was not received or covered",
        _ => return None,
    })
}

/// Remittance Advice Remark Codes, the common ones.
pub fn rarc(code: &str) -> Option<&'static str> {
    Some(match code {
        "M15" => "Separately billed services or tests were bundled as parts of one procedure",
        "M20" => "Missing, incomplete or invalid HCPCS code",
        "M25" => "Payment reflects the level of service documented as medically necessary",
        "M51" => "Missing, incomplete or invalid procedure code(s)",
        "M75" => "Multiple automated multichannel tests on the same day were combined for payment",
        "M76" => "Missing, incomplete or invalid diagnosis or condition",
        "M77" => "Missing, incomplete or invalid place of service",
        "M79" => "Missing, incomplete or invalid charge",
        "M80" => "Not covered when performed in the same session or date as a service already processed",
        "M86" => "Denied: payment already made for the same or a similar procedure in the set period",
        "M119" => "Missing, incomplete, invalid or deactivated NDC",
        "MA01" => "Appeal rights: you may ask for a review if you disagree with the amount approved",
        "MA02" => "Appeal rights: you may appeal this determination",
        "MA04" => "Secondary payment needs the primary payer's identity or payment information",
        "MA07" => "Claim information was also forwarded to Medicaid",
        "MA13" => "You may be penalized for billing the patient amounts not reported as patient responsibility",
        "MA18" => "Claim information was also forwarded to the patient's supplemental insurer",
        "MA27" => "Missing, incomplete or invalid entitlement number or name",
        "MA92" => "Missing plan information for other insurance",
        "MA130" => "Claim has incomplete or invalid information and is unprocessable (no appeal rights)",
        "N1" => "Appeal rights: you may appeal this decision in writing within the required time limits",
        "N4" => "Missing, incomplete or invalid prior insurance carrier EOB",
        "N14" => "Paid under a contractual amount, fee schedule or maximum allowable",
        "N19" => "Procedure code is incidental to the primary procedure",
        "N20" => "Service not payable with another service rendered on the same date",
        "N30" => "Patient ineligible for this service",
        "N36" => "Claim must meet the primary payer's processing requirements before we can pay",
        "N95" => "This provider type or specialty may not bill this service",
        "N115" => "Decision based on a Local Coverage Determination (LCD)",
        "N130" => "Consult the plan's benefit documents for restrictions on this service",
        "N206" => "Supporting documentation does not match the information sent on the claim",
        "N290" => "Missing, incomplete or invalid rendering provider identifier",
        "N362" => "Days or units of service exceed the acceptable maximum",
        "N381" => "Consult the contractual agreement for restrictions or billing rules for these charges",
        "N386" => "Decision based on a National Coverage Determination (NCD)",
        "N479" => "Missing explanation of benefits (coordination of benefits or Medicare secondary payer)",
        "N522" => "Duplicate of a claim processed, or to be processed, as a crossover claim",
        _ => return None,
    })
}

/// PLB03-1 provider adjustment reason codes (DE 426), full 5010 list (x12-reference.md §6).
pub fn plb_reason(code: &str) -> Option<&'static str> {
    Some(match code {
        "50" => "late charge",
        "51" => "interest penalty charge",
        "72" => "authorized return",
        "90" => "early payment allowance",
        "AH" => "origination fee",
        "AM" => "applied to borrower's account",
        "AP" => "acceleration of benefits",
        "B2" => "rebate",
        "B3" => "recovery allowance",
        "BD" => "bad debt adjustment",
        "BN" => "bonus",
        "C5" => "temporary allowance",
        "CR" => "capitation interest",
        "CS" => "adjustment",
        "CT" => "capitation payment",
        "CV" => "capital passthru",
        "CW" => "certified registered nurse anesthetist passthru",
        "DM" => "direct medical education passthru",
        "E3" => "withholding",
        "FB" => "forwarding balance",
        "FC" => "fund allocation",
        "GO" => "graduate medical education passthru",
        "HM" => "hemophilia clotting factor supplement",
        "IP" => "incentive premium payment",
        "IR" => "internal revenue service withholding",
        "IS" => "interim settlement",
        "J1" => "nonreimbursable",
        "L3" => "penalty",
        "L6" => "interest owed",
        "LE" => "levy",
        "LS" => "lump sum",
        "OA" => "organ acquisition passthru",
        "OB" => "offset for affiliated providers",
        "PI" => "periodic interim payment",
        "PL" => "payment final",
        "RA" => "retro-activity adjustment",
        "RE" => "return on equity",
        "SL" => "student loan repayment",
        "TL" => "third party liability",
        "WO" => "overpayment recovery",
        "WU" => "unspecified recovery",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_cover_the_codes_the_brief_names() {
        for c in [
            "1", "2", "3", "4", "5", "16", "18", "22", "23", "24", "26", "27", "29", "31", "45", "50", "59", "96",
            "97", "109", "119", "125", "140", "146", "151", "167", "170", "181", "182", "183", "197", "198",
            "204", "222", "223", "226", "227", "242", "253",
        ] {
            assert!(carc(c).is_some(), "CARC {c}");
        }
        for c in ["M15", "M80", "MA01", "MA04", "MA18", "MA130", "N4", "N130", "N362", "N381", "N522"] {
            assert!(rarc(c).is_some(), "RARC {c}");
        }
        for c in ["WO", "CV", "L6", "72", "B2", "FB", "J1", "90", "CT", "CS"] {
            assert!(plb_reason(c).is_some(), "PLB {c}");
        }
        assert!(carc("ZZZ").is_none() && rarc("M0").is_none() && plb_reason("ZZ").is_none());
    }

    #[test]
    fn adjustment_kinds() {
        assert!(is_prior_payer_carc("23") && !is_prior_payer_carc("230"));
        assert!(is_fee_schedule_carc("45") && is_fee_schedule_carc("42") && !is_fee_schedule_carc("50"));
        assert!(is_cost_share_carc("1") && !is_cost_share_carc("23"));
    }

    #[test]
    fn group_codes() {
        assert_eq!(cas_group("PR"), Group::Valid);
        assert_eq!(cas_group("CR"), Group::Legacy);
        assert_eq!(cas_group("co"), Group::Unknown, "codes are matched as sent, never upper-cased");
    }

    #[test]
    fn bpr_codes() {
        assert_eq!(payment_method("NON"), Some("non-payment data (no payment)"));
        assert_eq!(handling("H"), Some("notification only (no payment)"));
        assert!(handling("Z").is_none() && payment_method("XYZ").is_none());
    }
}
