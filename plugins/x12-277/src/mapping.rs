//! The HL tree of one transaction set turned into status events (rules in lib.rs).

use claimtrack_plugin_sdk::x12::{self, Segment};
use claimtrack_plugin_sdk::{
    Amounts, ClaimRef, CodeSet, Correlation, Level, Party, Provider, ProviderRole, Reason, ServiceLineRef, Source,
    StatusClass, StatusEvent,
};

use crate::codes::Variant;
use crate::diag::Diags;
use crate::hierarchy::{Claim, LevelCode, Line, Node, Tree};
use crate::stc::{self, Stc};

/// Who made the statements under a node.
#[derive(Clone)]
struct Speaker {
    source: Source,
    party: Option<Party>,
}

/// The events of one transaction set's tree, appended to `out`.
pub fn events(tree: &Tree<'_>, variant: Variant, diags: &mut Diags, out: &mut Vec<StatusEvent>) {
    let (sources, speaker_of) = speakers(tree, diags);
    let unnamed = Speaker { source: Source::Payer, party: None };
    // Claim references are built once: a cascaded rejection and the claim's own statuses
    // share them (and their diagnostics are not repeated).
    let mut claim_refs: Vec<Vec<ClaimRef>> = tree
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| node.claims.iter().map(|c| claim_ref(tree, i, c, variant, diags)).collect())
        .collect();

    for (i, node) in tree.nodes.iter().enumerate() {
        // Only a 277CA's 2200B TRN02 is the submitted batch's number; a 277's is the trace of
        // the 276 inquiry, which `batch_reference` (the 837 BHT03) is not.
        let batch_reference = match variant {
            Variant::ClaimAck => batch_reference(tree, i),
            Variant::StatusResponse => None,
        };
        let speaker = speaker_of[i].and_then(|k| sources[k].as_ref()).unwrap_or(&unnamed);
        let ctx = EventContext { speaker, batch_reference };
        if node.level.is_patient() {
            // A cascade reads only the claims below its level, which comes first: these are
            // read for the last time, so their last event takes the reference, not a copy.
            let crefs = std::mem::take(&mut claim_refs[i]);
            for (claim, cref) in node.claims.iter().zip(crefs) {
                let events = claim.statuses.len() + claim.lines.iter().map(|l| l.statuses.len()).sum::<usize>();
                let mut cref = Shared::new(cref, events);
                for seg in &claim.statuses {
                    let s = stc::read(seg, variant, diags);
                    let amounts = Amounts { charged: s.charged, paid: s.paid, ..Amounts::default() };
                    let mut ev = ctx.event(Level::Claim, seg, s);
                    ev.claim = Some(cref.next());
                    ev.amounts = amounts;
                    out.push(ev);
                }
                for line in &claim.lines {
                    let (lref, charged, paid) = line_ref(line, diags);
                    if line.statuses.is_empty() {
                        // A line without a status says nothing, but it should not vanish
                        // silently: both guides require an STC in 2220D/E.
                        diags.warning(
                            format!("SVC at segment #{} (service line) has no STC line status; no event for this line", line.svc.index),
                            Some(line.svc.position()),
                        );
                    }
                    for seg in &line.statuses {
                        let s = stc::read(seg, variant, diags);
                        let mut ev = ctx.event(Level::ServiceLine, seg, s);
                        ev.claim = Some(cref.next());
                        ev.service_line = Some(lref.clone());
                        ev.amounts = Amounts { charged, paid, ..Amounts::default() };
                        out.push(ev);
                    }
                }
            }
            continue;
        }
        if node.level == LevelCode::Receiver
            && let Some(trn) = node.trace
            && trn.opt(2).is_none()
        {
            let why = match variant {
                Variant::ClaimAck => "the claim transaction batch number; the batch cannot be matched",
                Variant::StatusResponse => "the trace number of the 276 inquiry",
            };
            diags.warning(format!("TRN at segment #{} (2200B) has no TRN02 ({why})", trn.index), Some(trn.position_at("TRN02")));
        }
        // Information source, receiver, provider (and unknown) levels: transaction-set level.
        // A receiver (2200B) statement is about the whole batch and keeps its class. A provider
        // (2200C) statement covers only that provider's claims, which the host finds by the
        // provider's NPI or tax id: it keeps its class too, with a claim naming only the
        // provider. A provider level that names neither, or an unknown level, leaves nothing to
        // match: its statement is `informational`, lest it read as the whole batch's.
        // Either way the category's description says what it covers, and a rejection is also
        // carried by the claims listed beneath through the cascade (the host needs it when the
        // batch is unknown; it does not apply the provider's statement to them a second time).
        let provider_note = provider_note(node, variant);
        let provider = provider_named(node);
        for seg in &node.statuses {
            let s = stc::read(seg, variant, diags);
            let mut ev = ctx.event(Level::TransactionSet, seg, s.clone());
            ev.amounts = Amounts { charged: s.charged, paid: s.paid, ..Amounts::default() };
            if let Some(note) = &provider_note {
                match &provider {
                    Some(p) => ev.claim = Some(ClaimRef { providers: vec![p.clone()], ..ClaimRef::default() }),
                    None => ev.status = StatusClass::Informational,
                }
                annotate(&mut ev.reasons, note);
            }
            let rejected = matches!(s.class, StatusClass::Rejected);
            out.push(ev);
            if rejected {
                let mut inherited = cascade(tree, i, node, seg, &s, &ctx, &claim_refs);
                // Whose rejection it is, for a view to say so.
                if let Some(p) = &provider {
                    inherited.iter_mut().filter_map(|ev| ev.claim.as_mut()).for_each(|c| c.providers.push(p.clone()));
                }
                out.extend(inherited);
            }
        }
        if !node.totals.is_empty() {
            totals(node, diags);
        }
    }
}

/// A value several events carry: each gets a copy but the last, which takes it.
struct Shared<T> {
    value: Option<T>,
    uses: usize,
}

impl<T: Clone> Shared<T> {
    fn new(value: T, uses: usize) -> Self {
        Shared { value: Some(value), uses }
    }

    fn next(&mut self) -> T {
        self.uses = self.uses.saturating_sub(1);
        let v = if self.uses == 0 { self.value.take() } else { self.value.clone() };
        v.expect("no more uses than counted")
    }
}

struct EventContext<'s> {
    speaker: &'s Speaker,
    batch_reference: Option<&'s str>,
}

impl EventContext<'_> {
    /// The event of one STC, which it consumes: its strings move into the event.
    fn event(&self, level: Level, seg: &Segment, s: Stc) -> StatusEvent {
        let mut ev = StatusEvent::new(level, self.speaker.source, s.class, s.raw_code);
        ev.reasons = s.reasons;
        // Kept for the whole output: no room for reasons that never come.
        ev.reasons.shrink_to_fit();
        ev.correlation = Correlation { batch_reference: self.batch_reference.map(str::to_string), ..Correlation::default() };
        ev.effective_date = s.effective_date;
        ev.source_party = self.speaker.party.clone();
        ev.payment_reference = s.payment_reference;
        ev.position = Some(seg.position());
        ev
    }
}

/// A rejection stated at the receiver (2200B) or provider (2200C) level applies to every
/// claim beneath it: one claim-level rejected event per claim, with the same reasons, the
/// category's description saying where the rejection was stated, and the position of the
/// higher-level STC (how the host knows the claim already has that statement). Amounts stay
/// empty: STC04 there is the total of the whole batch/provider.
fn cascade(
    tree: &Tree<'_>,
    at: usize,
    node: &Node<'_>,
    seg: &Segment,
    s: &Stc,
    ctx: &EventContext<'_>,
    claim_refs: &[Vec<ClaimRef>],
) -> Vec<StatusEvent> {
    let note = format!(
        "inherited: stated at the {} level ({}) for every claim beneath it",
        node.level.name(),
        node.level.status_loop()
    );
    let mut reasons = s.reasons.clone();
    annotate(&mut reasons, &note);
    let mut out = Vec::new();
    // Children always follow their parent, so only later nodes can be beneath it.
    for (j, below) in tree.nodes.iter().enumerate().skip(at + 1) {
        if !below.level.is_patient() || !tree.is_under(j, at) {
            continue;
        }
        for cref in &claim_refs[j] {
            let mut ev = ctx.event(Level::Claim, seg, s.clone());
            ev.status = StatusClass::Rejected;
            ev.reasons = reasons.clone();
            ev.claim = Some(cref.clone());
            out.push(ev);
        }
    }
    out
}

/// Append `note` to the description of every category reason (the note alone when the
/// category is unknown).
fn annotate(reasons: &mut [Reason], note: &str) {
    for r in reasons.iter_mut().filter(|r| matches!(r.code_set, CodeSet::ClaimStatusCategory)) {
        r.description = Some(match r.description.take() {
            Some(d) => format!("{d} ({note})"),
            None => note.to_string(),
        });
    }
}

/// What a provider-level (2200C) or unknown-level statement covers; `None` for the source and
/// receiver levels, whose statements are about the whole batch.
fn provider_note(node: &Node<'_>, variant: Variant) -> Option<String> {
    let who = match (&node.level, variant) {
        (LevelCode::Provider, Variant::ClaimAck) => "a billing-provider-level statement (2200C)".to_string(),
        (LevelCode::Provider, Variant::StatusResponse) => "a service-provider-level statement (2200C)".to_string(),
        (LevelCode::Other(code), _) => format!("a statement at an HL level of unknown code {}, read as provider level", stc::shown(code)),
        _ => return None,
    };
    Some(format!("{who}: covers only that provider's claims, not the whole batch"))
}

/// The provider a provider level (2000C) names by NPI (2100C NM108 `XX`) or tax id (`FI`, or
/// the 4010 `24`/`34`), as the billing provider: a 277CA's 2100C is the billing provider, and
/// a 277's service provider is the provider the 276 asked about, the claim's billing provider.
/// `None` at other levels, and when no NM1 of the level has such an id (e.g. `SV`, a
/// payer-assigned number the practice's claims do not carry).
fn provider_named(node: &Node<'_>) -> Option<Provider> {
    if node.level != LevelCode::Provider {
        return None;
    }
    node.names.iter().find_map(|nm1| {
        let id = nm1.string(9)?;
        let (npi, tax_id) = match nm1.get(8) {
            "XX" => (Some(id), None),
            "FI" | "24" | "34" => (None, Some(id)),
            _ => return None,
        };
        Some(Provider { role: ProviderRole::Billing, name: nm1.person_name(), npi, tax_id })
    })
}

/// Who speaks for each node: the information source (level 20) above it, or failing a proper
/// HL02 chain the nearest level 20 before it; the payer, unnamed, when there is none (`None`).
/// The speakers of the source nodes, and for each node the source node that speaks for it:
/// an index rather than a copy of its party for every node.
fn speakers(tree: &Tree<'_>, diags: &mut Diags) -> (Vec<Option<Speaker>>, Vec<Option<usize>>) {
    let by_node: Vec<Option<Speaker>> = tree
        .nodes
        .iter()
        .map(|n| (n.level == LevelCode::Source).then(|| source_speaker(n, diags)))
        .collect();
    let mut last_source: Option<usize> = None;
    let mut out = Vec::with_capacity(tree.nodes.len());
    for (i, node) in tree.nodes.iter().enumerate() {
        if node.level == LevelCode::Source {
            last_source = Some(i);
        }
        let found = std::iter::once(i)
            .chain(tree.ancestors(i))
            .find(|&k| by_node.get(k).is_some_and(Option::is_some))
            .or(last_source);
        out.push(found.filter(|&k| by_node.get(k).is_some_and(Option::is_some)));
    }
    (by_node, out)
}

/// The 2100A name of an information source: `AY` is a clearinghouse, `PR` a payer; anything
/// else, or no name at all, is read as the payer.
fn source_speaker(node: &Node<'_>, diags: &mut Diags) -> Speaker {
    let Some(nm1) = node.names.first() else {
        return Speaker { source: Source::Payer, party: None };
    };
    let source = match nm1.get(1) {
        "AY" => Source::Clearinghouse,
        "PR" => Source::Payer,
        other => {
            diags.info(
                format!(
                    "information source NM101 {} at segment #{} is neither AY nor PR; read as the payer",
                    crate::stc::shown(other),
                    nm1.index
                ),
                Some(nm1.position_at("NM101")),
            );
            Source::Payer
        }
    };
    let party = Party { name: nm1.person_name(), id: nm1.string(9), id_qualifier: nm1.string(8) };
    let said_nothing = party.name.is_none() && party.id.is_none();
    if said_nothing {
        diags.warning(
            format!(
                "information source NM1 at segment #{} has neither a name (NM103) nor an id (NM109); the source party is unknown",
                nm1.index
            ),
            Some(nm1.position_at("NM103")),
        );
    }
    Speaker { source, party: if said_nothing { None } else { Some(party) } }
}

/// 2200B TRN02 of the information receiver at or above node `i`: the claim transaction batch
/// number (the 837's BHT03 when the payer echoes it).
fn batch_reference<'t>(tree: &Tree<'t>, i: usize) -> Option<&'t str> {
    std::iter::once(i)
        .chain(tree.ancestors(i))
        .filter_map(|k| tree.nodes.get(k))
        .find(|n| n.level == LevelCode::Receiver)
        .and_then(|n| n.trace)
        .and_then(|trn| trn.opt(2))
}

fn claim_ref(tree: &Tree<'_>, i: usize, claim: &Claim<'_>, variant: Variant, diags: &mut Diags) -> ClaimRef {
    let mut r = ClaimRef::default();
    if let Some(trn) = claim.trn {
        r.patient_control_number = trn.string(2);
        if r.patient_control_number.is_none() {
            let what = match variant {
                Variant::ClaimAck => "the claim's patient control number",
                Variant::StatusResponse => "the trace number of the 276 inquiry",
            };
            diags.warning(format!("TRN at segment #{} has no TRN02 ({what})", trn.index), Some(trn.position_at("TRN02")));
        }
    }
    for seg in &claim.refs {
        // An empty REF never erases what another REF (or TRN02) gave.
        let value = || seg.string(2);
        match seg.get(1) {
            "1K" | "D9" | "EJ" if value().is_none() => {
                ref_value(seg, diags);
            }
            "1K" => r.payer_claim_number = value(),
            "D9" => r.clearinghouse_claim_id = value(),
            // REF*EJ is the patient account number, i.e. CLM01. In a 277 (X212) TRN02 is the
            // trace number of the 276 inquiry, which need not be CLM01, so EJ wins there; in a
            // 277CA (X214) TRN02 is CLM01 and EJ only fills a gap.
            "EJ" if variant == Variant::StatusResponse || r.patient_control_number.is_none() => {
                r.patient_control_number = value()
            }
            // Institutional type of bill: facility code + frequency code (CLM05-3).
            "BLT" => r.frequency_code = seg.opt(2).filter(|v| v.len() >= 2).and_then(|v| v.chars().last()).map(String::from),
            _ => {}
        }
    }
    if let Some((from, to)) = service_dates(&claim.dates, diags) {
        r.service_date_to = Some(to.unwrap_or_else(|| from.clone()));
        r.service_date_from = Some(from);
    }
    // The patient: the level's own NM1 (QC patient or dependent, IL subscriber). A dependent
    // seldom has an id of its own; the member id is then the subscriber's above it.
    let node = &tree.nodes[i];
    let nm1 = node.names.iter().find(|n| matches!(n.get(1), "QC" | "IL")).or(node.names.first());
    if let Some(nm1) = nm1 {
        r.patient_name = nm1.person_name();
        r.member_id = nm1.string(9);
    }
    if r.member_id.is_none() {
        r.member_id = tree
            .ancestors(i)
            .filter_map(|k| tree.nodes.get(k))
            .filter(|n| n.level == LevelCode::Subscriber)
            .find_map(|n| n.names.iter().find(|m| m.get(1) == "IL").and_then(|m| m.string(9)));
    }
    r
}

/// REF02 of a REF that keys a claim or line; a warning (naming the qualifier, never a value)
/// when it is missing.
fn ref_value(seg: &Segment, diags: &mut Diags) -> Option<String> {
    let v = seg.string(2);
    if v.is_none() {
        diags.warning(
            format!("REF*{} at segment #{} has no REF02 value; ignored", seg.get(1), seg.index),
            Some(seg.position_at("REF02")),
        );
    }
    v
}

/// The first DTP*472 (service date, D8 or RD8) among `dates`.
fn service_dates(dates: &[&Segment], diags: &mut Diags) -> Option<(String, Option<String>)> {
    let dtp = dates.iter().find(|d| d.get(1) == "472")?;
    let parsed = match dtp.get(2) {
        "D8" | "RD8" => x12::date_period(dtp.get(2), dtp.get(3)),
        _ => None,
    };
    if parsed.is_none() {
        diags.warning(
            format!("DTP*472 at segment #{} is not a valid D8 or RD8 service date; ignored", dtp.index),
            Some(dtp.position_at("DTP03")),
        );
    }
    parsed
}

/// The service line of a 2220 loop and its SVC02 charge / SVC03 payment.
fn line_ref(line: &Line<'_>, diags: &mut Diags) -> (ServiceLineRef, Option<i64>, Option<i64>) {
    let svc = line.svc;
    let mut r = ServiceLineRef::default();
    let comps = svc.components(1);
    if comps.iter().any(|c| !c.is_empty()) {
        r.procedure_qualifier = comps.first().filter(|c| !c.is_empty()).map(|c| c.to_string());
        r.procedure_code = comps.get(1).filter(|c| !c.is_empty()).map(|c| c.to_string());
        r.modifiers = comps.iter().skip(2).take(4).filter(|c| !c.is_empty()).map(|c| c.to_string()).collect();
    } else if let Some(rev) = svc.opt(4) {
        // Institutional line with only a revenue code (SVC04).
        r.procedure_qualifier = Some("NU".into());
        r.procedure_code = Some(rev.to_string());
    } else {
        diags.warning(format!("SVC at segment #{} has no procedure or revenue code", svc.index), Some(svc.position_at("SVC01")));
    }
    r.units = svc.string(7);
    r.line_item_control_number = line.refs.iter().find(|s| s.get(1) == "FJ").and_then(|s| ref_value(s, diags));
    r.service_date = service_dates(&line.dates, diags).map(|(from, _)| from);
    if svc.opt(2).is_none() {
        diags.warning(
            format!("SVC at segment #{} has no SVC02 line item charge amount (required)", svc.index),
            Some(svc.position_at("SVC02")),
        );
    }
    let charged = stc::amount(svc, 2, diags);
    let paid = stc::amount(svc, 3, diags);
    (r, charged, paid)
}

/// 2200B/2200C QTY/AMT totals, reported as an info diagnostic (counts and money only).
fn totals(node: &Node<'_>, diags: &mut Diags) {
    let mut accepted: Vec<String> = Vec::new();
    let mut rejected: Vec<String> = Vec::new();
    for seg in &node.totals {
        let target = match (seg.id.as_str(), seg.get(1)) {
            ("QTY", "90" | "QA") | ("AMT", "YU") => &mut accepted,
            ("QTY", "AA" | "QC") | ("AMT", "YY") => &mut rejected,
            _ => continue,
        };
        if seg.id == "QTY" {
            let n = seg.get(2);
            target.push(format!("{n} claim{}", if n == "1" { "" } else { "s" }));
        } else if let Some(c) = stc::amount(seg, 2, diags) {
            target.push(dollars(c));
        }
    }
    let mut parts = Vec::new();
    if !accepted.is_empty() {
        parts.push(format!("accepted {}", accepted.join(" ")));
    }
    if !rejected.is_empty() {
        parts.push(format!("rejected {}", rejected.join(" ")));
    }
    if let (false, Some(first)) = (parts.is_empty(), node.totals.first()) {
        diags.info(
            format!("{} totals (segment #{}): {}", node.level.status_loop(), first.index, parts.join(", ")),
            Some(first.position()),
        );
    }
}

fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}${}.{:02}", c / 100, c % 100)
}
