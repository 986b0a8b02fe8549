//! `claimtrack serve`: the HTTP API (`/api/v1`) for clinic software in any language, and
//! the dashboard for billing staff (every other path; see [`web`]).
//!
//! - Every response is the JSON contract's envelope (`crate::contract`, docs/json.md), the
//!   same shapes `--json` prints; the raw bytes of a file and the OpenAPI document
//!   ([`openapi`], `GET /api/v1/openapi.json`) are the exceptions.
//! - The endpoints are one table (`routes`): the router serves it and [`openapi`] describes
//!   it, so adding an endpoint is one entry there.
//! - Every request needs `Authorization: Bearer <token>` (`claimtrack token create`).
//!   Tokens are stored as hashes; a client that keeps sending bad ones is answered more and
//!   more slowly.
//! - It binds 127.0.0.1 by default. Another address needs HTTPS (`--tls-cert`, `--tls-key`:
//!   rustls, TLS 1.2 and 1.3) or an explicit `--insecure-http`.
//! - No CORS headers: a web page from another origin cannot read the API.
//! - The work is SQLite reads on a small pool of connections, each on a blocking thread; at
//!   most [`Options::workers`] requests run at once, the others wait their turn.
//! - Access logs (`CLAIMTRACK_LOG=claimtrack::api=info`) name the method, the path without
//!   its query (a search can hold a patient's name), the status and the time.
//!
//! `serve` reads what `sync`, `watch` and `ingest` write, from other processes, through the
//! same database: it can run beside them.

pub mod openapi;
mod routes;
mod syncing;
mod tls;
pub mod tokens;
pub(crate) mod web;

pub use syncing::{LastSync, SyncFailure, SyncSetup, SyncState, Transfer};

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::Serialize;

use crate::clock::Clock;
use crate::paths::DataDir;
use crate::tracker::Tracker;
use crate::tracking::alerts::AlertSettings;
use crate::tracking::query::{self, BatchJson, ClaimJson, ClaimSearch};

/// How `serve` runs. Every knob has the default `claimtrack serve` uses.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to listen. Default 127.0.0.1:7171.
    pub listen: SocketAddr,
    /// Allow a non-loopback address without TLS.
    pub insecure_http: bool,
    /// Serve HTTPS with this certificate chain and private key (PEM files).
    pub tls: Option<TlsFiles>,
    /// Requests served at once (each holds one database connection). Default 8.
    pub workers: usize,
    /// The longest a `GET /api/v1/changes?wait=` waits for a change. Default 30 s.
    pub max_wait: Duration,
    /// How webhooks are delivered (`claimtrack webhook add`); `None` delivers none.
    pub webhooks: Option<crate::webhooks::deliver::Settings>,
    /// Where the configuration is, for `POST /submit` (its test mode) and `/sync`; `None`:
    /// submitting goes on without it, syncing answers that there is none.
    pub sync: Option<SyncSetup>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 7171)),
            insecure_http: false,
            tls: None,
            workers: 8,
            max_wait: Duration::from_secs(30),
            webhooks: Some(crate::webhooks::deliver::Settings::default()),
            sync: None,
        }
    }
}

/// The PEM files of `--tls-cert` and `--tls-key`.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain, the server's own certificate first.
    pub cert: std::path::PathBuf,
    /// Its private key (PKCS#8, PKCS#1 or SEC1).
    pub key: std::path::PathBuf,
}

/// Why `serve` did not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A non-loopback address without TLS or `--insecure-http`.
    #[error(
        "{0} is reachable from other machines: serve it over HTTPS (--tls-cert and --tls-key), \
         or pass --insecure-http on a network you trust"
    )]
    NotLoopback(SocketAddr),
    /// The certificate or key could not be read or do not fit.
    #[error("cannot serve HTTPS: {0}")]
    Tls(String),
    /// The address is in use or not allowed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The data folder could not be opened.
    #[error("cannot open the data folder: {0}")]
    Open(String),
    /// The server failed while running.
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
}

impl ServeError {
    /// A stable identifier (the JSON contract's `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            ServeError::NotLoopback(_) => "refused",
            ServeError::Bind { .. } => "bind",
            ServeError::Open(_) | ServeError::Tls(_) => "setup",
            ServeError::Io(_) => "io",
        }
    }
}

/// Serves until Ctrl-C or SIGTERM; calls `ready` with the address once it listens (port 0
/// in `listen` picks a free one).
pub fn run(data_dir: &DataDir, clock: Clock, options: Options, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    if !options.listen.ip().is_loopback() && !options.insecure_http && options.tls.is_none() {
        return Err(ServeError::NotLoopback(options.listen));
    }
    let tls = options.tls.as_ref().map(tls::server_config).transpose()?;
    let workers = options.workers.max(1);
    let mut trackers = Vec::with_capacity(workers);
    for _ in 0..workers {
        let (t, _problems) = Tracker::open(data_dir, clock).map_err(|e| ServeError::Open(format!("{e:#}")))?;
        trackers.push(t);
    }
    let app = Arc::new(App {
        pool: Arc::new(Mutex::new(trackers)),
        permits: Arc::new(tokio::sync::Semaphore::new(workers)),
        failures: Mutex::new(HashMap::new()),
        max_wait: options.max_wait,
        clock,
        config: options.sync.as_ref().map(|s| s.paths.clone()),
        syncer: options.sync.clone().map(|setup| syncing::Syncer::new(setup, data_dir, clock)),
        version: Version::open(data_dir),
        batches_cache: Mutex::new(None),
        web: web::Web::new(options.tls.is_some()),
    });
    let syncer = app.syncer.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    // Stopped (after the deliveries in flight) when `run` returns, however it returns.
    let _deliverer = options.webhooks.clone().map(|settings| crate::webhooks::deliver::Deliverer::start(data_dir, clock, settings));
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|source| ServeError::Bind { addr: options.listen, source })?;
        ready(listener.local_addr()?);
        let service = router(app).into_make_service_with_connect_info::<SocketAddr>();
        match tls {
            None => axum::serve(listener, service).with_graceful_shutdown(stopped()).await?,
            Some(config) => {
                let handle = axum_server::Handle::new();
                let on_stop = handle.clone();
                tokio::spawn(async move {
                    stopped().await;
                    on_stop.graceful_shutdown(Some(Duration::from_secs(10)));
                });
                axum_server::from_tcp_rustls(listener.into_std()?, axum_server::tls_rustls::RustlsConfig::from_config(config))
                    .handle(handle)
                    .serve(service)
                    .await?
            }
        }
        Ok(())
    });
    if let Some(s) = syncer {
        s.stop();
    }
    served
}

/// Ctrl-C, or SIGTERM (a service manager stopping it).
async fn stopped() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}

struct App {
    /// One tracker (database connection, plugins) per worker.
    pool: Arc<Mutex<Vec<Tracker>>>,
    /// As many as trackers: a request holds one until its tracker is back in the pool.
    permits: Arc<tokio::sync::Semaphore>,
    /// Bad tokens per client address: (count, first in this window).
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
    max_wait: Duration,
    clock: Clock,
    config: Option<crate::config::ConfigPaths>,
    syncer: Option<Arc<syncing::Syncer>>,
    /// How far the database has moved, for `batches_cache`.
    version: Version,
    /// `GET /batches`' body, and the database version it was read at.
    batches_cache: Mutex<Option<(i64, axum::body::Bytes)>>,
    /// The dashboard's sessions and pending uploads.
    web: web::Web,
}

/// How long bad tokens are remembered, and how many are answered at once.
const FAILURE_WINDOW: Duration = Duration::from_secs(600);
const FREE_FAILURES: u32 = 5;
/// Addresses remembered at most: past it, expired ones are forgotten, then all.
const MAX_REMEMBERED: usize = 10_000;

/// A tracker taken from the pool, with the permit that allowed it: both go back when it is
/// dropped, on the blocking thread that used it, even when the request that wanted it is
/// gone (the client hung up) or the work panicked. Otherwise a lost tracker would shrink
/// the pool for good.
struct Lease {
    pool: Arc<Mutex<Vec<Tracker>>>,
    tracker: Option<Tracker>,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(t) = self.tracker.take() {
            // A poisoned lock still holds the pool: a panic elsewhere must not lose it.
            self.pool.lock().unwrap_or_else(|p| p.into_inner()).push(t);
        }
    }
}

impl App {
    /// Runs `f` on a tracker of the pool, on a blocking thread.
    async fn with<R: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Tracker) -> R + Send + 'static,
    ) -> Result<R, ApiError> {
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| ApiError::busy())?;
        let tracker = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop().ok_or_else(ApiError::busy)?;
        let mut lease = Lease { pool: self.pool.clone(), tracker: Some(tracker), _permit: permit };
        tokio::task::spawn_blocking(move || f(lease.tracker.as_mut().expect("a lease holds its tracker")))
            .await
            .map_err(|_| ApiError::internal("a request failed"))
    }

    /// A bad token from `ip`: how long to wait before answering.
    fn failed(&self, ip: IpAddr) -> Duration {
        let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if f.len() >= MAX_REMEMBERED && !f.contains_key(&ip) {
            f.retain(|_, (_, since)| now.duration_since(*since) < FAILURE_WINDOW);
            if f.len() >= MAX_REMEMBERED {
                f.clear();
            }
        }
        let e = f.entry(ip).or_insert((0, now));
        if now.duration_since(e.1) >= FAILURE_WINDOW {
            *e = (0, now);
        }
        e.0 += 1;
        Duration::from_secs(u64::from(e.0.saturating_sub(FREE_FAILURES)).min(10))
    }
}

fn router(app: Arc<App>) -> Router {
    let api = routes::endpoints()
        .into_iter()
        .fold(Router::new(), |api, e| api.route(e.path, e.handler))
        .fallback(|| async { ApiError::not_found("no such resource under /api/v1") })
        .method_not_allowed_fallback(|| async {
            ApiError {
                status: StatusCode::METHOD_NOT_ALLOWED,
                kind: "method_not_allowed",
                message: "not with this method: reads are GET; POST only to /submit and /sync".into(),
                hint: None,
            }
        })
        .route_layer(middleware::from_fn_with_state(app.clone(), authorize));
    Router::new()
        .nest("/api/v1", api)
        .merge(web::router(app.clone()))
        .layer(middleware::from_fn(access_log))
        .with_state(app)
}

/// Every endpoint the API serves, as (method, path): `("GET", "/api/v1/batches/{batch}")`.
/// The OpenAPI document ([`openapi::document`]) describes exactly these.
pub fn routes() -> Vec<(String, String)> {
    routes::endpoints().into_iter().map(|e| (e.method.to_string(), format!("/api/v1{}", e.path))).collect()
}

/// One line per request, without the query string and with nothing of the response.
async fn access_log(req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let started = Instant::now();
    let response = next.run(req).await;
    tracing::info!(target: "claimtrack::api", %method, path, status = response.status().as_u16(), ms = crate::ingest::ms(started));
    response
}

async fn authorize(State(app): State<Arc<App>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, req: Request, next: Next) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    // Only what looks like one of our tokens takes a database connection to check.
    let known = match presented.filter(|t| tokens::looks_like_one(t)) {
        Some(token) => app.with(move |t| tokens::check(t.store().conn(), &token)).await,
        None => Ok(Ok(None)),
    };
    match known {
        Ok(Ok(Some(_))) => next.run(req).await,
        Ok(Err(e)) => ApiError::database(&e.into()).into_response(),
        Err(e) => e.into_response(),
        Ok(Ok(None)) => {
            let wait = app.failed(peer.ip());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            ApiError {
                status: StatusCode::UNAUTHORIZED,
                kind: "unauthorized",
                message: "this needs a working API token: `Authorization: Bearer ct_…`".into(),
                hint: Some("`claimtrack token create NAME` makes one (shown once); `claimtrack token list` lists them"),
            }
            .into_response()
        }
    }
}

/// A failure, as the contract's error envelope.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    kind: &'static str,
    message: String,
    hint: Option<&'static str>,
}

impl ApiError {
    fn not_found(message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::NOT_FOUND, kind: "not_found", message: message.into(), hint: None }
    }
    fn bad_request(message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::BAD_REQUEST, kind: "bad_request", message: message.into(), hint: None }
    }
    fn busy() -> Self {
        ApiError { status: StatusCode::SERVICE_UNAVAILABLE, kind: "busy", message: "the server is stopping".into(), hint: None }
    }
    fn internal(message: &str) -> Self {
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, kind: "internal", message: message.into(), hint: None }
    }
    fn database(e: &anyhow::Error) -> Self {
        tracing::warn!(target: "claimtrack::api", "database: {e:#}");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            kind: "database",
            message: "the database could not be read".into(),
            hint: Some("`claimtrack doctor` checks the data folder"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = crate::contract::failure("api", self.kind, &self.message, self.hint);
        (self.status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
    }
}

/// `data` in the contract's envelope.
fn ok(command: &str, data: &impl Serialize) -> Response {
    json_body(crate::contract::data(command, data).into())
}

type ApiResult = Result<Response, ApiError>;

/// The query string, each name once; an empty value is the same as none (`?since=`).
/// Anything it cannot read is a 400 in the contract's envelope, not axum's plain text.
struct Params(HashMap<String, String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(all) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::bad_request(format!("the query string cannot be read: {}", e.body_text())))?;
        Ok(Params(all.into_iter().filter(|(_, v)| !v.trim().is_empty()).collect()))
    }
}

impl Params {
    fn text(&self, name: &str) -> Option<String> {
        self.0.get(name).map(|v| v.trim().to_string())
    }

    fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| ApiError::bad_request(format!("{name} must be a whole number, not {v:?}"))),
        }
    }

    fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.0.get(name).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("0" | "false" | "no" | "off") => Ok(false),
            Some("1" | "true" | "yes" | "on") => Ok(true),
            Some(v) => Err(ApiError::bad_request(format!("{name} must be true or false, not {v:?}"))),
        }
    }

    fn date(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.text(name) {
            Some(d) if chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").is_err() => {
                Err(ApiError::bad_request(format!("{name} must be a date, YYYY-MM-DD")))
            }
            v => Ok(v),
        }
    }
}

/// Runs a read on the pool and turns a store error into the contract's.
async fn read<R: Send + 'static, E: Into<anyhow::Error> + Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&mut Tracker) -> Result<R, E> + Send + 'static,
) -> Result<R, ApiError> {
    app.with(f).await?.map_err(|e| ApiError::database(&e.into()))
}

/// The batch list is the dearest read (≈ 14 ms of CPU at 100,000 claims: every batch's
/// claims counted by status) and the most polled, so it is kept, serialized, until the
/// database changes: [`Version`] says when any connection, in any process, commits.
async fn batches(State(app): State<Arc<App>>) -> ApiResult {
    let version = app.version.current();
    if let Some((v, body)) = app.batches_cache.lock().unwrap_or_else(|p| p.into_inner()).clone()
        && Some(v) == version
    {
        return Ok(json_body(body));
    }
    let rows = read(&app, |t| t.batches()).await?;
    let body = axum::body::Bytes::from(crate::contract::data("batches", &rows));
    if let Some(v) = version {
        *app.batches_cache.lock().unwrap_or_else(|p| p.into_inner()) = Some((v, body.clone()));
    }
    Ok(json_body(body))
}

/// How far the database has moved: SQLite's `data_version` on a connection of its own
/// that never writes, so every commit by anyone else (the pool, `sync`, `watch`, `ingest`,
/// the webhook workers) moves it. `None` when it cannot be read: nothing is then cached.
struct Version(Mutex<Option<rusqlite::Connection>>);

impl Version {
    fn open(data_dir: &DataDir) -> Version {
        let path = data_dir.root().join(crate::store::DB_FILE);
        let conn = rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX).ok();
        Version(Mutex::new(conn))
    }

    /// Read on the request's own thread: a pragma on an open connection takes microseconds.
    fn current(&self) -> Option<i64> {
        let guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_ref()?.query_row("PRAGMA data_version", [], |r| r.get(0)).ok()
    }
}

/// A response whose body is already the contract's JSON.
fn json_body(body: axum::body::Bytes) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

async fn batch(State(app): State<Arc<App>>, Path(key): Path<String>) -> ApiResult {
    let shown = key.clone();
    let found = read(&app, move |t| match t.find_batch(&key)? {
        Some(id) => t.batch(id),
        None => Ok(None),
    })
    .await?;
    let (b, claims) = found.ok_or_else(|| ApiError::not_found(format!("there is no batch {shown:?}")))?;
    Ok(ok("batch", &BatchJson { batch: &b, claims: &claims, totals: query::totals(&claims) }))
}

/// A page of a claim search.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct ClaimPage<'a> {
    /// The claims, newest first.
    claims: &'a [query::ClaimRow],
    /// Pass as `cursor` for the next page; `null` on the last.
    next_cursor: Option<i64>,
}

async fn claims(State(app): State<Arc<App>>, p: Params) -> ApiResult {
    let status = match p.text("status") {
        Some(s) => match crate::tracking::status::ClaimStatus::parse(&s.replace(['_', '+'], " ").to_ascii_uppercase()) {
            Some(s) => Some(s.as_str().to_string()),
            None => return Err(ApiError::bad_request(format!("{s:?} is not a claim status (PAID, OA REJECTED, …)"))),
        },
        None => None,
    };
    let search = ClaimSearch {
        text: p.text("q"),
        status,
        from: p.date("from")?,
        to: p.date("to")?,
        before: p.number("cursor")?,
        limit: p.number("limit")?.unwrap_or(100),
    };
    let (rows, next) = read(&app, move |t| t.search_claims(&search)).await?;
    Ok(ok("claims", &ClaimPage { claims: &rows, next_cursor: next }))
}

async fn claim(State(app): State<Arc<App>>, Path(uid): Path<String>) -> ApiResult {
    let shown = uid.clone();
    let found = read(&app, move |t| t.claim_by_uid(&uid)).await?;
    let (c, timeline) = found.ok_or_else(|| ApiError::not_found(format!("there is no claim {shown:?} (claims are named by their uid)")))?;
    Ok(ok("claim", &ClaimJson { claim: &c, timeline: &timeline }))
}

async fn errors(State(app): State<Arc<App>>, p: Params) -> ApiResult {
    let (key, all) = (p.text("batch"), p.flag("all")?);
    let groups = read(&app, move |t| {
        let batch = match &key {
            Some(key) => match t.find_batch(key)? {
                Some(id) => Some(id),
                None => return Ok(None),
            },
            None => None,
        };
        t.errors(batch, all).map(Some)
    })
    .await?;
    let groups = groups.ok_or_else(|| ApiError::not_found("there is no such batch"))?;
    Ok(ok("errors", &groups))
}

async fn alerts(State(app): State<Arc<App>>, p: Params) -> ApiResult {
    let era_days = p.number::<u32>("era_days")?.unwrap_or(AlertSettings::default().era_days).clamp(1, 3650);
    let rows = read(&app, move |t| t.alerts_with(&AlertSettings { era_days })).await?;
    Ok(ok("alerts", &rows))
}

async fn files(State(app): State<Arc<App>>, p: Params) -> ApiResult {
    let attention = p.flag("attention")?;
    let rows = read(&app, move |t| t.store().archived_files(attention)).await?;
    Ok(ok("files", &rows))
}

async fn file_raw(State(app): State<Arc<App>>, Path(key): Path<String>) -> ApiResult {
    let shown = key.clone();
    let found = read(&app, move |t| t.store().stored_file(&key)).await?;
    let (file, bytes) = found.ok_or_else(|| ApiError::not_found(format!("there is no archived file {shown:?} (its id or SHA-256)")))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream")),
            (header::CONTENT_DISPOSITION, attachment(&file.name)),
            (header::HeaderName::from_static("x-content-sha256"), HeaderValue::from_str(&file.sha256).expect("hex is a header value")),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// `Content-Disposition` for a download named `name`: a plain `filename` kept to what is safe
/// in a header (for old clients), and the exact name as `filename*` (RFC 6266, UTF-8
/// percent-encoded).
fn attachment(name: &str) -> HeaderValue {
    let plain: String = name.chars().filter(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\\' | ';' | '%')).collect();
    let plain = if plain.is_empty() { "file".to_string() } else { plain };
    let exact: String = name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    HeaderValue::from_str(&format!("attachment; filename=\"{plain}\"; filename*=UTF-8''{exact}")).unwrap_or(HeaderValue::from_static("attachment"))
}

/// A page of the change log.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct ChangePage<'a> {
    /// The changes after `since`, oldest first.
    changes: &'a [crate::store::changes::Change],
    /// Pass as `since` to read on (the last change's cursor, or `since` when there was none).
    next_since: i64,
}

/// How often a waiting `changes` request looks again: other processes write the log.
const POLL: Duration = Duration::from_millis(200);

/// `?since=&limit=&wait=`: `wait` is how many seconds to wait for a change when there is
/// none yet (a long poll).
async fn changes(State(app): State<Arc<App>>, p: Params) -> ApiResult {
    let since = p.number::<i64>("since")?.unwrap_or(0).max(0);
    let limit = p.number::<usize>("limit")?.unwrap_or(500).clamp(1, 5000);
    let deadline = Instant::now() + Duration::from_secs(p.number("wait")?.unwrap_or(0)).min(app.max_wait);
    loop {
        let rows = read(&app, move |t| t.changes_since(since, limit)).await?;
        if !rows.is_empty() || Instant::now() >= deadline {
            let next_since = rows.last().map_or(since, |c| c.cursor);
            return Ok(ok("changes", &ChangePage { changes: &rows, next_since }));
        }
        tokio::time::sleep(POLL.min(deadline.saturating_duration_since(Instant::now()))).await;
    }
}

/// The largest 837 `POST /submit` takes: 64 MiB.
pub const SUBMIT_LIMIT: usize = 64 * 1024 * 1024;

/// `POST /submit?name=&test=&force=` with the 837's bytes as the body: the rule check, and
/// the batch queued (201), refused with the rules it breaks (422), or already submitted (200).
async fn submit(State(app): State<Arc<App>>, p: Params, headers: axum::http::HeaderMap, body: Body) -> ApiResult {
    let too_large = || ApiError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        kind: "too_large",
        message: format!("an 837 can be up to {} MiB", SUBMIT_LIMIT >> 20),
        hint: Some("Office Ally takes larger batches split into several files"),
    };
    // Refused from its announced length, before a byte of it is read; a body without one
    // (chunked) is cut off at the limit.
    let announced = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > SUBMIT_LIMIT as u64) {
        return Err(too_large());
    }
    let body = axum::body::to_bytes(body, SUBMIT_LIMIT).await.map_err(|e| {
        let over = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if over { too_large() } else { ApiError::bad_request(format!("the body could not be read: {e}")) }
    })?;
    let name = p.text("name").ok_or_else(|| ApiError::bad_request("name is needed: the 837's file name (?name=walk-ins.837)"))?;
    if body.is_empty() {
        return Err(ApiError::bad_request("the body is empty: POST the 837's bytes"));
    }
    let force = p.flag("force")?;
    let config = app.office_ally_config()?;
    // The configured test mode makes every submission a test, as `claimtrack submit` does.
    let test = p.flag("test")? || config.as_ref().is_some_and(|c| c.sync.test_mode);
    app.with(move |t| {
        use crate::submit::{SubmitError, SubmitOutcome};
        let result = t.submit(&name, &body, test, force);
        if let Some(outcome) = SubmitOutcome::of(&name, &result) {
            let mut response = ok("submit", &outcome);
            *response.status_mut() = match outcome {
                SubmitOutcome::Queued { .. } => StatusCode::CREATED,
                SubmitOutcome::Refused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                SubmitOutcome::AlreadySubmitted { .. } => StatusCode::OK,
            };
            return Ok(response);
        }
        // What `SubmitOutcome::of` does not answer is an error.
        let Err(e) = result else { unreachable!("every success is an outcome") };
        let status = match &e {
            SubmitError::NotAn837 { .. } | SubmitError::NoClaims { .. } => StatusCode::BAD_REQUEST,
            SubmitError::AlreadyIngested { .. } => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::warn!(target: "claimtrack::api", "submit: {e}");
        }
        Err(ApiError { status, kind: e.kind(), message: e.to_string(), hint: None })
    })
    .await?
}

impl App {
    /// The configuration, when `serve` knows where it is and it exists; refuses work that
    /// reaches Office Ally under a pretended clock, as the CLI does.
    fn office_ally_config(&self) -> Result<Option<crate::config::Config>, ApiError> {
        let Some(paths) = &self.config else { return Ok(None) };
        if !paths.config.is_file() {
            return Ok(None);
        }
        let c = crate::config::Config::load(&paths.config).map_err(|e| ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            kind: "config",
            message: e.to_string(),
            hint: Some("`claimtrack doctor` checks the configuration"),
        })?;
        if c.refuses_clock(&self.clock) {
            return Err(ApiError {
                status: StatusCode::CONFLICT,
                kind: "refused",
                message: "refusing with a pretended clock (--now or CLAIMTRACK_NOW): uploads would carry the wrong date".into(),
                hint: None,
            });
        }
        Ok(Some(c))
    }

    fn syncer(&self) -> Result<&Arc<syncing::Syncer>, ApiError> {
        self.syncer.as_ref().ok_or_else(|| ApiError {
            status: StatusCode::CONFLICT,
            kind: "config",
            message: "this server has no Office Ally connection to sync with".into(),
            hint: Some("`claimtrack init` sets one up; then start `claimtrack serve` again"),
        })
    }
}

/// `GET /sync`: the running sync's progress, and how the last one ended.
async fn sync_state(State(app): State<Arc<App>>) -> ApiResult {
    Ok(ok("sync", &app.syncer()?.state()))
}

/// `POST /sync`: starts a sync (202), or says one is running (409), with the state.
async fn sync_start(State(app): State<Arc<App>>) -> ApiResult {
    let syncer = app.syncer()?;
    if app.config.as_ref().is_some_and(|p| !p.config.is_file()) {
        return Err(ApiError {
            status: StatusCode::CONFLICT,
            kind: "config",
            message: "there is no configuration to sync with".into(),
            hint: Some("`claimtrack init` sets up the Office Ally connection"),
        });
    }
    app.office_ally_config()?;
    let (state, started) = syncer.start();
    let mut response = ok("sync", &state);
    *response.status_mut() = if started { StatusCode::ACCEPTED } else { StatusCode::CONFLICT };
    Ok(response)
}
