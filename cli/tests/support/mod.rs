//! What the CLI tests share: the demo's data, and reading the one `--json` envelope
//! (docs/json.md).

use std::path::{Path, PathBuf};
use std::process::Command;

/// When the demo's story ends: its data is as of this time.
#[allow(dead_code)]
pub const DEMO_END: &str = "2026-03-12T10:00:00Z";

/// A fresh demo (`claimtrack demo`, its clock ending at [`DEMO_END`]) in `root/demo`, 3-5 s;
/// returns that folder (its `data/` and `config/config.toml`).
#[allow(dead_code)]
pub fn demo(root: &Path) -> PathBuf {
    let dir = root.join("demo");
    let o = Command::new(env!("CARGO_BIN_EXE_claimtrack"))
        .args(["demo", "--dir", dir.to_str().unwrap(), "--now", DEMO_END])
        .env("NO_COLOR", "1")
        .env_remove("CLAIMTRACK_DATA_DIR")
        .env_remove("CLAIMTRACK_CONFIG")
        .env_remove("CLAIMTRACK_NOW")
        .output()
        .expect("claimtrack runs");
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    dir
}

/// The `data` of a `--json` output, after checking the envelope: `schema_version` 1, the
/// command's name, and no `error`.
#[allow(dead_code)] // Each test crate uses some of these.
pub fn json_data(stdout: &str, command: &str) -> serde_json::Value {
    let v = envelope(stdout, command);
    assert!(v.get("error").is_none(), "{command}: unexpected error {}", v["error"]);
    v["data"].clone()
}

/// The `error` of a `--json` output that failed: `{kind, message, hint}`.
#[allow(dead_code)]
pub fn json_error(stdout: &str, command: &str) -> serde_json::Value {
    let v = envelope(stdout, command);
    assert!(v.get("data").is_none(), "{command}: an error carries no data: {v}");
    v["error"].clone()
}

/// The command named by a `--json` output and its `data`, for helpers that read several
/// commands' output.
#[allow(dead_code)]
pub fn json_command_data(stdout: &str) -> (String, serde_json::Value) {
    let v: serde_json::Value = serde_json::from_str(stdout).unwrap_or_else(|e| panic!("--json: {e}\n{stdout}"));
    assert_eq!(v["schema_version"], 1, "{v}");
    assert!(v.get("error").is_none(), "unexpected error {}", v["error"]);
    (v["command"].as_str().unwrap_or_default().to_string(), v["data"].clone())
}

fn envelope(stdout: &str, command: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{command} --json: {e}\n{stdout}"));
    assert_eq!(v["schema_version"], 1, "{command}: {v}");
    assert_eq!(v["command"], command, "{v}");
    v
}

#[allow(dead_code)]
pub mod schemas;
