//! A small W3C WebDriver client for the browser tests: Debian's headless Chromium driven
//! through ChromeDriver, over blocking HTTP (ureq) so that tests stay plain `#[test]`s with no
//! async runtime and no browser-automation framework to keep up with.
//!
//! Test support: a failed command panics with a message naming the selector or URL, so a test
//! reads as a list of steps. [`Browser::command`] gives any other W3C endpoint as a `Result`.

use std::fmt;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

/// The key W3C WebDriver uses to mark an element reference in JSON.
pub const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// What to say when the browser is absent: the Debian packages `scripts/test` installs.
const NOT_INSTALLED: &str = "chromium/chromedriver not installed (apt-get install chromium chromium-driver)";

/// Generous for a page load on a loaded 2-core CI machine, short enough that a hung driver
/// fails the test instead of the whole run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Screenshots and PDFs come back base64 in JSON; ureq's default 10 MB body cap is too small
/// for a full-page screenshot of a long page.
const MAX_RESPONSE: u64 = 256 * 1024 * 1024;

/// The tallest window `screenshot_full` asks for: a page that grows without end must not make
/// a screenshot of hundreds of megabytes.
const MAX_FULL_HEIGHT: i64 = 16_384;

/// An error answered by the driver (`{"value": {"error", "message"}}`), or `transport` when
/// the HTTP exchange itself failed.
#[derive(Debug, Clone)]
pub struct WebDriverError {
    /// The W3C error code, such as `no such element` or `javascript error`.
    pub error: String,
    /// The driver's explanation.
    pub message: String,
}

impl fmt::Display for WebDriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // ChromeDriver repeats the session info on a second line, and often the error at the
        // start of the first; the first line says it all.
        let message = self.message.lines().next().unwrap_or_default();
        match message.strip_prefix(&self.error).and_then(|m| m.strip_prefix(": ")) {
            Some(rest) => write!(f, "{}: {rest}", self.error),
            None => write!(f, "{}: {message}", self.error),
        }
    }
}

impl std::error::Error for WebDriverError {}

/// HTTP methods the W3C protocol uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

/// A headless Chromium session with its own ChromeDriver and throwaway profile. Dropping it
/// ends the session and the driver and removes the profile: nothing is left running.
pub struct Browser {
    agent: ureq::Agent,
    /// `http://127.0.0.1:PORT/session/ID`.
    session: String,
    driver: Child,
    /// The profile, HOME, TMPDIR and the driver's log: Chromium writes crash reports under
    /// HOME and leaves scoped folders in TMPDIR when it is killed, none of which may outlive
    /// the test. Every browser process names this folder in its command line, which is how
    /// `Drop` finds them.
    profile: tempfile::TempDir,
}

impl Browser {
    /// A new browser session, or `None` when Chromium or ChromeDriver is not installed and
    /// `CLAIMTRACK_BROWSER_OPTIONAL=1` (the test then skips, saying so on stderr). Otherwise a
    /// missing browser is a failure: CI must not pass by testing nothing.
    pub fn start() -> Option<Browser> {
        let driver = executable("CLAIMTRACK_CHROMEDRIVER", "/usr/bin/chromedriver");
        let chromium = executable("CLAIMTRACK_CHROMIUM", "/usr/bin/chromium");
        let (driver, chromium) = match (driver, chromium) {
            (Ok(d), Ok(c)) => (d, c),
            (Err(missing), _) | (_, Err(missing)) => {
                if std::env::var("CLAIMTRACK_BROWSER_OPTIONAL").as_deref() == Ok("1") {
                    eprintln!("skipping: {NOT_INSTALLED} ({} not found)", missing.display());
                    return None;
                }
                panic!("{NOT_INSTALLED}: {} not found (CLAIMTRACK_BROWSER_OPTIONAL=1 skips)", missing.display());
            }
        };
        let profile = tempfile::Builder::new().prefix("claimtrack-chromium-").tempdir().expect("a temporary profile");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(REQUEST_TIMEOUT))
            .http_status_as_error(false)
            // The driver is on loopback: a proxy from the environment must not be asked.
            .proxy(None)
            .build()
            .into();
        // The free port is released before the driver binds it, so another process may take
        // it in between: try a few ports before calling it a failure.
        let mut last_failure = String::new();
        for _attempt in 0..3 {
            match start_driver(&agent, &driver, profile.path()) {
                Ok((child, base)) => {
                    let mut browser = Browser { agent, session: String::new(), driver: child, profile };
                    browser.new_session(&base, &chromium);
                    return Some(browser);
                }
                Err(e) => last_failure = e,
            }
        }
        panic!("chromedriver ({}) did not start: {last_failure}", driver.display());
    }

    fn new_session(&mut self, base: &str, chromium: &Path) {
        let profile = self.profile.path().join("profile");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new",
                    // Root (CI containers) cannot use Chromium's sandbox.
                    "--no-sandbox",
                    "--disable-gpu",
                    // Containers often have a 64 MB /dev/shm, too small for the renderer.
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    // No traffic but the page's own, so tests run offline and the same way.
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        }}});
        let v = match self.request(Method::Post, &format!("{base}/session"), Some(&caps)) {
            Ok(v) => v,
            Err(e) => panic!("chromedriver could not start {}: {e}\n{}", chromium.display(), self.driver_log()),
        };
        let id = v["sessionId"].as_str().unwrap_or_else(|| panic!("no sessionId in {v}"));
        self.session = format!("{base}/session/{id}");
    }

    /// The temporary folder of the profile and HOME (removed on drop): every process of this
    /// browser names it in its command line (see [`processes_naming`]).
    pub fn profile_dir(&self) -> &Path {
        self.profile.path()
    }

    /// Any W3C command on this session, `path` being relative to it (`"/window/rect"`, or
    /// `""` for the session itself); the reply's `value`.
    pub fn command(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value, WebDriverError> {
        self.request(method, &format!("{}{path}", self.session), body)
    }

    fn request(&self, method: Method, url: &str, body: Option<&Value>) -> Result<Value, WebDriverError> {
        let transport = |e: ureq::Error| WebDriverError { error: "transport".into(), message: format!("{url}: {e}") };
        let mut response = match method {
            Method::Get => self.agent.get(url).call(),
            Method::Delete => self.agent.delete(url).call(),
            // ChromeDriver rejects a POST without a JSON body, even where it needs no data.
            Method::Post => self
                .agent
                .post(url)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or(&json!({})).to_string()),
        }
        .map_err(transport)?;
        let text = response.body_mut().with_config().limit(MAX_RESPONSE).read_to_string().map_err(transport)?;
        let mut reply: Value = serde_json::from_str(&text).map_err(|e| WebDriverError {
            error: "invalid response".into(),
            message: format!("{url}: {e}: {}", text.chars().take(500).collect::<String>()),
        })?;
        let value = reply["value"].take();
        match value.get("error").and_then(Value::as_str) {
            Some(error) => Err(WebDriverError {
                error: error.to_string(),
                message: value["message"].as_str().unwrap_or_default().to_string(),
            }),
            None => Ok(value),
        }
    }

    /// `command` for the helpers below, which panic naming what they were doing.
    fn must(&self, method: Method, path: &str, body: Option<Value>, doing: impl FnOnce() -> String) -> Value {
        self.command(method, path, body.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", doing()))
    }

    /// Load `url` and wait for its `load` event.
    pub fn goto(&self, url: &str) {
        self.must(Method::Post, "/url", Some(json!({"url": url})), || format!("goto {url}"));
    }

    pub fn current_url(&self) -> String {
        self.must(Method::Get, "/url", None, || "current_url".into()).as_str().unwrap_or_default().to_string()
    }

    pub fn title(&self) -> String {
        self.must(Method::Get, "/title", None, || "title".into()).as_str().unwrap_or_default().to_string()
    }

    /// The page's current DOM serialized, not the bytes the server sent.
    pub fn source(&self) -> String {
        self.must(Method::Get, "/source", None, || "source".into()).as_str().unwrap_or_default().to_string()
    }

    pub fn back(&self) {
        self.must(Method::Post, "/back", None, || format!("back from {}", self.current_url()));
    }

    /// The first element matching `css`; panics naming the selector and the page when none does.
    pub fn find(&self, css: &str) -> Element<'_> {
        self.try_find("", css).unwrap_or_else(|e| panic!("find `{css}` on {}: {e}", self.current_url()))
    }

    /// Every element matching `css`, in document order; empty when none does.
    pub fn find_all(&self, css: &str) -> Vec<Element<'_>> {
        self.find_all_in("", css, || format!("find_all `{css}` on {}", self.current_url()))
    }

    /// The first element matching `css` once the page has one (a script that renders later, a
    /// navigation under way), polling every 50 ms for at most `timeout`.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Element<'_> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.try_find("", css) {
                Ok(e) => return e,
                Err(e) if e.error == "no such element" && Instant::now() < deadline => sleep(Duration::from_millis(50)),
                Err(e) => panic!("wait_for `{css}` ({timeout:?}) on {}: {e}", self.current_url()),
            }
        }
    }

    /// `parent` is "" for the document, or `/element/ID`.
    fn try_find(&self, parent: &str, css: &str) -> Result<Element<'_>, WebDriverError> {
        let v = self.command(Method::Post, &format!("{parent}/element"), Some(&by_css(css)))?;
        Ok(self.element(&v, css))
    }

    fn find_all_in(&self, parent: &str, css: &str, doing: impl FnOnce() -> String) -> Vec<Element<'_>> {
        let v = self.must(Method::Post, &format!("{parent}/elements"), Some(by_css(css)), doing);
        v.as_array().into_iter().flatten().map(|v| self.element(v, css)).collect()
    }

    fn element(&self, reference: &Value, css: &str) -> Element<'_> {
        let id = reference[ELEMENT_KEY].as_str().unwrap_or_else(|| panic!("`{css}`: not an element reference: {reference}"));
        Element { browser: self, id: id.to_string(), css: css.to_string() }
    }

    /// Run `script` as a function body with `args` (elements through [`Element::as_arg`]) and
    /// return what it returns; awaits a returned promise.
    pub fn execute(&self, script: &str, args: &[Value]) -> Value {
        self.must(Method::Post, "/execute/sync", Some(json!({"script": script, "args": args})), || {
            format!("execute `{script}` on {}", self.current_url())
        })
    }

    /// A PNG of the viewport: 1280×757 here, as headless Chromium still takes a window frame
    /// it does not draw out of `--window-size=1280,900`.
    pub fn screenshot(&self, path: &Path) {
        let v = self.must(Method::Get, "/screenshot", None, || format!("screenshot of {}", self.current_url()));
        write_base64(&v, path);
    }

    /// A PNG of the whole page: W3C has no full-page capture, so the window is made as tall as
    /// the document (at most 16384 px) for the shot, then put back.
    pub fn screenshot_full(&self, path: &Path) {
        let rect = self.must(Method::Get, "/window/rect", None, || "window rect".into());
        let size = self.execute(
            "const d = document.documentElement;
             return [Math.max(d.scrollWidth, window.innerWidth), Math.max(d.scrollHeight, document.body ? document.body.scrollHeight : 0),
                     window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];",
            &[],
        );
        let n = |i: usize| size[i].as_i64().unwrap_or(0);
        let (width, height) = ((n(0) + n(2)).max(1), (n(1) + n(3)).clamp(1, MAX_FULL_HEIGHT));
        self.must(Method::Post, "/window/rect", Some(json!({"width": width, "height": height})), || {
            format!("resize to {width}×{height}")
        });
        let shot = self.command(Method::Get, "/screenshot", None);
        self.must(Method::Post, "/window/rect", Some(json!({"width": rect["width"], "height": rect["height"]})), || {
            "restore the window".into()
        });
        let v = shot.unwrap_or_else(|e| panic!("full screenshot of {}: {e}", self.current_url()));
        write_base64(&v, path);
    }

    /// The page printed to PDF as the print dialog would (print stylesheet, no backgrounds).
    pub fn print_pdf(&self, path: &Path) {
        let v = self.must(Method::Post, "/print", None, || format!("print {}", self.current_url()));
        write_base64(&v, path);
    }

    /// The cookies visible to the current page, as W3C cookie objects (`name`, `value`,
    /// `path`, `domain`, `httpOnly`, …).
    pub fn cookies(&self) -> Vec<Value> {
        match self.must(Method::Get, "/cookie", None, || "cookies".into()) {
            Value::Array(cookies) => cookies,
            other => panic!("cookies: not a list: {other}"),
        }
    }

    /// Set a cookie (`{"name", "value"}` and optionally `path`, `httpOnly`, …) for the current
    /// page's domain: W3C only sets cookies on the page being shown, so `goto` first.
    pub fn add_cookie(&self, cookie: Value) {
        let doing = || format!("add cookie {cookie} on {}", self.current_url());
        self.must(Method::Post, "/cookie", Some(json!({"cookie": cookie})), doing);
    }

    /// Delete every cookie visible to the current page.
    pub fn delete_cookies(&self) {
        self.must(Method::Delete, "/cookie", None, || "delete cookies".into());
    }

    fn driver_log(&self) -> String {
        fs::read_to_string(self.profile.path().join("chromedriver.log")).unwrap_or_default()
    }
}

impl Drop for Browser {
    /// Ending the session is not enough: Chromium's zygotes and crash handlers (the latter
    /// re-parented to init) outlive the browser by a second or two, and a failed session end
    /// or killed driver would leave the browser itself running. Whatever still names the
    /// profile is killed, and waited for, before the profile is removed.
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.command(Method::Delete, "", None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let mut left = Vec::new();
        for _ in 0..100 {
            left = processes_naming(self.profile.path());
            if left.is_empty() {
                return;
            }
            let mut kill = Command::new("kill");
            kill.arg("-KILL").args(left.iter().map(|(pid, _)| pid.to_string()));
            let _ = kill.stderr(Stdio::null()).status();
            sleep(Duration::from_millis(20));
        }
        let message = format!("browser processes still running after 2 s: {left:?}");
        if std::thread::panicking() {
            eprintln!("{message}");
        } else {
            panic!("{message}");
        }
    }
}

/// The running processes (pid and command line) whose command line names `dir`; zombies have
/// none and are not counted (init reaps them). Linux only: elsewhere, none.
pub fn processes_naming(dir: &Path) -> Vec<(u32, String)> {
    let dir = dir.to_string_lossy();
    let Ok(entries) = fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let cmdline = fs::read(e.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline.contains(&*dir).then_some((pid, cmdline))
        })
        .collect()
}

/// An element of the page, borrowed from its [`Browser`]; `css` is the selector that found it,
/// for messages.
pub struct Element<'b> {
    browser: &'b Browser,
    id: String,
    css: String,
}

impl<'b> Element<'b> {
    /// The element as an argument of [`Browser::execute`].
    pub fn as_arg(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    fn must(&self, method: Method, what: &str, body: Option<Value>) -> Value {
        let path = format!("/element/{}{what}", self.id);
        self.browser.must(method, &path, body, || format!("`{}` {what} on {}", self.css, self.browser.current_url()))
    }

    /// Click as a user would: fails if another element covers it or it is not displayed.
    pub fn click(&self) {
        self.must(Method::Post, "/click", None);
    }

    /// The rendered text (hidden text excluded), as a user reads it.
    pub fn text(&self) -> String {
        self.must(Method::Get, "/text", None).as_str().unwrap_or_default().to_string()
    }

    /// The HTML attribute as written in the markup; `None` when absent.
    pub fn attr(&self, name: &str) -> Option<String> {
        self.must(Method::Get, &format!("/attribute/{name}"), None).as_str().map(str::to_string)
    }

    /// The live DOM property (`value`, `checked`, `open`, …), which user input changes and the
    /// attribute does not.
    pub fn property(&self, name: &str) -> Value {
        self.must(Method::Get, &format!("/property/{name}"), None)
    }

    /// Type `text` as key presses; on `<input type=file>` an absolute path chooses that file.
    pub fn send_keys(&self, text: &str) {
        self.must(Method::Post, "/value", Some(json!({"text": text})));
    }

    pub fn clear(&self) {
        self.must(Method::Post, "/clear", None);
    }

    /// Whether a user could see it (ChromeDriver runs Selenium's visibility check: not
    /// `display: none`, not inside a closed `<details>`, not zero-sized).
    pub fn is_displayed(&self) -> bool {
        self.must(Method::Get, "/displayed", None).as_bool().unwrap_or(false)
    }

    /// Lower case, as `div`.
    pub fn tag_name(&self) -> String {
        self.must(Method::Get, "/name", None).as_str().unwrap_or_default().to_string()
    }

    /// The first descendant matching `css`.
    pub fn find(&self, css: &str) -> Element<'b> {
        self.browser.try_find(&format!("/element/{}", self.id), css).unwrap_or_else(|e| {
            panic!("find `{css}` within `{}` on {}: {e}", self.css, self.browser.current_url())
        })
    }

    /// Every descendant matching `css`.
    pub fn find_all(&self, css: &str) -> Vec<Element<'b>> {
        self.browser.find_all_in(&format!("/element/{}", self.id), css, || {
            format!("find_all `{css}` within `{}` on {}", self.css, self.browser.current_url())
        })
    }
}

fn by_css(css: &str) -> Value {
    json!({"using": "css selector", "value": css})
}

/// The program named by `var`, or `default`; `Err` names the path that is missing.
fn executable(var: &str, default: &str) -> Result<PathBuf, PathBuf> {
    let path = std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from);
    if path.is_file() { Ok(path) } else { Err(path) }
}

/// ChromeDriver on a free port of 127.0.0.1, once its `/status` says ready: the child and its
/// base URL, or why not (with the driver's output).
fn start_driver(agent: &ureq::Agent, driver: &Path, home: &Path) -> Result<(Child, String), String> {
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let log_path = home.join("chromedriver.log");
    let log = fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let tmp = home.join("tmp");
    fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let mut child = Command::new(driver)
        .arg(format!("--port={port}"))
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("TMPDIR", &tmp)
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("{}: {e}", driver.display()))?;
    let base = format!("http://127.0.0.1:{port}");
    let log = || fs::read_to_string(&log_path).unwrap_or_default();
    // Ready in well under a second here; 10 s allows for a cold disk cache.
    for _ in 0..100 {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited with {status}:\n{}", log()));
        }
        let status = agent.get(format!("{base}/status")).call().ok().and_then(|mut r| r.body_mut().read_to_string().ok());
        let status: Option<Value> = status.and_then(|s| serde_json::from_str(&s).ok());
        if status.is_some_and(|v| v["value"]["ready"] == true) {
            return Ok((child, base));
        }
        sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    Err(format!("not ready after 10 s:\n{}", log()))
}

fn write_base64(value: &Value, path: &Path) {
    let data = value.as_str().unwrap_or_else(|| panic!("{}: expected base64, got {value}", path.display()));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap_or_else(|e| panic!("{}: invalid base64 from the driver: {e}", path.display()));
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
    fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
