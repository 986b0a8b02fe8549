//! The API's OpenAPI 3.1 document (docs/openapi.json, `GET /api/v1/openapi.json`): the
//! endpoint table of `super::routes` with the contract's schemas (`crate::contract::schema`)
//! as `components/schemas`. OpenAPI 3.1 schemas are JSON Schema 2020-12, the dialect of the
//! schema files, so they are the same schemas, only gathered in one place.

use std::sync::OnceLock;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::routes::{self, Kind, Payload, Place};
use crate::contract::schema;

/// Where the document's schemas are, and so what its `$ref`s point into.
const COMPONENTS: &str = "/components/schemas";

/// The whole document.
pub fn document() -> Value {
    let mut g = schema::generator(COMPONENTS);
    let mut envelopes = Map::new();
    let mut paths = Map::new();
    let error = json!({ "$ref": format!("#{COMPONENTS}/{}", schema::ERROR) });
    for e in routes::endpoints() {
        let mut responses = Map::new();
        for (code, when) in e.replies {
            let mut reply = payload(&e.reply, &mut g, &mut envelopes);
            if !when.is_empty() {
                reply["description"] = json!(when);
            }
            responses.insert(code.to_string(), reply);
        }
        let mut codes: Vec<u16> =
            e.errors.iter().copied().chain([401]).filter(|c| !e.replies.iter().any(|(r, _)| r == c)).collect();
        codes.sort_unstable();
        codes.dedup();
        for code in codes {
            responses.insert(code.to_string(), failure(failure_words(code), &error));
        }
        responses.insert(
            "default".into(),
            failure("Any other failure: 500 when the database cannot be read, 503 while the server stops.", &error),
        );
        let parameters: Vec<Value> = e
            .params
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "in": if p.place == Place::Path { "path" } else { "query" },
                    "required": p.place == Place::Path,
                    "description": p.about,
                    "schema": kind_schema(p.kind),
                })
            })
            .collect();
        let mut op = Map::new();
        op.insert("operationId".into(), json!(e.operation_id));
        op.insert("summary".into(), json!(e.summary));
        if !parameters.is_empty() {
            op.insert("parameters".into(), Value::Array(parameters));
        }
        if let Some(body) = &e.request {
            let Value::Object(mut content) = payload(body, &mut g, &mut envelopes) else { unreachable!() };
            content.insert("required".into(), json!(true));
            op.insert("requestBody".into(), Value::Object(content));
        }
        op.insert("responses".into(), Value::Object(responses));
        let item = paths.entry(format!("/api/v1{}", e.path)).or_insert_with(|| json!({}));
        item.as_object_mut().expect("path items are objects").insert(e.method.as_str().to_ascii_lowercase(), Value::Object(op));
    }
    let hooks = webhooks(&mut g, &mut envelopes);
    envelopes.insert(schema::ERROR.into(), schema::error_envelope(&mut g));
    let mut schemas = g.take_definitions(true);
    schemas.append(&mut envelopes);
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "claimtrack API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The HTTP API of `claimtrack serve` over one data folder (docs/embedding.md): the views, \
                submitting an 837, syncing, and the change log; and the webhooks it POSTs. \
                Every response is the JSON contract's envelope (docs/json.md), the same shapes `--json` prints: \
                `{schema_version, command, data}` or `{schema_version, command, error}`. \
                Two responses are not envelopes: a file's raw bytes, and this document.",
        },
        "security": [{ "bearer": [] }],
        "paths": paths,
        "webhooks": hooks,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token: `claimtrack token create NAME` makes one (ct_…, shown once).",
                },
            },
            "schemas": schemas,
        },
    });
    schema::plain_descriptions(&mut document);
    document
}

/// The document as docs/openapi.json holds it and the API serves it.
pub fn document_text() -> String {
    schema::to_file_text(&document())
}

/// `GET /api/v1/openapi.json`. Made once: it only changes with the program.
pub(super) async fn serve() -> Response {
    static TEXT: OnceLock<String> = OnceLock::new();
    let text = TEXT.get_or_init(document_text).clone();
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], text).into_response()
}

/// A response (or request body) object for `p`; envelopes go to `components/schemas`
/// under their output's name.
fn payload(p: &Payload, g: &mut schemars::SchemaGenerator, envelopes: &mut Map<String, Value>) -> Value {
    match *p {
        Payload::Envelope(name) => {
            let output = schema::output_named(name).unwrap_or_else(|| panic!("the API returns {name:?}, which no schema::OUTPUTS entry is"));
            if !envelopes.contains_key(name) {
                let envelope = output.envelope(g);
                envelopes.insert(name.into(), envelope);
            }
            json!({
                "description": format!("The `{}` envelope (docs/schema/{name}.json).", output.command),
                "content": { "application/json": { "schema": { "$ref": format!("#{COMPONENTS}/{name}") } } },
            })
        }
        Payload::Bytes(what) => json!({
            "description": what,
            "content": { "application/octet-stream": { "schema": { "type": "string", "contentMediaType": "application/octet-stream" } } },
        }),
        Payload::Document(what) => json!({
            "description": what,
            "content": { "application/json": { "schema": { "type": "object" } } },
        }),
    }
}

/// What `claimtrack webhook add URL` makes this server POST to URL, one change at a time.
fn webhooks(g: &mut schemars::SchemaGenerator, envelopes: &mut Map<String, Value>) -> Value {
    let header = |name: &str, about: &str| json!({ "name": name, "in": "header", "required": true, "description": about, "schema": { "type": "string" } });
    json!({
        "change": {
            "post": {
                "operationId": "receiveChange",
                "summary": "A change of the change log, POSTed to a webhook's URL (`claimtrack webhook add`)",
                "description": "At least once, in order per webhook; retried with exponential backoff (10 s doubling to 1 hour) \
                    while the answer is not 2xx, for up to 3 days. Drop a delivery whose id you have handled.",
                "parameters": [
                    header("Claimtrack-Delivery", "The delivery's id: the change's cursor."),
                    header("Claimtrack-Timestamp", "Unix seconds when it was sent; refuse one far from your clock."),
                    header("Claimtrack-Signature", "v1= and the hex HMAC-SHA256, keyed with the webhook's secret, of the timestamp, a dot, and the body."),
                ],
                "requestBody": payload(&Payload::Envelope("webhook"), g, envelopes),
                "responses": {
                    "2XX": { "description": "Taken: the next change follows." },
                    "default": { "description": "Not taken: sent again later, and nothing after it until it is." },
                },
            },
        },
    })
}

fn failure(description: &str, error: &Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": error } } })
}

fn failure_words(code: u16) -> &'static str {
    match code {
        400 => "A parameter cannot be read (error.kind bad_request).",
        401 => "No token, or not a working one (error.kind unauthorized).",
        404 => "Nothing has this id or name (error.kind not_found).",
        409 => "It conflicts with what is there: the bytes were ingested before (already_ingested), or there is no Office Ally connection to sync with (config).",
        413 => "The body is over the size limit (error.kind too_large).",
        _ => "It failed.",
    }
}

fn kind_schema(kind: Kind) -> Value {
    match kind {
        Kind::Text => json!({ "type": "string" }),
        Kind::Integer => json!({ "type": "integer" }),
        Kind::Flag => json!({ "type": "boolean" }),
        Kind::Date => json!({ "type": "string", "format": "date" }),
    }
}
