//! What billing staff read, on the demo's data: tables at 80 and 120 columns, a claim's
//! timeline that keeps to the claim, errors with who and what to do, money, forgiving
//! lookups, files given back, resending a batch, resubmissions, the pretended clock, closed
//! pipes, help with examples and the one JSON envelope.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The demo's last step (its clock), for commands that should see the data as it ended.
const LAST: &str = "2026-03-12T09:20:00Z";

struct Demo {
    dir: PathBuf,
}

impl Demo {
    /// A fresh demo in its own folder (3-5 s).
    fn new(root: &Path) -> Demo {
        Demo { dir: support::demo(root) }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_claimtrack"));
        c.args(args)
            .env("CLAIMTRACK_DATA_DIR", self.dir.join("data"))
            .env("CLAIMTRACK_CONFIG", self.dir.join("config/config.toml"))
            .env("CLAIMTRACK_NOW", LAST)
            .env("TZ", "America/Chicago")
            .env("NO_COLOR", "1")
            .env_remove("CLAIMTRACK_WIDTH")
            .env_remove("CLAIMTRACK_DEMO");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("claimtrack runs")
    }

    /// Terminal layout at `width` columns.
    fn at_width(&self, width: usize, args: &[&str]) -> String {
        let o = self.cmd(args).env("CLAIMTRACK_WIDTH", width.to_string()).output().expect("claimtrack runs");
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        text(&o.stdout)
    }

    fn json(&self, args: &[&str], command: &str) -> serde_json::Value {
        let o = self.run(args);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        support::json_data(&text(&o.stdout), command)
    }
}

/// One demo shared by the tests that only read it.
fn shared() -> &'static Demo {
    static DEMO: OnceLock<(tempfile::TempDir, Demo)> = OnceLock::new();
    let (_, d) = DEMO.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let d = Demo::new(tmp.path());
        (tmp, d)
    });
    d
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn tokens(s: &str) -> BTreeSet<String> {
    s.split_whitespace().map(str::to_string).collect()
}

const VIEWS: [&[&str]; 7] = [
    &["batches", "--all"],
    &["batch", "2"],
    &["claim", "MSB00002"],
    &["claim", "MSB00006"],
    &["errors"],
    &["alerts"],
    &["files"],
];

#[test]
fn tables_fit_80_and_120_columns_without_splitting_words() {
    let d = shared();
    for args in VIEWS {
        // Wide enough that nothing wraps: every word whole, for comparison.
        let whole = tokens(&d.at_width(400, args));
        for width in [80, 120] {
            let out = d.at_width(width, args);
            for line in out.lines() {
                assert!(line.chars().count() <= width, "{args:?} at {width}: {line:?} is {} wide", line.chars().count());
            }
            for t in tokens(&out) {
                assert!(whole.contains(&t), "{args:?} at {width}: {t:?} is a piece of a split word:\n{out}");
            }
        }
    }
}

/// The 80- and 120-column renderings of the demo's main views, reviewed by hand once
/// (`UPDATE_GOLDEN=1` writes them again; read the diff).
#[test]
fn the_demo_views_match_their_reviewed_renderings() {
    let d = shared();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/views");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatched = Vec::new();
    for width in [80, 120] {
        for args in VIEWS {
            let out = d.at_width(width, args);
            let path = dir.join(format!("{}-{width}.txt", args.join("-").replace("--", "")));
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &out).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
            if expected != out {
                mismatched.push(format!("{}:\n{out}", path.display()));
            }
        }
    }
    assert!(mismatched.is_empty(), "renderings changed (UPDATE_GOLDEN=1 to accept after reading the diff):\n{}", mismatched.join("\n"));
}

#[test]
fn piped_output_is_one_record_per_line() {
    let d = shared();
    let o = d.run(&["batches", "--all"]);
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1 + 4, "a header and one line per batch:\n{out}");
    assert!(lines.iter().skip(1).all(|l| l.contains("_837P.txt")), "each record carries its file name:\n{out}");
    assert!(!out.contains('\x1b'), "no colour in a pipe");
}

#[test]
fn a_claims_timeline_keeps_to_the_claim() {
    let d = shared();
    // MSB00006 was accepted by Office Ally; the File Summary's totals name other claims'
    // rejections (FE69, SIMNPI), which must not reach it, as text or JSON.
    let claim = &d.json(&["claim", "MSB00006", "--json"], "claim")[0];
    let timeline = claim["timeline"].as_array().unwrap();
    let codes: Vec<&str> =
        timeline.iter().flat_map(|e| e["event"]["reasons"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap())).collect();
    assert!(!codes.contains(&"FE69") && !codes.contains(&"SIMNPI"), "{codes:?}");
    let file_level: Vec<&serde_json::Value> = timeline.iter().filter(|e| e["about"] == "file").collect();
    assert!(file_level.iter().any(|e| e["event"]["raw_code"] == "FS 4 accepted, 2 rejected"), "the File Summary's file line is labelled as such");
    assert!(claim["claim"]["reasons"].as_array().unwrap().iter().all(|r| r["code"] == "29"), "its own reason only: {}", claim["claim"]["reasons"]);
    let out = d.at_width(120, &["claim", "MSB00006"]);
    assert!(out.contains("Office Ally accepted the whole file, with errors"), "{out}");
    assert!(out.contains("Office Ally accepted this claim"), "{out}");
    assert!(!out.contains("FE69"), "{out}");

    // MSB00002 was rejected by Office Ally: the payer's acknowledgement of the file is about
    // the file, not a payer acceptance of this claim.
    let out = d.at_width(120, &["claim", "MSB00002"]);
    assert!(out.contains("Status      OA REJECTED by Office Ally"), "{out}");
    assert!(out.contains("MERIDIAN VALLEY HEALTH accepted the whole file"), "{out}");
    assert!(!out.contains("accepted this claim"), "{out}");
    assert!(out.contains("not paid: rejected before adjudication"), "never an empty paid: {out}");
}

#[test]
fn errors_say_who_what_and_what_to_do() {
    let d = shared();
    let out = d.at_width(120, &["errors"]);
    let rejections = out.find("Rejections").expect("a rejections section");
    let denials = out.find("Denials").expect("a denials section");
    assert!(rejections < denials, "{out}");
    assert!(out.contains("FE69") && out.contains("Office Ally") && out.contains("Patient Street Address Required"), "{out}");
    assert!(out.contains("What to do: Add the patient's street address"), "{out}");
    assert!(out.contains("CO-29") && out.contains("PINECREST HEALTH PLAN"), "{out}");
    assert!(out.contains("Claims: MSB00002 (OA 3099630002)"), "{out}");
    let groups = d.json(&["errors", "--json"], "errors");
    for g in groups.as_array().unwrap() {
        assert!(g["code"].as_str().is_some_and(|c| !c.contains(':') && !c.contains(" - ")), "code and description apart: {g}");
        assert!(["rejection", "denial"].contains(&g["kind"].as_str().unwrap()), "{g}");
    }
    // A batch that does not exist fails, like `batch` does.
    let o = d.run(&["errors", "99"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("there is no batch \"99\""), "{}", text(&o.stderr));
    let o = d.run(&["errors", "99", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(support::json_error(&text(&o.stdout), "errors")["kind"], "not_found");
}

#[test]
fn batches_show_money_and_where_their_claims_stand() {
    let d = shared();
    let out = d.at_width(120, &["batch", "2"]);
    assert!(out.contains("Claims      6: 2 rejected by Office Ally, 3 paid, 1 denied — all finished"), "{out}");
    assert!(out.contains("Money       charged 470.00 · paid 215.00 · patient owes 0.00"), "{out}");
    let total = out.lines().find(|l| l.starts_with("Total")).expect("a totals row");
    assert!(total.contains("470.00") && total.contains("215.00"), "{total}");
    let v = d.json(&["batch", "2", "--json"], "batch");
    assert_eq!(v["totals"]["charged_cents"], 47000);
    assert_eq!(v["totals"]["paid_cents"], 21500);
}

#[test]
fn lookups_forgive_case_spaces_and_names() {
    let d = shared();
    for key in [" msb00002 ", "MSB00002", "3099630002"] {
        let v = d.json(&["claim", key, "--json"], "claim");
        assert_eq!(v[0]["claim"]["patient_control_number"], "MSB00002", "{key:?}");
    }
    for key in ["2", "1512405001", "1512405003", "walk-ins.837", "MAPLE-STREET-FAMILY-CHIR_20260302-090000-2_837P.txt"] {
        let v = d.json(&["batch", key, "--json"], "batch");
        assert_eq!(v["batch"]["id"], 2, "{key:?}");
    }
    let o = d.run(&["claim", "MSB0002"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("Did you mean MSB00002?"), "{}", text(&o.stderr));
    let o = d.run(&["batch", "MSB00002"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("is a claim: `claimtrack claim MSB00002`"), "{}", text(&o.stderr));
    let o = d.run(&["claim", "NOPE-42", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let e = support::json_error(&text(&o.stdout), "claim");
    assert_eq!(e["kind"], "not_found");
    assert!(e["hint"].as_str().is_some());
}

#[test]
fn export_csv_is_in_dollars_with_reasons_described() {
    let d = shared();
    let o = d.run(&["export", "--format", "csv"]);
    assert!(o.status.success());
    let out = text(&o.stdout);
    let mut lines = out.lines();
    let header = lines.next().unwrap();
    for col in ["batch_file", "patient", "payer", "charged", "paid", "patient_responsibility", "service_from", "reasons"] {
        assert!(header.split(',').any(|c| c == col), "{col} missing from {header}");
    }
    let denied = lines.find(|l| l.contains("MSB00006")).unwrap();
    assert!(denied.contains(",30.00,0.00,"), "dollars: {denied}");
    assert!(denied.contains("CO-29 Time limit for filing has expired"), "{denied}");
    assert!(denied.contains("MAPLE-STREET-FAMILY-CHIR_20260302-090000-2_837P.txt"), "{denied}");
    let v = d.json(&["export", "--json"], "export");
    assert!(v["claims"].as_array().unwrap().iter().any(|c| c["charged_cents"] == 3000), "cents stay in JSON");
}

#[test]
fn a_stored_file_comes_back_byte_for_byte() {
    let d = shared();
    let files = d.json(&["files", "--json"], "files");
    let era = files.as_array().unwrap().iter().find(|f| f["format"] == "x12-835").expect("an 835 in the archive");
    let (id, sha) = (era["id"].to_string(), era["sha256"].as_str().unwrap().to_string());
    let out = tempfile::tempdir().unwrap();
    let o = d.run(&["files", "get", &id, "--out", out.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let written = out.path().join(era["name"].as_str().unwrap());
    let bytes = std::fs::read(&written).unwrap();
    assert_eq!(claimtrack::ingest::sha256_hex(&bytes), sha);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&written).unwrap().permissions().mode() & 0o777, 0o600, "patient data: owner only");
    }
    let o = d.run(&["files", "get", &sha[..10], "--out", out.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "an existing file is not replaced");
    assert!(text(&o.stderr).contains("--force"), "{}", text(&o.stderr));
    let o = d.run(&["files", "get", &sha[..10], "--out", "-"]);
    assert!(o.status.success());
    assert_eq!(o.stdout, bytes);
    let o = d.run(&["files", "get", "999999"]);
    assert_eq!(o.status.code(), Some(1));
    // The hint for files that need attention names this command.
    let o = d.run(&["files", "--attention"]);
    assert!(o.status.success());
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let d = shared();
    for args in [&["batches", "--all"][..], &["claim", "MSB00002"], &["completions", "bash"], &["man"], &["export", "--format", "csv"]] {
        let mut child = d.cmd(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        // Close the reading end before the program writes: every write fails with EPIPE.
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{args:?}: {err}");
    }
}

#[test]
fn every_command_has_examples_and_listings_speak_json() {
    let d = shared();
    let o = d.run(&["--help"]);
    let help = text(&o.stdout);
    let commands: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A command's line, not a wrapped description under it.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 24 && commands.iter().any(|c| c == "resend"), "{commands:?}");
    for c in &commands {
        let o = d.run(&[c, "--help"]);
        assert!(text(&o.stdout).contains("Examples:"), "`claimtrack {c} --help` has no examples");
    }
    for (args, command) in [
        (&["batches", "--json"][..], "batches"),
        (&["outbox", "--json"], "outbox"),
        (&["files", "--json"], "files"),
        (&["alerts", "--json"], "alerts"),
        (&["errors", "--json"], "errors"),
        (&["plugins", "--json"], "plugins"),
        (&["plugin", "list", "--json"], "plugins"),
        (&["export", "--json"], "export"),
    ] {
        d.json(args, command);
    }
}

#[test]
fn a_pretended_clock_warns_and_never_reaches_office_ally() {
    let d = shared();
    let o = d.run(&["batches"]);
    assert!(text(&o.stderr).contains("warning: pretending it is 2026-03-12T09:20:00Z"), "{}", text(&o.stderr));
    // A config that points at a real server: sync, watch, submit and resend refuse.
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config.toml");
    let init = Command::new(env!("CARGO_BIN_EXE_claimtrack"))
        .args(["init", "--host", "127.0.0.1", "--port", "1", "--username", "someone", "--host-key"])
        .arg("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU")
        .env("CLAIMTRACK_CONFIG", &config)
        .env_remove("CLAIMTRACK_NOW")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", text(&init.stderr));
    let walk_ins = d.dir.join("practice/walk-ins.837");
    for args in [&["sync"][..], &["watch", "--runs", "1"], &["submit", walk_ins.to_str().unwrap()], &["resend", "4"]] {
        let o = d.cmd(args).env("CLAIMTRACK_CONFIG", &config).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains("refusing to") && text(&o.stderr).contains("Unset CLAIMTRACK_NOW"), "{}", text(&o.stderr));
    }
}

#[test]
fn a_batch_office_ally_never_answered_is_resent_once_the_connection_works() {
    let tmp = tempfile::tempdir().unwrap();
    let d = Demo::new(tmp.path());
    let inbound = d.dir.join("mailbox/inbound");
    let held = std::fs::read_dir(&inbound).unwrap().count();
    assert_eq!(held, 1, "the simulator held batch 4 in inbound");

    let o = d.run(&["resend", "1"]);
    assert_eq!(o.status.code(), Some(1), "batch 1 was answered: never sent twice");
    assert!(text(&o.stderr).contains("not AWAITING"), "{}", text(&o.stderr));

    let o = d.run(&["resend", "4"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("back in the outbox (QUEUED)"), "{}", text(&o.stdout));
    assert_eq!(d.json(&["batch", "4", "--json"], "batch")["batch"]["status"], "QUEUED");
    let outbox = d.json(&["outbox", "--json"], "outbox");
    let staged = outbox[0]["staged_name"].as_str().unwrap().to_string();
    let staged_bytes = std::fs::read(d.dir.join("data/outbox").join(&staged)).unwrap();
    assert_eq!(staged_bytes, std::fs::read(d.dir.join("practice/friday-visits.837")).unwrap(), "the archived bytes, as checked");

    // The first upload still sits in inbound: Office Ally never took it, so it is not sent
    // again, and the batch is AWAITING again.
    let o = d.run(&["sync"]);
    assert!(text(&o.stderr).contains("still in Office Ally's inbound folder"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_dir(&inbound).unwrap().count(), 1, "one copy in inbound");
    assert_eq!(d.json(&["batch", "4", "--json"], "batch")["batch"]["status"], "AWAITING");

    // Gone from inbound (Office Ally lost it): resent, it is uploaded again under its name.
    std::fs::remove_file(inbound.join(&staged)).unwrap();
    assert!(d.run(&["resend", "4"]).status.success());
    let o = d.run(&["sync"]);
    assert!(text(&o.stdout).contains(&format!("uploaded {staged} (batch 4): now AWAITING")), "{}", text(&o.stdout));
    assert_eq!(std::fs::read(inbound.join(&staged)).unwrap(), staged_bytes);
}

#[test]
fn a_refile_leaves_the_open_errors_and_a_finished_claim_needs_force() {
    let tmp = tempfile::tempdir().unwrap();
    let d = Demo::new(tmp.path());
    // The same claims again in a new file (another interchange number).
    let original = std::fs::read_to_string(d.dir.join("practice/walk-ins.837")).unwrap();
    let isa13 = original.split('*').nth(13).unwrap().to_string();
    let refile = d.dir.join("practice/walk-ins-refile.837");
    std::fs::write(&refile, original.replacen(&isa13, "000009999", 1).replace(&format!("IEA*1*{isa13}"), "IEA*1*000009999")).unwrap();
    let o = d.run(&["submit", refile.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    for pcn in ["MSB00001", "MSB00003", "MSB00004", "MSB00006"] {
        assert!(err.contains(&format!("claim {pcn} is already")), "{pcn} not named:\n{err}");
    }
    assert!(err.contains("resubmit-finished") && err.contains("duplicate"), "{err}");
    assert!(!err.contains("claim MSB00002 is already"), "a rejected claim is meant to be refiled: {err}");
    assert_eq!(d.json(&["batches", "--all", "--json"], "batches").as_array().unwrap().len(), 4, "nothing stored");

    let o = d.run(&["submit", "--force", refile.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let open = d.json(&["errors", "--json"], "errors");
    let pcns = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().unwrap().iter().flat_map(|g| g["claims"].as_array().unwrap().iter().map(|c| c["patient_control_number"].as_str().unwrap().to_string())).collect()
    };
    assert!(!pcns(&open).iter().any(|p| p.starts_with("MSB")), "refiled claims leave the open list: {open:#}");
    let all = d.json(&["errors", "--all", "--json"], "errors");
    let history = pcns(&all);
    assert!(history.contains(&"MSB00002".to_string()), "--all keeps the history");
    let refiled = all.as_array().unwrap().iter().flat_map(|g| g["claims"].as_array().unwrap()).find(|c| c["patient_control_number"] == "MSB00002").unwrap();
    assert_eq!(refiled["refiled_in"], 5);
}

#[test]
fn running_init_again_keeps_the_stored_password() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("cfg/config.toml");
    let init = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_claimtrack"))
            .arg("init")
            .args(args)
            .env("CLAIMTRACK_CONFIG", &config)
            .env_remove("CLAIMTRACK_SFTP_PASSWORD")
            .env_remove("CLAIMTRACK_NOW")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let key = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
    let o = init(&["--host", "127.0.0.1", "--username", "acme", "--password-stdin", "--host-key", key], "s3cret\n");
    assert!(text(&o.stdout).contains("stored the password"), "{}", text(&o.stdout));
    let o = init(&["--test-mode", "true", "--host-key", key], "");
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("kept the password stored in"), "{}", text(&o.stdout));
    assert!(!text(&o.stdout).contains("no password stored"), "{}", text(&o.stdout));
    assert!(!text(&o.stdout).contains("s3cret") && !text(&o.stderr).contains("s3cret"));
}
