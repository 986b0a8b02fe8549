//! The EDI Status report: one claim-level payer event per table row.
//!
//! Mapping (office-ally.md §3.2): the payer's verdict relayed by Office Ally, so `source` is
//! `payer` and the party is the row's Payer ID; ACCEPTED → `accepted`, REJECTED → `rejected`,
//! any other word → `informational` plus a warning; `raw_code` is the word as printed. The
//! response text becomes one `free-text` reason, whole (a leading "A7:562 - " or "CO-16 - " is
//! kept in it: the payer's wording is what staff look up), with wrapped lines joined on.
//! When it starts with a code, the code is given its own reasons before the text, each in its
//! code list ([`coded`]): a 277 status composite "A7:164:IL - …" as its category (507),
//! status (508, described by the payer's words after the dash) and entity, and an adjustment
//! "CO-16 - …" as a CARC with its group. A text that only looks like a code (an unknown
//! category, no dash) stays text alone.

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::text::{Line, Text, is_digits, money_cents, person_name};

use crate::columns::{Columns, Row};
use crate::layout::{self, Col, Status};

/// Diagnostic codes, stable for programs.
pub const CODE_UNKNOWN_STATUS: &str = "oa-edi-status-unknown-status";
pub const CODE_NO_STATUS: &str = "oa-edi-status-no-status";
pub const CODE_BAD_AMOUNT: &str = "oa-edi-status-bad-amount";
pub const CODE_BAD_DATE: &str = "oa-edi-status-bad-date";
pub const CODE_NO_CLAIM_KEY: &str = "oa-edi-status-no-claim-key";
pub const CODE_UNKNOWN_LINE: &str = "oa-edi-status-unknown-line";
pub const CODE_UNREAD_ROW: &str = "oa-edi-status-unread-row";
pub const CODE_COLUMNS: &str = "oa-edi-status-columns";
pub const CODE_NO_HEADER: &str = "oa-edi-status-no-header";

/// The first line that is the table's column header, if any.
pub fn find_header(text: &Text) -> Option<&Line> {
    text.lines.iter().find(|l| Columns::from_header(&l.text).is_some())
}

/// A status word on the line (ACCEPTED / REJECTED as a whole word).
pub fn has_status_word(line: &str) -> bool {
    line.split_whitespace().any(|w| layout::status_of(w).is_some())
}

/// A status word and an id-like digit run: a claim row, wherever its columns are.
pub fn looks_like_row(line: &str) -> bool {
    has_status_word(line)
        && line.split_whitespace().any(|w| w.len() >= layout::MIN_ID_DIGITS && is_digits(w))
}

/// Read the table(s). Lines before the first header are the report's title block.
pub fn read(text: &Text, diagnostics: &mut Vec<Diagnostic>) -> Vec<StatusEvent> {
    // An output is mostly its events (each near a kilobyte): sized up front (at most one per
    // line that is not blank), the Vec neither holds up to twice their size nor copies them
    // while growing.
    let mut events: Vec<StatusEvent> = Vec::with_capacity(text.lines.iter().filter(|l| !l.is_blank()).count());
    let mut columns: Option<Columns> = None;
    // The event whose response text a continuation line extends.
    let mut open: Option<usize> = None;
    for line in &text.lines {
        if line.is_blank() {
            open = None;
            continue;
        }
        if let Some(c) = Columns::from_header(&line.text) {
            // A header repeated on every page is described once.
            if columns.as_ref() != Some(&c) {
                describe_header(&c, line, diagnostics);
            }
            columns = Some(c);
            open = None;
            continue;
        }
        let Some(cols) = columns.as_ref() else { continue };
        if layout::is_separator(&line.text) {
            open = None;
            continue;
        }
        let row = cols.cut(&line.text);
        if is_row(&row) {
            events.push(event(row, line, diagnostics));
            open = Some(events.len() - 1);
            continue;
        }
        if layout::is_page_number(&line.text) {
            open = None;
            continue;
        }
        if let (Some(i), Some(text)) = (open, continuation(cols, &line.text)) {
            if let Some(e) = events.get_mut(i) {
                extend_response(e, text, line);
            }
            continue;
        }
        open = None;
        if layout::is_furniture(&line.text) {
            continue;
        }
        if looks_like_row(&line.text) {
            diagnostics.push(
                Diagnostic::warning(
                    format!("line {}: looks like a claim row but has no File ID or OA Claim ID where the header puts them; not read", line.number),
                    Some(line.position()),
                )
                .with_code(CODE_UNREAD_ROW),
            );
        } else {
            diagnostics.push(
                Diagnostic::info(format!("line {}: not a claim row; skipped", line.number), Some(line.position()))
                    .with_code(CODE_UNKNOWN_LINE),
            );
        }
    }
    // Wrapped lines are joined on by now: the text is whole.
    for e in &mut events {
        let Some(text) = e.reasons.iter().find(|r| r.code_set == CodeSet::FreeText) else { continue };
        let codes = coded(&text.code, text.position.clone());
        if !codes.is_empty() {
            e.reasons.splice(0..0, codes);
        }
    }
    events
}

/// The code a response text starts with, as reasons of its own code lists: "A7:164:IL -
/// Entity's contract/member number" is category A7, status 164 (described by the words after
/// the dash) and entity IL; "CO-16 - Claim lacks information" is CARC 16 in group CO. Nothing
/// for a text that does not start with a known category or adjustment group and a dash.
pub fn coded(text: &str, position: Option<Position>) -> Vec<Reason> {
    use claimtrack_plugin_sdk::x12::codes::{category_description, entity_description, status_description};
    let Some((head, words)) = text.split_once(" - ").or_else(|| text.split_once(" -")) else { return Vec::new() };
    let (head, words) = (head.trim(), words.trim());
    let code_like = |s: &str, max: usize| !s.is_empty() && s.len() <= max && s.chars().all(|c| c.is_ascii_alphanumeric());
    let reason = |set: CodeSet, code: &str, description: Option<String>| {
        let mut r = Reason::new(set, code, description);
        r.position = position.clone();
        r
    };
    let parts: Vec<&str> = head.split(':').collect();
    if (2..=3).contains(&parts.len()) && category_description(parts[0]).is_some() && parts[1..].iter().all(|p| code_like(p, 4)) {
        let described = if words.is_empty() { status_description(parts[1]).map(str::to_string) } else { Some(words.to_string()) };
        let mut out = vec![
            reason(CodeSet::ClaimStatusCategory, parts[0], category_description(parts[0]).map(str::to_string)),
            reason(CodeSet::ClaimStatus, parts[1], described),
        ];
        if let Some(entity) = parts.get(2) {
            out.push(reason(CodeSet::Entity, entity, entity_description(entity).map(str::to_string)));
        }
        return out;
    }
    if let Some((group, code)) = head.split_once('-')
        && ["CO", "PR", "OA", "PI", "CR"].contains(&group)
        && code_like(code, 4)
    {
        let mut r = reason(CodeSet::Carc, code, (!words.is_empty()).then(|| words.to_string()));
        r.group = Some(group.to_string());
        return vec![r];
    }
    Vec::new()
}

fn describe_header(c: &Columns, line: &Line, diagnostics: &mut Vec<Diagnostic>) {
    if !c.unknown.is_empty() {
        diagnostics.push(
            Diagnostic::info(
                format!("line {}: column(s) not read: {}", line.number, c.unknown.join(", ")),
                Some(line.position()),
            )
            .with_code(CODE_COLUMNS),
        );
    }
    let missing = c.missing();
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|m| m.label()).collect();
        diagnostics.push(
            Diagnostic::info(
                format!("line {}: the header has no {} column(s); those fields stay empty", line.number, names.join(", ")),
                Some(line.position()),
            )
            .with_code(CODE_COLUMNS),
        );
    }
}

fn digits(v: Option<&str>) -> bool {
    v.is_some_and(|s| s.len() >= layout::MIN_ID_DIGITS && is_digits(s))
}

fn is_row(row: &Row) -> bool {
    digits(row.get(Col::FileId)) || (row.get(Col::FileId).is_none() && digits(row.get(Col::ClaimId)))
}

/// The text of a line holding only response text (nothing left of the response column).
fn continuation<'a>(cols: &Columns, line: &'a str) -> Option<&'a str> {
    let start = cols.start(Col::Response)?;
    let indent = line.chars().take_while(|c| c.is_whitespace()).count();
    (indent + layout::CONTINUATION_SLACK >= start).then(|| line.trim())
}

fn extend_response(e: &mut StatusEvent, more: &str, line: &Line) {
    match e.reasons.iter_mut().find(|r| r.code_set == CodeSet::FreeText) {
        Some(r) => {
            r.code.push(' ');
            r.code.push_str(more);
        }
        None => {
            let mut r = Reason::new(CodeSet::FreeText, more, None);
            r.position = Some(line.position());
            e.reasons.push(r);
        }
    }
}

fn event(mut row: Row, line: &Line, diagnostics: &mut Vec<Diagnostic>) -> StatusEvent {
    let no = line.number;
    let printed = row.get(Col::Status);
    let status = match printed.map(|w| (w, layout::status_of(w))) {
        Some((_, Some(Status::Accepted))) => StatusClass::Accepted,
        Some((_, Some(Status::Rejected))) => StatusClass::Rejected,
        Some((_, Some(Status::Pending))) => StatusClass::Pending,
        Some((word, None)) => {
            // A status word is not PHI; a misplaced value might be, so only words are echoed.
            let shown = if word.len() <= 24 && word.chars().all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '/') {
                format!("'{word}'")
            } else {
                "(not shown)".to_string()
            };
            diagnostics.push(
                Diagnostic::warning(
                    format!("line {no}: unknown status {shown}; the row is kept as informational"),
                    Some(line.position()),
                )
                .with_code(CODE_UNKNOWN_STATUS),
            );
            StatusClass::Informational
        }
        None => {
            diagnostics.push(
                Diagnostic::warning(
                    format!("line {no}: the Status column is empty; the row is kept as informational"),
                    Some(line.position()),
                )
                .with_code(CODE_NO_STATUS),
            );
            StatusClass::Informational
        }
    };
    let raw_code = row.take(Col::Status).unwrap_or_else(|| "(no status)".to_string());
    let mut e = StatusEvent::new(Level::Claim, Source::Payer, status, raw_code);
    e.position = Some(line.position());

    // The row's strings move into the event: it is their last use.
    let payer = row.take(Col::PayerId).map(|id| Party { name: None, id: Some(id), id_qualifier: None });
    let tax_id = row.take(Col::TaxId);
    let mut claim = ClaimRef {
        clearinghouse_claim_id: row.take(Col::ClaimId),
        patient_control_number: row.take(Col::Acct),
        patient_name: row.get(Col::Patient).and_then(person_name),
        payer_claim_number: row.take(Col::PayerRef),
        payer: payer.clone(),
        ..ClaimRef::default()
    };
    if tax_id.is_some() {
        // Kept in the output: room for the one provider only.
        claim.providers = Vec::with_capacity(1);
        claim.providers.push(Provider { role: ProviderRole::Billing, name: None, npi: None, tax_id });
    }
    if claim.clearinghouse_claim_id.is_none() && claim.patient_control_number.is_none() {
        diagnostics.push(
            Diagnostic::warning(
                format!("line {no}: neither an OA Claim ID nor an Acct#; the event cannot be matched to a claim"),
                Some(line.position()),
            )
            .with_code(CODE_NO_CLAIM_KEY),
        );
    }
    e.claim = Some(claim);
    e.source_party = payer;
    // A row's File ID is the per-payer child file Office Ally split the upload into (the
    // File Summary lists the same ids), not the uploaded master file.
    e.correlation.clearinghouse_child_file_id = row.take(Col::FileId);

    if let Some(a) = row.get(Col::Amount) {
        e.amounts.charged = money_cents(a);
        if e.amounts.charged.is_none() {
            diagnostics.push(
                Diagnostic::warning(
                    format!("line {no}: the Amount column is not a money amount; left empty"),
                    Some(line.position()),
                )
                .with_code(CODE_BAD_AMOUNT),
            );
        }
    }
    if let Some(d) = row.get(Col::ProcessDate) {
        e.effective_date = layout::date_iso(d);
        if e.effective_date.is_none() {
            diagnostics.push(
                Diagnostic::warning(
                    format!("line {no}: the payer process date is not a date (MM/DD/YYYY); left empty"),
                    Some(line.position()),
                )
                .with_code(CODE_BAD_DATE),
            );
        }
    }
    if let Some(text) = row.take(Col::Response) {
        let mut r = Reason::new(CodeSet::FreeText, text, None);
        r.position = Some(line.position());
        // Room for this one reason (a continuation line extends its text, not the list).
        e.reasons = Vec::with_capacity(1);
        e.reasons.push(r);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(CodeSet, String, Option<String>, Option<String>)> {
        coded(text, None).into_iter().map(|r| (r.code_set, r.code, r.description, r.group)).collect()
    }

    #[test]
    fn a_leading_status_composite_gets_its_own_code_lists() {
        let c = codes("A7:164:IL - Entity's contract/member number");
        assert_eq!(c.len(), 3, "{c:?}");
        assert_eq!((c[0].0.clone(), c[0].1.as_str()), (CodeSet::ClaimStatusCategory, "A7"));
        assert!(c[0].2.as_deref().unwrap().contains("invalid information"));
        assert_eq!((c[1].0.clone(), c[1].1.as_str(), c[1].2.as_deref()), (CodeSet::ClaimStatus, "164", Some("Entity's contract/member number")));
        assert_eq!((c[2].0.clone(), c[2].1.as_str(), c[2].2.as_deref()), (CodeSet::Entity, "IL", Some("Insured or subscriber")));
        let c = codes("A2:20 -");
        assert_eq!(c[1].2.as_deref(), Some("Accepted for processing"), "the code list's words when the payer gives none");
    }

    #[test]
    fn an_adjustment_code_is_a_carc_with_its_group() {
        let c = codes("CO-16 - Claim lacks information");
        assert_eq!(c, vec![(CodeSet::Carc, "16".to_string(), Some("Claim lacks information".to_string()), Some("CO".to_string()))]);
    }

    #[test]
    fn text_that_only_looks_like_a_code_stays_text() {
        for t in ["PATIENT NOT ELIGIBLE - CALL PAYER", "Z9:164 - unknown category", "A7:164 no dash", "XX-16 - not a group", ""] {
            assert!(codes(t).is_empty(), "{t:?}");
        }
    }
}
