//! Time rules end to end (host/src/tracking/alerts.rs): the AWAITING notice and alert, the
//! ERA follow-up, the 7-day tracking window and archiving, on the five-claim scenario of
//! `tests/scenarios/five-claims/` (see tracking.rs for the claims and what each file says).
//!
//! Time only ever moves by setting the tracker's clock ([`Tracker::set_clock`]): no test
//! sleeps.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use claimtrack::clock::Clock;
use claimtrack::ingest::FileOrigin;
use claimtrack::paths::DataDir;
use claimtrack::tracker::{ArchiveOutcome, Tracker};
use claimtrack::tracking::alerts::{Alert, AlertKind, AlertSettings, AlertSeverity};
use claimtrack::tracking::query::ClaimRow;
use zip::write::SimpleFileOptions;

mod support;

const BATCH_NAME: &str = "ct-20260105-0930-837P.txt";
const FILE_SUMMARY: &str = "FS_HCFA_1130000100_IN_C.txt";
const ACK_999: &str = "1130000100_ct-20260105-0930-837P_999.999";
const ACK_277CA: &str = "bwfc0001_1130000100_HCFA_277ca_20260107.txt";
const EDI_STATUS: &str = "1130000250_EDI_STATUS_20260108.txt";
const ERA_ZIP: &str = "1130000400_ERA_STATUS_5010_20260128.zip";
const ERA_835: &str = "1130000400_ERA_835_5010_20260128.835";
const ERA_SUMMARY: &str = "1130000400_ERA_STATUS_5010_20260128.txt";

/// When the 837 is uploaded (ingested).
const UPLOADED: &str = "2026-01-05T09:30:00Z";
/// When the 277CA (the payer's acceptance of PCN5001–5003) is ingested.
const PAYER_ACCEPTED: &str = "2026-01-07T07:00:00Z";
/// When the EDI Status report (the last response before the ERA) is ingested.
const LAST_RESPONSE: &str = "2026-01-08T07:00:00Z";

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios/five-claims")
}

fn scenario_file(name: &str) -> Vec<u8> {
    let p = scenario_dir().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn era_zip() -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for name in [ERA_835, ERA_SUMMARY] {
        w.start_file(name, opts).unwrap();
        w.write_all(&scenario_file(name)).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn open(dir: &Path, at: DateTime<Utc>) -> Tracker {
    let (t, problems) = Tracker::open(&DataDir::new(dir), Clock::Fixed(at)).expect("the tracker opens");
    assert!(problems.is_empty(), "built-in plugins failed to load: {problems:?}");
    t
}

/// Ingest `name` with the clock at `at` (the clock is left there).
fn ingest_at(t: &mut Tracker, name: &str, at: &str) {
    t.set_clock(Clock::Fixed(time(at)));
    let bytes = if name == ERA_ZIP { era_zip() } else { scenario_file(name) };
    let origin = if name == BATCH_NAME { FileOrigin::Ingest } else { FileOrigin::mailbox("office-ally", name) };
    t.ingest(name, &origin, &bytes).expect("ingest");
}

/// The 837 and every response up to the EDI Status report, in the order they arrive;
/// no ERA. PCN5001–5003 end PAYER ACCEPTED, PCN5004 PAYER REJECTED, PCN5005 OA REJECTED.
fn through_edi_status(t: &mut Tracker) {
    ingest_at(t, BATCH_NAME, UPLOADED);
    ingest_at(t, FILE_SUMMARY, "2026-01-05T11:15:00Z");
    ingest_at(t, ACK_999, "2026-01-05T11:15:30Z");
    ingest_at(t, ACK_277CA, PAYER_ACCEPTED);
    ingest_at(t, EDI_STATUS, LAST_RESPONSE);
}

fn alerts_at(t: &mut Tracker, at: DateTime<Utc>) -> Vec<Alert> {
    t.set_clock(Clock::Fixed(at));
    t.alerts().unwrap()
}

fn of_kind(alerts: &[Alert], kind: AlertKind) -> Vec<&Alert> {
    alerts.iter().filter(|a| a.kind == kind).collect()
}

fn the_batch_id(t: &Tracker) -> i64 {
    let b = t.batches().unwrap();
    assert_eq!(b.len(), 1, "{b:#?}");
    b[0].id
}

fn claims(t: &Tracker) -> Vec<ClaimRow> {
    t.batch(the_batch_id(t)).unwrap().unwrap().1
}

fn waiting(t: &mut Tracker, at: DateTime<Utc>) -> Vec<String> {
    t.set_clock(Clock::Fixed(at));
    claims(t).into_iter().filter(|c| c.waiting_for_era).map(|c| c.patient_control_number).collect()
}

// ---------------------------------------------------------------------------------------

#[test]
fn an_837_alone_gets_a_notice_after_24_hours_and_the_checklist_after_72() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = open(dir.path(), time(UPLOADED));
    ingest_at(&mut t, BATCH_NAME, UPLOADED);
    let up = time(UPLOADED);
    let batch = the_batch_id(&t);
    assert_eq!(t.batches().unwrap()[0].status, "AWAITING");

    assert_eq!(alerts_at(&mut t, up + Duration::hours(23)), [], "nothing at +23 h");
    assert_eq!(alerts_at(&mut t, up + Duration::hours(24)), [], "\"more than 24 hours\": nothing at exactly +24 h");

    let at25 = alerts_at(&mut t, up + Duration::hours(25));
    assert_eq!(at25.len(), 1, "{at25:#?}");
    let n = &at25[0];
    assert_eq!((n.severity, n.kind), (AlertSeverity::Notice, AlertKind::BatchAwaiting24h));
    assert_eq!(n.batch_id, Some(batch));
    assert_eq!(n.batch_name.as_deref(), Some(BATCH_NAME));
    assert_eq!(n.claim_id, None);
    assert_eq!(stamp(n.created_at), stamp(up + Duration::hours(24)), "the notice begins at upload + 24 h");
    assert!(n.message.contains("uploaded 1 day 1 h ago and is still AWAITING"), "{}", n.message);
    assert_eq!(n.title, "Batch 1: no answer from Office Ally for 1 day 1 h");

    assert_eq!(of_kind(&alerts_at(&mut t, up + Duration::hours(72)), AlertKind::BatchAwaiting72h), Vec::<&Alert>::new());
    let at73 = alerts_at(&mut t, up + Duration::hours(73));
    assert_eq!(at73.len(), 1, "the alert replaces the notice: {at73:#?}");
    let a = &at73[0];
    assert_eq!((a.severity, a.kind), (AlertSeverity::Alert, AlertKind::BatchAwaiting72h));
    assert_eq!(a.batch_id, Some(batch));
    assert_eq!(stamp(a.created_at), stamp(up + Duration::hours(72)), "the alert begins at upload + 72 h");
    assert_eq!(a.title, "Batch 1: no answer from Office Ally for 3 days 1 h");
    assert!(a.message.contains("uploaded 3 days 1 h ago"), "{}", a.message);
    let steps = a.steps.join("\n");
    for needle in [
        "SFTP credentials changed in the settings",
        "Office Ally account paused",
        "unpaid invoice",
        "too many failed access attempts",
        "(360) 975-7000, option 1",
        "`claimtrack resend 1`",
    ] {
        assert!(steps.contains(needle), "{needle:?} missing from the alert's steps:\n{steps}");
    }
    let connection = a.connection.as_ref().expect("the alert carries the connection state");
    assert_eq!(connection.describe(), "no connection to Office Ally recorded yet");
    let json = serde_json::to_value(a).unwrap();
    assert_eq!(json["severity"], "alert");
    assert_eq!(json["kind"], "batch_awaiting_72h");

    // The File Summary arrives: the batch is answered, the alert is gone.
    ingest_at(&mut t, FILE_SUMMARY, &stamp(up + Duration::hours(74)));
    assert_eq!(t.batches().unwrap()[0].status, "OA ACCEPTED with rejections");
    assert_eq!(alerts_at(&mut t, up + Duration::hours(75)), [], "no alert once Office Ally answered");
    // And it stays gone however late it gets (until the window rules take over).
    let later = alerts_at(&mut t, up + Duration::days(6));
    assert!(of_kind(&later, AlertKind::BatchAwaiting24h).is_empty() && of_kind(&later, AlertKind::BatchAwaiting72h).is_empty());
}

#[test]
fn a_payer_accepted_claim_without_an_835_gets_a_follow_up_after_30_days() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = open(dir.path(), time(UPLOADED));
    through_edi_status(&mut t);
    let accepted = time(PAYER_ACCEPTED);
    let overdue = |alerts: &[Alert]| -> Vec<String> {
        of_kind(alerts, AlertKind::ClaimEraOverdue).iter().map(|a| a.patient_control_number.clone().unwrap()).collect()
    };

    assert_eq!(overdue(&alerts_at(&mut t, accepted + Duration::days(29))), Vec::<String>::new(), "not at 29 days");
    assert_eq!(overdue(&alerts_at(&mut t, accepted + Duration::days(30))), Vec::<String>::new(), "not at exactly 30 days");
    let at = accepted + Duration::days(30) + Duration::hours(1);
    let alerts = alerts_at(&mut t, at);
    let mut pcns = overdue(&alerts);
    pcns.sort();
    assert_eq!(pcns, ["PCN5001", "PCN5002", "PCN5003"], "the three PAYER ACCEPTED claims, not the rejected ones");
    let a = of_kind(&alerts, AlertKind::ClaimEraOverdue).into_iter().find(|a| a.patient_control_number.as_deref() == Some("PCN5001")).unwrap();
    assert_eq!(a.severity, AlertSeverity::Alert);
    assert_eq!(a.batch_id, Some(the_batch_id(&t)));
    assert!(a.claim_id.is_some());
    assert_eq!(stamp(a.created_at), stamp(accepted + Duration::days(30)), "begins at acceptance + 30 days");
    for needle in ["PCN5001", "MERIDIAN VALLEY HEALTH (MVH01)", "payer claim number 2026007000101", "accepted it 30 days ago"] {
        assert!(a.message.contains(needle), "{needle:?} missing from:\n{}", a.message);
    }
    assert_eq!(a.title, "Claim PCN5001: accepted by the payer 30 days ago, no ERA yet");
    assert!(a.steps[0].contains("Call MERIDIAN VALLEY HEALTH (MVH01) about the claim (payer claim number 2026007000101)"), "{:?}", a.steps);
    // Newest first.
    assert!(alerts.windows(2).all(|w| w[0].created_at >= w[1].created_at), "{alerts:#?}");

    // Configurable: after 10 days instead.
    t.set_clock(Clock::Fixed(accepted + Duration::days(10) - Duration::minutes(1)));
    assert!(overdue(&t.alerts_with(&AlertSettings { era_days: 10 }).unwrap()).is_empty());
    t.set_clock(Clock::Fixed(accepted + Duration::days(10) + Duration::minutes(1)));
    let ten = t.alerts_with(&AlertSettings { era_days: 10 }).unwrap();
    assert_eq!(overdue(&ten).len(), 3, "{ten:#?}");
    assert!(ten.iter().all(|a| a.kind != AlertKind::ClaimEraOverdue || a.message.contains("accepted it 10 days ago")));
    assert!(overdue(&t.alerts().unwrap()).is_empty(), "the default is still 30 days");

    // The ERA arrives: paid, denied, paid again after the reversal. No follow-up left.
    ingest_at(&mut t, ERA_ZIP, &stamp(at + Duration::hours(1)));
    assert!(overdue(&alerts_at(&mut t, at + Duration::days(60))).is_empty());
}

#[test]
fn the_tracking_window_closes_seven_days_after_the_last_update() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = open(dir.path(), time(UPLOADED));
    through_edi_status(&mut t);
    let last = time(LAST_RESPONSE);
    for c in claims(&t) {
        match c.patient_control_number.as_str() {
            // The EDI Status report names PCN5001–5003 only.
            "PCN5001" | "PCN5002" | "PCN5003" => assert_eq!(c.last_response.map(stamp).as_deref(), Some(LAST_RESPONSE), "{c:#?}"),
            // Meridian's 277CA acknowledges its file (2200B) for PCN5004 too.
            "PCN5004" => assert_eq!(c.last_response.map(stamp).as_deref(), Some(PAYER_ACCEPTED), "{c:#?}"),
            // PCN5005 is Coastal States Mutual's: Meridian's acknowledgement of its own file
            // says nothing of it; the last word is Office Ally's 999 about the whole upload.
            _ => assert_eq!(c.last_response.map(stamp).as_deref(), Some("2026-01-05T11:15:30Z"), "{c:#?}"),
        }
    }

    assert_eq!(waiting(&mut t, last + Duration::days(7) - Duration::seconds(1)), Vec::<String>::new());
    // At exactly 7 days the window closes: the accepted claims wait for their ERA/EOB; the
    // rejected ones (PCN5004 by the payer, PCN5005 by Office Ally) never do.
    assert_eq!(waiting(&mut t, last + Duration::days(7)), ["PCN5001", "PCN5002", "PCN5003"]);
    let found = t.claim("PCN5002").unwrap();
    assert!(found[0].0.waiting_for_era, "the claim view carries the flag too");
    assert!(t.all_claims().unwrap().iter().filter(|c| c.waiting_for_era).count() == 3, "and the export");

    // Once paid or denied, a claim is no longer waiting for anything.
    ingest_at(&mut t, ERA_ZIP, "2026-01-28T07:00:00Z");
    assert_eq!(waiting(&mut t, time("2026-03-01T00:00:00Z")), Vec::<String>::new());
}

#[test]
fn a_batch_is_archived_once_every_claim_is_final_rejected_or_past_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = open(dir.path(), time(UPLOADED));
    ingest_at(&mut t, BATCH_NAME, UPLOADED);
    let batch = the_batch_id(&t);

    // Still AWAITING: refused, with the reason.
    t.set_clock(Clock::Fixed(time(UPLOADED) + Duration::hours(80)));
    match t.archive(batch).unwrap() {
        ArchiveOutcome::NotEligible { blocking, .. } => {
            assert!(blocking.iter().any(|b| b.contains("AWAITING")), "{blocking:#?}")
        }
        other => panic!("an AWAITING batch was not refused: {other:#?}"),
    }
    assert_eq!(t.archive_eligible().unwrap(), 0);

    through_rest(&mut t);
    // Three days after the last update: PCN5001–5003 are still tracked.
    t.set_clock(Clock::Fixed(time("2026-01-11T07:00:00Z")));
    match t.archive(batch).unwrap() {
        ArchiveOutcome::NotEligible { batch: b, blocking } => {
            assert_eq!(b.archived, None);
            assert_eq!(blocking.len(), 3, "{blocking:#?}");
            for (line, pcn) in blocking.iter().zip(["PCN5001", "PCN5002", "PCN5003"]) {
                assert!(line.starts_with(pcn) && line.contains("PAYER ACCEPTED"), "{line}");
                assert!(line.contains("tracking window closes in 4 days"), "{line}");
            }
        }
        other => panic!("a batch still tracked was archived: {other:#?}"),
    }
    assert!(t.archivable().unwrap().is_empty());
    assert!(of_kind(&t.alerts().unwrap(), AlertKind::BatchArchivable).is_empty());
    assert_eq!(t.batches().unwrap()[0].archived, None, "a refusal changes nothing");

    // The window has closed: archivable, and an info alert says so.
    let now = time("2026-01-15T08:00:00Z");
    let alerts = alerts_at(&mut t, now);
    let info = of_kind(&alerts, AlertKind::BatchArchivable);
    assert_eq!(info.len(), 1, "{alerts:#?}");
    assert_eq!((info[0].severity, info[0].batch_id), (AlertSeverity::Info, Some(batch)));
    assert_eq!(stamp(info[0].created_at), "2026-01-15T07:00:00Z", "eligible since the last window closed");
    assert_eq!(t.archivable().unwrap().iter().map(|b| b.id).collect::<Vec<_>>(), [batch]);

    match t.archive(batch).unwrap() {
        ArchiveOutcome::Archived { batch: b } => assert_eq!(b.archived.map(stamp).as_deref(), Some("2026-01-15T08:00:00Z")),
        other => panic!("not archived: {other:#?}"),
    }
    let row = &t.batches().unwrap()[0];
    assert_eq!(row.archived.map(stamp).as_deref(), Some("2026-01-15T08:00:00Z"), "the clock's time");
    assert_eq!(row.status, "PAYER ACCEPTED with rejections", "the derived status is kept beside the flag");
    assert!(of_kind(&t.alerts().unwrap(), AlertKind::BatchArchivable).is_empty());

    // Again: a no-op.
    t.set_clock(Clock::Fixed(time("2026-01-16T08:00:00Z")));
    assert!(matches!(t.archive(batch).unwrap(), ArchiveOutcome::AlreadyArchived { .. }));
    assert_eq!(t.archive_eligible().unwrap(), 0);
    assert_eq!(t.batches().unwrap()[0].archived.map(stamp).as_deref(), Some("2026-01-15T08:00:00Z"), "first archive time kept");
    assert!(matches!(t.archive(batch + 100).unwrap(), ArchiveOutcome::NoSuchBatch { .. }));

    // The archive is bookkeeping keyed by the 837's file: a rebuild keeps it.
    assert!(t.rebuild().unwrap().is_empty());
    assert_eq!(t.batches().unwrap()[0].archived.map(stamp).as_deref(), Some("2026-01-15T08:00:00Z"));

    // Archived batches still get the ERA follow-up: archiving ends tracking, not the wait.
    let late = alerts_at(&mut t, time(PAYER_ACCEPTED) + Duration::days(31));
    assert_eq!(of_kind(&late, AlertKind::ClaimEraOverdue).len(), 3, "{late:#?}");
}

/// The rest of `through_edi_status`, after the 837.
fn through_rest(t: &mut Tracker) {
    ingest_at(t, FILE_SUMMARY, "2026-01-05T11:15:00Z");
    ingest_at(t, ACK_999, "2026-01-05T11:15:30Z");
    ingest_at(t, ACK_277CA, PAYER_ACCEPTED);
    ingest_at(t, EDI_STATUS, LAST_RESPONSE);
}

#[test]
fn archive_eligible_archives_a_finished_batch_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = open(dir.path(), time(UPLOADED));
    through_edi_status(&mut t);
    ingest_at(&mut t, ERA_ZIP, "2026-01-28T07:00:00Z");
    // Every claim is paid, denied or rejected: no window to wait for.
    t.set_clock(Clock::Fixed(time("2026-01-28T08:00:00Z")));
    let info = of_kind(&t.alerts().unwrap(), AlertKind::BatchArchivable).len();
    assert_eq!(info, 1);
    assert_eq!(t.archive_eligible().unwrap(), 1);
    assert_eq!(t.batches().unwrap()[0].archived.map(stamp).as_deref(), Some("2026-01-28T08:00:00Z"));
    assert_eq!(t.archive_eligible().unwrap(), 0, "nothing left to archive");
    assert_eq!(t.alerts().unwrap(), [], "nothing left to say");
}

// ---------------------------------------------------------------------------------------
// The command line: `alerts`, `archive`, `batches --all`, `--now`.

fn cli(data: &Path, now: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_claimtrack"))
        .args(args)
        .args(["--now", now])
        .env("CLAIMTRACK_DATA_DIR", data)
        .env("NO_COLOR", "1")
        .env_remove("CLAIMTRACK_NOW")
        .env_remove("CLAIMTRACK_LOG")
        .output()
        .expect("claimtrack runs")
}

fn out(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn cli_ingest(data: &Path, name: &str, now: &str) {
    let path = scenario_dir().join(name);
    let o = cli(data, now, &["ingest", path.to_str().unwrap()]);
    assert!(o.status.success(), "ingest {name}: {}{}", out(&o), err(&o));
}

#[test]
fn the_cli_shows_alerts_and_archives_by_the_clock_it_is_given() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    cli_ingest(&data, BATCH_NAME, UPLOADED);

    let o = cli(&data, "2026-01-06T08:30:00Z", &["alerts"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("No alerts."), "{}", out(&o));

    let o = cli(&data, "2026-01-08T10:30:00Z", &["alerts"]);
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    for needle in ["ALERT", "no answer from Office Ally for 3 days 1 h", "(360) 975-7000, option 1", "no successful connection to Office Ally recorded yet"] {
        assert!(text.contains(needle), "{needle:?} missing:\n{text}");
    }
    let o = cli(&data, "2026-01-06T10:30:00Z", &["alerts", "--json"]);
    let v = support::json_data(&out(&o), "alerts");
    assert_eq!(v[0]["severity"], "notice");
    assert_eq!(v[0]["kind"], "batch_awaiting_24h");
    assert_eq!(v[0]["created_at"], "2026-01-06T09:30:00Z");
    assert_eq!(v[0]["batch_id"], 1);

    // Not eligible: refused with the reason, exit 1; nothing to archive: said, exit 0.
    let o = cli(&data, "2026-01-08T10:30:00Z", &["archive", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(err(&o).contains("cannot be archived yet") && err(&o).contains("AWAITING"), "{}", err(&o));
    let o = cli(&data, "2026-01-08T10:30:00Z", &["archive"]);
    assert!(o.status.success());
    assert!(out(&o).contains("No batch can be archived now"), "{}", out(&o));
    let o = cli(&data, "2026-01-08T10:30:00Z", &["archive", "7"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("there is no batch \"7\""), "{}", err(&o));

    cli_ingest(&data, FILE_SUMMARY, "2026-01-05T11:15:00Z");
    cli_ingest(&data, ACK_999, "2026-01-05T11:15:30Z");
    cli_ingest(&data, ACK_277CA, PAYER_ACCEPTED);
    cli_ingest(&data, EDI_STATUS, LAST_RESPONSE);

    let o = cli(&data, "2026-01-15T08:00:00Z", &["batch", "1"]);
    assert_eq!(out(&o).matches("waiting for ERA/EOB").count(), 3, "{}", out(&o));
    let o = cli(&data, "2026-01-14T08:00:00Z", &["batch", "1", "--json"]);
    let v = support::json_data(&out(&o), "batch");
    assert!(v["claims"].as_array().unwrap().iter().all(|c| c["waiting_for_era"] == false));

    // --era-days.
    let era = |now: &str, days: &str| -> usize {
        let o = cli(&data, now, &["alerts", "--json", "--era-days", days]);
        assert!(o.status.success(), "{}", err(&o));
        let v = support::json_data(&out(&o), "alerts");
        v.as_array().unwrap().iter().filter(|a| a["kind"] == "claim_era_overdue").count()
    };
    assert_eq!(era("2026-01-17T08:00:00Z", "10"), 3);
    assert_eq!(era("2026-01-17T08:00:00Z", "30"), 0);
    assert_eq!(era("2026-02-06T08:00:00Z", "30"), 3);
    assert_eq!(cli(&data, UPLOADED, &["alerts", "--era-days", "0"]).status.code(), Some(2), "a usage error");

    // Archive every eligible batch, then the list hides it unless --all.
    let o = cli(&data, "2026-01-15T08:00:00Z", &["archive"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("Archived 1 batch") && out(&o).contains(BATCH_NAME), "{}", out(&o));
    let o = cli(&data, "2026-01-16T08:00:00Z", &["batches"]);
    assert!(!out(&o).contains(BATCH_NAME) && out(&o).contains("--all"), "{}", out(&o));
    let o = cli(&data, "2026-01-16T08:00:00Z", &["batches", "--all"]);
    assert!(out(&o).contains(BATCH_NAME) && out(&o).contains("ARCHIVED"), "{}", out(&o));
    let o = cli(&data, "2026-01-16T08:00:00Z", &["batches", "--all", "--json"]);
    let v = support::json_data(&out(&o), "batches");
    assert_eq!(v[0]["archived"], "2026-01-15T08:00:00Z");
    let o = cli(&data, "2026-01-16T08:00:00Z", &["batches", "--json"]);
    assert_eq!(support::json_data(&out(&o), "batches"), serde_json::json!([]));
    let o = cli(&data, "2026-01-16T08:00:00Z", &["archive", "1", "--json"]);
    assert!(o.status.success());
    let v = support::json_data(&out(&o), "archive");
    assert_eq!(v["outcome"], "already_archived");
}
