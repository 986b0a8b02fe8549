//! Webhooks end to end: `claimtrack webhook add`, the real `claimtrack serve` delivering the
//! demo's change log to a real HTTP receiver on 127.0.0.1 that is down, then failing, then
//! up; `serve` killed (SIGKILL) in the middle of a delivery and started again. Every change
//! must arrive, signed, in order, each id once after the receiver drops repeats.

mod support;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use claimtrack::webhooks::sign;
use claimtrack_sim::receiver::{Mode, Received, Receiver};
use serde_json::Value;

use support::{claimtrack_in as claimtrack, demo, serve_with};

fn json(dir: &Path, args: &[&str], command: &str) -> Value {
    let o = claimtrack(dir).args(args).output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    support::json_data(&String::from_utf8_lossy(&o.stdout), command)
}

/// Every cursor of the change log, in order.
fn change_ids(dir: &Path) -> Vec<i64> {
    let changes = json(dir, &["changes", "--since", "0", "--limit", "10000", "--json"], "changes");
    changes.as_array().unwrap().iter().map(|c| c["cursor"].as_i64().unwrap()).collect()
}

/// What a receiver keeps after dropping repeats, checking each delivery on the way: its
/// signature, that its body names the same id, and that its change is the log's.
fn deduplicated(got: &[Received], secret: &str, webhook: i64) -> Vec<i64> {
    let schema = support::schemas::schema_file("webhook");
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    for r in got {
        assert!(sign::verify(secret, r.timestamp, &r.body, &r.signature), "delivery {} is not signed with the secret", r.id);
        assert!(!sign::verify("whsec_wrong", r.timestamp, &r.body, &r.signature));
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        assert!((now - r.timestamp).abs() < 300, "a fresh timestamp: {}", r.timestamp);
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        support::schemas::assert_valid(&schema, &v, "a webhook delivery (docs/schema/webhook.json)");
        assert_eq!((v["schema_version"].as_i64(), v["command"].as_str()), (Some(1), Some("webhook")), "{v}");
        assert_eq!(v["data"]["id"], r.id, "{v}");
        assert_eq!(v["data"]["webhook"], webhook, "{v}");
        assert_eq!(v["data"]["change"]["cursor"], r.id, "{v}");
        assert!(v["data"]["change"]["at"].as_str().unwrap().ends_with('Z'), "{v}");
        if seen.insert(r.id) {
            ids.push(r.id);
        }
    }
    ids
}

/// A file the demo has not seen: ingesting it is one change (a file archived).
fn new_file() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/x12-ack/999-accepted.x12")
}

fn add(dir: &Path, port: u16, extra: &[&str]) -> (String, i64) {
    let url = format!("http://127.0.0.1:{port}/hook");
    let mut args = vec!["webhook", "add", url.as_str(), "--json"];
    args.extend_from_slice(extra);
    let added = json(dir, &args, "webhook add");
    let secret = added["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_") && secret.len() == 49, "{secret}");
    (secret, added["id"].as_i64().unwrap())
}

#[test]
fn a_receiver_down_then_failing_then_up_gets_every_change_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = demo(tmp.path());

    // A port for the receiver, not listening yet: deliveries are refused at the door.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    // The whole log so far is owed (--since 0), status changes, alerts and files.
    let (secret, webhook) = add(&dir, port, &["--since", "0"]);
    let listed = json(&dir, &["webhook", "list", "--json"], "webhook list");
    let owed = listed[0]["pending"].as_i64().unwrap();
    assert_eq!(owed as usize, change_ids(&dir).len(), "{listed}");
    assert!(owed > 20, "the demo's log is owed: {listed}");

    let server = serve_with(&dir, &[], &[("CLAIMTRACK_WEBHOOK_FIRST_RETRY_MS", "20")]);

    // While the receiver is down: tries fail and are recorded; nothing is lost.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let failing = json(&dir, &["webhook", "deliveries", "--failing", "--limit", "10000", "--json"], "webhook deliveries");
        let oldest = failing.as_array().unwrap().last().cloned().unwrap_or(Value::Null);
        if oldest["attempts"].as_i64().unwrap_or(0) >= 2 {
            assert_eq!(oldest["state"], "pending", "{oldest}");
            assert!(oldest["last_error"].as_str().unwrap().starts_with("no answer"), "{oldest}");
            break;
        }
        assert!(Instant::now() < deadline, "no failed attempt recorded: {failing}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // A change made meanwhile by another process (a new file ingested) is owed too.
    let fixture = new_file();
    let o = claimtrack(&dir).args(["ingest", fixture.to_str().unwrap()]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let expected = change_ids(&dir);
    assert_eq!(expected.len() as i64, owed + 1, "the new file is one more change");

    // Up, but answering 500 to the first three: those count as failures too.
    let receiver = Receiver::start(TcpListener::bind(("127.0.0.1", port)).unwrap(), Mode::Fail(3));
    receiver.wait_for(Duration::from_secs(60), "every change", |inbox| inbox.got.len() >= expected.len());
    assert!(receiver.refused() >= 3);

    let got = receiver.got();
    assert_eq!(deduplicated(&got, &secret, webhook), expected, "every change, once, in order");
    let listed = json(&dir, &["webhook", "list", "--json"], "webhook list");
    assert_eq!((listed[0]["pending"].as_i64(), listed[0]["delivered"].as_i64()), (Some(0), Some(expected.len() as i64)), "{listed}");
    assert!(listed[0]["last_error"].is_null(), "{listed}");
    drop(server);
}

#[test]
fn serve_killed_in_the_middle_of_a_delivery_sends_it_again_and_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = demo(tmp.path());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let receiver = Receiver::start(listener, Mode::Take);
    let (secret, webhook) = add(&dir, port, &["--since", "0", "--events", "status,file"]);
    let expected: Vec<i64> = {
        let changes = json(&dir, &["changes", "--since", "0", "--limit", "10000", "--json"], "changes");
        changes.as_array().unwrap().iter().filter(|c| c["kind"] != "alert").map(|c| c["cursor"].as_i64().unwrap()).collect()
    };
    assert!(expected.len() > 20, "{expected:?}");

    // Let some through, then hold one unanswered and kill serve while it waits for the answer.
    let mut server = serve_with(&dir, &[], &[]);
    receiver.wait_for(Duration::from_secs(30), "the first deliveries", |inbox| inbox.got.len() >= 5);
    receiver.set(Mode::Hold);
    receiver.wait_for(Duration::from_secs(30), "a delivery held", |inbox| inbox.held);
    server.child.kill().unwrap(); // SIGKILL: no clean shutdown, no chance to record anything
    server.child.wait().unwrap();
    let before = receiver.got().len();
    assert!(before >= 5 && before < expected.len(), "killed in the middle: {before} of {}", expected.len());

    // Started again: the held one is sent again, then the rest.
    receiver.set(Mode::Take);
    let _server = serve_with(&dir, &[], &[]);
    receiver.wait_for(Duration::from_secs(60), "the rest", |inbox| deduplicated(&inbox.got, &secret, webhook).len() >= expected.len());
    let got = receiver.got();
    assert_eq!(deduplicated(&got, &secret, webhook), expected, "every status and file change, once, in order; no alerts");
    let repeats = got.len() - expected.len();
    assert!(repeats <= 1, "at most the one in flight is sent twice: {repeats}");
}

#[test]
fn webhooks_are_refused_plain_http_to_another_machine_and_removed_ones_get_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = demo(tmp.path());
    let o = claimtrack(&dir).args(["webhook", "add", "http://192.0.2.10/hook"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unencrypted") && err.contains("--insecure-http"), "{err}");
    let o = claimtrack(&dir).args(["webhook", "add", "https://pm.example.org/hook", "--events", "claims"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("status, alert, file"));

    // Added for what comes next only (no --since): nothing of the past is owed.
    let (_, id) = add(&dir, 9, &[]);
    let listed = json(&dir, &["webhook", "list", "--json"], "webhook list");
    assert_eq!(listed[0]["pending"], 0, "{listed}");
    let secret_shown = listed.to_string().contains("whsec_");
    assert!(!secret_shown, "a listing never shows the secret: {listed}");
    let removed = json(&dir, &["webhook", "remove", &id.to_string(), "--json"], "webhook remove");
    assert!(removed["removed_at"].is_string(), "{removed}");
    assert_eq!(json(&dir, &["webhook", "list", "--json"], "webhook list"), Value::Array(vec![]));
    // A change after removal is owed to no one.
    let fixture = new_file();
    assert!(claimtrack(&dir).args(["ingest", fixture.to_str().unwrap()]).status().unwrap().success());
    let all = json(&dir, &["webhook", "list", "--all", "--json"], "webhook list");
    assert_eq!(all[0]["pending"], 0, "{all}");
    let o = claimtrack(&dir).args(["webhook", "remove", &id.to_string()]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "removing it twice: not found");
}

/// Runs docs/examples/webhook_receiver.py as the receiver; skipped, saying so, without a python3.
#[test]
fn the_python_example_receives_the_log_checking_signatures() {
    if std::process::Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: the Python webhook example needs python3");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = demo(tmp.path());
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (secret, _) = add(&dir, port, &["--since", "0", "--events", "status"]);
    let changes = json(&dir, &["changes", "--since", "0", "--limit", "10000", "--json"], "changes");
    let status: Vec<&Value> = changes.as_array().unwrap().iter().filter(|c| c["kind"] == "batch" || c["kind"] == "claim").collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/webhook_receiver.py");
    let mut python = std::process::Command::new("python3")
        .arg(&script)
        .args([port.to_string(), status.len().to_string()])
        .env("CLAIMTRACK_WEBHOOK_SECRET", &secret)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(python.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.starts_with("listening on"), "{first}");
    let _server = serve_with(&dir, &[], &[("CLAIMTRACK_WEBHOOK_FIRST_RETRY_MS", "20")]);
    // It exits once it has every status change (bounded: killed after a minute).
    let deadline = Instant::now() + Duration::from_secs(60);
    while python.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = python.kill();
            panic!("the Python receiver did not get every change in a minute");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let lines: Vec<&str> = rest.lines().collect();
    assert_eq!(lines.len(), status.len(), "{rest}");
    let c = status[0];
    let what = c.get("claim").or(c.get("batch")).unwrap().as_str().unwrap();
    assert_eq!(lines[0], format!("{} {} {what}: None -> {}", c["cursor"], c["kind"].as_str().unwrap(), c["after"].as_str().unwrap()));
}
