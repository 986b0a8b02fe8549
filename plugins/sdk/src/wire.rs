//! A chunk as the host receives it: the chunk's events with their claims, parties, payments,
//! correlation keys and codes moved into tables and named by index (`wit/types.wit`, since
//! 0.2).
//!
//! Tables belong to one chunk, so this builder starts empty for each. A row equal to one
//! already in the table is not sent again: a remittance's payer and check, a claim's service
//! lines, and the same CARC on many claims each take one row per chunk.

use crate::__private::claimtrack::plugin::types as w;
use crate::{Correlation, Diagnostic, Party, StatusEvent};
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher, Hash};

pub(crate) use w::Chunk;

/// Rows of one table, each sent once. Keyed by hash: a lookup compares with the row found,
/// and a different row with the same hash is simply added again (the wire allows repeated
/// rows), so no value is cloned to serve as a key.
struct Table<T> {
    rows: Vec<T>,
    first_with_hash: HashMap<u64, u32>,
}

impl<T: Hash + Eq> Table<T> {
    fn new() -> Self {
        Table { rows: Vec::new(), first_with_hash: HashMap::new() }
    }

    fn add(&mut self, row: T) -> u32 {
        // Fixed keys: the guest has no use for WASI randomness, and tables need no DoS
        // resistance (a chunk is at most a few thousand rows, from the plugin itself).
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(&row);
        if let Some(&i) = self.first_with_hash.get(&hash)
            && self.rows[i as usize] == row
        {
            return i;
        }
        let i = u32::try_from(self.rows.len()).expect("a chunk's table has far fewer than 2^32 rows");
        self.rows.push(row);
        self.first_with_hash.entry(hash).or_insert(i);
        i
    }
}

fn is_empty(c: &Correlation) -> bool {
    c == &Correlation::default()
}

/// One chunk's tables, events and diagnostics, in the wire form.
pub(crate) fn chunk(events: Vec<StatusEvent>, diagnostics: Vec<Diagnostic>) -> Chunk {
    let mut parties: Table<Party> = Table::new();
    let mut claims: Table<w::ClaimRef> = Table::new();
    let mut payments: Table<w::Payment> = Table::new();
    let mut correlations: Table<Correlation> = Table::new();
    let mut codes: Table<w::Code> = Table::new();
    let mut wire_events = Vec::with_capacity(events.len());
    for e in events {
        let claim = e.claim.map(|c| {
            let payer = c.payer.map(|p| parties.add(p));
            claims.add(w::ClaimRef {
                patient_control_number: c.patient_control_number,
                clearinghouse_claim_id: c.clearinghouse_claim_id,
                payer_claim_number: c.payer_claim_number,
                patient_name: c.patient_name,
                member_id: c.member_id,
                service_date_from: c.service_date_from,
                service_date_to: c.service_date_to,
                frequency_code: c.frequency_code,
                patient_birth_date: c.patient_birth_date,
                payer,
                providers: c.providers,
                diagnosis_codes: c.diagnosis_codes,
            })
        });
        let reasons = e
            .reasons
            .into_iter()
            .map(|r| w::Reason {
                code: codes.add(w::Code { code_set: r.code_set, code: r.code, description: r.description }),
                group: r.group,
                amount: r.amount,
                position: r.position,
            })
            .collect();
        wire_events.push(w::StatusEvent {
            level: e.level,
            source: e.source,
            status: e.status,
            raw_code: e.raw_code,
            reasons,
            claim,
            service_line: e.service_line,
            correlation: (!is_empty(&e.correlation)).then(|| correlations.add(e.correlation)),
            amounts: e.amounts,
            effective_date: e.effective_date,
            source_party: e.source_party.map(|p| parties.add(p)),
            payment: e.payment_reference.map(|reference| payments.add(w::Payment { reference })),
            position: e.position,
        });
    }
    Chunk {
        parties: parties.rows,
        claims: claims.rows,
        payments: payments.rows,
        correlations: correlations.rows,
        codes: codes.rows,
        events: wire_events,
        diagnostics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClaimRef, CodeSet, Level, Reason, Source, StatusClass};

    fn payer() -> Party {
        Party { name: Some("ACME HEALTH".into()), id: Some("12345".into()), id_qualifier: Some("PI".into()) }
    }

    fn claim_event(pcn: &str, carc: &str) -> StatusEvent {
        let mut e = StatusEvent::new(Level::Claim, Source::Payer, StatusClass::Paid, "CLP02 1");
        e.claim = Some(ClaimRef { patient_control_number: Some(pcn.into()), payer: Some(payer()), ..ClaimRef::default() });
        e.source_party = Some(payer());
        e.payment_reference = Some("CHK001".into());
        e.reasons.push(Reason::new(CodeSet::Carc, carc, Some("Charge exceeds fee schedule".into())));
        e
    }

    #[test]
    fn repeated_rows_are_sent_once_per_chunk_and_indices_resolve() {
        let mut line = claim_event("A1", "45");
        line.level = Level::ServiceLine;
        let events = vec![claim_event("A1", "45"), line, claim_event("B2", "45"), claim_event("C3", "96")];
        let c = chunk(events.clone(), vec![]);
        assert_eq!(c.parties.len(), 1, "one payer, named as payer and as source");
        assert_eq!(c.payments.len(), 1);
        assert_eq!(c.claims.len(), 3, "the service line names its claim's row");
        assert_eq!(c.codes.len(), 2);
        assert_eq!(c.correlations.len(), 0, "no keys, no row");
        assert_eq!(c.events[0].claim, c.events[1].claim);
        // Every index resolves to what the event said.
        for (wire, e) in c.events.iter().zip(&events) {
            let claim = &c.claims[wire.claim.unwrap() as usize];
            assert_eq!(claim.patient_control_number, e.claim.as_ref().unwrap().patient_control_number);
            assert_eq!(Some(&c.parties[claim.payer.unwrap() as usize]), e.claim.as_ref().unwrap().payer.as_ref());
            assert_eq!(Some(&c.parties[wire.source_party.unwrap() as usize]), e.source_party.as_ref());
            assert_eq!(Some(&c.payments[wire.payment.unwrap() as usize].reference), e.payment_reference.as_ref());
            assert_eq!(c.codes[wire.reasons[0].code as usize].code, e.reasons[0].code);
            assert_eq!(wire.correlation, None);
        }
    }
}
