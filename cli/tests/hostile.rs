//! Hostile folders and names, as an attacker or a careless user would give them: loops of
//! links, named pipes, control characters in names, oversized files, exit codes and streams
//! a script relies on. Every child process is waited for with a bound: a regression that
//! blocks or loops fails the test instead of hanging it.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn claimtrack(data: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_claimtrack"))
        .args(args)
        .env("CLAIMTRACK_DATA_DIR", data)
        .env("NO_COLOR", "1")
        .env_remove("CLAIMTRACK_NOW")
        .env_remove("CLAIMTRACK_WIDTH")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("claimtrack runs");
    // Bounded: 600 × 50 ms. Not a timing assertion: a loop or a blocked open never ends.
    for _ in 0..600 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let o = child.wait_with_output().unwrap();
    panic!("claimtrack {args:?} did not finish: it loops or blocks\nstderr: {}", text(&o.stderr));
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures").join(rel)).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn a_folder_that_links_to_itself_is_read_once() {
    let tmp = tempfile::tempdir().unwrap();
    let inbox = tmp.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    write(&inbox, "a.999", &fixture("x12-ack/999-accepted.x12"));
    std::os::unix::fs::symlink(".", inbox.join("s1")).unwrap();
    std::os::unix::fs::symlink(".", inbox.join("s2")).unwrap();
    let outside = tmp.path().join("elsewhere");
    std::fs::create_dir(&outside).unwrap();
    write(&outside, "b.999", &fixture("x12-ack/999-accepted.x12"));
    std::os::unix::fs::symlink(&outside, inbox.join("out")).unwrap();

    let data = tmp.path().join("data");
    let o = claimtrack(&data, &["ingest", "--json", inbox.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let files = support::json_data(&text(&o.stdout), "ingest");
    assert_eq!(files.as_array().unwrap().len(), 1, "one file, read once: {files:#}");
    let err = text(&o.stderr);
    assert!(err.contains("s1: a link to a folder already read") && err.contains("s2: a link to a folder already read"), "{err}");
    assert!(err.contains("out: a link out of") && err.contains("--follow-links"), "{err}");

    // Asked to: the link out of the folder is followed.
    let o = claimtrack(&data, &["ingest", "--json", "--follow-links", inbox.to_str().unwrap()]);
    let files = support::json_data(&text(&o.stdout), "ingest");
    assert_eq!(files.as_array().unwrap().len(), 2, "{files:#}");
}

#[test]
fn named_pipes_are_skipped_never_waited_on() {
    let tmp = tempfile::tempdir().unwrap();
    let inbox = tmp.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let fifo = inbox.join("response.999");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    write(&inbox, "ok.999", &fixture("x12-ack/999-accepted.x12"));
    let data = tmp.path().join("data");

    let o = claimtrack(&data, &["ingest", inbox.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("response.999: not a regular file (a named pipe)"), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("1 ingested"), "{}", text(&o.stdout));

    for cmd in [&["ingest"][..], &["parse"]] {
        let mut args = cmd.to_vec();
        args.push(fifo.to_str().unwrap());
        let o = claimtrack(&data, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(text(&o.stderr).contains("it is a named pipe, not a file"), "{args:?}: {}", text(&o.stderr));
    }
}

#[test]
fn control_characters_in_names_never_reach_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let inbox = tmp.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let evil = "evil\x1b[2J\nline.999";
    write(&inbox, evil, &fixture("x12-ack/999-accepted.x12"));
    write(&inbox, "junk\x07.txt", b"no plugin reads this");
    let data = tmp.path().join("data");
    let o = claimtrack(&data, &["ingest", inbox.to_str().unwrap()]);
    let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
    for (name, args) in [("ingest", vec!["ingest", inbox.to_str().unwrap()]), ("files", vec!["files"])] {
        let o = if name == "ingest" { o.clone() } else { claimtrack(&data, &args) };
        let out = format!("{}{}", text(&o.stdout), text(&o.stderr));
        assert!(!out.contains('\x1b') && !out.contains('\x07'), "{name}: a raw control character:\n{out:?}");
        assert!(out.contains("evil\\u{1b}[2J\\nline.999"), "{name}: shown escaped:\n{out}");
    }
    assert!(all.contains("junk\\u{7}.txt"), "{all}");
    // JSON keeps the name exactly.
    let o = claimtrack(&data, &["files", "--json"]);
    let files = support::json_data(&text(&o.stdout), "files");
    assert!(files.as_array().unwrap().iter().any(|f| f["name"] == evil), "{files:#}");
    // And parse names it escaped too.
    let o = claimtrack(&data, &["parse", inbox.join(evil).to_str().unwrap()]);
    assert!(!text(&o.stdout).contains('\x1b') && text(&o.stdout).contains("\\u{1b}"), "{}", text(&o.stdout));
}

#[test]
fn exit_codes_and_streams_a_script_can_rely_on() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // Read-only commands on a data folder that does not exist: said, not created.
    for args in [&["batches"][..], &["claim", "X"], &["errors"], &["files"], &["alerts"], &["outbox"], &["export"]] {
        let o = claimtrack(&data, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(text(&o.stderr).contains("there is no claimtrack data in") && text(&o.stderr).contains("claimtrack demo"), "{args:?}: {}", text(&o.stderr));
        assert!(!data.exists(), "{args:?} created the data folder");
    }
    let o = claimtrack(&data, &["batches", "--json"]);
    assert_eq!(support::json_error(&text(&o.stdout), "batches")["kind"], "no_data");

    // A file that needs attention exits 1, the first time and every time after.
    let junk = write(tmp.path(), "junk.txt", b"nothing any plugin reads");
    for round in 0..2 {
        let o = claimtrack(&data, &["ingest", junk.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "round {round}");
        assert!(text(&o.stderr).contains("needs attention"), "round {round}: the problem on stderr: {}", text(&o.stderr));
        assert!(!text(&o.stdout).contains("needs attention:"), "round {round}: not on stdout: {}", text(&o.stdout));
    }

    // A plugin asked for by a name none has: a bad command line.
    let o = claimtrack(&data, &["parse", "--plugin", "nosuch", junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("there is no plugin named \"nosuch\""), "{}", text(&o.stderr));

    // An error is said once, not once per layer that passed it on.
    let not_a_folder = write(tmp.path(), "not-a-folder", b"x");
    let o = claimtrack(&not_a_folder, &["ingest", junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    let err = text(&o.stderr);
    assert_eq!(err.matches("os error").count(), 1, "{err}");
}

#[test]
fn files_over_the_size_limit_are_refused_before_archiving() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let big = write(tmp.path(), "big.835", &vec![b'A'; (2 << 20) + 1]);
    let o = claimtrack(&data, &["--max-file-mb", "2", "ingest", big.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("more than the 2 MiB a file may have") && err.contains("--max-file-mb"), "{err}");
    let o = claimtrack(&data, &["files", "--json"]);
    assert_eq!(support::json_data(&text(&o.stdout), "files"), serde_json::json!([]), "nothing archived");
    // Raised, it is read (and archived: no plugin reads 2 MiB of A's).
    let o = claimtrack(&data, &["--max-file-mb", "3", "ingest", big.to_str().unwrap()]);
    assert!(text(&o.stderr).contains("needs attention"), "{}", text(&o.stderr));
}
