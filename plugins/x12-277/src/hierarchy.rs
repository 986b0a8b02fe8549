//! The HL hierarchy of one 277 transaction set, with each level's loops gathered.
//!
//! A 277 is a tree of HL levels (HL01 id, HL02 parent id, HL03 level code). Under each HL the
//! segments up to the next HL belong to it: a 2100 name (NM1), then a 2200 status loop (TRN,
//! STC, REF, DTP, QTY, AMT). At the patient levels the 2200 loop repeats, one per claim, each
//! opened by its TRN, and a claim's service lines (2220: SVC, STC, REF, DTP) follow it.
//! Everything is kept as references to the tokenizer's segments; nothing is decoded here.

use std::collections::HashMap;

use claimtrack_plugin_sdk::x12::Segment;

use crate::diag::Diags;

/// HL03: what a level is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LevelCode {
    /// 20, loop 2000A: the payer or clearinghouse that made the statements.
    Source,
    /// 21, loop 2000B: the submitter; its 2200B status is about the whole batch.
    Receiver,
    /// 19, loop 2000C: billing (X214) or service (X212) provider; status about its claims.
    Provider,
    /// 22 subscriber (X212 2000D).
    Subscriber,
    /// 23 dependent (X212 2000E).
    Dependent,
    /// PT patient (X214 2000D).
    Patient,
    /// An unknown HL03 whose loop names a patient or subscriber (NM1*QC / NM1*IL): read as a
    /// patient level, its 2200 loops as claims. The code as sent.
    OtherPatient(String),
    /// Anything else, as sent.
    Other(String),
}

impl LevelCode {
    fn from_hl03(code: &str) -> Self {
        match code {
            "20" => LevelCode::Source,
            "21" => LevelCode::Receiver,
            "19" => LevelCode::Provider,
            "22" => LevelCode::Subscriber,
            "23" => LevelCode::Dependent,
            "PT" => LevelCode::Patient,
            other => LevelCode::Other(other.to_string()),
        }
    }

    /// Levels whose 2200 loop is a claim (2200D/2200E).
    pub fn is_patient(&self) -> bool {
        matches!(self, LevelCode::Subscriber | LevelCode::Dependent | LevelCode::Patient | LevelCode::OtherPatient(_))
    }

    /// The loop name for messages, e.g. "2200B".
    pub fn status_loop(&self) -> &'static str {
        match self {
            LevelCode::Source => "2200A",
            LevelCode::Receiver => "2200B",
            LevelCode::Provider => "2200C",
            LevelCode::Subscriber | LevelCode::Patient | LevelCode::OtherPatient(_) => "2200D",
            LevelCode::Dependent => "2200E",
            LevelCode::Other(_) => "2200",
        }
    }

    /// Who the level is, for descriptions.
    pub fn name(&self) -> &'static str {
        match self {
            LevelCode::Source => "information source",
            LevelCode::Receiver => "information receiver",
            LevelCode::Provider => "provider",
            LevelCode::Subscriber => "subscriber",
            LevelCode::Dependent => "dependent",
            LevelCode::Patient | LevelCode::OtherPatient(_) => "patient",
            LevelCode::Other(_) => "unknown",
        }
    }
}

/// One service line (2220D/2220E).
#[derive(Debug)]
pub struct Line<'a> {
    pub svc: &'a Segment,
    pub statuses: Vec<&'a Segment>,
    pub refs: Vec<&'a Segment>,
    pub dates: Vec<&'a Segment>,
}

/// One claim status tracking loop (2200D/2200E).
#[derive(Debug)]
pub struct Claim<'a> {
    /// The TRN that opened the loop; `None` when the file gave statuses without one.
    pub trn: Option<&'a Segment>,
    pub statuses: Vec<&'a Segment>,
    pub refs: Vec<&'a Segment>,
    pub dates: Vec<&'a Segment>,
    pub lines: Vec<Line<'a>>,
}

/// One HL and what belongs to it.
#[derive(Debug)]
pub struct Node<'a> {
    pub level: LevelCode,
    /// Index of the parent node in `Tree::nodes`.
    pub parent: Option<usize>,
    /// 2100 names (NM1).
    pub names: Vec<&'a Segment>,
    /// 2200A/B/C trace (TRN).
    pub trace: Option<&'a Segment>,
    /// 2200A/B/C statuses (STC).
    pub statuses: Vec<&'a Segment>,
    /// 2200B/C totals (QTY, AMT).
    pub totals: Vec<&'a Segment>,
    /// 2200D/E claims, at the patient levels.
    pub claims: Vec<Claim<'a>>,
}

impl<'a> Node<'a> {
    fn new(hl: &'a Segment, parent: Option<usize>) -> Self {
        Node {
            level: LevelCode::from_hl03(hl.get(3)),
            parent,
            names: Vec::new(),
            trace: None,
            statuses: Vec::new(),
            totals: Vec::new(),
            claims: Vec::new(),
        }
    }
}

/// A 277 is at most six levels deep (20 › 21 › 19 › 22 › 23); anything far deeper is
/// malformed and only needs to stay cheap.
const MAX_DEPTH: usize = 32;

#[derive(Debug, Default)]
pub struct Tree<'a> {
    /// In file order.
    pub nodes: Vec<Node<'a>>,
}

impl<'a> Tree<'a> {
    /// Ancestors of node `i`, nearest first (not including `i`). A parent always precedes its
    /// child (`build` only links to earlier HLs), so the walk cannot loop; it stops after
    /// `MAX_DEPTH` levels so that a hostile chain of thousands of HLs stays linear.
    /// An iterator, not a Vec: it is walked for every node, most often only to its first
    /// step.
    pub fn ancestors(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let mut cur = self.nodes.get(i).and_then(|n| n.parent);
        let mut depth = 0;
        std::iter::from_fn(move || {
            let p = cur?;
            if p >= i || depth >= MAX_DEPTH {
                return None;
            }
            depth += 1;
            cur = self.nodes.get(p).and_then(|n| n.parent);
            Some(p)
        })
    }

    /// Whether `ancestor` is above `i` in the tree.
    pub fn is_under(&self, i: usize, ancestor: usize) -> bool {
        i > ancestor && self.ancestors(i).any(|a| a == ancestor)
    }
}

/// Gather the body of one transaction set into its HL tree.
pub fn build<'a>(body: &'a [Segment], diags: &mut Diags) -> Tree<'a> {
    // One node per HL (one per claim in a 277CA): sized up front, neither grows by copying.
    let hls = body.iter().filter(|s| s.id == "HL").count();
    let mut tree = Tree { nodes: Vec::with_capacity(hls) };
    // HL01 → node; HL ids are unique within a transaction set, the latest wins when they are not.
    let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(hls);
    for (k, seg) in body.iter().enumerate() {
        if seg.id == "HL" {
            let parent = match seg.opt(2) {
                None => None,
                Some(pid) => match by_id.get(pid).copied() {
                    Some(p) => Some(p),
                    None => {
                        diags.warning(
                            format!("HL at segment #{} names parent HL02 {}, which does not precede it; treated as a top level", seg.index, crate::stc::shown(pid)),
                            Some(seg.position_at("HL02")),
                        );
                        None
                    }
                },
            };
            by_id.insert(seg.get(1), tree.nodes.len());
            let mut node = Node::new(seg, parent);
            if let LevelCode::Other(code) = &node.level {
                // Only patients and subscribers are named QC / IL: such a loop holds claims
                // (TRN, STC, REF…), and reading it as a provider would turn its claims'
                // statuses into batch statements.
                let rest = body.get(k + 1..).unwrap_or_default();
                let names_patient =
                    rest.iter().take_while(|s| s.id != "HL").any(|s| s.id == "NM1" && matches!(s.get(1), "QC" | "IL"));
                let code = code.clone();
                let reading = if names_patient {
                    node.level = LevelCode::OtherPatient(code.clone());
                    "its loop names a patient or subscriber (NM1*QC/IL), so it is read as a patient level with claims"
                } else {
                    "its statuses are read as provider-level statuses"
                };
                diags.warning(
                    format!("HL at segment #{} has an unknown level code HL03 {}; {reading}", seg.index, crate::stc::shown(&code)),
                    Some(seg.position_at("HL03")),
                );
            }
            tree.nodes.push(node);
            continue;
        }
        let Some(node) = tree.nodes.last_mut() else {
            if seg.id == "STC" {
                diags.warning(
                    format!("STC at segment #{} comes before any HL level and was skipped", seg.index),
                    Some(seg.position()),
                );
            }
            continue;
        };
        if node.level.is_patient() {
            add_patient_segment(node, seg, diags);
        } else {
            match seg.id.as_str() {
                "NM1" => node.names.push(seg),
                "TRN" => {
                    if node.trace.is_some() {
                        diags.warning(
                            format!("second TRN in one {} loop at segment #{}; the first is used", node.level.status_loop(), seg.index),
                            Some(seg.position()),
                        );
                    } else {
                        node.trace = Some(seg);
                    }
                }
                "STC" => node.statuses.push(seg),
                "QTY" | "AMT" => node.totals.push(seg),
                "SVC" => diags.warning(
                    format!("SVC at segment #{} is under a {} level, not under a claim; skipped", seg.index, node.level.name()),
                    Some(seg.position()),
                ),
                _ => {}
            }
        }
    }
    tree
}

fn add_patient_segment<'a>(node: &mut Node<'a>, seg: &'a Segment, diags: &mut Diags) {
    // A status, reference or line before any TRN still belongs to a claim: open one without
    // a trace number rather than lose it.
    let needs_claim = matches!(seg.id.as_str(), "STC" | "REF" | "DTP" | "SVC");
    if needs_claim && node.claims.is_empty() {
        diags.warning(
            format!("{} at segment #{} starts a claim status loop that has no TRN", seg.id, seg.index),
            Some(seg.position()),
        );
        node.claims.push(Claim { trn: None, statuses: Vec::new(), refs: Vec::new(), dates: Vec::new(), lines: Vec::new() });
    }
    match seg.id.as_str() {
        "NM1" => node.names.push(seg),
        "TRN" => node.claims.push(Claim { trn: Some(seg), statuses: Vec::new(), refs: Vec::new(), dates: Vec::new(), lines: Vec::new() }),
        "SVC" => {
            if let Some(claim) = node.claims.last_mut() {
                claim.lines.push(Line { svc: seg, statuses: Vec::new(), refs: Vec::new(), dates: Vec::new() });
            }
        }
        "STC" | "REF" | "DTP" => {
            let Some(claim) = node.claims.last_mut() else { return };
            match claim.lines.last_mut() {
                Some(line) => match seg.id.as_str() {
                    "STC" => line.statuses.push(seg),
                    "REF" => line.refs.push(seg),
                    _ => line.dates.push(seg),
                },
                None => match seg.id.as_str() {
                    "STC" => claim.statuses.push(seg),
                    "REF" => claim.refs.push(seg),
                    _ => claim.dates.push(seg),
                },
            }
        }
        _ => {}
    }
}
