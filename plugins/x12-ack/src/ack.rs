//! 999 implementation / 997 functional acknowledgements (x12-reference.md §3).
//!
//! Layout read, per acknowledgement transaction set (the 997 uses AK3/AK4/AK5 where the 999
//! uses IK3/IK4/IK5; both spellings are accepted in both, the code tables follow ST01):
//! ```text
//! AK1  acked group: AK101 functional id, AK102 GS06, AK103 GS08   → group context
//!   AK2  acked set: AK201 ST01, AK202 ST02                         → opens a set loop
//!     IK3  segment error: id, position, loop, IK304 code          → opens a segment error
//!       CTX  CLM01:<pcn> (claim) or SITUATIONAL TRIGGER…           → claim / description
//!       IK4  element error: position, DE ref, IK403 code, bad value
//!         CTX  element context                                     → description
//!   IK5  IK501 status, IK502..IK506 codes                          → closes the loop: events
//! AK9  AK901 status, AK902 included, AK903 received, AK904 accepted, AK905..AK909 codes
//! ```
//! Events: one per AK2 loop (level transaction-set), one per claim named by CTX CLM01 in that
//! loop (level claim), one per AK9 (level functional-group), at the IK5/AK9 position.
//! An acknowledgement with no AK2 or no AK1 to correlate it is warned about and not emitted:
//! the host could not attach it to anything.
//! Every IK3 is a reason, even one without its IK304 code (then a free-text reason saying
//! where the error is), so the place of an error is never lost.

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::x12::{self, Group, Interchange, Segment, Transaction};

use crate::codes::{self, Flavor};
use crate::context::{self, Context};
use crate::out::{Out, element_name};
use crate::ta1;

/// What every event of one acknowledgement transaction set shares.
struct Env {
    flavor: Flavor,
    source_party: Option<Party>,
    /// When the acknowledgement was made: its GS04/GS05, else ISA09/ISA10.
    effective_date: Option<String>,
}

/// The AK1 in force, with what its AK2 loops said (to cross-check AK904).
struct GroupCtx {
    control_number: Option<String>,
    loops: u32,
    accepted: u32,
}

// The loops borrow their segments from the transaction set rather than copy them.
struct ElementError<'a> {
    seg: &'a Segment,
    context: Vec<String>,
}

struct SegmentError<'a> {
    seg: &'a Segment,
    context: Vec<String>,
    /// CLM01 values named by CTX in this IK3 loop.
    claims: Vec<String>,
    elements: Vec<ElementError<'a>>,
}

struct SetLoop<'a> {
    ak2: &'a Segment,
    errors: Vec<SegmentError<'a>>,
}

pub fn read(ic: &Interchange, group: &Group, tx: &Transaction, out: &mut Out) {
    let flavor = if tx.kind() == "997" { Flavor::Ack997 } else { Flavor::Ack999 };
    let env = Env { flavor, source_party: ic.sender(), effective_date: created(ic, group, out) };
    let mut ak1: Option<GroupCtx> = None;
    let mut open: Option<SetLoop> = None;
    let mut ak9_seen = false;
    for seg in &tx.body {
        match seg.id.as_str() {
            "AK1" => {
                close_without_status(open.take(), seg, ak1.as_mut(), &env, out);
                if ak1.is_some() {
                    out.warn(
                        format!("second AK1 at segment #{} in one acknowledgement; it replaces the first", seg.index),
                        seg,
                    );
                }
                if seg.opt(2).is_none() {
                    out.warn_at(
                        format!("AK1 at segment #{} has no AK102 group control number; its acknowledgements cannot be matched to a batch", seg.index),
                        seg,
                        "AK102",
                    );
                }
                // The 999 guide requires AK103 (GS08 of the acknowledged group); the 4010 997 has none.
                if env.flavor == Flavor::Ack999 && seg.opt(3).is_none() {
                    out.warn_at(
                        format!("AK1 at segment #{} has no AK103 version identifier", seg.index),
                        seg,
                        "AK103",
                    );
                }
                ak1 = Some(GroupCtx { control_number: seg.string(2), loops: 0, accepted: 0 });
            }
            "AK2" => {
                close_without_status(open.take(), seg, ak1.as_mut(), &env, out);
                if ak1.is_none() {
                    out.warn(format!("AK2 at segment #{} comes before any AK1", seg.index), seg);
                }
                if seg.opt(2).is_none() {
                    out.warn_at(
                        format!("AK2 at segment #{} has no AK202 transaction set control number", seg.index),
                        seg,
                        "AK202",
                    );
                }
                open = Some(SetLoop { ak2: seg, errors: Vec::new() });
            }
            "IK3" | "AK3" => match open.as_mut() {
                Some(l) => l.errors.push(SegmentError {
                    seg,
                    context: Vec::new(),
                    claims: Vec::new(),
                    elements: Vec::new(),
                }),
                None => out.warn(format!("{} at segment #{} is outside an AK2 loop; ignored", seg.id, seg.index), seg),
            },
            "IK4" | "AK4" => match open.as_mut().and_then(|l| l.errors.last_mut()) {
                Some(e) => e.elements.push(ElementError { seg, context: Vec::new() }),
                None => out.warn(
                    format!("{} at segment #{} is not inside a segment error loop; ignored", seg.id, seg.index),
                    seg,
                ),
            },
            "CTX" => match open.as_mut().and_then(|l| l.errors.last_mut()) {
                Some(e) => match context::read(seg) {
                    // A claim named anywhere in the IK3 loop owns the whole segment error.
                    Some(Context::Claim(pcn)) if !e.claims.contains(&pcn) => e.claims.push(pcn),
                    Some(Context::Claim(_)) => {}
                    Some(Context::Text(t)) => match e.elements.last_mut() {
                        Some(el) => el.context.push(t),
                        None => e.context.push(t),
                    },
                    None => {}
                },
                None => {
                    out.warn(format!("CTX at segment #{} is not inside a segment error loop; ignored", seg.index), seg)
                }
            },
            "IK5" | "AK5" => match open.take() {
                Some(l) => emit_set(l, Some(seg), ak1.as_mut(), &env, out),
                None => {
                    let why = if ak1.is_none() { "comes before any AK1 and " } else { "" };
                    out.warn(format!("{} at segment #{} {why}is outside an AK2 loop; ignored", seg.id, seg.index), seg);
                }
            },
            "AK9" => {
                close_without_status(open.take(), seg, ak1.as_mut(), &env, out);
                ak9_seen |= ak1.is_some();
                emit_group(seg, ak1.as_ref(), &env, out);
            }
            "TA1" => {
                out.warn(format!("TA1 at segment #{} is inside a transaction set; read anyway", seg.index), seg);
                ta1::read(seg, ic, out);
            }
            // Unknown segments carry nothing we map.
            _ => {}
        }
    }
    let end = tx.se.as_ref().or(tx.body.last()).unwrap_or(&tx.st);
    close_without_status(open.take(), end, ak1.as_mut(), &env, out);
    if ak1.is_none() {
        out.warn(format!("{} transaction set {} has no AK1", tx.kind(), tx.control_number()), &tx.st);
    } else if !ak9_seen {
        out.warn(
            format!("{} transaction set {} has no AK9 functional group response", tx.kind(), tx.control_number()),
            &tx.st,
        );
    }
}

/// GS04/GS05 of the acknowledgement's own group; ISA09/ISA10 without a usable GS date.
fn created(ic: &Interchange, group: &Group, out: &mut Out) -> Option<String> {
    let gs = &group.gs;
    let Some(raw) = gs.opt(4) else { return ic.created() };
    let Some(date) = x12::date_ccyymmdd(raw) else {
        out.warn_at(
            format!("GS04 at segment #{} is not a valid CCYYMMDD date; the ISA date is used", gs.index),
            gs,
            "GS04",
        );
        return ic.created();
    };
    // GS05 is HHMM[SS[dd]]; odd seconds should not cost the hour and minute.
    let t = gs.get(5);
    let time = x12::time_hhmm(t).or_else(|| t.get(..4).and_then(x12::time_hhmm));
    Some(match time {
        Some(t) => format!("{date}T{t}"),
        None => date,
    })
}

/// An AK2 loop ended (by `at`) without its IK5: its status is unknown, but its errors still
/// say what was wrong, so they are reported as an informational event.
fn close_without_status(l: Option<SetLoop>, at: &Segment, ak1: Option<&mut GroupCtx>, env: &Env, out: &mut Out) {
    let Some(l) = l else { return };
    out.warn(
        format!(
            "AK2 loop of transaction set {} (segment #{}) ends at segment #{} without an IK5/AK5; its status is unknown",
            l.ak2.get(2),
            l.ak2.index,
            at.index
        ),
        l.ak2,
    );
    if !l.errors.is_empty() {
        emit_set(l, None, ak1, env, out);
    }
}

fn emit_set(l: SetLoop, ik5: Option<&Segment>, ak1: Option<&mut GroupCtx>, env: &Env, out: &mut Out) {
    let flavor = env.flavor;
    let acked_kind = l.ak2.opt(1);
    // IK3/IK4 come before the IK5 in the file: read them first so diagnostics follow file order.
    let error_reasons: Vec<Vec<Reason>> =
        l.errors.iter().map(|e| segment_error_reasons(e, acked_kind, flavor, out)).collect();
    let (status, raw_code, carrier) = match ik5 {
        Some(s) => {
            let status = match s.opt(1) {
                Some(code) => codes::set_status(code).unwrap_or_else(|| {
                    out.unknown_code(&element_name(s, 1), code, s);
                    StatusClass::Informational
                }),
                None => {
                    let el = element_name(s, 1);
                    out.warn_at(format!("{} at segment #{} has no {el} acknowledgment code", s.id, s.index), s, &el);
                    StatusClass::Informational
                }
            };
            let raw = match s.opt(1) {
                Some(c) => format!("{} {c}", s.id),
                None => s.id.clone(),
            };
            (status, raw, s)
        }
        None => (StatusClass::Informational, "AK2".to_string(), l.ak2),
    };
    // The 999 guide requires IK502 whenever the set is rejected: it says why.
    if let Some(s) = ik5
        && flavor == Flavor::Ack999
        && matches!(s.opt(1), Some("R" | "M" | "W" | "X"))
        && s.opt(2).is_none()
    {
        let el = element_name(s, 2);
        out.warn_at(
            format!("{} at segment #{} rejects the set but has no {el} transaction set error code", s.id, s.index),
            s,
            &el,
        );
    }
    let set_reasons: Vec<Reason> = match ik5 {
        Some(s) => (2..=6)
            .filter_map(|n| out.coded_reason(s, n, CodeSet::AckTransactionSetError, |c| codes::set_error(flavor, c)))
            .collect(),
        None => Vec::new(),
    };

    let mut claims: Vec<&str> = Vec::new();
    for e in &l.errors {
        for c in &e.claims {
            if !claims.contains(&c.as_str()) {
                claims.push(c);
            }
        }
    }
    let mut correlation = Correlation::default();
    if let Some(g) = ak1 {
        correlation.group_control_number = g.control_number.clone();
        if ik5.is_some() {
            g.loops += 1;
            if matches!(status, StatusClass::Accepted | StatusClass::AcceptedWithErrors) {
                g.accepted += 1;
            }
        }
    }
    correlation.transaction_set_control_number = l.ak2.string(2);
    // What the set's events share, built once: the last event takes it, the others a copy
    // (usually there is one event, which then copies nothing).
    let mut shared = StatusEvent::new(Level::TransactionSet, Source::Clearinghouse, status, raw_code);
    shared.correlation = correlation;
    shared.effective_date = env.effective_date.clone();
    shared.source_party = env.source_party.clone();
    shared.position = Some(carrier.position());
    let mut shared = Some(shared);
    let mut remaining = 1 + claims.len();
    let mut event = |level: Level, status: StatusClass, reasons: Vec<Reason>, pcn: Option<&str>| {
        remaining -= 1;
        let mut ev = if remaining == 0 { shared.take() } else { shared.clone() }.expect("one event per claim and the set's");
        ev.level = level;
        ev.status = status;
        ev.reasons = reasons;
        ev.claim = pcn.map(|p| ClaimRef { patient_control_number: Some(p.to_string()), ..ClaimRef::default() });
        ev
    };

    let all: Vec<Reason> = set_reasons.iter().chain(error_reasons.iter().flatten()).cloned().collect();
    // With several claims in one set, each has its own event; the set event names none.
    let only_claim = if claims.len() == 1 { claims.first().copied() } else { None };
    out.events.push(event(Level::TransactionSet, status, all, only_claim));

    // A named claim shares the set's fate: rejected with it, otherwise accepted but with
    // the errors noted against it.
    let claim_status = match status {
        StatusClass::Rejected => StatusClass::Rejected,
        StatusClass::Informational => StatusClass::Informational,
        _ => StatusClass::AcceptedWithErrors,
    };
    for pcn in claims {
        let mut reasons = set_reasons.clone();
        for (e, r) in l.errors.iter().zip(&error_reasons) {
            if e.claims.iter().any(|c| c == pcn) {
                reasons.extend(r.iter().cloned());
            }
        }
        out.events.push(event(Level::Claim, claim_status, reasons, Some(pcn)));
    }
}

/// The IK3 reason, then one per IK4 under it.
fn segment_error_reasons(e: &SegmentError<'_>, acked_kind: Option<&str>, flavor: Flavor, out: &mut Out) -> Vec<Reason> {
    let seg = e.seg;
    let seg_id = seg.opt(1);
    let mut reasons = Vec::new();

    // "segment REF at position 57 of the 837 transaction set, loop 2300"
    let mut at = match seg_id {
        Some(id) => format!("segment {id}"),
        None => "segment".to_string(),
    };
    if let Some(p) = seg.opt(2) {
        at.push_str(&format!(" at position {p}"));
    }
    let mut place = at.clone();
    if let Some(k) = acked_kind {
        place.push_str(&format!(" of the {k} transaction set"));
    }
    if let Some(l) = seg.opt(3) {
        place.push_str(&format!(", loop {l}"));
    }
    for c in &e.context {
        place.push_str("; ");
        place.push_str(c);
    }
    match out.coded_reason(seg, 4, CodeSet::AckSegmentError, |c| codes::segment_error(flavor, c)) {
        Some(mut r) => {
            // An unknown code still says where the error is.
            r.description = Some(match r.description {
                Some(label) => format!("{label} ({place})"),
                None => place,
            });
            reasons.push(r);
        }
        None => {
            let el = element_name(seg, 4);
            out.warn_at(format!("{} at segment #{} has no {el} segment error code", seg.id, seg.index), seg, &el);
            // Without a code there is still a place, which is often all the submitter needs.
            let text = format!("{place} (segment error without an {el} code)");
            reasons.push(Reason { position: Some(seg.position()), ..Reason::new(CodeSet::FreeText, text, None) });
        }
    }

    for el in &e.elements {
        let s = el.seg;
        // The 999 guide requires IK402 (the data element reference number); the 997 AK402 is optional.
        if flavor == Flavor::Ack999 && s.opt(2).is_none() {
            let name = element_name(s, 2);
            out.warn_at(
                format!("{} at segment #{} has no {name} data element reference number", s.id, s.index),
                s,
                &name,
            );
        }
        // "CLM02, data element 782, in segment CLM at position 22; bad value "X""
        let mut parts = Vec::new();
        if let Some(r) = context::element_ref(seg_id, &s.components(1)) {
            parts.push(if seg_id.is_some() { r } else { format!("element {r}") });
        }
        if let Some(de) = s.opt(2) {
            parts.push(format!("data element {de}"));
        }
        parts.push(format!("in {at}"));
        let mut detail = parts.join(", ");
        if let Some(bad) = s.opt(4) {
            detail.push_str(&format!("; bad value \"{bad}\""));
        }
        for c in &el.context {
            detail.push_str("; ");
            detail.push_str(c);
        }
        match out.coded_reason(s, 3, CodeSet::AckElementError, |c| codes::element_error(flavor, c)) {
            Some(mut r) => {
                r.description = Some(match r.description {
                    Some(label) => format!("{label} ({detail})"),
                    None => detail,
                });
                reasons.push(r);
            }
            None => out.warn_at(
                format!("{} at segment #{} has no {} element error code", s.id, s.index, element_name(s, 3)),
                s,
                &element_name(s, 3),
            ),
        }
    }
    reasons
}

fn emit_group(seg: &Segment, ak1: Option<&GroupCtx>, env: &Env, out: &mut Out) {
    let Some(g) = ak1 else {
        out.warn(format!("AK9 at segment #{} comes before any AK1; ignored", seg.index), seg);
        return;
    };
    let code = seg.opt(1);
    let status = match code {
        Some(c) => codes::group_status(c).unwrap_or_else(|| {
            out.unknown_code("AK901", c, seg);
            StatusClass::Informational
        }),
        None => {
            out.warn_at(format!("AK9 at segment #{} has no AK901 acknowledgment code", seg.index), seg, "AK901");
            StatusClass::Informational
        }
    };
    let raw_code = match code {
        Some(c) => format!("AK9 {c}"),
        None => "AK9".to_string(),
    };
    let mut count = |n: usize| -> Option<u32> {
        let v = seg.opt(n)?;
        let parsed = v.parse::<u32>().ok();
        if parsed.is_none() {
            out.warn_at(format!("AK9{n:02} at segment #{} is not a number", seg.index), seg, &format!("AK9{n:02}"));
        }
        parsed
    };
    let (included, received, accepted) = (count(2), count(3), count(4));
    let missing: Vec<String> = (2..=4).filter(|&n| seg.opt(n).is_none()).map(|n| format!("AK9{n:02}")).collect();
    if let Some(first) = missing.first() {
        out.warn_at(
            format!(
                "AK9 at segment #{} has no {} transaction set count{}",
                seg.index,
                missing.join(", "),
                if missing.len() > 1 { "s" } else { "" }
            ),
            seg,
            first,
        );
    }

    let mut ev = StatusEvent::new(Level::FunctionalGroup, Source::Clearinghouse, status, raw_code);
    // The counts explain anything short of a plain acceptance ("partially accepted: 1 of 3").
    if let (Some(c), Some(acc), Some(of)) = (code, accepted, received.or(included))
        && c != "A"
    {
        let mut text = format!("{}: {acc} of {of} transaction sets accepted", codes::group_status_words(c));
        if let (Some(i), Some(r)) = (included, received)
            && i != r
        {
            text.push_str(&format!(" ({i} included, {r} received)"));
        }
        let r = Reason::new(CodeSet::Other("ack-group-code".into()), c, Some(text));
        ev.reasons.push(Reason { position: Some(seg.position_at("AK901")), ..r });
    }
    ev.reasons.extend((5..=9).filter_map(|n| out.coded_reason(seg, n, CodeSet::AckGroupError, codes::group_error)));

    if let (Some(acc), Some(rec)) = (accepted, received)
        && acc > rec
    {
        out.warn_at(
            format!("AK904 ({acc} accepted) exceeds AK903 ({rec} received) at segment #{}", seg.index),
            seg,
            "AK904",
        );
    }
    // Only when the group's sets were acknowledged one by one can the count be checked.
    if let Some(acc) = accepted
        && g.loops > 0
        && acc != g.accepted
    {
        out.warn_at(
            format!(
                "AK904 says {acc} transaction sets were accepted but the {} acknowledged sets of this group accept {} (segment #{})",
                g.loops, g.accepted, seg.index
            ),
            seg,
            "AK904",
        );
    }
    ev.correlation.group_control_number = g.control_number.clone();
    ev.effective_date = env.effective_date.clone();
    ev.source_party = env.source_party.clone();
    ev.position = Some(seg.position());
    out.events.push(ev);
}
