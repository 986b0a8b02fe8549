//! `claimtrack demo` runs the main job end to end on a fresh folder, and the generated
//! shell completions and man page cover the commands.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_claimtrack"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("CLAIMTRACK_DATA_DIR")
        .env_remove("CLAIMTRACK_CONFIG")
        .env_remove("CLAIMTRACK_NOW")
        .output()
        .expect("claimtrack runs");
    (o.status.code().unwrap_or(-1), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
}

#[test]
fn the_demo_follows_batches_from_submission_to_payment() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let (code, out) = run(&["demo", "--dir", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    // The order of the story: uploaded, Office Ally answers, payers answer, a stuck batch,
    // ERAs, errors, archive.
    let milestones = [
        "uploaded 4 · downloaded 0",
        "AWAITING",
        "OA ACCEPTED with rejections",
        "PAYER ACCEPTED",
        "no answer from Office Ally for",
        "ERA packages with 835 remittances",
        "FE69",
        "PAID",
        "DENIED",
        "ARCHIVED",
        "To explore it:",
    ];
    let mut from = 0;
    for m in milestones {
        let at = out[from..].find(m).unwrap_or_else(|| panic!("{m:?} missing (or out of order) after byte {from}:\n{out}"));
        from += at;
    }
    // The batch Office Ally never picked up is still AWAITING at the end, with its alert.
    let last_table = &out[out.rfind("$ claimtrack batches --all").unwrap()..];
    assert_eq!(last_table.matches("AWAITING").count(), 1, "{last_table}");
    assert_eq!(last_table.matches("ARCHIVED").count(), 3, "{last_table}");
    // The claim checks name walk-ins' two problems before anything is queued (stderr).
    for needle in ["oa-rule-npi-check-digit: claim MSB00005", "claim MSB00002", "nothing was stored"] {
        assert!(out.contains(needle), "{needle:?} missing:\n{out}");
    }
    // The demo's data is current: nothing to pretend when exploring it.
    let explore = &out[out.rfind("To explore it:").unwrap()..];
    assert!(!explore.contains("CLAIMTRACK_NOW"), "{explore}");
    assert!(!out.contains("warning: pretending"), "the demo says once that its clock moves");
    // A second demo in the same folder refuses to touch it.
    let (code, out) = run(&["demo", "--dir", dir.to_str().unwrap()]);
    assert_eq!(code, 3);
    assert!(out.contains("not empty"), "{out}");
}

#[test]
fn completions_and_man_page_cover_the_commands() {
    let (code, bash) = run(&["completions", "bash"]);
    assert_eq!(code, 0);
    for c in ["sync", "doctor", "batches", "--data-dir"] {
        assert!(bash.contains(c), "{c} missing from the bash completions");
    }
    let (code, man) = run(&["man"]);
    assert_eq!(code, 0);
    assert!(man.starts_with(".ie") || man.contains(".TH claimtrack"), "{}", &man[..200.min(man.len())]);
    assert!(man.contains("sync") && man.contains("Office Ally"));
    let tmp = tempfile::tempdir().unwrap();
    let (code, _) = run(&["man", "--out", tmp.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(tmp.path().join("claimtrack-sync.1").is_file());
}
