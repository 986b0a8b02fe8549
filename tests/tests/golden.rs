//! Golden tests: every fixture in `tests/fixtures/<plugin>/` goes through the real WASM
//! plugin, and its JSON must equal `tests/golden/<plugin>/<name>.json`.
//!
//! They use the runner third-party plugin authors get with `claimtrack plugin test`
//! ([`claimtrack::plugin_test`]), with the expected files kept in `tests/golden/` instead of
//! beside the fixtures. Its naming rules apply: a fixture named `forced-*` is parsed with
//! its folder's plugin chosen by hand (as with `--plugin`), to show how that plugin refuses
//! a file that is not its format; one named `refused-*` must be refused (e.g. too broken to
//! read), and its golden file holds the error; any other fixture must be chosen for its
//! folder's plugin by sniffing, and parse.
//!
//! After a deliberate change, regenerate with `UPDATE_GOLDEN=1 cargo test -p claimtrack-tests
//! --test golden` and review the diff by hand before committing it.

use claimtrack::plugin_test::{run, ExpectedAt, FixtureTest};
use claimtrack_tests::{plugins, workspace};

#[test]
fn fixtures_match_their_golden_json() {
    let fixtures = workspace().join("tests/fixtures");
    let golden = workspace().join("tests/golden");
    let bless = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut dirs: Vec<_> = std::fs::read_dir(&fixtures).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no fixtures found under {}", fixtures.display());
    let mut checked = 0;
    let mut failed = Vec::new();
    for dir in &dirs {
        let plugin = dir.file_name().unwrap().to_string_lossy().into_owned();
        let report = run(&FixtureTest {
            plugins: plugins(),
            plugin: &plugin,
            fixtures: dir,
            expected: ExpectedAt::Dir(golden.join(&plugin)),
            bless,
        })
        .unwrap();
        checked += report.results.len();
        if !report.passed() {
            failed.push(format!("{plugin}:\n{}", report.render()));
        }
    }
    assert!(failed.is_empty(), "golden tests failed (rerun with UPDATE_GOLDEN=1 and review the diff):\n{}", failed.join("\n"));
    assert!(checked > 0);
    // Every golden folder has its fixtures folder (no stale goldens left behind).
    for g in std::fs::read_dir(&golden).unwrap().map(|e| e.unwrap().path()) {
        assert!(dirs.iter().any(|d| d.file_name() == g.file_name()), "stale golden folder {}", g.display());
    }
}
