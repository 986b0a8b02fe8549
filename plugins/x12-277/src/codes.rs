//! Code tables of the 277 STC composites, and the one place where a category code becomes a
//! status class.
//!
//! - Claim Status Category (external code list 507): the full list of x12-reference.md §7.
//! - Claim Status (external code list 508): the representative subset of §8. A numeric code
//!   outside it may still be valid (the real list runs to about 800), so it is "not described"
//!   rather than "unknown".
//! - Entity Identifier (DE 98, STC01-3): the entities 277s commonly name.
//!
//! Descriptions are short paraphrases of the official labels. The tables match codes exactly;
//! `stc.rs` retries a lower-case code upper-cased (with one warning per file) because a
//! rejection hidden behind "a7" is worse than a tolerated case slip. The code is still
//! reported as sent (x12-reference.md §11: never rewrite data).

use claimtrack_plugin_sdk::StatusClass;

/// Which 277 the transaction set is. Only the meaning of E3/E4 differs between them, but the
/// format id, and the wording of diagnostics, follow it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// 005010X214 Health Care Claim Acknowledgment (277CA), format id `x12-277ca`.
    ClaimAck,
    /// 005010X212 Health Care Claim Status Response (and the unsolicited/HR277 notifications
    /// built the same way), format id `x12-277`.
    StatusResponse,
}

impl Variant {
    pub fn format_id(self) -> &'static str {
        match self {
            Variant::ClaimAck => "x12-277ca",
            Variant::StatusResponse => "x12-277",
        }
    }
}

/// The status class a Claim Status Category code (STC01-1, STC10-1, STC11-1) stands for.
/// `None` when the code is not in code list 507 (the caller then falls back on STC03: U →
/// rejected, anything else → informational, never accepted).
///
/// When an STC carries several composites (STC01, STC10, STC11) the most severe class wins
/// (`severity`), and the composite that decided it becomes the event's `raw_code`: an STC
/// `A2:20 … A7:128:85` is a rejected event labelled "A7:128:85", its reasons listing all.
///
/// This is x12-reference.md §7's classification column, resolved with §9's precedence:
///
/// | Category | Class | Why |
/// |---|---|---|
/// | A0 forwarded, A1 received, A2 accepted into adjudication, A5 split | accepted | §9.2: an acknowledgement that the claim went through. A1 is the weakest ("received, not yet accepted"), but §9 and the brief class it accepted, not `received` |
/// | A3 unprocessable, A4 not found, A6 missing info, A7 invalid info, A8 relational error | rejected | must be fixed and resubmitted. The category wins over STC03 (imsweb: A7 with STC03=WQ) |
/// | DR01 received, DR02 accepted, DR08 accepted with warning | accepted | data-reporting (X364) acknowledgements, same sense as A1/A2 |
/// | DR03–DR07 | rejected | data-reporting rejections, same sense as A3–A8 |
/// | P0–P5 | pending | in adjudication, on review or on hold |
/// | R0, R1, R3–R17, RQ | pending | the payer asks for something: still open, action needed (the reasons say what). There is no R2 |
/// | F1 payment, F3F forwarded, F3N not forwarded | paid | finalized with payment (F3F/F3N: "any payment made") |
/// | F2 denial | denied | |
/// | F4 no payment forthcoming | denied | §7: "denied or zero-pay"; the amounts and reasons tell which |
/// | F0 finalized, F3 revised | pending | §9: "reconcile with the 835". Adjudication is over but the money outcome is only known from the ERA (the LinuxForHealth F0:3 sample is "awaiting the payment cycle"), so the claim waits for its 835. Calling it paid from STC05 alone would announce money that has not moved |
/// | F5 cannot process | rejected | §9.2 lists F5 with the rejections: the payer will not adjudicate it |
/// | E3, E4 in a 277CA | rejected | §7/§9: correction required, so in an acknowledgement the claim is rejected |
/// | E3, E4 in a 277 | informational | the inquiry (276) was wrong, not the claim: leave the claim alone |
/// | E0, E1, E2 | informational | the response could not be produced (request error, system down, holder not responding) |
/// | D0 data search unsuccessful | informational | the payer found nothing for the inquiry: says nothing about the claim's state |
/// | X0 supplemental messages (stop-dated) | informational | |
pub fn classify(category: &str, variant: Variant) -> Option<StatusClass> {
    use StatusClass::*;
    Some(match category {
        "A0" | "A1" | "A2" | "A5" => Accepted,
        "A3" | "A4" | "A6" | "A7" | "A8" => Rejected,
        "DR01" | "DR02" | "DR08" => Accepted,
        "DR03" | "DR04" | "DR05" | "DR06" | "DR07" => Rejected,
        "P0" | "P1" | "P2" | "P3" | "P4" | "P5" => Pending,
        "R0" | "R1" | "R3" | "R4" | "R5" | "R6" | "R7" | "R8" | "R9" | "R10" | "R11" | "R12" | "R13"
        | "R14" | "R15" | "R16" | "R17" | "RQ" => Pending,
        "F1" | "F3F" | "F3N" => Paid,
        "F2" | "F4" => Denied,
        "F0" | "F3" => Pending,
        "F5" => Rejected,
        "E3" | "E4" => match variant {
            Variant::ClaimAck => Rejected,
            Variant::StatusResponse => Informational,
        },
        "E0" | "E1" | "E2" | "D0" | "X0" => Informational,
        _ => return None,
    })
}

/// How severe a class is, for choosing among several composites of one STC (STC01, STC10,
/// STC11) that disagree: the most severe wins, because the one composite that says "rejected"
/// is the one the billing person must act on.
///
/// rejected > denied > pending > paid > accepted-with-errors > accepted > received > reversed >
/// informational. Pending outranks paid (part of the claim is still open); informational is
/// last so that a composite carrying no status never hides one that does.
pub fn severity(class: StatusClass) -> u8 {
    match class {
        StatusClass::Rejected => 8,
        StatusClass::Denied => 7,
        StatusClass::Pending => 6,
        StatusClass::Paid => 5,
        StatusClass::AcceptedWithErrors => 4,
        StatusClass::Accepted => 3,
        StatusClass::Received => 2,
        StatusClass::Reversed => 1,
        StatusClass::Informational => 0,
    }
}

/// Claim Status Category codes (code list 507), the full list of x12-reference.md §7.
pub fn category_description(code: &str) -> Option<&'static str> {
    Some(match code {
        "X0" => "Supplemental messages (stop-dated 10/16/2003)",
        "A0" => "Acknowledgement/Forwarded: the claim was forwarded to another entity",
        "A1" => "Acknowledgement/Receipt: received, not yet accepted for adjudication",
        "A2" => "Acknowledgement/Acceptance into the adjudication system",
        "A3" => "Acknowledgement/Returned as unprocessable claim: rejected, never entered adjudication",
        "A4" => "Acknowledgement/Not found in the adjudication system",
        "A5" => "Acknowledgement/Split claim: split on acceptance into the adjudication system",
        "A6" => "Acknowledgement/Rejected for missing information",
        "A7" => "Acknowledgement/Rejected for invalid information",
        "A8" => "Acknowledgement/Rejected for relational field in error",
        "DR01" => "Data reporting acknowledgement/Receipt",
        "DR02" => "Data reporting acknowledgement/Acceptance into the data reporting system",
        "DR03" => "Data reporting acknowledgement/Returned as unprocessable",
        "DR04" => "Data reporting acknowledgement/Not found",
        "DR05" => "Data reporting acknowledgement/Rejected for missing information",
        "DR06" => "Data reporting acknowledgement/Rejected for invalid information",
        "DR07" => "Data reporting acknowledgement/Rejected for relational field in error",
        "DR08" => "Data reporting acknowledgement/Accepted with warning",
        "P0" => "Pending: adjudication details not yet available (no remittance yet, or only partly paid)",
        "P1" => "Pending/In process in the adjudication system",
        "P2" => "Pending/Payer review (medical review, repricing, third-party administrator)",
        "P3" => "Pending/Provider requested information: waiting on information from the provider",
        "P4" => "Pending/Patient requested information: waiting on information from the patient",
        "P5" => "Pending/Payer administrative or system hold",
        "F0" => "Finalized: adjudication complete, no further action on this claim",
        "F1" => "Finalized/Payment: the claim or line was paid",
        "F2" => "Finalized/Denial: the claim or line was denied",
        "F3" => "Finalized/Revised: adjudication information has changed",
        "F3F" => "Finalized/Forwarded: adjudication complete, any payment made, forwarded to a subsequent payer",
        "F3N" => "Finalized/Not forwarded: adjudication complete, any payment made, not forwarded",
        "F4" => "Finalized/Adjudication complete, no payment forthcoming",
        "F5" => "Finalized/Cannot process",
        "R0" => "Requests for additional information/General requests",
        "R1" => "Requests for additional information/Entity requests (subscriber, patient, provider)",
        "R3" => "Requests for additional information/Claim or line: data that could appear on a claim",
        "R4" => "Requests for additional information/Documentation (certifications, x-rays, notes)",
        "R5" => "Request for more specific detail (follow-up to an earlier request)",
        "R6" => "Requests for additional information/Regulatory requirements",
        "R7" => "Requests for additional information/Confirm care is consistent with health plan policy coverage",
        "R8" => "Requests for additional information/Confirm care is consistent with health plan coverage exceptions",
        "R9" => "Requests for additional information/Determination of medical necessity",
        "R10" => "Requests for additional information/Support a filed grievance or appeal",
        "R11" => "Requests for additional information/Pre-payment review",
        "R12" => "Requests for additional information/Clarification or justification of a procedure code",
        "R13" => "Requests for additional information/Original documents received were unreadable",
        "R14" => "Requests for additional information/Original documents received did not match what was requested",
        "R15" => "Requests for additional information/Workers' compensation coverage determination",
        "R16" => "Requests for additional information/Eligibility determination",
        "R17" => "Replacement of a prior request (attachments)",
        "RQ" => "General questions (yes/no responses)",
        "E0" => "Response not possible: error in the submitted request data",
        "E1" => "Response not possible: system status",
        "E2" => "Information holder is not responding; resubmit at a later time",
        "E3" => "Correction required: relational fields in error",
        "E4" => "Trading partner agreement-specific requirement not met: data correction required",
        "D0" => "Data search unsuccessful: no status found with the given search criteria",
        _ => return None,
    })
}

/// Claim Status codes (code list 508): the representative subset of x12-reference.md §8.
/// "(entity)" marks codes that name the entity given in the composite's third component.
pub fn status_description(code: &str) -> Option<&'static str> {
    Some(match code {
        // General, acknowledgement and pending.
        "0" => "Cannot provide further status electronically",
        "1" => "For more detailed information, see the remittance advice",
        "2" => "More detailed information in a letter",
        "3" => "Claim has been adjudicated and is awaiting the payment cycle",
        "6" => "Balance due from the subscriber",
        "15" => "One or more originally submitted procedure codes have been modified",
        "16" => "Claim/encounter has been forwarded to entity",
        "17" => "Claim/encounter has been forwarded by a third-party entity to entity",
        "18" => "Entity received the claim but returned an invalid status",
        "19" => "Entity acknowledges receipt of the claim/encounter",
        "20" => "Accepted for processing",
        "21" => "Missing or invalid information (a further status code names the item)",
        "22" => "... before entering the adjudication system (qualifies another status code)",
        "23" => "Returned to entity",
        "24" => "Entity not approved as an electronic submitter",
        "25" => "Entity not approved",
        "26" => "Entity not found",
        "27" => "Policy canceled",
        "28" => "Claim submitted to the wrong payer",
        "29" => "Subscriber and policy number/contract number mismatched",
        "30" => "Subscriber and subscriber id mismatched",
        "31" => "Subscriber and policyholder name mismatched",
        "32" => "Subscriber and policy number/contract number not found",
        "33" => "Subscriber and subscriber id not found",
        "34" => "Subscriber and policyholder name not found",
        "35" => "Claim/encounter not found",
        "37" => "Predetermination is on file, awaiting completion of services",
        "38" => "Awaiting next periodic adjudication cycle",
        "39" => "Charges for pregnancy deferred until delivery",
        "40" => "Waiting for final approval",
        "41" => "Special handling required at the payer site",
        "42" => "Awaiting related charges",
        "44" => "Charges pending provider audit",
        "45" => "Awaiting benefit determination",
        "46" => "Internal review/audit",
        "47" => "Internal review/audit, partial payment made",
        "48" => "Referral/authorization",
        "49" => "Pending provider accreditation review",
        "50" => "Claim waiting for internal provider verification",
        "51" => "Investigating occupational illness/accident",
        "52" => "Investigating existence of other insurance coverage",
        "53" => "Claim being researched for insured id/group policy number error",
        "54" => "Duplicate of a previously processed claim/line",
        "55" => "Claim assigned to an approver/analyst",
        "56" => "Awaiting eligibility determination",
        "57" => "Pending COBRA information requested",
        "59" => "Information was requested by a non-electronic method",
        "60" => "Information was requested by an electronic method",
        "61" => "Eligibility for extended benefits",
        "64" => "Re-pricing information",
        // Payment.
        "65" => "Claim/line has been paid",
        "66" => "Payment reflects usual and customary charges",
        "67" => "Payment made in full",
        "68" => "Partial payment made for this claim",
        "69" => "Payment reflects plan provisions",
        "70" => "Payment reflects contract provisions",
        "71" => "Periodic installment released",
        "72" => "Claim contains split payment",
        "73" => "Payment made to entity, assignment of benefits not on file",
        "78" => "Duplicate of an existing claim/line, awaiting processing",
        // Denial and eligibility.
        "81" => "Contract/plan does not cover pre-existing conditions",
        "83" => "No coverage for newborns",
        "84" => "Service not authorized",
        "85" => "Entity not primary",
        "86" => "Diagnosis and patient gender mismatch",
        "87" => "Denied: entity not found (use 26)",
        "88" => "Entity not eligible for benefits for the submitted dates of service",
        "89" => "Entity not eligible for dental benefits for the submitted dates of service",
        "90" => "Entity not eligible for medical benefits for the submitted dates of service",
        "91" => "Entity not eligible/not approved for the dates of service",
        "92" => "Entity does not meet dependent or student qualification",
        "93" => "Entity is not the selected primary care provider",
        "94" => "Entity not referred by the selected primary care provider",
        "95" => "Requested additional information not received",
        "96" => "No agreement with entity",
        "97" => "Patient eligibility not found with entity",
        "98" => "Charges applied to deductible",
        "99" => "Pre-treatment review",
        "100" => "Pre-certification penalty taken",
        "101" => "Claim was processed as an adjustment to a previous claim",
        "102" => "Newborn's charges processed on the mother's claim",
        "103" => "Claim combined with other claim(s)",
        "104" => "Processed according to plan provisions",
        "105" => "Claim/line is capitated",
        "106" => "This amount is not entity's responsibility",
        "107" => "Processed according to contract provisions",
        "108" => "Coverage has been canceled for this entity (use 27)",
        "109" => "Entity not eligible",
        "110" => "Claim requires pricing information",
        "111" => "Policyholder requires a non-electronic claim submission",
        "112" => "Policyholder processes its own claims",
        "113" => "Cannot process individual insurance policy claims",
        "114" => "Claim should be processed by entity",
        "115" => "Cannot process HMO claims",
        "116" => "Claim submitted to the incorrect payer",
        "117" => "Claim requires a signature-on-file indicator",
        "118" => "Third-party-organization reject (legacy); use 21 with another code",
        "119" => "Third-party-organization reject (legacy); use 21 with another code",
        "120" => "Third-party-organization reject (legacy); use 21 with another code",
        "121" => "Service line number greater than the maximum allowable for the payer",
        "122" => "Missing/invalid data prevents the payer from processing the claim (use 21)",
        "123" => "Additional information requested from entity",
        // Data items named in rejections.
        "124" => "Entity's name, address, phone and id number",
        "125" => "Entity's name",
        "126" => "Entity's address",
        "127" => "Entity's communication number",
        "128" => "Entity's tax id",
        "145" => "Entity's specialty/taxonomy code",
        "153" => "Entity's id number",
        "156" => "Patient relationship to subscriber",
        "157" => "Entity's gender",
        "158" => "Entity's date of birth",
        "162" => "Entity's health insurance claim number (HICN)",
        "163" => "Entity's policy number",
        "164" => "Entity's contract/member number",
        "171" => "Other insurance coverage information",
        "178" => "Submitted charges",
        "187" => "Date(s) of service",
        "188" => "Statement from-through dates",
        "189" => "Facility admission date",
        "190" => "Facility discharge date",
        "228" => "Type of bill for UB claim",
        "234" => "Patient discharge status",
        "247" => "Line information",
        "249" => "Place of service",
        "250" => "Type of service",
        "252" => "Authorization/certification number",
        "254" => "Principal diagnosis code",
        "255" => "Diagnosis code",
        "286" => "Other payer's explanation of benefits/payment information",
        "294" => "Supporting documentation",
        "297" => "Medical notes/report",
        "317" => "Patient's medical records",
        // 400-series.
        "400" => "Claim is out of balance",
        "401" => "Source of payment is not valid",
        "402" => "Amount must be greater than zero",
        "448" => "Invalid billing combination (see STC12 for details)",
        "453" => "Procedure code modifier(s) for the service rendered",
        "454" => "Procedure code for the service rendered",
        "455" => "Revenue code for the service rendered",
        "460" => "NUBC condition code(s)",
        "461" => "NUBC occurrence code(s) and date(s)",
        "462" => "NUBC occurrence span code(s) and date(s)",
        "463" => "NUBC value code(s) and amount(s)",
        "464" => "Payer-assigned claim control number",
        "473" => "Missing or invalid lab indicator",
        "474" => "Procedure code and patient gender mismatch",
        "475" => "Procedure code not valid for patient age",
        "476" => "Missing or invalid units of service",
        "477" => "Diagnosis code pointer is missing or invalid",
        "478" => "Claim submitter's identifier",
        "479" => "Other carrier payer id is missing or invalid",
        "480" => "Entity's claim filing indicator",
        "481" => "Claim/submission format is invalid",
        "482" => "Date error, century missing",
        "483" => "Maximum coverage amount met or exceeded for the benefit period",
        "484" => "Business application currently not available",
        "487" => "Not found; should have been submitted to or through entity",
        "491" => "Entity not eligible for encounter submission",
        "493" => "Version is not supported by the information holder",
        "494" => "Real-time requests not supported; resubmit as a batch",
        "495" => "Re-adjudication request must cite the new payer claim control number",
        "496" => "Submitter not approved for electronic claim submissions on behalf of entity",
        "497" => "Sales tax not paid",
        "498" => "Maximum leave days exhausted",
        "499" => "No rate on file with the payer for this service for entity",
        // 500–700 series.
        "500" => "Entity's postal/ZIP code",
        "501" => "Entity's state/province",
        "502" => "Entity's city",
        "503" => "Entity's street address",
        "504" => "Entity's last or organization name",
        "505" => "Entity's first name",
        "506" => "Entity is changing processor/clearinghouse",
        "507" => "HCPCS",
        "508" => "ICD9",
        "509" => "External cause of injury code (E-code)",
        "510" => "Future date",
        "511" => "Invalid character",
        "512" => "Length invalid for receiver's application system",
        "516" => "Other payer's adjudication or payment date",
        "538" => "Claim or encounter identifier",
        "543" => "Clearinghouse or value-added network trace number",
        "555" => "Delay reason code",
        "560" => "Entity's additional/secondary identifier",
        "561" => "Entity's contact name",
        "562" => "Entity's National Provider Identifier (NPI)",
        "564" => "EPSDT indicator",
        "583" => "Line item charge amount",
        "584" => "Line item control number",
        "585" => "Denied or non-covered charge amount",
        "654" => "Total denied charge amount",
        "663" => "Entity's group name",
        "672" => "Other payer's payment information is out of balance",
        "673" => "Patient reason for visit",
        "674" => "Authorization exceeded",
        "678" => "Revenue code and patient gender mismatch",
        "681" => "Claim currency not supported",
        "684" => "Rejected: syntax error noted for this claim/service/inquiry (see the 997/999)",
        "685" => "Real-time adjudication could not finish; continuing in batch mode (do not resubmit)",
        "686" => "Adjudication complete and the whole claim voided",
        "697" => "Invalid decimal precision",
        "700" => "ICD10",
        "704" => "Claim note text",
        "710" => "Line adjudication information",
        "717" => "Claim split for processing",
        "718" => "Claim/service not submitted within the required timely filing limit",
        "732" => "Information submitted inconsistent with billing guidelines",
        "733" => "Prefix for entity's contract/member number",
        "735" => "Included in the allowance for another service or claim",
        "736" => "Related or qualifying service or claim not yet received or adjudicated",
        "741" => "Entity must be a person",
        "743" => "Entity's credential/enrollment information",
        "745" => "Identifier qualifier",
        "746" => "Duplicate submission (information receiver level of the 277CA only)",
        "748" => "Corrected data",
        "749" => "Date of injury/illness",
        "761" => "Entity's referral number",
        _ => return None,
    })
}

/// Entity Identifier codes (DE 98) that 277 status composites commonly name.
pub fn entity_description(code: &str) -> Option<&'static str> {
    Some(match code {
        "03" => "Dependent",
        "1P" => "Provider",
        "1T" => "Physician, clinic or group practice",
        "1Z" => "Home health care",
        "2B" => "Third-party administrator",
        "36" => "Employer",
        "40" => "Receiver",
        "41" => "Submitter",
        "71" => "Attending physician",
        "72" => "Operating physician",
        "73" => "Other physician",
        "74" => "Corrected insured",
        "77" => "Service location",
        "80" => "Hospital",
        "82" => "Rendering provider",
        "85" => "Billing provider",
        "87" => "Pay-to provider",
        "AY" => "Clearinghouse",
        "CK" => "Pharmacist",
        "DK" => "Ordering physician",
        "DN" => "Referring provider",
        "DQ" => "Supervising physician",
        "FA" => "Facility",
        "GB" => "Other insured",
        "HH" => "Home health agency",
        "IL" => "Insured or subscriber",
        "LI" => "Independent lab",
        "P3" => "Primary care provider",
        "PR" => "Payer",
        "PRP" => "Primary payer",
        "QA" => "Pharmacy",
        "QB" => "Purchase service provider",
        "QC" => "Patient",
        "QD" => "Responsible party",
        "SEP" => "Secondary payer",
        "TL" => "Testing laboratory",
        "TTP" => "Tertiary payer",
        "TU" => "Third-party repricing organization",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code of the full 507 list has a description and a class.
    const ALL_507: &[&str] = &[
        "X0", "A0", "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "DR01", "DR02", "DR03", "DR04", "DR05",
        "DR06", "DR07", "DR08", "P0", "P1", "P2", "P3", "P4", "P5", "F0", "F1", "F2", "F3", "F3F", "F3N", "F4",
        "F5", "R0", "R1", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
        "R16", "R17", "RQ", "E0", "E1", "E2", "E3", "E4", "D0",
    ];

    #[test]
    fn full_category_list_is_described_and_classified() {
        for code in ALL_507 {
            assert!(category_description(code).is_some(), "{code} has no description");
            for v in [Variant::ClaimAck, Variant::StatusResponse] {
                assert!(classify(code, v).is_some(), "{code} has no class in {v:?}");
            }
        }
    }

    #[test]
    fn classification_follows_the_reference() {
        use StatusClass::*;
        let ca = |c| classify(c, Variant::ClaimAck);
        let rs = |c| classify(c, Variant::StatusResponse);
        for c in ["A0", "A1", "A2", "A5"] {
            assert_eq!(ca(c), Some(Accepted), "{c}");
        }
        for c in ["A3", "A4", "A6", "A7", "A8", "F5"] {
            assert_eq!(ca(c), Some(Rejected), "{c}");
            assert_eq!(rs(c), Some(Rejected), "{c}");
        }
        assert_eq!(ca("E3"), Some(Rejected));
        assert_eq!(ca("E4"), Some(Rejected));
        assert_eq!(rs("E3"), Some(Informational));
        assert_eq!(rs("E4"), Some(Informational));
        for c in ["E0", "E1", "E2", "D0"] {
            assert_eq!(ca(c), Some(Informational), "{c}");
            assert_eq!(rs(c), Some(Informational), "{c}");
        }
        for c in ["P0", "P3", "P5", "R0", "R4", "R17", "RQ", "F0", "F3"] {
            assert_eq!(rs(c), Some(Pending), "{c}");
        }
        for c in ["F1", "F3F", "F3N"] {
            assert_eq!(rs(c), Some(Paid), "{c}");
        }
        assert_eq!(rs("F2"), Some(Denied));
        assert_eq!(rs("F4"), Some(Denied));
        // Not in the list: R2 was never a code; codes are case-sensitive; masked codes.
        assert_eq!(rs("R2"), None);
        assert_eq!(ca("a7"), None);
        assert_eq!(ca("X9"), None);
    }

    #[test]
    fn severity_orders_rejected_first() {
        use StatusClass::*;
        let order = [Rejected, Denied, Pending, Paid, Accepted, Received, Informational];
        for w in order.windows(2) {
            assert!(severity(w[0]) > severity(w[1]), "{:?} should outrank {:?}", w[0], w[1]);
        }
    }

    #[test]
    fn status_and_entity_tables() {
        assert!(status_description("562").unwrap().contains("NPI"));
        assert!(status_description("20").is_some());
        assert_eq!(status_description("9999"), None);
        assert_eq!(entity_description("85"), Some("Billing provider"));
        assert_eq!(entity_description("QC"), Some("Patient"));
        assert_eq!(entity_description("qc"), None);
    }
}
