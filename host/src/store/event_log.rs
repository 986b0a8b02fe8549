//! The stored form of a status event (`events.body`, since schema 12).
//!
//! A remittance repeats the same few CARC and RARC descriptions and the same payer on
//! thousands of events, and the `parse --json` shape spells every field name and every
//! empty field out: about 1.2 KB per event. The stored form keeps what the event says, and
//! nothing twice:
//! - reason codes with their descriptions, and parties (payer, clearinghouse), are rows of
//!   `event_codes` and `event_parties`, named by id;
//! - fields have one- or two-letter names, positions and reasons are arrays, and empty
//!   fields are left out.
//!
//! [`Codebook::decode`] gives back exactly the event that was stored (a test holds it to
//! that), so the timeline, `derive` and `rebuild` read events as before. Bodies stored before
//! schema 12 (the `parse --json` shape, `{"level":…`) are still read.

use std::borrow::Cow;
use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::model::{
    Amounts, ClaimRef, CodeSet, Correlation, Level, Party, Position, Provider, ProviderRole, Reason, ServiceLineRef, Source,
    StatusClass, StatusEvent,
};

/// The codes (with their descriptions) and parties stored events name by id. Rows are read
/// from their tables when first needed and kept, so a book costs nothing to start (ingesting
/// a thousand small files starts a thousand books) and each row is read once.
#[derive(Default)]
pub(crate) struct Codebook {
    codes: HashMap<i64, (CodeSet, String, Option<String>)>,
    /// By code set name, then code: each description the code was stored with, and its row.
    /// Looked up by reference, without building a key per reason (a remittance has about
    /// three reasons per claim).
    code_ids: HashMap<String, HashMap<String, Vec<Described>>>,
    parties: HashMap<i64, Party>,
    party_ids: HashMap<PartyKey, i64>,
}

/// A description a code was stored with, and its row.
type Described = (Option<String>, i64);
/// A party's name, id and qualifier.
type PartyKey = (Option<String>, Option<String>, Option<String>);
type Text<'a> = Option<Cow<'a, str>>;
/// Segment index, segment id, line, byte offset, element.
type Pos<'a> = (Option<u32>, Text<'a>, Option<u32>, Option<u64>, Text<'a>);
/// Code row, group, amount, position.
type StoredReason<'a> = (i64, Text<'a>, Option<i64>, Option<Pos<'a>>);
/// Role, name, NPI, tax id.
type StoredProvider<'a> = (ProviderRole, Text<'a>, Text<'a>, Text<'a>);

#[derive(Serialize, Deserialize)]
struct Body<'a> {
    #[serde(rename = "l")]
    level: Level,
    #[serde(rename = "s")]
    source: Source,
    #[serde(rename = "t")]
    status: StatusClass,
    #[serde(rename = "r")]
    raw_code: Cow<'a, str>,
    #[serde(rename = "x", default, skip_serializing_if = "Vec::is_empty")]
    reasons: Vec<StoredReason<'a>>,
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    claim: Option<Claim<'a>>,
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    service_line: Option<Line<'a>>,
    /// The seven correlation keys in `Correlation`'s order.
    #[serde(rename = "k", default, skip_serializing_if = "Option::is_none")]
    correlation: Option<[Option<Cow<'a, str>>; 7]>,
    /// charged, paid, patient responsibility, adjusted, allowed.
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    amounts: Option<[Option<i64>; 5]>,
    #[serde(rename = "d", default, skip_serializing_if = "Option::is_none")]
    effective_date: Option<Cow<'a, str>>,
    /// Party row.
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    source_party: Option<i64>,
    #[serde(rename = "m", default, skip_serializing_if = "Option::is_none")]
    payment_reference: Option<Cow<'a, str>>,
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    position: Option<Pos<'a>>,
}

#[derive(Serialize, Deserialize, Default)]
struct Claim<'a> {
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    patient_control_number: Option<Cow<'a, str>>,
    #[serde(rename = "h", default, skip_serializing_if = "Option::is_none")]
    clearinghouse_claim_id: Option<Cow<'a, str>>,
    #[serde(rename = "y", default, skip_serializing_if = "Option::is_none")]
    payer_claim_number: Option<Cow<'a, str>>,
    #[serde(rename = "pn", default, skip_serializing_if = "Option::is_none")]
    patient_name: Option<Cow<'a, str>>,
    #[serde(rename = "mi", default, skip_serializing_if = "Option::is_none")]
    member_id: Option<Cow<'a, str>>,
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    service_date_from: Option<Cow<'a, str>>,
    #[serde(rename = "u", default, skip_serializing_if = "Option::is_none")]
    service_date_to: Option<Cow<'a, str>>,
    #[serde(rename = "q", default, skip_serializing_if = "Option::is_none")]
    frequency_code: Option<Cow<'a, str>>,
    #[serde(rename = "b", default, skip_serializing_if = "Option::is_none")]
    patient_birth_date: Option<Cow<'a, str>>,
    /// Party row.
    #[serde(rename = "py", default, skip_serializing_if = "Option::is_none")]
    payer: Option<i64>,
    #[serde(rename = "pr", default, skip_serializing_if = "Vec::is_empty")]
    providers: Vec<StoredProvider<'a>>,
    #[serde(rename = "dx", default, skip_serializing_if = "Vec::is_empty")]
    diagnosis_codes: Vec<Cow<'a, str>>,
}

#[derive(Serialize, Deserialize, Default)]
struct Line<'a> {
    #[serde(rename = "pc", default, skip_serializing_if = "Option::is_none")]
    procedure_code: Option<Cow<'a, str>>,
    #[serde(rename = "pq", default, skip_serializing_if = "Option::is_none")]
    procedure_qualifier: Option<Cow<'a, str>>,
    #[serde(rename = "md", default, skip_serializing_if = "Vec::is_empty")]
    modifiers: Vec<Cow<'a, str>>,
    #[serde(rename = "li", default, skip_serializing_if = "Option::is_none")]
    line_item_control_number: Option<Cow<'a, str>>,
    #[serde(rename = "sd", default, skip_serializing_if = "Option::is_none")]
    service_date: Option<Cow<'a, str>>,
    #[serde(rename = "un", default, skip_serializing_if = "Option::is_none")]
    units: Option<Cow<'a, str>>,
}

fn b(s: &Option<String>) -> Option<Cow<'_, str>> {
    s.as_deref().map(Cow::Borrowed)
}

fn own(s: Option<Cow<'_, str>>) -> Option<String> {
    s.map(Cow::into_owned)
}

fn pos(p: &Option<Position>) -> Option<Pos<'_>> {
    p.as_ref().map(|p| (p.segment_index, b(&p.segment_id), p.line, p.byte_offset, b(&p.element)))
}

fn position(p: Option<Pos<'_>>) -> Option<Position> {
    p.map(|(segment_index, segment_id, line, byte_offset, element)| Position {
        segment_index,
        segment_id: own(segment_id),
        line,
        byte_offset,
        element: own(element),
    })
}

/// The part of a stored event the status rules read (`tracking::derive` reads a claim's
/// statements from every file on each change): the rest of the body is skipped unparsed.
pub(crate) struct Facts {
    pub level: Level,
    pub source: Source,
    pub status: StatusClass,
    pub raw_code: String,
    pub reasons: Vec<Reason>,
    pub effective_date: Option<String>,
    pub paid: Option<i64>,
    pub patient_responsibility: Option<i64>,
    pub payer_claim_number: Option<String>,
    pub segment_index: Option<u32>,
    /// The id of the party that made the statement.
    pub source_party_id: Option<String>,
}

#[derive(Deserialize)]
struct FactsView<'a> {
    #[serde(rename = "l")]
    level: Level,
    #[serde(rename = "s")]
    source: Source,
    #[serde(rename = "t")]
    status: StatusClass,
    #[serde(rename = "r")]
    raw_code: String,
    #[serde(rename = "x", default)]
    reasons: Vec<StoredReason<'a>>,
    #[serde(rename = "c", default)]
    claim: Option<ClaimNumberView>,
    #[serde(rename = "a", default)]
    amounts: Option<[Option<i64>; 5]>,
    #[serde(rename = "d", default)]
    effective_date: Option<String>,
    #[serde(rename = "p", default)]
    source_party: Option<i64>,
    #[serde(rename = "o", default)]
    position: Option<(Option<u32>, IgnoredAny, IgnoredAny, IgnoredAny, IgnoredAny)>,
}

#[derive(Deserialize)]
struct ClaimNumberView {
    #[serde(rename = "y", default)]
    payer_claim_number: Option<String>,
}

/// [`FactsView`] of a body stored before schema 12, in the `parse --json` shape.
#[derive(Deserialize)]
struct OldFactsView {
    level: Level,
    source: Source,
    status: StatusClass,
    raw_code: String,
    #[serde(default)]
    reasons: Vec<Reason>,
    #[serde(default)]
    effective_date: Option<String>,
    #[serde(default)]
    amounts: OldPaid,
    #[serde(default)]
    claim: Option<OldClaimNumber>,
    #[serde(default)]
    position: Option<OldSegment>,
    #[serde(default)]
    source_party: Option<OldPartyId>,
}

#[derive(Deserialize, Default)]
struct OldPaid {
    #[serde(default)]
    paid: Option<i64>,
    #[serde(default)]
    patient_responsibility: Option<i64>,
}

#[derive(Deserialize)]
struct OldClaimNumber {
    #[serde(default)]
    payer_claim_number: Option<String>,
}

#[derive(Deserialize)]
struct OldSegment {
    #[serde(default)]
    segment_index: Option<u32>,
}

#[derive(Deserialize)]
struct OldPartyId {
    #[serde(default)]
    id: Option<String>,
}

impl Facts {
    /// What the rules read of an event in memory.
    pub(crate) fn of(e: &StatusEvent) -> Facts {
        Facts {
            level: e.level,
            source: e.source,
            status: e.status,
            raw_code: e.raw_code.clone(),
            reasons: e.reasons.clone(),
            effective_date: e.effective_date.clone(),
            paid: e.amounts.paid,
            patient_responsibility: e.amounts.patient_responsibility,
            payer_claim_number: e.claim.as_ref().and_then(|c| c.payer_claim_number.clone()),
            segment_index: e.position.as_ref().and_then(|p| p.segment_index),
            source_party_id: e.source_party.as_ref().and_then(|p| p.id.clone()),
        }
    }
}

/// A body that does not read: the message names the event's row.
fn unreadable(e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, format!("a stored event does not read: {e}").into())
}

impl Codebook {
    /// An empty book: rows are read as they are needed.
    pub(crate) fn new() -> Codebook {
        Codebook::default()
    }

    fn code(&mut self, conn: &Connection, id: i64) -> rusqlite::Result<(CodeSet, String, Option<String>)> {
        if let Some(c) = self.codes.get(&id) {
            return Ok(c.clone());
        }
        let row: Option<(String, String, Option<String>)> = conn
            .prepare_cached("SELECT code_set, code, description FROM event_codes WHERE id = ?1")?
            .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let (set, code, description) = row.ok_or_else(|| unreadable(format!("code {id} is not in event_codes")))?;
        let c = (CodeSet::from_name(&set), code, description);
        self.codes.insert(id, c.clone());
        Ok(c)
    }

    fn party(&mut self, conn: &Connection, id: i64) -> rusqlite::Result<Party> {
        if let Some(p) = self.parties.get(&id) {
            return Ok(p.clone());
        }
        let p = conn
            .prepare_cached("SELECT name, party_id, id_qualifier FROM event_parties WHERE id = ?1")?
            .query_row(params![id], |r| Ok(Party { name: r.get(0)?, id: r.get(1)?, id_qualifier: r.get(2)? }))
            .optional()?
            .ok_or_else(|| unreadable(format!("party {id} is not in event_parties")))?;
        self.parties.insert(id, p.clone());
        Ok(p)
    }

    fn code_id(&mut self, conn: &Connection, set: &CodeSet, code: &str, description: &Option<String>) -> rusqlite::Result<i64> {
        let name = set.name_cow();
        let find = |book: &Codebook| {
            let known = book.code_ids.get(name.as_ref()).and_then(|codes| codes.get(code));
            known.and_then(|v| v.iter().find(|(d, _)| d == description)).map(|&(_, id)| id)
        };
        if let Some(id) = find(self) {
            return Ok(id);
        }
        // Not in the book: in the table, perhaps (the rows of this code, every description).
        if !self.code_ids.get(name.as_ref()).is_some_and(|codes| codes.contains_key(code)) {
            let mut stmt = conn.prepare_cached("SELECT id, description FROM event_codes WHERE code_set = ?1 AND code = ?2")?;
            let rows: Vec<(i64, Option<String>)> =
                stmt.query_map(params![name, code], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
            let entry = self.code_ids.entry(name.to_string()).or_default().entry(code.to_owned()).or_default();
            for (id, d) in rows {
                self.codes.insert(id, (set.clone(), code.to_owned(), d.clone()));
                entry.push((d, id));
            }
            if let Some(id) = find(self) {
                return Ok(id);
            }
        }
        conn.prepare_cached("INSERT INTO event_codes (code_set, code, description) VALUES (?1, ?2, ?3)")?
            .execute(params![name, code, description])?;
        let id = conn.last_insert_rowid();
        self.codes.insert(id, (set.clone(), code.to_owned(), description.clone()));
        self.code_ids.entry(name.into_owned()).or_default().entry(code.to_owned()).or_default().push((description.clone(), id));
        Ok(id)
    }

    fn party_id(&mut self, conn: &Connection, p: &Party) -> rusqlite::Result<i64> {
        let key = (p.name.clone(), p.id.clone(), p.id_qualifier.clone());
        if let Some(&id) = self.party_ids.get(&key) {
            return Ok(id);
        }
        let stored: Option<i64> = conn
            .prepare_cached("SELECT id FROM event_parties WHERE name IS ?1 AND party_id IS ?2 AND id_qualifier IS ?3")?
            .query_row(params![p.name, p.id, p.id_qualifier], |r| r.get(0))
            .optional()?;
        if let Some(id) = stored {
            self.parties.insert(id, p.clone());
            self.party_ids.insert(key, id);
            return Ok(id);
        }
        conn.prepare_cached("INSERT INTO event_parties (name, party_id, id_qualifier) VALUES (?1, ?2, ?3)")?
            .execute(params![p.name, p.id, p.id_qualifier])?;
        let id = conn.last_insert_rowid();
        self.parties.insert(id, p.clone());
        self.party_ids.insert(key, id);
        Ok(id)
    }

    /// The stored form of `e`; new codes and parties are added to their tables.
    pub(crate) fn encode(&mut self, conn: &Connection, e: &StatusEvent) -> rusqlite::Result<String> {
        let mut reasons = Vec::with_capacity(e.reasons.len());
        for r in &e.reasons {
            reasons.push((self.code_id(conn, &r.code_set, &r.code, &r.description)?, b(&r.group), r.amount, pos(&r.position)));
        }
        let claim = match &e.claim {
            None => None,
            Some(c) => Some(Claim {
                patient_control_number: b(&c.patient_control_number),
                clearinghouse_claim_id: b(&c.clearinghouse_claim_id),
                payer_claim_number: b(&c.payer_claim_number),
                patient_name: b(&c.patient_name),
                member_id: b(&c.member_id),
                service_date_from: b(&c.service_date_from),
                service_date_to: b(&c.service_date_to),
                frequency_code: b(&c.frequency_code),
                patient_birth_date: b(&c.patient_birth_date),
                payer: c.payer.as_ref().map(|p| self.party_id(conn, p)).transpose()?,
                providers: c.providers.iter().map(|p| (p.role, b(&p.name), b(&p.npi), b(&p.tax_id))).collect(),
                diagnosis_codes: c.diagnosis_codes.iter().map(|d| Cow::Borrowed(d.as_str())).collect(),
            }),
        };
        let k = &e.correlation;
        let keys = [
            b(&k.interchange_control_number),
            b(&k.group_control_number),
            b(&k.transaction_set_control_number),
            b(&k.batch_reference),
            b(&k.clearinghouse_file_id),
            b(&k.clearinghouse_child_file_id),
            b(&k.submitted_file_name),
        ];
        let a = &e.amounts;
        let amounts = [a.charged, a.paid, a.patient_responsibility, a.adjusted, a.allowed];
        let body = Body {
            level: e.level,
            source: e.source,
            status: e.status,
            raw_code: Cow::Borrowed(&e.raw_code),
            reasons,
            claim,
            service_line: e.service_line.as_ref().map(|s| Line {
                procedure_code: b(&s.procedure_code),
                procedure_qualifier: b(&s.procedure_qualifier),
                modifiers: s.modifiers.iter().map(|m| Cow::Borrowed(m.as_str())).collect(),
                line_item_control_number: b(&s.line_item_control_number),
                service_date: b(&s.service_date),
                units: b(&s.units),
            }),
            correlation: keys.iter().any(Option::is_some).then_some(keys),
            amounts: amounts.iter().any(Option::is_some).then_some(amounts),
            effective_date: b(&e.effective_date),
            source_party: e.source_party.as_ref().map(|p| self.party_id(conn, p)).transpose()?,
            payment_reference: b(&e.payment_reference),
            position: pos(&e.position),
        };
        Ok(serde_json::to_string(&body).expect("the stored form serializes"))
    }

    /// What the status rules read of a body, in either stored form.
    pub(crate) fn facts(&mut self, conn: &Connection, body: &str) -> rusqlite::Result<Facts> {
        if body.starts_with("{\"level\"") {
            let v: OldFactsView = serde_json::from_str(body).map_err(unreadable)?;
            return Ok(Facts {
                level: v.level,
                source: v.source,
                status: v.status,
                raw_code: v.raw_code,
                reasons: v.reasons,
                effective_date: v.effective_date,
                paid: v.amounts.paid,
                patient_responsibility: v.amounts.patient_responsibility,
                payer_claim_number: v.claim.and_then(|c| c.payer_claim_number),
                segment_index: v.position.and_then(|p| p.segment_index),
                source_party_id: v.source_party.and_then(|p| p.id),
            });
        }
        let v: FactsView<'_> = serde_json::from_str(body).map_err(unreadable)?;
        let mut reasons = Vec::with_capacity(v.reasons.len());
        for (code, group, amount, p) in v.reasons {
            let (code_set, code, description) = self.code(conn, code)?;
            reasons.push(Reason { code_set, code, description, group: own(group), amount, position: position(p) });
        }
        let amounts = v.amounts.unwrap_or_default();
        Ok(Facts {
            level: v.level,
            source: v.source,
            status: v.status,
            raw_code: v.raw_code,
            reasons,
            effective_date: v.effective_date,
            paid: amounts[1],
            patient_responsibility: amounts[2],
            payer_claim_number: v.claim.and_then(|c| c.payer_claim_number),
            segment_index: v.position.and_then(|p| p.0),
            source_party_id: match v.source_party {
                Some(id) => self.party(conn, id)?.id,
                None => None,
            },
        })
    }

    /// The event a body holds, in either stored form.
    pub(crate) fn decode(&mut self, conn: &Connection, body: &str) -> rusqlite::Result<StatusEvent> {
        if body.starts_with("{\"level\"") {
            return serde_json::from_str(body).map_err(unreadable);
        }
        let s: Body<'_> = serde_json::from_str(body).map_err(unreadable)?;
        let mut reasons = Vec::with_capacity(s.reasons.len());
        for (code, group, amount, p) in s.reasons {
            let (code_set, code, description) = self.code(conn, code)?;
            reasons.push(Reason { code_set, code, description, group: own(group), amount, position: position(p) });
        }
        let claim = match s.claim {
            None => None,
            Some(c) => Some(ClaimRef {
                patient_control_number: own(c.patient_control_number),
                clearinghouse_claim_id: own(c.clearinghouse_claim_id),
                payer_claim_number: own(c.payer_claim_number),
                patient_name: own(c.patient_name),
                member_id: own(c.member_id),
                service_date_from: own(c.service_date_from),
                service_date_to: own(c.service_date_to),
                frequency_code: own(c.frequency_code),
                patient_birth_date: own(c.patient_birth_date),
                payer: c.payer.map(|id| self.party(conn, id)).transpose()?,
                providers: c
                    .providers
                    .into_iter()
                    .map(|(role, name, npi, tax_id)| Provider { role, name: own(name), npi: own(npi), tax_id: own(tax_id) })
                    .collect(),
                diagnosis_codes: c.diagnosis_codes.into_iter().map(Cow::into_owned).collect(),
            }),
        };
        let [k0, k1, k2, k3, k4, k5, k6] = s.correlation.unwrap_or_default();
        let [charged, paid, patient_responsibility, adjusted, allowed] = s.amounts.unwrap_or_default();
        Ok(StatusEvent {
            level: s.level,
            source: s.source,
            status: s.status,
            raw_code: s.raw_code.into_owned(),
            reasons,
            claim,
            service_line: s.service_line.map(|l| ServiceLineRef {
                procedure_code: own(l.procedure_code),
                procedure_qualifier: own(l.procedure_qualifier),
                modifiers: l.modifiers.into_iter().map(Cow::into_owned).collect(),
                line_item_control_number: own(l.line_item_control_number),
                service_date: own(l.service_date),
                units: own(l.units),
            }),
            correlation: Correlation {
                interchange_control_number: own(k0),
                group_control_number: own(k1),
                transaction_set_control_number: own(k2),
                batch_reference: own(k3),
                clearinghouse_file_id: own(k4),
                clearinghouse_child_file_id: own(k5),
                submitted_file_name: own(k6),
            },
            amounts: Amounts { charged, paid, patient_responsibility, adjusted, allowed },
            effective_date: own(s.effective_date),
            source_party: s.source_party.map(|id| self.party(conn, id)).transpose()?,
            payment_reference: own(s.payment_reference),
            position: position(s.position),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_event() -> StatusEvent {
        let payer = Party { name: Some("ACME HEALTH".into()), id: Some("ACME1".into()), id_qualifier: Some("PI".into()) };
        let at = |i| Some(Position { segment_index: Some(i), segment_id: Some("CAS".into()), line: Some(3), byte_offset: Some(99), element: Some("CAS02".into()) });
        StatusEvent {
            level: Level::ServiceLine,
            source: Source::Payer,
            status: StatusClass::Denied,
            raw_code: "CLP02 4".into(),
            reasons: vec![
                Reason { code_set: CodeSet::Carc, code: "45".into(), description: Some("Charge exceeds fee schedule".into()), group: Some("CO".into()), amount: Some(-12), position: at(7) },
                Reason { code_set: CodeSet::Other("ncpdp".into()), code: "X".into(), description: None, group: None, amount: None, position: None },
                Reason { code_set: CodeSet::Carc, code: "45".into(), description: Some("Charge exceeds fee schedule".into()), group: Some("PR".into()), amount: Some(5), position: at(8) },
            ],
            claim: Some(ClaimRef {
                patient_control_number: Some("PCN1".into()),
                clearinghouse_claim_id: Some("1234567890".into()),
                payer_claim_number: Some("ICN".into()),
                patient_name: Some("DOE, JANE".into()),
                member_id: Some("M1".into()),
                service_date_from: Some("2024-01-02".into()),
                service_date_to: Some("2024-01-03".into()),
                frequency_code: Some("7".into()),
                patient_birth_date: Some("1990-05-06".into()),
                payer: Some(payer.clone()),
                providers: vec![Provider { role: ProviderRole::Rendering, name: None, npi: Some("1234567893".into()), tax_id: Some("12-3".into()) }],
                diagnosis_codes: vec!["J069".into(), "R05".into()],
            }),
            service_line: Some(ServiceLineRef {
                procedure_code: Some("99213".into()),
                procedure_qualifier: Some("HC".into()),
                modifiers: vec!["25".into()],
                line_item_control_number: Some("L1".into()),
                service_date: Some("2024-01-02".into()),
                units: Some("1.5".into()),
            }),
            correlation: Correlation {
                interchange_control_number: Some("1".into()),
                group_control_number: None,
                transaction_set_control_number: Some("3".into()),
                batch_reference: None,
                clearinghouse_file_id: Some("F".into()),
                clearinghouse_child_file_id: None,
                submitted_file_name: Some("x.837".into()),
            },
            amounts: Amounts { charged: Some(100), paid: Some(0), patient_responsibility: None, adjusted: Some(-100), allowed: None },
            effective_date: Some("2024-02-01T10:30".into()),
            source_party: Some(payer),
            payment_reference: Some("CHK9".into()),
            position: Some(Position { segment_index: Some(5), segment_id: Some("SVC".into()), line: None, byte_offset: Some(80), element: None }),
        }
    }

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut conn).unwrap();
        conn
    }

    #[test]
    fn an_event_reads_back_exactly_as_stored_and_smaller() {
        let conn = db();
        let mut book = Codebook::new();
        let bare = StatusEvent {
            level: Level::Interchange,
            source: Source::Clearinghouse,
            status: StatusClass::Accepted,
            raw_code: "TA1 A".into(),
            reasons: vec![],
            claim: None,
            service_line: None,
            correlation: Correlation::default(),
            amounts: Amounts::default(),
            effective_date: None,
            source_party: None,
            payment_reference: None,
            position: None,
        };
        for e in [full_event(), bare] {
            let body = book.encode(&conn, &e).unwrap();
            assert_eq!(book.decode(&conn, &body).unwrap(), e, "{body}");
            // A new book reads the rows from the tables, and adds none.
            let mut fresh = Codebook::new();
            assert_eq!(fresh.decode(&conn, &body).unwrap(), e);
            assert_eq!(fresh.encode(&conn, &e).unwrap(), body);
            let json = serde_json::to_string(&e).unwrap();
            assert!(body.len() * 2 < json.len(), "{} bytes stored against {} as JSON: {body}", body.len(), json.len());
        }
        // The description and the payer are stored once, whatever the number of events.
        for _ in 0..3 {
            book.encode(&conn, &full_event()).unwrap();
        }
        Codebook::new().encode(&conn, &full_event()).unwrap();
        let count = |t: &str| conn.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!((count("event_codes"), count("event_parties")), (2, 1));
    }

    #[test]
    fn the_facts_read_agree_with_the_whole_event() {
        let conn = db();
        let e = full_event();
        let body = Codebook::new().encode(&conn, &e).unwrap();
        let f = Codebook::new().facts(&conn, &body).unwrap();
        assert_eq!((f.level, f.source, f.status, f.raw_code.as_str()), (e.level, e.source, e.status, e.raw_code.as_str()));
        assert_eq!(f.reasons, e.reasons);
        assert_eq!((f.paid, f.patient_responsibility), (e.amounts.paid, e.amounts.patient_responsibility));
        assert_eq!(f.payer_claim_number, e.claim.unwrap().payer_claim_number);
        assert_eq!(f.segment_index, Some(5));
        assert_eq!(f.source_party_id.as_deref(), Some("ACME1"));
        assert_eq!(f.effective_date, e.effective_date);
        // The same facts from a body stored before schema 12, and from the event in memory.
        let old = Codebook::new().facts(&conn, &serde_json::to_string(&full_event()).unwrap()).unwrap();
        let mem = Facts::of(&full_event());
        for g in [old, mem] {
            assert_eq!((g.level, g.source, g.status, &g.raw_code, &g.reasons), (f.level, f.source, f.status, &f.raw_code, &f.reasons));
            assert_eq!((g.paid, g.patient_responsibility, &g.payer_claim_number), (f.paid, f.patient_responsibility, &f.payer_claim_number));
            assert_eq!((g.segment_index, &g.source_party_id, &g.effective_date), (f.segment_index, &f.source_party_id, &f.effective_date));
        }
    }

    #[test]
    fn a_body_stored_before_schema_12_still_reads() {
        let e = full_event();
        let old = serde_json::to_string(&e).unwrap();
        assert!(old.starts_with("{\"level\""));
        let conn = db();
        assert_eq!(Codebook::new().decode(&conn, &old).unwrap(), e);
        let unknown = Codebook::new().decode(&conn, "{\"l\":\"claim\",\"s\":\"payer\",\"t\":\"paid\",\"r\":\"x\",\"p\":9}");
        assert!(unknown.unwrap_err().to_string().contains("party 9 is not in event_parties"), "an unknown party is an error");
    }
}
