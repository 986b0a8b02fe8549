//! Third-party plugins as a user handles them with the `claimtrack` binary: install and
//! pinning by hash, tampering, files dropped in by hand, remove, override of a built-in
//! plugin, the fixture runner (`plugin test`), `plugin new`, and which WIT versions load.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

fn misbehave() -> &'static str {
    claimtrack::runtime::test_misbehave_wasm_path()
}

/// A built-in plugin's component, written to a file as if someone had built it themselves.
fn built_in_as_file(dir: &Path, crate_name: &str) -> PathBuf {
    let (_, wasm) = claimtrack::runtime::embedded::first_party().find(|(c, _)| *c == crate_name).unwrap();
    let path = dir.join(format!("{crate_name}-own-build.wasm"));
    std::fs::write(&path, wasm).unwrap();
    path
}

/// The same component, claiming another `claimtrack:plugin` version in its import names
/// (what building it against that version of a structurally identical WIT changes).
fn with_wit_version(wasm: &[u8], version: &str) -> Vec<u8> {
    let mut out = wasm.to_vec();
    let mut hits = 0;
    for interface in ["types", "parsing"] {
        let from = format!("claimtrack:plugin/{interface}@0.2.0");
        let to = format!("claimtrack:plugin/{interface}@{version}");
        assert_eq!(to.len(), from.len(), "same length keeps the binary valid");
        let (from, to) = (from.as_bytes(), to.as_bytes());
        let mut i = 0;
        while i + from.len() <= out.len() {
            if &out[i..i + from.len()] == from {
                out[i..i + from.len()].copy_from_slice(to);
                hits += 1;
            }
            i += 1;
        }
    }
    assert!(hits > 0, "the component names its WIT version");
    out
}

fn listing(data: &Path) -> (Option<i32>, serde_json::Value) {
    let o = claimtrack(data, &["plugin", "list", "--json"]);
    (o.status.code(), support::json_data(&stdout(&o), "plugins"))
}

#[test]
fn install_pins_the_hash_and_a_changed_file_is_refused_until_installed_again() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let o = claimtrack(&data, &["plugin", "install", misbehave()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Installed test-misbehave 0.1.0 →"), "{out}");
    assert!(out.contains("WIT     claimtrack:plugin@0.2.0") && out.contains("test-misbehave — Test files"), "{out}");

    let installed = data.join("plugins/test-misbehave.wasm");
    let sha = claimtrack::plugin_install::sha256_hex(&std::fs::read(&installed).unwrap());
    let (code, v) = listing(&data);
    assert_eq!(code, Some(0));
    let p = v["plugins"].as_array().unwrap().iter().find(|p| p["name"] == "test-misbehave").unwrap();
    assert_eq!(p["sha256"], sha.as_str());
    assert_eq!(p["wit_version"], "0.2.0");
    assert_eq!(p["origin"]["kind"], "installed");
    assert_eq!(p["override_built_in"], false);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("plugins/installed.json")).unwrap()).unwrap();
    assert_eq!(manifest["plugins"][0]["sha256"], sha.as_str());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data.join("plugins/installed.json")), 0o600);
        assert_eq!(mode(&installed), 0o600);
    }

    // Tamper with the installed file: one byte more.
    let mut bytes = std::fs::read(&installed).unwrap();
    bytes.push(0);
    std::fs::write(&installed, &bytes).unwrap();
    let now = claimtrack::plugin_install::sha256_hex(&bytes);
    let (code, v) = listing(&data);
    assert_eq!(code, Some(1), "a refused plugin is a problem found");
    assert!(!v["plugins"].as_array().unwrap().iter().any(|p| p["name"] == "test-misbehave"), "not loaded");
    let problem = v["problems"][0]["error"].as_str().unwrap();
    assert_eq!(
        problem,
        format!(
            "plugin test-misbehave changed on disk since it was installed (sha256 {sha}, now {now}), so it was not loaded; if you changed it, install the new build with `claimtrack plugin install FILE.wasm`, otherwise remove it with `claimtrack plugin remove test-misbehave`"
        )
    );
    let file = tmp.path().join("misbehave-ok.txt");
    std::fs::write(&file, "x").unwrap();
    let o = claimtrack(&data, &["parse", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("changed on disk since it was installed"), "{}", stderr(&o));
    assert!(stderr(&o).contains("no plugin reads this file"), "{}", stderr(&o));

    // Installed again, it loads again.
    let o = claimtrack(&data, &["plugin", "install", misbehave()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("It replaces the test-misbehave 0.1.0 installed before"), "{}", stdout(&o));
    let o = claimtrack(&data, &["parse", "--json", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // Removed, it is gone with its file.
    let o = claimtrack(&data, &["plugin", "remove", "test-misbehave"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!installed.exists());
    let (code, v) = listing(&data);
    assert_eq!(code, Some(0));
    assert!(v["problems"].as_array().unwrap().is_empty());
    let o = claimtrack(&data, &["plugin", "remove", "test-misbehave"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no installed plugin is named \"test-misbehave\""), "{}", stderr(&o));
}

#[test]
fn a_wasm_copied_into_plugins_by_hand_is_refused_with_how_to_install_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(data.join("plugins")).unwrap();
    let dropped = data.join("plugins/dropped.wasm");
    std::fs::copy(misbehave(), &dropped).unwrap();
    let (code, v) = listing(&data);
    assert_eq!(code, Some(1));
    assert!(!v["plugins"].as_array().unwrap().iter().any(|p| p["name"] == "test-misbehave"));
    assert_eq!(v["problems"][0]["source"], dropped.display().to_string());
    assert_eq!(
        v["problems"][0]["error"],
        format!("it was not installed, so it was not loaded; check and pin it with `claimtrack plugin install {}`", dropped.display())
    );
    // Following the advice installs it under its own name, leaving no unpinned copy.
    let o = claimtrack(&data, &["plugin", "install", dropped.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!dropped.exists());
    let (code, _) = listing(&data);
    assert_eq!(code, Some(0));
}

#[test]
fn what_is_not_a_plugin_is_not_installed() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let junk = tmp.path().join("junk.wasm");
    std::fs::write(&junk, "not wasm").unwrap();
    let o = claimtrack(&data, &["plugin", "install", junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is not a plugin claimtrack can install") && stderr(&o).contains("not WebAssembly"), "{}", stderr(&o));
    let o = claimtrack(&data, &["plugin", "install", tmp.path().join("missing.wasm").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
    assert!(!data.join("plugins/installed.json").exists());
}

#[test]
fn a_plugin_replaces_a_built_in_one_only_when_the_user_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let own = built_in_as_file(tmp.path(), "x12-ack");
    let o = claimtrack(&data, &["plugin", "install", own.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("a built-in plugin is already named x12-ack") && stderr(&o).contains("--override"), "{}", stderr(&o));

    let o = claimtrack(&data, &["plugin", "install", "--override", own.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (code, v) = listing(&data);
    assert_eq!(code, Some(0), "{v}");
    let acks: Vec<&serde_json::Value> = v["plugins"].as_array().unwrap().iter().filter(|p| p["name"] == "x12-ack").collect();
    assert_eq!(acks.len(), 1, "the installed one replaces the built-in one");
    assert_eq!(acks[0]["origin"]["kind"], "installed");
    assert_eq!(acks[0]["override_built_in"], true);
}

#[test]
fn plugin_test_compares_with_the_expected_json_shows_a_diff_and_blesses() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let fixtures = tmp.path().join("fixtures");
    std::fs::create_dir_all(&fixtures).unwrap();
    std::fs::write(fixtures.join("misbehave-ok.txt"), "x").unwrap();
    std::fs::write(fixtures.join("forced-nothing.txt"), "x").unwrap();
    let args = ["plugin", "test", misbehave(), fixtures.to_str().unwrap()];

    let o = claimtrack(&data, &args);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("FAILED   misbehave-ok.txt: no expected output"), "{}", stdout(&o));

    let o = claimtrack(&data, &[&args[..], &["--bless"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("2 blessed"), "{}", stdout(&o));
    let expected = fixtures.join("misbehave-ok.txt.expected.json");
    let blessed = std::fs::read_to_string(&expected).unwrap();
    assert!(blessed.contains("\"plugin\": \"test-misbehave\"") && blessed.contains("\"raw_code\": \"TEST A\""), "{blessed}");
    let refused = std::fs::read_to_string(fixtures.join("forced-nothing.txt.expected.json")).unwrap();
    assert!(refused.contains("\"error\": \"refused\""), "{refused}");

    let o = claimtrack(&data, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).ends_with("2 fixtures: 2 ok, 0 failed\n"), "{}", stdout(&o));

    std::fs::write(&expected, blessed.replace("\"TEST A\"", "\"TEST B\"")).unwrap();
    let o = claimtrack(&data, &args);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("FAILED   misbehave-ok.txt: the output differs from"), "{out}");
    assert!(out.contains("-      \"raw_code\": \"TEST B\",") && out.contains("+      \"raw_code\": \"TEST A\","), "{out}");
    assert!(out.ends_with("2 fixtures: 1 ok, 1 failed\n"), "{out}");

    // An expected file whose fixture is gone fails the run.
    std::fs::write(&expected, &blessed).unwrap();
    std::fs::write(fixtures.join("gone.txt.expected.json"), "{}").unwrap();
    let o = claimtrack(&data, &args);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("gone.txt.expected.json: its fixture is gone"), "{}", stdout(&o));
}

#[test]
fn plugin_new_writes_a_standalone_project() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("acme");
    let o = claimtrack(&tmp.path().join("data"), &["plugin", "new", "acme-status", "--dir", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("claimtrack plugin test target/wasm32-wasip2/release/acme_status.wasm fixtures"), "{}", stdout(&o));
    for f in ["Cargo.toml", "Cargo.lock", "src/lib.rs", "fixtures/sample.csv", "fixtures/sample.csv.expected.json", "wit/types.wit", "vendor/claimtrack-plugin-sdk/Cargo.toml"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let expected = std::fs::read_to_string(dir.join("fixtures/sample.csv.expected.json")).unwrap();
    assert!(expected.contains("\"plugin\": \"acme-status\""), "{expected}");
    let o = claimtrack(&tmp.path().join("data"), &["plugin", "new", "Acme", "--dir", tmp.path().join("x").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("\"Acme\" cannot be a plugin name"), "{}", stderr(&o));
}

// ---- WIT versions ---------------------------------------------------------------------

fn load(wasm: &[u8]) -> Result<String, String> {
    let runtime = claimtrack::runtime::PluginRuntime::new(claimtrack::runtime::Limits::default(), None).unwrap();
    runtime.load("x12-ack", wasm).map(|p| p.identity().wit_version.clone()).map_err(|e| e.to_string())
}

#[test]
fn wit_versions_of_the_host_track_up_to_its_own_load_and_others_are_refused_with_the_fix() {
    let (_, ack) = claimtrack::runtime::embedded::first_party().find(|(c, _)| *c == "x12-ack").unwrap();
    // Built against the host's version.
    assert_eq!(load(ack).unwrap(), "0.2.0");
    let newer = load(&with_wit_version(ack, "0.2.9")).unwrap_err();
    assert!(newer.contains("built against claimtrack:plugin@0.2.9, newer than this host's 0.2.0") && newer.contains("upgrade claimtrack"), "{newer}");
    let next = load(&with_wit_version(ack, "0.3.0")).unwrap_err();
    assert!(
        next.contains("supports claimtrack:plugin@0.2.x (up to 0.2.0) and claimtrack:plugin@0.1.x (up to 0.1.1)") && next.contains("rebuild the plugin"),
        "{next}"
    );
    let older_track = load(&with_wit_version(ack, "0.0.9")).unwrap_err();
    assert!(older_track.contains("supports claimtrack:plugin@0.2.x"), "{older_track}");
    // A 0.2 plugin that claims to be 0.1 is loaded as 0.1, and Wasmtime's type check refuses it.
    let liar = load(&with_wit_version(ack, "0.1.0")).unwrap_err();
    assert!(liar.contains("parse"), "{liar}");
}

/// A plugin really built against an older version of the host's track (plugins/test-old-wit,
/// compiled from a frozen copy of `claimtrack:plugin@0.1.0`) loads on this host (0.2.0) through the 0.1 adapter, and
/// every call of the world works: describe, sniff, parse (a validated output and a typed error).
#[test]
fn a_plugin_built_against_an_older_wit_of_the_track_loads_and_runs() {
    use claimtrack::plugins::{Origin, PluginSet};
    let wasm = std::fs::read(claimtrack::runtime::test_old_wit_wasm_path()).unwrap();
    let (mut set, _) = PluginSet::built_in(None, claimtrack::runtime::Limits::default()).unwrap();
    let plugin = set.add("test-old-wit", &wasm, Origin::File("test-old-wit.wasm".into())).unwrap();
    assert_eq!(plugin.wit_version(), "0.1.0", "built against the older version");
    assert_eq!(plugin.name(), "test-old-wit");
    assert_eq!(plugin.sniff("old-report.txt", b"x").unwrap(), 100);
    assert_eq!(plugin.sniff("other.txt", b"x").unwrap(), 0);
    let parsed = plugin.parse("old-report.txt", b"anything").unwrap();
    assert_eq!(parsed.metadata.format_id, "test-old-wit");
    // Every part of a 0.1 event comes through the adapter as a 0.2 plugin would give it.
    let parsed = plugin.parse("old-events.txt", b"anything").unwrap();
    let payer = serde_json::json!({"name": "OLD PAYER", "id": "OP123", "id_qualifier": "PI"});
    let claim = serde_json::json!({
        "patient_control_number": "PCN-OLD-1", "clearinghouse_claim_id": null, "payer_claim_number": "ICN77",
        "patient_name": "DOE, JANE", "member_id": "M123", "service_date_from": "2024-02-01", "service_date_to": "2024-02-01",
        "frequency_code": "1", "payer": payer,
        "providers": [{"role": "billing", "name": "CLINIC", "npi": "1234567893", "tax_id": null}],
        "diagnosis_codes": ["J069"]
    });
    let event = |level: &str, raw: &str| {
        serde_json::json!({
            "level": level, "source": "payer", "status": "paid", "raw_code": raw,
            "reasons": [{"code_set": "carc", "code": "45", "description": "Charge exceeds fee schedule", "group": "CO", "amount": 500}],
            "claim": claim,
            "interchange_control_number": null, "group_control_number": null, "transaction_set_control_number": null,
            "batch_reference": "BATCH9",
            "amounts": {"charged": 10000, "paid": 9500, "adjusted": 500},
            "effective_date": "2024-03-01", "source_party": payer, "payment_reference": "CHK42",
            "position": {"segment_index": 12, "segment_id": "CLP", "line": 12, "byte_offset": 400}
        })
    };
    let mut line = event("service_line", "SVC");
    line["service_line"] = serde_json::json!({
        "procedure_code": "99213", "procedure_qualifier": "HC", "modifiers": ["25"], "line_item_control_number": null,
        "service_date": "2024-02-01", "units": "1"
    });
    assert_eq!(serde_json::to_value(&parsed.events).unwrap(), serde_json::json!([event("claim", "CLP02 1"), line]));
    assert_eq!(parsed.diagnostics.len(), 1);
    assert_eq!((parsed.diagnostics[0].message.as_str(), parsed.diagnostics[0].code.as_deref()), ("read by a 0.1 plugin", Some("old-note")));
    let refused = plugin.parse("other.txt", b"anything").unwrap_err().to_string();
    assert!(refused.contains("not an old-*.txt test file"), "{refused}");
    // And through file selection, as `claimtrack parse` uses it.
    let report = set.parse("old-report.txt", b"anything", None).unwrap();
    assert_eq!(report.plugin, "test-old-wit");
}

/// A chunk whose event names a table row the chunk does not have is refused as a whole,
/// with the event, field and table named.
#[test]
fn a_chunk_that_names_a_row_it_lacks_is_refused_whole() {
    use claimtrack::plugins::{Origin, PluginSet};
    let wasm = std::fs::read(claimtrack::runtime::test_misbehave_wasm_path()).unwrap();
    let (mut set, _) = PluginSet::built_in(None, claimtrack::runtime::Limits::default()).unwrap();
    let plugin = set.add("test-misbehave", &wasm, Origin::File("test-misbehave.wasm".into())).unwrap();
    let err = plugin.parse("bad-index.txt", b"").unwrap_err().to_string();
    assert!(err.contains("event #1.claim names row 7 of chunk #1's claims, which has 0 rows"), "{err}");
}
