//! Security hardening (issue 19), as a user runs claimtrack on a local mailbox folder: only
//! the checked bytes are uploaded, downloads are bounded and owner-only and never follow a
//! link, a report no plugin reads makes `sync` say so in its exit code, and files and
//! folders other accounts could change are not trusted.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn claimtrack(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_claimtrack"))
        .args(args)
        .env("CLAIMTRACK_DATA_DIR", home.join("data"))
        .env("CLAIMTRACK_CONFIG", home.join("config/config.toml"))
        .env("NO_COLOR", "1")
        .env_remove("CLAIMTRACK_NOW")
        .env_remove("CLAIMTRACK_SFTP_PASSWORD")
        .stdin(Stdio::null())
        .output()
        .expect("claimtrack runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios/five-claims").join(name)
}

/// A home with a config pointing at a local mailbox folder.
fn home() -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let mailbox = home.path().join("mailbox");
    std::fs::create_dir_all(mailbox.join("inbound")).unwrap();
    std::fs::create_dir_all(mailbox.join("outbound")).unwrap();
    let o = claimtrack(home.path(), &["init", "--local-folder", mailbox.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    (home, mailbox)
}

#[test]
fn an_outbox_file_changed_after_submit_is_not_uploaded() {
    let (home, mailbox) = home();
    let h = home.path();
    let o = claimtrack(h, &["submit", "--force", "--json", scenario("ct-20260105-0930-837P.txt").to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let sub = support::json_data(&text(&o.stdout), "submit");
    let staged = sub["outbox_path"].as_str().unwrap().to_string();
    std::fs::write(&staged, b"ISA*00*...someone else's claims").unwrap();

    let o = claimtrack(h, &["sync"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("the outbox file is not the 837 `submit` checked"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_dir(mailbox.join("inbound")).unwrap().count(), 0, "nothing uploaded");
    let batches = support::json_data(&text(&claimtrack(h, &["batches", "--json"]).stdout), "batches");
    assert_eq!(batches[0]["status"], "QUEUED");

    // Put back (deleted, then the checked 837 submitted again), it goes out, byte for byte.
    std::fs::remove_file(&staged).unwrap();
    assert!(claimtrack(h, &["submit", scenario("ct-20260105-0930-837P.txt").to_str().unwrap()]).status.success());
    let o = claimtrack(h, &["sync"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let name = Path::new(&staged).file_name().unwrap();
    assert_eq!(std::fs::read(mailbox.join("inbound").join(name)).unwrap(), std::fs::read(scenario("ct-20260105-0930-837P.txt")).unwrap());
}

#[test]
fn downloads_are_bounded_owner_only_and_never_through_a_link() {
    let (home, mailbox) = home();
    let h = home.path();
    // Too large: not downloaded, said, and the sync's exit code says so.
    std::fs::write(mailbox.join("outbound/huge_ERA_STATUS_5010_20260110.txt"), vec![b'x'; (2 << 20) + 1]).unwrap();
    let o = claimtrack(h, &["--max-file-mb", "2", "sync"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("more than the 2 MiB a file may have; not downloaded"), "{}", text(&o.stderr));
    let files = support::json_data(&text(&claimtrack(h, &["files", "--json"]).stdout), "files");
    assert_eq!(files, serde_json::json!([]), "nothing archived");
    std::fs::remove_file(mailbox.join("outbound/huge_ERA_STATUS_5010_20260110.txt")).unwrap();

    // A link left where a download is staged is replaced, never written through.
    let incoming = h.join("data/incoming");
    std::fs::create_dir_all(&incoming).unwrap();
    let victim = h.join("victim.txt");
    std::fs::write(&victim, b"keep me").unwrap();
    let name = "1130000100_ct-20260105-0930-837P_999.999";
    std::os::unix::fs::symlink(&victim, incoming.join(format!(".{name}.part"))).unwrap();
    std::fs::copy(scenario(name), mailbox.join("outbound").join(name)).unwrap();
    let o = claimtrack(h, &["sync"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&h.join("data/sync.lock")), 0o600);
    }
}

#[test]
fn a_downloaded_report_no_plugin_reads_makes_sync_exit_1() {
    let (home, mailbox) = home();
    std::fs::write(mailbox.join("outbound/notes_from_office_ally.txt"), b"nothing any plugin reads").unwrap();
    let o = claimtrack(home.path(), &["sync"]);
    assert_eq!(o.status.code(), Some(1), "as `ingest` does for the same file: {}", text(&o.stdout));
    assert!(text(&o.stdout).contains("needs attention"), "{}", text(&o.stdout));
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Whoever can change the config chooses the server that gets the password: a config,
/// config folder or secrets file others can change (or read, for secrets) is not used,
/// and the message says how to fix it. A link in place of a file is not followed.
#[test]
fn config_files_others_can_change_are_not_used() {
    let (home, _mailbox) = home();
    let h = home.path();
    let config = h.join("config/config.toml");
    let refused = |what: &str, needle: &str| {
        let o = claimtrack(h, &["sync"]);
        assert_eq!(o.status.code(), Some(3), "{what}: {}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(err.contains(needle), "{what}: {err}");
    };
    assert!(claimtrack(h, &["sync"]).status.success(), "the fresh setup is fine");

    chmod(&config, 0o666);
    refused("config writable by others", &format!("run `chmod go-w {}`", config.display()));
    chmod(&config, 0o644);
    assert!(claimtrack(h, &["sync"]).status.success(), "readable by others is fine for the config");

    chmod(&h.join("config"), 0o777);
    refused("config folder writable by others", &format!("{}: it can be changed by other accounts (mode 777)", h.join("config").display()));
    chmod(&h.join("config"), 0o700);

    let elsewhere = h.join("elsewhere.toml");
    std::fs::rename(&config, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &config).unwrap();
    refused("config through a link", "is a symbolic link");
    std::fs::remove_file(&config).unwrap();
    std::fs::rename(&elsewhere, &config).unwrap();

    if claimtrack::ownership::running_uid() == 0 {
        std::os::unix::fs::chown(&config, Some(65534), None).unwrap();
        refused("config owned by another account", "belongs to another account (uid 65534");
    }
}

#[test]
fn a_data_folder_others_can_write_is_warned_about() {
    let (home, _mailbox) = home();
    let h = home.path();
    assert!(claimtrack(h, &["sync"]).status.success());
    chmod(&h.join("data"), 0o777);
    let o = claimtrack(h, &["sync"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("the data folder") && err.contains("chmod go-w"), "{err}");
    assert!(err.contains("not using the compiled-plugin cache"), "said once: {err}");
    assert_eq!(err.matches("not using the compiled-plugin cache").count(), 1, "{err}");
}
