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

fn text(field: &str, v: &str, max: usize) -> Check {
    if v.len() > max {
        return Err(format!("{field} is {} bytes long (limit {max})", v.len()));
    }
    if let Some(c) = v.chars().find(|c| c.is_control() && *c != '\n' && *c != '\t') {
        return Err(format!("{field} contains the control character {c:?}"));
    }
    Ok(())
}

fn ident(field: &str, v: &str, max: usize) -> Check {
    text(field, v, max)?;
    if v.contains('\n') {
        return Err(format!("{field} contains a line break"));
    }
    if v.trim().is_empty() {
        return Err(format!("{field} is present but blank"));
    }
    Ok(())
}

fn opt_ident(field: &str, v: &Option<String>, max: usize) -> Check {
    v.as_deref().map_or(Ok(()), |v| ident(field, v, max))
}

fn opt_text(field: &str, v: &Option<String>, max: usize) -> Check {
    v.as_deref().map_or(Ok(()), |v| text(field, v, max))
}

fn cents(field: &str, v: Option<i64>) -> Check {
    match v {
        Some(c) if c.unsigned_abs() > MAX_ABS_CENTS as u64 => Err(format!("{field} {c} cents is out of range")),
        _ => Ok(()),
    }
}

fn list<T>(field: &str, v: &[T], max: usize) -> Check {
    if v.len() > max {
        return Err(format!("{field} has {} entries (limit {max})", v.len()));
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

fn date(field: &str, v: &Option<String>) -> Check {
    match v {
        Some(s) if !is_iso_date(s) => Err(format!("{field} {s:?} is not an ISO 8601 date")),
        _ => Ok(()),
    }
}

fn position(field: &str, p: &Option<Position>) -> Check {
    let Some(p) = p else { return Ok(()) };
    if p.line == Some(0) {
        return Err(format!("{field}.line is 0"));
    }
    if p.segment_index == Some(0) {
        return Err(format!("{field}.segment_index is 0"));
    }
    opt_ident(&format!("{field}.segment_id"), &p.segment_id, MAX_CODE)?;
    opt_ident(&format!("{field}.element"), &p.element, MAX_CODE)
}

fn party(field: &str, p: &Option<Party>) -> Check {
    let Some(p) = p else { return Ok(()) };
    opt_ident(&format!("{field}.name"), &p.name, MAX_ID)?;
    opt_ident(&format!("{field}.id"), &p.id, MAX_ID)?;
    opt_ident(&format!("{field}.id_qualifier"), &p.id_qualifier, MAX_CODE)
}

fn code_set(field: &str, c: &CodeSet) -> Check {
    match c {
        CodeSet::Other(name) => ident(field, name, MAX_CODE),
        _ => Ok(()),
    }
}

fn event(f: &str, e: &StatusEvent) -> Check {
    list(&format!("{f}.reasons"), &e.reasons, MAX_REASONS)?;
    for (i, r) in e.reasons.iter().enumerate() {
        let rf = format!("{f}.reasons[{i}]");
        code_set(&format!("{rf}.code_set"), &r.code_set)?;
        let max = if r.code_set == CodeSet::FreeText { MAX_TEXT } else { MAX_CODE };
        ident(&format!("{rf}.code"), &r.code, max)?;
        opt_text(&format!("{rf}.description"), &r.description, MAX_TEXT)?;
        opt_ident(&format!("{rf}.group"), &r.group, MAX_CODE)?;
        cents(&format!("{rf}.amount"), r.amount)?;
        position(&format!("{rf}.position"), &r.position)?;
    }
    ident(&format!("{f}.raw_code"), &e.raw_code, MAX_RAW_CODE)?;
    if let Some(c) = &e.claim {
        let cf = format!("{f}.claim");
        opt_ident(&format!("{cf}.patient_control_number"), &c.patient_control_number, MAX_ID)?;
        opt_ident(&format!("{cf}.clearinghouse_claim_id"), &c.clearinghouse_claim_id, MAX_ID)?;
        opt_ident(&format!("{cf}.payer_claim_number"), &c.payer_claim_number, MAX_ID)?;
        opt_ident(&format!("{cf}.patient_name"), &c.patient_name, MAX_ID)?;
        opt_ident(&format!("{cf}.member_id"), &c.member_id, MAX_ID)?;
        date(&format!("{cf}.service_date_from"), &c.service_date_from)?;
        date(&format!("{cf}.service_date_to"), &c.service_date_to)?;
        opt_ident(&format!("{cf}.frequency_code"), &c.frequency_code, MAX_CODE)?;
        date(&format!("{cf}.patient_birth_date"), &c.patient_birth_date)?;
        party(&format!("{cf}.payer"), &c.payer)?;
        list(&format!("{cf}.providers"), &c.providers, MAX_LIST)?;
        for (i, p) in c.providers.iter().enumerate() {
            let pf = format!("{cf}.providers[{i}]");
            opt_ident(&format!("{pf}.name"), &p.name, MAX_ID)?;
            opt_ident(&format!("{pf}.npi"), &p.npi, MAX_CODE)?;
            opt_ident(&format!("{pf}.tax_id"), &p.tax_id, MAX_CODE)?;
        }
        list(&format!("{cf}.diagnosis_codes"), &c.diagnosis_codes, MAX_LIST)?;
        for d in &c.diagnosis_codes {
            ident(&format!("{cf}.diagnosis_codes"), d, MAX_CODE)?;
        }
    }
    if let Some(s) = &e.service_line {
        let sf = format!("{f}.service_line");
        list(&format!("{sf}.modifiers"), &s.modifiers, MAX_MODIFIERS)?;
        opt_ident(&format!("{sf}.procedure_code"), &s.procedure_code, MAX_CODE)?;
        opt_ident(&format!("{sf}.procedure_qualifier"), &s.procedure_qualifier, MAX_CODE)?;
        for m in &s.modifiers {
            ident(&format!("{sf}.modifiers"), m, MAX_CODE)?;
        }
        opt_ident(&format!("{sf}.line_item_control_number"), &s.line_item_control_number, MAX_ID)?;
        date(&format!("{sf}.service_date"), &s.service_date)?;
        opt_ident(&format!("{sf}.units"), &s.units, MAX_CODE)?;
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
        opt_ident(&format!("{f}.correlation.{name}"), v, MAX_ID)?;
    }
    let a = &e.amounts;
    for (name, v) in [
        ("charged", a.charged),
        ("paid", a.paid),
        ("patient_responsibility", a.patient_responsibility),
        ("adjusted", a.adjusted),
        ("allowed", a.allowed),
    ] {
        cents(&format!("{f}.amounts.{name}"), v)?;
    }
    date(&format!("{f}.effective_date"), &e.effective_date)?;
    party(&format!("{f}.source_party"), &e.source_party)?;
    opt_ident(&format!("{f}.payment_reference"), &e.payment_reference, MAX_ID)?;
    position(&format!("{f}.position"), &e.position)
}

/// The host's `accept` (host/src/model/validate.rs) over the SDK types: `Err` names the
/// first field the host would refuse the whole output for.
pub fn host_accepts(info: &PluginInfo, out: &ParseOutput) -> Check {
    let m = &out.metadata;
    ident("metadata.format_id", &m.format_id, MAX_CODE)?;
    if !info.formats.iter().any(|f| f.id == m.format_id) {
        return Err(format!("metadata.format_id {:?} is not a format the plugin declares", m.format_id));
    }
    opt_ident("metadata.implementation", &m.implementation, MAX_CODE)?;
    for (name, v) in [
        ("interchange_control_numbers", &m.interchange_control_numbers),
        ("group_control_numbers", &m.group_control_numbers),
        ("transaction_set_control_numbers", &m.transaction_set_control_numbers),
    ] {
        for s in v {
            ident(&format!("metadata.{name}"), s, MAX_ID)?;
        }
    }
    party("metadata.sender", &m.sender)?;
    party("metadata.receiver", &m.receiver)?;
    date("metadata.created", &m.created)?;
    opt_ident("metadata.usage", &m.usage, MAX_CODE)?;
    opt_ident("metadata.clearinghouse_file_id", &m.clearinghouse_file_id, MAX_ID)?;
    opt_ident("metadata.original_file_name", &m.original_file_name, MAX_ID)?;
    list("metadata.child_files", &m.child_files, MAX_LIST)?;
    for (i, c) in m.child_files.iter().enumerate() {
        ident(&format!("metadata.child_files[{i}].id"), &c.id, MAX_ID)?;
        party(&format!("metadata.child_files[{i}].payer"), &c.payer)?;
        cents(&format!("metadata.child_files[{i}].total_charge"), c.total_charge)?;
    }
    list("metadata.code_totals", &m.code_totals, MAX_LIST)?;
    for (i, c) in m.code_totals.iter().enumerate() {
        code_set(&format!("metadata.code_totals[{i}].code_set"), &c.code_set)?;
        ident(&format!("metadata.code_totals[{i}].code"), &c.code, MAX_CODE)?;
        opt_text(&format!("metadata.code_totals[{i}].description"), &c.description, MAX_TEXT)?;
    }
    for (i, e) in out.events.iter().enumerate() {
        event(&format!("event #{}", i + 1), e)?;
    }
    for (i, d) in out.diagnostics.iter().enumerate() {
        let f = format!("diagnostic #{}", i + 1);
        ident(&format!("{f}.message"), &d.message, MAX_TEXT)?;
        position(&format!("{f}.position"), &d.position)?;
        opt_ident(&format!("{f}.code"), &d.code, MAX_CODE)?;
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
