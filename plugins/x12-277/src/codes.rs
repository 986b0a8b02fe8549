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

// The description tables are the SDK's (oa-edi-status reads the same codes).
pub use claimtrack_plugin_sdk::x12::codes::{category_description, entity_description, status_description};

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
}
