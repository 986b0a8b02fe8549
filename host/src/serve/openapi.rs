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
        responses.insert("200".into(), payload(&e.reply, &mut g, &mut envelopes));
        let mut codes: Vec<u16> = e.errors.iter().copied().chain([401]).collect();
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
    envelopes.insert(schema::ERROR.into(), schema::error_envelope(&mut g));
    let mut schemas = g.take_definitions(true);
    schemas.append(&mut envelopes);
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "claimtrack API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Read-only HTTP API of `claimtrack serve` over one data folder (docs/embedding.md). \
                Every response is the JSON contract's envelope (docs/json.md), the same shapes `--json` prints: \
                `{schema_version, command, data}` or `{schema_version, command, error}`. \
                Two responses are not envelopes: a file's raw bytes, and this document.",
        },
        "security": [{ "bearer": [] }],
        "paths": paths,
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

fn failure(description: &str, error: &Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": error } } })
}

fn failure_words(code: u16) -> &'static str {
    match code {
        400 => "A parameter cannot be read (error.kind bad_request).",
        401 => "No token, or not a working one (error.kind unauthorized).",
        404 => "Nothing has this id or name (error.kind not_found).",
        409 => "It conflicts with what is there.",
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
