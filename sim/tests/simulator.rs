//! The simulator against a mailbox with a moving clock: what appears when, that our plugins
//! read every file, and that what they read is what the simulator decided.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{DateTime, Duration, TimeZone, Utc};
use claimtrack_plugin_sdk::prelude::*;
use claimtrack_sim::decide::SettleKind;
use claimtrack_sim::{EnvelopeBreak, ExpectedClaim, Options837, Rules, Scenario, Simulator, generate_837};
use common::{claim_events, pcn, read, reason_key, unzip};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 30, 0).unwrap()
}

fn scenario() -> Scenario {
    Scenario { seed: 42, rules: Rules { hold_names: vec!["HOLD".into()], ..Rules::default() }, ..Scenario::default() }
}

/// Upload the demo's four files: a good batch with planted flaws, two with broken envelopes,
/// one that is never picked up.
fn upload(mailbox: &Path) -> Vec<String> {
    let inbound = mailbox.join("inbound");
    std::fs::create_dir_all(&inbound).unwrap();
    let good = Options837 {
        missing_address: vec![1],
        bad_npi: vec![4],
        // Enough claims at the rejecting payer for "some" to be rejected.
        payer_of: (6..10).map(|i| (i, "CSM02".to_string())).collect(),
        ..Options837::default()
    };
    let bad_set = Options837 { control: 4171, first_pcn: 101, broken_envelope: Some(EnvelopeBreak::SegmentCount), ..Options837::default() };
    let bad_isa =
        Options837 { control: 4172, first_pcn: 201, broken_envelope: Some(EnvelopeBreak::InterchangeControl), ..Options837::default() };
    let held = Options837 { control: 4173, first_pcn: 301, ..Options837::default() };
    let files = [
        (good.file_name(), generate_837(7, 14, &good)),
        (bad_set.file_name(), generate_837(8, 3, &bad_set)),
        (bad_isa.file_name(), generate_837(9, 2, &bad_isa)),
        ("HOLD-837P.txt".to_string(), generate_837(10, 2, &held)),
    ];
    for (name, bytes) in &files {
        std::fs::write(inbound.join(name), bytes).unwrap();
    }
    files.iter().map(|f| f.0.clone()).collect()
}

fn outbound(mailbox: &Path) -> BTreeMap<String, Vec<u8>> {
    common_files(&mailbox.join("outbound"))
}

fn common_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .map(|rd| rd.map(|e| e.unwrap()).map(|e| (e.file_name().into_string().unwrap(), std::fs::read(e.path()).unwrap())).collect())
        .unwrap_or_default()
}

fn by_pcn(expected: &[ExpectedClaim]) -> HashMap<String, &ExpectedClaim> {
    expected.iter().map(|c| (c.patient_control_number.clone(), c)).collect()
}

fn keys(reasons: &[Reason]) -> Vec<(&'static str, String, Option<String>)> {
    reasons.iter().map(reason_key).collect()
}

fn expected_keys(c: &ExpectedClaim, i: usize) -> Vec<(&'static str, String, Option<String>)> {
    c.history[i].reasons.iter().map(|r| (r.code_set, r.code.clone(), r.group.clone())).collect()
}

#[test]
fn a_mailbox_through_time() {
    let dir = tempfile::tempdir().unwrap();
    let (mailbox, state) = (dir.path().join("mailbox"), dir.path().join("state"));
    let names = upload(&mailbox);
    let mut sim = Simulator::open(&state, scenario()).unwrap();

    // t0: everything but the held file is picked up; nothing is answered yet.
    let r = sim.step(&mailbox, t0()).unwrap();
    assert_eq!(r.picked_up.len(), 3);
    assert_eq!(r.held, vec!["HOLD-837P.txt"]);
    assert!(r.written.is_empty());
    let left: Vec<String> = common_files(&mailbox.join("inbound")).into_keys().collect();
    assert_eq!(left, vec!["HOLD-837P.txt"]);
    for (_, id) in &r.picked_up {
        assert_eq!(id.len(), 10, "10-digit File IDs");
    }
    let ids: HashMap<String, String> = r.picked_up.iter().cloned().collect();

    // t0 + 1 h: still nothing.
    assert!(sim.step(&mailbox, t0() + Duration::hours(1)).unwrap().written.is_empty());
    assert!(outbound(&mailbox).is_empty());

    // t0 + 2 h: File Summaries, the 999s and the TA1.
    let r = sim.step(&mailbox, t0() + Duration::hours(2)).unwrap();
    let mut written = r.written.clone();
    written.sort();
    let (good, bad_set, bad_isa) = (&names[0], &names[1], &names[2]);
    let stem = |n: &str| n.trim_end_matches(".txt").to_string();
    let mut want = vec![
        format!("FS_HCFA_{}_IN_C.txt", ids[good]),
        format!("FS_HCFA_{}_IN_C.txt", ids[bad_set]),
        format!("FS_HCFA_{}_IN_C.txt", ids[bad_isa]),
        format!("{}_{}_999.999", ids[good], stem(good)),
        format!("{}_{}_999.999", ids[bad_set], stem(bad_set)),
        format!("{}_{}_TA1.ta1", ids[bad_isa], stem(bad_isa)),
    ];
    want.sort();
    assert_eq!(written, want);
    // The same time again writes nothing twice; nor does a reopened simulator.
    assert!(sim.step(&mailbox, t0() + Duration::hours(2)).unwrap().written.is_empty());
    drop(sim);
    let mut sim = Simulator::open(&state, scenario()).unwrap();
    assert!(sim.step(&mailbox, t0() + Duration::hours(3)).unwrap().written.is_empty());
    assert!(Simulator::open(&state, Scenario::with_seed(43)).is_err(), "another seed cannot take over the state");

    let expected = sim.expected_outcomes();
    let exp = by_pcn(&expected);
    let out = outbound(&mailbox);

    // The good batch's File Summary: every claim with its OA Claim ID and edits.
    let fs = read(&want_name(&out, "FS_HCFA_", &ids[good]), &out[&want_name(&out, "FS_HCFA_", &ids[good])], "oa-file-summary");
    assert_eq!(fs.metadata.clearinghouse_file_id.as_deref(), Some(ids[good].as_str()));
    assert_eq!(fs.metadata.child_files.len(), 3);
    let events = claim_events(&fs);
    assert_eq!(events.len(), 14);
    for e in &events {
        let c = exp[&pcn(e)];
        let first = &c.history[0];
        assert_eq!(e.claim.as_ref().unwrap().clearinghouse_claim_id, c.oa_claim_id);
        assert_eq!(
            e.status,
            if first.status == "OA REJECTED" { StatusClass::Rejected } else { StatusClass::Accepted },
            "{}",
            pcn(e)
        );
        let codes: Vec<String> = e.reasons.iter().map(|r| r.code.clone()).collect();
        let want: Vec<String> = first.reasons.iter().map(|r| r.code.clone()).collect();
        assert_eq!(codes, want, "{}", pcn(e));
        assert!(e.reasons.iter().all(|r| r.code_set == CodeSet::ClearinghouseEdit));
        assert_eq!(e.correlation.clearinghouse_child_file_id, c.child_file_id, "{}", pcn(e));
    }
    assert_eq!(exp["SIM00002"].history[0].reasons[0].code, "FE69");
    assert_eq!(exp["SIM00005"].history[0].reasons[0].code, "SIMNPI");

    // Its 999 accepts the set.
    let n999 = format!("{}_{}_999.999", ids[good], stem(good));
    let ack = read(&n999, &out[&n999], "x12-ack");
    assert!(ack.events.iter().all(|e| e.status == StatusClass::Accepted), "{:#?}", ack.events);
    assert_eq!(ack.events[0].correlation.group_control_number.as_deref(), Some("4170"));

    // The broken files: a 999 rejecting the set, a TA1 rejecting the interchange, and their
    // File Summaries failing them.
    let n999 = format!("{}_{}_999.999", ids[bad_set], stem(bad_set));
    let ack = read(&n999, &out[&n999], "x12-ack");
    assert!(ack.events.iter().any(|e| e.level == Level::FunctionalGroup && e.status == StatusClass::Rejected));
    let ik5 = ack.events.iter().find(|e| e.level == Level::TransactionSet).unwrap();
    assert_eq!(ik5.status, StatusClass::Rejected);
    assert_eq!(keys(&ik5.reasons), vec![("ack-transaction-set-error", "4".to_string(), None)]);
    let nta1 = format!("{}_{}_TA1.ta1", ids[bad_isa], stem(bad_isa));
    let ta1 = read(&nta1, &out[&nta1], "x12-ack");
    assert_eq!(ta1.events.len(), 1);
    assert_eq!(ta1.events[0].status, StatusClass::Rejected);
    assert_eq!(ta1.events[0].correlation.interchange_control_number.as_deref(), Some("000004172"));
    assert_eq!(keys(&ta1.events[0].reasons), vec![("ta1-note", "001".to_string(), None)]);
    for bad in [bad_set, bad_isa] {
        let n = format!("FS_HCFA_{}_IN_C.txt", ids[bad]);
        let fs = read(&n, &out[&n], "oa-file-summary");
        assert!(claim_events(&fs).is_empty());
        assert_eq!(fs.events.len(), 1);
        assert_eq!(fs.events[0].status, StatusClass::Rejected);
        assert_eq!(fs.events[0].raw_code, "FS FAILED");
    }
    let failed: Vec<&ExpectedClaim> = expected.iter().filter(|c| c.oa_claim_id.is_none()).collect();
    assert_eq!(failed.len(), 5, "the broken files' claims are known, rejected with the file");
    assert!(failed.iter().all(|c| c.status == "OA REJECTED"));
    let batches = sim.expected_batches();
    assert_eq!(batches.iter().filter(|b| b.status == "FAILED").count(), 2);

    // t0 + 1 day: the payers' 277CAs.
    let r = sim.step(&mailbox, t0() + Duration::days(1)).unwrap();
    assert!(!r.written.is_empty() && r.written.iter().all(|n| n.contains("_HCFA_277ca_")), "{:?}", r.written);
    let out = outbound(&mailbox);
    let mut seen = 0;
    for n in &r.written {
        assert!(n.starts_with("simclinic01_"));
        let ca = read(n, &out[n], "x12-277");
        for e in claim_events(&ca) {
            let c = exp[&pcn(e)];
            let m = c.history.iter().position(|m| m.by == claimtrack_sim::ResponseKind::ClaimAck277).unwrap();
            let want = if c.history[m].status == "PAYER REJECTED" { StatusClass::Rejected } else { StatusClass::Accepted };
            assert_eq!(e.status, want, "{}", pcn(e));
            assert_eq!(keys(&e.reasons), expected_keys(c, m), "{}", pcn(e));
            let claim = e.claim.as_ref().unwrap();
            assert_eq!(claim.clearinghouse_claim_id, c.oa_claim_id);
            if want == StatusClass::Accepted {
                assert!(claim.payer_claim_number.is_some());
            }
            seen += 1;
        }
    }
    assert_eq!(seen, expected.iter().filter(|c| c.history.iter().any(|m| m.by == claimtrack_sim::ResponseKind::ClaimAck277)).count());
    assert!(expected.iter().any(|c| c.status == "PAYER REJECTED"), "the rejecting payer rejected some");

    // t0 + 2 days: the EDI Status report.
    let r = sim.step(&mailbox, t0() + Duration::days(2)).unwrap();
    assert_eq!(r.written.len(), 1);
    let n = &r.written[0];
    assert!(n.ends_with("_EDI_STATUS_20260107.txt"), "{n}");
    let out = outbound(&mailbox);
    let st = read(n, &out[n], "oa-edi-status");
    for e in claim_events(&st) {
        let c = exp[&pcn(e)];
        let m = c.history.iter().position(|m| m.by == claimtrack_sim::ResponseKind::EdiStatus).unwrap();
        let want = if c.history[m].status == "PAYER REJECTED" { StatusClass::Rejected } else { StatusClass::Accepted };
        assert_eq!(e.status, want);
        assert_eq!(e.correlation.clearinghouse_child_file_id, c.child_file_id);
        assert_eq!(e.claim.as_ref().unwrap().clearinghouse_claim_id, c.oa_claim_id);
        assert_eq!(e.amounts.charged, Some(c.charge_cents));
        assert_eq!(keys(&e.reasons), expected_keys(c, m), "{}", pcn(e));
    }

    // Nothing between the EDI Status report and the ERAs.
    assert!(sim.step(&mailbox, t0() + Duration::days(9)).unwrap().written.is_empty());

    // t0 + 10 days: the ERA zips, one per payer that settled claims.
    let r = sim.step(&mailbox, t0() + Duration::days(10)).unwrap();
    assert!(!r.written.is_empty());
    let out = outbound(&mailbox);
    let mut last: HashMap<String, StatusEvent> = HashMap::new();
    for n in &r.written {
        assert!(n.ends_with("_ERA_STATUS_5010_20260115.zip"), "{n}");
        let members = unzip(&out[n]);
        assert_eq!(members.len(), 2);
        let id = n.split('_').next().unwrap();
        let (m835, msum) = (&members[0], &members[1]);
        assert_eq!(m835.0, format!("{id}_ERA_835_5010_20260115.835"));
        assert_eq!(msum.0, format!("{id}_ERA_STATUS_5010_20260115.txt"));
        read(&msum.0, &msum.1, "oa-edi-status");
        let era = read(&m835.0, &m835.1, "x12-835");
        for e in claim_events(&era) {
            last.insert(pcn(e), e.clone());
        }
    }
    let settled: Vec<&ExpectedClaim> = expected.iter().filter(|c| c.settlement.is_some()).collect();
    assert_eq!(last.len(), settled.len());
    for c in &settled {
        let e = &last[&c.patient_control_number];
        let want = if c.status == "PAID" { StatusClass::Paid } else { StatusClass::Denied };
        assert_eq!(e.status, want, "{}", c.patient_control_number);
        assert_eq!(e.amounts.paid, c.paid_cents, "{}", c.patient_control_number);
        assert_eq!(e.claim.as_ref().unwrap().payer_claim_number, c.payer_claim_number);
        assert_eq!(keys(&e.reasons), c.reasons.iter().map(|r| (r.code_set, r.code.clone(), r.group.clone())).collect::<Vec<_>>());
    }
    for kind in [SettleKind::Paid, SettleKind::Partial, SettleKind::Denied, SettleKind::ReversedAndCorrected] {
        assert!(settled.iter().any(|c| c.settlement == Some(kind)), "{kind:?}");
    }
    assert!(sim.next_due().is_none());
    assert!(sim.step(&mailbox, t0() + Duration::days(30)).unwrap().written.is_empty());

    // The final batch status of the good upload.
    let b = batches.iter().find(|b| &b.submitted_file_name == good).unwrap();
    assert_eq!(b.status, "PAYER ACCEPTED with rejections");
    assert_eq!(b.claims, 14);

    // status_at follows the clock.
    let c = expected.iter().find(|c| c.settlement == Some(SettleKind::Paid)).unwrap();
    assert_eq!(c.status_at(t0()), "AWAITING");
    assert_eq!(c.status_at(t0() + Duration::hours(2)), "OA ACCEPTED");
    assert_eq!(c.status_at(t0() + Duration::days(1)), "PAYER ACCEPTED");
    assert_eq!(c.status_at(t0() + Duration::days(10)), "PAID");
}

fn want_name(out: &BTreeMap<String, Vec<u8>>, prefix: &str, id: &str) -> String {
    out.keys().find(|k| k.starts_with(prefix) && k.contains(id)).cloned().unwrap()
}

#[test]
fn same_seed_same_files() {
    let run = || {
        let dir = tempfile::tempdir().unwrap();
        let (mailbox, state) = (dir.path().join("m"), dir.path().join("s"));
        upload(&mailbox);
        let mut sim = Simulator::open(&state, scenario()).unwrap();
        for t in [0, 2, 24, 48, 240] {
            sim.step(&mailbox, t0() + Duration::hours(t)).unwrap();
        }
        (outbound(&mailbox), serde_json::to_string(&sim.expected_outcomes()).unwrap())
    };
    let (a, b) = (run(), run());
    assert_eq!(a.0.keys().collect::<Vec<_>>(), b.0.keys().collect::<Vec<_>>());
    assert!(a.0 == b.0, "same bytes");
    assert_eq!(a.1, b.1);
}

#[test]
fn one_step_after_everything_is_due_writes_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let (mailbox, state) = (dir.path().join("m"), dir.path().join("s"));
    upload(&mailbox);
    let mut sim = Simulator::open(&state, scenario()).unwrap();
    sim.step(&mailbox, t0()).unwrap();
    let r = sim.step(&mailbox, t0() + Duration::days(60)).unwrap();
    let planned: usize = sim.uploads().iter().map(|u| u.deliveries.len()).sum();
    assert_eq!(r.written.len(), planned);
    assert_eq!(outbound(&mailbox).len(), planned);
    // The temporary folder holds nothing left over; outbound has no temporary names.
    assert!(common_files(&mailbox.join(".claimtrack-sim-tmp")).is_empty());
}

#[test]
fn an_upload_recorded_but_not_removed_is_not_picked_up_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (mailbox, state) = (dir.path().join("m"), dir.path().join("s"));
    let names = upload(&mailbox);
    let inbound = mailbox.join("inbound");
    let keep = std::fs::read(inbound.join(&names[0])).unwrap();
    let mut sim = Simulator::open(&state, scenario()).unwrap();
    sim.step(&mailbox, t0()).unwrap();
    // As if the step had stopped between saving its state and removing the upload.
    std::fs::write(inbound.join(&names[0]), &keep).unwrap();
    let path = state.join("claimtrack-sim-state.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v["uploads"][0]["removed"] = serde_json::Value::Bool(false);
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let mut sim = Simulator::open(&state, scenario()).unwrap();
    let r = sim.step(&mailbox, t0() + Duration::minutes(5)).unwrap();
    assert!(r.picked_up.is_empty());
    assert!(!inbound.join(&names[0]).exists());
    assert_eq!(sim.uploads().len(), 3);
}

#[test]
fn the_hand_written_scenario_through_the_simulator() {
    // The five-claim batch: PCN5005 has no street address, the rest are clean; with no
    // rejecting payer, every forwarded claim is settled.
    let dir = tempfile::tempdir().unwrap();
    let (mailbox, state) = (dir.path().join("m"), dir.path().join("s"));
    let inbound = mailbox.join("inbound");
    std::fs::create_dir_all(&inbound).unwrap();
    let name = "ct-20260105-0930-837P.txt";
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios/five-claims").join(name);
    std::fs::copy(src, inbound.join(name)).unwrap();
    let s = Scenario { seed: 5, rules: Rules { rejecting_payers: vec![], ..Rules::default() }, ..Scenario::default() };
    let mut sim = Simulator::open(&state, s).unwrap();
    sim.step(&mailbox, t0()).unwrap();
    sim.step(&mailbox, t0() + Duration::days(11)).unwrap();
    let exp = sim.expected_outcomes();
    let statuses: Vec<(&str, &str)> = exp.iter().map(|c| (c.patient_control_number.as_str(), c.status)).collect();
    assert_eq!(statuses[4], ("PCN5005", "OA REJECTED"));
    assert_eq!(exp[4].reasons[0].code, "FE69");
    assert!(statuses[..4].iter().all(|s| s.1 == "PAID" || s.1 == "DENIED"), "{statuses:?}");
    // Every file parses cleanly.
    for (n, bytes) in outbound(&mailbox) {
        let plugin = if n.starts_with("FS_") {
            "oa-file-summary"
        } else if n.ends_with(".999") {
            "x12-ack"
        } else if n.contains("277ca") {
            "x12-277"
        } else if n.contains("EDI_STATUS") {
            "oa-edi-status"
        } else {
            for (m, b) in unzip(&bytes) {
                read(&m, &b, if m.ends_with(".835") { "x12-835" } else { "oa-edi-status" });
            }
            continue;
        };
        read(&n, &bytes, plugin);
    }
}
