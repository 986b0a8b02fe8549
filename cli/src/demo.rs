//! `claimtrack demo`: the main job end to end on a fresh folder, with no Office Ally account.
//!
//! A demo practice submits four generated 837P batches; the clearinghouse simulator
//! (`claimtrack-sim`) plays Office Ally on a local mailbox folder; `claimtrack sync` runs
//! while the clock moves forward through hours and days. Every claimtrack step is the real
//! command, run as a separate process with the demo's data folder, config and clock, and
//! printed as the user would type it.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Duration, DurationRound, Utc};
use claimtrack_sim::{generate_837, Options837, Scenario, Simulator};

use super::output::outln;
use super::{exit, DEMO_ENV};
use claimtrack::clock::Clock;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The folder to run the demo in (created; must be empty if it exists). Default: a new
    /// folder in the system's temporary directory.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// How long the demo's story takes, from the first submission to the last ERA: the demo
/// starts this long before now (or before `--now`), so its data is current when it ends and
/// can be explored with the real clock.
const STORY: Duration = Duration::hours(10 * 24 + 1);

struct Demo {
    dir: PathBuf,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
}

impl Demo {
    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }
    fn config(&self) -> PathBuf {
        self.dir.join("config/config.toml")
    }
    fn mailbox(&self) -> PathBuf {
        self.dir.join("mailbox")
    }
    fn stamp(&self) -> String {
        self.now.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    /// `claimtrack ARGS` with the demo's folder, config and clock.
    fn command(&self, args: &[&str]) -> Result<Command, String> {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find the claimtrack executable: {e}"))?;
        let mut cmd = Command::new(exe);
        cmd.args(args)
            .env("CLAIMTRACK_DATA_DIR", self.data())
            .env("CLAIMTRACK_CONFIG", self.config())
            .env("CLAIMTRACK_NOW", self.stamp())
            .env(DEMO_ENV, "1")
            .env_remove("CLAIMTRACK_SFTP_PASSWORD");
        Ok(cmd)
    }

    /// Run `claimtrack ARGS` as the user would, its output on the terminal.
    fn run(&self, args: &[&str]) -> Result<(), String> {
        outln!("\n$ claimtrack {}", args.join(" "));
        let status = self.command(args)?.status().map_err(|e| format!("cannot run claimtrack: {e}"))?;
        // 1 means "something needs attention" (a rejected file, a problem): part of the story.
        match status.code() {
            Some(0 | 1) => Ok(()),
            _ => Err(format!("`claimtrack {}` failed ({status})", args.join(" "))),
        }
    }

    fn heading(&self, what: &str) {
        let days = (self.now - self.start).num_days();
        let when = super::words::Times::new(false, self.now).at(self.now);
        outln!("\n━━ day {days}, {when} — {what}");
    }
}

/// The demo practice's four batches: (file name, bytes, why it is in the demo, --force).
fn batches(start: DateTime<Utc>) -> Vec<(String, Vec<u8>, &'static str, bool)> {
    let created = start.naive_utc();
    let base = Options837 {
        submitter_id: "DEMOCLINIC01".into(),
        practice_name: "MAPLE STREET FAMILY CHIROPRACTIC".into(),
        created,
        ..Options837::default()
    };
    let plan: [(&str, usize, Options837, &str, bool); 4] = [
        (
            "monday-visits",
            5,
            Options837 { control: 5101, pcn_prefix: "MSA".into(), first_pcn: 1, payer_of: (0..5).map(|i| (i, "MVH01".into())).collect(), ..base.clone() },
            "five clean claims to Meridian Valley Health",
            false,
        ),
        (
            "walk-ins",
            6,
            Options837 { control: 5102, pcn_prefix: "MSB".into(), first_pcn: 1, missing_address: vec![1], bad_npi: vec![4], ..base.clone() },
            "six claims; one patient has no street address, one rendering NPI has a typo",
            true,
        ),
        (
            "coastal-members",
            4,
            Options837 { control: 5103, pcn_prefix: "MSC".into(), first_pcn: 1, payer_of: (0..4).map(|i| (i, "CSM02".into())).collect(), ..base.clone() },
            "four claims to Coastal States Mutual, a payer that rejects some",
            false,
        ),
        (
            "friday-visits",
            3,
            Options837 { control: 5104, pcn_prefix: "MSD".into(), first_pcn: 1, ..base },
            "three claims; Office Ally will never pick this file up",
            false,
        ),
    ];
    plan.into_iter()
        .enumerate()
        .map(|(i, (name, claims, opts, why, force))| (format!("{name}.837"), generate_837(2026 + i as u64, claims, &opts), why, force))
        .collect()
}

fn prepare(dir: &Path) -> Result<(), String> {
    if dir.exists() && std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?.next().is_some() {
        return Err(format!("{} is not empty; choose a new folder with --dir (the demo never touches existing data)", dir.display()));
    }
    for sub in ["mailbox/inbound", "mailbox/outbound", "practice", "simulator"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|e| format!("{}: {e}", dir.join(sub).display()))?;
    }
    Ok(())
}

/// `end`: when the story should end (`--now`), else now.
pub fn run(args: DemoArgs, end: Option<Clock>) -> u8 {
    let end = end.unwrap_or(Clock::System).now();
    // Whole hours, so the story's times read cleanly.
    let start = (end - STORY).duration_trunc(Duration::hours(1)).unwrap_or(end - STORY);
    match demo(args, start) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("error: the demo stopped: {e}");
            exit::SETUP
        }
    }
}

fn demo(args: DemoArgs, start: DateTime<Utc>) -> Result<(), String> {
    let dir = match args.dir {
        Some(d) => std::path::absolute(&d).unwrap_or(d),
        None => std::env::temp_dir().join(format!("claimtrack-demo-{}", std::process::id())),
    };
    prepare(&dir)?;
    let mut d = Demo { dir: dir.clone(), start, now: start };
    outln!("claimtrack demo in {}", dir.display());
    outln!("Office Ally is played by a simulator answering through the local mailbox folder {}.", d.mailbox().display());
    outln!("Every patient, payer and number is synthetic. The story covers the last ten days, so the clock");
    outln!("moves: each step runs the real command with CLAIMTRACK_DATA_DIR={} CLAIMTRACK_CONFIG={}", d.data().display(), d.config().display());
    outln!("and the step's time. (Outside the demo, claimtrack always uses the real clock.)");

    d.heading("the practice connects claimtrack to its (local) Office Ally mailbox");
    let mailbox = d.mailbox();
    d.run(&["init", "--local-folder", &mailbox.to_string_lossy()])?;

    d.heading("the practice submits four batches");
    let mut held = String::new();
    for (name, bytes, why, force) in batches(start) {
        let path = dir.join("practice").join(&name);
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        outln!("\n# {name}: {why}");
        let p = path.to_string_lossy().into_owned();
        if force {
            // The check names each problem before anything is queued...
            d.run(&["submit", &p])?;
            // ...and the demo sends it anyway, to show what Office Ally does with it.
            outln!("\n# (--force: sent anyway on purpose, to show Office Ally's rejections)");
            d.run(&["submit", "--force", &p])?;
        } else {
            d.run(&["submit", &p])?;
        }
        held = name;
    }
    // The last batch is the one Office Ally never picks up: hold its staged name.
    let staged = staged_name_of(&d, &held)?;
    let mut scenario = Scenario::with_seed(2026);
    scenario.rules.hold_names = vec![staged];
    let mut sim = Simulator::open(&dir.join("simulator"), scenario).map_err(|e| format!("the simulator failed to start: {e:#}"))?;

    d.now += Duration::minutes(5);
    d.heading("sync uploads the queued batches to Office Ally's inbound folder");
    d.run(&["sync"])?;
    d.run(&["batches"])?;

    d.now += Duration::minutes(5);
    let picked = sim.step(&mailbox, d.now).map_err(|e| format!("simulator: {e:#}"))?;
    outln!("\n[Office Ally picks up {} of the 4 files; one stays in inbound]", picked.picked_up.len());

    let checkpoint = start + Duration::hours(76);
    let mut shown_checkpoint = false;
    // Bounded: the simulator has a handful of responses per upload.
    for _ in 0..20 {
        let next = sim.next_due();
        if !shown_checkpoint && next.is_none_or(|n| n > checkpoint) {
            shown_checkpoint = true;
            d.now = checkpoint;
            d.heading("three days on, one batch has heard nothing");
            d.run(&["sync"])?;
            d.run(&["alerts"])?;
            continue;
        }
        let Some(at) = next else { break };
        d.now = at + Duration::minutes(10);
        let step = sim.step(&mailbox, d.now).map_err(|e| format!("simulator: {e:#}"))?;
        d.heading(&describe(&step.written));
        d.run(&["sync"])?;
        d.run(&["batches"])?;
    }

    d.heading("what billing staff look at next");
    d.run(&["errors"])?;
    d.run(&["batch", "2"])?;
    d.run(&["alerts"])?;

    d.heading("tracking is over for the answered batches: archive them");
    d.run(&["archive"])?;
    d.run(&["batches", "--all"])?;

    let env = format!("export CLAIMTRACK_DATA_DIR={} CLAIMTRACK_CONFIG={}", d.data().display(), d.config().display());
    outln!("\nThe demo's data stays in {}. To explore it:", dir.display());
    outln!("  {env}");
    for c in [
        "claimtrack batches                 # every batch and its status",
        "claimtrack batch 2                 # one batch's claims, OA Claim IDs, reasons",
        "claimtrack claim MSB00002          # a claim's whole timeline across files",
        "claimtrack errors                  # rejections and denials by reason, with what to do",
        "claimtrack alerts                  # what needs attention",
        "claimtrack export --format csv     # everything, for a spreadsheet",
        "claimtrack files                   # the archive of every file Office Ally sent",
        "claimtrack resend 4                # once the connection works: send the stuck batch again",
    ] {
        outln!("  {c}");
    }
    outln!("\nTo look at it in the dashboard (a web page), with the same two variables set:");
    outln!("  claimtrack serve                   # then open the \"Dashboard:\" link it prints in your browser");
    Ok(())
}

/// What the simulator just wrote, in words.
fn describe(written: &[String]) -> String {
    let mut kinds = Vec::new();
    let mut add = |k: &'static str| {
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    };
    for w in written {
        let l = w.to_ascii_lowercase();
        if l.starts_with("fs_hcfa") {
            add("File Summaries");
        } else if l.ends_with(".999") || l.ends_with(".ta1") {
            add("acknowledgements (999/TA1)");
        } else if l.contains("277ca") {
            add("payer acknowledgements (277CA)");
        } else if l.contains("edi_status") {
            add("EDI Status reports");
        } else if l.contains("era") {
            add("ERA packages with 835 remittances");
        }
    }
    if kinds.is_empty() { "Office Ally is quiet".to_string() } else { format!("Office Ally sends {}", kinds.join(", ")) }
}

/// The staged name of a submitted batch, from `claimtrack outbox --json`.
fn staged_name_of(d: &Demo, original: &str) -> Result<String, String> {
    let out = d.command(&["outbox", "--json"])?.output().map_err(|e| format!("cannot run claimtrack: {e}"))?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("outbox --json: {e}"))?;
    v["data"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["original_name"] == original))
        .and_then(|e| e["staged_name"].as_str())
        .map(str::to_string)
        .ok_or_else(|| format!("{original} is not in the outbox"))
}
