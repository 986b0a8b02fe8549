//! Code lists the 837 mapping reads, with what each code means (official short labels from
//! the 5010 837 implementation guides, or my own words). x12-reference.md has no 837 lists;
//! these are the values the three guides allow in the elements this plugin interprets.

use claimtrack_plugin_sdk::ProviderRole;

/// What an HI composite's qualifier (C022-01, DE 1270) says the code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HiKind {
    /// The principal diagnosis: first in `diagnosis_codes`.
    Principal,
    /// Another diagnosis of the claim: after the principal, in file order.
    Other,
    /// A known code that is not one of the claim's diagnoses (admitting diagnosis, reason
    /// for visit, external cause, procedures, occurrence/value/condition codes, DRG…).
    NotDiagnosis,
}

/// HI qualifier → (kind, meaning). `None` for a qualifier none of the three guides use.
pub fn hi_qualifier(q: &str) -> Option<(HiKind, &'static str)> {
    use HiKind::*;
    Some(match q {
        "ABK" => (Principal, "ICD-10-CM principal diagnosis"),
        "BK" => (Principal, "ICD-9-CM principal diagnosis"),
        "ABF" => (Other, "ICD-10-CM diagnosis"),
        "BF" => (Other, "ICD-9-CM diagnosis"),
        // Diagnoses with a specific part on an institutional claim. They are not the claim's
        // "diagnosis codes" as billing staff and Office Ally's DIAG column use them.
        "ABJ" => (NotDiagnosis, "ICD-10-CM admitting diagnosis"),
        "BJ" => (NotDiagnosis, "ICD-9-CM admitting diagnosis"),
        "APR" => (NotDiagnosis, "ICD-10-CM patient's reason for visit"),
        "PR" => (NotDiagnosis, "ICD-9-CM patient's reason for visit"),
        "ABN" => (NotDiagnosis, "ICD-10-CM external cause of injury"),
        "BN" => (NotDiagnosis, "ICD-9-CM external cause of injury"),
        "BBR" => (NotDiagnosis, "ICD-10-PCS principal procedure"),
        "BR" => (NotDiagnosis, "ICD-9-CM principal procedure"),
        "CAH" => (
            NotDiagnosis,
            "advanced billing concepts principal procedure",
        ),
        "BBQ" => (NotDiagnosis, "ICD-10-PCS other procedure"),
        "BQ" => (NotDiagnosis, "ICD-9-CM other procedure"),
        "BP" => (NotDiagnosis, "HCPCS principal procedure (anesthesia)"),
        "BO" => (NotDiagnosis, "HCPCS procedure (anesthesia)"),
        "BI" => (NotDiagnosis, "occurrence span"),
        "BH" => (NotDiagnosis, "occurrence"),
        "BE" => (NotDiagnosis, "value"),
        "BG" => (NotDiagnosis, "condition"),
        "TC" => (NotDiagnosis, "treatment code"),
        "DR" => (NotDiagnosis, "diagnosis related group (DRG)"),
        _ => return None,
    })
}

/// What a claim-level (loop 2310) NM1 entity identifier code (NM101) names.
#[derive(Debug, Clone, PartialEq)]
pub enum ClaimEntity {
    /// A provider with a role in the model.
    Provider(ProviderRole),
    /// A known entity the model has no role for (an ambulance location, an assistant
    /// surgeon…): read past silently.
    Other,
}

/// NM101 in loop 2300/2310 of any of the three guides → what it names. `None` when unknown.
pub fn claim_entity(code: &str) -> Option<(ClaimEntity, &'static str)> {
    use ClaimEntity::*;
    Some(match code {
        "DN" => (Provider(ProviderRole::Referring), "referring provider"),
        // Primary care provider, sent in 2310A beside or instead of DN: the referring role.
        "P3" => (Provider(ProviderRole::Referring), "primary care provider"),
        "82" => (Provider(ProviderRole::Rendering), "rendering provider"),
        "77" => (
            Provider(ProviderRole::ServiceFacility),
            "service facility location",
        ),
        // 4010 institutional claims named the service facility FA.
        "FA" => (Provider(ProviderRole::ServiceFacility), "facility"),
        "DQ" => (Provider(ProviderRole::Supervising), "supervising physician"),
        "71" => (Provider(ProviderRole::Attending), "attending physician"),
        "72" => (Provider(ProviderRole::Operating), "operating physician"),
        "ZZ" => (
            Provider(ProviderRole::Operating),
            "other operating physician",
        ),
        "DD" => (Other, "assistant surgeon"),
        "DK" => (Other, "ordering physician"),
        "QB" => (Other, "purchase service provider"),
        "PW" => (Other, "ambulance pickup location"),
        "45" => (Other, "ambulance drop-off location"),
        _ => return None,
    })
}

/// CLM05-2, the facility code qualifier.
pub fn facility_qualifier(q: &str) -> Option<&'static str> {
    match q {
        "A" => Some("uniform billing claim form bill type (institutional)"),
        "B" => Some("place of service code (professional or dental)"),
        _ => None,
    }
}

/// CLM05-3 claim frequency type code on a professional or dental claim.
pub fn frequency_professional(code: &str) -> Option<&'static str> {
    match code {
        "1" => Some("original claim"),
        "7" => Some("replacement of prior claim"),
        "8" => Some("void/cancel of prior claim"),
        _ => None,
    }
}

/// CLM05-3 on an institutional claim: the third character of the NUBC type of bill.
pub fn frequency_institutional(code: &str) -> Option<&'static str> {
    Some(match code {
        "0" => "non-payment/zero claim",
        "1" => "admit through discharge claim",
        "2" => "interim, first claim",
        "3" => "interim, continuing claim",
        "4" => "interim, last claim",
        "5" => "late charge only",
        "7" => "replacement of prior claim",
        "8" => "void/cancel of prior claim",
        "9" => "final claim for a home health episode",
        "A" => "admission/election notice",
        "B" => "termination/revocation notice",
        "C" => "change of provider notice",
        "D" => "void/cancel notice",
        "E" => "change of ownership",
        "F" => "beneficiary initiated adjustment",
        "G" => "CWF initiated adjustment",
        "H" => "CMS initiated adjustment",
        "I" => "intermediary adjustment",
        "J" => "other initiated adjustment",
        "K" => "OIG initiated adjustment",
        "M" => "MSP initiated adjustment",
        "P" => "QIO adjustment",
        "Q" => "reopening/reconsideration",
        _ => return None,
    })
}

/// Product/service id qualifier of SV101-1, SV202-1 or SV301-1.
pub fn procedure_qualifier(q: &str) -> Option<&'static str> {
    match q {
        "HC" => Some("HCPCS/CPT code"),
        "AD" => Some("ADA dental procedure (CDT) code"),
        "HP" => Some("HIPPS skilled nursing facility rate code"),
        "ER" => Some("jurisdiction specific procedure code"),
        "IV" => Some("home infusion EDI coalition code"),
        "WK" => Some("advanced billing concepts code"),
        // A revenue code standing in for a procedure (institutional line without HCPCS), as
        // the 835 reports it.
        "NU" => Some("national uniform billing committee revenue code"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_and_other_diagnoses_are_told_apart() {
        assert_eq!(hi_qualifier("ABK").map(|k| k.0), Some(HiKind::Principal));
        assert_eq!(hi_qualifier("BK").map(|k| k.0), Some(HiKind::Principal));
        assert_eq!(hi_qualifier("ABF").map(|k| k.0), Some(HiKind::Other));
        assert_eq!(hi_qualifier("ABJ").map(|k| k.0), Some(HiKind::NotDiagnosis));
        assert_eq!(hi_qualifier("abk"), None);
        assert_eq!(hi_qualifier("XYZ"), None);
    }

    #[test]
    fn provider_roles_by_entity() {
        assert_eq!(
            claim_entity("DN").map(|e| e.0),
            Some(ClaimEntity::Provider(ProviderRole::Referring))
        );
        assert_eq!(
            claim_entity("71").map(|e| e.0),
            Some(ClaimEntity::Provider(ProviderRole::Attending))
        );
        assert_eq!(
            claim_entity("ZZ").map(|e| e.0),
            Some(ClaimEntity::Provider(ProviderRole::Operating))
        );
        assert_eq!(claim_entity("PW").map(|e| e.0), Some(ClaimEntity::Other));
        assert_eq!(claim_entity("Q9"), None);
    }

    #[test]
    fn frequency_tables_differ_by_claim_type() {
        assert!(frequency_professional("7").is_some());
        assert!(frequency_professional("3").is_none());
        assert!(frequency_institutional("3").is_some());
        assert!(frequency_institutional("Z").is_none());
    }
}
