//! Golden tests: every fixture in `tests/fixtures/<plugin>/` goes through the real WASM
//! plugin chosen by sniffing, and its JSON must equal `tests/golden/<plugin>/<name>.json`.
//!
//! A fixture named `forced-*` is parsed with its folder's plugin chosen by hand (as with
//! `--plugin`): it shows how that plugin refuses a file that is not its format. A fixture
//! named `refused-*` is one its plugin must refuse (e.g. too broken to read): its golden
//! file holds the error. Any other fixture must parse.
//!
//! After a deliberate change, regenerate with `UPDATE_GOLDEN=1 cargo test -p claimtrack-tests
//! --test golden` and review the diff by hand before committing it.

use claimtrack_tests::{files_under, plugins, workspace};

#[test]
fn fixtures_match_their_golden_json() {
    let fixtures = workspace().join("tests/fixtures");
    let golden = workspace().join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in files_under(&fixtures) {
        let rel = path.strip_prefix(&fixtures).unwrap().to_path_buf();
        let expected_plugin = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let forced = name.starts_with("forced-").then_some(expected_plugin.as_str());
        let must_refuse = forced.is_some() || name.starts_with("refused-");
        let actual = match plugins().parse(&name, &bytes, forced) {
            Ok(_) if name.starts_with("refused-") => {
                failures.push(format!("{}: parsed, but a refused-* fixture must be refused", rel.display()));
                continue;
            }
            Ok(report) => {
                if report.plugin != expected_plugin {
                    failures.push(format!("{}: chosen plugin {} but the fixture is in {expected_plugin}/", rel.display(), report.plugin));
                }
                serde_json::to_string_pretty(&report).unwrap()
            }
            Err(e) if !must_refuse => {
                failures.push(format!("{}: not parsed: {e}", rel.display()));
                continue;
            }
            Err(e) => serde_json::to_string_pretty(&serde_json::json!({ "error": e.kind(), "message": e.to_string() })).unwrap(),
        } + "\n";
        let gpath = golden.join(rel.with_extension("json"));
        if update {
            std::fs::create_dir_all(gpath.parent().unwrap()).unwrap();
            std::fs::write(&gpath, &actual).unwrap();
        } else {
            match std::fs::read_to_string(&gpath) {
                Ok(expected) if expected == actual => {}
                Ok(_) => failures.push(format!("{} differs from {} (rerun with UPDATE_GOLDEN=1 and review the diff)", rel.display(), gpath.display())),
                Err(_) => failures.push(format!("{}: no golden file {}", rel.display(), gpath.display())),
            }
        }
        checked += 1;
    }
    assert!(checked > 0, "no fixtures found under {}", fixtures.display());
    assert!(failures.is_empty(), "{} of {checked} fixtures failed:\n{}", failures.len(), failures.join("\n"));
    // Every golden file has its fixture (no stale goldens left behind).
    for g in files_under(&golden) {
        let rel = g.strip_prefix(&golden).unwrap();
        let has_fixture = files_under(&fixtures).iter().any(|f| f.strip_prefix(&fixtures).unwrap().with_extension("json") == rel);
        assert!(has_fixture, "stale golden file {}", g.display());
    }
}
