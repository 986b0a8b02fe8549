//! The dashboard: billing staff's pages, served by `serve` beside the API (`/api/v1`).
//!
//! - Server-rendered HTML (maud: checked at compile time), one stylesheet, no script: every
//!   page reads and every form works without JavaScript. A sync in progress reloads its
//!   page with `<meta http-equiv="refresh">`.
//! - Signing in ([`session`]): `serve` prints a URL with a one-time code; it sets an
//!   `HttpOnly`, `SameSite=Strict` session cookie. Every POST carries the session's CSRF
//!   token. Every page is sent with a Content-Security-Policy that allows only this
//!   server's stylesheet and forms, and with `Cache-Control: no-store` (pages hold PHI).
//! - No patient data in URLs: searches are POSTed; pages are named by stable uids, file
//!   ids, batch numbers and codes, so the access log holds no names or member ids.

mod files;
mod html;
mod pages;
mod segments;
pub mod session;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::rejection::FormRejection;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use maud::{html, Markup};
use serde::Deserialize;

use super::{ApiError, App};
use html::{bare, Frame, Section};
use session::Session;

/// What the dashboard keeps between requests.
#[derive(Default)]
pub(super) struct Web {
    sessions: session::Sessions,
    /// 837s uploaded and checked, waiting for "Queue it", by a random id.
    uploads: Mutex<HashMap<String, files::Pending>>,
    /// Cookies get `Secure` when `serve` speaks HTTPS.
    https: bool,
    /// The errors page's groups, by batch key (`None`: all).
    errors: UntilChanged<Option<String>, pages::ErrorPage>,
    /// The home page's counts, by the hour they were read in (its queues count days).
    home: UntilChanged<i64, pages::HomeCounts>,
    /// The work queues page: by its days, the one queue shown (or all), the page, the hour.
    queues: UntilChanged<QueuesKey, Vec<pages::Queue>>,
    /// The archive's list, all files or those needing attention.
    files: UntilChanged<bool, Vec<crate::store::ArchivedFile>>,
}

/// What the work queues page shows: the no-news days, the no-ERA days, the one queue shown
/// (or all), its page, and the hour (the queues count whole days).
type QueuesKey = (i64, i64, Option<&'static str>, usize, i64);

/// Reads kept until the database changes ([`super::Version`], any process's commit): the
/// dearest pages at 100,000 claims read the same data again and again between syncs.
pub(super) struct UntilChanged<K, V> {
    kept: Mutex<HashMap<K, (i64, Arc<V>)>>,
}

impl<K, V> Default for UntilChanged<K, V> {
    fn default() -> Self {
        UntilChanged { kept: Mutex::new(HashMap::new()) }
    }
}

impl<K: std::hash::Hash + Eq + Clone, V> UntilChanged<K, V> {
    /// What `read` gives for `key`, read again only when the database has moved past
    /// `version` (always when the version is unknown).
    async fn get<E>(&self, key: &K, version: Option<i64>, read: impl std::future::Future<Output = Result<V, E>>) -> Result<Arc<V>, E> {
        if let Some(v) = version
            && let Some((_, kept)) = self.kept.lock().unwrap_or_else(|p| p.into_inner()).get(key).filter(|(at, _)| *at == v)
        {
            return Ok(kept.clone());
        }
        let fresh = Arc::new(read.await?);
        if let Some(v) = version {
            let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
            // Older versions are of no use; and a bound, for many batches' pages.
            kept.retain(|_, (at, _)| *at == v);
            if kept.len() >= 64 {
                kept.clear();
            }
            kept.insert(key.clone(), (v, fresh.clone()));
        }
        Ok(fresh)
    }
}

/// Only this server's stylesheet and forms; no script, no frames, no other origin.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The dashboard's routes, merged beside `/api/v1`.
pub(super) fn router(app: Arc<App>) -> Router<Arc<App>> {
    let signed_in = Router::new()
        .route("/", get(pages::home))
        .route("/batches", get(pages::batches))
        .route("/batches/{uid}", get(pages::batch))
        .route("/batches/{uid}/archive", post(pages::archive))
        .route("/claims/{uid}", get(pages::claim))
        .route("/queues", get(pages::queues))
        .route("/errors", get(pages::errors))
        .route("/errors/print", get(pages::errors_print))
        .route("/files", get(files::list))
        .route("/files/{id}", get(files::view))
        .route("/files/{id}/download", get(files::download))
        .route("/files/check", post(files::check).layer(axum::extract::DefaultBodyLimit::max(super::SUBMIT_LIMIT + 64 * 1024)))
        .route("/files/queue", post(files::queue))
        .route("/search", post(pages::search))
        .route("/sync", get(pages::sync_page).post(pages::sync_now))
        .route("/connection", get(pages::connection))
        .route("/connection/doctor", post(pages::run_doctor))
        .route("/sign-out", post(sign_out))
        .route_layer(middleware::from_fn_with_state(app, require_session));
    Router::new()
        .merge(signed_in)
        .route("/sign-in", get(sign_in_page).post(sign_in))
        .route("/assets/app.css", get(stylesheet))
        .fallback(|| async { PageError::not_found("There is no such page.") })
        .layer(middleware::from_fn(security_headers))
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    r
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("max-age=3600")),
        ],
        html::CSS,
    )
        .into_response()
}

/// The session of the request's cookie, or a page saying how to sign in.
async fn require_session(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let session = req
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| session::cookie_value(c, session::COOKIE))
        .and_then(|v| app.web.sessions.get(v));
    match session {
        Some(s) => {
            req.extensions_mut().insert(s);
            next.run(req).await
        }
        None => PageError {
            status: StatusCode::UNAUTHORIZED,
            title: "Sign in first",
            message: "This page needs you to be signed in (a session ends after 30 minutes without use, 12 hours in all, \
                      or when the browser closes). Open the sign-in link `claimtrack serve` printed when it started, or run \
                      `claimtrack dashboard` for a new one (each link works once, for an hour)."
                .into(),
        }
        .into_response(),
    }
}

#[derive(Deserialize)]
struct SignIn {
    code: Option<String>,
}

/// `GET /sign-in?code=…`: a button that signs in. A GET changes nothing, so a link preview
/// (a chat or mail program fetching the link) cannot spend the code.
async fn sign_in_page(q: Result<axum::extract::Query<SignIn>, axum::extract::rejection::QueryRejection>) -> Response {
    let code = q.ok().and_then(|q| q.0.code).unwrap_or_default();
    html_page(bare(
        "Sign in to claimtrack",
        html! {
            form method="post" action="/sign-in" {
                input type="hidden" name="code" value=(code);
                p { "This browser will see the practice's claims for the next 12 hours, or until it is idle for 30 minutes, or closed." }
                button.primary type="submit" autofocus { "Sign in" }
            }
        },
    ))
}

/// `POST /sign-in` (`code`): spends the code, sets the session cookie and goes home, so the
/// code is not left in the address bar.
async fn sign_in(State(app): State<Arc<App>>, form: Result<Form<SignIn>, FormRejection>) -> Result<Response, PageError> {
    let code = form.ok().and_then(|f| f.0.code).unwrap_or_default();
    let now = app.clock.now();
    let spent = !code.is_empty() && super::read(&app, move |t| session::spend_code(t.store().conn(), &code, now)).await?;
    if !spent {
        return Err(PageError {
            status: StatusCode::FORBIDDEN,
            title: "This sign-in link does not work",
            message: "It was used already, has expired (links work for an hour) or was mistyped. Run `claimtrack dashboard` \
                      on the computer running claimtrack for a new link."
                .into(),
        });
    }
    let (cookie, _) = app.web.sessions.open().map_err(|e| PageError::internal(&e))?;
    let secure = if app.web.https { "; Secure" } else { "" };
    // No Max-Age: the cookie ends with the browser; the server ends the session sooner.
    let set = format!("{}={cookie}; Path=/; HttpOnly; SameSite=Strict{secure}", session::COOKIE);
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&set).map_err(|_| PageError::internal("cookie"))?);
    Ok(r)
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: String,
}

async fn sign_out(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    headers: axum::http::HeaderMap,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> PageResult {
    check_csrf(&s, &form.map_err(|_| PageError::bad_form())?.0.csrf)?;
    if let Some(c) = headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).and_then(|c| session::cookie_value(c, session::COOKIE)) {
        app.web.sessions.close(c);
    }
    let mut r = html_page(bare("Signed out", html! { p { "You are signed out. A new sign-in link comes from `claimtrack dashboard`." } }));
    let clear = format!("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", session::COOKIE);
    r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&clear).expect("ascii"));
    Ok(r)
}

/// Refuses a form whose CSRF token is not the session's.
fn check_csrf(s: &Session, presented: &str) -> Result<(), PageError> {
    if session::same_secret(&s.csrf, presented) {
        Ok(())
    } else {
        Err(PageError {
            status: StatusCode::FORBIDDEN,
            title: "This form is out of date",
            message: "The form did not carry this session's security token (it may come from another tab before you \
                      signed in again, or from another site). Go back, reload the page and try again."
                .into(),
        })
    }
}

/// A whole HTML page as a response.
fn html_page(m: Markup) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))], m.into_string()).into_response()
}

/// A page's query string. One it cannot read (a page number that is not a number) is a
/// page saying so, not axum's plain text.
struct Q<T>(T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for Q<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, PageError> {
        axum::extract::Query::<T>::from_request_parts(parts, state).await.map(|q| Q(q.0)).map_err(|_| PageError::bad_address())
    }
}

/// A page's path parameter, as [`Q`].
struct P<T>(T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S> for P<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, PageError> {
        axum::extract::Path::<T>::from_request_parts(parts, state).await.map(|p| P(p.0)).map_err(|_| PageError::bad_address())
    }
}

/// What a page handler answers.
type PageResult = Result<Response, PageError>;

/// A failure, as a page (the API's are JSON).
#[derive(Debug)]
struct PageError {
    status: StatusCode,
    title: &'static str,
    message: String,
}

impl PageError {
    fn not_found(message: impl Into<String>) -> Self {
        PageError { status: StatusCode::NOT_FOUND, title: "Not found", message: message.into() }
    }
    fn internal(what: &str) -> Self {
        tracing::warn!(target: "claimtrack::api", "dashboard: {what}");
        PageError { status: StatusCode::INTERNAL_SERVER_ERROR, title: "Something went wrong", message: "The page could not be made; `claimtrack doctor` checks the data folder.".into() }
    }
    fn bad_address() -> Self {
        PageError {
            status: StatusCode::BAD_REQUEST,
            title: "This address is not right",
            message: "Part of the address could not be read (a page number or a file number must be a whole number). Go back and try again.".into(),
        }
    }
    fn bad_form() -> Self {
        PageError { status: StatusCode::BAD_REQUEST, title: "The form could not be read", message: "Go back, reload the page and try again.".into() }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError { status: e.status, title: "Something went wrong", message: e.message }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let body = bare(self.title, html! { p { (self.message) } p { a href="/" { "Go to the home page" } } });
        let mut r = html_page(body);
        *r.status_mut() = self.status;
        r
    }
}

/// The frame of a signed-in page.
fn frame<'a>(title: &'a str, section: Section, s: &'a Session) -> Frame<'a> {
    Frame { title, section, csrf: &s.csrf, refresh: None, query: "" }
}

/// How long a checked upload waits for "Queue it", and how many wait at once (each up to
/// the 64 MiB an 837 may be).
const UPLOAD_KEPT: Duration = Duration::from_secs(30 * 60);
const UPLOADS_KEPT: usize = 4;

impl Web {
    pub(super) fn new(https: bool) -> Web {
        Web { https, ..Web::default() }
    }

    fn keep_upload(&self, p: files::Pending) -> Result<String, String> {
        let id = super::tokens::random_value("")?;
        let mut all = self.uploads.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|_, u| u.at.elapsed() < UPLOAD_KEPT);
        while all.len() >= UPLOADS_KEPT {
            let Some(oldest) = all.iter().min_by_key(|(_, u)| u.at).map(|(k, _)| k.clone()) else { break };
            all.remove(&oldest);
        }
        all.insert(id.clone(), p);
        Ok(id)
    }

    /// The upload `id` checked in the session whose CSRF token is `owner`.
    fn take_upload(&self, id: &str, owner: &str) -> Option<files::Pending> {
        let mut all = self.uploads.lock().unwrap_or_else(|p| p.into_inner());
        if !all.get(id).is_some_and(|u| session::same_secret(&u.owner, owner)) {
            return None;
        }
        all.remove(id).filter(|u| u.at.elapsed() < UPLOAD_KEPT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_kept_read_is_read_again_once_the_database_moves() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let kept: UntilChanged<&str, usize> = UntilChanged::default();
        let reads = AtomicUsize::new(0);
        let get = |version: Option<i64>| {
            rt.block_on(kept.get(&"errors", version, async {
                Ok::<_, ()>(reads.fetch_add(1, Ordering::SeqCst) + 1)
            }))
            .unwrap()
        };
        assert_eq!(*get(Some(7)), 1);
        assert_eq!(*get(Some(7)), 1, "kept while the version holds");
        assert_eq!(*get(Some(8)), 2, "read again after a commit");
        assert_eq!(*get(None), 3, "an unknown version is never trusted");
        assert_eq!(*get(Some(8)), 2);
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }
}
