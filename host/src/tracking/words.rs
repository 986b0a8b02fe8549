//! The words billing staff read for what the model codes: who said something, what kind of
//! file it is, cents as dollars. The CLI and the dashboard both speak them.

use crate::model::{Party, Source};

/// Who made a statement: "Office Ally", the payer's name, or "you" (your own 837).
pub fn who(source: Source, party: Option<&Party>) -> String {
    match source {
        Source::Clearinghouse => match party.and_then(|p| p.name.as_deref()) {
            Some(name) if !name.to_ascii_uppercase().contains("OFFICE ALLY") => name.to_string(),
            _ => "Office Ally".to_string(),
        },
        Source::Payer => party.and_then(|p| p.name.clone().or_else(|| p.id.clone())).unwrap_or_else(|| "the payer".to_string()),
        Source::Submitter => "you".to_string(),
    }
}

/// What kind of file a format is, as Office Ally's customers call it.
pub fn file_kind(format: &str) -> String {
    match format {
        "x12-999" => "999 acknowledgement".into(),
        "x12-997" => "997 acknowledgement".into(),
        "x12-ta1" => "TA1 acknowledgement".into(),
        "x12-277ca" => "277CA claim acknowledgement".into(),
        "x12-277" => "277 claim status".into(),
        "x12-835" => "ERA (835)".into(),
        "oa-file-summary" => "File Summary".into(),
        "oa-edi-status" => "EDI Status report".into(),
        "oa-era-summary" => "ERA summary".into(),
        f if f.starts_with("x12-837") => format!("{} batch", f.trim_start_matches("x12-").to_ascii_uppercase()),
        other => other.to_string(),
    }
}

/// Integer cents as dollars: 12550 → "125.50", -4507 → "-45.07", 123456789 → "1,234,567.89".
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let whole = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", c % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_read_as_dollars() {
        assert_eq!(dollars(12550), "125.50");
        assert_eq!(dollars(-4507), "-45.07");
        assert_eq!(dollars(5), "0.05");
        assert_eq!(dollars(123_456_789), "1,234,567.89");
        assert_eq!(dollars(100_000), "1,000.00");
        assert_eq!(dollars(i64::MIN), "-92,233,720,368,547,758.08");
    }

    #[test]
    fn speakers_in_plain_words() {
        let oa = Party { name: Some("OFFICE ALLY".into()), id: None, id_qualifier: None };
        let payer = Party { name: Some("PINECREST HEALTH PLAN".into()), id: Some("PHP03".into()), id_qualifier: None };
        assert_eq!(who(Source::Clearinghouse, Some(&oa)), "Office Ally");
        assert_eq!(who(Source::Clearinghouse, None), "Office Ally");
        assert_eq!(who(Source::Payer, Some(&payer)), "PINECREST HEALTH PLAN");
        assert_eq!(who(Source::Payer, None), "the payer");
        assert_eq!(file_kind("x12-837p"), "837P batch");
    }
}
