//! The `claimtrack` binary as a user (or a script) runs it: real plugins, a temporary data
//! folder, exit codes, JSON shape, error messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;

fn claimtrack(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_claimtrack"))
        .args(args)
        .env("CLAIMTRACK_DATA_DIR", data)
        .env("NO_COLOR", "1")
        .env_remove("CLAIMTRACK_LOG")
        .output()
        .expect("claimtrack runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A small, valid 999 rejecting one transaction set (synthetic).
const REJECTING_999: &str = "ISA*00*          *00*          *ZZ*OFFALLY        *ZZ*SUBMITTER      *240105*1230*^*00501*000000905*0*P*:~\
GS*FA*OFFALLY*SUBMITTER*20240105*1230*905*X*005010X231A1~\
ST*999*0001*005010X231A1~\
AK1*HC*17456*005010X222A1~\
AK2*837*0028*005010X222A1~\
IK3*NM1*17**8~\
CTX*CLM01:PCN1001~\
IK5*R*5~\
AK9*R*1*1*0~\
SE*8*0001~\
GE*1*905~\
IEA*1*000000905~\n";

fn write(dir: &Path, name: &str, contents: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p
}

#[test]
fn plugins_json_lists_the_built_in_plugins() {
    let tmp = tempfile::tempdir().unwrap();
    let o = claimtrack(&tmp.path().join("data"), &["plugins", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = support::json_data(&stdout(&o), "plugins");
    let names: Vec<&str> = v["plugins"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["x12-ack", "x12-277", "x12-835", "x12-837", "oa-file-summary", "oa-edi-status"]);
    for p in v["plugins"].as_array().unwrap() {
        assert_eq!(p["wit_version"], "0.2.0");
        assert_eq!(p["origin"]["kind"], "built_in");
        assert_eq!(p["sha256"].as_str().unwrap().len(), 64);
        assert!(!p["formats"].as_array().unwrap().is_empty());
    }
    assert_eq!(v["problems"].as_array().unwrap().len(), 0);
}

#[cfg(unix)]
#[test]
fn the_data_folder_and_plugin_cache_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let o = claimtrack(&data, &["plugins"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    let cache = data.join("cache/components");
    assert_eq!(mode(&cache), 0o700);
    let files: Vec<PathBuf> = std::fs::read_dir(&cache).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(!files.is_empty(), "compiled plugins are cached");
    for f in files {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
}

#[test]
fn parse_json_has_the_stable_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), "response.999", REJECTING_999.as_bytes());
    let o = claimtrack(&tmp.path().join("data"), &["parse", "--json", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = support::json_data(&stdout(&o), "parse");
    assert!(v.is_object(), "one file prints one object");
    assert_eq!(v["format"], "x12-999");
    assert_eq!(v["plugin"], "x12-ack");
    assert_eq!(v["metadata"]["group_control_numbers"][0], "905");
    assert!(v["diagnostics"].as_array().unwrap().is_empty(), "{}", v["diagnostics"]);
    let events = v["events"].as_array().unwrap();
    let set = events.iter().find(|e| e["raw_code"] == "IK5 R").expect("IK5 R event");
    for key in ["level", "source", "status", "raw_code", "reasons", "claim", "amounts", "interchange_control_number", "group_control_number", "transaction_set_control_number"] {
        assert!(set.get(key).is_some(), "event lacks {key}: {set}");
    }
    assert_eq!(set["level"], "transaction_set");
    assert_eq!(set["source"], "clearinghouse");
    assert_eq!(set["status"], "rejected");
    assert_eq!(set["group_control_number"], "17456");
    assert_eq!(set["transaction_set_control_number"], "0028");
    let reason = &set["reasons"][0];
    for key in ["code_set", "code", "description"] {
        assert!(reason.get(key).is_some(), "reason lacks {key}: {reason}");
    }
    assert!(events.iter().any(|e| e["status"] == "rejected" && e["claim"]["patient_control_number"] == "PCN1001"));
    let group = events.iter().find(|e| e["raw_code"] == "AK9 R").expect("AK9 R event");
    assert_eq!(group["level"], "functional_group");
}

#[test]
fn several_files_print_an_array_and_a_failure_does_not_stop_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = write(tmp.path(), "notes.txt", b"Dear billing office,\nplease call us.\n");
    let good = write(tmp.path(), "response.999", REJECTING_999.as_bytes());
    let o = claimtrack(&tmp.path().join("data"), &["parse", "--json", bad.to_str().unwrap(), good.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "a failed file makes exit code 1");
    let v = support::json_data(&stdout(&o), "parse");
    let files = v.as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["error"]["kind"], "unknown_format");
    let msg = files[0]["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("no plugin reads this file (tried x12-ack: 0%, x12-277: 0%, x12-835: 0%, x12-837: 0%, oa-file-summary: 0%, oa-edi-status: 0%)"),
        "{msg}"
    );
    assert_eq!(files[1]["format"], "x12-999");
}

#[test]
fn human_output_names_the_file_the_plugin_and_what_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = write(tmp.path(), "notes.txt", b"hello");
    let good = write(tmp.path(), "response.999", REJECTING_999.as_bytes());
    let missing = tmp.path().join("missing.999");
    let o = claimtrack(
        &tmp.path().join("data"),
        &["parse", bad.to_str().unwrap(), good.to_str().unwrap(), missing.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    // What was read on stdout; what could not be, on stderr.
    let (out, err) = (stdout(&o), stderr(&o));
    assert!(err.contains("notes.txt: error: no plugin reads this file"), "{err}");
    assert!(out.contains("response.999: x12-999 (plugin x12-ack"), "{out}");
    assert!(out.contains("IK5 R") && out.contains("rejected"), "{out}");
    assert!(err.contains("missing.999: error: cannot read it"), "{err}");
    assert!(!out.contains("notes.txt") && !out.contains("missing.999"), "{out}");
    assert!(!out.contains('\x1b') && !err.contains('\x1b'), "no colour when not on a terminal");
}

#[test]
fn unknown_plugin_and_bad_usage_have_distinct_exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let good = write(tmp.path(), "response.999", REJECTING_999.as_bytes());
    let o = claimtrack(&tmp.path().join("data"), &["parse", "--plugin", "nope", good.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "a plugin name no plugin has is a bad command line");
    assert!(stderr(&o).contains("there is no plugin named \"nope\"; installed plugins: x12-ack, x12-277, x12-835, x12-837, oa-file-summary, oa-edi-status"), "{}", stderr(&o));
    let o = claimtrack(&tmp.path().join("data"), &["parse"]);
    assert_eq!(o.status.code(), Some(2), "missing FILE is a usage error");
    let o = claimtrack(&tmp.path().join("data"), &["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("Exit codes"));
}

#[test]
fn an_installed_third_party_plugin_is_loaded_and_its_crash_costs_one_file() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let o = claimtrack(&data, &["plugin", "install", claimtrack::runtime::test_misbehave_wasm_path()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = claimtrack(&data, &["plugins", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = support::json_data(&stdout(&o), "plugins");
    let extra = v["plugins"].as_array().unwrap().iter().find(|p| p["name"] == "test-misbehave").expect("listed");
    assert_eq!(extra["origin"]["kind"], "installed");

    let crash = write(tmp.path(), "misbehave-panic.txt", b"x");
    let good = write(tmp.path(), "response.999", REJECTING_999.as_bytes());
    let o = claimtrack(&data, &["parse", "--json", crash.to_str().unwrap(), good.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let v = support::json_data(&stdout(&o), "parse");
    assert_eq!(v[0]["error"]["kind"], "crashed");
    assert!(v[0]["error"]["message"].as_str().unwrap().contains("plugin test-misbehave"), "{}", v[0]);
    assert_eq!(v[1]["format"], "x12-999", "the next file parses normally");
}

#[test]
fn ingesting_a_folder_that_holds_the_data_folder_leaves_the_database_out() {
    let tmp = tempfile::tempdir().unwrap();
    let inbox = tmp.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    write(&inbox, "response.999", REJECTING_999.as_bytes());
    let data = inbox.join("data");
    for round in 0..2 {
        let o = claimtrack(&data, &["ingest", "--json", inbox.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "round {round}: {}", stdout(&o));
        let v = support::json_data(&stdout(&o), "ingest");
        let names: Vec<&str> = v.as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
        assert_eq!(names.len(), 1, "only the response, never the database or cache: {names:?}");
        assert!(names[0].ends_with("response.999"));
    }
}

/// A file is stored chunk by chunk as its plugin sends it, in one transaction: a plugin that
/// fails after its first chunk leaves nothing of that file but its archived bytes (needing
/// attention), a file of several chunks is stored whole, and the other files are unaffected.
#[test]
fn a_plugin_that_fails_mid_file_leaves_nothing_of_it_and_the_rest_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let o = claimtrack(&data, &["plugin", "install", claimtrack::runtime::test_misbehave_wasm_path()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let inbox = tmp.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    write(&inbox, "misbehave-fail-midway.txt", b"x");
    write(&inbox, "misbehave-big-output-3000.txt", b"y");
    write(&inbox, "response.999", REJECTING_999.as_bytes());
    let o = claimtrack(&data, &["ingest", "--json", inbox.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "one file needs attention: {}", stdout(&o));
    let v = support::json_data(&stdout(&o), "ingest");
    let by_name = |n: &str| v.as_array().unwrap().iter().find(|f| f["name"].as_str().unwrap().ends_with(n)).unwrap().clone();
    let failed = by_name("misbehave-fail-midway.txt");
    assert_eq!((failed["outcome"].as_str(), failed["kind"].as_str()), (Some("needs_attention"), Some("refused")), "{failed}");
    assert!(failed["problem"].as_str().unwrap().contains("gave up after the first chunk"), "{failed}");
    let big = by_name("misbehave-big-output-3000.txt");
    assert_eq!((big["outcome"].as_str(), big["events"].as_u64()), (Some("ingested"), Some(3000)), "{big}");
    assert_eq!(by_name("response.999")["outcome"], "ingested");

    let db = rusqlite::Connection::open(data.join("claimtrack.db")).unwrap();
    let count = |sql: &str| db.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    let failed_id = failed["file_id"].as_i64().unwrap();
    assert_eq!(count(&format!("SELECT COUNT(*) FROM events WHERE file_id = {failed_id}")), 0, "nothing of the failed read is kept");
    assert_eq!(count(&format!("SELECT COUNT(*) FROM files WHERE id = {failed_id} AND outcome = 'needs_attention'")), 1);
    let big_id = big["file_id"].as_i64().unwrap();
    assert_eq!(count(&format!("SELECT COUNT(*) FROM events WHERE file_id = {big_id}")), 3000);
    assert_eq!(count(&format!("SELECT MAX(seq) FROM events WHERE file_id = {big_id}")), 2999, "seq runs on across chunks");
    assert_eq!(count("SELECT COUNT(*) FROM files"), 3, "each file archived once");
}
