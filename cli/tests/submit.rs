//! Submission bookkeeping as a user runs it (`claimtrack submit`, `outbox`, `mark-uploaded`)
//! and as a program embeds it ([`Tracker::submit`]): real plugins, real SQLite, temporary
//! data folders, the clock moved with `--now`.
//!
//! The fixtures are the x12-837 plugin's: `837P-clean-3-claims.x12` breaks no Office Ally
//! rule; `837P-OATEST-isa15-T.x12` has ISA15 `T`, which only test mode (OATEST in the staged
//! name) makes right; `837P-oa-rules-broken-TEST-batch.x12` breaks eight envelope and claim
//! rules (its own name's TEST is not one of them: rules are checked against the staged name);
//! `837P-claim-edits.x12` has one claim per claim edit (the x12-837 plugin's `edits.rs`, and
//! the host's future date of service).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use claimtrack::clock::Clock;
use claimtrack::paths::DataDir;
use claimtrack::submit::SubmitError;
use claimtrack::tracker::Tracker;
use serde_json::Value;

const CLEAN: &str = "837P-clean-3-claims.x12";
const ISA15_T: &str = "837P-OATEST-isa15-T.x12";
const BROKEN: &str = "837P-oa-rules-broken-TEST-batch.x12";
/// The rules `BROKEN` breaks under an Office Ally-compliant name, in the plugin's order.
const BROKEN_RULES: [&str; 8] = [
    "oa-rule-isa15-test",
    "oa-rule-isa-qualifier",
    "oa-rule-isa08",
    "oa-rule-gs03",
    "oa-rule-gs08",
    "oa-rule-receiver-1000b",
    "oa-rule-clm05-3",
    "oa-rule-clm01-14",
];

const EDITS: &str = "837P-claim-edits.x12";
/// (code, CLM01) of every problem `EDITS` has, in the order `submit` names them: the plugin's
/// edits claim by claim, then the host's date of service after today (EDIT08's 2026-02-10,
/// after `NOW`).
const EDIT_FINDINGS: [(&str, &str); 11] = [
    ("oa-rule-npi-check-digit", "EDIT02"),
    ("oa-rule-provider-npi", "EDIT03"),
    ("oa-rule-diagnosis-pointer", "EDIT04"),
    ("oa-rule-icd10-shape", "EDIT05"),
    ("oa-rule-claim-total", "EDIT06"),
    ("oa-rule-service-date-before-birth", "EDIT07"),
    ("oa-rule-subscriber-address", "EDIT09"),
    ("oa-rule-patient-address", "EDIT10"),
    ("oa-rule-member-id", "EDIT11"),
    ("oa-rule-payer-id", "EDIT11"),
    ("oa-rule-service-date-future", "EDIT08"),
];
/// A month after `NOW`: EDIT08's date of service is past.
const LATER: &str = "2026-03-03T04:05:06Z";

const NOW: &str = "2026-02-03T04:05:06Z";
const STAGED: &str = "SUNNY-CHIROPRACTIC_20260203-040506_837P.txt";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/x12-837").join(name)
}

fn claimtrack(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_claimtrack"))
        .args(args)
        .env("CLAIMTRACK_DATA_DIR", data)
        .env("NO_COLOR", "1")
        .env_remove("CLAIMTRACK_NOW")
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

/// Run and parse stdout as JSON, asserting the exit code.
fn json(data: &Path, args: &[&str], code: i32) -> Value {
    let o = claimtrack(data, args);
    assert_eq!(o.status.code(), Some(code), "{args:?}\nstdout: {}\nstderr: {}", stdout(&o), stderr(&o));
    let command = args.iter().find(|a| !a.starts_with('-') && !a.chars().next().is_some_and(|c| c.is_ascii_digit())).copied().unwrap_or("");
    support::json_data(&stdout(&o), command)
}

fn submit_json(data: &Path, now: &str, file: &Path, extra: &[&str], code: i32) -> Value {
    let file = file.to_str().unwrap();
    let mut args = vec!["--now", now, "submit", "--json", file];
    args.extend_from_slice(extra);
    json(data, &args, code)
}

fn batches(data: &Path) -> Vec<Value> {
    json(data, &["batches", "--json"], 0).as_array().unwrap().clone()
}

/// (status, claim statuses) of a batch.
fn batch_status(data: &Path, id: i64) -> (String, Vec<String>) {
    let v = json(data, &["batch", &id.to_string(), "--json"], 0);
    let claims = v["claims"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap().to_string()).collect();
    (v["batch"]["status"].as_str().unwrap().to_string(), claims)
}

/// Every file in a folder (none when it does not exist), hidden ones included, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

fn name_is_office_ally_safe(name: &str) -> bool {
    name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// A minimal Office Ally File Summary for File ID 1200000001 whose File Name is
/// `1200000001_<uploaded>`: PCN1003 rejected (FE69), PCN1001 and PCN1002 accepted.
fn file_summary(uploaded: &str) -> String {
    let rule = "=".repeat(162);
    let dash = "-".repeat(162);
    let header = "CLAIM# OA CLAIMID  PATIENT ID        LAST,FIRST          DOB          FROM DOS   TO DOS     CPT     DIAG     TAX ID      ACCNT#        PHYS.ID    PAYER  ERRORS ";
    format!(
        "Dear Practice Owner

Your claims file has now been processed by Office Ally, claims that are accepted below have been forwarded to the appropriate payer(s)
for final processing. Processing results for your claim file are as follows.

==============================================================================

Claims Upload File Summary

     File Name:1200000001_{uploaded}
 Date Uploaded: 02/03/2026
  Type of File: HCFA
Date Processed: 02/04/2026
\t2 # of Claims Initially Accepted
\t1 # of Claims Rejected
\t+---> 1 # errors FE69 - Patient Street Address Required

==============================================================================


{rule}
-------ERROR CLAIM DETAIL
{dash}
{header}
{dash}
1)     3200000003  MEM0003           ROE,RICKY           03/03/1975   01/09/2025 01/09/2025 98940   M546     123456789   PCN1003       1234567893 12345  FE69
{rule}


{rule}
-------ACCEPTED CLAIM DETAIL
{dash}
{header}
{dash}
1)     3200000001  MEM0001           DOE,JANE            01/15/1980   01/06/2025 01/08/2025 98941   M5450    123456789   PCN1001       1234567893 12345
2)     3200000002  MEM0002           ROE,RICKY           03/03/1975   01/02/2025 01/04/2025 98940   M546     123456789   PCN1002       1234567893 12345
{rule}


==============================================================================
This summary is regarding the master file with fileID:1200000001
please track each individual file by their unique file ID.
==============================================================================
"
    )
}

// ---------------------------------------------------------------------------------------
// The command line

#[test]
fn a_clean_837p_is_queued_staged_uploaded_and_answered() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let outbox = data.join("outbox");
    let original = std::fs::read(fixture(CLEAN)).unwrap();

    // Submitted: QUEUED, staged in the outbox under an Office Ally name.
    let s = submit_json(&data, NOW, &fixture(CLEAN), &[], 0);
    assert_eq!(s["outcome"], "queued");
    let staged = s["staged_name"].as_str().unwrap();
    assert_eq!(staged, STAGED, "practice, --now timestamp, claim type keyword");
    assert!(staged.contains("837P") && staged.contains("20260203-040506") && !staged.contains("OATEST"));
    assert!(name_is_office_ally_safe(staged));
    assert_eq!(s["format"], "x12-837p");
    assert_eq!(s["test_mode"], false);
    assert_eq!(s["forced_rules"], serde_json::json!([]));
    assert_eq!(s["queued_at"], NOW);
    assert_eq!(s["claim_count"], 3);
    assert_eq!(s["status"], "QUEUED");
    let batch = s["batch_id"].as_i64().unwrap();

    let b = batches(&data);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0]["name"], STAGED, "the batch is known by its staged name");
    assert_eq!(batch_status(&data, batch), ("QUEUED".into(), vec!["QUEUED".to_string(); 3]));

    assert_eq!(listing(&outbox), [STAGED], "one file, no temporary left behind");
    let staged_path = outbox.join(STAGED);
    assert_eq!(std::fs::read(&staged_path).unwrap(), original, "the outbox holds the bytes as submitted");
    assert_eq!(Path::new(s["outbox_path"].as_str().unwrap()), staged_path);
    #[cfg(unix)]
    {
        assert_eq!(mode(&staged_path), 0o600);
        assert_eq!(mode(&outbox), 0o700);
    }
    let o = json(&data, &["outbox", "--json"], 0);
    assert_eq!(o.as_array().unwrap().len(), 1);
    assert_eq!(o[0]["staged_name"], STAGED);
    assert_eq!(o[0]["batch_id"], batch);
    assert_eq!(o[0]["present"], true);
    assert_eq!(o[0]["original_name"], CLEAN);

    // The same bytes again, even under another name and another time: already submitted.
    let copy = tmp.path().join("resend.837");
    std::fs::write(&copy, &original).unwrap();
    let again = claimtrack(&data, &["--now", "2026-02-03T05:00:00Z", "submit", copy.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(stdout(&again).contains("already submitted"), "{}", stdout(&again));
    assert!(stdout(&again).contains(STAGED), "{}", stdout(&again));
    let again = submit_json(&data, NOW, &fixture(CLEAN), &[], 0);
    assert_eq!(again["outcome"], "already_submitted");
    assert_eq!(again["staged_name"], STAGED);
    assert_eq!(listing(&outbox), [STAGED], "no second outbox file");
    assert_eq!(batches(&data).len(), 1);

    // Bookkeeping survives a rebuild.
    assert_eq!(json(&data, &["rebuild", "--json"], 0), serde_json::json!([]));
    assert_eq!(batch_status(&data, batch), ("QUEUED".into(), vec!["QUEUED".to_string(); 3]));

    // Uploaded (by staged name): AWAITING, and the file leaves the outbox.
    let u = json(&data, &["--now", "2026-02-03T06:00:00Z", "mark-uploaded", "--json", STAGED], 0);
    assert_eq!(u["uploaded_at"], "2026-02-03T06:00:00Z");
    assert_eq!(u["already"], false);
    assert_eq!(u["status"], "AWAITING");
    assert_eq!(batch_status(&data, batch), ("AWAITING".into(), vec!["AWAITING".to_string(); 3]));
    assert!(listing(&outbox).is_empty(), "never uploaded twice");
    assert_eq!(listing(&data.join("sent")), [STAGED]);
    assert_eq!(json(&data, &["outbox", "--json"], 0), serde_json::json!([]));
    let o = claimtrack(&data, &["outbox"]);
    assert!(stdout(&o).contains("The outbox is empty"), "{}", stdout(&o));

    // Again (by batch id): nothing changes.
    let o = claimtrack(&data, &["--now", "2026-02-04T00:00:00Z", "mark-uploaded", &batch.to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("already marked uploaded at 2026-02-03 06:00 UTC"), "{}", stdout(&o));

    assert_eq!(json(&data, &["rebuild", "--json"], 0), serde_json::json!([]));
    assert_eq!(batch_status(&data, batch), ("AWAITING".into(), vec!["AWAITING".to_string(); 3]));

    // Office Ally's File Summary names the upload `<FileID>_<staged name>`: it finds the batch.
    let fs = tmp.path().join("FS_HCFA_1200000001_IN_C.txt");
    std::fs::write(&fs, file_summary(STAGED)).unwrap();
    let o = claimtrack(&data, &["--now", "2026-02-04T08:00:00Z", "ingest", fs.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let check = |data: &Path| {
        let v = json(data, &["batch", &batch.to_string(), "--json"], 0);
        assert_eq!(v["batch"]["clearinghouse_file_id"], "1200000001", "{v:#}");
        assert_eq!(v["batch"]["status"], "OA ACCEPTED with rejections", "{v:#}");
        let claims: Vec<(String, String, String)> = v["claims"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["patient_control_number"].as_str().unwrap().to_string(),
                    c["status"].as_str().unwrap().to_string(),
                    c["clearinghouse_claim_id"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let owned = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
        assert_eq!(
            claims,
            [
                owned("PCN1001", "OA ACCEPTED", "OA1001TRACE"),
                owned("PCN1002", "OA ACCEPTED", "OA1002TRACE"),
                owned("PCN1003", "OA REJECTED", "3200000003"),
            ]
        );
        assert_eq!(batches(data).len(), 1, "no batch of its own for the File Summary");
    };
    check(&data);
    assert_eq!(json(&data, &["rebuild", "--json"], 0), serde_json::json!([]));
    check(&data);
}

#[test]
fn a_rule_breaking_837_is_refused_naming_each_rule_and_accepted_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let file = fixture(BROKEN);

    let o = claimtrack(&data, &["--now", NOW, "submit", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    for code in BROKEN_RULES {
        assert!(err.contains(&format!("  {code}: ")), "{code} in:\n{err}");
    }
    assert!(err.contains("ISA08 receiver id at segment #1 is not Office Ally's 330897513"), "{err}");
    assert!(!err.contains("oa-rule-oatest-keyword"), "the user's own file name (…TEST…) is not checked:\n{err}");
    assert!(err.to_lowercase().contains("fix the file, or pass --force to submit anyway"), "{err}");
    assert!(err.contains("pass --test"), "ISA15 T suggests test mode:\n{err}");

    let refused = submit_json(&data, NOW, &file, &[], 1);
    assert_eq!(refused["outcome"], "refused");
    let codes: Vec<&str> = refused["broken_rules"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(codes, BROKEN_RULES);

    // Nothing stored.
    assert_eq!(json(&data, &["files", "--json"], 0), serde_json::json!([]), "nothing archived");
    assert!(batches(&data).is_empty());
    assert!(listing(&data.join("outbox")).is_empty());
    assert_eq!(json(&data, &["outbox", "--json"], 0), serde_json::json!([]));

    // Forced: submitted, the broken rules recorded.
    let s = submit_json(&data, NOW, &file, &["--force"], 0);
    assert_eq!(s["outcome"], "queued");
    assert_eq!(s["forced_rules"], serde_json::json!(BROKEN_RULES));
    assert_eq!(s["status"], "QUEUED");
    assert!(!s["staged_name"].as_str().unwrap().contains("TEST"), "production: no OATEST, no TEST");
    let o = json(&data, &["outbox", "--json"], 0);
    assert_eq!(o[0]["forced_rules"], serde_json::json!(BROKEN_RULES));
    let (status, claims) = batch_status(&data, s["batch_id"].as_i64().unwrap());
    assert_eq!((status.as_str(), claims.len()), ("QUEUED", 2));
    assert!(claims.iter().all(|c| c == "QUEUED"));
    let o = claimtrack(&data, &["outbox"]);
    assert!(stdout(&o).contains("oa-rule-isa08"), "{}", stdout(&o));
}

/// (code, CLM01) of each broken rule of a refusal's JSON, the CLM01 read from its message.
fn refused_claims(refused: &Value) -> Vec<(String, String)> {
    refused["broken_rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let m = r["message"].as_str().unwrap();
            let claim = m.strip_prefix("claim ").and_then(|rest| rest.split(':').next()).unwrap_or_else(|| panic!("no claim in {m:?}"));
            (r["code"].as_str().unwrap().to_string(), claim.to_string())
        })
        .collect()
}

#[test]
fn claim_edits_are_refused_naming_each_problem_and_claim_and_forced_ones_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let file = fixture(EDITS);

    let o = claimtrack(&data, &["--now", NOW, "submit", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    for (code, claim) in EDIT_FINDINGS {
        assert!(err.contains(&format!("  {code}: claim {claim}: ")), "{code} {claim} in:\n{err}");
    }
    assert!(err.contains("has 11 problems"), "{err}");
    assert!(err.contains("2310B NM109 of the rendering provider NM1*82 at segment #30: NPI 1679576721"), "{err}");
    // The clean first claim is not named.
    assert!(!err.contains("EDIT01"), "{err}");

    let refused = submit_json(&data, NOW, &file, &[], 1);
    assert_eq!(refused["outcome"], "refused");
    let expected: Vec<(String, String)> = EDIT_FINDINGS.iter().map(|(c, n)| (c.to_string(), n.to_string())).collect();
    assert_eq!(refused_claims(&refused), expected);
    assert!(batches(&data).is_empty(), "nothing stored");
    assert!(listing(&data.join("outbox")).is_empty());

    // A month on, EDIT08 was seen: only the plugin's edits remain.
    let refused = submit_json(&data, LATER, &file, &[], 1);
    assert_eq!(refused_claims(&refused), expected[..10]);

    let s = submit_json(&data, NOW, &file, &["--force"], 0);
    assert_eq!(s["outcome"], "queued");
    // Eleven kinds of problem, each recorded once by its code.
    let forced: Vec<&str> = EDIT_FINDINGS.iter().map(|(code, _)| *code).collect();
    assert_eq!(s["forced_rules"], serde_json::json!(forced));
    assert_eq!(json(&data, &["outbox", "--json"], 0)[0]["forced_rules"], serde_json::json!(forced));
    let (status, claims) = batch_status(&data, s["batch_id"].as_i64().unwrap());
    assert_eq!((status.as_str(), claims.len()), ("QUEUED", 11));
}

#[test]
fn parse_shows_a_future_date_of_service_by_the_clock() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let file = fixture(EDITS);
    let future = |v: &Value| -> Vec<Value> {
        v["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "oa-rule-service-date-future").cloned().collect()
    };
    let v = json(&data, &["--now", NOW, "parse", "--json", file.to_str().unwrap()], 0);
    let found = future(&v);
    assert_eq!(found.len(), 1, "{v:#}");
    assert!(found[0]["message"].as_str().unwrap().starts_with("Office Ally rule: claim EDIT08: 2400 DTP*472"), "{:#}", found[0]);
    assert_eq!((found[0]["severity"].as_str(), found[0]["position"]["segment_id"].as_str()), (Some("warning"), Some("SV1")));
    // Shown with the plugin's findings.
    let plugin_codes = v["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"].as_str().is_some_and(|c| c.starts_with("oa-rule-"))).count();
    assert_eq!(plugin_codes, 11, "{v:#}");
    let o = claimtrack(&data, &["--now", NOW, "parse", file.to_str().unwrap()]);
    assert!(stdout(&o).contains("claim EDIT08: 2400 DTP*472"), "{}", stdout(&o));
    assert!(stdout(&o).contains("claim EDIT02: 2310B NM109"), "{}", stdout(&o));

    let v = json(&data, &["--now", LATER, "parse", "--json", file.to_str().unwrap()], 0);
    assert!(future(&v).is_empty(), "{v:#}");
}

#[test]
fn generated_batches_break_only_the_edits_they_are_built_to_break() {
    use claimtrack::plugins::PluginSet;
    use claimtrack_sim::{generate_837, Options837};
    let (plugins, _) = PluginSet::open(None, claimtrack::runtime::Limits::default()).unwrap();
    let findings = |o: &Options837, seed: u64| -> Vec<(String, String)> {
        let r = plugins.parse(&o.file_name(), &generate_837(seed, 60, o), None).unwrap();
        r.parsed
            .diagnostics
            .iter()
            .filter_map(|d| {
                let claim = d.message.split("claim ").nth(1)?.split(':').next()?.to_string();
                Some((d.code.clone()?, claim))
            })
            .collect()
    };
    // The demo's clean batches come from these options: every generated NPI, address, total
    // and pointer must pass, whatever the seed.
    for seed in [1, 2026, 2027, 2028, 2029] {
        let clean = Options837::default();
        assert_eq!(findings(&clean, seed), [], "seed {seed}");
        let flawed = Options837 { missing_address: vec![3], bad_npi: vec![7], ..Options837::default() };
        assert_eq!(
            findings(&flawed, seed),
            [("oa-rule-subscriber-address".to_string(), "SIM00004".to_string()), ("oa-rule-npi-check-digit".to_string(), "SIM00008".to_string())],
            "seed {seed}"
        );
    }
}

#[test]
fn a_file_with_errors_is_refused_like_a_broken_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let truncated = fixture("837P-truncated.x12");
    let refused = submit_json(&data, NOW, &truncated, &[], 1);
    assert_eq!(refused["outcome"], "refused");
    let rules = refused["broken_rules"].as_array().unwrap();
    assert_eq!(rules.len(), 1, "{refused:#}");
    assert_eq!(rules[0]["code"], "file-error");
    assert!(rules[0]["message"].as_str().unwrap().starts_with("file is truncated"), "{refused:#}");
    assert!(batches(&data).is_empty());
    let s = submit_json(&data, NOW, &truncated, &["--force"], 0);
    assert_eq!(s["forced_rules"], serde_json::json!(["file-error"]));
}

#[test]
fn test_mode_names_oatest_and_only_then_is_isa15_t_right() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");

    // ISA15 T without test mode would go to the payers: a broken rule.
    let o = claimtrack(&data, &["--now", NOW, "submit", fixture(ISA15_T).to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("oa-rule-isa15-test: ISA15"), "{}", stderr(&o));
    assert!(stderr(&o).contains("pass --test"), "{}", stderr(&o));
    assert!(batches(&data).is_empty());

    let s = submit_json(&data, NOW, &fixture(ISA15_T), &["--test"], 0);
    let staged = s["staged_name"].as_str().unwrap();
    assert_eq!(staged, "OATEST_SUNNY-CHIROPRACTIC_20260203-040506_837P.txt");
    assert_eq!(s["test_mode"], true);
    assert_eq!(s["forced_rules"], serde_json::json!([]));
    assert!(data.join("outbox").join(staged).is_file());

    // A production file in test mode: OATEST too (Office Ally ignores ISA15 either way).
    let s = submit_json(&data, NOW, &fixture(CLEAN), &["--test"], 0);
    assert!(s["staged_name"].as_str().unwrap().starts_with("OATEST_"), "{s}");
    assert_eq!(json(&data, &["outbox", "--json"], 0).as_array().unwrap().len(), 2);
}

#[test]
fn staged_names_are_unique_in_one_second_and_name_the_claim_type() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let clean = std::fs::read_to_string(fixture(CLEAN)).unwrap();

    // The user's own file name does not matter: no 837P in it, and TEST in it.
    let odd = tmp.path().join("claims TEST batch.dat");
    std::fs::write(&odd, &clean).unwrap();
    let first = submit_json(&data, NOW, &odd, &[], 0);
    assert_eq!(first["staged_name"], STAGED);
    assert_eq!(first["original_name"], "claims TEST batch.dat");

    // Another batch in the same second (another interchange control number). Its claims are
    // the first file's, still on their way: refused as a likely duplicate, unless forced.
    let other = tmp.path().join("other.837");
    std::fs::write(&other, clean.replace("000000101", "000000102")).unwrap();
    let refused = submit_json(&data, NOW, &other, &[], 1);
    assert!(refused["broken_rules"].as_array().unwrap().iter().all(|r| r["code"] == "resubmit-in-flight"), "{refused}");
    let second = submit_json(&data, NOW, &other, &["--force"], 0);
    assert_eq!(second["staged_name"], "SUNNY-CHIROPRACTIC_20260203-040506-2_837P.txt");

    let inst = submit_json(&data, NOW, &fixture("837I-clean-inpatient.x12"), &[], 0);
    assert_eq!(inst["staged_name"], "VALLEY-HOSPITAL_20260203-040506_837I.txt");
    assert_eq!(inst["format"], "x12-837i");
    let dental = submit_json(&data, NOW, &fixture("837D-clean-dental.x12"), &[], 0);
    assert_eq!(dental["staged_name"], "BRIGHT-SMILES-DENTAL_20260203-040506_837D.txt");

    let names: Vec<String> =
        json(&data, &["outbox", "--json"], 0).as_array().unwrap().iter().map(|e| e["staged_name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names.len(), 4);
    for n in &names {
        assert!(name_is_office_ally_safe(n) && !n.contains("OATEST"), "{n}");
    }
    assert_eq!(listing(&data.join("outbox")).len(), 4);
}

#[test]
fn only_new_837s_are_submitted_and_only_submissions_are_marked_uploaded() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");

    // Not an 837.
    let ack = fixture("forced-999-not-an-837.x12");
    let o = claimtrack(&data, &["submit", ack.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is not an 837 claim batch (it reads as x12-999)"), "{}", stderr(&o));
    let o = claimtrack(&data, &["submit", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "a folder is not a file");
    assert_eq!(json(&data, &["files", "--json"], 0), serde_json::json!([]), "nothing archived");

    // An 837 ingested as history counts as sent: AWAITING, not submitted again, not markable.
    let o = claimtrack(&data, &["--now", NOW, "ingest", fixture(CLEAN).to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let b = batches(&data);
    assert_eq!(b[0]["status"], "AWAITING");
    assert_eq!(b[0]["name"], CLEAN);
    let o = claimtrack(&data, &["submit", fixture(CLEAN).to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already ingested"), "{}", stderr(&o));
    assert!(listing(&data.join("outbox")).is_empty());
    let id = b[0]["id"].as_i64().unwrap().to_string();
    let o = claimtrack(&data, &["mark-uploaded", &id]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("was ingested, not submitted with claimtrack"), "{}", stderr(&o));
    let o = claimtrack(&data, &["mark-uploaded", "no-such_837P.txt"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("`claimtrack outbox` lists"), "{}", stderr(&o));
}

#[test]
fn help_teaches_the_submission_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let o = claimtrack(&data, &["submit", "--help"]);
    assert!(o.status.success());
    let h = stdout(&o);
    for needle in ["OATEST", "--force", "oa-rule-", "mark-uploaded", "837P"] {
        assert!(h.contains(needle), "{needle}:\n{h}");
    }
    let o = claimtrack(&data, &["mark-uploaded", "--help"]);
    assert!(stdout(&o).contains("AWAITING"), "{}", stdout(&o));
}

// ---------------------------------------------------------------------------------------
// The library

#[test]
fn the_library_submits_refuses_restores_and_marks_uploaded() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(tmp.path().join("data"));
    let (mut t, problems) = Tracker::open(&dir, Clock::parse_fixed(NOW).unwrap()).unwrap();
    assert!(problems.is_empty());

    let broken = std::fs::read(fixture(BROKEN)).unwrap();
    match t.submit(BROKEN, &broken, false, false) {
        Err(SubmitError::RulesBroken(rules)) => {
            let codes: Vec<&str> = rules.iter().map(|(c, _)| c.as_str()).collect();
            assert_eq!(codes, BROKEN_RULES);
            assert!(rules.iter().all(|(_, m)| !m.is_empty()));
        }
        other => panic!("{other:?}"),
    }
    assert!(t.batches().unwrap().is_empty());

    let clean = std::fs::read(fixture(CLEAN)).unwrap();
    let s = t.submit(&format!("/somewhere/{CLEAN}"), &clean, false, false).unwrap();
    assert_eq!((s.staged_name.as_str(), s.status.as_str(), s.claim_count), (STAGED, "QUEUED", 3));
    assert_eq!(s.original_name, CLEAN);
    assert_eq!(s.outbox_path, dir.outbox().join(STAGED));

    // A crash between commit and rename (or a hand) lost the outbox file: submitting the same
    // bytes again puts it back.
    std::fs::remove_file(&s.outbox_path).unwrap();
    assert!(!t.outbox().unwrap()[0].present);
    match t.submit(CLEAN, &clean, false, false) {
        Err(SubmitError::AlreadySubmitted { staged_name, batch_id, restored, uploaded_at, .. }) => {
            assert_eq!((staged_name.as_str(), batch_id, restored, uploaded_at), (STAGED, Some(s.batch_id), true, None));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::read(&s.outbox_path).unwrap(), clean);
    let outbox = t.outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    assert!(outbox[0].present);

    t.set_clock(Clock::parse_fixed("2026-02-03T07:00:00Z").unwrap());
    let u = t.mark_uploaded(&s.batch_id.to_string()).unwrap();
    assert_eq!((u.uploaded_at.as_str(), u.already, u.status.map(|s| s.as_str())), ("2026-02-03T07:00:00Z", false, Some("AWAITING")));
    assert_eq!(u.moved_to.as_deref(), Some(dir.sent().join(STAGED).as_path()));
    assert!(t.outbox().unwrap().is_empty());
    let (b, claims) = t.batch(s.batch_id).unwrap().unwrap();
    assert_eq!(b.status, "AWAITING");
    assert!(claims.iter().all(|c| c.status == "AWAITING"));
    // Uploaded: the same bytes again neither restore nor re-stage anything.
    match t.submit(CLEAN, &clean, false, false) {
        Err(SubmitError::AlreadySubmitted { restored: false, uploaded_at: Some(at), .. }) => assert_eq!(at, "2026-02-03T07:00:00Z"),
        other => panic!("{other:?}"),
    }
    assert!(listing(&dir.outbox()).is_empty());
    assert!(t.rebuild().unwrap().is_empty());
    assert_eq!(t.batch(s.batch_id).unwrap().unwrap().0.status, "AWAITING");
}
