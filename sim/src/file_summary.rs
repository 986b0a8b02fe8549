//! Office Ally's File Summary, `FS_HCFA_<FileID>_IN_C.txt` (office-ally.md §3.1): the split
//! into per-payer child files, the counts and error totals, then the ERROR and ACCEPTED
//! CLAIM DETAIL tables in the layout of the real sample (the same column starts); or, for a
//! file that failed as a whole, the failure text with no claims.

use chrono::NaiveDate;

use crate::batch::{Batch, Failure};
use crate::decide::Decisions;
use crate::text::{cut, dollars, row, starts, us_date};

/// The report's file name for an upload's master File ID.
pub fn file_name(file_id: &str) -> String {
    format!("FS_HCFA_{file_id}_IN_C.txt")
}

const RULE_78: &str = "==============================================================================";
const DETAIL_HEADER: &str = "CLAIM# OA CLAIMID  PATIENT ID        LAST,FIRST          DOB          FROM DOS   TO DOS     CPT     DIAG     TAX ID      ACCNT#        PHYS.ID    PAYER  ERRORS ";
const DETAIL_LABELS: [&str; 14] = [
    "CLAIM#", "OA CLAIMID", "PATIENT ID", "LAST,FIRST", "DOB", "FROM DOS", "TO DOS", "CPT", "DIAG", "TAX ID", "ACCNT#",
    "PHYS.ID", "PAYER", "ERRORS",
];

/// What the report is about.
pub enum Content<'a> {
    /// A file that was read: its claims and what Office Ally decided.
    Read(&'a Batch, &'a Decisions),
    /// A file that failed as a whole.
    Failed(&'a Failure),
}

/// Render the File Summary of upload `file_id`, uploaded as `uploaded_name`.
pub fn render(file_id: &str, uploaded_name: &str, uploaded: NaiveDate, processed: NaiveDate, content: Content) -> Vec<u8> {
    let printed_name = format!("{file_id}_{uploaded_name}");
    let mut out: Vec<String> = vec![
        "Dear Practice Owner".into(),
        String::new(),
        "Your claims file has now been processed by Office Ally, claims that are accepted below have been forwarded to the appropriate payer(s)".into(),
        "for final processing. Processing results for your claim file are as follows.".into(),
        String::new(),
    ];
    let summary = |out: &mut Vec<String>| {
        out.push("Claims Upload File Summary".into());
        out.push(String::new());
        out.push(format!("     File Name:{printed_name}"));
        out.push(format!(" Date Uploaded: {}", uploaded.format("%m/%d/%Y")));
        out.push("  Type of File: HCFA".into());
        out.push(format!("Date Processed: {}", processed.format("%m/%d/%Y")));
    };
    match content {
        Content::Failed(failure) => {
            out.push(String::new());
            summary(&mut out);
            out.push("\tThis file could not be processed and has been rejected.".into());
            out.push(format!("\tReason: {}", failure.reason()));
            out.push(String::new());
            out.push("\t0 # of Claims Initially Accepted".into());
            out.push("\t0 # of Claims Rejected".into());
            out.push(String::new());
            out.push(RULE_78.into());
            out.push(String::new());
        }
        Content::Read(batch, decisions) => {
            out.push(RULE_78.into());
            out.push(format!("The file {printed_name} was split into {} file(s) ", decisions.children.len()));
            out.push("for processing. These file(s) are:".into());
            out.push(String::new());
            out.push("File ID\t\tPayer (PayerID)                  Claims       Totals".into());
            out.push("------------------------------------------------------------------------------".into());
            for child in &decisions.children {
                let of_child = || batch.claims.iter().filter(|c| c.payer_id == child.payer_id);
                out.push(format!(
                    "{}\t\t{:<38}{:>3}{:>17}",
                    child.file_id,
                    format!("{} ({})", child.payer_name, child.payer_id),
                    of_child().count(),
                    dollars(of_child().map(|c| c.charge).sum())
                ));
            }
            let total: i64 = batch.claims.iter().map(|c| c.charge).sum();
            out.push(format!("{}Total: {}", " ".repeat(74), dollars(total)));
            out.push(RULE_78.into());
            out.push(String::new());
            summary(&mut out);
            let rejected = decisions.claims.iter().filter(|d| !d.edits.is_empty()).count();
            out.push(format!("\t{} # of Claims Initially Accepted", decisions.claims.len() - rejected));
            out.push(format!("\t{rejected} # of Claims Rejected"));
            // Error totals, in order of first appearance.
            let mut totals: Vec<(&str, &str, usize)> = Vec::new();
            for e in decisions.claims.iter().flat_map(|d| &d.edits) {
                match totals.iter_mut().find(|t| t.0 == e.code) {
                    Some(t) => t.2 += 1,
                    None => totals.push((&e.code, &e.text, 1)),
                }
            }
            for (code, text, n) in totals {
                out.push(format!("\t+---> {n} # errors {code} - {text}"));
            }
            out.push(String::new());
            out.push(RULE_78.into());
            out.push(String::new());
            out.push(String::new());
            for (title, errors) in [("ERROR CLAIM DETAIL", true), ("ACCEPTED CLAIM DETAIL", false)] {
                let rows: Vec<usize> =
                    (0..batch.claims.len()).filter(|&i| decisions.claims[i].edits.is_empty() != errors).collect();
                if rows.is_empty() {
                    continue;
                }
                detail_table(&mut out, title, batch, decisions, &rows);
            }
        }
    }
    out.push(RULE_78.into());
    out.push(format!("This summary is regarding the master file with fileID:{file_id}"));
    out.push("please track each individual file by their unique file ID.".into());
    out.push(RULE_78.into());
    let mut text = out.join("\n");
    text.push('\n');
    text.into_bytes()
}

fn detail_table(out: &mut Vec<String>, title: &str, batch: &Batch, decisions: &Decisions, rows: &[usize]) {
    let wide = "=".repeat(162);
    let dash = "-".repeat(162);
    let at = starts(DETAIL_HEADER, &DETAIL_LABELS);
    out.push(wide.clone());
    out.push(format!("-------{title}"));
    out.push(dash.clone());
    out.push(DETAIL_HEADER.into());
    out.push(dash);
    let tax = batch.billing.tax_id.clone().unwrap_or_default();
    for (n, &i) in rows.iter().enumerate() {
        let c = &batch.claims[i];
        let d = &decisions.claims[i];
        let (from, to) = c.service_period();
        let errors: Vec<&str> = d.edits.iter().map(|e| e.code.as_str()).collect();
        let values = [
            format!("{})", n + 1),
            d.oa_claim_id.clone(),
            cut(&c.member_id, 17),
            cut(&format!("{},{}", c.last, c.first), 19),
            c.birth_date.as_deref().map(us_date).unwrap_or_default(),
            us_date(&from),
            us_date(&to),
            c.lines.first().map(|l| cut(&l.procedure, 5)).unwrap_or_default(),
            c.diagnoses.first().map(|d| cut(d, 7)).unwrap_or_default(),
            cut(&tax, 10),
            cut(&c.pcn, 14),
            cut(c.physician_npi(batch).unwrap_or(""), 10),
            cut(&c.payer_id, 5),
            errors.join(","),
        ];
        let cells: Vec<(usize, &str)> = at.iter().copied().zip(values.iter().map(String::as_str)).collect();
        out.push(row(&cells));
    }
    out.push(wide);
    out.push(String::new());
    out.push(String::new());
}
