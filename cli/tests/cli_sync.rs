//! `claimtrack init`, `sync`, `watch` and `doctor` as a user runs them, against a real sshd
//! (the harness is shared with the end-to-end tests) and a local mailbox folder.

// Shared with the end-to-end tests; this file uses only part of it.
#[allow(dead_code)]
#[path = "../../tests/src/sshd.rs"]
mod sshd;
mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn claimtrack(home: &Path, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_claimtrack"));
    cmd.args(args)
        .env("CLAIMTRACK_DATA_DIR", home.join("data"))
        .env("CLAIMTRACK_CONFIG", home.join("config/config.toml"))
        .env("NO_COLOR", "1")
        .env_remove("CLAIMTRACK_LOG")
        .env_remove("CLAIMTRACK_SFTP_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("claimtrack runs");
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn scenario(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios/five-claims").join(name)
}

#[test]
fn init_sync_and_doctor_over_sftp_never_show_the_password() {
    let server = sshd::Sshd::start().unwrap_or_else(|e| panic!("cannot run the SFTP tests: {e:#}"));
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let port = server.port.to_string();
    let o = claimtrack(
        h,
        &["init", "--host", "127.0.0.1", "--port", &port, "--username", &server.user, "--password-stdin", "--timeout-seconds", "10"],
        Some(&format!("{}\n", server.password)),
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains(&server.password));
    let config = h.join("config/config.toml");
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(written.contains(&format!("username = \"{}\"", server.user)) && !written.contains(&server.password), "{written}");
    assert!(text(&o).contains("host key is not pinned yet"), "{}", text(&o));
    assert_eq!(mode(&config), 0o600);
    assert_eq!(mode(&h.join("config/secrets.toml")), 0o600);
    assert_eq!(mode(&h.join("config")), 0o700);

    // Not pinned and not on a terminal: refused before the password is sent, exit 3.
    let o = claimtrack(h, &["sync"], None, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("not trusted yet") && text(&o).contains("--trust-host-key"), "{}", text(&o));
    assert_eq!(server.accepted_passwords() + server.failed_passwords(), 0);

    let o = claimtrack(h, &["submit", "--force", scenario("ct-20260105-0930-837P.txt").to_str().unwrap()], None, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let fp = server.fingerprint();
    let o = claimtrack(h, &["sync", "--json", "--trust-host-key", &fp], None, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let report = support::json_data(&String::from_utf8_lossy(&o.stdout), "sync");
    assert_eq!(report["uploaded"].as_array().unwrap().len(), 1, "{report:#}");
    assert!(!text(&o).contains(&server.password));
    assert_eq!(server.accepted_passwords(), 1);

    let o = claimtrack(h, &["doctor"], None, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    for check in ["PASS  config", "PASS  host key", "PASS  login", "PASS  outbound folder"] {
        assert!(out.contains(check), "{check} missing:\n{out}");
    }
    assert!(out.contains("The connection to Office Ally works"), "{out}");
    assert!(out.contains("WARN  newest report"), "no report yet while the batch is AWAITING: {out}");

    // A wrong password from the environment: one attempt, then none, and the alert says why.
    let wrong = [("CLAIMTRACK_SFTP_PASSWORD", "portal-password")];
    let o = claimtrack(h, &["sync"], None, &wrong);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("rejected the SFTP login"), "{}", text(&o));
    let o = claimtrack(h, &["sync", "--json"], None, &wrong);
    assert_eq!(o.status.code(), Some(3));
    let err = support::json_error(&String::from_utf8_lossy(&o.stdout), "sync");
    assert_eq!(err["kind"], "auth_blocked");
    assert_eq!(server.failed_passwords(), 1, "{}", server.log());
    let o = claimtrack(h, &["alerts", "--json"], None, &[]);
    let alerts = support::json_data(&String::from_utf8_lossy(&o.stdout), "alerts");
    assert!(alerts.as_array().unwrap().iter().any(|a| a["kind"] == "credentials_rejected"), "{alerts:#}");
    assert!(!text(&o).contains("portal-password"));
}

#[test]
fn watch_runs_syncs_on_a_local_mailbox() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let mailbox = h.join("mailbox");
    std::fs::create_dir_all(mailbox.join("inbound")).unwrap();
    std::fs::create_dir_all(mailbox.join("outbound")).unwrap();
    let o = claimtrack(h, &["init", "--local-folder", mailbox.to_str().unwrap()], None, &[]);
    assert!(o.status.success(), "{}", text(&o));
    std::fs::copy(scenario("1130000100_ct-20260105-0930-837P_999.999"), mailbox.join("outbound/1130000100_ct-20260105-0930-837P_999.999")).unwrap();
    let o = claimtrack(h, &["watch", "--runs", "1", "--json"], None, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let first = support::json_data(String::from_utf8_lossy(&o.stdout).lines().next().unwrap(), "watch");
    assert_eq!(first["downloaded"].as_array().unwrap().len(), 1, "{first:#}");
    let o = claimtrack(h, &["sync"], None, &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("uploaded 0 · downloaded 0 (0 new events, 1 seen before)"), "{}", text(&o));
}

#[test]
fn sync_without_a_config_says_to_run_init() {
    let home = tempfile::tempdir().unwrap();
    let o = claimtrack(home.path(), &["sync"], None, &[]);
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o).contains("claimtrack init"), "{}", text(&o));
    let o = claimtrack(home.path(), &["doctor", "--json"], None, &[]);
    assert_eq!(o.status.code(), Some(1));
    let d = support::json_data(&String::from_utf8_lossy(&o.stdout), "doctor");
    assert_eq!(d["checks"][0]["name"], "config");
    assert_eq!(d["checks"][0]["outcome"], "fail");
}

/// Ctrl-C (SIGINT) while `watch` waits for its next sync ends it cleanly and promptly.
#[test]
fn watch_stops_cleanly_on_ctrl_c() {
    use std::io::{BufRead, BufReader};
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let mailbox = h.join("mailbox");
    std::fs::create_dir_all(mailbox.join("inbound")).unwrap();
    std::fs::create_dir_all(mailbox.join("outbound")).unwrap();
    assert!(claimtrack(h, &["init", "--local-folder", mailbox.to_str().unwrap()], None, &[]).status.success());
    /// Kills the child if the test fails before it ends, so nothing is left running.
    struct Reap(std::process::Child);
    impl Drop for Reap {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Reap(
        Command::new(env!("CARGO_BIN_EXE_claimtrack"))
            .args(["watch", "--every", "60"])
            .env("CLAIMTRACK_DATA_DIR", h.join("data"))
            .env("CLAIMTRACK_CONFIG", h.join("config/config.toml"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let child = &mut child.0;
    // The first sync's summary, then the wait begins.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("watch prints a summary").unwrap();
    assert!(first.contains("uploaded 0 · downloaded 0"), "{first}");
    let wait = lines.next().unwrap().unwrap();
    assert!(wait.starts_with("next sync in 1 h"), "{wait}");
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    // Bounded wait for it to exit (it must not sleep out its 60 minutes).
    for _ in 0..200 {
        if let Some(status) = child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(130), "stopped by Ctrl-C");
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    panic!("watch did not stop within 5 s of Ctrl-C");
}
