//! What the CLI tests share: the demo's data, reading the one `--json` envelope
//! (docs/json.md), and `claimtrack serve` running on it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

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

/// `claimtrack` on the demo folder `dir` (from [`demo`]), on the system clock.
#[allow(dead_code)]
pub fn claimtrack_in(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_claimtrack"));
    c.env("CLAIMTRACK_DATA_DIR", dir.join("data"))
        .env("CLAIMTRACK_CONFIG", dir.join("config/config.toml"))
        .env("NO_COLOR", "1")
        .env_remove("CLAIMTRACK_NOW")
        .env_remove("CLAIMTRACK_DEMO");
    c
}

/// A new API token (`claimtrack token create NAME`).
#[allow(dead_code)]
pub fn token(dir: &Path, name: &str) -> String {
    let o = claimtrack_in(dir).args(["token", "create", name, "--json"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = json_data(&String::from_utf8_lossy(&o.stdout), "token create")["token"].as_str().unwrap().to_string();
    assert!(t.starts_with("ct_") && t.len() > 40, "{t}");
    t
}

/// The server process, killed when dropped.
#[allow(dead_code)]
pub struct Server {
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:PORT/api/v1`.
    pub base: String,
    /// The dashboard's one-time sign-in link it printed.
    pub sign_in: Option<String>,
    /// Its standard output, kept open: a closed pipe would end it (as `claimtrack … | head`).
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `claimtrack serve` on a free port of 127.0.0.1, with more arguments and `env` set.
#[allow(dead_code)]
pub fn serve_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
    let mut child = claimtrack_in(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let url_in = |line: &str| line.split_whitespace().find(|w| w.starts_with("http://") || w.starts_with("https://")).map(str::to_string);
    // The dashboard's link comes first, then the API's address.
    let (mut sign_in, mut base, mut seen) = (None, None, Vec::new());
    for _ in 0..6 {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        match url_in(&line) {
            Some(u) if u.contains("/sign-in?code=") => sign_in = Some(u),
            Some(u) if u.ends_with("/api/v1") => {
                base = Some(u);
                break;
            }
            _ => {}
        }
        seen.push(line);
    }
    let base = base.unwrap_or_else(|| panic!("no API address in {seen:?}"));
    Server { child, base, sign_in, _stdout: stdout }
}

/// `claimtrack serve` on a free port of 127.0.0.1.
#[allow(dead_code)]
pub fn serve(dir: &Path) -> Server {
    serve_with(dir, &[], &[])
}

#[allow(dead_code)]
pub mod schemas;

#[allow(dead_code)]
pub mod webdriver;
