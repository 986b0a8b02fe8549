//! Statements about one billing provider (a payer's or Office Ally's 277CA 2200C, a 277's
//! 2000C): which events they are, and which claims they reach.
//!
//! The convention (`wit/types.wit`, `claim-ref`): a `transaction-set` or `interchange` event
//! whose claim has no claim key (patient control number, clearinghouse or payer claim number)
//! but a billing provider with an NPI or a tax id speaks for every claim of its batch billed by
//! that provider, whether or not its file lists the claim.
//!
//! Correlation links such an event to its batch alone (`via = 'provider'`: one link per event,
//! like every other). Which claims it reaches is read when statuses are derived and timelines
//! shown, from the billing provider each claim's 837 named (`claims.billing_npi`,
//! `claims.billing_tax_id`): a claim of the batch billed by that provider, unless the same
//! file already gave the claim that very statement. A plugin repeats a provider's rejection on
//! each claim it lists beneath the provider (so that it reaches them when the batch is
//! unknown), at the statement's own position: that claim-level event is the statement, and the
//! provider link must not apply it a second time (counted twice, shown twice).

use crate::model::{ClaimRef, Level, Position, ProviderRole, StatusEvent};

/// A billing provider's identifiers, as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillingProvider {
    /// National Provider Identifier (837 2010AA NM108 XX; 277CA 2100C NM108 XX).
    pub npi: Option<String>,
    /// EIN or SSN (837 2010AA REF*EI/SY; 277CA 2100C NM108 FI).
    pub tax_id: Option<String>,
}

impl BillingProvider {
    /// The first billing provider `claim` names; empty when it names none.
    pub fn of(claim: &ClaimRef) -> BillingProvider {
        claim
            .providers
            .iter()
            .find(|p| p.role == ProviderRole::Billing)
            .map(|p| BillingProvider { npi: p.npi.clone(), tax_id: p.tax_id.clone() })
            .unwrap_or_default()
    }

    /// The provider `e` is a statement about, when it is a provider-level statement (see the
    /// module docs); `None` for every other event.
    pub fn addressed_by(e: &StatusEvent) -> Option<BillingProvider> {
        if !matches!(e.level, Level::TransactionSet | Level::Interchange) {
            return None;
        }
        let c = e.claim.as_ref()?;
        if c.patient_control_number.is_some() || c.clearinghouse_claim_id.is_some() || c.payer_claim_number.is_some() {
            return None;
        }
        let p = BillingProvider::of(c);
        (p.npi.is_some() || p.tax_id.is_some()).then_some(p)
    }

    /// Whether a claim whose billing provider has `npi` and `tax_id` is this provider's. The
    /// NPI decides when both sides have one (one tax id may bill under several NPIs); else
    /// the tax id, when both have one; else it is not.
    pub fn bills(&self, npi: Option<&str>, tax_id: Option<&str>) -> bool {
        match (self.npi.as_deref(), npi) {
            (Some(a), Some(b)) => a == b,
            _ => matches!((self.tax_id.as_deref(), tax_id), (Some(a), Some(b)) if a == b),
        }
    }
}

/// Where a statement was read: its file and the segment (an STC). A claim-level event with
/// the same place as a provider-level one is that statement repeated on the claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Said {
    file_id: i64,
    segment_index: u32,
}

impl Said {
    /// The place of an event of `file_id` read at segment `segment_index` (its position's);
    /// `None` when the plugin gave no segment.
    pub fn at(file_id: i64, segment_index: Option<u32>) -> Option<Said> {
        Some(Said { file_id, segment_index: segment_index? })
    }

    /// [`Said::at`] for an event's position.
    pub fn of(file_id: i64, position: Option<&Position>) -> Option<Said> {
        Said::at(file_id, position.and_then(|p| p.segment_index))
    }
}

/// Whether a provider-level statement about `provider`, read at `said`, reaches a claim billed
/// by (`npi`, `tax_id`) whose own claim-level statements were read at `own`.
pub fn reaches(
    provider: &BillingProvider,
    said: Option<Said>,
    npi: Option<&str>,
    tax_id: Option<&str>,
    mut own: impl Iterator<Item = Said>,
) -> bool {
    provider.bills(npi, tax_id) && !said.is_some_and(|s| own.any(|o| o == s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Provider, Source, StatusClass};

    fn provider(role: ProviderRole, npi: Option<&str>, tax_id: Option<&str>) -> Provider {
        Provider { role, name: None, npi: npi.map(str::to_string), tax_id: tax_id.map(str::to_string) }
    }

    fn statement(level: Level, claim: ClaimRef) -> StatusEvent {
        StatusEvent {
            level,
            source: Source::Payer,
            status: StatusClass::Rejected,
            raw_code: "A3:562:85".into(),
            reasons: Vec::new(),
            claim: Some(claim),
            service_line: None,
            correlation: Default::default(),
            amounts: Default::default(),
            effective_date: None,
            source_party: None,
            payment_reference: None,
            position: None,
        }
    }

    #[test]
    fn a_provider_level_statement_names_a_billing_provider_and_no_claim() {
        let only_provider =
            ClaimRef { providers: vec![provider(ProviderRole::Billing, Some("1234567893"), None)], ..ClaimRef::default() };
        let p = BillingProvider::addressed_by(&statement(Level::TransactionSet, only_provider.clone())).unwrap();
        assert_eq!(p, BillingProvider { npi: Some("1234567893".into()), tax_id: None });
        assert!(BillingProvider::addressed_by(&statement(Level::Interchange, only_provider.clone())).is_some());
        // A claim key makes it a statement about that claim (999 CTX); a claim-level event is one.
        let keyed = ClaimRef { patient_control_number: Some("PCN1".into()), ..only_provider.clone() };
        assert_eq!(BillingProvider::addressed_by(&statement(Level::TransactionSet, keyed)), None);
        assert_eq!(BillingProvider::addressed_by(&statement(Level::Claim, only_provider)), None);
        // No id to match by, or not the billing provider: nothing.
        let nameless = ClaimRef { providers: vec![provider(ProviderRole::Billing, None, None)], ..ClaimRef::default() };
        assert_eq!(BillingProvider::addressed_by(&statement(Level::TransactionSet, nameless)), None);
        let rendering =
            ClaimRef { providers: vec![provider(ProviderRole::Rendering, Some("1"), None)], ..ClaimRef::default() };
        assert_eq!(BillingProvider::addressed_by(&statement(Level::TransactionSet, rendering)), None);
        assert_eq!(BillingProvider::addressed_by(&statement(Level::TransactionSet, ClaimRef::default())), None);
    }

    #[test]
    fn the_npi_decides_when_both_have_one_else_the_tax_id() {
        let npi = BillingProvider { npi: Some("1111111112".into()), tax_id: None };
        assert!(npi.bills(Some("1111111112"), Some("123456789")));
        assert!(!npi.bills(Some("2222222220"), Some("123456789")));
        assert!(!npi.bills(None, Some("123456789")), "nothing to compare");
        let tin = BillingProvider { npi: None, tax_id: Some("123456789".into()) };
        assert!(tin.bills(Some("1111111112"), Some("123456789")));
        assert!(tin.bills(Some("2222222220"), Some("123456789")), "every NPI billing under that tax id");
        assert!(!tin.bills(Some("1111111112"), None));
        let both = BillingProvider { npi: Some("1111111112".into()), tax_id: Some("123456789".into()) };
        assert!(!both.bills(Some("2222222220"), Some("123456789")), "another NPI under the same tax id");
        assert!(both.bills(None, Some("123456789")), "a claim billed by tax id only");
    }

    #[test]
    fn a_claim_that_has_the_statement_already_is_not_reached_again() {
        let p = BillingProvider { npi: Some("1111111112".into()), tax_id: None };
        let pos = Position { segment_index: Some(21), ..Position::default() };
        let said = Said::of(7, Some(&pos));
        assert_eq!(said, Said::at(7, Some(21)));
        assert!(reaches(&p, said, Some("1111111112"), None, std::iter::empty()));
        assert!(reaches(&p, said, Some("1111111112"), None, Said::at(7, Some(32)).into_iter()));
        assert!(reaches(&p, said, Some("1111111112"), None, Said::at(8, Some(21)).into_iter()), "another file");
        assert!(!reaches(&p, said, Some("1111111112"), None, Said::at(7, Some(21)).into_iter()));
        assert!(!reaches(&p, said, Some("2222222220"), None, std::iter::empty()));
        // A statement without a position cannot be recognised on a claim: it reaches it.
        assert_eq!(Said::of(7, None), None);
        assert!(reaches(&p, None, Some("1111111112"), None, Said::at(7, Some(21)).into_iter()));
    }
}
