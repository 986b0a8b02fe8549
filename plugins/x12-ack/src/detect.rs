//! Which of our formats a file is: from its first bytes (sniff) and from the whole document.

use claimtrack_plugin_sdk::x12::{self, Document};

pub const FORMAT_999: &str = "x12-999";
pub const FORMAT_997: &str = "x12-997";
pub const FORMAT_TA1: &str = "x12-ta1";

pub fn is_ack(st01: &str) -> bool {
    st01 == "999" || st01 == "997"
}

/// The ST01 a format id stands for; `None` for the TA1, which is no transaction set.
pub fn kind_of(format_id: &str) -> Option<&'static str> {
    match format_id {
        FORMAT_999 => Some("999"),
        FORMAT_997 => Some("997"),
        _ => None,
    }
}

/// Confidence from the content only: file names lie.
pub fn sniff(head: &[u8]) -> u8 {
    let Some(h) = x12::sniff_head(head) else { return 0 };
    let gs01 = h.functional_id.as_deref();
    match h.transaction_kind.as_deref() {
        Some(k) if is_ack(k) => match gs01 {
            Some("FA") | None => 95,
            // An acknowledgement under a wrong GS01 is still an acknowledgement.
            Some(_) => 70,
        },
        Some(_) => 0,
        None => match gs01 {
            // The head ended before the first ST of an FA group.
            Some("FA") => 80,
            Some(_) => 0,
            None if h.has_ta1 => 95,
            None => 0,
        },
    }
}

/// What a tokenized file holds, for choosing the format id or refusing the file.
pub struct Census {
    pub sets_999: usize,
    pub sets_997: usize,
    pub ta1s: usize,
    /// Other transaction sets, as "835 (HP)", in file order without repeats.
    pub others: Vec<String>,
}

impl Census {
    pub fn of(doc: &Document) -> Self {
        let mut c = Census { sets_999: 0, sets_997: 0, ta1s: 0, others: Vec::new() };
        for ic in &doc.interchanges {
            c.ta1s += ic.interchange_segments.iter().filter(|s| s.id == "TA1").count();
        }
        for (_, g, t) in doc.transactions() {
            match t.kind() {
                "999" => c.sets_999 += 1,
                "997" => c.sets_997 += 1,
                k => {
                    let label = kind_label(k, g.functional_id());
                    if !c.others.contains(&label) {
                        c.others.push(label);
                    }
                }
            }
        }
        c
    }

    /// The dominant format: 999 over 997 over TA1. `None` when there is none of them.
    pub fn format_id(&self) -> Option<&'static str> {
        if self.sets_999 > 0 {
            Some(FORMAT_999)
        } else if self.sets_997 > 0 {
            Some(FORMAT_997)
        } else if self.ta1s > 0 {
            Some(FORMAT_TA1)
        } else {
            None
        }
    }

    pub fn not_mine_message(&self) -> String {
        if self.others.is_empty() {
            "contains no transaction set and no TA1, not 999/997/TA1".to_string()
        } else {
            format!("contains {}, not 999/997/TA1", self.others.join(", "))
        }
    }
}

/// "835 (HP)"; "835" without a GS.
pub fn kind_label(st01: &str, gs01: &str) -> String {
    let st01 = if st01.is_empty() { "an unidentified transaction set" } else { st01 };
    if gs01.is_empty() { st01.to_string() } else { format!("{st01} ({gs01})") }
}
