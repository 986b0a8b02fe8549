//! Statements a payer makes about a whole file or transaction set reach only that payer's
//! claims.
//!
//! Office Ally splits each upload into one file per payer and forwards each to its payer; a
//! payer's 277CA then acknowledges *its* file at 2200B ("A1:19: received"), and names the
//! upload's batch by the 837's BHT03, which every payer's file shares. Read as a statement
//! about the whole upload, one payer's acknowledgement would move the claims of every other
//! payer to PAYER ACCEPTED, and its reasons would appear in their timelines.
//!
//! So a payer's statement about a file or set reaches a claim of the batch only when the claim
//! is addressed to that payer, as far as the ids tell: when the statement's payer id (277CA
//! 2100A NM109) is the payer id of some claim of the batch (837 2010BB NM109), the ids are the
//! same system and decide; when it matches none (a payer that names itself by another id),
//! nothing tells the payers apart and the statement reaches every claim, as before. Office
//! Ally's own statements (File Summary, 999, TA1) are about the whole upload and reach every
//! claim.

use rusqlite::{params, Connection};

/// Whether a statement about the file or set, made by the payer with id `speaker` (`None` for
/// Office Ally, or a payer without an id), reaches a claim addressed to `claim_payer`, in a
/// batch whose claims are addressed to `batch_payers`.
pub fn reaches(speaker: Option<&str>, claim_payer: Option<&str>, batch_payers: &[String]) -> bool {
    match (speaker, claim_payer) {
        (Some(s), Some(c)) if batch_payers.iter().any(|p| p == s) => s == c,
        _ => true,
    }
}

/// The payer ids the claims of batch `batch` are addressed to.
pub fn payers_of_batch(conn: &Connection, batch: i64) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT DISTINCT payer_id FROM claims WHERE batch_id = ?1 AND payer_id IS NOT NULL")?;
    let rows = stmt.query_map(params![batch], |r| r.get(0))?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::reaches;

    #[test]
    fn a_payers_file_statement_reaches_only_its_claims_when_the_ids_tell() {
        let batch = ["PHP03".to_string(), "MVH01".to_string()];
        assert!(reaches(Some("PHP03"), Some("PHP03"), &batch));
        assert!(!reaches(Some("PHP03"), Some("MVH01"), &batch), "another payer's acknowledgement");
        assert!(reaches(Some("00570"), Some("MVH01"), &batch), "an id of another system tells nothing");
        assert!(reaches(None, Some("MVH01"), &batch), "Office Ally's statements reach every claim");
        assert!(reaches(Some("PHP03"), None, &batch), "a claim without a payer id");
    }
}
