//! `claimtrack serve` against a real HTTP client, on the demo's data: a real server process
//! on 127.0.0.1, its tokens made by `claimtrack token`, every endpoint, what is refused, and
//! the change feed waking up when another process ingests a file.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use support::{claimtrack_in as claimtrack, demo, serve, token, Server};
use support::schemas::{assert_valid, in_document, read_json, validator};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// The newest 500 claims.
fn all_claims(s: &Server, token: &str) -> Vec<Value> {
    data(s, token, "/claims?limit=500")["claims"].as_array().unwrap().clone()
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
    // By part of the patient's name (any case), and by the OA Claim ID.
    let with_name = all_claims(&s, &t).into_iter().find(|x| x["patient_name"].is_string()).expect("a claim with a name");
    let name = with_name["patient_name"].as_str().unwrap();
    let part = name.split_whitespace().next().unwrap().to_lowercase();
    let by_name = data(&s, &t, &format!("/claims?q={part}&limit=500"));
    let by_name = by_name["claims"].as_array().unwrap();
    assert!(by_name.iter().any(|x| x["uid"] == with_name["uid"]), "{part}");
    assert!(by_name.iter().all(|x| x["patient_name"].as_str().unwrap_or("").to_lowercase().contains(&part)), "{part}");
    if let Some(with_oa) = all_claims(&s, &t).into_iter().find(|x| x["clearinghouse_claim_id"].is_string()) {
        let oa = with_oa["clearinghouse_claim_id"].as_str().unwrap();
        let found = data(&s, &t, &format!("/claims?q={oa}"));
        assert!(found["claims"].as_array().unwrap().iter().any(|x| x["uid"] == with_oa["uid"]), "{found}");
    }
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

/// POST `body` to `path` (under /api/v1) with `token`: the status, the content type and the body.
fn fetch_post(s: &Server, token: &str, path: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut r = agent().post(format!("{}{path}", s.base)).header("Authorization", format!("Bearer {token}")).send(body).unwrap();
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
            assert_valid(&validator, &value, &format!("{path} ({status})"));
        } else {
            assert!(!body.is_empty(), "{path}: no bytes");
        }
    };
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let called = path.strip_prefix("/api/v1").unwrap().replace("{batch}", &batch).replace("{claim}", &claim).replace("{file}", &file);
            assert!(!called.contains('{'), "{path}: a path parameter this test cannot fill");
            let (status, kind, body) = match (method.as_str(), path.as_str()) {
                ("get", _) => fetch(&s, Some(&t), &called),
                ("post", "/api/v1/submit") => fetch_post(&s, &t, "/submit?name=openapi.837", &fixture_837("837P-clean-3-claims.x12")),
                ("post", "/api/v1/sync") => fetch_post(&s, &t, "/sync", b""),
                _ => panic!("{method} {path}: this test does not know what to send; teach it the request"),
            };
            assert!((200..300).contains(&status), "{method} {called}: {status} {}", String::from_utf8_lossy(&body));
            check(path, op, status, &kind, &body);
        }
    }
    // A refused 837 is an answer the document describes too.
    let (status, kind, body) = fetch_post(&s, &t, "/submit?name=bad.837", &fixture_837("837P-oa-rules-broken-TEST-batch.x12"));
    assert_eq!(status, 422);
    check("/api/v1/submit", &paths["/api/v1/submit"]["post"], status, &kind, &body);

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

/// A self-signed certificate for 127.0.0.1 by the `openssl` command; `None` without it.
fn self_signed(dir: &Path) -> Option<(std::path::PathBuf, std::path::PathBuf)> {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=claimtrack test"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    match made {
        Ok(o) if o.status.success() => Some((cert, key)),
        other => {
            eprintln!("skipped: making a test certificate needs the openssl command ({other:?})");
            None
        }
    }
}

#[test]
fn serve_speaks_https_with_the_given_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = demo(tmp.path());
    let Some((cert, key)) = self_signed(tmp.path()) else { return };
    let t = token(&dir, "tls");

    // Another machine's address: refused without TLS, saying how to get it.
    let o = claimtrack(&dir).args(["serve", "--listen", "0.0.0.0:0"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--tls-cert"), "{}", String::from_utf8_lossy(&o.stderr));
    // A key that is not one: a clear setup error naming the file.
    let o = claimtrack(&dir).args(["serve", "--tls-cert"]).arg(&cert).arg("--tls-key").arg(&cert).output().unwrap();
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("key.pem") || String::from_utf8_lossy(&o.stderr).contains("cert.pem"));

    let s = support::serve_with(&dir, &["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()], &[]);
    assert!(s.base.starts_with("https://127.0.0.1:"), "{}", s.base);
    let pem = std::fs::read(&cert).unwrap();
    let roots = ureq::tls::RootCerts::new_with_certs(&[ureq::tls::Certificate::from_pem(&pem).unwrap().to_owned()]);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
        .build()
        .into();
    let mut r = agent.get(format!("{}/batches", s.base)).header("Authorization", format!("Bearer {t}")).call().unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert!(!v["data"].as_array().unwrap().is_empty(), "{v}");
    // Plain HTTP to the HTTPS port gets no answer it could read.
    let plain = agent.get(s.base.replace("https://", "http://") + "/batches").header("Authorization", format!("Bearer {t}")).call();
    assert!(plain.map(|r| r.status() != 200).unwrap_or(true));
    // A client that does not trust the certificate is stopped by its own TLS check.
    assert!(ureq::get(format!("{}/batches", s.base)).call().is_err());
}

fn fixture_837(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/x12-837").join(name)).unwrap()
}

/// POST `body` to `path` with `token`: the status and the body as JSON.
fn post(s: &Server, token: &str, path: &str, body: &[u8]) -> (u16, Value) {
    let (status, _, body) = fetch_post(s, token, path, body);
    (status, serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {}", String::from_utf8_lossy(&body))))
}

#[test]
fn an_837_is_submitted_and_synced_over_the_api() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = demo(tmp.path());
    let t = token(&dir, "submitter");
    let s = serve(&dir);

    // Without a token, nothing is read or stored.
    let r = agent().post(format!("{}/submit?name=x.837", s.base)).send(&fixture_837("837P-clean-3-claims.x12")[..]).unwrap();
    assert_eq!(r.status(), 401);

    // The rule check refuses a file that breaks Office Ally's rules, naming each, and stores nothing.
    let (status, v) = post(&s, &t, "/submit?name=bad.837", &fixture_837("837P-oa-rules-broken-TEST-batch.x12"));
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["data"]["outcome"], "refused");
    let rules = v["data"]["broken_rules"].as_array().unwrap();
    assert!(!rules.is_empty() && rules.iter().all(|r| r["code"].as_str().is_some_and(|c| !c.is_empty())), "{v}");
    // Not an 837, no name, an empty body: 400s in the contract's envelope.
    let (status, v) = post(&s, &t, "/submit?name=ack.999", &fixture_837("forced-999-not-an-837.x12"));
    assert_eq!((status, v["error"]["kind"].as_str()), (400, Some("not_an_837")), "{v}");
    let (status, v) = post(&s, &t, "/submit", &fixture_837("837P-clean-3-claims.x12"));
    assert_eq!((status, v["error"]["kind"].as_str()), (400, Some("bad_request")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("name"), "{v}");
    let (status, _) = post(&s, &t, "/submit?name=empty.837", b"");
    assert_eq!(status, 400);

    // The batch list (kept between requests until the database changes) before.
    let listed_before = data(&s, &t, "/batches").as_array().unwrap().len();

    // A clean one is queued (201), and the same bytes again are already submitted (200).
    let clean = fixture_837("837P-clean-3-claims.x12");
    let (status, v) = post(&s, &t, "/submit?name=walk-ins.837", &clean);
    assert_eq!(status, 201, "{v}");
    let q = &v["data"];
    assert_eq!((q["outcome"].as_str(), q["status"].as_str(), q["claim_count"].as_i64()), (Some("queued"), Some("QUEUED"), Some(3)), "{v}");
    let staged = q["staged_name"].as_str().unwrap().to_string();
    let batch = q["batch_id"].as_i64().unwrap();
    let (status, v) = post(&s, &t, "/submit?name=walk-ins-again.837", &clean);
    assert_eq!((status, v["data"]["outcome"].as_str(), v["data"]["staged_name"].as_str()), (200, Some("already_submitted"), Some(staged.as_str())));

    // The list shows it at once, and a batch another process submits too.
    assert_eq!(data(&s, &t, "/batches").as_array().unwrap().len(), listed_before + 1);
    let other = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/x12-837/837I-clean-inpatient.x12");
    let o = claimtrack(&dir).args(["submit", "--force"]).arg(&other).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(data(&s, &t, "/batches").as_array().unwrap().len(), listed_before + 2);

    // Over 64 MiB: refused from the headers, before the body is read.
    let big = oversize_submit(&s, &t);
    assert!(big.starts_with("HTTP/1.1 413"), "{big}");
    assert!(big.contains("\"too_large\"") && big.contains("64 MiB"), "{big}");

    // A sync from the API uploads it to the (demo's local) Office Ally mailbox.
    let state = data(&s, &t, "/sync");
    assert_eq!(state["running"], false, "{state}");
    let (status, v) = post(&s, &t, "/sync", b"");
    assert!(status == 202 && v["data"]["started_at"].is_string(), "{status} {v}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let last = loop {
        let state = data(&s, &t, "/sync");
        if !state["last"].is_null() && state["running"] == false {
            break state["last"].clone();
        }
        assert!(std::time::Instant::now() < deadline, "the sync did not end: {state}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(last["outcome"], "ok", "{last}");
    let uploaded: Vec<&str> = last["report"]["uploaded"].as_array().unwrap().iter().filter_map(|u| u["staged_name"].as_str()).collect();
    assert!(uploaded.contains(&staged.as_str()), "{last}");
    assert!(dir.join("mailbox/inbound").join(&staged).is_file(), "in Office Ally's inbound folder");
    let b = data(&s, &t, &format!("/batches/{batch}"));
    assert_eq!(b["batch"]["status"], "AWAITING", "{b}");
    // The sync's own connection changed the status: the kept list follows.
    let listed = data(&s, &t, "/batches");
    let in_list = listed.as_array().unwrap().iter().find(|x| x["id"] == batch).unwrap();
    assert_eq!(in_list["status"], "AWAITING", "{in_list}");
}

/// A request announcing a 64 MiB + 1 byte 837, over a bare socket: the server must answer from
/// the headers, without waiting for (or reading) the body. Returns what it answered.
fn oversize_submit(s: &Server, token: &str) -> String {
    use std::io::{Read, Write};
    let addr = s.base.trim_start_matches("http://").split('/').next().unwrap().to_string();
    let mut c = std::net::TcpStream::connect(&addr).unwrap();
    c.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    write!(
        c,
        "POST /api/v1/submit?name=huge.837 HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n",
        64 * 1024 * 1024 + 1
    )
    .unwrap();
    // Read the headers, then as much body as they announce.
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = c.read(&mut buf).unwrap();
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer).to_lowercase();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if n == 0 || answer.len() >= end + 4 + length {
                break;
            }
        }
        assert!(n > 0, "the connection closed without an answer: {text}");
    }
    String::from_utf8_lossy(&answer).into_owned()
}
