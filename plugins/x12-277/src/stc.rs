//! One STC segment read into a status class, reasons, amounts and dates.

use claimtrack_plugin_sdk::x12::{self, Segment};
use claimtrack_plugin_sdk::{CodeSet, Diagnostic, Reason, StatusClass};

use crate::codes::{self, Variant};
use crate::diag::Diags;

/// What one STC says.
#[derive(Debug, Clone)]
pub struct Stc {
    pub class: StatusClass,
    /// STC01 as sent, its components joined with ':' ("A7:562:85").
    pub raw_code: String,
    pub reasons: Vec<Reason>,
    /// STC04 total submitted charge.
    pub charged: Option<i64>,
    /// STC05 claim payment amount (X212).
    pub paid: Option<i64>,
    /// STC02 status information effective date.
    pub effective_date: Option<String>,
    /// STC09 remittance trace number, the check or EFT number (X212).
    pub payment_reference: Option<String>,
}

/// The status composites of an STC: STC01, then the optional STC10 and STC11.
const COMPOSITES: [usize; 3] = [1, 10, 11];

pub fn read(seg: &Segment, variant: Variant, diags: &mut Diags) -> Stc {
    let mut reasons = Vec::new();
    let mut classes: Vec<(StatusClass, String)> = Vec::new();
    // STC09 is the remittance trace (check/EFT) number, but a status composite one element
    // early is an easy slip (x12-reference.md §4's own STC10 example has one separator too
    // few). A known category code before a component separator there is read as a composite.
    let stc09 = seg.get(9);
    let misplaced = stc09.contains(seg.component_separator) && codes::classify(seg.component(9, 1), variant).is_some();
    if misplaced {
        diags.warning(
            format!("STC09 at segment #{} holds a status composite (expected in STC10); read as one", seg.index),
            Some(seg.position_at("STC09")),
        );
    }
    for n in COMPOSITES {
        let comps = seg.components(n);
        if comps.iter().all(|c| c.is_empty()) {
            continue;
        }
        read_composite(seg, n, &comps, variant, &mut reasons, &mut classes, diags);
        if n == 1 && misplaced {
            read_composite(seg, 9, &seg.components(9), variant, &mut reasons, &mut classes, diags);
        }
    }

    let action = seg.get(3);
    if !matches!(action, "" | "WQ" | "U") {
        diags.once(
            format!("stc03:{action}"),
            Diagnostic::warning(
                format!("unknown STC03 action code {} at segment #{} (expected WQ or U); ignored", shown(action), seg.index),
                Some(seg.position_at("STC03")),
            ),
        );
    }

    // The category decides (x12-reference.md §4, §9); among several composites the most
    // severe class wins. STC03 only decides when no category is known.
    // `rev` so that among equally severe composites the first one is named.
    let class = match classes.iter().rev().max_by_key(|(c, _)| codes::severity(*c)) {
        Some((class, category)) => {
            let contradicts = match action {
                "U" => !matches!(class, StatusClass::Rejected),
                "WQ" => matches!(class, StatusClass::Rejected),
                _ => false,
            };
            if contradicts {
                diags.once(
                    format!("stc03-contradiction:{action}:{category}"),
                    Diagnostic::info(
                        format!(
                            "STC03 action code {} at segment #{} contradicts category {}; the category decides the status",
                            shown(action),
                            seg.index,
                            shown(category)
                        ),
                        Some(seg.position_at("STC03")),
                    ),
                );
            }
            *class
        }
        None => {
            let class = match action {
                "U" => StatusClass::Rejected,
                "WQ" => StatusClass::Accepted,
                _ => StatusClass::Informational,
            };
            diags.once(
                format!("stc-fallback:{action}"),
                Diagnostic::info(
                    format!(
                        "STC at segment #{} has no known category code; status read from STC03 {} as {}",
                        seg.index,
                        shown(action),
                        class_name(class)
                    ),
                    Some(seg.position()),
                ),
            );
            class
        }
    };

    if let Some(text) = seg.opt(12) {
        let mut r = Reason::new(CodeSet::FreeText, text, None);
        r.position = Some(seg.position_at("STC12"));
        reasons.push(r);
    }

    let raw_code = if seg.get(1).is_empty() {
        diags.warning(
            format!("STC at segment #{} has no STC01 status composite", seg.index),
            Some(seg.position_at("STC01")),
        );
        "STC01 (empty)".to_string()
    } else {
        seg.components(1).join(":")
    };

    Stc {
        class,
        raw_code,
        reasons,
        charged: amount(seg, 4, diags),
        paid: amount(seg, 5, diags),
        effective_date: date(seg, 2, diags),
        payment_reference: if misplaced { None } else { seg.string(9) },
    }
}

fn read_composite(
    seg: &Segment,
    n: usize,
    comps: &[&str],
    variant: Variant,
    reasons: &mut Vec<Reason>,
    classes: &mut Vec<(StatusClass, String)>,
    diags: &mut Diags,
) {
    let el = format!("STC{n:02}");
    let comp = |c: usize| comps.get(c).copied().unwrap_or("");
    let at = |c: usize| Some(seg.position_at(format!("{el}-{}", c + 1)));
    let (category, status, entity, qualifier) = (comp(0), comp(1), comp(2), comp(3));

    if category.is_empty() {
        diags.warning(format!("{el} at segment #{} has no category code ({el}-1)", seg.index), at(0));
    } else {
        let description = codes::category_description(category);
        match codes::classify(category, variant) {
            Some(class) => classes.push((class, category.to_string())),
            None => diags.once(
                format!("507:{category}"),
                Diagnostic::warning(
                    format!("unknown claim status category code {} at segment #{} ({el}-1)", shown(category), seg.index),
                    at(0),
                ),
            ),
        }
        reasons.push(Reason { position: at(0), ..Reason::new(CodeSet::ClaimStatusCategory, category, description.map(str::to_string)) });
    }

    if !status.is_empty() {
        // Code list qualifier RX: the status is an NCPDP reject/payment code, not list 508.
        let reason = if qualifier == "RX" {
            Reason::new(CodeSet::Other("NCPDP reject/payment code".into()), status, None)
        } else {
            let description = codes::status_description(status);
            if description.is_none() {
                let numeric = status.len() <= 4 && status.bytes().all(|b| b.is_ascii_digit());
                let d = if numeric {
                    Diagnostic::info(
                        format!("claim status code {} at segment #{} ({el}-2) is not in this plugin's code list 508 table; no description", shown(status), seg.index),
                        at(1),
                    )
                } else {
                    Diagnostic::warning(format!("unknown claim status code {} at segment #{} ({el}-2)", shown(status), seg.index), at(1))
                };
                diags.once(format!("508:{status}"), d);
            }
            Reason::new(CodeSet::ClaimStatus, status, description.map(str::to_string))
        };
        reasons.push(Reason { position: at(1), ..reason });
    } else {
        diags.warning(format!("{el} at segment #{} has no claim status code ({el}-2)", seg.index), at(1));
    }

    if !entity.is_empty() {
        let description = codes::entity_description(entity);
        if description.is_none() {
            diags.once(
                format!("98:{entity}"),
                Diagnostic::info(
                    format!("entity identifier code {} at segment #{} ({el}-3) is not in this plugin's table; no description", shown(entity), seg.index),
                    at(2),
                ),
            );
        }
        reasons.push(Reason { position: at(2), ..Reason::new(CodeSet::Entity, entity, description.map(str::to_string)) });
    }

    if !matches!(qualifier, "" | "RX") {
        diags.once(
            format!("stc-qualifier:{qualifier}"),
            Diagnostic::warning(
                format!("unknown code list qualifier {} at segment #{} ({el}-4); the status code is read as code list 508", shown(qualifier), seg.index),
                at(3),
            ),
        );
    }
}

/// A code as quoted in a diagnostic: `"A7"`. Capped at 12 characters, so a misplaced value
/// (a name or an id where a code belongs) is never echoed whole.
pub fn shown(code: &str) -> String {
    if code.chars().count() <= 12 {
        format!("{code:?}")
    } else {
        let head: String = code.chars().take(8).collect();
        format!("{head:?}… ({} characters)", code.chars().count())
    }
}

pub fn class_name(class: StatusClass) -> &'static str {
    match class {
        StatusClass::Received => "received",
        StatusClass::Accepted => "accepted",
        StatusClass::AcceptedWithErrors => "accepted with errors",
        StatusClass::Rejected => "rejected",
        StatusClass::Pending => "pending",
        StatusClass::Paid => "paid",
        StatusClass::Denied => "denied",
        StatusClass::Reversed => "reversed",
        StatusClass::Informational => "informational",
    }
}

/// Element `n` as cents; a warning (without the value) when it is not a number.
pub fn amount(seg: &Segment, n: usize, diags: &mut Diags) -> Option<i64> {
    let raw = seg.opt(n)?;
    let cents = x12::amount_cents(raw);
    if cents.is_none() {
        let el = format!("{}{n:02}", seg.id);
        diags.warning(format!("{el} at segment #{} is not a valid amount; ignored", seg.index), Some(seg.position_at(el)));
    }
    cents
}

/// Element `n` as a CCYYMMDD date; a warning (without the value) when it is not one.
fn date(seg: &Segment, n: usize, diags: &mut Diags) -> Option<String> {
    let raw = seg.opt(n)?;
    let d = x12::date_ccyymmdd(raw);
    if d.is_none() {
        let el = format!("{}{n:02}", seg.id);
        diags.warning(format!("{el} at segment #{} is not a valid CCYYMMDD date; ignored", seg.index), Some(seg.position_at(el)));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn quoted_codes_are_capped() {
        assert_eq!(shown("A7"), "\"A7\"");
        assert_eq!(shown("JOHNATHAN Q SMITHERSON"), "\"JOHNATHA\"… (22 characters)");
    }
}
