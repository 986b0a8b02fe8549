//! ERA packages through `claimtrack parse`: a normal zip yields its members' statuses; a
//! zip bomb, a zip with paths that leave the archive and a zip with 10,000 entries are
//! refused with a clear error, and the other files of the same run are still parsed.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use zip::write::SimpleFileOptions;

fn claimtrack(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_claimtrack"))
        .args(args)
        .env("CLAIMTRACK_DATA_DIR", data)
        .env("NO_COLOR", "1")
        .output()
        .expect("claimtrack runs")
}

/// The `data` of a `parse --json` or `ingest --json` output.
fn json(o: &Output) -> serde_json::Value {
    support::json_command_data(&String::from_utf8_lossy(&o.stdout)).1
}

fn zip_file(dir: &Path, name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (n, data) in files {
        w.start_file(*n, opts).unwrap();
        w.write_all(data).unwrap();
    }
    let path = dir.join(name);
    std::fs::write(&path, w.finish().unwrap().into_inner()).unwrap();
    path
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures").join(rel)).unwrap()
}

#[test]
fn an_era_zip_yields_the_835_events_of_its_members() {
    let tmp = tempfile::tempdir().unwrap();
    let era = fixture("x12-835/835-paid-claims-ach.x12");
    let z = zip_file(tmp.path(), "1640601333_ERA_STATUS_5010_20260910.zip", &[("1640601333_ERA_835_5010_20260910.835", &era)]);
    let o = claimtrack(&tmp.path().join("data"), &["parse", "--json", z.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(v["file"], format!("{}!1640601333_ERA_835_5010_20260910.835", z.display()));
    assert_eq!(v["package"], z.to_str().unwrap());
    assert_eq!(v["format"], "x12-835");
    let paid: i64 = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["level"] == "claim")
        .map(|e| e["amounts"]["paid"].as_i64().unwrap())
        .sum();
    assert_eq!(paid, 32250, "the three claims' payments, from the 835");
}

#[test]
fn the_era_text_summary_is_shown_but_never_carries_money() {
    let tmp = tempfile::tempdir().unwrap();
    let era = fixture("x12-835/835-paid-claims-ach.x12");
    let summary = fixture("oa-edi-status/era-summary-1088623388_ERA_STATUS_5010_20230530.txt");
    let z = zip_file(
        tmp.path(),
        "1088623388_ERA_STATUS_5010_20230530.zip",
        &[("1088623388_ERA_STATUS_5010_20230530.txt", &summary), ("1088623388_ERA_835_5010_20230530.835", &era)],
    );
    let o = claimtrack(&tmp.path().join("data"), &["parse", "--json", z.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let v = json(&o);
    let members = v.as_array().expect("two members print an array");
    assert_eq!(members.len(), 2);
    assert_eq!(members[0]["format"], "oa-era-summary");
    assert_eq!(members[0]["events"].as_array().unwrap().len(), 0, "display only: no statuses, no amounts");
    assert!(members[0]["diagnostics"][0]["message"].as_str().unwrap().contains("payments come from the 835"));
    assert_eq!(members[1]["format"], "x12-835");
}

#[test]
fn hostile_zips_are_refused_and_the_rest_of_the_run_continues() {
    let tmp = tempfile::tempdir().unwrap();
    // 16 MiB of zeros deflates to a few KiB: a ratio near 1000.
    let zeros = vec![0u8; 16 << 20];
    let bomb = zip_file(tmp.path(), "bomb.zip", &[("payments.835", &zeros)]);
    let escape = zip_file(tmp.path(), "escape.zip", &[("ok.835", b"ISA"), ("../../etc/cron.d/evil", b"* * * * * root true")]);
    let names: Vec<String> = (0..10_000).map(|i| format!("f{i}.txt")).collect();
    let many_files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    let many = zip_file(tmp.path(), "many.zip", &many_files);
    let good = zip_file(tmp.path(), "good.zip", &[("a.835", &fixture("x12-835/835-paid-claims-ach.x12"))]);

    let args: Vec<&str> = ["parse", "--json"]
        .into_iter()
        .chain([&bomb, &escape, &many, &good].map(|p| p.to_str().unwrap()))
        .collect();
    let o = claimtrack(&tmp.path().join("data"), &args);
    assert_eq!(o.status.code(), Some(1), "refused packages make exit code 1");
    let v = json(&o);
    let files = v.as_array().unwrap();
    assert_eq!(files.len(), 4, "one entry per refused zip, one per member of the good one");

    assert_eq!(files[0]["error"]["kind"], "package_too_large");
    let m = files[0]["error"]["message"].as_str().unwrap();
    assert!(m.contains("\"payments.835\" expands more than 200× (a zip bomb)"), "{m}");

    assert_eq!(files[1]["error"]["kind"], "package_unsafe_path");
    let m = files[1]["error"]["message"].as_str().unwrap();
    assert!(m.contains("\"../../etc/cron.d/evil\" has a path that leaves the archive"), "{m}");

    assert_eq!(files[2]["error"]["kind"], "package_too_large");
    let m = files[2]["error"]["message"].as_str().unwrap();
    assert!(m.contains("the zip has 10000 entries, more than the 1000 allowed"), "{m}");

    assert_eq!(files[3]["format"], "x12-835", "the good package is still read");
    assert!(!tmp.path().join("etc").exists() && !Path::new("/etc/cron.d/evil").exists(), "nothing is ever extracted to disk");
}

#[test]
fn a_damaged_zip_is_a_precise_error() {
    let tmp = tempfile::tempdir().unwrap();
    let z = zip_file(tmp.path(), "era.zip", &[("a.835", &fixture("x12-835/835-paid-claims-ach.x12"))]);
    let mut bytes = std::fs::read(&z).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&z, bytes).unwrap();
    let o = claimtrack(&tmp.path().join("data"), &["parse", z.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("era.zip: error: the zip is damaged"), "{err}");
}

/// A member named with an absolute path is refused, as documented, not read as a relative one
/// (the zip crate turns "/etc/evil" into "etc/evil").
#[test]
fn absolute_member_paths_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for (n, name) in ["/etc/evil.835", "\\evil.835", "C:evil.835", "c:/windows/evil.835"].iter().enumerate() {
        let zip = zip_file(tmp.path(), &format!("abs{n}.zip"), &[(name, &fixture("x12-835/835-paid-claims-ach.x12"))]);
        let o = claimtrack(&tmp.path().join("data"), &["parse", "--json", zip.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{name}");
        let v = json(&o);
        assert_eq!(v["error"]["kind"], "package_unsafe_path", "{name}: {v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("has a path that leaves the archive"), "{name}");
    }
}
