//! The dashboard in a real browser: Debian's headless Chromium driven over WebDriver
//! (support::webdriver) through the demo's data, as billing staff would click through it,
//! plus the refusals a browser never shows (no session, a wrong CSRF token) with a plain
//! HTTP client. Screenshots of each page are kept in `$CARGO_TARGET_TMPDIR/dashboard/`.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::webdriver::Browser;
use support::{demo, serve_with};

fn shots() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// An absolute path without `..`: ChromeDriver takes no other for a file input.
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/x12-837").join(name).canonicalize().unwrap()
}

/// The site's root: `http://127.0.0.1:PORT`.
fn root(base: &str) -> String {
    base.trim_end_matches("/api/v1").to_string()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into()
}

#[test]
fn billing_staff_work_through_the_demo_in_a_browser() {
    let Some(b) = Browser::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = demo(tmp.path());
    let server = serve_with(&dir, &[], &[("TZ", "UTC")]);
    let site = root(&server.base);
    let sign_in = server.sign_in.clone().expect("serve prints a sign-in link");
    let shots = shots();

    // Without a session nothing is shown; the link signs the browser in, once.
    b.goto(&format!("{site}/batches"));
    assert!(b.find("h1").text().contains("Sign in first"), "{}", b.source());
    // Opening the link changes nothing (a link preview cannot spend it); its button signs in.
    b.goto(&sign_in);
    assert_eq!(b.find("h1").text(), "Sign in to claimtrack");
    b.find("form[action='/sign-in'] button").click();
    wait_until(&b, "home", |b| b.current_url() == format!("{site}/"));
    assert_eq!(b.find("h1").text(), "Today");
    let home = b.source();
    for expected in ["Claims by status", "Work queues", "Payments received this week", "Office Ally"] {
        assert!(home.contains(expected), "home lacks {expected:?}");
    }
    // The demo ends with a batch Office Ally never answered: its alert is on top, with what to do.
    let first_alert = b.find("main div.alert");
    assert!(first_alert.text().contains("no answer from Office Ally"), "{}", first_alert.text());
    b.screenshot_full(&shots.join("home.png"));
    let cookie = b.cookies().into_iter().find(|c| c["name"] == "claimtrack_session").expect("a session cookie");
    assert_eq!(cookie["httpOnly"], true);
    assert_eq!(cookie["sameSite"], "Strict");
    assert!(cookie.get("expiry").is_none(), "a session cookie: it ends with the browser");
    let session = format!("claimtrack_session={}", cookie["value"].as_str().unwrap());

    // A second use of the same link is refused; `claimtrack dashboard` makes a new one that
    // the running server takes.
    let code = |link: &str| link.split_once("code=").map(|(_, c)| c.to_string()).expect("a code in the link");
    let (status, _) = post_form(&format!("{site}/sign-in"), None, &format!("code={}", code(&sign_in)));
    assert_eq!(status, 403, "a sign-in code works once");
    let o = support::claimtrack_in(&dir).args(["dashboard", "--url", &site]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let another = String::from_utf8(o.stdout).unwrap().trim().to_string();
    assert!(another.starts_with(&format!("{site}/sign-in?code=")), "{another}");
    let r = agent()
        .post(format!("{site}/sign-in"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(format!("code={}", code(&another)))
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "a new link signs in");
    assert!(r.headers().get("set-cookie").is_some());

    // Batches: expand one, see its claims with OA Claim IDs and reasons.
    click_to(&b, "nav a[href='/batches']", "/batches");
    assert_eq!(b.find("h1").text(), "Batches");
    // The demo archives the batches whose tracking is over; the one Office Ally never
    // answered is still tracked.
    assert!(b.find("table.batches").text().contains("AWAITING"), "{}", b.find("main").text());
    click_to(&b, "a[href='/batches?archived=1']", "archived=1");
    assert_eq!(b.find("h1").text(), "Archived batches");
    assert!(b.find_all("table.batches > tbody > tr").len() >= 3, "the demo's answered batches");
    assert!(b.find("table.batches").text().contains("ACCEPTED"), "statuses are shown as Office Ally writes them");
    click_to(&b, "table.batches a.expand", "open=");
    let expanded = b.wait_for("tr.expanded table.claims", Duration::from_secs(10));
    assert!(!expanded.find_all("tbody tr").is_empty(), "the expanded batch lists its claims");
    assert!(b.current_url().contains("open="), "expanding works without script: {}", b.current_url());
    b.screenshot_full(&shots.join("batches.png"));

    // A claim rejected by Office Ally: its timeline, and the statement's segment in the raw file.
    b.goto(&format!("{site}/queues"));
    b.screenshot_full(&shots.join("queues.png"));
    let rejected = b.find("#rejected table.claims tbody tr td a");
    let pcn = rejected.text();
    rejected.click();
    wait_until(&b, "the claim", |b| b.current_url().contains("/claims/"));
    assert_eq!(b.find("h1").text(), format!("Claim {pcn}"));
    let timeline = b.find_all("ol.timeline > li");
    assert!(timeline.len() >= 2, "the 837 and at least one answer");
    assert!(b.find("ol.timeline").text().contains("Office Ally"), "who said it");
    b.screenshot_full(&shots.join("claim.png"));
    let oa_claim_id = b.find("#oa-claim-id").text();
    let link = b.find_all("ol.timeline a").into_iter().last().expect("a link to the file");
    link.click();
    wait_until(&b, "the file", |b| b.current_url().contains("/files/"));
    assert!(b.find("h1").text().starts_with("File "), "{}", b.current_url());
    assert!(!b.find_all("pre.raw span.seg.hit").is_empty(), "the statement's segment is marked: {}", b.current_url());
    b.screenshot_full(&shots.join("file.png"));

    // Errors, and the page to print.
    click_to(&b, "nav a[href='/errors']", "/errors");
    assert!(!b.find_all("section.error-group").is_empty(), "the demo has rejections");
    b.screenshot_full(&shots.join("errors.png"));
    click_to(&b, "a.button[href^='/errors/print']", "/errors/print");
    assert!(b.find("h1").text().starts_with("Claims to fix"));
    assert!(b.find_all("header.top").is_empty(), "the printable page has no navigation");
    let pdf = shots.join("errors.pdf");
    b.print_pdf(&pdf);
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    b.screenshot_full(&shots.join("errors-print.png"));

    // Upload an 837 that breaks Office Ally's rules: each is named, nothing is queued.
    b.goto(&format!("{site}/files"));
    b.screenshot_full(&shots.join("files.png"));
    let batches_before = b_count(&b, &site);
    b.goto(&format!("{site}/files"));
    b.find("input#file").send_keys(fixture("837P-oa-rules-broken-TEST-batch.x12").to_str().unwrap());
    b.find("form[action='/files/check'] button[type='submit']").click();
    wait_until(&b, "the check", |b| b.current_url().ends_with("/files/check"));
    let refused = b.find("div.alert");
    assert!(refused.text().contains("Not queued"), "{}", refused.text());
    assert!(refused.text().contains("oa-rule-isa08"), "the broken rule is named: {}", refused.text());
    b.screenshot_full(&shots.join("upload-refused.png"));
    assert_eq!(b_count(&b, &site), batches_before, "nothing was queued");

    // Sync now: the demo's local mailbox answers at once.
    b.goto(&format!("{site}/"));
    b.find("form[action='/sync'] button").click();
    wait_until(&b, "the sync page", |b| b.current_url().ends_with("/sync"));
    // While it runs the page reloads itself; once done it says how the sync ended.
    // (The page source, not an element: one found before a reload is gone after it.)
    wait_until(&b, "the sync's end", |b| {
        let page = b.source();
        page.contains("Last sync") && !page.contains("http-equiv=\"refresh\"")
    });
    assert!(b.find("main").text().contains("Finished"), "{}", b.find("main").text());
    b.screenshot_full(&shots.join("sync.png"));

    // Search by OA Claim ID: it opens the claim.
    assert!(!oa_claim_id.is_empty() && oa_claim_id != "not given yet", "the rejected claim has an OA Claim ID");
    b.find("input#q").send_keys(&oa_claim_id);
    b.find("form.search button").click();
    wait_until(&b, "the claim found", |b| b.current_url().contains("/claims/"));
    assert_eq!(b.find("h1").text(), format!("Claim {pcn}"), "search by OA Claim ID opens the claim");

    // The connection page: the configuration without secrets, and the last connection check,
    // run at the terminal here (the demo's mailbox is a local folder) and then from the page.
    let o = support::claimtrack_in(&dir).arg("doctor").output().unwrap();
    assert!(!String::from_utf8_lossy(&o.stdout).is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
    click_to(&b, "nav a[href='/connection']", "/connection");
    assert!(b.find("main").text().contains("transport"), "the configuration is shown");
    assert!(b.find("ul.checks").text().contains("config"), "the terminal's doctor report: {}", b.find("main").text());
    let reports = || -> i64 {
        let db = rusqlite::Connection::open(dir.join("data").join(claimtrack::store::DB_FILE)).unwrap();
        db.query_row("SELECT COUNT(*) FROM doctor_reports", [], |r| r.get(0)).unwrap()
    };
    assert_eq!(reports(), 1, "the terminal's run is kept");
    b.find("form[action='/connection/doctor'] button").click();
    wait_until(&b, "the page's check", |b| reports() == 2 && b.current_url().ends_with("/connection"));
    let main = b.find("main").text();
    assert!(main.contains("Last run") && main.contains("uploads picked up: fail"), "{main}");
    b.screenshot_full(&shots.join("connection.png"));

    // Refusals: a POST with another token, a GET without the cookie.
    let (status, body) = post_form(&format!("{site}/sync"), Some(&session), "csrf=not-the-token");
    assert_eq!(status, 403, "{body}");
    let (status, _) = get(&format!("{site}/"), None);
    assert_eq!(status, 401);
    let r = agent().get(format!("{site}/")).header("Cookie", &session).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let csp = r.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(csp.contains("default-src 'none'") && csp.contains("form-action 'self'"), "{csp}");
    assert_eq!(r.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"), "pages hold PHI");
    eprintln!("screenshots in {}", shots.display());
}

/// Clicks the link `css` and waits for the page whose URL contains `url_part`.
fn click_to(b: &Browser, css: &str, url_part: &str) {
    b.find(css).click();
    wait_until(b, url_part, |b| b.current_url().contains(url_part));
}

/// Polls the page (a form's POST and redirect finish after `click` returns), for up to 30 s.
fn wait_until(b: &Browser, what: &str, done: impl Fn(&Browser) -> bool) {
    for _ in 0..300 {
        if done(b) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what} did not come within 30 s: {}", b.current_url());
}

fn b_count(b: &Browser, site: &str) -> usize {
    b.goto(&format!("{site}/batches"));
    b.find_all("table.batches > tbody > tr").len()
}

fn get(url: &str, cookie: Option<&str>) -> (u16, String) {
    let mut req = agent().get(url);
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    let mut r = req.call().unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap_or_default())
}

fn post_form(url: &str, cookie: Option<&str>, body: &str) -> (u16, String) {
    let mut req = agent().post(url).header("Content-Type", "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    let mut r = req.send(body).unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap_or_default())
}
