//! Office Ally's EDI Status report, `<FileID>_EDI_STATUS_<YYYYMMDD>.txt` (office-ally.md
//! §3.2): the payers' acknowledgements relayed per claim, one row per forwarded claim (row
//! File ID = the payer's child file; Payer Ref ID = the payer claim number when accepted).
//! Layout as in our hand-written scenario, whose header the plugin reads its columns from.

use chrono::NaiveDate;

use crate::batch::Batch;
use crate::decide::{Decisions, PayerDecision};
use crate::text::{cut, dollars, row, starts};

/// The report's file name.
pub fn file_name(file_id: &str, date: NaiveDate) -> String {
    format!("{file_id}_EDI_STATUS_{}.txt", date.format("%Y%m%d"))
}

const HEADER: &str = "    File ID    OA Claim ID Acct#          Patient Name        Amount      PracticeID Tax ID     Payer ID  Payer Proc Date  Payer Ref ID        Status    Payer Response";
const DASHES: &str = "    ---------- ----------- -------------- ------------------- ----------- ---------- ---------- --------- ---------------- ------------------- --------- ----------------------------------------";
const LABELS: [&str; 12] = [
    "File ID", "OA Claim ID", "Acct#", "Patient Name", "Amount", "PracticeID", "Tax ID", "Payer ID", "Payer Proc Date",
    "Payer Ref ID", "Status", "Payer Response",
];

/// Render the EDI Status report for the forwarded claims of `batch`. `processed` is the
/// payers' processing date; `practice_id` Office Ally's id of the practice.
pub fn render(batch: &Batch, decisions: &Decisions, report_date: NaiveDate, processed: NaiveDate, practice_id: &str) -> Vec<u8> {
    let at = starts(HEADER, &LABELS);
    let mut out: Vec<String> = vec![
        format!("{}OFFICE ALLY, INC.", " ".repeat(40)),
        format!("{}EDI STATUS REPORT", " ".repeat(40)),
        String::new(),
        format!("Report Date: {}", report_date.format("%m/%d/%Y")),
        format!("Practice: {}", batch.billing.name),
        String::new(),
        "    Payer acknowledgements received for your claims:".into(),
        String::new(),
        HEADER.into(),
        DASHES.into(),
    ];
    let tax = batch.billing.tax_id.clone().unwrap_or_default();
    for (c, d) in batch.claims.iter().zip(&decisions.claims) {
        let (status, reference, response) = match &d.payer {
            None => continue,
            Some(PayerDecision::Accepted { payer_claim_number, .. }) => {
                ("ACCEPTED", payer_claim_number.clone(), "A2:20 - Accepted for processing".to_string())
            }
            Some(PayerDecision::Rejected(r)) => {
                ("REJECTED", String::new(), format!("{}:{} - {}", r.category, r.status, r.text))
            }
        };
        // The amount is right-aligned to end one space before the PracticeID column.
        let amount = format!("{:>width$}", dollars(c.charge), width = at[5] - at[4] - 1);
        let name = cut(&format!("{}, {}", c.last, c.first), 19);
        let values = [
            d.child_file_id.as_str(),
            &d.oa_claim_id,
            &cut(&c.pcn, 14),
            &name,
            &amount,
            practice_id,
            &tax,
            &c.payer_id,
            &processed.format("%m/%d/%Y").to_string(),
            &reference,
            status,
            &response,
        ]
        .map(str::to_string);
        let cells: Vec<(usize, &str)> = at.iter().copied().zip(values.iter().map(String::as_str)).collect();
        out.push(row(&cells));
    }
    out.push(DASHES.into());
    let mut text = out.join("\n");
    text.push('\n');
    text.into_bytes()
}
