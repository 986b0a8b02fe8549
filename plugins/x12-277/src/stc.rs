//! One STC segment read into a status class, reasons, amounts and dates.

use std::borrow::Cow;

use claimtrack_plugin_sdk::x12::{self, Segment};
use claimtrack_plugin_sdk::{CodeSet, Diagnostic, Reason, StatusClass};

use crate::codes::{self, Variant};
use crate::diag::Diags;

/// What one STC says.
#[derive(Debug, Clone)]
pub struct Stc {
    pub class: StatusClass,
    /// The status composite that decided `class`, its components joined with ':' as sent
    /// ("A7:562:85"): STC01, unless STC10 or STC11 (or a composite misplaced in STC09) is more
    /// severe, so that a rejected event is never labelled by an accepting STC01. `reasons`
    /// still carry every composite.
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

/// A class found in one composite: the class, its category code (as read) and the element
/// number of the composite (1, 9, 10 or 11).
type Found = (StatusClass, String, usize);

pub fn read(seg: &Segment, variant: Variant, diags: &mut Diags) -> Stc {
    let mut reasons = Vec::new();
    let mut classes: Vec<Found> = Vec::new();
    // STC09 is the remittance trace (check/EFT) number, but a status composite one element
    // early is an easy slip (x12-reference.md §4's own STC10 example has one separator too
    // few). A known category code before a component separator there is read as a composite.
    let stc09 = seg.get(9);
    let misplaced = stc09.contains(seg.component_separator)
        && codes::classify(&seg.component(9, 1).to_ascii_uppercase(), variant).is_some();
    if misplaced {
        diags.warning(
            format!("STC09 at segment #{} holds a status composite (expected in STC10); read as one", seg.index),
            Some(seg.position_at("STC09")),
        );
    }
    // A misplaced STC09 composite is read where STC10 belongs: right after STC01.
    let order = if misplaced { [1, 9, 10, 11].as_slice() } else { COMPOSITES.as_slice() };
    for &n in order {
        // An absent composite is the usual case for STC10 and STC11: no Vec for it.
        if seg.get(n).is_empty() {
            continue;
        }
        let comps = seg.components(n);
        if comps.iter().all(|c| c.is_empty()) {
            continue;
        }
        read_composite(seg, n, &comps, variant, &mut reasons, &mut classes, diags);
    }

    let sent_action = seg.get(3);
    let action = known_code(sent_action, |c| matches!(c, "WQ" | "U"), seg, || "STC03".to_string(), diags);
    let action = action.as_ref();
    if !matches!(action, "" | "WQ" | "U") {
        diags.once(
            format!("stc03:{sent_action}"),
            Diagnostic::warning(
                format!("unknown STC03 action code {} at segment #{} (expected WQ or U); ignored", shown(sent_action), seg.index),
                Some(seg.position_at("STC03")),
            ),
        );
    }

    // The category decides (x12-reference.md §4, §9); among several composites the most
    // severe class wins. STC03 only decides when no category is known.
    // `rev` so that among equally severe composites the first one (STC01 before STC10) is named.
    let decided = classes.iter().rev().max_by_key(|(c, _, _)| codes::severity(*c));
    let class = match decided {
        Some((class, category, _)) => {
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
                            shown(sent_action),
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
            // No category is known (masked or invented codes). STC03 U is a rejection
            // (x12-reference.md §9: "STC03=U with an unknown category → rejected"); WQ is not
            // trusted to make it accepted: an unknown category must not read optimistically.
            let (class, message) = match action {
                "U" => (StatusClass::Rejected, format!("status read from STC03 {} as rejected", shown(sent_action))),
                "" => (StatusClass::Informational, "read as informational".to_string()),
                _ => (
                    StatusClass::Informational,
                    format!("read as informational (STC03 {} alone does not make it accepted)", shown(sent_action)),
                ),
            };
            diags.once(
                format!("stc-fallback:{action}"),
                Diagnostic::info(
                    format!("STC at segment #{} has no known category code; {message}", seg.index),
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

    if seg.get(1).is_empty() {
        diags.warning(
            format!("STC at segment #{} has no STC01 status composite", seg.index),
            Some(seg.position_at("STC01")),
        );
    }
    let raw_code = match decided {
        Some(&(_, _, n)) if n != 1 => joined_components(seg, n),
        _ if seg.get(1).is_empty() => "STC01 (empty)".to_string(),
        _ => joined_components(seg, 1),
    };

    if seg.opt(2).is_none() {
        diags.warning(
            format!("STC at segment #{} has no STC02 status effective date (required)", seg.index),
            Some(seg.position_at("STC02")),
        );
    }

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

/// `seg.components(n).join(":")`, built in one string without the Vec (once per STC).
fn joined_components(seg: &Segment, n: usize) -> String {
    let element = seg.get(n);
    let mut out = String::with_capacity(element.len());
    for (k, c) in element.split(seg.component_separator).map(str::trim).enumerate() {
        if k > 0 {
            out.push(':');
        }
        out.push_str(c);
    }
    out
}

/// `code` as it is to be looked up: as sent when `known` knows it (or it has no lower-case
/// letter); otherwise upper-cased when that makes it known, with one warning per file. A
/// lower-case "a7" is far more likely a case slip than a new code, and reading it as unknown
/// would hide a rejection. Reasons and raw codes keep the code as sent. `el` names the
/// element for the warning, built only then.
fn known_code<'c>(
    code: &'c str,
    known: impl Fn(&str) -> bool,
    seg: &Segment,
    el: impl Fn() -> String,
    diags: &mut Diags,
) -> Cow<'c, str> {
    if known(code) || !code.bytes().any(|b| b.is_ascii_lowercase()) {
        return Cow::Borrowed(code);
    }
    let upper = code.to_ascii_uppercase();
    if !known(&upper) {
        return Cow::Borrowed(code);
    }
    let el = el();
    diags.once(
        "lower-case-codes".to_string(),
        Diagnostic::warning(
            format!(
                "lower-case status codes were read as upper-case (the first: {} at segment #{} {el}); the codes are reported as sent",
                shown(code),
                seg.index
            ),
            Some(seg.position_at(el)),
        ),
    );
    Cow::Owned(upper)
}

fn read_composite(
    seg: &Segment,
    n: usize,
    comps: &[&str],
    variant: Variant,
    reasons: &mut Vec<Reason>,
    classes: &mut Vec<Found>,
    diags: &mut Diags,
) {
    let el = format!("STC{n:02}");
    let comp = |c: usize| comps.get(c).copied().unwrap_or("");
    let at = |c: usize| Some(seg.position_at(format!("{el}-{}", c + 1)));
    let (category, status, entity, qualifier) = (comp(0), comp(1), comp(2), comp(3));
    let qualifier_read = known_code(qualifier, |c| c == "RX", seg, || format!("{el}-4"), diags);

    if category.is_empty() {
        diags.warning(format!("{el} at segment #{} has no category code ({el}-1)", seg.index), at(0));
    } else {
        let read = known_code(category, |c| codes::category_description(c).is_some(), seg, || format!("{el}-1"), diags);
        let description = codes::category_description(&read);
        match codes::classify(&read, variant) {
            Some(class) => classes.push((class, read.into_owned(), n)),
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
        let reason = if qualifier_read == "RX" {
            Reason::new(CodeSet::Other("NCPDP reject/payment code".into()), status, None)
        } else {
            let read = known_code(status, |c| codes::status_description(c).is_some(), seg, || format!("{el}-2"), diags);
            let description = codes::status_description(&read);
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
        let read = known_code(entity, |c| codes::entity_description(c).is_some(), seg, || format!("{el}-3"), diags);
        let description = codes::entity_description(&read);
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

    if !matches!(qualifier_read.as_ref(), "" | "RX") {
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
