//! The JSON Schemas of the contract (docs/schema/): one per top-level output, each
//! describing the whole envelope, derived with `schemars` from the types that serialize the
//! output, so a schema cannot say what the code does not write. The OpenAPI document
//! (`crate::serve::openapi`) takes its `components/schemas` from the same list.
//!
//! Adding an output is one line in [`OUTPUTS`]; `UPDATE_SCHEMAS=1` on the CLI's contract
//! test writes its file, and the test fails while a checked-in file differs.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use super::{Failure, SCHEMA_VERSION};
use crate::ingest::IngestLine;
use crate::plugins::{ListingJson, ParseJson};
use crate::serve::tokens::{CreatedToken, TokenInfo};
use crate::serve::{ChangePage, ClaimPage, SyncState};
use crate::store::changes::Change;
use crate::store::ArchivedFile;
use crate::submit::{OutboxEntry, Resent, SubmitOutcome, Uploaded};
use crate::sync::SyncReport;
use crate::tracker::{ArchiveOutcome, StatusChange};
use crate::tracking::alerts::Alert;
use crate::tracking::query::{BatchJson, BatchRow, ClaimJson, ErrorGroup, Export};
use crate::webhooks::{CreatedWebhook, Delivery, Payload as WebhookPayload, Webhook};

/// One top-level output of the contract: what one command (or API resource) writes as the
/// envelope's `data`.
pub struct Output {
    /// Its schema's name: `docs/schema/<name>.json`, and its `components/schemas` entry in
    /// the OpenAPI document. The command with spaces as `-`; where the API writes another
    /// shape under the same command, `<command>-api`.
    pub name: &'static str,
    /// The envelope's `command`.
    pub command: &'static str,
    /// Who writes it, for people (the schema's description).
    pub written_by: &'static str,
    data: fn(&mut SchemaGenerator) -> Schema,
}

const fn output<T: JsonSchema + ?Sized>(name: &'static str, command: &'static str, written_by: &'static str) -> Output {
    Output { name, command, written_by, data: SchemaGenerator::subschema_for::<T> }
}

/// Every top-level output, CLI and API. The error envelope is apart: [`ERROR`].
pub const OUTPUTS: &[Output] = &[
    output::<Vec<BatchRow>>("batches", "batches", "`claimtrack batches --json`, `GET /api/v1/batches`"),
    output::<BatchJson<'static>>("batch", "batch", "`claimtrack batch BATCH --json`, `GET /api/v1/batches/{batch}`"),
    output::<Vec<ClaimJson<'static>>>("claim", "claim", "`claimtrack claim KEY --json`: every claim the key finds"),
    output::<ClaimJson<'static>>("claim-api", "claim", "`GET /api/v1/claims/{claim}`: one claim, by its uid"),
    output::<ClaimPage<'static>>("claims", "claims", "`GET /api/v1/claims`: a page of a claim search"),
    output::<Vec<ErrorGroup>>("errors", "errors", "`claimtrack errors --json`, `GET /api/v1/errors`"),
    output::<Vec<Alert>>("alerts", "alerts", "`claimtrack alerts --json`, `GET /api/v1/alerts`"),
    output::<Vec<ArchivedFile>>("files", "files", "`claimtrack files --json`, `GET /api/v1/files`"),
    output::<Vec<Change>>("changes", "changes", "`claimtrack changes --json`"),
    output::<ChangePage<'static>>("changes-api", "changes", "`GET /api/v1/changes`: a page of the change log"),
    output::<Export<'static>>("export", "export", "`claimtrack export` (JSON)"),
    output::<Vec<StatusChange>>("rebuild", "rebuild", "`claimtrack rebuild --json`"),
    output::<OneOrMany<ArchiveOutcome, BatchRow>>(
        "archive",
        "archive",
        "`claimtrack archive BATCH --json` (one outcome), `claimtrack archive --json` (the batches archived)",
    ),
    output::<Vec<IngestLine>>("ingest", "ingest", "`claimtrack ingest --json`"),
    output::<SubmitOutcome<'static>>("submit", "submit", "`claimtrack submit FILE --json`, `POST /api/v1/submit`"),
    output::<Vec<OutboxEntry>>("outbox", "outbox", "`claimtrack outbox --json`"),
    output::<Uploaded>("mark-uploaded", "mark-uploaded", "`claimtrack mark-uploaded BATCH --json`"),
    output::<Resent>("resend", "resend", "`claimtrack resend BATCH --json`"),
    output::<SyncReport>("sync", "sync", "`claimtrack sync --json`"),
    output::<SyncReport>("watch", "watch", "`claimtrack watch --json`, one compact envelope a line, one line a sync"),
    output::<crate::doctor::Diagnosis>("doctor", "doctor", "`claimtrack doctor --json`"),
    output::<OneOrMany<ParseJson<'static>, ParseJson<'static>>>(
        "parse",
        "parse",
        "`claimtrack parse FILE --json` (one object for one file, an array for several)",
    ),
    output::<ListingJson<'static>>("plugins", "plugins", "`claimtrack plugins --json`, `claimtrack plugin list --json`"),
    output::<CreatedToken<'static>>("token-create", "token create", "`claimtrack token create NAME --json`"),
    output::<Vec<TokenInfo>>("token-list", "token list", "`claimtrack token list --json`"),
    output::<TokenInfo>("token-revoke", "token revoke", "`claimtrack token revoke TOKEN --json`"),
    output::<SyncState>("sync-api", "sync", "`GET /api/v1/sync`, `POST /api/v1/sync`: the running sync and the last one's result"),
    output::<CreatedWebhook<'static>>("webhook-add", "webhook add", "`claimtrack webhook add URL --json`"),
    output::<Vec<Webhook>>("webhook-list", "webhook list", "`claimtrack webhook list --json`"),
    output::<Webhook>("webhook-remove", "webhook remove", "`claimtrack webhook remove ID --json`"),
    output::<Vec<Delivery>>("webhook-deliveries", "webhook deliveries", "`claimtrack webhook deliveries --json`"),
    output::<WebhookPayload<'static>>("webhook", "webhook", "The body `claimtrack serve` POSTs to a webhook's URL, one change each"),
];

/// The name of the error envelope's schema: `docs/schema/error.json`.
pub const ERROR: &str = "error";

/// `data` that is one value or an array (`archive`, `parse`).
#[derive(JsonSchema)]
#[serde(untagged)]
#[schemars(inline)]
#[allow(dead_code)] // only its schema is used
enum OneOrMany<One, Item> {
    One(One),
    Many(Vec<Item>),
}

/// The output named `name` (see [`Output::name`]).
pub fn output_named(name: &str) -> Option<&'static Output> {
    OUTPUTS.iter().find(|o| o.name == name)
}

/// How the contract's schemas are made: JSON Schema 2020-12 (what OpenAPI 3.1 uses), of
/// what serializing writes (a field skipped when empty is not required; an `Option` that is
/// written as `null` is), with definitions at `definitions_path`.
pub(crate) fn generator(definitions_path: &str) -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .for_serialize()
        .with(|s| {
            s.definitions_path = definitions_path.to_string().into();
            s.meta_schema = None;
        })
        .into_generator()
}

impl Output {
    /// The envelope with this output's `data`, its types referenced at the generator's
    /// definitions path (added to the generator).
    pub(crate) fn envelope(&self, g: &mut SchemaGenerator) -> Value {
        let data = (self.data)(g);
        json!({
            "title": format!("claimtrack {}", self.command),
            "description": format!("What {} writes: the contract's envelope (docs/json.md) around its `data`.", self.written_by),
            "type": "object",
            "properties": {
                "schema_version": version_schema(),
                "command": { "const": self.command, "description": "The command or API resource that wrote it." },
                "data": data,
            },
            "required": ["schema_version", "command", "data"],
        })
    }
}

/// The failure envelope: the same for every command and API response.
pub(crate) fn error_envelope(g: &mut SchemaGenerator) -> Value {
    json!({
        "title": "claimtrack error",
        "description": "A failure, from any command's --json output or any API response: the contract's envelope (docs/json.md) with `error` instead of `data`.",
        "type": "object",
        "properties": {
            "schema_version": version_schema(),
            "command": {
                "type": "string",
                "description": "The command that failed (the API writes \"api\").",
            },
            "error": g.subschema_for::<Failure<'static>>(),
        },
        "required": ["schema_version", "command", "error"],
    })
}

fn version_schema() -> Value {
    json!({ "const": SCHEMA_VERSION, "description": "The version of the shapes (docs/json.md); raised only by a change a reader could trip on." })
}

/// A standalone schema file: `schema` with the definitions it uses under `$defs`.
fn standalone(schema: Value, mut g: SchemaGenerator) -> Value {
    let Value::Object(mut root) = schema else { unreachable!("envelopes are objects") };
    let defs = g.take_definitions(true);
    let mut out = Map::new();
    out.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
    out.append(&mut root);
    if !defs.is_empty() {
        out.insert("$defs".into(), Value::Object(defs));
    }
    let mut out = Value::Object(out);
    plain_descriptions(&mut out);
    out
}

/// The descriptions come from the types' doc comments, written for rustdoc: for a reader of
/// the JSON, links lose their Rust paths (`[`crate::tracker::Tracker::batch`]` becomes
/// `Tracker::batch`) and lines wrapped in the source join into one.
pub(crate) fn plain_descriptions(v: &mut Value) {
    match v {
        Value::Object(o) => {
            for (key, value) in o.iter_mut() {
                match value {
                    Value::String(text) if key == "description" => *text = plain(text),
                    _ => plain_descriptions(value),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(plain_descriptions),
        _ => {}
    }
}

fn plain(doc: &str) -> String {
    let joined = doc.split("\n\n").map(|para| para.split('\n').map(str::trim).collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join("\n\n");
    let mut out = String::with_capacity(joined.len());
    let mut rest = joined.as_str();
    while let Some(open) = rest.find("[`") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("`]") else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        out.push('`');
        out.push_str(item_name(&after[..close]));
        out.push('`');
        rest = &after[close + 2..];
        // An explicit target, `[`text`](path)`, goes too.
        if rest.starts_with('(')
            && let Some(end) = rest.find(')')
        {
            rest = &rest[end + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// `crate::tracker::Tracker::batch` → `Tracker::batch`; `super::advice` → `advice`: the
/// path from the first type, or the last segment.
fn item_name(path: &str) -> &str {
    let mut start = 0;
    for (i, segment) in path.split("::").scan(0, |at, s| {
        let here = *at;
        *at += s.len() + 2;
        Some((here, s))
    }) {
        if segment.starts_with(|c: char| c.is_ascii_uppercase()) {
            return &path[i..];
        }
        start = i;
    }
    &path[start..]
}

/// Every schema file, as (name, schema): `docs/schema/<name>.json` holds the schema
/// pretty-printed ([`to_file_text`]). The outputs in [`OUTPUTS`] order, then [`ERROR`].
pub fn schemas() -> Vec<(&'static str, Value)> {
    let mut all: Vec<(&'static str, Value)> = OUTPUTS
        .iter()
        .map(|o| {
            let mut g = generator("/$defs");
            let envelope = o.envelope(&mut g);
            (o.name, standalone(envelope, g))
        })
        .collect();
    let mut g = generator("/$defs");
    let envelope = error_envelope(&mut g);
    all.push((ERROR, standalone(envelope, g)));
    all
}

/// A schema or document as its checked-in file holds it: pretty JSON and a final newline.
pub fn to_file_text(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn rustdoc_links_read_as_plain_names() {
        assert_eq!(super::plain("what [`crate::tracker::Tracker::batch`] takes"), "what `Tracker::batch` takes");
        assert_eq!(super::plain("[`ClaimStatus::ALL`](super::status::ClaimStatus::ALL)\norder"), "`ClaimStatus::ALL` order");
        assert_eq!(super::plain("see [`super::advice`]"), "see `advice`");
        assert_eq!(super::plain("one\ntwo\n\nthree [`x"), "one two\n\nthree [`x");
    }
}
