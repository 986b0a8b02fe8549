//! The API's endpoints as one table: the router serves it and the OpenAPI document
//! (`super::openapi`) describes it, so neither can list an endpoint the other lacks.
//! Adding an endpoint is one entry in [`endpoints`].

use std::sync::Arc;

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{on, MethodFilter, MethodRouter};

use super::App;

/// One endpoint: what the router serves and the OpenAPI document says of it.
pub(crate) struct Endpoint {
    /// GET, POST, …
    pub(crate) method: Method,
    /// Under `/api/v1`, with `{name}` for a path parameter (axum's syntax and OpenAPI's).
    pub(crate) path: &'static str,
    /// One line: the operation's summary.
    pub(crate) summary: &'static str,
    /// The parameters, path and query.
    pub(crate) params: Vec<Param>,
    /// What a request sends, if anything.
    pub(crate) request: Option<Payload>,
    /// What a success returns.
    pub(crate) reply: Payload,
    /// The statuses that answer with `reply` (200 unless said: `POST /submit` answers its
    /// outcome as 201, 200 or 422).
    pub(crate) replies: &'static [(u16, &'static str)],
    /// The failures it answers with the error envelope besides 401 (every endpoint) and
    /// the 500/503 any request can meet: 400 for a bad query, 404 for an unknown id, …
    pub(crate) errors: &'static [u16],
    /// The operation's id in the OpenAPI document (stable: code generators name methods by it).
    pub(crate) operation_id: &'static str,
    pub(super) handler: MethodRouter<Arc<App>>,
}

/// A parameter of an [`Endpoint`].
pub(crate) struct Param {
    /// Its name, as in the path or query string.
    pub(crate) name: &'static str,
    /// In the path (always required) or the query string (always optional).
    pub(crate) place: Place,
    /// What its value is.
    pub(crate) kind: Kind,
    /// What it means, for the document.
    pub(crate) about: &'static str,
}

/// Where a [`Param`] goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Path,
    Query,
}

/// The value of a [`Param`], as the handlers read it (`super::Params`).
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Text,
    /// A whole number.
    Integer,
    /// true/false (also 1/0, yes/no, on/off).
    Flag,
    /// YYYY-MM-DD.
    Date,
}

/// A request's or response's body.
#[derive(Clone, Copy)]
pub(crate) enum Payload {
    /// The contract's envelope around this output's `data` (`crate::contract::schema`,
    /// docs/schema/<name>.json).
    Envelope(&'static str),
    /// Bytes as they are: `application/octet-stream`, with what they are.
    Bytes(&'static str),
    /// A JSON document of its own, not an envelope (the OpenAPI document), with what it is.
    Document(&'static str),
}

impl Param {
    const fn path(name: &'static str, about: &'static str) -> Param {
        Param { name, place: Place::Path, kind: Kind::Text, about }
    }
    const fn query(name: &'static str, kind: Kind, about: &'static str) -> Param {
        Param { name, place: Place::Query, kind, about }
    }
}

impl Endpoint {
    /// `method path`, served by `handler`, answering `reply` on success; the rest is filled
    /// in by the builder methods.
    fn new<H: Handler<T, Arc<App>>, T: 'static>(
        method: Method,
        path: &'static str,
        operation_id: &'static str,
        handler: H,
        reply: Payload,
    ) -> Self {
        let filter = MethodFilter::try_from(method.clone()).expect("the API's methods are standard ones");
        Endpoint {
            method,
            path,
            summary: "",
            params: Vec::new(),
            request: None,
            reply,
            replies: &[(200, "")],
            errors: &[],
            operation_id,
            handler: on(filter, handler),
        }
    }
    fn summary(mut self, summary: &'static str) -> Self {
        self.summary = summary;
        self
    }
    fn params(mut self, params: impl Into<Vec<Param>>) -> Self {
        self.params = params.into();
        self
    }
    fn errors(mut self, errors: &'static [u16]) -> Self {
        self.errors = errors;
        self
    }
    fn request(mut self, body: Payload) -> Self {
        self.request = Some(body);
        self
    }
    /// The statuses answering with the reply, each with when.
    fn replies(mut self, replies: &'static [(u16, &'static str)]) -> Self {
        self.replies = replies;
        self
    }
}

const BATCH: Param = Param::path(
    "batch",
    "A batch: its uid (B…), its number, Office Ally's File ID for it (or a per-payer child file ID), or the name it was uploaded under.",
);
const CLAIM: Param = Param::path("claim", "A claim's uid (B…-0000003 or R…-0000041), as the views and the change log give it.");
const FILE: Param = Param::path("file", "An archived file: its id or its SHA-256 (hex).");

/// Every endpoint, in the order the document lists them.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    use Kind::*;
    use Payload::*;
    vec![
        Endpoint::new(Method::GET, "/batches", "listBatches", super::batches, Envelope("batches"))
            .summary("Every batch, newest first (archived ones too, with `archived` set)"),
        Endpoint::new(Method::GET, "/batches/{batch}", "getBatch", super::batch, Envelope("batch"))
            .summary("One batch with its claims and their money")
            .params([BATCH])
            .errors(&[404]),
        Endpoint::new(Method::GET, "/claims", "searchClaims", super::claims, Envelope("claims"))
            .summary("A page of claims, newest first, optionally searched")
            .params([
                Param::query("q", Text, "A patient control number, OA Claim ID or payer claim number (whole, any case), or part of the patient's name."),
                Param::query("status", Text, "Only claims with this status (PAID, OA REJECTED, …; `_` or `+` for spaces)."),
                Param::query("from", Date, "Only claims with a date of service on or after this day."),
                Param::query("to", Date, "Only claims with a date of service on or before this day."),
                Param::query("cursor", Integer, "The previous page's `next_cursor`."),
                Param::query("limit", Integer, "Claims per page (default 100, at most 500)."),
            ])
            .errors(&[400]),
        Endpoint::new(Method::GET, "/claims/{claim}", "getClaim", super::claim, Envelope("claim-api"))
            .summary("One claim with its timeline")
            .params([CLAIM])
            .errors(&[404]),
        Endpoint::new(Method::GET, "/errors", "listErrors", super::errors, Envelope("errors"))
            .summary("Rejection and denial reasons with the claims they hit, rejections first")
            .params([
                Param::query("batch", Text, "Only this batch (as in /batches/{batch})."),
                Param::query("all", Flag, "Also the problems of claims refiled since (default: open problems only)."),
            ])
            .errors(&[400, 404]),
        Endpoint::new(Method::GET, "/alerts", "listAlerts", super::alerts, Envelope("alerts"))
            .summary("Open alerts, newest first")
            .params([Param::query("era_days", Integer, "Days after payer acceptance without an ERA (835) before a claim gets the follow-up alert (default 30, 1 to 3650).")])
            .errors(&[400]),
        Endpoint::new(Method::GET, "/files", "listFiles", super::files, Envelope("files"))
            .summary("Every archived file")
            .params([Param::query("attention", Flag, "Only the files that need attention.")])
            .errors(&[400]),
        Endpoint::new(Method::GET, "/files/{file}/raw", "getFileRaw", super::file_raw, Bytes("The file's bytes."))
            .summary("An archived file's bytes, as received (X-Content-SHA256 gives their hash)")
            .params([FILE])
            .errors(&[404]),
        Endpoint::new(Method::GET, "/changes", "listChanges", super::changes, Envelope("changes-api"))
            .summary("The change log after a cursor, oldest first; waits for a change with `wait`")
            .params([
                Param::query("since", Integer, "The previous page's `next_since` (0: from the start)."),
                Param::query("limit", Integer, "Changes per page (default 500, at most 5000)."),
                Param::query("wait", Integer, "Seconds to wait for a change when there is none yet (a long poll; capped by the server)."),
            ])
            .errors(&[400]),
        Endpoint::new(Method::POST, "/submit", "submitBatch", super::submit, Envelope("submit"))
            .summary("Submit an 837: the rule check, then the batch queued for the next sync")
            .params([
                Param::query("name", Text, "The 837's file name (required), e.g. walk-ins.837."),
                Param::query("test", Flag, "Stage it as an Office Ally test file (OATEST); also when the configuration says test_mode."),
                Param::query("force", Flag, "Queue it even though it breaks Office Ally rules."),
            ])
            .request(Bytes("The 837's bytes, as the practice-management system wrote them (up to 64 MiB)."))
            .replies(&[
                (201, "Queued (outcome queued): in the outbox, QUEUED until a sync uploads it."),
                (200, "These bytes were submitted before (outcome already_submitted); nothing changed."),
                (422, "Refused (outcome refused): the rules it breaks; nothing was stored."),
            ])
            .errors(&[400, 409, 413]),
        Endpoint::new(Method::GET, "/sync", "getSync", super::sync_state, Envelope("sync-api"))
            .summary("The running sync's progress, and how the last one this server ran ended")
            .errors(&[409]),
        Endpoint::new(Method::POST, "/sync", "startSync", super::sync_start, Envelope("sync-api"))
            .summary("Start a sync with Office Ally (uploads queued batches, downloads reports)")
            .replies(&[(202, "Started."), (409, "A sync is running already: its state.")])
            .errors(&[409]),
        Endpoint::new(Method::GET, "/openapi.json", "getOpenApi", super::openapi::serve, Document("The OpenAPI 3.1 document of this API."))
            .summary("This document (OpenAPI 3.1), as it is, not in an envelope"),
    ]
}
