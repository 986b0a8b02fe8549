//! The WebDriver client of tests/support against a real headless Chromium, on a tiny site
//! served here, before the dashboard's own browser tests rely on it.
//! Needs Debian's chromium and chromium-driver; `CLAIMTRACK_BROWSER_OPTIONAL=1` skips without them.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use support::webdriver::{processes_naming, Browser};

const FORM: &str = r#"<!doctype html><title>Form</title>
<form onsubmit="return false"><input id="name"> <input id="file" type="file">
<button id="greet" type="button" onclick="document.getElementById('out').textContent = 'Hello, ' + document.getElementById('name').value">Greet</button></form>
<p id="out"></p><a id="next" href="/next">Next page</a>
<details><summary>More</summary><p id="more">Hidden until opened</p></details>
<div style="height: 2000px; border: 1px solid">Long</div>"#;

const NEXT: &str = r#"<!doctype html><title>Next</title>
<ul><li>one</li><li>two</li></ul>
<script>setTimeout(() => document.body.insertAdjacentHTML('beforeend', '<p id="late">Late</p>'), 300)</script>"#;

/// `http://127.0.0.1:PORT` serving FORM at `/` and NEXT at `/next`; the thread ends with the test.
fn site() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // At most 100 connections (the test needs about ten); one thread each, as Chromium may
    // open a connection it sends nothing on.
    std::thread::spawn(move || {
        for stream in listener.incoming().take(100).flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    base
}

fn answer(mut stream: TcpStream) {
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let (mut request, mut buf) = (Vec::new(), [0u8; 4096]);
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 65_536 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let path = String::from_utf8_lossy(&request).split_whitespace().nth(1).unwrap_or("/").to_string();
    let (status, body) = match path.as_str() {
        "/" => ("200 OK", FORM),
        "/next" => ("200 OK", NEXT),
        _ => ("404 Not Found", "not found"),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes()));
}

#[test]
fn drives_a_page_end_to_end() {
    let Some(browser) = Browser::start() else { return };
    let base = site();
    let out = tempfile::tempdir().unwrap();
    let profile = browser.profile_dir().to_path_buf();

    browser.goto(&format!("{base}/"));
    assert_eq!(browser.title(), "Form");
    let name = browser.find("#name");
    name.send_keys("Ada");
    assert_eq!(name.property("value"), "Ada");
    name.clear();
    name.send_keys("Grace");
    browser.find("form #greet").click();
    assert_eq!(browser.find("#out").text(), "Hello, Grace");
    assert_eq!(browser.find("form").find("button").tag_name(), "button");
    assert_eq!(browser.find("form").find_all("input").len(), 2);

    // A file input takes a path; the page sees the file's name.
    let upload = out.path().join("claims.837");
    std::fs::write(&upload, "ISA*00~").unwrap();
    let file = browser.find("#file");
    file.send_keys(upload.to_str().unwrap());
    assert_eq!(browser.execute("return arguments[0].files[0].name", &[file.as_arg()]), "claims.837");
    assert_eq!(browser.execute("return arguments[0] + arguments[1]", &[json!(40), json!(2)]), 42);

    // <details>: its content is hidden until the summary is clicked.
    assert!(!browser.find("#more").is_displayed());
    assert_eq!(browser.find("#more").text(), "", "hidden text is not read");
    browser.find("details summary").click();
    assert!(browser.find("#more").is_displayed());
    assert_eq!(browser.find("details").property("open"), true);
    assert_eq!(browser.find("details").attr("open").as_deref(), Some("true"));
    assert_eq!(browser.find("#name").attr("placeholder"), None);

    browser.add_cookie(json!({"name": "session", "value": "abc"}));
    assert!(browser.cookies().iter().any(|c| c["name"] == "session" && c["value"] == "abc"));
    browser.delete_cookies();
    assert!(browser.cookies().is_empty());

    let shot = out.path().join("shots/form.png");
    browser.screenshot(&shot);
    let full = out.path().join("shots/full.png");
    browser.screenshot_full(&full);
    let (viewport, page) = (png_size(&shot), png_size(&full));
    assert!(viewport.1 < 1000 && page.1 > 2000 && page.0 == viewport.0, "{viewport:?} then {page:?}");
    assert_eq!(browser.execute("return [window.innerWidth, window.innerHeight]", &[]), json!(viewport), "restored");
    let pdf_path = out.path().join("print/form.pdf");
    browser.print_pdf(&pdf_path);
    let pdf = std::fs::read(&pdf_path).unwrap();
    assert!(pdf.starts_with(b"%PDF") && pdf.len() > 500, "{} bytes", pdf.len());

    // A missing element names the selector and the page.
    let missing = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| browser.find("#nope").text()));
    let message = *missing.expect_err("#nope is not on the page").downcast::<String>().unwrap();
    assert!(message.contains("`#nope`") && message.contains(&base) && message.contains("no such element"), "{message}");

    let link = browser.find("a#next");
    assert_eq!(link.attr("href").as_deref(), Some("/next"));
    link.click();
    assert_eq!(browser.wait_for("#late", Duration::from_secs(5)).text(), "Late");
    assert_eq!(browser.current_url(), format!("{base}/next"));
    assert_eq!(browser.find_all("li").iter().map(|li| li.text()).collect::<Vec<_>>(), ["one", "two"]);
    assert!(browser.find_all("table").is_empty());
    assert!(browser.source().contains("<li>two</li>"));
    browser.back();
    assert_eq!(browser.title(), "Form");

    // Every process of the browser names its profile; none is left once it is dropped.
    assert!(!processes_naming(&profile).is_empty(), "the browser's processes are found");
    drop(browser);
    assert!(!profile.exists(), "the profile outlived the browser");
    let left = processes_naming(&profile);
    assert!(left.is_empty(), "still running: {left:?}");
}

/// Width and height of a PNG file, from its IHDR header, after checking it is one.
fn png_size(path: &Path) -> (u32, u32) {
    let png = std::fs::read(path).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && &png[12..16] == b"IHDR", "{}: not a PNG", path.display());
    assert!(png.len() > 2_000, "{}: {} bytes", path.display(), png.len());
    let be = |i: usize| u32::from_be_bytes(png[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}
