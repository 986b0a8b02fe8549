//! Which 837: professional, institutional or dental.
//!
//! The guide id decides (ST03 of the first 837 set, else its GS08: X222 → P, X223 → I,
//! X224 → D; the 4010 ids X098/X096/X097 likewise). A file that names none is read by its
//! content, with an info diagnostic: SV2 lines or a CLM05-2 `A` (bill type) → institutional,
//! SV3 lines or TOO → dental, SV1 lines or CLM05-2 `B` → professional, nothing → professional.
//! The mapping itself reads all three line kinds, so a wrong guess changes only the format
//! id; a set whose declaration or content disagrees with the file's variant is warned about.

use claimtrack_plugin_sdk::Position;
use claimtrack_plugin_sdk::x12::{Group, Transaction};

use crate::diag::Diags;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Professional,
    Institutional,
    Dental,
}

impl Variant {
    pub fn format_id(self) -> &'static str {
        match self {
            Variant::Professional => "x12-837p",
            Variant::Institutional => "x12-837i",
            Variant::Dental => "x12-837d",
        }
    }

    /// The keyword Office Ally wants in the file name, and people recognise.
    pub fn keyword(self) -> &'static str {
        match self {
            Variant::Professional => "837P",
            Variant::Institutional => "837I",
            Variant::Dental => "837D",
        }
    }

    /// The HIPAA-adopted 5010 guide id (GS08/ST03).
    pub fn guide(self) -> &'static str {
        match self {
            Variant::Professional => "005010X222A1",
            Variant::Institutional => "005010X223A2",
            Variant::Dental => "005010X224A2",
        }
    }

    /// The service-line segment of this claim type.
    pub fn line_segment(self) -> &'static str {
        match self {
            Variant::Professional => "SV1",
            Variant::Institutional => "SV2",
            Variant::Dental => "SV3",
        }
    }
}

/// The variant a guide id names.
pub fn from_guide(id: &str) -> Option<Variant> {
    let id = id.to_ascii_uppercase();
    if id.contains("X222") || id.contains("X098") {
        Some(Variant::Professional)
    } else if id.contains("X223") || id.contains("X096") {
        Some(Variant::Institutional)
    } else if id.contains("X224") || id.contains("X097") {
        Some(Variant::Dental)
    } else {
        None
    }
}

/// What a transaction set declares: ST03, else its group's GS08.
fn declared(g: &Group, t: &Transaction) -> Option<Variant> {
    t.st.opt(3)
        .and_then(from_guide)
        .or_else(|| g.gs.opt(8).and_then(from_guide))
}

/// What a transaction set's content says, when it says anything.
fn by_content(t: &Transaction) -> Option<Variant> {
    let has = |id: &str| t.body.iter().any(|s| s.id == id);
    let qualifier = |q: &str| {
        t.body
            .iter()
            .any(|s| s.id == "CLM" && s.component(5, 2) == q)
    };
    if has("SV2") {
        Some(Variant::Institutional)
    } else if has("SV3") || has("TOO") {
        Some(Variant::Dental)
    } else if has("SV1") {
        Some(Variant::Professional)
    } else if qualifier("A") {
        Some(Variant::Institutional)
    } else if qualifier("B") {
        Some(Variant::Professional)
    } else {
        None
    }
}

/// The file's variant, from its 837 transaction sets (at least one).
pub fn detect(sets: &[(&Group, &Transaction)], diags: &mut Diags) -> Variant {
    let first_declared = sets.iter().find_map(|(g, t)| declared(g, t));
    let variant = match first_declared {
        Some(v) => v,
        None => {
            let found = sets.iter().find_map(|(_, t)| by_content(t));
            let v = found.unwrap_or(Variant::Professional);
            let position = sets.first().map(|(_, t)| t.st.position_at("ST03"));
            let why = match found {
                Some(_) => format!(
                    "its service lines and CLM05-2 facility code qualifiers read as {}",
                    v.keyword()
                ),
                None => "it has no service lines or facility code qualifiers to tell; read as 837P"
                    .to_string(),
            };
            diags.info(
                format!("the file names no 837 implementation guide in ST03 or GS08: {why}"),
                position,
            );
            v
        }
    };
    for (g, t) in sets {
        let decl = declared(g, t);
        if let Some(d) = decl.filter(|d| *d != variant) {
            diags.warn(
                format!(
                    "transaction set at segment #{} declares {} but the file is read as {}",
                    t.st.index,
                    d.keyword(),
                    variant.keyword()
                ),
                pos_st(t),
            );
        }
        if let Some(c) = by_content(t).filter(|c| *c != decl.unwrap_or(variant)) {
            let said = match decl {
                Some(d) => format!("declared {}", d.keyword()),
                None => format!("read as {}", variant.keyword()),
            };
            diags.warn(
                format!(
                    "transaction set at segment #{} is {said} but its content (service lines, CLM05-2 qualifiers) reads as {}",
                    t.st.index,
                    c.keyword()
                ),
                pos_st(t),
            );
        }
    }
    variant
}

fn pos_st(t: &Transaction) -> Position {
    t.st.position_at("ST03")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guide_ids() {
        assert_eq!(from_guide("005010X222A1"), Some(Variant::Professional));
        assert_eq!(from_guide("005010X223A2"), Some(Variant::Institutional));
        assert_eq!(from_guide("005010X224A2"), Some(Variant::Dental));
        assert_eq!(from_guide("004010X098A1"), Some(Variant::Professional));
        assert_eq!(from_guide("005010X231A1"), None);
    }
}
