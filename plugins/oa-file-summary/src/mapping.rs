//! From what the report states to the shared model: metadata, one batch event, one event per
//! claim row.
//!
//! Mapping decisions (office-ally.md §3.1):
//! - Master File ID: the trailer "master file with fileID:", else the leading digits of the
//!   printed File Name ("<FileID>_<name>"), else those of the split announcement's name, else
//!   the `FS_<type>_<FileID>_…` report name. A disagreement is a warning; the first wins.
//! - `metadata.implementation` holds "Type of File" (HCFA, UB…): the only statement of which
//!   claim form the upload carried; there is no X12 guide id to put there.
//! - `metadata.original_file_name` is the File Name as printed (with OA's "<FileID>_" prefix);
//!   `correlation.submitted_file_name` is that name without the prefix, i.e. the name the
//!   practice uploaded, which is what the host knows.
//! - Batch event: level interchange, source clearinghouse, raw code
//!   "FS <accepted> accepted, <rejected> rejected" (the numbers used for the status), or "FS
//!   FAILED" for a file that failed as a whole; reasons are the error totals (code set
//!   clearinghouse-edit), plus OA's failure text as a free-text reason. Status: all accepted →
//!   accepted, some rejected → accepted-with-errors, none accepted → rejected; when a count is
//!   not printed it is taken from the rows of its table if that table is present, and when
//!   that still leaves it unknown the event is informational.
//! - Claim events: ERROR CLAIM DETAIL rows → rejected, raw code = ERRORS as printed ("REJECTED"
//!   when empty); ACCEPTED CLAIM DETAIL rows → accepted, raw code "ACCEPTED". Edit codes on an
//!   accepted row are kept as reasons without changing its status.
//! - Providers: TAX ID is the billing provider's tax id (the 837's 2010AA REF*EI); PHYS.ID is
//!   taken as the rendering provider's NPI (the physician column of a claim; for a solo
//!   practice it may equal the billing NPI, which the report does not show).
//! - Payer: `{id: PAYER}`, with the name of the child file whose payer ID matches, when
//!   exactly one does (that child file's id is then the child-file correlation).
//! - `amounts.charged` on the batch event: the split table's "Total:" (the sum charged over
//!   all child files, rejected claims included).
//! - `source_party`: Office Ally by name (the report carries no id for itself).

use std::collections::HashMap;

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::text::{is_digits, person_name};

use crate::detail::Section;
use crate::layout::{self, Column};
use crate::report::{At, ClaimRow, Report};

pub fn map(report: Report, format_id: &str, file_name: &str) -> ParseOutput {
    let Report {
        split_file_name,
        split_count,
        child_files,
        split_total,
        summary,
        file_name: printed_name,
        date_uploaded: _,
        type_of_file,
        date_processed,
        accepted,
        rejected,
        code_totals,
        master_id: trailer_id,
        failure,
        rows,
        sections,
        error_report_heading: _,
        mut diagnostics,
    } = report;
    let mut warn = |d: Diagnostic| diagnostics.push(d);

    // Which upload this is about.
    let original_name = printed_name.as_ref().map(|n| n.value.clone()).or(split_file_name.clone());
    let master =
        master_file_id(trailer_id.as_ref(), printed_name.as_ref(), split_file_name.as_deref(), file_name, &mut warn);
    let submitted_name = original_name.as_ref().map(|n| match &master {
        Some(id) => n.strip_prefix(id.as_str()).and_then(|r| r.strip_prefix('_')).unwrap_or(n).to_string(),
        None => n.clone(),
    });

    let effective_date = date_processed.as_ref().and_then(|d| processed_date(d, &mut warn));

    // Child files, and their consistency with what the report says about them.
    let children: Vec<ChildFile> = child_files
        .iter()
        .map(|c| ChildFile {
            id: c.value.id.clone(),
            payer: (c.value.payer_name.is_some() || c.value.payer_id.is_some()).then(|| Party {
                name: c.value.payer_name.clone(),
                id: c.value.payer_id.clone(),
                id_qualifier: None,
            }),
            claim_count: c.value.claims,
            total_charge: c.value.total,
        })
        .collect();
    if let Some(n) = &split_count
        && n.value as usize != children.len()
    {
        warn(
            Diagnostic::warning(
                format!("the report says the file was split into {} file(s) but lists {}", n.value, children.len()),
                Some(n.pos.clone()),
            )
            .with_code("oa-fs-count-mismatch"),
        );
    }
    if let Some(t) = &split_total {
        // In i128: a hundred rows of 15-digit amounts overflow i64 (tests/fuzz_regressions.rs).
        let sum: Option<i128> = children.iter().map(|c| c.total_charge.map(i128::from)).sum();
        if sum.is_some_and(|s| s != i128::from(t.value)) {
            warn(
                Diagnostic::warning("the child files' totals do not add up to the printed Total", Some(t.pos.clone()))
                    .with_code("oa-fs-total-mismatch"),
            );
        }
    }
    let ids = child_files.iter().map(|c| (&c.value.id, Some(c.pos.clone()))).chain(master.iter().map(|m| (m, None)));
    for (id, pos) in ids {
        if !layout::FILE_ID_DIGITS.contains(&id.len()) {
            warn(
                Diagnostic::warning(format!("file ID {id} is not 9 or 10 digits long"), pos)
                    .with_code("oa-fs-file-id-length"),
            );
        }
    }

    let descriptions: HashMap<&str, Option<&str>> =
        code_totals.iter().map(|c| (c.code.as_str(), c.description.as_deref())).collect();
    let office_ally = Party { name: Some("Office Ally".into()), id: None, id_qualifier: None };
    let correlation = Correlation {
        clearinghouse_file_id: master.clone(),
        submitted_file_name: submitted_name.clone(),
        ..Correlation::default()
    };

    // The batch event.
    let error_rows = rows.iter().filter(|r| row_section(r) == Section::Error).count();
    let accepted_rows = rows.len() - error_rows;
    for (stated, section, n, what) in
        [(&accepted, Section::Accepted, accepted_rows, "accepted"), (&rejected, Section::Error, error_rows, "rejected")]
    {
        if let Some(s) = stated
            && sections.contains(&section)
            && s.value as usize != n
        {
            warn(
                Diagnostic::warning(
                    format!("the report states {} {what} claims but its table lists {n}", s.value),
                    Some(s.pos.clone()),
                )
                .with_code("oa-fs-count-mismatch"),
            );
        }
    }
    let count_or_rows = |stated: &Option<At<u32>>, section: Section, n: usize| {
        stated.as_ref().map(|s| s.value).or_else(|| sections.contains(&section).then_some(n as u32))
    };
    let n_accepted = count_or_rows(&accepted, Section::Accepted, accepted_rows);
    let n_rejected = count_or_rows(&rejected, Section::Error, error_rows);
    let failed = failure.is_some() && rows.is_empty() && children.is_empty();
    if let (Some(f), false) = (&failure, failed) {
        warn(
            Diagnostic::warning(
                format!(
                    "line {} reads like a failed-file message, but the report lists claims or child files",
                    f.pos.line.unwrap_or(0)
                ),
                Some(f.pos.clone()),
            )
            .with_code("oa-fs-failure-with-claims"),
        );
    }
    let (status, raw_code) = if failed {
        (StatusClass::Rejected, "FS FAILED".to_string())
    } else {
        match (n_accepted, n_rejected) {
            (Some(a), Some(r)) => {
                let status = match (a, r) {
                    (_, 0) if a > 0 => StatusClass::Accepted,
                    (0, _) => StatusClass::Rejected,
                    _ => StatusClass::AcceptedWithErrors,
                };
                if a == 0 && r == 0 {
                    warn(
                        Diagnostic::warning("the report states no accepted and no rejected claims", summary.clone())
                            .with_code("oa-fs-no-claims"),
                    );
                }
                (status, format!("FS {a} accepted, {r} rejected"))
            }
            (a, r) => {
                warn(
                    Diagnostic::warning(
                        "the report does not state how many claims were accepted and rejected; the batch event is informational",
                        summary.clone(),
                    )
                    .with_code("oa-fs-no-counts"),
                );
                let n = |v: Option<u32>| v.map_or("?".to_string(), |v| v.to_string());
                (StatusClass::Informational, format!("FS {} accepted, {} rejected", n(a), n(r)))
            }
        }
    };
    let mut batch = StatusEvent::new(Level::Interchange, Source::Clearinghouse, status, raw_code);
    batch.reasons = code_totals
        .iter()
        .map(|c| Reason {
            position: Some(c.pos.clone()),
            ..Reason::new(CodeSet::ClearinghouseEdit, c.code.clone(), c.description.clone())
        })
        .collect();
    if let Some(f) = &failure
        && failed
    {
        batch
            .reasons
            .push(Reason { position: Some(f.pos.clone()), ..Reason::new(CodeSet::FreeText, f.value.clone(), None) });
    }
    batch.correlation = correlation.clone();
    batch.effective_date = effective_date.clone();
    batch.source_party = Some(office_ally.clone());
    batch.amounts.charged = split_total.as_ref().map(|t| t.value);
    batch.position = if failed { failure.as_ref().map(|f| f.pos.clone()) } else { None }
        .or_else(|| rejected.as_ref().or(accepted.as_ref()).map(|c| c.pos.clone()))
        .or_else(|| summary.clone())
        .or_else(|| Some(Position::line(1)));

    // An output is mostly its events (each near a kilobyte): sized up front, the Vec neither
    // holds up to twice their size nor copies them while growing.
    let mut events = Vec::with_capacity(rows.len() + 1);
    events.push(batch);
    for row in rows {
        events.push(claim_event(row, &children, &descriptions, &correlation, &effective_date, &office_ally, &mut warn));
    }

    let mut metadata = FileMetadata::new(format_id);
    metadata.implementation = type_of_file.map(|t| t.value);
    metadata.created = effective_date;
    metadata.clearinghouse_file_id = master;
    metadata.original_file_name = original_name;
    metadata.child_files = children;
    metadata.claim_counts = (accepted.is_some() || rejected.is_some()).then(|| {
        let (a, r) = (accepted.as_ref().map(|a| a.value), rejected.as_ref().map(|r| r.value));
        ClaimCounts { total: a.zip(r).and_then(|(a, r)| a.checked_add(r)), accepted: a, rejected: r }
    });
    metadata.code_totals = code_totals
        .into_iter()
        .map(|c| CodeTotal {
            code_set: CodeSet::ClearinghouseEdit,
            code: c.code,
            description: c.description,
            count: c.count,
        })
        .collect();

    ParseOutput { metadata, events, diagnostics }
}

/// The row's own section: its table's heading, or, for a table without one, whether it
/// lists edit codes.
fn row_section(r: &ClaimRow) -> Section {
    r.section.unwrap_or(if r.fields.get(Column::Errors).is_some() { Section::Error } else { Section::Accepted })
}

fn master_file_id(
    trailer: Option<&At<String>>,
    printed_name: Option<&At<String>>,
    split_name: Option<&str>,
    report_name: &str,
    warn: &mut impl FnMut(Diagnostic),
) -> Option<String> {
    let prefix = |n: &str| {
        let (id, rest) = n.split_once('_')?;
        (is_digits(id) && !rest.is_empty()).then(|| id.to_string())
    };
    let base = report_name.rsplit(['/', '\\']).next().unwrap_or(report_name);
    // FS_<type>_<FileID>_…
    let from_report_name =
        base.split('_').nth(2).filter(|s| is_digits(s) && base.starts_with("FS_")).map(str::to_string);
    let candidates: [(Option<String>, &str, Option<Position>); 4] = [
        (trailer.map(|t| t.value.clone()), "the master file line", trailer.map(|t| t.pos.clone())),
        (printed_name.and_then(|n| prefix(&n.value)), "the File Name prefix", printed_name.map(|n| n.pos.clone())),
        (split_name.and_then(prefix), "the split announcement", None),
        (from_report_name, "the report's file name", None),
    ];
    let mut chosen: Option<(String, &str)> = None;
    let mut reported: Vec<String> = Vec::new();
    for (id, source, pos) in candidates {
        let Some(id) = id else { continue };
        match &chosen {
            None => chosen = Some((id, source)),
            Some((c, csource)) if *c != id && !reported.contains(&id) => {
                reported.push(id.clone());
                // The report's own name naming another ID is worth knowing, not a fault.
                let d = format!("master file ID {id} from {source} differs from {c} from {csource}; using {c}");
                warn(if source == "the report's file name" {
                    Diagnostic::info(d, pos).with_code("oa-fs-file-id-conflict")
                } else {
                    Diagnostic::warning(d, pos).with_code("oa-fs-file-id-conflict")
                });
            }
            Some(_) => {}
        }
    }
    chosen.map(|(id, _)| id)
}

/// "12/12/2022", possibly followed by a time "10:15 AM".
fn processed_date(d: &At<String>, warn: &mut impl FnMut(Diagnostic)) -> Option<String> {
    let mut words = d.value.split_whitespace();
    let date = words.next().and_then(layout::date);
    if date.is_none() {
        warn(
            Diagnostic::warning(
                format!("unreadable Date Processed at line {}", d.pos.line.unwrap_or(0)),
                Some(d.pos.clone()),
            )
            .with_code("oa-fs-bad-date"),
        );
        return None;
    }
    let time = words.next().and_then(|t| {
        let mut p = t.split(':');
        let (h, m) = (p.next()?.parse::<u32>().ok()?, p.next()?.parse::<u32>().ok()?);
        let pm = words.next().map(|s| s.eq_ignore_ascii_case("PM"));
        let h = match pm {
            Some(true) if h < 12 => h + 12,
            Some(false) if h == 12 => 0,
            _ => h,
        };
        (h < 24 && m < 60).then(|| format!("{h:02}:{m:02}"))
    });
    date.map(|d| match time {
        Some(t) => format!("{d}T{t}"),
        None => d,
    })
}

#[allow(clippy::too_many_arguments)]
fn claim_event(
    row: ClaimRow,
    children: &[ChildFile],
    descriptions: &HashMap<&str, Option<&str>>,
    correlation: &Correlation,
    effective_date: &Option<String>,
    office_ally: &Party,
    warn: &mut impl FnMut(Diagnostic),
) -> StatusEvent {
    let section = row_section(&row);
    let mut f = row.fields;
    let errors = f.take(Column::Errors);
    let status = match section {
        Section::Error => StatusClass::Rejected,
        Section::Accepted => StatusClass::Accepted,
    };
    if section == Section::Error && errors.is_none() {
        warn(
            Diagnostic::warning(
                format!("rejected claim row at line {} lists no edit codes", row.line),
                Some(row.pos.clone()),
            )
            .with_code("oa-fs-no-edit-codes"),
        );
    }
    let codes = || errors.as_deref().into_iter().flat_map(|s| s.split(',')).map(str::trim).filter(|c| !c.is_empty());
    // Most rows have one code, and a Vec grown from empty holds four reasons.
    let mut reasons = Vec::with_capacity(codes().count());
    for code in codes() {
        let description = descriptions.get(code).copied().flatten().map(str::to_string);
        if !descriptions.contains_key(code) {
            warn(
                Diagnostic::warning(
                    format!("edit code {code} at line {} is not among the report's error totals", row.line),
                    Some(row.pos.clone()),
                )
                .with_code("oa-fs-unknown-edit-code"),
            );
        }
        let position = Position { element: Some("ERRORS".into()), ..row.pos.clone() };
        reasons.push(Reason { position: Some(position), ..Reason::new(CodeSet::ClearinghouseEdit, code, description) });
    }
    let raw_code = match section {
        Section::Error => errors.unwrap_or_else(|| "REJECTED".to_string()),
        Section::Accepted => "ACCEPTED".to_string(),
    };
    let mut e = StatusEvent::new(Level::Claim, Source::Clearinghouse, status, raw_code);
    e.reasons = reasons;

    // The row's strings are moved into the event: it is their last use.
    let accnt = f.take(Column::Accnt);
    if accnt.as_ref().is_some_and(|a| a.chars().count() == layout::ACCNT_WIDTH) {
        warn(
            Diagnostic::warning(
                format!(
                    "ACCNT# at line {} fills Office Ally's {}-character column: the claim's CLM01 may have been cut off",
                    row.line,
                    layout::ACCNT_WIDTH
                ),
                Some(row.pos.clone()),
            )
            .with_code("oa-fs-accnt-maybe-truncated"),
        );
    }

    let payer_id = f.take(Column::Payer);
    // The first two matches say it all: none, one, or several.
    let mut matching = children
        .iter()
        .filter(|c| payer_id.is_some() && c.payer.as_ref().and_then(|x| x.id.as_deref()) == payer_id.as_deref());
    let (first, several) = (matching.next(), matching.next().is_some());
    let child = if several { None } else { first };
    if several {
        warn(
            Diagnostic::info(
                format!("claim row at line {} matches several child files by payer ID; none chosen", row.line),
                Some(row.pos.clone()),
            )
            .with_code("oa-fs-child-ambiguous"),
        );
    }

    // Kept in the output: no room for providers that never come.
    let mut providers = Vec::with_capacity(usize::from(f.get(Column::TaxId).is_some()) + usize::from(f.get(Column::PhysId).is_some()));
    if let Some(tax) = f.take(Column::TaxId) {
        providers.push(Provider { role: ProviderRole::Billing, name: None, npi: None, tax_id: Some(tax) });
    }
    if let Some(npi) = f.take(Column::PhysId) {
        providers.push(Provider { role: ProviderRole::Rendering, name: None, npi: Some(npi), tax_id: None });
    }
    e.claim = Some(ClaimRef {
        patient_control_number: accnt,
        clearinghouse_claim_id: f.take(Column::ClaimId),
        patient_name: f.get(Column::Name).and_then(person_name),
        member_id: f.take(Column::PatientId),
        service_date_from: f.get(Column::FromDos).and_then(layout::date),
        service_date_to: f.get(Column::ToDos).and_then(layout::date),
        patient_birth_date: f.get(Column::Dob).and_then(layout::date),
        payer: payer_id.map(|id| Party {
            name: child.and_then(|c| c.payer.as_ref()).and_then(|p| p.name.clone()),
            id: Some(id),
            id_qualifier: None,
        }),
        providers,
        diagnosis_codes: f.get(Column::Diag).map(diagnoses).unwrap_or_default(),
        ..ClaimRef::default()
    });
    e.service_line =
        f.take(Column::Cpt).map(|cpt| ServiceLineRef { procedure_code: Some(cpt), ..ServiceLineRef::default() });
    e.correlation = Correlation { clearinghouse_child_file_id: child.map(|c| c.id.clone()), ..correlation.clone() };
    e.effective_date = effective_date.clone();
    e.source_party = Some(office_ally.clone());
    e.position = Some(row.pos);
    e
}

/// The DIAG column: codes separated by commas or spaces, any decimal point removed (the
/// model carries ICD-10 codes as sent in X12, without it).
fn diagnoses(s: &str) -> Vec<String> {
    // Sized from the pieces: a Vec grown from empty holds four codes where most rows have one.
    let mut codes = Vec::with_capacity(s.split([',', ' ']).count());
    codes.extend(s.split([',', ' ']).map(|d| d.trim().replace('.', "")).filter(|d| !d.is_empty()));
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnoses_lose_their_decimal_point() {
        assert_eq!(diagnoses("M54.16,Z00.00"), ["M5416", "Z0000"]);
        assert_eq!(diagnoses("M545"), ["M545"]);
    }

    #[test]
    fn processed_with_time() {
        let mut ds = Vec::new();
        let at = |s: &str| At { value: s.to_string(), pos: Position::line(3) };
        let mut w = |d| ds.push(d);
        assert_eq!(processed_date(&at("12/12/2022 1:05 PM"), &mut w).as_deref(), Some("2022-12-12T13:05"));
        assert_eq!(processed_date(&at("12/12/2022 12:05 AM"), &mut w).as_deref(), Some("2022-12-12T00:05"));
        assert_eq!(processed_date(&at("12/12/2022"), &mut w).as_deref(), Some("2022-12-12"));
        assert_eq!(processed_date(&at("2022-12-12"), &mut w), None);
        assert_eq!(ds.len(), 1);
    }
}
