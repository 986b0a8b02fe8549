//! `claimtrack serve` against a real HTTP client, on the demo's data: a real server process
//! on 127.0.0.1, its tokens made by `claimtrack token`, every endpoint, what is refused, and
//! the change feed waking up when another process ingests a file.

mod support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use support::demo;
use support::schemas::{assert_valid, in_document, read_json, validator};

fn claimtrack(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_claimtrack"));
    c.env("CLAIMTRACK_DATA_DIR", dir.join("data"))
        .env("CLAIMTRACK_CONFIG", dir.join("config/config.toml"))
        .env("NO_COLOR", "1")
        .env_remove("CLAIMTRACK_NOW")
        .env_remove("CLAIMTRACK_DEMO");
    c
}

fn token(dir: &Path, name: &str) -> String {
    let o = claimtrack(dir).args(["token", "create", name, "--json"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = support::json_data(&String::from_utf8_lossy(&o.stdout), "token create")["token"].as_str().unwrap().to_string();
    assert!(t.starts_with("ct_") && t.len() > 40, "{t}");
    t
}

/// The server process, killed when dropped.
struct Server {
    child: Child,
    base: String,
    /// Its standard output, kept open: a closed pipe would end it (as `claimtrack … | head`).
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path) -> Server {
    let mut child = claimtrack(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut first).unwrap();
    let base = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    Server { child, base, _stdout: stdout }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// GET `path` with `token`: the status and the body as JSON.
fn get(s: &Server, token: Option<&str>, path: &str) -> (u16, Value) {
    let mut req = agent().get(format!("{}{path}", s.base));
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let mut r = req.call().unwrap();
    let status = r.status().as_u16();
    let body = r.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body}")))
}

fn data(s: &Server, token: &str, path: &str) -> Value {
    let (status, v) = get(s, Some(token), path);
    assert_eq!(status, 200, "{path}: {v}");
    assert_eq!(v["schema_version"], 1, "{path}: the contract's envelope");
    v["data"].clone()
}

#[test]
fn the_api_serves_the_demo_to_a_token_holder_and_refuses_everyone_else() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = demo(tmp.path());
    let t = token(&dir, "tests");
    let s = serve(&dir);

    // The same log for a person: claims by their patient control number and batch number,
    // file names below their row, within 80 columns.
    let o = claimtrack(&dir).args(["changes", "--limit", "8"]).env("CLAIMTRACK_WIDTH", "80").output().unwrap();
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains(", batch 1") && table.contains("new: QUEUED") && table.contains("monday-visits.837"), "{table}");
    assert!(!table.contains("-0000001") && table.lines().all(|l| l.chars().count() <= 80), "{table}");

    // Without a token, with a wrong one: refused, in the contract's error envelope.
    for bad in [None, Some("ct_not-a-real-token"), Some("garbage")] {
        let (status, v) = get(&s, bad, "/batches");
        assert_eq!(status, 401, "{bad:?}: {v}");
        assert_eq!(v["error"]["kind"], "unauthorized");
    }

    // Batches, with stable ids; one batch by its uid, with its claims and their money.
    let batches = data(&s, &t, "/batches");
    let batches = batches.as_array().unwrap();
    assert!(batches.len() >= 3, "{batches:?}");
    let b = &batches[0];
    let uid = b["uid"].as_str().unwrap();
    assert!(uid.starts_with('B') && uid.len() == 17, "{uid}");
    let one = data(&s, &t, &format!("/batches/{uid}"));
    assert_eq!(one["batch"]["id"], b["id"]);
    let claims = one["claims"].as_array().unwrap();
    assert_eq!(claims.len() as i64, b["claim_count"].as_i64().unwrap());
    let charged: i64 = claims.iter().map(|c| c["charged_cents"].as_i64().unwrap_or(0)).sum();
    assert_eq!(one["totals"]["charged_cents"], charged);
    let (status, v) = get(&s, Some(&t), "/batches/B0000000000000000");
    assert_eq!((status, v["error"]["kind"].as_str()), (404, Some("not_found")));

    // A claim by its uid, with its timeline.
    let c = &claims[0];
    let claim = data(&s, &t, &format!("/claims/{}", c["uid"].as_str().unwrap()));
    assert_eq!(claim["claim"]["patient_control_number"], c["patient_control_number"]);
    assert!(!claim["timeline"].as_array().unwrap().is_empty());

    // Search: by a key, by status, and page by page.
    let pcn = c["patient_control_number"].as_str().unwrap();
    let found = data(&s, &t, &format!("/claims?q={}", pcn.to_lowercase()));
    assert!(found["claims"].as_array().unwrap().iter().any(|x| x["uid"] == c["uid"]), "{found}");
    let paid = data(&s, &t, "/claims?status=PAID&limit=500");
    let paid = paid["claims"].as_array().unwrap();
    assert!(!paid.is_empty() && paid.iter().all(|x| x["status"] == "PAID"));
    let (mut seen, mut cursor, mut pages) = (Vec::new(), None::<i64>, 0);
    loop {
        let page = data(&s, &t, &format!("/claims?limit=3{}", cursor.map(|c| format!("&cursor={c}")).unwrap_or_default()));
        seen.extend(page["claims"].as_array().unwrap().iter().map(|x| x["uid"].as_str().unwrap().to_string()));
        pages += 1;
        match page["next_cursor"].as_i64() {
            Some(next) if pages < 1000 => cursor = Some(next),
            _ => break,
        }
    }
    let all = data(&s, &t, "/claims?limit=500");
    let all: Vec<String> = all["claims"].as_array().unwrap().iter().map(|x| x["uid"].as_str().unwrap().to_string()).collect();
    assert_eq!(seen, all, "pages of 3 give every claim once, in order");
    assert!(pages > 2);
    // Parameters: empty is absent, 1/true are flags, anything unreadable a 400 as JSON.
    for bad in ["/claims?from=March", "/changes?since=abc", "/files?attention=maybe", "/claims?limit=-3"] {
        let (status, v) = get(&s, Some(&t), bad);
        assert_eq!((status, v["error"]["kind"].as_str()), (400, Some("bad_request")), "{bad}: {v}");
    }
    assert_eq!(data(&s, &t, "/changes?since=&limit=&wait=")["changes"].as_array().map(|c| c.is_empty()), Some(false));
    assert!(data(&s, &t, "/files?attention=1").is_array());

    // Errors and alerts, as the CLI's --json gives them.
    let errors = data(&s, &t, "/errors");
    let cli: Value = serde_json::from_slice(&claimtrack(&dir).args(["errors", "--json"]).output().unwrap().stdout).unwrap();
    assert_eq!(errors, cli["data"], "one serializer for the CLI and the API");
    assert!(data(&s, &t, "/alerts").is_array());

    // Files, and the raw bytes of one.
    let files = data(&s, &t, "/files");
    let f = &files.as_array().unwrap()[0];
    let mut r = agent()
        .get(format!("{}/files/{}/raw", s.base, f["sha256"].as_str().unwrap()))
        .header("Authorization", format!("Bearer {t}"))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers().get("x-content-sha256").unwrap().to_str().unwrap(), f["sha256"].as_str().unwrap());
    let bytes = r.body_mut().read_to_vec().unwrap();
    assert_eq!(bytes.len() as i64, f["size"].as_i64().unwrap());

    // The change feed: everything so far, then a long poll that another process's ingest
    // wakes up.
    let feed = data(&s, &t, "/changes?since=0&limit=5000");
    let latest = feed["next_since"].as_i64().unwrap();
    assert!(latest > 0 && feed["changes"].as_array().unwrap().len() as i64 == latest, "{feed}");
    let base = s.base.clone();
    let waiting = std::thread::spawn({
        let t = t.clone();
        move || {
            let mut r = agent()
                .get(format!("{base}/changes?since={latest}&wait=20"))
                .header("Authorization", format!("Bearer {t}"))
                .call()
                .unwrap();
            serde_json::from_str::<Value>(&r.body_mut().read_to_string().unwrap()).unwrap()
        }
    });
    let new_file = tmp.path().join("late.999");
    std::fs::write(&new_file, "ISA*00*          *00*          *ZZ*OFFALLY        *ZZ*SENDER         *260312*1000*^*00501*000000999*0*P*:~GS*FA*OFFALLY*SENDER*20260312*1000*999*X*005010X231A1~ST*999*0001*005010X231A1~AK1*HC*4242*005010X222A1~AK9*A*0*0*0~SE*4*0001~GE*1*999~IEA*1*000000999~").unwrap();
    let o = claimtrack(&dir).arg("ingest").arg(&new_file).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let woke = waiting.join().unwrap();
    let changes = woke["data"]["changes"].as_array().unwrap();
    assert!(changes.iter().any(|c| c["kind"] == "file" && c["name"] == "late.999"), "{woke}");
    assert!(changes.iter().all(|c| c["cursor"].as_i64().unwrap() > latest));

    // The Python example of docs/embedding.md (standard library only) against this server.
    python_example(&s, &t, batches.len());

    // Anything else under /api/v1, or outside it: not found, still as JSON.
    assert_eq!(get(&s, Some(&t), "/nothing-here").0, 404);

    // A revoked token stops working at once.
    let o = claimtrack(&dir).args(["token", "revoke", "tests"]).output().unwrap();
    assert!(o.status.success());
    assert_eq!(get(&s, Some(&t), "/batches").0, 401);
    let raw = claimtrack(&dir).args(["token", "list", "--json"]).output().unwrap().stdout;
    let listed: Value = serde_json::from_slice(&raw).unwrap();
    assert!(listed["data"][0]["revoked_at"].is_string(), "{listed}");
    assert!(!String::from_utf8_lossy(&raw).contains(&t), "a token is never shown again");
}

/// Runs docs/examples/claimtrack_client.py; skipped, saying so, without a python3.
fn python_example(s: &Server, token: &str, batches: usize) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/claimtrack_client.py");
    let run = Command::new("python3").arg(&script).env("CLAIMTRACK_URL", &s.base).env("CLAIMTRACK_TOKEN", token).output();
    let o = match run {
        Ok(o) => o,
        Err(e) => {
            eprintln!("skipped: the Python example needs python3 ({e})");
            return;
        }
    };
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.starts_with(&format!("batches: {batches}\n")), "{out}");
    assert_eq!(out.lines().filter(|l| l.starts_with("batch B")).count(), batches, "{out}");
    assert!(out.lines().any(|l| l.starts_with("claim B") && l.ends_with("statements")), "{out}");
    assert!(out.lines().last().is_some_and(|l| l.starts_with("changes: ")), "{out}");
}

#[test]
fn serve_refuses_an_address_other_machines_reach_without_insecure_http() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = demo(tmp.path());
    let o = claimtrack(&dir).args(["serve", "--listen", "0.0.0.0:0"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("reachable from other machines") && err.contains("--insecure-http"), "{err}");
}

/// GET `path` (under /api/v1) with `token`: the status, the content type and the body.
fn fetch(s: &Server, token: Option<&str>, path: &str) -> (u16, String, Vec<u8>) {
    let mut req = agent().get(format!("{}{path}", s.base));
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let mut r = req.call().unwrap();
    let kind = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (r.status().as_u16(), kind, r.body_mut().read_to_vec().unwrap())
}

/// Every `$ref` in `v`, as written.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("$ref") {
                out.push(r);
            }
            o.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[test]
fn the_openapi_document_describes_every_endpoint_as_served() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = demo(tmp.path());
    let t = token(&dir, "openapi");
    let s = serve(&dir);

    // The server gives the checked-in document (contract.rs keeps that one current), behind
    // the same token as the rest.
    let doc = read_json("openapi.json");
    let (status, served) = get(&s, Some(&t), "/openapi.json");
    assert_eq!(status, 200);
    assert!(served == doc, "GET /api/v1/openapi.json is not docs/openapi.json");
    assert_eq!(get(&s, None, "/openapi.json").0, 401);
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");

    // Well-formed: every reference resolves, and it lists exactly the router's endpoints.
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 20, "{all:?}");
    for r in all {
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("{r}: a reference outside the document"));
        assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
    }
    let paths = doc["paths"].as_object().unwrap();
    let documented: BTreeSet<(String, String)> =
        paths.iter().flat_map(|(p, item)| item.as_object().unwrap().keys().map(move |m| (m.to_uppercase(), p.clone()))).collect();
    let routed: BTreeSet<(String, String)> = claimtrack::serve::routes().into_iter().collect();
    assert_eq!(documented, routed, "the document and the router differ");

    // Real ids from the demo for the path parameters.
    let batches = data(&s, &t, "/batches");
    let batch = batches[0]["uid"].as_str().unwrap().to_string();
    let claim = data(&s, &t, &format!("/batches/{batch}"))["claims"][0]["uid"].as_str().unwrap().to_string();
    let file = data(&s, &t, "/files")[0]["id"].to_string();

    // Every operation, called: its answer matches the schema the document gives for its
    // status and content type.
    let check = |path: &str, op: &Value, status: u16, kind: &str, body: &[u8]| {
        let media = kind.split(';').next().unwrap().trim();
        let schema = op["responses"][status.to_string()]["content"][media]["schema"].clone();
        assert!(!schema.is_null(), "{path}: the document has no {media} response for {status}");
        if media == "application/json" {
            let value: Value = serde_json::from_slice(body).unwrap_or_else(|e| panic!("{path}: not JSON: {e}"));
            let validator = match schema["$ref"].as_str() {
                Some(reference) => in_document(&doc, reference),
                None => validator(&schema),
            };
            assert_valid(&validator, &value, &format!("GET {path} ({status})"));
        } else {
            assert!(!body.is_empty(), "{path}: no bytes");
        }
    };
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            assert_eq!(method, "get", "{method} {path}: this test only knows how to call GET; teach it the request");
            let called = path.strip_prefix("/api/v1").unwrap().replace("{batch}", &batch).replace("{claim}", &claim).replace("{file}", &file);
            assert!(!called.contains('{'), "{path}: a path parameter this test cannot fill");
            let (status, kind, body) = fetch(&s, Some(&t), &called);
            assert_eq!(status, 200, "GET {called}: {}", String::from_utf8_lossy(&body));
            check(path, op, status, &kind, &body);
        }
    }

    // The failures too, against the error envelope.
    let failures = [
        ("/api/v1/batches/{batch}", "/batches/B0000000000000000", Some(t.as_str()), 404),
        ("/api/v1/claims", "/claims?from=March", Some(t.as_str()), 400),
        ("/api/v1/batches", "/batches", None, 401),
        ("/api/v1/claims/{claim}", "/claims/NOPE", Some("ct_not-a-real-token"), 401),
    ];
    for (path, called, token, expected) in failures {
        let (status, kind, body) = fetch(&s, token, called);
        assert_eq!(status, expected, "{called}");
        check(path, &paths[path]["get"], status, &kind, &body);
    }
}
