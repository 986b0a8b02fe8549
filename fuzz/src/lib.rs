//! What every fuzz target checks beyond "no panic".
//!
//! A plugin's output goes through `register_parser!`, which applies
//! [`fit_host_limits`], and then through the host's validation
//! (`host/src/model/validate.rs`), which rejects the *whole* file for one bad field. So the
//! property worth fuzzing is: for any bytes, `parse` returns `Ok` or `Err` without
//! panicking, and an `Ok` output, once trimmed as the export macro trims it, is one the host
//! accepts. [`host_accepts`] restates the host's rules over the SDK types (the host crate
//! itself pulls in wasmtime, too heavy to build here); keep the two in step.

use claimtrack_plugin_sdk::limits::*;
use claimtrack_plugin_sdk::{
    fit_host_limits, CodeSet, Parser, ParseOutput, Party, PluginInfo, Position, StatusEvent,
};

/// How many bytes of the file `sniff` sees (the host passes at most this many).
pub const SNIFF_HEAD: usize = 4096;

/// Run parser `P` the way the host does, once per file name in `names` (some parsers read
/// the name: an EDI Status report vs an ERA summary, an error report, OATEST), and panic
/// when an output would be refused by the host.
pub fn check_parser<P: Parser>(names: &[&str], data: &[u8], parse: fn(&str, &[u8]) -> Result<ParseOutput, claimtrack_plugin_sdk::ParseError>) {
    let info = P::info();
    for name in names {
        let _ = P::sniff(name, &data[..data.len().min(SNIFF_HEAD)]);
        if let Ok(out) = parse(name, data) {
            check_output(&info, out);
        }
    }
}

/// The export macro's trimming, then the host's validation, then: trimming twice changes
/// nothing more.
pub fn check_output(info: &PluginInfo, mut out: ParseOutput) {
    fit_host_limits(&mut out);
    if let Err(e) = host_accepts(info, &out) {
        panic!("the host would refuse this output: {e}");
    }
    let mut again = out.clone();
    fit_host_limits(&mut again);
    assert!(again == out, "fit_host_limits is not idempotent");
}

type Check = Result<(), String>;

/// `check!(expr, "field {}", i)`: `expr` is a check of one value; on failure, its message
/// is prefixed with the field's name, formatted only then (the fuzzer runs this millions of
/// times).
macro_rules! check {
    ($e:expr, $($field:tt)+) => {
        $e.map_err(|e| format!("{} {e}", format_args!($($field)+)))?
    };
}

fn text(v: &str, max: usize) -> Check {
    if v.len() > max {
        return Err(format!("is {} bytes long (limit {max})", v.len()));
    }
    if let Some(c) = v.chars().find(|c| c.is_control() && *c != '\n' && *c != '\t') {
        return Err(format!("contains the control character {c:?}"));
    }
    Ok(())
}

fn ident(v: &str, max: usize) -> Check {
    text(v, max)?;
    if v.contains('\n') {
        return Err("contains a line break".into());
    }
    if v.trim().is_empty() {
        return Err("is present but blank".into());
    }
    Ok(())
}

fn opt_ident(v: &Option<String>, max: usize) -> Check {
    v.as_deref().map_or(Ok(()), |v| ident(v, max))
}

fn opt_text(v: &Option<String>, max: usize) -> Check {
    v.as_deref().map_or(Ok(()), |v| text(v, max))
}

fn cents(v: Option<i64>) -> Check {
    match v {
        Some(c) if c.unsigned_abs() > MAX_ABS_CENTS as u64 => Err(format!("{c} cents is out of range")),
        _ => Ok(()),
    }
}

fn list<T>(v: &[T], max: usize) -> Check {
    if v.len() > max {
        return Err(format!("has {} entries (limit {max})", v.len()));
    }
    Ok(())
}

/// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS`, a real calendar value.
pub fn is_iso_date(v: &str) -> bool {
    let b = v.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = b.get(r)?;
        if !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    if !matches!(b.len(), 10 | 16 | 19) || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else { return false };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if !(1..=days).contains(&d) {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    if b[10] != b'T' || b[13] != b':' {
        return false;
    }
    let (Some(h), Some(mi)) = (num(11..13), num(14..16)) else { return false };
    if h > 23 || mi > 59 {
        return false;
    }
    if b.len() == 19 {
        return b[16] == b':' && num(17..19).is_some_and(|s| s <= 60);
    }
    true
}

fn date(v: &Option<String>) -> Check {
    match v {
        Some(s) if !is_iso_date(s) => Err(format!("{s:?} is not an ISO 8601 date")),
        _ => Ok(()),
    }
}

fn position(p: &Option<Position>) -> Check {
    let Some(p) = p else { return Ok(()) };
    if p.line == Some(0) {
        return Err("line is 0".into());
    }
    if p.segment_index == Some(0) {
        return Err("segment_index is 0".into());
    }
    check!(opt_ident(&p.segment_id, MAX_CODE), "segment_id");
    check!(opt_ident(&p.element, MAX_CODE), "element");
    Ok(())
}

fn party(p: &Option<Party>) -> Check {
    let Some(p) = p else { return Ok(()) };
    check!(opt_ident(&p.name, MAX_ID), "name");
    check!(opt_ident(&p.id, MAX_ID), "id");
    check!(opt_ident(&p.id_qualifier, MAX_CODE), "id_qualifier");
    Ok(())
}

fn code_set(c: &CodeSet) -> Check {
    match c {
        CodeSet::Other(name) => ident(name, MAX_CODE),
        _ => Ok(()),
    }
}

fn event(e: &StatusEvent) -> Check {
    check!(list(&e.reasons, MAX_REASONS), "reasons");
    for (i, r) in e.reasons.iter().enumerate() {
        check!(code_set(&r.code_set), "reasons[{i}].code_set");
        let max = if r.code_set == CodeSet::FreeText { MAX_TEXT } else { MAX_CODE };
        check!(ident(&r.code, max), "reasons[{i}].code");
        check!(opt_text(&r.description, MAX_TEXT), "reasons[{i}].description");
        check!(opt_ident(&r.group, MAX_CODE), "reasons[{i}].group");
        check!(cents(r.amount), "reasons[{i}].amount");
        check!(position(&r.position), "reasons[{i}].position");
    }
    check!(ident(&e.raw_code, MAX_RAW_CODE), "raw_code");
    if let Some(c) = &e.claim {
        check!(opt_ident(&c.patient_control_number, MAX_ID), "claim.patient_control_number");
        check!(opt_ident(&c.clearinghouse_claim_id, MAX_ID), "claim.clearinghouse_claim_id");
        check!(opt_ident(&c.payer_claim_number, MAX_ID), "claim.payer_claim_number");
        check!(opt_ident(&c.patient_name, MAX_ID), "claim.patient_name");
        check!(opt_ident(&c.member_id, MAX_ID), "claim.member_id");
        check!(date(&c.service_date_from), "claim.service_date_from");
        check!(date(&c.service_date_to), "claim.service_date_to");
        check!(opt_ident(&c.frequency_code, MAX_CODE), "claim.frequency_code");
        check!(date(&c.patient_birth_date), "claim.patient_birth_date");
        check!(party(&c.payer), "claim.payer");
        check!(list(&c.providers, MAX_LIST), "claim.providers");
        for (i, p) in c.providers.iter().enumerate() {
            check!(opt_ident(&p.name, MAX_ID), "claim.providers[{i}].name");
            check!(opt_ident(&p.npi, MAX_CODE), "claim.providers[{i}].npi");
            check!(opt_ident(&p.tax_id, MAX_CODE), "claim.providers[{i}].tax_id");
        }
        check!(list(&c.diagnosis_codes, MAX_LIST), "claim.diagnosis_codes");
        for (i, d) in c.diagnosis_codes.iter().enumerate() {
            check!(ident(d, MAX_CODE), "claim.diagnosis_codes[{i}]");
        }
    }
    if let Some(s) = &e.service_line {
        check!(list(&s.modifiers, MAX_MODIFIERS), "service_line.modifiers");
        check!(opt_ident(&s.procedure_code, MAX_CODE), "service_line.procedure_code");
        check!(opt_ident(&s.procedure_qualifier, MAX_CODE), "service_line.procedure_qualifier");
        for (i, m) in s.modifiers.iter().enumerate() {
            check!(ident(m, MAX_CODE), "service_line.modifiers[{i}]");
        }
        check!(opt_ident(&s.line_item_control_number, MAX_ID), "service_line.line_item_control_number");
        check!(date(&s.service_date), "service_line.service_date");
        check!(opt_ident(&s.units, MAX_CODE), "service_line.units");
    }
    let k = &e.correlation;
    for (name, v) in [
        ("interchange_control_number", &k.interchange_control_number),
        ("group_control_number", &k.group_control_number),
        ("transaction_set_control_number", &k.transaction_set_control_number),
        ("batch_reference", &k.batch_reference),
        ("clearinghouse_file_id", &k.clearinghouse_file_id),
        ("clearinghouse_child_file_id", &k.clearinghouse_child_file_id),
        ("submitted_file_name", &k.submitted_file_name),
    ] {
        check!(opt_ident(v, MAX_ID), "correlation.{name}");
    }
    let a = &e.amounts;
    for (name, v) in [
        ("charged", a.charged),
        ("paid", a.paid),
        ("patient_responsibility", a.patient_responsibility),
        ("adjusted", a.adjusted),
        ("allowed", a.allowed),
    ] {
        check!(cents(v), "amounts.{name}");
    }
    check!(date(&e.effective_date), "effective_date");
    check!(party(&e.source_party), "source_party");
    check!(opt_ident(&e.payment_reference, MAX_ID), "payment_reference");
    check!(position(&e.position), "position");
    Ok(())
}

/// The host's `accept` (host/src/model/validate.rs) over the SDK types: `Err` names the
/// first field the host would refuse the whole output for.
pub fn host_accepts(info: &PluginInfo, out: &ParseOutput) -> Check {
    let m = &out.metadata;
    check!(ident(&m.format_id, MAX_CODE), "metadata.format_id");
    if !info.formats.iter().any(|f| f.id == m.format_id) {
        return Err(format!("metadata.format_id {:?} is not a format the plugin declares", m.format_id));
    }
    check!(opt_ident(&m.implementation, MAX_CODE), "metadata.implementation");
    for (name, v) in [
        ("interchange_control_numbers", &m.interchange_control_numbers),
        ("group_control_numbers", &m.group_control_numbers),
        ("transaction_set_control_numbers", &m.transaction_set_control_numbers),
    ] {
        for (i, s) in v.iter().enumerate() {
            check!(ident(s, MAX_ID), "metadata.{name}[{i}]");
        }
    }
    check!(party(&m.sender), "metadata.sender");
    check!(party(&m.receiver), "metadata.receiver");
    check!(date(&m.created), "metadata.created");
    check!(opt_ident(&m.usage, MAX_CODE), "metadata.usage");
    check!(opt_ident(&m.clearinghouse_file_id, MAX_ID), "metadata.clearinghouse_file_id");
    check!(opt_ident(&m.original_file_name, MAX_ID), "metadata.original_file_name");
    check!(list(&m.child_files, MAX_LIST), "metadata.child_files");
    for (i, c) in m.child_files.iter().enumerate() {
        check!(ident(&c.id, MAX_ID), "metadata.child_files[{i}].id");
        check!(party(&c.payer), "metadata.child_files[{i}].payer");
        check!(cents(c.total_charge), "metadata.child_files[{i}].total_charge");
    }
    check!(list(&m.code_totals, MAX_LIST), "metadata.code_totals");
    for (i, c) in m.code_totals.iter().enumerate() {
        check!(code_set(&c.code_set), "metadata.code_totals[{i}].code_set");
        check!(ident(&c.code, MAX_CODE), "metadata.code_totals[{i}].code");
        check!(opt_text(&c.description, MAX_TEXT), "metadata.code_totals[{i}].description");
    }
    for (i, e) in out.events.iter().enumerate() {
        check!(event(e), "event #{}", i + 1);
    }
    for (i, d) in out.diagnostics.iter().enumerate() {
        check!(ident(&d.message, MAX_TEXT), "diagnostic #{} message", i + 1);
        check!(position(&d.position), "diagnostic #{} position", i + 1);
        check!(opt_ident(&d.code, MAX_CODE), "diagnostic #{} code", i + 1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_iso_date;

    #[test]
    fn iso_dates() {
        for ok in ["2024-02-29", "2023-12-31T23:59", "2023-01-01T00:00:00"] {
            assert!(is_iso_date(ok), "{ok}");
        }
        for bad in ["2023-02-29", "2023-13-01", "2023-1-01", "20230101", "2023-01-01T24:00", "2023-01-01 00:00"] {
            assert!(!is_iso_date(bad), "{bad}");
        }
    }
}
