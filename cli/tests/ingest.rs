//! `claimtrack ingest` as users and scripts run it, against real SQLite files: running it
//! twice changes nothing, SIGKILL at any moment leaves every file wholly stored or not at
//! all, two processes at once store each file once, and the database is owner-only.
//!
//! Nothing is mocked. Each test runs the binary, then opens the database **read-only** with
//! rusqlite and checks it against an independent reading of the same bytes: the native
//! x12-835 parser for generated 835s, and `claimtrack parse --json` (which never opens the
//! store) for fixtures. Every check compares the *whole* event sequence of each file
//! (raw code and patient control number, in order), so a partly stored file cannot pass.

mod support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use claimtrack::ingest::sha256_hex;
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use zip::write::SimpleFileOptions;
use x12_835::generate::Rng;

const T1: &str = "2026-03-02T09:00:00Z";
const T2: &str = "2026-03-03T10:30:00Z";
const DB: &str = "claimtrack.db";

// ---------------------------------------------------------------------------------------
// Running the binary

fn command(data: &Path, now: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_claimtrack"));
    c.args(args)
        .env("CLAIMTRACK_DATA_DIR", data)
        .env("CLAIMTRACK_NOW", now)
        .env("NO_COLOR", "1")
        .env_remove("CLAIMTRACK_LOG");
    c
}

fn run(data: &Path, now: &str, args: &[&str]) -> Output {
    command(data, now, args).output().expect("claimtrack runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The `data` of an `ingest --json` or `parse --json` output.
fn json(o: &Output) -> Value {
    assert!(!o.stdout.is_empty(), "no output; stderr {}", text(&o.stderr));
    support::json_command_data(&text(&o.stdout)).1
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

// ---------------------------------------------------------------------------------------
// Inputs (all synthetic: fixtures and the 835 generator)

fn fixture(rel: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures").join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn zip_bytes(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// An Office Ally ERA package (its name and bytes): the text summary and the 835.
fn era_zip(id: &str, remit: &[u8]) -> (String, Vec<u8>) {
    let summary = fixture("oa-edi-status/era-summary-1088623388_ERA_STATUS_5010_20230530.txt");
    let zip = zip_bytes(&[
        (&format!("{id}_ERA_STATUS_5010_20230530.txt"), &summary),
        (&format!("{id}_ERA_835_5010_20230530.835"), remit),
    ]);
    (format!("{id}_ERA_STATUS_5010_20230530.zip"), zip)
}

const UNKNOWN_TEXT: &[u8] = b"Dear billing office,\nplease call us about the claim from March.\n";

// ---------------------------------------------------------------------------------------
// What the store must hold, from an independent reading of the bytes

/// One event as compared: its raw code and the patient control number of its claim.
type EventKey = (String, Option<String>);

#[derive(Debug, Clone, PartialEq)]
enum Expected {
    /// Read by a plugin: these events in this order; `errors` when it reported any.
    Parsed { events: Vec<EventKey>, errors: bool },
    /// Archived unread, with this problem kind.
    Attention { kind: String },
    /// A package holding these members (their SHA-256).
    Package { members: BTreeSet<String> },
}

impl Expected {
    fn event_count(&self) -> usize {
        match self {
            Expected::Parsed { events, .. } => events.len(),
            _ => 0,
        }
    }
}

/// The native parser (same code as the plugin, no sandbox, no store).
fn native_835(bytes: &[u8]) -> Expected {
    let out = x12_835::parse_bytes("generated.835", bytes).expect("a generated 835 parses");
    let events = out
        .events
        .iter()
        .map(|e| (e.raw_code.clone(), e.claim.as_ref().and_then(|c| c.patient_control_number.clone())))
        .collect();
    let errors = out.diagnostics.iter().any(|d| format!("{:?}", d.severity) == "Error");
    Expected::Parsed { events, errors }
}

/// A data folder for `claimtrack parse`, shared by the tests so plugins compile once.
fn oracle_data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ingest-test-parse-data")
}

/// `claimtrack parse --json` on each path: what each file (or `zip!member`) holds, by the
/// name parse prints. `parse` never opens the store.
fn parse_oracle(paths: &[PathBuf]) -> HashMap<String, Expected> {
    let mut args = vec!["parse", "--json"];
    args.extend(paths.iter().map(|p| path_str(p)));
    let o = run(&oracle_data_dir(), T1, &args);
    assert!(matches!(o.status.code(), Some(0 | 1)), "parse failed: {}", text(&o.stderr));
    let v = json(&o);
    let items = match v {
        Value::Array(a) => a,
        one => vec![one],
    };
    items
        .into_iter()
        .map(|item| {
            let name = item["file"].as_str().expect("file").to_string();
            let expected = if let Some(err) = item.get("error") {
                Expected::Attention { kind: err["kind"].as_str().unwrap().to_string() }
            } else {
                let events = item["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| {
                        let pcn = e["claim"]["patient_control_number"].as_str().map(str::to_string);
                        (e["raw_code"].as_str().unwrap().to_string(), pcn)
                    })
                    .collect();
                let errors = item["diagnostics"].as_array().unwrap().iter().any(|d| d["severity"] == "error");
                Expected::Parsed { events, errors }
            };
            (name, expected)
        })
        .collect()
}

/// A folder to ingest, and what the store must hold once all of it is ingested.
struct Inbox {
    dir: PathBuf,
    /// Every file written, with its bytes.
    files: Vec<(PathBuf, Vec<u8>)>,
    /// SHA-256 → expected row, for every file *and* every package member.
    expected: HashMap<String, Expected>,
}

impl Inbox {
    fn new(dir: PathBuf) -> Self {
        std::fs::create_dir_all(&dir).unwrap();
        Inbox { dir, files: Vec::new(), expected: HashMap::new() }
    }

    fn write(&mut self, rel: &str, bytes: Vec<u8>) -> PathBuf {
        let p = self.dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &bytes).unwrap();
        self.files.push((p.clone(), bytes));
        p
    }

    /// A generated 835 whose expected events come from the native parser.
    fn generated(&mut self, rel: &str, claims: usize, seed: u64) {
        let bytes = own_claims(&x12_835::generate::synthetic_835(claims, seed), self.files.len());
        let e = native_835(&bytes);
        assert!(matches!(&e, Expected::Parsed { errors: false, events } if !events.is_empty()));
        self.expected.insert(sha256_hex(&bytes), e);
        self.write(rel, bytes);
    }

    /// An unknown text file: archived, needs attention.
    fn unknown(&mut self, rel: &str) {
        self.expected.insert(sha256_hex(UNKNOWN_TEXT), Expected::Attention { kind: "unknown_format".into() });
        self.write(rel, UNKNOWN_TEXT.to_vec());
    }

    /// Files whose expectations come from `claimtrack parse --json`: fixtures and zips.
    /// Call once, after writing them.
    fn expect_from_parse(&mut self, paths: &[PathBuf]) {
        let oracle = parse_oracle(paths);
        for p in paths {
            let bytes = std::fs::read(p).unwrap();
            if claimtrack::package::is_zip(&bytes) {
                let members = claimtrack::package::open_zip(&bytes, &Default::default()).expect("test zip opens");
                let mut shas = BTreeSet::new();
                for m in &members {
                    let name = format!("{}!{}", p.display(), m.path);
                    let e = oracle.get(&name).unwrap_or_else(|| panic!("parse printed nothing for {name}"));
                    let sha = sha256_hex(&m.bytes);
                    self.expected.entry(sha.clone()).or_insert_with(|| e.clone());
                    shas.insert(sha);
                }
                self.expected.insert(sha256_hex(&bytes), Expected::Package { members: shas });
            } else {
                let name = p.display().to_string();
                let e = oracle.get(&name).unwrap_or_else(|| panic!("parse printed nothing for {name}"));
                self.expected.entry(sha256_hex(&bytes)).or_insert_with(|| e.clone());
            }
        }
    }

    fn shas(&self) -> BTreeSet<String> {
        self.files.iter().map(|(_, b)| sha256_hex(b)).collect()
    }

    fn total_events(&self) -> usize {
        self.expected.values().map(Expected::event_count).sum()
    }
}

/// The generator numbers claims C0000001, C0000002, … with payer claim numbers derived
/// from those in every file, so a folder of generated 835s would be many remittances of the
/// same few claims. Real ERAs are mostly about different claims: give this file's claims
/// their own patient control numbers (CLP01) and payer claim numbers (CLP07).
fn own_claims(bytes: &[u8], file_no: usize) -> Vec<u8> {
    let text = std::str::from_utf8(bytes).expect("the generator writes ASCII");
    assert!(text.starts_with("ISA*") && text.contains("~CLP*"), "the generator's layout changed");
    text.split('~')
        .map(|seg| match seg.strip_prefix("CLP*") {
            Some(rest) => {
                let mut el: Vec<String> = rest.split('*').map(str::to_string).collect();
                el[0] = format!("F{file_no:04}{}", el[0]);
                if let Some(icn) = el.get_mut(6).filter(|v| !v.is_empty()) {
                    *icn = format!("{file_no:04}{icn}");
                }
                format!("CLP*{}", el.join("*"))
            }
            None => seg.to_string(),
        })
        .collect::<Vec<_>>()
        .join("~")
        .into_bytes()
}

/// `n` generated 835s of varied sizes (1 to `max_claims` claims, now and then 3× that),
/// each with its own seed, so all are distinct.
fn add_generated(inbox: &mut Inbox, rng: &mut Rng, n: usize, max_claims: u64, name: impl Fn(usize) -> String) {
    for i in 0..n {
        let mut claims = 1 + rng.below(max_claims) as usize;
        if rng.below(12) == 0 {
            claims *= 3;
        }
        inbox.generated(&name(i), claims, 10_000 + rng.next() % 1_000_000_000);
    }
}

// ---------------------------------------------------------------------------------------
// Inspecting the store

fn open_ro(data: &Path) -> Connection {
    // Read-only: a test never changes what the next claimtrack process finds.
    Connection::open_with_flags(data.join(DB), OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .expect("the database opens read-only")
}

fn strings(db: &Connection, sql: &str) -> Vec<String> {
    let mut st = db.prepare(sql).unwrap();
    st.query_map([], |r| r.get::<_, String>(0)).unwrap().collect::<Result<_, _>>().unwrap()
}

/// Check everything that must hold at every instant, whether or not a process was killed,
/// against `expected` (SHA-256 → what the file holds). Returns the archived files,
/// SHA-256 → id.
fn check_store(db: &Connection, expected: &HashMap<String, Expected>) -> BTreeMap<String, i64> {
    let version: u32 = db.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    let tables = strings(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    assert_eq!(strings(db, "PRAGMA integrity_check"), ["ok"]);
    if version == 0 {
        // Killed before the first migration committed: nothing of it may be left.
        assert!(tables.is_empty(), "schema version 0 but tables {tables:?}: a half-applied migration");
        return BTreeMap::new();
    }
    let current = claimtrack::store::SCHEMA_VERSION;
    assert!(version <= current, "schema version {version}");
    for t in ["events", "files", "package_members"] {
        assert!(tables.iter().any(|n| n == t), "schema version {version} without table {t}: {tables:?}");
    }
    if version == current {
        assert_eq!(tables, fresh_schema_tables(), "schema version {version}: tables differ from a new store's");
    }
    assert_eq!(strings(db, "PRAGMA foreign_key_check"), Vec::<String>::new(), "dangling references");

    let dup_sha = strings(db, "SELECT sha256 FROM files GROUP BY sha256 HAVING COUNT(*) > 1");
    assert!(dup_sha.is_empty(), "files stored twice: {dup_sha:?}");
    let dup_seq = strings(db, "SELECT file_id || ':' || seq FROM events GROUP BY file_id, seq HAVING COUNT(*) > 1");
    assert!(dup_seq.is_empty(), "duplicate (file_id, seq): {dup_seq:?}");
    let orphans = strings(db, "SELECT CAST(id AS TEXT) FROM events WHERE file_id NOT IN (SELECT id FROM files)");
    assert!(orphans.is_empty(), "events of no file: {orphans:?}");

    let mut files = BTreeMap::new();
    let mut st = db
        .prepare("SELECT id, sha256, size, bytes, original_name, kind, outcome, problem_kind, errors FROM files ORDER BY id")
        .unwrap();
    let mut rows = st.query([]).unwrap();
    let mut ev = db
        .prepare("SELECT seq, raw_code, patient_control_number FROM events WHERE file_id = ?1 ORDER BY seq")
        .unwrap();
    let mut pm = db
        .prepare("SELECT f.sha256 FROM package_members m JOIN files f ON f.id = m.member_id WHERE m.package_id = ?1")
        .unwrap();
    while let Some(r) = rows.next().unwrap() {
        let id: i64 = r.get(0).unwrap();
        let sha: String = r.get(1).unwrap();
        let size: i64 = r.get(2).unwrap();
        let bytes: Vec<u8> = r.get(3).unwrap();
        let name: String = r.get(4).unwrap();
        let kind: String = r.get(5).unwrap();
        let outcome: String = r.get(6).unwrap();
        let problem_kind: Option<String> = r.get(7).unwrap();
        let errors: i64 = r.get(8).unwrap();
        let what = format!("file #{id} {name}");
        assert_eq!(sha256_hex(&bytes), sha, "{what}: archived bytes do not match their hash");
        assert_eq!(size as usize, bytes.len(), "{what}");
        let exp = expected.get(&sha).unwrap_or_else(|| panic!("{what}: bytes that are in no input file"));

        let events: Vec<(i64, String, Option<String>)> = ev
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (i, (seq, _, _)) in events.iter().enumerate() {
            assert_eq!(*seq, i as i64, "{what}: event sequence has a gap");
        }
        let stored: Vec<EventKey> = events.into_iter().map(|(_, c, p)| (c, p)).collect();
        match exp {
            Expected::Parsed { events, errors: has_errors } => {
                assert_eq!((kind.as_str(), outcome.as_str()), ("document", "parsed"), "{what}");
                assert_eq!(stored.len(), events.len(), "{what}: partly stored");
                if let Some(i) = (0..events.len()).find(|&i| stored[i] != events[i]) {
                    panic!("{what}: events differ from an independent parse at #{i}: {:?} vs {:?}", stored[i], events[i]);
                }
                assert_eq!(errors > 0, *has_errors, "{what}: error count");
            }
            Expected::Attention { kind: problem } => {
                assert_eq!((kind.as_str(), outcome.as_str()), ("document", "needs_attention"), "{what}");
                assert_eq!(problem_kind.as_deref(), Some(problem.as_str()), "{what}");
                assert!(stored.is_empty(), "{what}: events for an unread file");
            }
            Expected::Package { members } => {
                assert_eq!((kind.as_str(), outcome.as_str()), ("package", "parsed"), "{what}");
                assert!(stored.is_empty(), "{what}: a package has no events of its own");
                let held: BTreeSet<String> =
                    pm.query_map([id], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
                assert_eq!(&held, members, "{what}: package members (a package is stored whole)");
            }
        }
        files.insert(sha, id);
    }
    // Every member of a stored package is itself stored (checked above through the join),
    // and nothing is a member of a package that is not stored (foreign keys).
    files
}

/// The tables of a store created from scratch by this build.
fn fresh_schema_tables() -> Vec<String> {
    static TABLES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TABLES
        .get_or_init(|| {
            let tmp = tempfile::tempdir().unwrap();
            let data = claimtrack::paths::DataDir::new(tmp.path().join("data"));
            drop(claimtrack::store::Store::open(&data).unwrap());
            strings(&open_ro(data.root()), "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        })
        .clone()
}

/// Every row of every table, in rowid order; blobs as their SHA-256.
fn dump(db: &Connection) -> BTreeMap<String, Vec<Vec<rusqlite::types::Value>>> {
    use rusqlite::types::Value as V;
    let mut out = BTreeMap::new();
    for table in strings(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
        let mut st = db.prepare(&format!("SELECT * FROM \"{table}\" ORDER BY rowid")).unwrap();
        let n = st.column_count();
        let rows = st
            .query_map([], |r| {
                (0..n)
                    .map(|i| {
                        r.get::<_, V>(i).map(|v| match v {
                            V::Blob(b) => V::Text(format!("blob sha256 {}", sha256_hex(&b))),
                            v => v,
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        out.insert(table, rows);
    }
    out
}

/// Assert two stores hold the same rows, naming the first difference.
fn assert_same_rows(got: &Connection, want: &Connection, what: &str) {
    let (got, want) = (dump(got), dump(want));
    assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "{what}: tables");
    for (table, rows) in &want {
        let g = &got[table];
        assert_eq!(g.len(), rows.len(), "{what}: rows in {table}");
        if let Some(i) = (0..rows.len()).find(|&i| g[i] != rows[i]) {
            panic!("{what}: {table} row {i} differs:\n  got  {:?}\n  want {:?}", g[i], rows[i]);
        }
    }
}

fn event_total(db: &Connection) -> i64 {
    db.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0)).unwrap()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777
}

// ---------------------------------------------------------------------------------------
// 1. Idempotency

/// How many files of one `ingest --json` run had each outcome; package members counted
/// under "member:<outcome>".
fn tally(lines: &Value) -> BTreeMap<String, usize> {
    let mut t = BTreeMap::new();
    for l in lines.as_array().expect("ingest --json prints an array") {
        *t.entry(l["outcome"].as_str().unwrap().to_string()).or_default() += 1;
        for m in l["members"].as_array().into_iter().flatten() {
            *t.entry(format!("member:{}", m["outcome"].as_str().unwrap())).or_default() += 1;
        }
    }
    t
}

fn files_json(data: &Path, attention: bool) -> Vec<Value> {
    let args: &[&str] = if attention { &["files", "--attention", "--json"] } else { &["files", "--json"] };
    let o = run(data, T2, args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    json(&o).as_array().unwrap().clone()
}

#[test]
fn ingesting_a_folder_again_changes_nothing_but_last_seen() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut inbox = Inbox::new(tmp.path().join("inbox"));
    let mut oracle_paths = Vec::new();
    for rel in [
        "x12-ack/999-accepted.x12",
        "x12-277/277ca-payer-claims-rejected.x12",
        "x12-835/835-paid-claims-ach.x12",
        "x12-835/835-truncated.x12",
        "x12-837/837D-clean-dental.x12",
        "oa-file-summary/fs-hcfa-10digit-mixed-3-payers.txt",
        "oa-edi-status/all-rejected-10digit-1026454084_EDI_STATUS_20221214.txt",
    ] {
        let name = rel.rsplit('/').next().unwrap();
        oracle_paths.push(inbox.write(name, fixture(rel)));
    }
    // An ERA package, and (in a subfolder) the 835 it holds, as if someone had unzipped it.
    let remit = fixture("x12-835/835-plb-adjustments.x12");
    let (zip_name, zip) = era_zip("1088623388", &remit);
    oracle_paths.push(inbox.write(&zip_name, zip));
    oracle_paths.push(inbox.write("era/835-plb-adjustments.x12", remit.clone()));
    inbox.unknown("notes.txt");
    inbox.expect_from_parse(&oracle_paths);
    // The oracle agrees on the kinds of file this test is about.
    let by_name = |n: &str| inbox.files.iter().find(|(p, _)| p.ends_with(n)).map(|(_, b)| &inbox.expected[&sha256_hex(b)]).unwrap();
    assert!(matches!(by_name("835-truncated.x12"), Expected::Parsed { errors: true, .. }), "the truncated 835 has errors");
    for n in ["999-accepted.x12", "277ca-payer-claims-rejected.x12", "835-paid-claims-ach.x12", "837D-clean-dental.x12"] {
        assert!(matches!(by_name(n), Expected::Parsed { errors: false, events } if !events.is_empty()), "{n}");
    }
    let folder_files = inbox.files.len();
    assert_eq!(folder_files, 10);

    // First run: everything new. The zip sorts first, so its 835 is stored as a member and
    // the unzipped copy in era/ is already there.
    let o = run(&data, T1, &["ingest", "--json", path_str(&inbox.dir)]);
    assert_eq!(o.status.code(), Some(1), "something needs attention: {}", text(&o.stderr));
    let first = json(&o);
    let want: BTreeMap<String, usize> = [
        ("ingested", 7),
        ("package", 1),
        ("member:ingested", 2),
        ("already_ingested", 1),
        ("needs_attention", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(tally(&first), want, "{first:#}");
    let dup = first.as_array().unwrap().iter().find(|l| l["outcome"] == "already_ingested").unwrap();
    assert!(dup["name"].as_str().unwrap().ends_with("era/835-plb-adjustments.x12"), "{dup}");
    for (line, (path, bytes)) in first.as_array().unwrap().iter().zip(&inbox.files_sorted()) {
        assert_eq!(line["name"], path.display().to_string());
        assert_eq!(line["sha256"], sha256_hex(bytes));
        assert_eq!(line["size"], bytes.len());
    }

    let db = open_ro(&data);
    let stored = check_store(&db, &inbox.expected);
    let all: BTreeSet<String> = inbox.expected.keys().cloned().collect();
    assert_eq!(stored.keys().cloned().collect::<BTreeSet<_>>(), all, "every file and member stored, nothing else");
    assert_eq!(stored.len(), 11, "9 distinct files, the package's 2 members");
    let events = event_total(&db);
    assert_eq!(events as usize, inbox.total_events());
    assert!(events > 20, "the fixtures hold events: {events}");
    drop(db);

    let before = files_json(&data, false);
    assert_eq!(before.len(), 11);
    for f in &before {
        assert_eq!((f["first_seen"].as_str(), f["last_seen"].as_str()), (Some(T1), Some(T1)), "{f}");
        let e = &inbox.expected[f["sha256"].as_str().unwrap()];
        assert_eq!(f["events"].as_u64().unwrap() as usize, e.event_count(), "{f}");
    }
    let attention = files_json(&data, true);
    let names: BTreeSet<&str> = attention.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, BTreeSet::from(["835-truncated.x12", "notes.txt"]), "{attention:#?}");
    let notes = attention.iter().find(|f| f["name"] == "notes.txt").unwrap();
    assert_eq!((notes["outcome"].as_str(), notes["problem_kind"].as_str()), (Some("needs_attention"), Some("unknown_format")));
    let truncated = attention.iter().find(|f| f["name"] == "835-truncated.x12").unwrap();
    assert_eq!(truncated["outcome"], "parsed");
    assert!(truncated["errors"].as_i64().unwrap() > 0);

    // Second run, a day later: every file already ingested, nothing else changes; the two that
    // need attention still do, so the exit code still says so.
    let o = run(&data, T2, &["ingest", "--json", path_str(&inbox.dir)]);
    assert_eq!(o.status.code(), Some(1), "all already ingested, two still need attention: {}", text(&o.stderr));
    let second = json(&o);
    let ids: HashMap<&str, &Value> = before.iter().map(|f| (f["sha256"].as_str().unwrap(), &f["id"])).collect();
    assert_eq!(second.as_array().unwrap().len(), folder_files);
    for line in second.as_array().unwrap() {
        assert_eq!(line["outcome"], "already_ingested", "{line}");
        assert_eq!(&line["file_id"], ids[line["sha256"].as_str().unwrap()], "{line}");
    }
    assert_eq!(open_ro(&data).query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0)).unwrap(), events);
    let store = claimtrack::store::Store::open(&claimtrack::paths::DataDir::new(&data)).unwrap();
    assert_eq!(store.event_count().unwrap(), events, "the library sees the same log");
    drop(store);

    let after = files_json(&data, false);
    let in_folder = inbox.shas();
    let strip = |v: &[Value]| -> Vec<Value> {
        v.iter()
            .map(|f| {
                let mut f = f.clone();
                f.as_object_mut().unwrap().remove("last_seen");
                f
            })
            .collect()
    };
    assert_eq!(strip(&after), strip(&before), "only last_seen may change");
    for f in &after {
        // Every file given again was seen again. (A package member not given on its own
        // may keep its first last_seen: today only the package itself is touched.)
        if in_folder.contains(f["sha256"].as_str().unwrap()) {
            assert_eq!(f["last_seen"], T2, "{f}");
        } else {
            assert_eq!(f["origin"], "package", "{f}");
            assert!(f["last_seen"] == T1 || f["last_seen"] == T2, "{f}");
        }
    }

    // The human summary says the same; the two files that need attention still do.
    let o = run(&data, T2, &["ingest", path_str(&inbox.dir)]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stdout).lines().last(),
        Some("0 ingested, 10 already ingested, 2 need attention (see `claimtrack files --attention`)")
    );

    #[cfg(unix)]
    {
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join(DB)), 0o600);
    }
}

impl Inbox {
    /// The files in the order `ingest` reads a folder: sorted by path.
    fn files_sorted(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut f = self.files.clone();
        f.sort_by(|a, b| a.0.cmp(&b.0));
        f
    }
}

/// The checks above can fail: a store missing one event of a file, or all of them, or
/// holding a row that differs from another store's, is caught.
#[test]
fn the_store_checks_catch_a_partly_stored_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mut inbox = Inbox::new(tmp.path().join("inbox"));
    add_generated(&mut inbox, &mut Rng(7), 3, 10, |i| format!("remit-{i}.835"));
    let data = tmp.path().join("data");
    let o = run(&data, T1, &["ingest", path_str(&inbox.dir)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // A clean exit checkpointed the WAL into the file: a copy is the whole store.
    assert!(!data.join(format!("{DB}-wal")).exists());
    let pristine = tmp.path().join("pristine.db");
    std::fs::copy(data.join(DB), &pristine).unwrap();
    let good = open_ro(&data);
    check_store(&good, &inbox.expected);

    let damaged = |sql: &str| -> Connection {
        let dir = tempfile::tempdir_in(tmp.path()).unwrap().keep();
        std::fs::copy(&pristine, dir.join(DB)).unwrap();
        let c = Connection::open(dir.join(DB)).unwrap();
        c.execute_batch(&format!("PRAGMA foreign_keys = OFF; {sql}")).unwrap();
        // Drop what referenced a deleted event too (tracking links), as a real partial
        // write would have: the damage is then visible only as missing events.
        for table in strings(&c, "SELECT name FROM sqlite_master WHERE type = 'table'") {
            let mut st = c.prepare("SELECT \"from\" FROM pragma_foreign_key_list(?1) WHERE \"table\" = 'events'").unwrap();
            let cols: Vec<String> = st.query_map([&table], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
            for col in cols {
                c.execute(&format!("DELETE FROM \"{table}\" WHERE \"{col}\" NOT IN (SELECT id FROM events)"), []).unwrap();
            }
        }
        c
    };
    let fails = |c: &Connection, f: &dyn Fn(&Connection), want: &str| {
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(c))).expect_err("the check must fail");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains(want), "{msg}");
    };
    let check = |c: &Connection| {
        check_store(c, &inbox.expected);
    };
    let last_of_file_2 = "DELETE FROM events WHERE id = (SELECT MAX(id) FROM events WHERE file_id = 2)";
    fails(&damaged(last_of_file_2), &check, "partly stored");
    fails(&damaged("DELETE FROM events WHERE file_id = 3"), &check, "partly stored");
    fails(&damaged("UPDATE events SET raw_code = 'CLP02 9' WHERE id = 5"), &check, "differ from an independent parse");
    fails(&damaged("UPDATE files SET bytes = X'00' WHERE id = 1"), &check, "do not match their hash");
    let same = |c: &Connection| assert_same_rows(c, &good, "damaged vs good");
    fails(&damaged("UPDATE files SET last_seen = 'later' WHERE id = 1"), &same, "files row 0 differs");
    same(&damaged("SELECT 1"));
}

// ---------------------------------------------------------------------------------------
// 2. Crash safety

/// How many times the large ingest is killed.
const KILLS: usize = 50;
/// The seed of the kill delays. The delay is not logic under test: it only chooses where
/// in the ingest the SIGKILL lands, and a fixed seed makes every run choose the same.
const KILL_SEED: u64 = 0x5EED_C0DE;

/// Whether a line of `claimtrack ingest` output says a file was newly stored.
fn newly_stored(line: &str) -> bool {
    line.starts_with("ingested ") || line.starts_with("package ") || line.contains(" was archived but needs attention")
}

/// Generated 835s in the large ingest folder: sized so that one uninterrupted ingest takes
/// a few seconds in a debug build.
const LARGE_GENERATED: usize = 140;

/// A "large ingest" folder: generated 835s of varied sizes with a few fixtures, an
/// unknown file and an ERA zip among them.
fn large_inbox(dir: PathBuf) -> Inbox {
    let mut inbox = Inbox::new(dir);
    let mut rng = Rng(0x835);
    add_generated(&mut inbox, &mut rng, LARGE_GENERATED, 30, |i| format!("{:03}-remit.835", i + (i / 29) + 1));
    // Five others, spread through the sorted order (positions 0, 30, 60, 90, 120).
    let mut oracle = vec![
        inbox.write("000-999-accepted.x12", fixture("x12-ack/999-accepted.x12")),
        inbox.write("030-277ca-payer-claims-rejected.x12", fixture("x12-277/277ca-payer-claims-rejected.x12")),
        inbox.write("060-fs-hcfa-10digit-mixed-3-payers.txt", fixture("oa-file-summary/fs-hcfa-10digit-mixed-3-payers.txt")),
    ];
    let (_, zip) = era_zip("1088623390", &fixture("x12-835/835-reversal-correction.x12"));
    oracle.push(inbox.write("090-1088623390_ERA_STATUS_5010_20230530.zip", zip));
    inbox.unknown("120-notes.txt");
    inbox.expect_from_parse(&oracle);
    assert_eq!(inbox.shas().len(), inbox.files.len(), "every file is distinct");
    inbox
}

#[cfg(unix)]
#[test]
fn sigkill_at_any_point_leaves_each_file_wholly_stored_or_absent() {
    use std::os::unix::process::ExitStatusExt;

    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let inbox = large_inbox(tmp.path().join("inbox"));
    let total = inbox.expected.len();
    let folder = path_str(&inbox.dir).to_string();
    eprintln!(
        "large ingest: {} files, {:.2} MB, {} rows to store, {} events",
        inbox.files.len(),
        inbox.files.iter().map(|(_, b)| b.len()).sum::<usize>() as f64 / 1e6,
        total,
        inbox.total_events()
    );
    // Compile the plugins into each data folder's cache first, so that kills land in the
    // ingest rather than in the first compile. (`plugins` creates no database.)
    let clean = tmp.path().join("clean");
    for d in [&data, &clean] {
        let o = run(d, T1, &["plugins"]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(!d.join(DB).exists());
    }

    // The reference: one uninterrupted ingest, in a data folder of its own.
    let t = Instant::now();
    let o = run(&clean, T1, &["ingest", &folder]);
    let per_file = t.elapsed() / inbox.files.len() as u32;
    assert_eq!(o.status.code(), Some(1), "the unknown file needs attention: {}", text(&o.stderr));
    eprintln!("one uninterrupted ingest: {:.2} s", t.elapsed().as_secs_f64());

    // One data folder, carried from each killed process to the next: each run starts on
    // exactly what the previous one left (hot WAL, stale -shm, half-written pages). The
    // checks between runs open it read-only, so they change nothing the next run sees.
    let mut rng = Rng(KILL_SEED);
    let mut previous = BTreeMap::new();
    let (mut killed, mut killed_mid_ingest) = (0, 0);
    let mut progress = Vec::new();
    let mut checking = Duration::ZERO;
    //
    // Where each kill lands: the test waits until the run has printed `after` newly stored
    // files (0, 1 or 2, drawn from the PRNG; 0 lands in start-up: opening the crashed
    // store, recovering its WAL, skipping what is stored), then sleeps a PRNG delay of up
    // to two files' worth of ingest time, then sends SIGKILL. The delay is not logic under
    // test; it only spreads the kills over every step of storing a file (parse, BEGIN
    // IMMEDIATE, inserts, tracking, COMMIT). Anchoring it to printed progress keeps the
    // kills inside the ingest however fast or loaded the machine is.
    for i in 0..KILLS {
        let after = rng.below(3) as usize;
        let delay = Duration::from_micros(rng.below(2 * per_file.as_micros() as u64 + 1));
        let mut child = command(&data, T1, &["ingest", &folder])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("claimtrack starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if newly_stored(&line) && tx.send(()).is_err() {
                    break;
                }
            }
        });
        // Rust's stdout is line-buffered, so each line arrives as its file is committed.
        for _ in 0..after {
            if rx.recv().is_err() {
                break; // it finished
            }
        }
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL; harmless if it has already exited
        let out = child.wait_with_output().unwrap();
        drop(rx);
        reader.join().unwrap();
        match out.status.signal() {
            Some(9) => killed += 1,
            Some(s) => panic!("kill #{i}: died of signal {s}: {}", text(&out.stderr)),
            None => assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "kill #{i}: a process starting on a crashed store must work, got {:?}: {}",
                out.status.code(),
                text(&out.stderr)
            ),
        }
        if !data.join(DB).exists() {
            progress.push(0);
            continue;
        }
        for suffix in ["", "-wal", "-shm"] {
            let p = data.join(format!("{DB}{suffix}"));
            if p.exists() {
                assert_eq!(mode(&p), 0o600, "{}", p.display());
            }
        }
        let t = Instant::now();
        let now = check_store(&open_ro(&data), &inbox.expected);
        checking += t.elapsed();
        for (sha, id) in &previous {
            assert_eq!(now.get(sha), Some(id), "kill #{i}: a stored file was lost or moved");
        }
        if out.status.signal() == Some(9) && now.len() < total {
            killed_mid_ingest += 1;
        }
        progress.push(now.len());
        previous = now;
    }
    eprintln!(
        "{killed} of {KILLS} runs killed, {killed_mid_ingest} with work left; rows stored after each: {progress:?}; {:.1} s ({:.1} s checking)",
        started.elapsed().as_secs_f64(),
        checking.as_secs_f64()
    );
    // Not a timing assertion: it guards that the test still exercises crashes mid-ingest
    // (were the kills all to land after the folder was done, it would prove nothing).
    assert!(killed_mid_ingest >= KILLS / 2, "only {killed_mid_ingest} kills landed while files were left to ingest");

    // After all kills: a healthy store, as the library sees it too.
    let store = claimtrack::store::Store::open(&claimtrack::paths::DataDir::new(&data)).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    drop(store);
    check_store(&open_ro(&data), &inbox.expected);

    // A final uninterrupted run completes the folder.
    let o = run(&data, T1, &["ingest", "--json", &folder]);
    let lines = json(&o);
    let lines = lines.as_array().unwrap();
    assert_eq!(lines.len(), inbox.files.len());
    let new_attention = lines.iter().any(|l| l["outcome"] == "needs_attention");
    assert!(lines.iter().all(|l| l["outcome"] != "ingested" || l["errors"] == 0), "no generated file has errors");
    assert_eq!(o.status.code(), Some(if new_attention { 1 } else { 0 }), "{}", text(&o.stderr));

    let db = open_ro(&data);
    let stored = check_store(&db, &inbox.expected);
    let all: BTreeSet<String> = inbox.expected.keys().cloned().collect();
    assert_eq!(stored.keys().cloned().collect::<BTreeSet<_>>(), all, "every file stored exactly once");
    assert_eq!(event_total(&db) as usize, inbox.total_events());

    // And it is the very store one uninterrupted run builds: every table, row for row
    // (ids included: a killed transaction leaves no trace), tracking state too.
    assert_same_rows(&db, &open_ro(&clean), "killed 50 times vs never killed");
    eprintln!("crash test: {:.1} s", started.elapsed().as_secs_f64());
}

// ---------------------------------------------------------------------------------------
// 3. Concurrency

#[test]
fn two_processes_ingesting_the_same_folder_store_each_file_once() {
    let tmp = tempfile::tempdir().unwrap();
    let mut inbox = Inbox::new(tmp.path().join("inbox"));
    let mut rng = Rng(0xC0C0);
    add_generated(&mut inbox, &mut rng, 49, 30, |i| format!("remit-{i:02}.835"));
    inbox.unknown("notes.txt");
    let folder = path_str(&inbox.dir).to_string();
    assert_eq!(inbox.files.len(), 50);
    assert_eq!(inbox.shas().len(), 50, "every file is distinct");

    for round in 0..3 {
        // A fresh data folder: both processes also race to create the database.
        let data = tmp.path().join(format!("data-{round}"));
        let spawn = || {
            command(&data, T1, &["ingest", "--json", &folder])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("claimtrack starts")
        };
        let (a, b) = (spawn(), spawn());
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| a.wait_with_output().unwrap());
            let b = s.spawn(|| b.wait_with_output().unwrap());
            (a.join().unwrap(), b.join().unwrap())
        });
        let mut new_by = HashMap::<String, usize>::new();
        let mut file_ids = HashMap::<String, i64>::new();
        let mut split = Vec::new();
        for o in [&a, &b] {
            let lines = json(o);
            let lines = lines.as_array().unwrap();
            assert_eq!(lines.len(), 50, "round {round}: {}", text(&o.stderr));
            for l in lines {
                let sha = l["sha256"].as_str().unwrap().to_string();
                let id = l["file_id"].as_i64().unwrap();
                assert_eq!(*file_ids.entry(sha.clone()).or_insert(id), id, "round {round}: two ids for {l}");
                match l["outcome"].as_str().unwrap() {
                    "already_ingested" => {}
                    "ingested" | "needs_attention" => {
                        *new_by.entry(sha).or_default() += 1;
                    }
                    other => panic!("round {round}: {other}: {l}"),
                }
            }
            split.push(lines.iter().filter(|l| l["outcome"] != "already_ingested").count());
            // Exit 1 because of the unknown file, for whichever process stored it and for the
            // one that found it stored: it needs attention either way.
            assert_eq!(o.status.code(), Some(1), "round {round}: {}", text(&o.stderr));
        }
        eprintln!("round {round}: files stored by each process: {split:?}");
        assert_eq!(new_by.len(), 50, "round {round}: every file stored by one of the two");
        assert!(new_by.values().all(|&n| n == 1), "round {round}: a file stored by both: {new_by:?}");

        let db = open_ro(&data);
        let stored = check_store(&db, &inbox.expected);
        assert_eq!(stored.keys().cloned().collect::<BTreeSet<_>>(), inbox.shas(), "round {round}");
        assert_eq!(event_total(&db) as usize, inbox.total_events(), "round {round}");
    }
}

// ---------------------------------------------------------------------------------------
// 4. Permissions

#[cfg(unix)]
#[test]
fn the_database_and_its_wal_and_shm_are_owner_only() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut inbox = Inbox::new(tmp.path().join("inbox"));
    add_generated(&mut inbox, &mut Rng(0x600), 40, 40, |i| format!("remit-{i:02}.835"));
    // A clean exit removes -wal and -shm, so look while a process is running: they exist
    // from the moment the store opens. Once both are there, SIGKILL keeps them on disk.
    let mut child = command(&data, T1, &["ingest", path_str(&inbox.dir)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (wal, shm) = (data.join(format!("{DB}-wal")), data.join(format!("{DB}-shm")));
    let deadline = Instant::now() + Duration::from_secs(60);
    while !(wal.exists() && shm.exists()) {
        assert!(child.try_wait().unwrap().is_none(), "claimtrack exited before its -wal and -shm were seen");
        assert!(Instant::now() < deadline, "no -wal and -shm after 60 s");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(mode(&data), 0o700, "data folder");
    for p in [data.join(DB), wal, shm] {
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
    // A later run (after the crash) keeps it so.
    let o = run(&data, T1, &["ingest", path_str(&inbox.dir)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(mode(&data.join(DB)), 0o600);
    assert_eq!(mode(&data), 0o700);
}
