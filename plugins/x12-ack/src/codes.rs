//! Code tables of the acknowledgements, with their meanings (x12-reference.md §2 and §3).
//!
//! Labels follow the reference's short labels. Where the 997 (005010X230) uses a different
//! data element than the 999 (005010X231A1), the 997 list is the 999 list without the
//! implementation ("I…") codes, which the 997 guide never had: AK304 (DE 720) vs IK304
//! (DE 620), AK403 (DE 723) vs IK403 (DE 621), AK502 (DE 718) vs IK502 (DE 618). The
//! acknowledgment codes (DE 717 for IK501/AK501, DE 715 for AK901) and the group error codes
//! (DE 716, AK905..AK909) are the same data elements in both.

use claimtrack_plugin_sdk::StatusClass;

/// Which acknowledgement the codes come from: the 997 lacks the implementation codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Ack999,
    Ack997,
}

/// TA105 (I18) interchange note codes: the full list 000–031.
const TA1_NOTE: &[(&str, &str)] = &[
    ("000", "No error"),
    ("001", "Interchange control numbers in ISA13 and IEA02 differ"),
    ("002", "Interchange control standard identifier not supported"),
    ("003", "Version of the controls not supported"),
    ("004", "Segment terminator invalid"),
    ("005", "Invalid interchange sender ID qualifier"),
    ("006", "Invalid interchange sender ID"),
    ("007", "Invalid interchange receiver ID qualifier"),
    ("008", "Invalid interchange receiver ID"),
    ("009", "Unknown interchange receiver ID"),
    ("010", "Invalid authorization information qualifier"),
    ("011", "Invalid authorization information value"),
    ("012", "Invalid security information qualifier"),
    ("013", "Invalid security information value"),
    ("014", "Invalid interchange date"),
    ("015", "Invalid interchange time"),
    ("016", "Invalid interchange standards identifier"),
    ("017", "Invalid interchange version ID"),
    ("018", "Invalid interchange control number"),
    ("019", "Invalid acknowledgment requested value"),
    ("020", "Invalid test indicator value"),
    ("021", "Invalid number of included groups value"),
    ("022", "Invalid control structure"),
    ("023", "Improper (premature) end of file"),
    ("024", "Invalid interchange content (e.g. an invalid GS segment)"),
    ("025", "Duplicate interchange control number"),
    ("026", "Invalid data element separator"),
    ("027", "Invalid component element separator"),
    ("028", "Invalid delivery date in deferred delivery request"),
    ("029", "Invalid delivery time in deferred delivery request"),
    ("030", "Invalid delivery time code in deferred delivery request"),
    ("031", "Invalid grade of service code"),
];

/// IK304 (DE 620); the numeric codes are AK304 (DE 720) of the 997.
const SEGMENT_ERROR: &[(&str, &str)] = &[
    ("1", "Unrecognized segment ID"),
    ("2", "Unexpected segment"),
    ("3", "Required segment missing"),
    ("4", "Loop occurs over maximum times"),
    ("5", "Segment exceeds maximum use"),
    ("6", "Segment not in defined transaction set"),
    ("7", "Segment not in proper sequence"),
    ("8", "Segment has data element errors"),
    ("I4", "Implementation \"not used\" segment present"),
    ("I6", "Implementation dependent segment missing"),
    ("I7", "Implementation loop occurs under minimum times"),
    ("I8", "Implementation segment below minimum use"),
    ("I9", "Implementation dependent \"not used\" segment present"),
];

/// IK403 (DE 621); the numeric codes are AK403 (DE 723) of the 997. Code 11 is in neither.
const ELEMENT_ERROR: &[(&str, &str)] = &[
    ("1", "Required data element missing"),
    ("2", "Conditional required data element missing"),
    ("3", "Too many data elements"),
    ("4", "Data element too short"),
    ("5", "Data element too long"),
    ("6", "Invalid character in data element"),
    ("7", "Invalid code value"),
    ("8", "Invalid date"),
    ("9", "Invalid time"),
    ("10", "Exclusion condition violated"),
    ("12", "Too many repetitions"),
    ("13", "Too many components"),
    ("I6", "Code value not used in implementation"),
    ("I9", "Implementation dependent data element missing"),
    ("I10", "Implementation \"not used\" data element present"),
    ("I11", "Implementation too few repetitions"),
    ("I12", "Implementation pattern match failure"),
    ("I13", "Implementation dependent \"not used\" data element present"),
];

/// IK502–IK506 (DE 618); the numeric codes are AK502–AK506 (DE 718) of the 997.
const SET_ERROR: &[(&str, &str)] = &[
    ("1", "Transaction set not supported"),
    ("2", "Transaction set trailer (SE) missing"),
    ("3", "Transaction set control numbers in ST02 and SE02 differ"),
    ("4", "Number of included segments (SE01) does not match the actual count"),
    ("5", "One or more segments in error"),
    ("6", "Missing or invalid transaction set identifier"),
    ("7", "Missing or invalid transaction set control number"),
    ("8", "Authentication key name unknown"),
    ("9", "Encryption key name unknown"),
    ("10", "Requested service (authentication or encryption) not available"),
    ("11", "Unknown security recipient"),
    ("12", "Incorrect message length (encryption only)"),
    ("13", "Message authentication code failed"),
    ("15", "Unknown security originator"),
    ("16", "Syntax error in decrypted text"),
    ("17", "Security not supported"),
    ("18", "Transaction set not in functional group"),
    ("19", "Invalid transaction set implementation convention reference"),
    ("23", "Transaction set control number not unique within the functional group"),
    ("24", "S3E security end segment missing for S3S security start segment"),
    ("25", "S3S security start segment missing for S3E security end segment"),
    ("26", "S4E security end segment missing for S4S security start segment"),
    ("27", "S4S security start segment missing for S4E security end segment"),
    ("I5", "Implementation one or more segments in error"),
    ("I6", "Implementation convention not supported"),
];

/// AK905–AK909 (DE 716), the same in 999 and 997.
const GROUP_ERROR: &[(&str, &str)] = &[
    ("1", "Functional group not supported"),
    ("2", "Functional group version not supported"),
    ("3", "Functional group trailer (GE) missing"),
    ("4", "Group control numbers in GS06 and GE02 differ"),
    ("5", "Number of included transaction sets (GE01) does not match the actual count"),
    ("6", "Group control number violates syntax"),
    ("10", "Authentication key name unknown"),
    ("11", "Encryption key name unknown"),
    ("12", "Requested service (authentication or encryption) not available"),
    ("13", "Unknown security recipient"),
    ("14", "Unknown security originator"),
    ("15", "Syntax error in decrypted text"),
    ("16", "Security not supported"),
    ("17", "Incorrect message length (encryption only)"),
    ("18", "Message authentication code failed"),
    ("19", "Functional group control number not unique within the interchange"),
    ("23", "S3E security end segment missing for S3S security start segment"),
    ("24", "S3S security start segment missing for S3E security end segment"),
    ("25", "S4E security end segment missing for S4S security start segment"),
    ("26", "S4S security start segment missing for S4E security end segment"),
];

fn lookup(table: &'static [(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    table.iter().find(|(c, _)| *c == code).map(|(_, d)| *d)
}

/// The 997 data elements never had the implementation codes.
fn in_flavor(flavor: Flavor, code: &str) -> bool {
    flavor == Flavor::Ack999 || !code.starts_with('I')
}

pub fn ta1_note(code: &str) -> Option<&'static str> {
    lookup(TA1_NOTE, code)
}

pub fn segment_error(flavor: Flavor, code: &str) -> Option<&'static str> {
    lookup(SEGMENT_ERROR, code).filter(|_| in_flavor(flavor, code))
}

pub fn element_error(flavor: Flavor, code: &str) -> Option<&'static str> {
    lookup(ELEMENT_ERROR, code).filter(|_| in_flavor(flavor, code))
}

pub fn set_error(flavor: Flavor, code: &str) -> Option<&'static str> {
    lookup(SET_ERROR, code).filter(|_| in_flavor(flavor, code))
}

pub fn group_error(code: &str) -> Option<&'static str> {
    lookup(GROUP_ERROR, code)
}

/// TA104 (I17).
pub fn ta1_status(code: &str) -> Option<StatusClass> {
    match code {
        "A" => Some(StatusClass::Accepted),
        "E" => Some(StatusClass::AcceptedWithErrors),
        "R" => Some(StatusClass::Rejected),
        _ => None,
    }
}

/// IK501 / AK501 (DE 717). M, W and X are rejections for security reasons.
pub fn set_status(code: &str) -> Option<StatusClass> {
    match code {
        "A" => Some(StatusClass::Accepted),
        "E" => Some(StatusClass::AcceptedWithErrors),
        "R" | "M" | "W" | "X" => Some(StatusClass::Rejected),
        _ => None,
    }
}

/// AK901 (DE 715): DE 717 plus P, partially accepted (at least one set rejected), which
/// counts as accepted with errors for the group: the rejected sets carry their own events.
pub fn group_status(code: &str) -> Option<StatusClass> {
    match code {
        "P" => Some(StatusClass::AcceptedWithErrors),
        _ => set_status(code),
    }
}

/// How AK901 reads in the count summary ("partially accepted: 1 of 3 …").
pub fn group_status_words(code: &str) -> &'static str {
    match code {
        "A" => "accepted",
        "E" => "accepted with errors",
        "P" => "partially accepted",
        "R" => "rejected",
        "M" => "rejected (message authentication code failed)",
        "W" => "rejected (assurance failed validity tests)",
        "X" => "rejected (content could not be analyzed after decryption)",
        _ => "acknowledged",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ta1_note_table_is_complete_000_to_031() {
        for n in 0..=31 {
            let code = format!("{n:03}");
            assert!(ta1_note(&code).is_some(), "TA105 {code} missing");
        }
        assert_eq!(ta1_note("032"), None);
        assert_eq!(ta1_note("6"), None, "codes are matched as sent, not normalised");
    }

    #[test]
    fn implementation_codes_exist_only_in_the_999() {
        assert_eq!(segment_error(Flavor::Ack999, "I6"), Some("Implementation dependent segment missing"));
        assert_eq!(segment_error(Flavor::Ack997, "I6"), None);
        assert_eq!(segment_error(Flavor::Ack997, "3"), Some("Required segment missing"));
        assert_eq!(element_error(Flavor::Ack999, "I12"), Some("Implementation pattern match failure"));
        assert_eq!(element_error(Flavor::Ack997, "I12"), None);
        assert_eq!(element_error(Flavor::Ack997, "7"), Some("Invalid code value"));
        assert_eq!(element_error(Flavor::Ack999, "11"), None, "11 is not a valid IK403 code");
        assert_eq!(set_error(Flavor::Ack999, "I5"), Some("Implementation one or more segments in error"));
        assert_eq!(set_error(Flavor::Ack997, "I5"), None);
        assert_eq!(set_error(Flavor::Ack997, "5"), Some("One or more segments in error"));
        assert_eq!(set_error(Flavor::Ack999, "14"), None, "14 is not in DE 618");
        assert_eq!(group_error("19"), Some("Functional group control number not unique within the interchange"));
        assert_eq!(group_error("7"), None);
    }

    #[test]
    fn statuses() {
        assert_eq!(ta1_status("A"), Some(StatusClass::Accepted));
        assert_eq!(ta1_status("E"), Some(StatusClass::AcceptedWithErrors));
        assert_eq!(ta1_status("R"), Some(StatusClass::Rejected));
        assert_eq!(ta1_status("P"), None);
        for c in ["R", "M", "W", "X"] {
            assert_eq!(set_status(c), Some(StatusClass::Rejected), "{c}");
            assert_eq!(group_status(c), Some(StatusClass::Rejected), "{c}");
        }
        assert_eq!(set_status("P"), None, "P is a group code only");
        assert_eq!(group_status("P"), Some(StatusClass::AcceptedWithErrors));
        assert_eq!(set_status("Q"), None);
        assert_eq!(set_status("a"), None, "codes are case-sensitive as sent");
    }
}
