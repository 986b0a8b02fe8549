//! The words billing staff read for what the model codes: who said something, what kind of
//! file it is. The CLI and the dashboard both speak them.

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

#[cfg(test)]
mod tests {
    use super::*;

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
