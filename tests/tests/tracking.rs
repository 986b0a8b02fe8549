//! Tracking end to end: one synthetic practice's batch of five claims followed through every
//! response Office Ally and the payer send back, ingested through the library API
//! ([`Tracker`]) with an injected clock that moves forward between files.
//!
//! The scenario lives in `tests/scenarios/five-claims/` (see its README.md): an 837P uploaded
//! as `ct-20260105-0930-837P.txt`, its File Summary, 999, 277CA and EDI Status report, and an
//! ERA package built here from the folder's 835 and ERA text summary. Every file correlates
//! through the keys of architecture.md:
//!
//! | claim   | Office Ally | payer 277CA        | 835                                         | expected       |
//! |---------|-------------|--------------------|---------------------------------------------|----------------|
//! | PCN5001 | accepted    | A2:20, 1K …101     | paid 78.00                                  | PAID           |
//! | PCN5002 | accepted    | A2:20, 1K …102     | denied, CO-50                               | DENIED         |
//! | PCN5003 | accepted    | A2:20, 1K …103     | paid 100.00, reversed, corrected 116.00 …113 | PAID 116.00    |
//! | PCN5004 | accepted    | A7:562:82 rejected | —                                           | PAYER REJECTED |
//! | PCN5005 | FE69        | —                  | —                                           | OA REJECTED    |
//!
//! Then: ingesting everything again changes nothing; `rebuild` changes nothing; the same files
//! ingested answers-first into a fresh folder end in the same state, with and without a
//! rebuild, and show the payer's newest claim number.

use std::collections::BTreeMap;
use std::path::Path;

use claimtrack::clock::{stored, Clock};
use claimtrack::ingest::{FileOrigin, IngestReport, Outcome};
use claimtrack::paths::DataDir;
use claimtrack::tracker::Tracker;
use claimtrack::tracking::query::{BatchRow, ClaimRow, TimelineEntry};
use claimtrack_tests::five_claims::{era_zip, file as scenario_file, ERA_835, ERA_SUMMARY};

// ---------------------------------------------------------------------------------------
// The scenario

const BATCH_NAME: &str = "ct-20260105-0930-837P.txt";
const FILE_SUMMARY: &str = "FS_HCFA_1130000100_IN_C.txt";
const ACK_999: &str = "1130000100_ct-20260105-0930-837P_999.999";
const ACK_277CA: &str = "bwfc0001_1130000100_HCFA_277ca_20260107.txt";
const EDI_STATUS: &str = "1130000250_EDI_STATUS_20260108.txt";
const ERA_ZIP: &str = "1130000400_ERA_STATUS_5010_20260128.zip";

const OA_FILE_ID: &str = "1130000100";
const OA_CHILD_FILES: [&str; 2] = ["1130000101", "1130000102"];

/// One file as it arrives: its name, when it is ingested, where it came from.
struct Step {
    name: &'static str,
    at: &'static str,
    origin: &'static str,
    bytes: Vec<u8>,
}

fn step(name: &'static str, at: &'static str, origin: &'static str) -> Step {
    let bytes = if name == ERA_ZIP { era_zip() } else { scenario_file(name) };
    Step { name, at, origin, bytes }
}

impl Step {
    /// "ingest" for a file given by hand; otherwise a download from the mailbox.
    fn origin(&self) -> FileOrigin {
        match self.origin {
            "ingest" => FileOrigin::Ingest,
            _ => FileOrigin::mailbox("office-ally", self.name),
        }
    }
}

/// The files in the order they arrive in real life, each with the time it is ingested.
fn arrival_order() -> Vec<Step> {
    vec![
        step(BATCH_NAME, "2026-01-05T09:30:00Z", "ingest"),
        step(FILE_SUMMARY, "2026-01-05T11:15:00Z", "sftp"),
        step(ACK_999, "2026-01-05T11:15:30Z", "sftp"),
        step(ACK_277CA, "2026-01-07T07:00:00Z", "sftp"),
        step(EDI_STATUS, "2026-01-08T07:00:00Z", "sftp"),
        step(ERA_ZIP, "2026-01-28T07:00:00Z", "sftp"),
    ]
}

/// The same files, answers first and the 837 last; the clock still moves forward.
fn reverse_order() -> Vec<Step> {
    vec![
        step(ERA_ZIP, "2026-01-28T07:00:00Z", "sftp"),
        step(EDI_STATUS, "2026-01-28T07:05:00Z", "sftp"),
        step(ACK_277CA, "2026-01-28T07:10:00Z", "sftp"),
        step(ACK_999, "2026-01-28T07:15:00Z", "sftp"),
        step(FILE_SUMMARY, "2026-01-28T07:20:00Z", "sftp"),
        step(BATCH_NAME, "2026-01-28T07:25:00Z", "ingest"),
    ]
}

// ---------------------------------------------------------------------------------------
// Driving the tracker

/// The tracker as it is at `at`. The clock is fixed when a tracker is opened, so each file
/// gets its own tracker on the same data folder (the compiled plugins are cached there).
fn open_at(dir: &Path, at: &str) -> Tracker {
    let clock = Clock::parse_fixed(at).expect("a valid time");
    let (tracker, problems) = Tracker::open(&DataDir::new(dir), clock).expect("the tracker opens");
    assert!(problems.is_empty(), "built-in plugins failed to load: {problems:?}");
    tracker
}

/// A file (or each member of a package) was read cleanly: stored, 0 errors, 0 warnings but
/// the 837's one: PCN5005's subscriber (the patient) has no street address, the FE69 Office
/// Ally rejects it for, which the x12-837 claim edits report before upload.
fn assert_clean(r: &IngestReport) {
    match &r.outcome {
        Outcome::Ingested { warnings, errors, .. } => {
            let expected = if r.name == BATCH_NAME { 1 } else { 0 };
            assert_eq!((*warnings, *errors), (expected, 0), "{}: parsed with warnings or errors: {r:?}", r.name)
        }
        Outcome::Package { members, .. } => {
            assert_eq!(members.len(), 2, "{}: the ERA package holds the 835 and its summary", r.name);
            members.iter().for_each(assert_clean);
        }
        other => panic!("{}: expected to be ingested, got {other:?}", r.name),
    }
}

fn ingest_all(dir: &Path, steps: &[Step]) {
    for s in steps {
        let mut t = open_at(dir, s.at);
        let r = t.ingest(s.name, &s.origin(), &s.bytes).expect("ingest");
        assert_clean(&r);
    }
}

/// Everything the views show: every batch, each batch with its claims, and each claim's
/// timeline.
#[derive(Debug, PartialEq)]
struct State {
    batches: Vec<BatchRow>,
    batch_claims: Vec<(BatchRow, Vec<ClaimRow>)>,
    claims: Vec<Vec<(ClaimRow, Vec<TimelineEntry>)>>,
}

fn state(t: &Tracker) -> State {
    let batches = t.batches().unwrap();
    let batch_claims = batches.iter().map(|b| t.batch(b.id).unwrap().expect("listed batch exists")).collect();
    let claims = ["PCN5001", "PCN5002", "PCN5003", "PCN5004", "PCN5005"].iter().map(|k| t.claim(k).unwrap()).collect();
    State { batches, batch_claims, claims }
}

/// The one batch and its claims keyed by patient control number.
fn the_batch(t: &Tracker) -> (BatchRow, BTreeMap<String, ClaimRow>) {
    let batches = t.batches().unwrap();
    assert_eq!(batches.len(), 1, "one 837, one batch: {batches:#?}");
    let (b, claims) = t.batch(batches[0].id).unwrap().unwrap();
    let by_pcn: BTreeMap<String, ClaimRow> =
        claims.into_iter().map(|c| (c.patient_control_number.clone(), c)).collect();
    assert_eq!(by_pcn.len(), 5, "five distinct claims in the batch: {by_pcn:#?}");
    (b, by_pcn)
}

fn codes(c: &ClaimRow) -> Vec<(String, String)> {
    c.reasons.iter().map(|r| (r.code_set.name(), r.code.clone())).collect()
}

fn has_code(c: &ClaimRow, set: &str, code: &str) -> bool {
    codes(c).iter().any(|(s, k)| s == set && k == code)
}

/// What a billing person reads about a claim: what must not depend on arrival order.
#[derive(Debug, PartialEq, Eq)]
struct ClaimView {
    status: String,
    source: Option<String>,
    reasons: Vec<(String, String)>,
    oa_claim_id: Option<String>,
    paid_cents: Option<i64>,
    charged_cents: Option<i64>,
}

fn view(c: &ClaimRow) -> ClaimView {
    ClaimView {
        status: c.status.to_string(),
        source: c.status_source.clone(),
        reasons: codes(c),
        oa_claim_id: c.clearinghouse_claim_id.clone(),
        paid_cents: c.paid_cents,
        charged_cents: c.charged_cents,
    }
}

// ---------------------------------------------------------------------------------------
// The tests

#[test]
fn five_claims_followed_from_837_to_era() {
    let dir = tempfile::tempdir().unwrap();
    ingest_all(dir.path(), &arrival_order());
    let t = open_at(dir.path(), "2026-01-28T08:00:00Z");
    let (batch, claims) = the_batch(&t);

    // The batch: the uploaded name, Office Ally's File ID and its per-payer child files.
    assert_eq!(batch.name, BATCH_NAME);
    assert_eq!(batch.claim_count, 5);
    assert_eq!(stored(batch.submitted), "2026-01-05T09:30:00Z");
    assert_eq!(batch.clearinghouse_file_id.as_deref(), Some(OA_FILE_ID), "the File Summary names the upload's File ID");
    let mut children = batch.child_file_ids.clone();
    children.sort();
    assert_eq!(children, OA_CHILD_FILES, "the File Summary's split into per-payer child files");
    assert_eq!(batch.rejected_claims, 2, "PCN5004 (payer) and PCN5005 (Office Ally) are rejected");
    // status.rs, batch_status: some claims rejected, and the payer has answered for the
    // rest (277CA accepted, then paid/denied) → PAYER ACCEPTED with rejections.
    assert_eq!(batch.status, "PAYER ACCEPTED with rejections", "batch: {batch:#?}");

    let c = |pcn: &str| claims.get(pcn).unwrap_or_else(|| panic!("{pcn} missing"));

    // OA Claim IDs from the File Summary, for every claim (the rejected one too).
    for (pcn, oa) in [
        ("PCN5001", "3157702411"),
        ("PCN5002", "3157702412"),
        ("PCN5003", "3157702413"),
        ("PCN5004", "3157702414"),
        ("PCN5005", "3157702415"),
    ] {
        assert_eq!(c(pcn).clearinghouse_claim_id.as_deref(), Some(oa), "{pcn}: OA Claim ID");
    }
    // Charges from the 837.
    for (pcn, cents) in
        [("PCN5001", 11000), ("PCN5002", 8000), ("PCN5003", 14500), ("PCN5004", 9500), ("PCN5005", 6500)]
    {
        assert_eq!(c(pcn).charged_cents, Some(cents), "{pcn}: charge");
    }

    // PCN5001: accepted everywhere, paid 78.00 (10.00 patient responsibility).
    let p1 = c("PCN5001");
    assert_eq!(p1.status, "PAID", "{p1:#?}");
    assert_eq!(p1.status_source.as_deref(), Some("payer"));
    assert_eq!(p1.paid_cents, Some(7800));
    assert_eq!(p1.payer_claim_number.as_deref(), Some("2026007000101"));

    // PCN5002: denied by the 835, with its reason (CO-50).
    let p2 = c("PCN5002");
    assert_eq!(p2.status, "DENIED", "{p2:#?}");
    assert_eq!(p2.status_source.as_deref(), Some("payer"));
    assert_eq!(p2.paid_cents, Some(0));
    assert!(has_code(p2, "carc", "50"), "PCN5002: the denial's CARC 50: {:?}", codes(p2));
    assert!(p2.reasons.iter().any(|r| r.code == "50" && r.group.as_deref() == Some("CO")), "PCN5002: CO-50");
    assert_eq!(p2.payer_claim_number.as_deref(), Some("2026007000102"));

    // PCN5003: paid 100.00, reversed, corrected to 116.00 under a new payer claim number.
    let p3 = c("PCN5003");
    assert_eq!(p3.status, "PAID", "the correction after the reversal decides: {p3:#?}");
    assert_eq!(p3.paid_cents, Some(11600), "PCN5003: the corrected amount, not the original 100.00 nor the reversal");
    assert_eq!(p3.payer_claim_number.as_deref(), Some("2026007000113"), "PCN5003: the correction's claim number");
    // Its reasons are the correction's adjustment (CO-45 29.00), not the original's 45.00.
    let adjustments: Vec<(Option<&str>, &str, Option<i64>)> =
        p3.reasons.iter().map(|r| (r.group.as_deref(), r.code.as_str(), r.amount)).collect();
    assert_eq!(adjustments, [(Some("CO"), "45", Some(2900))], "PCN5003: reasons of the correction");

    // PCN5004: accepted by Office Ally, rejected by the payer's 277CA.
    let p4 = c("PCN5004");
    assert_eq!(p4.status, "PAYER REJECTED", "{p4:#?}");
    assert_eq!(p4.status_source.as_deref(), Some("payer"));
    for (set, code) in [("claim_status_category", "A7"), ("claim_status", "562"), ("entity", "82")] {
        assert!(has_code(p4, set, code), "PCN5004: reason {set} {code} in {:?}", codes(p4));
    }
    assert_eq!(p4.paid_cents, None);
    assert_eq!(p4.payer_claim_number, None, "the 277CA gave no REF*1K for the rejected claim");

    // PCN5005: rejected by Office Ally (FE69), never reached the payer.
    let p5 = c("PCN5005");
    assert_eq!(p5.status, "OA REJECTED", "{p5:#?}");
    assert_eq!(p5.status_source.as_deref(), Some("clearinghouse"));
    assert!(has_code(p5, "clearinghouse_edit", "FE69"), "PCN5005: FE69 in {:?}", codes(p5));
    assert_eq!(p5.paid_cents, None);
    assert_eq!(p5.payer_claim_number, None);

    // Last updates: when the deciding file was ingested (the injected clock).
    for (pcn, at) in [
        ("PCN5001", "2026-01-28T07:00:00Z"),
        ("PCN5002", "2026-01-28T07:00:00Z"),
        ("PCN5003", "2026-01-28T07:00:00Z"),
        ("PCN5004", "2026-01-07T07:00:00Z"),
        ("PCN5005", "2026-01-05T11:15:00Z"),
    ] {
        assert_eq!(c(pcn).last_update.map(stored).as_deref(), Some(at), "{pcn}: last update");
    }
    assert_eq!(batch.last_update.map(stored).as_deref(), Some("2026-01-28T07:00:00Z"));

    // Every key finds the same claim.
    for key in ["PCN5003", "3157702413", "2026007000113"] {
        let found = t.claim(key).unwrap();
        assert_eq!(found.len(), 1, "{key} finds one claim");
        assert_eq!(found[0].0.id, p3.id, "{key} finds PCN5003");
    }
}

#[test]
fn the_timeline_of_pcn5003_crosses_every_file_in_order() {
    let dir = tempfile::tempdir().unwrap();
    ingest_all(dir.path(), &arrival_order());
    let t = open_at(dir.path(), "2026-01-28T08:00:00Z");
    let found = t.claim("PCN5003").unwrap();
    assert_eq!(found.len(), 1);
    let timeline = &found[0].1;

    // Which file said something about the claim, in order (consecutive events of one file
    // collapsed).
    let mut files: Vec<(&str, &str)> = Vec::new();
    for e in timeline {
        if files.last().map(|(f, _)| *f) != Some(e.file.as_str()) {
            files.push((e.file.as_str(), e.plugin.as_str()));
        }
    }
    assert_eq!(
        files,
        [
            (BATCH_NAME, "x12-837"),
            (FILE_SUMMARY, "oa-file-summary"),
            (ACK_999, "x12-ack"),
            (ACK_277CA, "x12-277"),
            (EDI_STATUS, "oa-edi-status"),
            (ERA_835, "x12-835"),
        ],
        "timeline: {:#?}",
        timeline.iter().map(|e| (&e.file, &e.via, e.event.raw_code.as_str())).collect::<Vec<_>>()
    );
    // Oldest first, as the clock moved.
    let seen: Vec<String> = timeline.iter().map(|e| stored(e.seen)).collect();
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "timeline not in time order: {seen:?}");
    assert_eq!(seen.first(), Some(&"2026-01-05T09:30:00Z".to_string()));
    assert_eq!(seen.last(), Some(&"2026-01-28T07:00:00Z".to_string()));

    // The claim's own statements, one per file, then the 835's three CLPs.
    let own: Vec<(&str, &str, &str)> = timeline
        .iter()
        .filter(|e| e.via == "claim" && e.event.level == claimtrack::model::Level::Claim)
        .map(|e| (e.plugin.as_str(), e.event.status.as_str(), e.event.raw_code.as_str()))
        .collect();
    assert_eq!(
        own,
        [
            ("x12-837", "received", "CLM"),
            ("oa-file-summary", "accepted", "ACCEPTED"),
            ("x12-277", "accepted", "A2:20"),
            ("oa-edi-status", "accepted", "ACCEPTED"),
            ("x12-835", "paid", "CLP02 1"),
            ("x12-835", "reversed", "CLP02 22"),
            ("x12-835", "paid", "CLP02 1"),
        ]
    );
    let paid: Vec<Option<i64>> = timeline
        .iter()
        .filter(|e| e.plugin == "x12-835" && e.event.level == claimtrack::model::Level::Claim)
        .map(|e| e.event.amounts.paid)
        .collect();
    assert_eq!(paid, [Some(10000), Some(-10000), Some(11600)]);
    // The 999 reached the claim through its transaction set (ST02 0417).
    assert!(
        timeline.iter().any(|e| e.plugin == "x12-ack" && e.via == "transaction_set" && e.event.raw_code == "IK5 A"),
        "the 999's IK5 applies to the claim's set"
    );
}

#[test]
fn ingesting_everything_again_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let steps = arrival_order();
    ingest_all(dir.path(), &steps);
    let before = state(&open_at(dir.path(), "2026-01-28T08:00:00Z"));

    // Every file again, a day later; and the 835 and ERA summary as loose files too (someone
    // unzipped the package): all already known by their bytes.
    let mut again: Vec<(&str, Vec<u8>)> = steps.iter().map(|s| (s.name, s.bytes.clone())).collect();
    again.push((ERA_835, scenario_file(ERA_835)));
    again.push((ERA_SUMMARY, scenario_file(ERA_SUMMARY)));
    for (name, bytes) in &again {
        let mut t = open_at(dir.path(), "2026-01-29T08:00:00Z");
        let r = t.ingest(name, &FileOrigin::mailbox("office-ally", name), bytes).unwrap();
        assert!(matches!(r.outcome, Outcome::AlreadyIngested { .. }), "{name}: {r:?}");
    }

    let after = state(&open_at(dir.path(), "2026-01-29T09:00:00Z"));
    assert_eq!(before, after, "a second ingest changed batches, claims or timelines");
}

#[test]
fn rebuild_changes_nothing_and_reproduces_the_state() {
    let dir = tempfile::tempdir().unwrap();
    ingest_all(dir.path(), &arrival_order());
    let mut t = open_at(dir.path(), "2026-01-28T08:00:00Z");
    let before = state(&t);
    let changes = t.rebuild().unwrap();
    assert!(changes.is_empty(), "rebuild changed statuses: {changes:#?}");
    let after = state(&t);
    assert_eq!(before, after, "rebuild did not reproduce the same batches, claims and timelines");
    // And again: rebuild is a fixed point.
    assert!(t.rebuild().unwrap().is_empty());
    assert_eq!(state(&t), before);
}

/// The change log says what changed, once each, in the order it was committed, at the time
/// of the transaction that changed it: every file, each batch and claim from new to its
/// final status (each change starting where the one before left it), with the stable ids
/// the views show. Reading the same files again, or a rebuild that changes nothing, adds
/// nothing; the ids survive the rebuild.
#[test]
fn the_change_log_follows_each_claim_once_and_survives_a_rebuild() {
    use claimtrack::store::changes::ChangeKind;
    let dir = tempfile::tempdir().unwrap();
    let mut cursor = 0;
    let mut log = Vec::new();
    for s in &arrival_order() {
        let mut t = open_at(dir.path(), s.at);
        t.ingest(s.name, &s.origin(), &s.bytes).unwrap();
        let new = t.changes_since(cursor, 10_000).unwrap();
        assert!(!new.is_empty(), "{}: changes logged", s.name);
        assert!(new.iter().all(|c| c.at.format("%Y-%m-%dT%H:%M:%SZ").to_string() == s.at && c.cursor > cursor), "{}: {new:#?}", s.name);
        assert!(new.windows(2).all(|w| w[0].cursor < w[1].cursor), "in order");
        cursor = new.last().unwrap().cursor;
        log.extend(new);
    }
    let t = open_at(dir.path(), "2026-01-29T08:00:00Z");
    assert_eq!(t.latest_change().unwrap(), cursor);
    assert!(t.changes_since(cursor, 10).unwrap().is_empty(), "nothing after the last");
    assert_eq!(t.changes_since(0, 3).unwrap(), log[..3], "a limit reads the oldest first");

    // The 837 first: its file, then its claims and batch, new.
    match &log[0].what {
        ChangeKind::File { name, before: None, after, .. } => {
            assert_eq!((name.as_deref(), after.as_str()), (Some(BATCH_NAME), "parsed"))
        }
        other => panic!("first the 837's file: {other:?}"),
    }
    let files = log.iter().filter(|c| matches!(c.what, ChangeKind::File { .. })).count();
    assert_eq!(files, 8, "six files and the ERA package's two members: {log:#?}");

    // Each claim's changes chain from new to the status the views show now.
    let (batch, claims) = the_batch(&t);
    for (pcn, claim) in &claims {
        assert!(claim.uid.starts_with(&format!("{}-", batch.uid)), "{pcn}: {} in {}", claim.uid, batch.uid);
        let mut status = None;
        for c in &log {
            if let ChangeKind::Claim { claim: uid, before, after } = &c.what
                && uid == &claim.uid
            {
                assert_eq!(*before, status, "{pcn}: each change starts where the last left it");
                assert_ne!(before, after, "{pcn}: a change changes something");
                status = *after;
            }
        }
        assert_eq!(status, Some(claim.status), "{pcn}");
    }
    let batch_changes: Vec<_> = log
        .iter()
        .filter_map(|c| match &c.what {
            ChangeKind::Batch { batch: uid, after, .. } if *uid == batch.uid => Some(after.map(|s| s.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(batch_changes.last().copied().flatten(), Some(batch.status.as_str()), "{batch_changes:?}");

    // The same files again change nothing; nor does a rebuild that changes no status.
    let mut t = open_at(dir.path(), "2026-01-30T08:00:00Z");
    for s in &arrival_order() {
        assert!(matches!(t.ingest(s.name, &s.origin(), &s.bytes).unwrap().outcome, Outcome::AlreadyIngested { .. }));
    }
    assert!(t.changes_since(cursor, 10).unwrap().is_empty(), "files read again");
    assert!(t.rebuild().unwrap().is_empty());
    assert!(t.changes_since(cursor, 10).unwrap().is_empty(), "a rebuild that changed nothing logs nothing");
    let (batch_after, claims_after) = the_batch(&t);
    assert_eq!(batch_after.uid, batch.uid, "the batch keeps its id");
    for (pcn, c) in &claims_after {
        assert_eq!(c.uid, claims[pcn].uid, "{pcn} keeps its id");
    }

    // A file a rebuild can no longer read (as after a plugin change) is logged as such, with
    // what that changed, although the failed read itself is rolled back.
    drop(t);
    let db = rusqlite::Connection::open(dir.path().join(claimtrack::store::DB_FILE)).unwrap();
    assert_eq!(db.execute("UPDATE files SET bytes = x'00' WHERE original_name = ?1", [ACK_999]).unwrap(), 1);
    drop(db);
    let mut t = open_at(dir.path(), "2026-01-31T08:00:00Z");
    t.rebuild().unwrap();
    let after = t.changes_since(cursor, 100).unwrap();
    let file = after.iter().find_map(|c| match &c.what {
        ChangeKind::File { name, before, after, .. } if name.as_deref() == Some(ACK_999) => Some((before.clone(), after.clone())),
        _ => None,
    });
    assert_eq!(file, Some((Some("parsed".into()), "needs_attention".into())), "{after:#?}");
    assert!(after.iter().all(|c| c.at.format("%Y-%m-%dT%H:%M:%SZ").to_string() == "2026-01-31T08:00:00Z"), "timed: {after:#?}");
}

/// Alerts are known by the stable ids of their batch and claim: a rebuild, which numbers
/// every batch and claim again (here differently: the rebuild reads the 837 before the
/// remittance that came first), neither resolves nor raises them again in the change log.
#[test]
fn a_rebuild_does_not_resolve_and_raise_the_alerts_again() {
    use claimtrack::store::changes::ChangeKind;
    use claimtrack::tracking::alerts::AlertSettings;
    let dir = tempfile::tempdir().unwrap();
    // Claims of other software's remittance first: the rebuild reads the 837 first, so its
    // claims are numbered before these.
    let mut t = open_at(dir.path(), "2026-01-04T08:00:00Z");
    t.ingest("other.835", &FileOrigin::mailbox("office-ally", "x"), &x12_835::generate::synthetic_835(3, 9)).unwrap();
    drop(t);
    // No ERA yet: the claims the payer accepted are overdue for one.
    let steps: Vec<Step> = arrival_order().into_iter().filter(|s| s.name != ERA_ZIP).collect();
    ingest_all(dir.path(), &steps);
    let mut t = open_at(dir.path(), "2026-02-20T08:00:00Z");
    let settings = AlertSettings { era_days: 1 };
    let (open, _) = t.record_alerts(&settings).unwrap();
    assert!(open.iter().filter(|a| a.claim_id.is_some()).count() >= 3, "an alert per overdue claim: {open:#?}");
    let ids_before: Vec<i64> = t.batch(t.batches().unwrap()[0].id).unwrap().unwrap().1.iter().map(|c| c.id).collect();
    let cursor = t.latest_change().unwrap();
    t.rebuild().unwrap();
    let ids_after: Vec<i64> = t.batch(t.batches().unwrap()[0].id).unwrap().unwrap().1.iter().map(|c| c.id).collect();
    assert_ne!(ids_before, ids_after, "the rebuild numbered the claims again");
    let (open_after, new) = t.record_alerts(&settings).unwrap();
    assert_eq!(new, 0, "nothing new: {open_after:#?}");
    assert_eq!(open_after.len(), open.len());
    let churn: Vec<_> = t.changes_since(cursor, 1000).unwrap().into_iter().filter(|c| matches!(c.what, ChangeKind::Alert { .. })).collect();
    assert!(churn.is_empty(), "{churn:#?}");
}

/// `rebuild` reads a file of many chunks again as ingest read it, a chunk at a time (an ERA
/// of 2,000 claims: about 4,600 events, five chunks): the same events, the same claims, and
/// nothing changed.
#[test]
fn rebuild_reads_a_file_of_many_chunks_again_to_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    ingest_all(dir.path(), &arrival_order());
    let era = x12_835::generate::synthetic_835(2_000, 3);
    let mut t = open_at(dir.path(), "2026-01-29T08:00:00Z");
    let r = t.ingest("large.835", &FileOrigin::mailbox("office-ally", "x"), &era).unwrap();
    assert!(matches!(r.outcome, Outcome::Ingested { events, .. } if events > 4 * 1024), "{r:?}");
    let keys = ["C0000001", "C0000500", "C0000999", "C0001500"];
    let claims = |t: &Tracker| keys.iter().map(|k| t.claim(k).unwrap()).collect::<Vec<_>>();
    let events = || {
        let db = rusqlite::Connection::open(dir.path().join(claimtrack::store::DB_FILE)).unwrap();
        db.query_row("SELECT COUNT(*), COALESCE(SUM(length(body)), 0) FROM events", [], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
            .unwrap()
    };
    let (before, claims_before, events_before) = (state(&t), claims(&t), events());
    let found: Vec<usize> = claims_before.iter().map(Vec::len).collect();
    assert!(found.iter().all(|&n| n >= 1), "each ERA claim is tracked: {found:?}");
    assert!(t.rebuild().unwrap().is_empty(), "rebuild changed statuses");
    assert_eq!(state(&t), before);
    assert_eq!(claims(&t), claims_before);
    assert_eq!(events(), events_before, "the same events, stored the same way");
}

/// `rebuild` correlates each file as it reads it again, the 837s first by what the last
/// reading found; an 837 that reading did not take for one (as when a plugin now reads it)
/// and that came after its responses is met after them, and the links are then made again
/// in order from the stored events: the same statuses as the files in their real order.
#[test]
fn rebuild_reaches_the_same_state_when_an_837_comes_late() {
    let expected_dir = tempfile::tempdir().unwrap();
    ingest_all(expected_dir.path(), &arrival_order());
    let (expected_batch, expected_claims) = the_batch(&open_at(expected_dir.path(), "2026-01-28T08:00:00Z"));

    let dir = tempfile::tempdir().unwrap();
    ingest_all(dir.path(), &reverse_order());
    let db = rusqlite::Connection::open(dir.path().join(claimtrack::store::DB_FILE)).unwrap();
    assert_eq!(db.execute("UPDATE files SET format = NULL WHERE format LIKE 'x12-837%'", []).unwrap(), 1);
    drop(db);
    let mut t = open_at(dir.path(), "2026-01-28T08:00:00Z");
    t.rebuild().unwrap();
    let (batch, claims) = the_batch(&t);
    assert_eq!(batch.status, expected_batch.status, "{batch:#?}");
    for (pcn, e) in &expected_claims {
        assert_eq!(t.claim(pcn).unwrap().len(), 1, "{pcn}: one claim after the rebuild");
        assert_eq!(view(&claims[pcn]), view(e), "{pcn}");
    }
    assert!(t.rebuild().unwrap().is_empty(), "and a fixed point");
}

#[test]
fn another_arrival_order_rebuilt_ends_in_the_same_statuses() {
    let expected_dir = tempfile::tempdir().unwrap();
    ingest_all(expected_dir.path(), &arrival_order());
    let (expected_batch, expected_claims) = the_batch(&open_at(expected_dir.path(), "2026-01-28T08:00:00Z"));

    let dir = tempfile::tempdir().unwrap();
    ingest_all(dir.path(), &reverse_order());
    let mut t = open_at(dir.path(), "2026-01-28T08:00:00Z");
    // Before the rebuild the answers that came before their 837 made claims of their own;
    // the rebuild correlates the 837 first.
    let changes = t.rebuild().unwrap();
    eprintln!("rebuild after the reverse order changed {} statuses", changes.len());

    let (batch, claims) = the_batch(&t);
    assert_eq!(batch.status, expected_batch.status, "batch status: {batch:#?}");
    assert_eq!(batch.rejected_claims, expected_batch.rejected_claims);
    assert_eq!(batch.clearinghouse_file_id, expected_batch.clearinghouse_file_id);
    let mut children = batch.child_file_ids.clone();
    children.sort();
    assert_eq!(children, OA_CHILD_FILES);
    // No claim is left outside the batch.
    for pcn in expected_claims.keys() {
        assert_eq!(t.claim(pcn).unwrap().len(), 1, "{pcn}: one claim after the rebuild");
    }
    for (pcn, e) in &expected_claims {
        assert_eq!(view(&claims[pcn]), view(e), "{pcn}: differs when the files arrive in another order");
    }
}

/// The payer claim number a claim shows must not depend on the order files were read in:
/// it is the payer's newest (the 835 correction's CLP07 2026007000113), even when the 835 was
/// archived before the 277CA and EDI Status that carry the older 2026007000103.
/// (Regression: `fill_keys` in correlate.rs let the last file correlated set it; derive.rs now
/// takes the payer's newest by effective date.)
#[test]
fn payer_claim_number_does_not_depend_on_arrival_order() {
    let dir = tempfile::tempdir().unwrap();
    ingest_all(dir.path(), &reverse_order());
    let mut t = open_at(dir.path(), "2026-01-28T08:00:00Z");
    t.rebuild().unwrap();
    let (_, claims) = the_batch(&t);
    let p3 = &claims["PCN5003"];
    assert_eq!(
        p3.payer_claim_number.as_deref(),
        Some("2026007000113"),
        "PCN5003 after the reverse arrival order and rebuild: the payer claim number must be the 835 correction's \
         2026007000113, not the older 277CA/EDI Status 2026007000103 (whichever file was correlated last); \
         see the payer_claim_number update in host/src/tracking/derive.rs and fill_keys in correlate.rs: {p3:#?}"
    );
    assert_eq!(t.claim("2026007000113").unwrap().len(), 1, "the correction's payer claim number finds PCN5003");
}

/// An 837 ingested after the responses to it (claims imported from other software, or a
/// sync that ran before the batch was recorded) picks them up without a rebuild: the status
/// is a function of the archived files, whatever order they came in.
/// (Regression: `register_batch` in correlate.rs only created the batch and five new AWAITING
/// claims, leaving every status, OA Claim ID and payment on five response-only claims and no
/// OA File ID or child file on the batch until `rebuild`; `track_file` now re-derives when a
/// new batch arrives while responses are unmatched.)
#[test]
fn an_837_ingested_after_its_responses_needs_no_rebuild() {
    let expected_dir = tempfile::tempdir().unwrap();
    ingest_all(expected_dir.path(), &arrival_order());
    let (expected_batch, expected_claims) = the_batch(&open_at(expected_dir.path(), "2026-01-28T08:00:00Z"));

    let dir = tempfile::tempdir().unwrap();
    ingest_all(dir.path(), &reverse_order());
    let mut t = open_at(dir.path(), "2026-01-28T08:00:00Z");
    let (batch, claims) = the_batch(&t);
    let where_ = "host/src/tracking/correlate.rs register_batch / mod.rs track_file";
    assert_eq!(batch.status, expected_batch.status, "the 837 ingested last did not adopt its responses ({where_})");
    assert_eq!(batch.clearinghouse_file_id.as_deref(), Some(OA_FILE_ID), "{where_}");
    for (pcn, e) in &expected_claims {
        assert_eq!(view(&claims[pcn]), view(e), "{pcn}: the 837 ingested last did not adopt its responses ({where_})");
        assert_eq!(t.claim(pcn).unwrap().len(), 1, "{pcn}: a response-only claim was left beside the batch's");
    }
    let before = state(&t);
    let changes = t.rebuild().unwrap();
    assert!(changes.is_empty(), "rebuild still changed {} statuses ({where_}): {changes:#?}", changes.len());
    assert_eq!(state(&t), before, "rebuild changed the state after the 837 arrived last");
}

/// Office Ally splits the upload per payer and each payer acknowledges *its* file at 2200B,
/// naming the upload by the 837's BHT03. Meridian's acknowledgement of its file says nothing
/// of PCN5005, addressed to Coastal States Mutual: it must not make that claim PAYER ACCEPTED,
/// nor show in its timeline, while it does reach Meridian's own claims.
#[test]
fn a_payers_acknowledgement_of_its_file_reaches_only_its_claims() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = open_at(dir.path(), "2026-01-05T09:30:00Z");
    t.ingest(BATCH_NAME, &FileOrigin::Ingest, &scenario_file(BATCH_NAME)).unwrap();
    t.set_clock(Clock::parse_fixed("2026-01-05T11:15:00Z").unwrap());
    t.ingest(ACK_999, &FileOrigin::Ingest, &scenario_file(ACK_999)).unwrap();
    // Meridian's 277CA of the scenario, cut after its 2200B: the file-level statement alone.
    let full = String::from_utf8(scenario_file(ACK_277CA)).unwrap();
    let segments: Vec<&str> = full.split('~').map(str::trim).filter(|s| !s.is_empty()).collect();
    let cut = segments.iter().position(|s| s.starts_with("HL*3")).unwrap();
    let mut body: Vec<String> = segments[..cut].iter().map(|s| s.to_string()).collect();
    let st_count = body.iter().skip_while(|s| !s.starts_with("ST*")).count() + 1;
    body.push(format!("SE*{st_count}*0412"));
    body.push("GE*1*260412".into());
    body.push("IEA*1*000260412".into());
    let ack = format!("{}~\n", body.join("~\n"));
    t.set_clock(Clock::parse_fixed("2026-01-07T06:30:00Z").unwrap());
    let r = t.ingest("mvh_batch_only_277ca.txt", &FileOrigin::Ingest, ack.as_bytes()).unwrap();
    assert!(matches!(r.outcome, Outcome::Ingested { warnings: 0, errors: 0, .. }), "{r:?}");

    let (_, claims) = the_batch(&t);
    for pcn in ["PCN5001", "PCN5002", "PCN5003", "PCN5004"] {
        assert_eq!(claims[pcn].status, "PAYER ACCEPTED", "{pcn}: Meridian's own claim");
    }
    assert_eq!(claims["PCN5005"].status, "OA ACCEPTED", "Coastal States Mutual has not answered for PCN5005");
    let (_, timeline) = &t.claim("PCN5005").unwrap()[0];
    assert!(timeline.iter().all(|e| e.file != "mvh_batch_only_277ca.txt"), "{timeline:#?}");
    let (_, timeline) = &t.claim("PCN5001").unwrap()[0];
    assert!(timeline.iter().any(|e| e.file == "mvh_batch_only_277ca.txt"), "{timeline:#?}");
}

/// The dashboard's week: the ERA's payments by payer, a reversal netted out (PCN5003: 100.00
/// paid, reversed, corrected to 116.00), and nothing from the 277s or the EDI Status report;
/// the work queues hold the rejected and denied claims.
#[test]
fn payments_since_a_day_and_the_work_queues() {
    use claimtrack::tracking::worklists::WorkQueue;
    let dir = tempfile::tempdir().unwrap();
    ingest_all(dir.path(), &arrival_order());
    let t = open_at(dir.path(), "2026-01-29T00:00:00Z");
    let at = |s: &str| claimtrack::clock::parse_stored(s).unwrap();
    let pays = t.payments_since(at("2026-01-28T00:00:00Z")).unwrap();
    assert_eq!(pays.len(), 1, "one payer: {pays:?}");
    assert_ne!(pays[0].payer, "Unknown payer");
    assert_eq!((pays[0].claims, pays[0].paid_cents), (2, 7800 + 11600), "{pays:?}");
    assert!(t.payments_since(at("2026-01-28T07:00:01Z")).unwrap().is_empty(), "the ERA arrived before");

    let pcns = |q: WorkQueue| -> (Vec<String>, i64) {
        let (rows, size) = t.work_queue(q, 7, 0, 100).unwrap();
        let mut v: Vec<String> = rows.into_iter().map(|c| c.patient_control_number).collect();
        v.sort();
        (v, size)
    };
    assert_eq!(pcns(WorkQueue::Rejected), (vec!["PCN5004".to_string(), "PCN5005".to_string()], 2));
    assert_eq!(pcns(WorkQueue::Denied), (vec!["PCN5002".to_string()], 1));
    let counts = t.status_counts().unwrap();
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<i64>(), 5, "{counts:?}");
}
